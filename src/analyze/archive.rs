//! Reads a `.crate` file in memory: gzip, then tar, entry by entry, never
//! extracting anything to disk. Every read is bounded by [`Limits`]; what a
//! limit or a malformed entry stops becomes a problem, not an error.

use std::io::Read;

use flate2::read::GzDecoder;

use crate::model::Problem;

/// What one package may cost to read. Defaults let every real crate through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Limits {
    /// Unpacked bytes (tar stream) read from one package.
    pub max_unpacked_bytes: u64,
    /// Entries in one package.
    pub max_entries: usize,
    /// Size of one file read into memory; larger files are listed, not read.
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_unpacked_bytes: 2 << 30,
            max_entries: 200_000,
            max_file_bytes: 64 << 20,
        }
    }
}

/// One entry of the package, relative to its `{name}-{version}/` folder.
#[derive(Debug, Clone)]
pub struct RawFile {
    /// Path inside the package, `/`-separated.
    pub path: String,
    /// Size from the tar header.
    pub size: u64,
    /// Contents, when the entry is a regular file within the size limit.
    pub data: Option<Vec<u8>>,
    /// Whether the entry is a regular file.
    pub regular: bool,
}

/// A package read into memory.
#[derive(Debug, Default)]
pub struct RawPackage {
    /// Entries in archive order (directories left out).
    pub files: Vec<RawFile>,
    /// What went wrong.
    pub problems: Vec<Problem>,
}

/// A reader that fails once more than `left` bytes went through it.
struct Bounded<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self.left.checked_sub(n as u64).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "unpacked size limit reached",
            )
        })?;
        Ok(n)
    }
}

/// Reads `bytes` as a `.crate` file whose entries should live under `root/`.
pub fn read_package(bytes: &[u8], root: Option<&str>, limits: &Limits) -> RawPackage {
    let mut pkg = RawPackage::default();
    if bytes.len() < 2 || bytes[..2] != [0x1f, 0x8b] {
        pkg.problems.push(Problem::new(
            "archive-invalid",
            if bytes.is_empty() {
                "the file is empty".to_owned()
            } else {
                "the file is not gzip-compressed".to_owned()
            },
        ));
        return pkg;
    }
    let reader = Bounded {
        inner: GzDecoder::new(bytes),
        left: limits.max_unpacked_bytes,
    };
    let mut archive = tar::Archive::new(reader);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            pkg.problems.push(read_problem(&e));
            return pkg;
        }
    };
    let mut root = root.map(|r| format!("{r}/"));
    let mut outside = 0usize;
    for (count, entry) in entries.enumerate() {
        if count >= limits.max_entries {
            pkg.problems.push(Problem::new(
                "archive-limit",
                format!(
                    "the package has more than {} entries; the rest was not read",
                    limits.max_entries
                ),
            ));
            break;
        }
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                pkg.problems.push(read_problem(&e));
                break;
            }
        };
        let kind = entry.header().entry_type();
        if kind.is_dir() || kind.is_pax_global_extensions() {
            continue;
        }
        let full = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let prefix =
            root.get_or_insert_with(|| full.split('/').next().unwrap_or("").to_owned() + "/");
        let rel = match full.strip_prefix(prefix.as_str()) {
            Some(rel) if is_safe_relative(rel) => rel.to_owned(),
            _ => {
                outside += 1;
                if outside <= 5 {
                    pkg.problems.push(Problem::new(
                        "archive-path",
                        format!("the entry `{}` lies outside the package folder `{prefix}`; it was not read", full.escape_debug()),
                    ));
                }
                continue;
            }
        };
        let size = entry.header().size().unwrap_or(0);
        let regular = kind.is_file() || kind == tar::EntryType::Continuous;
        let mut data = None;
        if regular && size > limits.max_file_bytes {
            pkg.problems.push(Problem::new(
                "archive-limit",
                format!("`{rel}` is {size} bytes, over the {} byte limit for one file; it was listed, not read", limits.max_file_bytes),
            ));
        } else if regular {
            let mut buf = Vec::with_capacity(size as usize);
            if let Err(e) = entry.read_to_end(&mut buf) {
                pkg.problems.push(read_problem(&e));
                break;
            }
            data = Some(buf);
        }
        pkg.files.push(RawFile {
            path: rel,
            size,
            data,
            regular,
        });
    }
    if outside > 5 {
        pkg.problems.push(Problem::new(
            "archive-path",
            format!("{outside} entries in all lie outside the package folder"),
        ));
    }
    pkg
}

/// A relative path with no `..`, no absolute part and no empty component.
fn is_safe_relative(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.starts_with('/')
        && !rel.contains('\\')
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != ".." && c != ".")
}

fn read_problem(e: &std::io::Error) -> Problem {
    if e.kind() == std::io::ErrorKind::FileTooLarge {
        Problem::new(
            "archive-limit",
            "the package unpacks to more than the unpacked size limit; the rest was not read",
        )
    } else {
        Problem::new(
            "archive-invalid",
            format!("the package could not be read to the end: {e}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_paths() {
        assert!(is_safe_relative("src/lib.rs"));
        assert!(!is_safe_relative("../x"));
        assert!(!is_safe_relative("a/../../x"));
        assert!(!is_safe_relative("/etc/passwd"));
        assert!(!is_safe_relative("a//b"));
    }

    #[test]
    fn not_gzip_and_empty_are_problems() {
        let p = read_package(b"", None, &Limits::default());
        assert_eq!(p.problems[0].code, "archive-invalid");
        let p = read_package(b"PK\x03\x04", None, &Limits::default());
        assert!(p.problems[0].message.contains("not gzip"));
        let p = read_package(&[0x1f, 0x8b, 0, 0], None, &Limits::default());
        assert_eq!(p.problems[0].code, "archive-invalid");
    }
}
