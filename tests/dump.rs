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
use common::{Fixture, FixtureRegistry, cargofox, json, ok, read, snapshot, trust_line};
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
                {"num": "1.0.0", "published_by": "alice", "crate_size": null, "published_with": "token", "published_with_inferred": false, "trusted_publisher": null},
                {"num": "1.1.0", "published_by": "bob", "crate_size": 2048, "published_with": "token", "published_with_inferred": false, "trusted_publisher": null},
                {"num": "2.0.0-rc.1", "published_by": "bob", "crate_size": null, "published_with": "token", "published_with_inferred": false, "trusted_publisher": null},
            ],
        })
    );
    let lib = json(site.join("crates/lib-a.json"));
    assert_eq!(
        lib["registry_record"],
        json!({
            "default_version": "1.0.0",
            "trusted_publishing_only": false,
            "versions": [{"num": "1.0.0", "published_by": "alice", "crate_size": null, "published_with": "token", "published_with_inferred": false, "trusted_publisher": null}],
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
    assert_eq!(
        trust_line(&page),
        "Version 1.1.0 was published by bob with an API token. New releases are accepted only through trusted publishing."
    );
    let page = read(site.join("crates/lib-a/index.html"));
    assert_eq!(
        trust_line(&page),
        "Version 1.0.0 was published by alice with an API token."
    );
}

/// A crate published with a token, then through trusted publishing, then
/// (the version shown) with a token again by someone else.
fn publishing_dump() -> FixtureDump {
    FixtureDump::new("2026-11-19")
        .user("alice", "Alice")
        .user("mallory", "")
        .krate(
            DumpCrate::new("app", "2025-01-01")
                .owner("alice")
                .version(DumpVersion::new("0.9.0", "2025-01-02").published_by("alice"))
                .version(DumpVersion::new("1.0.0", "2025-09-01").trusted_publishing("example/app"))
                .version(DumpVersion::new("1.1.0", "2026-02-01").published_by("mallory")),
        )
        .krate(
            DumpCrate::new("lib-a", "2024-01-01")
                .owner("alice")
                .version(version("1.0.0", 1)),
        )
}

#[test]
fn a_release_with_a_token_after_trusted_publishing_is_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = FixtureRegistry::start(&crates(), &[]);
    let release = |num: &str, by: Option<&str>, with: &str, inferred: bool, from: Option<&str>| {
        json!({"num": num, "published_by": by, "crate_size": null, "published_with": with,
               "published_with_inferred": inferred, "trusted_publisher": from})
    };
    let evidence =
        "version 1.1.0 published by mallory with a token; version 1.0.0 through trusted publishing";
    let line = "Version 1.1.0 was published by mallory with an API token, although version 1.0.0 came through trusted publishing.";
    // With `trustpub_data`, a fact; without it (the public dump has no such
    // column), an inference from a release with no publishing user made
    // since the registry offered trusted publishing.
    let cases = [
        (
            publishing_dump().extra_column("versions", "trustpub_data"),
            "site",
            "fact",
            false,
            Some("github:example/app"),
        ),
        (publishing_dump(), "inferred", "inference", true, None),
    ];
    for (dump, out, kind, inferred, from) in cases {
        reg.set_dump(dump.to_bytes());
        ok(build(tmp.path(), &reg, "app", out));
        let app = json(tmp.path().join(format!("{out}/crates/app.json")));
        let back: Vec<_> = app["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "release-back-to-token")
            .map(|f| {
                (
                    f["kind"].clone(),
                    f["severity"].clone(),
                    f["evidence"].clone(),
                )
            })
            .collect();
        let fired = app["risk"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rule"] == "back-to-token");
        let page = read(tmp.path().join(format!("{out}/crates/app/index.html")));
        assert_eq!(
            (
                app["registry_record"]["versions"].clone(),
                back,
                fired,
                trust_line(&page)
            ),
            (
                json!([
                    release("0.9.0", Some("alice"), "token", false, None),
                    release("1.0.0", None, "trusted-publishing", inferred, from),
                    release("1.1.0", Some("mallory"), "token", false, None),
                ]),
                vec![(json!(kind), json!("medium"), json!(evidence))],
                true,
                line.to_owned(),
            ),
            "{out}"
        );
    }
}
