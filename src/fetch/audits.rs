//! Published audit sets (cargo-vet): the registry file that names them
//! (`registry.toml`, `[registry.NAME] url = …`) and each set's
//! `audits.toml`, read into typed entries: full audits, delta audits
//! `a -> b`, violations, wildcard audits, trusted publishers, and the
//! criteria each set defines with what they imply.
//!
//! `--audits` takes a path, an `http(s)` URL or a `file:` URL; so may the
//! sets the registry file names. Fetched files are kept in
//! `CACHE/audits/` with their validators and asked for again
//! conditionally, like index files. A set that cannot be fetched or read is
//! kept with the reason, and the others are used; a registry file that
//! cannot be read stops the build before anything is published.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use serde::Deserialize;

use super::Fetcher;

/// One value or a list of them, as cargo-vet's files allow.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum OneOrMany {
    /// Nothing given.
    #[default]
    None,
    /// One value.
    One(String),
    /// Several values.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The values, in order.
    pub fn values(&self) -> Vec<String> {
        match self {
            Self::None => Vec::new(),
            Self::One(v) => vec![v.clone()],
            Self::Many(v) => v.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct RegistryFile {
    #[serde(default)]
    registry: BTreeMap<String, RegistryEntry>,
}

#[derive(Debug, Deserialize)]
struct RegistryEntry {
    url: OneOrMany,
}

#[derive(Debug, Default, Deserialize)]
struct AuditsFile {
    #[serde(default)]
    criteria: BTreeMap<String, CriteriaEntry>,
    #[serde(default)]
    audits: BTreeMap<String, Vec<RawAudit>>,
    #[serde(default, rename = "wildcard-audits")]
    wildcard: BTreeMap<String, Vec<RawGrant>>,
    #[serde(default)]
    trusted: BTreeMap<String, Vec<RawGrant>>,
}

#[derive(Debug, Deserialize)]
struct CriteriaEntry {
    #[serde(default)]
    implies: OneOrMany,
}

#[derive(Debug, Deserialize)]
struct RawAudit {
    #[serde(default)]
    who: OneOrMany,
    #[serde(default)]
    criteria: OneOrMany,
    version: Option<String>,
    delta: Option<String>,
    violation: Option<String>,
    notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawGrant {
    #[serde(default)]
    who: OneOrMany,
    #[serde(default)]
    criteria: OneOrMany,
    user_id: Option<u64>,
    start: Option<toml::Value>,
    end: Option<toml::Value>,
    notes: Option<String>,
}

/// What one entry of a set says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditKind {
    /// The whole of this version was audited.
    Full(String),
    /// The changes from the first version to the second were audited.
    Delta(String, String),
    /// Versions matching this requirement fail the criteria.
    Violation(String),
    /// Every release published by this registry user in these dates.
    Wildcard {
        /// The registry's numeric id of the publisher.
        user_id: Option<u64>,
        /// First day (inclusive).
        start: String,
        /// Last day.
        end: String,
    },
    /// The set trusts this publisher's releases in these dates.
    Trusted {
        /// The registry's numeric id of the publisher.
        user_id: Option<u64>,
        /// First day.
        start: String,
        /// Last day.
        end: String,
    },
}

/// One entry of a set, for one crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// What it covers.
    pub kind: AuditKind,
    /// The criteria it certifies (or violates).
    pub criteria: Vec<String>,
    /// Who did it.
    pub who: Vec<String>,
    /// The auditor's notes.
    pub notes: Option<String>,
}

/// One organization's audit set.
#[derive(Debug, Clone, Default)]
pub struct AuditSet {
    /// Its name in the registry file.
    pub name: String,
    /// Where it was read from.
    pub url: String,
    /// Criteria it defines, with the criteria each implies.
    pub criteria: BTreeMap<String, Vec<String>>,
    /// Entries by crate name.
    pub crates: BTreeMap<String, Vec<AuditEntry>>,
    /// Why it could not be read, when it could not.
    pub problem: Option<String>,
}

/// Every set the registry file names, sorted by name.
#[derive(Debug, Clone, Default)]
pub struct AuditSets {
    /// Where the registry file was read from.
    pub registry: String,
    /// The sets.
    pub sets: Vec<AuditSet>,
}

fn date(v: Option<toml::Value>) -> String {
    match v {
        Some(toml::Value::String(s)) => s,
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// Reads an `audits.toml`.
pub fn parse_set(name: &str, url: &str, text: &str) -> Result<AuditSet, toml::de::Error> {
    let file: AuditsFile = toml::from_str(text)?;
    let mut set = AuditSet {
        name: name.to_owned(),
        url: url.to_owned(),
        criteria: file
            .criteria
            .into_iter()
            .map(|(k, v)| (k, v.implies.values()))
            .collect(),
        ..AuditSet::default()
    };
    for (krate, audits) in file.audits {
        let entries = set.crates.entry(krate).or_default();
        for a in audits {
            let kind = match (a.version, a.delta, a.violation) {
                (Some(v), _, _) => AuditKind::Full(v.trim().to_owned()),
                (_, Some(d), _) => match d.split_once("->") {
                    Some((from, to)) => {
                        AuditKind::Delta(from.trim().to_owned(), to.trim().to_owned())
                    }
                    None => continue,
                },
                (_, _, Some(r)) => AuditKind::Violation(r.trim().to_owned()),
                _ => continue,
            };
            entries.push(AuditEntry {
                kind,
                criteria: a.criteria.values(),
                who: a.who.values(),
                notes: a.notes,
            });
        }
    }
    for (wildcard, table) in [(true, file.wildcard), (false, file.trusted)] {
        for (krate, grants) in table {
            let entries = set.crates.entry(krate).or_default();
            for g in grants {
                let (user_id, start, end) = (g.user_id, date(g.start), date(g.end));
                entries.push(AuditEntry {
                    kind: if wildcard {
                        AuditKind::Wildcard {
                            user_id,
                            start,
                            end,
                        }
                    } else {
                        AuditKind::Trusted {
                            user_id,
                            start,
                            end,
                        }
                    },
                    criteria: g.criteria.values(),
                    who: g.who.values(),
                    notes: g.notes,
                });
            }
        }
    }
    Ok(set)
}

fn valid_toml(body: &[u8]) -> bool {
    std::str::from_utf8(body).is_ok_and(|t| toml::from_str::<toml::Table>(t).is_ok())
}

/// A file name for a set in the cache.
fn cache_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.toml")
}

impl Fetcher {
    /// Reads a file named by a path, an `http(s)` URL (fetched
    /// conditionally into `CACHE/audits/{cache_as}`) or a `file:` URL.
    async fn audit_file(&self, location: &str, cache_as: &str) -> anyhow::Result<String> {
        let bytes = if location.starts_with("http://") || location.starts_with("https://") {
            let path = self.cache.root().join("audits").join(cache_as);
            self.conditional(location, &path, valid_toml).await?
        } else {
            let path = location
                .strip_prefix("file://")
                .or_else(|| location.strip_prefix("file:"))
                .unwrap_or(location);
            std::fs::read(PathBuf::from(path)).with_context(|| format!("reading {path}"))?
        };
        String::from_utf8(bytes).with_context(|| format!("{location} is not UTF-8 text"))
    }

    /// Reads the registry file at `location` and every set it names.
    pub async fn audit_sets(&self, location: &str) -> anyhow::Result<AuditSets> {
        let text = self
            .audit_file(location, "registry.toml")
            .await
            .with_context(|| format!("reading the audit registry {location}"))?;
        let registry: RegistryFile = toml::from_str(&text)
            .with_context(|| format!("{location} is not a cargo-vet registry file"))?;
        let mut sets = Vec::new();
        for (name, entry) in registry.registry {
            let urls = entry.url.values();
            let mut set = AuditSet {
                name: name.clone(),
                url: urls.first().cloned().unwrap_or_default(),
                problem: Some("the registry file gives no URL".into()),
                ..AuditSet::default()
            };
            for url in urls {
                let read = self.audit_file(&url, &cache_name(&name)).await;
                match read.map(|t| parse_set(&name, &url, &t).map_err(anyhow::Error::from)) {
                    Ok(Ok(parsed)) => {
                        set = parsed;
                        break;
                    }
                    Ok(Err(e)) | Err(e) => {
                        set.url = url.clone();
                        set.problem = Some(format!("{e:#}"));
                    }
                }
            }
            if let Some(p) = &set.problem {
                tracing::warn!(set = %set.name, problem = %p, "an audit set could not be read");
            }
            sets.push(set);
        }
        Ok(AuditSets {
            registry: location.to_owned(),
            sets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_entry_is_read() {
        let set = parse_set(
            "org",
            "u",
            r#"
[criteria.ub-risk-2]
description = "x"
implies = "ub-risk-3"

[[audits.foo]]
who = "A <a@x>"
criteria = "safe-to-deploy"
version = "1.0.0"

[[audits.foo]]
who = ["A", "B"]
criteria = ["safe-to-run", "ub-risk-2"]
delta = "1.0.0 -> 1.1.0"
notes = "fine"

[[audits.foo]]
criteria = "safe-to-deploy"
violation = "<0.5"

[[wildcard-audits.foo]]
who = "C"
criteria = "safe-to-deploy"
user-id = 7
start = "2020-01-01"
end = 2027-01-01

[[trusted.bar]]
criteria = "safe-to-deploy"
user-id = 9
start = "2021-01-01"
end = "2026-01-01"
"#,
        )
        .unwrap();
        assert_eq!(set.criteria["ub-risk-2"], ["ub-risk-3"]);
        let kinds: Vec<&AuditKind> = set.crates["foo"].iter().map(|e| &e.kind).collect();
        assert_eq!(
            kinds,
            [
                &AuditKind::Full("1.0.0".into()),
                &AuditKind::Delta("1.0.0".into(), "1.1.0".into()),
                &AuditKind::Violation("<0.5".into()),
                &AuditKind::Wildcard {
                    user_id: Some(7),
                    start: "2020-01-01".into(),
                    end: "2027-01-01".into()
                },
            ]
        );
        assert_eq!(set.crates["foo"][1].who, ["A", "B"]);
        assert_eq!(set.crates["foo"][1].criteria, ["safe-to-run", "ub-risk-2"]);
        assert_eq!(
            set.crates["bar"][0].kind,
            AuditKind::Trusted {
                user_id: Some(9),
                start: "2021-01-01".into(),
                end: "2026-01-01".into()
            }
        );
    }
}
