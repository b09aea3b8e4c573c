//! The store of analyses, `CACHE/store/`: the analysis of one release (one
//! name, version and package SHA-256) by one version of the analyzer, kept
//! so that no later build reads that package again.
//!
//! An entry never changes once written: a release's package is immutable,
//! and a new analyzer writes under a new folder (`a{ANALYZER_VERSION}/`).
//! Entries are written atomically under names that say what they hold, so
//! store folders filled on different machines (the shards of a daily build)
//! merge by copying them together. Each entry is gzip-compressed JSON:
//! the package-derived part of the report, the README source, the evidence
//! sources and the build facts.
//!
//! It also owns `CACHE/state/`: the files one build leaves for the next
//! (owners, findings seen, release summaries, page stamps), each read and
//! written through [`load_state`] and [`save_state`].
//!
//! This module sits below all stages: fetch asks whether an entry exists,
//! analyze reads and writes entries, render reads their page data.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

use crate::model::{BuildFacts, CrateReport, PageData};

/// Version of the analysis. Raised whenever a change to the analyzer (a new
/// rule, a fixed count) would make an entry written before it wrong; every
/// release is then analyzed again, into a new folder.
pub const ANALYZER_VERSION: u32 = 2;

/// Largest entry read back (bytes, uncompressed): an entry is a report and
/// its evidence, a few megabytes at the very most.
const MAX_ENTRY: u64 = 256 << 20;

/// What identifies one analysis.
#[derive(Debug, Clone, Copy)]
pub struct StoreKey<'a> {
    /// Crate name as published.
    pub name: &'a str,
    /// Version.
    pub version: &'a str,
    /// SHA-256 of the `.crate` file.
    pub sha256: &'a [u8; 32],
}

/// One stored analysis.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StoredAnalysis {
    /// [`ANALYZER_VERSION`] of the analyzer that wrote it.
    pub analyzer: u32,
    /// The report as the package made it (problems of the package only).
    pub report: CrateReport,
    /// The README's Markdown source.
    pub readme_text: Option<String>,
    /// Source of every file with a finding.
    pub evidence_sources: BTreeMap<String, String>,
    /// What the build script starts.
    pub build_facts: BuildFacts,
}

impl StoredAnalysis {
    /// The entry of an analysis whose page data is at hand.
    pub fn new(report: &CrateReport, page: &PageData) -> Self {
        Self {
            analyzer: ANALYZER_VERSION,
            report: report.clone(),
            readme_text: page.readme_text.clone(),
            evidence_sources: page.evidence_sources.clone(),
            build_facts: report.build_facts.clone(),
        }
    }

    /// The report, with the build facts of an entry written before the
    /// report carried them, and the page data.
    pub fn into_parts(self) -> (CrateReport, PageData) {
        let mut report = self.report;
        if report.build_facts == BuildFacts::default() {
            report.build_facts = self.build_facts;
        }
        (
            report,
            PageData {
                readme_text: self.readme_text,
                evidence_sources: self.evidence_sources,
            },
        )
    }
}

/// Why an entry could not be had.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No entry for this key.
    #[error("the store has no analysis of {0}")]
    Missing(String),
    /// An entry exists but cannot be read (cut short, or not an entry).
    #[error("the stored analysis {path} cannot be read: {why}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        why: String,
    },
}

/// The store folder of one cache.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// The store of the cache folder `cache`.
    pub fn new(cache: &Path) -> Self {
        Self {
            root: cache.join("store").join(format!("a{ANALYZER_VERSION}")),
        }
    }

    /// The folder of this analyzer's entries.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the entry of `key` is: `{xx}/{name}/{version}-{sha16}.json.gz`,
    /// with `xx` the first two characters of the lowercase name, so that no
    /// folder holds more than a few thousand crates. The name and version
    /// must be valid (a crate name and a semver version), which keeps the
    /// path inside the store.
    pub fn path(&self, key: &StoreKey<'_>) -> PathBuf {
        let lower = key.name.to_ascii_lowercase();
        let prefix: String = lower.chars().chain("__".chars()).take(2).collect();
        let sha: String = key.sha256[..8].iter().map(|b| format!("{b:02x}")).collect();
        self.root
            .join(prefix)
            .join(lower)
            .join(format!("{}-{sha}.json.gz", key.version))
    }

    /// Whether the entry of `key` exists.
    pub fn contains(&self, key: &StoreKey<'_>) -> bool {
        self.path(key).is_file()
    }

    /// Reads the entry of `key`.
    pub fn load(&self, key: &StoreKey<'_>) -> Result<StoredAnalysis, StoreError> {
        let path = self.path(key);
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::Missing(format!("{} {}", key.name, key.version)));
            }
            Err(e) => {
                return Err(StoreError::Unreadable {
                    path,
                    why: e.to_string(),
                });
            }
        };
        let mut text = Vec::new();
        let read = GzDecoder::new(file).take(MAX_ENTRY).read_to_end(&mut text);
        let parsed = read.map_err(|e| e.to_string()).and_then(|_| {
            serde_json::from_slice::<StoredAnalysis>(&text).map_err(|e| e.to_string())
        });
        match parsed {
            Ok(entry) if entry.analyzer == ANALYZER_VERSION => Ok(entry),
            Ok(entry) => Err(StoreError::Unreadable {
                path,
                why: format!(
                    "written by analyzer {}, not {ANALYZER_VERSION}",
                    entry.analyzer
                ),
            }),
            Err(why) => Err(StoreError::Unreadable { path, why }),
        }
    }

    /// Writes the entry of `key` (atomically: a reader sees the whole entry
    /// or none).
    pub fn save(&self, key: &StoreKey<'_>, entry: &StoredAnalysis) -> anyhow::Result<()> {
        let path = self.path(key);
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        serde_json::to_writer(&mut gz, entry)?;
        gz.flush()?;
        crate::atomic::write_atomic_unsynced(&path, &gz.finish()?)
    }
}

/// One of the shards a daily build splits the registry into (`K/N`: shard
/// `K` of `N`, numbered from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 1.
    pub index: u32,
    /// How many there are.
    pub count: u32,
}

impl Shard {
    /// Whether the crate `name` belongs to this shard.
    pub fn contains(&self, name: &str) -> bool {
        shard_of(name, self.count) == self.index
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a shard: write K/N, with 1 <= K <= N (for example 3/8)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Where the state file `name` of the cache is: `CACHE/state/{name}`.
pub fn state_path(cache: &Path, name: &str) -> PathBuf {
    cache.join("state").join(name)
}

/// Reads the state file `name` of the cache; `None` when it is missing or
/// unreadable (then the run starts afresh, as on a new cache).
pub fn load_state<T: serde::de::DeserializeOwned>(cache: &Path, name: &str) -> Option<T> {
    let bytes = std::fs::read(state_path(cache, name)).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(
                "{} is unreadable ({e}); it is started afresh",
                state_path(cache, name).display()
            );
            None
        }
    }
}

/// Writes the state file `name` of the cache, atomically.
pub fn save_state<T: Serialize>(cache: &Path, name: &str, value: &T) -> anyhow::Result<()> {
    crate::atomic::write_atomic_unsynced(&state_path(cache, name), &serde_json::to_vec(value)?)
}

/// The state file of the summary of one release (for comparing it with the
/// next): `releases/{name}/{version}.json`.
pub fn release_summary(name: &str, version: &str) -> String {
    format!("releases/{name}/{version}.json")
}

/// Which of `count` shards (numbered from 1) a crate belongs to: FNV-1a of
/// its lowercase name, so that every machine agrees without a list.
pub fn shard_of(name: &str, count: u32) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.to_ascii_lowercase().bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % u64::from(count.max(1))) as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_reads_back_whole_and_a_missing_one_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let sha = [7u8; 32];
        let key = StoreKey {
            name: "Serde_Json",
            version: "1.0.0",
            sha256: &sha,
        };
        assert!(matches!(store.load(&key), Err(StoreError::Missing(_))));
        let report = CrateReport {
            name: "Serde_Json".into(),
            version: "1.0.0".into(),
            build_facts: BuildFacts {
                spawned_literals: vec!["cc".into()],
                ..BuildFacts::default()
            },
            ..CrateReport::default()
        };
        let page = PageData {
            readme_text: Some("# Title".into()),
            evidence_sources: [("build.rs".into(), "fn main() {}\n".into())].into(),
        };
        let entry = StoredAnalysis::new(&report, &page);
        store.save(&key, &entry).unwrap();
        assert!(store.contains(&key));
        assert_eq!(
            store.path(&key),
            dir.path().join(format!(
                "store/a{ANALYZER_VERSION}/se/serde_json/1.0.0-0707070707070707.json.gz"
            ))
        );
        let back = store.load(&key).unwrap();
        assert_eq!(back, entry);
        assert_eq!(back.into_parts(), (report.clone(), page.clone()));

        // An entry written before reports carried their build facts.
        let mut older = entry.clone();
        older.report.build_facts = BuildFacts::default();
        assert_eq!(older.into_parts(), (report, page));
    }

    #[test]
    fn a_cut_entry_is_unreadable_not_missing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let sha = [1u8; 32];
        let key = StoreKey {
            name: "a",
            version: "0.1.0",
            sha256: &sha,
        };
        store.save(&key, &StoredAnalysis::default()).unwrap();
        let path = store.path(&key);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert!(matches!(
            store.load(&key),
            Err(StoreError::Unreadable { .. })
        ));
        assert_eq!(
            path.parent()
                .unwrap()
                .parent()
                .unwrap()
                .file_name()
                .unwrap(),
            "a_"
        );
    }

    #[test]
    fn shards_split_names_evenly_and_ignore_case() {
        let mut counts = [0usize; 4];
        for i in 0..4000 {
            let s = shard_of(&format!("crate-{i}"), 4);
            assert!((1..=4).contains(&s));
            counts[s as usize - 1] += 1;
        }
        assert!(
            counts.iter().all(|&c| (850..1150).contains(&c)),
            "{counts:?}"
        );
        assert_eq!(shard_of("Serde", 8), shard_of("serde", 8));
        assert_eq!(shard_of("anything", 1), 1);
        let shard: Shard = "3/8".parse().unwrap();
        assert_eq!(shard, Shard { index: 3, count: 8 });
        assert_eq!(shard.to_string(), "3/8");
        for bad in ["0/8", "9/8", "3", "a/b", "3/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let names: Vec<String> = (0..100).map(|i| format!("c{i}")).collect();
        let covered = (1..=3)
            .map(|k| {
                let s = Shard { index: k, count: 3 };
                names.iter().filter(|n| s.contains(n)).count()
            })
            .sum::<usize>();
        assert_eq!(covered, names.len());
    }
}
