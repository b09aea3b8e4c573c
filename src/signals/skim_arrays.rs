//! Arrays that may hold embedded data, for the skim: the outermost array
//! literals that may hold [`BYTE_ARRAY_INTS`] or more integers directly. The
//! lexer then reads each of them whole.

use memchr::memchr2_iter;

use super::super::source::BYTE_ARRAY_INTS;
use super::{Code, Kind, is_ident_byte};

impl Code<'_> {
    /// Digits in `from..to` that may start a number (no identifier byte
    /// before them): at least as many as the integer literals there.
    fn number_starts(&self, from: usize, to: usize) -> usize {
        let b = self.b;
        let first = usize::from(
            from < to && b[from].is_ascii_digit() && (from == 0 || !is_ident_byte(b[from - 1])),
        );
        first
            + b[from..to]
                .windows(2)
                .filter(|w| w[1].is_ascii_digit() && !is_ident_byte(w[0]))
                .count()
    }

    /// The outermost array literals that may hold [`BYTE_ARRAY_INTS`] or
    /// more integers directly, as byte ranges from `[` to past `]`.
    ///
    /// Each integer takes a byte at least, so only brackets that far apart
    /// can hold that many; those are found first, and only inside them are
    /// integers counted (generously: every digit that starts a number and
    /// every byte literal).
    pub(super) fn arrays(&self) -> Vec<(usize, usize)> {
        let mut open: Vec<usize> = Vec::new();
        let mut wide: Vec<(usize, usize)> = Vec::new();
        for &(s, e) in &self.gaps {
            for at in memchr2_iter(b'[', b']', &self.b[s..e]).map(|o| s + o) {
                if self.b[at] == b'[' {
                    open.push(at);
                } else if let Some(start) = open.pop() {
                    if at - start > BYTE_ARRAY_INTS {
                        // It holds the wide ones found so far inside it.
                        while wide.last().is_some_and(|w| w.0 > start) {
                            wide.pop();
                        }
                        wide.push((start, at + 1));
                    }
                }
            }
        }
        let mut found: Vec<(usize, usize)> = Vec::new();
        for (from, to) in wide {
            self.count_arrays(from, to, &mut found);
        }
        found.sort_unstable();
        let mut outer: Vec<(usize, usize)> = Vec::new();
        for r in found {
            if outer.last().is_none_or(|o| r.0 >= o.1) {
                outer.push(r);
            }
        }
        outer
    }

    /// The arrays in the brackets `from..to` (both brackets included) that
    /// may hold [`BYTE_ARRAY_INTS`] integers or more, in `found`.
    fn count_arrays(&self, from: usize, to: usize, found: &mut Vec<(usize, usize)>) {
        let mut stack: Vec<(usize, usize)> = Vec::new();
        let first_span = self.spans.partition_point(|sp| sp.end <= from);
        let mut spans = self.spans[first_span..].iter().peekable();
        let first_gap = self.gaps.partition_point(|g| g.1 <= from);
        for &(s, e) in &self.gaps[first_gap..] {
            if s >= to {
                break;
            }
            let (s, e) = (s.max(from), e.min(to));
            while let Some(sp) = spans.next_if(|sp| sp.end <= s) {
                if sp.kind == Kind::Byte {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                }
            }
            let mut at_ = s;
            for at in memchr2_iter(b'[', b']', &self.b[s..e]).map(|o| s + o) {
                if let Some(top) = stack.last_mut() {
                    top.1 += self.number_starts(at_, at);
                }
                if self.b[at] == b'[' {
                    stack.push((at, 0));
                } else if let Some((start, n)) = stack.pop() {
                    if n >= BYTE_ARRAY_INTS {
                        found.push((start, at + 1));
                    }
                }
                at_ = at + 1;
            }
            if let Some(top) = stack.last_mut() {
                top.1 += self.number_starts(at_, e);
            }
        }
    }
}
