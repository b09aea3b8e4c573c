//! The registry's daily database dump: where it is (a path, a URL, or by
//! default `db-dump.tar.gz` at the root of the origin that serves crate
//! downloads, read from the index's `config.json`), fetching it into the
//! cache conditionally, and loading it: [`read`] streams the archive's CSV
//! tables, [`tables`] keeps the columns cargofox uses, [`join`] compacts
//! them into the [`DumpData`] of [`data`] that the later stages use.
//!
//! The format read is the registry's since June 2026, and the one before it
//! (where a user's login is `gh_login`). Columns are found by name: an added
//! column is ignored, a needed table or column that is gone stops the load
//! with a [`DumpError`] naming it. The dump is gigabytes of CSV; no table is
//! ever held whole.

mod data;
mod join;
mod read;
mod tables;
mod values;

pub use data::{DeletedCrate, DumpCrate, DumpData, DumpDep, DumpVersion};
pub use read::DumpError;

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Fetcher;
use super::http::Fetched;
use super::index::Registry;
use anyhow::Context;

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

/// Reads the dump at `path` in one streaming pass.
pub fn load(path: &Path) -> anyhow::Result<DumpData> {
    let mut raw = tables::Raw::default();
    read::read_archive(path, &mut raw)
        .with_context(|| format!("reading the database dump {}", path.display()))?;
    anyhow::ensure!(
        !raw.crates.is_empty(),
        "the database dump {} holds no crates.csv rows",
        path.display()
    );
    Ok(join::join(raw))
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
