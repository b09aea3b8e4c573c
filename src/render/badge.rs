//! `crates/{name}/badge.svg`: a small image of a crate's risk level and
//! score, in the flat style of shields.io badges, for a README to show.
//! Made here from two figures of the report, with no text from the crate,
//! so nothing in it can come from a publisher.

use crate::model::RiskLevel;

/// Approximate advance of one character of the 11px sans-serif face the
/// badge names (Verdana's average), in pixels.
const CHAR_WIDTH: usize = 7;
/// Padding on each side of a half's text.
const PAD: usize = 6;

/// Background colour of the value half for a level, dark enough for white
/// text (contrast at least 4.5:1).
fn colour(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::None => "#2b6e2f",
        RiskLevel::Low => "#4d6b00",
        RiskLevel::Medium => "#a04a00",
        RiskLevel::High => "#b3261e",
    }
}

/// What the badge says: `(label, value)`.
pub fn text(level: RiskLevel, score: u32) -> (&'static str, String) {
    ("cargofox", format!("risk {} · {score}/100", level.as_str()))
}

/// The badge's SVG document.
pub fn svg(level: RiskLevel, score: u32) -> String {
    let (label, value) = text(level, score);
    let lw = label.chars().count() * CHAR_WIDTH + 2 * PAD;
    let vw = value.chars().count() * CHAR_WIDTH + 2 * PAD;
    let w = lw + vw;
    let title = format!("{label}: {value}");
    let (lx, vx) = (lw / 2, lw + vw / 2);
    let fill = colour(level);
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="20" role="img" aria-label="{title}"><title>{title}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="{w}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#444"/><rect x="{lw}" width="{vw}" height="20" fill="{fill}"/><rect width="{w}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11"><text x="{lx}" y="14">{label}</text><text x="{vx}" y="14">{value}</text></g></svg>
"##
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_badge_says_the_level_and_score_in_the_level_colour() {
        let svg = svg(RiskLevel::Medium, 42);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""));
        assert!(svg.contains("<title>cargofox: risk medium · 42/100</title>"));
        assert!(svg.contains(&format!("fill=\"{}\"", colour(RiskLevel::Medium))));
        // Wider for a longer value, never narrower than its text.
        let short = super::svg(RiskLevel::Low, 5);
        let width = |s: &str| -> usize {
            s.split("width=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        assert!(width(&svg) > width(&short));
        assert!(width(&short) >= "cargofoxrisk low · 5/100".len() * CHAR_WIDTH);
    }
}
