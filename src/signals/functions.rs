//! The functions of a source file as spans of lines, so that a finding can
//! name the function that holds it and the judgement can join the facts
//! of one function. Lexed with the same lexer as the scan; only files with
//! findings of two or more capabilities are lexed again.

use super::lex::{K, lex};

/// One function: its name and its first and last lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) name: String,
    pub(super) first: u32,
    pub(super) last: u32,
}

/// Every function with a body, in the order their bodies close.
pub(super) fn spans(src: &str) -> Vec<Span> {
    let toks = lex(src);
    let mut out = Vec::new();
    // Functions whose body is open: (brace depth of the body, name, first line).
    let mut open: Vec<(usize, String, u32)> = Vec::new();
    // A `fn name` whose body has not started yet, and the nesting of `(` and `[` since.
    let mut pending: Option<(String, u32)> = None;
    let mut nest = 0usize;
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate() {
        match t.k {
            K::Ident if t.text == "fn" => {
                pending = toks
                    .get(i + 1)
                    .filter(|n| n.k == K::Ident)
                    .map(|n| (n.text.to_owned(), t.line));
                nest = 0;
            }
            K::Punct('(') | K::Punct('[') => nest += 1,
            K::Punct(')') | K::Punct(']') => nest = nest.saturating_sub(1),
            K::Punct(';') if nest == 0 => pending = None,
            K::Punct('{') => {
                depth += 1;
                if let Some((name, line)) = pending.take() {
                    open.push((depth, name, line));
                }
            }
            K::Punct('}') => {
                if open.last().is_some_and(|f| f.0 == depth) {
                    let (_, name, first) = open.pop().expect("checked");
                    out.push(Span {
                        name,
                        first,
                        last: t.line,
                    });
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    out
}

/// The innermost function holding `line`.
pub(super) fn holding(spans: &[Span], line: u32) -> Option<&Span> {
    spans
        .iter()
        .filter(|s| s.first <= line && line <= s.last)
        .max_by_key(|s| s.first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_and_their_lines() {
        let src = "trait T {\n    fn decl(&self) -> [u8; 4];\n}\nfn outer() -> [u8; 2] {\n    fn inner() {\n        let s = \"}\";\n    }\n    [0; 2]\n}\nimpl X {\n    fn m(&self) { if true { } }\n}\n";
        let s = spans(src);
        let names: Vec<(&str, u32, u32)> = s
            .iter()
            .map(|s| (s.name.as_str(), s.first, s.last))
            .collect();
        assert_eq!(names, vec![("inner", 5, 7), ("outer", 4, 9), ("m", 11, 11)]);
        assert_eq!(holding(&s, 6).map(|s| s.name.as_str()), Some("inner"));
        assert_eq!(holding(&s, 8).map(|s| s.name.as_str()), Some("outer"));
        assert_eq!(holding(&s, 2), None);
    }
}
