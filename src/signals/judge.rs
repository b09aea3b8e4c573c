//! The judgement: explicit rules that turn a crate's findings into a risk
//! level (none, low, medium, high) with the reasons a reader can check. Each
//! rule is documented on the methodology page. Known-good patterns are
//! recognized by what the code does, never by crate name: a build script
//! that runs a compiler, `pkg-config` or `rustc` is ordinary; a network
//! client is expected in a crate that says it is about networking.

use super::known::{
    CREDENTIAL_WORDS, NETWORK_WORDS, SHELL_WORDS, is_endpoint, mentions, program_severity,
    purpose_text, spawned_program,
};
use crate::model::{CrateReport, Finding, FindingKind, LocationKind, Risk, RiskLevel, Severity};

fn push(reasons: &mut Vec<(RiskLevel, String)>, level: RiskLevel, text: &str) {
    reasons.push((level, text.to_owned()));
}

fn compile_time(f: &Finding) -> bool {
    matches!(f.location, LocationKind::Build | LocationKind::ProcMacro)
}

fn is(f: &Finding, cap: &str) -> bool {
    f.code.ends_with(&format!("-{cap}"))
        && matches!(f.code.split('-').next(), Some("build" | "macro" | "code"))
}

/// Adjusts severities by the rules, adds inferred findings, and sets the risk.
pub fn judge(r: &mut CrateReport) {
    r.findings.retain(|f| f.code != "code-network-unexpected");
    let purpose = purpose_text(r);
    let about_network = mentions(&purpose, NETWORK_WORDS);
    let about_credentials = mentions(&purpose, CREDENTIAL_WORDS);
    let tool_env = r.build_facts.spawns_from_tool_env;

    // Ordinary and suspicious programs started at build time.
    for f in r
        .findings
        .iter_mut()
        .filter(|f| compile_time(f) && is(f, "process"))
    {
        let program = spawned_program(&f.evidence);
        let runs_script = r
            .build_facts
            .script_runs
            .iter()
            .any(|(file, line)| Some(file) == f.file.as_ref() && Some(*line) == f.line);
        f.severity = match program {
            None if tool_env => Severity::Info,
            Some(_) if runs_script => Severity::Low,
            p => program_severity(p),
        };
        if runs_script {
            f.message
                .push_str(" It runs a configure or build script that ships in the package.");
        }
        if f.severity == Severity::Info {
            f.message
                .push_str(" It starts a compiler or another ordinary build tool.");
        }
    }
    // Secrets read by a crate whose stated purpose is handling them.
    let words: Vec<&str> = purpose.split_whitespace().collect();
    for f in r.findings.iter_mut().filter(|f| {
        f.location == LocationKind::Runtime && (is(f, "secret-paths") || is(f, "env-credentials"))
    }) {
        // `HF_TOKEN` read by `opendal-service-hf`: the service the crate is named after.
        let own_service = is(f, "env-credentials")
            && f.message
                .rsplit_once(": ")
                .and_then(|(_, name)| name.split('_').next())
                .is_some_and(|owner| {
                    let owner = owner.to_ascii_lowercase();
                    owner.len() >= 2 && words.contains(&owner.as_str())
                });
        if about_credentials || own_service {
            f.severity = Severity::Low;
            f.message.push_str(" The crate's name or description says it deals with this service or with credentials.");
        }
    }
    let live = |f: &&Finding| f.location != LocationKind::Dev;
    let has = |cap: &str, pred: &dyn Fn(&Finding) -> bool| {
        r.findings
            .iter()
            .filter(live)
            .any(|f| is(f, cap) && pred(f))
    };
    let any = |_: &Finding| true;
    let at_compile = |f: &Finding| compile_time(f);
    let runtime = |f: &Finding| f.location == LocationKind::Runtime;

    let mut reasons: Vec<(RiskLevel, String)> = Vec::new();
    let mut inferred: Vec<Finding> = Vec::new();

    if has("network", &at_compile) {
        push(
            &mut reasons,
            RiskLevel::High,
            "Code that runs at build time or inside the compiler opens network connections [build-network, macro-network].",
        );
    }
    let worst_spawn = r
        .findings
        .iter()
        .filter(|f| compile_time(f) && is(f, "process"))
        .map(|f| f.severity)
        .max();
    match worst_spawn {
        Some(Severity::High) => push(
            &mut reasons,
            RiskLevel::High,
            "The build script or proc macro starts a shell or a download tool [build-process, macro-process].",
        ),
        Some(Severity::Medium) => push(
            &mut reasons,
            RiskLevel::Medium,
            "The build script or proc macro starts a program that is not an ordinary build tool [build-process, macro-process].",
        ),
        _ => {}
    }
    let runs_script = |f: &Finding| {
        r.build_facts
            .script_runs
            .iter()
            .any(|(file, line)| Some(file) == f.file.as_ref() && Some(*line) == f.line)
    };
    let suspicious_spawn = |f: &Finding| {
        is(f, "process")
            && !runs_script(f)
            && program_severity(spawned_program(&f.evidence)) == Severity::High
    };
    // Shells and download tools started by the code that runs in dependents' programs.
    let spawn_files: Vec<&Option<String>> = r
        .findings
        .iter()
        .filter(|f| f.location == LocationKind::Runtime && suspicious_spawn(f))
        .map(|f| &f.file)
        .collect();
    if !spawn_files.is_empty() {
        let remote = |f: &Finding| {
            is(f, "network") || is(f, "url") || is(f, "ip-address") || is(f, "ci-detection")
        };
        let reaches_out = r.findings.iter().any(|f| {
            f.location == LocationKind::Runtime && remote(f) && spawn_files.contains(&&f.file)
        });
        if reaches_out && !mentions(&purpose, SHELL_WORDS) {
            push(
                &mut reasons,
                RiskLevel::High,
                "Library code starts a shell or a download tool and names a remote address [code-process, code-url].",
            );
        } else {
            push(
                &mut reasons,
                RiskLevel::Medium,
                "Library code starts a shell or a download tool [code-process].",
            );
        }
    }
    let secrets = |f: &Finding| {
        (is(f, "secret-paths") || is(f, "env-credentials")) && f.severity == Severity::High
    };
    if r.findings.iter().filter(live).any(secrets) {
        push(
            &mut reasons,
            RiskLevel::High,
            "The code reads a file where secrets are kept or an environment variable named like a credential [*-secret-paths, *-env-credentials].",
        );
    } else if r
        .findings
        .iter()
        .filter(live)
        .any(|f| is(f, "secret-paths") || is(f, "env-credentials"))
    {
        push(
            &mut reasons,
            RiskLevel::Low,
            "The code reads credentials, as its description says it does [*-secret-paths, *-env-credentials].",
        );
    }
    // CI detection next to a download or a process start, in the same file.
    let ci_files: Vec<&Option<String>> = r
        .findings
        .iter()
        .filter(live)
        .filter(|f| is(f, "ci-detection"))
        .map(|f| &f.file)
        .collect();
    let acts_in = |file: &Option<String>| {
        r.findings
            .iter()
            .filter(live)
            .any(|f| &f.file == file && (is(f, "network") || suspicious_spawn(f)))
    };
    if ci_files.iter().any(|file| acts_in(file)) {
        push(
            &mut reasons,
            RiskLevel::High,
            "A file checks whether it runs in continuous integration and also downloads or starts programs [*-ci-detection].",
        );
    }
    match r
        .findings
        .iter()
        .filter(|f| f.code == "pkg-executable")
        .map(|f| f.severity)
        .max()
    {
        Some(Severity::High) => push(
            &mut reasons,
            RiskLevel::High,
            "The package ships an executable that its build script starts [pkg-executable].",
        ),
        Some(_) => push(
            &mut reasons,
            RiskLevel::Medium,
            "The package ships compiled code that cannot be read as source [pkg-executable].",
        ),
        None => {}
    }
    if has("network", &runtime) && !about_network {
        let first = r
            .findings
            .iter()
            .find(|f| f.location == LocationKind::Runtime && is(f, "network"))
            .cloned();
        if let Some(f) = first {
            inferred.push(Finding {
                code: "code-network-unexpected".into(),
                severity: Severity::Medium,
                kind: FindingKind::Inference,
                message: "This crate opens network connections at run time, but its name, description, keywords and categories say nothing about networking.".into(),
                ..f
            });
        }
        let net_files: Vec<&Option<String>> = r
            .findings
            .iter()
            .filter(|f| f.location == LocationKind::Runtime && is(f, "network"))
            .map(|f| &f.file)
            .collect();
        let endpoint_beside = r.findings.iter().any(|f| {
            f.location == LocationKind::Runtime
                && (is(f, "ip-address") || is(f, "url") && is_endpoint(&f.message))
                && net_files.contains(&&f.file)
        });
        let high_secrets = r.findings.iter().filter(live).any(|f| {
            (is(f, "secret-paths") || is(f, "env-credentials")) && f.severity == Severity::High
        });
        let obfuscated_beside = r.findings.iter().any(|f| {
            f.location == LocationKind::Runtime
                && (is(f, "encoded-blob") || is(f, "high-entropy-string") || is(f, "xor-decoding"))
                && net_files.contains(&&f.file)
        });
        if high_secrets || obfuscated_beside || has("fs-walk", &runtime) && endpoint_beside {
            push(
                &mut reasons,
                RiskLevel::High,
                "A network client in a crate not about networking, with secrets, obfuscated data, or folder walks and a hard-coded endpoint [code-network-unexpected].",
            );
        } else {
            push(
                &mut reasons,
                RiskLevel::Medium,
                "A network client in a crate whose description says nothing about networking [code-network-unexpected].",
            );
        }
    }
    let obfuscated_compile = has("encoded-blob", &at_compile)
        || has("high-entropy-string", &at_compile)
        || has("xor-decoding", &at_compile);
    if obfuscated_compile {
        let acts = has("network", &any)
            || r.findings
                .iter()
                .filter(live)
                .any(|f| is(f, "process") && f.severity >= Severity::Medium);
        if acts {
            push(
                &mut reasons,
                RiskLevel::High,
                "Obfuscated data in code that runs at build time, in a crate that downloads or starts programs [build-encoded-blob, build-xor-decoding].",
            );
        } else {
            push(
                &mut reasons,
                RiskLevel::Medium,
                "Obfuscated data in code that runs at build time [build-encoded-blob, build-high-entropy-string, build-xor-decoding].",
            );
        }
    }
    if has("dynamic-loading", &at_compile) {
        push(
            &mut reasons,
            RiskLevel::Medium,
            "The build script loads a library at run time [build-dynamic-loading].",
        );
    }
    if r.findings
        .iter()
        .any(|f| f.code == "build-write-outside-out-dir")
    {
        push(
            &mut reasons,
            RiskLevel::Medium,
            "The build script writes files but never mentions OUT_DIR [build-write-outside-out-dir].",
        );
    }
    match r
        .findings
        .iter()
        .filter(|f| f.code == "release-young-dependency")
        .map(|f| f.severity)
        .max()
    {
        Some(Severity::High) => push(
            &mut reasons,
            RiskLevel::High,
            "The newest release depends on a days-old crate that runs a build script [release-young-dependency].",
        ),
        Some(_) => push(
            &mut reasons,
            RiskLevel::Medium,
            "The newest release depends on a crate first published days before [release-young-dependency].",
        ),
        None => {}
    }
    let release_serious = |code: &str| {
        r.findings
            .iter()
            .any(|f| f.code == code && f.severity >= Severity::Medium)
    };
    if release_serious("release-build-script-added") {
        let acts = r.findings.iter().any(|f| {
            f.location == LocationKind::Build
                && (is(f, "network") || is(f, "process"))
                && f.severity >= Severity::Medium
        });
        if acts {
            push(
                &mut reasons,
                RiskLevel::High,
                "A patch release adds a build script that opens connections or starts programs [release-build-script-added, build-network, build-process].",
            );
        } else {
            push(
                &mut reasons,
                RiskLevel::Medium,
                "A patch release adds a build script [release-build-script-added].",
            );
        }
    }
    if release_serious("release-new-capability") {
        push(
            &mut reasons,
            RiskLevel::Medium,
            "The newest release can do something serious the previous one could not [release-new-capability].",
        );
    }
    if release_serious("release-new-binary") {
        push(
            &mut reasons,
            RiskLevel::Medium,
            "The newest release adds compiled code [release-new-binary].",
        );
    }
    if release_serious("release-repository-changed") {
        push(
            &mut reasons,
            RiskLevel::Medium,
            "The repository changed between releases [release-repository-changed].",
        );
    }
    if r.findings.iter().any(|f| {
        f.code.starts_with("release-")
            && f.code != "release-new-dependency"
            && f.severity == Severity::Low
    }) {
        push(
            &mut reasons,
            RiskLevel::Low,
            "The newest release changes the build script, the homepage or the package's size [release-*].",
        );
    }
    if r.findings
        .iter()
        .any(|f| f.code == "release-new-dependency" && f.severity == Severity::Low)
    {
        push(
            &mut reasons,
            RiskLevel::Low,
            "A patch release adds a dependency [release-new-dependency].",
        );
    }
    if r.findings
        .iter()
        .any(|f| f.code == "pkg-vcs-dirty" || f.code == "repo-missing")
    {
        push(
            &mut reasons,
            RiskLevel::Low,
            "The package cannot be fully compared with its repository [pkg-vcs-dirty, repo-missing].",
        );
    }
    if let Some(squat) = r.findings.iter().find(|f| f.code == "name-typosquat") {
        let other_serious = reasons.iter().any(|(l, _)| *l >= RiskLevel::Medium);
        if squat.severity == Severity::Low {
            push(
                &mut reasons,
                RiskLevel::Low,
                "The name is close to a popular crate of the same repository [name-typosquat].",
            );
        } else if squat.severity == Severity::High || other_serious {
            push(
                &mut reasons,
                RiskLevel::High,
                "The name imitates a popular crate, and the crate claims its repository or has other serious findings [name-typosquat].",
            );
        } else {
            push(
                &mut reasons,
                RiskLevel::Medium,
                "The name imitates a popular crate [name-typosquat].",
            );
        }
    }
    super::registry::rules(r, &mut reasons);
    r.findings.extend(inferred);
    reasons.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    reasons.dedup();
    super::sort(&mut r.findings);
    r.risk = Risk {
        level: reasons.first().map_or(RiskLevel::None, |r| r.0),
        reasons: reasons
            .into_iter()
            .map(|(l, t)| format!("{}: {t}", l.as_str()))
            .collect(),
    };
}
