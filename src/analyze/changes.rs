//! What changed between an audited release and the release shown, counted
//! over their packages' files: files added, removed and changed, and lines
//! added and removed in text files (a line diff, bounded in size and time).
//! `.cargo_vcs_info.json` and the normalized `Cargo.toml`, which cargo
//! writes anew for every release, are left out (`Cargo.toml.orig` counts).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::model::ChangesSince;
use crate::unpacked::RawFile;

/// Largest text file diffed line by line (bytes, each side).
const MAX_DIFFED: usize = 1 << 20;
/// Longest one file's line diff may take before it settles for a coarser
/// answer.
const DIFF_TIME: Duration = Duration::from_millis(200);

/// Files cargo writes anew for every release.
const WRITTEN_BY_CARGO: &[&str] = &[".cargo_vcs_info.json", "Cargo.toml"];

/// The text of a file, when it is text and small enough to diff.
fn text(f: &RawFile) -> Option<&str> {
    let data = f.data.as_deref()?;
    if data.len() > MAX_DIFFED || memchr::memchr(0, data).is_some() {
        return None;
    }
    std::str::from_utf8(data).ok()
}

fn lines(s: &str) -> usize {
    s.lines().count()
}

/// Counts what changed from `before` (the release `from`) to `now`.
pub fn count(now: &[RawFile], before: &[RawFile], from: &str) -> ChangesSince {
    let files = |list: &'_ [RawFile]| -> BTreeMap<String, usize> {
        list.iter()
            .enumerate()
            .filter(|(_, f)| f.regular && !WRITTEN_BY_CARGO.contains(&f.path.as_str()))
            .map(|(i, f)| (f.path.clone(), i))
            .collect()
    };
    let (after, earlier) = (files(now), files(before));
    let mut out = ChangesSince {
        from: from.to_owned(),
        ..ChangesSince::default()
    };
    for (path, &i) in &after {
        let f = &now[i];
        match earlier.get(path) {
            None => {
                out.files_added += 1;
                match text(f) {
                    Some(t) => out.lines_added += lines(t),
                    None => out.files_not_diffed += 1,
                }
            }
            Some(&j) => {
                let old = &before[j];
                if f.data == old.data && f.size == old.size {
                    continue;
                }
                out.files_changed += 1;
                match (text(old), text(f)) {
                    (Some(a), Some(b)) => {
                        let diff = similar::TextDiff::configure()
                            .timeout(DIFF_TIME)
                            .diff_lines(a, b);
                        for op in diff.ops() {
                            for change in diff.iter_changes(op) {
                                match change.tag() {
                                    similar::ChangeTag::Insert => out.lines_added += 1,
                                    similar::ChangeTag::Delete => out.lines_removed += 1,
                                    similar::ChangeTag::Equal => {}
                                }
                            }
                        }
                    }
                    _ => out.files_not_diffed += 1,
                }
            }
        }
    }
    for (path, &j) in &earlier {
        if !after.contains_key(path) {
            out.files_removed += 1;
            match text(&before[j]) {
                Some(t) => out.lines_removed += lines(t),
                None => out.files_not_diffed += 1,
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, data: &[u8]) -> RawFile {
        RawFile {
            path: path.into(),
            size: data.len() as u64,
            data: Some(data.to_vec()),
            regular: true,
        }
    }

    #[test]
    fn files_and_lines() {
        let before = [
            file("src/lib.rs", b"a\nb\nc\n"),
            file("old.txt", b"x\ny\n"),
            file("Cargo.toml", b"version = \"1.0.0\"\n"),
            file("blob.bin", b"\0\x01"),
        ];
        let now = [
            file("src/lib.rs", b"a\nB\nc\nd\n"),
            file("new.rs", b"1\n2\n3\n"),
            file("Cargo.toml", b"version = \"1.1.0\"\n"),
            file("blob.bin", b"\0\x02"),
        ];
        assert_eq!(
            count(&now, &before, "1.0.0"),
            ChangesSince {
                from: "1.0.0".into(),
                files_added: 1,
                files_removed: 1,
                files_changed: 2,
                lines_added: 2 + 3,
                lines_removed: 1 + 2,
                files_not_diffed: 1,
            }
        );
    }
}
