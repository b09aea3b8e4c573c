//! Settings: the optional `cargofox.toml` file and the command-line flags,
//! merged into validated [`Settings`] before any work starts (flags win).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::analyze::Limits;
use crate::fetch::http::{HttpSettings, default_user_agent};
use crate::fetch::select::{self, CrateSpec};
use crate::fetch::{DEFAULT_INDEX_MAX_AGE, DEFAULT_MAX_DOWNLOAD, FetchOptions};

/// `cargofox.toml`: every key optional, same names as the long flags.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileConfig {
    /// `--out`.
    pub out: Option<PathBuf>,
    /// `--cache`.
    pub cache: Option<PathBuf>,
    /// `--offline`.
    pub offline: Option<bool>,
    /// `--index-url`.
    pub index_url: Option<String>,
    /// `--base-url`.
    pub base_url: Option<String>,
    /// `--jobs`.
    pub jobs: Option<usize>,
    /// `--concurrency`.
    pub concurrency: Option<usize>,
    /// `--max-crates`.
    pub max_crates: Option<usize>,
    /// `--closure`.
    pub closure: Option<bool>,
    /// `--crates`.
    pub crates: Option<Vec<String>>,
    /// `--crates-file`.
    pub crates_file: Option<PathBuf>,
    /// `--crate-dir`.
    pub crate_dir: Option<PathBuf>,
    /// `--mirror`.
    pub mirrors: Option<Vec<PathBuf>>,
    /// `--user-agent`.
    pub user_agent: Option<String>,
    /// `--title`.
    pub title: Option<String>,
    /// Seconds a fetched index file is used without asking the server again.
    pub index_max_age: Option<u64>,
    /// Whether cargo's own download cache is searched for `.crate` files.
    pub use_cargo_cache: Option<bool>,
    /// Limits on what one package may cost.
    pub limits: Option<Limits>,
    /// `--db-dump`: a path, a URL, or `registry` for the registry's own.
    pub db_dump: Option<String>,
    /// `--top`.
    pub top: Option<usize>,
    /// `--advisory-db`.
    pub advisory_db: Option<PathBuf>,
    /// `--audits`.
    pub audits: Option<String>,
    /// `--drop-packages`.
    pub drop_packages: Option<bool>,
    /// `--registry-mirror`.
    pub registry_mirror: Option<bool>,
    /// `--git-mirror`.
    pub git_mirror: Option<PathBuf>,
    /// `--clone-repositories`.
    pub clone_repositories: Option<bool>,
    /// `--crev-proofs`.
    pub crev_proofs: Option<PathBuf>,
}

impl FileConfig {
    /// Reads `path`; with no path, `./cargofox.toml` when it exists.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let path = match path {
            Some(p) => p.to_owned(),
            None if Path::new("cargofox.toml").is_file() => PathBuf::from("cargofox.toml"),
            None => return Ok(Self::default()),
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("reading {}", path.display()))
    }
}

/// What to build: a folder of `.crate` files, or specs from a registry.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Every `.crate` file of a folder, with no index.
    Dir(PathBuf),
    /// Crates from the registry.
    Registry {
        /// The crates asked for.
        specs: Vec<CrateSpec>,
        /// Whether their dependencies are added.
        closure: bool,
        /// At most this many crates.
        max: usize,
        /// Whether nothing was asked for: the curated list, replaced by
        /// the dump's crates when a dump is loaded.
        curated: bool,
    },
}

/// Validated settings of a run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Fetch options.
    pub fetch: FetchOptions,
    /// Worker threads for analysis and rendering.
    pub jobs: usize,
    /// Package limits.
    pub limits: Limits,
    /// Output folder.
    pub out: PathBuf,
    /// Absolute URL the site will be served from.
    pub base_url: String,
    /// Site title.
    pub title: String,
    /// Skip the risk scan (only to measure what it costs).
    pub skip_scan: bool,
    /// The database dump to read, if any.
    pub db_dump: Option<crate::fetch::dump::DumpLocation>,
    /// With a dump: cover only the crates with the most recent downloads.
    pub top: Option<usize>,
    /// A local checkout of the RustSec advisory database.
    pub advisory_db: Option<PathBuf>,
    /// A cargo-vet registry file naming audit sets (path or URL).
    pub audits: Option<String>,
    /// Remove each `.crate` file from the cache once its analysis is stored.
    pub drop_packages: bool,
    /// Also publish a cargo registry mirror of the crates shown.
    pub registry_mirror: bool,
    /// Where repositories are found for the repository check.
    pub repositories: crate::fetch::git::RepoSources,
    /// A folder of cargo-crev proof repositories.
    pub crev_proofs: Option<PathBuf>,
}

/// Raw flags shared by the commands, before merging.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `--cache`.
    pub cache: Option<PathBuf>,
    /// `--offline`.
    pub offline: bool,
    /// `--index-url`.
    pub index_url: Option<String>,
    /// `--jobs`.
    pub jobs: Option<usize>,
    /// `--concurrency`.
    pub concurrency: Option<usize>,
    /// `--mirror`.
    pub mirrors: Vec<PathBuf>,
    /// `--user-agent`.
    pub user_agent: Option<String>,
    /// `--index-max-age`.
    pub index_max_age: Option<u64>,
    /// `--out`.
    pub out: Option<PathBuf>,
    /// `--base-url`.
    pub base_url: Option<String>,
    /// `--title`.
    pub title: Option<String>,
    /// `--db-dump`.
    pub db_dump: Option<String>,
    /// `--top`.
    pub top: Option<usize>,
    /// `--advisory-db`.
    pub advisory_db: Option<PathBuf>,
    /// `--audits`.
    pub audits: Option<String>,
    /// `--drop-packages`.
    pub drop_packages: bool,
    /// `--registry-mirror`.
    pub registry_mirror: bool,
    /// `--git-mirror`.
    pub git_mirror: Option<PathBuf>,
    /// `--clone-repositories`.
    pub clone_repositories: bool,
    /// `--crev-proofs`.
    pub crev_proofs: Option<PathBuf>,
}

impl Settings {
    /// Merges flags over the file over the defaults.
    pub fn resolve(flags: Flags, file: &FileConfig) -> anyhow::Result<Self> {
        let jobs = flags
            .jobs
            .or(file.jobs)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        if jobs == 0 {
            bail!("--jobs must be at least 1");
        }
        let base_url = flags
            .base_url
            .or_else(|| file.base_url.clone())
            .unwrap_or_else(|| "http://127.0.0.1:8080/".into());
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            bail!("--base-url must be an absolute http(s) URL, not `{base_url}`");
        }
        let mut mirrors = flags.mirrors;
        mirrors.extend(file.mirrors.clone().unwrap_or_default());
        if let Some(p) = flags.advisory_db.as_ref().or(file.advisory_db.as_ref()) {
            if !p.join("crates").is_dir() {
                bail!(
                    "--advisory-db {} is not a checkout of the RustSec advisory database (it has no crates/ folder)",
                    p.display()
                );
            }
        }
        let drop_packages = flags.drop_packages || file.drop_packages.unwrap_or(false);
        let registry_mirror = flags.registry_mirror || file.registry_mirror.unwrap_or(false);
        if drop_packages && registry_mirror {
            bail!(
                "--registry-mirror publishes the packages, which --drop-packages removes from the cache: choose one"
            );
        }
        let cache = flags
            .cache
            .or_else(|| file.cache.clone())
            .unwrap_or_else(|| PathBuf::from("cache"));
        let git_mirror = flags.git_mirror.or_else(|| file.git_mirror.clone());
        if let Some(dir) = git_mirror.as_ref().filter(|d| !d.is_dir()) {
            bail!("--git-mirror {} is not a folder", dir.display());
        }
        let repositories = crate::fetch::git::RepoSources::new(
            git_mirror,
            Some(crate::fetch::cache::Cache::new(&cache).git_dir()),
            flags.clone_repositories || file.clone_repositories.unwrap_or(false),
        );
        Ok(Self {
            fetch: FetchOptions {
                cache,
                offline: flags.offline || file.offline.unwrap_or(false),
                index_url: flags.index_url.or_else(|| file.index_url.clone()),
                concurrency: flags.concurrency.or(file.concurrency).unwrap_or(16).max(1),
                mirrors,
                use_cargo_cache: file.use_cargo_cache.unwrap_or(true),
                http: HttpSettings {
                    user_agent: flags
                        .user_agent
                        .or_else(|| file.user_agent.clone())
                        .unwrap_or_else(default_user_agent),
                    ..HttpSettings::default()
                },
                max_download: DEFAULT_MAX_DOWNLOAD,
                index_max_age: flags
                    .index_max_age
                    .or(file.index_max_age)
                    .map_or(DEFAULT_INDEX_MAX_AGE, std::time::Duration::from_secs),
                skip_stored: false,
                shard: None,
            },
            jobs,
            limits: file.limits.unwrap_or_default(),
            out: flags
                .out
                .or_else(|| file.out.clone())
                .unwrap_or_else(|| PathBuf::from("public")),
            base_url,
            title: flags
                .title
                .or_else(|| file.title.clone())
                .unwrap_or_else(|| "cargofox".into()),
            skip_scan: false,
            db_dump: flags
                .db_dump
                .or_else(|| file.db_dump.clone())
                .map(|v| crate::fetch::dump::DumpLocation::parse(&v)),
            top: flags.top.or(file.top),
            advisory_db: flags.advisory_db.or_else(|| file.advisory_db.clone()),
            audits: flags.audits.or_else(|| file.audits.clone()),
            drop_packages,
            registry_mirror,
            repositories,
            crev_proofs: flags.crev_proofs.or_else(|| file.crev_proofs.clone()),
        })
    }
}

/// Raw selection flags.
#[derive(Debug, Clone, Default)]
pub struct SelectionFlags {
    /// `--crates`.
    pub crates: Vec<String>,
    /// `--crates-file`.
    pub crates_file: Option<PathBuf>,
    /// `--crate-dir`.
    pub crate_dir: Option<PathBuf>,
    /// `--closure`.
    pub closure: bool,
    /// `--max-crates`.
    pub max_crates: Option<usize>,
}

/// Turns selection flags (over the file) into a [`Selection`]. With nothing
/// selected, the curated default list and its dependency closure.
pub fn selection(flags: SelectionFlags, file: &FileConfig) -> anyhow::Result<Selection> {
    if let Some(dir) = flags.crate_dir.or_else(|| file.crate_dir.clone()) {
        return Ok(Selection::Dir(dir));
    }
    let max = flags.max_crates.or(file.max_crates).unwrap_or(300);
    let mut specs = Vec::new();
    let crates = if flags.crates.is_empty() {
        file.crates.clone().unwrap_or_default()
    } else {
        flags.crates
    };
    for c in &crates {
        specs.extend(select::parse_list(c)?);
    }
    if let Some(path) = flags.crates_file.or_else(|| file.crates_file.clone()) {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        specs.extend(
            select::parse_list(&text).with_context(|| format!("reading {}", path.display()))?,
        );
    }
    let closure = flags.closure || file.closure.unwrap_or(false);
    if specs.is_empty() {
        return Ok(Selection::Registry {
            specs: select::default_specs(),
            closure: true,
            max,
            curated: true,
        });
    }
    Ok(Selection::Registry {
        specs,
        closure,
        max,
        curated: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file() {
        let file: FileConfig = toml::from_str("out = \"site\"\njobs = 3\nbase-url = \"https://example.org/x/\"\n[limits]\nmax-entries = 10\n").unwrap();
        let s = Settings::resolve(
            Flags {
                jobs: Some(1),
                ..Flags::default()
            },
            &file,
        )
        .unwrap();
        assert_eq!(s.jobs, 1);
        assert_eq!(s.out, PathBuf::from("site"));
        assert_eq!(s.base_url, "https://example.org/x/");
        assert_eq!(s.limits.max_entries, 10);
        assert!(toml::from_str::<FileConfig>("unknown = 1").is_err());
    }

    #[test]
    fn default_selection_is_the_curated_list_with_its_closure() {
        match selection(SelectionFlags::default(), &FileConfig::default()).unwrap() {
            Selection::Registry {
                specs,
                closure,
                max,
                ..
            } => {
                assert!(closure);
                assert_eq!(max, 300);
                assert!(specs.iter().any(|s| s.name == "serde"));
            }
            Selection::Dir(_) => panic!("expected the registry"),
        }
    }
}
