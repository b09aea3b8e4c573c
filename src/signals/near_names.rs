//! An index of a set of names by their one-deletion neighbourhood (the
//! "symmetric delete" index), so that the names one edit away from a
//! candidate are found in time proportional to the candidate's length rather
//! than to the size of the set.
//!
//! For every indexed name the index keeps the hash of the name itself and the
//! hashes of every string made by deleting one of its characters. Two strings
//! one insertion, deletion, substitution or swap of neighbouring characters
//! apart always share a member of their one-deletion neighbourhoods, so
//! [`NearIndex::near`] returns every such name (and, through hash collisions
//! or edits of other shapes, a few more): callers confirm each candidate with
//! their exact rule.

use std::hash::{DefaultHasher, Hash, Hasher};

/// Names, sorted, with the hashes of their one-deletion neighbourhoods.
#[derive(Debug, Clone, Default)]
pub struct NearIndex {
    names: Vec<String>,
    /// Names shorter than this (in bytes) are left out of [`NearIndex::near`].
    min_len: usize,
    /// (hash, position in `names`), sorted.
    whole: Vec<(u64, u32)>,
    /// (hash of a one-deletion variant, position in `names`), sorted.
    deletions: Vec<(u64, u32)>,
}

/// The hash of `chars` with the character at `skip` left out.
fn hash_without(chars: &[char], skip: Option<usize>) -> u64 {
    let mut h = DefaultHasher::new();
    for (i, c) in chars.iter().enumerate() {
        if Some(i) != skip {
            c.hash(&mut h);
        }
    }
    // The length marks where the string ends, so that prefixes differ.
    (chars.len() - usize::from(skip.is_some())).hash(&mut h);
    h.finish()
}

fn lookup(table: &[(u64, u32)], key: u64, out: &mut Vec<u32>) {
    let start = table.partition_point(|e| e.0 < key);
    out.extend(
        table[start..]
            .iter()
            .take_while(|e| e.0 == key)
            .map(|e| e.1),
    );
}

impl NearIndex {
    /// Indexes `names` (sorted and deduplicated here). Names shorter than
    /// `min_len` bytes are only found by [`NearIndex::exact`].
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>, min_len: usize) -> Self {
        let mut names: Vec<String> = names.into_iter().map(str::to_owned).collect();
        names.sort();
        names.dedup();
        let mut whole = Vec::with_capacity(names.len());
        let mut deletions = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let chars: Vec<char> = name.chars().collect();
            whole.push((hash_without(&chars, None), i as u32));
            if name.len() >= min_len {
                deletions
                    .extend((0..chars.len()).map(|k| (hash_without(&chars, Some(k)), i as u32)));
            }
        }
        whole.sort_unstable();
        deletions.sort_unstable();
        deletions.dedup();
        Self {
            names,
            min_len,
            whole,
            deletions,
        }
    }

    /// The indexed names, sorted.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The position of `name` in [`NearIndex::names`], when indexed.
    pub fn exact(&self, name: &str) -> Option<u32> {
        let chars: Vec<char> = name.chars().collect();
        let mut found = Vec::new();
        lookup(&self.whole, hash_without(&chars, None), &mut found);
        found.into_iter().find(|&i| self.names[i as usize] == name)
    }

    /// Positions of the indexed names (of at least `min_len` bytes) that may
    /// be one edit from `n`, sorted (so in the names' order) and distinct.
    /// Every name one insertion, deletion, substitution or swap of two
    /// neighbouring characters away is among them.
    pub fn near(&self, n: &str) -> Vec<u32> {
        let chars: Vec<char> = n.chars().collect();
        let mut out = Vec::new();
        // `n` is a name with one character left out.
        lookup(&self.deletions, hash_without(&chars, None), &mut out);
        for k in 0..chars.len() {
            let h = hash_without(&chars, Some(k));
            // `n` is a name with one character added.
            lookup(&self.whole, h, &mut out);
            // `n` and a name differ in one place, or by a swap.
            lookup(&self.deletions, h, &mut out);
        }
        out.sort_unstable();
        out.dedup();
        out.retain(|&i| self.names[i as usize].len() >= self.min_len);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One insertion, deletion, substitution or swap of neighbours apart.
    fn one_edit(a: &str, b: &str) -> bool {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let (short, long) = if a.len() <= b.len() {
            (&a, &b)
        } else {
            (&b, &a)
        };
        match long.len() - short.len() {
            0 => {
                let d: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
                match d.as_slice() {
                    [] | [_] => true,
                    [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
                    _ => false,
                }
            }
            1 => (0..long.len()).any(|i| long[..i] == short[..i] && long[i + 1..] == short[i..]),
            _ => false,
        }
    }

    fn names() -> Vec<String> {
        let mut v: Vec<String> = [
            "a",
            "b",
            "ab",
            "ba",
            "abc",
            "serde",
            "serde-json",
            "serde_json",
            "sedre",
            "serd",
            "serdes",
            "tokio",
            "tokoi",
            "tokio-util",
            "rand",
            "rand-core",
            "rnad",
            "proc-macro2",
            "proc-macro1",
            "é-name",
            "aé-name",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // A deterministic spread of short names over a small alphabet, so
        // that many are one edit apart.
        let mut x: u32 = 7;
        for _ in 0..400 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let len = 1 + (x >> 8) as usize % 6;
            let s: String = (0..len)
                .map(|k| ['a', 'b', 'c', '-', '_'][((x >> (k * 3 + 11)) % 5) as usize])
                .collect();
            v.push(s);
        }
        v
    }

    #[test]
    fn near_finds_exactly_what_a_comparison_with_every_name_finds() {
        let all = names();
        for min_len in [1, 4] {
            let index = NearIndex::new(all.iter().map(String::as_str), min_len);
            for n in &all {
                let mut q = vec![n.clone(), format!("{n}x"), format!("x{n}")];
                q.push(n.chars().skip(1).collect());
                for n in &q {
                    let got: Vec<&str> = index
                        .near(n)
                        .into_iter()
                        .map(|i| index.names()[i as usize].as_str())
                        .filter(|p| one_edit(n, p))
                        .collect();
                    let want: Vec<&str> = index
                        .names()
                        .iter()
                        .map(String::as_str)
                        .filter(|p| p.len() >= min_len && one_edit(n, p))
                        .collect();
                    assert_eq!(got, want, "{n:?} (names of at least {min_len} bytes)");
                }
            }
        }
    }

    #[test]
    fn exact_lookups() {
        let index = NearIndex::new(["serde", "a", "serde", "tokio"], 5);
        assert_eq!(index.names(), ["a", "serde", "tokio"]);
        assert_eq!(index.exact("a"), Some(0));
        assert_eq!(index.exact("serde"), Some(1));
        assert_eq!(index.exact("serd"), None);
        assert_eq!(index.exact(""), None);
        assert!(
            index.near("a").is_empty(),
            "short names are not near-indexed"
        );
        assert_eq!(index.near("serdde"), vec![1]);
        assert!(NearIndex::default().near("serde").is_empty());
    }
}
