//! Hostile input in a real browser: fixture crates carry a corpus of classic
//! XSS vectors in every field that reaches a page (README, description,
//! keywords, categories, authors, URLs, licenses, feature names,
//! dependencies, file names, source lines with findings, crate names);
//! sites built from them by the binary are served by `cargofox serve` and
//! every HTML page and XML feed is opened in headless Chromium, once with the
//! Content-Security-Policy bypassed (escaping and sanitizing alone must stop
//! every vector) and once with it in force. No vector may run: each calls a
//! marker function the test installs, which must never be called. A control
//! page proves that the marker, the DOM checks and the CSP work.
//! Needs Debian's `chromium` (see `common::browser`).

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use common::browser::{self, Browser, Server, Tab};
use common::dump::{DumpCrate, DumpVersion, FixtureDump};
use common::{Fixture, FixtureRegistry};
use serde_json::{Value, json};

/// Classic vectors for HTML contexts; `ID` becomes the id of the field and
/// vector, so a call names exactly what got through. Inert: they only call
/// the marker.
const VECTORS: &[&str] = &[
    "<script>cargofoxXss('ID')</script>",
    "<img src=x onerror=\"cargofoxXss('ID')\">",
    "<img src=x onerror=cargofoxXss`ID`>",
    "<svg onload=\"cargofoxXss('ID')\"></svg>",
    "<svg><script>cargofoxXss('ID')</script></svg>",
    "<svg><animate onbegin=\"cargofoxXss('ID')\" attributeName=x dur=1s></animate></svg>",
    "<svg><a xlink:href=\"javascript:cargofoxXss('ID')\"><text x=9 y=9>svg link</text></a></svg>",
    "<iframe srcdoc=\"<script>top.cargofoxXss('ID')</script>\"></iframe>",
    "<iframe src=\"javascript:top.cargofoxXss('ID')\"></iframe>",
    "<a href=\"javascript:cargofoxXss('ID')\">js link</a>",
    "<a href=\"jav&#x61;script:cargofoxXss('ID')\">entity link</a>",
    "<a href=\"&#x20;java&#x09;script:cargofoxXss('ID')\">tab link</a>",
    "<a href=\"data:text/html,&lt;script&gt;top.cargofoxXss('ID')&lt;/script&gt;\">data link</a>",
    "<object data=\"javascript:cargofoxXss('ID')\"></object>",
    "<embed src=\"javascript:cargofoxXss('ID')\">",
    "<style>@import 'javascript:cargofoxXss(\"ID\")'; b { x: expression(cargofoxXss('ID')) }</style>",
    "<p style=\"x: expression(cargofoxXss('ID')); background: url('javascript:cargofoxXss(1)')\">styled</p>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:cargofoxXss('ID')\">",
    "<base href=\"javascript:cargofoxXss('ID')//\">",
    "<form action=\"javascript:cargofoxXss('ID')\"><button>form</button></form>",
    "<input autofocus onfocus=\"cargofoxXss('ID')\">",
    "<details open ontoggle=\"cargofoxXss('ID')\"><summary>d</summary></details>",
    "<body onload=\"cargofoxXss('ID')\">",
    "<video><source onerror=\"cargofoxXss('ID')\"></video>",
    "<math><mtext><table><mglyph><style><img src=x onerror=\"cargofoxXss('ID')\"></style></mglyph></table></mtext></math>",
    "<noscript><p title=\"</noscript><img src=x onerror=cargofoxXss('ID')>\"></p></noscript>",
    "<scr<script>ipt>cargofoxXss('ID')</scr</script>ipt>",
    "<!--<img src=\"--><img src=x onerror=\"cargofoxXss('ID')\">",
    "\"><script>cargofoxXss('ID')</script>",
    "'><img src=x onerror=\"cargofoxXss('ID')\">",
    "\" autofocus onfocus=\"cargofoxXss('ID')\" x=\"",
    "' autofocus onfocus='cargofoxXss(\"ID\")' x='",
    "</title><script>cargofoxXss('ID')</script>",
    "</textarea></code></pre><script>cargofoxXss('ID')</script>",
    "]]><script xmlns=\"http://www.w3.org/1999/xhtml\">cargofoxXss('ID')</script>",
    "<![CDATA[<script>cargofoxXss('ID')</script>]]>",
];

/// Vectors that only Markdown can carry (README only).
const MARKDOWN_VECTORS: &[&str] = &[
    "[md link](javascript:cargofoxXss('ID'))",
    "[md case](JaVaScRiPt:cargofoxXss('ID'))",
    "[md entity](jav&#x61;script:cargofoxXss('ID'))",
    "[md decimal](&#106;avascript:cargofoxXss('ID'))",
    "[md vbscript](vbscript:cargofoxXss('ID'))",
    "[md data](data:text/html,%3Cscript%3Etop.cargofoxXss('ID')%3C/script%3E)",
    "![md image](javascript:cargofoxXss('ID'))",
    "![md data image](data:image/svg+xml,%3Csvg%20onload%3DcargofoxXss('ID')%3E)",
    "<javascript:cargofoxXss('ID')>",
    "[md reference][ref-ID]\n\n[ref-ID]: javascript:cargofoxXss('ID')",
    "[md title](https://ok.test/ \"t\\\" onmouseover=\\\"cargofoxXss('ID')\")",
    "[md quote](https://ok.test/\"onmouseover=\"cargofoxXss('ID'))",
    "![md image quote](x.png\"onerror=\"cargofoxXss('ID'))",
    "[md relative](docs/\"><img src=x onerror=cargofoxXss('ID')>.md)",
];

/// Installed in every document before its own scripts: the marker, and
/// `alert`, `confirm` and `prompt` recorded instead of shown; CSP violations
/// are recorded too. Frames report to the top window.
const MARKER: &str = r#"(() => {
  const top = (() => { try { return window.top.document && window.top; } catch (e) { return window; } })();
  const record = (list, entry) => (top[list] = top[list] || []).push(String(entry));
  window.cargofoxXss = id => record('__xss', id);
  for (const f of ['alert', 'confirm', 'prompt']) window[f] = m => record('__xss', f + ':' + m);
  document.addEventListener('securitypolicyviolation',
    e => record('__csp', e.effectiveDirective + ' ' + e.blockedURI));
})()"#;

/// What a page holds once loaded, as one JSON object.
const PROBE: &str = r#"(() => {
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'data', 'poster', 'background',
    'xlink:href', 'codebase', 'cite', 'srcdoc'];
  const onAttrs = [], badUrls = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const n = a.name.toLowerCase();
      if (n.startsWith('on')) onAttrs.push(el.localName + ' ' + n);
      if (!urlAttrs.includes(n)) continue;
      let scheme;
      try { scheme = new URL(a.value, document.baseURI).protocol; } catch (e) { scheme = 'unparsable'; }
      if (n === 'srcdoc' || !['http:', 'https:', 'mailto:'].includes(scheme))
        badUrls.push(el.localName + ' ' + n + '=' + a.value);
    }
  }
  const main = document.querySelector('main');
  const csp = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
  const html = document.documentElement.outerHTML;
  return {
    calls: window.__xss || [],
    violations: window.__csp || [],
    href: location.href,
    root: document.documentElement.localName,
    title: document.title,
    mainText: main ? main.textContent.trim().length : 0,
    // The one script allowed: the site's search script, by src, in the head.
    scripts: [...document.querySelectorAll('script')].filter(s => !(s.parentElement === document.head
      && !s.textContent && new URL(s.src, document.baseURI).origin === location.origin
      && new URL(s.src).pathname.endsWith('/theme/search.js'))).length,
    // The one form allowed: the site's search box in the header.
    forbidden: [...document.querySelectorAll('iframe, frame, object, embed, base, form, style, '
      + 'meta[http-equiv]:not([http-equiv="Content-Security-Policy"])')]
      .filter(e => !(e.localName === 'form' && e.id === 'search' && e.parentElement.closest('header.site-header')))
      .map(e => e.localName),
    onAttrs, badUrls,
    csp: csp ? csp.content : null,
    shown: [...new Set([...html.matchAll(/cargofoxXss(?:\(['"]|`)([\w-]+)/g)].map(m => m[1]))],
  };
})()"#;

/// Checks the text of a feed or sitemap (Chromium shows XML through its
/// own viewer, so the live document is not the file): well-formed, the
/// expected root, no element in the XHTML namespace and no `script`.
const XML_PROBE: &str = r#"text => {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  return {
    root: doc.documentElement.localName,
    errors: doc.getElementsByTagName('parsererror').length,
    xhtml: doc.getElementsByTagNameNS('http://www.w3.org/1999/xhtml', '*').length,
    scripts: doc.getElementsByTagName('script').length,
  };
}"#;

/// The vectors for `field`, each with its id.
fn vectors(field: &str) -> Vec<String> {
    VECTORS
        .iter()
        .enumerate()
        .map(|(i, v)| v.replace("ID", &format!("{field}-{i}")))
        .collect()
}

/// Vectors usable as one component of a path (no `/`).
fn path_vectors(field: &str) -> Vec<String> {
    vectors(field)
        .into_iter()
        .filter(|v| !v.contains('/'))
        .collect()
}

/// A TOML basic string (JSON's escapes are TOML's).
fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn toml_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", items.join(", "))
}

fn manifest(name: &str, package: &str, rest: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"1.0.0\"\nedition = \"2021\"\n{package}\n\n[lib]\npath = \"src/lib.rs\"\n{rest}"
    )
}

/// Source with findings (a process, a socket, a URL) and vectors in the
/// lines that carry them (a script, an image, a quote breaking out of an
/// attribute), so evidence pages show them.
fn hostile_source(field: &str) -> String {
    let v = vectors(field);
    format!(
        "pub fn run() {{\n    let _ = std::process::Command::new(\"sh\").arg({:?}).status(); // {}\n    let _ = std::net::TcpStream::connect(\"127.0.0.1:9\"); // {}\n    let _ = \"https://x.test/{}\";\n}}\n",
        v[0],
        v[1],
        v[28],
        v[2].replace('"', "'"),
    )
}

/// The README: every HTML vector as a block and inline, every Markdown one,
/// and a code block that shows vectors as text.
fn readme() -> String {
    let mut md = String::from("# Hostile README\n\n");
    for (block, inline) in vectors("readme").iter().zip(vectors("inline")) {
        md.push_str(&format!("{block}\n\nInline {inline} text.\n\n"));
    }
    for (i, v) in MARKDOWN_VECTORS.iter().enumerate() {
        md.push_str(&format!("{}\n\n", v.replace("ID", &format!("md-{i}"))));
    }
    md.push_str(&format!("```html\n{}\n```\n", vectors("code").join("\n")));
    md
}

/// Publishes `c` with `extra` fields merged into its index line.
fn publish(reg: &FixtureRegistry, c: &Fixture, extra: Value) {
    let mut line: Value = serde_json::from_str(&c.index_line(None)).unwrap();
    for (k, v) in extra.as_object().unwrap() {
        line[k] = v.clone();
    }
    let mut s = reg.state.lock().unwrap();
    let body = s.index.entry(common::index_rel_path(&c.name)).or_default();
    body.push_str(&format!("{line}\n"));
    s.crates
        .insert(format!("{}/{}", c.name, c.version), c.crate_bytes());
}

/// The registry: one crate per kind of field.
fn registry() -> FixtureRegistry {
    let reg = FixtureRegistry::start(&[], &[]);
    let lib = "src/lib.rs";

    // Metadata: description, keywords, categories, authors, licenses,
    // `links`, URLs with dangerous schemes, feature names.
    let features: Vec<String> = vectors("feat");
    let feature_table: String = features
        .iter()
        .zip(vectors("enables"))
        .map(|(f, e)| format!("{} = [{}]\n", toml_str(f), toml_str(&e)))
        .collect();
    let package = format!(
        "description = {}\nkeywords = {}\ncategories = {}\nauthors = {}\nlicense = {}\nlinks = {}\nhomepage = \"javascript:cargofoxXss('homepage')\"\ndocumentation = \" JavaScript:cargofoxXss('documentation')\"\nrepository = \"data:text/html,<script>cargofoxXss('repository')</script>\"",
        toml_str(&vectors("desc").join(" ")),
        toml_list(&vectors("kw")),
        toml_list(&vectors("cat")),
        toml_list(&vectors("author")),
        toml_str(&vectors("license").join(" ")),
        toml_str(&vectors("links")[1]),
    );
    let meta = Fixture::new("xss-meta", "1.0.0", "").file(
        "Cargo.toml",
        manifest(
            "xss-meta",
            &package,
            &format!("\n[features]\n{feature_table}"),
        ),
    );
    let index_features: serde_json::Map<String, Value> = features
        .iter()
        .zip(vectors("enables"))
        .map(|(f, e)| (f.clone(), json!([e])))
        .collect();
    publish(&reg, &meta, json!({"features": index_features}));

    // The README, with an https repository that breaks out of its attribute,
    // so relative links are rewritten onto it.
    let repo = format!("https://github.com/o/r{}", path_vectors("repo")[0]);
    let package = format!(
        "description = \"README vectors\"\nreadme = \"README.md\"\nrepository = {}\nhomepage = {}",
        toml_str(&repo),
        toml_str("https://ok.test/\"onmouseover=\"cargofoxXss('homepage-attr')\""),
    );
    let vcs = json!({"git": {"sha1": "0123456789abcdef0123456789abcdef01234567"},
        "path_in_vcs": path_vectors("vcs-path")[1]});
    let readme_crate = Fixture::new("xss-readme", "1.0.0", "")
        .file("Cargo.toml", manifest("xss-readme", &package, ""))
        .file("README.md", readme())
        .file(".cargo_vcs_info.json", vcs.to_string());
    publish(&reg, &readme_crate, json!({}));

    // Files: hostile names, a hostile build script path and README path,
    // findings on hostile source lines, a duplicate entry (a problem that
    // quotes the path), and a license file.
    let names = path_vectors("file");
    let build = format!("{}.rs", path_vectors("build-path")[2]);
    let readme_path = format!("{}.md", path_vectors("readme-path")[3]);
    let package = format!(
        "description = \"File vectors\"\nbuild = {}\nreadme = {}\nlicense-file = {}",
        toml_str(&build),
        toml_str(&readme_path),
        toml_str(&names[4]),
    );
    let rest = format!(
        "\n[[bin]]\nname = {}\npath = {}\n",
        toml_str(&path_vectors("bin")[0]),
        toml_str(lib)
    );
    let mut files = Fixture::new("xss-files", "1.0.0", "")
        .file("Cargo.toml", manifest("xss-files", &package, &rest))
        .file(lib, hostile_source("lib-src"))
        .file(
            &build,
            format!(
                "fn main() {{\n    // {}\n    let _ = ureq::post(\"https://collector.invalid/{}\").call();\n}}\n",
                vectors("build-src")[0],
                path_vectors("build-url")[1].replace('"', "'"),
            ),
        )
        .file(&readme_path, "Hostile README path.\n");
    for (i, name) in names.iter().enumerate() {
        files = files.file(
            &format!("src/{name}.rs"),
            hostile_source(&format!("src{i}")),
        );
    }
    files
        .files
        .push((format!("src/{}.rs", names[0]), b"// again\n".to_vec()));
    publish(&reg, &files, json!({}));

    // The index: dependency names, requirements, targets and renames, and a
    // release's Rust version.
    let deps: Vec<Value> = vectors("dep")
        .iter()
        .zip(vectors("req"))
        .zip(vectors("target"))
        .map(|((name, req), target)| {
            json!({"name": name, "req": req, "features": [], "optional": false,
                "default_features": true, "target": target, "kind": "normal",
                "package": "real-name"})
        })
        .collect();
    let index_crate = Fixture::new("xss-index", "1.0.0", "description = \"Index vectors\"");
    publish(
        &reg,
        &index_crate,
        json!({"deps": deps, "rust_version": vectors("rust-version")[0]}),
    );
    reg
}

/// The registry's database dump of `day`, for `xss-index`: categories and
/// keywords that are vectors and, when `hostile`, owners whose logins and
/// names are vectors (added between two builds, they reach the ownership
/// feed).
fn dump(day: &str, hostile: bool) -> FixtureDump {
    let category = path_vectors("dump-cat")[1].clone();
    let mut krate = DumpCrate::new("xss-index", "2025-01-01")
        .owner("plain")
        .category(&category);
    let mut release = DumpVersion::new("1.0.0", "2026-01-02").downloads_per_day(&[(day, 5)]);
    for k in path_vectors("dump-kw").iter().take(3) {
        krate = krate.keyword(k);
    }
    let mut dump = FixtureDump::new(day)
        .user("plain", "Plain")
        .category(&category, &vectors("dump-cat-name")[0]);
    if hostile {
        for (login, name) in path_vectors("owner")
            .iter()
            .zip(vectors("owner-name"))
            .take(4)
        {
            dump = dump.user(login, &name);
            krate = krate.owner(login);
        }
        // The release's publisher is shown on the crate page.
        release = release.published_by(&path_vectors("owner")[0]);
    }
    dump.krate(krate.version(release))
}

/// Crates whose names are vectors, built with `--crate-dir` (names come from
/// file names there), with a build script that phones home so that they
/// reach the feed.
fn write_named_crates(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for name in path_vectors("name") {
        let c = Fixture::new("named", "1.0.0", "").file(
            "build.rs",
            "fn main() {\n    let _ = ureq::post(\"https://collector.invalid/\").call();\n}\n",
        );
        std::fs::write(dir.join(format!("{name}-1.0.0.crate")), c.crate_bytes()).unwrap();
    }
}

/// Runs the binary in `cwd` (arguments split at spaces) with no cargo
/// download cache to fall back on.
fn cargofox(cwd: &Path, args: &str) {
    let out = common::command(cwd).args(args.split(' ')).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cargofox {args}: {stderr}");
}

/// Fields with at least one vector that must reach a page as text (the
/// others are URLs that must not become links, and authors, shown nowhere).
const SHOWN: &str = "desc kw cat license links homepage feat enables dep req target \
    rust-version file build-path readme-path bin src1 lib-src build-src build-url readme \
    inline md code vcs-path repo name dump-cat dump-kw owner owner-name";

/// What one pass over the sites saw.
#[derive(Default)]
struct Pass {
    pages: usize,
    calls: Vec<String>,
    failures: Vec<String>,
    shown: BTreeSet<String>,
    csp: BTreeSet<String>,
}

fn visit(tab: &mut Tab<'_>, url: &str, file: &Path, pass: &mut Pass) {
    tab.open(url, Duration::from_millis(150));
    let p = tab.eval(PROBE);
    pass.pages += 1;
    let mut fail = |what: String| pass.failures.push(format!("{url}: {what}"));
    let calls: Vec<String> = serde_json::from_value(p["calls"].clone()).unwrap();
    if !calls.is_empty() {
        fail(format!("injected script ran: {calls:?}"));
    }
    pass.calls.extend(calls);
    let xml = url.ends_with(".xml");
    // Chromium's XML viewer brings its own style element.
    let keys = if xml { 2 } else { 3 };
    for key in &["onAttrs", "badUrls", "forbidden"][..keys] {
        if !p[key].as_array().unwrap().is_empty() {
            fail(format!("{key}: {}", p[key]));
        }
    }
    if p["scripts"] != 0 {
        fail(format!("{} script elements", p["scripts"]));
    }
    if p["href"] != url {
        fail(format!("the page went to {}", p["href"]));
    }
    let script_violations: Vec<&Value> = p["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v.as_str().unwrap().starts_with("script-src"))
        .collect();
    if !script_violations.is_empty() {
        fail(format!("scripts blocked by the CSP: {script_violations:?}"));
    }
    if xml {
        let text = serde_json::to_string(&std::fs::read_to_string(file).unwrap()).unwrap();
        let x = tab.eval(&format!("({XML_PROBE})({text})"));
        let root_ok = ["feed", "urlset", "sitemapindex"].contains(&x["root"].as_str().unwrap());
        if !root_ok || x["errors"] != 0 || x["xhtml"] != 0 || x["scripts"] != 0 {
            fail(format!("not a clean feed or sitemap: {x}"));
        }
    } else {
        if p["title"].as_str().unwrap().trim().is_empty() || p["mainText"] == 0 {
            fail(format!(
                "did not render: title {}, main {}",
                p["title"], p["mainText"]
            ));
        }
        match p["csp"].as_str() {
            Some(csp) => drop(pass.csp.insert(csp.to_owned())),
            None => fail("no Content-Security-Policy meta tag".into()),
        }
    }
    for id in p["shown"].as_array().unwrap() {
        pass.shown.insert(id.as_str().unwrap().to_owned());
    }
}

/// The control page: a raw inline script, an inline handler and a
/// `javascript:` link, under the site's CSP meta tag.
fn control_page(csp: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\"><title>control</title></head>\
         <body><main><p>control</p><script>cargofoxXss('control')</script>\
         <img src=x onerror=\"cargofoxXss('control-img')\"><a href=\"javascript:cargofoxXss('control-link')\">x</a></main></body></html>"
    )
}

/// Opens the control page until `done` holds for its probe (or the timeout).
fn control(tab: &mut Tab<'_>, url: &str, done: impl Fn(&Value) -> bool) -> Value {
    tab.open(url, Duration::from_millis(150));
    let deadline = Instant::now() + browser::TIMEOUT;
    loop {
        let p = tab.eval(PROBE);
        if done(&p) || Instant::now() > deadline {
            return p;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn no_injected_script_runs_on_any_page() {
    let Some(chromium) = browser::chromium_or_skip("no_injected_script_runs_on_any_page") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let reg = registry();
    let index = reg.index_url();
    for (day, hostile) in [("2026-11-19", false), ("2026-11-20", true)] {
        reg.set_dump(dump(day, hostile).to_bytes());
        cargofox(
            tmp.path(),
            &format!(
                "build --index-url {index} --cache cache --out site --db-dump \
                 --crates xss-meta,xss-readme,xss-files,xss-index \
                 --base-url https://example.test/ --index-max-age 0"
            ),
        );
    }
    write_named_crates(&tmp.path().join("named"));
    cargofox(
        tmp.path(),
        "build --crate-dir named --out named-site --cache cache2",
    );

    // JSON: every file parses, and keeps hostile text as it is.
    let sites = [tmp.path().join("site"), tmp.path().join("named-site")];
    let mut json_files = 0;
    for site in &sites {
        for file in browser::files(site, &["json"]) {
            let text = std::fs::read_to_string(site.join(&file)).unwrap();
            serde_json::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            json_files += 1;
        }
    }
    let meta = std::fs::read_to_string(sites[0].join("crates/xss-meta.json")).unwrap();
    let meta: Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(meta["description"], vectors("desc").join(" "));
    assert_eq!(meta["authors"], json!(vectors("author")));

    let servers: Vec<(&Path, Server)> = sites.iter().map(|s| (&**s, Server::start(s))).collect();
    let csp = cargofox::render::CSP;
    let control_dir = tmp.path().join("control");
    std::fs::create_dir_all(&control_dir).unwrap();
    std::fs::write(control_dir.join("index.html"), control_page(csp)).unwrap();
    let control_server = Server::start(&control_dir);

    let mut chromium = Browser::launch(&chromium);
    for bypass in [true, false] {
        let name = if bypass {
            "CSP bypassed"
        } else {
            "CSP in force"
        };
        let mut tab = chromium.tab(MARKER, bypass);
        let mut pass = Pass::default();
        for (dir, server) in &servers {
            for file in browser::files(dir, &["html", "xml"]) {
                let path = file.strip_suffix("index.html").unwrap_or(&file);
                visit(&mut tab, &server.url(path), &dir.join(&file), &mut pass);
            }
        }
        eprintln!(
            "{name}: {} pages opened, {} marker calls, {} vector ids shown as text; {json_files} JSON files parsed",
            pass.pages,
            pass.calls.len(),
            pass.shown.len()
        );
        assert!(
            pass.failures.is_empty(),
            "{name}:\n{}",
            pass.failures.join("\n")
        );
        assert_eq!(
            pass.csp,
            BTreeSet::from([csp.to_owned()]),
            "one CSP on every page"
        );
        for field in SHOWN.split_whitespace() {
            assert!(
                pass.shown
                    .iter()
                    .any(|id| id.starts_with(&format!("{field}-"))),
                "{name}: no vector of `{field}` reached a page as text"
            );
        }

        // The control page, served (CSP header and meta tag) and as a file
        // (the meta tag alone): the detector sees what runs, the CSP stops it.
        let file_url = format!("file://{}", control_dir.join("index.html").display());
        for url in [control_server.url(""), file_url] {
            let key = if bypass { "calls" } else { "violations" };
            let p = control(&mut tab, &url, |p| p[key].as_array().unwrap().len() >= 2);
            eprintln!(
                "{name}: control page {url}: marker calls {}, CSP violations {}",
                p["calls"], p["violations"]
            );
            assert_eq!(
                (&p["scripts"], &p["onAttrs"]),
                (&json!(1), &json!(["img onerror"]))
            );
            assert!(p["badUrls"].to_string().contains("javascript:"), "{p}");
            let mut calls: Vec<&str> = p["calls"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap())
                .collect();
            calls.sort();
            if bypass {
                assert_eq!(calls, ["control", "control-img"], "the marker works: {p}");
            } else {
                assert!(calls.is_empty(), "the CSP blocks inline script: {p}");
            }
        }
    }
    assert!(
        chromium.dialogs.is_empty(),
        "dialogs opened: {:?}",
        chromium.dialogs
    );
}
