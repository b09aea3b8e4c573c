//! The registry's sparse index: where it is, its `config.json`, and the
//! parsing of one crate's index file into model data.
//!
//! The default location is the index library's crates.io constant, after
//! cargo's own source replacement; `--index-url` overrides it. Only sparse
//! (HTTP) indexes are spoken. Parsing is line by line: a line that cannot be
//! read becomes a problem on that crate and the other versions are kept.

use std::collections::BTreeMap;

use anyhow::bail;
use tame_index::IndexVersion;

use crate::model::{Dependency, DependencyKind, Problem, VersionInfo};

/// The registry as the index describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// Base URL of the sparse index, with a trailing `/` and no `sparse+`.
    pub index_url: String,
    /// Download URL template (`dl` of `config.json`).
    pub dl: String,
    /// Web/API base (`api` of `config.json`), when the registry has one.
    pub api: Option<String>,
}

impl Registry {
    /// Builds from an index URL and the parsed `config.json`.
    pub fn new(index_url: &str, config: tame_index::index::IndexConfig) -> Self {
        Self {
            index_url: normalize_index_url(index_url),
            dl: config.dl,
            api: config.api,
        }
    }

    /// URL of the index file of `name`.
    pub fn index_file_url(&self, name: &str) -> String {
        format!("{}{}", self.index_url, index_relative_path(name))
    }

    /// URL of the `.crate` file of `name`-`version`.
    pub fn download_url(&self, name: &str, version: &str) -> String {
        let config = tame_index::index::IndexConfig {
            dl: self.dl.clone(),
            api: self.api.clone(),
            auth_required: false,
        };
        match tame_index::KrateName::cargo(name) {
            Ok(krate) => config.download_url(krate, version),
            Err(_) => format!(
                "{}/{name}/{version}/download",
                self.dl.trim_end_matches('/')
            ),
        }
    }

    /// The crate's page on the registry's web site, derived from `api`.
    pub fn crate_page(&self, name: &str) -> Option<String> {
        let api = self.api.as_deref()?.trim_end_matches('/');
        Some(format!("{api}/crates/{name}"))
    }

    /// Whether this is crates.io's own sparse index.
    pub fn is_crates_io(&self) -> bool {
        self.index_url == normalize_index_url(tame_index::CRATES_IO_HTTP_INDEX)
    }

    /// The web bases by which other tools (cargo-crev's proofs) name this
    /// registry: its `config.json`'s `api`, and for crates.io's index, the
    /// web base its index host belongs to (the index host without `index.`),
    /// which a proxy or mirror rewriting `api` does not change.
    pub fn web_bases(&self) -> Vec<String> {
        let mut out: Vec<String> = self.api.iter().cloned().collect();
        if self.is_crates_io() {
            let host = self
                .index_url
                .split("://")
                .nth(1)
                .and_then(|r| r.split('/').next())
                .unwrap_or("");
            if let Some(web) = host.strip_prefix("index.") {
                out.push(format!("https://{web}"));
            }
        }
        out
    }
}

/// The index-relative path of a crate's file (`se/rd/serde`). Callers pass
/// valid crate names; any other string gives a path but never a panic.
pub fn index_relative_path(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let part = |from: usize, to: usize| lower.get(from..to).unwrap_or("_");
    match lower.len() {
        0 => String::new(),
        1 => format!("1/{lower}"),
        2 => format!("2/{lower}"),
        3 => format!("3/{}/{lower}", part(0, 1)),
        _ => format!("{}/{}/{lower}", part(0, 2), part(2, 4)),
    }
}

/// Strips `sparse+` and ensures a trailing `/`.
pub fn normalize_index_url(url: &str) -> String {
    let mut url = url.strip_prefix("sparse+").unwrap_or(url).to_owned();
    if !url.ends_with('/') {
        url.push('/');
    }
    url
}

/// The index to use when none is given: crates.io's sparse index, or what
/// cargo's configuration replaces it with.
pub fn default_index_url() -> anyhow::Result<String> {
    use tame_index::index::IndexUrl;
    // A cargo version is passed so that no `cargo` process is needed: the
    // sparse protocol is the default of every cargo that can build cargofox.
    let url = IndexUrl::crates_io(None, None, Some("1.85.0"))?;
    let url = match url {
        IndexUrl::CratesIoSparse | IndexUrl::CratesIoGit => {
            tame_index::CRATES_IO_HTTP_INDEX.to_owned()
        }
        IndexUrl::NonCratesIo(u) if u.starts_with("sparse+") => u.into_owned(),
        other => bail!(
            "cargo's configuration replaces the registry with {}, which is not a sparse index; pass --index-url",
            other.as_str()
        ),
    };
    Ok(normalize_index_url(&url))
}

/// One crate's index file, parsed.
#[derive(Debug, Default)]
pub struct IndexFile {
    /// Versions that could be read, in publish order.
    pub versions: Vec<IndexVersion>,
    /// Lines that could not be read.
    pub problems: Vec<Problem>,
}

/// A digest of the releases of a crate and whether each is yanked, computed
/// the same way from an index file and from the database dump, so that a
/// cached index file that the dump confirms current is used without asking
/// the server.
pub fn releases_digest<'a>(releases: impl IntoIterator<Item = (&'a semver::Version, bool)>) -> u64 {
    let mut items: Vec<(&semver::Version, bool)> = releases.into_iter().collect();
    items.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (v, yanked) in items {
        for b in v.to_string().bytes().chain([u8::from(yanked), 0xff]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The digest of the releases an index file lists.
pub fn index_digest(file: &IndexFile) -> u64 {
    let parsed: Vec<(semver::Version, bool)> = file
        .versions
        .iter()
        .filter_map(|v| Some((semver::Version::parse(&v.version).ok()?, v.yanked)))
        .collect();
    releases_digest(parsed.iter().map(|(v, y)| (v, *y)))
}

/// Whether an index file as served looks whole: its last line is a version
/// entry (an HTML error page or a body cut off mid-line is not). Only such
/// files are kept in the cache.
pub fn looks_complete(body: &[u8]) -> bool {
    body.split(|&b| b == b'\n')
        .rfind(|l| !l.iter().all(u8::is_ascii_whitespace))
        .is_some_and(|last| parse_index_line(last).is_ok())
}

/// Parses one line of an index file.
pub fn parse_index_line(line: &[u8]) -> Result<IndexVersion, serde_json::Error> {
    serde_json::from_slice::<IndexVersion>(line)
}

/// Parses an index file line by line.
pub fn parse_index_file(name: &str, body: &[u8]) -> IndexFile {
    let mut file = IndexFile::default();
    for (n, line) in body.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let problem = |why: String| {
            Problem::new(
                "index-line-invalid",
                format!("line {} of the index file of {name}: {why}", n + 1),
            )
        };
        match parse_index_line(line) {
            Ok(v) if semver::Version::parse(&v.version).is_err() => file
                .problems
                .push(problem(format!("`{}` is not a valid version", v.version))),
            Ok(v) if !v.name.eq_ignore_ascii_case(name) => file
                .problems
                .push(problem(format!("it names another crate, `{}`", v.name))),
            Ok(v) => file.versions.push(v),
            Err(e) => file.problems.push(problem(e.to_string())),
        }
    }
    file
}

/// Picks the version to report: the requested one, else the newest release
/// that is neither yanked nor a pre-release, else the newest not yanked, else
/// the newest.
pub fn pick_version<'a>(
    versions: &'a [IndexVersion],
    wanted: Option<&str>,
) -> Option<&'a IndexVersion> {
    if let Some(w) = wanted {
        return versions.iter().find(|v| v.version == w);
    }
    let parsed = |v: &&IndexVersion| semver::Version::parse(&v.version).ok();
    let best = |filter: &dyn Fn(&IndexVersion) -> bool| {
        versions
            .iter()
            .filter(|v| filter(v))
            .filter_map(|v| Some((parsed(&v)?, v)))
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, v)| v)
    };
    best(&|v| !v.yanked && !v.version.contains('-'))
        .or_else(|| best(&|v| !v.yanked))
        .or_else(|| best(&|_| true))
}

/// The last release published before `chosen` that is not yanked.
pub fn previous_release<'a>(
    versions: &'a [IndexVersion],
    chosen: &IndexVersion,
) -> Option<&'a IndexVersion> {
    let at = versions.iter().position(|v| v.version == chosen.version)?;
    versions[..at].iter().rev().find(|v| !v.yanked)
}

/// Release history as model data, in publish order.
pub fn version_history(versions: &[IndexVersion]) -> Vec<VersionInfo> {
    versions
        .iter()
        .map(|v| VersionInfo {
            num: v.version.to_string(),
            yanked: v.yanked,
            published: v.pubtime.as_ref().map(ToString::to_string),
            rust_version: v.rust_version.as_ref().map(ToString::to_string),
            dependencies: v.dependencies().len(),
        })
        .collect()
}

/// Dependencies of one version as model data, sorted by kind then name.
pub fn dependencies(version: &IndexVersion) -> Vec<Dependency> {
    let mut deps: Vec<Dependency> = version
        .dependencies()
        .iter()
        .map(|d| {
            let real = d.crate_name().to_owned();
            Dependency {
                kind: match d.kind() {
                    tame_index::krate::DependencyKind::Normal => DependencyKind::Normal,
                    tame_index::krate::DependencyKind::Build => DependencyKind::Build,
                    tame_index::krate::DependencyKind::Dev => DependencyKind::Dev,
                },
                rename: (real != d.name.as_str()).then(|| d.name.to_string()),
                name: real,
                req: d.req.to_string(),
                optional: d.is_optional(),
                default_features: d.has_default_features(),
                features: d.features().to_vec(),
                target: d.target().map(str::to_owned),
                registry: None,
            }
        })
        .collect();
    deps.sort();
    deps
}

/// Features of one version (`features` and `features2` merged).
pub fn features(version: &IndexVersion) -> BTreeMap<String, Vec<String>> {
    version
        .features()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registry_is_named_by_its_api_and_crates_io_also_by_its_web_host() {
        let crates_io = Registry {
            index_url: normalize_index_url(tame_index::CRATES_IO_HTTP_INDEX),
            dl: String::new(),
            api: Some("https://proxy.example/api".into()),
        };
        let bases = crates_io.web_bases();
        assert_eq!(bases.len(), 2);
        assert_eq!(bases[0], "https://proxy.example/api");
        let web = bases[1].strip_prefix("https://").unwrap();
        assert!(tame_index::CRATES_IO_HTTP_INDEX.contains(&format!("//index.{web}/")));
        let other = Registry {
            index_url: "http://127.0.0.1:1/index/".into(),
            dl: String::new(),
            api: None,
        };
        assert!(other.web_bases().is_empty());
    }

    #[test]
    fn relative_paths_follow_cargo() {
        assert_eq!(index_relative_path("a"), "1/a");
        assert_eq!(index_relative_path("ab"), "2/ab");
        assert_eq!(index_relative_path("abc"), "3/a/abc");
        assert_eq!(index_relative_path("Serde_JSON"), "se/rd/serde_json");
    }

    #[test]
    fn bad_lines_are_problems_and_good_lines_survive() {
        let body = br#"{"name":"foo","vers":"0.1.0","deps":[],"cksum":"0000000000000000000000000000000000000000000000000000000000000000","features":{},"yanked":false}
not json
{"name":"foo","vers":"one","deps":[],"cksum":"0000000000000000000000000000000000000000000000000000000000000000","features":{},"yanked":false}
{"name":"foo","vers":"0.2.0-rc.1","deps":[],"cksum":"0000000000000000000000000000000000000000000000000000000000000000","features":{},"yanked":false,"pubtime":"2026-01-02T03:04:05Z","unknown_field":1}
"#;
        let file = parse_index_file("foo", body);
        assert_eq!(file.versions.len(), 2);
        assert_eq!(file.problems.len(), 2);
        assert!(file.problems[0].message.contains("line 2"));
        assert!(file.problems[1].message.contains("`one`"));
        assert_eq!(pick_version(&file.versions, None).unwrap().version, "0.1.0");
        let history = version_history(&file.versions);
        assert_eq!(
            history[1].published.as_deref(),
            Some("2026-01-02T03:04:05Z")
        );
    }

    #[test]
    fn download_urls_follow_the_template() {
        let reg = Registry {
            index_url: "http://127.0.0.1:1/index/".into(),
            dl: "http://127.0.0.1:1/dl/{crate}/{version}/{lowerprefix}".into(),
            api: Some("http://127.0.0.1:1/".into()),
        };
        assert_eq!(
            reg.download_url("Abcd", "1.0.0"),
            "http://127.0.0.1:1/dl/Abcd/1.0.0/ab/cd"
        );
        assert_eq!(reg.crate_page("x").unwrap(), "http://127.0.0.1:1/crates/x");
        let plain = Registry {
            dl: "http://127.0.0.1:1/api".into(),
            ..reg
        };
        assert_eq!(
            plain.download_url("x", "1.0.0"),
            "http://127.0.0.1:1/api/x/1.0.0/download"
        );
    }
}
