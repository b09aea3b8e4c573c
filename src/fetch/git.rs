//! Git repositories for the repository check: finds a crate's repository
//! in a mirror folder (`--git-mirror DIR`, laid out as
//! `DIR/{host}/{owner}/{repo}.git`) or in the cache (`CACHE/git/`, same
//! layout), and with `--clone-repositories` fetches the one commit a
//! package names into the cache with gix, shallow, bounded in size and
//! time. It owns no comparison: [`crate::analyze::repository`] does that.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where repositories are looked for and fetched to.
#[derive(Debug, Clone, Default)]
pub struct RepoSources {
    /// A folder of bare repositories cloned ahead (`--git-mirror`).
    pub mirror: Option<PathBuf>,
    /// The cache's folder of repositories fetched by cargofox (`CACHE/git`);
    /// fetching into it only with `clone`.
    pub cache: Option<PathBuf>,
    /// Whether missing commits are fetched over the network.
    pub clone: bool,
    /// Bounds on one fetch.
    pub limits: GitLimits,
    locks: Arc<Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>>,
}

/// Bounds on fetching one commit.
#[derive(Debug, Clone, Copy)]
pub struct GitLimits {
    /// Largest size of what one fetch writes (bytes).
    pub max_bytes: u64,
    /// Longest time one fetch may take.
    pub max_seconds: u64,
}

impl Default for GitLimits {
    fn default() -> Self {
        GitLimits {
            max_bytes: 256 << 20,
            max_seconds: 120,
        }
    }
}

/// A repository URL split into the parts of its folder name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoUrl {
    /// The URL fetched from (`https://host/owner/repo`).
    pub url: String,
    /// The host (with its port, if any).
    pub host: String,
    /// The path's parts: owner (and groups), then the repository.
    pub parts: Vec<String>,
}

impl RepoUrl {
    /// Reads a manifest's `repository`: an `https` or `http` URL with at
    /// least an owner and a repository; a trailing `.git` and a web view's
    /// suffix (`/tree/...`, `/blob/...`, `/-/...`, `/src/...`) are dropped.
    pub fn parse(repository: &str) -> Option<RepoUrl> {
        let rest = repository
            .trim()
            .strip_prefix("https://")
            .map(|r| ("https", r))
            .or_else(|| {
                repository
                    .trim()
                    .strip_prefix("http://")
                    .map(|r| ("http", r))
            });
        let (scheme, rest) = rest?;
        let rest = rest.split(['?', '#']).next().unwrap_or("");
        let mut segments = rest.split('/').filter(|s| !s.is_empty());
        let host = segments.next()?.to_ascii_lowercase();
        let mut parts = Vec::new();
        for s in segments {
            if matches!(s, "-" | "tree" | "blob" | "src" | "commit") && parts.len() >= 2 {
                break;
            }
            parts.push(s.trim_end_matches(".git").to_owned());
        }
        // Known forges hold repositories at owner/name.
        if matches!(
            host.as_str(),
            "github.com" | "codeberg.org" | "bitbucket.org"
        ) {
            parts.truncate(2);
        }
        let safe = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        let host_safe = host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'))
            && !host.starts_with('.');
        if parts.len() < 2 || !parts.iter().all(|p| safe(p)) || !host_safe {
            return None;
        }
        Some(RepoUrl {
            url: format!("{scheme}://{host}/{}", parts.join("/")),
            host,
            parts,
        })
    }

    /// The folder under a mirror or the cache: `{host}/{owner}/{repo}.git`
    /// (a port's colon becomes `_`).
    pub fn relative(&self) -> PathBuf {
        let mut p = PathBuf::from(self.host.replace(':', "_"));
        let (last, owners) = self.parts.split_last().expect("parse keeps two parts");
        for o in owners {
            p.push(o);
        }
        p.push(format!("{last}.git"));
        p
    }
}

/// Why a repository could not be read at a commit.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The repository was read and lacks the commit.
    #[error("{0}")]
    CommitMissing(String),
    /// Anything else: no mirror, a fetch that failed or ran out of bounds.
    #[error("{0}")]
    Unavailable(String),
}

/// A repository opened at the commit a package names.
pub struct Opened {
    /// The repository.
    pub repo: gix::Repository,
    /// The commit.
    pub commit: gix::ObjectId,
    /// `mirror` or `clone`.
    pub source: &'static str,
}

impl RepoSources {
    /// Sources from a mirror folder and the cache's folder, fetching into
    /// the latter when `clone`.
    pub fn new(mirror: Option<PathBuf>, cache: Option<PathBuf>, clone: bool) -> Self {
        RepoSources {
            mirror,
            cache,
            clone,
            ..Default::default()
        }
    }

    /// Whether any repository can be found at all.
    pub fn enabled(&self) -> bool {
        self.mirror.is_some() || self.clone
    }

    /// Opens `url`'s repository with `commit` in it: from the mirror, from
    /// the cache, or (with `clone`) fetched into the cache.
    pub fn open(&self, url: &RepoUrl, commit: &str) -> Result<Opened, GitError> {
        let id = gix::ObjectId::from_hex(commit.as_bytes())
            .map_err(|_| GitError::Unavailable(format!("`{commit}` is not a full commit id")))?;
        let relative = url.relative();
        if let Some(mirror) = &self.mirror {
            let dir = mirror.join(&relative);
            if let Some(opened) = with_commit(&dir, id, "mirror")? {
                return Ok(opened);
            }
            if !self.clone {
                return Err(if dir.is_dir() {
                    GitError::CommitMissing(format!(
                        "the mirror's clone of {} has no commit {commit}",
                        url.url
                    ))
                } else {
                    GitError::Unavailable(format!(
                        "the mirror has no clone of {} (looked for {})",
                        url.url,
                        relative.display()
                    ))
                });
            }
        }
        let Some(cache) = self.cache.as_ref().filter(|_| self.clone) else {
            return Err(GitError::Unavailable(
                "no repository mirror was given and cloning was not asked".into(),
            ));
        };
        let dir = cache.join(&relative);
        let lock = self.lock(&dir);
        let _held = lock.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(opened) = with_commit(&dir, id, "clone")? {
            return Ok(opened);
        }
        fetch_commit(&url.url, id, &dir, self.limits)?;
        with_commit(&dir, id, "clone")?.ok_or_else(|| {
            GitError::CommitMissing(format!("{} did not send commit {commit}", url.url))
        })
    }

    fn lock(&self, dir: &Path) -> Arc<Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        locks.entry(dir.to_owned()).or_default().clone()
    }
}

fn open_repo(dir: &Path) -> Result<gix::Repository, GitError> {
    gix::open(dir).map_err(|e| {
        GitError::Unavailable(format!(
            "{} is not a readable repository: {e}",
            dir.display()
        ))
    })
}

/// The repository at `dir` opened at `id`, when `dir` is one and has that
/// commit.
fn with_commit(
    dir: &Path,
    id: gix::ObjectId,
    source: &'static str,
) -> Result<Option<Opened>, GitError> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let repo = open_repo(dir)?;
    Ok(has_commit(&repo, id).then_some(Opened {
        repo,
        commit: id,
        source,
    }))
}

fn has_commit(repo: &gix::Repository, id: gix::ObjectId) -> bool {
    repo.find_object(id)
        .ok()
        .is_some_and(|o| o.kind == gix::object::Kind::Commit)
}

/// Fetches `commit` alone (depth 1) from `url` into the bare repository at
/// `dir`, made if needed. A watchdog interrupts the fetch when it writes
/// more than the limit or runs out of time.
fn fetch_commit(
    url: &str,
    commit: gix::ObjectId,
    dir: &Path,
    limits: GitLimits,
) -> Result<(), GitError> {
    // The HTTP client of gix is reqwest with rustls, which needs a provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let made = !dir.is_dir();
    let outcome = fetch_into(url, commit, dir, limits);
    if outcome.is_err() && made {
        // An empty repository left behind would read as one lacking the
        // commit.
        let _ = std::fs::remove_dir_all(dir);
    }
    outcome
}

fn fetch_into(
    url: &str,
    commit: gix::ObjectId,
    dir: &Path,
    limits: GitLimits,
) -> Result<(), GitError> {
    let fail =
        |what: &str, e: &dyn std::fmt::Display| GitError::Unavailable(format!("{what} {url}: {e}"));
    let repo = if dir.is_dir() {
        open_repo(dir)?
    } else {
        std::fs::create_dir_all(dir).map_err(|e| fail("making a folder for", &e))?;
        gix::init_bare(dir).map_err(|e| fail("making a repository for", &e))?
    };
    let interrupt = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let before = folder_bytes(dir);
    // Which bound, if any, the fetch went past so far.
    let over = move |dir: &Path| {
        if started.elapsed() > Duration::from_secs(limits.max_seconds) {
            Some("time")
        } else if folder_bytes(dir).saturating_sub(before) > limits.max_bytes {
            Some("size")
        } else {
            None
        }
    };
    let watchdog = {
        let (interrupt, done, dir) = (interrupt.clone(), done.clone(), dir.to_owned());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if let Some(bound) = over(&dir) {
                    interrupt.store(true, Ordering::Relaxed);
                    return Some(bound);
                }
            }
            None
        })
    };
    let result = (|| -> Result<(), String> {
        let spec = format!("+{commit}:refs/cargofox/{commit}");
        let remote = repo
            .remote_at(url)
            .map_err(|e| chain(&e))?
            .with_refspecs([spec.as_str()], gix::remote::Direction::Fetch)
            .map_err(|e| chain(&e))?;
        let connection = remote
            .connect(gix::remote::Direction::Fetch)
            .map_err(|e| chain(&e))?;
        let depth = std::num::NonZeroU32::new(1).expect("one is not zero");
        connection
            .prepare_fetch(gix::progress::Discard, Default::default())
            .map_err(|e| chain(&e))?
            .with_shallow(gix::remote::fetch::Shallow::DepthAtRemote(depth))
            .receive(gix::progress::Discard, &interrupt)
            .map_err(|e| chain(&e))?;
        Ok(())
    })();
    done.store(true, Ordering::Relaxed);
    // A fetch that ended between two looks of the watchdog is held to the
    // same bounds.
    let bound = watchdog.join().ok().flatten().or_else(|| over(dir));
    match (result, bound) {
        (_, Some("time")) => Err(GitError::Unavailable(format!(
            "fetching commit {commit} from {url} took over {} seconds; it was stopped",
            limits.max_seconds
        ))),
        (_, Some(_)) => Err(GitError::Unavailable(format!(
            "fetching commit {commit} from {url} wrote over {} bytes; it was stopped",
            limits.max_bytes
        ))),
        (Ok(()), None) => Ok(()),
        (Err(e), None) if names_missing_object(&e) => Err(GitError::CommitMissing(format!(
            "{url} has no commit {commit} ({e})"
        ))),
        (Err(e), None) => Err(GitError::Unavailable(format!(
            "fetching commit {commit} from {url} failed: {e}"
        ))),
    }
}

/// An error with its causes, `: `-separated, each once.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

/// Whether a fetch's error is the server saying it has no such object.
fn names_missing_object(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "not our ref",
        "no such",
        "not a valid object",
        "unadvertised object",
    ]
    .iter()
    .any(|p| m.contains(p))
}

/// Bytes of the files under `dir` (the repository's objects being written).
fn folder_bytes(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_urls() {
        let u = RepoUrl::parse("https://github.com/Owner/repo.git").unwrap();
        assert_eq!(u.url, "https://github.com/Owner/repo");
        assert_eq!(u.relative(), PathBuf::from("github.com/Owner/repo.git"));
        let u = RepoUrl::parse("https://github.com/o/r/tree/main/crates/x").unwrap();
        assert_eq!(u.parts, ["o", "r"]);
        let u = RepoUrl::parse("https://gitlab.example/group/sub/r/-/tree/main").unwrap();
        assert_eq!(
            u.relative(),
            PathBuf::from("gitlab.example/group/sub/r.git")
        );
        let u = RepoUrl::parse("http://127.0.0.1:8080/o/r").unwrap();
        assert_eq!(u.relative(), PathBuf::from("127.0.0.1_8080/o/r.git"));
        for bad in [
            "https://github.com/only",
            "git@github.com:o/r.git",
            "https://h/o/../r",
            "ftp://h/o/r",
            "https://h/o/r r",
        ] {
            assert_eq!(RepoUrl::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn missing_objects() {
        assert!(names_missing_object("upload-pack: not our ref abc"));
        assert!(!names_missing_object("connection refused"));
    }
}
