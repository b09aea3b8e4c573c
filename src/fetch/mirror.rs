//! The releases a cargo registry mirror must hold (`--registry-mirror`):
//! the releases shown, plus, recursively, the newest release that each of
//! their dependency requirements selects, so that cargo can resolve and
//! download any project that depends on the mirrored crates from the mirror
//! alone.
//!
//! Requirements are taken as cargo's resolver sees them: normal and build
//! dependencies on every target (a lockfile covers all platforms), and the
//! optional ones that the features asked enable. Every feature of a crate
//! shown may be asked by a project; a release reached through a requirement
//! has the features its dependents ask (their lists, `dep/feature` items,
//! the defaults unless turned off), unified over all of them and followed
//! again when they grow. Development dependencies are not needed by
//! dependents and are left out. A requirement selects the newest release
//! that matches it and is not yanked, as cargo does when it has no lockfile. Every package is verified against the index checksum
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

/// The features asked of a release: named ones (`default` when a dependent
/// keeps the default features), or all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Asked {
    all: bool,
    features: BTreeSet<String>,
}

impl Asked {
    /// Adds `other`; whether anything was new.
    fn merge(&mut self, other: &Asked) -> bool {
        let before = (self.all, self.features.len());
        self.all |= other.all;
        self.features.extend(other.features.iter().cloned());
        before != (self.all, self.features.len())
    }
}

/// What one crate of a wave asks for: exact releases with every feature
/// (the crates shown), and requirements with the features their dependents
/// ask.
#[derive(Debug, Default)]
struct Wanted {
    exact: BTreeSet<String>,
    reqs: BTreeMap<String, Asked>,
}

/// A release the mirror holds, and the features asked of it so far.
#[derive(Debug, Clone)]
struct Held {
    checksum: [u8; 32],
    asked: Asked,
}

/// A dependency requirement, with the features asked of the dependency.
type Need = (String, String, Asked);

/// What one crate of a wave gave: its index name, its releases whose asked
/// features grew, and the requirements of their dependencies.
struct Visited {
    key: String,
    name: Option<String>,
    changed: Vec<(String, Held)>,
    deps: Vec<Need>,
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

/// The dependencies of `release` that cargo may resolve when `asked` of its
/// features are on, on any target: every normal and build dependency that
/// is not optional, and the optional ones the features enable, each with the
/// features asked of it (its own list, `dep/feature` items, and `default`
/// unless it turns the defaults off).
fn needs(release: &tame_index::IndexVersion, asked: &Asked) -> Vec<Need> {
    let table = index::features(release);
    let start: Vec<&str> = if asked.all {
        table.keys().map(String::as_str).collect()
    } else {
        asked.features.iter().map(String::as_str).collect()
    };
    let crate::built::Enabled {
        deps: enabled,
        mut dep_features,
        weak,
    } = crate::built::enabled(&table, start);
    let deps = release.dependencies();
    let on = |local: &str| {
        asked.all || enabled.contains(local) || deps.iter().any(|d| d.name == local && !d.optional)
    };
    for (dep, feature) in weak {
        if on(dep) {
            dep_features.entry(dep).or_default().insert(feature);
        }
    }
    deps.iter()
        .filter(|d| d.kind() != DependencyKind::Dev)
        .filter(|d| !d.optional || on(&d.name))
        .map(|d| {
            let mut features: BTreeSet<String> = d.features().iter().cloned().collect();
            if let Some(more) = dep_features.get(d.name.as_str()) {
                features.extend(more.iter().map(|f| (*f).to_owned()));
            }
            if d.has_default_features() {
                features.insert("default".to_owned());
            }
            let asked = Asked {
                all: false,
                features,
            };
            (
                d.crate_name().to_ascii_lowercase(),
                d.req.to_string(),
                asked,
            )
        })
        .collect()
}

/// The releases picked in one crate's file, with the features asked of each.
type Picked<'a> = BTreeMap<&'a str, (&'a tame_index::IndexVersion, Asked)>;

/// Picks `release` with `asked` of its features (added to earlier asks).
fn pick<'a>(picked: &mut Picked<'a>, release: &'a tame_index::IndexVersion, asked: &Asked) {
    picked
        .entry(release.version.as_str())
        .or_insert_with(|| (release, Asked::default()))
        .1
        .merge(asked);
}

impl Fetcher {
    /// Gathers the releases a mirror of `roots` (name, version) must hold and
    /// makes sure each verified package is in the cache.
    pub async fn mirror(&self, roots: &[(String, String)]) -> Mirror {
        let concurrency = self.options.concurrency.max(1);
        let mut held: BTreeMap<String, (String, BTreeMap<String, Held>)> = BTreeMap::new();
        let mut missing = Vec::new();
        let mut wave: BTreeMap<String, Wanted> = BTreeMap::new();
        for (name, version) in roots {
            let w = wave.entry(name.to_ascii_lowercase()).or_default();
            w.exact.insert(version.clone());
        }
        while !wave.is_empty() {
            let visits: Vec<Visited> = stream::iter(wave)
                .map(|(key, wanted)| {
                    let known = held.get(&key).map(|(_, r)| r.clone()).unwrap_or_default();
                    self.visit(key, wanted, known)
                })
                .buffered(concurrency)
                .collect()
                .await;
            let mut next: BTreeMap<String, Wanted> = BTreeMap::new();
            for v in visits {
                missing.extend(v.missing);
                let Some(name) = v.name else { continue };
                let entry = held.entry(v.key).or_insert_with(|| (name, BTreeMap::new()));
                entry.1.extend(v.changed);
                for (dep, req, asked) in v.deps {
                    let reqs = &mut next.entry(dep).or_default().reqs;
                    reqs.entry(req).or_default().merge(&asked);
                }
            }
            wave = next;
        }
        let wanted: Vec<(String, String, [u8; 32])> = held
            .values()
            .flat_map(|(name, releases)| {
                releases
                    .iter()
                    .map(|(v, h)| (name.clone(), v.clone(), h.checksum))
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
        missing.dedup();
        Mirror { crates, missing }
    }

    /// Reads one crate's index file, picks the releases asked for (by
    /// version, and the newest match of each requirement), and gives the
    /// requirements of those whose asked features grew.
    async fn visit(&self, key: String, wanted: Wanted, known: BTreeMap<String, Held>) -> Visited {
        let mut out = Visited {
            key,
            name: None,
            changed: Vec::new(),
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
        let every = Asked {
            all: true,
            features: BTreeSet::new(),
        };
        let mut picked: Picked<'_> = BTreeMap::new();
        for v in &wanted.exact {
            match file.versions.iter().find(|x| x.version == v.as_str()) {
                Some(x) => pick(&mut picked, x, &every),
                None => out
                    .missing
                    .push(format!("{} {v}: not in the index", out.key)),
            }
        }
        for (req, asked) in &wanted.reqs {
            let chosen = semver::VersionReq::parse(req)
                .ok()
                .and_then(|r| select(&file, &r));
            match chosen {
                Some(x) => pick(&mut picked, x, asked),
                None => out.missing.push(format!(
                    "{} {req}: no release that is not yanked matches",
                    out.key
                )),
            }
        }
        out.name = file.versions.first().map(|v| v.name.to_string());
        for (version, (release, asked)) in picked {
            let mut held = known.get(version).cloned().unwrap_or(Held {
                checksum: release.checksum.0,
                asked: Asked::default(),
            });
            let grew = held.asked.merge(&asked);
            if grew || !known.contains_key(version) {
                out.deps.extend(needs(release, &held.asked));
                out.changed.push((version.to_owned(), held));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(features: &[&str]) -> Asked {
        Asked {
            all: false,
            features: features.iter().map(|f| (*f).to_owned()).collect(),
        }
    }

    #[test]
    fn features_asked_decide_the_optional_dependencies_followed() {
        let dep = |name: &str, package: Option<&str>, optional: bool, kind: &str| {
            let mut d = serde_json::json!({
                "name": name, "req": "^1", "features": ["base"], "optional": optional,
                "default_features": name != "nodefault", "target": "cfg(windows)",
                "kind": kind,
            });
            if let Some(p) = package {
                d["package"] = p.into();
            }
            d
        };
        let line = serde_json::json!({
            "name": "host", "vers": "1.0.0", "cksum": "00".repeat(32), "yanked": false,
            "deps": [
                dep("always", None, false, "normal"),
                dep("nodefault", None, false, "build"),
                dep("tests-only", None, false, "dev"),
                dep("plain", None, true, "normal"),
                dep("renamed", Some("real-name"), true, "normal"),
                dep("weak", None, true, "normal"),
                dep("never", None, true, "normal"),
            ],
            "features": {
                "default": ["std"],
                "std": ["dep:plain", "always/fast", "weak?/extra", "nodefault?/extra"],
                "more": ["renamed/simd", "never?/x"],
            },
        });
        let release = index::parse_index_line(line.to_string().as_bytes()).unwrap();
        let summary = |needs: Vec<Need>| -> Vec<(String, Vec<String>)> {
            needs
                .into_iter()
                .map(|(name, req, a)| {
                    assert_eq!(req, "^1");
                    assert!(!a.all);
                    (name, a.features.into_iter().collect())
                })
                .collect()
        };
        let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            summary(needs(&release, &asked(&["default"]))),
            vec![
                ("always".to_owned(), strings(&["base", "default", "fast"])),
                ("nodefault".to_owned(), strings(&["base", "extra"])),
                ("plain".to_owned(), strings(&["base", "default"])),
            ]
        );
        assert_eq!(
            summary(needs(&release, &asked(&["more"])))
                .into_iter()
                .map(|(n, _)| n)
                .collect::<Vec<_>>(),
            vec!["always", "nodefault", "real-name"]
        );
        let every = Asked {
            all: true,
            features: BTreeSet::new(),
        };
        let all: Vec<String> = summary(needs(&release, &every))
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            all,
            ["always", "nodefault", "plain", "real-name", "weak", "never"]
        );
    }
}
