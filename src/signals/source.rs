//! A token-level scan of one Rust source file with rustc's own lexer
//! (ra-ap-rustc_lexer, pinned), so comments and the insides of string
//! literals never fool it. It reports capabilities (process spawning,
//! network access, file system writes and walks, environment reads, secret
//! paths, dynamic loading, FFI, `unsafe`, `include_bytes!`, inline assembly)
//! and obfuscation (long, encoded or high-entropy literals, large byte
//! arrays, XOR with an indexed key), each with its line and column. Code
//! inside `#[cfg(test)]` modules and `#[test]` functions is marked as such.

use std::sync::LazyLock;

use super::lex::{K, Tok, col, lex, literal_body};
use super::literals::{literal_hits, shorten};

pub use crate::model::Cap;

/// One capability at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// What was found.
    pub cap: Cap,
    /// 1-based line.
    pub line: u32,
    /// Byte offset where that line starts.
    pub line_start: u32,
    /// 1-based column (in characters).
    pub col: u32,
    /// The matched text or literal, shortened.
    pub detail: String,
    /// Inside `#[cfg(test)]` or `#[test]` code.
    pub in_test: bool,
}

/// Everything found in one file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Scan {
    /// Hits in source order.
    pub hits: Vec<Hit>,
    /// `unsafe` blocks, functions, impls and traits.
    pub unsafe_counts: [usize; 4],
    /// Whether the file mentions `OUT_DIR`.
    pub mentions_out_dir: bool,
    /// Programs started with a string literal (`Command::new("sh")`).
    pub spawned_literals: Vec<String>,
    /// Whether a program is started from an environment variable such as `RUSTC` or `CC`.
    pub spawns_from_tool_env: bool,
    /// Lines where a shell is started on a build script of the package (`sh configure`).
    pub script_runs: Vec<u32>,
}

/// Shells, whose start on a `configure` script is an ordinary build step.
const SHELLS: &[&str] = &["sh", "bash", "/bin/sh", "/bin/bash"];

const HTTP_CRATES: &[&str] = &[
    "reqwest",
    "ureq",
    "curl",
    "isahc",
    "surf",
    "attohttpc",
    "minreq",
    "http_req",
    "ehttp",
];
const NET_TYPES: &[&str] = &[
    "TcpStream",
    "UdpSocket",
    "TcpListener",
    "ToSocketAddrs",
    "to_socket_addrs",
    "lookup_host",
];
const PROCESS_IDENTS: &[&str] = &[
    "CommandExt",
    "execvp",
    "execve",
    "execv",
    "execl",
    "posix_spawn",
    "CreateProcessW",
    "CreateProcessA",
    "ShellExecuteW",
    "ShellExecuteA",
    "WinExec",
];
const FS_WRITE_FNS: &[&str] = &[
    "create_dir_all",
    "remove_file",
    "remove_dir_all",
    "set_permissions",
    "OpenOptions",
];
const DYNLOAD: &[&str] = &[
    "libloading",
    "dlopen",
    "dlsym",
    "LoadLibraryA",
    "LoadLibraryW",
    "LoadLibraryExW",
    "GetProcAddress",
];
const ASM: &[&str] = &["asm", "global_asm", "naked_asm", "llvm_asm"];
/// Environment variables that tell a program it runs in CI.
const CI_VARS: &[&str] = &[
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "TRAVIS",
    "CIRCLECI",
    "JENKINS_URL",
    "BUILDKITE",
    "TF_BUILD",
    "TEAMCITY_VERSION",
    "BITBUCKET_BUILD_NUMBER",
    "APPVEYOR",
    "DRONE",
    "CONTINUOUS_INTEGRATION",
];
/// Whether an environment variable name looks like a credential.
pub fn is_credential_name(n: &str) -> bool {
    if n.is_empty()
        || !n
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    {
        return false;
    }
    const WORDS: &[&str] = &[
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
    ];
    // A `_TOKEN` is a credential when it names a service or a kind of secret
    // (`XDG_ACTIVATION_TOKEN` is not one).
    const TOKEN_OWNERS: &[&str] = &[
        "GITHUB",
        "GH",
        "GITLAB",
        "CI_JOB",
        "CARGO_REGISTRY",
        "NPM",
        "NODE_AUTH",
        "PYPI",
        "HF",
        "HUGGING_FACE_HUB",
        "SLACK",
        "DISCORD",
        "TELEGRAM_BOT",
        "AWS_SESSION",
        "ACTIONS_ID_TOKEN_REQUEST",
        "ACTIONS_RUNTIME",
        "VAULT",
        "CODECOV",
        "DOCKER",
        "HEROKU",
        "NETLIFY",
        "VERCEL",
        "SENTRY_AUTH",
        "CLOUDFLARE_API",
        "DIGITALOCEAN",
        "OPENAI",
        "ANTHROPIC",
    ];
    WORDS.iter().any(|w| n.contains(w))
        || n.strip_suffix("_TOKEN").is_some_and(|owner| {
            TOKEN_OWNERS.contains(&owner)
                || [
                    "_AUTH", "_API", "_ACCESS", "_BOT", "_REFRESH", "_SESSION", "_BEARER",
                ]
                .iter()
                .any(|k| owner.ends_with(k))
                || owner.starts_with("CARGO_REGISTRIES_")
        })
        || n == "SSH_AUTH_SOCK"
}

/// Identifiers that can start a pattern of interest; every other identifier
/// is passed over at once.
pub(super) fn interesting(id: &str) -> bool {
    // Most identifiers are ruled out by their length, first and last byte.
    let b = id.as_bytes();
    let key = (b.len() & 31) << 16 | (b[0] as usize) << 8 | b[b.len() - 1] as usize;
    if FIRST_LAST
        .get(key / 64)
        .is_none_or(|w| w & (1 << (key % 64)) == 0)
    {
        return false;
    }
    interesting_slow(id)
}

/// The identifiers of interest, by (length, first byte, last byte), as a bitmap.
static FIRST_LAST: LazyLock<Vec<u64>> = LazyLock::new(|| {
    let mut bits = vec![0u64; (32 << 16) / 64];
    for id in interesting_idents() {
        let b = id.as_bytes();
        let key = (b.len() & 31) << 16 | (b[0] as usize) << 8 | b[b.len() - 1] as usize;
        bits[key / 64] |= 1 << (key % 64);
    }
    bits
});

/// Identifiers that start a pattern, besides those of the lists above.
const BASE_IDENTS: &[&str] = &[
    "Command",
    "process",
    "libc",
    "tokio",
    "async_std",
    "hyper",
    "hyper_util",
    "fs",
    "File",
    "read_dir",
    "WalkDir",
    "jwalk",
    "glob",
    "WalkBuilder",
    "Library",
    "extern",
    "unsafe",
    "include_bytes",
    "include_str",
    "OUT_DIR",
    "var",
    "var_os",
    "env",
    "option_env",
    "getenv",
    "vars",
    "base64",
    "hex",
    "STANDARD",
    "BASE64_STANDARD",
    "URL_SAFE",
];

/// Decoders of compressed data, named by their type.
const DECOMPRESSORS: &[&str] = &[
    "GzDecoder",
    "ZlibDecoder",
    "DeflateDecoder",
    "XzDecoder",
    "BzDecoder",
];
/// Words in a string that mark an environment variable as a credential
/// when a program filters every variable by them.
const CREDENTIAL_MARKS: &[&str] = &["TOKEN", "SECRET", "PASSWORD", "API_KEY", "PRIVATE_KEY"];

/// Every identifier of interest.
pub(super) fn interesting_idents() -> impl Iterator<Item = &'static str> {
    [
        BASE_IDENTS,
        DECOMPRESSORS,
        NET_TYPES,
        PROCESS_IDENTS,
        HTTP_CRATES,
        FS_WRITE_FNS,
        DYNLOAD,
        ASM,
    ]
    .into_iter()
    .flatten()
    .copied()
}

fn interesting_slow(id: &str) -> bool {
    interesting_idents().any(|i| i == id)
}

/// Scans one Rust source file: the fast path of [`super::skim`] where it
/// applies (almost always), otherwise every token in turn. Both give the same
/// result; a test checks it on real sources.
pub fn scan(src: &str) -> Scan {
    super::skim::scan(src).unwrap_or_else(|| scan_every_token(src))
}

/// Scans a file by lexing all of it and looking at every token.
pub(super) fn scan_every_token(src: &str) -> Scan {
    let toks = lex(src);
    let mut scan = Scan::default();
    let mut brackets = Brackets::default();
    let mut found: Vec<(Cap, String)> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t.k {
            K::Ident if interesting(t.text) => ident_hits(&toks, i, &mut scan, &mut found),
            K::Str => str_hits(t.text, &mut scan, &mut found),
            K::Punct('^') if xor_before(&toks, i) || xor_after(&toks, i) => {
                found.push((Cap::XorDecoding, XOR_DETAIL.into()));
            }
            K::Punct('[') | K::Punct(']') | K::Int => {
                brackets.token(src, *t, &mut scan.hits);
            }
            _ => {}
        }
        push_found(src, t, t.test, &mut found, &mut scan.hits);
    }
    finish(scan)
}

pub(super) const XOR_DETAIL: &str = "^ with an indexed operand";

/// Turns what was found at one token into hits.
pub(super) fn push_found(
    src: &str,
    t: &Tok<'_>,
    in_test: bool,
    found: &mut Vec<(Cap, String)>,
    hits: &mut Vec<Hit>,
) {
    for (cap, detail) in found.drain(..) {
        hits.push(Hit {
            cap,
            line: t.line,
            line_start: t.line_start,
            col: col(src, t),
            detail,
            in_test,
        });
    }
}

/// Puts hits in source order, one per capability and line
/// (`std::process::Command::new` is one spawn).
pub(super) fn finish(mut scan: Scan) -> Scan {
    scan.hits.sort_by_key(|h| (h.line, h.col));
    let mut seen = std::collections::HashSet::new();
    scan.hits.retain(|h| seen.insert((h.cap, h.line)));
    scan
}

/// Array literals and how many integer literals each holds directly.
#[derive(Default)]
pub(super) struct Brackets<'a>(Vec<(Tok<'a>, usize)>); // (the `[`, integer literals seen)

impl<'a> Brackets<'a> {
    /// Takes a `[`, `]` or integer token; reports the arrays of 512 or more.
    pub(super) fn token(&mut self, src: &str, t: Tok<'a>, hits: &mut Vec<Hit>) {
        match t.k {
            K::Punct('[') => self.0.push((t, 0)),
            K::Punct(']') => {
                if let Some((s, ints)) = self.0.pop() {
                    if ints >= BYTE_ARRAY_INTS {
                        hits.push(Hit {
                            cap: Cap::ByteArray,
                            line: s.line,
                            line_start: s.line_start,
                            col: col(src, &s),
                            detail: format!("{ints} integer literals"),
                            in_test: s.test,
                        });
                    }
                }
            }
            _ => {
                if let Some(top) = self.0.last_mut() {
                    top.1 += 1;
                }
            }
        }
    }

    /// Whether every array opened so far has been closed.
    pub(super) fn closed(&self) -> bool {
        self.0.is_empty()
    }
}

/// Integer literals an array literal needs to count as embedded data.
pub(super) const BYTE_ARRAY_INTS: usize = 512;

/// `a[i] ^ b`: the token before `^` closes an index.
pub(super) fn xor_before(toks: &[Tok<'_>], i: usize) -> bool {
    i >= 1 && toks[i - 1].k == K::Punct(']')
}

/// `^ k[i]` or `^= k[i]`: an indexed operand after `^`.
pub(super) fn xor_after(toks: &[Tok<'_>], i: usize) -> bool {
    let is = |j: usize, k: K| toks.get(i + j).is_some_and(|t| t.k == k);
    is(1, K::Ident) && is(2, K::Punct('['))
        || is(1, K::Punct('=')) && is(2, K::Ident) && is(3, K::Punct('['))
}

/// What a string literal reveals.
pub(super) fn str_hits(text: &str, scan: &mut Scan, found: &mut Vec<(Cap, String)>) {
    let body = literal_body(text);
    if body == "OUT_DIR" {
        scan.mentions_out_dir = true;
    }
    literal_hits(body, found);
}

/// Tokens after an identifier that [`ident_hits`] may look at: a few, or
/// many after `Command` (its arguments and the next statement).
pub(super) fn lookahead(id: &str) -> usize {
    match id {
        "Command" => 80,
        // `vars()` and the filter after it; `base64::engine::...::STANDARD.decode`.
        "vars" => 40,
        "base64" => 12,
        // Only the next token (`unsafe {`, `unsafe fn`...) and the two after
        // `extern` (`extern "C" {`) matter: these two are most candidates.
        "unsafe" => 2,
        "extern" => 3,
        _ => 6,
    }
}

/// What the identifier at `toks[i]` (one of interest) starts.
pub(super) fn ident_hits(
    toks: &[Tok<'_>],
    i: usize,
    scan: &mut Scan,
    found: &mut Vec<(Cap, String)>,
) {
    let t = toks[i];
    let text = |i: usize| toks.get(i).map_or("", |t| t.text);
    let is = |i: usize, k: K| toks.get(i).is_some_and(|t| t.k == k);
    // `a :: b` at i: returns whether tokens i..i+4 are `a`, `:`, `:`, `b`.
    let path = |i: usize, a: &str, b: &str| {
        text(i) == a && is(i + 1, K::Punct(':')) && is(i + 2, K::Punct(':')) && text(i + 3) == b
    };
    let id = t.text;
    if path(i, "Command", "new")
        || path(i, "process", "Command")
        || PROCESS_IDENTS.contains(&id)
        || path(i, "libc", "system")
    {
        found.push((Cap::Process, id.to_owned()));
        if path(i, "Command", "new") && is(i + 4, K::Punct('(')) {
            match toks.get(i + 5) {
                Some(a) if a.k == K::Str => {
                    scan.spawned_literals.push(literal_body(a.text).to_owned())
                }
                _ => {
                    let args: String = toks[i + 5..toks.len().min(i + 16)]
                        .iter()
                        .map(|t| t.text)
                        .collect();
                    if [
                        "\"RUSTC\"",
                        "\"CC\"",
                        "\"CXX\"",
                        "\"AR\"",
                        "rustc",
                        "compiler",
                        "tool",
                        "cc::",
                        "cmake",
                        "pkg_config",
                        "RUSTC_WRAPPER",
                    ]
                    .iter()
                    .any(|p| args.contains(p))
                    {
                        scan.spawns_from_tool_env = true;
                    }
                }
            }
        }
    }
    if NET_TYPES.contains(&id)
        || HTTP_CRATES.contains(&id) && is(i + 1, K::Punct(':')) && is(i + 2, K::Punct(':'))
        || path(i, "tokio", "net")
        || path(i, "async_std", "net")
        || path(i, "hyper", "client")
        || path(i, "hyper_util", "client")
    {
        found.push((Cap::Network, id.to_owned()));
    }
    if path(i, "fs", "write")
        || path(i, "File", "create")
        || path(i, "fs", "copy")
        || path(i, "fs", "rename")
        || FS_WRITE_FNS.contains(&id)
    {
        found.push((Cap::FsWrite, id.to_owned()));
    }
    if id == "read_dir"
        || id == "WalkDir"
        || id == "jwalk"
        || id == "glob" && is(i + 1, K::Punct('('))
        || id == "WalkBuilder"
    {
        found.push((Cap::FsWalk, id.to_owned()));
    }
    let method = |i: usize, name: &str| is(i, K::Punct('.')) && text(i + 1) == name;
    if DECOMPRESSORS.contains(&id)
        || path(i, "hex", "decode")
        || id == "base64"
            && is(i + 1, K::Punct(':'))
            && toks[i..toks.len().min(i + 12)]
                .iter()
                .any(|t| t.k == K::Ident && t.text.starts_with("decode"))
        || matches!(id, "STANDARD" | "BASE64_STANDARD" | "URL_SAFE") && method(i + 1, "decode")
    {
        found.push((Cap::Decoding, id.to_owned()));
    }
    // Every environment variable, filtered by a credential's name:
    // `env::vars()` (or `vars()` imported) then "TOKEN".
    if id == "vars" && is(i + 1, K::Punct('(')) && is(i + 2, K::Punct(')')) {
        let mark = toks[i + 3..toks.len().min(i + 40)]
            .iter()
            .filter(|t| t.k == K::Str)
            .map(|t| literal_body(t.text))
            .find(|s| CREDENTIAL_MARKS.iter().any(|m| s.contains(m)));
        if let Some(mark) = mark {
            found.push((
                Cap::EnvCredentials,
                format!("every variable, filtered by \"{}\"", shorten(mark)),
            ));
        }
    }
    if DYNLOAD.contains(&id) || path(i, "Library", "new") {
        found.push((Cap::DynamicLoading, id.to_owned()));
    }
    if id == "extern" && (is(i + 1, K::Punct('{')) || is(i + 1, K::Str) && is(i + 2, K::Punct('{')))
    {
        found.push((
            Cap::Ffi,
            format!(
                "extern {}",
                if is(i + 1, K::Str) { text(i + 1) } else { "" }
            )
            .trim()
            .to_owned(),
        ));
    }
    if id == "unsafe" {
        let slot = match text(i + 1) {
            "{" => Some(0),
            "fn" | "extern" => Some(1),
            "impl" => Some(2),
            "trait" => Some(3),
            _ => None,
        };
        if let Some(s) = slot {
            scan.unsafe_counts[s] += 1;
            if !t.test {
                found.push((Cap::Unsafe, format!("unsafe {}", text(i + 1))));
            }
        }
    }
    if (id == "include_bytes" || id == "include_str") && is(i + 1, K::Punct('!')) {
        let arg = toks
            .get(i + 3)
            .filter(|a| a.k == K::Str)
            .map_or("(computed path)", |a| literal_body(a.text));
        found.push((Cap::IncludeBytes, format!("{id}!(\"{}\")", shorten(arg))));
    }
    if ASM.contains(&id) && is(i + 1, K::Punct('!')) {
        found.push((Cap::InlineAsm, format!("{id}!")));
    }
    if id == "OUT_DIR" {
        scan.mentions_out_dir = true;
    }
    // An environment variable read: `var("X")`, `var_os("X")`, `env!("X")`, `option_env!("X")`.
    let arg = if is(i + 1, K::Punct('(')) {
        i + 2
    } else if is(i + 1, K::Punct('!')) && is(i + 2, K::Punct('(')) {
        i + 3
    } else {
        0
    };
    if arg > 0
        && matches!(id, "var" | "var_os" | "env" | "option_env" | "getenv")
        && is(arg, K::Str)
    {
        let name = literal_body(toks[arg].text);
        if CI_VARS.contains(&name) {
            found.push((Cap::CiDetection, name.to_owned()));
        } else if is_credential_name(name) {
            found.push((Cap::EnvCredentials, name.to_owned()));
        }
    }
    // A shell started on a script: `Command::new("sh").arg("configure")`.
    if path(i, "Command", "new")
        && is(i + 4, K::Punct('('))
        && toks
            .get(i + 5)
            .is_some_and(|a| a.k == K::Str && SHELLS.contains(&literal_body(a.text)))
    {
        // This statement and the next: `let mut c = Command::new("sh"); c.arg(configure)`.
        let mut statements = 0;
        let script = toks[i + 6..]
            .iter()
            .take_while(|t| {
                statements += usize::from(t.k == K::Punct(';'));
                statements < 2
            })
            .take(60)
            .filter(|t| t.k == K::Str || t.k == K::Ident)
            .any(|t| {
                let a = if t.k == K::Str {
                    literal_body(t.text)
                } else {
                    t.text
                };
                a.contains("configure")
                    || a.contains("autogen")
                    || a.ends_with(".sh")
                    || a == "make"
            });
        if script {
            scan.script_runs.push(t.line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(src: &str) -> Vec<Cap> {
        scan(src)
            .hits
            .iter()
            .filter(|h| !h.in_test)
            .map(|h| h.cap)
            .collect()
    }

    #[test]
    fn comments_and_strings_do_not_fool_it() {
        assert!(caps("// Command::new(\"sh\")\n/* TcpStream */ fn f() { let s = \"Command::new TcpStream\"; }").is_empty());
    }

    #[test]
    fn finds_capabilities_with_positions() {
        let s = scan(
            "use std::process::Command;\nfn f() {\n    Command::new(\"curl\").arg(\"http://x.test\");\n    let t = std::net::TcpStream::connect(\"10.1.2.3:80\");\n}\n",
        );
        let got: Vec<(Cap, u32)> = s.hits.iter().map(|h| (h.cap, h.line)).collect();
        assert!(got.contains(&(Cap::Process, 3)), "{got:?}");
        assert!(got.contains(&(Cap::Url, 3)), "{got:?}");
        assert!(got.contains(&(Cap::Network, 4)), "{got:?}");
        assert!(got.contains(&(Cap::IpAddress, 4)), "{got:?}");
        assert_eq!(s.spawned_literals, vec!["curl"]);
        let h = s
            .hits
            .iter()
            .find(|h| h.cap == Cap::Process && h.line == 3)
            .unwrap();
        assert_eq!(h.col, 5);
    }

    #[test]
    fn environment_secrets_and_ci() {
        let c = caps(
            "fn f() { std::env::var(\"GITLAB_CI\"); env::var(\"CARGO_REGISTRY_TOKEN\"); let p = home.join(\".ssh/id_rsa\"); env::var(\"CARGO_PKG_NAME\"); }",
        );
        assert_eq!(
            c,
            vec![Cap::CiDetection, Cap::EnvCredentials, Cap::SecretPaths]
        );
        assert!(
            caps("fn f() { d.field(\"token\", &t); let s = \"SECRET_TOKEN\"; let c = \"CI\"; }")
                .is_empty(),
            "names outside environment reads are not reads"
        );
        assert!(
            caps("const M: &str = \"/moby.sshforward.v1.SSH/CheckAgent\";").is_empty(),
            "a fragment inside a word is no path"
        );
        assert!(
            scan("fn main() { Command::new(\"sh\").arg(\"configure\").status(); }").script_runs
                == vec![1]
        );
        assert!(scan("fn main() { let configure = dir.join(\"x\");\nlet mut c = Command::new(\"sh\");\nc.arg(configure); }").script_runs == vec![2]);
        assert!(is_credential_name("AWS_SECRET_ACCESS_KEY"));
        assert!(is_credential_name("GITHUB_TOKEN"));
        assert!(is_credential_name("CARGO_REGISTRIES_MY_TOKEN"));
        assert!(is_credential_name("MYAPP_API_TOKEN"));
        assert!(!is_credential_name("XDG_ACTIVATION_TOKEN"));
        assert!(!is_credential_name("AWS_REGION"));
        assert!(!is_credential_name("CARGO_PKG_VERSION"));
        assert!(!is_credential_name("a token"));
    }

    #[test]
    fn unsafe_ffi_and_obfuscation() {
        let blob = "QUJD".repeat(80) + "x1Z";
        let ints = vec!["1"; 600].join(",");
        let s = scan(&format!(
            "extern \"C\" {{ fn f(); }}\nunsafe fn g() {{ unsafe {{ f() }} }}\nunsafe impl Send for X {{}}\nconst B: [u8; 600] = [{ints}];\nconst S: &str = \"{blob}\";\nfn d(k: &[u8], b: &mut [u8]) {{ for i in 0..b.len() {{ b[i] ^= k[i % 4]; }} }}\nstatic X: &[u8] = include_bytes!(\"payload.bin\");\ncore::arch::asm!(\"nop\");"
        ));
        assert_eq!(s.unsafe_counts, [1, 1, 1, 0]);
        let c: Vec<Cap> = s.hits.iter().map(|h| h.cap).collect();
        for cap in [
            Cap::Ffi,
            Cap::Unsafe,
            Cap::ByteArray,
            Cap::EncodedBlob,
            Cap::XorDecoding,
            Cap::IncludeBytes,
            Cap::InlineAsm,
        ] {
            assert!(c.contains(&cap), "{cap:?} missing from {c:?}");
        }
    }

    #[test]
    fn test_code_is_marked() {
        let s = scan(
            "fn lib() {}\n#[cfg(test)]\nmod tests {\n    fn t() { std::process::Command::new(\"ls\"); }\n}\n#[test]\nfn other() { Command::new(\"x\"); }\nfn after() { Command::new(\"y\"); }\n",
        );
        let flags: Vec<(u32, bool)> = s
            .hits
            .iter()
            .filter(|h| h.cap == Cap::Process)
            .map(|h| (h.line, h.in_test))
            .collect();
        assert_eq!(flags, vec![(4, true), (7, true), (8, false)]);
    }
}

#[cfg(test)]
mod filter_tests {
    #[test]
    fn the_fast_filter_agrees_with_the_list() {
        for id in super::interesting_idents() {
            assert!(super::interesting(id), "{id}");
        }
        for id in ["let", "self", "String", "Commands", "proc", "unsafe_fn"] {
            assert!(!super::interesting(id), "{id}");
        }
    }
}
