//! What the templates see: small serializable views built from the model,
//! with every figure already formatted, so templates stay simple. Only
//! `http`/`https` URLs become links.

use serde::Serialize;

use crate::model::{CrateReport, DependencyKind, PageData};

use super::markdown;

/// How many releases a crate page lists (all are in the JSON).
const MAX_VERSIONS: usize = 100;
/// How many package files a crate page lists (all are in the JSON).
const MAX_FILES: usize = 1000;
/// How many dependents a crate page lists.
const MAX_DEPENDENTS: usize = 500;

pub use crate::format::{human_bytes, thousands};

/// Keeps a URL only if it is `http` or `https`.
pub fn safe_url(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| url.to_owned())
}

/// The path segment of a crate's pages: its name, when it is a valid crate
/// name, else a digest of it (such a name never becomes a path).
pub fn slug(name: &str) -> String {
    if crate::fetch::local::is_valid_crate_name(name) {
        name.to_owned()
    } else {
        use sha2::Digest;
        format!(
            "_invalid-{}",
            &crate::format::hex(&sha2::Sha256::digest(name.as_bytes()))[..16]
        )
    }
}

#[derive(Serialize)]
struct Link {
    label: &'static str,
    url: String,
}

#[derive(Serialize)]
struct DepView {
    name: String,
    req: String,
    rename: Option<String>,
    optional: bool,
    target: Option<String>,
    local: bool,
}

#[derive(Serialize)]
struct DepGroup {
    title: &'static str,
    deps: Vec<DepView>,
}

#[derive(Serialize)]
struct LangView {
    name: String,
    files: String,
    code: String,
    comments: String,
    blanks: String,
}

#[derive(Serialize)]
struct FeatureView {
    name: String,
    default: bool,
    enables: String,
}

#[derive(Serialize)]
struct VersionView {
    num: String,
    yanked: bool,
    published: Option<String>,
    published_by: Option<String>,
    dependencies: usize,
    rust_version: Option<String>,
}

#[derive(Serialize)]
struct FileView {
    path: String,
    kind: &'static str,
    language: Option<String>,
    size: String,
}

/// The view of one crate page.
#[derive(Serialize)]
pub struct CrateView {
    slug: String,
    links: Vec<Link>,
    published: Option<String>,
    published_date: Option<String>,
    code_lines: String,
    package_size: String,
    compressed_size: String,
    file_count: usize,
    dependent_count: usize,
    dependents: Vec<String>,
    vcs_text: String,
    languages: Vec<LangView>,
    dependency_groups: Vec<DepGroup>,
    features: Vec<FeatureView>,
    versions: Vec<VersionView>,
    versions_hidden: usize,
    /// Every release over time, as an inline SVG.
    release_chart: Option<String>,
    /// What published audits say.
    trust: Option<super::trust::TrustView>,
    /// Whether any release shown has a known publisher.
    publishers: bool,
    files: Vec<FileView>,
    files_hidden: usize,
    readme_html: Option<String>,
    /// The Risk section's groups, filled by the renderer.
    pub finding_groups: serde_json::Value,
    /// The judgement's reasons, each with the findings that fired it.
    pub reasons: serde_json::Value,
}

/// Builds the view of a crate page; `is_local` tells whether a crate has a page here.
pub fn crate_view(r: &CrateReport, page: &PageData, is_local: &dyn Fn(&str) -> bool) -> CrateView {
    let mut links = Vec::new();
    let mut push = |label, url: Option<&str>| {
        if let Some(url) = url.and_then(safe_url) {
            if !links.iter().any(|l: &Link| l.url == url) {
                links.push(Link { label, url });
            }
        }
    };
    push("Documentation", r.links.docs.as_deref());
    push("Repository", r.repository.as_deref());
    push("Homepage", r.homepage.as_deref());
    push("Registry page", r.links.registry.as_deref());

    let mut languages: Vec<_> = r.code.languages.iter().collect();
    languages.sort_by(|a, b| b.1.code.cmp(&a.1.code).then_with(|| a.0.cmp(b.0)));
    let published = r.published().map(str::to_owned);

    let dependency_groups = [
        (DependencyKind::Normal, "Normal"),
        (DependencyKind::Build, "Build (used by the build script)"),
        (
            DependencyKind::Dev,
            "Development (tests, examples, benchmarks)",
        ),
    ]
    .into_iter()
    .filter_map(|(kind, title)| {
        let deps: Vec<DepView> = r
            .dependencies
            .iter()
            .filter(|d| d.kind == kind)
            .map(|d| DepView {
                name: d.name.clone(),
                req: d.req.clone(),
                rename: d.rename.clone(),
                optional: d.optional,
                target: d.target.clone(),
                local: is_local(&d.name),
            })
            .collect();
        (!deps.is_empty()).then_some(DepGroup { title, deps })
    })
    .collect();

    let defaults = r.features.get("default").cloned().unwrap_or_default();
    let features = r
        .features
        .iter()
        .map(|(name, enables)| FeatureView {
            name: name.clone(),
            default: defaults.contains(name),
            enables: enables.join(", "),
        })
        .collect();

    let publisher = |num: &str| {
        r.registry_record
            .as_ref()?
            .versions
            .iter()
            .find(|v| v.num == num)?
            .published_by
            .clone()
    };
    let versions: Vec<VersionView> = r
        .versions
        .iter()
        .rev()
        .take(MAX_VERSIONS)
        .map(|v| VersionView {
            published_by: publisher(&v.num),
            num: v.num.clone(),
            yanked: v.yanked,
            published: v
                .published
                .as_deref()
                .map(|p| p.get(..10).unwrap_or(p).to_owned()),
            dependencies: v.dependencies,
            rust_version: v.rust_version.clone(),
        })
        .collect();

    let readme_html = page.readme_text.as_deref().map(|text| {
        let readme_path = r.readme.as_ref().map_or("README.md", |i| i.path.as_str());
        let repo = markdown::repo_links(r.repository.as_deref(), r.vcs.as_ref(), readme_path);
        markdown::readme_html(text, repo.as_ref())
    });

    CrateView {
        slug: slug(&r.name),
        links,
        published_date: published
            .as_deref()
            .map(|p| p.get(..10).unwrap_or(p).to_owned()),
        published,
        code_lines: thousands(r.code.total_code()),
        package_size: human_bytes(r.package.uncompressed_bytes),
        compressed_size: human_bytes(r.package.compressed_bytes),
        file_count: r.package.files.len(),
        dependent_count: r.dependents.len(),
        dependents: r.dependents.iter().take(MAX_DEPENDENTS).cloned().collect(),
        vcs_text: vcs_text(r),
        languages: languages
            .into_iter()
            .map(|(name, s)| LangView {
                name: name.clone(),
                files: thousands(s.files),
                code: thousands(s.code),
                comments: thousands(s.comments),
                blanks: thousands(s.blanks),
            })
            .collect(),
        dependency_groups,
        features,
        versions_hidden: r.versions.len().saturating_sub(MAX_VERSIONS),
        release_chart: super::charts::release_chart(&r.versions),
        trust: super::trust::trust_view(r),
        publishers: versions.iter().any(|v| v.published_by.is_some()),
        versions,
        files_hidden: r.package.files.len().saturating_sub(MAX_FILES),
        files: r
            .package
            .files
            .iter()
            .take(MAX_FILES)
            .map(|f| FileView {
                path: f.path.clone(),
                kind: f.kind.as_str(),
                language: f.language.clone(),
                size: human_bytes(f.size),
            })
            .collect(),
        readme_html,
        finding_groups: serde_json::Value::Null,
        reasons: serde_json::Value::Null,
    }
}

fn vcs_text(r: &CrateReport) -> String {
    match &r.vcs {
        None if r.package.files.is_empty() => String::new(),
        None => "The package has no .cargo_vcs_info.json: it does not say which commit it was made from.".into(),
        Some(v) => {
            let mut s = match &v.commit {
                Some(c) => format!("Packaged from commit {}", c.get(..12).unwrap_or(c)),
                None => "Packaged from an unknown commit".to_owned(),
            };
            if let Some(p) = &v.path_in_vcs {
                s.push_str(&format!(", folder {p} of its repository"));
            }
            if v.dirty {
                s.push_str(", with uncommitted changes in the working tree");
            }
            s.push('.');
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting() {
        assert_eq!(human_bytes(10), "10 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 20), "3.0 MiB");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(
            safe_url(" https://x.test/a ").as_deref(),
            Some("https://x.test/a")
        );
        assert_eq!(slug("serde"), "serde");
        assert!(slug("../x").starts_with("_invalid-"));
    }
}
