//! Rust source as tokens, from rustc's own lexer (ra-ap-rustc_lexer,
//! pinned): comments and whitespace dropped, every other token kept with its
//! line and byte offsets, and the tokens of test-only code marked.

use ra_ap_rustc_lexer::{FrontmatterAllowed, LiteralKind, TokenKind, tokenize};

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

/// Crates whose every use is an HTTP client.
pub(super) fn lex(src: &str) -> Vec<Tok<'_>> {
    let mut toks = Vec::with_capacity(src.len() / 6);
    let (mut pos, mut line, mut line_start) = (0usize, 1u32, 0usize);
    for t in tokenize(src, FrontmatterAllowed::No) {
        let text = &src[pos..pos + t.len as usize];
        let k = match t.kind {
            TokenKind::Whitespace
            | TokenKind::LineComment { .. }
            | TokenKind::BlockComment { .. } => None,
            TokenKind::Ident | TokenKind::RawIdent => Some(K::Ident),
            TokenKind::Literal { kind, .. } => Some(match kind {
                LiteralKind::Str { .. }
                | LiteralKind::RawStr { .. }
                | LiteralKind::ByteStr { .. }
                | LiteralKind::RawByteStr { .. }
                | LiteralKind::CStr { .. }
                | LiteralKind::RawCStr { .. } => K::Str,
                LiteralKind::Int { .. } | LiteralKind::Byte { .. } => K::Int,
                _ => K::Other,
            }),
            TokenKind::Colon => Some(K::Punct(':')),
            TokenKind::Bang => Some(K::Punct('!')),
            TokenKind::OpenParen => Some(K::Punct('(')),
            TokenKind::CloseParen => Some(K::Punct(')')),
            TokenKind::OpenBrace => Some(K::Punct('{')),
            TokenKind::CloseBrace => Some(K::Punct('}')),
            TokenKind::OpenBracket => Some(K::Punct('[')),
            TokenKind::CloseBracket => Some(K::Punct(']')),
            TokenKind::Pound => Some(K::Punct('#')),
            TokenKind::Caret => Some(K::Punct('^')),
            TokenKind::Eq => Some(K::Punct('=')),
            TokenKind::Semi => Some(K::Punct(';')),
            TokenKind::Comma => Some(K::Punct(',')),
            _ => Some(K::Other),
        };
        if let Some(k) = k {
            toks.push(Tok {
                k,
                text,
                line,
                start: pos as u32,
                line_start: line_start as u32,
                test: false,
            });
        }
        // Only whitespace, block comments and literals can span lines.
        if matches!(
            t.kind,
            TokenKind::Whitespace
                | TokenKind::BlockComment { .. }
                | TokenKind::Literal { .. }
                | TokenKind::Unknown
        ) {
            for nl in memchr::memchr_iter(b'\n', text.as_bytes()) {
                line += 1;
                line_start = pos + nl + 1;
            }
        }
        pos += t.len as usize;
    }
    mark_tests(&mut toks);
    toks
}

/// Marks tokens inside `#[cfg(test)]` items and `#[test]` functions.
fn mark_tests(toks: &mut [Tok<'_>]) {
    let mut pending = false;
    let mut depth = 0usize;
    let mut test_depth: Option<usize> = None;
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        if test_depth.is_none() && t.k == K::Punct('#') {
            let at = |j: usize| toks.get(i + j).map_or("", |t| t.text);
            if at(1) == "["
                && (at(2) == "test" && at(3) == "]"
                    || at(2) == "cfg" && at(3) == "(" && at(4) == "test" && at(5) == ")")
            {
                pending = true;
            }
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
