//! The static search index: `search/{key}.json`, one small file for every
//! two-character key, listing the crates whose name or one of whose
//! keywords starts with that key (after lowercasing, `_` read as `-`), best
//! score first. The site's own script (`theme/search.js`) fetches the one
//! file a query needs and ranks exact names, then name prefixes, then
//! keywords; a visitor downloads kilobytes, never the whole registry.
//!
//! A key shared by more than [`FILE_LIMIT`] crates is split by one more
//! character, as deep as needed, so that no file grows with the registry.
//!
//! Memory stays linear and small: the (token, crate) pairs are collected,
//! sorted, and each file is written from the reports as its key comes up.

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

/// Crates a file lists before it is split by one more character.
pub const FILE_LIMIT: usize = 200;
/// Crates of each kind (name prefix, keyword prefix) that a split file
/// keeps for a query as long as its key, best first.
const TOP: usize = 10;

/// One crate under one token (its normalized name or a keyword).
struct Token {
    text: String,
    crate_index: u32,
    is_name: bool,
}

/// Writes the search index: `search/{key}.json` for every two-character
/// key; a file that would list more than [`FILE_LIMIT`] crates is split by
/// one more character (`search/{key}{c}.json`, as deep as needed) and keeps,
/// as `{"split": true, "top": [...]}`, only what a query of its own length
/// shows: the exact name, and the best name and keyword matches. Returns
/// how many files.
pub fn write_index(dir: &Path, reports: &[CrateReport]) -> anyhow::Result<usize> {
    write_index_limited(dir, reports, FILE_LIMIT)
}

fn write_index_limited(dir: &Path, reports: &[CrateReport], limit: usize) -> anyhow::Result<usize> {
    let mut tokens: Vec<Token> = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        let name = normalize(&r.name);
        let mut mine: Vec<(String, bool)> = vec![(name.clone(), true)];
        for k in r.keywords.iter().take(KEYWORDS) {
            let k = normalize(k);
            if k != name && !mine.iter().any(|(t, _)| *t == k) {
                mine.push((k, false));
            }
        }
        tokens.extend(
            mine.into_iter()
                .filter(|(t, _)| key(t).is_some())
                .map(|(text, is_name)| Token {
                    text,
                    crate_index: i as u32,
                    is_name,
                }),
        );
    }
    tokens.sort_by(|a, b| a.text.cmp(&b.text).then(a.crate_index.cmp(&b.crate_index)));
    let mut files = 0;
    for group in tokens.chunk_by(|a, b| key(&a.text) == key(&b.text)) {
        let prefix: String = group[0].text.chars().take(2).collect();
        files += write_prefix(dir, reports, group, prefix, limit)?;
    }
    Ok(files)
}

/// Writes the file of `prefix`, whose tokens are `group`, and its splits.
fn write_prefix(
    dir: &Path,
    reports: &[CrateReport],
    group: &[Token],
    prefix: String,
    limit: usize,
) -> anyhow::Result<usize> {
    let score = |i: u32| reports[i as usize].ranking.score;
    let best_first = |mut v: Vec<u32>| {
        v.sort_unstable();
        v.dedup();
        v.sort_by(|a, b| {
            score(*b)
                .cmp(&score(*a))
                .then_with(|| reports[*a as usize].name.cmp(&reports[*b as usize].name))
        });
        v
    };
    let all = best_first(group.iter().map(|t| t.crate_index).collect());
    let rel = format!("search/{prefix}.json");
    let depth = prefix.chars().count();
    if all.len() <= limit {
        let entries: Vec<Entry> = all.iter().map(|i| entry(&reports[*i as usize])).collect();
        super::write(dir, &rel, &serde_json::to_vec(&entries)?)?;
        return Ok(1);
    }
    let exact: Vec<u32> = group
        .iter()
        .filter(|t| t.is_name && t.text == prefix)
        .map(|t| t.crate_index)
        .collect();
    let by_name = best_first(
        group
            .iter()
            .filter(|t| t.is_name)
            .map(|t| t.crate_index)
            .collect(),
    );
    let by_keyword = best_first(
        group
            .iter()
            .filter(|t| !t.is_name)
            .map(|t| t.crate_index)
            .collect(),
    );
    let mut top = exact;
    top.extend(by_name.into_iter().take(TOP));
    top.extend(by_keyword.into_iter().take(TOP));
    let top = best_first(top);
    let entries: Vec<Entry> = top.iter().map(|i| entry(&reports[*i as usize])).collect();
    let split = serde_json::json!({ "split": true, "top": entries });
    super::write(dir, &rel, &serde_json::to_vec(&split)?)?;
    let mut files = 1;
    let next = |t: &Token| t.text.chars().nth(depth);
    for sub in group.chunk_by(|a, b| next(a) == next(b)) {
        let Some(c) = next(&sub[0]) else { continue };
        if c.is_ascii_alphanumeric() || c == '-' {
            files += write_prefix(dir, reports, sub, format!("{prefix}{c}"), limit)?;
        }
    }
    Ok(files)
}

/// A crate's entry in the index.
fn entry(r: &CrateReport) -> Entry<'_> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(name: &str, score: u32, keywords: &[&str]) -> CrateReport {
        let mut r = CrateReport {
            name: name.into(),
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            ..CrateReport::default()
        };
        r.ranking.score = score;
        r
    }

    fn names(value: &serde_json::Value) -> Vec<&str> {
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["n"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn a_key_with_too_many_crates_is_split_by_one_more_character() {
        let dir = tempfile::tempdir().unwrap();
        let reports = vec![
            report("co", 5, &[]),
            report("cob", 9, &[]),
            report("coa-x", 7, &[]),
            report("coa-y", 8, &["cod"]),
            report("net", 3, &["codec"]),
            report("zz", 1, &["coß"]),
        ];
        let files = write_index_limited(dir.path(), &reports, 2).unwrap();
        let read = |key: &str| -> serde_json::Value {
            serde_json::from_slice(
                &std::fs::read(dir.path().join(format!("search/{key}.json"))).unwrap(),
            )
            .unwrap()
        };
        let co = read("co");
        assert_eq!(co["split"], true);
        // A query "co" sees the exact name and the best matches of each kind.
        assert_eq!(
            names(&co["top"]),
            ["cob", "coa-y", "coa-x", "co", "net", "zz"]
        );
        assert_eq!(names(&read("coa")), ["coa-y", "coa-x"]);
        assert_eq!(names(&read("cob")), ["cob"]);
        assert_eq!(names(&read("cod")), ["coa-y", "net"]);
        assert_eq!(names(&read("ne")), ["net"]);
        assert_eq!(names(&read("zz")), ["zz"]);
        // "coß" cannot be keyed deeper; "co" itself has nothing deeper.
        assert_eq!(files, 6);
        assert!(!dir.path().join("search/co-.json").exists());
    }

    #[test]
    fn keys_of_names_and_keywords() {
        assert_eq!(key(&normalize("Serde_JSON")), Some("se".into()));
        assert_eq!(key(&normalize("x")), None);
        assert_eq!(key(&normalize("-a")), Some("-a".into()));
        assert_eq!(key(&normalize("ü8")), None);
        assert_eq!(normalize("Tokio_Util"), "tokio-util");
    }
}
