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
use common::{Fixture, FixtureRegistry, cargofox, json, ok, read};

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
    summary_figures(out, "store: ")
}

/// The numbers of the summary line that starts with `prefix`, up to its
/// first `;`.
fn summary_figures<const N: usize>(out: &Output, prefix: &str) -> [usize; N] {
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .and_then(|l| l.split(';').next())
        .unwrap_or_else(|| panic!("no line `{prefix}` in: {text}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    numbers
        .try_into()
        .unwrap_or_else(|n| panic!("{line}: {n:?}"))
}

/// The figures of the summary's `crate pages:` line: rendered, unchanged.
fn pages_line(out: &Output) -> [usize; 2] {
    summary_figures(out, "crate pages: ")
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

/// The crate sidecars of a site, by file name.
fn sidecars(site: &Path) -> Vec<(String, serde_json::Value)> {
    let mut out: Vec<_> = files_under(&site.join("crates"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                json(&p),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn a_rebuild_reads_no_package_renders_no_page_and_a_new_release_is_the_only_one_read() {
    let reg = registry();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let site = dir.join("site");
    let build = || {
        run(
            dir,
            &reg,
            "build",
            "cache",
            &["--out", "site", "--drop-packages"],
        )
    };
    // Date stamps are whole seconds: builds a second apart tell a kept stamp
    // from a new one.
    let next_second = || std::thread::sleep(std::time::Duration::from_millis(1100));

    let first = build();
    assert_eq!(store_line(&first), [0, 6, 6, 6]);
    assert_eq!(pages_line(&first), [6, 0]);
    assert_eq!(packages(&dir.join("cache")), Vec::<PathBuf>::new());
    assert_eq!(stored(&dir.join("cache")).len(), 6);
    // The page data left in the store comes back for the crate's pages.
    let page = read(site.join("crates/app/index.html"));
    assert!(page.contains("Does things."), "the README is on the page");
    let evidence: Vec<String> = files_under(&site.join("crates/app/evidence"))
        .iter()
        .map(read)
        .collect();
    assert!(
        evidence.len() == 1 && evidence[0].contains("Command::new"),
        "the build script is shown as evidence: {evidence:?}"
    );
    let app = json(site.join("crates/app.json"));
    let files: Vec<&str> = app["package"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["Cargo.toml", "README.md", "build.rs", "src/lib.rs"]);
    let before = sidecars(&site);
    let checked_first = json(site.join("index.json"))["generated_at"].clone();

    next_second();
    reg.clear_log();
    let second = build();
    assert_eq!(store_line(&second), [6, 0, 0, 0]);
    assert_eq!(pages_line(&second), [0, 6]);
    assert_eq!(downloads(&reg), Vec::<String>::new());
    assert_eq!(sidecars(&site), before, "every report keeps its stamp");
    // The entries of the linked pages were taken from the last manifest.
    common::checked_manifest(&site);
    assert_ne!(
        json(site.join("index.json"))["generated_at"],
        checked_first,
        "the site says when it was last checked"
    );

    next_second();
    reg.publish(
        &Fixture::new("lib-b", "0.3.0", "description = \"B, again\""),
        None,
    );
    reg.clear_log();
    let third = build();
    assert_eq!(store_line(&third), [5, 1, 1, 1]);
    assert_eq!(downloads(&reg), vec!["/dl/lib-b/0.3.0".to_owned()]);
    let lib_b = json(site.join("crates/lib-b.json"));
    let versions: Vec<&str> = lib_b["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["num"].as_str().unwrap())
        .collect();
    assert_eq!(
        (
            lib_b["version"].as_str(),
            lib_b["description"].as_str(),
            versions
        ),
        (Some("0.3.0"), Some("B, again"), vec!["0.2.0", "0.3.0"])
    );
    let after = sidecars(&site);
    let changed: Vec<&str> = after
        .iter()
        .zip(&before)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.0.as_str())
        .collect();
    assert!(changed.contains(&"lib-b.json"), "{changed:?}");
    for (name, doc) in after.iter().filter(|(n, _)| !changed.contains(&n.as_str())) {
        let old = &before.iter().find(|(n, _)| n == name).unwrap().1;
        assert_eq!(doc["generated_at"], old["generated_at"], "{name}");
    }
    assert_eq!(pages_line(&third), [changed.len(), 6 - changed.len()]);
    common::checked_manifest(&site);
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
        // Without the closure, a shard reads only its own crates' index files.
        let mut indexed: Vec<String> = files_under(&dir.join(&cache).join("index"))
            .into_iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".json"))
            .collect();
        indexed.sort();
        let mut own: Vec<String> = entries
            .iter()
            .map(|e| e.split('/').next().unwrap().to_owned())
            .collect();
        own.sort();
        assert_eq!(indexed, own, "shard {k}");
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
