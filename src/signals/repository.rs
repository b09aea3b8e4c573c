//! Findings from the repository check ([`crate::model::RepositoryCheck`]):
//! each package file the repository lacks or has with other bytes, rated by
//! what the file can do (a build script or a procedural macro's source runs
//! on the machine that builds; a binary cannot be read), and a commit the
//! repository does not have.

use super::contents::finding;
use crate::model::{CheckStatus, Code, CrateReport, FileKind, Finding, Severity};

/// The findings of the report's repository check.
pub fn findings(report: &CrateReport) -> Vec<Finding> {
    let Some(check) = &report.repository_check else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if check.status != CheckStatus::Differs {
        return out;
    }
    let commit = check.commit.as_deref().unwrap_or("");
    if check.commit_missing {
        out.push(finding(
            Code::RepoCommitMissing,
            Severity::Medium,
            Some(".cargo_vcs_info.json"),
            format!("\"sha1\": \"{commit}\""),
            format!(
                "The package says it was made from commit {commit}, which the repository does not have: {}",
                check.reason.as_deref().unwrap_or("")
            ),
        ));
    }
    let lists = [
        (
            Code::RepoFileAdded,
            &check.files_not_in_repository,
            "is not in the repository at commit",
        ),
        (
            Code::RepoFileDiffers,
            &check.files_differing,
            "differs from the repository's file at commit",
        ),
    ];
    for (code, paths, what) in lists {
        for path in paths {
            let (severity, role) = weigh(report, path);
            out.push(finding(
                code,
                severity,
                Some(path),
                path.clone(),
                format!("This {role} {what} {commit}."),
            ));
        }
    }
    out
}

/// How much a file that is not the repository's matters, and what it is.
fn weigh(report: &CrateReport, path: &str) -> (Severity, &'static str) {
    let kind = report
        .package
        .files
        .binary_search_by(|f| f.path.as_str().cmp(path))
        .ok()
        .map(|i| report.package.files[i].kind);
    let source = path.ends_with(".rs");
    let in_tests = ["tests/", "examples/", "benches/"]
        .iter()
        .any(|p| path.starts_with(p));
    match kind {
        Some(FileKind::BuildScript) => (Severity::High, "build script"),
        _ if source && path.starts_with("build/") && report.build_script.is_some() => {
            (Severity::High, "build script module")
        }
        _ if source && report.targets.proc_macro && !in_tests => {
            (Severity::High, "procedural macro source")
        }
        Some(FileKind::Binary) => (Severity::Medium, "binary file"),
        _ if source && !in_tests => (Severity::Low, "source file"),
        _ => (Severity::Info, "file"),
    }
}
