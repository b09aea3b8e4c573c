//! The site's data for download, under `data/`: every crate report in one
//! file (`crates.ndjson.gz`, one report a line, the same document as the
//! sidecars, in name order), the JSON Schemas of the report and of
//! `index.json`, tables of the dependency graph, downloads and owners
//! (`*.csv.gz`, the last two with the dump), and `files.json`, which lists
//! these files with their size, SHA-256 and the time each was written, for
//! the data page and for scripts that want to know whether a download
//! changed.
//!
//! The reports file is made from the sidecars already written, streamed
//! one at a time, so that it costs no memory per crate; when no crate page
//! changed since the published site, that site's file is linked instead.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use flate2::{Compression, write::GzEncoder};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{CrateReport, schema};

/// The reports file, below the site root.
pub const CRATES_NDJSON: &str = "data/crates.ndjson.gz";
/// The listing of the data files, below the site root.
pub const FILES_JSON: &str = "data/files.json";

/// One file offered for download.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DataFile {
    /// Path below the site root.
    pub path: String,
    /// What it holds.
    pub description: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the file (hex).
    pub sha256: String,
    /// When this content was written (RFC 3339); kept while it is unchanged.
    pub generated_at: String,
}

/// `data/files.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct DataFiles {
    /// Every data file, in a fixed order.
    pub files: Vec<DataFile>,
}

/// Where the previous site is, and whether every crate of this build has
/// the same pages there (then its reports file is reused).
#[derive(Debug, Clone, Copy)]
pub struct Previous<'a> {
    /// The published site.
    pub site: &'a Path,
    /// Whether the crates and their pages are exactly those of that site.
    pub same_crates: bool,
}

/// Writes the data files into `dir`, once `index.json` and every sidecar
/// are there; returns their listing, also written as `data/files.json`.
pub fn write_data(
    dir: &Path,
    reports: &[CrateReport],
    base_url: &str,
    generated_at: &str,
    previous: Option<Previous<'_>>,
) -> anyhow::Result<DataFiles> {
    std::fs::create_dir_all(dir.join("data")).context("creating data/")?;
    super::write_json(
        dir,
        "data/crate.schema.json",
        &schema::crate_schema(base_url),
    )?;
    super::write_json(
        dir,
        "data/index.schema.json",
        &schema::index_schema(base_url),
    )?;
    let reused = previous.is_some_and(|p| {
        p.same_crates
            && std::fs::hard_link(p.site.join(CRATES_NDJSON), dir.join(CRATES_NDJSON)).is_ok()
    });
    if !reused {
        write_ndjson(dir, reports)?;
    }
    let tables = write_tables(dir, reports)?;
    let before: DataFiles = previous
        .and_then(|p| std::fs::read(p.site.join(FILES_JSON)).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let mut described = vec![
        (
            CRATES_NDJSON,
            "Every crate report, one JSON document a line, gzip-compressed",
        ),
        ("data/crate.schema.json", "JSON Schema of a crate report"),
        ("index.json", "The summary of every crate"),
        ("data/index.schema.json", "JSON Schema of index.json"),
    ];
    described.extend(tables);
    let mut files = Vec::new();
    for (path, description) in described {
        let (size, sha256) = digest(&dir.join(path))?;
        let stamp = before
            .files
            .iter()
            .find(|f| f.path == path && f.sha256 == sha256)
            .map_or(generated_at, |f| f.generated_at.as_str());
        files.push(DataFile {
            path: path.to_owned(),
            description: description.to_owned(),
            size,
            sha256,
            generated_at: stamp.to_owned(),
        });
    }
    let listing = DataFiles { files };
    super::write_json(dir, FILES_JSON, &listing)?;
    Ok(listing)
}

/// A line of `data/dependencies.csv.gz`.
#[derive(Serialize)]
struct DependencyRow<'a> {
    #[serde(rename = "crate")]
    krate: &'a str,
    version: &'a str,
    kind: &'static str,
    dependency: &'a str,
    req: &'a str,
    optional: bool,
    default_features: bool,
    target: Option<&'a str>,
}

/// A line of `data/downloads.csv.gz`.
#[derive(Serialize)]
struct DownloadsRow<'a> {
    #[serde(rename = "crate")]
    krate: &'a str,
    version: &'a str,
    total: u64,
    recent: u64,
    version_downloads: Option<u64>,
}

/// A line of `data/owners.csv.gz`.
#[derive(Serialize)]
struct OwnerRow<'a> {
    #[serde(rename = "crate")]
    krate: &'a str,
    login: &'a str,
    kind: crate::model::OwnerKind,
    name: Option<&'a str>,
    since: Option<&'a str>,
}

/// Writes the tables of the dependency graph, and of downloads and owners
/// when the reports have them (from the dump): one CSV row per edge, per
/// crate, per owner, in the reports' order. Returns the files written with
/// what they hold.
fn write_tables(
    dir: &Path,
    reports: &[CrateReport],
) -> anyhow::Result<Vec<(&'static str, &'static str)>> {
    let dependencies = "data/dependencies.csv.gz";
    write_csv(
        dir,
        dependencies,
        reports.iter().flat_map(|r| {
            r.dependencies.iter().map(|d| DependencyRow {
                krate: &r.name,
                version: &r.version,
                kind: d.kind.as_str(),
                dependency: &d.name,
                req: &d.req,
                optional: d.optional,
                default_features: d.default_features,
                target: d.target.as_deref(),
            })
        }),
    )?;
    let mut written = vec![(
        dependencies,
        "Every dependency of every crate shown, as CSV: crate, version, kind, dependency, req, optional, default_features, target",
    )];
    if reports.iter().any(|r| r.downloads.is_some()) {
        let path = "data/downloads.csv.gz";
        write_csv(
            dir,
            path,
            reports.iter().filter_map(|r| {
                let d = r.downloads.as_ref()?;
                Some(DownloadsRow {
                    krate: &r.name,
                    version: &r.version,
                    total: d.total,
                    recent: d.recent,
                    version_downloads: d.version,
                })
            }),
        )?;
        written.push((
            path,
            "Downloads of every crate, from the dump, as CSV: crate, version, total, recent (the dump's last 90 days), version_downloads",
        ));
    }
    if reports.iter().any(|r| r.owners.is_some()) {
        let path = "data/owners.csv.gz";
        write_csv(
            dir,
            path,
            reports.iter().flat_map(|r| {
                r.owners.iter().flatten().map(|o| OwnerRow {
                    krate: &r.name,
                    login: &o.login,
                    kind: o.kind,
                    name: o.name.as_deref(),
                    since: o.since.as_deref(),
                })
            }),
        )?;
        written.push((
            path,
            "Who can publish every crate, from the dump, as CSV: crate, login, kind, name, since",
        ));
    }
    Ok(written)
}

/// Writes `rows` as a gzip-compressed CSV file with a header line.
fn write_csv<T: Serialize>(
    dir: &Path,
    rel: &str,
    rows: impl Iterator<Item = T>,
) -> anyhow::Result<()> {
    let path = dir.join(rel);
    let mut out = csv::Writer::from_writer(create_gz(&path)?);
    for row in rows {
        out.serialize(row)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let gz = out
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("writing {}", path.display()))?;
    finish_gz(gz, &path)
}

/// A gzip-compressed file being written.
type GzFile = GzEncoder<std::io::BufWriter<std::fs::File>>;

fn create_gz(path: &Path) -> anyhow::Result<GzFile> {
    let file =
        std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
    Ok(GzEncoder::new(
        std::io::BufWriter::new(file),
        Compression::default(),
    ))
}

/// Ends the gzip stream and puts the file on disk.
fn finish_gz(gz: GzFile, path: &Path) -> anyhow::Result<()> {
    gz.finish()
        .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
        .and_then(|f| f.sync_all())
        .with_context(|| format!("writing {}", path.display()))
}

/// Streams every sidecar, in the reports' order, into the reports file.
fn write_ndjson(dir: &Path, reports: &[CrateReport]) -> anyhow::Result<()> {
    let path = dir.join(CRATES_NDJSON);
    let mut gz = create_gz(&path)?;
    for r in reports {
        let sidecar = dir.join(format!("crates/{}.json", super::slug(&r.name)));
        let mut line =
            std::fs::read(&sidecar).with_context(|| format!("reading {}", sidecar.display()))?;
        if line.last() != Some(&b'\n') {
            line.push(b'\n');
        }
        gz.write_all(&line)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    finish_gz(gz, &path)
}

/// Size and SHA-256 (hex) of a file, streamed.
fn digest(path: &Path) -> anyhow::Result<(u64, String)> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = std::io::Read::read(&mut file, &mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, crate::format::hex(&hasher.finalize())))
}
