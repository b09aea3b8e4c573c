//! What is new since the previous run: medium and high findings seen for
//! the first time. The first-seen dates are kept in the cache
//! (`CACHE/state/seen-findings.json`) and feed the Atom feed, so a watcher
//! notices a new mouse the day it appears.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::{CrateReport, Severity};

/// How long a finding stays in the feed after it was first seen.
const FEED_DAYS: i64 = 30;

/// First-seen times of findings, by key (`crate version code file`).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Seen {
    /// Key to first-seen time (RFC 3339).
    pub findings: BTreeMap<String, String>,
}

/// One entry of the feed: a crate version with new medium or high findings.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FeedEntry {
    /// Crate name.
    pub name: String,
    /// Version.
    pub version: String,
    /// When its newest finding was first seen.
    pub updated: String,
    /// The codes of its medium and high findings.
    pub codes: Vec<String>,
    /// Its risk level.
    pub level: String,
}

/// The state file, in `CACHE/state/`.
const STATE: &str = "seen-findings.json";

/// Reads the state of the previous run (empty when there is none or it is unreadable).
pub fn load(cache: &Path) -> Seen {
    crate::store::load_state(cache, STATE).unwrap_or_default()
}

/// Writes the state for the next run.
pub fn save(cache: &Path, seen: &Seen) -> anyhow::Result<()> {
    crate::store::save_state(cache, STATE, seen)
}

/// Records the current findings and returns the feed entries: crates whose
/// medium or high findings were first seen in the last 30 days, newest first.
pub fn update(previous: &Seen, reports: &[CrateReport], now: &str) -> (Seen, Vec<FeedEntry>) {
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    };
    let cutoff = parse(now).map(|n| n - time::Duration::days(FEED_DAYS));
    let mut seen = Seen::default();
    let mut entries = Vec::new();
    for r in reports {
        let mut newest: Option<String> = None;
        let mut codes = Vec::new();
        for f in r.findings.iter().filter(|f| f.severity >= Severity::Medium) {
            let key = format!(
                "{} {} {} {}",
                r.name,
                r.version,
                f.code,
                f.file.as_deref().unwrap_or("")
            );
            let first = previous
                .findings
                .get(&key)
                .cloned()
                .unwrap_or_else(|| now.to_owned());
            let recent = match (parse(&first), cutoff) {
                (Some(t), Some(c)) => t >= c,
                _ => true,
            };
            if recent {
                let code = f.code.as_str().to_owned();
                if !codes.contains(&code) {
                    codes.push(code);
                }
                if newest.as_ref().is_none_or(|n| first > *n) {
                    newest = Some(first.clone());
                }
            }
            seen.findings.insert(key, first);
        }
        if let Some(updated) = newest {
            entries.push(FeedEntry {
                name: r.name.clone(),
                version: r.version.clone(),
                updated,
                codes,
                level: r.risk.level.as_str().to_owned(),
            });
        }
    }
    entries.sort_by(|a, b| b.updated.cmp(&a.updated).then_with(|| a.name.cmp(&b.name)));
    (seen, entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Finding;

    fn report(name: &str, codes: &[&str]) -> CrateReport {
        CrateReport {
            name: name.into(),
            version: "1.0.0".into(),
            findings: codes
                .iter()
                .map(|c| Finding {
                    code: crate::model::Code::parse(c).unwrap(),
                    severity: Severity::High,
                    ..Finding::default()
                })
                .collect(),
            ..CrateReport::default()
        }
    }

    #[test]
    fn findings_are_new_once_and_leave_the_feed_after_thirty_days() {
        let day1 = "2026-01-01T00:00:00Z";
        let (seen, feed) = update(&Seen::default(), &[report("a", &["build-network"])], day1);
        assert_eq!(feed.len(), 1);
        assert_eq!(feed[0].updated, day1);
        let day2 = "2026-01-02T00:00:00Z";
        let (seen, feed) = update(
            &seen,
            &[
                report("a", &["build-network"]),
                report("b", &["pkg-executable"]),
            ],
            day2,
        );
        assert_eq!(
            feed.iter()
                .map(|e| (e.name.as_str(), e.updated.as_str()))
                .collect::<Vec<_>>(),
            vec![("b", day2), ("a", day1)]
        );
        let later = "2026-03-01T00:00:00Z";
        let (_, feed) = update(&seen, &[report("a", &["build-network"])], later);
        assert!(feed.is_empty(), "{feed:?}");
    }
}
