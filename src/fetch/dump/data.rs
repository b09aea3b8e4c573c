//! The compact form of the dump that the later stages use: every crate with
//! its releases, owners, downloads and the dependencies of its default
//! release, the owners and publishers they refer to, and the crates the
//! registry deleted. Built by the join of the tables read.

use std::collections::HashMap;

use crate::model::{DependencyKind, Owner};

/// One crate of the dump.
#[derive(Debug, Clone, Default)]
pub struct DumpCrate {
    /// Name as published.
    pub name: String,
    /// First publication (RFC 3339).
    pub created_at: String,
    /// Repository URL of the crate's newest metadata.
    pub repository: Option<String>,
    /// Whether the crate accepts only releases published through trusted
    /// publishing (`crates.trustpub_only`).
    pub trustpub_only: bool,
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
    /// The registry's default release (`default_versions`), when it names one.
    pub default_version: Option<semver::Version>,
    /// Dependencies of the default release.
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
    /// Who published it: an index into [`DumpData::publishers`].
    pub published_by: Option<u32>,
    /// The trusted publisher it came through, as `provider:repository`,
    /// when the dump's `versions.trustpub_data` says so.
    pub trustpub: Option<Box<str>>,
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

/// A crate the registry deleted (`deleted_crates`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedCrate {
    /// Name it had.
    pub name: String,
    /// When it was deleted (RFC 3339).
    pub deleted_at: String,
    /// When the name can be taken again (RFC 3339).
    pub available_at: String,
    /// The reason given, when one was.
    pub message: Option<String>,
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
    /// Logins of the users who published a release, each once.
    pub publishers: Vec<String>,
    /// When each publisher's account was created (seconds since the epoch),
    /// in the order of [`DumpData::publishers`], when the dump says.
    pub publisher_created: Vec<Option<i64>>,
    /// The registry's numeric id of each publisher, in the order of
    /// [`DumpData::publishers`] (audit sets name publishers by it).
    pub publisher_ids: Vec<u32>,
    /// Category slug to display name.
    pub category_names: HashMap<String, String>,
    /// Whether the dump's `versions` table has `trustpub_data` (the public
    /// dump has had none so far: then trusted publishing is only inferred).
    pub has_trustpub_data: bool,
    /// The latest deletion of each deleted name, sorted by name.
    pub deleted: Vec<DeletedCrate>,
    pub(super) by_name: HashMap<String, u32>,
    pub(super) deleted_by_name: HashMap<String, u32>,
}

impl DumpData {
    /// The crate named `name` (case-insensitive, `-` and `_` distinct).
    pub fn get(&self, name: &str) -> Option<(u32, &DumpCrate)> {
        let i = *self.by_name.get(&name.to_ascii_lowercase())?;
        Some((i, &self.crates[i as usize]))
    }

    /// The latest deletion of the name `name` (case-insensitive).
    pub fn deleted(&self, name: &str) -> Option<&DeletedCrate> {
        let i = *self.deleted_by_name.get(&name.to_ascii_lowercase())?;
        Some(&self.deleted[i as usize])
    }

    /// The login of a publisher index of [`DumpVersion::published_by`].
    pub fn publisher(&self, i: Option<u32>) -> Option<&str> {
        self.publishers.get(i? as usize).map(String::as_str)
    }

    /// The registry's numeric id of a publisher index.
    pub fn publisher_id(&self, i: Option<u32>) -> Option<u32> {
        self.publisher_ids.get(i? as usize).copied()
    }

    /// When the account of a publisher index was created (seconds since the epoch).
    pub fn publisher_created(&self, i: Option<u32>) -> Option<i64> {
        *self.publisher_created.get(i? as usize)?
    }

    /// The last day of the dump's window, when it has downloads.
    pub fn as_of(&self) -> Option<&str> {
        self.days.last().map(String::as_str)
    }
}
