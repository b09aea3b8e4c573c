//! The pages that list crates: every crate by first letter (`crates/` and
//! `letters/{letter}/`), the owner, category and keyword pages with their
//! indexes, and the crates of each serious risk level (`report/{level}/`).
//! All of them are paged by [`paged`](super::paged), so that each stays
//! small at the registry's size.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;

use super::paged::write_paged;
use super::{minify, registry, slug, views, write};
use crate::model::{CrateReport, RiskLevel};

/// The risk levels whose crates have a list of their own.
pub const LISTED_LEVELS: [RiskLevel; 2] = [RiskLevel::High, RiskLevel::Medium];

/// The letter a crate is listed under: its first character, lowercase,
/// when it is an ASCII letter or digit; `other` otherwise.
pub fn letter(name: &str) -> String {
    match name.chars().next() {
        Some(c) if c.is_ascii_alphanumeric() => c.to_ascii_lowercase().to_string(),
        _ => "other".to_owned(),
    }
}

#[derive(Serialize)]
struct RowView<'a> {
    name: &'a str,
    slug: String,
    version: &'a str,
    description: Option<&'a str>,
    code_lines: String,
    dependencies: usize,
    problems: usize,
}

#[derive(Serialize)]
struct LetterLink {
    label: String,
    path: String,
    count: usize,
}

#[derive(Serialize)]
struct ReportRow<'a> {
    name: &'a str,
    slug: String,
    version: &'a str,
    reason: &'a str,
}

/// Writes `crates/` (the letters, with their counts) and the pages of
/// every letter; returns the paths written.
pub fn render_letters(
    dir: &Path,
    tera: &tera::Tera,
    ctx: &tera::Context,
    reports: &[CrateReport],
) -> anyhow::Result<Vec<String>> {
    let mut by_letter: BTreeMap<String, Vec<&CrateReport>> = BTreeMap::new();
    for r in reports {
        by_letter.entry(letter(&r.name)).or_default().push(r);
    }
    let mut c = ctx.clone();
    let links: Vec<LetterLink> = by_letter
        .iter()
        .map(|(l, members)| LetterLink {
            label: l.clone(),
            path: format!("letters/{l}/"),
            count: members.len(),
        })
        .collect();
    c.insert("letters", &links);
    c.insert("total", &views::thousands(reports.len()));
    let html = tera
        .render("crates.html", &c)
        .context("rendering crates/")?;
    write(dir, "crates/index.html", &minify(&html))?;
    let mut paths = vec!["crates/".to_owned()];
    for (l, members) in &by_letter {
        paths.extend(write_paged(
            dir,
            &format!("letters/{l}/"),
            members,
            |rows, paging| {
                let rows: Vec<RowView> = rows
                    .iter()
                    .map(|r| RowView {
                        name: &r.name,
                        slug: slug(&r.name),
                        version: &r.version,
                        description: r.description.as_deref(),
                        code_lines: views::thousands(r.code.total_code()),
                        dependencies: r.dependencies.len(),
                        problems: r.problems.len(),
                    })
                    .collect();
                let mut c = ctx.clone();
                c.insert("letter", l);
                c.insert("letters", &links);
                c.insert("crates", &rows);
                c.insert("paging", paging);
                tera.render("letter.html", &c)
                    .with_context(|| format!("rendering letters/{l}/"))
            },
        )?);
    }
    Ok(paths)
}

/// Writes the owner, category and keyword pages and their three indexes;
/// returns the paths written.
pub fn render_groups(
    dir: &Path,
    tera: &tera::Tera,
    ctx: &tera::Context,
    reports: &[CrateReport],
) -> anyhow::Result<Vec<String>> {
    use rayon::prelude::*;
    let (pages, index) = registry::group_pages(reports);
    let written: Vec<Vec<String>> = pages
        .par_iter()
        .map(|g| {
            write_paged(dir, &g.path, &g.members, |members, paging| {
                let mut c = ctx.clone();
                c.insert("group", g);
                c.insert("rows", &registry::group_rows(reports, members));
                c.insert("paging", paging);
                tera.render("group.html", &c)
                    .with_context(|| format!("rendering {}", g.path))
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let mut paths: Vec<String> = written.into_iter().flatten().collect();
    for (kind, links) in &index {
        paths.extend(write_paged(
            dir,
            &format!("{kind}/"),
            links,
            |links, paging| {
                let mut c = ctx.clone();
                c.insert("kind", kind);
                c.insert("links", links);
                c.insert("paging", paging);
                tera.render("groups.html", &c)
                    .with_context(|| format!("rendering {kind}/"))
            },
        )?);
    }
    Ok(paths)
}

/// Writes `report/{level}/`, every crate of each of [`LISTED_LEVELS`] with
/// the first reason of its level; returns the paths written.
pub fn render_levels(
    dir: &Path,
    tera: &tera::Tera,
    ctx: &tera::Context,
    reports: &[CrateReport],
) -> anyhow::Result<Vec<String>> {
    let mut paths = Vec::new();
    for level in LISTED_LEVELS {
        let members: Vec<&CrateReport> = reports.iter().filter(|r| r.risk.level == level).collect();
        let base = format!("report/{}/", level.as_str());
        paths.extend(write_paged(dir, &base, &members, |rows, paging| {
            let mut c = ctx.clone();
            c.insert("level", level.as_str());
            c.insert("crates", &report_rows(rows));
            c.insert("paging", paging);
            tera.render("level.html", &c)
                .with_context(|| format!("rendering {base}"))
        })?);
    }
    Ok(paths)
}

/// The rows of a risk level's list.
fn report_rows<'a>(rows: &[&'a CrateReport]) -> Vec<ReportRow<'a>> {
    rows.iter()
        .map(|r| ReportRow {
            name: &r.name,
            slug: slug(&r.name),
            version: &r.version,
            reason: r.risk.reasons.first().map_or("", |s| s.text.as_str()),
        })
        .collect()
}

/// The first rows of a risk level's list, for the report page, with the
/// level's count.
pub fn level_preview(reports: &[CrateReport], level: RiskLevel, rows: usize) -> LevelPreview<'_> {
    let members: Vec<&CrateReport> = reports.iter().filter(|r| r.risk.level == level).collect();
    LevelPreview {
        level: level.as_str(),
        count: members.len(),
        path: format!("report/{}/", level.as_str()),
        crates: report_rows(&members[..rows.min(members.len())]),
    }
}

/// A risk level's first crates on the report page.
#[derive(Serialize)]
pub struct LevelPreview<'a> {
    level: &'static str,
    count: usize,
    path: String,
    crates: Vec<ReportRow<'a>>,
}
