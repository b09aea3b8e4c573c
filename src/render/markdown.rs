//! Markdown to HTML. READMEs come from anyone who can publish a crate: they
//! are rendered with pulldown-cmark, then sanitized by ammonia with an
//! allowlist; links get `rel="nofollow noopener ugc"`, only `http`, `https`
//! and `mailto` URLs survive, and relative links and images are pointed at
//! the repository, at the packaged commit, when its host's layout is known
//! (else they are removed). The project's own pages are trusted Markdown.

use std::borrow::Cow;

use pulldown_cmark::{Options, Parser, html};

use crate::model::VcsInfo;

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM
}

fn to_html(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(markdown, options()));
    out
}

/// Renders one of the project's own Markdown pages (trusted input), with
/// heading ids written as `## Title {#id}`.
pub fn page_html(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(
        &mut out,
        Parser::new_ext(markdown, options() | Options::ENABLE_HEADING_ATTRIBUTES),
    );
    out
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

/// Renders a README to sanitized HTML.
pub fn readme_html(markdown: &str, links: Option<&RepoLinks>) -> String {
    let html = to_html(markdown);
    let links = links.cloned();
    let mut builder = ammonia::Builder::default();
    builder
        .link_rel(Some("nofollow noopener ugc"))
        .url_schemes(["http", "https", "mailto"].into())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .attribute_filter(move |element, attribute, value| {
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
            html.contains(r#"src="https://github.com/o/r/raw/abc/crates/x/img/l.png""#),
            "{html}"
        );
        assert!(
            html.contains(r#"href="https://github.com/o/r/blob/abc/LICENSE""#),
            "{html}"
        );
        assert!(html.contains(r##"href="#usage""##), "{html}");
        assert!(html.contains(r#"rel="nofollow noopener ugc""#));
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
