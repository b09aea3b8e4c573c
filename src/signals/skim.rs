//! The fast path of the source scan. Lexing every byte of every file with
//! rustc's lexer costs more than the rest of the analysis together, and
//! nearly all of it goes to code where no pattern can occur. So a file is
//! skimmed first: memchr jumps to the bytes that can open a comment or a
//! literal (`/`, `"`, `'`), and rustc's lexer reads the one token that starts
//! there (the whole comment, string, character or lifetime). That gives the
//! exact extent of every comment and literal; what lies between them is code
//! in which no token holds a quote or a slash.
//!
//! Candidates are then looked for in that code alone: the identifiers of
//! interest (as whole words), `#` (test attributes), `^`, and
//! arrays that may hold many integers. rustc's lexer reads a few tokens from
//! each candidate, and the matchers of [`super::source`] judge them as they
//! judge the tokens of a full scan, so both give the same result. Where the
//! skim meets a shape it does not handle exactly (a non-ASCII byte next to a
//! candidate, a `#"` that is no raw string), it gives up and the file is
//! scanned token by token.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use memchr::memmem::Finder;
use memchr::{memchr2_iter, memchr3, memchr3_iter};

use super::lex::{K, LineIndex, LiteralKind, Tok, TokenKind, first_token, is_string, lex_from};
use super::source::{
    BYTE_ARRAY_INTS, Brackets, Cap, Scan, XOR_DETAIL, finish, ident_hits, interesting_idents,
    lookahead, push_found, str_hits, xor_after,
};

/// What a stretch that is not code holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Comment,
    /// A string literal of any kind (`"…"`, `r#"…"#`, `b"…"`, `c"…"`).
    Str,
    /// A byte literal (`b'x'`), which counts as an integer.
    Byte,
    /// A character literal or a lifetime.
    Other,
}

/// A comment or literal: bytes `start..end`.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    kind: Kind,
}

/// The identifiers of interest, by how they are searched for.
struct Names {
    long: AhoCorasick,
    short: Vec<Finder<'static>>,
}

static NAMES: LazyLock<Names> = LazyLock::new(|| {
    let (short, long): (Vec<&str>, Vec<&str>) = interesting_idents().partition(|n| n.len() < 4);
    Names {
        long: AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(long)
            .expect("valid patterns"),
        short: short.into_iter().map(Finder::new).collect(),
    }
});

/// Scans a file by skimming it; `None` when the file must be scanned token
/// by token instead.
pub(super) fn scan(src: &str) -> Option<Scan> {
    let b = src.as_bytes();
    let spans = spans(src)?;
    let code = Code::new(b, &spans);
    let tests = code.test_ranges(src)?;
    let in_test = |pos: usize| {
        let i = tests.partition_point(|r| r.1 <= pos);
        tests.get(i).is_some_and(|r| r.0 <= pos)
    };
    let lines = LineIndex::new(src);
    let mut scan = Scan::default();

    // Candidates in source order: identifiers, strings and `^`.
    let mut events = code.candidates()?;
    for (i, sp) in spans.iter().enumerate() {
        if sp.kind == Kind::Str {
            events.push((sp.start, Event::Str(i)));
        }
    }
    events.sort_unstable_by_key(|e| e.0);

    let mut found: Vec<(Cap, String)> = Vec::new();
    for (pos, event) in events {
        let tok = match event {
            Event::Ident(end) => {
                let mut toks = lex_from(src, pos, lines.line_of(pos), lookahead(&src[pos..end]));
                if toks
                    .first()
                    .is_none_or(|t| t.k != K::Ident || t.text.len() != end - pos)
                {
                    return None;
                }
                toks[0].test = in_test(pos);
                ident_hits(&toks, 0, &mut scan, &mut found);
                toks[0]
            }
            Event::Str(i) => {
                let sp = spans[i];
                let text = &src[sp.start..sp.end];
                str_hits(text, &mut scan, &mut found);
                if found.is_empty() {
                    continue;
                }
                let line = lines.line_of(pos);
                Tok {
                    k: K::Str,
                    text,
                    line: line.0,
                    start: pos as u32,
                    line_start: line.1,
                    test: false,
                }
            }
            Event::Caret => {
                let toks = lex_from(src, pos, lines.line_of(pos), 4);
                if code.after_close_bracket(pos)? || xor_after(&toks, 0) {
                    found.push((Cap::XorDecoding, XOR_DETAIL.into()));
                }
                if found.is_empty() {
                    continue;
                }
                toks[0]
            }
        };
        push_found(src, &tok, in_test(pos), &mut found, &mut scan.hits);
    }

    for (start, end) in code.arrays() {
        let head = &src[..end];
        let mut toks = lex_from(head, start, lines.line_of(start), usize::MAX);
        let mut brackets = Brackets::default();
        for i in 0..toks.len() {
            if toks[i].k == K::Punct('[') {
                toks[i].test = in_test(toks[i].start as usize);
            }
            if matches!(toks[i].k, K::Punct('[') | K::Punct(']') | K::Int) {
                brackets.token(src, &toks, i, &mut scan.hits);
            }
        }
        if !brackets.closed() {
            return None;
        }
    }
    Some(finish(scan))
}

#[derive(Debug, Clone, Copy)]
enum Event {
    /// An identifier of interest, ending at this byte.
    Ident(usize),
    /// The string literal of this span.
    Str(usize),
    Caret,
}

/// Every comment and literal of the file, in order.
fn spans(src: &str) -> Option<Vec<Span>> {
    let b = src.as_bytes();
    let mut spans = Vec::new();
    let mut pos = 0;
    // Where the current stretch of code starts.
    let mut code_start = 0;
    while let Some(off) = memchr3(b'/', b'"', b'\'', &b[pos..]) {
        let p = pos + off;
        let start = match b[p] {
            b'/' if !matches!(b.get(p + 1), Some(b'/' | b'*')) => {
                pos = p + 1;
                continue;
            }
            b'/' => p,
            b'"' => string_start(b, code_start, p)?,
            _ => char_start(b, code_start, p)?,
        };
        let (kind, len) = first_token(src, start)?;
        let end = start + len;
        let kind = match kind {
            TokenKind::LineComment { .. } | TokenKind::BlockComment { .. } => Kind::Comment,
            TokenKind::Literal { kind, .. } => match kind {
                _ if is_string(kind) => Kind::Str,
                LiteralKind::Byte { .. } => Kind::Byte,
                LiteralKind::Char { .. } => Kind::Other,
                _ => return None,
            },
            TokenKind::Lifetime { .. }
            | TokenKind::RawLifetime
            | TokenKind::UnknownPrefixLifetime => Kind::Other,
            _ => return None,
        };
        if end <= p {
            return None;
        }
        spans.push(Span { start, end, kind });
        pos = end;
        code_start = end;
    }
    Some(spans)
}

/// Bytes that continue an ASCII identifier (digits included: `1fs` is one
/// number with a suffix).
fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Whether the token that may start at `s` (in code from `code_start` on)
/// starts there: the byte before it cannot continue an identifier. `None`
/// when that byte is not ASCII.
fn starts_token(b: &[u8], code_start: usize, s: usize) -> Option<bool> {
    if s == code_start {
        return Some(true);
    }
    match b[s - 1] {
        c if c >= 0x80 => None,
        c => Some(!is_ident_byte(c)),
    }
}

/// Where the string literal whose opening quote is at `p` starts: at a
/// prefix (`b`, `c`, `r`, `br`, `cr`, and the `#`s of a raw string) when
/// one starts a token there, else at the quote.
fn string_start(b: &[u8], code_start: usize, p: usize) -> Option<usize> {
    let mut j = p;
    while j > code_start && b[j - 1] == b'#' {
        j -= 1;
    }
    let raw = j < p;
    let prefixes: &[&[u8]] = if raw {
        &[b"br", b"cr", b"r"]
    } else {
        &[b"br", b"cr", b"r", b"b", b"c"]
    };
    for pre in prefixes {
        let Some(s) = j.checked_sub(pre.len()) else {
            continue;
        };
        if s >= code_start && &b[s..j] == *pre && starts_token(b, code_start, s)? {
            return Some(s);
        }
    }
    // `#"` outside a raw string is lexed as a guarded-string prefix.
    (!raw).then_some(p)
}

/// Where the literal or lifetime whose quote is at `p` starts: at a `b`
/// that starts a token (a byte literal), else at the quote.
fn char_start(b: &[u8], code_start: usize, p: usize) -> Option<usize> {
    if p > code_start && b[p - 1] == b'b' && starts_token(b, code_start, p - 1)? {
        return Some(p - 1);
    }
    Some(p)
}

/// The code of a file: everything outside its comments and literals.
struct Code<'a> {
    b: &'a [u8],
    spans: &'a [Span],
    /// The stretches of code between them, as byte ranges.
    gaps: Vec<(usize, usize)>,
}

impl<'a> Code<'a> {
    fn new(b: &'a [u8], spans: &'a [Span]) -> Self {
        let ends = std::iter::once(0).chain(spans.iter().map(|s| s.end));
        let starts = spans
            .iter()
            .map(|s| s.start)
            .chain(std::iter::once(b.len()));
        let gaps = ends.zip(starts).filter(|(s, e)| s < e).collect();
        Self { b, spans, gaps }
    }

    fn is_code(&self, pos: usize) -> bool {
        let i = self.spans.partition_point(|s| s.end <= pos);
        self.spans.get(i).is_none_or(|s| s.start > pos)
    }

    /// The identifiers of interest and the `^` in code. Names are searched
    /// for as whole words: Aho-Corasick for the long ones, memmem for the
    /// few short ones (which would slow Aho-Corasick down many times), so
    /// `fs` inside `offset` or `1fs` is never a candidate. `None` where a name
    /// touches a non-ASCII byte (it may be part of an identifier or not) or
    /// follows `r#`.
    fn candidates(&self) -> Option<Vec<(usize, Event)>> {
        let b = self.b;
        let mut events = Vec::new();
        let long = NAMES.long.find_iter(b).map(|m| (m.start(), m.end()));
        let short = NAMES
            .short
            .iter()
            .flat_map(|f| f.find_iter(b).map(|s| (s, s + f.needle().len())));
        for (s, e) in long.chain(short) {
            if !self.is_code(s) {
                continue;
            }
            let before = s.checked_sub(1).map(|i| b[i]);
            let after = b.get(e).copied();
            if before.is_some_and(|c| c >= 0x80) || after.is_some_and(|c| c >= 0x80) {
                return None;
            }
            if before == Some(b'#') && s >= 2 && matches!(b[s - 2], b'r' | b'k') {
                return None;
            }
            if before.is_some_and(is_ident_byte) || after.is_some_and(is_ident_byte) {
                continue;
            }
            events.push((s, Event::Ident(e)));
        }
        for at in memchr::memchr_iter(b'^', b).filter(|&at| self.is_code(at)) {
            events.push((at, Event::Caret));
        }
        Some(events)
    }

    /// Whether the token before the `^` at `pos` is `]` (comments and
    /// whitespace between them skipped).
    fn after_close_bracket(&self, pos: usize) -> Option<bool> {
        let mut i = pos;
        while i > 0 {
            let c = self.b[i - 1];
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
                i -= 1;
                continue;
            }
            if c >= 0x80 {
                return None;
            }
            let k = self.spans.partition_point(|s| s.end < i);
            match self.spans.get(k) {
                Some(s) if s.end == i && s.kind == Kind::Comment => i = s.start,
                Some(s) if s.end == i => return Some(false),
                _ => return Some(c == b']'),
            }
        }
        Some(false)
    }

    /// The byte ranges of test-only code: from a `#[test]` or `#[cfg(test)]`
    /// to the `}` that closes the item it is on (or the `;` that ends it),
    /// as the full scan marks them.
    /// `None` where a `#` may belong to another token (`r#x`, `##`).
    fn test_ranges(&self, src: &str) -> Option<Vec<(usize, usize)>> {
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for at in memchr::memchr_iter(b'#', self.b) {
            if ranges.last().is_some_and(|r| at < r.1) || !self.is_code(at) {
                continue;
            }
            let near = |i: Option<usize>| i.and_then(|i| self.b.get(i)).copied();
            let (before, after) = (near(at.checked_sub(1)), near(Some(at + 1)));
            if matches!(before, Some(b'r' | b'k'))
                && after.is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
            {
                // `r#type`: a raw identifier.
                continue;
            }
            if matches!(before, Some(b'#' | b'r' | b'k')) || matches!(after, Some(b'#' | b'"')) {
                return None;
            }
            let toks = lex_from(src, at, (0, 0), 6);
            let text = |i: usize| toks.get(i).map_or("", |t| t.text);
            let is_test = text(1) == "["
                && (text(2) == "test" && text(3) == "]"
                    || text(2) == "cfg" && text(3) == "(" && text(4) == "test" && text(5) == ")");
            if is_test {
                ranges.push((at, self.item_end(at)));
            }
        }
        Some(ranges)
    }

    /// Where the item after the attribute at `at` ends: past its closing
    /// brace, or at the `;` met before any brace.
    fn item_end(&self, at: usize) -> usize {
        let mut depth = 0usize;
        let first = self.gaps.partition_point(|g| g.1 <= at);
        for &(s, e) in &self.gaps[first..] {
            let s = s.max(at);
            for off in memchr3_iter(b'{', b'}', b';', &self.b[s..e]) {
                let p = s + off;
                match self.b[p] {
                    b'{' => depth += 1,
                    b'}' if depth == 1 => return p + 1,
                    b'}' => depth = depth.saturating_sub(1),
                    _ if depth == 0 => return p,
                    _ => {}
                }
            }
        }
        self.b.len()
    }

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
    /// more integers directly, as byte ranges from `[` to past `]`: counted
    /// generously, every digit that starts a number and every byte literal.
    fn arrays(&self) -> Vec<(usize, usize)> {
        let bytes = self.spans.iter().filter(|s| s.kind == Kind::Byte).count();
        if self.b.iter().filter(|c| c.is_ascii_digit()).count() + bytes < BYTE_ARRAY_INTS {
            return Vec::new();
        }
        let mut stack: Vec<(usize, usize)> = Vec::new();
        let mut found: Vec<(usize, usize)> = Vec::new();
        let mut spans = self.spans.iter().peekable();
        for &(s, e) in &self.gaps {
            while let Some(sp) = spans.next_if(|sp| sp.end <= s) {
                if sp.kind == Kind::Byte {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                }
            }
            let mut from = s;
            for at in memchr2_iter(b'[', b']', &self.b[s..e]).map(|o| s + o) {
                if let Some(top) = stack.last_mut() {
                    top.1 += self.number_starts(from, at);
                }
                if self.b[at] == b'[' {
                    stack.push((at, 0));
                } else if let Some((start, n)) = stack.pop() {
                    if n >= BYTE_ARRAY_INTS {
                        found.push((start, at + 1));
                    }
                }
                from = at + 1;
            }
            if let Some(top) = stack.last_mut() {
                top.1 += self.number_starts(from, e);
            }
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
}

#[cfg(test)]
#[path = "skim_tests.rs"]
mod tests;
