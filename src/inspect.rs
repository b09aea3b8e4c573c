//! `cargofox inspect`: a readable report of one crate on the terminal, or
//! the sidecar JSON document, one per line.

use std::fmt::Write;

use crate::format::{human_bytes, thousands};
use crate::model::{CrateReport, DependencyKind, Severity};

/// Formats a report for people.
pub fn text_report(r: &CrateReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} {}", r.name, r.version);
    if let Some(d) = &r.description {
        let _ = writeln!(s, "  {d}");
    }
    let mut line = |label: &str, value: String| {
        let _ = writeln!(s, "  {label:<13} {value}");
    };
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
    line(
        "license",
        r.license
            .clone()
            .or_else(|| r.license_file.clone())
            .unwrap_or_else(|| "(none declared)".into()),
    );
    line("repository", or_none(&r.repository));
    line("published", r.published().unwrap_or("(unknown)").to_owned());
    line(
        "edition",
        format!(
            "{}, rust-version {}",
            or_none(&r.edition),
            r.rust_version.as_deref().unwrap_or("(not declared)")
        ),
    );
    line(
        "build script",
        r.build_script.clone().unwrap_or_else(|| "no".into()),
    );
    line(
        "proc macro",
        if r.targets.proc_macro {
            "yes".into()
        } else {
            "no".into()
        },
    );
    if let Some(links) = &r.native_library {
        line("links", links.clone());
    }
    line(
        "package",
        format!(
            "{} files, {} unpacked, {} compressed{}",
            r.package.files.len(),
            human_bytes(r.package.uncompressed_bytes),
            human_bytes(r.package.compressed_bytes),
            if r.package.checksum_verified {
                ", checksum verified"
            } else {
                ""
            }
        ),
    );
    match &r.vcs {
        Some(v) => line(
            "vcs",
            format!(
                "commit {}{}{}",
                v.commit.as_deref().unwrap_or("(unknown)"),
                v.path_in_vcs
                    .as_deref()
                    .map(|p| format!(", path {p}"))
                    .unwrap_or_default(),
                if v.dirty { ", dirty" } else { "" }
            ),
        ),
        None => line("vcs", "(no .cargo_vcs_info.json)".into()),
    }
    let mut langs: Vec<_> = r.code.languages.iter().collect();
    langs.sort_by(|a, b| b.1.code.cmp(&a.1.code).then_with(|| a.0.cmp(b.0)));
    for (i, (name, l)) in langs.iter().enumerate() {
        line(
            if i == 0 { "code" } else { "" },
            format!(
                "{name}: {} code, {} comments, {} blanks in {} files",
                thousands(l.code),
                thousands(l.comments),
                thousands(l.blanks),
                l.files
            ),
        );
    }
    let count = |k| r.dependencies.iter().filter(|d| d.kind == k).count();
    line(
        "dependencies",
        format!(
            "{} normal, {} build, {} dev",
            count(DependencyKind::Normal),
            count(DependencyKind::Build),
            count(DependencyKind::Dev)
        ),
    );
    line(
        "releases",
        format!(
            "{} ({} yanked)",
            r.versions.len(),
            r.versions.iter().filter(|v| v.yanked).count()
        ),
    );
    line(
        "features",
        r.features.keys().cloned().collect::<Vec<_>>().join(", "),
    );
    line("risk", r.risk.level.as_str().to_owned());
    for reason in &r.risk.reasons {
        line("", reason.line());
    }
    let serious: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Low)
        .collect();
    for (i, f) in serious.iter().enumerate() {
        let place = match (&f.file, f.line) {
            (Some(file), Some(l)) => format!("{file}:{l}"),
            (Some(file), None) => file.clone(),
            _ => f.location.as_str().to_owned(),
        };
        line(
            if i == 0 { "findings" } else { "" },
            format!(
                "{} [{}] {place}: {}",
                f.severity.as_str(),
                f.code,
                f.evidence
            ),
        );
    }
    let info = r.findings.len() - serious.len();
    if info > 0 {
        line(
            if serious.is_empty() { "findings" } else { "" },
            format!("and {info} informational findings (see --json)"),
        );
    }
    if r.problems.is_empty() {
        line("problems", "none".into());
    }
    for (i, p) in r.problems.iter().enumerate() {
        line(
            if i == 0 { "problems" } else { "" },
            format!("[{}] {}", p.code, p.message),
        );
    }
    s
}

/// What a database dump (and an advisory database) holds, for `dump-stats`.
pub fn dump_stats(
    dump: Option<&crate::fetch::dump::DumpData>,
    advisories: Option<&crate::fetch::advisories::AdvisoryDb>,
) -> String {
    let mut out = String::new();
    if let Some(d) = dump {
        let versions: usize = d.crates.iter().map(|c| c.versions.len()).sum();
        let edges: usize = d.crates.iter().map(|c| c.deps.len()).sum();
        let owned: usize = d.crates.iter().map(|c| c.owners.len()).sum();
        let _ = writeln!(out, "crates: {}", thousands(d.crates.len()));
        let _ = writeln!(out, "versions: {}", thousands(versions));
        let _ = writeln!(
            out,
            "owners: {} ({} ownerships)",
            thousands(d.owners.len()),
            thousands(owned)
        );
        let _ = writeln!(
            out,
            "dependencies of default versions: {}",
            thousands(edges)
        );
        let _ = writeln!(out, "categories: {}", thousands(d.category_names.len()));
        let _ = writeln!(out, "deleted crates: {}", thousands(d.deleted.len()));
        let _ = writeln!(
            out,
            "download window: {} days, {} to {}",
            d.days.len(),
            d.days.first().map_or("-", String::as_str),
            d.days.last().map_or("-", String::as_str)
        );
        let _ = writeln!(out, "most downloaded over the window:");
        for name in crate::rank::most_downloaded(d, 10) {
            let recent = d.get(name).map_or(0, |(_, c)| c.recent());
            let _ = writeln!(out, "  {name} {}", thousands(recent as usize));
        }
    }
    if let Some(a) = advisories {
        let _ = writeln!(out, "advisories: {}", thousands(a.len()));
    }
    out
}
