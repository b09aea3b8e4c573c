//! The list of finding codes, in one place: every code cargofox can report,
//! its family, and a one-line title. `content/methodology.md` has a section
//! for each (a test checks that none is missing).

/// One documented code.
#[derive(Debug, Clone, Copy)]
pub struct CodeInfo {
    /// The stable kebab-case code.
    pub code: &'static str,
    /// A one-line title.
    pub title: &'static str,
}

const fn c(code: &'static str, title: &'static str) -> CodeInfo {
    CodeInfo { code, title }
}

/// Capabilities found in source code, by the name they take after the
/// location prefix (`build-`, `macro-` or `code-`).
pub const CAPABILITIES: &[(&str, &str)] = &[
    ("process", "starts another program"),
    (
        "network",
        "opens network connections (sockets or an HTTP client)",
    ),
    ("url", "contains a hard-coded URL"),
    ("ip-address", "contains a hard-coded IP address"),
    ("fs-write", "writes, moves or deletes files"),
    ("fs-walk", "lists folders"),
    (
        "env-credentials",
        "reads an environment variable named like a credential",
    ),
    (
        "ci-detection",
        "checks whether it runs in continuous integration",
    ),
    ("secret-paths", "names a file where secrets are kept"),
    ("dynamic-loading", "loads a library at run time"),
    ("ffi", "declares foreign functions (an extern block)"),
    ("unsafe", "contains unsafe code"),
    (
        "include-bytes",
        "embeds a file with include_bytes! or include_str!",
    ),
    ("inline-asm", "contains inline assembly"),
    (
        "long-string",
        "contains a string literal over 1,000 characters",
    ),
    ("encoded-blob", "contains a base64 or hex blob"),
    (
        "high-entropy-string",
        "contains a high-entropy string literal",
    ),
    ("byte-array", "contains an array of 512 or more integers"),
    ("xor-decoding", "XORs data with an indexed key"),
];

/// Location prefixes of capability codes.
pub const PREFIXES: &[&str] = &["build", "macro", "code"];

/// Codes that are not capabilities.
pub const OTHER_CODES: &[CodeInfo] = &[
    c(
        "build-write-outside-out-dir",
        "the build script writes files but never mentions OUT_DIR",
    ),
    c(
        "code-network-unexpected",
        "a network client in a crate whose description says nothing about networking",
    ),
    c(
        "pkg-executable",
        "the package contains an executable or a prebuilt library",
    ),
    c(
        "pkg-large-file",
        "the package contains an unusually large file",
    ),
    c(
        "pkg-vcs-info-missing",
        "the package does not say which commit it was made from",
    ),
    c(
        "pkg-vcs-dirty",
        "the package was made from a working tree with uncommitted changes",
    ),
    c(
        "name-typosquat",
        "the name is one edit or one affix away from a more popular crate",
    ),
    c("repo-shared", "another crate claims the same repository"),
    c("repo-missing", "no repository is given"),
    c(
        "release-new-dependency",
        "the newest release adds dependencies",
    ),
    c(
        "release-young-dependency",
        "the newest release depends on a crate first published days before",
    ),
    c("owner-added", "an owner was added since an earlier run"),
    c("owner-removed", "an owner was removed since an earlier run"),
    c(
        "owner-new-before-release",
        "an owner was added shortly before the newest release",
    ),
    c(
        "advisory-malicious",
        "a RustSec advisory says the crate is malicious",
    ),
    c(
        "advisory-vulnerability",
        "a RustSec advisory reports a vulnerability in this release",
    ),
    c(
        "advisory-informational",
        "a RustSec advisory says this release is unsound or unmaintained",
    ),
];

/// Every code, capability codes expanded with their prefixes.
pub fn all_codes() -> Vec<String> {
    let mut all: Vec<String> = PREFIXES
        .iter()
        .flat_map(|p| CAPABILITIES.iter().map(move |(c, _)| format!("{p}-{c}")))
        .chain(OTHER_CODES.iter().map(|c| c.code.to_owned()))
        .collect();
    all.sort();
    all
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_code_is_documented_on_the_methodology_page() {
        let page = include_str!("../../content/methodology.md");
        for (cap, _) in super::CAPABILITIES {
            assert!(
                page.contains(&format!("`*-{cap}`")),
                "content/methodology.md does not document `*-{cap}`"
            );
        }
        for info in super::OTHER_CODES {
            assert!(
                page.contains(&format!("`{}`", info.code)),
                "content/methodology.md does not document `{}`",
                info.code
            );
        }
    }
}
