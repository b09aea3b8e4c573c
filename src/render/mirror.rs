//! The cargo registry mirror inside the site (`--registry-mirror`):
//! `registry/index/` is a sparse index (its `config.json` points downloads
//! at `registry/crates/` under the site's base URL, and each crate's file
//! holds the registry's own lines of the releases held), and
//! `registry/crates/{name}/{name}-{version}.crate` the verified packages,
//! hard-linked from the cache where the file system allows.
//!
//! What the mirror holds is decided by the fetch stage
//! ([`crate::fetch::mirror`]); this module only lays it out.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::fetch::cache::Cache;
use crate::fetch::mirror::Mirror;

/// The mirror's folder inside the site.
pub const REGISTRY: &str = "registry";

/// What writing the mirror did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MirrorStats {
    /// The sparse index URL to give cargo.
    pub index_url: String,
    /// Index files written.
    pub index_files: usize,
    /// Packages placed.
    pub packages: usize,
    /// Bytes of the packages.
    pub package_bytes: u64,
}

/// The sparse index URL of the mirror of a site served from `base_url`
/// (what cargo's `registry = "sparse+…"` takes).
pub fn index_url(base_url: &str) -> String {
    format!("{}/{REGISTRY}/index/", base_url.trim_end_matches('/'))
}

/// The index's `config.json`: downloads from the site itself.
pub fn config_json(base_url: &str) -> String {
    let dl = format!(
        "{}/{REGISTRY}/crates/{{crate}}/{{crate}}-{{version}}.crate",
        base_url.trim_end_matches('/')
    );
    let mut text =
        serde_json::to_string_pretty(&serde_json::json!({ "dl": dl })).unwrap_or_default();
    text.push('\n');
    text
}

/// Where a package goes inside the site: the cache's own layout of
/// packages, under `registry/`.
pub fn crate_path(dir: &Path, name: &str, version: &str) -> PathBuf {
    Cache::new(dir.join(REGISTRY)).crate_path(name, version)
}

/// Lays the mirror out in the site folder `dir`.
pub fn write(dir: &Path, mirror: &Mirror, base_url: &str) -> anyhow::Result<MirrorStats> {
    let mut stats = MirrorStats {
        index_url: index_url(base_url),
        ..MirrorStats::default()
    };
    super::write(
        dir,
        &format!("{REGISTRY}/index/config.json"),
        config_json(base_url).as_bytes(),
    )?;
    for krate in &mirror.crates {
        let lines = krate
            .index_lines()
            .with_context(|| format!("reading {}", krate.index_file.display()))?;
        super::write(
            dir,
            &format!("{REGISTRY}/index/{}", krate.index_path),
            &lines,
        )?;
        stats.index_files += 1;
        for (version, file) in &krate.releases {
            let to = crate_path(dir, &krate.name, version);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            // A link shares the cache's bytes and lets the manifest reuse the
            // published site's entry of the same package.
            if std::fs::hard_link(file, &to).is_err() {
                std::fs::copy(file, &to)
                    .with_context(|| format!("copying {} to {}", file.display(), to.display()))?;
            }
            stats.packages += 1;
            stats.package_bytes += std::fs::metadata(&to).map(|m| m.len()).unwrap_or(0);
        }
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_points_downloads_at_the_site() {
        let config: serde_json::Value =
            serde_json::from_str(&config_json("https://example.org/x/")).unwrap();
        assert_eq!(
            config,
            serde_json::json!({
                "dl": "https://example.org/x/registry/crates/{crate}/{crate}-{version}.crate"
            })
        );
        assert_eq!(
            index_url("https://example.org/x/"),
            "https://example.org/x/registry/index/"
        );
    }
}
