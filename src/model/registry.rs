//! The parts of a crate report that need the registry as a whole rather than
//! one package: downloads and owners (from the database dump), the crate's
//! place in the dependency graph, advisories and the ranking. Filled by the
//! rank stage; every list is sorted so the JSON is deterministic.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::DependencyKind;

/// Download counts from the database dump.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Downloads {
    /// Every download of every version, all time.
    pub total: u64,
    /// Downloads over the days of `daily` (the dump keeps the last 90).
    pub recent: u64,
    /// Downloads of the version described, all time.
    pub version: Option<u64>,
    /// One entry per day of the dump's window, oldest first, zeros included.
    pub daily: Vec<DailyDownloads>,
}

/// Downloads on one day.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct DailyDownloads {
    /// The day (`YYYY-MM-DD`, UTC).
    pub date: String,
    /// Downloads of every version of the crate that day.
    pub downloads: u64,
}

/// User or team.
#[derive(
    Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "kebab-case")]
pub enum OwnerKind {
    /// A user account.
    #[default]
    User,
    /// A team of a code host's organization.
    Team,
}

/// One owner of a crate: someone who can publish it.
#[derive(
    Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
pub struct Owner {
    /// Login (`github:org:team` for teams).
    pub login: String,
    /// User or team.
    pub kind: OwnerKind,
    /// Display name, when the account has one.
    pub name: Option<String>,
    /// When the ownership was granted (RFC 3339), when the dump says.
    pub since: Option<String>,
}

/// Where graph figures come from.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum GraphSource {
    /// Only the crates of this site (no dump was loaded).
    #[default]
    Site,
    /// Every crate of the registry, from the database dump.
    Dump,
}

/// Who depends on the crate.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ReverseDependencies {
    /// Which crates were counted.
    pub source: GraphSource,
    /// Crates that depend on it directly (any kind).
    pub direct: usize,
    /// Direct dependents through a normal dependency.
    pub normal: usize,
    /// Direct dependents through a build dependency.
    pub build: usize,
    /// Direct dependents through a dev dependency.
    pub dev: usize,
    /// Crates that depend on it through a chain of normal and build
    /// dependencies (direct ones included).
    pub transitive: usize,
    /// The most-downloaded direct dependents (by name without a dump).
    pub top: Vec<Dependent>,
}

/// One direct dependent.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Dependent {
    /// Crate name.
    pub name: String,
    /// Kind of its dependency on this crate (the strongest when several).
    pub kind: DependencyKind,
    /// Its recent downloads, with a dump.
    pub downloads: Option<u64>,
}

/// How healthy the crate's own dependency requirements are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct DependencyHealth {
    /// Requirements whose crate's releases are known and were checked.
    pub checked: usize,
    /// Requirements that exclude the dependency's newest release.
    pub outdated: Vec<HealthIssue>,
    /// Requirements that only yanked releases (or no release) satisfy.
    pub yanked: Vec<HealthIssue>,
    /// Requirements whose newest matching release has an advisory.
    pub advisories: Vec<HealthIssue>,
    /// Dependencies whose releases are unknown to this build.
    pub unknown: Vec<String>,
}

/// One unhealthy requirement.
#[derive(
    Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
pub struct HealthIssue {
    /// Dependency name.
    pub name: String,
    /// The requirement as written.
    pub req: String,
    /// The newest release, or the advisory ID.
    pub detail: String,
}

/// What compiling the crate pulls in, by an approximate resolution (see the
/// methodology page).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct DependencyWeight {
    /// Crates compiled besides this one.
    pub crates: usize,
    /// Their uncompressed package size, where known.
    pub package_bytes: u64,
    /// Their lines of code, where known.
    pub code_lines: usize,
    /// Those among them with a build script (code run on the building machine).
    pub build_scripts: Vec<String>,
    /// Those among them that are proc macros (code run inside the compiler).
    pub proc_macros: Vec<String>,
    /// Crates reached whose contents this build does not know.
    pub unknown: Vec<String>,
    /// Crates reached whose analyzed release an advisory affects:
    /// `name version: IDs`, malicious ones included.
    #[serde(default)]
    pub advisories: Vec<String>,
    /// With audit sets read: how many of the crates compiled besides this
    /// one, of those the site analyzed, some set covers for `safe-to-deploy`
    /// at the release analyzed; `null` without audit sets.
    #[serde(default)]
    pub audited: Option<usize>,
    /// With audit sets read: the crates compiled that run code at build
    /// time (a build script or a procedural macro) and that no set covers
    /// for `safe-to-deploy`, sorted.
    #[serde(default)]
    pub unaudited_build_time: Vec<String>,
}

/// What kind of advisory.
#[derive(
    Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "kebab-case")]
pub enum AdvisoryKind {
    /// The crate was published to attack its users.
    Malicious,
    /// A security vulnerability.
    #[default]
    Vulnerability,
    /// Unsound code (informational).
    Unsound,
    /// No longer maintained (informational).
    Unmaintained,
    /// Any other notice (informational).
    Notice,
}

/// A RustSec advisory about the crate.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Advisory {
    /// `RUSTSEC-YYYY-NNNN`.
    pub id: String,
    /// Kind.
    pub kind: AdvisoryKind,
    /// Title.
    pub title: String,
    /// Date reported (`YYYY-MM-DD`).
    pub date: String,
    /// Further reading, when given.
    pub url: Option<String>,
    /// Whether the version described is affected.
    pub affects_version: bool,
    /// Requirements of the releases that fix it.
    pub patched: Vec<String>,
    /// Whether the advisory was withdrawn.
    pub withdrawn: bool,
}

/// The explainable score.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Ranking {
    /// Sum of the points over the sum of the maxima, out of 100.
    pub score: u32,
    /// Every part of the score.
    pub components: Vec<ScoreComponent>,
    /// Standing among the crates of its first category on this site.
    pub category_rank: Option<CategoryRank>,
}

/// One part of the score.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct ScoreComponent {
    /// What is scored.
    pub label: String,
    /// Points given.
    pub value: u32,
    /// Points possible.
    pub max: u32,
    /// The figure the points come from.
    pub detail: String,
}

/// Rank within a category.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct CategoryRank {
    /// Category slug.
    pub category: String,
    /// The smallest of [`TOP_PERCENT`] such that fewer than that share of
    /// the category's crates rank above this one (1 for the first; 100:
    /// the lower half). A band rather than a position, so that it changes
    /// only when the crate's standing does, not whenever a crate joins the
    /// category.
    pub top_percent: u8,
}

/// The bands of [`CategoryRank::top_percent`], best first.
pub const TOP_PERCENT: [u8; 6] = [1, 5, 10, 25, 50, 100];

impl CategoryRank {
    /// The band of the crate at `rank` (1 is the best, never 0) of `of`.
    pub fn band(rank: usize, of: usize) -> u8 {
        TOP_PERCENT
            .into_iter()
            .find(|&p| (rank - 1) * 100 < of * usize::from(p))
            .unwrap_or(100)
    }
}

/// What the registry's records say about the crate's releases, from the
/// database dump.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct RegistryRecord {
    /// The release the registry shows by default, when it names one.
    pub default_version: Option<String>,
    /// Whether the registry accepts new releases only through trusted
    /// publishing (from a CI workflow, without an API token).
    pub trusted_publishing_only: bool,
    /// Every release the dump records, oldest first.
    pub versions: Vec<ReleaseRecord>,
}

/// One release as the registry records it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct ReleaseRecord {
    /// Version number.
    pub num: String,
    /// Login of the user who published it, when the registry knows.
    pub published_by: Option<String>,
    /// Size of its `.crate` file in bytes, when the registry records it.
    #[serde(default)]
    pub crate_size: Option<u64>,
    /// How it was published: `token` (by a user, with an API token) or
    /// `trusted-publishing` (from a CI workflow the owners configured);
    /// `null` when the records do not tell.
    #[serde(default)]
    pub published_with: Option<String>,
    /// Whether `published_with` is inferred (a release with no publishing
    /// user, made since the registry offered trusted publishing, from a dump
    /// that does not record trusted publishing) rather than recorded.
    #[serde(default)]
    pub published_with_inferred: bool,
    /// The trusted publisher, as `provider:repository`, when recorded.
    #[serde(default)]
    pub trusted_publisher: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::CategoryRank;

    #[test]
    fn category_bands_count_the_crates_ranked_above() {
        let bands: Vec<u8> = [1, 2, 5, 6, 10, 11, 25, 26, 50, 51, 100]
            .into_iter()
            .map(|rank| CategoryRank::band(rank, 100))
            .collect();
        assert_eq!(bands, [1, 5, 5, 10, 10, 25, 25, 50, 50, 100, 100]);
        // The first of any category has no crate above it; of three, the
        // second has a third of them above it, the last two thirds.
        assert_eq!(CategoryRank::band(1, 1), 1);
        assert_eq!(CategoryRank::band(1, 3), 1);
        assert_eq!(CategoryRank::band(2, 3), 50);
        assert_eq!(CategoryRank::band(3, 3), 100);
    }
}
