//! The rules about what the package's code and files do: compile-time
//! acts, droppers, shells, CI-gated downloads, key harvesting, credentials,
//! unexpected network clients, hidden data and executables.

use super::super::judge::{Facts, Run, runs};
use super::{Rule, with_severity};
use crate::model::{Cap, Code, RiskLevel, Severity};

use Cap::*;
use RiskLevel::{High, Low, Medium};

/// Obfuscated or decoded data.
const HIDDEN: &[Cap] = &[EncodedBlob, HighEntropyString, XorDecoding, Decoding];
/// Ways to reach another machine.
const REMOTE: &[Cap] = &[Network, IpAddress];

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

/// The rules about code and files, in the order they are evaluated.
pub(super) static RULES: &[Rule] = &[
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
];
