//! The whole registry: builds from a fixture sparse registry that also
//! serves a database dump at the root of its download origin, with a
//! fixture RustSec advisory database, and checks downloads, owners,
//! ownership changes between two dumps, the graph, dependency health and
//! weight, advisories, the score, the owner/category/keyword pages and the
//! feeds, and what `dump-stats` says of a dump whose columns changed.
//! Everything through the real binary and real HTTP on 127.0.0.1.

mod common;

use std::path::Path;

use common::dump::{DumpCrate, DumpVersion, FixtureDump};
use common::{Fixture, FixtureRegistry, cargofox, gz_lines, json, ok, read};

fn crates() -> Vec<Fixture> {
    let mut gone = Fixture::new("gone-dep", "0.1.0", "description = \"Yanked\"");
    gone.yanked = true;
    vec![
        Fixture::new(
            "app",
            "1.0.0",
            "description = \"An application\"\nrepository = \"https://github.com/example/app\"",
        )
        .dep("lib-a", "^1", "normal", false)
        .dep("lib-b", "^0.1", "normal", false)
        .dep("gone-dep", "=0.1.0", "normal", false)
        .dep("vuln", "^1", "normal", false),
        Fixture::new(
            "lib-a",
            "1.0.0",
            "description = \"A library\"\nbuild = \"build.rs\"",
        )
        .file(
            "build.rs",
            "fn main() {\n    println!(\"cargo:rerun-if-changed=build.rs\");\n}\n",
        ),
        Fixture::new("lib-b", "0.1.0", "description = \"Old\""),
        Fixture::new("lib-b", "0.2.0", "description = \"New\""),
        gone,
        Fixture::new("vuln", "1.0.0", "description = \"Parses things\""),
        Fixture::new("evil", "0.1.0", "description = \"Helpers\""),
    ]
}

fn version(num: &str, per_day: u64) -> DumpVersion {
    DumpVersion::new(num, "2026-01-02")
        .downloads_per_day(&[("2026-11-18", per_day), ("2026-11-19", per_day * 2)])
}

/// The dump of `day`; `app_owners` are the logins owning `app`.
fn dump(day: &str, app_owners: &[(&str, &str)]) -> FixtureDump {
    let mut app = DumpCrate::new("app", "2025-01-01")
        .category("command-line-utilities")
        .keyword("cli")
        .version(
            version("1.0.0", 500)
                .dep("lib-a", "^1", "normal")
                .dep("lib-b", "^0.1", "normal"),
        );
    for (login, since) in app_owners {
        app = app.owner_since(login, since);
    }
    FixtureDump::new(day)
        .user("alice", "Alice")
        .user("mallory", "")
        .team("github:example:core", "Core")
        .category("command-line-utilities", "Command line utilities")
        .krate(app)
        .krate(
            DumpCrate::new("lib-a", "2024-01-01")
                .owner("alice")
                .owner("github:example:core")
                .version(version("1.0.0", 900)),
        )
        .krate(
            DumpCrate::new("lib-b", "2024-01-01")
                .owner("alice")
                .version(version("0.1.0", 300))
                .version(version("0.2.0", 300)),
        )
        .krate(DumpCrate::new("gone-dep", "2024-01-01").version(version("0.1.0", 0).yanked(true)))
        .krate(DumpCrate::new("vuln", "2024-01-01").version(version("1.0.0", 200)))
        .krate(DumpCrate::new("evil", "2026-01-01").version(version("0.1.0", 100)))
        .krate(
            DumpCrate::new("big-user", "2024-01-01")
                .version(version("3.0.0", 1).dep("lib-a", "^1", "build")),
        )
}

fn advisory(dir: &Path, krate: &str, id: &str, categories: &str, patched: &str, title: &str) {
    let folder = dir.join("crates").join(krate);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join(format!("{id}.md")),
        format!(
            "```toml\n[advisory]\nid = \"{id}\"\npackage = \"{krate}\"\ndate = \"2026-01-05\"\nurl = \"https://example.invalid/{id}\"\ncategories = [{categories}]\nkeywords = []\n\n[versions]\npatched = [{patched}]\n```\n\n# {title}\n\nDescribed here.\n"
        ),
    )
    .unwrap();
}

#[test]
fn a_dump_and_advisories_fill_every_registry_wide_figure() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = FixtureRegistry::start(&crates(), &[]);
    reg.set_dump(dump("2026-11-19", &[("alice", "2025-01-01")]).to_bytes());
    let adv = tmp.path().join("advisory-db");
    advisory(
        &adv,
        "vuln",
        "RUSTSEC-2026-0001",
        "\"memory-corruption\"",
        "\">= 1.0.1\"",
        "Overflow in vuln",
    );
    advisory(
        &adv,
        "evil",
        "RUSTSEC-2026-0002",
        "\"malicious\"",
        "",
        "evil is malicious",
    );
    let index_url = reg.index_url();
    let build = |out: &str| {
        cargofox(
            tmp.path(),
            &[
                "build",
                "--index-url",
                &index_url,
                "--cache",
                "cache",
                "--out",
                out,
                "--db-dump",
                "--top",
                "5",
                "--advisory-db",
                "advisory-db",
                "--index-max-age",
                "0",
            ],
        )
    };
    ok(build("site"));
    let site = tmp.path().join("site");
    let index = json(site.join("index.json"));
    let names: Vec<&str> = index["crates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    // The five most downloaded over the window; big-user and gone-dep are not.
    assert_eq!(names, vec!["app", "evil", "lib-a", "lib-b", "vuln"]);
    assert!(reg.log().contains(&"/db-dump.tar.gz".to_owned()));

    let app = json(site.join("crates/app.json"));
    assert_eq!(app["downloads"]["recent"], 1500, "{}", app["downloads"]);
    assert_eq!(app["downloads"]["daily"].as_array().unwrap().len(), 90);
    assert_eq!(app["downloads"]["daily"][89]["date"], "2026-11-19");
    assert_eq!(app["owners"][0]["login"], "alice");
    assert_eq!(
        app["categories"],
        serde_json::json!(["command-line-utilities"])
    );
    let h = &app["dependency_health"];
    assert_eq!(h["outdated"][0]["name"], "lib-b", "{h}");
    assert_eq!(h["outdated"][0]["detail"], "0.2.0");
    assert_eq!(h["yanked"][0]["name"], "gone-dep");
    assert_eq!(h["advisories"][0]["detail"], "1.0.0: RUSTSEC-2026-0001");
    assert_eq!(h["checked"], 4);
    let w = &app["dependency_weight"];
    assert_eq!(w["crates"], 4, "{w}");
    assert_eq!(w["build_scripts"], serde_json::json!(["lib-a"]));
    assert_eq!(w["unknown"], serde_json::json!(["gone-dep"]));
    assert_eq!(
        w["advisories"],
        serde_json::json!(["vuln 1.0.0: RUSTSEC-2026-0001"])
    );
    let labels: Vec<&str> = app["ranking"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"Downloads") && labels.contains(&"Dependency health"));
    assert_eq!(
        app["ranking"]["category_rank"],
        serde_json::json!({"category": "command-line-utilities", "top_percent": 1})
    );

    // lib-a's dependents come from the whole dump: big-user is not on the site.
    let lib_a = json(site.join("crates/lib-a.json"));
    let rd = &lib_a["reverse_dependencies"];
    assert_eq!(rd["source"], "dump");
    assert_eq!(
        (
            rd["direct"].as_u64(),
            rd["normal"].as_u64(),
            rd["build"].as_u64()
        ),
        (Some(2), Some(1), Some(1)),
        "{rd}"
    );
    assert_eq!(rd["top"][0]["name"], "app", "most downloaded first");

    // Advisories: malicious first and high; a vulnerability of another crate's version.
    let evil = json(site.join("crates/evil.json"));
    assert_eq!(evil["advisories"][0]["kind"], "malicious");
    assert_eq!(evil["risk"]["level"], "high", "{}", evil["risk"]);
    let vuln = json(site.join("crates/vuln.json"));
    assert_eq!(vuln["advisories"][0]["affects_version"], true);
    assert!(
        vuln["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "advisory-vulnerability")
    );

    // Pages: the chart, owners, categories, keywords, lists.
    let page = read(site.join("crates/app/index.html"));
    assert!(
        page.contains("aria-label=\"Downloads per day\""),
        "the chart is inline"
    );
    assert_eq!(page.matches("<rect").count(), 90, "one bar per day");
    assert!(read(site.join("owners/alice/index.html")).contains("lib-b"));
    assert!(read(site.join("owners/github-example-core/index.html")).contains("lib-a"));
    assert!(read(site.join("categories/command-line-utilities/index.html")).contains("app"));
    assert!(read(site.join("keywords/cli/index.html")).contains("app"));
    assert!(read(site.join("index.html")).contains("Most downloaded"));
    assert!(read(site.join("sitemap.xml")).contains("owners/alice/"));

    // The downloads and owners tables say what the sidecars say, a row per
    // crate and per owner, in name order.
    let mut downloads = vec!["crate,version,total,recent,version_downloads".to_owned()];
    let mut owners = vec!["crate,login,kind,name,since".to_owned()];
    for name in &names {
        let s = json(site.join(format!("crates/{name}.json")));
        let d = &s["downloads"];
        downloads.push(format!(
            "{name},{},{},{},{}",
            s["version"].as_str().unwrap(),
            d["total"],
            d["recent"],
            d["version"]
                .as_u64()
                .map(|v| v.to_string())
                .unwrap_or_default()
        ));
        for o in s["owners"].as_array().unwrap() {
            owners.push(format!(
                "{name},{},{},{},{}",
                o["login"].as_str().unwrap(),
                o["kind"].as_str().unwrap(),
                o["name"].as_str().unwrap_or(""),
                o["since"].as_str().unwrap_or("")
            ));
        }
    }
    assert_eq!(gz_lines(&site.join("data/downloads.csv.gz")), downloads);
    assert_eq!(gz_lines(&site.join("data/owners.csv.gz")), owners);
    assert!(owners.iter().any(|l| l.contains(",team,")), "{owners:?}");

    // The next day: mallory was made an owner of app, days before its release
    // as far as the dump says; alice left. The dump is fetched again
    // (conditionally: it changed, so it comes whole).
    reg.set_dump(dump("2026-11-20", &[("mallory", "2025-12-28")]).to_bytes());
    ok(build("site"));
    let app = json(site.join("crates/app.json"));
    let codes: Vec<&str> = app["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"owner-added"), "{codes:?}");
    assert!(codes.contains(&"owner-removed"), "{codes:?}");
    assert!(codes.contains(&"owner-new-before-release"), "{codes:?}");
    let feed = read(site.join("owners.xml"));
    assert!(feed.contains("app: owner mallory added"), "{feed}");
    assert!(feed.contains("app: owner alice removed"), "{feed}");

    // Unchanged dump: answered 304, nothing downloaded again.
    reg.clear_log();
    ok(build("site"));
    let dump_requests = reg.log().iter().filter(|p| *p == "/db-dump.tar.gz").count();
    assert_eq!(dump_requests, 1);
}

#[test]
fn dump_stats_ignores_an_added_column_and_names_a_missing_one() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("db-dump.tar.gz");
    let stats = |dump: FixtureDump| {
        dump.write(&path);
        cargofox(
            tmp.path(),
            &["dump-stats", "--db-dump", path.to_str().unwrap()],
        )
    };
    let plain = ok(stats(dump("2026-11-19", &[("alice", "2025-01-01")])));
    let text = String::from_utf8_lossy(&plain.stdout).into_owned();
    assert!(text.starts_with("crates: 7\nversions: 8\n"), "{text}");
    assert!(
        text.contains("\ndownload window: 90 days, 2026-08-22 to 2026-11-19\n"),
        "{text}"
    );
    let added = ok(stats(
        dump("2026-11-19", &[("alice", "2025-01-01")]).extra_column("crates", "brand_new_column"),
    ));
    assert_eq!(String::from_utf8_lossy(&added.stdout), text);

    let out = stats(dump("2026-11-19", &[]).without_column("crates", "repository"));
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        format!(
            "error: reading the database dump {}: table `crates` has no column `repository`",
            path.display()
        )
    );
}
