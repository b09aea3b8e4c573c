//! The judgement: the rules of [`super::rules`] evaluated over a crate's
//! findings, gathered once into [`Facts`], giving a risk level and one
//! [`Reason`] per rule that fired, each naming the findings that fired it.
//!
//! Judging is pure and idempotent: the severities of capability findings
//! are computed again from their base severity every time (an ordinary
//! build tool, the crate's own service), the inferred findings of an
//! earlier judgement are replaced, and nothing is ever appended to a
//! finding. Known-good patterns are recognized by what the code does,
//! never by crate name.

use super::known::{
    CI_WORDS, CREDENTIAL_WORDS, NETWORK_WORDS, SHELL_WORDS, is_endpoint, mentions,
    program_severity, purpose_text, spawned_program,
};
use super::rules::rules;
use crate::model::{
    Cap, Code, CrateReport, Finding, FindingKind, LocationKind, Reason, Risk, RiskLevel, Severity,
};

/// What the rules read: the findings, and what the crate says it is about.
pub struct Facts<'a> {
    /// The findings, sorted, as the report will hold them.
    pub findings: &'a [Finding],
    /// The name, description, keywords and categories say it is about networking.
    pub about_network: bool,
    /// ... about starting programs, shells or terminals.
    pub about_shell: bool,
    /// ... about continuous integration.
    pub about_ci: bool,
}

/// Where a capability runs, as the rules distinguish it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// Anywhere but tests, examples and benchmarks.
    Live,
    /// In the build script or a proc macro.
    CompileTime,
    /// In the programs that use the crate.
    Runtime,
}

impl Facts<'_> {
    /// Positions of the findings that match.
    pub fn find(&self, pred: impl Fn(&Finding) -> bool) -> Vec<usize> {
        (0..self.findings.len())
            .filter(|&i| pred(&self.findings[i]))
            .collect()
    }

    /// Positions of the findings of a capability where it runs, leaving
    /// out `use` lines (an import is not an act).
    pub fn cap(&self, cap: Cap, run: Run) -> Vec<usize> {
        self.caps(&[cap], run)
    }

    /// Positions of the findings of any of these capabilities, leaving out
    /// `use` lines.
    pub fn caps(&self, caps: &[Cap], run: Run) -> Vec<usize> {
        self.find(|f| caps.iter().any(|c| f.code.is(*c)) && runs(f, run) && acts(f))
    }

    /// Positions of the program starts that are not ordinary build steps.
    pub fn spawns(&self, run: Run) -> Vec<usize> {
        self.find(|f| {
            f.code.is(Cap::Process) && runs(f, run) && f.severity > Severity::Info && acts(f)
        })
    }

    /// Positions of the starts of a shell or a download tool.
    pub fn shells(&self, run: Run) -> Vec<usize> {
        self.find(|f| starts_shell(f) && runs(f, run) && acts(f))
    }

    /// Positions of the findings with this code.
    pub fn code(&self, code: Code) -> Vec<usize> {
        self.find(|f| f.code == code)
    }

    /// One finding of each group, all in one function when the groups
    /// meet in one, else all in one file; empty when no file holds all.
    pub fn in_one_place(&self, groups: &[Vec<usize>]) -> Vec<usize> {
        if groups.iter().any(Vec::is_empty) {
            return Vec::new();
        }
        let fs = self.findings;
        let key = |i: usize| (fs[i].file.as_deref(), fs[i].function.as_deref());
        // The first one-file match, kept in case no function holds them all.
        let mut in_file: Option<Vec<usize>> = None;
        for &anchor in &groups[0] {
            let (file, function) = key(anchor);
            if file.is_none() {
                continue;
            }
            let pick = |same_function: bool| -> Option<Vec<usize>> {
                groups
                    .iter()
                    .map(|g| {
                        g.iter()
                            .copied()
                            .find(|&i| key(i).0 == file && (!same_function || key(i).1 == function))
                    })
                    .collect()
            };
            if function.is_some() {
                if let Some(all) = pick(true) {
                    return all;
                }
            }
            if in_file.is_none() {
                in_file = pick(false);
            }
        }
        in_file.unwrap_or_default()
    }

    /// One finding of each group, all in one function of one file; data
    /// outside every function (a literal or an array in a `const` or a
    /// `static`) joins any function of its file, while an act outside every
    /// function (an import, a field's type) joins none. Empty when no
    /// function holds all.
    pub fn in_one_function(&self, groups: &[Vec<usize>]) -> Vec<usize> {
        if groups.iter().any(Vec::is_empty) {
            return Vec::new();
        }
        let fs = self.findings;
        // Every (file, function) that some finding names, in order.
        let mut places: Vec<(&str, Option<&str>)> = groups
            .iter()
            .flatten()
            .filter_map(|&i| Some((fs[i].file.as_deref()?, fs[i].function.as_deref())))
            .collect();
        places.sort_unstable();
        places.dedup();
        for (file, function) in places {
            let fits = |i: usize| {
                fs[i].file.as_deref() == Some(file)
                    && (fs[i].function.as_deref() == function
                        || fs[i].function.is_none() && is_data(&fs[i]))
            };
            let all: Option<Vec<usize>> = groups
                .iter()
                .map(|g| g.iter().copied().find(|&i| fits(i)))
                .collect();
            if let Some(all) = all {
                return all;
            }
        }
        Vec::new()
    }

    /// The first finding of each group, wherever they are; empty when a
    /// group is empty.
    pub fn in_crate(&self, groups: &[Vec<usize>]) -> Vec<usize> {
        if groups.iter().any(Vec::is_empty) {
            return Vec::new();
        }
        groups.iter().map(|g| g[0]).collect()
    }

    /// URL findings whose URL is a bare endpoint, not a documentation link.
    pub fn endpoints(&self, run: Run) -> Vec<usize> {
        self.find(|f| {
            runs(f, run)
                && (f.code.is(Cap::IpAddress) || f.code.is(Cap::Url) && is_endpoint(&f.message))
        })
    }
}

/// Whether a finding is data held in a literal or an array, which a
/// `const` or a `static` outside every function can hold for a function.
fn is_data(f: &Finding) -> bool {
    f.code.cap().is_some_and(|c| {
        matches!(
            c,
            Cap::Url
                | Cap::IpAddress
                | Cap::SecretPaths
                | Cap::LongString
                | Cap::EncodedBlob
                | Cap::HighEntropyString
                | Cap::ByteArray
                | Cap::IncludeBytes
                | Cap::KeyPattern
                | Cap::ShellCommand
        )
    })
}

/// Whether a finding is something the code does where it says: neither an
/// import nor a line a proc macro writes into its users (`quote!`).
pub fn acts(f: &Finding) -> bool {
    !(imports(f) || f.location == LocationKind::ProcMacro && quoted(&f.evidence))
}

/// Whether a finding's evidence is a `use` line.
pub fn imports(f: &Finding) -> bool {
    let line = f.evidence.trim_start();
    let line = line
        .strip_prefix("pub(crate) ")
        .or_else(|| line.strip_prefix("pub "))
        .unwrap_or(line);
    line.starts_with("use ")
}

/// Whether a finding's code runs where `run` says.
pub fn runs(f: &Finding, run: Run) -> bool {
    match run {
        Run::Live => f.location != LocationKind::Dev,
        Run::CompileTime => matches!(f.location, LocationKind::Build | LocationKind::ProcMacro),
        Run::Runtime => f.location == LocationKind::Runtime,
    }
}

/// Whether a process finding starts a shell or a download tool, or runs a
/// command line through `system` or `exec*`.
pub fn starts_shell(f: &Finding) -> bool {
    f.code.is(Cap::Process)
        && (program_severity(spawned_program(&f.evidence)) == Severity::High
            || [
                "system(",
                ".exec(",
                "execv",
                "execl",
                "ShellExecute",
                "WinExec",
                "CreateProcess",
            ]
            .iter()
            .any(|p| f.evidence.contains(p)))
}

/// Severity and note of a capability finding, computed from its base
/// severity and what the crate's build script and purpose say.
///
/// `urls` are the crate's URL findings by file, to recognize a credential
/// sent to the service it belongs to.
fn adjusted_with(
    f: &Finding,
    r: &CrateReport,
    about_credentials: bool,
    words: &[&str],
    urls: &[(&str, String)],
) -> Finding {
    let Code::Cap(_, cap) = f.code else {
        return f.clone();
    };
    let mut out = Finding {
        severity: super::base_severity(cap, f.location),
        note: None,
        ..f.clone()
    };
    let compile_time = runs(f, Run::CompileTime);
    if f.location == LocationKind::ProcMacro && quoted(&f.evidence) {
        out.severity = Severity::Info;
        out.note = Some(
            "The line interpolates `#name` as `quote!` does: it is code the macro writes into the crates that use it, not code that runs in the compiler."
                .into(),
        );
        return out;
    }
    if compile_time && cap == Cap::Process {
        let runs_script = r
            .build_facts
            .script_runs
            .iter()
            .any(|(file, line)| Some(file) == f.file.as_ref() && Some(*line) == f.line);
        out.severity = match spawned_program(&f.evidence) {
            None if r.build_facts.spawns_from_tool_env => Severity::Info,
            Some(_) if runs_script => Severity::Low,
            p => program_severity(p),
        };
        if runs_script {
            out.note =
                Some("It runs a configure or build script that ships in the package.".into());
        } else if out.severity == Severity::Info {
            out.note = Some("It starts a compiler or another ordinary build tool.".into());
        }
    }
    if f.location == LocationKind::Runtime && matches!(cap, Cap::SecretPaths | Cap::EnvCredentials)
    {
        // `HF_TOKEN` read by `opendal-service-hf`, the service the crate is
        // named after; `GITHUB_TOKEN` read in `src/github.rs`, or in a file
        // whose URLs go to that service.
        // `~/.ssh/id_rsa` read in `src/ssh.rs`.
        let file = f.file.as_deref().unwrap_or("").to_ascii_lowercase();
        let owner = if cap == Cap::EnvCredentials {
            f.message
                .rsplit_once(": ")
                .and_then(|(_, name)| name.split('_').next())
                .map(str::to_ascii_lowercase)
        } else {
            service_of_secret(&f.message).map(str::to_owned)
        };
        let named = owner
            .as_deref()
            .is_some_and(|o| o.len() >= 2 && words.contains(&o));
        let served = owner.as_deref().is_some_and(|owner| {
            owner.len() >= 3
                && (owner.len() >= 4 && words.iter().any(|w| w.starts_with(owner))
                    || file.contains(owner)
                    || urls.iter().any(|(in_file, url)| {
                        Some(*in_file) == f.file.as_deref() && url_host(url).contains(owner)
                    }))
        });
        if about_credentials || named {
            out.severity = Severity::Low;
            out.note = Some(
                "The crate's name or description says it deals with this service or with credentials."
                    .into(),
            );
        } else if served {
            out.severity = Severity::Low;
            out.note = Some(
                "The file is about the service these credentials belong to: its name or its URLs name it."
                    .into(),
            );
        }
    }
    out
}

/// Whether a line holds a `quote!` interpolation (`#name`, `#(...)`), so
/// that it is code a proc macro generates rather than runs.
fn quoted(line: &str) -> bool {
    line.match_indices('#').any(|(i, _)| {
        line[i + 1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '(')
    })
}

/// The service a secret path belongs to (`ssh` for `~/.ssh/id_rsa`), from
/// the finding's message.
fn service_of_secret(message: &str) -> Option<&'static str> {
    const SERVICES: &[(&str, &str)] = &[
        (".ssh", "ssh"),
        ("id_rsa", "ssh"),
        ("id_ed25519", "ssh"),
        ("id_ecdsa", "ssh"),
        (".aws", "aws"),
        (".docker", "docker"),
        (".kube", "kube"),
        (".npmrc", "npm"),
        (".pypirc", "pypi"),
        (".gnupg", "gpg"),
        (".git-credentials", "git"),
        ("credentials.toml", "cargo"),
        (".cargo/credentials", "cargo"),
    ];
    let lower = message.to_ascii_lowercase();
    SERVICES
        .iter()
        .find(|(fragment, _)| lower.contains(fragment))
        .map(|(_, service)| *service)
}

/// The host of a URL (`api.zoo.dev` of `https://api.zoo.dev/x`).
fn url_host(url: &str) -> &str {
    url.split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("")
}

/// The inferred finding that a crate not about networking opens connections.
fn network_unexpected(findings: &[Finding], about_network: bool) -> Option<Finding> {
    if about_network {
        return None;
    }
    let first = findings
        .iter()
        .find(|f| f.location == LocationKind::Runtime && f.code.is(Cap::Network))?;
    Some(Finding {
        code: Code::CodeNetworkUnexpected,
        severity: Severity::Medium,
        kind: FindingKind::Inference,
        message: "This crate opens network connections at run time, but its name, description, keywords and categories say nothing about networking.".into(),
        note: None,
        ..first.clone()
    })
}

/// Adjusts severities, adds the inferred findings, and sets the risk.
pub fn judge(r: &mut CrateReport) {
    let purpose = purpose_text(r);
    let words: Vec<&str> = purpose.split_whitespace().collect();
    let about_credentials = mentions(&purpose, CREDENTIAL_WORDS);
    let about_network = mentions(&purpose, NETWORK_WORDS);
    let urls: Vec<(&str, String)> = r
        .findings
        .iter()
        .filter(|f| f.code.is(Cap::Url))
        .filter_map(|f| {
            let url = f.message.rsplit_once(": ")?.1;
            Some((f.file.as_deref()?, url.to_ascii_lowercase()))
        })
        .collect();
    let mut findings: Vec<Finding> = r
        .findings
        .iter()
        .filter(|f| f.code != Code::CodeNetworkUnexpected)
        .map(|f| adjusted_with(f, r, about_credentials, &words, &urls))
        .collect();
    findings.extend(network_unexpected(&findings, about_network));
    super::sort(&mut findings);
    let facts = Facts {
        findings: &findings,
        about_network,
        about_shell: mentions(&purpose, SHELL_WORDS),
        about_ci: mentions(&purpose, CI_WORDS),
    };
    let mut reasons: Vec<Reason> = Vec::new();
    for rule in rules() {
        let fired = (rule.fires)(&facts, &reasons);
        if !fired.is_empty() {
            let mut fired = fired;
            fired.sort_unstable();
            fired.dedup();
            reasons.push(Reason {
                level: rule.level,
                rule: rule.id.to_owned(),
                text: rule.text.to_owned(),
                findings: fired,
            });
        }
    }
    reasons.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.rule.cmp(&b.rule)));
    r.risk = Risk {
        level: reasons.first().map_or(RiskLevel::None, |r| r.level),
        reasons,
    };
    r.findings = findings;
}
