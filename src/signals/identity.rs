//! Identity signals: a name one edit or one affix away from a popular crate
//! (typosquatting), a repository another crate also claims, no repository.
//!
//! Popularity comes from the caller: reverse dependencies within the site,
//! and the list of popular crates shipped in `content/popular-crates.txt`
//! (regenerated with `cargofox popular`).

use std::collections::{BTreeMap, BTreeSet};

use super::metadata_finding as finding;
use crate::model::{CrateReport, Finding, FindingKind, Severity};

/// The popular crates shipped with cargofox, most popular first.
pub const POPULAR_LIST: &str = include_str!("../../content/popular-crates.txt");

/// Names considered popular, normalized (lowercase, `_` as `-`).
#[derive(Debug, Clone, Default)]
pub struct Popular {
    names: BTreeSet<String>,
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
        }
    }

    /// Adds names.
    pub fn extend<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        self.names.extend(names.into_iter().map(normalize));
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
        self.names
            .iter()
            .find_map(|p| similarity(&n, p).map(|how| (p.clone(), how)))
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
                "name-typosquat",
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
                "name-typosquat",
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
            "repo-shared",
            Severity::Info,
            FindingKind::Fact,
            format!("{} also claimed by {}", report.repository.as_deref().unwrap_or(""), shown.join(", ")),
            "Other crates of this site name the same repository: usually crates of one workspace, sometimes a crate pretending to be another.".into(),
        ));
    }
    if report.repository.is_none() && !report.package.files.is_empty() {
        out.push(finding(
            "repo-missing",
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
                .any(|f| f.code == "name-typosquat" && f.severity == Severity::Low),
            "{f:?}"
        );
        let f = findings(&report("fast_log_macros"), &popular, &repos);
        assert!(
            f.iter().all(|f| f.code != "name-typosquat"),
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
