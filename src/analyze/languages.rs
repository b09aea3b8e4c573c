//! Lines of code by language, counted by the tokei library on file contents
//! held in memory. The results equal what `tokei --no-ignore --hidden -o json`
//! reports on the extracted package: the same language detection (file name,
//! extension, then shebang), the same decoding, and per language the sum of
//! each file's own code, comment and blank lines (embedded languages such as
//! code blocks in Markdown are not added, as in tokei's JSON output).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use tokei::{Config, LanguageType};

static CONFIG: LazyLock<Config> = LazyLock::new(Config::default);

thread_local! {
    static NAMES: std::cell::RefCell<std::collections::HashMap<Box<str>, Option<LanguageType>>> = Default::default();
}

/// A folder that does not exist: language detection only looks at names, and
/// anchoring package paths here keeps tokei from opening a file of the same
/// relative name in the current directory.
const VIRTUAL_ROOT: &str = "/nonexistent-cargofox-package-root";

/// The language of a package file, from its path and, for files without an
/// extension, its first line.
pub fn detect(path: &str, data: &[u8]) -> Option<LanguageType> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let virtual_path = Path::new(VIRTUAL_ROOT).join(name);
    // tokei decides from the file name alone (name, suffix, extension); the
    // answer is cached per name, as the same names recur across packages.
    let by_name = NAMES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(hit) = cache.get(name) {
            return *hit;
        }
        let found = LanguageType::from_path(&virtual_path, &CONFIG);
        if cache.len() < 100_000 {
            cache.insert(name.into(), found);
        }
        found
    });
    if let Some(lang) = by_name {
        return Some(lang);
    }
    if virtual_path.extension().is_none() && data.starts_with(b"#!") {
        return from_shebang(data);
    }
    None
}

/// tokei reads shebangs from files only: hand it the first line in a
/// temporary file. Rare (extensionless scripts), so the cost does not matter.
fn from_shebang(data: &[u8]) -> Option<LanguageType> {
    let head = &data[..data.len().min(128)];
    let mut tmp = tempfile::NamedTempFile::new().ok()?;
    std::io::Write::write_all(&mut tmp, head).ok()?;
    let path: PathBuf = tmp.path().to_owned();
    LanguageType::from_shebang(path)
}

/// Code, comment and blank lines of one file in `lang`.
pub fn count(lang: LanguageType, data: &[u8]) -> (usize, usize, usize) {
    // Decoded as tokei does: a byte-order mark selects UTF-16 or is stripped.
    let mut text = Vec::with_capacity(data.len());
    let mut reader = encoding_rs_io::DecodeReaderBytesBuilder::new().build(data);
    if reader.read_to_end(&mut text).is_err() {
        text = data.to_vec();
    }
    let stats = lang.parse_from_slice(&text, &CONFIG);
    (stats.code, stats.comments, stats.blanks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_uses_names_extensions_and_shebangs() {
        assert_eq!(detect("src/lib.rs", b""), Some(LanguageType::Rust));
        assert_eq!(detect("Makefile", b""), Some(LanguageType::Makefile));
        assert_eq!(
            detect("scripts/run", b"#!/bin/sh\necho hi\n"),
            Some(LanguageType::Sh)
        );
        assert_eq!(detect("scripts/data", b"plain"), None);
        assert_eq!(detect("Cargo.toml.orig", b"[package]"), None);
    }

    #[test]
    fn counts_lines() {
        let (code, comments, blanks) = count(LanguageType::Rust, b"// c\nfn main() {}\n\n");
        assert_eq!((code, comments, blanks), (1, 1, 1));
    }
}
