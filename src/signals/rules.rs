//! The rules of the judgement, as data: each has an id, the level it gives,
//! the codes it reads, its text, whether it describes a payload (which
//! turns an imitated name into a high risk), and a pure function of the
//! [`Facts`] that returns the findings that fired it (none: it did not
//! fire). The methodology page documents every rule by its id.

use super::judge::{Facts, Run, runs};
use crate::model::{Cap, Code, Reason, RiskLevel, Severity};

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

/// Obfuscated or decoded data.
const HIDDEN: &[Cap] = &[EncodedBlob, HighEntropyString, XorDecoding, Decoding];
/// Ways to reach another machine.
const REMOTE: &[Cap] = &[Network, IpAddress];

fn with_severity(f: &Facts, code: Code, pred: impl Fn(Severity) -> bool) -> Vec<usize> {
    f.find(|x| x.code == code && pred(x.severity))
}

fn compile_spawns(f: &Facts, severity: Severity) -> Vec<usize> {
    f.spawns(Run::CompileTime)
        .into_iter()
        .filter(|&i| f.findings[i].severity == severity)
        .collect()
}

/// `include_bytes!` of a file that the package ships as an executable.
fn embedded_executables(f: &Facts) -> Vec<usize> {
    let executables: Vec<&str> = f
        .code(Code::PkgExecutable)
        .into_iter()
        .filter_map(|i| f.findings[i].file.as_deref())
        .map(|p| p.rsplit('/').next().unwrap_or(p))
        .collect();
    f.cap(IncludeBytes, Run::Live)
        .into_iter()
        .filter(|&i| {
            let e = &f.findings[i].message;
            e.contains("include_bytes!")
                && executables.iter().any(|name| {
                    e.contains(&format!("/{name}\"")) || e.contains(&format!("\"{name}\""))
                })
        })
        .collect()
}

/// Findings that reach another machine: connections, addresses, endpoints.
fn remote(f: &Facts, run: Run) -> Vec<usize> {
    let mut v = f.caps(REMOTE, run);
    v.extend(f.endpoints(run));
    v
}

/// Secrets read where the crate has no stated reason to read them.
fn strong_secrets(f: &Facts) -> Vec<usize> {
    let mut v = strong(f, SecretPaths);
    v.extend(strong(f, EnvCredentials));
    v
}

/// Findings of a capability at high severity, in live code.
fn strong(f: &Facts, cap: Cap) -> Vec<usize> {
    f.find(|x| x.code.is(cap) && runs(x, Run::Live) && x.severity == Severity::High)
}

/// Both groups in one place, or anywhere in a crate with no stated reason.
fn together_or_unexplained(f: &Facts, groups: &[Vec<usize>], explained: bool) -> Vec<usize> {
    let one = f.in_one_place(groups);
    if !one.is_empty() || explained {
        return one;
    }
    f.in_crate(groups)
}

/// Every rule, in the order they are evaluated.
pub static RULES: &[Rule] = &[
    Rule {
        id: "compile-time-network",
        level: High,
        reads: &["build-network", "macro-network"],
        text: "Code that runs at build time or inside the compiler opens network connections.",
        payload: true,
        fires: |f, _| {
            f.cap(Network, Run::CompileTime)
                .into_iter()
                .filter(|&i| f.findings[i].severity > Severity::Info)
                .collect()
        },
    },
    Rule {
        id: "compile-time-shell",
        level: High,
        reads: &["build-process", "macro-process"],
        text: "The build script or a proc macro starts a shell or a download tool.",
        payload: true,
        fires: |f, _| compile_spawns(f, Severity::High),
    },
    Rule {
        id: "compile-time-program",
        level: Medium,
        reads: &["build-process", "macro-process"],
        text: "The build script or a proc macro starts a program that is not an ordinary build tool.",
        payload: false,
        fires: |f, _| compile_spawns(f, Severity::Medium),
    },
    Rule {
        id: "dropper",
        level: High,
        reads: &[
            "*-decoding",
            "*-encoded-blob",
            "*-xor-decoding",
            "*-byte-array",
            "*-include-bytes",
            "pkg-executable",
            "*-fs-write",
            "*-process",
        ],
        text: "One function decodes data or embeds an executable, writes a file and starts a program: the shape of a dropper.",
        payload: true,
        fires: |f, _| {
            let mut hidden = f.caps(&[EncodedBlob, XorDecoding, Decoding, ByteArray], Run::Live);
            hidden.extend(embedded_executables(f));
            let writes: Vec<usize> = f
                .cap(FsWrite, Run::Live)
                .into_iter()
                .filter(|&i| {
                    let e = &f.findings[i].evidence;
                    !e.contains("create_dir") && !e.contains("remove_")
                })
                .collect();
            f.in_one_function(&[hidden, writes, f.spawns(Run::Live)])
        },
    },
    Rule {
        id: "shell-with-payload",
        level: High,
        reads: &[
            "*-process",
            "*-shell-command",
            "*-encoded-blob",
            "*-high-entropy-string",
            "*-decoding",
            "*-url",
            "*-ip-address",
            "*-network",
        ],
        text: "Code starts a shell or runs a command line, in one function with a download command, hidden data or a remote address.",
        payload: true,
        fires: |f, _| {
            let shells = f.shells(Run::Live);
            let mut strong = f.caps(
                &[ShellCommand, EncodedBlob, HighEntropyString, Decoding],
                Run::Live,
            );
            let hit = f.in_one_function(&[shells.clone(), std::mem::take(&mut strong)]);
            if !hit.is_empty() || f.about_shell {
                return hit;
            }
            f.in_one_function(&[shells, remote(f, Run::Live)])
        },
    },
    Rule {
        id: "library-shell",
        level: Medium,
        reads: &["code-process"],
        text: "Library code starts a shell or a download tool.",
        payload: false,
        fires: |f, _| f.shells(Run::Runtime),
    },
    Rule {
        id: "ci-gated-payload",
        level: High,
        reads: &[
            "*-ci-detection",
            "*-process",
            "*-network",
            "*-shell-command",
            "*-url",
            "*-ip-address",
        ],
        text: "Code checks whether it runs in continuous integration, and downloads or starts programs.",
        payload: true,
        fires: |f, _| {
            let ci = f.cap(CiDetection, Run::Live);
            let mut fetch = remote(f, Run::Live);
            fetch.extend(f.cap(ShellCommand, Run::Live));
            let act = f.spawns(Run::Live);
            let one = f.in_one_place(&[ci.clone(), fetch.clone(), act.clone()]);
            if !one.is_empty() || f.about_ci || ci.is_empty() {
                return one;
            }
            // The check in one module, the download and the start in another.
            let acting = f.in_one_function(&[fetch, act]);
            if acting.is_empty() {
                return acting;
            }
            [vec![ci[0]], acting].concat()
        },
    },
    Rule {
        id: "key-harvest",
        level: High,
        reads: &[
            "*-fs-walk",
            "*-key-pattern",
            "*-network",
            "*-url",
            "*-ip-address",
        ],
        text: "Code walks folders, looks for private keys and reaches another machine.",
        payload: true,
        fires: |f, _| {
            let groups = [
                f.cap(FsWalk, Run::Live),
                f.cap(KeyPattern, Run::Live),
                remote(f, Run::Live),
            ];
            together_or_unexplained(f, &groups, f.about_network)
        },
    },
    Rule {
        id: "credentials-sent",
        level: High,
        reads: &[
            "*-env-credentials",
            "*-secret-paths",
            "*-network",
            "*-url",
            "*-ip-address",
        ],
        text: "Code reads credentials it has no stated reason to read and reaches another machine.",
        payload: true,
        fires: |f, _| {
            let groups = [strong_secrets(f), remote(f, Run::Live)];
            f.in_one_place(&groups)
        },
    },
    Rule {
        id: "reads-secret-files",
        level: High,
        reads: &["*-secret-paths"],
        text: "Code names a file where secrets are kept (keys, credentials, wallets, browser profiles), and the crate says nothing of credentials.",
        payload: true,
        fires: |f, _| strong(f, SecretPaths),
    },
    Rule {
        id: "reads-credentials",
        level: Medium,
        reads: &["*-env-credentials"],
        text: "Code reads an environment variable named like a credential of another service, and the crate says nothing of credentials.",
        payload: true,
        fires: |f, _| strong(f, EnvCredentials),
    },
    Rule {
        id: "reads-own-credentials",
        level: Low,
        reads: &["code-env-credentials", "code-secret-paths"],
        text: "Code reads credentials, as its name or description says it does.",
        payload: false,
        fires: |f, _| {
            f.find(|x| {
                (x.code.is(SecretPaths) || x.code.is(EnvCredentials))
                    && runs(x, Run::Live)
                    && x.severity < Severity::High
                    && x.severity > Severity::Info
            })
        },
    },
    Rule {
        id: "network-unexpected-hidden",
        level: High,
        reads: &[
            "code-network-unexpected",
            "code-encoded-blob",
            "code-high-entropy-string",
            "code-xor-decoding",
            "code-fs-walk",
            "code-url",
            "code-ip-address",
        ],
        text: "A network client in a crate not about networking, in a function with hidden data, or in a file with folder walks and a hard-coded endpoint.",
        payload: true,
        fires: |f, _| {
            let net = f.cap(Network, Run::Runtime);
            let unexpected = f.code(Code::CodeNetworkUnexpected);
            if unexpected.is_empty() {
                return Vec::new();
            }
            let hidden = f.in_one_function(&[
                net.clone(),
                f.caps(&[EncodedBlob, HighEntropyString, XorDecoding], Run::Runtime),
            ]);
            if !hidden.is_empty() {
                return [unexpected, hidden].concat();
            }
            let walk_beside =
                f.in_one_place(&[net, f.endpoints(Run::Runtime), f.cap(FsWalk, Run::Runtime)]);
            if walk_beside.is_empty() {
                return Vec::new();
            }
            [unexpected, walk_beside].concat()
        },
    },
    Rule {
        id: "network-unexpected",
        level: Medium,
        reads: &["code-network-unexpected"],
        text: "A network client in a crate whose name and description say nothing about networking.",
        payload: false,
        fires: |f, _| f.code(Code::CodeNetworkUnexpected),
    },
    Rule {
        id: "compile-time-hidden-acts",
        level: High,
        reads: &[
            "build-encoded-blob",
            "build-high-entropy-string",
            "build-xor-decoding",
            "build-decoding",
            "macro-encoded-blob",
            "macro-high-entropy-string",
            "macro-xor-decoding",
            "macro-decoding",
            "*-network",
            "*-process",
        ],
        text: "Hidden data in code that runs at build time, in a crate that downloads or starts programs.",
        payload: true,
        fires: |f, _| {
            let hidden = f.caps(HIDDEN, Run::CompileTime);
            let mut acts = f.cap(Network, Run::CompileTime);
            acts.extend(
                f.spawns(Run::CompileTime)
                    .into_iter()
                    .filter(|&i| f.findings[i].severity >= Severity::Medium),
            );
            f.in_crate(&[hidden, acts])
        },
    },
    Rule {
        id: "compile-time-hidden",
        level: Medium,
        reads: &[
            "build-encoded-blob",
            "build-high-entropy-string",
            "build-xor-decoding",
            "macro-encoded-blob",
            "macro-high-entropy-string",
            "macro-xor-decoding",
        ],
        text: "Hidden data (encoded, high-entropy or XORed) in code that runs at build time.",
        payload: true,
        fires: |f, _| {
            f.caps(
                &[EncodedBlob, HighEntropyString, XorDecoding],
                Run::CompileTime,
            )
        },
    },
    Rule {
        id: "compile-time-dynamic-loading",
        level: Medium,
        reads: &["build-dynamic-loading", "macro-dynamic-loading"],
        text: "The build script loads a library at run time.",
        payload: false,
        fires: |f, _| f.cap(DynamicLoading, Run::CompileTime),
    },
    Rule {
        id: "build-writes-outside",
        level: Medium,
        reads: &["build-write-outside-out-dir"],
        text: "The build script writes files but never mentions OUT_DIR.",
        payload: false,
        fires: |f, _| f.code(Code::BuildWriteOutsideOutDir),
    },
    Rule {
        id: "executable-run-by-build",
        level: High,
        reads: &["pkg-executable"],
        text: "The package ships an executable that its build script starts.",
        payload: true,
        fires: |f, _| with_severity(f, Code::PkgExecutable, |s| s == Severity::High),
    },
    Rule {
        id: "executable",
        level: Medium,
        reads: &["pkg-executable"],
        text: "The package ships compiled code that cannot be read as source.",
        payload: true,
        fires: |f, _| with_severity(f, Code::PkgExecutable, |s| s < Severity::High),
    },
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
                .filter(|r| r.level >= Medium && RULES.iter().any(|x| x.id == r.rule && x.payload))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_reads_are_codes() {
        let mut ids = std::collections::BTreeSet::new();
        for r in RULES {
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
        let page = include_str!("../../content/methodology.md");
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
        for r in RULES {
            assert!(
                page.contains(&format!("`{}`", r.id)),
                "content/methodology.md does not document the rule `{}`",
                r.id
            );
        }
    }
}
