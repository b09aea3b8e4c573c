//! Which dependencies of a release are compiled when the crate is built
//! with its default features on one of the main targets (Linux, macOS and
//! Windows, on x86_64 and aarch64): normal and build dependencies whose
//! platform condition holds on at least one of them (evaluated with
//! cargo's own `cargo-platform`), that are either not optional or enabled
//! by the default features, followed through the crate's feature table
//! (`dep:name`, `name/feature`, implicit features of optional
//! dependencies). Features that the crates above turn on are not unified,
//! and each dependency is taken at the release the site shows.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use cargo_platform::{Cfg, Platform};

use std::collections::BTreeMap;

use crate::model::{CrateReport, Dependency, DependencyKind};

/// The main targets, with the `cfg` values rustc gives them that platform
/// conditions test.
const TARGETS: &[(&str, &str, &str, &str, &str, &str)] = &[
    // (triple, family, os, arch, env, vendor)
    (
        "x86_64-unknown-linux-gnu",
        "unix",
        "linux",
        "x86_64",
        "gnu",
        "unknown",
    ),
    (
        "aarch64-unknown-linux-gnu",
        "unix",
        "linux",
        "aarch64",
        "gnu",
        "unknown",
    ),
    (
        "x86_64-apple-darwin",
        "unix",
        "macos",
        "x86_64",
        "",
        "apple",
    ),
    (
        "aarch64-apple-darwin",
        "unix",
        "macos",
        "aarch64",
        "",
        "apple",
    ),
    (
        "x86_64-pc-windows-msvc",
        "windows",
        "windows",
        "x86_64",
        "msvc",
        "pc",
    ),
    (
        "aarch64-pc-windows-msvc",
        "windows",
        "windows",
        "aarch64",
        "msvc",
        "pc",
    ),
];

/// Every main target by name, with its `cfg` values.
static CFGS: LazyLock<Vec<(&'static str, Vec<Cfg>)>> = LazyLock::new(|| {
    TARGETS
        .iter()
        .map(|&(triple, family, os, arch, env, vendor)| {
            let values = [
                family.to_owned(),
                format!("target_family=\"{family}\""),
                format!("target_os=\"{os}\""),
                format!("target_arch=\"{arch}\""),
                format!("target_env=\"{env}\""),
                format!("target_vendor=\"{vendor}\""),
                "target_pointer_width=\"64\"".to_owned(),
                "target_endian=\"little\"".to_owned(),
                "target_has_atomic=\"64\"".to_owned(),
                "target_has_atomic=\"ptr\"".to_owned(),
                "panic=\"unwind\"".to_owned(),
            ];
            let cfgs = values
                .iter()
                .map(|v| v.parse::<Cfg>().expect("a valid cfg value"))
                .collect();
            (triple, cfgs)
        })
        .collect()
});

/// The main targets' names, as pages state them.
pub fn target_names() -> impl Iterator<Item = &'static str> {
    TARGETS.iter().map(|t| t.0)
}

/// Whether a dependency with this platform condition is compiled on at
/// least one main target. A condition that does not parse counts.
pub fn on_main_targets(target: Option<&str>) -> bool {
    let Some(target) = target else {
        return true;
    };
    let Ok(platform) = target.parse::<Platform>() else {
        return true;
    };
    CFGS.iter().any(|(name, cfgs)| platform.matches(name, cfgs))
}

/// What a set of features turns on, by the names the crate gives its
/// dependencies.
#[derive(Debug, Default)]
pub struct Enabled<'a> {
    /// Optional dependencies enabled.
    pub deps: BTreeSet<&'a str>,
    /// Features asked of dependencies (`dep/feature`).
    pub dep_features: BTreeMap<&'a str, BTreeSet<&'a str>>,
    /// Features asked of dependencies only if something else enables them
    /// (`dep?/feature`).
    pub weak: Vec<(&'a str, &'a str)>,
}

/// Follows the feature table from the features `start`.
pub fn enabled<'a>(
    features: &'a BTreeMap<String, Vec<String>>,
    start: impl IntoIterator<Item = &'a str>,
) -> Enabled<'a> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut out = Enabled::default();
    let mut todo: Vec<&str> = start.into_iter().collect();
    while let Some(feature) = todo.pop() {
        if !seen.insert(feature) {
            continue;
        }
        let Some(items) = features.get(feature) else {
            // An optional dependency's implicit feature.
            out.deps.insert(feature);
            continue;
        };
        for item in items {
            if let Some(dep) = item.strip_prefix("dep:") {
                out.deps.insert(dep);
            } else if let Some((dep, feature)) = item.split_once('/') {
                match dep.strip_suffix('?') {
                    Some(dep) => out.weak.push((dep, feature)),
                    None => {
                        out.deps.insert(dep);
                        out.dep_features.entry(dep).or_default().insert(feature);
                        if features.contains_key(dep) {
                            todo.push(dep);
                        }
                    }
                }
            } else {
                todo.push(item);
            }
        }
    }
    out
}

/// The names (as the crate calls them) of the optional dependencies that
/// the default features enable.
fn enabled_by_default(features: &BTreeMap<String, Vec<String>>) -> BTreeSet<&str> {
    enabled(features, ["default"]).deps
}

/// The dependencies of `r` compiled with its default features on at least
/// one main target.
pub fn built(r: &CrateReport) -> Vec<&Dependency> {
    built_of(&r.dependencies, &r.features)
}

/// [`built`] of a release's dependencies and feature table.
pub fn built_of<'a>(
    dependencies: &'a [Dependency],
    features: &BTreeMap<String, Vec<String>>,
) -> Vec<&'a Dependency> {
    let enabled = enabled_by_default(features);
    dependencies
        .iter()
        .filter(|d| d.kind != DependencyKind::Dev)
        .filter(|d| on_main_targets(d.target.as_deref()))
        .filter(|d| !d.optional || enabled.contains(d.rename.as_deref().unwrap_or(&d.name)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(name: &str, optional: bool, target: Option<&str>) -> Dependency {
        Dependency {
            name: name.into(),
            optional,
            target: target.map(str::to_owned),
            ..Dependency::default()
        }
    }

    #[test]
    fn platform_conditions_on_the_main_targets() {
        assert!(on_main_targets(None));
        assert!(on_main_targets(Some("cfg(windows)")));
        assert!(on_main_targets(Some(
            "cfg(all(unix, target_arch = \"aarch64\"))"
        )));
        assert!(on_main_targets(Some("x86_64-apple-darwin")));
        assert!(!on_main_targets(Some("cfg(any())")));
        assert!(!on_main_targets(Some("cfg(target_os = \"wasi\")")));
        assert!(!on_main_targets(Some("wasm32-unknown-unknown")));
        assert!(!on_main_targets(Some("cfg(target_pointer_width = \"32\")")));
    }

    #[test]
    fn default_features_enable_optional_dependencies() {
        let r = CrateReport {
            features: [
                ("default", vec!["std", "fast"]),
                ("std", vec!["dep:alloc-shim", "log?/std"]),
                ("fast", vec!["simd/avx"]),
                ("extra", vec!["dep:big"]),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
            .collect(),
            dependencies: vec![
                dep("alloc-shim", true, None),
                dep("big", true, None),
                dep("log", true, None),
                dep("simd", true, None),
                dep("core-dep", false, None),
                dep("never", false, Some("cfg(any())")),
                dep("winapi", false, Some("cfg(windows)")),
            ],
            ..CrateReport::default()
        };
        let names: Vec<&str> = built(&r).iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, vec!["alloc-shim", "simd", "core-dep", "winapi"]);
    }
}
