//! The RustSec advisory database, read from a local checkout
//! (`--advisory-db PATH`) with the `rustsec` crate, without network access,
//! and indexed by crate name for the rank stage.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;

use crate::model::{Advisory, AdvisoryKind};

/// One advisory and the versions it covers.
#[derive(Debug, Clone)]
struct Entry {
    advisory: Advisory,
    versions: rustsec::advisory::Versions,
}

/// Advisories by crate name.
#[derive(Debug, Default)]
pub struct AdvisoryDb {
    by_crate: HashMap<String, Vec<Entry>>,
    count: usize,
}

impl AdvisoryDb {
    /// Reads every advisory of the checkout at `path` (its `crates/` folder).
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let db = rustsec::Database::open(path).with_context(|| {
            format!(
                "reading the advisory database at {} (a checkout of RustSec's advisory-db, with a crates/ folder)",
                path.display()
            )
        })?;
        let mut by_crate: HashMap<String, Vec<Entry>> = HashMap::new();
        let mut count = 0;
        for a in db.iter() {
            let m = &a.metadata;
            let kind = if m.categories.iter().any(|c| c.name() == "malicious") {
                AdvisoryKind::Malicious
            } else {
                match &m.informational {
                    None => AdvisoryKind::Vulnerability,
                    Some(rustsec::advisory::Informational::Unmaintained) => {
                        AdvisoryKind::Unmaintained
                    }
                    Some(rustsec::advisory::Informational::Unsound) => AdvisoryKind::Unsound,
                    Some(_) => AdvisoryKind::Notice,
                }
            };
            let advisory = Advisory {
                id: m.id.as_str().to_owned(),
                kind,
                title: m.title.clone(),
                date: m.date.as_str().to_owned(),
                url: m.url.as_ref().map(|u| u.to_string()),
                affects_version: false,
                patched: a.versions.patched().iter().map(|r| r.to_string()).collect(),
                withdrawn: m.withdrawn.is_some(),
            };
            count += 1;
            by_crate
                .entry(m.package.as_str().to_ascii_lowercase())
                .or_default()
                .push(Entry {
                    advisory,
                    versions: a.versions.clone(),
                });
        }
        for list in by_crate.values_mut() {
            list.sort_by(|a, b| a.advisory.id.cmp(&b.advisory.id));
        }
        Ok(Self { by_crate, count })
    }

    /// How many advisories were read.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no advisory was read.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Every advisory about `name`, marked with whether `version` is
    /// affected; malicious ones first, then by ID.
    pub fn for_crate(&self, name: &str, version: Option<&semver::Version>) -> Vec<Advisory> {
        let mut list: Vec<Advisory> = self
            .by_crate
            .get(&name.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .map(|e| Advisory {
                affects_version: !e.advisory.withdrawn
                    && version.is_some_and(|v| e.versions.is_vulnerable(v)),
                ..e.advisory.clone()
            })
            .collect();
        list.sort_by(|a, b| {
            (a.kind != AdvisoryKind::Malicious)
                .cmp(&(b.kind != AdvisoryKind::Malicious))
                .then_with(|| a.id.cmp(&b.id))
        });
        list
    }

    /// IDs of the advisories (not withdrawn, not informational notices)
    /// that affect `name` at `version`.
    pub fn affecting(&self, name: &str, version: &semver::Version) -> Vec<String> {
        self.for_crate(name, Some(version))
            .into_iter()
            .filter(|a| a.affects_version && a.kind != AdvisoryKind::Notice)
            .map(|a| a.id)
            .collect()
    }
}
