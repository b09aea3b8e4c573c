//! The cache folder: its layout and its atomic writes.
//!
//! Layout (stable, documented in the README):
//! - `CACHE/crates/{name}/{name}-{version}.crate`: package files, checksum
//!   verified before they are written, so the folder doubles as a mirror;
//! - `CACHE/index/config.json`: the registry's index configuration;
//! - `CACHE/index/{prefix}/{name}`: index files, as the registry serves them,
//!   each with a `{name}.validators.json` holding its `ETag`/`Last-Modified`.
//!
//! Every write goes to a file that has no name until it is complete (Linux's
//! `O_TMPFILE`), then is linked into place; elsewhere, and to replace a file,
//! to a temporary file in the same folder that is renamed into place. A file
//! that already holds the bytes is not rewritten. So an interrupted run never
//! leaves a partial file behind, and a run killed while writing a new file
//! leaves no temporary file either.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

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

/// Writes `bytes` to `path` atomically (see the module's documentation),
/// flushed to disk first: for package and index files.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_renamed(path, bytes, true)
}

/// Writes `bytes` to `path` atomically, without waiting for the disk: for
/// small state files whose loss only costs work.
pub fn write_atomic_unsynced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_renamed(path, bytes, false)
}

fn write_renamed(path: &Path, bytes: &[u8], sync: bool) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .with_context(|| format!("{} has no parent folder", path.display()))?;
    let same = std::fs::metadata(path).is_ok_and(|m| m.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|old| old == bytes);
    if same {
        // Nothing to write (a state file rewritten unchanged, an index file
        // served again): only its age restarts, as a rewrite would have done.
        if let Ok(f) = std::fs::File::options().write(true).open(path) {
            let _ = f.set_modified(std::time::SystemTime::now());
        }
        return Ok(());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(target_os = "linux")]
    if unnamed::write(dir, path, bytes, sync)? {
        return Ok(());
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| {
            if sync {
                tmp.as_file().sync_data()
            } else {
                Ok(())
            }
        })
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("renaming into {}", path.display()))?;
    Ok(())
}

/// Writes through a file with no name (`O_TMPFILE`): a process killed while
/// writing leaves nothing behind, not even a temporary file.
#[cfg(target_os = "linux")]
mod unnamed {
    use std::ffi::CString;
    use std::io::Write;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    use std::path::Path;

    use anyhow::Context;

    fn link(from: &CString, to: &Path) -> std::io::Result<()> {
        let to = CString::new(to.as_os_str().as_bytes())?;
        // SAFETY: both arguments are valid NUL-terminated paths that outlive the call.
        let rc = unsafe {
            libc::linkat(
                libc::AT_FDCWD,
                from.as_ptr(),
                libc::AT_FDCWD,
                to.as_ptr(),
                libc::AT_SYMLINK_FOLLOW,
            )
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }

    /// Writes `bytes` to `path` through an unnamed file in `dir`; `Ok(false)`
    /// where the system cannot, and the caller writes another way.
    pub(super) fn write(dir: &Path, path: &Path, bytes: &[u8], sync: bool) -> anyhow::Result<bool> {
        let mut file = match std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_TMPFILE)
            .mode(0o600)
            .open(dir)
        {
            Ok(f) => f,
            // No unnamed files on this kernel or filesystem.
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)
                ) =>
            {
                return Ok(false);
            }
            Err(e) => {
                return Err(e).with_context(|| format!("creating a file in {}", dir.display()));
            }
        };
        file.write_all(bytes)
            .and_then(|()| if sync { file.sync_data() } else { Ok(()) })
            .with_context(|| format!("writing {}", path.display()))?;
        let fd = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
        match link(&fd, path) {
            // The file gets its name complete, in one step.
            Ok(()) => return Ok(true),
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {}
            // No /proc to name the file by.
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Ok(false),
            Err(e) => return Err(e).with_context(|| format!("linking {}", path.display())),
        }
        // Replacing a file takes a rename, so a temporary name: it holds the
        // whole file by then.
        for n in 0..100 {
            let tmp = dir.join(format!(".tmp-{}-{n}", std::process::id()));
            match link(&fd, &tmp) {
                Ok(()) => {
                    let renamed = std::fs::rename(&tmp, path);
                    if renamed.is_err() {
                        let _ = std::fs::remove_file(&tmp);
                    }
                    renamed.with_context(|| format!("renaming into {}", path.display()))?;
                    return Ok(true);
                }
                Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {}
                Err(e) => return Err(e).with_context(|| format!("linking {}", tmp.display())),
            }
        }
        anyhow::bail!("no free temporary name in {}", dir.display())
    }
}

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
