//! The package against its repository: every file of the package is
//! compared, by its git blob id, with the file at the same place in the
//! commit and folder `.cargo_vcs_info.json` names. What cargo writes itself
//! is expected and not compared (`.cargo_vcs_info.json`, the normalized
//! `Cargo.toml`, whose original is `Cargo.toml.orig`, and a `Cargo.lock`
//! the repository lacks); a file at the package's root that the folder
//! lacks is looked for in the folders above it (cargo copies a README or a
//! license from there); a file written with CRLF line ends where the
//! repository has LF matches (git's `autocrlf`).

use std::collections::BTreeMap;

use gix::bstr::ByteSlice;

use crate::fetch::git::{GitError, RepoSources, RepoUrl};
use crate::model::trust::CHECK_LISTED;
use crate::model::{CheckStatus, RepositoryCheck, VcsInfo};
use crate::unpacked::RawFile;

/// Files cargo writes into every package.
const WRITTEN_BY_CARGO: &[&str] = &[".cargo_vcs_info.json", "Cargo.toml"];

/// Compares `files` with the repository `repository` at the commit `vcs`
/// names, through `sources`.
pub fn check(
    files: &[RawFile],
    vcs: Option<&VcsInfo>,
    repository: Option<&str>,
    sources: &RepoSources,
) -> RepositoryCheck {
    let mut out = RepositoryCheck {
        repository: repository.map(str::to_owned),
        commit: vcs.and_then(|v| v.commit.clone()),
        path_in_vcs: vcs.map(|v| v.path_in_vcs.clone().unwrap_or_default()),
        ..RepositoryCheck::default()
    };
    let not_checked = |mut out: RepositoryCheck, why: String| {
        out.status = CheckStatus::NotChecked;
        out.reason = Some(why);
        out
    };
    let Some(commit) = out.commit.clone() else {
        return not_checked(
            out,
            "the package does not name the commit it was made from (no .cargo_vcs_info.json)"
                .into(),
        );
    };
    let Some(url) = repository.and_then(RepoUrl::parse) else {
        return match repository {
            None => not_checked(out, "the manifest names no repository".into()),
            Some(r) => not_checked(
                out,
                format!("`{r}` is not an http(s) URL of a repository that can be fetched"),
            ),
        };
    };
    let opened = match sources.open(&url, &commit) {
        Ok(o) => o,
        Err(GitError::CommitMissing(why)) => {
            out.status = CheckStatus::Differs;
            out.commit_missing = true;
            out.reason = Some(why);
            return out;
        }
        Err(GitError::Unavailable(why)) => return not_checked(out, why),
    };
    out.source = Some(opened.source.to_owned());
    let folder = out.path_in_vcs.clone().unwrap_or_default();
    match compare(files, &opened.repo, opened.commit, &folder, &mut out) {
        Ok(()) => out,
        Err(e) => not_checked(out, format!("reading commit {commit}: {e}")),
    }
}

/// Whether a check says what the package alone decides, so that it may be
/// stored: a comparison made, or one that no repository could allow (no
/// commit named, no repository URL). A missing commit is asked again (it
/// may be pushed later), as is a repository that could not be read.
pub fn settled(check: &RepositoryCheck) -> bool {
    match check.status {
        CheckStatus::Matches => true,
        CheckStatus::Differs => !check.commit_missing,
        CheckStatus::NotChecked => {
            check.commit.is_none()
                || check
                    .repository
                    .as_deref()
                    .and_then(RepoUrl::parse)
                    .is_none()
        }
    }
}

/// One entry of the commit's tree.
struct TreeFile {
    id: gix::ObjectId,
    mode: gix::object::tree::EntryMode,
}

fn compare(
    files: &[RawFile],
    repo: &gix::Repository,
    commit: gix::ObjectId,
    folder: &str,
    out: &mut RepositoryCheck,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let tree = repo.find_object(commit)?.try_into_commit()?.tree()?;
    let mut recorder = gix::traverse::tree::Recorder::default();
    tree.traverse().breadthfirst(&mut recorder)?;
    let all: BTreeMap<String, TreeFile> = recorder
        .records
        .into_iter()
        .map(|e| {
            (
                e.filepath.to_str_lossy().into_owned(),
                TreeFile {
                    id: e.oid,
                    mode: e.mode,
                },
            )
        })
        .collect();
    let prefix = folder.trim_matches('/');
    let at = |path: &str| match prefix {
        "" => path.to_owned(),
        p => format!("{p}/{path}"),
    };
    let submodules: Vec<&str> = all
        .iter()
        .filter(|(_, f)| f.mode.is_commit())
        .map(|(p, _)| p.as_str())
        .collect();
    let mut added = Vec::new();
    let mut differing = Vec::new();
    for f in files.iter().filter(|f| f.regular) {
        let path = f.path.as_str();
        let in_repo = at(if path == "Cargo.toml.orig" {
            "Cargo.toml"
        } else {
            path
        });
        if WRITTEN_BY_CARGO.contains(&path) || (path == "Cargo.lock" && !all.contains_key(&in_repo))
        {
            out.files_not_compared.push(f.path.clone());
            continue;
        }
        if submodules
            .iter()
            .any(|s| in_repo.starts_with(&format!("{s}/")))
        {
            out.files_not_compared.push(f.path.clone());
            continue;
        }
        let Some(data) = f.data.as_deref() else {
            out.files_not_compared.push(f.path.clone());
            continue;
        };
        let candidates = candidates(&all, &in_repo, path, prefix);
        if candidates.is_empty() {
            added.push(f.path.clone());
            continue;
        }
        out.files_compared += 1;
        let same = candidates
            .iter()
            .any(|&t| same_bytes(repo, &all, t, data).unwrap_or(false));
        if !same {
            differing.push(f.path.clone());
        }
    }
    out.files_not_compared.sort();
    out.files_not_in_repository_count = added.len();
    out.files_differing_count = differing.len();
    added.truncate(CHECK_LISTED);
    differing.truncate(CHECK_LISTED);
    out.status = if added.is_empty() && differing.is_empty() {
        CheckStatus::Matches
    } else {
        CheckStatus::Differs
    };
    out.files_not_in_repository = added;
    out.files_differing = differing;
    Ok(())
}

/// The entries a package file may come from: the same place, or for a file
/// at the package's root, the same name in a folder above.
fn candidates<'a>(
    all: &'a BTreeMap<String, TreeFile>,
    in_repo: &str,
    path: &str,
    prefix: &str,
) -> Vec<(&'a str, &'a TreeFile)> {
    let file = |p: &str| {
        all.get_key_value(p)
            .filter(|(_, t)| !t.mode.is_tree())
            .map(|(k, t)| (k.as_str(), t))
    };
    if let Some(t) = file(in_repo) {
        return vec![t];
    }
    if path.contains('/') || prefix.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut folder = prefix;
    loop {
        folder = folder.rsplit_once('/').map_or("", |(up, _)| up);
        let above = if folder.is_empty() {
            path.to_owned()
        } else {
            format!("{folder}/{path}")
        };
        if let Some(t) = file(&above) {
            found.push(t);
        }
        if folder.is_empty() {
            return found;
        }
    }
}

/// Whether `data` is the blob at `path` (following one symbolic link),
/// also once CRLF line ends are made LF.
fn same_bytes(
    repo: &gix::Repository,
    all: &BTreeMap<String, TreeFile>,
    (path, entry): (&str, &TreeFile),
    data: &[u8],
) -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
    let kind = repo.object_hash();
    let blob = |d: &[u8]| gix::objs::compute_hash(kind, gix::object::Kind::Blob, d);
    let mut id = entry.id;
    if entry.mode.is_link() {
        let target = repo.find_object(entry.id)?.detach().data;
        match resolve_link(all, path, &String::from_utf8_lossy(&target)) {
            Some(t) => id = t.id,
            None => return Ok(false),
        }
    }
    if blob(data)? == id {
        return Ok(true);
    }
    if data.contains(&b'\r') {
        let lf = data.replace(b"\r\n", b"\n");
        return Ok(blob(&lf)? == id);
    }
    Ok(false)
}

/// The file a symbolic link at `link` points to, relative to its folder.
fn resolve_link<'a>(
    all: &'a BTreeMap<String, TreeFile>,
    link: &str,
    target: &str,
) -> Option<&'a TreeFile> {
    let mut parts: Vec<&str> = link.split('/').collect();
    parts.pop();
    for step in target.split('/') {
        match step {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    all.get(&parts.join("/")).filter(|t| t.mode.is_blob())
}
