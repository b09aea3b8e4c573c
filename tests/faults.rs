//! A whole build against a registry that fails in every way the network
//! and servers do (`common/faults.rs`): retries stay within bounds, nothing
//! corrupt reaches the cache, each failure is a problem on its own crate,
//! the build completes with what it could get, and the next run, against a
//! healed server, resumes from the cache.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use cargofox::analyze::Limits;
use cargofox::config::{Selection, Settings};
use cargofox::fetch::FetchOptions;
use cargofox::fetch::select::CrateSpec;
use common::faults::{Fault, FaultServer};
use common::{Fixture, index_rel_path};

const RETRIES: u32 = 2;

fn settings(server: &FaultServer, dir: &Path) -> Settings {
    let mut fetch = FetchOptions {
        cache: dir.join("cache"),
        index_url: Some(server.url("/index/")),
        use_cargo_cache: false,
        concurrency: 8,
        index_max_age: Duration::from_secs(3600),
        ..FetchOptions::default()
    };
    fetch.http.retries = RETRIES;
    fetch.http.timeout = Duration::from_millis(700);
    fetch.http.backoff = Duration::from_millis(20);
    fetch.http.max_retry_after = Duration::from_secs(5);
    Settings {
        fetch,
        jobs: 2,
        limits: Limits::default(),
        out: dir.join("public"),
        base_url: "http://127.0.0.1:1/".into(),
        title: "faults".into(),
        skip_scan: false,
        db_dump: None,
        top: None,
        advisory_db: None,
        audits: None,
        drop_packages: false,
        registry_mirror: false,
        repositories: Default::default(),
        crev_proofs: None,
    }
}

fn index_path(name: &str) -> String {
    format!("/index/{}", index_rel_path(name))
}

fn dl_path(name: &str, version: &str) -> String {
    format!("/dl/{name}/{version}")
}

/// The problem codes of each crate of the published site.
fn site_problems(out: &Path, names: &[&str]) -> BTreeMap<String, (String, Vec<String>)> {
    names
        .iter()
        .map(|n| {
            let json: serde_json::Value = serde_json::from_slice(
                &std::fs::read(out.join(format!("crates/{n}.json"))).unwrap(),
            )
            .unwrap();
            let codes = json["problems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["code"].as_str().unwrap().to_owned())
                .collect();
            (
                n.to_string(),
                (json["version"].as_str().unwrap().to_owned(), codes),
            )
        })
        .collect()
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Every file of the cache must be one the server would serve when
/// healthy, byte for byte; returns how many are not.
fn corrupt_cache_entries(cache: &Path, server: &FaultServer) -> Vec<String> {
    let files = server.state.lock().unwrap().files.clone();
    let mut corrupt = Vec::new();
    for path in files_under(cache) {
        let rel = path.strip_prefix(cache).unwrap().display().to_string();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let expected = if rel.starts_with("state/") || name.ends_with(".validators.json") {
            continue;
        } else if rel.starts_with("store/") {
            if !common::is_stored_analysis(&name, &std::fs::read(&path).unwrap()) {
                corrupt.push(rel);
            }
            continue;
        } else if let Some(stem) = name.strip_suffix(".crate") {
            let (n, v) = cargofox::fetch::local::split_file_stem(stem).unwrap();
            files.get(&dl_path(n, v))
        } else {
            files.get(&format!("/{rel}"))
        };
        if expected != Some(&std::fs::read(&path).unwrap()) {
            corrupt.push(rel);
        }
    }
    corrupt
}

#[test]
fn a_failing_registry_gives_problems_per_crate_and_a_complete_build() {
    let server = FaultServer::start();
    server.file(
        "/index/config.json",
        serde_json::json!({"dl": server.url("/dl/{crate}/{version}"), "api": server.url("/")})
            .to_string(),
    );
    let names = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
        "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
    ];
    let mut newest = BTreeMap::new();
    for name in names {
        let mut versions = vec![Fixture::new(name, "1.0.0", "")];
        if name == "papa" {
            versions.push(Fixture::new(name, "1.1.0", ""));
        }
        let mut index = String::new();
        for f in &versions {
            index.push_str(&f.index_line(None));
            index.push('\n');
            server.file(&dl_path(name, &f.version), f.crate_bytes());
        }
        if name == "golf" {
            let good = versions[0].index_line(None);
            let unknown = good.replacen('{', "{\"a_field_from_the_future\":[1,2],", 1);
            let invalid_version = good.replace("\"1.0.0\"", "\"1.0\"");
            index = format!("not json at all\n{invalid_version}\n{unknown}\n");
        }
        server.file(&index_path(name), index);
        newest.insert(name, versions.last().unwrap().version.clone());
    }

    let html = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>\n".to_vec();
    server.plan("/index/config.json", vec![Fault::Status(503)]);
    server.plan(
        &index_path("alpha"),
        vec![Fault::Status(500), Fault::Status(500)],
    );
    server.plan(&index_path("bravo"), vec![Fault::RetryAfter(1)]);
    server.plan(&index_path("charlie"), vec![Fault::Reset]);
    server.plan(&dl_path("charlie", "1.0.0"), vec![Fault::Truncate]);
    server.always(&index_path("delta"), Fault::Hang);
    server.always(
        &dl_path("echo", "1.0.0"),
        Fault::Body(
            Fixture::new("echo", "1.0.0", "description = \"swapped\"").crate_bytes(),
            "application/octet-stream",
        ),
    );
    server.always(
        &index_path("foxtrot"),
        Fault::Body(html.clone(), "text/html"),
    );
    server.always(&index_path("hotel"), Fault::Status(404));
    server.always(&index_path("india"), Fault::Status(410));
    server.always(&dl_path("juliet", "1.0.0"), Fault::Status(404));
    server.always(&dl_path("kilo", "1.0.0"), Fault::Status(410));
    server.always(&index_path("lima"), Fault::Slow);
    server.always(&dl_path("lima", "1.0.0"), Fault::Slow);
    server.always(&dl_path("mike", "1.0.0"), Fault::Status(503));
    server.always(&dl_path("november", "1.0.0"), Fault::Truncate);
    server.always(&dl_path("oscar", "1.0.0"), Fault::RetryAfter(3600));
    let papa_index = server.state.lock().unwrap().files[&index_path("papa")].clone();
    server.always(
        &index_path("papa"),
        Fault::Body(
            papa_index[..papa_index.len() - 40].to_vec(),
            "application/json",
        ),
    );

    let tmp = tempfile::tempdir().unwrap();
    let settings = settings(&server, tmp.path());
    let selection = Selection::Registry {
        specs: names
            .iter()
            .map(|n| n.parse::<CrateSpec>().unwrap())
            .collect(),
        closure: false,
        max: 100,
        curated: false,
    };
    let started = std::time::Instant::now();
    let summary = cargofox::pipeline::build(&settings, &selection).unwrap();
    let took = started.elapsed();
    let log = server.log();

    // Retries stay within bounds: no path is asked more than 1 + RETRIES
    // times, and answers that cannot get better are not asked again.
    let mut per_path: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for a in &log {
        per_path.entry(&a.path).or_default().push(&a.what);
    }
    for (path, answers) in &per_path {
        assert!(
            answers.len() <= 1 + RETRIES as usize,
            "{path} was asked {} times: {answers:?}",
            answers.len()
        );
    }
    let asked = |p: &str| per_path.get(p).map_or(0, Vec::len);
    assert_eq!(asked(&index_path("delta")), 1 + RETRIES as usize);
    assert_eq!(asked(&dl_path("mike", "1.0.0")), 1 + RETRIES as usize);
    assert_eq!(asked(&dl_path("november", "1.0.0")), 1 + RETRIES as usize);
    for once in [
        index_path("hotel"),
        index_path("india"),
        dl_path("juliet", "1.0.0"),
        dl_path("kilo", "1.0.0"),
        dl_path("oscar", "1.0.0"),
        dl_path("echo", "1.0.0"),
    ] {
        assert_eq!(asked(&once), 1, "{once} is not retried");
    }
    let bravo: Vec<_> = log
        .iter()
        .filter(|a| a.path == index_path("bravo"))
        .collect();
    assert_eq!(bravo.len(), 2);
    assert!(
        bravo[1].at - bravo[0].at >= Duration::from_millis(900),
        "Retry-After was honoured"
    );
    assert_eq!(
        summary.http.requests,
        log.len() as u64,
        "every request counted"
    );

    // Each failure is a problem on its own crate; the rest were read.
    let problems = site_problems(&settings.out, &names);
    let codes = |n: &str| problems[n].1.clone();
    for ok in ["alpha", "bravo", "charlie", "lima"] {
        assert_eq!(codes(ok), Vec::<String>::new(), "{ok}");
    }
    let expect = [
        ("delta", "index-unavailable"),
        ("echo", "checksum-mismatch"),
        ("foxtrot", "index-line-invalid"),
        ("foxtrot", "version-not-found"),
        ("golf", "index-line-invalid"),
        ("hotel", "index-unavailable"),
        ("india", "index-unavailable"),
        ("juliet", "download-failed"),
        ("kilo", "download-failed"),
        ("mike", "download-failed"),
        ("november", "download-failed"),
        ("oscar", "download-failed"),
        ("papa", "index-line-invalid"),
    ];
    for (name, code) in expect {
        assert!(
            codes(name).iter().any(|c| c == code),
            "{name}: expected {code}, got {:?}",
            codes(name)
        );
    }
    assert_eq!(
        codes("golf")
            .iter()
            .filter(|c| *c == "index-line-invalid")
            .count(),
        2,
        "a bad line is one problem; the line with unknown fields is read"
    );
    assert_eq!(problems["golf"].0, "1.0.0");
    assert_eq!(problems["papa"].0, "1.0.0", "the cut-off line is left out");
    assert_eq!(summary.crates, names.len());
    assert_eq!(summary.analyzed, 6, "alpha bravo charlie golf lima papa");
    assert_eq!(summary.with_problems, names.len() - 4);

    // Nothing corrupt in the cache, and no file of a failed download.
    let cache = &settings.fetch.cache;
    assert_eq!(corrupt_cache_entries(cache, &server), Vec::<String>::new());
    for name in ["echo", "juliet", "kilo", "mike", "november", "oscar"] {
        assert!(
            !cache.join("crates").join(name).exists(),
            "{name} was cached"
        );
    }
    for name in ["foxtrot", "papa", "delta"] {
        let cached = cache.join("index").join(index_rel_path(name));
        assert!(!cached.exists(), "the index answer of {name} was cached");
    }
    let faults = log
        .iter()
        .filter(|a| !matches!(a.what.as_str(), "ok" | "not-modified" | "missing"))
        .count();
    eprintln!(
        "first run: {} requests, {faults} faults injected, {} retries, {} failed for good, {:.1}s",
        log.len(),
        summary.http.retries,
        summary.http.failures,
        took.as_secs_f64()
    );

    // The server heals: the next run resumes from the cache, asks only for
    // what it lacks, and every crate is read at its newest version.
    server.heal();
    server.clear_log();
    let summary = cargofox::pipeline::build(&settings, &selection).unwrap();
    let problems = site_problems(&settings.out, &names);
    for name in names {
        let want: Vec<String> = if name == "golf" {
            vec!["index-line-invalid".into(), "index-line-invalid".into()]
        } else {
            Vec::new()
        };
        assert_eq!(problems[name].1, want, "{name}");
        assert_eq!(problems[name].0, newest[name], "{name}");
    }
    assert_eq!(summary.analyzed, names.len());
    let second = server.log();
    for a in &second {
        assert!(
            !["alpha", "bravo", "charlie", "lima"]
                .iter()
                .any(|n| a.path == index_path(n) || a.path == dl_path(n, "1.0.0")),
            "{} was fetched again although it was cached",
            a.path
        );
    }
    assert_eq!(corrupt_cache_entries(cache, &server), Vec::<String>::new());
    let temporary: Vec<_> = files_under(cache)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(temporary.is_empty(), "{temporary:?}");
    eprintln!("second run: {} requests", second.len());
}
