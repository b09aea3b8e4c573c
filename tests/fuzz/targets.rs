//! The checks of the fuzz targets, shared by the cargo-fuzz targets in
//! `fuzz_targets/` and by `tests/fuzz_corpus.rs`, which replays the seeds
//! and the regression inputs under `cargo test`. Each target function takes
//! the raw fuzz input, feeds it to one entry point of cargofox and panics
//! when an invariant breaks: a panic inside cargofox, or a report that
//! breaks a promise of the analysis (paths inside the package, short and
//! documented problems), or README HTML that could run script.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::Write;

use cargofox::analyze::{AnalyzeContext, Limits, analyze_bytes, manifest};
use cargofox::fetch::CrateInput;
use cargofox::fetch::index::{
    dependencies, features, index_relative_path, looks_complete, parse_index_file,
    parse_index_line, pick_version, previous_release, version_history,
};
use cargofox::model::{Analyzed, CrateReport, PageData, Problem, VcsInfo};
use cargofox::render::markdown::{RepoLinks, readme_html, repo_links};
use sha2::{Digest, Sha256};
use tar::{EntryType, Header};

/// The problem codes the methodology page documents.
const METHODOLOGY: &str = include_str!("../../content/methodology.md");

/// The longest problem sentence a report may carry (as tests/hostile.rs).
const MAX_PROBLEM_MESSAGE: usize = 2000;

/// Checks what every problem must be: documented and short.
fn check_problem(p: &Problem) {
    assert!(
        METHODOLOGY.contains(&format!("### `{}`", p.code)),
        "the problem code {} is not documented on the methodology page",
        p.code
    );
    assert!(
        p.message.len() < MAX_PROBLEM_MESSAGE,
        "a problem sentence of {} bytes ({}): {:?}",
        p.message.len(),
        p.code,
        p.message.chars().take(300).collect::<String>()
    );
}

// ---------------------------------------------------------------------------
// archive: .crate analysis from raw bytes

/// Mode bit: the payload describes entries, wrapped into a gzip tar here.
pub(crate) const WRAP: u8 = 1;
/// Mode bit (wrapped): entry paths are put under `{name}-{version}/`.
pub(crate) const ROOTED: u8 = 2;
/// Mode bit (wrapped): ustar headers instead of GNU ones.
pub(crate) const USTAR: u8 = 4;
/// Mode bit (wrapped): the last 10 bytes of the gzip stream are cut off.
pub(crate) const CUT: u8 = 8;
/// Mode bit: the input carries the package's real SHA-256.
pub(crate) const CHECKSUM: u8 = 16;
/// Mode bit: the input carries a SHA-256 the package does not have.
pub(crate) const BAD_CHECKSUM: u8 = 32;

/// An input of the archive target, decoded.
#[derive(Debug)]
pub(crate) struct ArchiveCase {
    /// What the package is published as.
    pub(crate) input: CrateInput,
    /// The `.crate` file.
    pub(crate) bytes: Vec<u8>,
}

/// Decodes an archive input: a mode byte (the bits above), a line
/// `name version` (each cut to 64 characters), then either the `.crate` file as it is or, with
/// [`WRAP`], entries separated by NUL bytes, each a type letter (`f` file,
/// `d` folder, `l` symbolic link, `h` hard link, `p` FIFO, `c` and `b`
/// devices, `x` pax header, `g` pax global header, `L` GNU long name, `K`
/// GNU long link name, any other byte a tar type of its own), the path up
/// to a newline, then the contents (for links, the target).
pub(crate) fn archive_case(data: &[u8]) -> ArchiveCase {
    let (mode, rest) = match data.split_first() {
        Some((&m, rest)) => (m, rest),
        None => (0, data),
    };
    let (head, payload) = split_line(rest);
    let head = String::from_utf8_lossy(head);
    let mut words = head.split_whitespace();
    // As long as a name from an index or a file name can be.
    let mut word =
        |default: &str| -> String { words.next().unwrap_or(default).chars().take(64).collect() };
    let name = word("fuzzed");
    let version = word("1.0.0");
    let bytes = if mode & WRAP != 0 {
        wrap(payload, mode, &format!("{name}-{version}"))
    } else {
        payload.to_vec()
    };
    let expected_sha256 = if mode & BAD_CHECKSUM != 0 {
        Some([0x5a; 32])
    } else if mode & CHECKSUM != 0 {
        Some(Sha256::digest(&bytes).into())
    } else {
        None
    };
    ArchiveCase {
        input: CrateInput {
            name,
            version,
            expected_sha256,
            ..CrateInput::default()
        },
        bytes,
    }
}

/// The part before the first newline, and the part after it.
fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

/// Builds a gzip tar from the entries of `payload` (see [`archive_case`]).
pub(crate) fn wrap(payload: &[u8], mode: u8, root: &str) -> Vec<u8> {
    let mut tar = Vec::new();
    for entry in payload.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let (kind, rest) = (entry[0], &entry[1..]);
        let (path, body) = split_line(rest);
        let mut full = Vec::new();
        if mode & ROOTED != 0 {
            full.extend_from_slice(root.as_bytes());
            full.push(b'/');
        }
        full.extend_from_slice(path);
        let kind = match kind {
            b'f' => EntryType::Regular,
            b'd' => EntryType::Directory,
            b'l' => EntryType::Symlink,
            b'h' => EntryType::Link,
            b'p' => EntryType::Fifo,
            b'c' => EntryType::Char,
            b'b' => EntryType::Block,
            b'x' => EntryType::XHeader,
            b'g' => EntryType::XGlobalHeader,
            b'L' => EntryType::GNULongName,
            b'K' => EntryType::GNULongLink,
            other => EntryType::new(other),
        };
        if kind.is_symlink() || kind.is_hard_link() {
            raw_entry(&mut tar, &full, kind, b"", Some(body), mode & USTAR != 0);
        } else {
            raw_entry(&mut tar, &full, kind, body, None, mode & USTAR != 0);
        }
    }
    tar.extend_from_slice(&[0; 1024]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).expect("writing to memory");
    let mut bytes = gz.finish().expect("writing to memory");
    if mode & CUT != 0 {
        bytes.truncate(bytes.len().saturating_sub(10));
    }
    bytes
}

/// Appends one tar entry with its path and link written as raw bytes (so
/// that `..`, absolute and non-UTF-8 paths go in as they are); a path or
/// link over 100 bytes gets a GNU long-name entry before it.
fn raw_entry(
    tar: &mut Vec<u8>,
    path: &[u8],
    kind: EntryType,
    data: &[u8],
    link: Option<&[u8]>,
    ustar: bool,
) {
    let mut long = |kind: EntryType, name: &[u8]| {
        let mut body = name.to_vec();
        body.push(0);
        raw_entry(tar, b"././@LongLink", kind, &body, None, false);
    };
    if path.len() > 100 {
        long(EntryType::GNULongName, path);
    }
    if let Some(link) = link.filter(|l| l.len() > 100) {
        long(EntryType::GNULongLink, link);
    }
    let mut h = if ustar {
        Header::new_ustar()
    } else {
        Header::new_gnu()
    };
    h.set_entry_type(kind);
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(0);
    let old = h.as_old_mut();
    let n = path.len().min(100);
    old.name[..n].copy_from_slice(&path[..n]);
    if let Some(link) = link {
        let n = link.len().min(100);
        old.linkname[..n].copy_from_slice(&link[..n]);
    }
    h.set_cksum();
    tar.extend_from_slice(h.as_bytes());
    tar.extend_from_slice(data);
    tar.resize(tar.len().next_multiple_of(512), 0);
}

/// Bounds for one fuzzed package: tight enough that one input cannot hang
/// the fuzzer or take its memory, loose enough for every real small crate.
pub(crate) fn archive_context() -> AnalyzeContext {
    AnalyzeContext {
        limits: Limits {
            max_unpacked_bytes: 32 << 20,
            max_entries: 10_000,
            max_file_bytes: 8 << 20,
            max_path_bytes: 1024,
            max_component_bytes: 255,
            max_path_depth: 128,
            max_seconds: 2,
        },
        docs_rs: true,
        generated_at: "2026-01-01T00:00:00Z".into(),
        ..AnalyzeContext::default()
    }
}

/// The archive target, returning its analysis.
pub(crate) fn archive_analysis(data: &[u8]) -> (ArchiveCase, Analyzed) {
    let case = archive_case(data);
    let analyzed = analyze_bytes(&case.input, &case.bytes, &archive_context());
    check_report(&case.input, &analyzed.report, analyzed.page.as_ref());
    (case, analyzed)
}

/// The archive target, returning the report it made.
pub(crate) fn archive_report(data: &[u8]) -> (ArchiveCase, CrateReport) {
    let (case, analyzed) = archive_analysis(data);
    (case, analyzed.report)
}

/// The archive target: analyzes the package and checks its report; a
/// README it carries is rendered and checked as by the readme target.
pub(crate) fn archive(data: &[u8]) {
    archive_report(data);
}

/// A relative path with no `..`, no absolute part and no empty component.
fn is_safe_relative(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.starts_with('/')
        && !rel.contains('\\')
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != ".." && c != ".")
}

fn check_report(input: &CrateInput, report: &CrateReport, page: Option<&PageData>) {
    assert_eq!(report.name, input.name);
    assert_eq!(report.version, input.version);
    report.problems.iter().for_each(check_problem);
    let mut seen = BTreeSet::new();
    for f in &report.package.files {
        assert!(is_safe_relative(&f.path), "unsafe path {:?}", f.path);
        assert!(seen.insert(&f.path), "path listed twice: {:?}", f.path);
    }
    let total: u64 = report.package.files.iter().map(|f| f.size).sum();
    assert_eq!(report.package.uncompressed_bytes, total);
    if let Some(text) = page.and_then(|p| p.readme_text.as_ref()) {
        let path = report
            .readme
            .as_ref()
            .map_or("README.md", |r| r.path.as_str());
        let links = repo_links(report.repository.as_deref(), report.vcs.as_ref(), path);
        check_links(links.as_ref());
        let html = readme_html(text, links.as_ref());
        if let Err(e) = check_html(&html) {
            panic!("unsafe README HTML: {e}\n--- output ---\n{html}");
        }
    }
    serde_json::to_string(report).expect("the report serializes to JSON");
}

// ---------------------------------------------------------------------------
// index: index line and index file parsing

/// The index target: the input as one line, then as a whole index file of
/// the crate its first readable line names.
pub(crate) fn index(data: &[u8]) {
    if let Ok(v) = parse_index_line(data) {
        let one = std::slice::from_ref(&v);
        assert_eq!(version_history(one)[0].num, v.version.to_string());
        let _ = (dependencies(&v), features(&v));
        assert!(looks_complete(data));
    }
    let lines = || {
        data.split(|&b| b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
    };
    let name = lines()
        .find_map(|l| parse_index_line(l).ok())
        .map_or_else(|| "fuzzed".to_owned(), |v| v.name.to_string());
    let _ = index_relative_path(&name);
    let file = parse_index_file(&name, data);
    assert_eq!(
        file.versions.len() + file.problems.len(),
        lines().count(),
        "every line gives a version or a problem"
    );
    for p in &file.problems {
        assert_eq!(p.code, "index-line-invalid");
        check_problem(p);
    }
    for v in &file.versions {
        assert!(v.name.eq_ignore_ascii_case(&name), "{} in {name}", v.name);
        assert!(semver::Version::parse(&v.version).is_ok(), "{}", v.version);
        let _ = (dependencies(v), features(v));
    }
    assert_eq!(version_history(&file.versions).len(), file.versions.len());
    match pick_version(&file.versions, None) {
        Some(chosen) => {
            let _ = previous_release(&file.versions, chosen);
            let again = pick_version(&file.versions, Some(chosen.version.as_str()));
            assert!(again.is_some_and(|v| v.version == chosen.version));
        }
        None => assert!(file.versions.is_empty()),
    }
}

// ---------------------------------------------------------------------------
// manifest: Cargo.toml and .cargo_vcs_info.json parsing

/// The package files target discovery sees, besides those the input adds.
const PACKAGE_PATHS: &[&str] = &[
    "Cargo.toml",
    "README.md",
    "LICENSE-MIT",
    "build.rs",
    "src/lib.rs",
    "src/main.rs",
    "src/bin/tool.rs",
    "src/bin/multi/main.rs",
    "examples/demo.rs",
    "tests/it.rs",
    "benches/bench.rs",
];

/// The name and version the manifest target's package is published as.
pub(crate) const MANIFEST_PACKAGE: (&str, &str) = ("fuzzed", "1.0.0");

/// The manifest target: the input as the `Cargo.toml` of `fuzzed 1.0.0`
/// (whose package also holds [`PACKAGE_PATHS`] and the paths of its lines
/// `#@path`), then as a `.cargo_vcs_info.json`.
pub(crate) fn manifest(data: &[u8]) -> (CrateReport, Result<manifest::ManifestFacts, Problem>) {
    let mut paths: BTreeSet<&str> = PACKAGE_PATHS.iter().copied().collect();
    paths.extend(
        data.split(|&b| b == b'\n')
            .filter_map(|line| line.strip_prefix(b"#@"))
            .filter_map(|p| std::str::from_utf8(p).ok())
            .map(|p| p.trim_end_matches('\r')),
    );
    let mut report = CrateReport {
        name: MANIFEST_PACKAGE.0.into(),
        version: MANIFEST_PACKAGE.1.into(),
        ..CrateReport::default()
    };
    let result = manifest::apply(&mut report, data, &paths);
    match &result {
        Ok(facts) => {
            assert!(report.edition.is_some());
            for p in [&facts.readme, &facts.build_script, &facts.license_file]
                .into_iter()
                .flatten()
            {
                assert!(!p.starts_with("./") && !p.contains('\\'), "{p:?}");
            }
        }
        Err(p) => {
            assert_eq!(p.code, "manifest-invalid");
            check_problem(p);
        }
    }
    report.problems.iter().for_each(check_problem);
    if let Err(p) = manifest::vcs_info(data) {
        check_problem(&p);
    }
    let _ = manifest::normalize_license(&String::from_utf8_lossy(data));
    (report, result)
}

// ---------------------------------------------------------------------------
// readme: Markdown to sanitized HTML

/// The repository layouts the readme target renders with, by mode byte.
fn fixed_links(mode: u8) -> Option<RepoLinks> {
    let (repo, commit, dir) = match mode % 5 {
        1 => ("https://github.com/o/r", Some("0123abc"), Some("crates/x")),
        2 => ("https://gitlab.com/g/p.git", None, None),
        3 => ("https://codeberg.org/o/r/", Some("feed"), Some("docs")),
        _ => return None,
    };
    let vcs = VcsInfo {
        commit: commit.map(str::to_owned),
        dirty: false,
        path_in_vcs: dir.map(str::to_owned),
    };
    repo_links(Some(repo), Some(&vcs), "README.md")
}

/// Links must point into a repository over HTTPS.
fn check_links(links: Option<&RepoLinks>) {
    if let Some(l) = links {
        for prefix in [&l.blob, &l.raw] {
            assert!(
                prefix.starts_with("https://") && prefix.ends_with('/'),
                "{l:?}"
            );
        }
        assert!(l.dir.is_empty() || l.dir.ends_with('/'), "{l:?}");
    }
}

/// The readme target: a mode byte, then the README. Mode 0 renders without
/// a repository; 1, 2 and 3 with a GitHub, GitLab or Codeberg one; 4 reads
/// four lines first (repository URL, commit, folder in the repository,
/// README path) and derives the links from them. The HTML must pass
/// [`check_html`].
pub(crate) fn readme(data: &[u8]) -> String {
    let (mode, rest) = match data.split_first() {
        Some((&m, rest)) => (m, rest),
        None => (0, data),
    };
    let text = String::from_utf8_lossy(rest);
    let (links, markdown) = if mode % 5 == 4 {
        let mut parts = text.splitn(5, '\n');
        let mut next = || parts.next().unwrap_or("");
        let (repo, commit, dir, path) = (next(), next(), next(), next());
        let vcs = VcsInfo {
            commit: (!commit.is_empty()).then(|| commit.to_owned()),
            dirty: false,
            path_in_vcs: (!dir.is_empty()).then(|| dir.to_owned()),
        };
        (repo_links(Some(repo), Some(&vcs), path), next())
    } else {
        (fixed_links(mode), &text[..])
    };
    check_links(links.as_ref());
    let html = readme_html(markdown, links.as_ref());
    if let Err(e) = check_html(&html) {
        panic!("unsafe README HTML: {e}\n--- input ---\n{markdown:?}\n--- output ---\n{html}");
    }
    html
}

/// Elements a sanitized README must not hold: script, what loads or embeds
/// other documents, forms, styles, and the foreign content (SVG, MathML)
/// whose parsing differs from HTML's.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "link",
    "meta",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "svg",
    "math",
    "template",
    "noscript",
    "xmp",
    "plaintext",
    "noembed",
    "noframes",
    "portal",
];

/// Attributes whose value is a URL (`srcset`: a list of them).
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "cite",
    "action",
    "formaction",
    "poster",
    "background",
    "xlink:href",
    "data",
    "codebase",
    "srcset",
];

/// URL schemes a sanitized README may link to.
const ALLOWED_SCHEMES: &[&str] = &["http", "https", "mailto"];

fn is_html_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

/// Checks sanitized HTML the way a browser's tokenizer would read it: no
/// forbidden element (`<script` and the others above), no attribute whose
/// name starts with `on`, no URL attribute whose scheme (after entity
/// decoding and the whitespace a browser ignores) is other than http,
/// https or mailto, and no comment, markup declaration, unterminated tag or
/// unterminated attribute value. Text and attribute values are not markup,
/// so `&lt;script` or `title="<script>"` pass.
pub(crate) fn check_html(html: &str) -> Result<(), String> {
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let at = i;
        let next = b.get(i + 1).copied();
        if matches!(next, Some(b'!' | b'?')) {
            return Err(format!("a comment or markup declaration at byte {at}"));
        }
        let start = i + 1 + usize::from(next == Some(b'/'));
        if !b.get(start).is_some_and(u8::is_ascii_alphabetic) {
            // Not a tag: a browser reads the `<` as text.
            i += 1;
            continue;
        }
        let mut j = start;
        while j < b.len() && !is_html_space(b[j]) && b[j] != b'/' && b[j] != b'>' {
            j += 1;
        }
        let tag = html[start..j].to_ascii_lowercase();
        if FORBIDDEN_ELEMENTS.contains(&tag.as_str()) {
            return Err(format!("a <{tag}> element at byte {at}"));
        }
        loop {
            while j < b.len() && (is_html_space(b[j]) || b[j] == b'/') {
                j += 1;
            }
            if j >= b.len() {
                return Err(format!("the tag <{tag}> at byte {at} is not closed"));
            }
            if b[j] == b'>' {
                j += 1;
                break;
            }
            // An attribute name: its first character may be `=`.
            let name_start = j;
            j += 1;
            while j < b.len() && !is_html_space(b[j]) && !matches!(b[j], b'/' | b'>' | b'=') {
                j += 1;
            }
            let name = html[name_start..j].to_ascii_lowercase();
            while j < b.len() && is_html_space(b[j]) {
                j += 1;
            }
            let mut value = "";
            if b.get(j) == Some(&b'=') {
                j += 1;
                while j < b.len() && is_html_space(b[j]) {
                    j += 1;
                }
                match b.get(j) {
                    Some(&q @ (b'"' | b'\'')) => {
                        let Some(len) = b[j + 1..].iter().position(|&c| c == q) else {
                            return Err(format!(
                                "the value of {name} in <{tag}> at byte {at} is not closed"
                            ));
                        };
                        value = &html[j + 1..j + 1 + len];
                        j += len + 2;
                    }
                    _ => {
                        let from = j;
                        while j < b.len() && !is_html_space(b[j]) && b[j] != b'>' {
                            j += 1;
                        }
                        value = &html[from..j];
                    }
                }
            }
            if name.starts_with("on") {
                return Err(format!("an event handler {name} in <{tag}> at byte {at}"));
            }
            if URL_ATTRIBUTES.contains(&name.as_str()) {
                let url = decode_attribute(value)
                    .map_err(|e| format!("{name} of <{tag}> at byte {at}: {e}"))?;
                let urls: Vec<&str> = if name == "srcset" {
                    url.split(',')
                        .map(|c| c.split_whitespace().next().unwrap_or(""))
                        .collect()
                } else {
                    vec![url.as_str()]
                };
                for u in urls {
                    check_url(u).map_err(|e| format!("{name} of <{tag}> at byte {at}: {e}"))?;
                }
            }
        }
        i = j;
    }
    Ok(())
}

/// Decodes the character references of an attribute value: numeric ones
/// and those the HTML serializer writes. Any other named reference fails,
/// since a browser would decode it and this checker cannot tell into what.
fn decode_attribute(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp + 1..];
        if let Some(num) = rest.strip_prefix('#') {
            let (hex, digits) = match num.strip_prefix(['x', 'X']) {
                Some(h) => (true, h),
                None => (false, num),
            };
            let len = digits
                .find(|c: char| {
                    !(if hex {
                        c.is_ascii_hexdigit()
                    } else {
                        c.is_ascii_digit()
                    })
                })
                .unwrap_or(digits.len());
            if len == 0 {
                out.push('&');
                continue;
            }
            let code = u32::from_str_radix(&digits[..len], if hex { 16 } else { 10 }).ok();
            out.push(code.and_then(char::from_u32).unwrap_or('\u{fffd}'));
            rest = &digits[len..];
            rest = rest.strip_prefix(';').unwrap_or(rest);
            continue;
        }
        let len = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let decoded = match &rest[..len] {
            "" => {
                out.push('&');
                continue;
            }
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            "lt" => '<',
            "gt" => '>',
            "nbsp" => '\u{a0}',
            other => return Err(format!("the character reference &{other} is not checked")),
        };
        out.push(decoded);
        rest = &rest[len..];
        rest = rest.strip_prefix(';').unwrap_or(rest);
    }
    out.push_str(rest);
    Ok(out)
}

/// A URL's scheme, as a browser parses it, must be allowed.
fn check_url(url: &str) -> Result<(), String> {
    let url: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let Some(colon) = url.find(':') else {
        return Ok(());
    };
    let scheme = &url[..colon];
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if is_scheme && !ALLOWED_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) {
        return Err(format!("the URL scheme {scheme}: is not allowed"));
    }
    Ok(())
}
