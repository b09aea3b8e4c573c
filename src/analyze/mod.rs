//! The analyze stage: turns each [`CrateInput`] into an [`Analyzed`]: its
//! [`CrateReport`] and the page data its pages show besides it.
//!
//! It owns reading packages: each `.crate` is checked against its expected
//! SHA-256, streamed through gzip and tar in memory ([`archive`]), its files
//! classified and counted by language ([`languages`]), its manifest and VCS
//! facts read ([`manifest`]), and the index facts merged in. Crates are
//! analyzed in parallel with rayon; a crate that cannot be read becomes a
//! report with problems, never an error of the batch.

pub mod archive;
pub mod changes;
pub mod languages;
pub mod manifest;
pub mod repository;
pub mod stored;

use std::collections::BTreeSet;
use std::time::Instant;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::fetch::local::is_valid_crate_name;
use crate::fetch::{CrateInput, index::Registry};
use crate::format::hex;
use crate::model::{
    Analyzed, CrateReport, FileEntry, FileKind, Links, PackageInfo, PageData, Problem, ReadmeInfo,
    SCHEMA_VERSION,
};
use crate::signals::release;
pub use archive::Limits;
use stored::Outcome;
pub use stored::StoreCounts;

/// Largest `Cargo.toml` parsed (bytes); the largest real ones are a few
/// hundred kilobytes.
pub const MAX_MANIFEST_BYTES: usize = 4 << 20;
/// Longest line of a Rust source file before it is reported (bytes); the
/// longest lines of real crates are a few hundred kilobytes.
pub const MAX_SOURCE_LINE: usize = 1 << 20;

/// What every analysis shares.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeContext {
    /// Bounds on what one package may cost.
    pub limits: Limits,
    /// The registry, for links; `None` for packages read from a folder.
    pub registry: Option<Registry>,
    /// Whether the registry's crates are documented on docs.rs.
    pub docs_rs: bool,
    /// The build's date stamp.
    pub generated_at: String,
    /// Skip the risk scan (only to measure what it costs).
    pub skip_scan: bool,
    /// The cache folder, where release summaries are kept between runs.
    pub cache: Option<std::path::PathBuf>,
    /// The store of analyses: releases in it are not read again, releases
    /// analyzed are added to it.
    pub store: Option<crate::store::Store>,
    /// Remove each `.crate` file of the cache once its analysis is stored.
    pub drop_packages: bool,
    /// Where repositories are found for the repository check; the check is
    /// made only when some source is enabled.
    pub repositories: crate::fetch::git::RepoSources,
}

/// Analyzes every input in parallel, keeping the input order.
pub fn analyze_all(
    inputs: &[CrateInput],
    ctx: &AnalyzeContext,
    progress: &(dyn Fn() + Sync),
) -> Vec<Analyzed> {
    analyze_all_counted(inputs, ctx, progress).0
}

/// Analyzes every input in parallel, keeping the input order, and counts
/// what was taken from and added to the store.
pub fn analyze_all_counted(
    inputs: &[CrateInput],
    ctx: &AnalyzeContext,
    progress: &(dyn Fn() + Sync),
) -> (Vec<Analyzed>, StoreCounts) {
    // Largest packages first, one per task, so that no core is left with a
    // big package at the end while the others wait.
    let size = |i: &CrateInput| {
        i.file
            .as_ref()
            .and_then(|f| std::fs::metadata(f).ok())
            .map_or(0, |m| m.len())
    };
    let mut order: Vec<(u64, usize)> = inputs
        .iter()
        .enumerate()
        .map(|(n, i)| (size(i), n))
        .collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut done: Vec<(usize, Analyzed, Outcome)> = order
        .par_iter()
        .with_max_len(1)
        .map(|&(_, n)| {
            let (report, outcome) = match &ctx.store {
                Some(store) => stored::analyze_with_store(&inputs[n], ctx, store),
                None => (
                    analyze_guarded(&inputs[n], ctx),
                    Outcome::Analyzed {
                        stored: false,
                        dropped: 0,
                    },
                ),
            };
            progress();
            (n, report, outcome)
        })
        .collect();
    done.sort_by_key(|(n, _, _)| *n);
    let mut counts = StoreCounts::default();
    let reports = done
        .into_iter()
        .map(|(_, r, o)| {
            counts.add(o);
            r
        })
        .collect();
    (reports, counts)
}

/// Analyzes one crate; a panic while reading it becomes a problem on its
/// report instead of ending the batch.
pub fn analyze_guarded(input: &CrateInput, ctx: &AnalyzeContext) -> Analyzed {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| analyze(input, ctx))).unwrap_or_else(
        |panic| {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let mut problems = input.problems.clone();
            problems.push(Problem::new(
                "analysis-failed",
                format!("the analysis of this package stopped on an internal error: {why}"),
            ));
            Analyzed {
                report: CrateReport {
                    schema_version: SCHEMA_VERSION,
                    name: input.name.clone(),
                    version: input.version.clone(),
                    problems,
                    generated_at: ctx.generated_at.clone(),
                    ..CrateReport::default()
                },
                page: Some(PageData::default()),
            }
        },
    )
}

/// Whether `name` and `version` may become parts of a path in the cache.
fn path_safe(name: &str, version: &str) -> bool {
    is_valid_crate_name(name) && semver::Version::parse(version).is_ok()
}

/// Analyzes one crate, and compares it with its previous release.
pub fn analyze(input: &CrateInput, ctx: &AnalyzeContext) -> Analyzed {
    let (mut report, page, summary) = analyze_package(input, ctx);
    let previous = input.index.as_ref().and_then(|i| i.previous.as_ref());
    if let (Some(prev), Some(now)) = (previous, summary) {
        let cached = ctx
            .cache
            .as_deref()
            .filter(|_| path_safe(&input.name, &prev.version))
            .and_then(|c| release::load(c, &input.name, &prev.version));
        let before = cached.or_else(|| {
            let prev_input = CrateInput {
                name: input.name.clone(),
                version: prev.version.clone(),
                file: Some(input.previous_file.clone()?),
                expected_sha256: Some(prev.sha256),
                ..CrateInput::default()
            };
            // The previous release is read for its summary alone.
            let prev_ctx = AnalyzeContext {
                repositories: Default::default(),
                store: None,
                ..ctx.clone()
            };
            let (prev_report, _, prev_summary) = analyze_package(&prev_input, &prev_ctx);
            prev_summary.filter(|_| prev_report.problems.is_empty())
        });
        if let Some(before) = before {
            report.findings.extend(release::diff(&now, &before));
        }
    }
    Analyzed {
        report,
        page: Some(page),
    }
}

/// Analyzes one package; with the scan, also returns its release summary
/// (and keeps it in the cache for later comparisons).
fn analyze_package(
    input: &CrateInput,
    ctx: &AnalyzeContext,
) -> (CrateReport, PageData, Option<release::ReleaseSummary>) {
    let mut page = PageData::default();
    let mut report = CrateReport {
        schema_version: SCHEMA_VERSION,
        name: input.name.clone(),
        version: input.version.clone(),
        problems: input.problems.clone(),
        generated_at: ctx.generated_at.clone(),
        ..CrateReport::default()
    };
    report.links = links(input, ctx);
    if let Some(facts) = &input.index {
        report.versions = facts.versions.clone();
        report.dependencies = facts.dependencies.clone();
        report.features = facts.features.clone();
    }
    if !is_valid_crate_name(&input.name)
        && !report.problems.iter().any(|p| p.code == "name-invalid")
    {
        report.problems.push(Problem::new(
            "name-invalid",
            format!(
                "`{}` is not a valid crate name; it is never used as a file name",
                input.name.escape_debug()
            ),
        ));
    }
    let mut summary = None;
    if let Some(path) = &input.file {
        match std::fs::read(path) {
            Ok(bytes) => summary = read_package(&mut report, &mut page, input, &bytes, ctx),
            Err(e) => report.problems.push(Problem::new(
                "file-unreadable",
                format!("{} could not be read: {e}", path.display()),
            )),
        }
    }
    report.problems.sort();
    report.problems.dedup();
    if let (Some(s), Some(cache)) = (&summary, &ctx.cache) {
        if path_safe(&report.name, &s.version) {
            release::save(cache, &report.name, s);
        }
    }
    (report, page, summary)
}

/// Analyzes a package given as bytes rather than a file: the analysis of
/// one release, without the comparison with the previous one.
pub fn analyze_bytes(input: &CrateInput, bytes: &[u8], ctx: &AnalyzeContext) -> Analyzed {
    let mut page = PageData::default();
    let mut report = CrateReport {
        schema_version: SCHEMA_VERSION,
        name: input.name.clone(),
        version: input.version.clone(),
        problems: input.problems.clone(),
        generated_at: ctx.generated_at.clone(),
        ..CrateReport::default()
    };
    read_package(&mut report, &mut page, input, bytes, ctx);
    report.problems.sort();
    report.problems.dedup();
    Analyzed {
        report,
        page: Some(page),
    }
}

fn links(input: &CrateInput, ctx: &AnalyzeContext) -> Links {
    Links {
        registry: ctx
            .registry
            .as_ref()
            .and_then(|r| r.crate_page(&input.name)),
        docs: ctx
            .docs_rs
            .then(|| format!("https://docs.rs/{}/{}", input.name, input.version)),
    }
}

/// The links of a report whose manifest gave `documentation`.
fn reader_links(input: &CrateInput, ctx: &AnalyzeContext, documentation: Option<&str>) -> Links {
    let mut links = links(input, ctx);
    if let Some(docs) = documentation {
        links.docs = Some(docs.to_owned());
    }
    links
}

fn read_package(
    report: &mut CrateReport,
    page: &mut PageData,
    input: &CrateInput,
    bytes: &[u8],
    ctx: &AnalyzeContext,
) -> Option<release::ReleaseSummary> {
    let started = Instant::now();
    let digest = Sha256::digest(bytes);
    report.package = PackageInfo {
        compressed_bytes: bytes.len() as u64,
        sha256: Some(hex(&digest)),
        ..PackageInfo::default()
    };
    if let Some(expected) = &input.expected_sha256 {
        if digest.as_slice() != expected {
            report.problems.push(Problem::new(
                "checksum-mismatch",
                format!(
                    "the file has SHA-256 {}, the index says {}; it was not analyzed",
                    hex(&digest),
                    hex(expected)
                ),
            ));
            return None;
        }
        report.package.checksum_verified = true;
    }
    let root = (!input.name.is_empty() && !input.version.is_empty())
        .then(|| format!("{}-{}", input.name, input.version));
    let raw = archive::read_package(bytes, root.as_deref(), &ctx.limits);
    report.problems.extend(raw.problems);
    let find = |path: &str| {
        raw.files
            .iter()
            .find(|f| f.path == path)
            .and_then(|f| f.data.as_deref())
    };
    let paths: BTreeSet<&str> = raw.files.iter().map(|f| f.path.as_str()).collect();

    let mut facts = manifest::ManifestFacts::default();
    match find("Cargo.toml") {
        None if !raw.files.is_empty() => report.problems.push(Problem::new(
            "manifest-missing",
            "the package has no Cargo.toml",
        )),
        None => {}
        Some(toml) if toml.len() > MAX_MANIFEST_BYTES => report.problems.push(Problem::new(
            "manifest-too-large",
            format!(
                "Cargo.toml is {} bytes, over the {MAX_MANIFEST_BYTES} bytes a manifest may have; it was not read",
                toml.len()
            ),
        )),
        Some(toml) => match manifest::apply(report, toml, &paths) {
            Ok(f) => facts = f,
            Err(p) => report.problems.push(p),
        },
    }
    if input.index.is_none() {
        report.dependencies = std::mem::take(&mut facts.dependencies);
        report.features = std::mem::take(&mut facts.features);
    }
    if let Some(docs) = &report.documentation {
        report.links.docs = Some(docs.clone());
    }
    if let Some(vcs) = find(".cargo_vcs_info.json") {
        match manifest::vcs_info(vcs) {
            Ok(v) => report.vcs = Some(v),
            Err(p) => report.problems.push(p),
        }
    }
    if let Some(readme) = &facts.readme {
        match raw.files.iter().find(|f| &f.path == readme) {
            Some(f) => {
                report.readme = Some(ReadmeInfo {
                    path: readme.clone(),
                    bytes: f.size,
                });
                page.readme_text = f
                    .data
                    .as_deref()
                    .map(|d| String::from_utf8_lossy(d).into_owned());
            }
            None => report.problems.push(Problem::new(
                "readme-missing",
                format!(
                    "the manifest names the README `{readme}`, which the package does not contain"
                ),
            )),
        }
    }
    count_files(report, &raw.files, &facts);
    source_problems(report, &raw.files);
    if let Some(changes) = changes_since_audited(input, &raw.files, ctx) {
        report.audits = Some(crate::model::Audits {
            changes_since: Some(changes),
            ..Default::default()
        });
    }
    let in_time = started.elapsed() < ctx.limits.max_time();
    if !in_time {
        report.problems.push(Problem::new(
            "archive-limit",
            format!(
                "reading the package took more than {} seconds; the risk scan was skipped",
                ctx.limits.max_seconds
            ),
        ));
    }
    if !ctx.skip_scan && in_time {
        page.evidence_sources = crate::signals::package_findings(report, &raw.files);
    }
    let previous = input.index.as_ref().and_then(|i| i.previous.as_ref());
    let releases = crate::signals::history::new_dependencies(report, previous);
    report.findings.extend(releases);
    if ctx.repositories.enabled() {
        report.repository_check = Some(repository::check(
            &raw.files,
            report.vcs.as_ref(),
            report.repository.as_deref(),
            &ctx.repositories,
        ));
        report
            .findings
            .extend(crate::signals::repository::findings(report));
    }
    (!ctx.skip_scan && in_time)
        .then(|| release::summarize(report, release::build_script_sha(report, &raw.files)))
}

/// What changed since the audited release the fetch stage found, when its
/// package is at hand and matches its checksum.
fn changes_since_audited(
    input: &CrateInput,
    now: &[archive::RawFile],
    ctx: &AnalyzeContext,
) -> Option<crate::model::ChangesSince> {
    let audited = input.index.as_ref()?.audited.as_ref()?;
    let bytes = std::fs::read(input.audited_file.as_ref()?).ok()?;
    if Sha256::digest(&bytes).as_slice() != audited.sha256 {
        return None;
    }
    let root = format!("{}-{}", input.name, audited.version);
    let before = archive::read_package(&bytes, Some(&root), &ctx.limits);
    Some(changes::count(now, &before.files, &audited.version))
}

/// Rust sources that rustc would not read (not UTF-8) or that review tools
/// would hide (NUL bytes), and lines too long to be reviewed by reading.
fn source_problems(report: &mut CrateReport, files: &[archive::RawFile]) {
    let mut shown = 0usize;
    let mut total = 0usize;
    for f in files.iter().filter(|f| f.path.ends_with(".rs")) {
        let Some(data) = f.data.as_deref() else {
            continue;
        };
        let path = f.path.escape_debug();
        let mut found = Vec::new();
        if let Err(e) = std::str::from_utf8(data) {
            found.push(Problem::new(
                "source-invalid",
                format!(
                    "`{path}` is not valid UTF-8 (from byte {}), so rustc would not read it; it was scanned with the invalid bytes replaced",
                    e.valid_up_to()
                ),
            ));
        } else if let Some(at) = memchr::memchr(0, data) {
            found.push(Problem::new(
                "source-invalid",
                format!("`{path}` holds a NUL byte (the first at byte {at}): diff and review tools show such a file as binary, not as code"),
            ));
        }
        let longest = data
            .split(|&b| b == b'\n')
            .map(<[u8]>::len)
            .max()
            .unwrap_or(0);
        if longest > MAX_SOURCE_LINE {
            found.push(Problem::new(
                "source-line-long",
                format!(
                    "`{path}` has a line of {longest} bytes, over {MAX_SOURCE_LINE}: code that long cannot be reviewed by reading"
                ),
            ));
        }
        total += found.len();
        for p in found {
            if shown < TALLY_SHOWN {
                report.problems.push(p);
                shown += 1;
            }
        }
    }
    if total > shown {
        report.problems.push(Problem::new(
            "source-invalid",
            format!("{total} problems in all with Rust source files; the first {shown} are listed"),
        ));
    }
}

/// How many problems of one kind are listed before a count is given.
const TALLY_SHOWN: usize = 5;

fn count_files(
    report: &mut CrateReport,
    files: &[archive::RawFile],
    facts: &manifest::ManifestFacts,
) {
    let mut entries = Vec::with_capacity(files.len());
    for f in files {
        report.package.uncompressed_bytes += f.size;
        let mut entry = FileEntry {
            path: f.path.clone(),
            size: f.size,
            ..FileEntry::default()
        };
        let data = f.data.as_deref().unwrap_or(&[]);
        let language = f
            .data
            .as_ref()
            .and_then(|_| languages::detect(&f.path, data));
        if let Some(lang) = language {
            let (code, comments, blanks) = languages::count(lang, data);
            let stats = report
                .code
                .languages
                .entry(lang.name().to_owned())
                .or_default();
            stats.files += 1;
            stats.code += code;
            stats.comments += comments;
            stats.blanks += blanks;
            report.code.files += 1;
            report.code.bytes += f.size;
            entry.language = Some(lang.name().to_owned());
            entry.code = Some(code);
        }
        entry.kind = classify(f, data, language.is_some(), facts);
        entries.push(entry);
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    report.package.files = entries;
}

fn classify(
    f: &archive::RawFile,
    data: &[u8],
    has_language: bool,
    facts: &manifest::ManifestFacts,
) -> FileKind {
    let name = f.path.rsplit('/').next().unwrap_or("").to_ascii_uppercase();
    if !f.regular {
        FileKind::Special
    } else if matches!(
        f.path.as_str(),
        "Cargo.toml" | "Cargo.toml.orig" | "Cargo.lock" | ".cargo_vcs_info.json"
    ) {
        FileKind::Manifest
    } else if facts.build_script.as_deref() == Some(f.path.as_str()) {
        FileKind::BuildScript
    } else if facts.readme.as_deref() == Some(f.path.as_str()) {
        FileKind::Readme
    } else if facts.license_file.as_deref() == Some(f.path.as_str())
        || name.starts_with("LICENSE")
        || name.starts_with("LICENCE")
        || name.starts_with("COPYING")
        || name.starts_with("UNLICENSE")
    {
        FileKind::License
    } else if data[..data.len().min(8192)].contains(&0) {
        FileKind::Binary
    } else if has_language {
        FileKind::Source
    } else {
        FileKind::Text
    }
}
