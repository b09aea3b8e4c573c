//! Joins the rows read from the dump's tables ([`Raw`]) into the compact
//! [`DumpData`]: crates sorted by name, each with its downloads, owners,
//! categories, keywords, releases (with their publisher), default release
//! and its dependencies, the daily downloads of the last 90 days, and the
//! latest deletion of every deleted name.

use std::collections::HashMap;

use super::data::{DeletedCrate, DumpCrate, DumpData, DumpDep};
use super::tables::Raw;
use super::values::{day_string, rfc3339};
use crate::model::{Owner, OwnerKind};

/// Joins the raw tables into [`DumpData`].
pub(super) fn join(raw: Raw) -> DumpData {
    let mut crates = raw.crates;
    crates.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    let index: HashMap<u32, u32> = crates
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i as u32))
        .collect();
    let mut list: Vec<DumpCrate> = crates.into_iter().map(|(_, c)| c).collect();
    let slot = |id: u32| index.get(&id).map(|&i| i as usize);

    for (id, n) in raw.downloads {
        if let Some(i) = slot(id) {
            list[i].downloads = n;
        }
    }
    let mut owner_index: HashMap<(u32, bool), u32> = HashMap::new();
    let mut owners = Vec::new();
    for (crate_id, owner_id, team, since) in raw.owners {
        let (Some(i), Some((login, name))) = (
            slot(crate_id),
            if team {
                raw.teams.get(&owner_id)
            } else {
                raw.users.get(&owner_id)
            },
        ) else {
            continue;
        };
        let o = *owner_index.entry((owner_id, team)).or_insert_with(|| {
            owners.push(Owner {
                login: login.clone(),
                kind: if team {
                    OwnerKind::Team
                } else {
                    OwnerKind::User
                },
                name: name.clone(),
                since: None,
            });
            owners.len() as u32 - 1
        });
        list[i].owners.push((o, since));
    }
    let mut category_names = HashMap::new();
    for (crate_id, cat) in raw.crate_categories {
        if let (Some(i), Some((slug, name))) = (slot(crate_id), raw.categories.get(&cat)) {
            list[i].categories.push(slug.clone());
            category_names.insert(slug.clone(), name.clone());
        }
    }
    for (crate_id, kw) in raw.crate_keywords {
        if let (Some(i), Some(k)) = (slot(crate_id), raw.keywords.get(&kw)) {
            list[i].keywords.push(k.clone());
        }
    }

    let mut publisher_index: HashMap<u32, u32> = HashMap::new();
    let mut publishers: Vec<String> = Vec::new();
    let mut publisher_created: Vec<Option<i64>> = Vec::new();
    let mut publisher_ids: Vec<u32> = Vec::new();
    let mut version_crate: HashMap<u32, (u32, usize)> = HashMap::with_capacity(raw.versions.len());
    for (vid, crate_id, user, mut v) in raw.versions {
        let Some(i) = slot(crate_id) else { continue };
        v.published_by = user.and_then(|u| {
            let (login, _) = raw.users.get(&u)?;
            Some(*publisher_index.entry(u).or_insert_with(|| {
                publishers.push(login.clone());
                publisher_created.push(raw.user_created.get(&u).copied());
                publisher_ids.push(u);
                publishers.len() as u32 - 1
            }))
        });
        version_crate.insert(vid, (i as u32, list[i].versions.len()));
        list[i].versions.push(v);
    }
    let mut default_of: HashMap<u32, u32> = HashMap::with_capacity(raw.default_versions.len());
    for (crate_id, vid) in &raw.default_versions {
        let (Some(i), Some(&(vi, pos))) = (slot(*crate_id), version_crate.get(vid)) else {
            continue;
        };
        if vi as usize == i {
            list[i].default_version = Some(list[i].versions[pos].num.clone());
            default_of.insert(*vid, vi);
        }
    }
    for (vid, target, kind, optional) in raw.deps {
        let (Some(&i), Some(t)) = (default_of.get(&vid), slot(target)) else {
            continue;
        };
        list[i as usize].deps.push(DumpDep {
            target: t as u32,
            kind,
            optional,
        });
    }

    let last = raw.version_downloads.iter().map(|r| r.1).max();
    let days = match last {
        Some(last) => {
            let first = last - 89;
            for (vid, day, n) in &raw.version_downloads {
                let (Some(&(i, _)), true) = (version_crate.get(vid), *day >= first) else {
                    continue;
                };
                let c = &mut list[i as usize];
                if c.daily.is_empty() {
                    c.daily = vec![0; 90].into_boxed_slice();
                }
                let d = &mut c.daily[(day - first) as usize];
                *d = d.saturating_add(*n);
            }
            (first..=last).filter_map(day_string).collect()
        }
        None => Vec::new(),
    };
    for c in &mut list {
        c.versions.sort_by(|a, b| a.num.cmp(&b.num));
        c.categories.sort();
        c.keywords.sort();
        c.owners.sort();
        c.deps.sort_by_key(|d| (d.target, d.kind));
    }
    let by_name = list
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.to_ascii_lowercase(), i as u32))
        .collect();
    let (deleted, deleted_by_name) = deleted(raw.deleted);
    DumpData {
        has_trustpub_data: raw.has_trustpub_data,
        days,
        crates: list,
        owners,
        publishers,
        publisher_created,
        publisher_ids,
        category_names,
        deleted,
        by_name,
        deleted_by_name,
    }
}

/// The latest deletion of each name, sorted by name, and its index by
/// lowercase name.
fn deleted(mut rows: Vec<super::tables::DeletedRow>) -> (Vec<DeletedCrate>, HashMap<String, u32>) {
    rows.sort_by(|a, b| (a.0.to_ascii_lowercase(), b.1).cmp(&(b.0.to_ascii_lowercase(), a.1)));
    rows.dedup_by(|b, a| a.0.eq_ignore_ascii_case(&b.0));
    let list: Vec<DeletedCrate> = rows
        .into_iter()
        .map(|(name, deleted_at, available_at, message)| DeletedCrate {
            name,
            deleted_at: rfc3339(deleted_at),
            available_at: rfc3339(available_at),
            message,
        })
        .collect();
    let index = list
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.to_ascii_lowercase(), i as u32))
        .collect();
    (list, index)
}
