//! Reading the registry's database dump in the format published since June
//! 2026, through the real binary, with the dump and a sparse registry served
//! on 127.0.0.1: columns the reader does not use never change the site, a
//! needed column that is gone stops the build naming the table and the
//! column and leaves the published site as it was, the format before June
//! 2026 still reads, the publisher of each release, trusted publishing and
//! deleted crates reach the crate reports, and a re-run asks only for the
//! index files of crates whose releases the dump says changed.

mod common;

use std::path::{Path, PathBuf};

use common::dump::{DumpCrate, DumpVersion, FixtureDump};
use common::{Fixture, FixtureRegistry, cargofox, json, ok, read, snapshot};
use serde_json::json;

fn crates() -> Vec<Fixture> {
    vec![
        Fixture::new("app", "1.0.0", "description = \"An application\"")
            .dep("lib-a", "^1", "normal", false),
        Fixture::new("app", "1.1.0", "description = \"An application\"")
            .dep("lib-a", "^1", "normal", false),
        Fixture::new("lib-a", "1.0.0", "description = \"A library\""),
    ]
}

fn version(num: &str, per_day: u64) -> DumpVersion {
    DumpVersion::new(num, "2026-01-02")
        .downloads_per_day(&[("2026-11-18", per_day), ("2026-11-19", per_day * 2)])
}

fn dump() -> FixtureDump {
    dump_with(&["1.0.0"])
}

/// The dump, with these releases of `lib-a`.
fn dump_with(lib_a_versions: &[&str]) -> FixtureDump {
    let mut lib_a = DumpCrate::new("lib-a", "2024-01-01")
        .owner("github:example:core")
        .owner("alice");
    for v in lib_a_versions {
        lib_a = lib_a.version(version(v, 90));
    }
    FixtureDump::new("2026-11-19")
        .user("alice", "Alice")
        .user("bob", "")
        .team("github:example:core", "Core")
        .krate(
            DumpCrate::new("app", "2025-01-01")
                .owner("alice")
                .owner("bob")
                .trustpub_only(true)
                .keyword("cli")
                .version(version("1.0.0", 50).dep("lib-a", "^1", "normal"))
                .version(
                    version("1.1.0", 70)
                        .published_by("bob")
                        .crate_size(2048)
                        .dep("lib-a", "^1", "normal"),
                )
                .version(version("2.0.0-rc.1", 1).published_by("bob")),
        )
        .krate(lib_a)
        .deleted_with("gone", "2026-03-04", Some("alice"), "published by mistake")
        .deleted("gone", "2025-02-03")
}

/// `cargofox build` of `crates` into `out`, reading the dump served by `reg`,
/// with the cache `{out}-cache` (builds into different folders share no
/// state, such as when a finding was first seen).
fn build(tmp: &Path, reg: &FixtureRegistry, crates: &str, out: &str) -> std::process::Output {
    let cache = format!("{out}-cache");
    cargofox(
        tmp,
        &[
            "build",
            "--index-url",
            &reg.index_url(),
            "--cache",
            &cache,
            "--out",
            out,
            "--db-dump",
            "--crates",
            crates,
            "--index-max-age",
            "0",
        ],
    )
}

/// The `error: ` line of a failed run.
fn error_line(out: &std::process::Output) -> String {
    assert!(!out.status.success(), "the run succeeded");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    lines[0].to_owned()
}

#[test]
fn columns_the_reader_does_not_use_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = FixtureRegistry::start(&crates(), &[]);
    reg.set_dump(dump().to_bytes());
    ok(build(tmp.path(), &reg, "app,lib-a", "plain"));
    let mut added = dump();
    for (table, column) in [
        ("crates", "a_first_column"),
        ("versions", "zz_last_column"),
        ("users", "gh_encrypted_token"),
        ("crate_owners", "deleted"),
        ("dependencies", "public"),
        ("deleted_crates", "restored_at"),
        ("version_downloads", "region"),
    ] {
        added = added.extra_column(table, column);
    }
    // Columns that are read only for what cargofox does not show may go too.
    let added = added
        .without_column("versions", "tar_sha256")
        .without_column("versions", "license")
        .without_column("users", "gh_id");
    reg.set_dump(added.to_bytes());
    ok(build(tmp.path(), &reg, "app,lib-a", "added"));
    let plain = snapshot(&tmp.path().join("plain"));
    assert!(plain.iter().any(|(p, _)| p == Path::new("crates/app.json")));
    assert!(
        plain
            .iter()
            .any(|(p, _)| p == Path::new("owners/alice/index.html"))
    );
    assert_same_site(&tmp.path().join("plain"), &tmp.path().join("added"));
}

/// The two sites have the same files with the same contents, date stamps
/// of the builds apart.
fn assert_same_site(a: &Path, b: &Path) {
    let (a, b) = (snapshot(a), snapshot(b));
    let paths = |files: &[(PathBuf, Vec<u8>)]| -> Vec<PathBuf> {
        files.iter().map(|(p, _)| p.clone()).collect()
    };
    assert_eq!(paths(&a), paths(&b));
    for ((path, a), (_, b)) in a.iter().zip(&b) {
        assert_eq!(
            String::from_utf8_lossy(a),
            String::from_utf8_lossy(b),
            "{}",
            path.display()
        );
    }
}

#[test]
fn the_format_before_june_2026_gives_the_same_site() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = FixtureRegistry::start(&crates(), &[]);
    reg.set_dump(dump().to_bytes());
    ok(build(tmp.path(), &reg, "app,lib-a", "current"));
    let older = dump()
        .renamed_column("users", "username", "gh_login")
        .without_column("users", "created_at")
        .extra_column("users", "gh_avatar")
        .renamed_column("versions", "tar_sha256", "checksum")
        .without_column("versions", "zip_sha256")
        .without_column("versions", "zip_json_sha256");
    reg.set_dump(older.to_bytes());
    ok(build(tmp.path(), &reg, "app,lib-a", "older"));
    assert_same_site(&tmp.path().join("current"), &tmp.path().join("older"));
}

#[test]
fn a_needed_column_that_is_gone_stops_the_build_and_keeps_the_site() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = FixtureRegistry::start(&crates(), &[]);
    reg.set_dump(dump().to_bytes());
    ok(build(tmp.path(), &reg, "app,lib-a", "site"));
    let site = tmp.path().join("site");
    let before = snapshot(&site);
    let dump_path = Path::new("site-cache").join("dump").join("db-dump.tar.gz");

    for (table, column) in [
        ("versions", "published_by"),
        ("crate_owners", "owner_kind"),
        ("crates", "trustpub_only"),
        ("deleted_crates", "deleted_at"),
        // The login is `username`, or `gh_login` in older dumps: neither.
        ("users", "username"),
    ] {
        reg.set_dump(dump().without_column(table, column).to_bytes());
        let out = build(tmp.path(), &reg, "app,lib-a", "site");
        assert_eq!(
            error_line(&out),
            format!(
                "error: reading the database dump {}: table `{table}` has no column `{column}`",
                dump_path.display()
            )
        );
        assert_eq!(
            snapshot(&site),
            before,
            "the site changed after {table}.{column}"
        );
    }

    // dump-stats says the same of a file on disk.
    let path = tmp.path().join("old.tar.gz");
    dump().without_column("dependencies", "kind").write(&path);
    let out = cargofox(
        tmp.path(),
        &["dump-stats", "--db-dump", path.to_str().unwrap()],
    );
    assert_eq!(
        error_line(&out),
        format!(
            "error: reading the database dump {}: table `dependencies` has no column `kind`",
            path.display()
        )
    );
}

#[test]
fn publishers_trusted_publishing_and_deletions_reach_the_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = FixtureRegistry::start(&crates(), &[]);
    reg.set_dump(dump().to_bytes());
    ok(build(tmp.path(), &reg, "app,lib-a,gone", "site"));
    let site = tmp.path().join("site");

    let app = json(site.join("crates/app.json"));
    assert_eq!(
        app["registry_record"],
        json!({
            "default_version": "1.1.0",
            "trusted_publishing_only": true,
            "versions": [
                {"num": "1.0.0", "published_by": "alice", "crate_size": null},
                {"num": "1.1.0", "published_by": "bob", "crate_size": 2048},
                {"num": "2.0.0-rc.1", "published_by": "bob", "crate_size": null},
            ],
        })
    );
    let lib = json(site.join("crates/lib-a.json"));
    assert_eq!(
        lib["registry_record"],
        json!({
            "default_version": "1.0.0",
            "trusted_publishing_only": false,
            "versions": [{"num": "1.0.0", "published_by": "alice", "crate_size": null}],
        })
    );

    // The latest of its two deletions, on its own report.
    let gone = json(site.join("crates/gone.json"));
    let problems: Vec<&serde_json::Value> = gone["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["code"] != "index-unavailable")
        .collect();
    assert_eq!(
        problems,
        [&json!({
            "code": "crate-deleted",
            "message": "the registry deleted this crate on 2026-03-04: \"published by mistake\"",
        })]
    );
    assert_eq!(gone["registry_record"], serde_json::Value::Null);

    let page = read(site.join("crates/app/index.html"));
    assert!(page.contains("<th>Published by</th>"), "{page}");
    assert!(page.contains("<td>bob</td>"));
    assert!(page.contains("<p id=trusted-publishing>"));
    let page = read(site.join("crates/lib-a/index.html"));
    assert!(!page.contains("<p id=trusted-publishing>"));
}

#[test]
fn a_new_publisher_a_new_account_and_a_version_jump_are_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let crates = vec![
        Fixture::new("colors", "1.0.0", "description = \"Colour names\""),
        Fixture::new("colors", "1.0.1", "description = \"Colour names\""),
        Fixture::new("internal-utils", "99.0.0", "description = \"Utilities\""),
    ];
    let reg = FixtureRegistry::start(&crates, &[]);
    let dump = FixtureDump::new("2026-11-19")
        .user("alice", "Alice")
        .user_created("mallory", "", "2026-11-08")
        .krate(
            DumpCrate::new("colors", "2025-01-01")
                .owner("alice")
                .owner("mallory")
                .version(DumpVersion::new("1.0.0", "2025-01-01").published_by("alice"))
                .version(DumpVersion::new("1.0.1", "2026-11-10").published_by("mallory")),
        )
        .krate(
            DumpCrate::new("internal-utils", "2026-11-01")
                .owner("alice")
                .version(DumpVersion::new("99.0.0", "2026-11-01").published_by("alice")),
        );
    reg.set_dump(dump.to_bytes());
    ok(build(tmp.path(), &reg, "colors,internal-utils", "site"));
    let site = tmp.path().join("site");
    // (code, severity, evidence) of the findings about releases, and the rules that fired.
    let judged = |name: &str| {
        let r = json(site.join(format!("crates/{name}.json")));
        let findings: Vec<(String, String, String)> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"].as_str().unwrap().starts_with("release-"))
            .map(|f| {
                let s = |k: &str| f[k].as_str().unwrap().to_owned();
                (s("code"), s("severity"), s("evidence"))
            })
            .collect();
        let rules: Vec<String> = r["risk"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                format!(
                    "{} {}",
                    x["level"].as_str().unwrap(),
                    x["rule"].as_str().unwrap()
                )
            })
            .collect();
        (findings, rules)
    };
    let owned = |v: &[(&str, &str, &str)]| -> Vec<(String, String, String)> {
        v.iter()
            .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
            .collect()
    };
    let (findings, rules) = judged("colors");
    assert_eq!(
        findings,
        owned(&[
            (
                "release-new-account",
                "medium",
                "account mallory created 2026-11-08"
            ),
            (
                "release-new-publisher",
                "low",
                "version 1.0.1 published by mallory"
            ),
        ])
    );
    assert!(
        rules.contains(&"medium new-account".to_owned()),
        "{rules:?}"
    );
    assert!(rules.contains(&"low new-publisher".to_owned()), "{rules:?}");
    let (findings, rules) = judged("internal-utils");
    assert_eq!(
        findings,
        owned(&[("release-version-jump", "medium", "version 99.0.0")])
    );
    assert!(
        rules.contains(&"medium version-jump".to_owned()),
        "{rules:?}"
    );
}

#[test]
fn without_a_dump_there_is_no_registry_record() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = FixtureRegistry::start(&crates(), &[]);
    ok(cargofox(
        tmp.path(),
        &[
            "build",
            "--index-url",
            &reg.index_url(),
            "--cache",
            "cache",
            "--out",
            "site",
            "--crates",
            "app",
        ],
    ));
    let app = json(tmp.path().join("site/crates/app.json"));
    assert_eq!(app["registry_record"], serde_json::Value::Null);
    assert!(!read(tmp.path().join("site/crates/app/index.html")).contains("Published by"));
}

#[test]
fn a_rerun_asks_only_for_the_index_files_the_dump_does_not_confirm() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = FixtureRegistry::start(&crates(), &[]);
    reg.set_dump(dump().to_bytes());
    let index_requests = || -> Vec<String> {
        let mut paths: Vec<String> = reg
            .log()
            .into_iter()
            .filter(|p| p.starts_with("/index/") && !p.ends_with("config.json"))
            .collect();
        paths.sort();
        paths
    };
    ok(build(tmp.path(), &reg, "app,lib-a", "site"));
    assert_eq!(index_requests(), ["/index/3/a/app", "/index/li/b-/lib-a"]);

    // The dump lists the releases of lib-a that its cached index file lists;
    // it also lists 2.0.0-rc.1 of app, which the index does not.
    reg.clear_log();
    ok(build(tmp.path(), &reg, "app,lib-a", "site"));
    assert_eq!(index_requests(), ["/index/3/a/app"]);

    // A new release of lib-a, in the index and the next dump.
    reg.publish(
        &Fixture::new("lib-a", "1.1.0", "description = \"A library\""),
        None,
    );
    reg.set_dump(dump_with(&["1.0.0", "1.1.0"]).to_bytes());
    reg.clear_log();
    ok(build(tmp.path(), &reg, "app,lib-a", "site"));
    assert_eq!(index_requests(), ["/index/3/a/app", "/index/li/b-/lib-a"]);
    assert_eq!(
        json(tmp.path().join("site/crates/lib-a.json"))["version"],
        "1.1.0"
    );
}
