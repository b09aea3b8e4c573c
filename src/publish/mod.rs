//! The publish stage: makes a rendered site the published one, atomically.
//!
//! A build renders into a staging folder beside the output folder
//! (`.{out}.staging-{pid}`); publishing swaps the two in one step (Linux's
//! `renameat2(RENAME_EXCHANGE)`, elsewhere two renames with recovery), then
//! deletes the old site. A build killed at any moment leaves the previous
//! site in place; leftovers of interrupted builds are cleaned up by the next.
//! Before the swap, [`manifest`] lists every file of the new site.

pub mod manifest;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// A folder being filled with a new site.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    out: PathBuf,
}

fn sibling(out: &Path, tag: &str) -> anyhow::Result<PathBuf> {
    let name = out
        .file_name()
        .with_context(|| format!("{} is not a folder name", out.display()))?
        .to_string_lossy();
    Ok(out.with_file_name(format!(".{name}.{tag}-{}", std::process::id())))
}

fn leftovers(out: &Path) -> Vec<PathBuf> {
    let (Some(parent), Some(name)) = (out.parent(), out.file_name()) else {
        return Vec::new();
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let mut found: Vec<PathBuf> = std::fs::read_dir(parent)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .map(|e| out.with_file_name(e.file_name()))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// Cleans up after interrupted builds: restores a site that was moved aside
/// but not replaced, and deletes stale staging and old folders.
pub fn recover(out: &Path) -> anyhow::Result<()> {
    for path in leftovers(out) {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if name.contains(".old-") && !out.exists() {
            std::fs::rename(&path, out).with_context(|| format!("restoring {}", out.display()))?;
            tracing::warn!("restored the previous site from {}", path.display());
        } else {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("removing {}", path.display()))?;
        }
    }
    Ok(())
}

/// Starts a new site beside `out`.
pub fn prepare(out: &Path) -> anyhow::Result<Staging> {
    recover(out)?;
    let dir = sibling(out, "staging")?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(Staging {
        dir,
        out: out.to_owned(),
    })
}

impl Staging {
    /// The folder to render into.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the manifest of the staged site, then publishes it in place
    /// of the old one.
    pub fn commit(self, generated_at: &str) -> anyhow::Result<manifest::ManifestStats> {
        let stats = manifest::write(&self.dir, &self.out, generated_at)?;
        self.swap()?;
        Ok(stats)
    }

    fn swap(self) -> anyhow::Result<()> {
        if !self.out.exists() {
            std::fs::rename(&self.dir, &self.out)
                .with_context(|| format!("publishing {}", self.out.display()))?;
            return Ok(());
        }
        if !self.out.is_dir() {
            bail!("{} exists and is not a folder", self.out.display());
        }
        if !exchange(&self.dir, &self.out)? {
            let old = sibling(&self.out, "old")?;
            std::fs::rename(&self.out, &old)
                .with_context(|| format!("moving {} aside", self.out.display()))?;
            std::fs::rename(&self.dir, &self.out)
                .with_context(|| format!("publishing {}", self.out.display()))?;
            std::fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
            return Ok(());
        }
        // After the exchange the staging path holds the previous site.
        std::fs::remove_dir_all(&self.dir)
            .with_context(|| format!("removing the previous site {}", self.dir.display()))
    }

    /// Drops the staged site.
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Swaps two paths atomically where the system can; `Ok(false)` where it cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> anyhow::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both arguments are valid NUL-terminated paths that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::ENOSYS) | Some(libc::EINVAL) | Some(libc::ENOTSUP) => Ok(false),
        _ => Err(err).with_context(|| format!("swapping {} and {}", a.display(), b.display())),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> anyhow::Result<bool> {
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_swaps_and_cleans_up() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let s = prepare(&out).unwrap();
        std::fs::write(s.dir().join("a"), "1").unwrap();
        s.commit("T").unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a")).unwrap(), "1");

        let s = prepare(&out).unwrap();
        std::fs::write(s.dir().join("b"), "2").unwrap();
        s.commit("T").unwrap();
        assert!(!out.join("a").exists());
        assert!(out.join(manifest::MANIFEST).is_file());
        assert_eq!(std::fs::read_to_string(out.join("b")).unwrap(), "2");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_abandoned_or_interrupted_build_leaves_the_site() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("a"), "old").unwrap();
        let s = prepare(&out).unwrap();
        std::fs::write(s.dir().join("half"), "x").unwrap();
        drop(s); // killed: the staging folder stays behind
        assert_eq!(std::fs::read_to_string(out.join("a")).unwrap(), "old");
        recover(&out).unwrap();
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);

        // Killed between the two renames of the fallback path.
        let old = tmp.path().join(".public.old-1");
        std::fs::rename(&out, &old).unwrap();
        recover(&out).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a")).unwrap(), "old");
    }
}
