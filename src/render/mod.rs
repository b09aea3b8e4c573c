//! The render stage: writes the whole static site into a folder. It owns the
//! templates (tera, autoescaping on, embedded in the binary from
//! `templates/`), the project's own pages (`content/*.md`), the theme, the
//! JSON sidecars, `index.json`, the sitemaps, `robots.txt` and `404.html`.
//! All HTML goes through one minify-html configuration. Crate pages are
//! rendered in parallel; output depends only on the input, so two builds of
//! the same data differ only in the date stamp.

pub mod badge;
pub mod bulk;
pub mod charts;
pub mod crates;
pub mod lists;
pub mod markdown;
pub mod mirror;
pub mod paged;
pub mod registry;
pub mod risk;
pub mod search;
pub mod sitemap;
pub mod trust;
pub mod views;

use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;

use crate::model::CrateReport;
use crate::rank::SiteSummary;
pub use views::{human_bytes, slug};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("crate.html", include_str!("../../templates/crate.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("crates.html", include_str!("../../templates/crates.html")),
    ("page.html", include_str!("../../templates/page.html")),
    ("404.html", include_str!("../../templates/404.html")),
    ("sitemap.xml", include_str!("../../templates/sitemap.xml")),
    (
        "sitemap-index.xml",
        include_str!("../../templates/sitemap-index.xml"),
    ),
    ("risk.html", include_str!("../../templates/risk.html")),
    (
        "evidence.html",
        include_str!("../../templates/evidence.html"),
    ),
    ("report.html", include_str!("../../templates/report.html")),
    ("feed.xml", include_str!("../../templates/feed.xml")),
    ("group.html", include_str!("../../templates/group.html")),
    ("groups.html", include_str!("../../templates/groups.html")),
    ("letter.html", include_str!("../../templates/letter.html")),
    ("level.html", include_str!("../../templates/level.html")),
    ("pager.html", include_str!("../../templates/pager.html")),
    ("audits.html", include_str!("../../templates/audits.html")),
];

const PAGES: &[(&str, &str)] = &[
    ("about", include_str!("../../content/about.md")),
    ("methodology", include_str!("../../content/methodology.md")),
    ("faq", include_str!("../../content/faq.md")),
    ("data", include_str!("../../content/data.md")),
];

const THEME: &[(&str, &[u8])] = &[
    ("style.css", include_bytes!("../../theme/style.css")),
    ("favicon.svg", include_bytes!("../../theme/favicon.svg")),
    ("search.js", include_bytes!("../../theme/search.js")),
];

/// The Content-Security-Policy of every page: no inline script and no
/// script from elsewhere; the site's own search script, its fetches of the
/// search index and its form are the only ones allowed.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'";

/// How the site is rendered.
#[derive(Debug, Clone)]
pub struct SiteOptions {
    /// Absolute URL the site is served from (used in `sitemap.xml` and for
    /// the path prefix of links).
    pub base_url: String,
    /// Site title.
    pub title: String,
    /// Where the data came from, as shown in the footer.
    pub source: String,
    /// The build's date stamp (RFC 3339).
    pub generated_at: String,
}

#[derive(Serialize)]
pub(crate) struct SiteView<'a> {
    title: &'a str,
    base: String,
    /// The absolute address of the site, ending with `/` (for snippets
    /// that are used elsewhere).
    root: String,
    csp: &'static str,
    generated_at: &'a str,
    generated_date: &'a str,
    source: &'a str,
    version: &'static str,
    /// Whether the site has an audits page.
    audits: bool,
}

#[derive(Serialize)]
struct ListItem<'a> {
    name: &'a str,
    slug: String,
    meta: &'a str,
}

#[derive(Serialize)]
struct ListView<'a> {
    title: &'a str,
    items: Vec<ListItem<'a>>,
}

#[derive(Serialize)]
struct HomeView<'a> {
    crate_count: String,
    code_lines: String,
    build_scripts: String,
    proc_macros: String,
    with_problems: String,
    lists: Vec<ListView<'a>>,
}

#[derive(Serialize)]
struct PageView {
    title: String,
    description: String,
    html: String,
}

/// A data file as the data page lists it.
#[derive(Serialize)]
struct DownloadRow<'a> {
    path: &'a str,
    description: &'a str,
    size: String,
    sha256: &'a str,
    date: &'a str,
}

fn data_rows(data: &bulk::DataFiles) -> Vec<DownloadRow<'_>> {
    data.files
        .iter()
        .map(|f| DownloadRow {
            path: &f.path,
            description: &f.description,
            size: human_bytes(f.size),
            sha256: &f.sha256,
            date: f.generated_at.get(..10).unwrap_or(&f.generated_at),
        })
        .collect()
}

/// Counts of what was written.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RenderStats {
    /// HTML pages.
    pub pages: usize,
    /// JSON files.
    pub json_files: usize,
    /// Crates whose pages were rendered.
    pub crates_rendered: usize,
    /// Crates whose pages were unchanged, linked from the previous site.
    pub crates_unchanged: usize,
    /// The stamps of the crate pages written, for the next build.
    #[serde(skip)]
    pub stamps: std::collections::BTreeMap<String, crates::PageStamp>,
}

/// The path part of the base URL, with leading and trailing `/`.
pub fn base_path(base_url: &str) -> String {
    let after_scheme = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    let path = path
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .trim_matches('/');
    if path.is_empty() {
        "/".to_owned()
    } else {
        format!("/{path}/")
    }
}

fn engine() -> anyhow::Result<tera::Tera> {
    let mut tera = tera::Tera::new();
    tera.add_raw_templates(TEMPLATES.iter().copied())
        .context("loading the templates")?;
    Ok(tera)
}

/// Largest page minified (bytes of HTML). minify-html holds a tree of the
/// whole document, some 40 times its size: a list of every crate of the
/// registry would take gigabytes. Larger pages, which are lists made by the
/// templates and already compact, are written as rendered.
pub const MAX_MINIFIED: usize = 1 << 20;

fn minify(html: &str) -> Vec<u8> {
    if html.len() > MAX_MINIFIED {
        return html.as_bytes().to_vec();
    }
    let mut cfg = minify_html::Cfg::new();
    cfg.minify_css = true;
    cfg.keep_closing_tags = true;
    cfg.keep_html_and_head_opening_tags = true;
    minify_html::minify(html.as_bytes(), &cfg)
}

/// Writes `value` as pretty JSON at `rel`, streamed to the file.
fn write_json(dir: &Path, rel: &str, value: &impl Serialize) -> anyhow::Result<()> {
    let path = dir.join(rel);
    let file =
        std::fs::File::create(&path).with_context(|| format!("writing {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    serde_json::to_writer_pretty(&mut out, value)?;
    std::io::Write::write_all(&mut out, b"\n")?;
    out.into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Splits `+++ toml +++ markdown` into front matter and body.
fn front_matter(source: &str) -> anyhow::Result<(toml::Table, &str)> {
    let rest = source
        .strip_prefix("+++")
        .context("a page must start with +++ front matter")?;
    let (fm, body) = rest
        .split_once("\n+++")
        .context("the front matter is not closed by +++")?;
    Ok((toml::from_str(fm)?, body.trim_start_matches(['\r', '\n'])))
}

/// Renders the whole site into `dir` (which must exist and be empty).
pub fn render_site(
    dir: &Path,
    reports: &[CrateReport],
    summary: &SiteSummary,
    feed: &[crate::watch::FeedEntry],
    opts: &SiteOptions,
    pages: &crates::CratePages<'_>,
) -> anyhow::Result<RenderStats> {
    let tera = engine()?;
    let site = SiteView {
        title: &opts.title,
        base: base_path(&opts.base_url),
        root: format!("{}/", opts.base_url.trim_end_matches('/')),
        csp: CSP,
        generated_at: &opts.generated_at,
        generated_date: opts.generated_at.get(..10).unwrap_or(&opts.generated_at),
        source: &opts.source,
        version: env!("CARGO_PKG_VERSION"),
        audits: summary.audits.is_some(),
    };
    let mut ctx = tera::Context::new();
    ctx.insert("site", &site);

    let done = crates::render_crates(dir, reports, &tera, &ctx, &site, pages)?;
    let mut stats = RenderStats {
        pages: reports.len(),
        json_files: reports.len(),
        crates_rendered: done.rendered,
        crates_unchanged: done.unchanged,
        stamps: done.stamps,
    };

    write_json(dir, "index.json", &summary.index)?;
    let previous = pages.previous.map(|(site, stamps)| bulk::Previous {
        site,
        same_crates: done.rendered == 0
            && stamps.pages.len() == stats.stamps.len()
            && stamps.pages.keys().eq(stats.stamps.keys()),
    });
    let data = bulk::write_data(dir, reports, &opts.base_url, &opts.generated_at, previous)?;
    stats.json_files += 4;

    let page = |name: &str, c: &tera::Context| -> anyhow::Result<Vec<u8>> {
        Ok(minify(
            &tera
                .render(name, c)
                .with_context(|| format!("rendering {name}"))?,
        ))
    };
    let mut c = ctx.clone();
    c.insert("home", &home_view(reports, summary));
    write(dir, "index.html", &page("home.html", &c)?)?;

    write(dir, "404.html", &page("404.html", &ctx)?)?;
    let mut c = ctx.clone();
    c.insert("report", &risk::report_view(reports));
    write(dir, "report/index.html", &page("report.html", &c)?)?;
    stats.pages += 3;

    for (name, source) in PAGES {
        let (fm, body) =
            front_matter(source).with_context(|| format!("reading content/{name}.md"))?;
        let text = |k: &str| fm.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        let mut c = ctx.clone();
        c.insert(
            "page",
            &PageView {
                title: text("title"),
                description: text("description"),
                html: markdown::page_html(body),
            },
        );
        if *name == "data" {
            c.insert("downloads", &data_rows(&data));
        }
        write(dir, &format!("{name}/index.html"), &page("page.html", &c)?)?;
        stats.pages += 1;
    }
    for (name, bytes) in THEME {
        write(dir, &format!("theme/{name}"), bytes)?;
    }

    let root = site.root.clone();
    let mut urls = vec![root.clone()];
    urls.extend(PAGES.iter().map(|(n, _)| format!("{root}{n}/")));
    urls.extend(
        reports
            .iter()
            .map(|r| format!("{root}crates/{}/", slug(&r.name))),
    );
    urls.push(format!("{root}report/"));
    if let Some(audits) = &summary.audits {
        let mut c = ctx.clone();
        c.insert("audits", audits);
        write(dir, "audits/index.html", &page("audits.html", &c)?)?;
        stats.pages += 1;
        urls.push(format!("{root}audits/"));
    }
    search::write_index(dir, reports)?;
    for paths in [
        lists::render_letters(dir, &tera, &ctx, reports)?,
        lists::render_levels(dir, &tera, &ctx, reports)?,
        lists::render_groups(dir, &tera, &ctx, reports)?,
    ] {
        stats.pages += paths.len();
        urls.extend(paths.iter().map(|p| format!("{root}{p}")));
    }
    if reports.iter().any(|r| r.owners.is_some()) {
        let entries = registry::owner_feed_entries(&summary.owner_state.changes, &root);
        write(
            dir,
            "owners.xml",
            atom(
                &tera,
                &ctx,
                (&root, "owners.xml", "ownership changes"),
                &entries,
                &opts.generated_at,
            )?
            .as_bytes(),
        )?;
    }
    sitemap::write_sitemaps(dir, &tera, &root, &urls, sitemap::MAX_URLS)?;
    drop(urls);
    write(
        dir,
        "feed.xml",
        feed_xml(&tera, &ctx, &root, feed, &opts.generated_at)?.as_bytes(),
    )?;
    write(
        dir,
        "robots.txt",
        format!("User-agent: *\nAllow: /\nSitemap: {root}sitemap.xml\n").as_bytes(),
    )?;
    Ok(stats)
}

/// One entry of an Atom feed.
#[derive(Debug, Serialize)]
pub struct FeedEntryView {
    title: String,
    id: String,
    link: String,
    updated: String,
    summary: String,
}

/// Renders an Atom feed at `root{file}`.
fn atom(
    tera: &tera::Tera,
    ctx: &tera::Context,
    (root, file, title): (&str, &str, &str),
    entries: &[FeedEntryView],
    now: &str,
) -> anyhow::Result<String> {
    let mut c = ctx.clone();
    c.insert(
        "feed",
        &serde_json::json!({
            "title": title,
            "self_url": format!("{root}{file}"),
            "root": root,
            "updated": entries.first().map_or(now, |e| e.updated.as_str()),
            "entries": entries,
        }),
    );
    Ok(tera.render("feed.xml", &c)?)
}

fn feed_xml(
    tera: &tera::Tera,
    ctx: &tera::Context,
    root: &str,
    feed: &[crate::watch::FeedEntry],
    now: &str,
) -> anyhow::Result<String> {
    let entries: Vec<FeedEntryView> = feed
        .iter()
        .map(|e| FeedEntryView {
            title: format!("{} {}: {} risk", e.name, e.version, e.level),
            id: format!(
                "{root}crates/{}/#{}-{}",
                slug(&e.name),
                e.version,
                e.codes.join("+")
            ),
            link: format!("{root}crates/{}/#risk", slug(&e.name)),
            updated: e.updated.clone(),
            summary: format!("New findings: {}", e.codes.join(", ")),
        })
        .collect();
    atom(
        tera,
        ctx,
        (root, "feed.xml", "new medium and high findings"),
        &entries,
        now,
    )
}

fn home_view<'a>(reports: &'a [CrateReport], summary: &'a SiteSummary) -> HomeView<'a> {
    let count = |f: &dyn Fn(&CrateReport) -> bool| {
        views::thousands(reports.iter().filter(|r| f(r)).count())
    };
    HomeView {
        crate_count: views::thousands(reports.len()),
        code_lines: views::thousands(reports.iter().map(|r| r.code.total_code()).sum()),
        build_scripts: count(&|r| r.build_script.is_some()),
        proc_macros: count(&|r| r.targets.proc_macro),
        with_problems: count(&|r| !r.problems.is_empty()),
        lists: summary
            .lists
            .iter()
            .filter(|l| !l.items.is_empty())
            .map(|l| ListView {
                title: &l.title,
                items: l
                    .items
                    .iter()
                    .map(|i| ListItem {
                        name: &i.name,
                        slug: slug(&i.name),
                        meta: &i.meta,
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths() {
        assert_eq!(base_path("http://127.0.0.1:8080/"), "/");
        assert_eq!(base_path("https://example.org"), "/");
        assert_eq!(base_path("https://example.org/cargofox"), "/cargofox/");
        assert_eq!(base_path("https://example.org/a/b/?x"), "/a/b/");
    }

    #[test]
    fn every_content_page_has_front_matter_and_every_template_parses() {
        engine().unwrap();
        for (name, source) in PAGES {
            let (fm, body) = front_matter(source).unwrap();
            assert!(fm.get("title").is_some(), "{name} has no title");
            assert!(!body.trim().is_empty(), "{name} is empty");
        }
    }
}
