//! Signals from the package's files as a whole: executables and prebuilt
//! libraries recognized by their magic bytes, unusually large files, and the
//! `.cargo_vcs_info.json` record (missing, or made from a dirty tree).

use crate::model::{
    BuildFacts, Code, CrateReport, FileKind, Finding, FindingKind, LocationKind, Severity,
};
use crate::unpacked::RawFile;

/// Files over this size (bytes) that are not source code are reported.
const LARGE_FILE: u64 = 4 << 20;

/// What kind of executable or library the first bytes of a file say it is.
pub fn executable_kind(path: &str, data: &[u8]) -> Option<&'static str> {
    let lower = path.to_ascii_lowercase();
    let starts = |magic: &[u8]| data.starts_with(magic);
    if starts(b"\x7fELF") {
        Some("ELF executable or library")
    } else if starts(b"MZ") && pe_signature(data) {
        Some("Windows PE executable or library")
    } else if [
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
    ]
    .iter()
    .any(|m| starts(*m))
    {
        Some("Mach-O executable or library")
    } else if starts(b"\xca\xfe\xba\xbe") && !lower.ends_with(".class") {
        Some("Mach-O universal binary")
    } else if starts(b"\0asm") {
        Some("WebAssembly module")
    } else if starts(b"!<arch>\n") {
        Some("static library archive")
    } else if starts(b"PK\x03\x04") && (lower.ends_with(".jar") || lower.ends_with(".apk")) {
        Some("Java archive")
    } else if starts(b"\xca\xfe\xba\xbe") {
        Some("Java class file")
    } else {
        None
    }
}

fn pe_signature(data: &[u8]) -> bool {
    let Some(offset) = data
        .get(0x3c..0x40)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    else {
        return false;
    };
    data.get(offset..offset + 4) == Some(&b"PE\0\0"[..])
}

pub(super) fn finding(
    code: Code,
    severity: Severity,
    file: Option<&str>,
    evidence: String,
    message: String,
) -> Finding {
    Finding {
        code,
        severity,
        kind: FindingKind::Fact,
        location: if file.is_some() {
            LocationKind::Package
        } else {
            LocationKind::Metadata
        },
        file: file.map(str::to_owned),
        line: None,
        column: None,
        evidence,
        message,
        function: None,
        note: None,
    }
}

/// Findings about the package's files.
pub fn findings(report: &CrateReport, files: &[RawFile], build: &BuildFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    let runs_programs = !build.spawned_literals.is_empty() || build.spawns_from_tool_env;
    for f in files {
        let data = f.data.as_deref().unwrap_or(&[]);
        if let Some(kind) = executable_kind(&f.path, data) {
            let name = f.path.rsplit('/').next().unwrap_or(&f.path);
            let named_by_build = build.spawned_literals.iter().any(|l| l.ends_with(name));
            out.push(finding(
                Code::PkgExecutable,
                if named_by_build { Severity::High } else { Severity::Medium },
                Some(&f.path),
                format!("{kind}, {} bytes", f.size),
                if named_by_build {
                    format!("The package contains a {kind}, and the build script starts a program of that name.")
                } else if runs_programs {
                    format!("The package contains a {kind}; its build script starts programs. Compiled code cannot be read like source.")
                } else {
                    format!("The package contains a {kind}. Compiled code cannot be read like source, and it may not match the repository.")
                },
            ));
        }
        let kind = report
            .package
            .files
            .binary_search_by(|e| e.path.as_str().cmp(&f.path))
            .ok()
            .map(|i| report.package.files[i].kind);
        if f.size > LARGE_FILE && kind != Some(FileKind::Source) {
            out.push(finding(
                Code::PkgLargeFile,
                Severity::Info,
                Some(&f.path),
                format!("{} bytes", f.size),
                "An unusually large file that is not source code.".into(),
            ));
        }
    }
    match &report.vcs {
        None if !files.is_empty() => out.push(finding(
            Code::PkgVcsInfoMissing,
            Severity::Info,
            None,
            "no .cargo_vcs_info.json".into(),
            "The package does not say which commit it was made from, so it cannot be compared with its repository.".into(),
        )),
        Some(v) if v.dirty => out.push(finding(
            Code::PkgVcsDirty,
            Severity::Low,
            Some(".cargo_vcs_info.json"),
            "\"dirty\": true".into(),
            "The package was made from a working tree with uncommitted changes: it may contain files its repository does not.".into(),
        )),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes() {
        assert_eq!(
            executable_kind("a", b"\x7fELF\x02\x01"),
            Some("ELF executable or library")
        );
        assert_eq!(
            executable_kind("x.a", b"!<arch>\nfoo"),
            Some("static library archive")
        );
        assert_eq!(
            executable_kind("x.wasm", b"\0asm\x01\0\0\0"),
            Some("WebAssembly module")
        );
        assert_eq!(executable_kind("x.txt", b"MZ but text"), None);
        let mut pe = vec![0u8; 0x80];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c] = 0x40;
        pe[0x40..0x44].copy_from_slice(b"PE\0\0");
        assert_eq!(
            executable_kind("x.dll", &pe),
            Some("Windows PE executable or library")
        );
        assert_eq!(executable_kind("x.zip", b"PK\x03\x04"), None);
    }
}
