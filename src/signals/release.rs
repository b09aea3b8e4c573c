//! The newest release compared with the one before it, package to package:
//! a build script added or changed, capabilities that appear for the first
//! time, new executables, a repository or homepage changed, a jump in size.
//!
//! Each analyzed release leaves a small summary in the cache
//! (`CACHE/state/releases/{name}/{version}.json`), so that when a new release
//! appears the next day, the one before it need not be downloaded again.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::{Code, CrateReport, FileKind, Finding, FindingKind, LocationKind, Severity};

/// What is compared between two releases.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReleaseSummary {
    /// Version.
    pub version: String,
    /// SHA-256 of the build script's contents, when there is one.
    pub build_script: Option<String>,
    /// Capability codes of low severity or more found in code that runs in
    /// dependents (build script, proc macro, library).
    pub capabilities: BTreeSet<String>,
    /// Paths of executables and prebuilt libraries.
    pub executables: BTreeSet<String>,
    /// `package.repository`.
    pub repository: Option<String>,
    /// `package.homepage`.
    pub homepage: Option<String>,
    /// Unpacked size.
    pub unpacked_bytes: u64,
}

/// Reads a kept summary.
pub fn load(cache: &Path, name: &str, version: &str) -> Option<ReleaseSummary> {
    crate::store::load_state(cache, &crate::store::release_summary(name, version))
}

/// Keeps a summary for later runs.
pub fn save(cache: &Path, name: &str, summary: &ReleaseSummary) {
    let file = crate::store::release_summary(name, &summary.version);
    if let Err(e) = crate::store::save_state(cache, &file, summary) {
        tracing::warn!(krate = name, error = %e, "could not keep the release summary");
    }
}

/// Summarizes an analyzed release; `build_script_sha` is the hash of its build script.
pub fn summarize(r: &CrateReport, build_script_sha: Option<String>) -> ReleaseSummary {
    ReleaseSummary {
        version: r.version.clone(),
        build_script: build_script_sha,
        capabilities: r
            .findings
            .iter()
            .filter(|f| {
                f.severity >= Severity::Low
                    && matches!(
                        f.location,
                        LocationKind::Build | LocationKind::ProcMacro | LocationKind::Runtime
                    )
            })
            .filter(|f| f.code.cap().is_some())
            .map(|f| f.code.as_str().to_owned())
            .collect(),
        executables: r
            .findings
            .iter()
            .filter(|f| f.code == Code::PkgExecutable)
            .filter_map(|f| f.file.clone())
            .collect(),
        repository: r.repository.clone(),
        homepage: r.homepage.clone(),
        unpacked_bytes: r.package.uncompressed_bytes,
    }
}

/// Capabilities whose first appearance in a release matters most.
const SERIOUS: &[&str] = &[
    "network",
    "process",
    "secret-paths",
    "env-credentials",
    "ci-detection",
    "dynamic-loading",
    "encoded-blob",
    "xor-decoding",
];

fn finding(code: Code, severity: Severity, evidence: String, message: String) -> Finding {
    super::metadata_finding(code, severity, FindingKind::Fact, evidence, message)
}

/// Findings from comparing the newest release with the previous one.
pub fn diff(now: &ReleaseSummary, before: &ReleaseSummary) -> Vec<Finding> {
    let patch = super::history::is_patch_release(&before.version, &now.version);
    let what = if patch { "patch release" } else { "release" };
    let mut out = Vec::new();
    match (&before.build_script, &now.build_script) {
        (None, Some(_)) => out.push(finding(
            Code::ReleaseBuildScriptAdded,
            if patch { Severity::Medium } else { Severity::Low },
            format!("{} has a build script, {} had none", now.version, before.version),
            format!("The {what} {} adds a build script: code that runs on every machine that compiles a dependent.", now.version),
        )),
        (Some(a), Some(b)) if a != b => out.push(finding(
            Code::ReleaseBuildScriptChanged,
            if patch { Severity::Low } else { Severity::Info },
            format!("the build script differs from {}'s", before.version),
            format!("The {what} {} changes the build script.", now.version),
        )),
        _ => {}
    }
    for code in now.capabilities.difference(&before.capabilities) {
        let cap = code.split_once('-').map_or("", |(_, c)| c);
        out.push(finding(
            Code::ReleaseNewCapability,
            if SERIOUS.contains(&cap) {
                Severity::Medium
            } else {
                Severity::Info
            },
            format!(
                "{code} appears in {}, not in {}",
                now.version, before.version
            ),
            format!(
                "Code of the {what} {} does something the previous release's did not ({code}).",
                now.version
            ),
        ));
    }
    for exe in now.executables.difference(&before.executables) {
        out.push(finding(
            Code::ReleaseNewBinary,
            Severity::Medium,
            format!("{exe} is new in {}", now.version),
            format!(
                "The {what} {} adds compiled code that {} did not have.",
                now.version, before.version
            ),
        ));
    }
    if before.repository.is_some() && now.repository != before.repository {
        out.push(finding(
            Code::ReleaseRepositoryChanged,
            Severity::Medium,
            format!("{} → {}", before.repository.as_deref().unwrap_or(""), now.repository.as_deref().unwrap_or("(none)")),
            "The repository changed between releases: a move, or a new owner pointing it elsewhere.".into(),
        ));
    }
    if before.homepage.is_some() && now.homepage != before.homepage {
        out.push(finding(
            Code::ReleaseHomepageChanged,
            Severity::Low,
            format!(
                "{} → {}",
                before.homepage.as_deref().unwrap_or(""),
                now.homepage.as_deref().unwrap_or("(none)")
            ),
            "The homepage changed between releases.".into(),
        ));
    }
    if now.unpacked_bytes > 2 * before.unpacked_bytes.max(1)
        && now.unpacked_bytes - before.unpacked_bytes > 1 << 20
    {
        out.push(finding(
            Code::ReleaseSizeJump,
            Severity::Low,
            format!(
                "{} bytes, {} before",
                now.unpacked_bytes, before.unpacked_bytes
            ),
            format!(
                "The {what} {} is more than twice the size of {}.",
                now.version, before.version
            ),
        ));
    }
    out
}

/// The SHA-256 (hex) of the build script among the package's files.
pub fn build_script_sha(r: &CrateReport, files: &[crate::unpacked::RawFile]) -> Option<String> {
    use sha2::Digest;
    let path = r
        .package
        .files
        .iter()
        .find(|f| f.kind == FileKind::BuildScript)?
        .path
        .clone();
    let data = files.iter().find(|f| f.path == path)?.data.as_deref()?;
    Some(crate::format::hex(&sha2::Sha256::digest(data)))
}
