//! The releases a cargo registry mirror must hold (`--registry-mirror`):
//! the releases shown, plus, recursively, the newest release that each of
//! their dependency requirements selects, so that cargo can resolve and
//! download any project that depends on the mirrored crates from the mirror
//! alone.
//!
//! Requirements are taken as cargo's resolver sees them: normal and build
//! dependencies, optional ones too (a dependent may enable them), on every
//! target (a lockfile covers all platforms); development dependencies are
//! not needed by dependents and are left out. A requirement selects the
//! newest release that matches it and is not yanked, as cargo does when it
//! has no lockfile. Every package is verified against the index checksum
//! before it is kept. The mirror's index lists exactly the releases held, in
//! the registry's own lines, so cargo never picks a release it cannot
//! download.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use futures_util::{StreamExt, stream};
use tame_index::krate::DependencyKind;

use super::index::{self, IndexFile};
use super::{Fetcher, local};

/// One crate of the mirror and the releases it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorCrate {
    /// The name as the index spells it.
    pub name: String,
    /// The index-relative path of its index file (`se/rd/serde`).
    pub index_path: String,
    /// The cached index file, as the registry served it.
    pub index_file: PathBuf,
    /// The releases held, each with its verified `.crate` file in the cache.
    pub releases: BTreeMap<String, PathBuf>,
}

impl MirrorCrate {
    /// The lines of the cached index file that describe the releases held,
    /// byte for byte, in the file's order.
    pub fn index_lines(&self) -> std::io::Result<Vec<u8>> {
        let body = std::fs::read(&self.index_file)?;
        let mut out = Vec::new();
        for line in body.split(|&b| b == b'\n') {
            let held = index::parse_index_line(line)
                .is_ok_and(|v| self.releases.contains_key(v.version.as_str()));
            if held {
                out.extend_from_slice(line);
                out.push(b'\n');
            }
        }
        Ok(out)
    }
}

/// What the mirror holds, and what it could not hold.
#[derive(Debug, Clone, Default)]
pub struct Mirror {
    /// The crates, sorted by lowercase name.
    pub crates: Vec<MirrorCrate>,
    /// Releases that were needed but could not be had, with the reason;
    /// a project that needs one of them cannot be resolved from the mirror.
    pub missing: Vec<String>,
}

impl Mirror {
    /// The number of releases held.
    pub fn releases(&self) -> usize {
        self.crates.iter().map(|c| c.releases.len()).sum()
    }
}

/// What one crate of a wave asks for: exact releases and requirements.
#[derive(Debug, Default)]
struct Wanted {
    exact: BTreeSet<String>,
    reqs: BTreeSet<String>,
}

/// A release chosen for the mirror.
#[derive(Debug, Clone)]
struct Held {
    version: String,
    checksum: [u8; 32],
}

/// What one crate of a wave gave: its index name, the new releases and
/// the requirements of their dependencies.
struct Visited {
    key: String,
    name: Option<String>,
    added: Vec<Held>,
    deps: Vec<(String, String)>,
    missing: Vec<String>,
}

/// The newest release that `req` selects: not yanked, matching, and not a
/// pre-release unless the requirement names one (semver's rule, cargo's too).
fn select<'a>(
    file: &'a IndexFile,
    req: &semver::VersionReq,
) -> Option<&'a tame_index::IndexVersion> {
    file.versions
        .iter()
        .filter(|v| !v.yanked)
        .filter_map(|v| Some((semver::Version::parse(&v.version).ok()?, v)))
        .filter(|(parsed, _)| req.matches(parsed))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, v)| v)
}

impl Fetcher {
    /// Gathers the releases a mirror of `roots` (name, version) must hold and
    /// makes sure each verified package is in the cache.
    pub async fn mirror(&self, roots: &[(String, String)]) -> Mirror {
        let concurrency = self.options.concurrency.max(1);
        let mut held: BTreeMap<String, (String, BTreeMap<String, [u8; 32]>)> = BTreeMap::new();
        let mut missing = Vec::new();
        let mut wave: BTreeMap<String, Wanted> = BTreeMap::new();
        for (name, version) in roots {
            let w = wave.entry(name.to_ascii_lowercase()).or_default();
            w.exact.insert(version.clone());
        }
        while !wave.is_empty() {
            let visits: Vec<Visited> = stream::iter(wave)
                .map(|(key, wanted)| {
                    let known = held.get(&key).map(|(_, r)| r.keys().cloned().collect());
                    self.visit(key, wanted, known.unwrap_or_default())
                })
                .buffered(concurrency)
                .collect()
                .await;
            let mut next: BTreeMap<String, Wanted> = BTreeMap::new();
            for v in visits {
                missing.extend(v.missing);
                let Some(name) = v.name else { continue };
                let entry = held.entry(v.key).or_insert_with(|| (name, BTreeMap::new()));
                for h in v.added {
                    entry.1.insert(h.version, h.checksum);
                }
                for (dep, req) in v.deps {
                    next.entry(dep).or_default().reqs.insert(req);
                }
            }
            wave = next;
        }
        let wanted: Vec<(String, String, [u8; 32])> = held
            .values()
            .flat_map(|(name, releases)| {
                releases
                    .iter()
                    .map(|(v, sum)| (name.clone(), v.clone(), *sum))
            })
            .collect();
        let obtained: Vec<_> = stream::iter(wanted)
            .map(|(name, version, sum)| async move {
                let got = self.obtain(&name, &version, &sum).await;
                (name, version, got)
            })
            .buffered(concurrency)
            .collect()
            .await;
        let mut files: BTreeMap<String, BTreeMap<String, PathBuf>> = BTreeMap::new();
        for (name, version, got) in obtained {
            match got {
                Ok(path) => {
                    files
                        .entry(name.to_ascii_lowercase())
                        .or_default()
                        .insert(version, path);
                }
                Err(p) => missing.push(format!("{name} {version}: {}", p.message)),
            }
        }
        let crates = held
            .into_iter()
            .filter_map(|(key, (name, _))| {
                let releases = files.remove(&key)?;
                let index_path = index::index_relative_path(&name);
                Some(MirrorCrate {
                    index_file: self.cache.index_path(&index_path),
                    index_path,
                    name,
                    releases,
                })
            })
            .collect();
        missing.sort();
        Mirror { crates, missing }
    }

    /// Reads one crate's index file and picks its new releases: those asked
    /// for by version, and the newest match of each requirement.
    async fn visit(&self, key: String, wanted: Wanted, known: BTreeSet<String>) -> Visited {
        let mut out = Visited {
            key,
            name: None,
            added: Vec::new(),
            deps: Vec::new(),
            missing: Vec::new(),
        };
        if !local::is_valid_crate_name(&out.key) {
            out.missing.push(format!(
                "`{}` is not a valid crate name",
                out.key.escape_debug()
            ));
            return out;
        }
        let file = match self.index_file(&out.key).await {
            Ok(f) => f,
            Err(p) => {
                out.missing.push(format!("{}: {}", out.key, p.message));
                return out;
            }
        };
        let mut picked: BTreeMap<&str, &tame_index::IndexVersion> = BTreeMap::new();
        for v in &wanted.exact {
            match file.versions.iter().find(|x| x.version == v.as_str()) {
                Some(x) => {
                    picked.insert(x.version.as_str(), x);
                }
                None => out
                    .missing
                    .push(format!("{} {v}: not in the index", out.key)),
            }
        }
        for req in &wanted.reqs {
            let chosen = semver::VersionReq::parse(req)
                .ok()
                .and_then(|r| select(&file, &r));
            match chosen {
                Some(x) => {
                    picked.insert(x.version.as_str(), x);
                }
                None => out.missing.push(format!(
                    "{} {req}: no release that is not yanked matches",
                    out.key
                )),
            }
        }
        out.name = file.versions.first().map(|v| v.name.to_string());
        for (version, release) in picked {
            if known.contains(version) {
                continue;
            }
            for dep in release.dependencies() {
                if dep.kind() != DependencyKind::Dev {
                    out.deps
                        .push((dep.crate_name().to_ascii_lowercase(), dep.req.to_string()));
                }
            }
            out.added.push(Held {
                version: version.to_owned(),
                checksum: release.checksum.0,
            });
        }
        out
    }
}
