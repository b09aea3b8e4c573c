//! The fixture database dump (`common::dump`) matches the format published
//! since June 2026 as `db-dump` 0.10 reads it: every table loads back with
//! the values the builder was given, the archive has the published layout,
//! added and removed columns change the header and every row alike, and the
//! full-scale generator `.ci/bench-dump` writes the same headers. `db-dump`
//! rejects any column it does not know, which is why cargofox reads the dump
//! with a reader of its own, tested through the binary in `tests/dump.rs`.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

use common::dump::{DumpCrate, DumpDep, DumpVersion, FixtureDump, TABLES};
use db_dump::crate_owners::OwnerId;
use db_dump::dependencies::DependencyKind;
use sha2::Digest;

/// Every row of every table, as `db_dump` parses them.
#[derive(Default)]
struct Loaded {
    categories: Vec<db_dump::categories::Row>,
    crate_downloads: Vec<db_dump::crate_downloads::Row>,
    crate_owners: Vec<db_dump::crate_owners::Row>,
    crates: Vec<db_dump::crates::Row>,
    crates_categories: Vec<db_dump::crates_categories::Row>,
    crates_keywords: Vec<db_dump::crates_keywords::Row>,
    default_versions: Vec<db_dump::default_versions::Row>,
    deleted_crates: Vec<db_dump::deleted_crates::Row>,
    dependencies: Vec<db_dump::dependencies::Row>,
    keywords: Vec<db_dump::keywords::Row>,
    metadata: Vec<db_dump::metadata::Row>,
    reserved_crate_names: Vec<db_dump::reserved_crate_names::Row>,
    teams: Vec<db_dump::teams::Row>,
    users: Vec<db_dump::users::Row>,
    version_downloads: Vec<db_dump::version_downloads::Row>,
    versions: Vec<db_dump::versions::Row>,
}

/// Loads every table of the dump at `path` with a `db_dump::Loader`.
fn load(path: &Path) -> db_dump::Result<Loaded> {
    let mut l = Loaded::default();
    db_dump::Loader::new()
        .categories(|r| l.categories.push(r))
        .crate_downloads(|r| l.crate_downloads.push(r))
        .crate_owners(|r| l.crate_owners.push(r))
        .crates(|r| l.crates.push(r))
        .crates_categories(|r| l.crates_categories.push(r))
        .crates_keywords(|r| l.crates_keywords.push(r))
        .default_versions(|r| l.default_versions.push(r))
        .deleted_crates(|r| l.deleted_crates.push(r))
        .dependencies(|r| l.dependencies.push(r))
        .keywords(|r| l.keywords.push(r))
        .metadata(|r| l.metadata.push(r))
        .reserved_crate_names(|r| l.reserved_crate_names.push(r))
        .teams(|r| l.teams.push(r))
        .users(|r| l.users.push(r))
        .version_downloads(|r| l.version_downloads.push(r))
        .versions(|r| l.versions.push(r))
        .load(path)?;
    Ok(l)
}

/// Writes `dump` into a new temporary directory.
fn write(dump: &FixtureDump) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db-dump.tar.gz");
    dump.write(&path);
    (dir, path)
}

/// A small registry touching every table and the awkward cells: quotes,
/// commas and line breaks in text, NULLs, arrays, JSON, renamed and
/// target-specific dependencies, teams, yanked and pre-release versions.
fn sample() -> FixtureDump {
    FixtureDump::new("2026-11-20")
        .user("alice", "Alice A")
        .user("bob", "")
        .team("github:acme:core", "Core")
        .category("parsing", "Parsing tools")
        .category("development-tools::testing", "Testing")
        .krate(
            DumpCrate::new("bar", "2024-05-06")
                .description("Bar, the \"other\" crate")
                .owner("bob")
                .keyword("json")
                .version(DumpVersion::new("1.2.0", "2024-05-06").downloads(500)),
        )
        .krate(
            DumpCrate::new("foo", "2025-01-02 13:04:05.25")
                .description("Parses things")
                .repository("https://github.com/x/foo")
                .homepage("https://example.invalid/foo")
                .readme("# foo\n\nLine two, with a comma.\n")
                .max_upload_size(20 << 20)
                .owner("alice")
                .owner_since("github:acme:core", "2026-11-18 09:30:00.5")
                .owner("bob")
                .category("parsing")
                .category("development-tools::testing")
                .keyword("json")
                .keyword("parser")
                .version(
                    DumpVersion::new("1.0.0", "2025-01-02")
                        .crate_size(1234)
                        .feature("default", &["std"])
                        .feature("std", &[])
                        .rust_version("1.70")
                        .dep("bar", "^1", "normal")
                        .optional_dep("bar", "^1.2", "build")
                        .dep_with(
                            DumpDep::new("bar", ">=1, <3", "dev")
                                .default_features(false)
                                .features(&["derive", "std"])
                                .target("cfg(unix)")
                                .rename("bar_dev"),
                        )
                        .downloads_per_day(&[("2026-11-19", 10), ("2026-11-20", 12)]),
                )
                .version(
                    DumpVersion::new("1.1.0", "2025-06-01")
                        .yanked(true)
                        .published_by("bob")
                        .bins(&["foo-cli"])
                        .downloads_per_day(&[("2026-11-20", 3)]),
                )
                .version(DumpVersion::new("2.0.0-rc.1", "2025-07-01").edition(None)),
        )
        .deleted_with("gone", "2026-01-01", Some("alice"), "published by mistake")
        .deleted("also-gone", "2026-02-03")
        .reserved("std")
}

#[test]
fn every_table_loads_back_with_the_values_given() {
    let dump = sample();
    let (_dir, path) = write(&dump);
    let l = load(&path).unwrap();

    let foo = dump.crate_id("foo");
    let bar = dump.crate_id("bar");
    let foo_1_0 = dump.version_id("foo", "1.0.0");
    let foo_1_1 = dump.version_id("foo", "1.1.0");
    let alice = dump.user_id("alice");
    let bob = dump.user_id("bob");
    let team = dump.team_id("github:acme:core");

    // users and teams
    let users: Vec<_> = l
        .users
        .iter()
        .map(|u| (u.id.0, u.username.as_str(), u.name.as_deref()))
        .collect();
    assert_eq!(
        users,
        [(alice, "alice", Some("Alice A")), (bob, "bob", None)]
    );
    let created: Vec<String> = l
        .users
        .iter()
        .map(|u| u.created_at.unwrap().date_naive().to_string())
        .collect();
    assert_eq!(created, ["2015-03-04", "2015-03-04"]);
    assert!(l.users.iter().all(|u| u.gh_id > 0));
    assert_eq!(l.teams.len(), 1);
    assert_eq!(l.teams[0].id.0, team);
    assert_eq!(l.teams[0].login, "github:acme:core");
    assert_eq!(l.teams[0].name, "Core");
    assert!(l.teams[0].org_id.is_some());

    // crates, with quoting, NULLs and timestamps
    assert_eq!(l.crates.len(), 2);
    let c = l.crates.iter().find(|c| c.name == "foo").unwrap();
    assert_eq!(c.id.0, foo);
    assert_eq!(c.description, "Parses things");
    assert_eq!(c.repository.as_deref(), Some("https://github.com/x/foo"));
    assert_eq!(c.homepage.as_deref(), Some("https://example.invalid/foo"));
    assert_eq!(c.documentation, None);
    assert_eq!(
        c.readme.as_deref(),
        Some("# foo\n\nLine two, with a comma.\n")
    );
    assert_eq!(c.max_upload_size, Some(20 << 20));
    assert_eq!(c.max_features, None);
    assert_eq!(c.created_at.to_string(), "2025-01-02 13:04:05.250 UTC");
    assert_eq!(c.updated_at.date_naive().to_string(), "2025-07-01");
    let b = l.crates.iter().find(|c| c.name == "bar").unwrap();
    assert_eq!(b.description, "Bar, the \"other\" crate");
    assert_eq!(b.created_at.date_naive().to_string(), "2024-05-06");

    // owners: users and a team, with their since dates
    let mut owners: Vec<_> = l
        .crate_owners
        .iter()
        .filter(|o| o.crate_id.0 == foo)
        .map(|o| (o.owner_id, o.created_at.to_string()))
        .collect();
    owners.sort();
    assert_eq!(
        owners,
        [
            (
                OwnerId::User(db_dump::users::UserId(alice)),
                "2025-01-02 13:04:05.250 UTC".to_string()
            ),
            (
                OwnerId::User(db_dump::users::UserId(bob)),
                "2025-01-02 13:04:05.250 UTC".to_string()
            ),
            (
                OwnerId::Team(db_dump::teams::TeamId(team)),
                "2026-11-18 09:30:00.500 UTC".to_string()
            ),
        ]
    );
    assert!(
        l.crate_owners
            .iter()
            .filter(|o| o.crate_id.0 == foo)
            .all(|o| o.created_by.map(|u| u.0) == Some(alice))
    );
    assert_eq!(
        l.crate_owners
            .iter()
            .filter(|o| o.crate_id.0 == bar)
            .count(),
        1
    );

    // categories and keywords, with consistent counts
    let cats: Vec<_> = l
        .categories
        .iter()
        .map(|c| {
            (
                c.id.0,
                c.slug.as_str(),
                c.category.as_str(),
                c.path.as_str(),
                c.crates_cnt,
            )
        })
        .collect();
    assert_eq!(
        cats,
        [
            (
                dump.category_id("parsing"),
                "parsing",
                "Parsing tools",
                "root.parsing",
                1
            ),
            (
                dump.category_id("development-tools::testing"),
                "development-tools::testing",
                "Testing",
                "root.development_tools.testing",
                1
            ),
        ]
    );
    let mut crate_cats: Vec<_> = l
        .crates_categories
        .iter()
        .map(|r| (r.crate_id.0, r.category_id.0))
        .collect();
    crate_cats.sort();
    assert_eq!(crate_cats, [(foo, 1), (foo, 2)]);
    let kws: Vec<_> = l
        .keywords
        .iter()
        .map(|k| (k.id.0, k.keyword.as_str(), k.crates_cnt))
        .collect();
    assert_eq!(
        kws,
        [
            (dump.keyword_id("json"), "json", 2),
            (dump.keyword_id("parser"), "parser", 1)
        ]
    );
    assert_eq!(
        l.keywords[0].created_at.date_naive().to_string(),
        "2024-05-06"
    );
    let mut crate_kws: Vec<_> = l
        .crates_keywords
        .iter()
        .map(|r| (r.crate_id.0, r.keyword_id.0))
        .collect();
    crate_kws.sort();
    assert_eq!(
        crate_kws,
        [
            (bar, dump.keyword_id("json")),
            (foo, dump.keyword_id("json")),
            (foo, dump.keyword_id("parser"))
        ]
    );

    // versions
    assert_eq!(l.versions.len(), 4);
    let v = l.versions.iter().find(|v| v.id.0 == foo_1_0).unwrap();
    assert_eq!(v.crate_id.0, foo);
    assert_eq!(v.num.to_string(), "1.0.0");
    assert!(!v.yanked);
    assert_eq!(v.crate_size, Some(1234));
    assert_eq!(v.downloads, 22);
    assert_eq!(v.license, "MIT OR Apache-2.0");
    assert_eq!(v.published_by.map(|u| u.0), Some(alice));
    assert_eq!(v.features["default"], ["std"]);
    assert!(v.features["std"].is_empty());
    assert_eq!(
        v.rust_version.as_ref().map(|r| r.to_string()).as_deref(),
        Some("1.70.0")
    );
    assert_eq!(v.edition, Some(2021));
    assert!(v.has_lib);
    assert!(v.bin_names.is_empty());
    assert_eq!(v.categories, ["parsing", "development-tools::testing"]);
    assert_eq!(v.keywords, ["json", "parser"]);
    assert_eq!(v.repository.as_deref(), Some("https://github.com/x/foo"));
    let sha = |s: &str| -> [u8; 32] { sha2::Sha256::digest(s.as_bytes()).into() };
    assert_eq!(v.tar_sha256, sha("foo-1.0.0"));
    assert_eq!(v.zip_sha256, Some(sha("foo-1.0.0.zip")));
    assert_eq!(v.zip_json_sha256, Some(sha("foo-1.0.0.json")));
    let y = l.versions.iter().find(|v| v.id.0 == foo_1_1).unwrap();
    assert!(y.yanked);
    assert_eq!(y.published_by.map(|u| u.0), Some(bob));
    assert_eq!(y.bin_names, ["foo-cli"]);
    let rc = l
        .versions
        .iter()
        .find(|v| v.num.to_string() == "2.0.0-rc.1")
        .unwrap();
    assert_eq!(rc.edition, None);
    assert_eq!(rc.downloads, 0);

    // default versions: the highest non-yanked release
    let mut defaults: Vec<_> = l
        .default_versions
        .iter()
        .map(|d| (d.crate_id.0, d.version_id.0, d.num_versions))
        .collect();
    defaults.sort();
    assert_eq!(
        defaults,
        [
            (bar, dump.version_id("bar", "1.2.0"), Some(1)),
            (foo, foo_1_0, Some(3))
        ]
    );

    // dependencies, by crate ID, with kinds and flags
    assert_eq!(l.dependencies.len(), 3);
    assert!(
        l.dependencies
            .iter()
            .all(|d| d.version_id.0 == foo_1_0 && d.crate_id.0 == bar)
    );
    let d = &l.dependencies;
    assert_eq!(d[0].req.to_string(), "^1");
    assert!(matches!(d[0].kind, DependencyKind::Normal));
    assert!(!d[0].optional && d[0].default_features);
    assert!(d[0].features.is_empty() && d[0].target.is_empty());
    assert_eq!(d[0].explicit_name, None);
    assert_eq!(d[1].req.to_string(), "^1.2");
    assert!(matches!(d[1].kind, DependencyKind::Build));
    assert!(d[1].optional);
    assert_eq!(d[2].req.to_string(), ">=1, <3");
    assert!(matches!(d[2].kind, DependencyKind::Dev));
    assert!(!d[2].default_features);
    assert_eq!(d[2].features, ["derive", "std"]);
    assert_eq!(d[2].target, "cfg(unix)");
    assert_eq!(d[2].explicit_name.as_deref(), Some("bar_dev"));
    let ids: Vec<u32> = d.iter().map(|d| d.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));

    // downloads: per day, per crate, in total
    let per_day: Vec<_> = l
        .version_downloads
        .iter()
        .map(|r| (r.version_id.0, r.date.to_string(), r.downloads))
        .collect();
    assert_eq!(
        per_day,
        [
            (foo_1_0, "2026-11-19".to_string(), 10),
            (foo_1_0, "2026-11-20".to_string(), 12),
            (foo_1_1, "2026-11-20".to_string(), 3),
        ]
    );
    let mut totals: Vec<_> = l
        .crate_downloads
        .iter()
        .map(|r| (r.crate_id.0, r.downloads))
        .collect();
    totals.sort();
    assert_eq!(totals, [(bar, 500), (foo, 25)]);
    assert_eq!(l.metadata.len(), 1);
    assert_eq!(l.metadata[0].total_downloads, 525);

    // deleted crates and reserved names
    let deleted: Vec<_> = l
        .deleted_crates
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.deleted_at.date_naive().to_string(),
                r.available_at.date_naive().to_string(),
                r.deleted_by.map(|u| u.0),
                r.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        deleted,
        [
            (
                "gone",
                "2026-01-01".to_string(),
                "2026-01-02".to_string(),
                Some(alice),
                "published by mistake"
            ),
            (
                "also-gone",
                "2026-02-03".to_string(),
                "2026-02-04".to_string(),
                None,
                ""
            ),
        ]
    );
    assert!(l.deleted_crates.iter().all(|r| r.created_at < r.deleted_at));
    let reserved: Vec<_> = l
        .reserved_crate_names
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(reserved, ["std"]);
}

#[test]
fn archive_has_the_published_layout() {
    let dump = sample();
    let bytes = dump.to_bytes();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
    let mut paths = Vec::new();
    let mut metadata = String::new();
    let mut crates_csv = String::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        if path.ends_with("/metadata.json") {
            entry.read_to_string(&mut metadata).unwrap();
        } else if path.ends_with("/data/crates.csv") {
            entry.read_to_string(&mut crates_csv).unwrap();
        }
        paths.push(path);
    }
    assert_eq!(dump.folder(), "2026-11-20-020000");
    let mut expected: Vec<String> = [
        "",
        "README.md",
        "export.sql",
        "import.sql",
        "metadata.json",
        "data/",
    ]
    .iter()
    .map(|p| format!("2026-11-20-020000/{p}"))
    .collect();
    expected.extend(
        TABLES
            .iter()
            .map(|(t, _)| format!("2026-11-20-020000/data/{t}.csv")),
    );
    assert_eq!(paths, expected);
    assert_eq!(TABLES.len(), 16);

    let meta: serde_json::Value = serde_json::from_str(&metadata).unwrap();
    assert_eq!(meta["timestamp"], "2026-11-20T02:00:00Z");
    let commit = meta["crates_io_commit"].as_str().unwrap();
    assert_eq!(commit.len(), 40);
    assert!(commit.bytes().all(|b| b.is_ascii_hexdigit()));

    // Columns alphabetical; NULL empty, booleans t/f, +00 timestamps, quoting.
    let mut lines = crates_csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut sorted = header.clone();
    sorted.sort_unstable();
    assert_eq!(header, sorted);
    assert_eq!(
        lines.next().unwrap(),
        format!(
            "{},\"Bar, the \"\"other\"\" crate\",,,1,,,bar,,,f,{}",
            "2024-05-06 11:11:59.104729+00", "2024-05-06 11:11:59.104729+00"
        )
    );
    assert!(crates_csv.contains(
        "2025-01-02 13:04:05.25+00,Parses things,,https://example.invalid/foo,2,,20971520,foo,\"# foo\n\nLine two, with a comma.\n\",https://github.com/x/foo,f,"
    ));
}

#[test]
fn db_dump_rejects_an_added_column() {
    let dump = sample().extra_column("crates", "new_col");
    let (_dir, path) = write(&dump);
    let msg = load(&path)
        .err()
        .expect("db_dump accepted an unknown column")
        .to_string();
    assert!(msg.starts_with("crates.csv: "), "{msg}");
    assert!(msg.contains("unknown field `new_col`"), "{msg}");
}

/// Every row of `csv`, header first, as parsed by the `csv` crate.
fn rows(csv: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn an_added_or_removed_column_changes_the_header_and_every_row() {
    let table = |dump: &FixtureDump, name: &str| {
        let files = dump.csv_files();
        rows(&files.iter().find(|(t, _)| t == name).unwrap().1)
    };
    let plain = table(&sample(), "versions");
    let changed = table(
        &sample()
            .extra_column("versions", "a_new_column")
            .without_column("versions", "published_by"),
        "versions",
    );
    assert_eq!(plain.len(), changed.len());
    let at = |rows: &[Vec<String>], column: &str| rows[0].iter().position(|c| c == column);
    let by = at(&plain, "published_by").unwrap();
    let added = at(&changed, "a_new_column").unwrap();
    assert_eq!(at(&changed, "published_by"), None);
    assert_eq!(added, 0, "alphabetical: before bin_names");
    for (p, c) in plain.iter().zip(&changed) {
        let mut expected = p.clone();
        expected.remove(by);
        expected.insert(
            added,
            if p == &plain[0] {
                "a_new_column".into()
            } else {
                String::new()
            },
        );
        assert_eq!(c, &expected);
    }
}

#[test]
#[should_panic(expected = "depends on \"nope\", which is not a crate of the dump")]
fn a_dependency_on_a_missing_crate_panics() {
    FixtureDump::new("2026-11-20")
        .krate(
            DumpCrate::new("foo", "2025-01-02")
                .version(DumpVersion::new("1.0.0", "2025-01-02").dep("nope", "^1", "normal")),
        )
        .to_bytes();
}

#[test]
fn every_version_yanked_falls_back_to_the_highest() {
    let dump = FixtureDump::new("2026-11-20").krate(
        DumpCrate::new("foo", "2025-01-02")
            .version(DumpVersion::new("0.9.0", "2025-01-02").yanked(true))
            .version(DumpVersion::new("0.10.0", "2025-01-03").yanked(true)),
    );
    let (_dir, path) = write(&dump);
    let mut defaults = Vec::new();
    db_dump::Loader::new()
        .default_versions(|r| defaults.push((r.version_id.0, r.num_versions)))
        .load(&path)
        .unwrap();
    assert_eq!(defaults, [(dump.version_id("foo", "0.10.0"), Some(2))]);
}

#[test]
fn bench_generator_writes_the_same_headers() {
    let script =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/bench-dump"))
            .unwrap();
    for (table, columns) in TABLES {
        let line = format!("(\"{table}\", \"{}\"),", columns.join(","));
        assert!(
            script.contains(&line),
            ".ci/bench-dump lacks the header line {line}"
        );
    }
}
