//! The static search index: `search/{key}.json`, one small file for every
//! two-character key, listing the crates whose name or one of whose
//! keywords starts with that key (after lowercasing, `_` read as `-`), best
//! score first. The site's own script (`theme/search.js`) fetches the one
//! file a query needs and ranks exact names, then name prefixes, then
//! keywords; a visitor downloads kilobytes, never the whole registry.
//!
//! Memory stays linear and small: the (key, crate) pairs are collected as
//! numbers, sorted, and each file is written from the reports as its key
//! comes up.

use std::path::Path;

use serde::Serialize;

use crate::model::CrateReport;

/// Characters of a description kept in the index.
const DESCRIPTION_CHARS: usize = 90;
/// Keywords of a crate kept in the index.
const KEYWORDS: usize = 5;

/// A name or keyword as the index compares it.
pub fn normalize(s: &str) -> String {
    s.trim().to_lowercase().replace('_', "-")
}

/// The file key of a normalized token: its first two characters, when
/// they are letters, digits or `-`.
pub fn key(token: &str) -> Option<String> {
    let k: String = token.chars().take(2).collect();
    (k.chars().count() == 2 && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .then_some(k)
}

#[derive(Serialize)]
struct Entry<'a> {
    /// Name.
    n: &'a str,
    /// Description, shortened.
    d: String,
    /// Score.
    s: u32,
    /// Risk level.
    r: &'static str,
    /// Keywords.
    k: Vec<&'a str>,
}

/// Writes `search/{key}.json` for every key; returns how many files.
pub fn write_index(dir: &Path, reports: &[CrateReport]) -> anyhow::Result<usize> {
    let mut keys: Vec<(String, u32)> = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        let mut mine: Vec<String> = std::iter::once(&r.name)
            .chain(r.keywords.iter().take(KEYWORDS))
            .filter_map(|t| key(&normalize(t)))
            .collect();
        mine.sort();
        mine.dedup();
        keys.extend(mine.into_iter().map(|k| (k, i as u32)));
    }
    let score = |i: u32| reports[i as usize].ranking.score;
    keys.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| score(b.1).cmp(&score(a.1)))
            .then_with(|| reports[a.1 as usize].name.cmp(&reports[b.1 as usize].name))
    });
    let mut files = 0;
    for group in keys.chunk_by(|a, b| a.0 == b.0) {
        let entries: Vec<Entry> = group
            .iter()
            .map(|(_, i)| {
                let r = &reports[*i as usize];
                let d = r.description.as_deref().unwrap_or("");
                let mut d: String = d.split_whitespace().collect::<Vec<_>>().join(" ");
                if d.chars().count() > DESCRIPTION_CHARS {
                    d = d.chars().take(DESCRIPTION_CHARS - 1).collect::<String>() + "…";
                }
                Entry {
                    n: &r.name,
                    d,
                    s: r.ranking.score,
                    r: r.risk.level.as_str(),
                    k: r.keywords
                        .iter()
                        .take(KEYWORDS)
                        .map(String::as_str)
                        .collect(),
                }
            })
            .collect();
        let rel = format!("search/{}.json", group[0].0);
        super::write(dir, &rel, &serde_json::to_vec(&entries)?)?;
        files += 1;
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_names_and_keywords() {
        assert_eq!(key(&normalize("Serde_JSON")), Some("se".into()));
        assert_eq!(key(&normalize("x")), None);
        assert_eq!(key(&normalize("-a")), Some("-a".into()));
        assert_eq!(key(&normalize("ü8")), None);
        assert_eq!(normalize("Tokio_Util"), "tokio-util");
    }
}
