//! The search box: the static index (`search/{key}.json`) lists every crate
//! under the keys of its name and keywords, best score first; in headless
//! Chromium, under the site's CSP served by `cargofox serve`, typing into
//! the box shows exact names, then name prefixes, then keyword matches, and
//! following a result opens that crate's page. Without JavaScript, the form
//! opens the lists by first letter. Needs Debian's `chromium` (see
//! `common::browser`).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::browser::{self, Browser, Server, Tab};
use common::{Fixture, json, ok};
use serde_json::Value;

/// Crates of the fixture site: (name, description, keywords).
const CRATES: &[(&str, &str, &[&str])] = &[
    ("serde-lite", "A light serializer", &["serialization"]),
    ("serde-extra", "Extra serializer parts", &[]),
    ("sergeant", "Command runner", &["cli"]),
    ("bincode-x", "A binary format", &["serialization", "binary"]),
    ("tokio-thing", "An async helper", &["async"]),
];

fn write_crates(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, description, keywords) in CRATES {
        let kw: Vec<String> = keywords.iter().map(|k| format!("\"{k}\"")).collect();
        let extra = format!(
            "description = \"{description}\"\nkeywords = [{}]\nrepository = \"https://github.com/s/{name}\"",
            kw.join(", ")
        );
        let c = Fixture::new(name, "1.0.0", &extra);
        std::fs::write(dir.join(format!("{name}-1.0.0.crate")), c.crate_bytes()).unwrap();
    }
    // Enough crates under `se` that its file is split by a third character.
    for n in 0..FILLERS {
        let name = filler(n);
        let c = Fixture::new(&name, "1.0.0", "description = \"Filler\"");
        std::fs::write(dir.join(format!("{name}-1.0.0.crate")), c.crate_bytes()).unwrap();
    }
}

/// Crates named `sea-NNN` and `seb-NNN`: more than one index file lists,
/// fewer under each of `sea` and `seb`.
const FILLERS: usize = cargofox::render::search::FILE_LIMIT + 5;

fn filler(n: usize) -> String {
    let half = FILLERS.div_ceil(2);
    if n < half {
        format!("sea-{n:03}")
    } else {
        format!("seb-{:03}", n - half)
    }
}

/// The names an index file lists, in order.
fn listed(site: &Path, key: &str) -> Vec<String> {
    let entries = json(site.join(format!("search/{key}.json")));
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["n"].as_str().unwrap().to_owned())
        .collect()
}

/// What the box should show for `q`: exact name, then name prefix, then
/// keyword prefix, each by score (then name), from the sidecars.
fn expected(site: &Path, q: &str) -> Vec<String> {
    let mut found: Vec<(u8, i64, String)> = Vec::new();
    for (name, _, keywords) in CRATES {
        let score = json(site.join(format!("crates/{name}.json")))["ranking"]["score"]
            .as_i64()
            .unwrap();
        let kind = if *name == q {
            0
        } else if name.starts_with(q) {
            1
        } else if keywords.iter().any(|k| k.starts_with(q)) {
            2
        } else {
            continue;
        };
        found.push((kind, -score, (*name).to_owned()));
    }
    found.sort();
    found.into_iter().map(|f| f.2).collect()
}

/// Types `q` into the search box and waits for the results to settle.
fn search(tab: &mut Tab<'_>, q: &str) -> Vec<String> {
    let q = serde_json::to_string(q).unwrap();
    tab.eval(&format!(
        "(() => {{ const i = document.getElementById('search-q'); i.value = {q}; \
         i.dispatchEvent(new Event('input', {{bubbles: true}})); return true; }})()"
    ));
    let deadline = Instant::now() + browser::TIMEOUT;
    let mut last = Value::Null;
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let now =
            tab.eval("[...document.querySelectorAll('#search-results a')].map(a => a.textContent)");
        let status = tab.eval("document.getElementById('search-status').textContent");
        if now == last && status.as_str().is_some_and(|s| !s.is_empty()) {
            return serde_json::from_value(now).unwrap();
        }
        assert!(Instant::now() < deadline, "no results for {q}");
        last = now;
    }
}

#[test]
fn the_search_box_finds_crates_and_opens_them() {
    let tmp = tempfile::tempdir().unwrap();
    write_crates(&tmp.path().join("crates"));
    ok(common::cargofox(
        tmp.path(),
        &[
            "build",
            "--crate-dir",
            "crates",
            "--out",
            "site",
            "--cache",
            "cache",
        ],
    ));
    let site = tmp.path().join("site");

    // The index: each crate under the keys of its name and keywords, best first.
    let by_score = |names: &[&str]| {
        let mut v: Vec<(i64, String)> = names
            .iter()
            .map(|n| {
                let s = json(site.join(format!("crates/{n}.json")))["ranking"]["score"]
                    .as_i64()
                    .unwrap();
                (-s, (*n).to_owned())
            })
            .collect();
        v.sort();
        v.into_iter().map(|x| x.1).collect::<Vec<_>>()
    };
    let se = json(site.join("search/se.json"));
    assert_eq!(se["split"], true, "`se` holds too many crates for one file");
    assert_eq!(
        listed(&site, "ser"),
        by_score(&["serde-lite", "serde-extra", "sergeant", "bincode-x"])
    );
    assert_eq!(listed(&site, "sea").len(), FILLERS.div_ceil(2));
    assert_eq!(listed(&site, "seb").len(), FILLERS / 2);
    assert_eq!(listed(&site, "bi"), by_score(&["bincode-x"]));
    assert_eq!(listed(&site, "cl"), by_score(&["sergeant"]));
    assert!(!site.join("search/zz.json").exists());

    let Some(chromium) = browser::chromium_or_skip("the_search_box_finds_crates_and_opens_them")
    else {
        return;
    };
    let server = Server::start(&site);
    let mut chromium = Browser::launch(&chromium);
    let mut tab = chromium.tab(
        "window.__errors = []; addEventListener('error', e => __errors.push(String(e.message))); \
         document.addEventListener('securitypolicyviolation', e => __errors.push('csp ' + e.effectiveDirective));",
        false,
    );
    tab.open(
        &server.url("crates/tokio-thing/"),
        Duration::from_millis(100),
    );

    // Without JavaScript the form opens the lists by first letter.
    let form = tab.eval(
        "(() => { const f = document.getElementById('search'); return [f.action, f.method]; })()",
    );
    assert_eq!(
        form,
        serde_json::json!([server.url("crates/"), "get"]),
        "the form opens the lists by first letter"
    );

    for q in ["serde-lite", "ser", "seria", "Serde_E", "bin"] {
        let want = expected(&site, &q.to_lowercase().replace('_', "-"));
        assert_eq!(search(&mut tab, q), want, "results for {q}");
    }
    assert_eq!(search(&mut tab, "nothing-like-it"), Vec::<String>::new());
    // Through the split file: the ten crates named sea-01…, by score then
    // name.
    let sea = search(&mut tab, "sea-01");
    let mut want: Vec<(i64, String)> = (10..20)
        .map(|n| {
            let name = format!("sea-{n:03}");
            let s = json(site.join(format!("crates/{name}.json")))["ranking"]["score"]
                .as_i64()
                .unwrap();
            (-s, name)
        })
        .collect();
    want.sort();
    assert_eq!(sea, want.into_iter().map(|w| w.1).collect::<Vec<_>>());
    // A query as long as a split key shows that file's best crates.
    assert_eq!(search(&mut tab, "se").len(), 10);

    let errors = tab.eval("window.__errors");
    assert_eq!(
        errors,
        serde_json::json!([]),
        "errors or CSP violations while searching"
    );

    // Following the first result opens its page.
    let first = search(&mut tab, "serg");
    assert_eq!(first, ["sergeant"]);
    tab.eval("document.querySelector('#search-results a').click(); true");
    let deadline = Instant::now() + browser::TIMEOUT;
    loop {
        let href = tab.eval("location.href");
        if href == server.url("crates/sergeant/").as_str() {
            let title = tab.eval("document.querySelector('h1').textContent");
            assert!(title.as_str().unwrap().contains("sergeant"), "{title}");
            break;
        }
        assert!(Instant::now() < deadline, "still at {href}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let errors = tab.eval("window.__errors");
    assert_eq!(
        errors,
        serde_json::json!([]),
        "errors or CSP violations on the crate page"
    );
}
