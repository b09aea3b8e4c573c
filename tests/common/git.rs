//! Git repositories made in a test with the git command, and a git server
//! on 127.0.0.1 speaking git's smart HTTP protocol through
//! `git http-backend` (the CGI program git ships), so that the real client
//! fetches from a real server.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// Runs git in `dir` with a fixed identity and date; panics on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=Fixture",
            "-c",
            "user.email=fixture@example.org",
        ])
        .args(["-c", "init.defaultBranch=main", "-c", "core.autocrlf=false"])
        .args(args)
        .env("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z")
        .env("GIT_COMMITTER_DATE", "2026-01-02T03:04:05Z")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Makes a repository at `work` holding `files` in one commit, and a bare
/// clone of it at `bare`; returns the commit's id.
pub fn repository(work: &Path, bare: &Path, files: &BTreeMap<String, Vec<u8>>) -> String {
    std::fs::create_dir_all(work).unwrap();
    git(work, &["init", "-q"]);
    for (path, bytes) in files {
        let p = work.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    git(work, &["add", "-A"]);
    git(work, &["commit", "-q", "-m", "release"]);
    let commit = git(work, &["rev-parse", "HEAD"]);
    std::fs::create_dir_all(bare.parent().unwrap()).unwrap();
    git(
        work,
        &["clone", "-q", "--bare", ".", bare.to_str().unwrap()],
    );
    commit
}

/// A smart-HTTP git server over the bare repositories under a folder:
/// `/{owner}/{repo}/...` is the repository `{owner}/{repo}.git`.
pub struct GitServer {
    pub addr: SocketAddr,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl GitServer {
    /// Serves the repositories under `root`.
    pub fn start(root: &Path) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let root = root.to_owned();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let root = root.clone();
                async move {
                    tokio::task::spawn_blocking(move || cgi(&root, &method, &uri, &headers, &body))
                        .await
                        .unwrap()
                }
            },
        );
        super::serve_on(listener, app, rx);
        GitServer {
            addr,
            _shutdown: tx,
        }
    }

    /// The URL of the repository `{owner}/{repo}`.
    pub fn url(&self, owner: &str, repo: &str) -> String {
        format!("http://{}/{owner}/{repo}", self.addr)
    }
}

/// Runs `git http-backend` for one request.
fn cgi(root: &Path, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Response {
    // `/owner/repo/rest` is served from `owner/repo.git/rest`.
    let mut parts = uri.path().trim_start_matches('/').splitn(3, '/');
    let (Some(owner), Some(repo), rest) = (parts.next(), parts.next(), parts.next()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let repo = repo.trim_end_matches(".git");
    let path_info = format!("/{owner}/{repo}.git/{}", rest.unwrap_or(""));
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let mut child = Command::new("git")
        .arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("PATH_INFO", path_info)
        .env("QUERY_STRING", uri.query().unwrap_or(""))
        .env("REQUEST_METHOD", method.as_str())
        .env("CONTENT_TYPE", header("content-type"))
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("HTTP_CONTENT_ENCODING", header("content-encoding"))
        .env("GIT_PROTOCOL", header("git-protocol"))
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("git http-backend runs");
    child.stdin.take().unwrap().write_all(body).unwrap();
    let out = child.wait_with_output().unwrap();
    let raw = out.stdout;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let Some((end, gap)) = split else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut response = Response::builder();
    let mut status = StatusCode::OK;
    for line in head.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code = value.split(' ').next().unwrap_or("500");
            status = code.parse().unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        } else {
            response = response.header(name, value);
        }
    }
    response
        .status(status)
        .body(axum::body::Body::from(raw[end + gap..].to_vec()))
        .unwrap()
}

/// The bare repository folder of `{owner}/{repo}` under `root`.
pub fn bare_path(root: &Path, host: &str, owner: &str, repo: &str) -> PathBuf {
    root.join(host).join(owner).join(format!("{repo}.git"))
}
