//! Who published the release shown, from the database dump: an account that
//! published none of the crate's earlier releases, or one created days
//! before the release (the shape of a stolen or throwaway account); and,
//! from the index alone, a version number far above the crate's history
//! (the `99.0.0` of a dependency-confusion release); how each release was
//! published (a token or trusted publishing), and a release published with
//! a token after earlier ones came through trusted publishing.

use super::metadata_finding;
use crate::fetch::dump::{DumpCrate, DumpData, DumpVersion};
use crate::model::{Code, CrateReport, Finding, FindingKind, Severity};

/// An account created this many days or fewer before a release is new.
pub const ACCOUNT_RECENT_DAYS: i64 = 30;

/// `YYYY-MM-DD` of seconds since the epoch.
fn date(secs: i64) -> String {
    crate::format::rfc3339(secs).map_or_else(String::new, |s| s[..10].to_owned())
}

/// The first day the registry accepted releases through trusted publishing
/// (2025-07-01, seconds since the epoch).
pub const TRUSTED_PUBLISHING_SINCE: i64 = 1_751_328_000;

/// How a release was published, and whether that is inferred: a publishing
/// user means a token; a recorded trusted publisher means trusted
/// publishing; with no user, no record and a dump without `trustpub_data`,
/// a release made since [`TRUSTED_PUBLISHING_SINCE`] is inferred to come
/// through trusted publishing.
pub fn published_with(v: &DumpVersion, dump: &DumpData) -> (Option<&'static str>, bool) {
    if v.trustpub.is_some() {
        (Some("trusted-publishing"), false)
    } else if v.published_by.is_some() {
        (Some("token"), false)
    } else if !dump.has_trustpub_data && v.created_at >= TRUSTED_PUBLISHING_SINCE {
        (Some("trusted-publishing"), true)
    } else {
        (None, false)
    }
}

/// Findings about the publisher of the release shown.
pub fn publisher_findings(r: &CrateReport, c: &DumpCrate, dump: &DumpData) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(shown) = c.versions.iter().find(|v| v.num.to_string() == r.version) else {
        return out;
    };
    let Some(login) = dump.publisher(shown.published_by) else {
        return out;
    };
    let earlier: Vec<_> = c
        .versions
        .iter()
        .filter(|v| {
            v.created_at < shown.created_at || v.created_at == shown.created_at && v.num < shown.num
        })
        .collect();
    if let Some(f) = back_to_token(r, shown, &earlier, login, dump) {
        out.push(f);
    }
    let mut before: Vec<&str> = earlier
        .iter()
        .filter_map(|v| dump.publisher(v.published_by))
        .collect();
    before.sort_unstable();
    before.dedup();
    if !before.is_empty() && !before.contains(&login) {
        let shown_before: Vec<String> = before.iter().take(5).map(|l| format!("`{l}`")).collect();
        out.push(metadata_finding(
            Code::ReleaseNewPublisher,
            Severity::Low,
            FindingKind::Inference,
            format!("version {} published by {login}", r.version),
            format!(
                "Version {} was published by `{login}`, who published none of the {} earlier releases (published by {}{}). A new maintainer does this; so does a stolen account.",
                r.version,
                earlier.len(),
                shown_before.join(", "),
                if before.len() > 5 { " and others" } else { "" }
            ),
        ));
    }
    if let Some(created) = dump.publisher_created(shown.published_by) {
        let days = (shown.created_at - created).div_euclid(86_400);
        if (0..=ACCOUNT_RECENT_DAYS).contains(&days) {
            let history = !earlier.is_empty();
            out.push(metadata_finding(
                Code::ReleaseNewAccount,
                if history { Severity::Medium } else { Severity::Low },
                FindingKind::Fact,
                format!("account {login} created {}", date(created)),
                format!(
                    "The account `{login}` that published version {} was created on {}, {days} days before. {}",
                    r.version,
                    date(created),
                    if history {
                        "The crate had earlier releases: a new account publishing an established crate is unusual."
                    } else {
                        "New authors start this way; so do throwaway accounts."
                    }
                ),
            ));
        }
    }
    out
}

/// Whether a major version reads as a date (`2024`, `20240101`): calendar versioning.
fn calendar(major: u64) -> bool {
    (1990..=2100).contains(&major) || (19_900_101..=21_001_231).contains(&major)
}

/// A finding when the version shown is far above the crate's other
/// releases, or a first release already at a major of 50 or more.
pub fn version_jump(r: &CrateReport) -> Option<Finding> {
    let shown = semver::Version::parse(&r.version).ok()?;
    if calendar(shown.major) {
        return None;
    }
    let others = r
        .versions
        .iter()
        .filter(|v| v.num != r.version)
        .filter_map(|v| semver::Version::parse(&v.num).ok())
        .filter(|v| v < &shown);
    let highest = others.map(|v| v.major).max();
    let far = match highest {
        Some(m) => shown.major >= 10 && shown.major > 5 * (m + 1),
        None => shown.major >= 50,
    };
    if !far {
        return None;
    }
    let history = highest.map_or_else(
        || "It is the crate's first release.".to_owned(),
        |m| format!("The highest earlier major version is {m}."),
    );
    Some(metadata_finding(
        Code::ReleaseVersionJump,
        Severity::Medium,
        FindingKind::Inference,
        format!("version {}", r.version),
        format!(
            "Version {} is far above the crate's history. {history} A dependency-confusion release takes a very high version so that resolvers pick it over the real one.",
            r.version
        ),
    ))
}

/// A release published with a token by `login` when an earlier one came
/// through trusted publishing.
fn back_to_token(
    r: &CrateReport,
    shown: &DumpVersion,
    earlier: &[&DumpVersion],
    login: &str,
    dump: &DumpData,
) -> Option<Finding> {
    if published_with(shown, dump).0 != Some("token") {
        return None;
    }
    let trusted = earlier
        .iter()
        .rev()
        .find(|v| published_with(v, dump).0 == Some("trusted-publishing"))?;
    let inferred = published_with(trusted, dump).1;
    let from = trusted
        .trustpub
        .as_deref()
        .map(|t| format!(" (from {t})"))
        .unwrap_or_default();
    Some(metadata_finding(
        Code::ReleaseBackToToken,
        Severity::Medium,
        if inferred {
            FindingKind::Inference
        } else {
            FindingKind::Fact
        },
        format!(
            "version {} published by {login} with a token; version {} through trusted publishing",
            r.version, trusted.num
        ),
        format!(
            "Version {} was published by `{login}` with an API token, while version {} came through trusted publishing{from}{}. Owners who move to trusted publishing rarely go back; a stolen token does.",
            r.version,
            trusted.num,
            if inferred {
                " (inferred: it has no publishing user and the dump does not record trusted publishing)"
            } else {
                ""
            }
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VersionInfo;

    fn report(version: &str, others: &[&str]) -> CrateReport {
        CrateReport {
            version: version.into(),
            versions: others
                .iter()
                .chain([&version])
                .map(|v| VersionInfo {
                    num: (*v).into(),
                    ..VersionInfo::default()
                })
                .collect(),
            ..CrateReport::default()
        }
    }

    #[test]
    fn version_jumps() {
        assert!(version_jump(&report("99.0.0", &["0.1.0", "0.2.0"])).is_some());
        assert!(version_jump(&report("99.1.0", &[])).is_some());
        assert!(version_jump(&report("2.0.0", &["1.4.0"])).is_none());
        assert!(version_jump(&report("12.0.0", &["11.2.0"])).is_none());
        assert!(version_jump(&report("2024.3.1", &["0.9.0"])).is_none());
        assert!(version_jump(&report("1.0.0", &["99.0.0"])).is_none());
    }
}
