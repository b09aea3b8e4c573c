//! Signals from the registry's records rather than the package: owners
//! added or removed since an earlier run, an owner added shortly before the
//! newest release (the shape of an account takeover), and RustSec
//! advisories; and the judgement rules that read them.

use super::metadata_finding;
use crate::model::{AdvisoryKind, Code, CrateReport, Finding, FindingKind, Severity};
use crate::owners::OwnerChange;

/// An owner added this many days or fewer before a release is recent.
pub const OWNER_RECENT_DAYS: i64 = 30;

fn parse(t: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
}

/// Findings for the ownership changes of the crate, and for owners granted
/// in the 30 days before the newest release of a crate that already existed.
pub fn ownership_findings<'a>(
    r: &CrateReport,
    changes: impl Iterator<Item = &'a OwnerChange>,
) -> Vec<Finding> {
    let mut out: Vec<Finding> = changes
        .map(|c| {
            let (code, what) = if c.added {
                (Code::OwnerAdded, "became an owner")
            } else {
                (Code::OwnerRemoved, "is no longer an owner")
            };
            metadata_finding(
                code,
                Severity::Info,
                FindingKind::Fact,
                format!("owners: {}", c.login),
                format!(
                    "`{}` {what} (first seen {}).",
                    c.login,
                    c.seen.get(..10).unwrap_or(&c.seen)
                ),
            )
        })
        .collect();
    let release = r.published().and_then(parse);
    let created = r.created_at.as_deref().and_then(parse);
    for o in r.owners.iter().flatten() {
        let Some(since) = o.since.as_deref().and_then(parse) else {
            continue;
        };
        let (Some(release), Some(created)) = (release, created) else {
            continue;
        };
        let original = since - created < time::Duration::days(1);
        let before = release - since;
        if !original && before >= time::Duration::ZERO && before.whole_days() <= OWNER_RECENT_DAYS {
            out.push(metadata_finding(
                Code::OwnerNewBeforeRelease,
                Severity::Low,
                FindingKind::Inference,
                format!(
                    "owners: {} since {}; version {} published {}",
                    o.login,
                    o.since.as_deref().unwrap_or(""),
                    r.version,
                    r.published().unwrap_or("")
                ),
                format!(
                    "`{}` was made an owner {} days before version {} was published, long after the crate was created. A new owner who publishes at once is ordinary when a maintainer joins, and the usual shape of a hijacked crate.",
                    o.login,
                    before.whole_days(),
                    r.version
                ),
            ));
        }
    }
    out
}

/// Findings for the advisories filled on the report.
pub fn advisory_findings(r: &CrateReport) -> Vec<Finding> {
    let mut out = Vec::new();
    for a in r.advisories.iter().flatten().filter(|a| !a.withdrawn) {
        let (code, severity) = match (a.kind, a.affects_version) {
            (AdvisoryKind::Malicious, true) => (Code::AdvisoryMalicious, Severity::High),
            (AdvisoryKind::Malicious, false) => (Code::AdvisoryMalicious, Severity::Medium),
            (AdvisoryKind::Vulnerability, true) => (Code::AdvisoryVulnerability, Severity::Medium),
            (AdvisoryKind::Unsound | AdvisoryKind::Unmaintained, true) => {
                (Code::AdvisoryInformational, Severity::Low)
            }
            _ => continue,
        };
        let scope = if a.affects_version {
            format!("affects version {}", r.version)
        } else {
            format!("does not affect version {}", r.version)
        };
        out.push(metadata_finding(
            code,
            severity,
            FindingKind::Fact,
            format!("advisory: {}", a.id),
            format!("{} ({}): {}; it {scope}.", a.id, kind_name(a.kind), a.title),
        ));
    }
    out
}

fn kind_name(k: AdvisoryKind) -> &'static str {
    match k {
        AdvisoryKind::Malicious => "malicious crate",
        AdvisoryKind::Vulnerability => "vulnerability",
        AdvisoryKind::Unsound => "unsound",
        AdvisoryKind::Unmaintained => "unmaintained",
        AdvisoryKind::Notice => "notice",
    }
}
