//! Test fixtures: `.crate` files built in memory, and a sparse registry
//! served over real HTTP on 127.0.0.1 (config.json, index files with ETags,
//! downloads), counting every request.

#![allow(dead_code, unreachable_pub)]

pub mod browser;
pub mod crash;
pub mod dump;
pub mod faults;
pub mod git;
pub mod hostile;
pub mod judged;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};

/// A crate to publish in a fixture registry or write as a `.crate` file.
#[derive(Clone, Debug)]
pub struct Fixture {
    pub name: String,
    pub version: String,
    pub files: Vec<(String, Vec<u8>)>,
    /// Index `deps` entries (JSON objects).
    pub deps: Vec<serde_json::Value>,
    pub features: serde_json::Value,
    pub yanked: bool,
    pub pubtime: Option<String>,
}

impl Fixture {
    /// A crate with a normalized Cargo.toml (extra `[package]` lines appended)
    /// and a `src/lib.rs`.
    pub fn new(name: &str, version: &str, package_extra: &str) -> Self {
        let toml = format!(
            "[package]\nedition = \"2021\"\nname = \"{name}\"\nversion = \"{version}\"\n{package_extra}\n\n[lib]\nname = \"{}\"\npath = \"src/lib.rs\"\n",
            name.replace('-', "_")
        );
        Self {
            name: name.into(),
            version: version.into(),
            files: vec![
                ("Cargo.toml".into(), toml.into_bytes()),
                (
                    "src/lib.rs".into(),
                    b"//! Docs.\n\n/// Adds.\npub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n"
                        .to_vec(),
                ),
            ],
            deps: Vec::new(),
            features: serde_json::json!({}),
            yanked: false,
            pubtime: Some("2026-01-02T03:04:05Z".into()),
        }
    }

    pub fn file(mut self, path: &str, content: impl Into<Vec<u8>>) -> Self {
        self.files.retain(|(p, _)| p != path);
        self.files.push((path.into(), content.into()));
        self
    }

    pub fn dep(mut self, name: &str, req: &str, kind: &str, optional: bool) -> Self {
        self.deps.push(serde_json::json!({
            "name": name, "req": req, "features": [], "optional": optional,
            "default_features": true, "target": null, "kind": kind
        }));
        self
    }

    /// The `.crate` file: a gzip-compressed tar under `{name}-{version}/`.
    pub fn crate_bytes(&self) -> Vec<u8> {
        tar_gz(&format!("{}-{}", self.name, self.version), &self.files)
    }

    /// The index line, with the real checksum unless `cksum` is given.
    pub fn index_line(&self, cksum: Option<&str>) -> String {
        let real = hex(&Sha256::digest(self.crate_bytes()));
        let mut line = serde_json::json!({
            "name": self.name, "vers": self.version, "deps": self.deps,
            "cksum": cksum.unwrap_or(&real), "features": self.features, "yanked": self.yanked,
        });
        if let Some(p) = &self.pubtime {
            line["pubtime"] = p.clone().into();
        }
        line.to_string()
    }
}

/// The binary, to run in `cwd` with no cargo download cache to fall back on.
pub fn command(cwd: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cargofox"));
    cmd.current_dir(cwd)
        .env("CARGO_HOME", cwd.join("no-cargo-home"))
        .env("RUST_LOG", "cargofox=warn");
    cmd
}

/// Runs the binary in `cwd` with `args` (see [`command`]).
pub fn cargofox(cwd: &std::path::Path, args: &[&str]) -> std::process::Output {
    command(cwd).args(args).output().unwrap()
}

/// A run that must have succeeded; its stderr is shown when it did not.
pub fn ok(out: std::process::Output) -> std::process::Output {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A text file that must exist.
pub fn read(path: impl AsRef<std::path::Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// A JSON file that must exist and parse.
pub fn json(path: impl AsRef<std::path::Path>) -> serde_json::Value {
    serde_json::from_str(&read(path)).unwrap()
}

/// Whether a file of `CACHE/store/` is a whole entry: gzip-compressed JSON
/// under a `.json.gz` name.
pub fn is_stored_analysis(name: &str, bytes: &[u8]) -> bool {
    let mut text = Vec::new();
    name.ends_with(".json.gz")
        && std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut text).is_ok()
        && serde_json::from_slice::<serde_json::Value>(&text).is_ok()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A tar.gz whose entries live under `root/`, in the given order.
pub fn tar_gz(root: &str, files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for (path, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        builder
            .append_data(&mut header, format!("{root}/{path}"), data.as_slice())
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

pub fn index_rel_path(name: &str) -> String {
    let n = name.to_ascii_lowercase();
    match n.len() {
        1 => format!("1/{n}"),
        2 => format!("2/{n}"),
        3 => format!("3/{}/{n}", &n[..1]),
        _ => format!("{}/{}/{n}", &n[..2], &n[2..4]),
    }
}

#[derive(Default)]
pub struct RegistryState {
    /// Index file bodies by relative path.
    pub index: BTreeMap<String, String>,
    /// `.crate` files by `name/version`.
    pub crates: BTreeMap<String, Vec<u8>>,
    /// Every request path, in order.
    pub log: Vec<String>,
    pub config: String,
    /// The database dump served at `/db-dump.tar.gz`, the root of the download origin.
    pub dump: Option<Vec<u8>>,
}

/// A sparse registry on 127.0.0.1.
pub struct FixtureRegistry {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<RegistryState>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl FixtureRegistry {
    /// Starts a registry serving `crates` (several versions of a crate are
    /// lines of one index file; `bad_cksum` names crates whose index
    /// checksum is wrong).
    pub fn start(crates: &[Fixture], bad_cksum: &[&str]) -> Self {
        let state = Arc::new(Mutex::new(RegistryState::default()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        state.lock().unwrap().config = serde_json::json!({
            "dl": format!("http://{addr}/dl/{{crate}}/{{version}}"),
            "api": format!("http://{addr}/"),
        })
        .to_string();
        let reg = {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let app = axum::Router::new()
                .route("/index/config.json", axum::routing::get(config))
                .route("/index/{*path}", axum::routing::get(index_file))
                .route("/dl/{name}/{version}", axum::routing::get(download))
                .route("/db-dump.tar.gz", axum::routing::get(dump))
                .with_state(state.clone());
            serve_on(listener, app, rx);
            FixtureRegistry {
                addr,
                state,
                _shutdown: tx,
            }
        };
        for c in crates {
            let bad = bad_cksum.contains(&c.name.as_str());
            reg.publish(c, bad.then_some("00".repeat(32)).as_deref());
        }
        reg
    }

    /// Adds a version: appends its index line and stores its file.
    pub fn publish(&self, c: &Fixture, cksum: Option<&str>) {
        let mut s = self.state.lock().unwrap();
        let body = s.index.entry(index_rel_path(&c.name)).or_default();
        body.push_str(&c.index_line(cksum));
        body.push('\n');
        s.crates
            .insert(format!("{}/{}", c.name, c.version), c.crate_bytes());
    }

    pub fn index_url(&self) -> String {
        format!("http://{}/index/", self.addr)
    }

    pub fn log(&self) -> Vec<String> {
        self.state.lock().unwrap().log.clone()
    }

    /// Serves `bytes` as the registry's database dump.
    pub fn set_dump(&self, bytes: Vec<u8>) {
        self.state.lock().unwrap().dump = Some(bytes);
    }

    pub fn clear_log(&self) {
        self.state.lock().unwrap().log.clear();
    }
}

type Shared = State<Arc<Mutex<RegistryState>>>;

async fn config(State(s): Shared, headers: HeaderMap) -> Response {
    let mut s = s.lock().unwrap();
    s.log.push("/index/config.json".into());
    with_etag(s.config.clone(), &headers)
}

async fn dump(State(s): Shared, headers: HeaderMap) -> Response {
    let mut s = s.lock().unwrap();
    s.log.push("/db-dump.tar.gz".into());
    match s.dump.clone() {
        Some(bytes) => with_etag(bytes, &headers),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Answers `body` with an ETag, or 304 when the request already has it.
fn with_etag(body: impl Into<Vec<u8>>, headers: &HeaderMap) -> Response {
    let body: Vec<u8> = body.into();
    let etag = format!("\"{}\"", &hex(&Sha256::digest(&body))[..16]);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    ([(header::ETAG, etag)], body).into_response()
}

async fn index_file(State(s): Shared, Path(path): Path<String>, headers: HeaderMap) -> Response {
    let mut s = s.lock().unwrap();
    s.log.push(format!("/index/{path}"));
    let Some(body) = s.index.get(&path).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    with_etag(body, &headers)
}

async fn download(State(s): Shared, Path((name, version)): Path<(String, String)>) -> Response {
    let mut s = s.lock().unwrap();
    s.log.push(format!("/dl/{name}/{version}"));
    match s.crates.get(&format!("{name}/{version}")) {
        Some(bytes) => bytes.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Fetch options for tests: the fixture registry, a private cache, no
/// cargo download cache, conditional requests on every run.
pub fn fetch_options(
    reg: &FixtureRegistry,
    cache: &std::path::Path,
) -> cargofox::fetch::FetchOptions {
    let mut o = cargofox::fetch::FetchOptions {
        cache: cache.to_owned(),
        index_url: Some(reg.index_url()),
        use_cargo_cache: false,
        index_max_age: std::time::Duration::ZERO,
        ..Default::default()
    };
    o.http.retries = 1;
    o.http.backoff = std::time::Duration::from_millis(10);
    o
}

/// Every file of a built site (its manifest checked, then left out) with
/// its content, the date stamp of its build (from `index.json`) replaced,
/// sorted by path. Gzip files are compared by their content; the digests
/// and sizes of `data/files.json`, which change with the stamps inside the
/// files they describe, are left out.
pub fn snapshot(site: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    checked_manifest(site);
    let stamp = json(site.join("index.json"))["generated_at"]
        .as_str()
        .unwrap()
        .to_owned();
    let date = stamp[..10].to_owned();
    let mut files: Vec<_> = walkdir(site)
        .into_iter()
        .filter(|p| p != &site.join("manifest.json"))
        .map(|p| {
            let rel = p.strip_prefix(site).unwrap();
            let bytes = comparable(rel, std::fs::read(&p).unwrap());
            let text = String::from_utf8_lossy(&bytes)
                .replace(&stamp, "STAMP")
                .replace(&date, "DATE");
            (p.strip_prefix(site).unwrap().to_owned(), text.into_bytes())
        })
        .collect();
    files.sort();
    files
}

/// The lines of a gzip-compressed text file.
pub fn gz_lines(path: &std::path::Path) -> Vec<String> {
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap()),
        &mut text,
    )
    .unwrap();
    text.lines().map(str::to_owned).collect()
}

/// A site file's content as two builds of the same data compare it: gzip
/// files decompressed, and `data/files.json` without the digests and sizes
/// and the data page without its table of them, which change with the date
/// stamps inside the files they describe (the data test checks them). `rel`
/// is the path below the site root.
pub fn comparable(rel: &std::path::Path, bytes: Vec<u8>) -> Vec<u8> {
    if rel == std::path::Path::new("data/index.html") {
        let text = String::from_utf8(bytes).unwrap();
        let start = text.find("<section id=downloads>").unwrap();
        let end = start + text[start..].find("</section>").unwrap();
        return format!("{}{}", &text[..start], &text[end..]).into_bytes();
    }
    if rel.extension().is_some_and(|e| e == "gz") {
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut plain)
            .unwrap();
        return plain;
    }
    if rel == std::path::Path::new("data/files.json") {
        let mut listing: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        for f in listing["files"].as_array_mut().unwrap() {
            let f = f.as_object_mut().unwrap();
            f.remove("sha256");
            f.remove("size");
        }
        return serde_json::to_vec(&listing).unwrap();
    }
    bytes
}

/// Checks that `manifest.json` of a built site lists exactly its other
/// files, each with its size and SHA-256, sorted by path; the manifest's
/// own date is the build's (`index.json`).
pub fn checked_manifest(site: &std::path::Path) {
    let manifest = json(site.join("manifest.json"));
    let expected: Vec<serde_json::Value> = tree(site)
        .into_iter()
        .filter(|(path, _)| path != "manifest.json")
        .map(|(path, bytes)| {
            serde_json::json!({
                "path": path,
                "size": bytes.len(),
                "sha256": hex(&Sha256::digest(&bytes)),
            })
        })
        .collect();
    assert_eq!(
        manifest,
        serde_json::json!({
            "manifest_version": 1,
            "generated_at": json(site.join("index.json"))["generated_at"],
            "files": expected,
        }),
        "the manifest of {} lists its files",
        site.display()
    );
}

/// Every file below `dir`.
/// Every file under `dir` with its bytes, by `/`-separated path relative to
/// it, sorted.
pub fn tree(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    walkdir(dir)
        .into_iter()
        .map(|p| {
            let rel: Vec<String> = p
                .strip_prefix(dir)
                .unwrap()
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            (rel.join("/"), std::fs::read(&p).unwrap())
        })
        .collect()
}

pub fn walkdir(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walkdir(&p))
        } else {
            out.push(p)
        }
    }
    out
}

/// The `<script` tags of a page other than the one the site puts in every
/// head, its search script (`<script defer src={base}theme/search.js>`).
pub fn foreign_scripts(page: &str) -> usize {
    page.match_indices("<script")
        .filter(|(i, _)| {
            let tag = &page[*i..];
            let end = tag.find('>').map_or(tag.len(), |e| e + 1);
            let tag = &tag[..end];
            !(tag.starts_with("<script defer src=")
                && tag.ends_with("theme/search.js>")
                && !tag[18..].contains([' ', '"', '\'']))
        })
        .count()
}

/// The inference line of a page's Trust section, as text.
pub fn trust_line(page: &str) -> String {
    let section = page.split("id=trust>").nth(1).expect("a Trust section");
    let line = section
        .split("kind-inference\">inference</span>")
        .nth(1)
        .or_else(|| section.split("kind-inference>inference</span>").nth(1))
        .unwrap();
    line.split("</p>").next().unwrap().trim().to_owned()
}

/// Serves `app` on `listener` from a thread of its own until `stop` is
/// sent or dropped.
pub fn serve_on(
    listener: std::net::TcpListener,
    app: axum::Router,
    stop: tokio::sync::oneshot::Receiver<()>,
) {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop.await;
                })
                .await
                .unwrap();
        });
    });
}

/// `cargofox build` of the crates of `reg` into `dir/site`, with the cache
/// `dir/cache`, and `args`; panics when it fails.
pub fn build_site(dir: &std::path::Path, reg: &FixtureRegistry, args: &[&str]) {
    let index = reg.index_url();
    let mut all = vec![
        "build",
        "--index-url",
        &index,
        "--cache",
        "cache",
        "--out",
        "site",
    ];
    all.extend_from_slice(args);
    ok(cargofox(dir, &all));
}
