//! The judgement: explicit rules that turn a crate's findings into a risk
//! level (none, low, medium, high) with the reasons a reader can check. Each
//! rule is documented on the methodology page. Known-good patterns are
//! recognized by what the code does, never by crate name: a build script
//! that runs a compiler, `pkg-config` or `rustc` is ordinary; a network
//! client is expected in a crate that says it is about networking.

use crate::model::{CrateReport, Finding, FindingKind, LocationKind, Risk, RiskLevel, Severity};

/// Programs whose start from a build script is a strong signal: shells,
/// downloaders and script hosts.
const SUSPICIOUS_PROGRAMS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "cmd", "cmd.exe", "powershell", "powershell.exe", "pwsh", "curl", "wget", "nc", "ncat",
    "telnet", "ssh", "scp", "certutil", "bitsadmin", "mshta", "rundll32", "osascript", "/bin/sh", "/bin/bash",
];
/// Programs a build script ordinarily starts: compilers, build systems,
/// probes of the toolchain and the platform.
const ORDINARY_PROGRAMS: &[&str] = &[
    "cc", "gcc", "g++", "c++", "clang", "clang++", "clang-cl", "cl", "cl.exe", "ar", "ld", "lld", "rustc", "cargo", "cmake",
    "make", "gmake", "nmake", "ninja", "meson", "pkg-config", "pkgconf", "autoreconf", "autoconf", "./configure", "git",
    "xcrun", "xcode-select", "nasm", "yasm", "perl", "python", "python3", "protoc", "flatc", "bindgen", "llvm-config",
    "uname", "sw_vers", "rustup", "swig", "windres", "rc", "rc.exe", "lib.exe", "link.exe", "nvcc", "hipcc", "sysctl",
    "getconf", "go", "which", "where", "vswhere", "vswhere.exe", "ldconfig", "llvm-ar", "emcc", "wasm-opt", "xcodebuild",
    "lipo", "install_name_tool", "tar", "patch",
];

const NETWORK_WORDS: &[&str] = &[
    "http", "net", "web", "client", "server", "socket", "tcp", "udp", "api", "rpc", "download", "url", "request", "fetch",
    "cloud", "dns", "proxy", "tls", "ssl", "email", "smtp", "imap", "mqtt", "s3", "aws", "azure", "gcp", "database", "sql",
    "postgres", "mysql", "redis", "mongo", "async", "io", "protocol", "ftp", "ssh", "telemetry", "remote", "p2p", "peer",
    "grpc", "websocket", "registry", "upload", "sync", "tunnel", "vpn", "ping", "mail", "kafka", "amqp", "nats", "zmq",
    "quic", "webhook", "oauth", "browser", "crawler", "scrap", "discord", "telegram", "slack", "github", "docker",
];
const CREDENTIAL_WORDS: &[&str] = &[
    "ssh", "aws", "credential", "auth", "secret", "token", "keyring", "keychain", "password", "git", "cloud", "login",
    "vault", "oauth", "jwt", "config", "env", "dotenv", "home", "dirs", "cargo", "registry", "azure", "gcp", "docker",
    "kube", "npm", "wallet", "ci", "github",
];

fn purpose_text(r: &CrateReport) -> String {
    let mut text = format!("{} {}", r.name, r.description.as_deref().unwrap_or(""));
    for k in r.keywords.iter().chain(&r.categories) {
        text.push(' ');
        text.push_str(k);
    }
    text.to_ascii_lowercase().replace(['-', '_', ':', '/', ',', '.', '(', ')'], " ")
}

fn mentions(text: &str, words: &[&str]) -> bool {
    text.split_whitespace().any(|w| words.iter().any(|k| w == *k || k.len() >= 3 && w.starts_with(k)))
}

/// The program a spawn on `line` starts, when it is a string literal.
fn spawned_program(line: &str) -> Option<&str> {
    let rest = &line[line.find("Command::new(")? + "Command::new(".len()..];
    let rest = rest.strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

fn program_severity(program: Option<&str>) -> Severity {
    match program {
        Some(p) => {
            let base = p.rsplit(['/', '\\']).next().unwrap_or(p);
            if SUSPICIOUS_PROGRAMS.contains(&p) || SUSPICIOUS_PROGRAMS.contains(&base) {
                Severity::High
            } else if ORDINARY_PROGRAMS.contains(&p) || ORDINARY_PROGRAMS.contains(&base) {
                Severity::Info
            } else {
                Severity::Medium
            }
        }
        None => Severity::Low,
    }
}

fn push(reasons: &mut Vec<(RiskLevel, String)>, level: RiskLevel, text: &str) {
    reasons.push((level, text.to_owned()));
}

fn compile_time(f: &Finding) -> bool {
    matches!(f.location, LocationKind::Build | LocationKind::ProcMacro)
}

fn is(f: &Finding, cap: &str) -> bool {
    f.code.ends_with(&format!("-{cap}")) && matches!(f.code.split('-').next(), Some("build" | "macro" | "code"))
}

/// Adjusts severities by the rules, adds inferred findings, and sets the risk.
pub fn judge(r: &mut CrateReport) {
    let purpose = purpose_text(r);
    let about_network = mentions(&purpose, NETWORK_WORDS);
    let about_credentials = mentions(&purpose, CREDENTIAL_WORDS);
    let tool_env = r.build_facts.spawns_from_tool_env;

    // Ordinary and suspicious programs started at build time.
    for f in r.findings.iter_mut().filter(|f| compile_time(f) && is(f, "process")) {
        let program = spawned_program(&f.evidence);
        f.severity = match program {
            None if tool_env => Severity::Info,
            p => program_severity(p),
        };
        if f.severity == Severity::Info {
            f.message.push_str(" It starts a compiler or another ordinary build tool.");
        }
    }
    // Secrets read by a crate whose stated purpose is handling them.
    if about_credentials {
        for f in r.findings.iter_mut().filter(|f| f.location == LocationKind::Runtime && (is(f, "secret-paths") || is(f, "env-credentials"))) {
            f.severity = Severity::Low;
            f.message.push_str(" The crate's description says it deals with credentials or configuration.");
        }
    }
    let live = |f: &&Finding| f.location != LocationKind::Dev;
    let has = |cap: &str, pred: &dyn Fn(&Finding) -> bool| r.findings.iter().filter(live).any(|f| is(f, cap) && pred(f));
    let any = |_: &Finding| true;
    let at_compile = |f: &Finding| compile_time(f);
    let runtime = |f: &Finding| f.location == LocationKind::Runtime;

    let mut reasons: Vec<(RiskLevel, String)> = Vec::new();
    let mut inferred: Vec<Finding> = Vec::new();

    if has("network", &at_compile) {
        push(&mut reasons, RiskLevel::High, "Code that runs at build time or inside the compiler opens network connections [build-network, macro-network].");
    }
    let worst_spawn = r.findings.iter().filter(|f| compile_time(f) && is(f, "process")).map(|f| f.severity).max();
    match worst_spawn {
        Some(Severity::High) => push(&mut reasons, RiskLevel::High, "The build script or proc macro starts a shell or a download tool [build-process, macro-process]."),
        Some(Severity::Medium) => push(&mut reasons, RiskLevel::Medium, "The build script or proc macro starts a program that is not an ordinary build tool [build-process, macro-process]."),
        _ => {}
    }
    let secrets = |f: &Finding| (is(f, "secret-paths") || is(f, "env-credentials")) && f.severity == Severity::High;
    if r.findings.iter().filter(live).any(secrets) {
        push(&mut reasons, RiskLevel::High, "The code reads a file where secrets are kept or an environment variable named like a credential [*-secret-paths, *-env-credentials].");
    } else if r.findings.iter().filter(live).any(|f| is(f, "secret-paths") || is(f, "env-credentials")) {
        push(&mut reasons, RiskLevel::Low, "The code reads credentials, as its description says it does [*-secret-paths, *-env-credentials].");
    }
    // CI detection next to a download or a process start, in the same file.
    let ci_files: Vec<&Option<String>> = r.findings.iter().filter(live).filter(|f| is(f, "ci-detection")).map(|f| &f.file).collect();
    let acts_in = |file: &Option<String>| {
        r.findings.iter().filter(live).any(|f| &f.file == file && (is(f, "network") || is(f, "process") && f.severity >= Severity::Low))
    };
    if ci_files.iter().any(|file| acts_in(file)) {
        push(&mut reasons, RiskLevel::High, "A file checks whether it runs in continuous integration and also downloads or starts programs [*-ci-detection].");
    }
    match r.findings.iter().filter(|f| f.code == "pkg-executable").map(|f| f.severity).max() {
        Some(Severity::High) => push(&mut reasons, RiskLevel::High, "The package ships an executable that its build script starts [pkg-executable]."),
        Some(_) => push(&mut reasons, RiskLevel::Medium, "The package ships compiled code that cannot be read as source [pkg-executable]."),
        None => {}
    }
    let obfuscated_runtime = has("encoded-blob", &runtime) || has("high-entropy-string", &runtime) || has("xor-decoding", &runtime);
    if has("network", &runtime) && !about_network {
        let first = r.findings.iter().find(|f| f.location == LocationKind::Runtime && is(f, "network")).cloned();
        if let Some(f) = first {
            inferred.push(Finding {
                code: "code-network-unexpected".into(),
                severity: Severity::Medium,
                kind: FindingKind::Inference,
                message: "This crate opens network connections at run time, but its name, description, keywords and categories say nothing about networking.".into(),
                ..f
            });
        }
        if has("fs-walk", &runtime) || has("secret-paths", &any) || obfuscated_runtime {
            push(&mut reasons, RiskLevel::High, "A network client in a crate not about networking, next to folder walks, secret paths or obfuscated data [code-network-unexpected].");
        } else {
            push(&mut reasons, RiskLevel::Medium, "A network client in a crate whose description says nothing about networking [code-network-unexpected].");
        }
    }
    let obfuscated_compile = has("encoded-blob", &at_compile) || has("high-entropy-string", &at_compile) || has("xor-decoding", &at_compile);
    if obfuscated_compile {
        let acts = has("network", &any) || r.findings.iter().filter(live).any(|f| is(f, "process") && f.severity >= Severity::Medium);
        if acts {
            push(&mut reasons, RiskLevel::High, "Obfuscated data in code that runs at build time, in a crate that downloads or starts programs [build-encoded-blob, build-xor-decoding].");
        } else {
            push(&mut reasons, RiskLevel::Medium, "Obfuscated data in code that runs at build time [build-encoded-blob, build-high-entropy-string, build-xor-decoding].");
        }
    }
    if has("dynamic-loading", &at_compile) {
        push(&mut reasons, RiskLevel::Medium, "The build script loads a library at run time [build-dynamic-loading].");
    }
    if r.findings.iter().any(|f| f.code == "build-write-outside-out-dir") {
        push(&mut reasons, RiskLevel::Medium, "The build script writes files but never mentions OUT_DIR [build-write-outside-out-dir].");
    }
    match r.findings.iter().filter(|f| f.code == "release-young-dependency").map(|f| f.severity).max() {
        Some(Severity::High) => push(&mut reasons, RiskLevel::High, "The newest release depends on a days-old crate that runs a build script [release-young-dependency]."),
        Some(_) => push(&mut reasons, RiskLevel::Medium, "The newest release depends on a crate first published days before [release-young-dependency]."),
        None => {}
    }
    if r.findings.iter().any(|f| f.code == "release-new-dependency" && f.severity == Severity::Low) {
        push(&mut reasons, RiskLevel::Low, "A patch release adds a dependency [release-new-dependency].");
    }
    if r.findings.iter().any(|f| f.code == "pkg-vcs-dirty" || f.code == "repo-missing") {
        push(&mut reasons, RiskLevel::Low, "The package cannot be fully compared with its repository [pkg-vcs-dirty, repo-missing].");
    }
    if let Some(squat) = r.findings.iter().find(|f| f.code == "name-typosquat") {
        let other_serious = reasons.iter().any(|(l, _)| *l >= RiskLevel::Medium);
        if squat.severity == Severity::High || other_serious {
            push(&mut reasons, RiskLevel::High, "The name imitates a popular crate, and the crate claims its repository or has other serious findings [name-typosquat].");
        } else {
            push(&mut reasons, RiskLevel::Medium, "The name imitates a popular crate [name-typosquat].");
        }
    }
    r.findings.extend(inferred);
    reasons.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    reasons.dedup();
    super::sort(&mut r.findings);
    r.risk = Risk {
        level: reasons.first().map_or(RiskLevel::None, |r| r.0),
        reasons: reasons.into_iter().map(|(l, t)| format!("{}: {t}", l.as_str())).collect(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs() {
        assert_eq!(spawned_program(r#"let o = Command::new("pkg-config").arg("x");"#), Some("pkg-config"));
        assert_eq!(spawned_program("Command::new(rustc)"), None);
        assert_eq!(program_severity(Some("curl")), Severity::High);
        assert_eq!(program_severity(Some("/bin/sh")), Severity::High);
        assert_eq!(program_severity(Some("cmake")), Severity::Info);
        assert_eq!(program_severity(Some("./payload")), Severity::Medium);
    }

    #[test]
    fn purpose_words() {
        assert!(mentions("an http client", NETWORK_WORDS));
        assert!(mentions("networking tools", NETWORK_WORDS));
        assert!(!mentions("fast decimal maths", NETWORK_WORDS));
        assert!(!mentions("a logger", NETWORK_WORDS));
    }
}
