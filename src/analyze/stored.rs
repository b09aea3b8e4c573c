//! Analyses through the store ([`crate::store`]): a release already in the
//! store is not read again; its entry is loaded and brought up to date with
//! what only today's index and selection know (every version published,
//! the problems met while fetching, links, the date). A release analyzed
//! here is written to the store, and with `drop_packages` its `.crate`
//! file is then removed from the cache.
//!
//! What is kept is what the package alone decides: a problem that depends
//! on the run (the fetch's problems, a package that could not be read, an
//! analysis stopped by the time limit or an internal error) is never stored,
//! so that the next run tries again.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::{AnalyzeContext, analyze_guarded, path_safe, reader_links};
use crate::fetch::CrateInput;
use crate::format::hex;
use crate::model::{Analyzed, CrateReport, PageData, Problem};
use crate::store::{Store, StoreError, StoreKey, StoredAnalysis};

/// What one analysis did with the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Taken from the store.
    Loaded,
    /// Read from its package; `stored` when written to the store, with the
    /// number of `.crate` files then removed.
    Analyzed {
        /// Whether the analysis was written to the store.
        stored: bool,
        /// `.crate` files removed from the cache.
        dropped: usize,
    },
}

/// What the analyze stage did with the store, for the run's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    /// Releases taken from the store.
    pub loaded: usize,
    /// Releases read from their package.
    pub analyzed: usize,
    /// Analyses written to the store.
    pub stored: usize,
    /// `.crate` files removed from the cache after being stored.
    pub dropped: usize,
}

impl StoreCounts {
    pub(super) fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Loaded => self.loaded += 1,
            Outcome::Analyzed { stored, dropped } => {
                self.analyzed += 1;
                self.stored += usize::from(stored);
                self.dropped += dropped;
            }
        }
    }
}

/// Problems that say something about this run rather than the package.
const TRANSIENT: &[&str] = &["analysis-failed", "file-unreadable"];

/// Analyzes `input` through `store`.
pub(super) fn analyze_with_store(
    input: &CrateInput,
    ctx: &AnalyzeContext,
    store: &Store,
) -> (Analyzed, Outcome) {
    let fresh = |input: &CrateInput| {
        (
            analyze_guarded(input, ctx),
            Outcome::Analyzed {
                stored: false,
                dropped: 0,
            },
        )
    };
    let Some(sha) = release_sha(input) else {
        return fresh(input);
    };
    let key = StoreKey {
        name: &input.name,
        version: &input.version,
        sha256: &sha,
    };
    match store.load(&key) {
        Ok(entry) if to_check_again(&entry.report, input, ctx) => {}
        Ok(entry) => {
            let (report, _) = entry.into_parts();
            let mut report = refresh(report, input, ctx);
            keep_listed_files(&mut report);
            return (Analyzed { report, page: None }, Outcome::Loaded);
        }
        Err(StoreError::Missing(_)) => {}
        Err(e) if input.file.is_none() => {
            let mut analyzed = analyze_guarded(input, ctx);
            analyzed.report.problems.push(Problem::new(
                "store-unreadable",
                format!(
                    "{e}; its package is no longer in the cache, so the next run downloads it again"
                ),
            ));
            let _ = std::fs::remove_file(store.path(&key));
            return (
                analyzed,
                Outcome::Analyzed {
                    stored: false,
                    dropped: 0,
                },
            );
        }
        Err(e) => tracing::warn!("{e}; the package is analyzed again"),
    }
    let analyzed = analyze_guarded(input, ctx);
    if !storable(&analyzed.report, &sha) {
        return (
            analyzed,
            Outcome::Analyzed {
                stored: false,
                dropped: 0,
            },
        );
    }
    let mut entry = StoredAnalysis::new(
        &analyzed.report,
        analyzed.page.as_ref().unwrap_or(&PageData::default()),
    );
    entry
        .report
        .problems
        .retain(|p| !input.problems.contains(p));
    if let Err(e) = store.save(&key, &entry) {
        tracing::warn!(
            "keeping the analysis of {} {}: {e:#}",
            input.name,
            input.version
        );
        return (
            analyzed,
            Outcome::Analyzed {
                stored: false,
                dropped: 0,
            },
        );
    }
    let dropped = if ctx.drop_packages {
        drop_packages(input, ctx)
    } else {
        0
    };
    let mut report = analyzed.report;
    keep_listed_files(&mut report);
    (
        Analyzed { report, page: None },
        Outcome::Analyzed {
            stored: true,
            dropped,
        },
    )
}

/// Of the file list of a report whose page data is left in the store, keeps
/// only the entries the later stages read (the first file, the build
/// script, the first test and example). The render stage loads the whole
/// list back, with the page data, for the crate's own pages.
fn keep_listed_files(report: &mut CrateReport) {
    let build = report.build_script.clone();
    let mut seen_test = false;
    let mut seen_example = false;
    let mut first = true;
    report.package.files.retain(|f| {
        std::mem::take(&mut first)
            || Some(&f.path) == build.as_ref()
            || (f.path.starts_with("tests/") && !std::mem::replace(&mut seen_test, true))
            || (f.path.starts_with("examples/") && !std::mem::replace(&mut seen_example, true))
    });
    report.package.files.shrink_to_fit();
}

/// The SHA-256 that identifies the release: the index's, or for a file
/// given without an index, the file's own. `None` when the name or version
/// could not be part of a path, or the file cannot be read.
fn release_sha(input: &CrateInput) -> Option<[u8; 32]> {
    if !path_safe(&input.name, &input.version) {
        return None;
    }
    match (input.expected_sha256, &input.file) {
        (Some(sha), _) => Some(sha),
        (None, Some(file)) => std::fs::read(file).ok().map(|b| Sha256::digest(&b).into()),
        (None, None) => None,
    }
}

/// Whether the report is the package's own analysis and nothing of this
/// run: the package was read, it matched, and nothing transient happened.
fn storable(report: &CrateReport, sha: &[u8; 32]) -> bool {
    report.package.sha256.as_deref() == Some(hex(sha).as_str())
        && report
            .repository_check
            .as_ref()
            .is_none_or(super::repository::settled)
        && !report.problems.iter().any(|p| {
            TRANSIENT.contains(&p.code.as_str())
                || p.code == "checksum-mismatch"
                || (p.code == "archive-limit" && p.message.contains("seconds"))
        })
}

/// Whether a stored analysis is made again from the package at hand: its
/// repository check can now be made (or made again), or the changes since
/// the newest audited release are to be counted.
fn to_check_again(stored: &CrateReport, input: &CrateInput, ctx: &AnalyzeContext) -> bool {
    let check = ctx.repositories.enabled()
        && stored
            .repository_check
            .as_ref()
            .is_none_or(|c| !super::repository::settled(c));
    // The changes since an audited release, counted from another one or
    // not at all.
    let audited = input.index.as_ref().and_then(|i| i.audited.as_ref());
    let counted = stored
        .audits
        .as_ref()
        .and_then(|a| a.changes_since.as_ref())
        .map(|c| c.from.as_str());
    let changes = input.audited_file.is_some() && counted != audited.map(|a| a.version.as_str());
    input.file.is_some() && (check || changes)
}

/// The stored report with what today's input says: every version, the
/// dependencies and features of the index, the fetch's problems, links and
/// the build's date.
fn refresh(mut report: CrateReport, input: &CrateInput, ctx: &AnalyzeContext) -> CrateReport {
    let mut problems = input.problems.clone();
    problems.append(&mut report.problems);
    problems.sort();
    problems.dedup();
    report.problems = problems;
    if let Some(facts) = &input.index {
        report.versions = facts.versions.clone();
        report.dependencies = facts.dependencies.clone();
        report.features = facts.features.clone();
    }
    report.links = reader_links(input, ctx, report.documentation.as_deref());
    report.generated_at = ctx.generated_at.clone();
    report
}

/// Removes the `.crate` files of the release (and of the previous one, once
/// its summary is kept) when they are in the cache's own `crates/` folder;
/// files of mirrors and of folders given on the command line are never
/// touched.
fn drop_packages(input: &CrateInput, ctx: &AnalyzeContext) -> usize {
    let Some(cache) = &ctx.cache else {
        return 0;
    };
    let crates = cache.join("crates");
    let mut removed = 0;
    let previous_kept = input
        .index
        .as_ref()
        .and_then(|i| i.previous.as_ref())
        .is_some_and(|p| {
            crate::store::state_path(
                cache,
                &crate::store::release_summary(&input.name, &p.version),
            )
            .is_file()
        });
    let files = [
        input.file.as_deref(),
        input.previous_file.as_deref().filter(|_| previous_kept),
    ];
    for file in files.into_iter().flatten() {
        if in_folder(file, &crates) && std::fs::remove_file(file).is_ok() {
            removed += 1;
        }
    }
    removed
}

fn in_folder(file: &Path, folder: &Path) -> bool {
    match (std::path::absolute(file), std::path::absolute(folder)) {
        (Ok(f), Ok(d)) => f.starts_with(d),
        _ => false,
    }
}
