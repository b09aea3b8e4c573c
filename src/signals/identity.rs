//! Identity signals: a name one edit or one affix away from a popular crate
//! (typosquatting), a repository another crate also claims, no repository.
//!
//! Popularity comes from the caller: reverse dependencies within the site,
//! and the list of popular crates shipped in `content/popular-crates.txt`
//! (regenerated with `cargofox popular`). Near names are looked up in a
//! [`NearIndex`] of the popular names, built once per set, and confirmed
//! with [`similarity`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use super::metadata_finding as finding;
use super::near_names::NearIndex;
use crate::model::{Code, CrateReport, Finding, FindingKind, Severity};

/// The popular crates shipped with cargofox, most popular first.
pub const POPULAR_LIST: &str = include_str!("../../content/popular-crates.txt");

/// Names considered popular, normalized (lowercase, `_` as `-`).
#[derive(Debug, Clone, Default)]
pub struct Popular {
    names: BTreeSet<String>,
    /// The names indexed by their one-deletion neighbourhood, built on the
    /// first lookup after a change.
    index: OnceLock<NearIndex>,
}

/// Lowercase, with `_` as `-`: the registry treats them as the same name.
pub fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

impl Popular {
    /// The shipped list (parsed once).
    pub fn shipped() -> &'static Self {
        static SHIPPED: std::sync::LazyLock<Popular> =
            std::sync::LazyLock::new(Popular::parse_shipped);
        &SHIPPED
    }

    fn parse_shipped() -> Self {
        Self::from_names(
            POPULAR_LIST
                .lines()
                .map(|l| l.split('#').next().unwrap_or("").trim())
                .filter(|l| !l.is_empty()),
        )
    }

    /// A set from names.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            names: names.into_iter().map(normalize).collect(),
            index: OnceLock::new(),
        }
    }

    /// Adds names.
    pub fn extend<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        self.names.extend(names.into_iter().map(normalize));
        self.index = OnceLock::new();
    }

    fn index(&self) -> &NearIndex {
        self.index.get_or_init(|| {
            NearIndex::new(
                self.names
                    .iter()
                    .map(String::as_str)
                    .filter(|p| p.len() >= 4),
                5,
            )
        })
    }

    /// Whether `name` is popular.
    pub fn contains(&self, name: &str) -> bool {
        self.names.contains(&normalize(name))
    }

    /// The popular crate `name` imitates, with how.
    pub fn imitated(&self, name: &str) -> Option<(String, &'static str)> {
        let n = normalize(name);
        if self.names.contains(&n) || n.len() < 4 {
            return None;
        }
        // Every popular name `similarity` can accept: `n` less an affix, or
        // one edit from `n`. Positions follow the names' order, so the first
        // confirmed is the one a comparison with every name would find.
        let index = self.index();
        let affixed = SUFFIXES
            .iter()
            .filter_map(|s| n.strip_suffix(s))
            .chain(PREFIXES.iter().filter_map(|p| n.strip_prefix(p)))
            .filter_map(|p| index.exact(p));
        let mut candidates: Vec<u32> = index.near(&n);
        candidates.extend(affixed);
        candidates.sort_unstable();
        candidates.dedup();
        candidates.into_iter().find_map(|i| {
            let p = &index.names()[i as usize];
            similarity(&n, p).map(|how| (p.clone(), how))
        })
    }
}

const SUFFIXES: &[&str] = &[
    "-rs", "-rust", "-sys", "-core", "-cli", "-sdk", "-ng", "s", "-lib", "-utils", "-util", "-api",
    "-client", "-rst", "-check", "-helper", "-ext",
];
const PREFIXES: &[&str] = &["rust-", "rs-", "lib-", "async-"];

const KEYBOARD: [&str; 4] = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"];

fn adjacent(a: char, b: char) -> bool {
    if a.is_ascii_digit() && b.is_ascii_digit() {
        return true;
    }
    let pos = |c: char| {
        KEYBOARD
            .iter()
            .enumerate()
            .find_map(|(r, row)| row.find(c).map(|i| (r as i32, i as i32)))
    };
    match (pos(a), pos(b)) {
        (Some((ra, ca)), Some((rb, cb))) => (ra - rb).abs() <= 1 && (ca - cb).abs() <= 1,
        _ => false,
    }
}

/// How `n` imitates `p`, if it is one edit or one affix away.
pub fn similarity(n: &str, p: &str) -> Option<&'static str> {
    if n == p || p.len() < 4 {
        return None;
    }
    if let Some(rest) = n.strip_prefix(p) {
        if SUFFIXES.contains(&rest) {
            return Some("an affix added");
        }
    }
    if let Some(rest) = n.strip_suffix(p) {
        if PREFIXES.contains(&rest) {
            return Some("an affix added");
        }
    }
    if p.len() < 5 || n.len().abs_diff(p.len()) > 1 {
        return None;
    }
    let (a, b): (Vec<char>, Vec<char>) = (n.chars().collect(), p.chars().collect());
    if a.len() == b.len() {
        let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        match diffs.as_slice() {
            [i] if adjacent(a[*i], b[*i]) => {
                return Some("one character replaced by a neighbouring key");
            }
            [i, j] if *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i] => {
                return Some("two characters swapped");
            }
            _ => {}
        }
    } else if a.len() + 1 == b.len()
        && (0..b.len()).any(|i| b[..i] == a[..i] && b[i + 1..] == a[i..])
    {
        return Some(if b.contains(&'-') && !a.contains(&'-') {
            "a separator left out"
        } else {
            "one character left out"
        });
    } else if a.len() == b.len() + 1 {
        let added: Vec<usize> = (0..a.len())
            .filter(|&i| a[..i] == b[..i] && a[i + 1..] == b[i..])
            .collect();
        if !added.is_empty() {
            let doubled = added.iter().any(|&i| i > 0 && a[i] == a[i - 1]);
            return Some(if doubled {
                "one character doubled"
            } else {
                "one character added"
            });
        }
    }
    None
}

/// Edit distance between two names (insertions, deletions, substitutions).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// A repository URL reduced to `host/owner/name`.
pub fn normalize_repo(url: &str) -> Option<String> {
    let rest = url
        .trim()
        .split_once("://")
        .map_or(url, |(_, r)| r)
        .to_ascii_lowercase();
    let rest = rest.trim_start_matches("www.");
    let mut parts = rest.split('/').filter(|p| !p.is_empty());
    let host = parts.next()?;
    let owner = parts.next()?;
    let name = parts.next()?.trim_end_matches(".git");
    Some(format!("{host}/{owner}/{name}"))
}

/// Identity findings for one crate. `repos` maps normalized repositories to
/// the crates of the site that claim them.
pub fn findings(
    report: &CrateReport,
    popular: &Popular,
    repos: &BTreeMap<String, Vec<String>>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let imitated = popular.imitated(&report.name);
    let repo = report.repository.as_deref().and_then(normalize_repo);
    let sharing: Vec<&String> = repo
        .as_ref()
        .and_then(|r| repos.get(r))
        .map(|v| v.iter().filter(|n| **n != report.name).collect())
        .unwrap_or_default();
    if let Some((p, how)) = &imitated {
        // An affixed name in the same repository is a workspace member
        // (`rand_core` beside `rand`); a one-letter edit that also claims the
        // popular crate's repository is how a copy passes for the original.
        let same_repo = sharing.iter().any(|n| normalize(n) == *p);
        let affix = *how == "an affix added";
        if !(same_repo && affix) {
            out.push(finding(
                Code::NameTyposquat,
                // Near names in one repository are mostly workspace siblings.
                if same_repo { Severity::Low } else { Severity::Medium },
                FindingKind::Inference,
                format!("`{}` and `{p}`: {how}", report.name),
                if same_repo {
                    format!("The name is one edit away from the popular crate `{p}` ({how}), and the crate names `{p}`'s repository as its own.")
                } else {
                    format!("The name is close to the popular crate `{p}` ({how}). Typosquats rely on a mistyped name; a crate may also have a similar name for good reasons.")
                },
            ));
        }
    }
    if imitated.is_none() {
        // A name two edits from a popular crate whose repository it claims.
        let n = normalize(&report.name);
        if let Some(p) = sharing
            .iter()
            .map(|s| normalize(s))
            .find(|p| popular.contains(p) && !popular.contains(&n) && levenshtein(&n, p) <= 2)
        {
            out.push(finding(
                Code::NameTyposquat,
                Severity::Low,
                FindingKind::Inference,
                format!("`{}` and `{p}`: two edits apart, same repository", report.name),
                format!("The name is close to the popular crate `{p}`, and the crate names `{p}`'s repository as its own: how a copy passes for the original."),
            ));
        }
    }
    if !sharing.is_empty() {
        let shown: Vec<&str> = sharing.iter().take(5).map(|s| s.as_str()).collect();
        out.push(finding(
            Code::RepoShared,
            Severity::Info,
            FindingKind::Fact,
            format!("{} also claimed by {}", report.repository.as_deref().unwrap_or(""), shown.join(", ")),
            "Other crates of this site name the same repository: usually crates of one workspace, sometimes a crate pretending to be another.".into(),
        ));
    }
    if report.repository.is_none() && !report.package.files.is_empty() {
        out.push(finding(
            Code::RepoMissing,
            Severity::Low,
            FindingKind::Fact,
            "no package.repository".into(),
            "The manifest names no repository, so the package cannot be compared with its source."
                .into(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squats_of_the_reference_attacks_are_recognized() {
        let p = Popular::from_names([
            "rust_decimal",
            "fast_log",
            "proc-macro2",
            "acceptxmr",
            "polymarket-client-sdk",
            "tracing",
            "finch",
            "serde",
        ]);
        assert_eq!(p.imitated("rustdecimal").unwrap().1, "a separator left out");
        assert_eq!(p.imitated("fast_logs").unwrap().1, "an affix added");
        assert_eq!(p.imitated("fastt_log").unwrap().1, "one character doubled");
        assert!(
            p.imitated("faster_log").is_none(),
            "two edits away: caught through its repository"
        );
        assert_eq!(
            p.imitated("proc-macro1").unwrap().1,
            "one character replaced by a neighbouring key"
        );
        assert_eq!(p.imitated("acceptxmr-rs").unwrap().1, "an affix added");
        assert_eq!(
            p.imitated("polymarket-client-sdks").unwrap().1,
            "an affix added"
        );
        assert_eq!(p.imitated("tracing-check").unwrap().1, "an affix added");
        assert_eq!(p.imitated("finch-rst").unwrap().1, "an affix added");
        assert_eq!(p.imitated("serdde").unwrap().1, "one character doubled");
        assert_eq!(p.imitated("sedre").unwrap().1, "two characters swapped");
        assert!(p.imitated("serde").is_none(), "a popular crate is no squat");
        assert!(p.imitated("serde_json").is_none());
        assert!(p.imitated("tractor").is_none());
    }

    /// What `imitated` found before it had an index: the first popular
    /// name, in order, that `similarity` accepts.
    fn imitated_by_comparison(p: &Popular, name: &str) -> Option<(String, &'static str)> {
        let n = normalize(name);
        if p.names.contains(&n) || n.len() < 4 {
            return None;
        }
        p.names
            .iter()
            .find_map(|q| similarity(&n, q).map(|how| (q.clone(), how)))
    }

    /// Names one step from `p`: each character left out, doubled, replaced
    /// by a neighbouring key or swapped with the next, every affix, and the
    /// other separator.
    fn variants(p: &str) -> Vec<String> {
        let c: Vec<char> = p.chars().collect();
        let s = |v: &[char]| v.iter().collect::<String>();
        let mut out = vec![p.to_owned(), p.replace('-', "_"), p.to_ascii_uppercase()];
        for i in 0..c.len() {
            out.push(s(&[&c[..i], &c[i + 1..]].concat()));
            out.push(s(&[&c[..=i], &c[i..]].concat()));
            for k in ['q', 'w', 's', 'x', '1', '-', '_'] {
                out.push(s(&[&c[..i], &[k], &c[i + 1..]].concat()));
            }
            if i + 1 < c.len() {
                let mut t = c.clone();
                t.swap(i, i + 1);
                out.push(s(&t));
            }
        }
        out.extend(SUFFIXES.iter().map(|x| format!("{p}{x}")));
        out.extend(PREFIXES.iter().map(|x| format!("{x}{p}")));
        out
    }

    #[test]
    fn the_index_finds_what_a_comparison_with_every_popular_name_finds() {
        let mut popular = Popular::from_names(
            Popular::shipped()
                .names
                .iter()
                .take(150)
                .map(String::as_str),
        );
        let edge = [
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "serde_json",
            "serde-json",
            "rust-decimal",
            "rust_decimal",
            "tokio",
            "tokioo",
            "rand",
            "rands",
        ];
        popular.extend(edge);
        let mut queries: Vec<String> = edge.iter().map(|s| s.to_string()).collect();
        queries.extend(["", "x", "-", "_", "a-", "-a", "A"].map(String::from));
        for p in popular.names.clone() {
            queries.extend(variants(&p));
        }
        let mut matched = 0;
        for q in &queries {
            let got = popular.imitated(q);
            assert_eq!(got, imitated_by_comparison(&popular, q), "{q:?}");
            matched += usize::from(got.is_some());
        }
        assert!(
            matched > queries.len() / 4,
            "{matched} of {}",
            queries.len()
        );
        assert_eq!(
            popular.imitated("tokio_rs").unwrap().0,
            "tokio",
            "`_` is `-`"
        );
        assert!(
            popular.imitated("Serde_JSON").is_none(),
            "the popular name itself"
        );
        assert!(popular.imitated("abcdef").is_some() && popular.imitated("b").is_none());
    }

    #[test]
    fn a_near_name_claiming_a_popular_repository_is_flagged() {
        let popular = Popular::from_names(["fast_log"]);
        let report = |name: &str| CrateReport {
            name: name.into(),
            repository: Some("https://github.com/o/fast_log".into()),
            ..CrateReport::default()
        };
        let repos = BTreeMap::from([(
            "github.com/o/fast_log".to_owned(),
            vec![
                "fast_log".to_owned(),
                "faster_log".to_owned(),
                "fast_log_macros".to_owned(),
            ],
        )]);
        let f = findings(&report("faster_log"), &popular, &repos);
        assert!(
            f.iter()
                .any(|f| f.code == Code::NameTyposquat && f.severity == Severity::Low),
            "{f:?}"
        );
        let f = findings(&report("fast_log_macros"), &popular, &repos);
        assert!(
            f.iter().all(|f| f.code != Code::NameTyposquat),
            "a workspace member: {f:?}"
        );
        assert_eq!(levenshtein("faster-log", "fast-log"), 2);
    }

    #[test]
    fn repositories_normalize() {
        assert_eq!(
            normalize_repo("https://GitHub.com/o/r.git/").as_deref(),
            Some("github.com/o/r")
        );
        assert_eq!(
            normalize_repo("https://github.com/o/r/tree/main/sub").as_deref(),
            Some("github.com/o/r")
        );
        assert_eq!(normalize_repo("nonsense"), None);
    }
}
