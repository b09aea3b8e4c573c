//! The tables cargofox reads and, for each, the columns it uses and the
//! compact rows it keeps ([`Raw`]) until the join. Every other column is
//! ignored; users' logins are read from `username`, or from `gh_login` in
//! dumps older than June 2026.

use std::collections::HashMap;
use std::io::Read;

use super::data::{DumpCrate, DumpVersion};
use super::read::{DumpError, Table};
use super::values::{boolean, date, dependency_kind, int, is_team, timestamp, version};
use crate::model::DependencyKind;

/// Every table read; each is required.
pub(super) const TABLES: [&str; 14] = [
    "categories",
    "crate_downloads",
    "crate_owners",
    "crates",
    "crates_categories",
    "crates_keywords",
    "default_versions",
    "deleted_crates",
    "dependencies",
    "keywords",
    "teams",
    "users",
    "version_downloads",
    "versions",
];

/// One `deleted_crates` row: name, deleted at, available at, message.
pub(super) type DeletedRow = (String, i64, i64, Option<String>);

/// Rows kept while streaming, before they are joined.
#[derive(Default)]
pub(super) struct Raw {
    pub(super) crates: Vec<(u32, DumpCrate)>,
    pub(super) downloads: Vec<(u32, u64)>,
    /// Crate, owner, whether a team, since.
    pub(super) owners: Vec<(u32, u32, bool, i64)>,
    /// Login and display name by ID.
    pub(super) users: HashMap<u32, (String, Option<String>)>,
    /// When each user's account was created (seconds since the epoch), when
    /// the dump says (`users.created_at`; older dumps lack it).
    pub(super) user_created: HashMap<u32, i64>,
    pub(super) teams: HashMap<u32, (String, Option<String>)>,
    /// Slug and display name by ID.
    pub(super) categories: HashMap<u32, (String, String)>,
    pub(super) crate_categories: Vec<(u32, u32)>,
    pub(super) keywords: HashMap<u32, String>,
    pub(super) crate_keywords: Vec<(u32, u32)>,
    /// Version ID by crate ID.
    pub(super) default_versions: HashMap<u32, u32>,
    /// Version, target crate, kind, optional.
    pub(super) deps: Vec<(u32, u32, DependencyKind, bool)>,
    /// Version, day from the common era, downloads.
    pub(super) version_downloads: Vec<(u32, i32, u32)>,
    /// Version ID, crate ID, publishing user ID, the release.
    pub(super) versions: Vec<(u32, u32, Option<u32>, DumpVersion)>,
    pub(super) deleted: Vec<DeletedRow>,
    /// Whether `versions` has a `trustpub_data` column.
    pub(super) has_trustpub_data: bool,
}

/// Reads the rows of `table` into `raw`.
pub(super) fn read<R: Read>(t: &mut Table<R>, raw: &mut Raw) -> Result<(), DumpError> {
    match t.name() {
        "categories" => {
            let [id, slug, name] = t.columns(["id", "slug", "category"])?;
            while let Some(r) = t.next_row()? {
                let slug = r.text(slug)?.to_owned();
                raw.categories
                    .insert(r.get(id, int)?, (slug, r.text(name)?.to_owned()));
            }
        }
        "crate_downloads" => {
            let [id, n] = t.columns(["crate_id", "downloads"])?;
            while let Some(r) = t.next_row()? {
                raw.downloads.push((r.get(id, int)?, r.get(n, int)?));
            }
        }
        "crate_owners" => {
            let [krate, owner, kind, since] =
                t.columns(["crate_id", "owner_id", "owner_kind", "created_at"])?;
            while let Some(r) = t.next_row()? {
                raw.owners.push((
                    r.get(krate, int)?,
                    r.get(owner, int)?,
                    r.get(kind, is_team)?,
                    r.get(since, timestamp)?,
                ));
            }
        }
        "crates" => {
            let [id, name, created, repo, trustpub] =
                t.columns(["id", "name", "created_at", "repository", "trustpub_only"])?;
            while let Some(r) = t.next_row()? {
                let c = DumpCrate {
                    name: r.text(name)?.to_owned(),
                    created_at: super::values::rfc3339(r.get(created, timestamp)?),
                    repository: r.string(repo)?,
                    trustpub_only: r.opt(trustpub, boolean)?.unwrap_or(false),
                    ..DumpCrate::default()
                };
                raw.crates.push((r.get(id, int)?, c));
            }
        }
        "crates_categories" => {
            let [krate, cat] = t.columns(["crate_id", "category_id"])?;
            while let Some(r) = t.next_row()? {
                raw.crate_categories
                    .push((r.get(krate, int)?, r.get(cat, int)?));
            }
        }
        "crates_keywords" => {
            let [krate, kw] = t.columns(["crate_id", "keyword_id"])?;
            while let Some(r) = t.next_row()? {
                raw.crate_keywords
                    .push((r.get(krate, int)?, r.get(kw, int)?));
            }
        }
        "default_versions" => {
            let [krate, v] = t.columns(["crate_id", "version_id"])?;
            while let Some(r) = t.next_row()? {
                raw.default_versions
                    .insert(r.get(krate, int)?, r.get(v, int)?);
            }
        }
        "deleted_crates" => {
            let [name, deleted, available, message] =
                t.columns(["name", "deleted_at", "available_at", "message"])?;
            while let Some(r) = t.next_row()? {
                raw.deleted.push((
                    r.text(name)?.to_owned(),
                    r.get(deleted, timestamp)?,
                    r.get(available, timestamp)?,
                    r.string(message)?,
                ));
            }
        }
        "dependencies" => {
            let [v, krate, kind, optional] =
                t.columns(["version_id", "crate_id", "kind", "optional"])?;
            while let Some(r) = t.next_row()? {
                raw.deps.push((
                    r.get(v, int)?,
                    r.get(krate, int)?,
                    r.get(kind, dependency_kind)?,
                    r.get(optional, boolean)?,
                ));
            }
        }
        "keywords" => {
            let [id, kw] = t.columns(["id", "keyword"])?;
            while let Some(r) = t.next_row()? {
                raw.keywords.insert(r.get(id, int)?, r.text(kw)?.to_owned());
            }
        }
        "teams" => {
            let [id, login, name] = t.columns(["id", "login", "name"])?;
            while let Some(r) = t.next_row()? {
                let login = r.text(login)?.to_owned();
                raw.teams.insert(r.get(id, int)?, (login, r.string(name)?));
            }
        }
        "users" => {
            let [id, name] = t.columns(["id", "name"])?;
            let login = t.column_of(&["username", "gh_login"])?;
            let created = t.column_of(&["created_at"]).ok();
            while let Some(r) = t.next_row()? {
                let login = r.text(login)?.to_owned();
                let user = r.get(id, int)?;
                if let Some(c) = created {
                    if let Some(at) = r.opt(c, timestamp)? {
                        raw.user_created.insert(user, at);
                    }
                }
                raw.users.insert(user, (login, r.string(name)?));
            }
        }
        "version_downloads" => {
            let [v, day, n] = t.columns(["version_id", "date", "downloads"])?;
            while let Some(r) = t.next_row()? {
                let n: u64 = r.get(n, int)?;
                raw.version_downloads.push((
                    r.get(v, int)?,
                    r.get(day, date)?,
                    n.min(u32::MAX.into()) as u32,
                ));
            }
        }
        "versions" => {
            let [id, krate, num, yanked, created, downloads, size, by] = t.columns([
                "id",
                "crate_id",
                "num",
                "yanked",
                "created_at",
                "downloads",
                "crate_size",
                "published_by",
            ])?;
            let trustpub = t.column_of(&["trustpub_data"]).ok();
            raw.has_trustpub_data = trustpub.is_some();
            while let Some(r) = t.next_row()? {
                let v = DumpVersion {
                    num: r.get(num, version)?,
                    yanked: r.get(yanked, boolean)?,
                    created_at: r.get(created, timestamp)?,
                    downloads: r.get(downloads, int)?,
                    crate_size: r.opt(size, int)?,
                    published_by: None,
                    trustpub: match trustpub {
                        Some(c) => r.string(c)?.and_then(|j| trusted_publisher(&j)),
                        None => None,
                    },
                };
                raw.versions
                    .push((r.get(id, int)?, r.get(krate, int)?, r.opt(by, int)?, v));
            }
        }
        _ => {}
    }
    Ok(())
}

/// `provider:repository` of a `trustpub_data` cell (JSON with `provider`
/// and `repository`, as the registry records a trusted publishing), or
/// `provider` alone; `None` for JSON `null`.
fn trusted_publisher(cell: &str) -> Option<Box<str>> {
    let v: serde_json::Value = serde_json::from_str(cell).ok()?;
    let field = |k: &str| v.get(k).and_then(|x| x.as_str());
    if v.is_null() {
        return None;
    }
    let provider = field("provider").unwrap_or("unknown");
    Some(match field("repository") {
        Some(repo) => format!("{provider}:{repo}").into(),
        None => provider.into(),
    })
}
