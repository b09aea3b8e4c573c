//! The package against its repository: bare git repositories made in the
//! test hold a workspace (`crates/{name}/` below a README at the root); the
//! packages name a commit of it in `.cargo_vcs_info.json`. One package
//! matches (its README copied from the root, its source with CRLF line
//! ends), one adds a binary file, one ships another build script, one names
//! a commit the repository lacks. Read from a mirror folder
//! (`--git-mirror`) and fetched over git's smart HTTP protocol from a
//! server on 127.0.0.1 (`--clone-repositories`).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::git::{GitServer, bare_path, git, repository};
use common::{Fixture, FixtureRegistry, build_site, json, read, trust_line};
use serde_json::{Value, json};

const LIB: &[u8] = b"//! Docs.\n\n/// Adds.\npub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n";
const BUILD: &[u8] = b"fn main() {\n    println!(\"cargo:rerun-if-changed=build.rs\");\n}\n";
const BUILD_CHANGED: &[u8] =
    b"fn main() {\n    println!(\"cargo:rerun-if-changed=build.rs\");\n    let _ = std::env::var(\"HOME\");\n}\n";
const MISSING: &str = "0123456789abcdef0123456789abcdef01234567";

/// The crates of the test and what differs between package and repository.
#[derive(Clone, Copy, PartialEq)]
enum Case {
    Same,
    AddsBinary,
    BuildDiffers,
    CommitMissing,
}

const CASES: &[(&str, Case)] = &[
    ("repo-same", Case::Same),
    ("repo-blob", Case::AddsBinary),
    ("repo-build", Case::BuildDiffers),
    ("repo-gone", Case::CommitMissing),
];

fn original_manifest(name: &str, case: Case) -> String {
    let build = if case == Case::BuildDiffers {
        "build = \"build.rs\"\n"
    } else {
        ""
    };
    format!(
        "[package]\nname = \"{name}\"\nversion = \"1.0.0\"\nedition = \"2021\"\nreadme = \"../../README.md\"\n{build}"
    )
}

/// The repository's files at the commit.
fn repository_files(name: &str, case: Case) -> BTreeMap<String, Vec<u8>> {
    let dir = format!("crates/{name}");
    let mut files = BTreeMap::from([
        ("README.md".to_owned(), b"# Workspace\n".to_vec()),
        (
            format!("{dir}/Cargo.toml"),
            original_manifest(name, case).into_bytes(),
        ),
        (format!("{dir}/src/lib.rs"), LIB.to_vec()),
    ]);
    if case == Case::BuildDiffers {
        files.insert(format!("{dir}/build.rs"), BUILD.to_vec());
    }
    files
}

/// The package made from the repository at `commit`, with what its case
/// changes.
fn package(name: &str, case: Case, repository: &str, commit: &str) -> Fixture {
    let build = if case == Case::BuildDiffers {
        "build = \"build.rs\"\n"
    } else {
        ""
    };
    let extra = format!(
        "description = \"A checked crate\"\nrepository = \"{repository}\"\nreadme = \"README.md\"\n{build}"
    );
    let commit = if case == Case::CommitMissing {
        MISSING
    } else {
        commit
    };
    let vcs = json!({"git": {"sha1": commit}, "path_in_vcs": format!("crates/{name}")});
    let mut f = Fixture::new(name, "1.0.0", &extra)
        .file("Cargo.toml.orig", original_manifest(name, case))
        .file("README.md", "# Workspace\n")
        .file(".cargo_vcs_info.json", vcs.to_string());
    match case {
        Case::Same => {
            f = f.file(
                "src/lib.rs",
                String::from_utf8_lossy(LIB).replace('\n', "\r\n"),
            )
        }
        Case::AddsBinary => f = f.file("tests/data/sample.bin", b"\0\x01\x02binary".to_vec()),
        Case::BuildDiffers => f = f.file("build.rs", BUILD_CHANGED),
        Case::CommitMissing => {}
    }
    f
}

/// Makes the repositories under `root/{host}/fixtures/{name}.git` and
/// returns the packages that name them through `url(name)`.
fn setup(root: &Path, work: &Path, host: &str, url: impl Fn(&str) -> String) -> Vec<Fixture> {
    CASES
        .iter()
        .map(|&(name, case)| {
            let bare = bare_path(root, host, "fixtures", name);
            let commit = repository(&work.join(name), &bare, &repository_files(name, case));
            git(&bare, &["config", "uploadpack.allowAnySHA1InWant", "true"]);
            package(name, case, &url(name), &commit)
        })
        .collect()
}

fn build(tmp: &Path, reg: &FixtureRegistry, args: &[&str]) {
    let mut all = vec!["--crates", "repo-same,repo-blob,repo-build,repo-gone"];
    all.extend_from_slice(args);
    build_site(tmp, reg, &all);
}

/// The commit a package names.
fn commit_of(f: &Fixture) -> String {
    let vcs = &f
        .files
        .iter()
        .find(|(p, _)| p == ".cargo_vcs_info.json")
        .unwrap()
        .1;
    serde_json::from_slice::<Value>(vcs).unwrap()["git"]["sha1"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The repository checks every case should give, made from `source`.
fn expected(packages: &[Fixture], source: &str, missing_reason: &str) -> BTreeMap<String, Value> {
    let not_compared = json!([".cargo_vcs_info.json", "Cargo.toml"]);
    packages
        .iter()
        .zip(CASES)
        .map(|(f, &(name, case))| {
            let repository = package_repository(f);
            let mut v = json!({
                "status": "matches", "repository": repository, "commit": commit_of(f),
                "path_in_vcs": format!("crates/{name}"), "commit_missing": false,
                "files_compared": 3, "files_not_in_repository": [],
                "files_not_in_repository_count": 0, "files_differing": [],
                "files_differing_count": 0, "files_not_compared": not_compared,
                "reason": null, "source": source,
            });
            match case {
                Case::Same => {}
                Case::AddsBinary => {
                    v["status"] = "differs".into();
                    v["files_not_in_repository"] = json!(["tests/data/sample.bin"]);
                    v["files_not_in_repository_count"] = 1.into();
                }
                Case::BuildDiffers => {
                    v["status"] = "differs".into();
                    v["files_compared"] = 4.into();
                    v["files_differing"] = json!(["build.rs"]);
                    v["files_differing_count"] = 1.into();
                }
                Case::CommitMissing => {
                    v["status"] = "differs".into();
                    v["commit_missing"] = true.into();
                    v["files_compared"] = 0.into();
                    v["files_not_compared"] = json!([]);
                    v["source"] = Value::Null;
                    v["reason"] = missing_reason.replace("{url}", &repository).into();
                }
            }
            (name.to_owned(), v)
        })
        .collect()
}

fn package_repository(f: &Fixture) -> String {
    let toml = String::from_utf8_lossy(&f.files[0].1).into_owned();
    let line = toml
        .lines()
        .find(|l| l.starts_with("repository = "))
        .unwrap();
    line.trim_start_matches("repository = ")
        .trim_matches('"')
        .to_owned()
}

/// Each crate's repository check, risk level and the codes of the findings
/// the check adds, from the built site.
fn outcome(site: &Path) -> BTreeMap<String, Value> {
    CASES
        .iter()
        .map(|&(name, _)| {
            let report = json(site.join(format!("crates/{name}.json")));
            let mut check = report["repository_check"].clone();
            if let Some(reason) = check["reason"].as_str() {
                // Which part of a server's message is kept varies; the
                // first clause is cargofox's own.
                check["reason"] = reason.split(" (").next().unwrap().into();
            }
            (name.to_owned(), check)
        })
        .collect()
}

/// `(level, [code, severity, file]...)` of the findings from the check.
fn judged(site: &Path, name: &str) -> (String, Vec<(String, String, String)>) {
    let report = json(site.join(format!("crates/{name}.json")));
    let findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"].as_str().unwrap().starts_with("repo-"))
        .filter(|f| f["code"] != "repo-shared")
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["file"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    (
        report["risk"]["level"].as_str().unwrap().to_owned(),
        findings,
    )
}

fn assert_judged(site: &Path) {
    let triple = |c: &str, s: &str, f: &str| (c.to_owned(), s.to_owned(), f.to_owned());
    assert_eq!(judged(site, "repo-same"), ("none".into(), vec![]));
    assert_eq!(
        judged(site, "repo-blob"),
        (
            "medium".into(),
            vec![triple("repo-file-added", "medium", "tests/data/sample.bin")]
        )
    );
    assert_eq!(
        judged(site, "repo-build"),
        (
            "high".into(),
            vec![triple("repo-file-differs", "high", "build.rs")]
        )
    );
    assert_eq!(
        judged(site, "repo-gone"),
        (
            "medium".into(),
            vec![triple(
                "repo-commit-missing",
                "medium",
                ".cargo_vcs_info.json"
            )]
        )
    );
}

#[test]
fn packages_are_compared_with_a_mirror_of_their_repositories() {
    let tmp = tempfile::tempdir().unwrap();
    let mirror = tmp.path().join("mirror");
    let packages = setup(&mirror, &tmp.path().join("work"), "git.example", |name| {
        format!("https://git.example/fixtures/{name}")
    });
    let reg = FixtureRegistry::start(&packages, &[]);
    build(
        tmp.path(),
        &reg,
        &["--git-mirror", mirror.to_str().unwrap()],
    );
    let site = tmp.path().join("site");
    assert_eq!(
        outcome(&site),
        expected(
            &packages,
            "mirror",
            &format!("the mirror's clone of {{url}} has no commit {MISSING}")
        )
    );
    assert_judged(&site);
    let line = |name: &str| trust_line(&read(site.join(format!("crates/{name}/index.html"))));
    let short = |f: &Fixture| commit_of(f)[..12].to_owned();
    assert_eq!(
        line("repo-same"),
        format!(
            "The package matches its repository: its 3 files compared are those of commit {}.",
            short(&packages[0])
        )
    );
    assert_eq!(
        line("repo-blob"),
        format!(
            "The package differs from its repository at commit {}: 1 file not in the repository.",
            short(&packages[1])
        )
    );
    assert_eq!(
        line("repo-build"),
        format!(
            "The package differs from its repository at commit {}: 1 file that differs.",
            short(&packages[2])
        )
    );
    assert_eq!(
        line("repo-gone"),
        format!(
            "The repository does not have commit {}, which the package names.",
            &MISSING[..12]
        )
    );
    let validator = jsonschema::validator_for(&json(site.join("data/crate.schema.json"))).unwrap();
    for &(name, _) in CASES {
        let report = json(site.join(format!("crates/{name}.json")));
        assert!(validator.is_valid(&report), "{name}");
    }

    // Without a check asked, the reports say nothing of it.
    let other = tempfile::tempdir().unwrap();
    build(other.path(), &reg, &[]);
    let report = json(other.path().join("site/crates/repo-same.json"));
    assert_eq!(report["repository_check"], Value::Null);
}

#[test]
fn commits_are_fetched_over_http_into_the_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let server = GitServer::start(&served);
    // Served at /fixtures/{name}: the bare repositories sit at
    // served/fixtures/{name}.git, so the host folder is left out.
    let packages = setup(tmp.path(), &tmp.path().join("work"), "served", |name| {
        server.url("fixtures", name)
    });
    let reg = FixtureRegistry::start(&packages, &[]);
    build(tmp.path(), &reg, &["--clone-repositories"]);
    let site = tmp.path().join("site");
    assert_eq!(
        outcome(&site),
        expected(
            &packages,
            "clone",
            &format!("{{url}} has no commit {MISSING}")
        )
    );
    assert_judged(&site);
    // The commits are kept in the cache, laid out as a mirror is.
    let host = format!("127.0.0.1_{}", server.addr.port());
    let cached = bare_path(
        &tmp.path().join("cache/git"),
        &host,
        "fixtures",
        "repo-same",
    );
    let commit = commit_of(&packages[0]);
    assert_eq!(git(&cached, &["cat-file", "-t", &commit]), "commit");
    // The cache's folder serves as a mirror, with no server: checks that
    // were made are kept with the analysis; the missing commit is asked
    // again, and a repository that held nothing was not kept.
    let url = server.url("fixtures", "repo-gone");
    drop(server);
    let mirror = tmp.path().join("cache/git");
    build(
        tmp.path(),
        &reg,
        &["--git-mirror", mirror.to_str().unwrap()],
    );
    let check =
        |name: &str| json(site.join(format!("crates/{name}.json")))["repository_check"].clone();
    assert_eq!(check("repo-same")["status"], "matches");
    let gone = check("repo-gone");
    assert_eq!(
        (&gone["status"], &gone["reason"]),
        (
            &json!("not-checked"),
            &json!(format!(
                "the mirror has no clone of {url} (looked for {host}/fixtures/repo-gone.git)"
            ))
        )
    );
}

#[test]
fn a_fetch_past_its_bounds_is_stopped_and_leaves_nothing() {
    use cargofox::fetch::git::{GitLimits, RepoSources, RepoUrl};
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    // Two MiB that do not compress.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: Vec<u8> = (0..2 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let bare = bare_path(&served, "", "fixtures", "big");
    let commit = repository(
        &tmp.path().join("work"),
        &bare,
        &BTreeMap::from([("data.bin".to_owned(), noise)]),
    );
    git(&bare, &["config", "uploadpack.allowAnySHA1InWant", "true"]);
    let server = GitServer::start(&served);
    let url = RepoUrl::parse(&server.url("fixtures", "big")).unwrap();
    let cache = tmp.path().join("cache");
    let mut sources = RepoSources::new(None, Some(cache.clone()), true);
    let refused = |sources: &RepoSources| sources.open(&url, &commit).err().map(|e| e.to_string());

    sources.limits = GitLimits {
        max_bytes: 1 << 20,
        max_seconds: 120,
    };
    assert_eq!(
        refused(&sources),
        Some(format!(
            "fetching commit {commit} from {} wrote over 1048576 bytes; it was stopped",
            url.url
        ))
    );
    assert!(!cache.join(url.relative()).exists());
    sources.limits = GitLimits {
        max_bytes: 256 << 20,
        max_seconds: 0,
    };
    assert_eq!(
        refused(&sources),
        Some(format!(
            "fetching commit {commit} from {} took over 0 seconds; it was stopped",
            url.url
        ))
    );
    assert!(!cache.join(url.relative()).exists());
    sources.limits = GitLimits::default();
    assert_eq!(refused(&sources), None);
    assert_eq!(
        git(&cache.join(url.relative()), &["cat-file", "-t", &commit]),
        "commit"
    );
}
