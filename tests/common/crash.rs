//! Helpers of the crash test: a sparse registry served by the fault server
//! with every download slowed down (so that a kill can land mid-transfer),
//! snapshots of a site, and the checks that a cache holds only whole files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::faults::{Fault, FaultServer};
use super::{Fixture, hex, index_rel_path};

/// A registry whose index answers at once and whose downloads are slow
/// (`Fault::Slow`: the file in four pieces, 60 ms apart).
pub struct SlowRegistry {
    pub server: FaultServer,
}

impl SlowRegistry {
    pub fn start() -> Self {
        let server = FaultServer::start();
        server.file(
            "/index/config.json",
            serde_json::json!({"dl": server.url("/dl/{crate}/{version}"), "api": server.url("/")})
                .to_string(),
        );
        Self { server }
    }

    /// Adds versions: appends their index lines, stores their files (slow).
    pub fn publish(&self, crates: &[Fixture]) {
        for c in crates {
            let index = format!("/index/{}", index_rel_path(&c.name));
            let dl = format!("/dl/{}/{}", c.name, c.version);
            {
                let mut s = self.server.state.lock().unwrap();
                let body = s.files.entry(index).or_default();
                body.extend_from_slice(c.index_line(None).as_bytes());
                body.push(b'\n');
                s.files.insert(dl.clone(), c.crate_bytes());
            }
            self.server.always(&dl, Fault::Slow);
        }
    }

    pub fn index_url(&self) -> String {
        self.server.url("/index/")
    }

    /// What the server answers for `path`, when it is healthy.
    pub fn served(&self, path: &str) -> Option<Vec<u8>> {
        self.server.state.lock().unwrap().files.get(path).cloned()
    }

    /// Download requests answered since the log was last cleared.
    pub fn downloads(&self) -> usize {
        self.server
            .log()
            .iter()
            .filter(|a| a.path.starts_with("/dl/"))
            .count()
    }

    pub fn clear_log(&self) {
        self.server.clear_log();
    }

    /// The `cksum` the index publishes for `name`-`version`.
    pub fn published_cksum(&self, name: &str, version: &str) -> Option<String> {
        let body = self.served(&format!("/index/{}", index_rel_path(name)))?;
        String::from_utf8_lossy(&body).lines().find_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            (v["vers"] == version).then(|| v["cksum"].as_str().unwrap_or_default().to_owned())
        })
    }
}

/// Every file under `dir`, recursively (empty when `dir` is missing).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Every file of a site, by path relative to it, with its bytes; its
/// manifest is checked, then left out.
pub fn site_files(site: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    super::checked_manifest(site);
    files_under(site)
        .into_iter()
        .filter(|p| p != &site.join("manifest.json"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.strip_prefix(site).unwrap().to_owned(), bytes)
        })
        .collect()
}

/// A site's files with their date stamps replaced, as in the determinism
/// test of `tests/site.rs`: the build's stamp (`generated_at` of
/// `index.json`) and the stamp of each crate's data (`generated_at` of its
/// sidecar, kept from an earlier build when nothing changed) become
/// `STAMP`, and their dates `DATE`.
pub fn normalised(files: &BTreeMap<PathBuf, Vec<u8>>) -> Option<BTreeMap<PathBuf, Vec<u8>>> {
    let stamp_of = |bytes: &[u8]| -> Option<String> {
        let doc: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        Some(doc["generated_at"].as_str()?.to_owned())
    };
    let mut stamps = vec![stamp_of(files.get(Path::new("index.json"))?)?];
    for (path, bytes) in files {
        if path.starts_with("crates") && path.extension().is_some_and(|e| e == "json") {
            stamps.extend(stamp_of(bytes));
        }
    }
    stamps.sort();
    stamps.dedup();
    let mut dates: Vec<String> = stamps
        .iter()
        .filter_map(|s| s.get(..10))
        .map(str::to_owned)
        .collect();
    dates.sort();
    dates.dedup();
    Some(
        files
            .iter()
            .map(|(p, bytes)| {
                let bytes = super::comparable(p, bytes.clone());
                let mut text = String::from_utf8_lossy(&bytes).into_owned();
                for stamp in &stamps {
                    text = text.replace(stamp.as_str(), "STAMP");
                }
                for date in &dates {
                    text = text.replace(date.as_str(), "DATE");
                }
                (p.clone(), text.into_bytes())
            })
            .collect(),
    )
}

/// What is wrong with a cache: every file that is not whole. A `.crate`
/// must sit at `crates/{name}/{name}-{version}.crate` and match the checksum
/// the registry publishes; an index file must be exactly what the server
/// serves, every line JSON; validators and state files must be JSON; a
/// stored analysis must be whole gzip-compressed JSON; and no
/// temporary file of an interrupted write may remain anywhere.
pub fn cache_problems(cache: &Path, reg: &SlowRegistry) -> Vec<String> {
    let mut problems = Vec::new();
    for path in files_under(cache) {
        let rel = path.strip_prefix(cache).unwrap();
        let rel_s = rel.to_string_lossy().into_owned();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Ok(bytes) = std::fs::read(&path) else {
            problems.push(format!("{rel_s}: unreadable"));
            continue;
        };
        if name.starts_with(".tmp-") {
            problems.push(format!(
                "{rel_s}: a temporary file left behind ({} bytes)",
                bytes.len()
            ));
            continue;
        }
        let json_ok = || serde_json::from_slice::<serde_json::Value>(&bytes).is_ok();
        let mut parts = rel.iter().map(|s| s.to_string_lossy().into_owned());
        match parts.next().as_deref() {
            Some("crates") => {
                let krate = parts.next().unwrap_or_default();
                let Some((n, v)) = name
                    .strip_suffix(".crate")
                    .and_then(cargofox::fetch::local::split_file_stem)
                else {
                    problems.push(format!("{rel_s}: not a .crate file"));
                    continue;
                };
                if n != krate || parts.count() != 1 {
                    problems.push(format!("{rel_s}: not in its crate's folder"));
                }
                match reg.published_cksum(n, v) {
                    Some(sum) if sum == hex(&Sha256::digest(&bytes)) => {}
                    Some(_) => problems.push(format!(
                        "{rel_s}: does not match the published checksum ({} bytes)",
                        bytes.len()
                    )),
                    None => problems.push(format!("{rel_s}: the registry has no such version")),
                }
            }
            Some("index") => {
                let index_rel = rel.strip_prefix("index").unwrap().to_string_lossy();
                if name.ends_with(".validators.json") {
                    if !json_ok() {
                        problems.push(format!("{rel_s}: validators are not JSON"));
                    }
                } else if reg.served(&format!("/index/{index_rel}")).as_ref() != Some(&bytes) {
                    problems.push(format!(
                        "{rel_s}: differs from what the server serves ({} bytes)",
                        bytes.len()
                    ));
                } else if name != "config.json"
                    && !String::from_utf8_lossy(&bytes)
                        .lines()
                        .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
                {
                    problems.push(format!("{rel_s}: a line is not JSON"));
                }
            }
            Some("store") => {
                if !super::is_stored_analysis(&name, &bytes) {
                    problems.push(format!(
                        "{rel_s}: not a whole stored analysis ({} bytes)",
                        bytes.len()
                    ));
                }
            }
            Some("state") => {
                if !json_ok() {
                    problems.push(format!("{rel_s}: not valid JSON ({} bytes)", bytes.len()));
                }
            }
            _ => problems.push(format!("{rel_s}: not part of the cache layout")),
        }
    }
    problems
}
