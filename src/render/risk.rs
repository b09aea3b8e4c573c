//! The risk views: the Risk section of a crate page (findings grouped by
//! where the code runs), the evidence pages (a file's source with the
//! finding lines highlighted), the report page (crates by level and by
//! signal) and the Atom feed of new medium and high findings.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Code, CrateReport, Finding, LocationKind, PageData, RiskLevel, Severity};

use super::views::slug;

/// The methodology anchor documenting `code`.
pub fn anchor(code: Code) -> String {
    match code {
        Code::Cap(_, cap) => format!("cap-{}", cap.name()),
        other => other.as_str().to_owned(),
    }
}

/// The file name of the evidence page of `path` (the n-th file with evidence).
fn evidence_file(n: usize, path: &str) -> String {
    let clean: String = path
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    format!("{n}-{clean}.html")
}

/// Evidence page names of a crate, by file path.
pub fn evidence_pages(page: &PageData) -> BTreeMap<&str, String> {
    page.evidence_sources
        .keys()
        .enumerate()
        .map(|(n, p)| (p.as_str(), evidence_file(n, p)))
        .collect()
}

#[derive(Serialize)]
struct FindingView {
    code: &'static str,
    anchor: String,
    severity: &'static str,
    kind: &'static str,
    message: String,
    note: Option<String>,
    function: Option<String>,
    place: String,
    href: Option<String>,
    evidence: String,
}

#[derive(Serialize)]
struct GroupView {
    title: &'static str,
    serious: Vec<FindingView>,
    info: Vec<FindingView>,
}

const GROUPS: &[(LocationKind, &str)] = &[
    (
        LocationKind::Build,
        "Build script: runs on every machine that compiles this crate",
    ),
    (
        LocationKind::ProcMacro,
        "Procedural macro: runs inside the compiler",
    ),
    (
        LocationKind::Runtime,
        "Library and binaries: run inside the programs that use this crate",
    ),
    (LocationKind::Package, "Package contents"),
    (LocationKind::Metadata, "Name, repository and releases"),
    (
        LocationKind::Dev,
        "Tests, examples and benchmarks: run only for the crate's developers",
    ),
];

fn finding_view(
    f: &Finding,
    base: &str,
    page_slug: &str,
    pages: &BTreeMap<&str, String>,
) -> FindingView {
    let place = match (&f.file, f.line) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        (Some(file), None) => file.clone(),
        _ => f.location.as_str().to_owned(),
    };
    let href = match (&f.file, f.line) {
        (Some(file), Some(line)) => pages
            .get(file.as_str())
            .map(|p| format!("{base}crates/{page_slug}/evidence/{p}#L{line}")),
        _ => None,
    };
    FindingView {
        anchor: anchor(f.code),
        code: f.code.as_str(),
        severity: f.severity.as_str(),
        kind: match f.kind {
            crate::model::FindingKind::Fact => "fact",
            crate::model::FindingKind::Inference => "inference",
        },
        message: f.message.clone(),
        note: f.note.clone(),
        function: f.function.clone(),
        place,
        href,
        evidence: f.evidence.clone(),
    }
}

#[derive(Serialize)]
struct ReasonView {
    level: &'static str,
    rule: String,
    text: String,
    findings: Vec<FindingView>,
}

/// The reasons of a crate page's judgement, each with the findings that
/// fired it, linked to their evidence.
pub fn reasons<'a>(
    r: &'a CrateReport,
    page: &'a PageData,
    base: &str,
) -> Vec<impl Serialize + use<'a>> {
    let view = viewer(r, page, base);
    r.risk
        .reasons
        .iter()
        .map(|reason| ReasonView {
            level: reason.level.as_str(),
            rule: reason.rule.clone(),
            text: reason.text.clone(),
            findings: reason
                .findings
                .iter()
                .filter_map(|&i| r.findings.get(i))
                .map(&view)
                .collect(),
        })
        .collect()
}

/// The view of one finding of `r`, linked to its evidence page.
fn viewer<'a>(
    r: &'a CrateReport,
    page: &'a PageData,
    base: &'a str,
) -> impl Fn(&Finding) -> FindingView + 'a {
    let pages = evidence_pages(page);
    let page_slug = slug(&r.name);
    move |f| finding_view(f, base, &page_slug, &pages)
}

/// The finding groups of a crate page.
pub fn finding_groups<'a>(
    r: &'a CrateReport,
    page: &'a PageData,
    base: &str,
) -> Vec<impl Serialize + use<'a>> {
    let view_one = viewer(r, page, base);
    GROUPS
        .iter()
        .filter_map(|(loc, title)| {
            let (serious, info): (Vec<&Finding>, Vec<&Finding>) = r
                .findings
                .iter()
                .filter(|f| f.location == *loc)
                .partition(|f| f.severity > Severity::Info);
            let view = |v: Vec<&Finding>| v.into_iter().map(&view_one).collect::<Vec<_>>();
            (!serious.is_empty() || !info.is_empty()).then(|| GroupView {
                title,
                serious: view(serious),
                info: view(info),
            })
        })
        .collect()
}

#[derive(Serialize)]
struct LineView<'a> {
    n: usize,
    text: &'a str,
    hit: bool,
    /// Lines left out before this one (0: none).
    skipped: usize,
}

/// A file of at most this many lines is shown whole on its evidence page.
pub const WHOLE_FILE_LINES: usize = 200;
/// A build script of at most this many lines is shown whole: all of it runs
/// on the machine of everyone who compiles the crate.
pub const WHOLE_BUILD_SCRIPT_LINES: usize = 1500;
/// Lines shown before and after each finding of a longer file.
pub const EXCERPT_CONTEXT: usize = 8;

/// The lines of `src` an evidence page shows: all of them for a short file
/// (or a build script of reasonable length, or when no finding has a line),
/// otherwise the lines around each finding, with the count of lines left out
/// before each shown one.
fn shown_lines<'a>(
    src: &'a str,
    hits: &std::collections::BTreeSet<usize>,
    build: bool,
) -> (Vec<LineView<'a>>, bool) {
    let all: Vec<&str> = src.lines().collect();
    let whole = all.len() <= WHOLE_FILE_LINES
        || (build && all.len() <= WHOLE_BUILD_SCRIPT_LINES)
        || hits.is_empty();
    let near = |n: usize| {
        hits.range(n.saturating_sub(EXCERPT_CONTEXT)..=n + EXCERPT_CONTEXT)
            .next()
            .is_some()
    };
    let mut lines = Vec::new();
    let mut skipped = 0;
    for (i, text) in all.into_iter().enumerate() {
        let n = i + 1;
        if whole || near(n) {
            lines.push(LineView {
                n,
                text,
                hit: hits.contains(&n),
                skipped: std::mem::take(&mut skipped),
            });
        } else {
            skipped += 1;
        }
    }
    (lines, whole)
}

#[derive(Serialize)]
struct EvidenceFinding {
    line: u32,
    severity: &'static str,
    code: &'static str,
    anchor: String,
    message: String,
}

/// The view of one evidence page.
#[derive(Serialize)]
pub struct EvidenceView<'a> {
    slug: String,
    path: &'a str,
    r#where: &'static str,
    findings: Vec<EvidenceFinding>,
    lines: Vec<LineView<'a>>,
    /// Whether every line of the file is shown.
    whole: bool,
    /// Lines of the file.
    total_lines: usize,
    /// Lines left out after the last one shown.
    skipped_at_end: usize,
}

/// Evidence pages of a report: (file name, view).
pub fn evidence_views<'a>(
    r: &'a CrateReport,
    page: &'a PageData,
) -> Vec<(String, EvidenceView<'a>)> {
    let pages = evidence_pages(page);
    page.evidence_sources
        .iter()
        .map(|(path, src)| {
            let findings: Vec<EvidenceFinding> = r
                .findings
                .iter()
                .filter(|f| f.file.as_deref() == Some(path.as_str()))
                .filter_map(|f| {
                    Some(EvidenceFinding {
                        line: f.line?,
                        severity: f.severity.as_str(),
                        code: f.code.as_str(),
                        anchor: anchor(f.code),
                        message: f.message.clone(),
                    })
                })
                .collect();
            let hits: std::collections::BTreeSet<usize> =
                findings.iter().map(|f| f.line as usize).collect();
            let location = crate::signals::location_of(path, r);
            let (lines, whole) = shown_lines(src, &hits, location == LocationKind::Build);
            let total_lines = src.lines().count();
            let skipped_at_end = total_lines - lines.last().map_or(0, |l| l.n);
            let view = EvidenceView {
                slug: slug(&r.name),
                path,
                r#where: match location {
                    LocationKind::Build => "build script: runs when the crate is compiled",
                    LocationKind::ProcMacro => "procedural macro: runs inside the compiler",
                    LocationKind::Runtime => "library or binary code",
                    _ => "tests, examples or other files not compiled into dependents",
                },
                findings,
                lines,
                whole,
                total_lines,
                skipped_at_end,
            };
            (pages[path.as_str()].clone(), view)
        })
        .collect()
}

#[derive(Serialize)]
struct LevelCount {
    level: &'static str,
    count: usize,
}

/// Crates of each serious level shown on the report page; all of them are
/// on `report/{level}/`.
const REPORT_ROWS: usize = 50;

#[derive(Serialize)]
struct CodeRow {
    code: &'static str,
    anchor: String,
    crates: usize,
    findings: usize,
    worst: &'static str,
}

/// The view of the report page.
#[derive(Serialize)]
pub struct ReportView<'a> {
    levels: Vec<LevelCount>,
    lists: Vec<super::lists::LevelPreview<'a>>,
    codes: Vec<CodeRow>,
}

/// Builds the report page's view.
pub fn report_view(reports: &[CrateReport]) -> ReportView<'_> {
    let levels = [
        RiskLevel::High,
        RiskLevel::Medium,
        RiskLevel::Low,
        RiskLevel::None,
    ];
    let mut codes: BTreeMap<Code, (std::collections::BTreeSet<&str>, usize, Severity)> =
        BTreeMap::new();
    for r in reports {
        for f in &r.findings {
            let e = codes
                .entry(f.code)
                .or_insert_with(|| (Default::default(), 0, Severity::Info));
            e.0.insert(r.name.as_str());
            e.1 += 1;
            e.2 = e.2.max(f.severity);
        }
    }
    let mut code_rows: Vec<CodeRow> = codes
        .into_iter()
        .map(|(code, (crates, findings, worst))| CodeRow {
            anchor: anchor(code),
            code: code.as_str(),
            crates: crates.len(),
            findings,
            worst: worst.as_str(),
        })
        .collect();
    code_rows.sort_by(|a, b| b.crates.cmp(&a.crates).then_with(|| a.code.cmp(b.code)));
    ReportView {
        levels: levels
            .iter()
            .map(|l| LevelCount {
                level: l.as_str(),
                count: reports.iter().filter(|r| r.risk.level == *l).count(),
            })
            .collect(),
        lists: super::lists::LISTED_LEVELS
            .iter()
            .map(|&l| super::lists::level_preview(reports, l, REPORT_ROWS))
            .collect(),
        codes: code_rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_file_shows_the_lines_around_its_findings() {
        let src: String = (1..=1000).map(|n| format!("line {n}\n")).collect();
        let hits = [100, 105, 900].into_iter().collect();
        let (lines, whole) = shown_lines(&src, &hits, false);
        assert!(!whole);
        let shown: Vec<(usize, usize, bool)> =
            lines.iter().map(|l| (l.n, l.skipped, l.hit)).collect();
        let mut expected = Vec::new();
        for n in 92..=113 {
            expected.push((n, if n == 92 { 91 } else { 0 }, n == 100 || n == 105));
        }
        for n in 892..=908 {
            expected.push((n, if n == 892 { 778 } else { 0 }, n == 900));
        }
        assert_eq!(shown, expected);
        assert_eq!(lines[0].text, "line 92");

        // The same file as a build script, or a short file, is shown whole.
        assert!(shown_lines(&src, &hits, true).1);
        let short: String = (1..=200).map(|n| format!("{n}\n")).collect();
        let (lines, whole) = shown_lines(&short, &hits, false);
        assert!(whole && lines.len() == 200 && lines.iter().all(|l| l.skipped == 0));
    }
}
