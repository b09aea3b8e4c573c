//! The store of analyses through the binary: a rebuild with nothing new
//! downloads and reads no package, even once the packages were dropped, and
//! gives the same reports; a new release is the only package read; shards
//! analyzed on separate caches and merged by copying build the same site as
//! one unsharded build, without a download.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::crash::{files_under, normalised, site_files};
use common::{Fixture, FixtureRegistry, cargofox, json, ok};

/// Six crates: an application with a build script that starts a program
/// (a finding), its dependencies, and crates on their own.
fn registry() -> FixtureRegistry {
    let app = Fixture::new(
        "app",
        "1.0.0",
        "description = \"App\"\nreadme = \"README.md\"",
    )
    .file("README.md", "# App\n\nDoes things.\n")
    .file(
        "build.rs",
        "fn main() {\n    let _ = std::process::Command::new(\"curl\").arg(\"-V\").status();\n}\n",
    )
    .dep("lib-a", "^1", "normal", false)
    .dep("lib-b", "^0.2", "build", false);
    FixtureRegistry::start(
        &[
            app,
            Fixture::new("lib-a", "1.0.0", "description = \"A\""),
            Fixture::new("lib-b", "0.2.0", "description = \"B\""),
            Fixture::new("solo", "3.1.0", "description = \"Solo\""),
            Fixture::new("other", "0.0.1", ""),
            Fixture::new("zeta", "2.0.0", ""),
        ],
        &[],
    )
}

const CRATES: &str = "app,lib-a,lib-b,solo,other,zeta";

/// `cargofox COMMAND` over [`CRATES`] of `reg`, with the cache `cache` in
/// `dir` and the further arguments `extra`; the run must succeed.
fn run(dir: &Path, reg: &FixtureRegistry, command: &str, cache: &str, extra: &[&str]) -> Output {
    let index = reg.index_url();
    let mut all = vec![command, "--crates", CRATES, "--cache", cache];
    all.extend_from_slice(extra);
    all.extend_from_slice(&["--index-url", &index, "--index-max-age", "0"]);
    ok(cargofox(dir, &all))
}

/// The figures of the summary's `store:` line: loaded, analyzed, kept,
/// packages dropped.
fn store_line(out: &Output) -> [usize; 4] {
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("store: "))
        .unwrap_or_else(|| panic!("no store line in: {text}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    numbers
        .try_into()
        .unwrap_or_else(|n| panic!("{line}: {n:?}"))
}

/// Every `.crate` file of a cache.
fn packages(cache: &Path) -> Vec<PathBuf> {
    files_under(&cache.join("crates"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "crate"))
        .collect()
}

/// The stored entries of a cache, as `name/file` (name folder and file name).
fn stored(cache: &Path) -> BTreeSet<String> {
    files_under(&cache.join("store"))
        .into_iter()
        .map(|p| {
            let dir = p.parent().unwrap().file_name().unwrap().to_string_lossy();
            format!("{dir}/{}", p.file_name().unwrap().to_string_lossy())
        })
        .collect()
}

/// The downloads a registry answered since its log was cleared.
fn downloads(reg: &FixtureRegistry) -> Vec<String> {
    reg.log()
        .into_iter()
        .filter(|p| p.starts_with("/dl/"))
        .collect()
}

/// The crate sidecars of a site, without their date stamp.
fn sidecars(site: &Path) -> Vec<(String, serde_json::Value)> {
    let mut out: Vec<_> = files_under(&site.join("crates"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let mut doc = json(&p);
            doc.as_object_mut().unwrap().remove("generated_at");
            (p.file_name().unwrap().to_string_lossy().into_owned(), doc)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn a_rebuild_reads_no_package_and_a_new_release_is_the_only_one_read() {
    let reg = registry();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let build = |out: &str| {
        run(
            dir,
            &reg,
            "build",
            "cache",
            &["--out", out, "--drop-packages"],
        )
    };

    let first = build("one");
    assert_eq!(store_line(&first), [0, 6, 6, 6]);
    assert_eq!(packages(&dir.join("cache")), Vec::<PathBuf>::new());
    assert_eq!(stored(&dir.join("cache")).len(), 6);
    let app = json(dir.join("one/crates/app.json"));
    assert!(
        app["findings"].as_array().is_some_and(|f| !f.is_empty()),
        "the build script's finding is in the first report: {app}"
    );

    reg.clear_log();
    let second = build("two");
    assert_eq!(store_line(&second), [6, 0, 0, 0]);
    assert_eq!(downloads(&reg), Vec::<String>::new());
    assert_eq!(sidecars(&dir.join("one")), sidecars(&dir.join("two")));
    let readme_page = std::fs::read_to_string(dir.join("two/crates/app/index.html")).unwrap();
    assert!(
        readme_page.contains("Does things."),
        "the README comes back from the store"
    );

    reg.publish(
        &Fixture::new("lib-b", "0.3.0", "description = \"B, again\""),
        None,
    );
    reg.clear_log();
    let third = build("three");
    assert_eq!(store_line(&third), [5, 1, 1, 1]);
    assert_eq!(downloads(&reg), vec!["/dl/lib-b/0.3.0".to_owned()]);
    let lib_b = json(dir.join("three/crates/lib-b.json"));
    assert_eq!(
        (lib_b["version"].as_str(), lib_b["description"].as_str()),
        (Some("0.3.0"), Some("B, again"))
    );
    let versions: Vec<String> = lib_b["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["num"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(versions, ["0.2.0", "0.3.0"]);
    let mut unchanged = sidecars(&dir.join("two"));
    let mut now = sidecars(&dir.join("three"));
    unchanged.retain(|(n, _)| n != "lib-b.json" && n != "app.json");
    now.retain(|(n, _)| n != "lib-b.json" && n != "app.json");
    assert_eq!(unchanged, now);
}

#[test]
fn shards_analyzed_apart_and_merged_by_copying_build_the_unsharded_site() {
    let reg = registry();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    run(dir, &reg, "build", "whole", &["--out", "whole-site"]);

    let mut shards = Vec::new();
    for k in 1..=3 {
        let cache = format!("shard{k}");
        let shard = format!("{k}/3");
        let out = run(
            dir,
            &reg,
            "analyze",
            &cache,
            &["--shard", &shard, "--drop-packages"],
        );
        let entries = stored(&dir.join(&cache));
        assert_eq!(store_line(&out)[1], entries.len(), "shard {k}");
        assert!(!dir.join("public").exists(), "analyze writes no site");
        shards.push(entries);
    }
    let all: BTreeSet<String> = shards.iter().flatten().cloned().collect();
    assert_eq!(all.len(), 6, "every crate is in one shard: {shards:?}");
    assert_eq!(
        shards.iter().map(BTreeSet::len).sum::<usize>(),
        6,
        "no crate is in two shards: {shards:?}"
    );

    for k in 1..=3 {
        let from = dir.join(format!("shard{k}"));
        for file in files_under(&from) {
            let to = dir.join("merged").join(file.strip_prefix(&from).unwrap());
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&file, &to).unwrap();
        }
    }
    reg.clear_log();
    let merged = run(dir, &reg, "build", "merged", &["--out", "merged-site"]);
    assert_eq!(store_line(&merged), [6, 0, 0, 0]);
    assert_eq!(downloads(&reg), Vec::<String>::new());
    assert_eq!(
        normalised(&site_files(&dir.join("merged-site"))),
        normalised(&site_files(&dir.join("whole-site")))
    );
}
