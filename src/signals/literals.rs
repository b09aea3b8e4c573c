//! What string literals reveal: URLs and IP addresses, paths where secrets
//! are kept, and the shapes of hidden data (very long, encoded or
//! high-entropy strings).

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::source::Cap;

/// Fragments of paths where secrets live. They count only inside a
/// path-shaped literal ([`path_shaped`]), never in prose: "Exodus" is a
/// book of the Bible before it is a wallet.
pub(super) const SECRET_PATHS: &[&str] = &[
    ".ssh/",
    "id_rsa",
    "id_ed25519",
    "id_ecdsa",
    ".aws/credentials",
    ".aws/config",
    ".cargo/credentials",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    ".docker/config.json",
    ".kube/config",
    ".gnupg",
    "wallet.dat",
    "login data",
    "local state",
    "logins.json",
    "key4.db",
    "solana/id.json",
    ".config/solana",
    ".ethereum/keystore",
    "metamask",
    "exodus",
    "electrum",
    ".netrc",
    "keychain-db",
];

/// Names of secret files and folders that count as a whole literal, the
/// way a program joins them to a home folder (`home.join(".ssh")`).
const SECRET_NAMES: &[&str] = &[
    ".ssh",
    ".aws",
    ".gnupg",
    ".kube",
    ".docker",
    "credentials.toml",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    ".netrc",
    "id_rsa",
    "id_ed25519",
    "id_ecdsa",
    "wallet.dat",
    "login data",
    "local state",
    "keychain-db",
];

/// Marks of patterns that match private keys: PEM armour, base58 and
/// prefixed hex secrets, extended private keys.
const KEY_MARKS: &[&str] = &[
    "PRIVATE KEY-----",
    "0x[a-fA-F0-9]{64}",
    "0x[0-9a-fA-F]{64}",
    "0x[a-f0-9]{64}",
    "xprv[",
];

/// Whether a literal looks like a path rather than prose: it has a
/// separator, no URL scheme, no `: ` of a message, and few spaces.
fn path_shaped(body: &str) -> bool {
    (body.contains('/') || body.contains('\\'))
        && !body.contains("://")
        && !body.contains(": ")
        && body.matches(' ').count() <= 3
}

/// Pipes into a shell, then the words of download commands.
const SHELL_PIPES: &[&str] = &["| sh", "|sh", "| bash", "|bash", "| iex", "|iex"];
const DOWNLOADERS: &[&str] = &[
    "curl ",
    "wget ",
    "iwr ",
    "invoke-webrequest",
    "downloadstring",
    "certutil ",
    "bitsadmin ",
];

/// One pass over a literal for the marks of key patterns and command
/// lines (most literals have none): pattern ids are positions in
/// `KEY_MARKS`, then `SHELL_PIPES`, then `DOWNLOADERS`.
static MARKS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(
            KEY_MARKS
                .iter()
                .chain(["1-9A-HJ-NP-Za-km-z"].iter())
                .chain(SHELL_PIPES)
                .chain(DOWNLOADERS),
        )
        .expect("valid patterns")
});

/// Whether a literal is a pattern that matches private keys, and whether
/// it is a command line that downloads or pipes into a shell.
fn key_and_shell(body: &str) -> (bool, bool) {
    let (mut key, mut pipe, mut fetch) = (false, false, false);
    let keys = KEY_MARKS.len() + 1;
    let pipes = keys + SHELL_PIPES.len();
    for m in MARKS.find_overlapping_iter(body) {
        let id = m.pattern().as_usize();
        if id < KEY_MARKS.len() {
            // Key marks are case-sensitive (`PRIVATE KEY-----`, `0x[a-f...`).
            key |= &body[m.range()] == KEY_MARKS[id];
        } else if id < keys {
            key |= &body[m.range()] == "1-9A-HJ-NP-Za-km-z" && body.contains("]{");
        } else if id < pipes {
            // `| shasum` is no shell.
            pipe |= !body[m.end()..].starts_with(|c: char| c.is_ascii_alphabetic());
        } else {
            fetch = true;
        }
    }
    if !(pipe || fetch) {
        return (key, false);
    }
    // A command line is one line, not a help text (`Install it: curl ... | sh`).
    if body.contains('\n') || body.contains(": ") {
        return (key, false);
    }
    let lower = body.to_ascii_lowercase();
    let fetch =
        fetch && (lower.contains("http") || lower.contains(" -o") || lower.contains("-outfile"));
    (key, pipe || fetch)
}

pub(super) fn shorten(s: &str) -> String {
    let s: String = s.chars().take(120).collect();
    s.replace(['\n', '\r'], " ")
}

/// Shannon entropy in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

fn is_ip_address(s: &str) -> bool {
    let host = s.split(':').next().unwrap_or("");
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
}

static SCHEME_SEP: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new("://"));

static SECRET_MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(SECRET_PATHS)
        .expect("valid patterns")
});

pub(super) fn literal_hits(body: &str, out: &mut Vec<(Cap, String)>) {
    if body.len() < 4 {
        return;
    }
    if let Some(sep) = SCHEME_SEP.find(body.as_bytes()) {
        let lower_scheme = body[..sep]
            .rsplit(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if matches!(
            lower_scheme.as_str(),
            "http" | "https" | "ftp" | "ws" | "wss"
        ) {
            let at = sep - lower_scheme.len();
            let url = body[at..]
                .split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '\\')
                .next()
                .unwrap_or("");
            // A URL inside prose (a help text, an error message) is a link, not an endpoint.
            let in_text = body.trim_start().len() != body.len() - at
                || body.trim().contains(char::is_whitespace);
            out.push((
                Cap::Url,
                if in_text {
                    format!("{} (in text)", shorten(url))
                } else {
                    shorten(url)
                },
            ));
        }
    } else if body.len() <= 21
        && body.as_bytes()[0].is_ascii_digit()
        && is_ip_address(body)
        && !body.starts_with("0.")
        && !body.starts_with("127.")
        && !body.starts_with("255.")
    {
        out.push((Cap::IpAddress, body.to_owned()));
    }
    let (key, command) = key_and_shell(body);
    if key {
        out.push((Cap::KeyPattern, shorten(body)));
    }
    if command {
        out.push((Cap::ShellCommand, shorten(body)));
    }
    let whole_name = body.len() <= 20 && SECRET_NAMES.iter().any(|n| body.eq_ignore_ascii_case(n));
    if whole_name {
        out.push((Cap::SecretPaths, format!("\"{body}\", joined to a folder")));
    }
    let mut matches = SECRET_MATCHER.find_iter(body).peekable();
    let in_path = !whole_name && matches.peek().is_some() && path_shaped(body);
    for m in matches.filter(|_| in_path) {
        let frag = SECRET_PATHS[m.pattern().as_usize()];
        let i = m.start();
        let boundary = !frag.starts_with('.') && !frag.starts_with('/')
            || i == 0
            || matches!(
                body.as_bytes()[i - 1],
                b'/' | b'\\' | b'~' | b' ' | b'"' | b'\''
            );
        // `~/.ssh/known_hosts` and `~/.ssh/config` hold no secret.
        let public = frag == ".ssh/"
            && ["known_hosts", "config", "authorized_keys"]
                .iter()
                .any(|f| body[m.end()..].starts_with(f));
        if boundary && !public {
            out.push((Cap::SecretPaths, format!("{frag} in \"{}\"", shorten(body))));
            break;
        }
    }
    if body.len() < 64 {
        return;
    }
    let len = body.chars().count();
    if len >= 1000 {
        out.push((Cap::LongString, format!("{len} characters")));
    }
    if len >= 200 && !body.contains(' ') {
        let hex = body.bytes().all(|b| b.is_ascii_hexdigit());
        let b64 = body.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || b == b'+'
                || b == b'/'
                || b == b'='
                || b == b'-'
                || b == b'_'
        }) && body.bytes().any(|b| b.is_ascii_digit())
            && body.bytes().any(|b| b.is_ascii_uppercase())
            && body.bytes().any(|b| b.is_ascii_lowercase());
        if hex || b64 {
            out.push((
                Cap::EncodedBlob,
                format!(
                    "{} blob of {len} characters",
                    if hex { "hex" } else { "base64" }
                ),
            ));
        }
    }
    // A format string (`{dir}/x-{version}`) or a URL is text, not hidden data.
    let text_like = body.contains('{') && body.contains('}') || body.contains("://");
    if len >= 64 && !body.contains(char::is_whitespace) && !text_like {
        let e = entropy(body);
        if e >= 5.0 {
            out.push((
                Cap::HighEntropyString,
                format!("{len} characters, {e:.1} bits per character"),
            ));
        }
    }
}
