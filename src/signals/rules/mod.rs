//! The rules of the judgement, as data: each has an id, the level it gives,
//! the codes it reads, its text, whether it describes a payload (which
//! turns an imitated name into a high risk), and a pure function of the
//! [`Facts`] that returns the findings that fired it (none: it did not
//! fire). The methodology page documents every rule by its id.
//!
//! - [`code`]: what the package's code and files do;
//! - [`repository`]: the package against its repository;
//! - [`record`]: what the registry's records say (releases, owners,
//!   advisories, publishers, the dependency tree, the name).

mod code;
mod record;
mod repository;

use super::judge::Facts;
use crate::model::{Code, Reason, RiskLevel, Severity};

/// One rule of the judgement.
pub struct Rule {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// The level it gives when it fires.
    pub level: RiskLevel,
    /// The codes it reads (`*-network`: the capability at any place).
    pub reads: &'static [&'static str],
    /// What it says, in plain words.
    pub text: &'static str,
    /// Whether it describes what a payload does.
    pub payload: bool,
    /// The findings that fire it, given the reasons of the rules before it.
    pub fires: fn(&Facts, &[Reason]) -> Vec<usize>,
}

/// Every rule, in the order they are evaluated: what the code does, then
/// what the records say (the name's rules read the others' reasons).
pub fn rules() -> impl Iterator<Item = &'static Rule> {
    code::RULES
        .iter()
        .chain(repository::RULES)
        .chain(record::RULES)
}

/// The findings with this code whose severity passes `pred`.
fn with_severity(f: &Facts, code: Code, pred: impl Fn(Severity) -> bool) -> Vec<usize> {
    f.find(|x| x.code == code && pred(x.severity))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Cap;

    #[test]
    fn ids_are_unique_and_reads_are_codes() {
        let mut ids = std::collections::BTreeSet::new();
        for r in rules() {
            assert!(ids.insert(r.id), "{} twice", r.id);
            for read in r.reads {
                let known = if let Some(cap) = read.strip_prefix("*-") {
                    Cap::ALL.iter().any(|c| c.name() == cap)
                } else if *read == "release-*" {
                    true
                } else {
                    Code::parse(read).is_some()
                };
                assert!(known, "{}: `{read}` is no code", r.id);
            }
        }
    }

    #[test]
    fn every_rule_and_code_is_documented_on_the_methodology_page() {
        let page = include_str!("../../../content/methodology.md");
        for code in Code::all() {
            let documented = match code {
                Code::Cap(_, cap) => format!("`*-{}`", cap.name()),
                other => format!("`{other}`"),
            };
            assert!(
                page.contains(&documented),
                "content/methodology.md does not document {documented}"
            );
        }
        for r in rules() {
            assert!(
                page.contains(&format!("`{}`", r.id)),
                "content/methodology.md does not document the rule `{}`",
                r.id
            );
        }
    }
}
