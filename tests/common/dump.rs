//! Fixture registry database dumps (`db-dump.tar.gz`) for integration tests,
//! written in the published format: a gzip-compressed tar holding one
//! `{YYYY-MM-DD-HHMMSS}/` directory with `README.md`, `export.sql`,
//! `import.sql`, `metadata.json` and `data/*.csv`, one CSV per table of
//! the format published since June 2026 (as `db-dump` 0.10 reads it), each
//! with its real header (columns in alphabetical order). Cells follow PostgreSQL's `COPY ... WITH CSV HEADER`: NULL is an
//! empty field, an empty string is `""`, booleans are `t`/`f`, timestamps
//! look like `2026-11-20 02:00:00.123456+00` (trailing zeros of the fraction
//! trimmed), arrays look like `{a,b}`, and fields holding a comma, a quote or
//! a line break are quoted.
//!
//! [`FixtureDump`] is a builder: users, teams, categories, crates
//! ([`DumpCrate`]) with versions ([`DumpVersion`]) and dependencies
//! ([`DumpDep`]), deleted crates and reserved names. Everything derived is
//! kept consistent: IDs are assigned deterministically (see the `*_id`
//! accessors), `versions.downloads` is the sum of the per-day downloads,
//! `crate_downloads` the sum over versions, `metadata.total_downloads` the sum
//! over crates, `default_versions` the highest non-yanked release,
//! `keywords.crates_cnt` / `categories.crates_cnt` count the crates using
//! them. Each of those can be overridden where a test needs a specific value.
//! A test can add a column unknown to readers ([`FixtureDump::extra_column`])
//! or take one away ([`FixtureDump::without_column`]), or write one under
//! another name ([`FixtureDump::renamed_column`]).
//!
//! [`TABLES`] lists every table with its header; `.ci/bench-dump` writes the
//! same headers at full scale.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};

/// Columns that only some dumps have: written when a test adds them with
/// [`FixtureDump::extra_column`], with the values the rows hold.
const OPTIONAL_COLUMNS: &[(&str, &str)] = &[("versions", "trustpub_data")];

/// Every table of the dump, in the order the archive stores them (tables
/// before the tables that refer to them), with the columns of its CSV header.
pub const TABLES: &[(&str, &[&str])] = &[
    (
        "categories",
        &[
            "category",
            "crates_cnt",
            "created_at",
            "description",
            "id",
            "path",
            "slug",
        ],
    ),
    ("crate_downloads", &["crate_id", "downloads"]),
    (
        "crates",
        &[
            "created_at",
            "description",
            "documentation",
            "homepage",
            "id",
            "max_features",
            "max_upload_size",
            "name",
            "readme",
            "repository",
            "trustpub_only",
            "updated_at",
        ],
    ),
    ("keywords", &["crates_cnt", "created_at", "id", "keyword"]),
    ("metadata", &["total_downloads"]),
    ("reserved_crate_names", &["name"]),
    (
        "teams",
        &["avatar", "github_id", "id", "login", "name", "org_id"],
    ),
    ("users", &["created_at", "gh_id", "id", "name", "username"]),
    ("crates_categories", &["category_id", "crate_id"]),
    ("crates_keywords", &["crate_id", "keyword_id"]),
    (
        "crate_owners",
        &[
            "crate_id",
            "created_at",
            "created_by",
            "owner_id",
            "owner_kind",
        ],
    ),
    (
        "deleted_crates",
        &[
            "available_at",
            "created_at",
            "deleted_at",
            "deleted_by",
            "id",
            "message",
            "name",
        ],
    ),
    (
        "versions",
        &[
            "bin_names",
            "categories",
            "crate_id",
            "crate_size",
            "created_at",
            "description",
            "documentation",
            "downloads",
            "edition",
            "features",
            "has_lib",
            "homepage",
            "id",
            "keywords",
            "license",
            "links",
            "num",
            "num_no_build",
            "published_by",
            "repository",
            "rust_version",
            "tar_sha256",
            "updated_at",
            "yanked",
            "zip_json_sha256",
            "zip_sha256",
        ],
    ),
    (
        "default_versions",
        &["crate_id", "num_versions", "version_id"],
    ),
    (
        "dependencies",
        &[
            "crate_id",
            "default_features",
            "explicit_name",
            "features",
            "id",
            "kind",
            "optional",
            "req",
            "target",
            "version_id",
        ],
    ),
    ("version_downloads", &["date", "downloads", "version_id"]),
];

/// First ID handed out in each table; distinct ranges so that a test mixing
/// up a crate ID and a version ID (or a user and a team) fails.
const FIRST_CRATE_ID: u32 = 1;
const FIRST_VERSION_ID: u32 = 100_001;
const FIRST_USER_ID: u32 = 10_001;
const FIRST_TEAM_ID: u32 = 501;
const FIRST_CATEGORY_ID: u32 = 1;
const FIRST_KEYWORD_ID: u32 = 1;
const FIRST_DEPENDENCY_ID: u32 = 5_000_001;
const FIRST_DELETED_ID: u32 = 1;

/// One cell of a CSV row.
#[derive(Clone, Debug)]
enum Cell {
    Null,
    Text(String),
}

impl Cell {
    fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }

    fn opt(s: &Option<String>) -> Self {
        s.clone().map_or(Cell::Null, Cell::Text)
    }

    fn num(n: impl ToString) -> Self {
        Cell::Text(n.to_string())
    }

    fn opt_num<T: ToString>(n: Option<T>) -> Self {
        n.map_or(Cell::Null, |n| Cell::Text(n.to_string()))
    }

    fn bool(b: bool) -> Self {
        Cell::text(if b { "t" } else { "f" })
    }
}

/// Formats one cell the way PostgreSQL's CSV output does.
fn csv_cell(out: &mut String, cell: &Cell) {
    match cell {
        Cell::Null => {}
        Cell::Text(s) if s.is_empty() => out.push_str("\"\""),
        Cell::Text(s) if s.contains([',', '"', '\n', '\r']) => {
            out.push('"');
            out.push_str(&s.replace('"', "\"\""));
            out.push('"');
        }
        Cell::Text(s) => out.push_str(s),
    }
}

/// A PostgreSQL text array: `{a,b}`, elements quoted when needed.
fn pg_array(items: &[String]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|s| {
            if s.is_empty() || s.contains([',', '"', '{', '}', ' ', '\\']) {
                format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
            } else {
                s.clone()
            }
        })
        .collect();
    format!("{{{}}}", items.join(","))
}

/// A features map as PostgreSQL prints `jsonb`: keys ordered by length,
/// then bytes; `": "` and `", "` separators.
fn jsonb_features(features: &BTreeMap<String, Vec<String>>) -> String {
    let mut keys: Vec<&String> = features.keys().collect();
    keys.sort_by_key(|k| (k.len(), k.as_str()));
    let json = |s: &str| serde_json::to_string(s).unwrap();
    let entries: Vec<String> = keys
        .iter()
        .map(|k| {
            let values: Vec<String> = features[*k].iter().map(|v| json(v)).collect();
            format!("{}: [{}]", json(k), values.join(", "))
        })
        .collect();
    format!("{{{}}}", entries.join(", "))
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01, as `YYYY-MM-DD`.
fn civil_from_days(days: i64) -> String {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Parses `YYYY-MM-DD` (the start of `s`) into days since the epoch.
fn parse_day(s: &str) -> i64 {
    let bad = || panic!("not a date in the form YYYY-MM-DD: {s:?}");
    if s.len() < 10 || &s[4..5] != "-" || &s[7..8] != "-" {
        bad();
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().unwrap_or_else(|_| bad());
    days_from_civil(n(0..4), n(5..7), n(8..10))
}

/// A timestamp cell. `day` is either `YYYY-MM-DD` (a time of day derived
/// from `salt` is added, so timestamps carry microseconds like real ones) or
/// a full `YYYY-MM-DD HH:MM:SS[.ffffff]` kept as given. Always ends in `+00`.
fn timestamp(day: &str, salt: u64) -> String {
    let day = day.strip_suffix("+00").unwrap_or(day);
    parse_day(day);
    if day.len() > 10 {
        return format!("{day}+00");
    }
    let secs = (salt.wrapping_mul(7919) + 9 * 3600) % 86_400;
    let micros = salt.wrapping_mul(104_729) % 1_000_000;
    let mut fraction = format!(".{micros:06}");
    while fraction.ends_with('0') {
        fraction.pop();
    }
    if fraction == "." {
        fraction.clear();
    }
    format!(
        "{day} {:02}:{:02}:{:02}{fraction}+00",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The SHA-256 of `data` as PostgreSQL prints a `bytea`: `\x` and
/// lowercase hex.
fn bytea_hex(data: &[u8]) -> String {
    format!("\\x{}", sha256_hex(data))
}

/// Lowercase hex of the SHA-256 of `data`.
fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A dependency of a [`DumpVersion`] (one row of `dependencies.csv`).
#[derive(Clone, Debug)]
pub struct DumpDep {
    name: String,
    req: String,
    kind: u8,
    optional: bool,
    default_features: bool,
    features: Vec<String>,
    target: String,
    explicit_name: Option<String>,
}

impl DumpDep {
    /// A dependency on the dump's crate `name` with requirement `req` and
    /// `kind` `"normal"`, `"build"` or `"dev"`.
    pub fn new(name: &str, req: &str, kind: &str) -> Self {
        let kind = match kind {
            "normal" => 0,
            "build" => 1,
            "dev" => 2,
            other => panic!("dependency kind is normal, build or dev, not {other:?}"),
        };
        Self {
            name: name.into(),
            req: req.into(),
            kind,
            optional: false,
            default_features: true,
            features: Vec::new(),
            target: String::new(),
            explicit_name: None,
        }
    }

    /// Marks the dependency optional.
    pub fn optional(mut self, optional: bool) -> Self {
        self.optional = optional;
        self
    }

    /// Sets `default_features`.
    pub fn default_features(mut self, on: bool) -> Self {
        self.default_features = on;
        self
    }

    /// Enabled features of the dependency.
    pub fn features(mut self, features: &[&str]) -> Self {
        self.features = features.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Platform target (`cfg(unix)`, a triple).
    pub fn target(mut self, target: &str) -> Self {
        self.target = target.into();
        self
    }

    /// The name the dependent uses (`explicit_name`, a renamed dependency).
    pub fn rename(mut self, explicit_name: &str) -> Self {
        self.explicit_name = Some(explicit_name.into());
        self
    }
}

/// One published version of a [`DumpCrate`] (one row of `versions.csv`).
#[derive(Clone, Debug)]
pub struct DumpVersion {
    num: String,
    created_at: String,
    yanked: bool,
    license: String,
    crate_size: Option<u64>,
    features: BTreeMap<String, Vec<String>>,
    links: Option<String>,
    rust_version: Option<String>,
    has_lib: bool,
    bin_names: Vec<String>,
    edition: Option<u16>,
    published_by: Option<String>,
    /// `versions.trustpub_data` (JSON); with it, no publishing user.
    trustpub: Option<String>,
    downloads: Option<u64>,
    per_day: Vec<(String, u64)>,
    deps: Vec<DumpDep>,
}

impl DumpVersion {
    /// Version `num` published on `created_at` (`YYYY-MM-DD`, or a full
    /// `YYYY-MM-DD HH:MM:SS[.ffffff]`). Defaults: not yanked, license
    /// `MIT OR Apache-2.0`, edition 2021, a library, no features, no size.
    pub fn new(num: &str, created_at: &str) -> Self {
        parse_day(created_at);
        Self {
            num: num.into(),
            created_at: created_at.into(),
            yanked: false,
            license: "MIT OR Apache-2.0".into(),
            crate_size: None,
            features: BTreeMap::new(),
            links: None,
            rust_version: None,
            has_lib: true,
            bin_names: Vec::new(),
            edition: Some(2021),
            published_by: None,
            trustpub: None,
            downloads: None,
            per_day: Vec::new(),
            deps: Vec::new(),
        }
    }

    /// Published through trusted publishing from the GitHub repository
    /// `repo`: `published_by` is NULL, as the registry records it, and
    /// `trustpub_data` is set (written only in a dump given that column
    /// with [`FixtureDump::extra_column`]; the public dump has none).
    pub fn trusted_publishing(mut self, repo: &str) -> Self {
        self.trustpub = Some(
            serde_json::json!({"provider": "github", "repository": repo, "run_id": "1", "sha": "0".repeat(40)})
                .to_string(),
        );
        self
    }

    /// Sets `yanked`.
    pub fn yanked(mut self, yanked: bool) -> Self {
        self.yanked = yanked;
        self
    }

    /// Sets `license` (an empty string for none).
    pub fn license(mut self, license: &str) -> Self {
        self.license = license.into();
        self
    }

    /// Sets `crate_size` in bytes.
    pub fn crate_size(mut self, bytes: u64) -> Self {
        self.crate_size = Some(bytes);
        self
    }

    /// Adds a feature to the `features` JSON map.
    pub fn feature(mut self, name: &str, enables: &[&str]) -> Self {
        self.features
            .insert(name.into(), enables.iter().map(|s| s.to_string()).collect());
        self
    }

    /// Sets `links`.
    pub fn links(mut self, links: &str) -> Self {
        self.links = Some(links.into());
        self
    }

    /// Sets `rust_version` (`1.70`).
    pub fn rust_version(mut self, rust_version: &str) -> Self {
        self.rust_version = Some(rust_version.into());
        self
    }

    /// Sets `has_lib`.
    pub fn has_lib(mut self, has_lib: bool) -> Self {
        self.has_lib = has_lib;
        self
    }

    /// Sets `bin_names`.
    pub fn bins(mut self, names: &[&str]) -> Self {
        self.bin_names = names.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Sets `edition` (`None` writes NULL, as for old versions).
    pub fn edition(mut self, edition: Option<u16>) -> Self {
        self.edition = edition;
        self
    }

    /// The publisher, by user login (default: the crate's first user owner).
    pub fn published_by(mut self, login: &str) -> Self {
        self.published_by = Some(login.into());
        self
    }

    /// All-time downloads (default: the sum of the per-day downloads).
    pub fn downloads(mut self, total: u64) -> Self {
        self.downloads = Some(total);
        self
    }

    /// Rows of `version_downloads.csv`: `(YYYY-MM-DD, downloads)`.
    pub fn downloads_per_day(mut self, days: &[(&str, u64)]) -> Self {
        for (day, n) in days {
            parse_day(day);
            self.per_day.push((day.to_string(), *n));
        }
        self
    }

    /// A dependency on the dump's crate `name`; `kind` is `"normal"`,
    /// `"build"` or `"dev"`.
    pub fn dep(self, name: &str, req: &str, kind: &str) -> Self {
        self.dep_with(DumpDep::new(name, req, kind))
    }

    /// An optional dependency.
    pub fn optional_dep(self, name: &str, req: &str, kind: &str) -> Self {
        self.dep_with(DumpDep::new(name, req, kind).optional(true))
    }

    /// A dependency with every column chosen.
    pub fn dep_with(mut self, dep: DumpDep) -> Self {
        self.deps.push(dep);
        self
    }

    fn semver(&self) -> semver::Version {
        semver::Version::parse(&self.num)
            .unwrap_or_else(|e| panic!("version {:?} is not semver: {e}", self.num))
    }

    fn total_downloads(&self) -> u64 {
        self.downloads
            .unwrap_or_else(|| self.per_day.iter().map(|(_, n)| n).sum())
    }
}

/// One crate of a [`FixtureDump`] (one row of `crates.csv`, with its owners,
/// categories, keywords and versions).
#[derive(Clone, Debug)]
pub struct DumpCrate {
    name: String,
    created_at: String,
    description: String,
    homepage: Option<String>,
    documentation: Option<String>,
    readme: Option<String>,
    repository: Option<String>,
    max_upload_size: Option<u64>,
    max_features: Option<u16>,
    trustpub_only: bool,
    owners: Vec<(String, Option<String>)>,
    categories: Vec<String>,
    keywords: Vec<String>,
    downloads: Option<u64>,
    versions: Vec<DumpVersion>,
}

impl DumpCrate {
    /// Crate `name` created on `created_at` (`YYYY-MM-DD` or a full
    /// timestamp), with an empty description and no versions yet.
    pub fn new(name: &str, created_at: &str) -> Self {
        parse_day(created_at);
        Self {
            name: name.into(),
            created_at: created_at.into(),
            description: String::new(),
            homepage: None,
            documentation: None,
            readme: None,
            repository: None,
            max_upload_size: None,
            max_features: None,
            trustpub_only: false,
            owners: Vec::new(),
            categories: Vec::new(),
            keywords: Vec::new(),
            downloads: None,
            versions: Vec::new(),
        }
    }

    /// Sets `description`.
    pub fn description(mut self, text: &str) -> Self {
        self.description = text.into();
        self
    }

    /// Sets `homepage`.
    pub fn homepage(mut self, url: &str) -> Self {
        self.homepage = Some(url.into());
        self
    }

    /// Sets `documentation`.
    pub fn documentation(mut self, url: &str) -> Self {
        self.documentation = Some(url.into());
        self
    }

    /// Sets `readme` (the README text).
    pub fn readme(mut self, text: &str) -> Self {
        self.readme = Some(text.into());
        self
    }

    /// Sets `repository`.
    pub fn repository(mut self, url: &str) -> Self {
        self.repository = Some(url.into());
        self
    }

    /// Sets `max_upload_size`.
    pub fn max_upload_size(mut self, bytes: u64) -> Self {
        self.max_upload_size = Some(bytes);
        self
    }

    /// Sets `max_features`.
    pub fn max_features(mut self, n: u16) -> Self {
        self.max_features = Some(n);
        self
    }

    /// Sets `trustpub_only`.
    pub fn trustpub_only(mut self, on: bool) -> Self {
        self.trustpub_only = on;
        self
    }

    /// An owner: a user login or a team login (`github:org:team`), owner
    /// since the crate's creation.
    pub fn owner(mut self, login: &str) -> Self {
        self.owners.push((login.into(), None));
        self
    }

    /// An owner since `since` (`YYYY-MM-DD` or a full timestamp).
    pub fn owner_since(mut self, login: &str, since: &str) -> Self {
        parse_day(since);
        self.owners.push((login.into(), Some(since.into())));
        self
    }

    /// A category, by slug (declared with [`FixtureDump::category`]).
    pub fn category(mut self, slug: &str) -> Self {
        assert!(
            !self.categories.iter().any(|c| c == slug),
            "category {slug:?} given twice to crate {:?}",
            self.name
        );
        self.categories.push(slug.into());
        self
    }

    /// A keyword (the keyword table is derived from the crates).
    pub fn keyword(mut self, keyword: &str) -> Self {
        assert!(
            !self.keywords.iter().any(|k| k == keyword),
            "keyword {keyword:?} given twice to crate {:?}",
            self.name
        );
        self.keywords.push(keyword.into());
        self
    }

    /// All-time downloads (default: the sum over its versions).
    pub fn downloads(mut self, total: u64) -> Self {
        self.downloads = Some(total);
        self
    }

    /// Adds a version.
    pub fn version(mut self, version: DumpVersion) -> Self {
        self.versions.push(version);
        self
    }

    fn total_downloads(&self) -> u64 {
        self.downloads
            .unwrap_or_else(|| self.versions.iter().map(DumpVersion::total_downloads).sum())
    }

    /// Index in `versions` of the default version: the highest non-yanked
    /// release, else the highest non-yanked pre-release, else the highest.
    fn default_version(&self) -> Option<usize> {
        let best = |pick: &dyn Fn(&DumpVersion) -> bool| {
            self.versions
                .iter()
                .enumerate()
                .filter(|(_, v)| pick(v))
                .max_by(|(_, a), (_, b)| a.semver().cmp(&b.semver()))
                .map(|(i, _)| i)
        };
        best(&|v| !v.yanked && v.semver().pre.is_empty())
            .or_else(|| best(&|v| !v.yanked))
            .or_else(|| best(&|_| true))
    }
}

#[derive(Clone, Debug)]
struct User {
    login: String,
    name: Option<String>,
    /// When the account was created (`YYYY-MM-DD`); 2015-03-04 when unset.
    created: Option<String>,
}

#[derive(Clone, Debug)]
struct Team {
    login: String,
    name: String,
}

#[derive(Clone, Debug)]
struct Category {
    slug: String,
    name: String,
    description: String,
}

#[derive(Clone, Debug)]
struct Deleted {
    name: String,
    deleted_at: String,
    deleted_by: Option<String>,
    message: String,
}

/// A whole database dump, built in memory and written as `db-dump.tar.gz`.
#[derive(Clone, Debug)]
pub struct FixtureDump {
    day: String,
    users: Vec<User>,
    teams: Vec<Team>,
    categories: Vec<Category>,
    crates: Vec<DumpCrate>,
    deleted: Vec<Deleted>,
    reserved: Vec<String>,
    extra_columns: Vec<(String, String)>,
    removed_columns: Vec<(String, String)>,
    renamed_columns: Vec<(String, String, String)>,
}

impl FixtureDump {
    /// An empty dump taken on `day` (`YYYY-MM-DD`) at 02:00 UTC; its
    /// directory is `{day}-020000/`.
    pub fn new(day: &str) -> Self {
        assert_eq!(day.len(), 10, "the dump day is YYYY-MM-DD, not {day:?}");
        parse_day(day);
        Self {
            day: day.into(),
            users: Vec::new(),
            teams: Vec::new(),
            categories: Vec::new(),
            crates: Vec::new(),
            deleted: Vec::new(),
            reserved: Vec::new(),
            extra_columns: Vec::new(),
            removed_columns: Vec::new(),
            renamed_columns: Vec::new(),
        }
    }

    /// A user with login (`username`) `login` and display name `name` (empty
    /// for NULL).
    pub fn user(mut self, login: &str, name: &str) -> Self {
        assert!(
            self.users.iter().all(|u| u.login != login),
            "user {login:?} added twice"
        );
        self.users.push(User {
            login: login.into(),
            name: (!name.is_empty()).then(|| name.into()),
            created: None,
        });
        self
    }

    /// A user whose account was created on `day` (`YYYY-MM-DD`).
    pub fn user_created(mut self, login: &str, name: &str, day: &str) -> Self {
        parse_day(day);
        self = self.user(login, name);
        self.users.last_mut().expect("just added").created = Some(day.into());
        self
    }

    /// A team, by login (`github:org:team`) and display name.
    pub fn team(mut self, login: &str, name: &str) -> Self {
        assert!(
            login.starts_with("github:") && login.matches(':').count() == 2,
            "team logins look like github:org:team, not {login:?}"
        );
        assert!(
            self.teams.iter().all(|t| t.login != login),
            "team {login:?} added twice"
        );
        self.teams.push(Team {
            login: login.into(),
            name: name.into(),
        });
        self
    }

    /// A category, by slug (`parsing`, `development-tools::testing`) and
    /// display name.
    pub fn category(mut self, slug: &str, name: &str) -> Self {
        assert!(
            self.categories.iter().all(|c| c.slug != slug),
            "category {slug:?} added twice"
        );
        self.categories.push(Category {
            slug: slug.into(),
            name: name.into(),
            description: format!("Crates for {}.", name.to_lowercase()),
        });
        self
    }

    /// Adds a crate.
    pub fn krate(mut self, krate: DumpCrate) -> Self {
        assert!(
            self.crates.iter().all(|c| c.name != krate.name),
            "crate {:?} added twice",
            krate.name
        );
        self.crates.push(krate);
        self
    }

    /// A deleted crate (`deleted_crates.csv`), deleted on `deleted_at`.
    pub fn deleted(self, name: &str, deleted_at: &str) -> Self {
        self.deleted_with(name, deleted_at, None, "")
    }

    /// A deleted crate with the deleting user (a login) and their message.
    pub fn deleted_with(
        mut self,
        name: &str,
        deleted_at: &str,
        deleted_by: Option<&str>,
        message: &str,
    ) -> Self {
        parse_day(deleted_at);
        self.deleted.push(Deleted {
            name: name.into(),
            deleted_at: deleted_at.into(),
            deleted_by: deleted_by.map(Into::into),
            message: message.into(),
        });
        self
    }

    /// A reserved crate name.
    pub fn reserved(mut self, name: &str) -> Self {
        self.reserved.push(name.into());
        self
    }

    /// Adds a column unknown to readers (NULL in every row) to `table`, at
    /// its alphabetical place, the way a new upstream column appears.
    pub fn extra_column(mut self, table: &str, column: &str) -> Self {
        assert!(
            TABLES.iter().any(|(t, _)| *t == table),
            "no table {table:?} in the dump"
        );
        self.extra_columns.push((table.into(), column.into()));
        self
    }

    /// Takes `column` away from `table` (header and rows), the way an
    /// upstream column disappears.
    pub fn without_column(mut self, table: &str, column: &str) -> Self {
        assert!(
            TABLES
                .iter()
                .any(|(t, columns)| *t == table && columns.contains(&column)),
            "no column {column:?} in table {table:?}"
        );
        self.removed_columns.push((table.into(), column.into()));
        self
    }

    /// Writes `column` of `table` under the name `new_name` (at the new
    /// name's alphabetical place), the way an older dump named it.
    pub fn renamed_column(mut self, table: &str, column: &str, new_name: &str) -> Self {
        assert!(
            TABLES
                .iter()
                .any(|(t, columns)| *t == table && columns.contains(&column)),
            "no column {column:?} in table {table:?}"
        );
        self.renamed_columns
            .push((table.into(), column.into(), new_name.into()));
        self
    }

    /// The dump's directory name inside the archive, `{day}-020000`.
    pub fn folder(&self) -> String {
        format!("{}-020000", self.day)
    }

    /// ID of the crate `name`.
    pub fn crate_id(&self, name: &str) -> u32 {
        let i = self
            .crates
            .iter()
            .position(|c| c.name == name)
            .unwrap_or_else(|| panic!("no crate {name:?} in the dump"));
        FIRST_CRATE_ID + i as u32
    }

    /// ID of version `num` of crate `name`.
    pub fn version_id(&self, name: &str, num: &str) -> u32 {
        let mut id = FIRST_VERSION_ID;
        for c in &self.crates {
            for v in &c.versions {
                if c.name == name && v.num == num {
                    return id;
                }
                id += 1;
            }
        }
        panic!("no version {name} {num} in the dump")
    }

    /// ID of the user with login `login`.
    pub fn user_id(&self, login: &str) -> u32 {
        self.find_user(login)
            .unwrap_or_else(|| panic!("no user {login:?} in the dump"))
    }

    /// ID of the team with login `login`.
    pub fn team_id(&self, login: &str) -> u32 {
        self.teams
            .iter()
            .position(|t| t.login == login)
            .map(|i| FIRST_TEAM_ID + i as u32)
            .unwrap_or_else(|| panic!("no team {login:?} in the dump"))
    }

    /// ID of the category with slug `slug`.
    pub fn category_id(&self, slug: &str) -> u32 {
        self.categories
            .iter()
            .position(|c| c.slug == slug)
            .map(|i| FIRST_CATEGORY_ID + i as u32)
            .unwrap_or_else(|| panic!("no category {slug:?} in the dump"))
    }

    /// ID of `keyword` (keywords are numbered in alphabetical order).
    pub fn keyword_id(&self, keyword: &str) -> u32 {
        self.keywords()
            .keys()
            .position(|k| k == keyword)
            .map(|i| FIRST_KEYWORD_ID + i as u32)
            .unwrap_or_else(|| panic!("no keyword {keyword:?} in the dump"))
    }

    fn find_user(&self, login: &str) -> Option<u32> {
        self.users
            .iter()
            .position(|u| u.login == login)
            .map(|i| FIRST_USER_ID + i as u32)
    }

    /// Every keyword with the crates using it (indexes into `crates`).
    fn keywords(&self) -> BTreeMap<String, BTreeSet<usize>> {
        let mut keywords: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
        for (i, c) in self.crates.iter().enumerate() {
            for k in &c.keywords {
                keywords.entry(k.clone()).or_default().insert(i);
            }
        }
        keywords
    }

    /// `(owner_kind, owner_id)` of a user or team login.
    fn owner(&self, login: &str, krate: &str) -> (u8, u32) {
        if let Some(id) = self.find_user(login) {
            return (0, id);
        }
        if let Some(i) = self.teams.iter().position(|t| t.login == login) {
            return (1, FIRST_TEAM_ID + i as u32);
        }
        panic!("owner {login:?} of crate {krate:?} is neither a user nor a team of the dump")
    }

    /// The first user among a crate's owners, the default publisher.
    fn first_user_owner(&self, c: &DumpCrate) -> Option<u32> {
        c.owners.iter().find_map(|(login, _)| self.find_user(login))
    }

    /// Every table's rows, each row a map from column to cell.
    fn tables(&self) -> BTreeMap<&'static str, Vec<BTreeMap<&'static str, Cell>>> {
        let mut t: BTreeMap<&'static str, Vec<BTreeMap<&'static str, Cell>>> =
            TABLES.iter().map(|(name, _)| (*name, Vec::new())).collect();
        let mut push = |table: &'static str, row: Vec<(&'static str, Cell)>| {
            t.get_mut(table).unwrap().push(row.into_iter().collect());
        };
        let mut salt = 0u64;
        let mut ts = |day: &str| {
            salt += 1;
            timestamp(day, salt)
        };

        for (i, u) in self.users.iter().enumerate() {
            let gh_id = 1_000_000 + 7 * i as u32;
            let created_at = timestamp(
                u.created.as_deref().unwrap_or("2015-03-04"),
                1_000_000 + i as u64,
            );
            push(
                "users",
                vec![
                    ("created_at", Cell::text(created_at)),
                    ("gh_id", Cell::num(gh_id)),
                    ("id", Cell::num(FIRST_USER_ID + i as u32)),
                    ("name", Cell::opt(&u.name)),
                    ("username", Cell::text(&u.login)),
                ],
            );
        }
        for (i, team) in self.teams.iter().enumerate() {
            let github_id = 9_000_000 + 11 * i as u32;
            let org = team.login.split(':').nth(1).unwrap();
            let org_id = 500_000 + org.bytes().map(u32::from).sum::<u32>();
            push(
                "teams",
                vec![
                    (
                        "avatar",
                        Cell::text(format!(
                            "https://avatars.githubusercontent.com/u/{org_id}?v=4"
                        )),
                    ),
                    ("github_id", Cell::num(github_id)),
                    ("id", Cell::num(FIRST_TEAM_ID + i as u32)),
                    ("login", Cell::text(&team.login)),
                    ("name", Cell::text(&team.name)),
                    ("org_id", Cell::num(org_id)),
                ],
            );
        }

        let mut category_counts = vec![0u32; self.categories.len()];
        let mut version_id = FIRST_VERSION_ID;
        let mut dependency_id = FIRST_DEPENDENCY_ID;
        let mut total_downloads = 0u64;
        for (ci, c) in self.crates.iter().enumerate() {
            let crate_id = FIRST_CRATE_ID + ci as u32;
            let first_user = self.first_user_owner(c);
            let updated_at = c
                .versions
                .iter()
                .map(|v| v.created_at.as_str())
                .chain([c.created_at.as_str()])
                .max()
                .unwrap();
            let created_at = ts(&c.created_at);
            push(
                "crates",
                vec![
                    ("created_at", Cell::text(&created_at)),
                    ("description", Cell::text(&c.description)),
                    ("documentation", Cell::opt(&c.documentation)),
                    ("homepage", Cell::opt(&c.homepage)),
                    ("id", Cell::num(crate_id)),
                    ("max_features", Cell::opt_num(c.max_features)),
                    ("max_upload_size", Cell::opt_num(c.max_upload_size)),
                    ("name", Cell::text(&c.name)),
                    ("readme", Cell::opt(&c.readme)),
                    ("repository", Cell::opt(&c.repository)),
                    ("trustpub_only", Cell::bool(c.trustpub_only)),
                    (
                        "updated_at",
                        Cell::text(if updated_at == c.created_at {
                            created_at.clone()
                        } else {
                            ts(updated_at)
                        }),
                    ),
                ],
            );
            let downloads = c.total_downloads();
            total_downloads += downloads;
            push(
                "crate_downloads",
                vec![
                    ("crate_id", Cell::num(crate_id)),
                    ("downloads", Cell::num(downloads)),
                ],
            );
            for (login, since) in &c.owners {
                let (kind, owner_id) = self.owner(login, &c.name);
                push(
                    "crate_owners",
                    vec![
                        ("crate_id", Cell::num(crate_id)),
                        (
                            "created_at",
                            Cell::text(match since {
                                Some(since) => ts(since),
                                None => created_at.clone(),
                            }),
                        ),
                        ("created_by", Cell::opt_num(first_user)),
                        ("owner_id", Cell::num(owner_id)),
                        ("owner_kind", Cell::num(kind)),
                    ],
                );
            }
            for slug in &c.categories {
                let i = self
                    .categories
                    .iter()
                    .position(|cat| &cat.slug == slug)
                    .unwrap_or_else(|| {
                        panic!(
                            "category {slug:?} of crate {:?} is not declared; add .category({slug:?}, ...) to the dump",
                            c.name
                        )
                    });
                category_counts[i] += 1;
                push(
                    "crates_categories",
                    vec![
                        ("category_id", Cell::num(FIRST_CATEGORY_ID + i as u32)),
                        ("crate_id", Cell::num(crate_id)),
                    ],
                );
            }
            for k in &c.keywords {
                push(
                    "crates_keywords",
                    vec![
                        ("crate_id", Cell::num(crate_id)),
                        ("keyword_id", Cell::num(self.keyword_id(k))),
                    ],
                );
            }

            let default = c.default_version();
            for (vi, v) in c.versions.iter().enumerate() {
                let num = v.semver();
                let mut num_no_build = num.clone();
                num_no_build.build = semver::BuildMetadata::EMPTY;
                let published_by = match &v.published_by {
                    Some(login) => Some(self.user_id(login)),
                    None if v.trustpub.is_some() => None,
                    None => first_user,
                };
                let created = ts(&v.created_at);
                push(
                    "versions",
                    vec![
                        ("bin_names", Cell::text(pg_array(&v.bin_names))),
                        ("categories", Cell::text(pg_array(&c.categories))),
                        ("crate_id", Cell::num(crate_id)),
                        ("crate_size", Cell::opt_num(v.crate_size)),
                        ("created_at", Cell::text(&created)),
                        ("description", Cell::text(&c.description)),
                        ("documentation", Cell::opt(&c.documentation)),
                        ("downloads", Cell::num(v.total_downloads())),
                        ("edition", Cell::opt_num(v.edition)),
                        ("features", Cell::text(jsonb_features(&v.features))),
                        ("has_lib", Cell::bool(v.has_lib)),
                        ("homepage", Cell::opt(&c.homepage)),
                        ("id", Cell::num(version_id)),
                        ("keywords", Cell::text(pg_array(&c.keywords))),
                        ("license", Cell::text(&v.license)),
                        ("links", Cell::opt(&v.links)),
                        ("num", Cell::text(&v.num)),
                        ("num_no_build", Cell::text(num_no_build.to_string())),
                        ("published_by", Cell::opt_num(published_by)),
                        ("trustpub_data", Cell::opt(&v.trustpub)),
                        ("repository", Cell::opt(&c.repository)),
                        ("rust_version", Cell::opt(&v.rust_version)),
                        (
                            "tar_sha256",
                            Cell::text(bytea_hex(format!("{}-{}", c.name, v.num).as_bytes())),
                        ),
                        ("updated_at", Cell::text(&created)),
                        ("yanked", Cell::bool(v.yanked)),
                        (
                            "zip_json_sha256",
                            Cell::text(bytea_hex(format!("{}-{}.json", c.name, v.num).as_bytes())),
                        ),
                        (
                            "zip_sha256",
                            Cell::text(bytea_hex(format!("{}-{}.zip", c.name, v.num).as_bytes())),
                        ),
                    ],
                );
                if default == Some(vi) {
                    push(
                        "default_versions",
                        vec![
                            ("crate_id", Cell::num(crate_id)),
                            ("num_versions", Cell::num(c.versions.len())),
                            ("version_id", Cell::num(version_id)),
                        ],
                    );
                }
                for d in &v.deps {
                    let dep_crate = self
                        .crates
                        .iter()
                        .position(|other| other.name == d.name)
                        .unwrap_or_else(|| {
                            panic!(
                                "{} {} depends on {:?}, which is not a crate of the dump; add it with .krate(DumpCrate::new({:?}, ...))",
                                c.name, v.num, d.name, d.name
                            )
                        });
                    push(
                        "dependencies",
                        vec![
                            ("crate_id", Cell::num(FIRST_CRATE_ID + dep_crate as u32)),
                            ("default_features", Cell::bool(d.default_features)),
                            ("explicit_name", Cell::opt(&d.explicit_name)),
                            ("features", Cell::text(pg_array(&d.features))),
                            ("id", Cell::num(dependency_id)),
                            ("kind", Cell::num(d.kind)),
                            ("optional", Cell::bool(d.optional)),
                            ("req", Cell::text(&d.req)),
                            ("target", Cell::text(&d.target)),
                            ("version_id", Cell::num(version_id)),
                        ],
                    );
                    dependency_id += 1;
                }
                for (day, n) in &v.per_day {
                    push(
                        "version_downloads",
                        vec![
                            ("date", Cell::text(day)),
                            ("downloads", Cell::num(n)),
                            ("version_id", Cell::num(version_id)),
                        ],
                    );
                }
                version_id += 1;
            }
        }

        for (i, cat) in self.categories.iter().enumerate() {
            let path = format!("root.{}", cat.slug.replace("::", ".").replace('-', "_"));
            push(
                "categories",
                vec![
                    ("category", Cell::text(&cat.name)),
                    ("crates_cnt", Cell::num(category_counts[i])),
                    ("created_at", Cell::text(ts("2017-01-17"))),
                    ("description", Cell::text(&cat.description)),
                    ("id", Cell::num(FIRST_CATEGORY_ID + i as u32)),
                    ("path", Cell::text(path)),
                    ("slug", Cell::text(&cat.slug)),
                ],
            );
        }
        for (i, (keyword, users)) in self.keywords().iter().enumerate() {
            let first = users
                .iter()
                .map(|&c| self.crates[c].created_at.as_str())
                .min()
                .unwrap();
            push(
                "keywords",
                vec![
                    ("crates_cnt", Cell::num(users.len())),
                    ("created_at", Cell::text(ts(first))),
                    ("id", Cell::num(FIRST_KEYWORD_ID + i as u32)),
                    ("keyword", Cell::text(keyword)),
                ],
            );
        }
        push(
            "metadata",
            vec![("total_downloads", Cell::num(total_downloads))],
        );
        for name in &self.reserved {
            push("reserved_crate_names", vec![("name", Cell::text(name))]);
        }
        for (i, d) in self.deleted.iter().enumerate() {
            let deleted_at = ts(&d.deleted_at);
            let day = parse_day(&d.deleted_at);
            let available_at = format!("{}{}", civil_from_days(day + 1), &deleted_at[10..]);
            push(
                "deleted_crates",
                vec![
                    ("available_at", Cell::text(available_at)),
                    ("created_at", Cell::text(ts(&civil_from_days(day - 30)))),
                    ("deleted_at", Cell::text(deleted_at)),
                    (
                        "deleted_by",
                        Cell::opt_num(d.deleted_by.as_deref().map(|l| self.user_id(l))),
                    ),
                    ("id", Cell::num(FIRST_DELETED_ID + i as u32)),
                    ("message", Cell::text(&d.message)),
                    ("name", Cell::text(&d.name)),
                ],
            );
        }
        t
    }

    /// The text of every CSV file, `(table, content)`, in archive order.
    pub fn csv_files(&self) -> Vec<(String, String)> {
        let tables = self.tables();
        TABLES
            .iter()
            .map(|(table, table_columns)| {
                // (name in the header, column of the rows)
                let mut columns: Vec<(&str, &str)> = table_columns
                    .iter()
                    .copied()
                    .filter(|c| {
                        !self
                            .removed_columns
                            .iter()
                            .any(|(t, removed)| t == table && removed == c)
                    })
                    .map(|c| {
                        let renamed = self
                            .renamed_columns
                            .iter()
                            .find(|(t, from, _)| t == table && from == c);
                        (renamed.map_or(c, |(_, _, to)| to.as_str()), c)
                    })
                    .collect();
                for (t, extra) in &self.extra_columns {
                    if t == table {
                        columns.push((extra, extra));
                    }
                }
                columns.sort_unstable();
                let header: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
                let mut out = header.join(",");
                out.push('\n');
                for row in &tables[table] {
                    // Rows may hold cells of columns only some dumps have.
                    assert!(
                        row.keys()
                            .filter(|k| !OPTIONAL_COLUMNS.contains(&(table, k)))
                            .eq(table_columns.iter()),
                        "a row of {table} does not match its header"
                    );
                    for (i, (_, column)) in columns.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        let cell = row.get(column).unwrap_or(&Cell::Null);
                        csv_cell(&mut out, cell);
                    }
                    out.push('\n');
                }
                (table.to_string(), out)
            })
            .collect()
    }

    /// The `metadata.json` of the dump.
    pub fn metadata_json(&self) -> String {
        let commit = &sha256_hex(self.day.as_bytes())[..40];
        format!(
            "{{\n  \"timestamp\": \"{}T02:00:00Z\",\n  \"crates_io_commit\": \"{commit}\"\n}}",
            self.day
        )
    }

    /// The archive, gzip-compressed.
    pub fn to_bytes(&self) -> Vec<u8> {
        let folder = self.folder();
        let mtime = (parse_day(&self.day) * 86_400 + 2 * 3600) as u64;
        let mut tar = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        let dir = |tar: &mut tar::Builder<_>, path: &str| {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Directory);
            h.set_mode(0o755);
            h.set_mtime(mtime);
            h.set_size(0);
            tar.append_data(&mut h, path, std::io::empty()).unwrap();
        };
        let file = |tar: &mut tar::Builder<_>, path: &str, data: &[u8]| {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(0o644);
            h.set_mtime(mtime);
            h.set_size(data.len() as u64);
            tar.append_data(&mut h, path, data).unwrap();
        };
        dir(&mut tar, &format!("{folder}/"));
        let top = [
            ("README.md", readme()),
            ("export.sql", export_sql(&self.csv_headers())),
            ("import.sql", import_sql(&self.csv_headers())),
            ("metadata.json", self.metadata_json()),
        ];
        for (name, text) in &top {
            file(&mut tar, &format!("{folder}/{name}"), text.as_bytes());
        }
        dir(&mut tar, &format!("{folder}/data/"));
        for (table, csv) in self.csv_files() {
            file(
                &mut tar,
                &format!("{folder}/data/{table}.csv"),
                csv.as_bytes(),
            );
        }
        let gz = tar.into_inner().unwrap();
        gz.finish().unwrap()
    }

    /// Writes the archive to `path`.
    pub fn write(&self, path: impl AsRef<Path>) {
        let path = path.as_ref();
        let mut f = std::fs::File::create(path)
            .unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
        f.write_all(&self.to_bytes()).unwrap();
    }

    /// `(table, header line)` of every CSV, extra columns included.
    fn csv_headers(&self) -> Vec<(String, String)> {
        self.csv_files()
            .into_iter()
            .map(|(t, csv)| (t, csv.lines().next().unwrap().to_string()))
            .collect()
    }
}

/// The archive's `README.md`.
fn readme() -> String {
    "# Registry Database Dump\n\n\
     This is a dump of the public information in the registry database.\n\n\
     ## Files\n\n\
     - `data/` – the CSV files with the actual data.\n\
     - `export.sql` – the `psql` script that was used to create this database dump.\n\
     - `import.sql` – a `psql` script that restores the dump into a database with the same schema.\n\
     - `metadata.json` – some metadata of this dump.\n\n\
     ## Metadata Fields\n\n\
     - `timestamp` – the UTC time the dump was started.\n\
     - `crates_io_commit` – the git commit hash of the deployed version that created this dump.\n"
        .to_string()
}

/// The `export.sql` listing each table's exported columns.
fn export_sql(headers: &[(String, String)]) -> String {
    let mut out = String::from("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;\n\n");
    for (table, header) in headers {
        let cols: Vec<String> = header.split(',').map(|c| format!("\"{c}\"")).collect();
        out.push_str(&format!(
            "    \\copy \"{table}\" ({}) TO 'data/{table}.csv' WITH CSV HEADER\n",
            cols.join(", ")
        ));
    }
    out.push_str("COMMIT;\n");
    out
}

/// The `import.sql` loading each table back.
fn import_sql(headers: &[(String, String)]) -> String {
    let mut out = String::from("BEGIN;\n");
    for (table, header) in headers {
        let cols: Vec<String> = header.split(',').map(|c| format!("\"{c}\"")).collect();
        out.push_str(&format!(
            "    \\copy \"{table}\" ({}) FROM 'data/{table}.csv' WITH CSV HEADER\n",
            cols.join(", ")
        ));
    }
    out.push_str("COMMIT;\n");
    out
}
