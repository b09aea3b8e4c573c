//! `sitemap.xml`: every page of the site for search engines. The sitemap
//! protocol allows at most [`MAX_URLS`] URLs in one file, and the registry
//! has several times that many crates: past that count, `sitemap.xml` is a
//! sitemap index naming `sitemaps/{n}.xml`, each a list of at most
//! [`MAX_URLS`] URLs, so that every page stays listed.

use std::path::Path;

use anyhow::Context as _;

/// URLs one sitemap file may list (the protocol's limit).
pub const MAX_URLS: usize = 50_000;

/// Writes `sitemap.xml` for `urls` (absolute, in order), with files of at
/// most `per_file` URLs; returns the paths written below `dir`.
pub fn write_sitemaps(
    dir: &Path,
    tera: &tera::Tera,
    root: &str,
    urls: &[String],
    per_file: usize,
) -> anyhow::Result<Vec<String>> {
    let urlset = |urls: &[String]| -> anyhow::Result<String> {
        let mut c = tera::Context::new();
        c.insert("urls", urls);
        tera.render("sitemap.xml", &c)
            .context("rendering a sitemap")
    };
    if urls.len() <= per_file {
        super::write(dir, "sitemap.xml", urlset(urls)?.as_bytes())?;
        return Ok(vec!["sitemap.xml".to_owned()]);
    }
    let mut written = Vec::new();
    for (i, chunk) in urls.chunks(per_file.max(1)).enumerate() {
        let rel = format!("sitemaps/{}.xml", i + 1);
        super::write(dir, &rel, urlset(chunk)?.as_bytes())?;
        written.push(rel);
    }
    let mut c = tera::Context::new();
    let parts: Vec<String> = written.iter().map(|p| format!("{root}{p}")).collect();
    c.insert("sitemaps", &parts);
    let index = tera
        .render("sitemap-index.xml", &c)
        .context("rendering the sitemap index")?;
    super::write(dir, "sitemap.xml", index.as_bytes())?;
    written.push("sitemap.xml".to_owned());
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `<loc>` values of an XML file, in order.
    fn locs(path: &Path) -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap();
        text.split("<loc>")
            .skip(1)
            .map(|s| s.split("</loc>").next().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn past_the_limit_the_sitemap_is_an_index_of_files_that_list_every_url_once() {
        let tera = super::super::engine().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = "https://example.test/s/";
        let urls: Vec<String> = (0..5).map(|i| format!("{root}crates/c{i}/?a&b")).collect();
        let written = write_sitemaps(dir.path(), &tera, root, &urls, 2).unwrap();
        assert_eq!(
            written,
            [
                "sitemaps/1.xml",
                "sitemaps/2.xml",
                "sitemaps/3.xml",
                "sitemap.xml"
            ]
        );
        let index = std::fs::read_to_string(dir.path().join("sitemap.xml")).unwrap();
        assert!(
            index.contains("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">")
        );
        assert_eq!(
            locs(&dir.path().join("sitemap.xml")),
            (1..=3)
                .map(|n| format!("{root}sitemaps/{n}.xml"))
                .collect::<Vec<_>>()
        );
        let listed: Vec<String> = (1..=3)
            .flat_map(|n| locs(&dir.path().join(format!("sitemaps/{n}.xml"))))
            .collect();
        let escaped: Vec<String> = urls.iter().map(|u| u.replace('&', "&amp;")).collect();
        assert_eq!(listed, escaped);

        let small = tempfile::tempdir().unwrap();
        let written = write_sitemaps(small.path(), &tera, root, &urls, MAX_URLS).unwrap();
        assert_eq!(written, ["sitemap.xml"]);
        assert_eq!(locs(&small.path().join("sitemap.xml")), escaped);
    }
}
