//! The pages of each crate: `crates/{slug}/index.html`, its evidence pages
//! and its JSON sidecar, rendered one crate at a time.
//!
//! A report whose page data (README, evidence sources, file list) was left
//! in the store by the analyze stage gets it back here, for the time of its
//! own pages only, so that memory does not grow with every crate's pages.
//!
//! Rendering is incremental: each crate's pages have a fingerprint (the
//! report without its date stamp, which of its dependencies have a page on
//! this site, and everything of the site that a crate page shows). When the
//! fingerprint is the one of the previous build and the previous site still
//! has the pages, they are hard-linked from it instead of rendered, and keep
//! their date stamp: `generated_at` of a crate is when its data was first
//! seen in this form.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context as _;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{SiteView, minify, registry, risk, slug, views, write};
use crate::model::{CrateReport, PageData};
use crate::store::{Store, StoreKey};

/// The date stamp and fingerprint of one crate's pages.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PageStamp {
    /// Fingerprint of what the pages show (hex).
    pub fingerprint: String,
    /// When the pages were rendered from data in this form (RFC 3339).
    pub generated_at: String,
}

/// The stamps of every crate page of one published site, kept between runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PageStamps {
    /// The site these pages were published in (absolute).
    pub site: PathBuf,
    /// By crate name.
    pub pages: BTreeMap<String, PageStamp>,
}

/// What the crate pages are rendered from besides the reports.
#[derive(Debug, Default)]
pub struct CratePages<'a> {
    /// Page data at hand, by crate name: crates whose analysis was not
    /// stored.
    pub held: Option<&'a BTreeMap<String, PageData>>,
    /// Where the page data of the other crates is, with their whole file
    /// lists.
    pub store: Option<&'a Store>,
    /// The published site, from which unchanged pages are linked, with the
    /// stamps of its pages; `None` renders every page.
    pub previous: Option<(&'a Path, &'a PageStamps)>,
}

/// What rendering the crate pages did.
#[derive(Debug, Default)]
pub struct CrateStats {
    /// Crates whose pages were rendered.
    pub rendered: usize,
    /// Crates whose pages were linked from the previous site.
    pub unchanged: usize,
    /// The stamps of the pages now written.
    pub stamps: BTreeMap<String, PageStamp>,
}

/// Renders (or links) the pages of every crate into `dir`.
pub(super) fn render_crates(
    dir: &Path,
    reports: &[CrateReport],
    tera: &tera::Tera,
    ctx: &tera::Context,
    site: &SiteView<'_>,
    pages: &CratePages<'_>,
) -> anyhow::Result<CrateStats> {
    let local: std::collections::HashSet<&str> = reports.iter().map(|r| r.name.as_str()).collect();
    let is_local = |name: &str| local.contains(name);
    let site_print = site_fingerprint(site);
    let unchanged = AtomicUsize::new(0);
    let stamps = reports
        .par_iter()
        .map(|r| -> anyhow::Result<(String, PageStamp)> {
            let held = pages.held.and_then(|h| h.get(&r.name));
            let fingerprint = fingerprint(r, held.is_some(), &is_local, &site_print)?;
            if let Some(stamp) = reusable(dir, r, &fingerprint, pages.previous) {
                unchanged.fetch_add(1, Ordering::Relaxed);
                return Ok((r.name.clone(), stamp));
            }
            let (full, page) = match held {
                Some(page) => (Cow::Borrowed(r), Cow::Borrowed(page)),
                None => from_store(r, pages.store),
            };
            render_one(dir, &full, &page, tera, ctx, &site.base, &is_local)?;
            Ok((
                r.name.clone(),
                PageStamp {
                    fingerprint,
                    generated_at: r.generated_at.clone(),
                },
            ))
        })
        .collect::<anyhow::Result<BTreeMap<_, _>>>()?;
    let unchanged = unchanged.into_inner();
    Ok(CrateStats {
        rendered: reports.len() - unchanged,
        unchanged,
        stamps,
    })
}

fn render_one(
    dir: &Path,
    r: &CrateReport,
    page: &PageData,
    tera: &tera::Tera,
    ctx: &tera::Context,
    base: &str,
    is_local: &dyn Fn(&str) -> bool,
) -> anyhow::Result<()> {
    let slug = slug(&r.name);
    let mut c = ctx.clone();
    c.insert("krate", r);
    c.insert(
        "page_date",
        r.generated_at.get(..10).unwrap_or(&r.generated_at),
    );
    c.insert("reg", &registry::registry_view(r));
    let mut view = views::crate_view(r, page, is_local);
    view.finding_groups = serde_json::to_value(risk::finding_groups(r, page, base))?;
    view.reasons = serde_json::to_value(risk::reasons(r, page, base))?;
    c.insert("view", &view);
    let html = tera
        .render("crate.html", &c)
        .with_context(|| format!("rendering the page of {}", r.name))?;
    write(dir, &format!("crates/{slug}/index.html"), &minify(&html))?;
    for (file, ev) in risk::evidence_views(r, page) {
        let mut e = c.clone();
        e.insert("ev", &ev);
        let html = tera
            .render("evidence.html", &e)
            .with_context(|| format!("rendering evidence of {}", r.name))?;
        write(
            dir,
            &format!("crates/{slug}/evidence/{file}"),
            &minify(&html),
        )?;
    }
    write(
        dir,
        &format!("crates/{slug}/badge.svg"),
        super::badge::svg(r.risk.level, r.ranking.score).as_bytes(),
    )?;
    let mut json = serde_json::to_vec(r)?;
    json.push(b'\n');
    write(dir, &format!("crates/{slug}.json"), &json)
}

/// The report with its whole file list, and its page data, from the store
/// where the analyze stage left them; the report as it is, with no page
/// data, when the store does not have them (said in the log).
fn from_store<'a>(
    r: &'a CrateReport,
    store: Option<&Store>,
) -> (Cow<'a, CrateReport>, Cow<'a, PageData>) {
    let none = (Cow::Borrowed(r), Cow::Owned(PageData::default()));
    let Some(store) = store else {
        return none;
    };
    let Some(sha) = r.package.sha256.as_deref().and_then(parse_sha) else {
        return none;
    };
    let key = StoreKey {
        name: &r.name,
        version: &r.version,
        sha256: &sha,
    };
    match store.load(&key) {
        Ok(entry) => {
            let (stored, page) = entry.into_parts();
            let mut full = r.clone();
            full.package.files = stored.package.files;
            (Cow::Owned(full), Cow::Owned(page))
        }
        Err(e) => {
            tracing::warn!("{e}; the page of {} lacks its README and evidence", r.name);
            none
        }
    }
}

fn parse_sha(hex: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Version of how crate pages are written, beyond the templates (the
/// sidecar's formatting, the evidence excerpts): raised with any such
/// change, so that pages written before it are rendered again.
const PAGES_VERSION: u32 = 4;

/// What every crate page shows of the site: the templates, the theme, the
/// site's settings (not its date), the analyzer and cargofox's version.
fn site_fingerprint(site: &SiteView<'_>) -> Vec<u8> {
    let mut h = Sha256::new();
    for (name, text) in super::TEMPLATES {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    for (name, bytes) in super::THEME {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(bytes);
        h.update([0]);
    }
    for part in [
        site.title,
        &site.base,
        &site.root,
        site.csp,
        site.source,
        site.version,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.update(crate::store::ANALYZER_VERSION.to_le_bytes());
    h.update(PAGES_VERSION.to_le_bytes());
    h.finalize().to_vec()
}

/// The fingerprint of one crate's pages.
fn fingerprint(
    r: &CrateReport,
    held: bool,
    is_local: &dyn Fn(&str) -> bool,
    site: &[u8],
) -> anyhow::Result<String> {
    let mut h = Sha256::new();
    h.update(site);
    let mut value = serde_json::to_value(r)?;
    if let Some(o) = value.as_object_mut() {
        o.remove("generated_at");
    }
    h.update(serde_json::to_vec(&value)?);
    let local: Vec<u8> = r
        .dependencies
        .iter()
        .map(|d| u8::from(is_local(&d.name)))
        .collect();
    h.update(&local);
    h.update([u8::from(held)]);
    Ok(crate::format::hex(&h.finalize()[..16]))
}

/// Links the crate's pages from the previous site when their fingerprint is
/// unchanged and they are all there; the stamp they keep.
fn reusable(
    dir: &Path,
    r: &CrateReport,
    fingerprint: &str,
    previous: Option<(&Path, &PageStamps)>,
) -> Option<PageStamp> {
    let (site, stamps) = previous?;
    let stamp = stamps.pages.get(&r.name)?;
    if stamp.fingerprint != fingerprint {
        return None;
    }
    let slug = slug(&r.name);
    let page_dir = Path::new("crates").join(&slug);
    let sidecar = Path::new("crates").join(format!("{slug}.json"));
    let mut files = vec![sidecar];
    files.extend(
        walkdir::WalkDir::new(site.join(&page_dir))
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .ok()?
            .into_iter()
            .filter(|e| !e.file_type().is_dir())
            .filter_map(|e| e.path().strip_prefix(site).ok().map(Path::to_owned)),
    );
    if !files.iter().any(|f| f.ends_with("index.html")) {
        return None;
    }
    for (n, rel) in files.iter().enumerate() {
        let to = dir.join(rel);
        let linked = to
            .parent()
            .is_some_and(|p| std::fs::create_dir_all(p).is_ok())
            && std::fs::hard_link(site.join(rel), &to).is_ok();
        if !linked {
            // Unlinked again before rendering: writing through a link would
            // change the published site's file.
            for done in &files[..n] {
                let _ = std::fs::remove_file(dir.join(done));
            }
            return None;
        }
    }
    Some(stamp.clone())
}
