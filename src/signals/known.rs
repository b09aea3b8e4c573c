//! The known-good and known-bad patterns the judgement recognizes, by what
//! code does and what a crate says it is for, never by crate name: programs
//! a build script ordinarily starts and programs that are a strong signal,
//! the words of a crate's stated purpose, and documentation hosts.

use crate::model::{CrateReport, Severity};

/// Programs whose start from a build script is a strong signal: shells,
/// downloaders and script hosts.
pub(super) const SUSPICIOUS_PROGRAMS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "cmd",
    "cmd.exe",
    "powershell",
    "powershell.exe",
    "pwsh",
    "curl",
    "wget",
    "nc",
    "ncat",
    "telnet",
    "ssh",
    "scp",
    "certutil",
    "bitsadmin",
    "mshta",
    "rundll32",
    "osascript",
    "/bin/sh",
    "/bin/bash",
];
/// Programs a build script ordinarily starts: compilers, build systems,
/// probes of the toolchain and the platform.
pub(super) const ORDINARY_PROGRAMS: &[&str] = &[
    "cc",
    "gcc",
    "g++",
    "c++",
    "clang",
    "clang++",
    "clang-cl",
    "cl",
    "cl.exe",
    "ar",
    "ld",
    "lld",
    "rustc",
    "cargo",
    "cmake",
    "make",
    "gmake",
    "nmake",
    "ninja",
    "meson",
    "pkg-config",
    "pkgconf",
    "autoreconf",
    "autoconf",
    "./configure",
    "git",
    "xcrun",
    "xcode-select",
    "nasm",
    "yasm",
    "perl",
    "python",
    "python3",
    "protoc",
    "flatc",
    "bindgen",
    "llvm-config",
    "uname",
    "sw_vers",
    "rustup",
    "swig",
    "windres",
    "rc",
    "rc.exe",
    "lib.exe",
    "link.exe",
    "nvcc",
    "hipcc",
    "sysctl",
    "getconf",
    "go",
    "which",
    "where",
    "vswhere",
    "vswhere.exe",
    "ldconfig",
    "llvm-ar",
    "emcc",
    "wasm-opt",
    "xcodebuild",
    "lipo",
    "install_name_tool",
    "tar",
    "patch",
];

pub(super) const NETWORK_WORDS: &[&str] = &[
    "http",
    "net",
    "web",
    "client",
    "server",
    "socket",
    "tcp",
    "udp",
    "api",
    "rpc",
    "download",
    "url",
    "request",
    "fetch",
    "cloud",
    "dns",
    "proxy",
    "tls",
    "ssl",
    "email",
    "smtp",
    "imap",
    "mqtt",
    "s3",
    "aws",
    "azure",
    "gcp",
    "database",
    "sql",
    "postgres",
    "mysql",
    "redis",
    "mongo",
    "async",
    "io",
    "protocol",
    "ftp",
    "ssh",
    "telemetry",
    "remote",
    "p2p",
    "peer",
    "grpc",
    "websocket",
    "registry",
    "upload",
    "sync",
    "tunnel",
    "vpn",
    "ping",
    "mail",
    "kafka",
    "amqp",
    "nats",
    "zmq",
    "quic",
    "webhook",
    "oauth",
    "browser",
    "crawler",
    "scrap",
    "discord",
    "telegram",
    "slack",
    "github",
    "docker",
];
/// Words of crates whose purpose is to start programs.
pub(super) const SHELL_WORDS: &[&str] = &[
    "shell",
    "terminal",
    "command",
    "process",
    "ssh",
    "git",
    "launch",
    "exec",
    "spawn",
    "cli",
    "console",
    "pty",
    "tty",
    "subprocess",
    "script",
    "dbus",
    "browser",
    "open",
    "editor",
];
/// Words of crates about continuous integration.
pub(super) const CI_WORDS: &[&str] = &[
    "ci",
    "continuous",
    "pipeline",
    "github",
    "gitlab",
    "actions",
    "travis",
    "jenkins",
    "buildkite",
];
pub(super) const CREDENTIAL_WORDS: &[&str] = &[
    "sql",
    "postgres",
    "mysql",
    "database",
    "db",
    "security",
    "ssh",
    "aws",
    "credential",
    "auth",
    "secret",
    "token",
    "keyring",
    "keychain",
    "password",
    "git",
    "cloud",
    "login",
    "vault",
    "oauth",
    "jwt",
    "config",
    "env",
    "dotenv",
    "home",
    "dirs",
    "cargo",
    "registry",
    "azure",
    "gcp",
    "docker",
    "kube",
    "npm",
    "wallet",
    "ci",
    "github",
];

pub(super) fn purpose_text(r: &CrateReport) -> String {
    let mut text = format!("{} {}", r.name, r.description.as_deref().unwrap_or(""));
    for k in r.keywords.iter().chain(&r.categories) {
        text.push(' ');
        text.push_str(k);
    }
    text.to_ascii_lowercase()
        .replace(['-', '_', ':', '/', ',', '.', '(', ')'], " ")
}

pub(super) fn mentions(text: &str, words: &[&str]) -> bool {
    text.split_whitespace().any(|w| {
        words
            .iter()
            .any(|k| w == *k || k.len() >= 3 && w.starts_with(k))
    })
}

/// The program a spawn on `line` starts, when it is a string literal.
pub(super) fn spawned_program(line: &str) -> Option<&str> {
    let rest = &line[line.find("Command::new(")? + "Command::new(".len()..];
    let rest = rest.strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

pub(super) fn program_severity(program: Option<&str>) -> Severity {
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

/// Hosts of documentation and project pages: links to them are references, not endpoints.
pub(super) const DOC_HOSTS: &[&str] = &[
    "github.com",
    "gitlab.com",
    "docs.rs",
    "doc.rust-lang.org",
    "rust-lang.org",
    "www.rust-lang.org",
    "rust-lang.github.io",
    "en.wikipedia.org",
    "developer.mozilla.org",
    "tools.ietf.org",
    "datatracker.ietf.org",
    "www.rfc-editor.org",
    "www.w3.org",
    "spdx.org",
    "opensource.org",
    "semver.org",
    "json-schema.org",
    "schema.org",
    "example.com",
    "example.org",
    "localhost",
];

/// Whether a URL finding's message names a bare URL to a host that is not a documentation site.
pub(super) fn is_endpoint(message: &str) -> bool {
    let Some((_, url)) = message.rsplit_once(": ") else {
        return false;
    };
    if url.contains("(in text)") {
        return false;
    }
    let host = url
        .split_once("://")
        .map_or("", |(_, rest)| rest)
        .split(['/', ':', '?', '.'])
        .collect::<Vec<_>>();
    let host_full = url
        .split_once("://")
        .map_or("", |(_, rest)| rest)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or("")
        .trim_end_matches('.');
    host.len() > 1
        && host_full.contains('.')
        && !host_full.contains('{')
        && !DOC_HOSTS.contains(&host_full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs() {
        assert_eq!(
            spawned_program(r#"let o = Command::new("pkg-config").arg("x");"#),
            Some("pkg-config")
        );
        assert_eq!(spawned_program("Command::new(rustc)"), None);
        assert_eq!(program_severity(Some("curl")), Severity::High);
        assert_eq!(program_severity(Some("/bin/sh")), Severity::High);
        assert_eq!(program_severity(Some("cmake")), Severity::Info);
        assert_eq!(program_severity(Some("./payload")), Severity::Medium);
    }

    #[test]
    fn endpoints() {
        assert!(is_endpoint(
            "Code that runs...: https://collector.invalid/keys."
        ));
        assert!(!is_endpoint(
            "Code that runs...: https://github.com/o/r/issues."
        ));
        assert!(!is_endpoint(
            "Code that runs...: https://x.test/a (in text)."
        ));
        assert!(!is_endpoint("Code that runs...: http://."));
    }

    #[test]
    fn purpose_words() {
        assert!(mentions("an http client", NETWORK_WORDS));
        assert!(mentions("networking tools", NETWORK_WORDS));
        assert!(!mentions("fast decimal maths", NETWORK_WORDS));
        assert!(!mentions("a logger", NETWORK_WORDS));
    }
}
