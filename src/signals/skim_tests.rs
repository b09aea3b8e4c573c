//! The skim must find exactly what the token-by-token scan finds: on tricky
//! snippets, and on the Rust sources of real crates found on this machine
//! (cargo's unpacked sources of cargofox's own dependencies).

use std::path::{Path, PathBuf};

use super::super::source::scan_every_token;
use super::scan;

/// Checks one source; returns whether the skim applied.
fn same(src: &str, what: &str) -> bool {
    let full = scan_every_token(src);
    match scan(src) {
        Some(fast) => {
            assert_eq!(fast, full, "the skim and the full scan differ on {what}");
            true
        }
        None => {
            eprintln!("FALLBACK {what}");
            false
        }
    }
}

#[test]
fn tricky_snippets_give_the_same_result() {
    let ints = vec!["1"; 600].join(",");
    let bytes = vec!["b'x'"; 520].join(", ");
    let snippets = [
        "fn f() { Command::new(\"sh\").arg(\"configure\"); }".to_owned(),
        "// Command::new(\"sh\")\n/* TcpStream /* nested */ still */ fn f() { let s = \"Command::new TcpStream\"; }".into(),
        "let a = r#\"quote \" inside, then Command::new\"#; std::fs::write(p, x);".into(),
        "let a = br##\"raw \"# bytes\"##; let b = b\"x\\\"y\"; let c = c\"z\"; let d = cr#\"w\"#;".into(),
        "fn f<'a>(x: &'a str) -> char { let q = '\"'; let s = '\\''; let b = b'\"'; fs::remove_file(x); q }".into(),
        "let u = \"https://collector.invalid/x\"; let ip = \"10.1.2.3:80\"; let h = home.join(\".ssh/id_rsa\");".into(),
        "fn f() { std::env::var(\"GITHUB_TOKEN\"); env!(\"CARGO_PKG_NAME\"); option_env!(\"CI\"); }".into(),
        "#[cfg(test)]\nmod tests {\n    fn t() { std::process::Command::new(\"ls\"); unsafe { x() } }\n}\n#[test]\nfn other() { Command::new(\"x\"); }\nfn after() { Command::new(\"y\"); }\n".into(),
        "#[cfg(test)] use std::fs::File;\nfn g() { File::create(\"x\"); }".into(),
        "#[test] fn t() -> [u8; 4] { let c = '{'; let d = \"}\"; File::create(\"a\"); [0; 4] }\nfn h() { File::create(\"b\"); }".into(),
        format!("const B: [u8; 600] = [{ints}];\nconst C: [[u8; 2]; 1] = [[{ints}]];"),
        format!("static T: &[u8] = &[{bytes}];"),
        format!("m! {{ [{}] }}", vec!["7"; 530].join(" ")),
        "fn d(k: &[u8], b: &mut [u8]) { for i in 0..b.len() { b[i] /* key */ ^= k[i % 4]; x ^ y[0]; } }".into(),
        "unsafe fn g() { unsafe { f() } }\nunsafe impl Send for X {}\nunsafe trait T {}\nextern \"C\" { fn f(); }\nextern { fn g(); }".into(),
        "static X: &[u8] = include_bytes!(\"payload.bin\"); core::arch::asm!(\"nop\"); global_asm!(\"\");".into(),
        "let s = \"unterminated Command::new(\"sh\")".into(),
        "/* unterminated comment Command::new(\"sh\")".into(),
        "let é = 1; let x = \"é TcpStream\"; // ü\nfn f() { TcpStream::connect(a); }".into(),
        "let x = 1.0e5; let y = 0xfs; let z = 1fs; let w = t.0; fs::write(a, b);".into(),
        format!("let blob = \"{}\";", "QUJD".repeat(80) + "x1Z"),
        "fn main() { let configure = dir.join(\"x\");\nlet mut c = Command::new(\"sh\");\nc.arg(configure); }".into(),
        "let a = \"x\"suffix; let b = 'c'; let l: &'static str = \"\"; 'outer: loop { break 'outer; }".into(),
        "#![allow(x)]\n#[cfg_attr(test, derive(Debug))]\n#[ test ]\nfn spaced() { Command::new(\"z\"); }".into(),
    ];
    let mut skimmed = 0;
    for (i, s) in snippets.iter().enumerate() {
        skimmed += usize::from(same(s, &format!("snippet {i}: {s}")));
    }
    assert!(
        skimmed >= snippets.len() - 1,
        "the skim gave up on {} snippets",
        snippets.len() - skimmed
    );
    // Shapes it leaves to the full scan.
    for s in ["let r#fs = 1;", "let x = #\"guarded\"#;", "x→fs::write(a)"] {
        assert!(scan(s).is_none(), "{s}");
    }
}

/// `.rs` files under the folders where cargo unpacks crates' sources, or
/// under the folder that `CARGOFOX_SKIM_SOURCES` names (a deeper check by
/// hand: every file there is compared, not a sample).
fn real_sources() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let Some(src) = sources_by_hand().or_else(|| home.map(|h| h.join("registry").join("src")))
    else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(src)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

fn sources_by_hand() -> Option<PathBuf> {
    std::env::var_os("CARGOFOX_SKIM_SOURCES").map(PathBuf::from)
}

#[test]
fn real_sources_give_the_same_result() {
    let files = real_sources();
    // Building cargofox unpacked its dependencies' sources there.
    assert!(
        files.len() > 100,
        "no crate sources under cargo's registry folder"
    );
    // A spread sample keeps the test quick in debug builds.
    let step = if sources_by_hand().is_some() {
        1
    } else {
        (files.len() / 1500).max(1)
    };
    let (mut checked, mut skimmed, mut bytes) = (0usize, 0usize, 0usize);
    for path in files.iter().step_by(step) {
        let Ok(data) = std::fs::read(path) else {
            continue;
        };
        if data.len() > 1 << 20 {
            continue;
        }
        let src = String::from_utf8_lossy(&data);
        checked += 1;
        bytes += data.len();
        skimmed += usize::from(same(&src, &path.display().to_string()));
    }
    eprintln!("{checked} real files ({bytes} bytes), {skimmed} skimmed");
    assert!(
        skimmed * 100 >= checked * 99,
        "the skim gave up on {} of {checked} files",
        checked - skimmed
    );
}

/// How fast the skim is, by hand: `CARGOFOX_SKIM_SOURCES=DIR cargo test
/// --release --lib skim_speed -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn skim_speed() {
    let sources: Vec<String> = real_sources()
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|d| String::from_utf8_lossy(&d).into_owned())
        .collect();
    let bytes: usize = sources.iter().map(String::len).sum();
    let time = |scan: &dyn Fn(&str) -> usize| {
        let mut best = f64::MAX;
        for _ in 0..10 {
            let t = std::time::Instant::now();
            let hits: usize = sources.iter().map(|s| scan(s)).sum();
            best = best.min(t.elapsed().as_secs_f64());
            std::hint::black_box(hits);
        }
        best
    };
    let skim = time(&|s| super::super::source::scan(s).hits.len());
    let full = time(&|s| scan_every_token(s).hits.len());
    eprintln!(
        "{} files, {bytes} bytes: the scan {:.0} MB/s, lexing every token {:.0} MB/s (fastest of 10)",
        sources.len(),
        bytes as f64 / skim / 1e6,
        bytes as f64 / full / 1e6
    );
}
