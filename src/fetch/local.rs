//! Local sources of `.crate` files: a folder given with `--crate-dir`, extra
//! mirror folders, and cargo's own download cache. Names and versions come
//! from the file names (`{name}-{version}.crate`).

use std::path::{Path, PathBuf};

/// A `.crate` file found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalCrate {
    /// Crate name, when the file name could be read as `{name}-{version}`.
    pub name: Option<String>,
    /// Version, likewise.
    pub version: Option<String>,
    /// The file.
    pub path: PathBuf,
}

/// Splits `foo-bar-1.0.0-rc.1` into `foo-bar` and `1.0.0-rc.1`.
pub fn split_file_stem(stem: &str) -> Option<(&str, &str)> {
    stem.match_indices('-').find_map(|(i, _)| {
        let (name, version) = (&stem[..i], &stem[i + 1..]);
        (is_valid_crate_name(name) && semver::Version::parse(version).is_ok())
            .then_some((name, version))
    })
}

/// Whether `name` is a valid crate name: ASCII letters, digits, `-` and `_`,
/// starting with a letter, at most 64 characters. Only such names become paths.
pub fn is_valid_crate_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && name.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Every `.crate` file directly in `dir` or one level below (the mirror
/// layout `{name}/{name}-{version}.crate`), sorted by path.
pub fn list_crate_files(dir: &Path) -> std::io::Result<Vec<LocalCrate>> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .min_depth(1)
        .max_depth(2)
        .sort_by_file_name()
    {
        let entry = entry?;
        let path = entry.path();
        if !entry.file_type().is_file() || path.extension().is_none_or(|e| e != "crate") {
            continue;
        }
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let (name, version) = match split_file_stem(stem) {
            Some((n, v)) => (Some(n.to_owned()), Some(v.to_owned())),
            None => (None, None),
        };
        found.push(LocalCrate {
            name,
            version,
            path: path.to_owned(),
        });
    }
    Ok(found)
}

/// Folders of cargo's own download cache (`$CARGO_HOME/registry/cache/*`).
pub fn cargo_cache_dirs() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(cache) = home.map(|h| h.join("registry").join("cache")) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cache)
        .map(|rd| {
            rd.filter_map(|e| Some(e.ok()?.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// Looks for `{name}-{version}.crate` in `dirs`, flat or in the mirror layout.
pub fn find_in(dirs: &[PathBuf], name: &str, version: &str) -> Vec<PathBuf> {
    let file = format!("{name}-{version}.crate");
    dirs.iter()
        .flat_map(|d| [d.join(&file), d.join(name).join(&file)])
        .filter(|p| p.is_file())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_split_at_the_version() {
        assert_eq!(split_file_stem("serde-1.0.0"), Some(("serde", "1.0.0")));
        assert_eq!(
            split_file_stem("foo-bar-1.0.0-rc.1"),
            Some(("foo-bar", "1.0.0-rc.1"))
        );
        assert_eq!(
            split_file_stem("foo_bar-0.1.0+meta"),
            Some(("foo_bar", "0.1.0+meta"))
        );
        assert_eq!(split_file_stem("noversion"), None);
        assert_eq!(split_file_stem("../etc-1.0.0"), None);
    }

    #[test]
    fn crate_names_are_checked() {
        assert!(is_valid_crate_name("serde_json"));
        assert!(is_valid_crate_name("a-b"));
        assert!(!is_valid_crate_name("1abc"));
        assert!(!is_valid_crate_name("a/b"));
        assert!(!is_valid_crate_name(".."));
        assert!(!is_valid_crate_name(""));
        assert!(!is_valid_crate_name(&"a".repeat(65)));
    }
}
