//! Atomic file writes, below every stage: every file of the cache, the store
//! and the state goes through them.
//!
//! A write goes to a file that has no name until it is complete (Linux's
//! `O_TMPFILE`), then is linked into place; elsewhere, and to replace a file,
//! to a temporary file in the same folder that is renamed into place. A file
//! that already holds the bytes is not rewritten. So an interrupted run never
//! leaves a partial file behind, and a run killed while writing a new file
//! leaves no temporary file either.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

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
