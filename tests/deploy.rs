//! `.ci/deploy` with the real rclone, to a remote that is a local folder: the
//! first deploy uploads the whole site; after a new release only the files
//! that changed are uploaded (the unchanged crate pages are not); a crate
//! dropped from the site has its files deleted; after every deploy the
//! remote holds exactly the site.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::crash::files_under;
use common::{Fixture, FixtureRegistry, cargofox, ok};

fn deploy(site: &Path, remote: &Path, dry_run: bool) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/deploy");
    let mut cmd = Command::new(script);
    cmd.arg(site).arg(remote);
    if dry_run {
        cmd.arg("--dry-run");
    }
    let out = cmd
        .output()
        .expect("python3 runs .ci/deploy (`.ci/run` installs rclone, which it calls)");
    assert!(
        out.status.success(),
        "deploy failed (is rclone installed? `.ci/run` installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if dry_run {
        serde_json::from_slice(&out.stdout).unwrap()
    } else {
        serde_json::Value::Null
    }
}

/// Every file of a folder, by relative path, with its bytes.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files_under(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p.strip_prefix(dir).unwrap().to_owned(), bytes)
        })
        .collect()
}

fn names(list: &serde_json::Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

#[test]
fn deploys_upload_what_changed_and_delete_what_is_gone() {
    let reg = FixtureRegistry::start(
        &[
            Fixture::new("alpha", "1.0.0", "description = \"A\""),
            Fixture::new("beta", "1.0.0", "description = \"B\""),
            Fixture::new("gamma", "1.0.0", "description = \"C\""),
        ],
        &[],
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (site, remote) = (dir.join("site"), dir.join("remote"));
    let index = reg.index_url();
    let build = |crates: &str| {
        ok(cargofox(
            dir,
            &[
                "build",
                "--crates",
                crates,
                "--cache",
                "cache",
                "--out",
                "site",
                "--index-url",
                &index,
                "--index-max-age",
                "0",
            ],
        ))
    };

    build("alpha,beta,gamma");
    let first = deploy(&site, &remote, true);
    assert_eq!(first["delete"], serde_json::json!([]));
    assert_eq!(
        names(&first["upload"]).len(),
        contents(&site).len() - 1,
        "everything but the manifest, which goes last"
    );
    deploy(&site, &remote, false);
    assert_eq!(contents(&remote), contents(&site));

    std::thread::sleep(std::time::Duration::from_millis(1100));
    reg.publish(
        &Fixture::new("beta", "1.1.0", "description = \"B, again\""),
        None,
    );
    build("alpha,beta,gamma");
    let second = deploy(&site, &remote, true);
    let upload = names(&second["upload"]);
    for changed in ["crates/beta.json", "crates/beta/index.html", "index.json"] {
        assert!(upload.contains(&changed), "{changed} in {upload:?}");
    }
    for unchanged in [
        "crates/alpha.json",
        "crates/alpha/index.html",
        "crates/gamma.json",
    ] {
        assert!(!upload.contains(&unchanged), "{unchanged} in {upload:?}");
    }
    assert_eq!(second["delete"], serde_json::json!([]));
    deploy(&site, &remote, false);
    assert_eq!(contents(&remote), contents(&site));

    build("alpha,beta");
    let third = deploy(&site, &remote, true);
    // gamma's pages go, and so do the list of crates starting with g and
    // the search index file of "ga", which only gamma was in.
    assert_eq!(
        names(&third["delete"]),
        [
            "crates/gamma.json",
            "crates/gamma/badge.svg",
            "crates/gamma/index.html",
            "letters/g/index.html",
            "search/ga.json"
        ]
    );
    deploy(&site, &remote, false);
    assert_eq!(contents(&remote), contents(&site));
}
