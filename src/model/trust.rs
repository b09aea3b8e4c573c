//! What published audits say about a crate (cargo-vet audit sets read with
//! `--audits`), as it appears in the sidecar.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The audits of a crate; absent when no audit sets were read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Audits {
    /// How the version shown is covered, per organization and criteria,
    /// sorted by organization then criteria.
    pub covered: Vec<AuditCoverage>,
    /// The newest release not newer than the version shown that some
    /// organization covers for `safe-to-deploy`.
    pub newest_audited: Option<String>,
    /// Releases published after `newest_audited`, up to the version shown.
    pub releases_since: Option<usize>,
    /// Every entry of every set about this crate: violations first, then by
    /// organization, in each set's order.
    pub entries: Vec<AuditRecord>,
}

/// The version shown, covered by one organization for one criteria.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct AuditCoverage {
    /// The audit set's name in the registry file.
    pub organization: String,
    /// The criteria (implied ones included: `safe-to-deploy` implies
    /// `safe-to-run`).
    pub criteria: String,
    /// `full` (the version itself was audited), `wildcard` or `trusted`
    /// (its publisher's releases of those days are audited or trusted,
    /// known with the database dump), or `delta` (a chain of delta audits
    /// from a version covered one of those ways).
    pub how: String,
    /// With `delta`: the version the chain starts from.
    pub from: Option<String>,
}

/// One entry of an audit set about the crate.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct AuditRecord {
    /// The audit set's name in the registry file.
    pub organization: String,
    /// `full`, `delta`, `violation`, `wildcard` or `trusted`.
    pub kind: String,
    /// `full`: the version audited; `delta`: the version reached.
    pub version: Option<String>,
    /// `delta`: the version the audited changes start from.
    pub from: Option<String>,
    /// `violation`: the versions that fail the criteria (a requirement).
    pub violation: Option<String>,
    /// `violation`: whether the version shown is among them.
    pub applies: bool,
    /// The criteria certified (or, for a violation, failed).
    pub criteria: Vec<String>,
    /// Who audited.
    pub who: Vec<String>,
    /// `wildcard`, `trusted`: the registry's numeric id of the publisher
    /// whose releases are covered.
    pub user_id: Option<u64>,
    /// `wildcard`, `trusted`: first and last day (both included) of the
    /// releases covered.
    pub start: Option<String>,
    /// See `start`.
    pub end: Option<String>,
    /// The auditor's notes.
    pub notes: Option<String>,
}
