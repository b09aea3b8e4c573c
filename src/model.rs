//! The data model shared by every stage, and the JSON sidecar published
//! beside every crate page (`crates/{name}.json`).
//!
//! Everything here is plain serde data: no behaviour beyond small helpers.
//! Maps are `BTreeMap` and lists are sorted by the stage that fills them, so
//! that two builds of the same input serialize to the same bytes. The schema
//! is versioned by [`SCHEMA_VERSION`]; a field is only ever added within a
//! version, never renamed or removed. `content/data.md` documents each field.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod codes;
pub mod registry;
pub mod schema;
pub mod trust;

pub use codes::{Cap, Code, Place};
pub use trust::{
    AuditCoverage, AuditRecord, Audits, ChangesSince, CheckStatus, CrevReviewRecord,
    RepositoryCheck,
};

pub use registry::{
    Advisory, AdvisoryKind, CategoryRank, DailyDownloads, DependencyHealth, DependencyWeight,
    Dependent, Downloads, GraphSource, HealthIssue, Owner, OwnerKind, Ranking, RegistryRecord,
    ReleaseRecord, ReverseDependencies, ScoreComponent,
};

/// Version of the JSON sidecar schema. Bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 3;

/// Everything cargofox knows about one version of one crate.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct CrateReport {
    /// Version of this document's schema ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Crate name as published.
    pub name: String,
    /// The version this report describes (normally the newest non-yanked one).
    pub version: String,
    /// `package.description` from the manifest.
    pub description: Option<String>,
    /// SPDX license expression; the legacy `A/B` form is rewritten as `A OR B`.
    pub license: Option<String>,
    /// `package.license-file`, when the crate names a license file instead.
    pub license_file: Option<String>,
    /// `package.repository`.
    pub repository: Option<String>,
    /// `package.homepage`.
    pub homepage: Option<String>,
    /// `package.documentation`.
    pub documentation: Option<String>,
    /// Links derived for the reader (documentation host, registry page).
    pub links: Links,
    /// `package.keywords`.
    pub keywords: Vec<String>,
    /// `package.categories`.
    pub categories: Vec<String>,
    /// `package.authors`.
    pub authors: Vec<String>,
    /// Rust edition of the package.
    pub edition: Option<String>,
    /// Minimum supported Rust version (`package.rust-version`).
    pub rust_version: Option<String>,
    /// Name of the native library this crate links (`package.links`).
    pub native_library: Option<String>,
    /// Path of the build script, when the package has one.
    pub build_script: Option<String>,
    /// Build targets of the package.
    pub targets: Targets,
    /// Features and what each enables, from the index when known.
    pub features: BTreeMap<String, Vec<String>>,
    /// Dependencies of this version, sorted by kind then name.
    pub dependencies: Vec<Dependency>,
    /// Every published version, oldest first (from the index).
    pub versions: Vec<VersionInfo>,
    /// Facts from `.cargo_vcs_info.json`.
    pub vcs: Option<VcsInfo>,
    /// The README the manifest names (or cargo's default one), when found.
    pub readme: Option<ReadmeInfo>,
    /// Lines of code by language.
    pub code: CodeStats,
    /// The package file itself and its contents.
    pub package: PackageInfo,
    /// Crates of this site that depend on this one (any kind), sorted.
    pub dependents: Vec<String>,
    /// What went wrong while gathering or analyzing this crate.
    pub problems: Vec<Problem>,
    /// Risk signals, sorted by severity (highest first), then file and line.
    pub findings: Vec<Finding>,
    /// The judgement drawn from the findings.
    pub risk: Risk,
    /// When the crate was first published (RFC 3339), from the dump.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Download counts; absent without a database dump.
    #[serde(default)]
    pub downloads: Option<Downloads>,
    /// Who can publish it; absent without a database dump.
    #[serde(default)]
    pub owners: Option<Vec<Owner>>,
    /// The registry's records of its releases; absent without a database dump.
    #[serde(default)]
    pub registry_record: Option<RegistryRecord>,
    /// Who depends on it.
    #[serde(default)]
    pub reverse_dependencies: ReverseDependencies,
    /// Outdated, yanked and vulnerable requirements.
    #[serde(default)]
    pub dependency_health: DependencyHealth,
    /// What compiling it pulls in.
    #[serde(default)]
    pub dependency_weight: DependencyWeight,
    /// What its dependency tree can do, each with the path to the nearest
    /// crate that does it.
    #[serde(default)]
    pub tree_capabilities: Vec<TreeCapability>,
    /// RustSec advisories about it; absent without an advisory database.
    #[serde(default)]
    pub advisories: Option<Vec<Advisory>>,
    /// What published audit sets say about it; absent without `--audits`.
    #[serde(default)]
    pub audits: Option<Audits>,
    /// cargo-crev reviews of the crate, those of the version shown first;
    /// absent without `--crev-proofs`.
    #[serde(default)]
    pub crev_reviews: Option<Vec<CrevReviewRecord>>,
    /// The package compared with its repository; absent when no check was
    /// ever asked for this release (`--git-mirror`, `--clone-repositories`).
    #[serde(default)]
    pub repository_check: Option<RepositoryCheck>,
    /// The explainable score.
    #[serde(default)]
    pub ranking: Ranking,
    /// What the build script starts, read from its source (empty without a
    /// build script or when the scan was skipped).
    #[serde(default)]
    pub build_facts: BuildFacts,
    /// When the data of this report was first seen in this form (RFC 3339,
    /// UTC): a later build that finds nothing changed keeps the stamp.
    pub generated_at: String,
}

/// What a crate's pages show besides its report, from its package: not
/// part of the JSON, and kept out of the working reports, so that the
/// stages between analyze and render do not carry it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageData {
    /// The README's Markdown source.
    pub readme_text: Option<String>,
    /// Source of every file with a finding worth a page, by path.
    pub evidence_sources: BTreeMap<String, String>,
}

/// The analysis of one release: its report, and its page data unless that
/// was left in the store of analyses (with the report's whole file list),
/// to be loaded back for the crate's own pages only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analyzed {
    /// The report: the sidecar, which the later stages complete.
    pub report: CrateReport,
    /// The page data; `None` when it is in the store.
    pub page: Option<PageData>,
}

impl CrateReport {
    /// The publication time of the version the report describes, when the
    /// index records it.
    pub fn published(&self) -> Option<&str> {
        self.versions
            .iter()
            .find(|v| v.num == self.version)?
            .published
            .as_deref()
    }
}

/// Links derived for the reader from the registry configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Links {
    /// The crate's page on the registry's own web site, from the index's `api` base.
    pub registry: Option<String>,
    /// API documentation: `package.documentation`, else docs.rs for registry crates.
    pub docs: Option<String>,
}

/// The build targets a package declares or that cargo would discover.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Targets {
    /// Name of the library target, if any.
    pub lib: Option<String>,
    /// Whether the library is a procedural macro (runs inside the compiler).
    pub proc_macro: bool,
    /// Binary targets.
    pub bins: Vec<String>,
    /// Example targets.
    pub examples: Vec<String>,
    /// Integration test targets.
    pub tests: Vec<String>,
    /// Benchmark targets.
    pub benches: Vec<String>,
}

/// Kind of a dependency, as in the index.
#[derive(
    Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "lowercase")]
pub enum DependencyKind {
    /// Needed to build and run the crate.
    #[default]
    Normal,
    /// Needed by the build script.
    Build,
    /// Needed only by tests, examples and benchmarks.
    Dev,
}

impl DependencyKind {
    /// The lowercase name used in JSON and on pages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Build => "build",
            Self::Dev => "dev",
        }
    }
}

/// One dependency of a crate version.
#[derive(
    Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
pub struct Dependency {
    /// Kind of the dependency.
    pub kind: DependencyKind,
    /// The real name of the crate depended on.
    pub name: String,
    /// The name the dependent uses for it, when renamed.
    pub rename: Option<String>,
    /// Version requirement.
    pub req: String,
    /// Whether it is optional (enabled by a feature).
    pub optional: bool,
    /// Whether the dependency's default features are enabled.
    pub default_features: bool,
    /// Features of the dependency that are enabled.
    pub features: Vec<String>,
    /// Platform condition (`cfg(...)` or a target triple).
    pub target: Option<String>,
    /// Registry index of the dependency when it is not the crate's own registry.
    pub registry: Option<String>,
}

/// One published version of a crate.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct VersionInfo {
    /// Version number.
    pub num: String,
    /// Whether the version was yanked.
    pub yanked: bool,
    /// Publication time (RFC 3339) when the index records it.
    pub published: Option<String>,
    /// Minimum supported Rust version declared by that version.
    pub rust_version: Option<String>,
    /// Number of dependencies of that version.
    pub dependencies: usize,
}

/// Facts from `.cargo_vcs_info.json`, written by `cargo package`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct VcsInfo {
    /// Commit the package was made from.
    pub commit: Option<String>,
    /// True when the working tree had uncommitted changes at packaging time.
    pub dirty: bool,
    /// Folder of the package inside its repository.
    pub path_in_vcs: Option<String>,
}

/// The README file of a package.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ReadmeInfo {
    /// Path inside the package.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// Lines of code of a package, counted by tokei.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct CodeStats {
    /// Number of files in a language tokei recognizes.
    pub files: usize,
    /// Total size of those files in bytes.
    pub bytes: u64,
    /// Per language (tokei's language names).
    pub languages: BTreeMap<String, LanguageStats>,
}

impl CodeStats {
    /// Lines of code over every language.
    pub fn total_code(&self) -> usize {
        self.languages.values().map(|l| l.code).sum()
    }
}

/// Line counts of one language.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct LanguageStats {
    /// Files in that language.
    pub files: usize,
    /// Lines of code.
    pub code: usize,
    /// Comment lines.
    pub comments: usize,
    /// Blank lines.
    pub blanks: usize,
}

/// The `.crate` file and what it contains.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct PackageInfo {
    /// Size of the compressed `.crate` file.
    pub compressed_bytes: u64,
    /// Sum of the sizes of the files it contains.
    pub uncompressed_bytes: u64,
    /// SHA-256 of the `.crate` file (hex).
    pub sha256: Option<String>,
    /// Whether the checksum was compared with the registry index and matched.
    pub checksum_verified: bool,
    /// Every file, sorted by path (relative to the package root).
    pub files: Vec<FileEntry>,
}

/// One file of a package.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct FileEntry {
    /// Path relative to the package root, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// What the file is.
    pub kind: FileKind,
    /// Language, when tokei recognizes it.
    pub language: Option<String>,
    /// Lines of code, when the language is known.
    pub code: Option<usize>,
}

/// Classification of a package file.
#[derive(
    Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// `Cargo.toml`, `Cargo.toml.orig`, `Cargo.lock`, `.cargo_vcs_info.json`.
    Manifest,
    /// The build script.
    BuildScript,
    /// Source code in a language tokei knows.
    Source,
    /// The README.
    Readme,
    /// A license file.
    License,
    /// Other text.
    #[default]
    Text,
    /// Binary content (a NUL byte in the first 8 KiB).
    Binary,
    /// Not a regular file (link, device...): listed, never read.
    Special,
}

impl FileKind {
    /// The kebab-case name used in JSON and on pages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manifest => "manifest",
            Self::BuildScript => "build-script",
            Self::Source => "source",
            Self::Readme => "readme",
            Self::License => "license",
            Self::Text => "text",
            Self::Binary => "binary",
            Self::Special => "special",
        }
    }
}

/// Something that went wrong for one crate. The batch always goes on.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// Stable kebab-case code, documented on the methodology page.
    pub code: String,
    /// A plain sentence for the reader.
    pub message: String,
}

impl Problem {
    /// Builds a problem from a code and a message.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// One line of `index.json`: the summary of a crate for scripts and lists.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct CrateSummary {
    /// Crate name.
    pub name: String,
    /// Version described.
    pub version: String,
    /// Description.
    pub description: Option<String>,
    /// License expression.
    pub license: Option<String>,
    /// Publication time of that version, when known.
    pub published: Option<String>,
    /// Lines of code over every language.
    pub code_lines: usize,
    /// Uncompressed package size.
    pub package_bytes: u64,
    /// Normal and build dependencies.
    pub dependencies: usize,
    /// Crates of this site that depend on it.
    pub dependents: usize,
    /// Number of problems.
    pub problems: usize,
    /// Risk level.
    pub risk: RiskLevel,
    /// Number of findings of medium or high severity.
    pub serious_findings: usize,
    /// Downloads over the dump's last 90 days; null without a dump.
    #[serde(default)]
    pub recent_downloads: Option<u64>,
    /// First publication of the crate, from the dump.
    #[serde(default)]
    pub created_at: Option<String>,
    /// The score out of 100.
    #[serde(default)]
    pub score: u32,
}

/// `index.json`: the whole site in one document.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct SiteIndex {
    /// Schema version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// When the data was gathered.
    pub generated_at: String,
    /// Where the data came from (index URL or folder).
    pub source: String,
    /// Every crate, sorted by name.
    pub crates: Vec<CrateSummary>,
}

/// How much a finding matters.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; not a risk by itself.
    #[default]
    Info,
    /// A weak signal.
    Low,
    /// Worth a look.
    Medium,
    /// Worth a careful look before trusting the crate.
    High,
}

impl Severity {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// Whether a finding is something the package plainly contains, or a
/// conclusion drawn from such facts.
#[derive(
    Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    /// Read directly from the package, index or metadata.
    #[default]
    Fact,
    /// Concluded from facts; can be wrong.
    Inference,
}

/// Where the code of a finding runs.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
)]
#[serde(rename_all = "kebab-case")]
pub enum LocationKind {
    /// The build script: runs on every machine that compiles a dependent.
    Build,
    /// A procedural macro: runs inside the compiler.
    ProcMacro,
    /// Library or binary code: runs inside the programs that use it.
    Runtime,
    /// Tests, examples, benchmarks: run only for the crate's own developers.
    Dev,
    /// The package as a whole (files, archive).
    #[default]
    Package,
    /// Registry metadata (name, repository, releases).
    Metadata,
}

impl LocationKind {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Build => "build",
            Self::ProcMacro => "proc-macro",
            Self::Runtime => "runtime",
            Self::Dev => "dev",
            Self::Package => "package",
            Self::Metadata => "metadata",
        }
    }
}

/// One risk signal, in the one shape every signal has.
#[derive(
    Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
pub struct Finding {
    /// Stable kebab-case code (documented on the methodology page).
    pub code: Code,
    /// How much it matters.
    pub severity: Severity,
    /// Fact or inference.
    pub kind: FindingKind,
    /// Where the code runs.
    pub location: LocationKind,
    /// File inside the package, when the evidence is in a file.
    pub file: Option<String>,
    /// 1-based line of the evidence.
    pub line: Option<u32>,
    /// 1-based column of the evidence.
    pub column: Option<u32>,
    /// The evidence: source text, literal or metadata value.
    pub evidence: String,
    /// A short explanation for the reader.
    pub message: String,
    /// The function whose body holds the evidence, when it is in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// What the judgement made of this fact, when it changed its severity
    /// (an ordinary build tool, the crate's own service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Risk level of a crate.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    /// No rule fired.
    #[default]
    None,
    /// Weak signals only.
    Low,
    /// Worth a look.
    Medium,
    /// Worth a careful look before trusting the crate.
    High,
}

impl RiskLevel {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// The judgement on a crate: its level and the rules that set it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Risk {
    /// The highest level any rule gave.
    pub level: RiskLevel,
    /// Every rule that fired, highest first.
    pub reasons: Vec<Reason>,
}

/// When a capability of the dependency tree runs.
#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "kebab-case")]
pub enum When {
    /// While the crate is compiled: build scripts, proc macros and the
    /// crates they use.
    Compile,
    /// In the programs that use the crate.
    Run,
}

/// A capability of the dependency tree: what the crates compiled with this
/// one can do, and the path to the nearest that does it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct TreeCapability {
    /// When it runs.
    pub when: When,
    /// What it does.
    pub capability: Cap,
    /// From this crate to the nearest crate that does it, as `a → b → c`
    /// (only `a` when the crate does it itself).
    pub path: String,
}

/// One rule of the judgement that fired, with the findings that made it fire.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Reason {
    /// The level the rule gives.
    pub level: RiskLevel,
    /// The rule's id (documented on the methodology page).
    pub rule: String,
    /// What the rule says, in plain words.
    pub text: String,
    /// The findings that made it fire, as positions in `findings`.
    pub findings: Vec<usize>,
}

impl Reason {
    /// The reason as one line: level, text.
    pub fn line(&self) -> String {
        format!("{}: {}", self.level.as_str(), self.text)
    }
}

/// What the build script starts, read from its source: the facts the
/// judgement weighs against a build script's other findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BuildFacts {
    /// Programs started by a literal name (`Command::new("cc")`).
    pub spawned_literals: Vec<String>,
    /// Whether a program named by a tool variable (`RUSTC`, `CC`...) is started.
    pub spawns_from_tool_env: bool,
    /// Places `[file, line]` where a shell runs a script of the package (`sh configure`).
    pub script_runs: Vec<(String, u32)>,
}
