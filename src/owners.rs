//! Ownership changes between runs. The dump has no ownership history, so
//! each run keeps every crate's owners in the cache
//! (`CACHE/state/owners.json`); the next run compares the dump's owners with
//! them. Changes are kept for 30 days: they become `owner-added` and
//! `owner-removed` findings and the entries of `owners.xml`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::CrateReport;

/// How long a change stays on the crate page and in the feed.
const KEEP_DAYS: i64 = 30;

/// One owner added to or removed from a crate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct OwnerChange {
    /// When the change was first seen (RFC 3339: the run that saw it).
    pub seen: String,
    /// Crate name.
    pub name: String,
    /// Owner login.
    pub login: String,
    /// Added (true) or removed (false).
    pub added: bool,
}

/// What a run leaves for the next one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OwnerState {
    /// Crate name to its owners' logins, sorted.
    pub owners: BTreeMap<String, BTreeSet<String>>,
    /// Changes of the last 30 days, newest first.
    pub changes: Vec<OwnerChange>,
}

/// The state file, in `CACHE/state/`.
const STATE: &str = "owners.json";

/// The previous run's state, when there is one.
pub fn load(cache: &Path) -> Option<OwnerState> {
    crate::store::load_state(cache, STATE)
}

/// Writes the state for the next run.
pub fn save(cache: &Path, state: &OwnerState) -> anyhow::Result<()> {
    crate::store::save_state(cache, STATE, state)
}

/// Compares the reports' owners with the previous state. Crates without
/// known owners (no dump) carry their previous owners over; crates new to
/// the state have no changes (their first owners are not news).
pub fn update(previous: Option<&OwnerState>, reports: &[CrateReport], now: &str) -> OwnerState {
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    };
    let cutoff = parse(now).map(|n| n - time::Duration::days(KEEP_DAYS));
    let mut state = OwnerState::default();
    if let Some(p) = previous {
        state.owners = p.owners.clone();
        state.changes = p
            .changes
            .iter()
            .filter(|c| match (parse(&c.seen), cutoff) {
                (Some(t), Some(cut)) => t >= cut,
                _ => false,
            })
            .cloned()
            .collect();
    }
    for r in reports {
        let Some(owners) = &r.owners else { continue };
        let now_set: BTreeSet<String> = owners.iter().map(|o| o.login.clone()).collect();
        let before = previous.and_then(|p| p.owners.get(&r.name));
        if let Some(before) = before {
            let change = |login: &String, added| OwnerChange {
                seen: now.to_owned(),
                name: r.name.clone(),
                login: login.clone(),
                added,
            };
            state
                .changes
                .extend(now_set.difference(before).map(|l| change(l, true)));
            state
                .changes
                .extend(before.difference(&now_set).map(|l| change(l, false)));
        }
        state.owners.insert(r.name.clone(), now_set);
    }
    state
        .changes
        .sort_by(|a, b| b.seen.cmp(&a.seen).then_with(|| a.cmp(b)));
    state.changes.dedup();
    state
}

/// The kept changes by crate name, each crate's in the state's order.
pub fn changes_by_name(state: &OwnerState) -> BTreeMap<&str, Vec<&OwnerChange>> {
    let mut by_name: BTreeMap<&str, Vec<&OwnerChange>> = BTreeMap::new();
    for c in &state.changes {
        by_name.entry(c.name.as_str()).or_default().push(c);
    }
    by_name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Owner;

    fn report(name: &str, owners: &[&str]) -> CrateReport {
        CrateReport {
            name: name.into(),
            owners: Some(
                owners
                    .iter()
                    .map(|l| Owner {
                        login: (*l).into(),
                        ..Owner::default()
                    })
                    .collect(),
            ),
            ..CrateReport::default()
        }
    }

    #[test]
    fn changes_are_found_kept_and_forgotten() {
        let day1 = "2026-01-01T00:00:00Z";
        let s1 = update(None, &[report("a", &["alice"])], day1);
        assert!(s1.changes.is_empty());
        let day2 = "2026-01-02T00:00:00Z";
        let s2 = update(
            Some(&s1),
            &[report("a", &["mallory"]), report("b", &["bob"])],
            day2,
        );
        let got: Vec<(&str, bool)> = s2
            .changes
            .iter()
            .map(|c| (c.login.as_str(), c.added))
            .collect();
        assert_eq!(got, vec![("alice", false), ("mallory", true)]);
        // A run without owners keeps what it knew.
        let s3 = update(
            Some(&s2),
            &[CrateReport {
                name: "a".into(),
                ..CrateReport::default()
            }],
            "2026-01-03T00:00:00Z",
        );
        assert_eq!(s3.changes.len(), 2);
        assert!(s3.owners["a"].contains("mallory"));
        let s4 = update(
            Some(&s3),
            &[report("a", &["mallory"])],
            "2026-03-01T00:00:00Z",
        );
        assert!(s4.changes.is_empty());
    }
}
