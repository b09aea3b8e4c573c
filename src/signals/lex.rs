//! Rust source as tokens, from rustc's own lexer (ra-ap-rustc_lexer,
//! pinned): comments and whitespace dropped, every other token kept with its
//! line and byte offsets, and the tokens of test-only code marked.

use ra_ap_rustc_lexer::{FrontmatterAllowed, tokenize};
pub(super) use ra_ap_rustc_lexer::{LiteralKind, TokenKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum K {
    Ident,
    Str,
    Int,
    Punct(char),
    Other,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Tok<'a> {
    pub(super) k: K,
    pub(super) text: &'a str,
    pub(super) line: u32,
    /// Byte offset of the token and of the start of its line (columns are
    /// computed only for the tokens that become hits).
    pub(super) start: u32,
    pub(super) line_start: u32,
    pub(super) test: bool,
}

/// Every token of a file, with test-only code marked.
pub(super) fn lex(src: &str) -> Vec<Tok<'_>> {
    let mut toks = Vec::with_capacity(src.len() / 6 + 1);
    lex_into(src, 0, (1, 0), usize::MAX, &mut toks);
    mark_tests(&mut toks);
    toks
}

/// The tokens of `src` from byte `start`, which must be the start of a token
/// outside any comment or literal, on the line `(number, start byte)`:
/// comments and whitespace are left out.
pub(super) fn tokens_from(
    src: &str,
    start: usize,
    line: (u32, u32),
) -> impl Iterator<Item = Tok<'_>> {
    let (mut pos, mut line, mut line_start) = (start, line.0, line.1 as usize);
    tokenize(&src[start..], FrontmatterAllowed::No).filter_map(move |t| {
        let text = &src[pos..pos + t.len as usize];
        let tok = kind_of(t.kind).map(|k| Tok {
            k,
            text,
            line,
            start: pos as u32,
            line_start: line_start as u32,
            test: false,
        });
        if spans_lines(t.kind) {
            for nl in memchr::memchr_iter(b'\n', text.as_bytes()) {
                line += 1;
                line_start = pos + nl + 1;
            }
        }
        pos += t.len as usize;
        tok
    })
}

/// At most `max` tokens from `start` (as [`tokens_from`] gives them),
/// written into `toks` (cleared first, so that one buffer serves many calls).
pub(super) fn lex_into<'a>(
    src: &'a str,
    start: usize,
    line: (u32, u32),
    max: usize,
    toks: &mut Vec<Tok<'a>>,
) {
    toks.clear();
    toks.extend(tokens_from(src, start, line).take(max));
}

/// Whether a token can span lines: only whitespace, block comments and
/// literals can.
fn spans_lines(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Whitespace
            | TokenKind::BlockComment { .. }
            | TokenKind::Literal { .. }
            | TokenKind::Unknown
    )
}

/// The kind of token the scan tells apart; `None` for comments and whitespace.
fn kind_of(kind: TokenKind) -> Option<K> {
    Some(match kind {
        TokenKind::Whitespace | TokenKind::LineComment { .. } | TokenKind::BlockComment { .. } => {
            return None;
        }
        TokenKind::Ident | TokenKind::RawIdent => K::Ident,
        TokenKind::Literal { kind, .. } if is_string(kind) => K::Str,
        TokenKind::Literal {
            kind: LiteralKind::Int { .. } | LiteralKind::Byte { .. },
            ..
        } => K::Int,
        TokenKind::Colon => K::Punct(':'),
        TokenKind::Bang => K::Punct('!'),
        TokenKind::OpenParen => K::Punct('('),
        TokenKind::CloseParen => K::Punct(')'),
        TokenKind::OpenBrace => K::Punct('{'),
        TokenKind::CloseBrace => K::Punct('}'),
        TokenKind::OpenBracket => K::Punct('['),
        TokenKind::CloseBracket => K::Punct(']'),
        TokenKind::Pound => K::Punct('#'),
        TokenKind::Caret => K::Punct('^'),
        TokenKind::Eq => K::Punct('='),
        TokenKind::Semi => K::Punct(';'),
        TokenKind::Comma => K::Punct(','),
        _ => K::Other,
    })
}

/// Whether a literal is a string of any kind (`"…"`, `r#"…"#`, `b"…"`, `c"…"`).
pub(super) fn is_string(kind: LiteralKind) -> bool {
    matches!(
        kind,
        LiteralKind::Str { .. }
            | LiteralKind::RawStr { .. }
            | LiteralKind::ByteStr { .. }
            | LiteralKind::RawByteStr { .. }
            | LiteralKind::CStr { .. }
            | LiteralKind::RawCStr { .. }
    )
}

/// The first token of `src[start..]`: its kind and length in bytes.
pub(super) fn first_token(src: &str, start: usize) -> Option<(TokenKind, usize)> {
    tokenize(&src[start..], FrontmatterAllowed::No)
        .next()
        .map(|t| (t.kind, t.len as usize))
}

/// Turns byte offsets into line numbers, counting newlines onward from the
/// offset asked about last: offsets asked for in increasing order cost one
/// pass over the file up to the last of them (an earlier offset starts the
/// count again from the top).
pub(super) struct LineCursor<'a> {
    b: &'a [u8],
    /// The offset counted up to, its line, and where that line starts.
    at: (usize, u32, u32),
}

impl<'a> LineCursor<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Self {
            b: src.as_bytes(),
            at: (0, 1, 0),
        }
    }

    /// The 1-based line of a byte offset, and the offset where that line starts.
    pub(super) fn line_of(&mut self, pos: usize) -> (u32, u32) {
        if pos < self.at.0 {
            self.at = (0, 1, 0);
        }
        let (from, mut line, mut line_start) = self.at;
        let stretch = &self.b[from..pos.min(self.b.len())];
        if let Some(last) = memchr::memrchr(b'\n', stretch) {
            line += memchr::memchr_iter(b'\n', stretch).count() as u32;
            line_start = (from + last + 1) as u32;
        }
        self.at = (pos, line, line_start);
        (line, line_start)
    }

    /// Gives a token the line it is on.
    pub(super) fn place(&mut self, t: &mut Tok<'_>) {
        (t.line, t.line_start) = self.line_of(t.start as usize);
    }
}

/// Whether the tokens from a `#` (the first of them) are `#[test]` or
/// `#[cfg(test)]`.
pub(super) fn opens_test_attribute(toks: &[Tok<'_>]) -> bool {
    let text = |i: usize| toks.get(i).map_or("", |t| t.text);
    text(1) == "["
        && (text(2) == "test" && text(3) == "]"
            || text(2) == "cfg" && text(3) == "(" && text(4) == "test" && text(5) == ")")
}

/// Marks tokens inside `#[cfg(test)]` items and `#[test]` functions.
fn mark_tests(toks: &mut [Tok<'_>]) {
    let mut pending = false;
    let mut depth = 0usize;
    let mut test_depth: Option<usize> = None;
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        if test_depth.is_none() && t.k == K::Punct('#') && opens_test_attribute(&toks[i..]) {
            pending = true;
        }
        match t.k {
            K::Punct('{') => {
                depth += 1;
                if pending && test_depth.is_none() {
                    test_depth = Some(depth);
                    pending = false;
                }
            }
            K::Punct('}') => {
                if test_depth == Some(depth) {
                    toks[i].test = true;
                    test_depth = None;
                }
                depth = depth.saturating_sub(1);
            }
            K::Punct(';') if test_depth.is_none() => pending = false,
            _ => {}
        }
        if test_depth.is_some() || pending {
            toks[i].test = true;
        }
        i += 1;
    }
}

/// The 1-based column (in characters) of a token.
pub(super) fn col(src: &str, t: &Tok<'_>) -> u32 {
    src.get(t.line_start as usize..t.start as usize)
        .map_or(1, |s| s.chars().count() as u32 + 1)
}

/// The contents of a string literal token, without prefix, quotes and hashes.
pub(super) fn literal_body(text: &str) -> &str {
    let start = text.find('"').map_or(0, |i| i + 1);
    let end = text.rfind('"').unwrap_or(text.len());
    if end > start { &text[start..end] } else { "" }
}
