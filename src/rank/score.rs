//! The explainable score: a handful of components, each kept as
//! (points, maximum, the figure behind it) so a reader can check every one,
//! and the crate's rank within its first category. A component whose data
//! is missing (downloads without a dump) is left out, not scored zero. The
//! formulas are documented on the methodology page.

use std::collections::BTreeMap;

use crate::model::{CategoryRank, CrateReport, Ranking, RiskLevel, ScoreComponent};

fn component(label: &str, value: u32, max: u32, detail: String) -> ScoreComponent {
    ScoreComponent {
        label: label.to_owned(),
        value: value.min(max),
        max,
        detail,
    }
}

/// Points on a log10 scale: `per_decade` points per factor of ten.
fn log_points(n: u64, per_decade: f64) -> u32 {
    ((n as f64 + 1.0).log10() * per_decade).floor() as u32
}

/// Days between two RFC 3339 times.
fn days_between(from: &str, to: &str) -> Option<i64> {
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    };
    Some((parse(to)? - parse(from)?).whole_days())
}

/// The components of one crate's score.
pub fn components(r: &CrateReport, now: &str) -> Vec<ScoreComponent> {
    let mut c = Vec::new();
    if let Some(d) = &r.downloads {
        c.push(component(
            "Downloads",
            log_points(d.recent, 4.0),
            20,
            format!("{} in the last {} days", d.recent, d.daily.len()),
        ));
    }
    let rd = &r.reverse_dependencies;
    c.push(component(
        "Dependents",
        log_points(rd.direct as u64, 5.0),
        20,
        format!(
            "{} direct dependents {}",
            rd.direct,
            match rd.source {
                crate::model::GraphSource::Dump => "in the registry",
                crate::model::GraphSource::Site => "on this site",
            }
        ),
    ));
    let published = r.published();
    if let Some(days) = published.and_then(|p| days_between(p, now)) {
        let v = match days {
            ..=90 => 10,
            91..=365 => 7,
            366..=730 => 4,
            _ => 1,
        };
        c.push(component(
            "Release recency",
            v,
            10,
            // The date, not the age: an age in days would change every day
            // and make every page look changed to an incremental build.
            format!(
                "newest release published {} ({})",
                published.and_then(|p| p.get(..10)).unwrap_or_default(),
                match v {
                    10 => "within 90 days",
                    7 => "within a year",
                    4 => "within two years",
                    _ => "more than two years before",
                }
            ),
        ));
    }
    let releases = r.versions.iter().filter(|v| !v.yanked).count();
    let v = match releases {
        0..=1 => 0,
        2..=4 => 2,
        5..=9 => 4,
        _ => 5,
    };
    c.push(component(
        "Releases",
        v,
        5,
        format!("{releases} releases not yanked"),
    ));
    let rust = r.code.languages.get("Rust");
    let (code, comments) = rust.map_or((0, 0), |l| (l.code, l.comments));
    let ratio = (comments * 100).checked_div(code).unwrap_or(0);
    let docs = u32::from(r.links.docs.is_some() || r.documentation.is_some()) * 5
        + if ratio >= 10 { 5 } else { (ratio / 2) as u32 };
    c.push(component(
        "Documentation",
        docs,
        10,
        format!(
            "{}; {ratio} comment lines per 100 lines of Rust",
            if r.links.docs.is_some() || r.documentation.is_some() {
                "documentation link"
            } else {
                "no documentation link"
            }
        ),
    ));
    let under = |dir: &str| r.package.files.iter().any(|f| f.path.starts_with(dir));
    let tests = !r.targets.tests.is_empty() || under("tests/");
    let examples = !r.targets.examples.is_empty() || under("examples/");
    c.push(component(
        "Tests and examples",
        u32::from(tests) * 5 + u32::from(examples) * 5,
        10,
        format!(
            "tests {}, examples {} in the package",
            if tests { "present" } else { "absent" },
            if examples { "present" } else { "absent" }
        ),
    ));
    let fields = [
        (r.readme.is_some(), 4, "README"),
        (r.description.is_some(), 1, "description"),
        (r.license.is_some(), 1, "license"),
        (r.repository.is_some(), 2, "repository"),
        (!r.keywords.is_empty(), 1, "keywords"),
        (!r.categories.is_empty(), 1, "categories"),
    ];
    let missing: Vec<&str> = fields.iter().filter(|f| !f.0).map(|f| f.2).collect();
    c.push(component(
        "README and metadata",
        fields.iter().filter(|f| f.0).map(|f| f.1).sum(),
        10,
        if missing.is_empty() {
            "all present".into()
        } else {
            format!("missing: {}", missing.join(", "))
        },
    ));
    let h = &r.dependency_health;
    let penalty = h.outdated.len() * 2 + (h.yanked.len() + h.advisories.len()) * 5;
    c.push(component(
        "Dependency health",
        10u32.saturating_sub(penalty.min(10) as u32),
        10,
        format!(
            "{} outdated, {} yanked or unresolvable, {} with advisories, of {} checked",
            h.outdated.len(),
            h.yanked.len(),
            h.advisories.len(),
            h.checked
        ),
    ));
    let risk = match r.risk.level {
        RiskLevel::None => 20,
        RiskLevel::Low => 15,
        RiskLevel::Medium => 5,
        RiskLevel::High => 0,
    };
    c.push(component(
        "Risk",
        risk,
        20,
        format!("risk level {}", r.risk.level.as_str()),
    ));
    c
}

/// The ranking of every report, in order: its score, and its band within
/// its first category.
pub fn score_all(reports: &[CrateReport], now: &str) -> Vec<Ranking> {
    let mut rankings: Vec<Ranking> = reports
        .iter()
        .map(|r| {
            let components = components(r, now);
            let (v, m) = components
                .iter()
                .fold((0u32, 0u32), |(v, m), c| (v + c.value, m + c.max));
            Ranking {
                score: (v * 100 + m / 2).checked_div(m).unwrap_or(0),
                components,
                category_rank: None,
            }
        })
        .collect();
    let mut by_category: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in reports.iter().enumerate() {
        if let Some(cat) = r.categories.first() {
            by_category.entry(cat).or_default().push(i);
        }
    }
    for (cat, mut members) in by_category {
        members.sort_by(|&a, &b| {
            let (ra, rb) = (&reports[a], &reports[b]);
            rankings[b]
                .score
                .cmp(&rankings[a].score)
                .then_with(|| recent(rb).cmp(&recent(ra)))
                .then_with(|| ra.name.cmp(&rb.name))
        });
        let of = members.len();
        for (rank, i) in members.into_iter().enumerate() {
            rankings[i].category_rank = Some(CategoryRank {
                category: cat.to_owned(),
                top_percent: CategoryRank::band(rank + 1, of),
            });
        }
    }
    rankings
}

fn recent(r: &CrateReport) -> u64 {
    r.downloads.as_ref().map_or(0, |d| d.recent)
}
