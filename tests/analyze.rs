//! The analyze stage on fixture packages: tokei parity, manifest edge cases,
//! and broken archives that must become problems, never failures.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use cargofox::analyze::{AnalyzeContext, Limits, analyze};
use cargofox::fetch::CrateInput;
use cargofox::model::{Analyzed, CrateReport, FileKind, LanguageStats};
use common::{Fixture, tar_gz};

fn analyze_bytes(name: &str, version: &str, bytes: &[u8], limits: Limits) -> CrateReport {
    analysis_of_bytes(name, version, bytes, limits).report
}

fn analysis_of_bytes(name: &str, version: &str, bytes: &[u8], limits: Limits) -> Analyzed {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}-{version}.crate"));
    std::fs::write(&path, bytes).unwrap();
    let input = CrateInput {
        name: name.into(),
        version: version.into(),
        file: Some(path),
        ..CrateInput::default()
    };
    analyze(
        &input,
        &AnalyzeContext {
            limits,
            ..AnalyzeContext::default()
        },
    )
}

fn analyze_fixture(f: &Fixture) -> CrateReport {
    analysis_of_fixture(f).report
}

fn analysis_of_fixture(f: &Fixture) -> Analyzed {
    analysis_of_bytes(&f.name, &f.version, &f.crate_bytes(), Limits::default())
}

fn codes(r: &CrateReport) -> Vec<&str> {
    r.problems.iter().map(|p| p.code.as_str()).collect()
}

/// Per-language figures of `tokei --no-ignore --hidden -o json DIR`.
fn tokei_cli(dir: &Path) -> BTreeMap<String, LanguageStats> {
    let out = Command::new("tokei")
        .args(["--no-ignore", "--hidden", "-o", "json"])
        .arg(dir)
        .output()
        .expect("the tokei command is needed for this test: `bash .ci/run` installs it");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found = BTreeMap::new();
    for (lang, v) in json.as_object().unwrap() {
        if lang == "Total" {
            continue;
        }
        let n = |k: &str| v[k].as_u64().unwrap() as usize;
        let files = v["reports"].as_array().unwrap().len();
        if files > 0 {
            found.insert(
                lang.clone(),
                LanguageStats {
                    files,
                    code: n("code"),
                    comments: n("comments"),
                    blanks: n("blanks"),
                },
            );
        }
    }
    found
}

/// Extracts a .crate with the tar crate and compares tokei's figures with ours.
fn assert_parity(crate_file: &Path) -> usize {
    let bytes = std::fs::read(crate_file).unwrap();
    let dir = tempfile::tempdir().unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()))
        .unpack(dir.path())
        .unwrap();
    let expected = tokei_cli(dir.path());
    let input = CrateInput {
        file: Some(crate_file.to_owned()),
        ..CrateInput::default()
    };
    let report = analyze(&input, &AnalyzeContext::default()).report;
    assert_eq!(
        report.code.languages,
        expected,
        "line counts differ from the tokei command for {}",
        crate_file.display()
    );
    expected.len()
}

#[test]
fn line_counts_equal_the_tokei_command() {
    let fixture = Fixture::new("polyglot", "0.1.0", "build = \"build.rs\"")
        .file("build.rs", "fn main() {\n    // a comment\n    let s = \"/* not a comment */\";\n    println!(\"{s}\");\n}\n")
        .file("src/lib.rs", "//! Crate docs\n//! ```\n//! let x = 1;\n//! ```\n\n/* block\n   comment */\npub fn f() -> &'static str {\n    \"// not a comment\"\n}\n\n\n")
        .file("README.md", "# Title\n\nText.\n\n```rust\nfn main() {}\n```\n\n```toml\na = 1\n```\n")
        .file("scripts/gen", "#!/usr/bin/env python3\n# comment\nprint('hi')\n")
        .file("scripts/run.sh", "#!/bin/sh\n# comment\necho hi\n\n")
        .file("native/x.c", "/* c */\nint main(void) { return 0; }\n")
        .file("native/x.h", "#pragma once\n// header\nint f(void);\n")
        .file("web/index.html", "<html>\n<style>\nbody { color: red; }\n</style>\n<script>\n// js\nlet a = 1;\n</script>\n</html>\n")
        .file("data/bom.rs", b"\xEF\xBB\xBFfn bom() {}\n// c\n".to_vec())
        .file("data/utf16.rs", {
            let mut v = vec![0xFF, 0xFE];
            for u in "fn wide() {}\n// c\n".encode_utf16() {
                v.extend(u.to_le_bytes());
            }
            v
        })
        .file("data/bytes.bin", vec![0u8, 1, 2, 3, 255])
        .file("Makefile", "all:\n\t# comment\n\techo hi\n")
        .file(".hidden.rs", "fn hidden() {}\n")
        .file("Cargo.toml.orig", "[package]\nname = \"polyglot\"\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("polyglot-0.1.0.crate");
    std::fs::write(&path, fixture.crate_bytes()).unwrap();
    let languages = assert_parity(&path);
    assert!(languages >= 8, "the fixture covers {languages} languages");
}

/// Real packages that cargo already downloaded to build this project (no
/// network is used): up to 60 of them, spread over the alphabet.
#[test]
fn line_counts_equal_the_tokei_command_on_real_packages() {
    let mut files: Vec<_> = cargofox::fetch::local::cargo_cache_dirs()
        .iter()
        .flat_map(|d| cargofox::fetch::local::list_crate_files(d).unwrap_or_default())
        .map(|c| c.path)
        .collect();
    files.sort();
    let step = (files.len() / 60).max(1);
    let picked: Vec<_> = files.iter().step_by(step).take(60).collect();
    for f in &picked {
        assert_parity(f);
    }
    eprintln!("tokei parity checked on {} real packages", picked.len());
}

#[test]
fn manifest_facts_are_read() {
    let f = Fixture::new(
        "facts",
        "1.2.3",
        "description = \" A test crate \"\nlicense = \"MIT/Apache-2.0\"\nrepository = \"https://github.com/o/facts\"\nkeywords = [\"a\", \"b\"]\ncategories = [\"x\"]\nrust-version = \"1.70\"\nlinks = \"z\"\nreadme = \"docs/README.md\"",
    )
    .file("build.rs", "fn main() {}\n")
    .file("docs/README.md", "# Facts\n")
    .file("src/main.rs", "fn main() {}\n")
    .file("src/bin/tool.rs", "fn main() {}\n")
    .file("examples/demo.rs", "fn main() {}\n")
    .file("LICENSE-MIT", "text")
    .file(".cargo_vcs_info.json", r#"{"git":{"sha1":"0123456789abcdef","dirty":true},"path_in_vcs":"crates/facts"}"#);
    let analyzed = analysis_of_fixture(&f);
    let r = &analyzed.report;
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.description.as_deref(), Some("A test crate"));
    assert_eq!(r.license.as_deref(), Some("MIT OR Apache-2.0"));
    assert_eq!(r.keywords, vec!["a", "b"]);
    assert_eq!(r.edition.as_deref(), Some("2021"));
    assert_eq!(r.rust_version.as_deref(), Some("1.70"));
    assert_eq!(r.native_library.as_deref(), Some("z"));
    assert_eq!(
        r.build_script.as_deref(),
        Some("build.rs"),
        "build.rs is found by cargo's default"
    );
    assert_eq!(r.readme.as_ref().unwrap().path, "docs/README.md");
    assert_eq!(
        analyzed.page.as_ref().unwrap().readme_text.as_deref(),
        Some("# Facts\n")
    );
    assert!(
        r.targets.bins.contains(&"facts".to_owned()),
        "{:?}",
        r.targets
    );
    assert!(
        r.targets.bins.contains(&"tool".to_owned()),
        "{:?}",
        r.targets
    );
    assert_eq!(r.targets.examples, vec!["demo"]);
    let vcs = r.vcs.as_ref().unwrap();
    assert!(vcs.dirty);
    assert_eq!(vcs.path_in_vcs.as_deref(), Some("crates/facts"));
    let kind = |p: &str| r.package.files.iter().find(|f| f.path == p).unwrap().kind;
    assert_eq!(kind("build.rs"), FileKind::BuildScript);
    assert_eq!(kind("docs/README.md"), FileKind::Readme);
    assert_eq!(kind("LICENSE-MIT"), FileKind::License);
    assert_eq!(kind("Cargo.toml"), FileKind::Manifest);
    assert_eq!(kind("src/lib.rs"), FileKind::Source);
    assert_eq!(r.code.languages["Rust"].files, 5);
    let paths: Vec<_> = r.package.files.iter().map(|f| f.path.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    // Without an index, dependencies and features come from the manifest.
    let with_deps = Fixture::new("deps", "0.1.0", "").file(
        "Cargo.toml",
        "[package]\nname = \"deps\"\nversion = \"0.1.0\"\n[dependencies]\nserde = { version = \"1\", optional = true }\nother = { package = \"real-name\", version = \"0.2\" }\n[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n[dev-dependencies]\ntempfile = \"3\"\n[features]\ndefault = [\"serde\"]\n",
    );
    let r = analyze_fixture(&with_deps);
    let names: Vec<_> = r
        .dependencies
        .iter()
        .map(|d| (d.kind.as_str(), d.name.as_str(), d.optional))
        .collect();
    assert_eq!(
        names,
        vec![
            ("normal", "libc", false),
            ("normal", "real-name", false),
            ("normal", "serde", true),
            ("dev", "tempfile", false)
        ]
    );
    assert_eq!(r.dependencies[1].rename.as_deref(), Some("other"));
    assert_eq!(r.dependencies[0].target.as_deref(), Some("cfg(unix)"));
    assert_eq!(r.features["default"], vec!["serde"]);
}

#[test]
fn proc_macros_and_disabled_build_scripts() {
    let pm = Fixture::new("pm", "1.0.0", "build = false").file(
        "Cargo.toml",
        "[package]\nname = \"pm\"\nversion = \"1.0.0\"\nbuild = false\n[lib]\nproc-macro = true\n",
    )
    .file("build.rs", "fn main() {}\n");
    let r = analyze_fixture(&pm);
    assert!(r.targets.proc_macro);
    assert_eq!(r.build_script, None, "build = false disables build.rs");
}

#[test]
fn manifest_problems() {
    let no_manifest = Fixture {
        files: vec![("src/lib.rs".into(), b"".to_vec())],
        ..Fixture::new("a", "1.0.0", "")
    };
    assert_eq!(
        codes(&analyze_fixture(&no_manifest)),
        vec!["manifest-missing"]
    );

    let invalid = Fixture::new("a", "1.0.0", "").file("Cargo.toml", "[package\nname=");
    let r = analyze_fixture(&invalid);
    assert_eq!(codes(&r), vec!["manifest-invalid"]);
    assert_eq!(
        r.code.languages["Rust"].files, 1,
        "the rest of the package is still counted"
    );

    let other = Fixture::new("a", "1.0.0", "").file(
        "Cargo.toml",
        "[package]\nname = \"b\"\nversion = \"2.0.0\"\n",
    );
    assert_eq!(codes(&analyze_fixture(&other)), vec!["manifest-mismatch"]);

    let readme = Fixture::new("a", "1.0.0", "readme = \"MISSING.md\"");
    assert_eq!(codes(&analyze_fixture(&readme)), vec!["readme-missing"]);

    let vcs = Fixture::new("a", "1.0.0", "").file(".cargo_vcs_info.json", "{not json");
    assert_eq!(codes(&analyze_fixture(&vcs)), vec!["vcs-info-invalid"]);
}

#[test]
fn broken_archives_become_problems() {
    let good = Fixture::new("a", "1.0.0", "").crate_bytes();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "archive-invalid"),
        ("not gzip", b"PK\x03\x04 zip".to_vec(), "archive-invalid"),
        (
            "truncated",
            good[..good.len() / 2].to_vec(),
            "archive-invalid",
        ),
        (
            "gzip but not tar",
            {
                use std::io::Write;
                let mut e =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(&[7u8; 1000]).unwrap();
                e.finish().unwrap()
            },
            "archive-invalid",
        ),
    ];
    for (what, bytes, code) in cases {
        let r = analyze_bytes("a", "1.0.0", &bytes, Limits::default());
        assert!(codes(&r).contains(&code), "{what}: {:?}", r.problems);
    }
}

#[test]
fn entries_outside_the_package_folder_are_not_read() {
    let bytes = tar_gz(
        "other-9.9.9",
        &[("Cargo.toml".into(), b"[package]\nname=\"x\"".to_vec())],
    );
    let r = analyze_bytes("a", "1.0.0", &bytes, Limits::default());
    assert!(codes(&r).contains(&"archive-path"), "{:?}", r.problems);
    assert!(r.package.files.is_empty());
}

#[test]
fn limits_bound_what_a_package_may_cost() {
    let mut f = Fixture::new("big", "1.0.0", "");
    for i in 0..50 {
        f = f.file(&format!("src/m{i}.rs"), "fn x() {}\n");
    }
    f = f.file("data/large.txt", vec![b'a'; 100_000]);
    let bytes = f.crate_bytes();
    let entries = analyze_bytes(
        "big",
        "1.0.0",
        &bytes,
        Limits {
            max_entries: 10,
            ..Limits::default()
        },
    );
    assert!(codes(&entries).contains(&"archive-limit"));
    assert_eq!(entries.package.files.len(), 10);

    let one_file = analyze_bytes(
        "big",
        "1.0.0",
        &bytes,
        Limits {
            max_file_bytes: 50_000,
            ..Limits::default()
        },
    );
    assert_eq!(codes(&one_file), vec!["archive-limit"]);
    let large = one_file
        .package
        .files
        .iter()
        .find(|f| f.path == "data/large.txt")
        .unwrap();
    assert_eq!(
        large.size, 100_000,
        "a file over the limit is listed with its size"
    );

    let total = analyze_bytes(
        "big",
        "1.0.0",
        &bytes,
        Limits {
            max_unpacked_bytes: 20_000,
            ..Limits::default()
        },
    );
    assert!(
        codes(&total).contains(&"archive-limit"),
        "{:?}",
        total.problems
    );
}

#[test]
fn a_checksum_mismatch_stops_the_analysis() {
    let f = Fixture::new("a", "1.0.0", "");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a-1.0.0.crate");
    std::fs::write(&path, f.crate_bytes()).unwrap();
    let input = CrateInput {
        name: "a".into(),
        version: "1.0.0".into(),
        file: Some(path),
        expected_sha256: Some([0; 32]),
        ..CrateInput::default()
    };
    let r = analyze(&input, &AnalyzeContext::default()).report;
    assert_eq!(codes(&r), vec!["checksum-mismatch"]);
    assert!(r.package.files.is_empty());
    assert!(!r.package.checksum_verified);
}
