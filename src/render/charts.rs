//! Charts of a crate's own history drawn as inline SVG at build time (no
//! script, styled by the theme, readable in dark mode): releases over time,
//! and, with the database dump, the package size of each release. The
//! releases table beside them holds the dates as text, the JSON the sizes.

use std::fmt::Write as _;

use crate::format::human_bytes;
use crate::model::{ReleaseRecord, VersionInfo};

/// Releases the size chart draws, the newest.
const SIZE_RELEASES: usize = 120;

const W: f64 = 720.0;
const H: f64 = 120.0;
/// Room left of the plot for the count labels, and below it for dates.
const LEFT: f64 = 34.0;
const BOTTOM: f64 = 16.0;

/// The day number of an RFC 3339 date or time (its first ten characters).
fn day(published: &str) -> Option<i32> {
    let date = published.get(..10)?;
    let mut parts = date.split('-').map(str::parse::<i32>);
    let (y, m, d) = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    let date = time::Date::from_calendar_date(y, month, u8::try_from(d).ok()?).ok()?;
    Some(date.to_julian_day())
}

/// Keeps what a version string may hold in markup: semver's characters.
fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
        .collect()
}

/// Every release by its date of publication, counted up from the first:
/// a step line with a mark per release (yanked ones marked apart). `None`
/// when fewer than two releases have a known date.
pub fn release_chart(versions: &[VersionInfo]) -> Option<String> {
    let mut dated: Vec<(i32, &VersionInfo)> = versions
        .iter()
        .filter_map(|v| Some((day(v.published.as_deref()?)?, v)))
        .collect();
    if dated.len() < 2 {
        return None;
    }
    dated.sort_by_key(|(d, _)| *d);
    let (first, last) = (dated[0].0, dated[dated.len() - 1].0);
    let span = f64::from((last - first).max(1));
    let n = dated.len();
    let x = |d: i32| LEFT + f64::from(d - first) / span * (W - LEFT - 4.0);
    let y = |i: usize| H - (i as f64 / n as f64) * (H - 8.0);
    let date = |v: &VersionInfo| {
        let p = v.published.as_deref().unwrap_or("");
        plain(p.get(..10).unwrap_or(p))
    };
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {W} {}\" role=\"img\" aria-label=\"{n} releases from {} to {}\" xmlns=\"http://www.w3.org/2000/svg\">",
        H + BOTTOM,
        date(dated[0].1),
        date(dated[n - 1].1),
    );
    let mut path = format!("M{:.1} {:.1}", x(first), y(0));
    for (i, (d, _)) in dated.iter().enumerate() {
        let _ = write!(path, "H{:.1}V{:.1}", x(*d), y(i + 1));
    }
    let _ = write!(path, "H{:.1}", W - 4.0);
    let _ = write!(svg, "<path class=\"line\" d=\"{path}\"/>");
    for (i, (d, v)) in dated.iter().enumerate() {
        let _ = write!(
            svg,
            "<circle{} cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\"><title>{}{}: {}</title></circle>",
            if v.yanked { " class=\"yanked\"" } else { "" },
            x(*d),
            y(i + 1),
            plain(&v.num),
            if v.yanked { " (yanked)" } else { "" },
            date(v),
        );
    }
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"{:.0}\">{n}</text><text x=\"0\" y=\"{H:.0}\">0</text><text x=\"{LEFT}\" y=\"{:.0}\">{}</text><text x=\"{W}\" y=\"{:.0}\" text-anchor=\"end\">{}</text></svg>",
        y(n) + 4.0,
        H + BOTTOM - 2.0,
        date(dated[0].1),
        H + BOTTOM - 2.0,
        date(dated[n - 1].1),
    );
    Some(svg)
}

/// A bar per release with a known package size, oldest left (the newest
/// [`SIZE_RELEASES`]), scaled to the largest. `None` when fewer than two
/// releases have a size.
pub fn size_chart(releases: &[ReleaseRecord]) -> Option<String> {
    let sized: Vec<(&ReleaseRecord, u64)> = releases
        .iter()
        .filter_map(|r| Some((r, r.crate_size?)))
        .collect();
    let sized = &sized[sized.len().saturating_sub(SIZE_RELEASES)..];
    if sized.len() < 2 {
        return None;
    }
    let max = sized.iter().map(|s| s.1).max().unwrap_or(1).max(1);
    let n = sized.len();
    let bar = W / n as f64;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {W} {}\" role=\"img\" aria-label=\"Package size of {n} releases, largest {}\" xmlns=\"http://www.w3.org/2000/svg\">",
        H + BOTTOM,
        human_bytes(max),
    );
    for (i, (r, size)) in sized.iter().enumerate() {
        let h = (*size as f64 / max as f64 * (H - 12.0)).max(1.0);
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\"><title>{}: {}</title></rect>",
            i as f64 * bar,
            H - h,
            (bar - 1.0).max(0.5),
            plain(&r.num),
            human_bytes(*size),
        );
    }
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"{:.0}\">{}</text><text x=\"{W}\" y=\"{:.0}\" text-anchor=\"end\">{}</text><text x=\"{W}\" y=\"10\" text-anchor=\"end\">largest {}</text></svg>",
        H + BOTTOM - 2.0,
        plain(&sized[0].0.num),
        H + BOTTOM - 2.0,
        plain(&sized[n - 1].0.num),
        human_bytes(max),
    );
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(num: &str, published: Option<&str>, yanked: bool) -> VersionInfo {
        VersionInfo {
            num: num.into(),
            yanked,
            published: published.map(str::to_owned),
            ..VersionInfo::default()
        }
    }

    /// The tooltips of a chart's marks, in order.
    fn titles(svg: &str) -> Vec<&str> {
        svg.split("<title>")
            .skip(1)
            .map(|t| t.split("</title>").next().unwrap())
            .collect()
    }

    #[test]
    fn a_mark_per_dated_release_in_date_order() {
        let svg = release_chart(&[
            v("0.1.0", Some("2024-01-01T00:00:00Z"), false),
            v("0.2.0<script>", Some("2024-07-01T00:00:00Z"), true),
            v("0.0.9", None, false),
            v("1.0.0", Some("2025-01-01T00:00:00Z"), false),
        ])
        .unwrap();
        let titles = titles(&svg);
        assert_eq!(
            titles,
            [
                "0.1.0: 2024-01-01",
                "0.2.0script (yanked): 2024-07-01",
                "1.0.0: 2025-01-01"
            ]
        );
        assert_eq!(svg.matches("class=\"yanked\"").count(), 1);
        assert!(svg.contains("aria-label=\"3 releases from 2024-01-01 to 2025-01-01\""));
        // The first release sits at the left edge of the plot, the last at the right.
        assert!(svg.contains("<circle cx=\"34.0\" cy=\"82.7\""), "{svg}");
        assert!(svg.contains("<circle cx=\"716.0\" cy=\"8.0\""), "{svg}");
    }

    #[test]
    fn a_bar_per_release_with_a_size() {
        let r = |num: &str, size: Option<u64>| ReleaseRecord {
            num: num.into(),
            crate_size: size,
            ..ReleaseRecord::default()
        };
        let svg = size_chart(&[
            r("0.1.0", Some(1024)),
            r("0.2.0", None),
            r("1.0.0", Some(4096)),
        ])
        .unwrap();
        let titles = titles(&svg);
        assert_eq!(titles, ["0.1.0: 1.0 KiB", "1.0.0: 4.0 KiB"]);
        // The largest reaches the top of the plot, a quarter of it a quarter.
        assert!(svg.contains("height=\"108.0\"><title>1.0.0"), "{svg}");
        assert!(svg.contains("height=\"27.0\"><title>0.1.0"), "{svg}");
        assert_eq!(size_chart(&[r("1.0.0", Some(1))]), None);
    }

    #[test]
    fn no_chart_without_two_dated_releases() {
        assert_eq!(
            release_chart(&[v("1.0.0", Some("2024-01-01"), false)]),
            None
        );
        assert_eq!(
            release_chart(&[v("1.0.0", None, false), v("1.0.1", Some("bad"), false)]),
            None
        );
    }
}
