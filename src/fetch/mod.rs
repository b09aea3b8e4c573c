//! The fetch stage: turns a selection of crates into [`CrateInput`]s, each a
//! verified `.crate` file in the cache plus what the registry index says
//! about it, or the problems that prevented that.
//!
//! It owns all network access (one [`http::Http`] client, bounded
//! concurrency) and the cache folder ([`cache::Cache`]). Index files are
//! re-fetched conditionally; `.crate` files never change once published, so a
//! cached file that matches its checksum is never downloaded again. Files are
//! also taken from local mirror folders and cargo's own download cache,
//! checksum-verified, before any download.

pub mod advisories;
pub mod audits;
pub mod cache;
pub mod crev;
pub mod dump;
pub mod git;
pub mod http;
pub mod index;
pub mod local;
pub mod mirror;
pub mod select;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use futures_util::{StreamExt, stream};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::format::hex;
use crate::model::{Dependency, Problem, VersionInfo};
use crate::store::{Shard, Store, StoreKey};
use cache::{Cache, write_atomic};
use http::{Fetched, Http, HttpError, HttpSettings};
use index::{IndexFile, Registry};
use select::CrateSpec;

/// Largest `.crate` file downloaded (bytes).
pub const DEFAULT_MAX_DOWNLOAD: u64 = 512 << 20;
/// How long a fetched index file is used without asking the server again.
pub const DEFAULT_INDEX_MAX_AGE: Duration = Duration::from_secs(3600);
/// Largest index file or `config.json` downloaded (bytes).
const MAX_INDEX_FILE: u64 = 64 << 20;

/// How the fetch stage works.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The cache folder.
    pub cache: PathBuf,
    /// Use the cache only.
    pub offline: bool,
    /// Sparse index URL; `None` means the default registry.
    pub index_url: Option<String>,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Extra folders of `.crate` files searched before downloading.
    pub mirrors: Vec<PathBuf>,
    /// Also search cargo's own download cache.
    pub use_cargo_cache: bool,
    /// HTTP client settings.
    pub http: HttpSettings,
    /// Largest `.crate` file downloaded.
    pub max_download: u64,
    /// Index files younger than this are used without asking the server
    /// (some servers send no validators, so a re-run could not be conditional).
    pub index_max_age: Duration,
    /// Do not download a release whose analysis is already in the store
    /// (building a site); off when the cache is filled as a mirror.
    pub skip_stored: bool,
    /// Download only the packages of the crates of this shard; the others
    /// are resolved only when the closure needs them.
    pub shard: Option<Shard>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            cache: PathBuf::from("cache"),
            offline: false,
            index_url: None,
            concurrency: 16,
            mirrors: Vec::new(),
            use_cargo_cache: true,
            http: HttpSettings::default(),
            max_download: DEFAULT_MAX_DOWNLOAD,
            index_max_age: DEFAULT_INDEX_MAX_AGE,
            skip_stored: false,
            shard: None,
        }
    }
}

/// What the index says about the chosen version of a crate.
#[derive(Debug, Clone, Default)]
pub struct IndexFacts {
    /// Every version, in publish order.
    pub versions: Vec<VersionInfo>,
    /// Dependencies of the chosen version.
    pub dependencies: Vec<Dependency>,
    /// Features of the chosen version.
    pub features: BTreeMap<String, Vec<String>>,
    /// The release before the chosen one (not yanked).
    pub previous: Option<PreviousRelease>,
    /// The newest release before the chosen one that an audit set covers
    /// for `safe-to-deploy`, when audit sets were read (its dependencies
    /// are left empty).
    pub audited: Option<PreviousRelease>,
}

/// The release published before the one analyzed.
#[derive(Debug, Clone, Default)]
pub struct PreviousRelease {
    /// Its version.
    pub version: String,
    /// Its dependencies.
    pub dependencies: Vec<Dependency>,
    /// SHA-256 of its `.crate` file.
    pub sha256: [u8; 32],
}

/// One crate handed to the analyze stage.
#[derive(Debug, Clone, Default)]
pub struct CrateInput {
    /// Crate name.
    pub name: String,
    /// Version to analyze.
    pub version: String,
    /// The `.crate` file, when one could be had.
    pub file: Option<PathBuf>,
    /// SHA-256 the file must have (the index `cksum`).
    pub expected_sha256: Option<[u8; 32]>,
    /// The `.crate` file of [`IndexFacts::audited`], when it could be had.
    pub audited_file: Option<PathBuf>,
    /// The `.crate` file of the previous release, when its summary is not
    /// already in the cache (for comparing the two releases).
    pub previous_file: Option<PathBuf>,
    /// Index facts, when the crate came from an index.
    pub index: Option<IndexFacts>,
    /// What went wrong so far.
    pub problems: Vec<Problem>,
}

/// The fetch stage's state: client, cache, registry.
#[derive(Debug)]
pub struct Fetcher {
    http: Http,
    cache: Cache,
    options: FetchOptions,
    local_dirs: Vec<PathBuf>,
    registry: OnceCell<Registry>,
    reused: AtomicU64,
    store: Store,
    known: std::collections::HashMap<String, u64>,
    audited: std::collections::HashMap<String, Vec<semver::Version>>,
}

impl Fetcher {
    /// Builds a fetcher.
    pub fn new(options: FetchOptions) -> anyhow::Result<Self> {
        let mut local_dirs = options.mirrors.clone();
        if options.use_cargo_cache {
            local_dirs.extend(local::cargo_cache_dirs());
        }
        Ok(Self {
            http: Http::new(options.http.clone())?,
            cache: Cache::new(options.cache.clone()),
            store: Store::new(&options.cache),
            known: std::collections::HashMap::new(),
            audited: std::collections::HashMap::new(),
            local_dirs,
            options,
            registry: OnceCell::new(),
            reused: AtomicU64::new(0),
        })
    }

    /// Takes what the database dump says of every crate's releases: a cached
    /// index file that lists the same releases (and yanks) is then used
    /// without asking the server, so a daily run asks only for the index
    /// files of crates that changed since the last one.
    pub fn with_dump(mut self, dump: &dump::DumpData) -> Self {
        self.known = dump
            .crates
            .iter()
            .map(|c| {
                let digest = index::releases_digest(c.versions.iter().map(|v| (&v.num, v.yanked)));
                (c.name.to_ascii_lowercase(), digest)
            })
            .collect();
        self
    }

    /// Takes the releases audit sets cover for `safe-to-deploy`, by
    /// lowercase crate name: the newest of them before the release chosen
    /// is fetched too, to count what changed since.
    pub fn with_audited(
        mut self,
        audited: std::collections::HashMap<String, Vec<semver::Version>>,
    ) -> Self {
        self.audited = audited;
        self
    }

    /// The newest release before `chosen` that audit sets cover.
    fn audited_before<'a>(
        &self,
        versions: &'a [tame_index::IndexVersion],
        chosen: &tame_index::IndexVersion,
    ) -> Option<&'a tame_index::IndexVersion> {
        let covered = self.audited.get(&chosen.name.to_ascii_lowercase())?;
        let shown = semver::Version::parse(&chosen.version).ok()?;
        let newest = covered.iter().filter(|v| **v <= shown).max()?;
        if *newest == shown {
            return None;
        }
        versions
            .iter()
            .find(|v| semver::Version::parse(&v.version).ok().as_ref() == Some(newest))
    }

    /// What the HTTP client has done so far.
    pub fn counts(&self) -> http::HttpCounts {
        http::HttpCounts {
            reused: self.reused.load(Ordering::Relaxed),
            ..self.http.counts()
        }
    }

    /// The registry: index URL and its `config.json` (fetched conditionally).
    pub async fn registry(&self) -> anyhow::Result<&Registry> {
        self.registry.get_or_try_init(|| self.load_registry()).await
    }

    async fn load_registry(&self) -> anyhow::Result<Registry> {
        let index_url = match &self.options.index_url {
            Some(u) => index::normalize_index_url(u),
            None => index::default_index_url()?,
        };
        let path = self.cache.index_config_path();
        let url = format!("{index_url}config.json");
        let body = self
            .conditional(&url, &path, |b| {
                serde_json::from_slice::<tame_index::index::IndexConfig>(b).is_ok()
            })
            .await
            .with_context(|| format!("reading the index configuration {url}"))?;
        let config: tame_index::index::IndexConfig = serde_json::from_slice(&body)
            .with_context(|| format!("{url} is not an index configuration"))?;
        Ok(Registry::new(&index_url, config))
    }

    /// GET with the cached validators; falls back to the cache when offline.
    /// A fresh body is kept in the cache only when `valid` accepts it, so an
    /// error page or a cut-off body is never mistaken for the file later.
    async fn conditional(
        &self,
        url: &str,
        path: &std::path::Path,
        valid: fn(&[u8]) -> bool,
    ) -> anyhow::Result<Vec<u8>> {
        let cached = self.cache.read_with_validators(path);
        let fresh = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age < self.options.index_max_age);
        if let (true, Some((body, _))) = (fresh, &cached) {
            self.reused.fetch_add(1, Ordering::Relaxed);
            return Ok(body.clone());
        }
        if self.options.offline {
            return cached
                .map(|(body, _)| body)
                .with_context(|| format!("offline, and {} is not in the cache", path.display()));
        }
        match self
            .http
            .get(url, cached.as_ref().map(|c| &c.1), MAX_INDEX_FILE)
            .await?
        {
            Fetched::NotModified => match cached {
                Some((body, _)) => {
                    // The file was just confirmed current: its age restarts now.
                    if let Ok(f) = std::fs::File::options().write(true).open(path) {
                        let _ = f.set_modified(std::time::SystemTime::now());
                    }
                    Ok(body)
                }
                None => anyhow::bail!("{url} answered 304 to an unconditional request"),
            },
            Fetched::Body(body, validators) => {
                if valid(&body) {
                    self.cache.write_with_validators(path, &body, &validators)?;
                } else {
                    tracing::warn!(%url, "the answer does not look like the file asked for; it was not cached");
                }
                Ok(body)
            }
        }
    }

    /// The parsed index file of `name`, or the problem that prevented it.
    pub async fn index_file(&self, name: &str) -> Result<IndexFile, Problem> {
        let unavailable = |why: String| Problem::new("index-unavailable", why);
        let registry = self
            .registry()
            .await
            .map_err(|e| unavailable(format!("the registry index could not be read: {e:#}")))?;
        let rel = index::index_relative_path(name);
        let url = registry.index_file_url(name);
        let path = self.cache.index_path(&rel);
        if let Some(known) = self.known.get(&name.to_ascii_lowercase()) {
            let cached = std::fs::read(&path)
                .ok()
                .map(|body| index::parse_index_file(name, &body))
                .filter(|f| index::index_digest(f) == *known);
            if let Some(file) = cached {
                self.reused.fetch_add(1, Ordering::Relaxed);
                return Ok(file);
            }
        }
        match self.conditional(&url, &path, index::looks_complete).await {
            Ok(body) => Ok(index::parse_index_file(name, &body)),
            Err(e) => match e.downcast_ref::<HttpError>() {
                Some(HttpError::NotFound { .. }) => Err(unavailable(format!(
                    "the registry index has no crate named `{name}`"
                ))),
                _ => Err(unavailable(format!(
                    "the index file of `{name}` could not be fetched: {e:#}"
                ))),
            },
        }
    }

    /// Reads the index for one spec and chooses the version.
    pub async fn resolve(&self, spec: &CrateSpec) -> CrateInput {
        let mut input = CrateInput {
            name: spec.name.clone(),
            version: spec.version.clone().unwrap_or_default(),
            ..CrateInput::default()
        };
        if !local::is_valid_crate_name(&spec.name) {
            // Names reach here from other crates' index lines too: one that
            // could climb out of the cache folder is never looked up.
            input.problems.push(Problem::new(
                "name-invalid",
                format!(
                    "`{}` is not a valid crate name; it was not looked up",
                    spec.name.escape_debug()
                ),
            ));
            return input;
        }
        let file = match self.index_file(&spec.name).await {
            Ok(f) => f,
            Err(p) => {
                input.problems.push(p);
                return input;
            }
        };
        input.problems.extend(file.problems.iter().cloned());
        let Some(chosen) = index::pick_version(&file.versions, spec.version.as_deref()) else {
            input.problems.push(Problem::new(
                "version-not-found",
                match &spec.version {
                    Some(v) => format!(
                        "version {v} of `{}` is not in the registry index",
                        spec.name
                    ),
                    None => format!(
                        "the registry index lists no readable version of `{}`",
                        spec.name
                    ),
                },
            ));
            return input;
        };
        input.name = chosen.name.to_string();
        input.version = chosen.version.to_string();
        input.expected_sha256 = Some(chosen.checksum.0);
        input.index = Some(IndexFacts {
            versions: index::version_history(&file.versions),
            dependencies: index::dependencies(chosen),
            features: index::features(chosen),
            previous: index::previous_release(&file.versions, chosen).map(|p| PreviousRelease {
                version: p.version.to_string(),
                dependencies: index::dependencies(p),
                sha256: p.checksum.0,
            }),
            audited: self
                .audited_before(&file.versions, chosen)
                .map(|a| PreviousRelease {
                    version: a.version.to_string(),
                    dependencies: Vec::new(),
                    sha256: a.checksum.0,
                }),
        });
        input
    }

    /// Makes sure the `.crate` file of `input` is in the cache, and the
    /// previous release's too unless its summary was kept by an earlier run.
    pub async fn download(&self, input: &mut CrateInput) {
        let Some(expected) = input.expected_sha256 else {
            return;
        };
        let key = StoreKey {
            name: &input.name,
            version: &input.version,
            sha256: &expected,
        };
        let audited = input.index.as_ref().and_then(|i| i.audited.clone());
        // A stored analysis is read again when there is an audited release
        // to compare with (the store keeps what was counted, and from which).
        if self.options.skip_stored && audited.is_none() && self.store.contains(&key) {
            return;
        }
        if let Some(a) = audited {
            // One that cannot be had only loses the count of changes.
            input.audited_file = self.obtain(&input.name, &a.version, &a.sha256).await.ok();
        }
        match self.obtain(&input.name, &input.version, &expected).await {
            Ok(path) => input.file = Some(path),
            Err(p) => input.problems.push(p),
        }
        let previous = input.index.as_ref().and_then(|i| i.previous.clone());
        if let Some(prev) = previous {
            let kept = crate::store::state_path(
                self.cache.root(),
                &crate::store::release_summary(&input.name, &prev.version),
            )
            .is_file();
            if !kept {
                // A previous release that cannot be had only loses the comparison.
                input.previous_file = self
                    .obtain(&input.name, &prev.version, &prev.sha256)
                    .await
                    .ok();
            }
        }
    }

    async fn obtain(
        &self,
        name: &str,
        version: &str,
        expected: &[u8; 32],
    ) -> Result<PathBuf, Problem> {
        let target = self.cache.crate_path(name, version);
        if target.is_file() {
            // Verified when written; the analyze stage verifies it again on read.
            return Ok(target);
        }
        for candidate in local::find_in(&self.local_dirs, name, version) {
            if let Ok(bytes) = std::fs::read(&candidate) {
                if Sha256::digest(&bytes).as_slice() == expected {
                    return self.store(&target, &bytes);
                }
                tracing::warn!(path = %candidate.display(), "local .crate file does not match the index checksum");
            }
        }
        if self.options.offline {
            return Err(Problem::new(
                "not-cached",
                format!("offline, and {name}-{version}.crate is not in the cache"),
            ));
        }
        let registry = self.registry().await.map_err(|e| {
            Problem::new(
                "download-failed",
                format!("the registry index could not be read: {e:#}"),
            )
        })?;
        let url = registry.download_url(name, version);
        let bytes = match self.http.get(&url, None, self.options.max_download).await {
            Ok(Fetched::Body(bytes, _)) => bytes,
            Ok(Fetched::NotModified) => {
                return Err(Problem::new(
                    "download-failed",
                    format!("{url} answered 304 to a plain request"),
                ));
            }
            Err(e) => return Err(Problem::new("download-failed", format!("{e}"))),
        };
        let actual = Sha256::digest(&bytes);
        if actual.as_slice() != expected {
            return Err(Problem::new(
                "checksum-mismatch",
                format!(
                    "the downloaded file has SHA-256 {}, the index says {}; it was discarded",
                    hex(&actual),
                    hex(expected)
                ),
            ));
        }
        self.store(&target, &bytes)
    }

    fn store(&self, target: &std::path::Path, bytes: &[u8]) -> Result<PathBuf, Problem> {
        write_atomic(target, bytes)
            .map(|()| target.to_owned())
            .map_err(|e| {
                Problem::new(
                    "download-failed",
                    format!("could not write the cache: {e:#}"),
                )
            })
    }

    /// Resolves specs (and, with `closure`, their dependencies) and downloads
    /// every chosen `.crate` file. Every spec is kept; the closure adds
    /// dependencies until there are `max` crates. Order is the walk's.
    pub async fn fetch_all(
        &self,
        specs: &[CrateSpec],
        closure: bool,
        max: usize,
    ) -> Vec<CrateInput> {
        let concurrency = self.options.concurrency.max(1);
        let mut seen: HashSet<String> = HashSet::new();
        let mut wave: Vec<CrateSpec> = Vec::new();
        // Without the closure, the crates of other shards need not even be
        // resolved: a shard's cache then holds only its own index files.
        let other_shard =
            |name: &str| !closure && self.options.shard.is_some_and(|s| !s.contains(name));
        for s in specs {
            if !other_shard(&s.name) && seen.insert(s.name.to_ascii_lowercase()) {
                wave.push(s.clone());
            }
        }
        let mut chosen = Vec::new();
        while !wave.is_empty() {
            let resolved: Vec<CrateInput> = stream::iter(wave.iter())
                .map(|s| self.resolve(s))
                .buffered(concurrency)
                .collect()
                .await;
            let mut next = Vec::new();
            for input in &resolved {
                let deps = input
                    .index
                    .iter()
                    .flat_map(|f| crate::built::built_of(&f.dependencies, &f.features))
                    .filter(|_| closure);
                for dep in deps {
                    if seen.len() < max && seen.insert(dep.name.to_ascii_lowercase()) {
                        next.push(CrateSpec {
                            name: dep.name.clone(),
                            version: None,
                        });
                    }
                }
            }
            chosen.extend(resolved);
            wave = next;
        }
        let shard = self.options.shard;
        stream::iter(
            chosen
                .iter_mut()
                .filter(|i| shard.is_none_or(|s| s.contains(&i.name))),
        )
        .for_each_concurrent(concurrency, |input| self.download(input))
        .await;
        chosen
    }
}
