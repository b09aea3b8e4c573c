//! Risk reached through the dependency tree: every crate that depends,
//! directly or through others, on a crate judged high gets a
//! `dep-high-risk` finding with the path to the nearest such crate, so that
//! a malicious crate pulled in by another shows on every dependent.
//!
//! The finding is of low severity, unless a RustSec advisory says the crate
//! reached is malicious: an inference about a dependency is not repeated as
//! a verdict on every crate above it, while a known malicious one is.
//!
//! One breadth-first search over the reverse dependency edges, from every
//! high crate at once: linear in crates and edges. The edges are the
//! normal and build dependencies that are not optional, between crates of
//! the site (the releases shown; optional dependencies and features are
//! not resolved).

use std::collections::{HashMap, VecDeque};

use crate::model::{Code, CrateReport, DependencyKind, Finding, FindingKind, RiskLevel, Severity};
use crate::signals::metadata_finding;

/// The finding of every report reached from a high crate, in order; `None`
/// for the high crates themselves and for those no high crate is below.
pub fn exposures(reports: &[CrateReport]) -> Vec<Option<Finding>> {
    let index: HashMap<String, usize> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.to_ascii_lowercase(), i))
        .collect();
    // dependents[d]: the crates that build d.
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); reports.len()];
    for (i, r) in reports.iter().enumerate() {
        for d in &r.dependencies {
            if d.kind == DependencyKind::Dev || d.optional {
                continue;
            }
            if let Some(&j) = index.get(&d.name.to_ascii_lowercase()) {
                if j != i && dependents[j].last() != Some(&i) {
                    dependents[j].push(i);
                }
            }
        }
    }
    // parent[i]: the dependency of i on the way to the nearest high crate.
    let mut parent: Vec<Option<usize>> = vec![None; reports.len()];
    let mut seen = vec![false; reports.len()];
    let mut queue: VecDeque<usize> = VecDeque::new();
    for (i, r) in reports.iter().enumerate() {
        if r.risk.level == RiskLevel::High {
            seen[i] = true;
            queue.push_back(i);
        }
    }
    while let Some(d) = queue.pop_front() {
        for &i in &dependents[d] {
            if !seen[i] {
                seen[i] = true;
                parent[i] = Some(d);
                queue.push_back(i);
            }
        }
    }
    (0..reports.len())
        .map(|i| {
            parent[i]?;
            let mut path = vec![reports[i].name.as_str()];
            let mut at = i;
            while let Some(p) = parent[at] {
                path.push(reports[p].name.as_str());
                at = p;
            }
            let source = &reports[at];
            let why = source.risk.reasons.first().map_or(String::new(), |r| {
                format!(" ({})", r.text.trim_end_matches('.'))
            });
            // Known malicious (an advisory), or judged high from its own findings.
            let malicious = source
                .risk
                .reasons
                .iter()
                .any(|r| r.rule == "advisory-malicious");
            Some(metadata_finding(
                Code::DepHighRisk,
                if malicious {
                    Severity::High
                } else {
                    Severity::Low
                },
                FindingKind::Inference,
                path.join(" → "),
                format!(
                    "`{}` {} is judged high{why}, and this crate builds it through {} step{}.",
                    source.name,
                    source.version,
                    path.len() - 1,
                    if path.len() == 2 { "" } else { "s" }
                ),
            ))
        })
        .collect()
}
