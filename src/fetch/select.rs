//! Which crates a build covers: `NAME[@VERSION]` specs from the command line
//! or a file, the curated default list shipped in `content/`, and the walk of
//! the dependency closure.

use anyhow::{Context, bail};

use super::local::is_valid_crate_name;

/// The curated list of well-known crates built when no selection is given.
pub const DEFAULT_CRATES: &str = include_str!("../../content/default-crates.txt");

/// One crate asked for, with an optional exact version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateSpec {
    /// Crate name.
    pub name: String,
    /// Exact version, when given as `name@version`.
    pub version: Option<String>,
}

impl std::str::FromStr for CrateSpec {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        let s = s.trim();
        let (name, version) = match s.split_once('@') {
            Some((n, v)) => (n, Some(v)),
            None => (s, None),
        };
        if !is_valid_crate_name(name) {
            bail!("`{name}` is not a valid crate name");
        }
        if let Some(v) = version {
            semver::Version::parse(v).with_context(|| format!("`{v}` is not a valid version"))?;
        }
        Ok(Self {
            name: name.to_owned(),
            version: version.map(str::to_owned),
        })
    }
}

/// Parses a list of specs, one per line or comma-separated; `#` starts a comment.
pub fn parse_list(text: &str) -> anyhow::Result<Vec<CrateSpec>> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.split(','))
        .filter(|s| !s.trim().is_empty())
        .map(str::parse)
        .collect()
}

/// The default selection.
pub fn default_specs() -> Vec<CrateSpec> {
    parse_list(DEFAULT_CRATES).expect("content/default-crates.txt is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_reject() {
        let list = parse_list("serde, anyhow@1.0.0\n# comment\nrand # trailing\n").unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[1].version.as_deref(), Some("1.0.0"));
        assert!("../x".parse::<CrateSpec>().is_err());
        assert!("x@notaversion".parse::<CrateSpec>().is_err());
    }

    #[test]
    fn default_list_is_valid_and_not_empty() {
        assert!(default_specs().len() >= 20);
    }
}
