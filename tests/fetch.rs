//! The fetch stage against a fixture registry over real HTTP.

mod common;

use cargofox::fetch::Fetcher;
use cargofox::fetch::select::CrateSpec;
use common::{Fixture, FixtureRegistry, fetch_options};

fn spec(s: &str) -> CrateSpec {
    s.parse().unwrap()
}

fn fetch(fetcher: &Fetcher, specs: &[&str], closure: bool) -> Vec<cargofox::fetch::CrateInput> {
    let specs: Vec<CrateSpec> = specs.iter().map(|s| spec(s)).collect();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(fetcher.fetch_all(&specs, closure, 100))
}

fn registry() -> FixtureRegistry {
    let mut yanked = Fixture::new("alpha", "0.2.0", "");
    yanked.yanked = true;
    FixtureRegistry::start(
        &[
            Fixture::new("alpha", "0.1.0", "")
                .dep("beta", "^1", "normal", false)
                .dep("gamma", "^1", "normal", true)
                .dep("delta", "^1", "dev", false),
            yanked,
            Fixture::new("beta", "1.0.0", ""),
            Fixture::new("gamma", "1.0.0", ""),
            Fixture::new("delta", "1.0.0", ""),
            Fixture::new("evil", "1.0.0", ""),
        ],
        &["evil"],
    )
}

#[test]
fn verified_files_are_cached_as_a_mirror_and_a_bad_checksum_is_rejected() {
    let reg = registry();
    let cache = tempfile::tempdir().unwrap();
    let fetcher = Fetcher::new(fetch_options(&reg, cache.path())).unwrap();
    let inputs = fetch(&fetcher, &["alpha", "evil"], false);

    let alpha = &inputs[0];
    assert_eq!(
        (alpha.name.as_str(), alpha.version.as_str()),
        ("alpha", "0.1.0"),
        "the yanked 0.2.0 is skipped"
    );
    let path = cache.path().join("crates/alpha/alpha-0.1.0.crate");
    assert_eq!(alpha.file.as_deref(), Some(path.as_path()));
    assert!(alpha.problems.is_empty(), "{:?}", alpha.problems);
    let facts = alpha.index.as_ref().unwrap();
    assert_eq!(facts.versions.len(), 2);
    assert!(facts.versions[1].yanked);
    assert_eq!(
        facts.versions[0].published.as_deref(),
        Some("2026-01-02T03:04:05Z")
    );
    assert_eq!(facts.dependencies.len(), 3);

    let evil = &inputs[1];
    assert!(evil.file.is_none());
    assert_eq!(evil.problems[0].code, "checksum-mismatch");
    assert!(
        !cache.path().join("crates/evil").exists(),
        "a rejected file is never cached"
    );
    let leftovers: Vec<_> = walk(cache.path())
        .into_iter()
        .filter(|p| p.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

#[test]
fn a_rerun_asks_conditionally_and_downloads_nothing() {
    let reg = registry();
    let cache = tempfile::tempdir().unwrap();
    fetch(
        &Fetcher::new(fetch_options(&reg, cache.path())).unwrap(),
        &["alpha", "beta"],
        false,
    );
    reg.clear_log();

    let fetcher = Fetcher::new(fetch_options(&reg, cache.path())).unwrap();
    let inputs = fetch(&fetcher, &["alpha", "beta"], false);
    assert!(
        inputs
            .iter()
            .all(|i| i.file.is_some() && i.problems.is_empty())
    );
    let counts = fetcher.counts();
    assert_eq!(
        counts.requests,
        3,
        "config.json and two index files: {:?}",
        reg.log()
    );
    assert_eq!(counts.not_modified, 3);
    assert_eq!(counts.bytes, 0);
    assert!(
        reg.log().iter().all(|p| !p.starts_with("/dl/")),
        "{:?}",
        reg.log()
    );

    // A new release changes the index file: it is fetched again, and only the
    // new package is downloaded.
    reg.publish(&Fixture::new("beta", "1.1.0", ""), None);
    reg.clear_log();
    let fetcher = Fetcher::new(fetch_options(&reg, cache.path())).unwrap();
    let inputs = fetch(&fetcher, &["alpha", "beta"], false);
    assert_eq!(inputs[1].version, "1.1.0");
    assert_eq!(fetcher.counts().not_modified, 2);
    let downloads: Vec<_> = reg
        .log()
        .into_iter()
        .filter(|p| p.starts_with("/dl/"))
        .collect();
    assert_eq!(downloads, vec!["/dl/beta/1.1.0"]);
}

#[test]
fn a_fresh_index_file_is_reused_without_a_request() {
    let reg = registry();
    let cache = tempfile::tempdir().unwrap();
    fetch(
        &Fetcher::new(fetch_options(&reg, cache.path())).unwrap(),
        &["beta"],
        false,
    );
    reg.clear_log();
    let mut options = fetch_options(&reg, cache.path());
    options.index_max_age = std::time::Duration::from_secs(3600);
    let fetcher = Fetcher::new(options).unwrap();
    let inputs = fetch(&fetcher, &["beta"], false);
    assert!(inputs[0].file.is_some());
    assert_eq!(fetcher.counts().requests, 0);
    assert_eq!(fetcher.counts().reused, 2);
    assert!(reg.log().is_empty());
}

#[test]
fn the_closure_follows_required_normal_and_build_dependencies() {
    let reg = registry();
    let cache = tempfile::tempdir().unwrap();
    let fetcher = Fetcher::new(fetch_options(&reg, cache.path())).unwrap();
    let names: Vec<String> = fetch(&fetcher, &["alpha"], true)
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(
        names,
        vec!["alpha", "beta"],
        "optional gamma and dev-only delta are left out"
    );
}

#[test]
fn offline_uses_the_cache_only_and_says_what_is_missing() {
    let reg = registry();
    let cache = tempfile::tempdir().unwrap();
    let mut options = fetch_options(&reg, cache.path());
    options.offline = true;
    let inputs = fetch(&Fetcher::new(options.clone()).unwrap(), &["alpha"], false);
    assert_eq!(inputs[0].problems[0].code, "index-unavailable");

    fetch(
        &Fetcher::new(fetch_options(&reg, cache.path())).unwrap(),
        &["alpha"],
        false,
    );
    reg.clear_log();
    let inputs = fetch(&Fetcher::new(options).unwrap(), &["alpha", "beta"], false);
    assert!(inputs[0].file.is_some());
    assert_eq!(inputs[1].problems[0].code, "index-unavailable");
    assert!(
        reg.log().is_empty(),
        "offline made requests: {:?}",
        reg.log()
    );
}

#[test]
fn unknown_crates_and_versions_are_problems() {
    let reg = registry();
    let cache = tempfile::tempdir().unwrap();
    let fetcher = Fetcher::new(fetch_options(&reg, cache.path())).unwrap();
    let inputs = fetch(&fetcher, &["nosuchcrate", "beta@9.9.9"], false);
    assert_eq!(inputs[0].problems[0].code, "index-unavailable");
    assert!(inputs[0].problems[0].message.contains("no crate named"));
    assert_eq!(inputs[1].problems[0].code, "version-not-found");
}

#[test]
fn local_mirrors_are_used_after_checksum_verification() {
    let reg = registry();
    let mirror = tempfile::tempdir().unwrap();
    let beta = Fixture::new("beta", "1.0.0", "");
    std::fs::write(mirror.path().join("beta-1.0.0.crate"), beta.crate_bytes()).unwrap();
    std::fs::create_dir(mirror.path().join("alpha")).unwrap();
    std::fs::write(mirror.path().join("alpha/alpha-0.1.0.crate"), b"tampered").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut options = fetch_options(&reg, cache.path());
    options.mirrors = vec![mirror.path().to_owned()];
    let inputs = fetch(&Fetcher::new(options).unwrap(), &["alpha", "beta"], false);
    assert!(inputs.iter().all(|i| i.file.is_some()));
    let downloads: Vec<_> = reg
        .log()
        .into_iter()
        .filter(|p| p.starts_with("/dl/"))
        .collect();
    assert_eq!(
        downloads,
        vec!["/dl/alpha/0.1.0"],
        "the tampered mirror copy is not trusted"
    );
}
