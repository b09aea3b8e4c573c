//! The cargo registry mirror (`--registry-mirror`): the site holds a sparse
//! index listing exactly the releases whose packages it holds (the crates
//! shown and the releases their dependency requirements select), and real
//! cargo, with crates.io replaced by the mirror served by `cargofox serve`
//! alone, resolves and fetches a project that depends on a mirrored crate.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::browser::{Server, free_port};
use common::{Fixture, FixtureRegistry, cargofox, index_rel_path, json, ok, tree};

/// A dependency: name, requirement, kind, optional.
type Dep = (&'static str, &'static str, &'static str, bool);

/// A crate whose `Cargo.toml` declares the same dependencies and features
/// as its index line, so cargo reads a consistent package.
fn krate(name: &str, version: &str, deps: &[Dep], features: &[(&str, &[&str])]) -> Fixture {
    let mut toml = format!(
        "[package]\nedition = \"2021\"\nname = \"{name}\"\nversion = \"{version}\"\n\n[lib]\npath = \"src/lib.rs\"\n"
    );
    for (table, kind) in [
        ("dependencies", "normal"),
        ("build-dependencies", "build"),
        ("dev-dependencies", "dev"),
    ] {
        let mine: Vec<&Dep> = deps.iter().filter(|d| d.2 == kind).collect();
        if !mine.is_empty() {
            toml.push_str(&format!("\n[{table}]\n"));
            for (dep, req, _, optional) in mine {
                toml.push_str(&format!(
                    "{dep} = {{ version = \"{req}\", optional = {optional} }}\n"
                ));
            }
        }
    }
    if !features.is_empty() {
        toml.push_str("\n[features]\n");
        for (feature, enables) in features {
            let list: Vec<String> = enables.iter().map(|e| format!("\"{e}\"")).collect();
            toml.push_str(&format!("{feature} = [{}]\n", list.join(", ")));
        }
    }
    let mut c = Fixture::new(name, version, "").file("Cargo.toml", toml);
    for (dep, req, kind, optional) in deps {
        c = c.dep(dep, req, kind, *optional);
    }
    let features: serde_json::Map<String, serde_json::Value> = features
        .iter()
        .map(|(f, e)| ((*f).to_owned(), serde_json::json!(e)))
        .collect();
    c.features = features.into();
    c
}

fn registry_crates() -> Vec<Fixture> {
    let mut leaf_new = krate("mir-leaf", "1.1.0", &[], &[]);
    leaf_new.yanked = true;
    vec![
        krate(
            "mir-app",
            "1.0.0",
            &[
                ("mir-helper", "^0.1", "normal", false),
                ("mir-build", "^1", "build", false),
                ("mir-opt", "^2", "normal", true),
                ("mir-devonly", "^1", "dev", false),
            ],
            &[("extra", &["mir-opt"])],
        ),
        krate("mir-helper", "0.1.0", &[], &[]),
        krate(
            "mir-helper",
            "0.1.3",
            &[
                ("mir-leaf", "^1", "normal", false),
                ("mir-deflt", "^1", "normal", true),
                ("mir-unused", "^1", "normal", true),
            ],
            &[("default", &["mir-deflt"]), ("never", &["mir-unused"])],
        ),
        krate("mir-helper", "0.2.0", &[], &[]),
        krate("mir-leaf", "1.0.0", &[], &[]),
        leaf_new,
        krate("mir-build", "1.0.0", &[], &[]),
        krate("mir-opt", "2.0.0", &[], &[]),
        krate("mir-devonly", "1.0.0", &[], &[]),
        krate("mir-deflt", "1.0.0", &[], &[]),
        krate("mir-unused", "1.0.0", &[], &[]),
        krate("mir-other", "1.0.0", &[], &[]),
    ]
}

/// The releases the mirror must hold: the two crates shown (mir-app 1.0.0,
/// mir-helper 0.2.0, with every feature) and what their requirements select
/// with the features asked (mir-helper 0.1.3 with its defaults, which enable
/// mir-deflt and not mir-unused).
const HELD: &[(&str, &str)] = &[
    ("mir-app", "1.0.0"),
    ("mir-build", "1.0.0"),
    ("mir-deflt", "1.0.0"),
    ("mir-helper", "0.1.3"),
    ("mir-helper", "0.2.0"),
    ("mir-leaf", "1.0.0"),
    ("mir-opt", "2.0.0"),
];

#[test]
fn real_cargo_resolves_and_fetches_through_the_mirror_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let all = registry_crates();
    let reg = FixtureRegistry::start(&all, &[]);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}/");
    let site = tmp.path().join("site");
    ok(cargofox(
        tmp.path(),
        &[
            "build",
            "--crates",
            "mir-app,mir-helper",
            "--index-url",
            &reg.index_url(),
            "--cache",
            "cache",
            "--out",
            "site",
            "--base-url",
            &base,
            "--registry-mirror",
        ],
    ));
    // The fixture registry is gone: from here on, cargo has only the mirror.
    drop(reg);

    let held = |name: &str, version: &str| HELD.contains(&(name, version));
    let mut expected_index: BTreeMap<String, String> = BTreeMap::new();
    for c in all.iter().filter(|c| held(&c.name, &c.version)) {
        let file = expected_index.entry(index_rel_path(&c.name)).or_default();
        file.push_str(&c.index_line(None));
        file.push('\n');
    }
    let mut index: BTreeMap<String, String> = tree(&site.join("registry/index"))
        .into_iter()
        .map(|(path, bytes)| (path, String::from_utf8(bytes).unwrap()))
        .collect();
    let config: serde_json::Value =
        serde_json::from_str(&index.remove("config.json").unwrap()).unwrap();
    assert_eq!(
        config,
        serde_json::json!({ "dl": format!("{base}registry/crates/{{crate}}/{{crate}}-{{version}}.crate") })
    );
    assert_eq!(
        index, expected_index,
        "the index lists exactly the releases held"
    );
    let expected_packages: BTreeMap<String, Vec<u8>> = all
        .iter()
        .filter(|c| held(&c.name, &c.version))
        .map(|c| {
            (
                format!("{0}/{0}-{1}.crate", c.name, c.version),
                c.crate_bytes(),
            )
        })
        .collect();
    assert_eq!(tree(&site.join("registry/crates")), expected_packages);
    common::checked_manifest(&site);
    assert_eq!(
        json(site.join("crates/mir-helper.json"))["version"],
        "0.2.0"
    );

    let _server = Server::start_on(&site, port).expect("the chosen port is free");
    let project = tmp.path().join("consumer");
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::write(
        project.join("Cargo.toml"),
        "[package]\nname = \"consumer\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nmir-app = { version = \"1\", features = [\"extra\"] }\n",
    )
    .unwrap();
    std::fs::write(project.join("src/lib.rs"), "").unwrap();
    let home = tmp.path().join("cargo-home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join("config.toml"),
        format!(
            "[source.crates-io]\nreplace-with = \"cargofox\"\n\n[source.cargofox]\nregistry = \"sparse+{base}registry/index/\"\n\n[net]\nretry = 0\n"
        ),
    )
    .unwrap();
    let cargo = |args: &[&str]| {
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(args)
            .current_dir(&project)
            .env("CARGO_HOME", &home)
            .env("NO_PROXY", "127.0.0.1")
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_REGISTRIES_CRATES_IO_PROTOCOL")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cargo {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    cargo(&["generate-lockfile"]);
    cargo(&["fetch"]);

    let lock: toml::Table = std::fs::read_to_string(project.join("Cargo.lock"))
        .unwrap()
        .parse()
        .unwrap();
    let locked: Vec<(String, String)> = lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut wanted: Vec<(String, String)> = vec![("consumer".into(), "0.1.0".into())];
    wanted.extend(
        [
            ("mir-app", "1.0.0"),
            ("mir-build", "1.0.0"),
            ("mir-deflt", "1.0.0"),
            ("mir-helper", "0.1.3"),
            ("mir-leaf", "1.0.0"),
            ("mir-opt", "2.0.0"),
        ]
        .map(|(n, v)| (n.to_owned(), v.to_owned())),
    );
    assert_eq!(
        locked, wanted,
        "cargo picked the releases the requirements select"
    );
    let mut fetched: Vec<String> = tree(&home.join("registry/cache"))
        .into_iter()
        .map(|(p, bytes)| {
            let file = p.rsplit('/').next().unwrap().to_owned();
            let c = all
                .iter()
                .find(|c| format!("{}-{}.crate", c.name, c.version) == file)
                .unwrap();
            assert_eq!(bytes, c.crate_bytes(), "{file} arrived whole");
            file
        })
        .collect();
    fetched.sort();
    assert_eq!(
        fetched,
        [
            "mir-app-1.0.0.crate",
            "mir-build-1.0.0.crate",
            "mir-deflt-1.0.0.crate",
            "mir-helper-0.1.3.crate",
            "mir-leaf-1.0.0.crate",
            "mir-opt-2.0.0.crate"
        ]
    );
}
