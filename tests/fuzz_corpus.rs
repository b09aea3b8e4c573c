//! The fuzz corpora under `cargo test`: every seed (`fuzz/seeds/<target>/`)
//! and every input a fuzzer once crashed on (`fuzz/regressions/<target>/`)
//! goes through the same checks as the cargo-fuzz targets, which live in
//! `fuzz/targets.rs`; and the README checker is shown to reject unsafe HTML
//! and to accept inert text.

#[path = "fuzz/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

const TARGETS: [&str; 4] = ["archive", "index", "manifest", "readme"];

/// The files of `fuzz/<kind>/<target>/`, sorted; none when it is missing.
fn inputs(kind: &str, target: &str) -> Vec<(String, Vec<u8>)> {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fuzz", kind, target]
        .iter()
        .collect();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (name(&p), std::fs::read(&p).unwrap()))
        .collect()
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// The paths of the files a report lists.
fn file_paths(report: &cargofox::model::CrateReport) -> Vec<&str> {
    report
        .package
        .files
        .iter()
        .map(|f| f.path.as_str())
        .collect()
}

fn run(target: &str, data: &[u8]) {
    match target {
        "archive" => targets::archive(data),
        "index" => targets::index(data),
        "manifest" => {
            let _ = targets::manifest(data);
        }
        "readme" => {
            targets::readme(data);
        }
        _ => unreachable!(),
    }
}

#[test]
fn every_seed_and_regression_passes_its_target() {
    for target in TARGETS {
        let seeds = inputs("seeds", target);
        assert!(seeds.len() >= 4, "{target} has {} seeds", seeds.len());
        for (file, data) in seeds.iter().chain(&inputs("regressions", target)) {
            let outcome = std::panic::catch_unwind(|| run(target, data));
            assert!(outcome.is_ok(), "{target}/{file} fails its target");
        }
    }
}

#[test]
fn valid_archive_seeds_are_read_whole() {
    let valid: Vec<_> = inputs("seeds", "archive")
        .into_iter()
        .chain(inputs("regressions", "archive"))
        .filter(|(f, _)| f.starts_with("valid-"))
        .collect();
    assert!(valid.len() >= 3);
    for (file, data) in &valid {
        let (case, analyzed) = targets::archive_analysis(data);
        let report = &analyzed.report;
        let readme_text = analyzed.page.as_ref().and_then(|p| p.readme_text.as_ref());
        // No problem at all: in particular no manifest-mismatch, so the
        // manifest names the package it is published as.
        assert!(report.problems.is_empty(), "{file}: {:?}", report.problems);
        assert!(!case.input.name.is_empty() && case.input.name != "fuzzed");
        assert_eq!(report.name, case.input.name);
        assert_eq!(report.version, case.input.version);
        let paths = file_paths(report);
        assert!(
            paths.contains(&"Cargo.toml") && paths.contains(&"src/lib.rs"),
            "{file}: {paths:?}"
        );
        assert!(report.description.is_some(), "{file}");
        if let Some(readme) = &report.readme {
            assert!(readme_text.is_some(), "{file}: {readme:?}");
        }
        assert!(report.code.languages["Rust"].files >= 1, "{file}");
        if case.input.expected_sha256.is_some() {
            assert!(report.package.checksum_verified, "{file}");
        }
    }
    let (_, demo) = targets::archive_analysis(
        &valid
            .iter()
            .find(|(f, _)| f == "valid-raw-demo.bin")
            .unwrap()
            .1,
    );
    assert_eq!(demo.report.license.as_deref(), Some("MIT OR Apache-2.0"));
    assert!(demo.report.vcs.is_some());
    assert!(demo.page.is_some_and(|p| p.readme_text.is_some()));
}

#[test]
fn broken_and_hostile_archive_seeds_give_their_problems() {
    let expect = [
        ("broken-raw-checksum.bin", "checksum-mismatch"),
        ("broken-raw-not-gzip.bin", "archive-invalid"),
        ("broken-raw-truncated.bin", "archive-invalid"),
        ("broken-wrap-cut.bin", "archive-invalid"),
        ("broken-wrap-manifest.bin", "manifest-mismatch"),
        ("broken-wrap-manifest.bin", "readme-missing"),
        ("broken-wrap-manifest.bin", "source-invalid"),
        ("broken-wrap-manifest.bin", "vcs-info-invalid"),
        ("hostile-wrap-paths.bin", "archive-path"),
        ("hostile-wrap-paths.bin", "archive-special"),
        ("hostile-wrap-paths.bin", "archive-duplicate"),
    ];
    let seeds = inputs("seeds", "archive");
    for (file, code) in expect {
        let data = &seeds.iter().find(|(f, _)| f == file).unwrap().1;
        let (_, report) = targets::archive_report(data);
        assert!(
            report.problems.iter().any(|p| p.code == code),
            "{file}: expected {code}, got {:?}",
            report.problems
        );
    }
    let data = &seeds
        .iter()
        .find(|(f, _)| f == "hostile-wrap-paths.bin")
        .unwrap()
        .1;
    let (_, report) = targets::archive_report(data);
    let paths = file_paths(&report);
    assert!(paths.contains(&"src/lib.rs") && paths.contains(&"renamed"));
    assert!(paths.iter().any(|p| p.starts_with("deep/deep/")));
}

#[test]
fn the_wrapped_format_builds_what_a_real_crate_is() {
    // The same package, once as a .crate file and once wrapped: the same
    // files with the same sizes.
    let files = [
        (
            "Cargo.toml",
            &b"[package]\nname = \"w\"\nversion = \"1.0.0\"\n"[..],
        ),
        ("src/lib.rs", b"pub fn f() {}\n"),
    ];
    let mut payload = Vec::new();
    for (path, data) in files {
        payload.push(b'f');
        payload.extend_from_slice(path.as_bytes());
        payload.push(b'\n');
        payload.extend_from_slice(data);
        payload.push(0);
    }
    let mut input = vec![targets::WRAP | targets::ROOTED | targets::CHECKSUM];
    input.extend_from_slice(b"w 1.0.0\n");
    input.extend_from_slice(&payload);
    let (case, report) = targets::archive_report(&input);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert!(report.package.checksum_verified);
    assert_eq!(case.input.expected_sha256.map(|s| s.len()), Some(32));
    let got: Vec<(&str, u64)> = report
        .package
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.size))
        .collect();
    let want: Vec<(&str, u64)> = files.iter().map(|(p, d)| (*p, d.len() as u64)).collect();
    assert_eq!(got, want);
}

#[test]
fn valid_index_and_manifest_seeds_have_no_problems() {
    for (file, data) in inputs("seeds", "index") {
        if !file.starts_with("valid-") {
            continue;
        }
        let line = cargofox::fetch::index::parse_index_line(&data);
        let line = line.unwrap_or_else(|e| panic!("{file}: {e}"));
        let parsed = cargofox::fetch::index::parse_index_file(&line.name, &data);
        assert!(parsed.problems.is_empty(), "{file}: {:?}", parsed.problems);
        assert_eq!(parsed.versions.len(), 1, "{file}");
    }
    let mixed = inputs("seeds", "index")
        .into_iter()
        .find(|(f, _)| f == "file-mixed.txt")
        .unwrap()
        .1;
    let parsed = cargofox::fetch::index::parse_index_file("multi", &mixed);
    assert_eq!((parsed.versions.len(), parsed.problems.len()), (4, 3));

    for (file, data) in inputs("seeds", "manifest") {
        if !file.starts_with("valid-") {
            continue;
        }
        let (report, result) = targets::manifest(&data);
        assert!(result.is_ok(), "{file}: {:?}", result.err());
        assert!(report.problems.is_empty(), "{file}: {:?}", report.problems);
        assert_eq!(
            (report.name.as_str(), report.version.as_str()),
            targets::MANIFEST_PACKAGE
        );
    }
    let full = inputs("seeds", "manifest")
        .into_iter()
        .find(|(f, _)| f == "valid-full.toml")
        .unwrap()
        .1;
    let (report, facts) = targets::manifest(&full);
    let facts = facts.unwrap();
    assert_eq!(facts.readme.as_deref(), Some("README.md"));
    assert_eq!(facts.build_script.as_deref(), Some("build.rs"));
    // src/main.rs and src/bin/multi/main.rs are found by target discovery.
    assert_eq!(report.targets.bins, ["fuzzed", "multi", "tool"]);
    assert!(facts.dependencies.iter().any(|d| d.name == "real-name"));
}

#[test]
fn readme_seeds_lose_their_scripts_and_keep_their_text() {
    let seeds = inputs("seeds", "readme");
    let html = |file: &str| targets::readme(&seeds.iter().find(|(f, _)| f == file).unwrap().1);
    for (file, _) in &seeds {
        let out = html(file).to_ascii_lowercase();
        assert!(!out.contains("<script"), "{file}: {out}");
        if file.starts_with("xss-") {
            // Each of their links and images is dangerous: none keeps its URL.
            assert!(
                !out.contains("href=") && !out.contains("src="),
                "{file}: {out}"
            );
            assert!(
                !out.contains("onerror") && !out.contains("<svg"),
                "{file}: {out}"
            );
        }
    }
    let links = html("links-github.md");
    assert!(
        links.contains(r#"href="https://github.com/o/r/blob/0123abc/crates/x/docs/a.md""#),
        "{links}"
    );
    assert!(links.contains("<table>") && links.contains("footnote"));
    let inert = html("inert-text.md");
    assert!(inert.contains("&lt;script&gt;"), "{inert}");
    assert!(inert.contains("onclick=alert(1) is only text"), "{inert}");
    let derived = html("derived-links.md");
    assert!(
        derived.contains(r#"href="https://codeberg.org/o/r/src/commit/abc123/sub/dir/other.md""#),
        "{derived}"
    );
}

#[test]
fn the_html_checker_rejects_what_could_run() {
    let unsafe_html = [
        "<script>alert(1)</script>",
        "<p>x</p><SCRIPT src=x></SCRIPT>",
        "<p>x</p></script >",
        "<img src=x onerror=alert(1)>",
        "<img src=\"x\"/onerror=\"alert(1)\">",
        "<a href=\"x\" OnClick='x()'>a</a>",
        "<a href=\"javascript:alert(1)\">a</a>",
        "<a href=\" JaVa\tScRiPt:alert(1)\">a</a>",
        "<a href=\"&#106;avascript&#x3A;x\">a</a>",
        "<a href=\"java&#x09;script:x\">a</a>",
        "<a href=\"javascript&colon;x\">a</a>",
        "<a href=javascript:x>a</a>",
        "<img src='data:image/svg+xml,x'>",
        "<img srcset=\"a.png 1x, javascript:x 2x\">",
        "<svg><circle/></svg>",
        "<iframe src=\"https://example.com\"></iframe>",
        "<div style=\"x\"><!-- comment --></div>",
        "<a href=\"x\"",
        "<a title=\"x>text",
    ];
    for h in unsafe_html {
        assert!(targets::check_html(h).is_err(), "accepted: {h}");
    }
    let safe_html = [
        "",
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
        "<p>a < b and 1 <2</p>",
        "<a title=\"<script>x</script>\" href=\"https://example.com/?onload=1&amp;q=javascript:\">t</a>",
        "<p>onclick=alert(1)</p>",
        "<a href=\"docs/a:b\" rel=\"nofollow noopener ugc\">r</a>",
        "<a href=\"mailto:a@example.com\">m</a><a href=\"#usage\">u</a>",
        "<img src=\"https://example.com/x.png\" alt=\"javascript:x\">",
        "<p class=\"onion\" title=\"onload\">o</p>",
    ];
    for h in safe_html {
        assert_eq!(targets::check_html(h), Ok(()), "{h}");
    }
    // Every attribute whose name starts with `on` is refused, event
    // handler or not.
    assert!(targets::check_html("<p one=\"1\">").is_err());
}
