//! What the audit sets read with `--audits` say about each crate: which
//! organizations cover the version shown for which criteria (a full audit
//! of it, or a chain of delta audits from a fully audited version, as
//! cargo-vet counts them), the newest release covered for `safe-to-deploy`
//! and how many releases came after it, and every entry, violations first.
//!
//! Wildcard audits and trusted publishers cover the releases that one
//! registry user (by numeric id) published in a span of days: with the
//! database dump, which records who published each release and when, they
//! count as coverage; without it they are listed only.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::fetch::audits::{AuditEntry, AuditKind, AuditSet, AuditSets};
use crate::fetch::dump::DumpData;
use crate::model::{AuditCoverage, AuditRecord, Audits, VersionInfo};

/// The criteria cargo-vet builds in: `safe-to-deploy` implies `safe-to-run`.
const DEPLOY: &str = "safe-to-deploy";
const RUN: &str = "safe-to-run";

/// The criteria `given` certify in `set`, implied ones included.
fn closure(set: &AuditSet, given: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut todo: Vec<String> = given.to_vec();
    while let Some(c) = todo.pop() {
        if !out.insert(c.clone()) {
            continue;
        }
        if c == DEPLOY {
            todo.push(RUN.to_owned());
        }
        todo.extend(set.criteria.get(&c).into_iter().flatten().cloned());
    }
    out
}

/// A release as the database dump records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Version number.
    pub num: String,
    /// Day of publication (`YYYY-MM-DD`).
    pub day: String,
    /// The publisher's numeric id in the registry.
    pub user_id: Option<u64>,
}

/// The releases of `name` as the dump records them.
pub fn published(dump: &DumpData, name: &str) -> Vec<Published> {
    let Some((_, c)) = dump.get(name) else {
        return Vec::new();
    };
    c.versions
        .iter()
        .map(|v| Published {
            num: v.num.to_string(),
            day: crate::format::rfc3339(v.created_at)
                .and_then(|t| t.get(..10).map(str::to_owned))
                .unwrap_or_default(),
            user_id: dump.publisher_id(v.published_by).map(u64::from),
        })
        .collect()
}

/// How a version is covered: `full`, `wildcard` or `trusted` (`from` is
/// `None`), or `delta` from the version that starts the chain.
type How = (&'static str, Option<String>);

/// For one criteria of one set: every version covered, and how.
fn covered(
    set: &AuditSet,
    entries: &[AuditEntry],
    criteria: &str,
    published: &[Published],
) -> BTreeMap<String, How> {
    let certifying: Vec<&AuditEntry> = entries
        .iter()
        .filter(|e| closure(set, &e.criteria).contains(criteria))
        .collect();
    let mut how: BTreeMap<String, How> = BTreeMap::new();
    for e in &certifying {
        match &e.kind {
            AuditKind::Full(v) => {
                how.insert(v.clone(), ("full", None));
            }
            AuditKind::Wildcard {
                user_id: Some(user),
                start,
                end,
            }
            | AuditKind::Trusted {
                user_id: Some(user),
                start,
                end,
            } => {
                let kind = if matches!(e.kind, AuditKind::Wildcard { .. }) {
                    "wildcard"
                } else {
                    "trusted"
                };
                for p in published.iter().filter(|p| {
                    p.user_id == Some(*user)
                        && p.day.as_str() >= start.as_str()
                        && p.day.as_str() <= end.as_str()
                }) {
                    how.entry(p.num.clone()).or_insert((kind, None));
                }
            }
            _ => {}
        }
    }
    let mut queue: VecDeque<String> = how.keys().cloned().collect();
    while let Some(v) = queue.pop_front() {
        let root = match &how[&v] {
            ("delta", Some(root)) => root.clone(),
            _ => v.clone(),
        };
        for e in &certifying {
            if let AuditKind::Delta(from, to) = &e.kind {
                if *from == v && !how.contains_key(to) {
                    how.insert(to.clone(), ("delta", Some(root.clone())));
                    queue.push_back(to.clone());
                }
            }
        }
    }
    how
}

fn record(set: &AuditSet, e: &AuditEntry, shown: Option<&semver::Version>) -> AuditRecord {
    let mut r = AuditRecord {
        organization: set.name.clone(),
        criteria: e.criteria.clone(),
        who: e.who.clone(),
        notes: e.notes.clone(),
        ..AuditRecord::default()
    };
    match &e.kind {
        AuditKind::Full(v) => {
            r.kind = "full".into();
            r.version = Some(v.clone());
        }
        AuditKind::Delta(from, to) => {
            r.kind = "delta".into();
            r.from = Some(from.clone());
            r.version = Some(to.clone());
        }
        AuditKind::Violation(req) => {
            r.kind = "violation".into();
            r.applies = shown
                .is_some_and(|v| semver::VersionReq::parse(req).is_ok_and(|req| req.matches(v)));
            r.violation = Some(req.clone());
        }
        AuditKind::Wildcard {
            user_id,
            start,
            end,
        }
        | AuditKind::Trusted {
            user_id,
            start,
            end,
        } => {
            r.kind = if matches!(e.kind, AuditKind::Wildcard { .. }) {
                "wildcard".into()
            } else {
                "trusted".into()
            };
            r.user_id = *user_id;
            r.start = Some(start.clone());
            r.end = Some(end.clone());
        }
    }
    r
}

/// The audits of `name` at `version`, whose releases are `versions`, and,
/// with the dump, were published as `published` says.
pub fn audits_of(
    name: &str,
    version: &str,
    versions: &[VersionInfo],
    published: &[Published],
    sets: &AuditSets,
) -> Audits {
    let shown = semver::Version::parse(version).ok();
    let mut out = Audits::default();
    let mut deploy: BTreeSet<semver::Version> = BTreeSet::new();
    for set in &sets.sets {
        let Some(entries) = set.crates.get(name) else {
            continue;
        };
        out.entries
            .extend(entries.iter().map(|e| record(set, e, shown.as_ref())));
        let mut criteria: BTreeSet<String> = BTreeSet::new();
        for e in entries {
            criteria.extend(closure(set, &e.criteria));
        }
        for c in criteria {
            let reach = covered(set, entries, &c, published);
            if c == DEPLOY {
                deploy.extend(reach.keys().filter_map(|v| semver::Version::parse(v).ok()));
            }
            if let Some((how, from)) = reach.get(version) {
                out.covered.push(AuditCoverage {
                    organization: set.name.clone(),
                    criteria: c,
                    how: (*how).into(),
                    from: from.clone(),
                });
            }
        }
    }
    // Violations first; the rest keep the sets' order (sorted by name).
    out.entries.sort_by_key(|e| e.kind != "violation");
    if let Some(shown) = &shown {
        let newest = deploy.into_iter().filter(|v| v <= shown).max();
        if let Some(newest) = newest {
            out.releases_since = Some(
                versions
                    .iter()
                    .filter_map(|v| semver::Version::parse(&v.num).ok())
                    .filter(|v| *v > newest && v <= shown)
                    .count(),
            );
            out.newest_audited = Some(newest.to_string());
        }
    }
    out
}

/// Every release some set covers for `safe-to-deploy`, by lowercase crate
/// name (with the dump, wildcard audits and trusted publishers count): the
/// fetch stage fetches the newest one before each release shown, to count
/// what changed since.
pub fn deploy_versions(
    sets: &AuditSets,
    dump: Option<&DumpData>,
) -> std::collections::HashMap<String, Vec<semver::Version>> {
    let mut out: std::collections::HashMap<String, Vec<semver::Version>> =
        std::collections::HashMap::new();
    for set in &sets.sets {
        for (name, entries) in &set.crates {
            let published = dump.map(|d| published(d, name)).unwrap_or_default();
            let versions = covered(set, entries, DEPLOY, &published)
                .into_keys()
                .filter_map(|v| semver::Version::parse(&v).ok());
            out.entry(name.to_ascii_lowercase())
                .or_default()
                .extend(versions);
        }
    }
    out
}

/// The audits page: every set read, and the crates of the site they
/// speak of.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq, Eq)]
pub struct AuditsPage {
    /// Where the registry file was read from.
    pub registry: String,
    /// Every set the registry file names.
    pub sets: Vec<SetRow>,
    /// The crates of the site with at least one entry, by name.
    pub crates: Vec<CrateRow>,
}

/// One audit set on the audits page.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq, Eq)]
pub struct SetRow {
    /// Its name in the registry file.
    pub name: String,
    /// Where it was read from.
    pub url: String,
    /// Crates it has entries for, on this site or not.
    pub crates: usize,
    /// Its entries.
    pub entries: usize,
    /// Why it could not be read.
    pub problem: Option<String>,
}

/// One crate of the site on the audits page.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq, Eq)]
pub struct CrateRow {
    /// Crate name.
    pub name: String,
    /// The version shown.
    pub version: String,
    /// Organizations covering the version shown for `safe-to-deploy`.
    pub deploy: Vec<String>,
    /// Other coverage of the version shown, as `organization: criteria`.
    pub other: Vec<String>,
    /// Whether a violation includes the version shown.
    pub violated: bool,
    /// Entries about the crate in all sets.
    pub entries: usize,
}

/// The audits page of `reports` (sorted by name), judged with `sets`.
pub fn audits_page(sets: &AuditSets, reports: &[crate::model::CrateReport]) -> AuditsPage {
    AuditsPage {
        registry: sets.registry.clone(),
        sets: sets
            .sets
            .iter()
            .map(|s| SetRow {
                name: s.name.clone(),
                url: s.url.clone(),
                crates: s.crates.len(),
                entries: s.crates.values().map(Vec::len).sum(),
                problem: s.problem.clone(),
            })
            .collect(),
        crates: reports
            .iter()
            .filter_map(|r| {
                let a = r.audits.as_ref().filter(|a| !a.entries.is_empty())?;
                let deploy: BTreeSet<String> = a
                    .covered
                    .iter()
                    .filter(|c| c.criteria == DEPLOY)
                    .map(|c| c.organization.clone())
                    .collect();
                Some(CrateRow {
                    name: r.name.clone(),
                    version: r.version.clone(),
                    deploy: deploy.into_iter().collect(),
                    other: a
                        .covered
                        .iter()
                        .filter(|c| c.criteria != DEPLOY)
                        .map(|c| format!("{}: {}", c.organization, c.criteria))
                        .collect(),
                    violated: a.entries.iter().any(|e| e.applies),
                    entries: a.entries.len(),
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::audits::parse_set;

    fn versions(nums: &[&str]) -> Vec<VersionInfo> {
        nums.iter()
            .map(|n| VersionInfo {
                num: (*n).into(),
                ..VersionInfo::default()
            })
            .collect()
    }

    #[test]
    fn wildcard_audits_cover_what_their_publisher_released_in_their_days() {
        let set = parse_set(
            "gamma",
            "u",
            r#"
[[wildcard-audits.foo]]
criteria = "safe-to-deploy"
user-id = 7
start = "2024-01-01"
end = "2025-12-31"

[[audits.foo]]
criteria = "safe-to-deploy"
delta = "1.0.0 -> 1.1.0"
"#,
        )
        .unwrap();
        let sets = AuditSets {
            registry: "r".into(),
            sets: vec![set],
        };
        let p = |num: &str, day: &str, user: u64| Published {
            num: num.into(),
            day: day.into(),
            user_id: Some(user),
        };
        let published = [
            p("1.0.0", "2025-03-01", 7),
            p("1.1.0", "2026-02-01", 8),
            p("1.2.0", "2026-03-01", 7),
        ];
        let all = versions(&["1.0.0", "1.1.0", "1.2.0"]);
        let how = |v: &str| -> Vec<(String, String, Option<String>)> {
            audits_of("foo", v, &all, &published, &sets)
                .covered
                .into_iter()
                .filter(|c| c.criteria == DEPLOY)
                .map(|c| (c.organization, c.how, c.from))
                .collect()
        };
        assert_eq!(how("1.0.0"), [("gamma".into(), "wildcard".into(), None)]);
        assert_eq!(
            how("1.1.0"),
            [("gamma".into(), "delta".into(), Some("1.0.0".into()))]
        );
        // Published by the same user, but after the wildcard's last day.
        assert_eq!(how("1.2.0"), []);
        let a = audits_of("foo", "1.2.0", &all, &published, &sets);
        assert_eq!(
            (a.newest_audited.as_deref(), a.releases_since),
            (Some("1.1.0"), Some(1))
        );
        // Without the dump the wildcard covers nothing.
        assert!(
            audits_of("foo", "1.0.0", &all, &[], &sets)
                .covered
                .is_empty()
        );
    }

    #[test]
    fn delta_chains_implied_criteria_and_violations() {
        let a = parse_set(
            "alpha",
            "u",
            r#"
[criteria.careful]
description = "x"
implies = "safe-to-deploy"

[[audits.foo]]
criteria = "careful"
version = "1.0.0"

[[audits.foo]]
criteria = "safe-to-deploy"
delta = "1.0.0 -> 1.1.0"

[[audits.foo]]
criteria = "safe-to-deploy"
delta = "1.1.0 -> 1.2.0"

[[audits.foo]]
criteria = "safe-to-run"
violation = "<0.9"
"#,
        )
        .unwrap();
        let b = parse_set(
            "beta",
            "u",
            "[[audits.foo]]\ncriteria = \"safe-to-run\"\nversion = \"1.3.0\"\n",
        )
        .unwrap();
        let sets = AuditSets {
            registry: "r".into(),
            sets: vec![a, b],
        };
        let all = versions(&["0.8.0", "1.0.0", "1.1.0", "1.2.0", "1.2.1", "1.3.0"]);
        let at = |v: &str| audits_of("foo", v, &all, &[], &sets);

        let cov = |a: &Audits| -> Vec<(String, String, String, Option<String>)> {
            a.covered
                .iter()
                .map(|c| {
                    (
                        c.organization.clone(),
                        c.criteria.clone(),
                        c.how.clone(),
                        c.from.clone(),
                    )
                })
                .collect()
        };
        let s = |x: &str| x.to_owned();
        // 1.2.0: reached by two deltas from the full audit of 1.0.0, for
        // safe-to-deploy and the safe-to-run it implies, not for `careful`.
        let a120 = at("1.2.0");
        assert_eq!(
            cov(&a120),
            [
                (
                    s("alpha"),
                    s("safe-to-deploy"),
                    s("delta"),
                    Some(s("1.0.0"))
                ),
                (s("alpha"), s("safe-to-run"), s("delta"), Some(s("1.0.0"))),
            ]
        );
        assert_eq!(
            (a120.newest_audited.as_deref(), a120.releases_since),
            (Some("1.2.0"), Some(0))
        );
        // 1.3.0: only beta's safe-to-run; the newest safe-to-deploy is 1.2.0, two releases back.
        let a130 = at("1.3.0");
        assert_eq!(cov(&a130), [(s("beta"), s("safe-to-run"), s("full"), None)]);
        assert_eq!(
            (a130.newest_audited.as_deref(), a130.releases_since),
            (Some("1.2.0"), Some(2))
        );
        // The violation comes first and applies to 0.8.0 only.
        assert_eq!(a130.entries[0].kind, "violation");
        assert!(!a130.entries[0].applies);
        assert!(at("0.8.0").entries[0].applies);
        assert_eq!(at("0.8.0").newest_audited, None);
        assert_eq!(at("1.0.0").covered.len(), 3, "careful, and what it implies");
    }
}
