//! The registry-wide parts of the site: the download chart drawn as an
//! inline SVG at build time, the crate page's view of downloads and owners,
//! the pages of owners, categories and keywords (each listing its crates
//! with their risk level), and the Atom feed of ownership changes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::views::thousands;
use crate::model::{CrateReport, DailyDownloads, OwnerKind};
use crate::owners::OwnerChange;

/// A path segment for an owner login, category slug or keyword: ASCII
/// letters, digits, `-` and `_` kept, anything else replaced by `-`.
pub fn segment(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() { "-".to_owned() } else { s }
}

/// Bars of daily downloads, oldest left, with the highest day as the scale.
pub fn download_chart(daily: &[DailyDownloads]) -> String {
    const W: usize = 720;
    const H: usize = 120;
    let max = daily.iter().map(|d| d.downloads).max().unwrap_or(0).max(1);
    let n = daily.len().max(1);
    let bar = W as f64 / n as f64;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {W} {}\" role=\"img\" aria-label=\"Downloads per day\" xmlns=\"http://www.w3.org/2000/svg\">",
        H + 18
    );
    for (i, d) in daily.iter().enumerate() {
        let h = (d.downloads as f64 / max as f64 * H as f64).round();
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.0}\" width=\"{:.1}\" height=\"{h:.0}\"><title>{}: {}</title></rect>",
            i as f64 * bar,
            H as f64 - h,
            (bar - 1.0).max(0.5),
            d.date,
            thousands(d.downloads as usize)
        );
    }
    if let (Some(first), Some(last)) = (daily.first(), daily.last()) {
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\">{}</text><text x=\"{W}\" y=\"{}\" text-anchor=\"end\">{}</text><text x=\"{W}\" y=\"10\" text-anchor=\"end\">max {}/day</text>",
            H + 14,
            first.date,
            H + 14,
            last.date,
            thousands(max as usize)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One owner on a crate page.
#[derive(Debug, Serialize)]
pub struct OwnerView {
    login: String,
    segment: String,
    team: bool,
    name: Option<String>,
    since: Option<String>,
}

/// A category or keyword linking to its page.
#[derive(Debug, Serialize)]
pub struct TagView {
    label: String,
    segment: String,
}

impl TagView {
    fn new(label: &str) -> Self {
        Self {
            label: label.to_owned(),
            segment: segment(label),
        }
    }
}

/// The crate page's view of the dump's facts.
#[derive(Debug, Default, Serialize)]
pub struct RegistryView {
    downloads_total: Option<String>,
    downloads_recent: Option<String>,
    downloads_version: Option<String>,
    chart: Option<String>,
    /// The package size of each release, as an inline SVG.
    size_chart: Option<String>,
    owners: Vec<OwnerView>,
    categories: Vec<TagView>,
    keywords: Vec<TagView>,
    weight_size: String,
    weight_lines: String,
    rank_category: Option<String>,
}

/// Formats the registry-wide facts of a report for its page.
pub fn registry_view(r: &CrateReport) -> RegistryView {
    let d = r.downloads.as_ref();
    RegistryView {
        downloads_total: d.map(|d| thousands(d.total as usize)),
        downloads_recent: d.map(|d| thousands(d.recent as usize)),
        downloads_version: d.and_then(|d| d.version).map(|n| thousands(n as usize)),
        chart: d
            .filter(|d| !d.daily.is_empty())
            .map(|d| download_chart(&d.daily)),
        size_chart: r
            .registry_record
            .as_ref()
            .and_then(|rec| super::charts::size_chart(&rec.versions)),
        owners: r
            .owners
            .iter()
            .flatten()
            .map(|o| OwnerView {
                login: o.login.clone(),
                segment: segment(&o.login),
                team: o.kind == OwnerKind::Team,
                name: o.name.clone(),
                since: o
                    .since
                    .as_deref()
                    .and_then(|s| s.get(..10))
                    .map(str::to_owned),
            })
            .collect(),
        categories: r.categories.iter().map(|c| TagView::new(c)).collect(),
        keywords: r.keywords.iter().map(|k| TagView::new(k)).collect(),
        weight_size: super::human_bytes(r.dependency_weight.package_bytes),
        weight_lines: thousands(r.dependency_weight.code_lines),
        rank_category: r
            .ranking
            .category_rank
            .as_ref()
            .map(|c| segment(&c.category)),
    }
}

/// One crate on a group page.
#[derive(Debug, Serialize)]
pub struct GroupRow {
    name: String,
    slug: String,
    version: String,
    description: Option<String>,
    level: &'static str,
    downloads: Option<String>,
    score: u32,
}

/// An owner, category or keyword page.
#[derive(Debug, Serialize)]
pub struct GroupPage {
    /// Output path, relative to the site root, without `index.html`.
    pub path: String,
    /// Heading.
    pub title: String,
    /// What the group is.
    pub kind: &'static str,
    /// Its crates (indices of the reports), most downloaded first (then
    /// best score, then name).
    pub members: Vec<usize>,
}

/// A link to a group page from its index page.
#[derive(Debug, Serialize)]
pub struct GroupLink {
    path: String,
    label: String,
    count: usize,
}

/// Every owner, category and keyword page, and the links of the three
/// index pages (`owners/`, `categories/`, `keywords/`).
pub fn group_pages(reports: &[CrateReport]) -> (Vec<GroupPage>, Vec<(String, Vec<GroupLink>)>) {
    let mut groups: BTreeMap<(usize, String), (String, Vec<usize>)> = BTreeMap::new();
    for (i, r) in reports.iter().enumerate() {
        for o in r.owners.iter().flatten() {
            groups
                .entry((0, segment(&o.login)))
                .or_insert_with(|| (o.login.clone(), Vec::new()))
                .1
                .push(i);
        }
        for c in &r.categories {
            groups
                .entry((1, segment(c)))
                .or_insert_with(|| (c.clone(), Vec::new()))
                .1
                .push(i);
        }
        for k in &r.keywords {
            groups
                .entry((2, segment(k)))
                .or_insert_with(|| (k.clone(), Vec::new()))
                .1
                .push(i);
        }
    }
    const KINDS: [(&str, &str); 3] = [
        ("owners", "Owner"),
        ("categories", "Category"),
        ("keywords", "Keyword"),
    ];
    let mut pages = Vec::new();
    let mut index: Vec<(String, Vec<GroupLink>)> = KINDS
        .iter()
        .map(|(dir, _)| ((*dir).to_owned(), Vec::new()))
        .collect();
    for ((kind, seg), (label, mut members)) in groups {
        members.dedup();
        members.sort_by(|&a, &b| {
            let (ra, rb) = (&reports[a], &reports[b]);
            let dl = |r: &CrateReport| r.downloads.as_ref().map_or(0, |d| d.recent);
            dl(rb)
                .cmp(&dl(ra))
                .then_with(|| rb.ranking.score.cmp(&ra.ranking.score))
                .then_with(|| ra.name.cmp(&rb.name))
        });
        let (dir, what) = KINDS[kind];
        index[kind].1.push(GroupLink {
            path: format!("{dir}/{seg}/"),
            label: label.clone(),
            count: members.len(),
        });
        pages.push(GroupPage {
            path: format!("{dir}/{seg}/"),
            title: label,
            kind: what,
            members,
        });
    }
    (pages, index)
}

/// The rows of a group page's crates.
pub fn group_rows(reports: &[CrateReport], members: &[usize]) -> Vec<GroupRow> {
    members
        .iter()
        .map(|&i| {
            let r = &reports[i];
            GroupRow {
                name: r.name.clone(),
                slug: super::slug(&r.name),
                version: r.version.clone(),
                description: r.description.clone(),
                level: r.risk.level.as_str(),
                downloads: r.downloads.as_ref().map(|d| thousands(d.recent as usize)),
                score: r.ranking.score,
            }
        })
        .collect()
}

/// Entries of the ownership feed: (title, id, link, updated, summary).
pub fn owner_feed_entries(changes: &[OwnerChange], root: &str) -> Vec<super::FeedEntryView> {
    changes
        .iter()
        .map(|c| {
            let verb = if c.added { "added" } else { "removed" };
            super::FeedEntryView {
                title: format!("{}: owner {} {verb}", c.name, c.login),
                id: format!(
                    "{root}crates/{}/#owner-{verb}-{}-{}",
                    super::slug(&c.name),
                    segment(&c.login),
                    c.seen
                ),
                link: format!("{root}crates/{}/#owners", super::slug(&c.name)),
                updated: c.seen.clone(),
                summary: format!("`{}` was {verb} as an owner of {}.", c.login, c.name),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_safe_path_parts() {
        assert_eq!(segment("github:rust-lang:libs"), "github-rust-lang-libs");
        assert_eq!(segment("../x"), "---x");
        assert_eq!(segment("Parsing"), "parsing");
        assert_eq!(segment(""), "-");
    }

    #[test]
    fn the_chart_has_a_bar_per_day_and_no_markup_from_input() {
        let days: Vec<DailyDownloads> = (1..=3)
            .map(|i| DailyDownloads {
                date: format!("2026-01-0{i}"),
                downloads: i * 10,
            })
            .collect();
        let svg = download_chart(&days);
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("height=\"120\""), "{svg}");
        assert!(svg.contains("2026-01-01</text>"));
    }
}
