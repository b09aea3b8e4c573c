//! Risk signals: what a package can do and what about it looks like an
//! attack, each reported in one shape ([`Finding`]): a stable code, a
//! severity, fact or inference, where the code runs, the evidence (file,
//! line, column, text) and a short explanation.
//!
//! - [`source`]: the token-level scan of Rust files (capabilities);
//! - [`contents`]: the package's files (executables, large files, VCS info);
//! - [`identity`]: names and repositories compared with popular crates;
//! - [`near_names`]: the index that finds names one edit apart;
//! - [`history`]: the newest release's dependencies compared with the one before;
//! - [`release`]: the newest release's package compared with the one before;
//! - [`judge`]: the explicit rules that turn findings into a risk level.
//!
//! [`package_findings`] runs in the analyze stage, on the files in memory;
//! identity, history and the judgement need other crates and run in the rank
//! stage (or in `inspect`, against the shipped list of popular crates).

pub mod contents;
mod functions;
pub mod history;
pub mod identity;
pub mod judge;
mod known;
mod lex;
mod literals;
pub mod near_names;
pub mod publisher;
pub mod registry;
pub mod release;
pub mod repository;
pub mod rules;
mod skim;
pub mod source;

use std::collections::BTreeMap;

use crate::model::{
    BuildFacts, Code, CrateReport, Finding, FindingKind, LocationKind, Place, Severity,
};
use crate::unpacked::RawFile;
use source::{Cap, Hit};

/// Evidence of at most this many places is kept per code and file; the
/// message says how many more there are.
const MAX_HITS_PER_FILE: usize = 5;
/// Source files larger than this are not kept for evidence pages.
const MAX_EVIDENCE_SOURCE: usize = 2 << 20;

/// Where the code of `path` runs.
pub fn location_of(path: &str, report: &CrateReport) -> LocationKind {
    let build = report.build_script.as_deref();
    if build == Some(path) {
        return LocationKind::Build;
    }
    if let Some((dir, _)) = build.and_then(|b| b.rsplit_once('/')) {
        // `build = "rust/build.rs"` beside a library in `rust/src/`.
        if path.starts_with(&format!("{dir}/"))
            && dir != "src"
            && !path.starts_with(&format!("{dir}/src/"))
        {
            return LocationKind::Build;
        }
    }
    // Files compiled only for tests: `src/tests/...`, `src/foo/test.rs`, `src/bar_tests.rs`.
    let stem = path
        .rsplit('/')
        .next()
        .unwrap_or("")
        .trim_end_matches(".rs");
    if path.contains("/tests/")
        || path.contains("/test/")
        || matches!(stem, "test" | "tests")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
    {
        return LocationKind::Dev;
    }
    let first = path.split('/').next().unwrap_or("");
    match first {
        "tests" | "examples" | "benches" | "test" | "bench" | "example" | "fuzz" | "testdata"
        | "test-data" => LocationKind::Dev,
        // `#[path = "build/x.rs"] mod x;` beside a root `build.rs`.
        "build" if build.is_some() => LocationKind::Build,
        "src" if report.targets.proc_macro => LocationKind::ProcMacro,
        "src" => LocationKind::Runtime,
        _ if !path.contains('/') => LocationKind::Runtime,
        _ => LocationKind::Dev,
    }
}

/// The place of capability codes at a location.
pub fn place(location: LocationKind) -> Place {
    match location {
        LocationKind::Build => Place::Build,
        LocationKind::ProcMacro => Place::Macro,
        _ => Place::Code,
    }
}

/// Base severity of a capability at a location, before the judge's rules.
pub(super) fn base_severity(cap: Cap, location: LocationKind) -> Severity {
    use Cap::*;
    use Severity::*;
    let compile_time = matches!(location, LocationKind::Build | LocationKind::ProcMacro);
    if location == LocationKind::Dev {
        return if matches!(cap, SecretPaths | EnvCredentials) {
            Low
        } else {
            Info
        };
    }
    match cap {
        SecretPaths | EnvCredentials => High,
        ShellCommand | KeyPattern if compile_time => Medium,
        ShellCommand | KeyPattern => Low,
        Decoding if compile_time => Low,
        Network if compile_time => High,
        Process | IpAddress | CiDetection | DynamicLoading | EncodedBlob | HighEntropyString
        | XorDecoding
            if compile_time =>
        {
            Medium
        }
        Process | Network | IpAddress | CiDetection | EncodedBlob | HighEntropyString => Low,
        Url | FsWrite | FsWalk | IncludeBytes | InlineAsm | LongString | ByteArray
            if compile_time =>
        {
            Low
        }
        _ => Info,
    }
}

/// The trimmed text of the line of a hit, shortened.
fn line_text(src: &str, hit: &Hit) -> String {
    let text = src
        .get(hit.line_start as usize..)
        .and_then(|rest| rest.split('\n').next())
        .unwrap_or("")
        .trim();
    let short: String = text.chars().take(160).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// Findings from one Rust file's scan.
fn file_findings(path: &str, src: &str, scan: &source::Scan, report: &CrateReport) -> Vec<Finding> {
    let file_location = location_of(path, report);
    let mut by_code: BTreeMap<(Code, LocationKind), Vec<&Hit>> = BTreeMap::new();
    for hit in &scan.hits {
        let location = if hit.in_test {
            LocationKind::Dev
        } else {
            file_location
        };
        let code = Code::Cap(place(location), hit.cap);
        by_code.entry((code, location)).or_default().push(hit);
    }
    let mut out = Vec::new();
    for ((code, location), hits) in by_code {
        let cap = hits[0].cap;
        if cap == Cap::Unsafe {
            let [b, f, i, t] = scan.unsafe_counts;
            let h = hits[0];
            out.push(at_line(
                (code, Severity::Info, FindingKind::Fact, location),
                path,
                src,
                h,
                format!("This file contains unsafe code: {b} blocks, {f} functions, {i} impls, {t} traits."),
            ));
            continue;
        }
        let more = hits.len().saturating_sub(MAX_HITS_PER_FILE);
        for h in hits.iter().take(MAX_HITS_PER_FILE) {
            let mut message = format!(
                "Code that {} {}: {}.",
                where_text(location),
                cap.title(),
                h.detail
            );
            if more > 0 {
                message.push_str(&format!(" This file has {more} more such places."));
            }
            out.push(at_line(
                (
                    code,
                    base_severity(cap, location),
                    FindingKind::Fact,
                    location,
                ),
                path,
                src,
                h,
                message,
            ));
        }
    }
    out
}

/// Names the function holding each finding of a file, when the file has
/// findings of two or more capabilities that the judgement may join, one
/// of them an act (the file is lexed a second time, so only then).
fn name_functions(src: &str, found: &mut [Finding]) {
    let caps: std::collections::BTreeSet<Cap> = found
        .iter()
        .filter_map(|f| f.code.cap())
        .filter(|c| !matches!(c, Cap::Unsafe | Cap::Ffi | Cap::InlineAsm | Cap::LongString))
        .collect();
    let acts = caps.iter().any(|c| {
        matches!(
            c,
            Cap::Process
                | Cap::Network
                | Cap::FsWrite
                | Cap::FsWalk
                | Cap::EnvCredentials
                | Cap::SecretPaths
                | Cap::CiDetection
        )
    });
    if caps.len() < 2 || !acts {
        return;
    }
    let spans = functions::spans(src);
    for f in found {
        f.function = f
            .line
            .and_then(|l| functions::holding(&spans, l))
            .map(|s| s.name.clone());
    }
}

/// A finding whose evidence is one line of a source file.
fn at_line(
    (code, severity, kind, location): (Code, Severity, FindingKind, LocationKind),
    path: &str,
    src: &str,
    hit: &Hit,
    message: String,
) -> Finding {
    Finding {
        code,
        severity,
        kind,
        location,
        file: Some(path.to_owned()),
        line: Some(hit.line),
        column: Some(hit.col),
        evidence: line_text(src, hit),
        message,
        function: None,
        note: None,
    }
}

fn where_text(location: LocationKind) -> &'static str {
    match location {
        LocationKind::Build => "runs at build time",
        LocationKind::ProcMacro => "runs inside the compiler",
        LocationKind::Runtime => "runs in the programs that use this crate",
        LocationKind::Dev => "runs only for the crate's own tests, examples or benchmarks",
        LocationKind::Package | LocationKind::Metadata => "ships in this package",
    }
}

/// Scans every Rust file and the package contents; fills `report.findings`
/// and `report.build_facts`, and returns the source of every file with a
/// finding worth an evidence page, by path.
pub fn package_findings(report: &mut CrateReport, files: &[RawFile]) -> BTreeMap<String, String> {
    let mut evidence = BTreeMap::new();
    let mut findings = Vec::new();
    let mut build = BuildFacts::default();
    for f in files {
        let Some(data) = f.data.as_deref() else {
            continue;
        };
        if !f.path.ends_with(".rs") {
            continue;
        }
        // Checked first: far faster than the lossy conversion on valid text.
        let src = match std::str::from_utf8(data) {
            Ok(s) => std::borrow::Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(data),
        };
        let scan = source::scan(&src);
        if scan.hits.is_empty() {
            continue;
        }
        let location = location_of(&f.path, report);
        if location == LocationKind::Build {
            build
                .spawned_literals
                .extend(scan.spawned_literals.iter().cloned());
            build.spawns_from_tool_env |= scan.spawns_from_tool_env;
            build
                .script_runs
                .extend(scan.script_runs.iter().map(|l| (f.path.clone(), *l)));
            if scan
                .hits
                .iter()
                .any(|h| h.cap == Cap::FsWrite && !h.in_test)
                && !scan.mentions_out_dir
            {
                let h = scan
                    .hits
                    .iter()
                    .find(|h| h.cap == Cap::FsWrite)
                    .expect("checked above");
                findings.push(at_line(
                    (Code::BuildWriteOutsideOutDir, Severity::Medium, FindingKind::Inference, location),
                    &f.path,
                    &src,
                    h,
                    "The build script writes files, and this file never mentions OUT_DIR, the only folder a build script should write to.".into(),
                ));
            }
        }
        let mut found = file_findings(&f.path, &src, &scan, report);
        name_functions(&src, &mut found);
        let worth_a_page =
            found.iter().any(|f| f.severity > Severity::Info) || location == LocationKind::Build;
        findings.extend(found);
        if worth_a_page
            && findings
                .iter()
                .any(|x| x.file.as_deref() == Some(f.path.as_str()))
            && data.len() <= MAX_EVIDENCE_SOURCE
        {
            evidence.insert(f.path.clone(), src.to_string());
        }
    }
    findings.extend(contents::findings(report, files, &build));
    report.findings = findings;
    report.build_facts = build;
    evidence
}

/// A finding about the crate's metadata (name, repository, releases).
pub(crate) fn metadata_finding(
    code: Code,
    severity: Severity,
    kind: FindingKind,
    evidence: String,
    message: String,
) -> Finding {
    Finding {
        code,
        severity,
        kind,
        location: LocationKind::Metadata,
        evidence,
        message,
        ..Finding::default()
    }
}

/// Sorts findings: highest severity first, then file, line and code.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.file.cmp(&b.file))
            .then_with(|| a.line.cmp(&b.line))
            .then_with(|| a.code.as_str().cmp(b.code.as_str()))
            .then_with(|| a.column.cmp(&b.column))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        let mut r = CrateReport {
            build_script: Some("build/main.rs".into()),
            ..CrateReport::default()
        };
        assert_eq!(location_of("build/main.rs", &r), LocationKind::Build);
        assert_eq!(location_of("build/util.rs", &r), LocationKind::Build);
        r.build_script = Some("rust/build.rs".into());
        assert_eq!(location_of("rust/helper.rs", &r), LocationKind::Build);
        assert_ne!(location_of("rust/src/net.rs", &r), LocationKind::Build);
        r.build_script = Some("build/main.rs".into());
        assert_eq!(location_of("src/lib.rs", &r), LocationKind::Runtime);
        assert_eq!(location_of("tests/t.rs", &r), LocationKind::Dev);
        assert_eq!(location_of("src/tests/net.rs", &r), LocationKind::Dev);
        assert_eq!(location_of("src/client/test.rs", &r), LocationKind::Dev);
        r.targets.proc_macro = true;
        assert_eq!(location_of("src/lib.rs", &r), LocationKind::ProcMacro);
    }
}
