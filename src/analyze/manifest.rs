//! Facts from the package's own files: the normalized `Cargo.toml` (through
//! cargo_toml, with target discovery over the in-memory file list) and
//! `.cargo_vcs_info.json`.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io;

use cargo_toml::{AbstractFilesystem, DepsSet, Manifest, OptionalFile};

use crate::model::{CrateReport, Dependency, DependencyKind, Problem, Targets, VcsInfo};

/// The package's files as cargo_toml's target discovery sees them.
struct MemoryFs<'a> {
    paths: &'a BTreeSet<&'a str>,
}

impl AbstractFilesystem for MemoryFs<'_> {
    fn file_names_in(&self, rel_path: &str) -> io::Result<HashSet<Box<str>>> {
        let dir = rel_path.trim_end_matches('/');
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        Ok(self
            .paths
            .range(prefix.as_str()..)
            .take_while(|p| p.starts_with(&prefix))
            .filter_map(|p| p[prefix.len()..].split('/').next())
            .map(Into::into)
            .collect())
    }
}

/// What the manifest tells the rest of the analysis.
#[derive(Debug, Default)]
pub struct ManifestFacts {
    /// Build script path, if any.
    pub build_script: Option<String>,
    /// README path the manifest names (or cargo's default), if any.
    pub readme: Option<String>,
    /// License file path, if any.
    pub license_file: Option<String>,
    /// Dependencies as declared (used when there is no index).
    pub dependencies: Vec<Dependency>,
    /// Features as declared (used when there is no index).
    pub features: BTreeMap<String, Vec<String>>,
}

/// Parses `Cargo.toml` and fills the manifest fields of `report`.
pub fn apply(
    report: &mut CrateReport,
    toml_bytes: &[u8],
    paths: &BTreeSet<&str>,
) -> Result<ManifestFacts, Problem> {
    let invalid = |why: String| {
        Problem::new(
            "manifest-invalid",
            format!("Cargo.toml could not be read: {}", shorten(&why)),
        )
    };
    let mut manifest = Manifest::<toml::Value>::from_slice_with_metadata(toml_bytes)
        .map_err(|e| invalid(parse_error(&e, toml_bytes)))?;
    if manifest.needs_workspace_inheritance() {
        return Err(invalid(
            "it inherits fields from a workspace, which a published package cannot".into(),
        ));
    }
    if let Err(e) =
        manifest.complete_from_abstract_filesystem::<toml::Value, _>(MemoryFs { paths }, None)
    {
        tracing::debug!(krate = %report.name, error = %e, "target discovery failed");
    }
    let Some(package) = manifest.package.as_ref() else {
        return Err(invalid("it has no [package] section".into()));
    };
    if !package.name.eq_ignore_ascii_case(&report.name)
        || package.version().to_string() != report.version
    {
        report.problems.push(Problem::new(
            "manifest-mismatch",
            format!(
                "Cargo.toml says {} {}, but the package is {} {}",
                shorten(&package.name),
                shorten(&package.version().to_string()),
                report.name,
                report.version
            ),
        ));
    }
    report.description = package.description().map(|d| d.trim().to_owned());
    report.license = package.license().map(normalize_license);
    report.license_file = package.license_file().map(|p| p.display().to_string());
    report.repository = package.repository().map(str::to_owned);
    report.homepage = package.homepage().map(str::to_owned);
    report.documentation = package.documentation().map(str::to_owned);
    report.keywords = package.keywords().to_vec();
    report.categories = package.categories().to_vec();
    report.authors = package.authors().to_vec();
    report.edition = Some(package.edition().to_string());
    report.rust_version = package.rust_version().map(str::to_owned);
    report.native_library = package.links().map(str::to_owned);

    let mut facts = ManifestFacts {
        build_script: match &package.build {
            Some(OptionalFile::Path(p)) => Some(clean(&p.display().to_string())),
            Some(OptionalFile::Flag(false)) => None,
            _ => paths.contains("build.rs").then(|| "build.rs".to_owned()),
        },
        readme: match package.readme() {
            OptionalFile::Path(p) => Some(clean(&p.display().to_string())),
            OptionalFile::Flag(false) => None,
            OptionalFile::Flag(true) => ["README.md", "README.txt", "README"]
                .into_iter()
                .find(|r| paths.contains(r))
                .map(str::to_owned),
        },
        license_file: report.license_file.as_deref().map(clean),
        ..ManifestFacts::default()
    };
    report.build_script = facts.build_script.clone();
    report.targets = targets(&manifest);
    facts.features = manifest.features.clone().into_iter().collect();
    facts.dependencies = declared_dependencies(&manifest);
    Ok(facts)
}

/// A manifest that does not parse, in words: the reason and where, without
/// the copy of the line a TOML error shows (a line can be megabytes long).
fn parse_error(e: &cargo_toml::Error, toml: &[u8]) -> String {
    let cargo_toml::Error::Parse(e) = e else {
        return e.to_string();
    };
    let message = e.message().trim_end();
    match e.span() {
        Some(span) => {
            let before = &toml[..span.start.min(toml.len())];
            let line_start = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let column = String::from_utf8_lossy(&before[line_start..])
                .chars()
                .count()
                + 1;
            format!("{message} (line {line}, column {column})")
        }
        None => message.to_owned(),
    }
}

/// The most of an error or of a manifest value that a problem sentence
/// quotes, in bytes: a value, and so an error quoting it, can be megabytes
/// long.
const QUOTED_BYTES: usize = 300;

/// `s` cut to at most [`QUOTED_BYTES`] at a character boundary, with `…`
/// when something was cut.
fn shorten(s: &str) -> String {
    if s.len() <= QUOTED_BYTES {
        return s.to_owned();
    }
    let mut end = QUOTED_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// A path of the manifest as a path inside the package: `/`-separated,
/// without a leading `./` (also when written the Windows way, `.\`).
fn clean(path: &str) -> String {
    path.replace('\\', "/").trim_start_matches("./").to_owned()
}

/// Rewrites the legacy `MIT/Apache-2.0` form as an SPDX expression.
pub fn normalize_license(license: &str) -> String {
    let license = license.trim();
    if license.contains('/') && !license.contains(" OR ") && !license.contains(" AND ") {
        license
            .split('/')
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" OR ")
    } else {
        license.to_owned()
    }
}

fn targets(m: &Manifest<toml::Value>) -> Targets {
    let names = |products: &[cargo_toml::Product]| {
        let mut v: Vec<String> = products.iter().filter_map(|p| p.name.clone()).collect();
        v.sort();
        v
    };
    Targets {
        lib: m.lib.as_ref().map(|l| l.name.clone().unwrap_or_default()),
        proc_macro: m.lib.as_ref().is_some_and(|l| l.proc_macro),
        bins: names(&m.bin),
        examples: names(&m.example),
        tests: names(&m.test),
        benches: names(&m.bench),
    }
}

fn declared_dependencies(m: &Manifest<toml::Value>) -> Vec<Dependency> {
    let mut out = Vec::new();
    let mut add = |set: &DepsSet, kind: DependencyKind, target: Option<&str>| {
        for (key, dep) in set {
            let real = dep.package().unwrap_or(key).to_owned();
            out.push(Dependency {
                kind,
                rename: (real != *key).then(|| key.clone()),
                name: real,
                req: dep
                    .try_req()
                    .map(ToString::to_string)
                    .unwrap_or_else(|_| "*".into()),
                optional: dep.optional(),
                default_features: dep.detail().is_none_or(|d| d.default_features),
                features: dep.req_features().to_vec(),
                target: target.map(str::to_owned),
                registry: dep
                    .detail()
                    .and_then(|d| d.registry_index.clone().or_else(|| d.registry.clone())),
            });
        }
    };
    add(&m.dependencies, DependencyKind::Normal, None);
    add(&m.build_dependencies, DependencyKind::Build, None);
    add(&m.dev_dependencies, DependencyKind::Dev, None);
    for (cfg, t) in &m.target {
        add(&t.dependencies, DependencyKind::Normal, Some(cfg));
        add(&t.build_dependencies, DependencyKind::Build, Some(cfg));
        add(&t.dev_dependencies, DependencyKind::Dev, Some(cfg));
    }
    out.sort();
    out
}

/// Parses `.cargo_vcs_info.json`.
pub fn vcs_info(bytes: &[u8]) -> Result<VcsInfo, Problem> {
    #[derive(serde::Deserialize)]
    struct Git {
        sha1: Option<String>,
        #[serde(default)]
        dirty: bool,
    }
    #[derive(serde::Deserialize)]
    struct Raw {
        git: Option<Git>,
        path_in_vcs: Option<String>,
    }
    let raw: Raw = serde_json::from_slice(bytes).map_err(|e| {
        Problem::new(
            "vcs-info-invalid",
            format!(
                ".cargo_vcs_info.json could not be read: {}",
                shorten(&e.to_string())
            ),
        )
    })?;
    Ok(VcsInfo {
        commit: raw.git.as_ref().and_then(|g| g.sha1.clone()),
        dirty: raw.git.is_some_and(|g| g.dirty),
        path_in_vcs: raw.path_in_vcs.filter(|p| !p.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_license_form() {
        assert_eq!(normalize_license("MIT/Apache-2.0"), "MIT OR Apache-2.0");
        assert_eq!(normalize_license("MIT OR Apache-2.0"), "MIT OR Apache-2.0");
        assert_eq!(
            normalize_license(" Apache-2.0 WITH LLVM-exception "),
            "Apache-2.0 WITH LLVM-exception"
        );
    }

    #[test]
    fn manifest_paths_are_package_paths() {
        assert_eq!(clean("./README.md"), "README.md");
        assert_eq!(clean(".\\README.md"), "README.md");
        assert_eq!(clean(".\\docs\\README.md"), "docs/README.md");
        assert_eq!(clean("build.rs"), "build.rs");
    }

    #[test]
    fn long_lines_and_values_give_short_problems() {
        let paths = BTreeSet::new();
        let mut report = CrateReport {
            name: "x".into(),
            version: "1.0.0".into(),
            ..CrateReport::default()
        };
        let line = format!("'[pa{}\n", "é".repeat(3000));
        let p = apply(&mut report, line.as_bytes(), &paths).unwrap_err();
        assert_eq!(p.code, "manifest-invalid");
        assert!(
            p.message.len() < 400 && p.message.contains("(line 1, column 3005)"),
            "{}",
            p.message
        );
        let p = apply(&mut report, b"[package]\nname = 1\n", &paths).unwrap_err();
        assert!(p.message.contains("(line 2, column 8)"), "{}", p.message);

        let toml = format!(
            "[package]\nname = \"{}\"\nversion = \"1.0.0\"\n",
            "n".repeat(5000)
        );
        apply(&mut report, toml.as_bytes(), &paths).unwrap();
        let p = &report.problems[0];
        assert_eq!(p.code, "manifest-mismatch");
        assert!(p.message.len() < 400, "{}", p.message);

        let json = format!("{{\"git\":\"{}\"}}", "s".repeat(5000));
        let e = vcs_info(json.as_bytes()).unwrap_err();
        assert!(e.message.len() < 400, "{}", e.message);
    }

    #[test]
    fn vcs_info_fields() {
        let v = vcs_info(br#"{"git":{"sha1":"abc","dirty":true},"path_in_vcs":"sub"}"#).unwrap();
        assert_eq!(v.commit.as_deref(), Some("abc"));
        assert!(v.dirty);
        assert_eq!(v.path_in_vcs.as_deref(), Some("sub"));
        assert_eq!(vcs_info(b"{").unwrap_err().code, "vcs-info-invalid");
    }

    #[test]
    fn memory_fs_lists_one_level() {
        let paths: BTreeSet<&str> =
            ["src/lib.rs", "src/bin/a.rs", "src/bin/b/main.rs", "srcx"].into();
        let fs = MemoryFs { paths: &paths };
        let mut got: Vec<_> = fs.file_names_in("src/bin").unwrap().into_iter().collect();
        got.sort();
        assert_eq!(got, vec!["a.rs".into(), "b".into()] as Vec<Box<str>>);
        assert_eq!(fs.file_names_in("src").unwrap().len(), 2);
    }
}
