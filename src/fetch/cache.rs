//! The cache folder: its layout and its atomic writes.
//!
//! Layout (stable, documented in the README):
//! - `CACHE/crates/{name}/{name}-{version}.crate`: package files, checksum
//!   verified before they are written, so the folder doubles as a mirror;
//! - `CACHE/index/config.json`: the registry's index configuration;
//! - `CACHE/index/{prefix}/{name}`: index files, as the registry serves them,
//!   each with a `{name}.validators.json` holding its `ETag`/`Last-Modified`.
//!
//! Every write goes through [`crate::atomic`], so an interrupted run never
//! leaves a partial or temporary file behind.

use std::path::{Path, PathBuf};

use super::http::Validators;

/// A cache folder.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// A cache rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The cache's root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the `.crate` file of `name`-`version` lives.
    pub fn crate_path(&self, name: &str, version: &str) -> PathBuf {
        self.root
            .join("crates")
            .join(name)
            .join(format!("{name}-{version}.crate"))
    }

    /// Where the index file of a crate lives (`rel` is the index-relative path).
    pub fn index_path(&self, rel: &str) -> PathBuf {
        self.root.join("index").join(rel)
    }

    /// Where repositories fetched for the repository check are kept, as
    /// `{host}/{owner}/{repo}.git`.
    pub fn git_dir(&self) -> PathBuf {
        self.root.join("git")
    }

    /// Where the index's `config.json` is kept.
    pub fn index_config_path(&self) -> PathBuf {
        self.root.join("index").join("config.json")
    }

    /// Reads a cached file with the validators stored beside it.
    pub fn read_with_validators(&self, path: &Path) -> Option<(Vec<u8>, Validators)> {
        let body = std::fs::read(path).ok()?;
        let validators = std::fs::read(validators_path(path))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Some((body, validators))
    }

    /// The validators stored beside a cached file.
    pub fn read_validators(&self, path: &Path) -> Option<Validators> {
        let bytes = std::fs::read(validators_path(path)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores the validators of a cached file beside it.
    pub fn write_validators(&self, path: &Path, validators: &Validators) -> anyhow::Result<()> {
        write_atomic(&validators_path(path), &serde_json::to_vec(validators)?)
    }

    /// Writes a file and its validators, each atomically.
    pub fn write_with_validators(
        &self,
        path: &Path,
        body: &[u8],
        validators: &Validators,
    ) -> anyhow::Result<()> {
        write_atomic(path, body)?;
        write_atomic(&validators_path(path), &serde_json::to_vec(validators)?)
    }
}

fn validators_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".validators.json");
    path.with_file_name(name)
}

pub use crate::atomic::{write_atomic, write_atomic_unsynced};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_a_plain_mirror_folder() {
        let cache = Cache::new("/c");
        assert_eq!(
            cache.crate_path("serde", "1.0.0"),
            PathBuf::from("/c/crates/serde/serde-1.0.0.crate")
        );
        assert_eq!(
            cache.index_path("se/rd/serde"),
            PathBuf::from("/c/index/se/rd/serde")
        );
    }

    #[test]
    fn validators_round_trip_and_no_temporary_file_remains() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let path = cache.index_path("3/a/abc");
        let v = Validators {
            etag: Some("\"x\"".into()),
            last_modified: None,
        };
        cache.write_with_validators(&path, b"line\n", &v).unwrap();
        let (body, back) = cache.read_with_validators(&path).unwrap();
        assert_eq!(body, b"line\n");
        assert_eq!(back, v);
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with(".tmp-")), "{names:?}");
    }

    #[test]
    fn writes_create_replace_or_keep_a_file_and_leave_no_other_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/file");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two!").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two!");
        let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        let f = std::fs::File::options().write(true).open(&path).unwrap();
        f.set_modified(long_ago).unwrap();
        drop(f);
        write_atomic_unsynced(&path, b"two!").unwrap();
        let age = std::fs::metadata(&path)
            .unwrap()
            .modified()
            .unwrap()
            .elapsed()
            .unwrap_or_default();
        assert!(
            age < std::time::Duration::from_secs(3600),
            "an unchanged file's age restarts"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"two!");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["file".to_owned()]);
    }
}
