//! A site of fixture crates analyzed and ranked in memory, as the signal
//! tests judge it: the attack fixtures with the popular crates they imitate
//! and three users of each.

use std::collections::{BTreeMap, BTreeSet};

use cargofox::analyze::{AnalyzeContext, analyze};
use cargofox::fetch::{CrateInput, IndexFacts, PreviousRelease};
use cargofox::model::{Analyzed, CrateReport, Dependency, RiskLevel, VersionInfo};
use sha2::Digest;

use super::Fixture;

pub const POPULAR: &[&str] = &[
    "rust_decimal",
    "proc-macro2",
    "fast_log",
    "acceptxmr",
    "finch",
    "tracing",
    "polymarket-client-sdk",
    "sha2",
];

pub struct Case {
    pub fixture: Fixture,
    pub deps: Vec<&'static str>,
    pub published: &'static str,
    pub previous: Option<(&'static str, Vec<&'static str>)>,
    /// The previous release's package, for the package comparison.
    pub previous_package: Option<Fixture>,
}

pub fn case(fixture: Fixture) -> Case {
    Case {
        fixture,
        deps: Vec::new(),
        published: "2026-01-01T00:00:00Z",
        previous: None,
        previous_package: None,
    }
}

pub fn dep(name: &str) -> Dependency {
    Dependency {
        name: name.into(),
        req: "*".into(),
        default_features: true,
        ..Dependency::default()
    }
}

/// Analyzes every case as one site, with three users of every popular crate.
/// The reports of a judged site, by name, and the files kept for each
/// crate's evidence pages.
pub struct Site {
    pub reports: BTreeMap<String, CrateReport>,
    pub evidence: BTreeMap<String, BTreeSet<String>>,
}

impl std::ops::Index<&str> for Site {
    type Output = CrateReport;
    fn index(&self, name: &str) -> &CrateReport {
        &self.reports[name]
    }
}

pub fn site(cases: Vec<Case>) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let mut all = cases;
    for p in POPULAR {
        all.push(case(Fixture::new(
            p,
            "1.0.0",
            &format!(
                "description = \"The real {p}\"\nrepository = \"https://github.com/real/{p}\""
            ),
        )));
    }
    for u in ["user-one", "user-two", "user-three"] {
        all.push(Case {
            deps: POPULAR.to_vec(),
            ..case(Fixture::new(
                u,
                "1.0.0",
                "repository = \"https://github.com/u/u\"",
            ))
        });
    }
    let analyzed: Vec<Analyzed> = all
        .iter()
        .map(|c| {
            let f = &c.fixture;
            let path = dir.path().join(format!("{}-{}.crate", f.name, f.version));
            std::fs::write(&path, f.crate_bytes()).unwrap();
            let mut versions = Vec::new();
            if let Some((v, _)) = &c.previous {
                versions.push(VersionInfo {
                    num: (*v).into(),
                    published: Some("2025-06-01T00:00:00Z".into()),
                    ..VersionInfo::default()
                });
            }
            versions.push(VersionInfo {
                num: f.version.clone(),
                published: Some(c.published.into()),
                ..VersionInfo::default()
            });
            let previous_file = c.previous_package.as_ref().map(|p| {
                let path = dir.path().join(format!("{}-{}.crate", p.name, p.version));
                std::fs::write(&path, p.crate_bytes()).unwrap();
                path
            });
            let input = CrateInput {
                previous_file,
                name: f.name.clone(),
                version: f.version.clone(),
                file: Some(path),
                index: Some(IndexFacts {
                    versions,
                    dependencies: c.deps.iter().map(|d| dep(d)).collect(),
                    features: BTreeMap::new(),
                    previous: c.previous.as_ref().map(|(v, d)| PreviousRelease {
                        version: (*v).to_owned(),
                        dependencies: d.iter().map(|n| dep(n)).collect(),
                        sha256: c
                            .previous_package
                            .as_ref()
                            .map_or([0; 32], |p| sha2::Sha256::digest(p.crate_bytes()).into()),
                    }),
                    audited: None,
                }),
                ..CrateInput::default()
            };
            analyze(&input, &AnalyzeContext::default())
        })
        .collect();
    let mut evidence = BTreeMap::new();
    let mut reports: Vec<CrateReport> = analyzed
        .into_iter()
        .map(|a| {
            let files = a.page.unwrap_or_default().evidence_sources.into_keys();
            evidence.insert(a.report.name.clone(), files.collect());
            a.report
        })
        .collect();
    cargofox::rank::rank(
        &mut reports,
        &cargofox::rank::RankInputs {
            source: "test",
            generated_at: "2026-01-10T00:00:00Z",
            ..Default::default()
        },
    );
    Site {
        reports: reports.into_iter().map(|r| (r.name.clone(), r)).collect(),
        evidence,
    }
}

pub fn codes(r: &CrateReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.code.as_str()).collect()
}

pub fn assert_high(site: &Site, name: &str, expected: &[&str]) {
    let r = &site[name];
    assert_eq!(
        r.risk.level,
        RiskLevel::High,
        "{name}: {:#?}\n{:#?}",
        r.risk,
        r.findings
    );
    for code in expected {
        assert!(
            codes(r).contains(code),
            "{name} lacks {code}: {:?}",
            codes(r)
        );
    }
    // Every finding with a line points at a file kept for its evidence page.
    for f in r
        .findings
        .iter()
        .filter(|f| f.line.is_some() && f.severity > cargofox::model::Severity::Info)
    {
        let file = f.file.as_deref().unwrap();
        assert!(
            site.evidence[name].contains(file),
            "{name}: no evidence source for {file}"
        );
    }
}

pub fn lib(body: &str) -> String {
    format!(
        "//! A library.\n\npub fn value() -> u32 {{\n    helper();\n    42\n}}\n\nfn helper() {{\n{body}\n}}\n"
    )
}

pub fn fake_pe() -> Vec<u8> {
    // The header of a PE file and nothing else: recognizable, not runnable.
    let mut v = vec![0u8; 256];
    v[..2].copy_from_slice(b"MZ");
    v[0x3c] = 0x80;
    v[0x80..0x84].copy_from_slice(b"PE\0\0");
    v
}

pub fn fake_elf() -> Vec<u8> {
    let mut v = b"\x7fELF\x02\x01\x01".to_vec();
    v.resize(512, 0);
    v
}
