//! Reads a `.crate` file in memory: gzip, then tar, entry by entry, never
//! extracting anything to disk. Every read is bounded by [`Limits`]; what a
//! limit or a malformed entry stops becomes a problem, not an error.

use std::collections::HashMap;
use std::io::Read;
use std::time::{Duration, Instant};

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
    /// Bytes of one entry's path inside the package; longer entries are
    /// not read. The default, 1,024, is the path length common systems
    /// (macOS, the BSDs) can unpack.
    pub max_path_bytes: usize,
    /// Bytes of one part of an entry's path (a file or folder name); longer
    /// entries are not read. The default, 255, is the limit of common file
    /// systems.
    pub max_component_bytes: usize,
    /// Components of one entry's path inside the package; deeper entries are not read.
    pub max_path_depth: usize,
    /// Seconds the analysis of one package may take; what is left when
    /// they have passed is not read, and the risk scan is skipped.
    pub max_seconds: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_unpacked_bytes: 2 << 30,
            max_entries: 200_000,
            max_file_bytes: 64 << 20,
            max_path_bytes: 1024,
            max_component_bytes: 255,
            max_path_depth: 128,
            max_seconds: 300,
        }
    }
}

impl Limits {
    /// How long the analysis of one package may take.
    pub fn max_time(&self) -> Duration {
        Duration::from_secs(self.max_seconds)
    }
}

pub use crate::unpacked::RawFile;

/// A package read into memory.
#[derive(Debug, Default)]
pub struct RawPackage {
    /// Entries in archive order (directories left out); of entries with the
    /// same path, the last one, as unpacking would leave it.
    pub files: Vec<RawFile>,
    /// What went wrong.
    pub problems: Vec<Problem>,
}

/// A reader that fails once more than `left` bytes went through it, or
/// once `deadline` has passed.
struct Bounded<R> {
    inner: R,
    left: u64,
    deadline: Option<Instant>,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "time limit reached",
            ));
        }
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

/// Problems of one kind, reported one by one for the first few entries and
/// then as a count, so that a package of a million bad entries gives a
/// short report.
struct Tally {
    code: &'static str,
    seen: usize,
    total_message: &'static str,
}

const TALLY_SHOWN: usize = 5;

impl Tally {
    fn new(code: &'static str, total_message: &'static str) -> Self {
        Self {
            code,
            seen: 0,
            total_message,
        }
    }

    fn note(&mut self, problems: &mut Vec<Problem>, message: impl FnOnce() -> String) {
        self.seen += 1;
        if self.seen <= TALLY_SHOWN {
            problems.push(Problem::new(self.code, message()));
        }
    }

    fn finish(self, problems: &mut Vec<Problem>) {
        if self.seen > TALLY_SHOWN {
            problems.push(Problem::new(
                self.code,
                format!("{} entries in all {}", self.seen, self.total_message),
            ));
        }
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
        deadline: Instant::now().checked_add(limits.max_time()),
    };
    let mut archive = tar::Archive::new(reader);
    let mut entries_seen = 0usize;
    let complete = match archive.entries() {
        Ok(entries) => read_entries(entries, root, limits, &mut pkg, &mut entries_seen),
        Err(e) => {
            pkg.problems.push(read_problem(&e));
            false
        }
    };
    if complete {
        // The tar stream ended; read what is left of the gzip stream, so
        // that a corrupt or cut-off end of the file is noticed too.
        if let Err(e) = std::io::copy(&mut archive.into_inner(), &mut std::io::sink()) {
            pkg.problems.push(read_problem(&e));
        } else if entries_seen == 0 {
            pkg.problems.push(Problem::new(
                "archive-invalid",
                "the archive holds no entries",
            ));
        }
    }
    pkg
}

/// Reads every entry into `pkg`; `false` when reading stopped before the end.
fn read_entries<R: Read>(
    entries: tar::Entries<'_, R>,
    root: Option<&str>,
    limits: &Limits,
    pkg: &mut RawPackage,
    entries_seen: &mut usize,
) -> bool {
    let mut root = root.map(|r| format!("{r}/"));
    let mut outside = Tally::new("archive-path", "lie outside the package folder");
    let mut special = Tally::new("archive-special", "are not regular files");
    let mut too_long = Tally::new(
        "path-too-long",
        "have paths that common systems cannot unpack",
    );
    let mut too_deep = Tally::new("archive-limit", "have paths nested over the limit");
    let mut duplicates = Tally::new("archive-duplicate", "repeat an earlier path");
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut complete = true;
    for (count, entry) in entries.enumerate() {
        if count >= limits.max_entries {
            pkg.problems.push(Problem::new(
                "archive-limit",
                format!(
                    "the package has more than {} entries; the rest was not read",
                    limits.max_entries
                ),
            ));
            complete = false;
            break;
        }
        *entries_seen = count + 1;
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                pkg.problems.push(read_problem(&e));
                complete = false;
                break;
            }
        };
        let kind = entry.header().entry_type();
        if kind.is_dir() || kind.is_pax_global_extensions() {
            continue;
        }
        let raw_path = entry.path_bytes();
        let Ok(full) = std::str::from_utf8(&raw_path).map(str::to_owned) else {
            outside.note(&mut pkg.problems, || {
                format!(
                    "the entry `{}` has a name that is not valid UTF-8; it was not read",
                    String::from_utf8_lossy(&raw_path).escape_debug()
                )
            });
            continue;
        };
        drop(raw_path);
        let prefix =
            root.get_or_insert_with(|| full.split('/').next().unwrap_or("").to_owned() + "/");
        let rel = match full.strip_prefix(prefix.as_str()) {
            Some(rel) if is_safe_relative(rel) => rel.to_owned(),
            _ => {
                outside.note(&mut pkg.problems, || {
                    format!(
                        "the entry `{}` lies outside the package folder `{prefix}`; it was not read",
                        shorten(&full).escape_debug()
                    )
                });
                continue;
            }
        };
        let depth = rel.split('/').count();
        let longest_part = rel.split('/').map(str::len).max().unwrap_or(0);
        if depth > limits.max_path_depth {
            too_deep.note(&mut pkg.problems, || {
                format!(
                    "the entry `{}` lies {depth} folders deep, over the limit of {}; it was not read",
                    shorten(&rel).escape_debug(),
                    limits.max_path_depth
                )
            });
            continue;
        }
        if rel.len() > limits.max_path_bytes || longest_part > limits.max_component_bytes {
            too_long.note(&mut pkg.problems, || {
                format!(
                    "the entry `{}` has a path of {} bytes whose longest part is {longest_part} bytes, over the limits of {} bytes a path and {} bytes a part: common systems cannot unpack it, and it was not read",
                    shorten(&rel).escape_debug(),
                    rel.len(),
                    limits.max_path_bytes,
                    limits.max_component_bytes
                )
            });
            continue;
        }
        let size = entry.header().size().unwrap_or(0);
        let regular = kind.is_file() || kind == tar::EntryType::Continuous;
        let mut data = None;
        if !regular {
            let what = describe_special(&entry);
            special.note(&mut pkg.problems, || {
                format!(
                    "the entry `{}` is {what}; it was listed, not read or followed",
                    rel.escape_debug()
                )
            });
        } else if size > limits.max_file_bytes {
            pkg.problems.push(Problem::new(
                "archive-limit",
                format!("`{rel}` is {size} bytes, over the {} byte limit for one file; it was listed, not read", limits.max_file_bytes),
            ));
        } else {
            let mut buf = Vec::with_capacity(size as usize);
            if let Err(e) = entry.read_to_end(&mut buf) {
                pkg.problems.push(read_problem(&e));
                complete = false;
                break;
            }
            data = Some(buf);
        }
        let file = RawFile {
            path: rel,
            size,
            data,
            regular,
        };
        match index.get(&file.path) {
            Some(&at) => {
                duplicates.note(&mut pkg.problems, || {
                    format!(
                        "the path `{}` appears more than once in the archive; the last copy, the one unpacking leaves on disk, was read",
                        file.path.escape_debug()
                    )
                });
                pkg.files[at] = file;
            }
            None => {
                index.insert(file.path.clone(), pkg.files.len());
                pkg.files.push(file);
            }
        }
    }
    for tally in [outside, special, too_deep, too_long, duplicates] {
        tally.finish(&mut pkg.problems);
    }
    complete
}

/// What a non-regular entry is, in words.
fn describe_special<R: Read>(entry: &tar::Entry<'_, R>) -> String {
    let kind = entry.header().entry_type();
    let target = || {
        entry
            .link_name_bytes()
            .map(|t| {
                shorten(&String::from_utf8_lossy(&t))
                    .escape_debug()
                    .to_string()
            })
            .unwrap_or_default()
    };
    if kind.is_symlink() {
        format!("a symbolic link to `{}`", target())
    } else if kind.is_hard_link() {
        format!("a hard link to `{}`", target())
    } else if kind.is_character_special() {
        "a character device".to_owned()
    } else if kind.is_block_special() {
        "a block device".to_owned()
    } else if kind.is_fifo() {
        "a named pipe (FIFO)".to_owned()
    } else {
        format!("an entry of tar type `{}`", kind.as_byte().escape_ascii())
    }
}

/// The first 200 characters of a name, for messages.
fn shorten(s: &str) -> String {
    let short: String = s.chars().take(200).collect();
    if short.len() < s.len() {
        format!("{short}…")
    } else {
        short
    }
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
    } else if e.kind() == std::io::ErrorKind::TimedOut {
        Problem::new(
            "archive-limit",
            "reading the package took longer than the time limit; the rest was not read",
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

    fn tar_gz(paths: &[&str]) -> Vec<u8> {
        let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for p in paths {
            let mut h = tar::Header::new_gnu();
            h.set_size(3);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, format!("x-1.0.0/{p}"), &b"abc"[..])
                .unwrap();
        }
        b.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn path_and_time_limits_are_configurable() {
        let bytes = tar_gz(&["a/b/c/d.rs", "short.rs"]);
        let all = read_package(&bytes, Some("x-1.0.0"), &Limits::default());
        assert!(all.problems.is_empty(), "{:?}", all.problems);
        assert_eq!(all.files.len(), 2);

        let shallow = Limits {
            max_path_depth: 3,
            ..Limits::default()
        };
        let p = read_package(&bytes, Some("x-1.0.0"), &shallow);
        assert_eq!(p.files.len(), 1);
        assert_eq!(p.problems[0].code, "archive-limit");
        // The defaults: 1,024 bytes a path, 255 bytes a part.
        let deep = format!("{}/x.rs", vec!["d".repeat(200); 6].join("/"));
        let wide = format!("{}.rs", "n".repeat(256));
        let names = [deep.as_str(), wide.as_str(), "ok.rs"];
        let p = read_package(&tar_gz(&names), Some("x-1.0.0"), &Limits::default());
        let read: Vec<&str> = p.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(read, vec!["ok.rs"]);
        let codes: Vec<&str> = p.problems.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, vec!["path-too-long", "path-too-long"]);
        let short = Limits {
            max_path_bytes: 8,
            ..Limits::default()
        };
        let p = read_package(&bytes, Some("x-1.0.0"), &short);
        assert_eq!(p.files.len(), 1, "{:?}", p.problems);
        assert_eq!(p.files[0].path, "short.rs");

        let no_time = Limits {
            max_seconds: 0,
            ..Limits::default()
        };
        let p = read_package(&bytes, Some("x-1.0.0"), &no_time);
        assert!(p.files.is_empty());
        assert!(
            p.problems[0].message.contains("time limit"),
            "{:?}",
            p.problems
        );
    }

    #[test]
    fn many_bad_entries_give_a_short_report() {
        let paths: Vec<String> = (0..50).map(|i| format!("../x{i}")).collect();
        let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for p in &paths {
            let mut h = tar::Header::new_gnu();
            h.set_size(0);
            h.set_cksum();
            // Written as raw name bytes: the builder refuses `..`.
            h.as_gnu_mut().unwrap().name[..p.len() + 8]
                .copy_from_slice(format!("x-1.0.0/{p}").as_bytes());
            h.set_cksum();
            b.append(&h, &b""[..]).unwrap();
        }
        let bytes = b.into_inner().unwrap().finish().unwrap();
        let p = read_package(&bytes, Some("x-1.0.0"), &Limits::default());
        assert_eq!(p.problems.len(), TALLY_SHOWN + 1, "{:?}", p.problems);
        assert!(p.problems.last().unwrap().message.starts_with("50 entries"));
    }
}
