//! Copies what the database dump says about each crate of the site onto its
//! report: first publication, downloads (all time, this version, and the
//! daily series of the dump's window), owners, and the registry's categories
//! and keywords, which replace the manifest's when the dump has the crate,
//! and its registry record (default release, trusted publishing, who
//! published each release). A crate the dump only knows as deleted gets a
//! `crate-deleted` problem.

use crate::fetch::dump::{DumpCrate, DumpData};
use crate::format::rfc3339;
use crate::model::{
    CrateReport, DailyDownloads, Downloads, Owner, Problem, RegistryRecord, ReleaseRecord,
};

/// Fills the dump's facts into every report the dump knows.
pub fn attach(reports: &mut [CrateReport], dump: &DumpData) {
    for r in reports.iter_mut() {
        let Some((_, c)) = dump.get(&r.name) else {
            r.problems.push(match dump.deleted(&r.name) {
                Some(d) => Problem::new(
                    "crate-deleted",
                    format!(
                        "the registry deleted this crate on {}{}",
                        &d.deleted_at[..10],
                        d.message
                            .as_deref()
                            .map(|m| format!(": \"{m}\""))
                            .unwrap_or_default()
                    ),
                ),
                None => Problem::new(
                    "dump-missing-crate",
                    "the database dump has no record of this crate: downloads and owners are unknown",
                ),
            });
            continue;
        };
        r.registry_record = Some(record(c, dump));
        r.created_at = Some(c.created_at.clone());
        let daily: Vec<DailyDownloads> = if c.daily.is_empty() {
            dump.days
                .iter()
                .map(|d| DailyDownloads {
                    date: d.clone(),
                    downloads: 0,
                })
                .collect()
        } else {
            dump.days
                .iter()
                .zip(c.daily.iter())
                .map(|(d, &n)| DailyDownloads {
                    date: d.clone(),
                    downloads: n.into(),
                })
                .collect()
        };
        let version = semver::Version::parse(&r.version).ok();
        r.downloads = Some(Downloads {
            total: c.downloads,
            recent: c.recent(),
            version: c
                .versions
                .iter()
                .find(|v| Some(&v.num) == version.as_ref())
                .map(|v| v.downloads),
            daily,
        });
        let mut owners: Vec<Owner> = c
            .owners
            .iter()
            .filter_map(|&(i, since)| {
                let o = dump.owners.get(i as usize)?;
                Some(Owner {
                    since: rfc3339(since),
                    ..o.clone()
                })
            })
            .collect();
        owners.sort();
        r.owners = Some(owners);
        if !c.categories.is_empty() {
            r.categories = c.categories.clone();
        }
        if !c.keywords.is_empty() {
            r.keywords = c.keywords.clone();
        }
    }
}

/// The registry record of a crate of the dump.
fn record(c: &DumpCrate, dump: &DumpData) -> RegistryRecord {
    RegistryRecord {
        default_version: c.default_version.as_ref().map(ToString::to_string),
        trusted_publishing_only: c.trustpub_only,
        versions: c
            .versions
            .iter()
            .map(|v| {
                let (published_with, published_with_inferred) =
                    crate::signals::publisher::published_with(v, dump);
                ReleaseRecord {
                    num: v.num.to_string(),
                    published_by: dump.publisher(v.published_by).map(str::to_owned),
                    crate_size: v.crate_size,
                    published_with: published_with.map(str::to_owned),
                    published_with_inferred,
                    trusted_publisher: v.trustpub.as_deref().map(str::to_owned),
                }
            })
            .collect(),
    }
}
