//! The rank stage: everything that needs all crates at once. It sorts the
//! reports by name, fills what comes from the registry as a whole (the
//! database dump's downloads and owners, ownership changes, advisories),
//! places each crate in the dependency graph, runs the signals that compare
//! crates with each other, judges and scores every crate, and builds the
//! site-wide summary and lists. Each list says by which figure it is
//! ordered; ties are broken by name so the order is stable.
//!
//! The cross-crate figures are named passes (reverse dependencies,
//! dependency health, dependency weight, scores), each a function of the
//! reports that returns one value per report; [`enrich`] runs them in
//! order, logs the time of each, and puts their values into the reports.

pub mod audits;
mod closure;
pub mod graph;
pub mod registry;
pub mod reviews;
pub mod score;
pub mod tree;

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::fetch::advisories::AdvisoryDb;
use crate::fetch::audits::AuditSets;
use crate::fetch::dump::DumpData;
use crate::format::{human_bytes, thousands};
use crate::model::{
    CrateReport, CrateSummary, DependencyKind, FileKind, Finding, RiskLevel, SCHEMA_VERSION,
    Severity, SiteIndex,
};
use crate::owners::{self, OwnerState};
use crate::signals::{self, history, identity, identity::Popular, judge};

/// A ranked list for the home page.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct RankedList {
    /// Heading.
    pub title: String,
    /// Entries, best first.
    pub items: Vec<RankedItem>,
}

/// One entry of a [`RankedList`].
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct RankedItem {
    /// Crate name.
    pub name: String,
    /// The figure the list is ordered by, formatted.
    pub meta: String,
}

/// What the whole site knows after ranking.
#[derive(Debug, Clone, Default)]
pub struct SiteSummary {
    /// `index.json`.
    pub index: SiteIndex,
    /// The audits page, when audit sets were read.
    pub audits: Option<audits::AuditsPage>,
    /// Lists for the home page.
    pub lists: Vec<RankedList>,
    /// Owners as of this run and the recent changes, for the next run and
    /// the ownership feed.
    pub owner_state: OwnerState,
}

/// How many entries a home-page list shows.
const LIST_LEN: usize = 10;

/// What the rank stage reads besides the reports.
#[derive(Debug, Default, Clone, Copy)]
pub struct RankInputs<'a> {
    /// Where the data came from, for the footer.
    pub source: &'a str,
    /// When the data was gathered (RFC 3339).
    pub generated_at: &'a str,
    /// The database dump, when loaded.
    pub dump: Option<&'a DumpData>,
    /// The advisory database, when given.
    pub advisories: Option<&'a AdvisoryDb>,
    /// The audit sets, when `--audits` was given.
    pub audits: Option<&'a AuditSets>,
    /// The cargo-crev reviews, when `--crev-proofs` was given.
    pub crev: Option<&'a crate::fetch::crev::CrevProofs>,
    /// The previous run's owners, when there was one.
    pub previous_owners: Option<&'a OwnerState>,
}

/// Sorts the reports, fills every cross-crate figure, judges and scores,
/// and builds the summary.
pub fn rank(reports: &mut [CrateReport], inputs: &RankInputs<'_>) -> SiteSummary {
    reports.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.version.cmp(&b.version)));
    let known: BTreeMap<String, usize> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.to_ascii_lowercase(), i))
        .collect();
    let mut dependents: Vec<BTreeSet<String>> = vec![BTreeSet::new(); reports.len()];
    for r in reports.iter() {
        for d in &r.dependencies {
            if let Some(&i) = known.get(&d.name.to_ascii_lowercase()) {
                if reports[i].name != r.name {
                    dependents[i].insert(r.name.clone());
                }
            }
        }
    }
    for (r, set) in reports.iter_mut().zip(dependents) {
        r.dependents = set.into_iter().collect();
    }
    let owner_state = enrich(reports, inputs);
    let crates: Vec<CrateSummary> = reports.iter().map(summary).collect();
    SiteSummary {
        audits: inputs.audits.map(|sets| audits::audits_page(sets, reports)),
        lists: lists(reports, &crates),
        owner_state,
        index: SiteIndex {
            schema_version: SCHEMA_VERSION,
            generated_at: inputs.generated_at.to_owned(),
            source: inputs.source.to_owned(),
            crates,
        },
    }
}

/// Everything of the rank stage but the sorting and the summary: registry
/// facts, ownership changes, advisories, the graph, the cross-crate signals,
/// the judgement and the score. `inspect` runs it on the crates it was given.
pub fn enrich(reports: &mut [CrateReport], inputs: &RankInputs<'_>) -> OwnerState {
    if let Some(dump) = inputs.dump {
        registry::attach(reports, dump);
    }
    let owner_state = owners::update(inputs.previous_owners, reports, inputs.generated_at);
    let changes = owners::changes_by_name(&owner_state);
    for r in reports.iter_mut() {
        if let Some(db) = inputs.advisories {
            r.advisories =
                Some(db.for_crate(&r.name, semver::Version::parse(&r.version).ok().as_ref()));
        }
        // The analyze stage counted the changes since an audited release.
        let counted = r.audits.take().and_then(|a| a.changes_since);
        if let Some(sets) = inputs.audits {
            let published = inputs
                .dump
                .map(|d| audits::published(d, &r.name))
                .unwrap_or_default();
            let mut a = audits::audits_of(&r.name, &r.version, &r.versions, &published, sets);
            a.changes_since = counted.filter(|c| a.newest_audited.as_ref() == Some(&c.from));
            r.audits = Some(a);
        }
        if let Some(crev) = inputs.crev {
            r.crev_reviews = Some(reviews::of(crev.of(&r.name), &r.version));
        }
        let mut found = signals::registry::ownership_findings(
            r,
            changes.get(r.name.as_str()).into_iter().flatten().copied(),
        );
        found.extend(signals::registry::advisory_findings(r));
        if let Some((_, c)) = inputs.dump.and_then(|d| d.get(&r.name)) {
            found.extend(signals::publisher::publisher_findings(
                r,
                c,
                inputs.dump.expect("checked"),
            ));
        }
        found.extend(signals::publisher::version_jump(r));
        r.findings.extend(found);
    }
    let reverse = pass("reverse dependencies", || {
        graph::reverse_dependencies(reports, inputs.dump)
    });
    fill(reports, reverse, |r, v| r.reverse_dependencies = v);
    let health = pass("dependency health", || {
        graph::health(reports, inputs.dump, inputs.advisories)
    });
    fill(reports, health, |r, v| r.dependency_health = v);
    let weight = pass("dependency weight", || graph::weight(reports));
    fill(reports, weight, |r, v| r.dependency_weight = v);
    pass("signals and judgement", || {
        site_signals(reports, inputs.dump)
    });
    // After the judgement, which tells ordinary build steps apart.
    let capabilities = pass("tree capabilities", || tree::capabilities(reports));
    fill(reports, capabilities, |r, v| r.tree_capabilities = v);
    let rankings = pass("scores", || score::score_all(reports, inputs.generated_at));
    fill(reports, rankings, |r, v| r.ranking = v);
    owner_state
}

/// Runs one named pass of the stage, and logs how long it took.
fn pass<T>(name: &str, run: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let out = run();
    tracing::debug!("rank: {name} in {:.2}s", started.elapsed().as_secs_f64());
    out
}

/// Puts the figures a pass computed, one per report in order, into the
/// reports.
fn fill<T>(reports: &mut [CrateReport], values: Vec<T>, set: impl Fn(&mut CrateReport, T)) {
    debug_assert_eq!(reports.len(), values.len());
    for (r, v) in reports.iter_mut().zip(values) {
        set(r, v);
    }
}

/// How many of the dump's most-downloaded crates count as popular for
/// the typosquat check.
const POPULAR_BY_DOWNLOADS: usize = 3000;

/// Names of the `n` crates of the dump with the most recent downloads.
pub fn most_downloaded(dump: &DumpData, n: usize) -> impl Iterator<Item = &str> {
    let mut order: Vec<(u64, &str)> = dump
        .crates
        .iter()
        .map(|c| (c.recent(), c.name.as_str()))
        .collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    order.into_iter().take(n).map(|(_, name)| name)
}

/// Identity and release signals, which compare a crate with the others,
/// then the judgement of every crate.
fn site_signals(reports: &mut [CrateReport], dump: Option<&DumpData>) {
    let mut popular = Popular::shipped().clone();
    popular.extend(
        reports
            .iter()
            .filter(|r| r.dependents.len() >= 3)
            .map(|r| r.name.as_str()),
    );
    if let Some(d) = dump {
        popular.extend(most_downloaded(d, POPULAR_BY_DOWNLOADS));
    }
    let mut repos: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in reports.iter() {
        if let Some(repo) = r.repository.as_deref().and_then(identity::normalize_repo) {
            repos.entry(repo).or_default().push(r.name.clone());
        }
    }
    let first_published: BTreeMap<String, String> = reports
        .iter()
        .filter_map(|r| {
            Some((
                r.name.to_ascii_lowercase(),
                r.versions
                    .iter()
                    .filter_map(|v| v.published.clone())
                    .min()?,
            ))
        })
        .collect();
    let found: Vec<Vec<Finding>> = reports
        .par_iter()
        .map(|r| identity::findings(r, &popular, &repos))
        .collect();
    reports.par_iter_mut().zip(found).for_each(|(r, f)| {
        r.findings.extend(f);
        judge::judge(r);
    });
    // Then releases that pull in a days-old crate, judged with what that crate was found to be.
    let risky_builds: BTreeSet<String> = reports
        .iter()
        .filter(|r| r.build_script.is_some() && r.risk.level >= RiskLevel::Medium)
        .map(|r| r.name.to_ascii_lowercase())
        .collect();
    let risky_build = |name: &str| risky_builds.contains(&name.to_ascii_lowercase());
    let found: Vec<Vec<Finding>> = reports
        .iter()
        .map(|r| history::young_dependencies(r, &first_published, &risky_build))
        .collect();
    for (r, f) in reports.iter_mut().zip(found) {
        if !f.is_empty() {
            r.findings.extend(f);
            judge::judge(r);
        }
    }
    // Last, what the dependency tree brings: no crate becomes high this way,
    // so one pass is enough.
    let exposed = tree::exposures(reports);
    for (r, f) in reports.iter_mut().zip(exposed) {
        if let Some(f) = f {
            r.findings.push(f);
            judge::judge(r);
        }
    }
}

fn summary(r: &CrateReport) -> CrateSummary {
    CrateSummary {
        name: r.name.clone(),
        version: r.version.clone(),
        description: r.description.clone(),
        license: r.license.clone(),
        published: r.published().map(str::to_owned),
        code_lines: r.code.total_code(),
        package_bytes: r.package.uncompressed_bytes,
        dependencies: r
            .dependencies
            .iter()
            .filter(|d| d.kind != DependencyKind::Dev)
            .count(),
        dependents: r.dependents.len(),
        problems: r.problems.len(),
        risk: r.risk.level,
        serious_findings: r
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Medium)
            .count(),
        recent_downloads: r.downloads.as_ref().map(|d| d.recent),
        created_at: r.created_at.clone(),
        score: r.ranking.score,
    }
}

fn top<K: Ord>(
    crates: &[CrateSummary],
    title: &str,
    key: impl Fn(&CrateSummary) -> Option<K>,
    meta: impl Fn(&CrateSummary) -> String,
) -> RankedList {
    let mut picked: Vec<(K, &CrateSummary)> =
        crates.iter().filter_map(|c| Some((key(c)?, c))).collect();
    picked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
    RankedList {
        title: title.to_owned(),
        items: picked
            .into_iter()
            .take(LIST_LEN)
            .map(|(_, c)| RankedItem {
                name: c.name.clone(),
                meta: meta(c),
            })
            .collect(),
    }
}

fn build_script_lines(r: &CrateReport) -> Option<usize> {
    r.package
        .files
        .iter()
        .find(|f| f.kind == FileKind::BuildScript)
        .map(|f| f.code.unwrap_or(0))
}

fn lists(reports: &[CrateReport], crates: &[CrateSummary]) -> Vec<RankedList> {
    let build_lines: BTreeMap<&str, usize> = reports
        .iter()
        .filter_map(|r| Some((r.name.as_str(), build_script_lines(r)?)))
        .collect();
    let count = |n: usize, what: &str| format!("{} {what}", thousands(n));
    vec![
        top(
            crates,
            "Most downloaded",
            |c| c.recent_downloads.filter(|&n| n > 0),
            |c| {
                format!(
                    "{} in 90 days",
                    thousands(c.recent_downloads.unwrap_or(0) as usize)
                )
            },
        ),
        top(
            crates,
            "Recently created",
            |c| c.created_at.clone(),
            |c| {
                c.created_at
                    .as_deref()
                    .and_then(|t| t.get(..10))
                    .unwrap_or("")
                    .to_owned()
            },
        ),
        top(
            crates,
            "Best scores",
            |c| Some(c.score),
            |c| format!("{} / 100", c.score),
        ),
        top(
            crates,
            "Recently published",
            |c| c.published.clone(),
            |c| {
                format!(
                    "{} · {}",
                    c.version,
                    c.published.as_deref().unwrap_or("").get(..10).unwrap_or("")
                )
            },
        ),
        top(
            crates,
            "Most used here",
            |c| (c.dependents > 0).then_some(c.dependents),
            |c| count(c.dependents, "dependents"),
        ),
        top(
            crates,
            "Largest packages",
            |c| Some(c.package_bytes),
            |c| human_bytes(c.package_bytes),
        ),
        top(
            crates,
            "Most dependencies",
            |c| (c.dependencies > 0).then_some(c.dependencies),
            |c| count(c.dependencies, "dependencies"),
        ),
        top(
            crates,
            "Largest build scripts",
            |c| build_lines.get(c.name.as_str()).copied(),
            |c| {
                count(
                    build_lines.get(c.name.as_str()).copied().unwrap_or(0),
                    "lines of code",
                )
            },
        ),
        top(
            crates,
            "With problems",
            |c| (c.problems > 0).then_some(c.problems),
            |c| count(c.problems, "problems"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dependency;

    fn report(name: &str, deps: &[&str]) -> CrateReport {
        CrateReport {
            name: name.into(),
            version: "1.0.0".into(),
            dependencies: deps
                .iter()
                .map(|d| Dependency {
                    name: (*d).into(),
                    ..Dependency::default()
                })
                .collect(),
            ..CrateReport::default()
        }
    }

    #[test]
    fn dependents_are_found_and_sorted() {
        let mut reports = vec![
            report("b", &["a"]),
            report("a", &[]),
            report("c", &["a", "b", "zz"]),
        ];
        let summary = rank(
            &mut reports,
            &RankInputs {
                source: "test",
                generated_at: "2026-01-01T00:00:00Z",
                ..RankInputs::default()
            },
        );
        assert_eq!(reports[0].name, "a");
        assert_eq!(reports[0].dependents, vec!["b", "c"]);
        assert_eq!(reports[1].dependents, vec!["c"]);
        let used = summary
            .lists
            .iter()
            .find(|l| l.title == "Most used here")
            .unwrap();
        assert_eq!(used.items[0].name, "a");
        assert_eq!(summary.index.crates.len(), 3);
    }
}
