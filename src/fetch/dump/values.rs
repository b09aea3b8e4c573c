//! Parsers of the dump's cell values, as PostgreSQL's `COPY ... WITH CSV`
//! writes them: integers, `t`/`f` booleans, dates (`2026-11-20`),
//! timestamps (`2015-05-10 21:56:03.123456+00`, fraction and `+00`
//! optional), the dependency kind (0 normal, 1 build, 2 dev) and the owner
//! kind of `crate_owners` (0 user, 1 team). NULL is an empty field; each
//! parser returns `None` for a value it cannot read.

use chrono::{Datelike, NaiveDate};

use crate::model::DependencyKind;

/// A decimal integer.
pub(super) fn int<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.parse().ok()
}

/// A boolean: `t` or `f` (`true` and `false` accepted too).
pub(super) fn boolean(s: &str) -> Option<bool> {
    match s {
        "t" | "true" => Some(true),
        "f" | "false" => Some(false),
        _ => None,
    }
}

/// A date `YYYY-MM-DD`, as days from the common era.
pub(super) fn date(s: &str) -> Option<i32> {
    parse_date(s).map(|d| d.num_days_from_ce())
}

/// A timestamp `YYYY-MM-DD HH:MM:SS[.ffffff][+00]` in UTC, as seconds since
/// the epoch (the fraction is dropped).
pub(super) fn timestamp(s: &str) -> Option<i64> {
    let s = s.strip_suffix("+00").unwrap_or(s);
    let (day, time) = s.split_once([' ', 'T'])?;
    let day = parse_date(day)?;
    let (hms, fraction) = time.split_once('.').unwrap_or((time, ""));
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let b = hms.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let t = day.and_hms_opt(
        digits(&hms[0..2])?,
        digits(&hms[3..5])?,
        digits(&hms[6..8])?,
    )?;
    Some(t.and_utc().timestamp())
}

/// The kind of a dependency: 0 normal, 1 build, 2 dev.
pub(super) fn dependency_kind(s: &str) -> Option<DependencyKind> {
    match s {
        "0" => Some(DependencyKind::Normal),
        "1" => Some(DependencyKind::Build),
        "2" => Some(DependencyKind::Dev),
        _ => None,
    }
}

/// `crate_owners.owner_kind`: whether the owner is a team (0 user, 1 team).
pub(super) fn is_team(s: &str) -> Option<bool> {
    match s {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

/// A version number.
pub(super) fn version(s: &str) -> Option<semver::Version> {
    semver::Version::parse(s).ok()
}

/// RFC 3339 (UTC, whole seconds) of seconds since the epoch.
pub(super) fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `YYYY-MM-DD` of a day counted from the common era.
pub(super) fn day_string(day: i32) -> Option<String> {
    NaiveDate::from_num_days_from_ce_opt(day).map(|d| d.format("%Y-%m-%d").to_string())
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(
        digits(&s[0..4])? as i32,
        digits(&s[5..7])?,
        digits(&s[8..10])?,
    )
}

/// A run of ASCII digits (no sign).
fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_with_and_without_fraction_and_zone() {
        let whole = 1_431_294_963;
        assert_eq!(timestamp("2015-05-10 21:56:03.123456+00"), Some(whole));
        assert_eq!(timestamp("2015-05-10 21:56:03.5+00"), Some(whole));
        assert_eq!(timestamp("2015-05-10 21:56:03+00"), Some(whole));
        assert_eq!(timestamp("2015-05-10 21:56:03"), Some(whole));
        assert_eq!(timestamp("1970-01-01 00:00:00+00"), Some(0));
        assert_eq!(rfc3339(whole), "2015-05-10T21:56:03Z");
    }

    #[test]
    fn malformed_timestamps_are_refused() {
        for bad in [
            "",
            "2015-05-10",
            "2015-05-10 21:56",
            "2015-05-10 21:56:03.12a+00",
            "2015-05-10 25:00:00+00",
            "2015-02-30 00:00:00+00",
            "2015-05-10 21:56:03+02",
            "15-05-10 21:56:03",
            "2015-05-10 +1:56:03",
        ] {
            assert_eq!(timestamp(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn dates() {
        let day = date("2026-11-20").unwrap();
        assert_eq!(day_string(day).as_deref(), Some("2026-11-20"));
        assert_eq!(day_string(day + 11).as_deref(), Some("2026-12-01"));
        assert_eq!(date("2026-13-01"), None);
        assert_eq!(date("2026-1-01"), None);
        assert_eq!(date(""), None);
    }

    #[test]
    fn booleans_kinds_and_integers() {
        assert_eq!(boolean("t"), Some(true));
        assert_eq!(boolean("f"), Some(false));
        assert_eq!(boolean(""), None);
        assert_eq!(boolean("yes"), None);
        assert_eq!(dependency_kind("0"), Some(DependencyKind::Normal));
        assert_eq!(dependency_kind("1"), Some(DependencyKind::Build));
        assert_eq!(dependency_kind("2"), Some(DependencyKind::Dev));
        assert_eq!(dependency_kind("3"), None);
        assert_eq!(is_team("0"), Some(false));
        assert_eq!(is_team("1"), Some(true));
        assert_eq!(is_team("2"), None);
        assert_eq!(int::<u32>("42"), Some(42));
        assert_eq!(int::<u32>("-1"), None);
        assert_eq!(int::<u64>(""), None);
        assert_eq!(
            version("1.2.3-rc.1").map(|v| v.to_string()).as_deref(),
            Some("1.2.3-rc.1")
        );
        assert_eq!(version("1.2"), None);
    }
}
