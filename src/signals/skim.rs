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
use memchr::{memchr3, memchr3_iter};

use super::lex::{
    K, LineCursor, LiteralKind, Tok, TokenKind, first_token, is_string, lex_into,
    opens_test_attribute, tokens_from,
};
use super::source::{
    Brackets, Cap, Scan, XOR_DETAIL, finish, ident_hits, interesting, interesting_idents,
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

/// Parts shared by several identifiers of interest, searched for in their
/// place (a match is widened to the identifier around it): fewer patterns
/// make the search about twice as fast. An identifier that holds none of
/// them is searched for itself.
const ANCHORS: &[&str] = &[
    "Command", "Library", "Socket", "Proc", "Exec", "exec", "http", "include_", "dir_all", "hyper",
    "asm", "var", "env",
];

/// What is searched for to find the identifiers of interest.
struct Names {
    /// Aho-Corasick over the patterns of four bytes or more.
    long: AhoCorasick,
    /// memmem for the shorter ones, which would slow Aho-Corasick down many times.
    short: Vec<Finder<'static>>,
}

static NAMES: LazyLock<Names> = LazyLock::new(|| {
    let patterns: std::collections::BTreeSet<&str> = interesting_idents()
        .map(|id| {
            ANCHORS
                .iter()
                .find(|a| id.contains(**a))
                .copied()
                .unwrap_or(id)
        })
        .collect();
    let (short, long): (Vec<&str>, Vec<&str>) = patterns.into_iter().partition(|n| n.len() < 4);
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
    // One buffer for the few tokens read at each candidate.
    let mut toks = Vec::with_capacity(80);
    let tests = code.test_ranges(src, &mut toks)?;
    let in_test = |pos: usize| {
        let i = tests.partition_point(|r| r.1 <= pos);
        tests.get(i).is_some_and(|r| r.0 <= pos)
    };
    // Tokens are read without their line, which is looked up only for hits.
    let mut lines = LineCursor::new(src);
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
        let mut tok = match event {
            Event::Ident(end) => {
                let id = &src[pos..end];
                lex_into(src, pos, NO_LINE, lookahead(id), &mut toks);
                if toks
                    .first()
                    .is_none_or(|t| t.k != K::Ident || t.text.len() != end - pos)
                {
                    return None;
                }
                toks[0].test = in_test(pos);
                if id == "Command" {
                    // Its line is kept when it starts a shell on a script.
                    lines.place(&mut toks[0]);
                }
                ident_hits(&toks, 0, &mut scan, &mut found);
                toks[0]
            }
            Event::Str(i) => {
                let sp = spans[i];
                let text = &src[sp.start..sp.end];
                str_hits(text, &mut scan, &mut found);
                Tok {
                    k: K::Str,
                    text,
                    line: 0,
                    start: pos as u32,
                    line_start: 0,
                    test: false,
                }
            }
            Event::Caret => {
                lex_into(src, pos, NO_LINE, 4, &mut toks);
                if code.after_close_bracket(pos)? || xor_after(&toks, 0) {
                    found.push((Cap::XorDecoding, XOR_DETAIL.into()));
                }
                toks[0]
            }
        };
        if !found.is_empty() {
            lines.place(&mut tok);
            push_found(src, &tok, in_test(pos), &mut found, &mut scan.hits);
        }
    }

    for (start, end) in code.arrays() {
        let mut brackets = Brackets::default();
        for mut t in tokens_from(&src[..end], start, lines.line_of(start)) {
            if t.k == K::Punct('[') {
                t.test = in_test(t.start as usize);
            }
            if matches!(t.k, K::Punct('[') | K::Punct(']') | K::Int) {
                brackets.token(src, t, &mut scan.hits);
            }
        }
        if !brackets.closed() {
            return None;
        }
    }
    Some(finish(scan))
}

/// The line given to tokens read before their line is known.
const NO_LINE: (u32, u32) = (0, 0);

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

    /// The identifiers of interest and the `^` in code. Each match of a
    /// pattern is widened to the run of identifier bytes around it, which is
    /// a candidate when it is an identifier of interest, so `fs` inside
    /// `offset` or `1fs` never is. `None` where a candidate touches a
    /// non-ASCII byte (it may be part of an identifier or not) or follows `r#`.
    fn candidates(&self) -> Option<Vec<(usize, Event)>> {
        let b = self.b;
        let mut words: Vec<(usize, usize)> = Vec::new();
        let long = NAMES.long.find_iter(b).map(|m| m.start());
        self.widen(long, &mut words);
        for f in &NAMES.short {
            self.widen(f.find_iter(b), &mut words);
        }
        words.sort_unstable();
        words.dedup();
        let mut events = Vec::new();
        for (s, e) in words {
            if !std::str::from_utf8(&b[s..e]).is_ok_and(interesting) {
                continue;
            }
            let before = s.checked_sub(1).map(|i| b[i]);
            if before.is_some_and(|c| c >= 0x80) || b.get(e).is_some_and(|&c| c >= 0x80) {
                return None;
            }
            if before == Some(b'#') && s >= 2 && matches!(b[s - 2], b'r' | b'k') {
                return None;
            }
            events.push((s, Event::Ident(e)));
        }
        for at in memchr::memchr_iter(b'^', b).filter(|&at| self.is_code(at)) {
            events.push((at, Event::Caret));
        }
        Some(events)
    }

    /// The runs of identifier bytes, in code, around matches given in
    /// increasing order: each run once, however many matches it holds.
    fn widen(&self, matches: impl Iterator<Item = usize>, words: &mut Vec<(usize, usize)>) {
        let b = self.b;
        let mut last_end = 0;
        for at in matches {
            if at < last_end || !self.is_code(at) {
                continue;
            }
            let s = b[..at]
                .iter()
                .rposition(|&c| !is_ident_byte(c))
                .map_or(0, |i| i + 1);
            let e = b[at..]
                .iter()
                .position(|&c| !is_ident_byte(c))
                .map_or(b.len(), |i| at + i);
            words.push((s, e));
            last_end = e;
        }
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
    fn test_ranges<'s>(
        &self,
        src: &'s str,
        toks: &mut Vec<Tok<'s>>,
    ) -> Option<Vec<(usize, usize)>> {
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
            if !may_open_test_attribute(self.b, at) {
                continue;
            }
            lex_into(src, at, NO_LINE, 6, toks);
            if opens_test_attribute(toks) {
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
}

/// Whether the `#` at `at` may start `#[test]` or `#[cfg(test)]`, from the
/// bytes after it: `false` only where they show that it does not. A `/`
/// (which may open a comment) or a byte that is not ASCII leaves the
/// question to the lexer.
fn may_open_test_attribute(b: &[u8], at: usize) -> bool {
    let skip = |mut i: usize| {
        while b
            .get(i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
        {
            i += 1;
        }
        i
    };
    let i = skip(at + 1);
    match b.get(i) {
        Some(b'[') => {}
        Some(&c) => return c == b'/' || c >= 0x80,
        None => return false,
    }
    let j = skip(i + 1);
    let word = &b[j..];
    let len = word.iter().take_while(|&&c| is_ident_byte(c)).count();
    match word.first() {
        Some(&c) if c == b'/' || c >= 0x80 => true,
        _ => matches!(&word[..len], b"test" | b"cfg"),
    }
}

#[path = "skim_arrays.rs"]
mod arrays;

#[cfg(test)]
#[path = "skim_tests.rs"]
mod tests;
