//! The crate page's Trust section: what published audits say and how the
//! package compares with its repository, as facts with their source, and
//! one inference line a reader can check against them.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{
    AuditRecord, Audits, CheckStatus, CrevReviewRecord, DependencyWeight, RegistryRecord,
    RepositoryCheck,
};

/// The view of the Trust section.
#[derive(Debug, Serialize)]
pub struct TrustView {
    /// The inference of audits and repository check together.
    summary: String,
    /// Whether the inference calls for attention.
    warn: bool,
    /// What the audits say; `None` when no audit sets were read.
    audits: Option<AuditsView>,
    /// The repository check; `None` when none was made.
    repository: Option<RepositoryView>,
    /// How the version shown was published; `None` without the dump.
    publishing: Option<PublishingView>,
    /// What the audits cover of the crates compiled with it; `None`
    /// without audit sets.
    tree: Option<String>,
    /// The cargo-crev reviews; `None` without `--crev-proofs`.
    reviews: Option<ReviewsView>,
}

/// The cargo-crev reviews on the page.
#[derive(Debug, Serialize)]
struct ReviewsView {
    /// One sentence.
    summary: String,
    /// Whether a review of the version shown rates it negative or dangerous.
    warn: bool,
    /// Every review, those of the version shown first.
    entries: Vec<CrevReviewRecord>,
}

/// How the version shown was published, from the database dump.
#[derive(Debug, Serialize)]
struct PublishingView {
    /// One sentence.
    summary: String,
    /// Whether the sentence is an inference.
    inferred: bool,
    /// Whether it calls for attention (a token after trusted publishing).
    warn: bool,
}

/// The repository check on the page.
#[derive(Debug, Serialize)]
struct RepositoryView {
    /// One sentence.
    summary: String,
    status: &'static str,
    repository: Option<String>,
    commit: Option<String>,
    folder: String,
    source: Option<String>,
    files_compared: usize,
    added: Vec<String>,
    added_count: usize,
    differing: Vec<String>,
    differing_count: usize,
    not_compared: Vec<String>,
}

/// The audits part of the Trust section.
#[derive(Debug, Serialize)]
struct AuditsView {
    /// The inference, in one sentence or two.
    summary: String,
    /// Whether a violation covers the version shown.
    violated: bool,
    /// Coverage of the version shown, as `organization: criteria (how)`.
    covered: Vec<String>,
    /// Every entry, violations first.
    entries: Vec<EntryView>,
}

/// One audit entry on the page.
#[derive(Debug, Serialize)]
struct EntryView {
    organization: String,
    kind: String,
    versions: String,
    criteria: String,
    who: String,
    applies: bool,
}

fn names(v: &BTreeSet<&str>) -> String {
    v.iter().copied().collect::<Vec<_>>().join(", ")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn versions(e: &AuditRecord) -> String {
    match e.kind.as_str() {
        "delta" => format!(
            "{} → {}",
            e.from.as_deref().unwrap_or("?"),
            e.version.as_deref().unwrap_or("?")
        ),
        "violation" => e.violation.clone().unwrap_or_default(),
        "wildcard" | "trusted" => format!(
            "releases of user {} from {} to {}",
            e.user_id.map_or("?".into(), |u| u.to_string()),
            e.start.as_deref().unwrap_or("?"),
            e.end.as_deref().unwrap_or("?")
        ),
        _ => e.version.clone().unwrap_or_default(),
    }
}

/// What changed since the newest audited release, in one sentence.
fn changes_sentence(c: &crate::model::ChangesSince) -> String {
    let files = c.files_added + c.files_removed + c.files_changed;
    if files == 0 {
        return format!("No file of the package changed since {}.", c.from);
    }
    format!(
        "Since {}: {} ({} added, {} removed), {} lines added and {} removed.",
        c.from,
        plural(files, "file changed", "files changed"),
        c.files_added,
        c.files_removed,
        crate::format::thousands(c.lines_added),
        crate::format::thousands(c.lines_removed)
    )
}

/// The sentence a reader checks against the entries.
fn summary(a: &Audits, version: &str) -> String {
    let mut parts = Vec::new();
    let failing: Vec<&AuditRecord> = a.entries.iter().filter(|e| e.applies).collect();
    if !failing.is_empty() {
        let orgs: BTreeSet<&str> = failing.iter().map(|e| e.organization.as_str()).collect();
        parts.push(format!(
            "Version {version} is among the versions that {} marks as failing its criteria.",
            names(&orgs)
        ));
    }
    let deploy: BTreeSet<&str> = a
        .covered
        .iter()
        .filter(|c| c.criteria == "safe-to-deploy")
        .map(|c| c.organization.as_str())
        .collect();
    if !deploy.is_empty() {
        parts.push(format!(
            "Audited for safe-to-deploy by {} ({}): version {version} is covered.",
            plural(deploy.len(), "organization", "organizations"),
            names(&deploy)
        ));
    } else if let (Some(newest), Some(since)) = (&a.newest_audited, a.releases_since) {
        parts.push(format!(
            "Not covered for safe-to-deploy: the newest release audited for it, {newest}, is {} older.",
            plural(since, "release", "releases")
        ));
        if let Some(c) = &a.changes_since {
            parts.push(changes_sentence(c));
        }
    } else if a.entries.is_empty() {
        parts.push("No audit set read has an entry for this crate.".into());
    } else {
        parts.push(format!(
            "No audit covers a release up to {version} for safe-to-deploy ({} in all).",
            plural(a.entries.len(), "entry", "entries")
        ));
    }
    parts.join(" ")
}

/// The Trust section of a report's page; `None` when no audit sets were
/// read and no repository check was made.
pub fn trust_view(r: &crate::model::CrateReport) -> Option<TrustView> {
    let version = r.version.as_str();
    let tree = r
        .audits
        .as_ref()
        .and_then(|_| tree_summary(&r.dependency_weight));
    let audits = r.audits.as_ref().map(|a| audits_view(a, version));
    let repository = r.repository_check.as_ref().map(repository_view);
    let publishing = r
        .registry_record
        .as_ref()
        .and_then(|rec| publishing_view(rec, version));
    let reviews = r.crev_reviews.as_deref().map(|l| reviews_view(l, version));
    if audits.is_none() && repository.is_none() && publishing.is_none() && reviews.is_none() {
        return None;
    }
    // The reason a check was not made is long; the section's own line has it.
    let repository_line = repository.as_ref().map(|r| match r.status {
        "not-checked" => "The package was not compared with its repository.",
        _ => r.summary.as_str(),
    });
    let summary = [
        audits.as_ref().map(|a| a.summary.as_str()),
        reviews.as_ref().map(|v| v.summary.as_str()),
        repository_line,
        publishing.as_ref().map(|p| p.summary.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let warn = audits.as_ref().is_some_and(|a| a.violated)
        || repository.as_ref().is_some_and(|r| r.status == "differs")
        || publishing.as_ref().is_some_and(|p| p.warn)
        || reviews.as_ref().is_some_and(|v| v.warn);
    Some(TrustView {
        summary,
        warn,
        audits,
        repository,
        publishing,
        tree,
        reviews,
    })
}

/// The rank of a crev level, for the best of several.
fn level_rank(level: &str) -> u8 {
    match level {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// The sentence about the cargo-crev reviews.
fn reviews_view(all: &[CrevReviewRecord], version: &str) -> ReviewsView {
    let shown: Vec<&CrevReviewRecord> = all.iter().filter(|r| r.applies).collect();
    let warn = shown
        .iter()
        .any(|r| matches!(r.rating.as_str(), "negative" | "dangerous"));
    let summary = if shown.is_empty() {
        match all.first() {
            None => "No cargo-crev review of this crate was read.".to_owned(),
            Some(newest) => format!(
                "No cargo-crev review of version {version}; {} of other versions (the newest reviewed: {}).",
                plural(all.len(), "review", "reviews"),
                newest.version
            ),
        }
    } else {
        let mut ratings: Vec<&str> = shown.iter().map(|r| r.rating.as_str()).collect();
        ratings.sort_unstable();
        ratings.dedup();
        let best = shown
            .iter()
            .map(|r| r.thoroughness.as_str())
            .max_by_key(|t| level_rank(t))
            .unwrap_or("none");
        format!(
            "{} of version {version} with cargo-crev (rated {}; thoroughness up to {best}).",
            plural(shown.len(), "review", "reviews"),
            ratings.join(", ")
        )
    };
    ReviewsView {
        summary,
        warn,
        entries: all.to_vec(),
    }
}

/// The sentence about the audits of the crates compiled with it.
fn tree_summary(w: &DependencyWeight) -> Option<String> {
    let audited = w.audited?;
    let known = w.crates - w.unknown.len();
    if known == 0 {
        return None;
    }
    let mut s = format!(
        "Of the {} compiled with it that this site analyzed, {audited} {} audited for safe-to-deploy by the sets read.",
        plural(known, "crate", "crates"),
        if audited == 1 { "is" } else { "are" }
    );
    if !w.unaudited_build_time.is_empty() {
        let shown: Vec<&str> = w
            .unaudited_build_time
            .iter()
            .take(10)
            .map(String::as_str)
            .collect();
        s.push_str(&format!(
            " Not audited and run at build time: {}{}.",
            shown.join(", "),
            if w.unaudited_build_time.len() > shown.len() {
                format!(" and {} more", w.unaudited_build_time.len() - shown.len())
            } else {
                String::new()
            }
        ));
    }
    Some(s)
}

/// The sentence about how the version shown was published.
fn publishing_view(record: &RegistryRecord, version: &str) -> Option<PublishingView> {
    let at = record.versions.iter().position(|v| v.num == version)?;
    let shown = &record.versions[at];
    let earlier_trusted = record.versions[..at]
        .iter()
        .rev()
        .find(|v| v.published_with.as_deref() == Some("trusted-publishing"));
    let (summary, warn) = match shown.published_with.as_deref() {
        Some("trusted-publishing") if shown.published_with_inferred => (
            format!(
                "Version {version} has no publishing user in the registry's records, as releases made through trusted publishing have (inferred: the database dump does not record trusted publishing)."
            ),
            false,
        ),
        Some("trusted-publishing") => (
            format!(
                "Version {version} was published through trusted publishing{}.",
                shown
                    .trusted_publisher
                    .as_deref()
                    .map(|t| format!(" from {t}"))
                    .unwrap_or_default()
            ),
            false,
        ),
        Some(_) => {
            let by = shown.published_by.as_deref().unwrap_or("a user");
            match earlier_trusted {
                Some(t) => (
                    format!(
                        "Version {version} was published by {by} with an API token, although version {} came through trusted publishing.",
                        t.num
                    ),
                    true,
                ),
                None => (
                    format!("Version {version} was published by {by} with an API token."),
                    false,
                ),
            }
        }
        None => (
            format!("The registry's records do not say how version {version} was published."),
            false,
        ),
    };
    let summary = if record.trusted_publishing_only {
        format!("{summary} New releases are accepted only through trusted publishing.")
    } else {
        summary
    };
    Some(PublishingView {
        inferred: shown.published_with_inferred,
        summary,
        warn,
    })
}

fn short(commit: Option<&str>) -> &str {
    commit.map_or("?", |c| &c[..c.len().min(12)])
}

/// The sentence about the repository check.
fn repository_summary(c: &RepositoryCheck) -> String {
    let commit = short(c.commit.as_deref());
    match c.status {
        CheckStatus::Matches => format!(
            "The package matches its repository: its {} compared are those of commit {commit}.",
            plural(c.files_compared, "file", "files")
        ),
        CheckStatus::Differs if c.commit_missing => {
            format!("The repository does not have commit {commit}, which the package names.")
        }
        CheckStatus::Differs => {
            let mut what = Vec::new();
            if c.files_not_in_repository_count > 0 {
                what.push(format!(
                    "{} not in the repository",
                    plural(c.files_not_in_repository_count, "file", "files")
                ));
            }
            if c.files_differing_count > 0 {
                what.push(match c.files_differing_count {
                    1 => "1 file that differs".to_owned(),
                    n => format!("{n} files that differ"),
                });
            }
            format!(
                "The package differs from its repository at commit {commit}: {}.",
                what.join(" and ")
            )
        }
        CheckStatus::NotChecked => format!(
            "The package was not compared with its repository: {}.",
            c.reason.as_deref().unwrap_or("no reason was given")
        ),
    }
}

fn repository_view(c: &RepositoryCheck) -> RepositoryView {
    RepositoryView {
        summary: repository_summary(c),
        status: c.status.as_str(),
        repository: c.repository.clone(),
        commit: c.commit.clone(),
        folder: c.path_in_vcs.clone().unwrap_or_default(),
        source: c.source.clone(),
        files_compared: c.files_compared,
        added: c.files_not_in_repository.clone(),
        added_count: c.files_not_in_repository_count,
        differing: c.files_differing.clone(),
        differing_count: c.files_differing_count,
        not_compared: c.files_not_compared.clone(),
    }
}

fn audits_view(a: &Audits, version: &str) -> AuditsView {
    AuditsView {
        summary: summary(a, version),
        violated: a.entries.iter().any(|e| e.applies),
        covered: a
            .covered
            .iter()
            .map(|c| {
                let how = match (c.how.as_str(), &c.from) {
                    ("delta", Some(from)) => format!("delta audits from {from}"),
                    ("wildcard", _) => "a wildcard audit of its publisher".to_owned(),
                    ("trusted", _) => "a trusted publisher".to_owned(),
                    _ => "a full audit".to_owned(),
                };
                format!("{}: {} ({how})", c.organization, c.criteria)
            })
            .collect(),
        entries: a
            .entries
            .iter()
            .map(|e| EntryView {
                organization: e.organization.clone(),
                kind: e.kind.clone(),
                versions: versions(e),
                criteria: e.criteria.join(", "),
                who: e.who.join(", "),
                applies: e.applies,
            })
            .collect(),
    }
}
