//! Release history: the newest release compared with the one before it
//! (dependencies added, worst in a patch release), and dependencies on
//! crates first published only days before the release that uses them.

use std::collections::BTreeMap;

use crate::fetch::PreviousRelease;
use crate::model::{Code, CrateReport, DependencyKind, Finding, FindingKind, Severity};

/// A dependency first published less than this many hours before the
/// release that depends on it is "young".
pub const YOUNG_HOURS: i64 = 72;

fn finding(code: Code, severity: Severity, evidence: String, message: String) -> Finding {
    super::metadata_finding(code, severity, FindingKind::Fact, evidence, message)
}

/// Whether `current` is a patch release after `previous` (same major and minor).
pub fn is_patch_release(previous: &str, current: &str) -> bool {
    match (
        semver::Version::parse(previous),
        semver::Version::parse(current),
    ) {
        (Ok(a), Ok(b)) => a.major == b.major && a.minor == b.minor && a.patch < b.patch,
        _ => false,
    }
}

/// Dependencies the release adds over the previous one.
pub fn new_dependencies(report: &CrateReport, previous: Option<&PreviousRelease>) -> Vec<Finding> {
    let Some(PreviousRelease {
        version: prev_version,
        dependencies: prev_deps,
        ..
    }) = previous
    else {
        return Vec::new();
    };
    let patch = is_patch_release(prev_version, &report.version);
    report
        .dependencies
        .iter()
        .filter(|d| d.kind != DependencyKind::Dev)
        .filter(|d| !prev_deps.iter().any(|p| p.name.eq_ignore_ascii_case(&d.name)))
        .map(|d| {
            finding(
                Code::ReleaseNewDependency,
                if patch { Severity::Low } else { Severity::Info },
                format!("{} {} ({}), not in {prev_version}", d.name, d.req, d.kind.as_str()),
                if patch {
                    format!("The patch release {} adds a dependency that {prev_version} did not have. Patch releases rarely need new dependencies; a hijacked account adding one is how several attacks spread.", report.version)
                } else {
                    format!("Release {} adds a dependency that {prev_version} did not have.", report.version)
                },
            )
        })
        .collect()
}

fn parse_time(t: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
}

/// Dependencies on crates of the site whose first release came shortly
/// before this release. `first_published` maps lowercase names to the time
/// of their first release; `risky_build` tells which of them run a build
/// script and are themselves judged medium or high.
pub fn young_dependencies(
    report: &CrateReport,
    first_published: &BTreeMap<String, String>,
    risky_build: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    let Some(released) = report.published().and_then(parse_time) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in report
        .dependencies
        .iter()
        .filter(|d| d.kind != DependencyKind::Dev)
    {
        let Some(first) = first_published
            .get(&d.name.to_ascii_lowercase())
            .and_then(|t| parse_time(t))
        else {
            continue;
        };
        let hours = (released - first).whole_hours();
        if (0..YOUNG_HOURS).contains(&hours) {
            let build = risky_build(&d.name);
            out.push(finding(
                Code::ReleaseYoungDependency,
                if build { Severity::High } else { Severity::Medium },
                format!("{} was first published {hours} hours before {} {}", d.name, report.name, report.version),
                format!(
                    "This release depends on a crate that had existed for less than {YOUNG_HOURS} hours{}. A new crate with no history pulled into an established one is how hijacked releases deliver their payload.",
                    if build { ", runs a build script and has findings of its own" } else { "" }
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_releases() {
        assert!(is_patch_release("0.3.9", "0.3.10"));
        assert!(!is_patch_release("0.3.9", "0.4.0"));
        assert!(is_patch_release("1.2.0", "1.2.5"));
        assert!(!is_patch_release("1.2.0", "1.3.0"));
        assert!(!is_patch_release("1.2.0", "2.0.0"));
    }
}
