//! `manifest.json`: every file of a site with its size and SHA-256, written
//! last into the staging folder, so that mirrors and deploys can tell what
//! changed from one build to the next without reading the files.
//!
//! A file that is a hard link of the published site's file at the same path
//! (an unchanged crate page) keeps the previous manifest's entry, so a build
//! hashes only the files it wrote.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// File name of the manifest, at the root of the site.
pub const MANIFEST: &str = "manifest.json";

/// Version of the manifest's format.
pub const MANIFEST_VERSION: u32 = 1;

/// The manifest of one site.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// [`MANIFEST_VERSION`].
    pub manifest_version: u32,
    /// When the site was built (RFC 3339).
    pub generated_at: String,
    /// Every file but the manifest itself, sorted by path.
    pub files: Vec<ManifestEntry>,
}

/// One file of a site.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestEntry {
    /// Path relative to the site's root, with `/` separators.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the bytes (lowercase hex).
    pub sha256: String,
}

/// What writing the manifest did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ManifestStats {
    /// Files listed.
    pub files: usize,
    /// Bytes of those files.
    pub bytes: u64,
    /// Files hashed (the others were unchanged links of the published site).
    pub hashed: usize,
}

/// Writes `manifest.json` into the staged site `dir`, reusing the entries of
/// the published site `published` for its files that `dir` links to.
pub fn write(dir: &Path, published: &Path, generated_at: &str) -> anyhow::Result<ManifestStats> {
    let previous: HashMap<String, ManifestEntry> = read(published)
        .map(|m| m.files.into_iter().map(|e| (e.path.clone(), e)).collect())
        .unwrap_or_default();
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        if !entry.file_type().is_dir() {
            files.push(entry.into_path());
        }
    }
    let mut stats = ManifestStats::default();
    let mut entries = Vec::with_capacity(files.len());
    for path in files {
        let rel = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if rel == MANIFEST {
            continue;
        }
        let meta =
            std::fs::metadata(&path).with_context(|| format!("reading {}", path.display()))?;
        let entry = match previous.get(&rel) {
            Some(e) if same_file(&meta, &published.join(&rel)) && e.size == meta.len() => e.clone(),
            _ => {
                stats.hashed += 1;
                let bytes =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                ManifestEntry {
                    sha256: crate::format::hex(&Sha256::digest(&bytes)),
                    size: meta.len(),
                    path: rel,
                }
            }
        };
        stats.files += 1;
        stats.bytes += entry.size;
        entries.push(entry);
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = Manifest {
        manifest_version: MANIFEST_VERSION,
        generated_at: generated_at.to_owned(),
        files: entries,
    };
    let mut json = serde_json::to_vec(&manifest)?;
    json.push(b'\n');
    std::fs::write(dir.join(MANIFEST), json)
        .with_context(|| format!("writing {}", dir.join(MANIFEST).display()))?;
    Ok(stats)
}

/// The manifest of a published site, when it has a readable one.
pub fn read(site: &Path) -> Option<Manifest> {
    let bytes = std::fs::read(site.join(MANIFEST)).ok()?;
    serde_json::from_slice(&bytes)
        .ok()
        .filter(|m: &Manifest| m.manifest_version == MANIFEST_VERSION)
}

#[cfg(unix)]
fn same_file(meta: &std::fs::Metadata, other: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(other).is_ok_and(|o| o.dev() == meta.dev() && o.ino() == meta.ino())
}

#[cfg(not(unix))]
fn same_file(_meta: &std::fs::Metadata, _other: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_files_keep_their_entry_and_written_ones_are_hashed() {
        let tmp = tempfile::tempdir().unwrap();
        let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
        std::fs::create_dir_all(old.join("crates")).unwrap();
        std::fs::create_dir_all(new.join("crates")).unwrap();
        std::fs::write(old.join("crates/a.json"), "{}\n").unwrap();
        std::fs::write(old.join("index.html"), "old").unwrap();
        let first = write(&old, &tmp.path().join("none"), "T1").unwrap();
        assert_eq!(
            first,
            ManifestStats {
                files: 2,
                bytes: 6,
                hashed: 2
            }
        );

        std::fs::hard_link(old.join("crates/a.json"), new.join("crates/a.json")).unwrap();
        std::fs::write(new.join("index.html"), "newer").unwrap();
        let second = write(&new, &old, "T2").unwrap();
        assert_eq!(
            second,
            ManifestStats {
                files: 2,
                bytes: 8,
                hashed: 1
            }
        );
        let m = read(&new).unwrap();
        assert_eq!(
            m,
            Manifest {
                manifest_version: MANIFEST_VERSION,
                generated_at: "T2".into(),
                files: vec![
                    ManifestEntry {
                        path: "crates/a.json".into(),
                        size: 3,
                        sha256: crate::format::hex(&Sha256::digest(b"{}\n")),
                    },
                    ManifestEntry {
                        path: "index.html".into(),
                        size: 5,
                        sha256: crate::format::hex(&Sha256::digest(b"newer")),
                    },
                ],
            }
        );
    }
}
