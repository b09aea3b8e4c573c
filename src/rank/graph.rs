//! The dependency graph: who depends on each crate (from the site's crates,
//! or from every crate of the database dump when one is loaded), how healthy
//! each crate's own requirements are, and what compiling it pulls in.
//!
//! The weight is an approximate resolution, documented on the methodology
//! page: every non-optional normal and build dependency is followed, the
//! release reached is the one analyzed on this site (the newest), and crates
//! outside the site are listed as unknown rather than guessed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;
use semver::{Version, VersionReq};

use crate::fetch::advisories::AdvisoryDb;
use crate::fetch::dump::DumpData;
use crate::model::{
    CrateReport, DependencyHealth, DependencyKind, DependencyWeight, Dependent, GraphSource,
    HealthIssue, ReverseDependencies,
};

/// How many direct dependents a report lists.
const TOP_DEPENDENTS: usize = 10;

/// The reverse dependencies of every report, in order: from the whole
/// dump when it lists the crate, else from the crates of the site.
pub fn reverse_dependencies(
    reports: &[CrateReport],
    dump: Option<&DumpData>,
) -> Vec<ReverseDependencies> {
    let site = site_reverse(reports);
    let from_dump: Vec<Option<ReverseDependencies>> = match dump {
        Some(d) => {
            let rev = dump_reverse_edges(d);
            reports
                .par_iter()
                .map(|r| d.get(&r.name).map(|(i, _)| dump_reverse(d, &rev, i)))
                .collect()
        }
        None => vec![None; reports.len()],
    };
    site.into_iter()
        .zip(from_dump)
        .map(|(s, d)| d.unwrap_or(s))
        .collect()
}

/// The strongest kind: normal over build over dev.
fn stronger(a: DependencyKind, b: DependencyKind) -> DependencyKind {
    a.min(b)
}

fn counts(direct: &BTreeMap<u32, DependencyKind>) -> (usize, usize, usize) {
    let n = |k| direct.values().filter(|&&v| v == k).count();
    (
        n(DependencyKind::Normal),
        n(DependencyKind::Build),
        n(DependencyKind::Dev),
    )
}

/// Reverse edges over the site's crates.
fn site_reverse(reports: &[CrateReport]) -> Vec<ReverseDependencies> {
    let known: HashMap<String, u32> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.to_ascii_lowercase(), i as u32))
        .collect();
    let mut rev: Vec<BTreeMap<u32, DependencyKind>> = vec![BTreeMap::new(); reports.len()];
    for (i, r) in reports.iter().enumerate() {
        for d in &r.dependencies {
            if let Some(&t) = known.get(&d.name.to_ascii_lowercase()) {
                if t as usize != i {
                    let e = rev[t as usize].entry(i as u32).or_insert(d.kind);
                    *e = stronger(*e, d.kind);
                }
            }
        }
    }
    let edges: Vec<Vec<(u32, DependencyKind)>> = rev
        .iter()
        .map(|m| m.iter().map(|(k, v)| (*k, *v)).collect())
        .collect();
    (0..reports.len())
        .map(|i| {
            let (normal, build, dev) = counts(&rev[i]);
            let mut top: Vec<Dependent> = rev[i]
                .iter()
                .map(|(&s, &kind)| Dependent {
                    name: reports[s as usize].name.clone(),
                    kind,
                    downloads: None,
                })
                .collect();
            top.sort_by(|a, b| a.name.cmp(&b.name));
            top.truncate(TOP_DEPENDENTS);
            ReverseDependencies {
                source: GraphSource::Site,
                direct: rev[i].len(),
                normal,
                build,
                dev,
                transitive: transitive(&edges, i as u32),
                top,
            }
        })
        .collect()
}

/// Reverse edges over every crate of the dump: `rev[t]` lists who depends on `t`.
fn dump_reverse_edges(dump: &DumpData) -> Vec<Vec<(u32, DependencyKind)>> {
    let mut rev: Vec<Vec<(u32, DependencyKind)>> = vec![Vec::new(); dump.crates.len()];
    for (i, c) in dump.crates.iter().enumerate() {
        for d in &c.deps {
            if d.target as usize != i {
                rev[d.target as usize].push((i as u32, d.kind));
            }
        }
    }
    rev
}

fn dump_reverse(
    dump: &DumpData,
    rev: &[Vec<(u32, DependencyKind)>],
    i: u32,
) -> ReverseDependencies {
    let mut direct: BTreeMap<u32, DependencyKind> = BTreeMap::new();
    for &(s, k) in &rev[i as usize] {
        let e = direct.entry(s).or_insert(k);
        *e = stronger(*e, k);
    }
    let (normal, build, dev) = counts(&direct);
    let mut top: Vec<Dependent> = direct
        .iter()
        .map(|(&s, &kind)| {
            let c = &dump.crates[s as usize];
            Dependent {
                name: c.name.clone(),
                kind,
                downloads: Some(c.recent()),
            }
        })
        .collect();
    top.sort_by(|a, b| {
        b.downloads
            .cmp(&a.downloads)
            .then_with(|| a.name.cmp(&b.name))
    });
    top.truncate(TOP_DEPENDENTS);
    ReverseDependencies {
        source: GraphSource::Dump,
        direct: direct.len(),
        normal,
        build,
        dev,
        transitive: transitive(rev, i),
        top,
    }
}

/// Crates that reach `start` through normal and build dependencies.
fn transitive(rev: &[Vec<(u32, DependencyKind)>], start: u32) -> usize {
    let mut count = 0;
    super::closure::reach(
        rev.len(),
        start,
        |n| {
            rev[n as usize]
                .iter()
                .filter(|e| e.1 != DependencyKind::Dev)
                .map(|e| e.0)
        },
        |_| count += 1,
    );
    count
}

/// Known releases of a crate: (version, yanked), from the site's index data
/// first (`parsed`, by report), then the dump.
fn releases<'a>(
    name: &str,
    site: &HashMap<String, usize>,
    parsed: &'a [Vec<(Version, bool)>],
    dump: Option<&'a DumpData>,
) -> Option<Vec<(&'a Version, bool)>> {
    if let Some(&i) = site.get(&name.to_ascii_lowercase()) {
        if !parsed[i].is_empty() {
            return Some(parsed[i].iter().map(|(v, y)| (v, *y)).collect());
        }
    }
    let (_, c) = dump?.get(name)?;
    Some(c.versions.iter().map(|v| (&v.num, v.yanked)).collect())
}

/// The dependency health of every report, in order.
pub fn health(
    reports: &[CrateReport],
    dump: Option<&DumpData>,
    advisories: Option<&AdvisoryDb>,
) -> Vec<DependencyHealth> {
    let site: HashMap<String, usize> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.to_ascii_lowercase(), i))
        .collect();
    let parsed: Vec<Vec<(Version, bool)>> = reports
        .par_iter()
        .map(|r| {
            r.versions
                .iter()
                .filter_map(|v| Some((Version::parse(&v.num).ok()?, v.yanked)))
                .collect()
        })
        .collect();
    reports
        .par_iter()
        .map(|r| health_of(r, &site, &parsed, dump, advisories))
        .collect()
}

fn health_of(
    r: &CrateReport,
    site: &HashMap<String, usize>,
    parsed: &[Vec<(Version, bool)>],
    dump: Option<&DumpData>,
    advisories: Option<&AdvisoryDb>,
) -> DependencyHealth {
    let mut h = DependencyHealth::default();
    let mut done = BTreeSet::new();
    for d in r
        .dependencies
        .iter()
        .filter(|d| d.kind != DependencyKind::Dev)
    {
        if !done.insert((d.name.clone(), d.req.clone())) {
            continue;
        }
        let (Some(list), Ok(req)) = (
            releases(&d.name, site, parsed, dump),
            VersionReq::parse(&d.req),
        ) else {
            h.unknown.push(d.name.clone());
            continue;
        };
        h.checked += 1;
        let issue = |detail: String| HealthIssue {
            name: d.name.clone(),
            req: d.req.clone(),
            detail,
        };
        let usable = |v: &&(&Version, bool)| !v.1;
        let newest = list
            .iter()
            .filter(usable)
            .filter(|v| v.0.pre.is_empty())
            .map(|v| v.0)
            .max()
            .or_else(|| list.iter().filter(usable).map(|v| v.0).max());
        let matching = list
            .iter()
            .filter(usable)
            .map(|v| v.0)
            .filter(|v| req.matches(v))
            .max();
        let Some(chosen) = matching else {
            let yanked_match = list.iter().any(|v| v.1 && req.matches(v.0));
            h.yanked.push(issue(if yanked_match {
                "only yanked releases match".into()
            } else {
                "no release matches".into()
            }));
            continue;
        };
        if let Some(n) = newest.filter(|n| !req.matches(n) && *n > chosen) {
            h.outdated.push(issue(n.to_string()));
        }
        if let Some(db) = advisories {
            let ids = db.affecting(&d.name, chosen);
            if !ids.is_empty() {
                h.advisories
                    .push(issue(format!("{chosen}: {}", ids.join(", "))));
            }
        }
    }
    h.outdated.sort();
    h.yanked.sort();
    h.advisories.sort();
    h.unknown.sort();
    h.unknown.dedup();
    h
}

/// The dependency weight of every report, in order.
pub fn weight(reports: &[CrateReport]) -> Vec<DependencyWeight> {
    let site: HashMap<String, usize> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.to_ascii_lowercase(), i))
        .collect();
    // Each crate's followed dependencies, resolved once: those on the site
    // by position, the others by name.
    let (deps, unknown): (Vec<Vec<u32>>, Vec<Vec<&str>>) = reports
        .iter()
        .map(|r| {
            let (mut on_site, mut elsewhere) = (Vec::new(), Vec::new());
            for d in crate::built::built(r) {
                match site.get(&d.name.to_ascii_lowercase()) {
                    Some(&j) => on_site.push(j as u32),
                    None => elsewhere.push(d.name.as_str()),
                }
            }
            (on_site, elsewhere)
        })
        .unzip();
    (0..reports.len())
        .into_par_iter()
        .map(|i| weight_of(i, &deps, &unknown, reports))
        .collect()
}

fn weight_of(
    start: usize,
    deps: &[Vec<u32>],
    unknown_deps: &[Vec<&str>],
    reports: &[CrateReport],
) -> DependencyWeight {
    let mut w = DependencyWeight::default();
    let mut seen = Vec::new();
    super::closure::reach(
        reports.len(),
        start as u32,
        |i| deps[i as usize].iter().copied(),
        |i| seen.push(i as usize),
    );
    let mut unknown: BTreeSet<&str> = unknown_deps[start].iter().copied().collect();
    for &i in &seen {
        unknown.extend(unknown_deps[i].iter().copied());
    }
    let audits_read = reports[start].audits.is_some();
    for &i in &seen {
        let r = &reports[i];
        if audits_read {
            let deploy = r
                .audits
                .as_ref()
                .is_some_and(|a| a.covered.iter().any(|c| c.criteria == "safe-to-deploy"));
            *w.audited.get_or_insert(0) += usize::from(deploy);
            if !deploy && (r.build_script.is_some() || r.targets.proc_macro) {
                w.unaudited_build_time.push(r.name.clone());
            }
        }
        w.crates += 1;
        w.package_bytes += r.package.uncompressed_bytes;
        w.code_lines += r.code.total_code();
        if r.build_script.is_some() {
            w.build_scripts.push(r.name.clone());
        }
        if r.targets.proc_macro {
            w.proc_macros.push(r.name.clone());
        }
        let ids: Vec<&str> = r
            .advisories
            .iter()
            .flatten()
            .filter(|a| a.affects_version && a.kind != crate::model::AdvisoryKind::Notice)
            .map(|a| a.id.as_str())
            .collect();
        if !ids.is_empty() {
            w.advisories
                .push(format!("{} {}: {}", r.name, r.version, ids.join(", ")));
        }
    }
    w.crates += unknown.len();
    w.unknown = unknown.into_iter().map(str::to_owned).collect();
    w.build_scripts.sort();
    w.proc_macros.sort();
    w.advisories.sort();
    w.unaudited_build_time.sort();
    if audits_read && w.audited.is_none() {
        w.audited = Some(0);
    }
    w
}
