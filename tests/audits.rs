//! Audits (`--audits`): a cargo-vet registry file and its audit sets served
//! on 127.0.0.1 (and one read through a `file:` URL, one missing) reach
//! every report as `audits`, and every page as its Trust section; with the
//! database dump, wildcard audits and trusted publishers cover the releases
//! their publisher made in their days.

mod common;

use common::browser::Server;
use common::dump::{DumpCrate, DumpVersion, FixtureDump};
use common::{Fixture, FixtureRegistry, build_site as build, json, trust_line};
use serde_json::{Value, json};

const ALPHA: &str = r#"
[criteria.careful]
description = "Read twice."
implies = "safe-to-deploy"

[[audits.aud-safe]]
who = "Ann <ann@example.org>"
criteria = "careful"
version = "1.0.0"
notes = "Small and clear."

[[audits.aud-safe]]
who = "Ann <ann@example.org>"
criteria = "safe-to-deploy"
delta = "1.0.0 -> 1.2.0"

[[audits.aud-old]]
who = "Ann <ann@example.org>"
criteria = "safe-to-deploy"
version = "1.0.0"

[[audits.aud-bad]]
criteria = "safe-to-deploy"
violation = "<0.5"
notes = "Sends data home."
"#;

const BETA: &str = r#"
[[audits.aud-old]]
who = ["Bo", "Cy"]
criteria = "safe-to-run"
version = "2.0.0"

[[wildcard-audits.aud-none-here]]
who = "Bo"
criteria = "safe-to-deploy"
user-id = 42
start = "2024-01-01"
end = "2027-01-01"
"#;

fn crates() -> Vec<Fixture> {
    let mut all = Vec::new();
    for (name, versions) in [
        ("aud-safe", &["1.0.0", "1.1.0", "1.2.0"][..]),
        ("aud-old", &["1.0.0", "1.5.0", "2.0.0"][..]),
        ("aud-bad", &["0.3.0"][..]),
        ("aud-none", &["1.0.0"][..]),
    ] {
        for v in versions {
            let mut f = Fixture::new(name, v, "description = \"Audited or not\"");
            if (name, *v) == ("aud-old", "2.0.0") {
                // Changed since the audited 1.0.0: one line of the library
                // and a new module.
                f = f
                    .file("src/lib.rs", "//! Docs.\n\n/// Adds.\npub fn add(a: u32, b: u32) -> u32 {\n    a.wrapping_add(b)\n}\nmod more;\n")
                    .file("src/more.rs", "pub fn one() -> u32 {\n    1\n}\n");
            }
            // The unaudited crate runs a build script.
            all.push(if name == "aud-none" {
                Fixture::new(
                    name,
                    v,
                    "description = \"Audited or not\"\nbuild = \"build.rs\"",
                )
                .file("build.rs", "fn main() {}\n")
            } else {
                f
            });
        }
    }
    // It compiles an audited crate, one audited only for safe-to-run, and
    // the unaudited one.
    all.push(
        Fixture::new("aud-app", "1.0.0", "description = \"Uses them\"")
            .dep("aud-safe", "^1", "normal", false)
            .dep("aud-old", "^2", "normal", false)
            .dep("aud-none", "^1", "build", false),
    );
    all
}

fn entry(org: &str, kind: &str, fields: Value) -> Value {
    let mut e = json!({
        "organization": org, "kind": kind, "version": null, "from": null,
        "violation": null, "applies": false, "criteria": [], "who": [],
        "user_id": null, "start": null, "end": null, "notes": null,
    });
    for (k, v) in fields.as_object().unwrap() {
        e[k] = v.clone();
    }
    e
}

/// The cells of the rows of the first table whose class is `class`, as
/// text, without the header.
fn table_rows(page: &str, class: &str) -> Vec<Vec<String>> {
    let table = page
        .split(&format!("class={class}>"))
        .nth(1)
        .expect("the table")
        .split("</table>")
        .next()
        .unwrap();
    let text = |cell: &str| {
        let mut out = String::new();
        let mut in_tag = false;
        for c in cell.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.trim().to_owned()
    };
    table
        .split("<tr>")
        .skip(1)
        .filter(|row| row.contains("<td"))
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|c| text(&format!("<td{c}")))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn audit_sets_reach_reports_and_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = FixtureRegistry::start(&crates(), &[]);
    // The registry file and one set over HTTP; another set from a file: URL;
    // a third that does not exist.
    let served = tmp.path().join("vet");
    std::fs::create_dir_all(&served).unwrap();
    std::fs::write(served.join("index.html"), "<!doctype html><title>x</title>").unwrap();
    std::fs::write(served.join("alpha.toml"), ALPHA).unwrap();
    let beta = tmp.path().join("beta-audits.toml");
    std::fs::write(&beta, BETA).unwrap();
    let server = Server::start(&served);
    std::fs::write(
        served.join("registry.toml"),
        format!(
            "[registry.alpha]\nurl = \"{}\"\n\n[registry.beta]\nurl = \"file://{}\"\n\n[registry.gamma]\nurl = \"{}\"\n",
            server.url("alpha.toml"),
            beta.display(),
            server.url("missing.toml")
        ),
    )
    .unwrap();
    build(
        tmp.path(),
        &reg,
        &[
            "--crates",
            "aud-safe,aud-old,aud-bad,aud-none,aud-app",
            "--audits",
            &server.url("registry.toml"),
        ],
    );
    let site = tmp.path().join("site");
    let audits = |name: &str| json(site.join(format!("crates/{name}.json")))["audits"].clone();
    let ann = json!(["Ann <ann@example.org>"]);

    assert_eq!(
        audits("aud-safe"),
        json!({
            "covered": [
                {"organization": "alpha", "criteria": "safe-to-deploy", "how": "delta", "from": "1.0.0"},
                {"organization": "alpha", "criteria": "safe-to-run", "how": "delta", "from": "1.0.0"},
            ],
            "changes_since": null,
            "newest_audited": "1.2.0",
            "releases_since": 0,
            "entries": [
                entry("alpha", "full", json!({"version": "1.0.0", "criteria": ["careful"], "who": ann, "notes": "Small and clear."})),
                entry("alpha", "delta", json!({"from": "1.0.0", "version": "1.2.0", "criteria": ["safe-to-deploy"], "who": ann})),
            ],
        })
    );
    assert_eq!(
        audits("aud-old"),
        json!({
            "covered": [{"organization": "beta", "criteria": "safe-to-run", "how": "full", "from": null}],
            "changes_since": {"from": "1.0.0", "files_added": 1, "files_removed": 0, "files_changed": 1, "lines_added": 5, "lines_removed": 1, "files_not_diffed": 0},
            "newest_audited": "1.0.0",
            "releases_since": 2,
            "entries": [
                entry("alpha", "full", json!({"version": "1.0.0", "criteria": ["safe-to-deploy"], "who": ann})),
                entry("beta", "full", json!({"version": "2.0.0", "criteria": ["safe-to-run"], "who": ["Bo", "Cy"]})),
            ],
        })
    );
    assert_eq!(
        audits("aud-bad"),
        json!({
            "covered": [],
            "changes_since": null,
            "newest_audited": null,
            "releases_since": null,
            "entries": [entry("alpha", "violation", json!({"violation": "<0.5", "applies": true, "criteria": ["safe-to-deploy"], "notes": "Sends data home."}))],
        })
    );
    assert_eq!(
        audits("aud-none"),
        json!({"covered": [], "newest_audited": null, "releases_since": null, "entries": [], "changes_since": null})
    );

    // The sidecars with audits are valid against the published schema.
    let validator = jsonschema::validator_for(&json(site.join("data/crate.schema.json"))).unwrap();
    for name in ["aud-safe", "aud-old", "aud-bad", "aud-none"] {
        let sidecar = json(site.join(format!("crates/{name}.json")));
        let errors: Vec<String> = validator
            .iter_errors(&sidecar)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }

    let page = |name: &str| common::read(site.join(format!("crates/{name}/index.html")));
    assert_eq!(
        trust_line(&page("aud-safe")),
        "Audited for safe-to-deploy by 1 organization (alpha): version 1.2.0 is covered."
    );
    assert_eq!(
        trust_line(&page("aud-old")),
        "Not covered for safe-to-deploy: the newest release audited for it, 1.0.0, is 2 releases older. Since 1.0.0: 2 files changed (1 added, 0 removed), 5 lines added and 1 removed."
    );
    assert_eq!(
        trust_line(&page("aud-bad")),
        "Version 0.3.0 is among the versions that alpha marks as failing its criteria. No audit covers a release up to 0.3.0 for safe-to-deploy (1 entry in all)."
    );
    assert_eq!(
        trust_line(&page("aud-none")),
        "No audit set read has an entry for this crate."
    );
    // What the audits cover of the crates compiled with one.
    let weight = json(site.join("crates/aud-app.json"))["dependency_weight"].clone();
    assert_eq!(
        (
            &weight["crates"],
            &weight["audited"],
            &weight["unaudited_build_time"]
        ),
        (&json!(3), &json!(1), &json!(["aud-none"]))
    );
    let app = page("aud-app");
    let tree = app
        .split("id=tree-audits>")
        .nth(1)
        .unwrap()
        .split("</p>")
        .next()
        .unwrap();
    assert_eq!(
        tree.split("</span>").nth(1).unwrap().trim(),
        "Of the 3 crates compiled with it that this site analyzed, 1 is audited for safe-to-deploy by the sets read. Not audited and run at build time: aud-none."
    );

    // The audits page: every set read, and the crates with entries.
    let audits_page = common::read(site.join("audits/index.html"));
    let sets = table_rows(&audits_page, "audit-sets");
    assert_eq!(
        sets[..2],
        [
            vec![
                "alpha".to_owned(),
                "3".into(),
                "4".into(),
                server.url("alpha.toml")
            ],
            vec![
                "beta".into(),
                "2".into(),
                "2".into(),
                format!("file://{}", beta.display())
            ],
        ]
    );
    assert_eq!(sets.len(), 3);
    assert_eq!(sets[2][..3], ["gamma", "0", "0"]);
    assert!(sets[2][3].starts_with("not read: "), "{:?}", sets[2]);
    assert_eq!(
        table_rows(&audits_page, "crate-list"),
        [
            vec![
                "aud-bad violation".to_owned(),
                "0.3.0".into(),
                "none".into(),
                "".into()
            ],
            vec![
                "aud-old".into(),
                "2.0.0".into(),
                "none".into(),
                "beta: safe-to-run".into()
            ],
            vec![
                "aud-safe".into(),
                "1.2.0".into(),
                "alpha".into(),
                "alpha: safe-to-run".into()
            ],
        ]
    );

    // The sets fetched over HTTP are kept in the cache for the next run.
    let cached = tmp.path().join("cache/audits");
    assert_eq!(common::read(cached.join("alpha.toml")), ALPHA);
    assert!(!cached.join("gamma.toml").exists());
}

#[test]
fn with_the_dump_wildcards_and_trusted_publishers_cover_releases() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = FixtureRegistry::start(
        &[
            Fixture::new("aud-wild", "1.0.0", ""),
            Fixture::new("aud-wild", "1.1.0", ""),
        ],
        &[],
    );
    let dump = FixtureDump::new("2026-11-19")
        .user("alice", "Alice")
        .user("bob", "Bob")
        .krate(
            DumpCrate::new("aud-wild", "2025-03-01")
                .owner("alice")
                .version(DumpVersion::new("1.0.0", "2025-03-01").published_by("alice"))
                .version(DumpVersion::new("1.1.0", "2026-02-01").published_by("bob")),
        );
    let (alice, bob) = (dump.user_id("alice"), dump.user_id("bob"));
    reg.set_dump(dump.to_bytes());
    let set = format!(
        "[[wildcard-audits.aud-wild]]\nwho = \"Al\"\ncriteria = \"safe-to-deploy\"\nuser-id = {alice}\nstart = \"2024-01-01\"\nend = \"2027-01-01\"\n\n[[trusted.aud-wild]]\ncriteria = \"safe-to-deploy\"\nuser-id = {bob}\nstart = \"2026-01-01\"\nend = \"2026-01-31\"\n"
    );
    std::fs::write(tmp.path().join("set.toml"), set).unwrap();
    std::fs::write(
        tmp.path().join("registry.toml"),
        format!(
            "[registry.delta-org]\nurl = \"file://{}\"\n",
            tmp.path().join("set.toml").display()
        ),
    )
    .unwrap();
    build(
        tmp.path(),
        &reg,
        &[
            "--crates",
            "aud-wild",
            "--db-dump",
            "--audits",
            "registry.toml",
        ],
    );
    let audits = json(tmp.path().join("site/crates/aud-wild.json"))["audits"].clone();
    // 1.1.0 was published by bob after his trusted days: not covered; the
    // wildcard covers alice's 1.0.0, one release back.
    assert_eq!(
        audits,
        json!({
            "covered": [],
            "changes_since": {"from": "1.0.0", "files_added": 0, "files_removed": 0, "files_changed": 0, "lines_added": 0, "lines_removed": 0, "files_not_diffed": 0},
            "newest_audited": "1.0.0",
            "releases_since": 1,
            "entries": [
                entry("delta-org", "wildcard", json!({"criteria": ["safe-to-deploy"], "who": ["Al"], "user_id": alice, "start": "2024-01-01", "end": "2027-01-01"})),
                entry("delta-org", "trusted", json!({"criteria": ["safe-to-deploy"], "user_id": bob, "start": "2026-01-01", "end": "2026-01-31"})),
            ],
        })
    );
    let page = common::read(tmp.path().join("site/crates/aud-wild/index.html"));
    assert_eq!(
        trust_line(&page),
        "Not covered for safe-to-deploy: the newest release audited for it, 1.0.0, is 1 release older. No file of the package changed since 1.0.0. Version 1.1.0 was published by bob with an API token."
    );
}

/// A cargo-crev proof in the current format.
fn crev_proof(source: &str, name: &str, version: &str, review: &str, comment: &str) -> String {
    format!(
        "----- BEGIN CREV PROOF -----\nkind: package review\nversion: -1\ndate: \"2025-03-04T05:06:07+00:00\"\nfrom:\n  id-type: crev\n  id: REVIEWER-ONE\n  url: \"https://proofs.example/one\"\npackage:\n  source: \"{source}\"\n  name: {name}\n  version: {version}\n  digest: AAAA\nreview:\n{review}\ncomment: \"{comment}\"\n----- SIGN CREV PROOF -----\nsignature\n----- END CREV PROOF -----\n"
    )
}

#[test]
fn crev_reviews_reach_reports_and_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = FixtureRegistry::start(&crates(), &[]);
    // The registry's web base, as crev names a registry.
    let source = format!("http://{}", reg.addr);
    let proofs = tmp.path().join("proofs/one/reviews");
    std::fs::create_dir_all(&proofs).unwrap();
    let careful = "  thoroughness: high\n  understanding: high\n  rating: positive";
    let quick = "  thoroughness: low\n  understanding: medium\n  rating: negative";
    std::fs::write(
        proofs.join("2025-03-packages-a.proof.crev"),
        [
            crev_proof(&source, "aud-safe", "1.2.0", careful, "Read every file."),
            crev_proof(&source, "aud-none", "0.9.0", quick, "Unsafe everywhere."),
            // Another registry's crate of the same name, and a broken proof.
            crev_proof(
                "https://elsewhere.example",
                "aud-safe",
                "1.2.0",
                quick,
                "Not this one.",
            ),
            "----- BEGIN CREV PROOF -----\n: not yaml [\n----- SIGN CREV PROOF -----\n".into(),
        ]
        .concat(),
    )
    .unwrap();
    // The older format, in another reviewer's repository.
    let old = tmp.path().join("proofs/two/reviews");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(
        old.join("2019-01-packages-b.proof.crev"),
        format!(
            "-----BEGIN CREV PACKAGE REVIEW-----\nversion: -1\ndate: \"2019-01-02T03:04:05-08:00\"\nfrom:\n  id-type: crev\n  id: REVIEWER-TWO\npackage:\n  source: \"{source}/\"\n  name: aud-safe\n  version: 1.0\n  digest: BBBB\nreview:\n  thoroughness: medium\n  understanding: low\n  rating: neutral\n-----BEGIN CREV PACKAGE REVIEW SIGNATURE-----\nsignature\n-----END CREV PACKAGE REVIEW-----\n"
        ),
    )
    .unwrap();
    build(
        tmp.path(),
        &reg,
        &[
            "--crates",
            "aud-safe,aud-none,aud-bad",
            "--crev-proofs",
            tmp.path().join("proofs").to_str().unwrap(),
        ],
    );
    let site = tmp.path().join("site");
    let reviews =
        |name: &str| json(site.join(format!("crates/{name}.json")))["crev_reviews"].clone();
    let review = |version: &str,
                  applies: bool,
                  date: &str,
                  who: &str,
                  url: Option<&str>,
                  levels: [&str; 3],
                  comment: Option<&str>| {
        json!({
            "version": version, "applies": applies, "date": date, "reviewer": who,
            "reviewer_url": url, "thoroughness": levels[0], "understanding": levels[1],
            "rating": levels[2], "comment": comment,
        })
    };
    let one = Some("https://proofs.example/one");
    assert_eq!(
        reviews("aud-safe"),
        json!([
            review(
                "1.2.0",
                true,
                "2025-03-04T05:06:07+00:00",
                "REVIEWER-ONE",
                one,
                ["high", "high", "positive"],
                Some("Read every file.")
            ),
            review(
                "1.0",
                false,
                "2019-01-02T03:04:05-08:00",
                "REVIEWER-TWO",
                None,
                ["medium", "low", "neutral"],
                None
            ),
        ])
    );
    assert_eq!(
        reviews("aud-none"),
        json!([review(
            "0.9.0",
            false,
            "2025-03-04T05:06:07+00:00",
            "REVIEWER-ONE",
            one,
            ["low", "medium", "negative"],
            Some("Unsafe everywhere.")
        )])
    );
    assert_eq!(reviews("aud-bad"), json!([]));
    let page = |name: &str| common::read(site.join(format!("crates/{name}/index.html")));
    assert_eq!(
        trust_line(&page("aud-safe")),
        "1 review of version 1.2.0 with cargo-crev (rated positive; thoroughness up to high)."
    );
    assert_eq!(
        trust_line(&page("aud-none")),
        "No cargo-crev review of version 1.0.0; 1 review of other versions (the newest reviewed: 0.9.0)."
    );
    assert_eq!(
        trust_line(&page("aud-bad")),
        "No cargo-crev review of this crate was read."
    );
}
