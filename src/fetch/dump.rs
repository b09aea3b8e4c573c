//! The registry's daily database dump: where it is (a path, a URL, or by
//! default `db-dump.tar.gz` at the root of the origin that serves crate
//! downloads, read from the index's `config.json`), fetching it into the
//! cache conditionally, and reading it in one streaming pass (the `db-dump`
//! crate) into the compact [`DumpData`] the later stages use.
//!
//! Only the tables cargofox needs are read, and rows are kept in compact
//! form: the dump is gigabytes of CSV and must fit in a few GiB of memory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use chrono::Datelike;

use super::Fetcher;
use super::http::Fetched;
use super::index::Registry;
use crate::model::{DependencyKind, Owner, OwnerKind};

/// File name of the dump, at the root of the download origin and in the cache.
pub const DUMP_FILE: &str = "db-dump.tar.gz";
/// Largest dump downloaded (bytes).
const MAX_DUMP: u64 = 64 << 30;
/// Longest a dump download may take.
const DUMP_TIMEOUT: Duration = Duration::from_secs(4 * 3600);

/// Where the dump comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DumpLocation {
    /// The registry's own dump, at the root of its download origin.
    Registry,
    /// A URL.
    Url(String),
    /// A file on disk.
    Path(PathBuf),
}

impl DumpLocation {
    /// Reads the `--db-dump` value: empty or `registry` for the default.
    pub fn parse(value: &str) -> Self {
        match value.trim() {
            "" | "registry" => Self::Registry,
            v if v.starts_with("http://") || v.starts_with("https://") => Self::Url(v.to_owned()),
            v => Self::Path(PathBuf::from(v)),
        }
    }
}

/// `db-dump.tar.gz` at the root of the origin of the registry's `dl`.
pub fn default_dump_url(registry: &Registry) -> anyhow::Result<String> {
    let dl = &registry.dl;
    let scheme_end = dl
        .find("://")
        .with_context(|| format!("the index's download URL `{dl}` has no scheme"))?;
    let host_end = dl[scheme_end + 3..]
        .find('/')
        .map_or(dl.len(), |i| scheme_end + 3 + i);
    Ok(format!("{}/{DUMP_FILE}", &dl[..host_end]))
}

impl Fetcher {
    /// The dump on disk: a path as given, or a URL fetched into
    /// `CACHE/dump/` (conditionally, reused while younger than the index
    /// max age, taken from the cache when offline).
    pub async fn dump(&self, location: &DumpLocation) -> anyhow::Result<PathBuf> {
        let url = match location {
            DumpLocation::Path(p) => {
                anyhow::ensure!(
                    p.is_file(),
                    "the database dump {} does not exist",
                    p.display()
                );
                return Ok(p.clone());
            }
            DumpLocation::Url(u) => u.clone(),
            DumpLocation::Registry => default_dump_url(self.registry().await?)?,
        };
        let path = self.cache.root().join("dump").join(DUMP_FILE);
        let age = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok());
        if self.options.offline || age.is_some_and(|a| a < self.options.index_max_age) {
            anyhow::ensure!(
                age.is_some(),
                "offline, and no database dump is in {}",
                path.display()
            );
            return Ok(path);
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let validators = age.and_then(|_| self.cache.read_validators(&path));
        let mut tmp = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempfile_in(dir)
            .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
        let fetched = self
            .http
            .get_to_file(
                &url,
                validators.as_ref(),
                MAX_DUMP,
                tmp.as_file_mut(),
                DUMP_TIMEOUT,
            )
            .await
            .with_context(|| format!("downloading the database dump from {url}"))?;
        match fetched {
            Fetched::NotModified => {
                if let Ok(f) = std::fs::File::options().write(true).open(&path) {
                    let _ = f.set_modified(std::time::SystemTime::now());
                }
            }
            Fetched::Body(_, validators) => {
                tmp.as_file().sync_data()?;
                tmp.persist(&path)
                    .with_context(|| format!("saving {}", path.display()))?;
                self.cache.write_validators(&path, &validators)?;
            }
        }
        Ok(path)
    }
}

/// One crate of the dump.
#[derive(Debug, Clone, Default)]
pub struct DumpCrate {
    /// Name as published.
    pub name: String,
    /// First publication (RFC 3339).
    pub created_at: String,
    /// Repository URL of the crate's newest metadata.
    pub repository: Option<String>,
    /// Every download, all time.
    pub downloads: u64,
    /// Downloads per day of [`DumpData::days`].
    pub daily: Box<[u32]>,
    /// Owners: indices into [`DumpData::owners`], with when they were added
    /// (seconds since the epoch).
    pub owners: Vec<(u32, i64)>,
    /// Category slugs.
    pub categories: Vec<String>,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Releases, oldest version first.
    pub versions: Vec<DumpVersion>,
    /// Dependencies of the default (newest) release.
    pub deps: Vec<DumpDep>,
}

impl DumpCrate {
    /// Downloads over the dump's window.
    pub fn recent(&self) -> u64 {
        self.daily.iter().map(|&d| u64::from(d)).sum()
    }
}

/// One release of a crate.
#[derive(Debug, Clone)]
pub struct DumpVersion {
    /// Version number.
    pub num: semver::Version,
    /// Whether it was yanked.
    pub yanked: bool,
    /// Publication (seconds since the epoch).
    pub created_at: i64,
    /// Downloads of this release, all time.
    pub downloads: u64,
    /// Size of its `.crate` file.
    pub crate_size: Option<u64>,
}

/// One dependency edge of a default release.
#[derive(Debug, Clone, Copy)]
pub struct DumpDep {
    /// Index into [`DumpData::crates`].
    pub target: u32,
    /// Kind.
    pub kind: DependencyKind,
    /// Whether it is optional.
    pub optional: bool,
}

/// What the dump says, compacted.
#[derive(Debug, Default)]
pub struct DumpData {
    /// The days of the download window, oldest first (`YYYY-MM-DD`).
    pub days: Vec<String>,
    /// Every crate, sorted by name.
    pub crates: Vec<DumpCrate>,
    /// Every owner referenced by a crate (`since` unset).
    pub owners: Vec<Owner>,
    /// Category slug to display name.
    pub category_names: HashMap<String, String>,
    by_name: HashMap<String, u32>,
}

impl DumpData {
    /// The crate named `name` (case-insensitive, `-` and `_` distinct).
    pub fn get(&self, name: &str) -> Option<(u32, &DumpCrate)> {
        let i = *self.by_name.get(&name.to_ascii_lowercase())?;
        Some((i, &self.crates[i as usize]))
    }

    /// The last day of the dump's window, when it has downloads.
    pub fn as_of(&self) -> Option<&str> {
        self.days.last().map(String::as_str)
    }
}

/// Rows kept while streaming, before they are joined.
#[derive(Default)]
struct Raw {
    crates: Vec<(u32, DumpCrate)>,
    downloads: Vec<(u32, u64)>,
    owners: Vec<(u32, u32, bool, i64)>,
    users: HashMap<u32, (String, Option<String>)>,
    teams: HashMap<u32, (String, Option<String>)>,
    categories: HashMap<u32, (String, String)>,
    crate_categories: Vec<(u32, u32)>,
    keywords: HashMap<u32, String>,
    crate_keywords: Vec<(u32, u32)>,
    default_versions: HashMap<u32, u32>,
    deps: Vec<(u32, u32, DependencyKind, bool)>,
    version_downloads: Vec<(u32, i32, u32)>,
    versions: Vec<(u32, u32, DumpVersion)>,
}

/// Reads the dump at `path` in one streaming pass.
pub fn load(path: &Path) -> anyhow::Result<DumpData> {
    let mut raw = Raw::default();
    read_tables(path, &mut raw)
        .map_err(|e| {
            anyhow::anyhow!(
                "{e} (the dump's format may have changed: cargofox reads it with db-dump {})",
                "0.7"
            )
        })
        .with_context(|| format!("reading the database dump {}", path.display()))?;
    anyhow::ensure!(
        !raw.crates.is_empty(),
        "the database dump {} holds no crates.csv rows",
        path.display()
    );
    Ok(join(raw))
}

fn read_tables(path: &Path, raw: &mut Raw) -> db_dump::Result<()> {
    use db_dump::dependencies::DependencyKind as K;
    let Raw {
        crates,
        downloads,
        owners,
        users,
        teams,
        categories,
        crate_categories,
        keywords,
        crate_keywords,
        default_versions,
        deps,
        version_downloads,
        versions,
    } = raw;
    db_dump::Loader::new()
        .crates(|r| {
            let c = DumpCrate {
                created_at: r
                    .created_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                repository: r.repository.filter(|s| !s.is_empty()),
                name: r.name,
                ..DumpCrate::default()
            };
            crates.push((r.id.0, c));
        })
        .crate_downloads(|r| downloads.push((r.crate_id.0, r.downloads)))
        .crate_owners(|r| {
            let (id, team) = match r.owner_id {
                db_dump::crate_owners::OwnerId::User(u) => (u.0, false),
                db_dump::crate_owners::OwnerId::Team(t) => (t.0, true),
            };
            owners.push((r.crate_id.0, id, team, r.created_at.timestamp()));
        })
        .users(|r| {
            users.insert(r.id.0, (r.gh_login, r.name.filter(|n| !n.is_empty())));
        })
        .teams(|r| {
            teams.insert(r.id.0, (r.login, Some(r.name).filter(|n| !n.is_empty())));
        })
        .categories(|r| {
            categories.insert(r.id.0, (r.slug, r.category));
        })
        .crates_categories(|r| crate_categories.push((r.crate_id.0, r.category_id.0)))
        .keywords(|r| {
            keywords.insert(r.id.0, r.keyword);
        })
        .crates_keywords(|r| crate_keywords.push((r.crate_id.0, r.keyword_id.0)))
        .default_versions(|r| {
            default_versions.insert(r.crate_id.0, r.version_id.0);
        })
        .dependencies(|r| {
            let kind = match r.kind {
                K::Normal => DependencyKind::Normal,
                K::Build => DependencyKind::Build,
                K::Dev => DependencyKind::Dev,
            };
            deps.push((r.version_id.0, r.crate_id.0, kind, r.optional));
        })
        .version_downloads(|r| {
            let day = r.date.num_days_from_ce();
            version_downloads.push((r.version_id.0, day, r.downloads.min(u32::MAX.into()) as u32));
        })
        .versions(|r| {
            let v = DumpVersion {
                num: r.num,
                yanked: r.yanked,
                created_at: r.created_at.timestamp(),
                downloads: r.downloads,
                crate_size: r.crate_size,
            };
            versions.push((r.id.0, r.crate_id.0, v));
        })
        .load(path)
}

/// Joins the raw tables into [`DumpData`].
fn join(raw: Raw) -> DumpData {
    let mut crates = raw.crates;
    crates.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    let index: HashMap<u32, u32> = crates
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i as u32))
        .collect();
    let mut list: Vec<DumpCrate> = crates.into_iter().map(|(_, c)| c).collect();
    let slot = |id: u32| index.get(&id).map(|&i| i as usize);

    for (id, n) in raw.downloads {
        if let Some(i) = slot(id) {
            list[i].downloads = n;
        }
    }
    let mut owner_index: HashMap<(u32, bool), u32> = HashMap::new();
    let mut owners = Vec::new();
    for (crate_id, owner_id, team, since) in raw.owners {
        let (Some(i), Some((login, name))) = (
            slot(crate_id),
            if team {
                raw.teams.get(&owner_id)
            } else {
                raw.users.get(&owner_id)
            },
        ) else {
            continue;
        };
        let o = *owner_index.entry((owner_id, team)).or_insert_with(|| {
            owners.push(Owner {
                login: login.clone(),
                kind: if team {
                    OwnerKind::Team
                } else {
                    OwnerKind::User
                },
                name: name.clone(),
                since: None,
            });
            owners.len() as u32 - 1
        });
        list[i].owners.push((o, since));
    }
    let mut category_names = HashMap::new();
    for (crate_id, cat) in raw.crate_categories {
        if let (Some(i), Some((slug, name))) = (slot(crate_id), raw.categories.get(&cat)) {
            list[i].categories.push(slug.clone());
            category_names.insert(slug.clone(), name.clone());
        }
    }
    for (crate_id, kw) in raw.crate_keywords {
        if let (Some(i), Some(k)) = (slot(crate_id), raw.keywords.get(&kw)) {
            list[i].keywords.push(k.clone());
        }
    }

    let mut version_crate: HashMap<u32, (u32, usize)> = HashMap::with_capacity(raw.versions.len());
    for (vid, crate_id, v) in raw.versions {
        if let Some(i) = slot(crate_id) {
            version_crate.insert(vid, (i as u32, list[i].versions.len()));
            list[i].versions.push(v);
        }
    }
    let default_of: HashMap<u32, u32> = raw
        .default_versions
        .iter()
        .filter_map(|(c, v)| Some((*v, *slot(*c).as_ref()? as u32)))
        .collect();
    for (vid, target, kind, optional) in raw.deps {
        let (Some(&i), Some(t)) = (default_of.get(&vid), slot(target)) else {
            continue;
        };
        list[i as usize].deps.push(DumpDep {
            target: t as u32,
            kind,
            optional,
        });
    }

    let last = raw.version_downloads.iter().map(|r| r.1).max();
    let days = match last {
        Some(last) => {
            let first = last - 89;
            for (vid, day, n) in &raw.version_downloads {
                let (Some(&(i, _)), true) = (version_crate.get(vid), *day >= first) else {
                    continue;
                };
                let c = &mut list[i as usize];
                if c.daily.is_empty() {
                    c.daily = vec![0; 90].into_boxed_slice();
                }
                let d = &mut c.daily[(day - first) as usize];
                *d = d.saturating_add(*n);
            }
            (first..=last).filter_map(day_string).collect()
        }
        None => Vec::new(),
    };
    for c in &mut list {
        c.versions.sort_by(|a, b| a.num.cmp(&b.num));
        c.categories.sort();
        c.keywords.sort();
        c.owners.sort();
        c.deps.sort_by_key(|d| (d.target, d.kind));
    }
    let by_name = list
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.to_ascii_lowercase(), i as u32))
        .collect();
    DumpData {
        days,
        crates: list,
        owners,
        category_names,
        by_name,
    }
}

/// `YYYY-MM-DD` of a day counted from the common era.
fn day_string(day: i32) -> Option<String> {
    chrono::NaiveDate::from_num_days_from_ce_opt(day).map(|d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_url_is_at_the_root_of_the_download_origin() {
        let r = Registry {
            index_url: "http://127.0.0.1:1/index/".into(),
            dl: "http://127.0.0.1:1/api/v1/crates".into(),
            api: None,
        };
        assert_eq!(
            default_dump_url(&r).unwrap(),
            "http://127.0.0.1:1/db-dump.tar.gz"
        );
        assert_eq!(DumpLocation::parse(""), DumpLocation::Registry);
        assert_eq!(
            DumpLocation::parse("https://example.org/d.tar.gz"),
            DumpLocation::Url("https://example.org/d.tar.gz".into())
        );
        assert_eq!(
            DumpLocation::parse("d.tar.gz"),
            DumpLocation::Path("d.tar.gz".into())
        );
    }
}
