//! Markdown to HTML. READMEs come from anyone who can publish a crate: they
//! are rendered with pulldown-cmark, then sanitized by ammonia with an
//! allowlist; links get `rel="nofollow noopener ugc"`, only `http`, `https`
//! and `mailto` URLs survive, and relative links are pointed at the
//! repository, at the packaged commit, when its host's layout is known
//! (else they are removed). Headings get GitHub's ids, prefixed with
//! [`README_ID_PREFIX`] so that they never clash with the page's own, and
//! the README's `#fragment` links follow them. Images are shown as links to
//! them, never loaded: every README image lives on another host, and
//! loading it would tell that host who reads which page. The project's own
//! pages are trusted Markdown.

use std::borrow::Cow;
use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

use crate::model::VcsInfo;

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM
}

/// Renders one of the project's own Markdown pages (trusted input), with
/// heading ids written as `## Title {#id}`.
pub fn page_html(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    let mut tables = 0;
    let events = Parser::new_ext(markdown, options() | Options::ENABLE_HEADING_ATTRIBUTES)
        .flat_map(|e| scroll_regions(e, "Table", &mut tables));
    html::push_html(&mut out, events);
    focusable_code(&out)
}

/// A table inside a region that scrolls and that the keyboard reaches,
/// named `{label} {n}` (the `n`th table; each region needs its own name).
fn scroll_regions<'a>(e: Event<'a>, label: &str, tables: &mut usize) -> Vec<Event<'a>> {
    match e {
        Event::Start(Tag::Table(_)) => {
            *tables += 1;
            let open = format!(
                "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"{label} {tables}\">"
            );
            vec![Event::Html(open.into()), e]
        }
        Event::End(TagEnd::Table) => vec![e, Event::Html("</div>".into())],
        e => vec![e],
    }
}

/// Code blocks that scroll sideways take the keyboard's focus.
fn focusable_code(html: &str) -> String {
    html.replace("<pre><code", "<pre tabindex=\"0\"><code")
}

/// Where a repository serves files, for rewriting relative README links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoLinks {
    /// Prefix of links to a file's page at the repository root (ends with `/`).
    pub blob: String,
    /// Prefix of links to a file's raw bytes at the repository root (ends with `/`).
    pub raw: String,
    /// Folder of the README inside the repository (empty or ending with `/`).
    pub dir: String,
}

/// Derives [`RepoLinks`] for GitHub, GitLab and Codeberg repositories.
pub fn repo_links(
    repository: Option<&str>,
    vcs: Option<&VcsInfo>,
    readme_path: &str,
) -> Option<RepoLinks> {
    let repo = repository?
        .trim()
        .trim_end_matches('/')
        .trim_end_matches(".git");
    let rest = repo
        .strip_prefix("https://")
        .or_else(|| repo.strip_prefix("http://"))?;
    let mut parts = rest.split('/');
    let host = parts.next()?.to_ascii_lowercase();
    let (owner, name) = (parts.next()?, parts.next()?);
    if owner.is_empty() || name.is_empty() {
        return None;
    }
    let base = format!("https://{host}/{owner}/{name}");
    let commit = vcs.and_then(|v| v.commit.as_deref());
    let mut dir = vcs
        .and_then(|v| v.path_in_vcs.as_deref())
        .unwrap_or("")
        .to_owned();
    if let Some((readme_dir, _)) = readme_path.rsplit_once('/') {
        dir = join(&dir, readme_dir);
    }
    let dir = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let (blob, raw) = match (host.as_str(), commit) {
        ("github.com", c) => {
            let rev = c.unwrap_or("HEAD");
            (format!("{base}/blob/{rev}/"), format!("{base}/raw/{rev}/"))
        }
        ("gitlab.com", c) => {
            let rev = c.unwrap_or("HEAD");
            (
                format!("{base}/-/blob/{rev}/"),
                format!("{base}/-/raw/{rev}/"),
            )
        }
        ("codeberg.org", Some(c)) => (
            format!("{base}/src/commit/{c}/"),
            format!("{base}/raw/commit/{c}/"),
        ),
        _ => return None,
    };
    Some(RepoLinks { blob, raw, dir })
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_owned(),
        (_, true) => a.to_owned(),
        _ => format!("{a}/{b}"),
    }
}

fn is_relative(url: &str) -> bool {
    !url.contains(':') && !url.starts_with("//") && !url.starts_with('#')
}

/// Resolves a relative URL against `dir` inside the repository; `..` never
/// climbs above the repository root, and `/x` starts from it.
fn resolve(root: &str, dir: &str, url: &str) -> String {
    let mut segments: Vec<&str> = if url.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for part in url.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                segments.pop();
            }
            p => segments.push(p),
        }
    }
    format!("{root}{}", segments.join("/"))
}

/// Prefix of the ids of a README's headings on the crate page.
pub const README_ID_PREFIX: &str = "readme-";

/// GitHub's id for a heading: lowercase, letters, digits, `-` and `_` kept,
/// spaces turned into `-`, everything else dropped.
pub fn heading_slug(text: &str) -> String {
    text.trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The README's events with ids on its headings (numbered `-1`, `-2`… when
/// repeated, as GitHub does) and its images turned into links to them
/// (relative ones to the raw file at `raw`), or into their text inside a
/// link.
fn readme_events<'a>(markdown: &'a str, links: Option<&RepoLinks>) -> Vec<Event<'a>> {
    let mut events: Vec<Event<'a>> = Parser::new_ext(markdown, options()).collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    // The README sits under the page's `h2`: its headings start at `h3` and
    // never skip a level, so the page's outline stays whole.
    let mut previous = 2usize;
    let mut level_now = HeadingLevel::H3;
    for e in &mut events {
        match e {
            Event::Start(Tag::Heading { level, .. }) => {
                let wanted = (*level as usize + 2).min(previous + 1).min(6);
                previous = wanted;
                level_now = HeadingLevel::try_from(wanted).unwrap_or(HeadingLevel::H6);
                *level = level_now;
            }
            Event::End(TagEnd::Heading(level)) => *level = level_now,
            _ => {}
        }
    }
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { id: None, .. }) = &events[i] {
            let mut text = String::new();
            for e in &events[i + 1..] {
                match e {
                    Event::End(TagEnd::Heading(_)) => break,
                    Event::Text(t) | Event::Code(t) => text.push_str(t),
                    _ => {}
                }
            }
            let base = heading_slug(&text);
            let n = seen.entry(base.clone()).or_insert(0);
            let slug = if *n == 0 { base } else { format!("{base}-{n}") };
            *n += 1;
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
                *id = Some(slug.into());
            }
        }
        i += 1;
    }
    let mut out = Vec::with_capacity(events.len());
    // Per open link: whether it was kept.
    let mut open_links: Vec<bool> = Vec::new();
    let mut image_in_link = Vec::new();
    // Links opened by the README's own HTML and not yet closed.
    let mut raw_links = 0usize;
    let mut tables = 0;
    for e in events {
        let link_depth = open_links.len();
        match e {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => match real_url(&dest_url) {
                Some(url) => {
                    open_links.push(true);
                    out.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url: CowStr::from(url.to_owned()),
                        title,
                        id,
                    }));
                }
                // Text that is not a URL: the words stay, the link goes.
                None => open_links.push(false),
            },
            Event::End(TagEnd::Link) => {
                if open_links.pop().unwrap_or(false) {
                    out.push(e);
                }
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                image_in_link.push(link_depth > 0);
                if link_depth > 0 {
                    out.push(Event::Text("image: ".into()));
                    continue;
                }
                let dest_url = match links {
                    Some(l) if is_relative(&dest_url) => {
                        CowStr::from(resolve(&l.raw, &l.dir, &dest_url))
                    }
                    _ => dest_url,
                };
                out.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
                out.push(Event::Text("image: ".into()));
            }
            Event::End(TagEnd::Image) => {
                if !image_in_link.pop().unwrap_or(true) {
                    out.push(Event::End(TagEnd::Link));
                }
            }
            Event::Html(h) | Event::InlineHtml(h) if h.contains('<') => {
                let html = images_as_links(&h, link_depth > 0, &mut raw_links);
                out.push(Event::InlineHtml(html.into()));
            }
            // A wide table scrolls inside a region a keyboard can reach.
            e @ (Event::Start(Tag::Table(_)) | Event::End(TagEnd::Table)) => {
                out.extend(scroll_regions(e, "README table", &mut tables));
            }
            e => out.push(e),
        }
    }
    out
}

/// The value of attribute `name` in the tag text after the tag name.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = tag;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        let end = rest.find(|c: char| c.is_whitespace() || c == '=' || c == '/')?;
        let (key, after) = rest.split_at(end);
        let after = after.trim_start();
        let Some(after) = after.strip_prefix('=') else {
            rest = after;
            continue;
        };
        let after = after.trim_start();
        let (value, next) = match after.chars().next()? {
            q @ ('"' | '\'') => {
                let body = &after[1..];
                let close = body.find(q).unwrap_or(body.len());
                (&body[..close], body.get(close + 1..).unwrap_or(""))
            }
            _ => {
                let close = after.find(char::is_whitespace).unwrap_or(after.len());
                after.split_at(close)
            }
        };
        if key.eq_ignore_ascii_case(name) {
            return Some(value);
        }
        rest = next;
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The README's own HTML with every `<img>` turned into its text
/// (`image: ALT`), a link to the image unless it already sits in a link
/// (`in_link`, or one of the README's `<a>` tags left open, counted in
/// `raw_links` across events).
fn images_as_links(html: &str, in_link: bool, raw_links: &mut usize) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        let (tag, after) = rest.split_at(end);
        let lower = tag.to_ascii_lowercase();
        let name: String = lower[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
            .collect();
        match name.as_str() {
            "a" => *raw_links += 1,
            "/a" => *raw_links = raw_links.saturating_sub(1),
            _ => {}
        }
        if name == "img" {
            let body = tag[4..].trim_end_matches('>');
            let alt = attribute(body, "alt").unwrap_or("").trim();
            let text = if alt.is_empty() {
                "image".to_owned()
            } else {
                format!("image: {}", escape(alt))
            };
            match attribute(body, "src") {
                Some(src) if !in_link && *raw_links == 0 => {
                    out.push_str(&format!("<a href=\"{}\">{text}</a>", escape(src)));
                }
                _ => out.push_str(&text),
            }
        } else {
            out.push_str(tag);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A link destination as written, if it can be a URL: surrounding spaces
/// and backticks (a URL written as code) are taken off; what still holds a
/// space, a backtick or an angle bracket is text, not a URL.
fn real_url(dest: &str) -> Option<&str> {
    let url = dest.trim().trim_matches('`').trim();
    let text = url.is_empty()
        || url
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '`' | '<' | '>' | '"'));
    (!text).then_some(url)
}

/// Renders a README to sanitized HTML.
pub fn readme_html(markdown: &str, links: Option<&RepoLinks>) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut html, readme_events(markdown, links).into_iter());
    let html = focusable_code(&html);
    let links = links.cloned();
    let mut builder = ammonia::Builder::default();
    builder
        .link_rel(Some("nofollow noopener ugc"))
        .url_schemes(["http", "https", "mailto"].into())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .rm_tags(["img"])
        .id_prefix(Some(README_ID_PREFIX))
        .add_tag_attributes("h1", ["id"])
        .add_tag_attributes("h2", ["id"])
        .add_tag_attributes("h3", ["id"])
        .add_tag_attributes("h4", ["id"])
        .add_tag_attributes("h5", ["id"])
        .add_tag_attributes("h6", ["id"])
        .add_tag_attributes("div", ["tabindex", "role", "aria-label"])
        .add_tag_attributes("pre", ["tabindex"])
        .add_allowed_classes("div", ["scroll"])
        .attribute_filter(move |element, attribute, value| {
            // Only the region around a table may take the keyboard's focus,
            // and only in the page's order.
            if attribute == "tabindex" && value != "0" {
                return None;
            }
            if attribute == "href" {
                if let Some(fragment) = value.strip_prefix('#') {
                    return Some(Cow::Owned(format!("#{README_ID_PREFIX}{fragment}")));
                }
            }
            if !matches!(attribute, "href" | "src") || !is_relative(value) {
                return Some(Cow::Borrowed(value));
            }
            let links = links.as_ref()?;
            let root = if element == "img" || attribute == "src" {
                &links.raw
            } else {
                &links.blob
            };
            Some(Cow::Owned(resolve(root, &links.dir, value)))
        });
    builder.clean(&html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gh() -> Option<RepoLinks> {
        let vcs = VcsInfo {
            commit: Some("abc".into()),
            dirty: false,
            path_in_vcs: Some("crates/x".into()),
        };
        repo_links(Some("https://github.com/o/r.git"), Some(&vcs), "README.md")
    }

    #[test]
    fn links_point_at_the_packaged_commit() {
        let l = gh().unwrap();
        assert_eq!(l.blob, "https://github.com/o/r/blob/abc/");
        assert_eq!(l.dir, "crates/x/");
        let html = readme_html(
            "[doc](docs/a.md) ![logo](./img/l.png) [up](../../LICENSE) [s](#usage)",
            Some(&l),
        );
        assert!(
            html.contains(r#"href="https://github.com/o/r/blob/abc/crates/x/docs/a.md""#),
            "{html}"
        );
        assert!(
            html.contains(r#"<a href="https://github.com/o/r/raw/abc/crates/x/img/l.png" rel="nofollow noopener ugc">image: logo</a>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"href="https://github.com/o/r/blob/abc/LICENSE""#),
            "{html}"
        );
        assert!(html.contains(r##"href="#readme-usage""##), "{html}");
        assert!(html.contains(r#"rel="nofollow noopener ugc""#));
    }

    #[test]
    fn headings_get_prefixed_ids_that_the_readme_links_reach() {
        let html = readme_html(
            "# Serde JSON!\n\n- [Usage](#usage)\n- [Again](#usage-1)\n\n## Usage\n\n## Usage\n\n### `from_str` & co\n",
            None,
        );
        assert_eq!(
            html,
            "<h3 id=\"readme-serde-json\">Serde JSON!</h3>\n<ul>\n<li><a href=\"#readme-usage\" rel=\"nofollow noopener ugc\">Usage</a></li>\n<li><a href=\"#readme-usage-1\" rel=\"nofollow noopener ugc\">Again</a></li>\n</ul>\n<h4 id=\"readme-usage\">Usage</h4>\n<h4 id=\"readme-usage-1\">Usage</h4>\n<h5 id=\"readme-from_str--co\"><code>from_str</code> &amp; co</h5>\n"
        );
    }

    #[test]
    fn images_become_links_and_no_image_is_loaded() {
        let html = readme_html(
            "![build](https://ci.example/badge.svg) [![docs](https://img.example/d.svg)](https://docs.example/x)\n\n<p align=\"center\"><img src=\"https://img.example/logo.png\" alt=\"logo\"></p>\n",
            None,
        );
        assert_eq!(
            html,
            "<p><a href=\"https://ci.example/badge.svg\" rel=\"nofollow noopener ugc\">image: build</a> <a href=\"https://docs.example/x\" rel=\"nofollow noopener ugc\">image: docs</a></p>\n<p><a href=\"https://img.example/logo.png\" rel=\"nofollow noopener ugc\">image: logo</a></p>\n"
        );
    }

    #[test]
    fn headings_sit_under_the_readme_section_and_never_skip_a_level() {
        let html = readme_html("#### Deep\n\n# Top\n\n### Three\n\n## Two\n", None);
        assert_eq!(
            html,
            "<h3 id=\"readme-deep\">Deep</h3>\n<h3 id=\"readme-top\">Top</h3>\n<h4 id=\"readme-three\">Three</h4>\n<h4 id=\"readme-two\">Two</h4>\n"
        );
    }

    #[test]
    fn html_images_in_links_become_the_links_text() {
        let html = readme_html(
            "[<img alt=\"github\" src=\"https://img.example/g.svg\" height=20>](https://x.example/r) <a href=\"https://y.example/\"><img src='https://img.example/y.svg' alt='docs &'></a> <img src=https://img.example/n.png>\n",
            None,
        );
        assert_eq!(
            html,
            "<p><a href=\"https://x.example/r\" rel=\"nofollow noopener ugc\">image: github</a> <a href=\"https://y.example/\" rel=\"nofollow noopener ugc\">image: docs &amp;</a> <a href=\"https://img.example/n.png\" rel=\"nofollow noopener ugc\">image</a></p>\n"
        );
    }

    #[test]
    fn tables_scroll_in_a_region_the_keyboard_reaches() {
        let html = readme_html(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n<div tabindex=\"3\" role=\"region\">x</div>\n",
            None,
        );
        assert_eq!(
            html,
            "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"README table 1\"><table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>\n<tr><td>1</td><td>2</td></tr>\n</tbody></table>\n</div><div role=\"region\">x</div>\n"
        );
    }

    #[test]
    fn code_blocks_and_tables_of_every_page_reach_the_keyboard() {
        let md = "| a |\n|---|\n| 1 |\n\n```\nx\n```\n";
        let region = "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Table 1\"><table><thead><tr><th>a</th></tr></thead><tbody>\n<tr><td>1</td></tr>\n</tbody></table>\n</div>\n<pre tabindex=\"0\"><code>x\n</code></pre>\n";
        assert_eq!(page_html(md), region);
        assert_eq!(
            readme_html(md, None),
            region.replace("\"Table 1\"", "\"README table 1\"")
        );
    }

    #[test]
    fn only_real_urls_become_links() {
        let html = readme_html(
            "[a](<not a url>) [b](`https://x.org/p`) [c](`docs/a.md`) [d](<see below>) [e](<>)",
            gh().as_ref(),
        );
        assert_eq!(
            html,
            "<p>a <a href=\"https://x.org/p\" rel=\"nofollow noopener ugc\">b</a> <a href=\"https://github.com/o/r/blob/abc/crates/x/docs/a.md\" rel=\"nofollow noopener ugc\">c</a> d e</p>\n"
        );
    }

    #[test]
    fn unknown_hosts_lose_relative_links() {
        assert_eq!(
            repo_links(Some("https://example.org/o/r"), None, "README.md"),
            None
        );
        let html = readme_html("[doc](docs/a.md)", None);
        assert!(!html.contains("docs/a.md"), "{html}");
    }

    #[test]
    fn scripts_and_dangerous_urls_are_removed() {
        let html = readme_html(
            "[x](javascript:alert(1))\n\n<script>alert(1)</script><img src=x onerror=alert(1)><a href=\"data:text/html,x\">d</a>",
            gh().as_ref(),
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(
            html.contains(">x</a>") && !html.contains("javascript:"),
            "{html}"
        );
        assert!(!html.contains("data:"), "{html}");
    }
}
