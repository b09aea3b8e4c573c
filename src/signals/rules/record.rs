//! The rules about what the registry's records say: releases compared
//! with the ones before, owners, advisories, publishers, the dependency
//! tree, and a name that imitates a popular crate.

use super::super::judge::{Facts, Run};
use super::{Rule, rules, with_severity};
use crate::model::{Cap, Code, RiskLevel, Severity};

use Cap::*;
use RiskLevel::{High, Low, Medium};

/// Codes of what a release changes in what runs or what it depends on.
const CHANGES: &[Code] = &[
    Code::ReleaseBuildScriptAdded,
    Code::ReleaseBuildScriptChanged,
    Code::ReleaseNewCapability,
    Code::ReleaseNewBinary,
    Code::ReleaseRepositoryChanged,
    Code::ReleaseNewDependency,
    Code::ReleaseYoungDependency,
];

/// Findings of release changes at medium or above, and compile-time
/// connections and program starts.
fn serious_changes(f: &Facts) -> Vec<usize> {
    let mut v = f.find(|x| x.severity >= Severity::Medium && CHANGES.contains(&x.code));
    v.extend(
        f.caps(&[Network, Process], Run::CompileTime)
            .into_iter()
            .filter(|&i| f.findings[i].severity >= Severity::Medium),
    );
    v
}

/// The rules about records, in the order they are evaluated.
pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "young-dependency-with-build",
        level: High,
        reads: &["release-young-dependency"],
        text: "The newest release depends on a days-old crate that runs a build script.",
        payload: true,
        fires: |f, _| with_severity(f, Code::ReleaseYoungDependency, |s| s == Severity::High),
    },
    Rule {
        id: "young-dependency",
        level: Medium,
        reads: &["release-young-dependency"],
        text: "The newest release depends on a crate first published days before.",
        payload: false,
        fires: |f, _| with_severity(f, Code::ReleaseYoungDependency, |s| s < Severity::High),
    },
    Rule {
        id: "patch-adds-acting-build",
        level: High,
        reads: &[
            "release-build-script-added",
            "build-network",
            "build-process",
        ],
        text: "A patch release adds a build script that opens connections or starts programs.",
        payload: true,
        fires: |f, _| {
            let added = with_severity(f, Code::ReleaseBuildScriptAdded, |s| s >= Severity::Medium);
            let acts: Vec<usize> = f
                .caps(&[Network, Process], Run::CompileTime)
                .into_iter()
                .filter(|&i| {
                    f.findings[i].location == crate::model::LocationKind::Build
                        && f.findings[i].severity >= Severity::Medium
                })
                .collect();
            f.in_crate(&[added, acts])
        },
    },
    Rule {
        id: "patch-adds-build",
        level: Medium,
        reads: &["release-build-script-added"],
        text: "A patch release adds a build script.",
        payload: false,
        fires: |f, _| with_severity(f, Code::ReleaseBuildScriptAdded, |s| s >= Severity::Medium),
    },
    Rule {
        id: "release-new-capability",
        level: Medium,
        reads: &["release-new-capability"],
        text: "The newest release can do something serious the previous one could not.",
        payload: false,
        fires: |f, _| with_severity(f, Code::ReleaseNewCapability, |s| s >= Severity::Medium),
    },
    Rule {
        id: "release-new-binary",
        level: Medium,
        reads: &["release-new-binary"],
        text: "The newest release adds compiled code.",
        payload: true,
        fires: |f, _| with_severity(f, Code::ReleaseNewBinary, |s| s >= Severity::Medium),
    },
    Rule {
        id: "release-repository-changed",
        level: Medium,
        reads: &["release-repository-changed"],
        text: "The repository changed between releases.",
        payload: false,
        fires: |f, _| with_severity(f, Code::ReleaseRepositoryChanged, |s| s >= Severity::Medium),
    },
    Rule {
        id: "release-changes",
        level: Low,
        reads: &[
            "release-build-script-added",
            "release-build-script-changed",
            "release-homepage-changed",
            "release-size-jump",
            "release-new-capability",
            "release-new-binary",
            "release-repository-changed",
        ],
        text: "The newest release changes the build script, the homepage, the repository, what it can do or the package's size.",
        payload: false,
        fires: |f, _| {
            f.find(|x| {
                x.severity == Severity::Low
                    && CHANGES.contains(&x.code)
                    && x.code != Code::ReleaseNewDependency
                    && x.code != Code::ReleaseYoungDependency
                    || x.severity == Severity::Low
                        && matches!(x.code, Code::ReleaseHomepageChanged | Code::ReleaseSizeJump)
            })
        },
    },
    Rule {
        id: "patch-adds-dependency",
        level: Low,
        reads: &["release-new-dependency"],
        text: "A patch release adds a dependency.",
        payload: false,
        fires: |f, _| with_severity(f, Code::ReleaseNewDependency, |s| s == Severity::Low),
    },
    Rule {
        id: "not-comparable",
        level: Low,
        reads: &["pkg-vcs-dirty", "repo-missing"],
        text: "The package cannot be fully compared with its repository.",
        payload: false,
        fires: |f, _| f.find(|x| x.code == Code::PkgVcsDirty || x.code == Code::RepoMissing),
    },
    Rule {
        id: "advisory-malicious",
        level: High,
        reads: &["advisory-malicious"],
        text: "A RustSec advisory says this release is malicious.",
        payload: true,
        fires: |f, _| with_severity(f, Code::AdvisoryMalicious, |s| s == Severity::High),
    },
    Rule {
        id: "advisory-malicious-earlier",
        level: Medium,
        reads: &["advisory-malicious"],
        text: "A RustSec advisory says an earlier release was malicious.",
        payload: false,
        fires: |f, _| with_severity(f, Code::AdvisoryMalicious, |s| s < Severity::High),
    },
    Rule {
        id: "advisory-vulnerability",
        level: Medium,
        reads: &["advisory-vulnerability"],
        text: "A RustSec advisory reports a vulnerability in this release.",
        payload: false,
        fires: |f, _| f.code(Code::AdvisoryVulnerability),
    },
    Rule {
        id: "owner-then-release-change",
        level: High,
        reads: &[
            "owner-new-before-release",
            "release-*",
            "build-network",
            "build-process",
            "macro-network",
            "macro-process",
        ],
        text: "An owner added days before the newest release, and that release changes what runs or what it depends on.",
        payload: false,
        fires: |f, _| f.in_crate(&[f.code(Code::OwnerNewBeforeRelease), serious_changes(f)]),
    },
    Rule {
        id: "new-publisher-then-change",
        level: High,
        reads: &[
            "release-new-publisher",
            "release-new-account",
            "release-*",
            "build-network",
            "build-process",
            "macro-network",
            "macro-process",
        ],
        text: "The release was published by an account new to the crate, and it changes what runs or what it depends on.",
        payload: false,
        fires: |f, _| {
            let mut new = f.code(Code::ReleaseNewPublisher);
            new.extend(with_severity(f, Code::ReleaseNewAccount, |s| {
                s >= Severity::Medium
            }));
            f.in_crate(&[new, serious_changes(f)])
        },
    },
    Rule {
        id: "new-account",
        level: Medium,
        reads: &["release-new-account"],
        text: "A release of a crate with a history was published by an account created days before.",
        payload: false,
        fires: |f, _| with_severity(f, Code::ReleaseNewAccount, |s| s >= Severity::Medium),
    },
    Rule {
        id: "new-publisher",
        level: Low,
        reads: &["release-new-publisher", "release-new-account"],
        text: "The release was published by an account that published none of the crate's earlier releases, or by a new account.",
        payload: false,
        fires: |f, _| {
            let mut v = f.code(Code::ReleaseNewPublisher);
            v.extend(with_severity(f, Code::ReleaseNewAccount, |s| {
                s < Severity::Medium
            }));
            v
        },
    },
    Rule {
        id: "back-to-token",
        level: Medium,
        reads: &["release-back-to-token"],
        text: "The release was published with an API token after earlier releases came through trusted publishing.",
        payload: false,
        fires: |f, _| f.code(Code::ReleaseBackToToken),
    },
    Rule {
        id: "version-jump",
        level: Medium,
        reads: &["release-version-jump"],
        text: "The version number is far above the crate's history, as dependency-confusion releases are.",
        payload: false,
        fires: |f, _| f.code(Code::ReleaseVersionJump),
    },
    Rule {
        id: "owner-before-release",
        level: Low,
        reads: &["owner-new-before-release"],
        text: "An owner was added days before the newest release.",
        payload: false,
        fires: |f, _| f.code(Code::OwnerNewBeforeRelease),
    },
    Rule {
        id: "dependency-malicious",
        level: High,
        reads: &["dep-high-risk"],
        text: "A crate of the dependency tree is malicious, as a RustSec advisory says; the finding gives the path to it.",
        payload: true,
        fires: |f, _| with_severity(f, Code::DepHighRisk, |s| s == Severity::High),
    },
    Rule {
        id: "dependency-high",
        level: Low,
        reads: &["dep-high-risk"],
        text: "A crate of the dependency tree is judged high; the finding gives the path to it.",
        payload: false,
        fires: |f, _| with_severity(f, Code::DepHighRisk, |s| s < Severity::High),
    },
    Rule {
        id: "name-imitates-with-payload",
        level: High,
        reads: &["name-typosquat"],
        text: "The name imitates a popular crate, and another rule found what a payload does.",
        payload: false,
        fires: |f, before| {
            let squat = with_severity(f, Code::NameTyposquat, |s| s == Severity::Medium);
            let payload: Vec<usize> = before
                .iter()
                .filter(|r| r.level >= Medium && rules().any(|x| x.id == r.rule && x.payload))
                .flat_map(|r| r.findings.iter().copied())
                .collect();
            f.in_crate(&[squat, payload])
        },
    },
    Rule {
        id: "name-imitates",
        level: Medium,
        reads: &["name-typosquat"],
        text: "The name imitates a popular crate.",
        payload: false,
        fires: |f, _| with_severity(f, Code::NameTyposquat, |s| s >= Severity::Medium),
    },
    Rule {
        id: "name-near-same-repository",
        level: Low,
        reads: &["name-typosquat"],
        text: "The name is close to a popular crate of the same repository.",
        payload: false,
        fires: |f, _| with_severity(f, Code::NameTyposquat, |s| s == Severity::Low),
    },
];
