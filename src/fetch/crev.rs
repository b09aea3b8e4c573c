//! cargo-crev package reviews read from a local folder of proof
//! repositories (`--crev-proofs DIR`): every `*.crev` file below it, in
//! either proof format (`----- BEGIN CREV PROOF -----` with `kind: package
//! review`, or the older `-----BEGIN CREV PACKAGE REVIEW-----`). Only the
//! reviewed package, who reviewed it and how are kept; signatures and
//! package digests are not verified. A file or proof that cannot be read
//! is counted and skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::model::CrevReviewRecord;

/// Largest proof file read (bytes).
const MAX_FILE: u64 = 32 << 20;

/// Every package review read, by lowercase crate name.
#[derive(Debug, Clone, Default)]
pub struct CrevProofs {
    /// The folder read.
    pub dir: PathBuf,
    /// Reviews by lowercase crate name, in the order read.
    pub reviews: BTreeMap<String, Vec<CrevReview>>,
    /// Proof files read.
    pub files: usize,
    /// Proofs that could not be read (not YAML, fields missing), and files
    /// that could not be read.
    pub unreadable: usize,
}

/// One package review, with the registry and crate it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrevReview {
    /// The registry the package came from, as the proof names it.
    pub source: String,
    /// The crate's name as written.
    pub name: String,
    /// The review (`applies` is left false: the rank stage knows the
    /// version shown).
    pub review: CrevReviewRecord,
}

#[derive(Deserialize)]
struct RawProof {
    kind: Option<String>,
    date: String,
    from: RawFrom,
    package: Option<RawPackage>,
    review: Option<RawReview>,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct RawFrom {
    id: String,
    url: Option<String>,
}

#[derive(Deserialize)]
struct RawPackage {
    source: String,
    #[serde(deserialize_with = "text")]
    name: String,
    #[serde(deserialize_with = "text")]
    version: String,
}

/// A scalar as text: YAML reads `version: 1.0` as a number.
fn text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_norway::Value::deserialize(d)? {
        serde_norway::Value::String(s) => Ok(s),
        serde_norway::Value::Number(n) => Ok(n.to_string()),
        serde_norway::Value::Bool(b) => Ok(b.to_string()),
        _ => Err(serde::de::Error::custom("expected a scalar")),
    }
}

#[derive(Deserialize)]
struct RawReview {
    thoroughness: Option<String>,
    understanding: Option<String>,
    rating: Option<String>,
}

/// The two proof formats: where a proof's body starts and ends.
const FORMATS: &[(&str, &str)] = &[
    (
        "----- BEGIN CREV PROOF -----",
        "----- SIGN CREV PROOF -----",
    ),
    (
        "-----BEGIN CREV PACKAGE REVIEW-----",
        "-----BEGIN CREV PACKAGE REVIEW SIGNATURE-----",
    ),
];

/// Reads every proof file below `dir`.
pub fn read(dir: &Path) -> anyhow::Result<CrevProofs> {
    if !dir.is_dir() {
        anyhow::bail!("--crev-proofs {} is not a folder", dir.display());
    }
    let mut out = CrevProofs {
        dir: dir.to_owned(),
        ..CrevProofs::default()
    };
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.path().extension().is_some_and(|x| x == "crev"))
        .map(walkdir::DirEntry::into_path)
        .collect();
    files.sort();
    for path in files {
        out.files += 1;
        let text = match std::fs::metadata(&path) {
            Ok(m) if m.len() <= MAX_FILE => std::fs::read_to_string(&path).ok(),
            _ => None,
        };
        let Some(text) = text else {
            tracing::warn!("crev proofs: {} could not be read", path.display());
            out.unreadable += 1;
            continue;
        };
        for body in bodies(&text) {
            match parse(body) {
                Ok(Some(r)) => out
                    .reviews
                    .entry(r.name.to_ascii_lowercase())
                    .or_default()
                    .push(r),
                Ok(None) => {}
                Err(e) => {
                    tracing::debug!(
                        "crev proofs: a proof of {} is unreadable: {e}",
                        path.display()
                    );
                    out.unreadable += 1;
                }
            }
        }
    }
    Ok(out)
}

/// The bodies of the proofs of a file, in order.
fn bodies(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (begin, end) in FORMATS {
        let mut rest = text;
        while let Some(start) = rest.find(begin) {
            let after = &rest[start + begin.len()..];
            let Some(stop) = after.find(end) else {
                break;
            };
            out.push(&after[..stop]);
            rest = &after[stop + end.len()..];
        }
    }
    out
}

/// A package review of a proof's body; `None` for other kinds of proof.
fn parse(body: &str) -> Result<Option<CrevReview>, serde_norway::Error> {
    let raw: RawProof = serde_norway::from_str(body)?;
    if raw.kind.as_deref().is_some_and(|k| k != "package review") {
        return Ok(None);
    }
    let (Some(package), Some(review)) = (raw.package, raw.review) else {
        return Ok(None);
    };
    let level = |v: Option<String>| v.unwrap_or_else(|| "none".into());
    Ok(Some(CrevReview {
        source: package.source,
        name: package.name,
        review: CrevReviewRecord {
            version: package.version,
            applies: false,
            date: raw.date,
            reviewer: raw.from.id,
            reviewer_url: raw.from.url,
            thoroughness: level(review.thoroughness),
            understanding: level(review.understanding),
            rating: review.rating.unwrap_or_else(|| "neutral".into()),
            comment: raw.comment.filter(|c| !c.trim().is_empty()),
        },
    }))
}

impl CrevProofs {
    /// Keeps the reviews of packages from the registry whose web bases
    /// (as crev names a registry) are `bases`; with no registry at all (a
    /// folder of `.crate` files), keeps every review.
    pub fn keep_source(&mut self, bases: Option<Vec<String>>) {
        let Some(bases) = bases else {
            return;
        };
        let norm = |s: &str| s.trim_end_matches('/').to_ascii_lowercase();
        let bases: Vec<String> = bases.iter().map(|b| norm(b)).collect();
        for list in self.reviews.values_mut() {
            list.retain(|r| bases.contains(&norm(&r.source)));
        }
        self.reviews.retain(|_, l| !l.is_empty());
    }

    /// The reviews of `name`.
    pub fn of(&self, name: &str) -> &[CrevReview] {
        self.reviews
            .get(&name.to_ascii_lowercase())
            .map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_and_other_kinds() {
        let text = "\
----- BEGIN CREV PROOF -----
kind: package review
version: -1
date: \"2024-05-01T10:00:00+00:00\"
from:
  id-type: crev
  id: AAAA
  url: \"https://example.org/proofs\"
package:
  source: \"https://registry.example\"
  name: demo
  version: 1.2.0
  digest: xyz
review:
  thoroughness: high
  understanding: medium
  rating: positive
comment: |-
  Read it all.
----- SIGN CREV PROOF -----
sig
----- END CREV PROOF -----
----- BEGIN CREV PROOF -----
kind: trust
version: -1
date: \"2024-05-01T10:00:00+00:00\"
from:
  id-type: crev
  id: AAAA
package:
  source: x
  name: y
  version: z
----- SIGN CREV PROOF -----
sig
----- END CREV PROOF -----
-----BEGIN CREV PACKAGE REVIEW-----
version: -1
date: \"2019-01-01T00:00:00-08:00\"
from:
  id-type: crev
  id: BBBB
package:
  source: \"https://registry.example/\"
  name: Demo
  version: 1.0.0
  digest: abc
review:
  thoroughness: low
  understanding: low
  rating: negative
-----BEGIN CREV PACKAGE REVIEW SIGNATURE-----
sig
-----END CREV PACKAGE REVIEW-----
";
        let parsed: Vec<_> = bodies(text).into_iter().map(parse).collect();
        assert_eq!(parsed.len(), 3);
        let first = parsed[0].as_ref().unwrap().clone().unwrap();
        assert_eq!(
            (
                first.review.version.as_str(),
                first.review.thoroughness.as_str(),
                first.review.comment.as_deref()
            ),
            ("1.2.0", "high", Some("Read it all."))
        );
        assert!(parsed[1].as_ref().unwrap().is_none());
        let old = parsed[2].as_ref().unwrap().clone().unwrap();
        assert_eq!(
            (old.review.reviewer.as_str(), old.review.rating.as_str()),
            ("BBBB", "negative")
        );
    }
}
