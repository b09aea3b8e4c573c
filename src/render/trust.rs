//! The crate page's Trust section: what published audits say, as facts
//! with their source, and one inference line a reader can check against
//! them.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{AuditRecord, Audits};

/// The view of the Trust section.
#[derive(Debug, Serialize)]
pub struct TrustView {
    /// The inference, in one sentence or two.
    summary: String,
    /// Whether a violation covers the version shown.
    violated: bool,
    /// Coverage of the version shown, as `organization: criteria (how)`.
    covered: Vec<String>,
    /// Every entry, violations first.
    entries: Vec<EntryView>,
}

/// One audit entry on the page.
#[derive(Debug, Serialize)]
struct EntryView {
    organization: String,
    kind: String,
    versions: String,
    criteria: String,
    who: String,
    applies: bool,
}

fn names(v: &BTreeSet<&str>) -> String {
    v.iter().copied().collect::<Vec<_>>().join(", ")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn versions(e: &AuditRecord) -> String {
    match e.kind.as_str() {
        "delta" => format!(
            "{} → {}",
            e.from.as_deref().unwrap_or("?"),
            e.version.as_deref().unwrap_or("?")
        ),
        "violation" => e.violation.clone().unwrap_or_default(),
        "wildcard" | "trusted" => format!(
            "releases of user {} from {} to {}",
            e.user_id.map_or("?".into(), |u| u.to_string()),
            e.start.as_deref().unwrap_or("?"),
            e.end.as_deref().unwrap_or("?")
        ),
        _ => e.version.clone().unwrap_or_default(),
    }
}

/// The sentence a reader checks against the entries.
fn summary(a: &Audits, version: &str) -> String {
    let mut parts = Vec::new();
    let failing: Vec<&AuditRecord> = a.entries.iter().filter(|e| e.applies).collect();
    if !failing.is_empty() {
        let orgs: BTreeSet<&str> = failing.iter().map(|e| e.organization.as_str()).collect();
        parts.push(format!(
            "Version {version} is among the versions that {} marks as failing its criteria.",
            names(&orgs)
        ));
    }
    let deploy: BTreeSet<&str> = a
        .covered
        .iter()
        .filter(|c| c.criteria == "safe-to-deploy")
        .map(|c| c.organization.as_str())
        .collect();
    if !deploy.is_empty() {
        parts.push(format!(
            "Audited for safe-to-deploy by {} ({}): version {version} is covered.",
            plural(deploy.len(), "organization", "organizations"),
            names(&deploy)
        ));
    } else if let (Some(newest), Some(since)) = (&a.newest_audited, a.releases_since) {
        parts.push(format!(
            "Not covered for safe-to-deploy: the newest release audited for it, {newest}, is {} older.",
            plural(since, "release", "releases")
        ));
    } else if a.entries.is_empty() {
        parts.push("No audit set read has an entry for this crate.".into());
    } else {
        parts.push(format!(
            "No audit covers a release up to {version} for safe-to-deploy ({} in all).",
            plural(a.entries.len(), "entry", "entries")
        ));
    }
    parts.join(" ")
}

/// The Trust section of a report's page; `None` when no audit sets were read.
pub fn trust_view(audits: Option<&Audits>, version: &str) -> Option<TrustView> {
    let a = audits?;
    Some(TrustView {
        summary: summary(a, version),
        violated: a.entries.iter().any(|e| e.applies),
        covered: a
            .covered
            .iter()
            .map(|c| {
                let how = match (c.how.as_str(), &c.from) {
                    ("delta", Some(from)) => format!("delta audits from {from}"),
                    ("wildcard", _) => "a wildcard audit of its publisher".to_owned(),
                    ("trusted", _) => "a trusted publisher".to_owned(),
                    _ => "a full audit".to_owned(),
                };
                format!("{}: {} ({how})", c.organization, c.criteria)
            })
            .collect(),
        entries: a
            .entries
            .iter()
            .map(|e| EntryView {
                organization: e.organization.clone(),
                kind: e.kind.clone(),
                versions: versions(e),
                criteria: e.criteria.join(", "),
                who: e.who.join(", "),
                applies: e.applies,
            })
            .collect(),
    })
}
