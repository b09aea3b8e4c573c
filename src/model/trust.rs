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
    /// What changed from `newest_audited` to the version shown, when the
    /// two differ and both packages could be read.
    #[serde(default)]
    pub changes_since: Option<ChangesSince>,
}

/// What changed between two releases of a crate, counted over their
/// packages' files.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct ChangesSince {
    /// The earlier release.
    pub from: String,
    /// Files only in the later package.
    pub files_added: usize,
    /// Files only in the earlier package.
    pub files_removed: usize,
    /// Files in both whose bytes differ.
    pub files_changed: usize,
    /// Lines added, over text files (a file added counts all its lines).
    pub lines_added: usize,
    /// Lines removed, over text files (a file removed counts all its
    /// lines).
    pub lines_removed: usize,
    /// Changed files not compared line by line (binary, or over the size
    /// compared).
    pub files_not_diffed: usize,
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

/// The package compared with the repository it says it was made from
/// (`.cargo_vcs_info.json`'s commit and folder, the manifest's repository).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct RepositoryCheck {
    /// `matches`, `differs` or `not-checked`.
    pub status: CheckStatus,
    /// The repository compared with (the manifest's `repository`).
    pub repository: Option<String>,
    /// The commit the package names.
    pub commit: Option<String>,
    /// The package's folder in the repository (`path_in_vcs`, empty for the
    /// root).
    pub path_in_vcs: Option<String>,
    /// Whether the repository lacks the commit the package names.
    #[serde(default)]
    pub commit_missing: bool,
    /// Package files compared with the repository.
    #[serde(default)]
    pub files_compared: usize,
    /// Package files the repository lacks at that commit (at most
    /// [`CHECK_LISTED`], sorted; `files_not_in_repository_count` has all).
    pub files_not_in_repository: Vec<String>,
    /// How many package files the repository lacks.
    #[serde(default)]
    pub files_not_in_repository_count: usize,
    /// Package files whose bytes differ from the repository's at that
    /// commit (at most [`CHECK_LISTED`], sorted).
    pub files_differing: Vec<String>,
    /// How many package files differ.
    #[serde(default)]
    pub files_differing_count: usize,
    /// Package files that cargo writes itself and that are therefore not
    /// compared (`.cargo_vcs_info.json`, the normalized `Cargo.toml`,
    /// `Cargo.lock`), and files inside git submodules.
    #[serde(default)]
    pub files_not_compared: Vec<String>,
    /// Why the check could not be made or what it could not tell; set with
    /// `not-checked`, and with `differs` when the commit is missing.
    pub reason: Option<String>,
    /// Where the repository was read: `mirror` (`--git-mirror`) or `clone`
    /// (fetched into the cache).
    pub source: Option<String>,
}

/// Most file names listed per kind in a [`RepositoryCheck`].
pub const CHECK_LISTED: usize = 100;

/// The outcome of a [`RepositoryCheck`].
#[derive(
    Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    /// Every file compared is the repository's at the commit named.
    Matches,
    /// Some file is not in the repository or differs, or the repository
    /// lacks the commit.
    Differs,
    /// The comparison was not made (`reason` says why).
    #[default]
    NotChecked,
}

impl CheckStatus {
    /// The JSON string.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Matches => "matches",
            CheckStatus::Differs => "differs",
            CheckStatus::NotChecked => "not-checked",
        }
    }
}

/// One cargo-crev review of the crate (`--crev-proofs`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct CrevReviewRecord {
    /// The version reviewed.
    pub version: String,
    /// Whether it is the version shown.
    pub applies: bool,
    /// When the proof was made, as written in it.
    pub date: String,
    /// The reviewer's crev id.
    pub reviewer: String,
    /// Where the reviewer publishes proofs.
    pub reviewer_url: Option<String>,
    /// Time and effort spent: `none`, `low`, `medium` or `high`.
    pub thoroughness: String,
    /// How well the reviewer understood it: `none`, `low`, `medium` or
    /// `high`.
    pub understanding: String,
    /// `dangerous`, `negative`, `neutral`, `positive` or `strong`.
    pub rating: String,
    /// The reviewer's comment.
    pub comment: Option<String>,
}
