//! What the dependency tree brings to a crate, each with the path to the
//! nearest crate responsible, so that what a dependency does shows on every
//! crate that compiles it:
//!
//! - [`exposures`]: a crate judged high somewhere below gives a
//!   `dep-high-risk` finding, of low severity, or high when a RustSec
//!   advisory says the crate reached is malicious (an inference about a
//!   dependency is not repeated as a verdict on every crate above it, a known
//!   malicious one is);
//! - [`capabilities`]: what the tree can do while the crate is compiled
//!   (build scripts, proc macros and the crates they use) and in the
//!   programs that use it, like Capslock's transitive capabilities.
//!
//! Each is a breadth-first search over the reverse dependency edges from
//! every responsible crate at once: linear in crates and edges. The edges
//! are the dependencies compiled with the default features on one of the
//! main targets ([`crate::built`]), between crates of the site, at the
//! releases shown.

use std::collections::{HashMap, VecDeque};

use crate::model::{
    Cap, Code, CrateReport, DependencyKind, Finding, FindingKind, LocationKind, RiskLevel,
    Severity, TreeCapability, When,
};
use crate::signals::metadata_finding;

/// The capabilities followed through the tree.
const FOLLOWED: &[Cap] = &[
    Cap::Network,
    Cap::Process,
    Cap::EnvCredentials,
    Cap::SecretPaths,
    Cap::DynamicLoading,
];

/// The dependency graph of the site, reversed: for each crate, the crates
/// that depend on it, with whether through a build dependency.
struct Reversed {
    dependents: Vec<Vec<(usize, bool)>>,
}

impl Reversed {
    fn new(reports: &[CrateReport]) -> Self {
        let index: HashMap<String, usize> = reports
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.to_ascii_lowercase(), i))
            .collect();
        let mut dependents: Vec<Vec<(usize, bool)>> = vec![Vec::new(); reports.len()];
        for (i, r) in reports.iter().enumerate() {
            for d in crate::built::built(r) {
                if let Some(&j) = index.get(&d.name.to_ascii_lowercase()) {
                    let edge = (i, d.kind == DependencyKind::Build);
                    if j != i && !dependents[j].contains(&edge) {
                        dependents[j].push(edge);
                    }
                }
            }
        }
        Self { dependents }
    }

    /// A breadth-first search over (crate, state) from the sources; `step`
    /// gives the state after going from a crate in a state to a dependent
    /// through an edge (`step(crate, dependent, state, build dependency)`),
    /// or `None` to stop.
    /// Returns the previous (crate, state) of every (crate, state) reached
    /// from another, and whether each was reached at all.
    fn search(
        &self,
        states: usize,
        sources: impl IntoIterator<Item = (usize, usize)>,
        step: impl Fn(usize, usize, usize, bool) -> Option<usize>,
    ) -> (Vec<Option<(usize, usize)>>, Vec<bool>) {
        let n = self.dependents.len();
        let mut prev = vec![None; n * states];
        let mut seen = vec![false; n * states];
        let mut queue = VecDeque::new();
        for (c, s) in sources {
            if !seen[c * states + s] {
                seen[c * states + s] = true;
                queue.push_back((c, s));
            }
        }
        while let Some((d, s)) = queue.pop_front() {
            for &(e, build) in &self.dependents[d] {
                let Some(t) = step(d, e, s, build) else {
                    continue;
                };
                if !seen[e * states + t] {
                    seen[e * states + t] = true;
                    prev[e * states + t] = Some((d, s));
                    queue.push_back((e, t));
                }
            }
        }
        (prev, seen)
    }
}

/// The path from `(i, s)` down to the source it was reached from: the
/// names in order and the source's position.
fn path<'a>(
    reports: &'a [CrateReport],
    prev: &[Option<(usize, usize)>],
    states: usize,
    (i, s): (usize, usize),
) -> (Vec<&'a str>, usize) {
    let mut names = vec![reports[i].name.as_str()];
    let mut at = (i, s);
    while let Some(p) = prev[at.0 * states + at.1] {
        names.push(reports[p.0].name.as_str());
        at = p;
    }
    (names, at.0)
}

/// The `dep-high-risk` finding of every report reached from a high crate,
/// in order; `None` for the high crates themselves and the others.
pub fn exposures(reports: &[CrateReport]) -> Vec<Option<Finding>> {
    let graph = Reversed::new(reports);
    let sources = (0..reports.len())
        .filter(|&i| reports[i].risk.level == RiskLevel::High)
        .map(|i| (i, 0));
    let (prev, _) = graph.search(1, sources, |_, _, _, _| Some(0));
    (0..reports.len())
        .map(|i| {
            prev[i]?;
            let (names, at) = path(reports, &prev, 1, (i, 0));
            let source = &reports[at];
            let why = source.risk.reasons.first().map_or(String::new(), |r| {
                format!(" ({})", r.text.trim_end_matches('.'))
            });
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
                names.join(" → "),
                format!(
                    "`{}` {} is judged high{why}, and this crate builds it through {} step{}.",
                    source.name,
                    source.version,
                    names.len() - 1,
                    if names.len() == 2 { "" } else { "s" }
                ),
            ))
        })
        .collect()
}

/// Whether a report has a finding of `cap` that runs at compile time
/// (`true`) or in programs (`false`), beyond an ordinary build step.
fn does(r: &CrateReport, cap: Cap, compile: bool) -> bool {
    r.findings.iter().any(|f| {
        f.code.is(cap)
            && f.severity > Severity::Info
            && match f.location {
                LocationKind::Build | LocationKind::ProcMacro => compile,
                LocationKind::Runtime => !compile,
                _ => false,
            }
    })
}

/// What the tree of every report can do, in order.
///
/// States: 0, the code runs in the programs of the crates above; 1, it runs
/// while they compile. A crate's library code reached through a build
/// dependency or a proc macro runs at compile time from there on up (a proc
/// macro's own program is the compiler).
pub fn capabilities(reports: &[CrateReport]) -> Vec<Vec<TreeCapability>> {
    let graph = Reversed::new(reports);
    let mut out: Vec<Vec<TreeCapability>> = vec![Vec::new(); reports.len()];
    for &cap in FOLLOWED {
        let sources = (0..reports.len()).flat_map(|i| {
            let run = does(&reports[i], cap, false).then_some((i, 0));
            let compile = does(&reports[i], cap, true).then_some((i, 1));
            run.into_iter().chain(compile)
        });
        let macro_ = |i: usize| reports[i].targets.proc_macro;
        let (prev, seen) = graph.search(2, sources, |d, e, s, build| {
            Some(if build || macro_(d) || macro_(e) {
                1
            } else {
                s
            })
        });
        for (i, caps) in out.iter_mut().enumerate() {
            for (state, when) in [(1, When::Compile), (0, When::Run)] {
                if seen[i * 2 + state] {
                    let (names, _) = path(reports, &prev, 2, (i, state));
                    caps.push(TreeCapability {
                        when,
                        capability: cap,
                        path: names.join(" → "),
                    });
                }
            }
        }
    }
    for caps in &mut out {
        caps.sort_by_key(|t| (t.when, t.capability));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Dependency, Place};

    fn report(name: &str, deps: &[(&str, DependencyKind)], network: bool) -> CrateReport {
        let mut r = CrateReport {
            name: name.into(),
            dependencies: deps
                .iter()
                .map(|(d, kind)| Dependency {
                    name: (*d).into(),
                    kind: *kind,
                    ..Dependency::default()
                })
                .collect(),
            ..CrateReport::default()
        };
        if network {
            r.findings.push(Finding {
                code: Code::Cap(Place::Code, Cap::Network),
                severity: Severity::Low,
                location: LocationKind::Runtime,
                ..Finding::default()
            });
        }
        r
    }

    #[test]
    fn build_dependencies_and_proc_macros_run_at_compile_time() {
        use DependencyKind::{Build, Normal};
        let mut mac = report("mac", &[("net", Normal)], false);
        mac.targets.proc_macro = true;
        let reports = vec![
            report("net", &[], true),
            report("helper", &[("net", Normal)], false),
            report("app", &[("helper", Build)], false),
            report("user", &[("app", Normal)], false),
            mac,
            report("user2", &[("mac", Normal)], false),
            report("alone", &[], false),
        ];
        let caps = capabilities(&reports);
        let got: Vec<Vec<(When, &str)>> = caps
            .iter()
            .map(|c| c.iter().map(|t| (t.when, t.path.as_str())).collect())
            .collect();
        assert_eq!(
            got,
            vec![
                vec![(When::Run, "net")],
                vec![(When::Run, "helper → net")],
                vec![(When::Compile, "app → helper → net")],
                vec![(When::Compile, "user → app → helper → net")],
                vec![(When::Compile, "mac → net")],
                vec![(When::Compile, "user2 → mac → net")],
                vec![],
            ]
        );
        assert!(caps[0].iter().all(|t| t.capability == Cap::Network));
    }
}
