//! The rules about the package against its repository: files that are not
//! the repository's, rated by what they can do, and a commit the repository
//! does not have.

use super::super::judge::Facts;
use super::Rule;
use crate::model::{Code, RiskLevel, Severity};

use RiskLevel::{High, Low, Medium};

/// Findings of files not in the repository or differing, at `severity`.
fn not_from_repository(f: &Facts, severity: Severity) -> Vec<usize> {
    f.find(|x| {
        matches!(x.code, Code::RepoFileAdded | Code::RepoFileDiffers) && x.severity == severity
    })
}

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "repository-build-differs",
        level: High,
        reads: &["repo-file-added", "repo-file-differs"],
        text: "A build script or procedural macro source that runs when the crate is built is not the one in its repository at the commit the package names.",
        payload: true,
        fires: |f, _| not_from_repository(f, Severity::High),
    },
    Rule {
        id: "repository-binary-differs",
        level: Medium,
        reads: &["repo-file-added", "repo-file-differs"],
        text: "A binary file of the package is not the one in its repository at the commit the package names.",
        payload: true,
        fires: |f, _| not_from_repository(f, Severity::Medium),
    },
    Rule {
        id: "repository-commit-missing",
        level: Medium,
        reads: &["repo-commit-missing"],
        text: "The repository does not have the commit the package says it was made from.",
        payload: false,
        fires: |f, _| f.find(|x| x.code == Code::RepoCommitMissing),
    },
    Rule {
        id: "repository-source-differs",
        level: Low,
        reads: &["repo-file-added", "repo-file-differs"],
        text: "Source code of the package is not the one in its repository at the commit the package names.",
        payload: false,
        fires: |f, _| not_from_repository(f, Severity::Low),
    },
];
