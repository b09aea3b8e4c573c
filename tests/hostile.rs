//! Hostile and broken packages: every case of the corpus in
//! `common/hostile.rs` is analyzed in one batch with a good package; each
//! must give its problem code, the good one none, memory must stay bounded
//! and nothing may be written outside the cache.

mod common;

use std::path::Path;
use std::time::Instant;

use cargofox::analyze::{AnalyzeContext, analyze_all};
use cargofox::fetch::CrateInput;
use cargofox::model::FileKind;
use common::hostile::{corpus, good};

/// Every path under `dir`, relative to it.
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        out.push(p.strip_prefix(dir).unwrap().display().to_string());
        if p.is_dir() && !p.is_symlink() {
            out.extend(
                walk(&p)
                    .into_iter()
                    .map(|s| format!("{}/{s}", p.file_name().unwrap().to_string_lossy())),
            );
        }
    }
    out.sort();
    out
}

/// The peak resident memory of this process, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

#[test]
fn every_hostile_package_gives_its_problem_and_the_batch_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    let (packages, cache) = (work.join("packages"), work.join("cache"));
    std::fs::create_dir_all(&packages).unwrap();
    let mut cases = corpus();
    let hostile = cases.len();
    cases.push(good());
    let inputs: Vec<CrateInput> = cases
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let file = packages.join(format!("case-{n}.crate"));
            std::fs::write(&file, &c.bytes).unwrap();
            CrateInput {
                name: c.name.clone(),
                version: c.version.clone(),
                file: Some(file),
                ..CrateInput::default()
            }
        })
        .collect();
    let largest = cases.iter().map(|c| c.bytes.len()).max().unwrap();
    for c in &mut cases {
        c.bytes = Vec::new();
    }

    let started = Instant::now();
    let ctx = AnalyzeContext {
        cache: Some(cache.clone()),
        ..AnalyzeContext::default()
    };
    let reports: Vec<_> = analyze_all(&inputs, &ctx, &|| {})
        .into_iter()
        .map(|a| a.report)
        .collect();
    let took = started.elapsed();

    assert_eq!(reports.len(), cases.len(), "one report per package");
    let mut failures = Vec::new();
    for (case, report) in cases.iter().zip(&reports) {
        let codes: Vec<&str> = report.problems.iter().map(|p| p.code.as_str()).collect();
        if case.code.is_empty() {
            if !codes.is_empty() || report.package.files.is_empty() {
                failures.push(format!("{}: {:?}", case.name, report.problems));
            }
        } else if !codes.contains(&case.code) {
            failures.push(format!(
                "{}: expected {}, got {:?}",
                case.name, case.code, report.problems
            ));
        }
        for p in &report.problems {
            assert!(
                p.message.len() < 2000,
                "{}: a problem's sentence stays short: {}",
                case.name,
                p.message.len()
            );
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let methodology = include_str!("../content/methodology.md");
    for p in reports.iter().flat_map(|r| &r.problems) {
        assert!(
            methodology.contains(&format!("### `{}`", p.code)),
            "the problem code {} is documented on the methodology page",
            p.code
        );
    }

    let by_name = |n: &str| reports.iter().find(|r| r.name == n).unwrap();
    let paths = |n: &str| -> Vec<String> {
        by_name(n)
            .package
            .files
            .iter()
            .map(|f| f.path.clone())
            .collect()
    };
    assert!(paths("dotdot").iter().all(|p| !p.contains("..")));
    assert!(paths("absolute").iter().all(|p| !p.starts_with('/')));
    let dup = paths("duplicates");
    assert_eq!(
        dup.iter().filter(|p| *p == "src/lib.rs").count(),
        1,
        "{dup:?}"
    );
    let link = by_name("symlink");
    let special = link.package.files.iter().find(|f| f.path == "src/special");
    assert_eq!(special.map(|f| f.kind), Some(FileKind::Special));
    assert_eq!(by_name("good").code.languages["Rust"].files, 1);
    assert!(
        by_name("many-entries").package.files.len() <= 200_000,
        "the entry limit holds"
    );
    assert!(
        by_name("bomb").package.uncompressed_bytes >= 3 << 30,
        "the bomb's file is listed with its claimed size"
    );

    // Nothing outside the cache folder, and in it only release summaries of
    // crates with valid names.
    assert_eq!(walk(&work), {
        let mut expected: Vec<String> = (0..cases.len())
            .map(|n| format!("packages/case-{n}.crate"))
            .collect();
        expected.extend(walk(&cache).into_iter().map(|p| format!("cache/{p}")));
        expected.push("cache".into());
        expected.push("packages".into());
        expected.sort();
        expected
    });
    for p in walk(&cache) {
        assert!(
            p.starts_with("state") && !p.contains(".."),
            "unexpected cache entry {p}"
        );
    }
    assert!(!tmp.path().join("escape").exists());

    let peak = peak_rss();
    eprintln!(
        "{hostile} hostile packages and 1 good one analyzed in {:.1}s; largest file {} bytes; peak memory {} MiB",
        took.as_secs_f64(),
        largest,
        peak >> 20
    );
    assert!(
        peak < 1 << 30,
        "memory stays bounded: peak {} MiB",
        peak >> 20
    );
}
