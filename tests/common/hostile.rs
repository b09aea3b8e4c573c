//! A corpus of hostile and broken `.crate` files, built in memory by the
//! tests (nothing is stored, nothing in them runs): each case reproduces
//! the shape of an attack or a corruption, with the problem code the
//! analysis must give it.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use tar::{EntryType, Header};

/// One hostile package: the name and version it is published under, its
/// bytes, and the problem code its report must carry.
pub struct Case {
    pub name: String,
    pub version: String,
    pub bytes: Vec<u8>,
    pub code: &'static str,
}

/// A tar stream written header by header, so that paths the `tar` crate's
/// builder refuses (`..`, absolute, not UTF-8) can be written as they are.
#[derive(Default)]
pub struct RawTar {
    pub buf: Vec<u8>,
}

impl RawTar {
    /// Appends one entry; a path over 99 bytes gets a GNU long-name entry.
    pub fn entry(&mut self, path: &[u8], kind: EntryType, data: &[u8], link: Option<&[u8]>) {
        if path.len() > 99 {
            let mut long = path.to_vec();
            long.push(0);
            self.header(
                b"././@LongLink",
                EntryType::GNULongName,
                long.len() as u64,
                None,
            );
            self.data(&long);
        }
        self.header(&path[..path.len().min(99)], kind, data.len() as u64, link);
        self.data(data);
    }

    /// Appends a header alone, claiming `size` bytes of data.
    pub fn header(&mut self, path: &[u8], kind: EntryType, size: u64, link: Option<&[u8]>) {
        let mut h = Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(0o644);
        h.set_mtime(0);
        let gnu = h.as_gnu_mut().unwrap();
        gnu.name[..path.len()].copy_from_slice(path);
        if let Some(link) = link {
            gnu.linkname[..link.len()].copy_from_slice(link);
        }
        h.set_cksum();
        self.buf.extend_from_slice(h.as_bytes());
    }

    fn data(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
        let pad = (512 - data.len() % 512) % 512;
        self.buf.extend(std::iter::repeat_n(0, pad));
    }

    /// The end-of-archive blocks.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.extend([0u8; 1024]);
        self.buf
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A minimal valid package body: Cargo.toml and src/lib.rs under `root/`.
fn basics(tar: &mut RawTar, root: &str, name: &str, version: &str) {
    let toml =
        format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n");
    tar.entry(
        format!("{root}/Cargo.toml").as_bytes(),
        EntryType::Regular,
        toml.as_bytes(),
        None,
    );
    tar.entry(
        format!("{root}/src/lib.rs").as_bytes(),
        EntryType::Regular,
        b"pub fn f() {}\n",
        None,
    );
}

/// A package named `name` 1.0.0 with the basics and whatever `extra` adds.
fn package(name: &str, extra: impl FnOnce(&mut RawTar, &str)) -> Vec<u8> {
    let root = format!("{name}-1.0.0");
    let mut tar = RawTar::default();
    basics(&mut tar, &root, name, "1.0.0");
    extra(&mut tar, &root);
    gzip(&tar.finish())
}

fn file(tar: &mut RawTar, root: &str, path: &str, data: &[u8]) {
    tar.entry(
        format!("{root}/{path}").as_bytes(),
        EntryType::Regular,
        data,
        None,
    );
}

/// A gzip member that unpacks to a tar entry of `size` zero bytes, built
/// from one compressed block of zeros repeated, so that it costs almost
/// nothing to make and is about a thousandth of its unpacked size.
pub fn gzip_bomb(root: &str, size: u64) -> Vec<u8> {
    use flate2::{Compress, Crc, FlushCompress};
    const CHUNK: usize = 1 << 20;
    let mut header = RawTar::default();
    header.header(
        format!("{root}/zeros.bin").as_bytes(),
        EntryType::Regular,
        size,
        None,
    );
    let mut compress = Compress::new(Compression::best(), false);
    let mut deflate = |input: &[u8], flush| {
        let mut out = Vec::with_capacity(input.len() / 100 + 4096);
        compress.compress_vec(input, &mut out, flush).unwrap();
        out
    };
    let zeros = vec![0u8; CHUNK];
    let mut first = header.buf.clone();
    first.extend_from_slice(&zeros);
    let head = deflate(&first, FlushCompress::Sync);
    let repeated = deflate(&zeros, FlushCompress::Sync);
    let tail = deflate(&[], FlushCompress::Finish);
    let copies = (size + 1024) / CHUNK as u64; // the file's zeros and the end blocks
    let mut crc = Crc::new();
    crc.update(&first);
    let mut chunk_crc = Crc::new();
    chunk_crc.update(&zeros);
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend_from_slice(&head);
    for _ in 0..copies {
        out.extend_from_slice(&repeated);
        crc.combine(&chunk_crc);
    }
    out.extend_from_slice(&tail);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(crc.amount()).to_le_bytes());
    out
}

/// A package of `n` empty entries, streamed through gzip.
pub fn many_entries(root: &str, n: usize) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    for i in 0..n {
        let mut tar = RawTar::default();
        tar.entry(
            format!("{root}/f/{i}").as_bytes(),
            EntryType::Regular,
            b"",
            None,
        );
        gz.write_all(&tar.buf).unwrap();
    }
    gz.write_all(&[0u8; 1024]).unwrap();
    gz.finish().unwrap()
}

fn case(name: &str, code: &'static str, bytes: Vec<u8>) -> Case {
    Case {
        name: name.into(),
        version: "1.0.0".into(),
        bytes,
        code,
    }
}

/// A good package, which must come out of the batch with no problem.
pub fn good() -> Case {
    case(
        "good",
        "",
        package("good", |t, r| {
            file(t, r, "README.md", b"# Good\n");
        }),
    )
}

/// Every hostile case.
pub fn corpus() -> Vec<Case> {
    let manifest = |name: &str, toml: Vec<u8>| {
        let root = format!("{name}-1.0.0");
        let mut t = RawTar::default();
        file(&mut t, &root, "Cargo.toml", &toml);
        file(&mut t, &root, "src/lib.rs", b"pub fn f() {}\n");
        gzip(&t.finish())
    };
    let special = |name: &str, kind: EntryType, link: Option<&[u8]>| {
        package(name, |t, r| {
            t.entry(format!("{r}/src/special").as_bytes(), kind, b"", link)
        })
    };
    vec![
        case(
            "dotdot",
            "archive-path",
            package("dotdot", |t, r| {
                file(t, r, "../../escaped.rs", b"fn x() {}\n")
            }),
        ),
        case(
            "absolute",
            "archive-path",
            package("absolute", |t, _| {
                t.entry(
                    b"/tmp/absolute.rs",
                    EntryType::Regular,
                    b"fn x() {}\n",
                    None,
                )
            }),
        ),
        case(
            "symlink",
            "archive-special",
            special("symlink", EntryType::Symlink, Some(b"/etc/passwd")),
        ),
        case(
            "hardlink",
            "archive-special",
            special("hardlink", EntryType::Link, Some(b"../../../etc/passwd")),
        ),
        case(
            "chardev",
            "archive-special",
            special("chardev", EntryType::Char, None),
        ),
        case(
            "blockdev",
            "archive-special",
            special("blockdev", EntryType::Block, None),
        ),
        case(
            "fifo",
            "archive-special",
            special("fifo", EntryType::Fifo, None),
        ),
        case("bomb", "archive-limit", gzip_bomb("bomb-1.0.0", 3 << 30)),
        case(
            "many-entries",
            "archive-limit",
            many_entries("many-entries-1.0.0", 250_000),
        ),
        case("truncated", "archive-invalid", {
            let b = package("truncated", |_, _| {});
            b[..b.len() * 2 / 3].to_vec()
        }),
        case("trailer-cut", "archive-invalid", {
            let b = package("trailer-cut", |_, _| {});
            b[..b.len() - 4].to_vec()
        }),
        case("corrupt", "archive-invalid", {
            let mut b = package("corrupt", |t, r| {
                file(t, r, "src/data.rs", &b"pub const X: u8 = 1;\n".repeat(400))
            });
            let mid = b.len() / 2;
            for byte in &mut b[mid..mid + 16] {
                *byte ^= 0x5a;
            }
            b
        }),
        case(
            "not-gzip",
            "archive-invalid",
            b"PK\x03\x04 a zip file".to_vec(),
        ),
        case("not-tar", "archive-invalid", gzip(&[0x42; 4096])),
        case("empty-file", "archive-invalid", Vec::new()),
        case("empty-archive", "archive-invalid", gzip(&[0; 1024])),
        case(
            "short-entry",
            "archive-invalid",
            gzip(&{
                let mut t = RawTar::default();
                t.header(
                    b"short-entry-1.0.0/src/lib.rs",
                    EntryType::Regular,
                    1 << 20,
                    None,
                );
                t.buf.extend_from_slice(&[b'x'; 1000]);
                t.buf
            }),
        ),
        case(
            "non-utf8-name",
            "archive-path",
            package("non-utf8-name", |t, r| {
                let mut p = format!("{r}/src/").into_bytes();
                p.extend_from_slice(b"\xff\xfe\x80.rs");
                t.entry(&p, EntryType::Regular, b"fn x() {}\n", None)
            }),
        ),
        case(
            "long-path",
            "path-too-long",
            package("long-path", |t, r| {
                file(
                    t,
                    r,
                    &format!("src/{}.rs", "a".repeat(5000)),
                    b"fn x() {}\n",
                )
            }),
        ),
        // 4,000 bytes in parts of 200: under the old default of 4,096 bytes,
        // over the 1,024 that common systems unpack.
        case(
            "portable-path",
            "path-too-long",
            package("portable-path", |t, r| {
                file(
                    t,
                    r,
                    &format!("src/{}x.rs", format!("{}/", "p".repeat(199)).repeat(20)),
                    b"fn x() {}\n",
                )
            }),
        ),
        case(
            "deep-nesting",
            "archive-limit",
            package("deep-nesting", |t, r| {
                file(t, r, &format!("{}x.rs", "d/".repeat(300)), b"fn x() {}\n")
            }),
        ),
        case(
            "no-manifest",
            "manifest-missing",
            gzip(&{
                let mut t = RawTar::default();
                file(&mut t, "no-manifest-1.0.0", "src/lib.rs", b"fn x() {}\n");
                t.finish()
            }),
        ),
        case(
            "invalid-toml",
            "manifest-invalid",
            manifest(
                "invalid-toml",
                b"[package\nname = \"invalid-toml\"\n".to_vec(),
            ),
        ),
        case(
            "huge-manifest",
            "manifest-too-large",
            manifest("huge-manifest", {
                let mut toml =
                    b"[package]\nname = \"huge-manifest\"\nversion = \"1.0.0\"\n[features]\n"
                        .to_vec();
                for i in 0..400_000 {
                    toml.extend_from_slice(format!("f{i} = []\n").as_bytes());
                }
                toml
            }),
        ),
        case(
            "wrong-name",
            "manifest-mismatch",
            manifest(
                "wrong-name",
                b"[package]\nname = \"someone-else\"\nversion = \"1.0.0\"\n".to_vec(),
            ),
        ),
        case(
            "wrong-version",
            "manifest-mismatch",
            manifest(
                "wrong-version",
                b"[package]\nname = \"wrong-version\"\nversion = \"9.9.9\"\n".to_vec(),
            ),
        ),
        case(
            "outside-root",
            "archive-path",
            package("outside-root", |t, _| {
                file(t, "elsewhere-1.0.0", "src/lib.rs", b"fn x() {}\n")
            }),
        ),
        case(
            "duplicates",
            "archive-duplicate",
            package("duplicates", |t, r| {
                file(t, r, "src/lib.rs", b"pub fn second() {}\n")
            }),
        ),
        case(
            "long-line",
            "source-line-long",
            package("long-line", |t, r| {
                let mut src = b"pub const S: &str = \"".to_vec();
                src.extend(std::iter::repeat_n(b'a', 20 << 20));
                src.extend_from_slice(b"\";\n");
                file(t, r, "src/generated.rs", &src)
            }),
        ),
        case(
            "invalid-utf8",
            "source-invalid",
            package("invalid-utf8", |t, r| {
                file(t, r, "src/latin1.rs", b"// caf\xe9\npub fn f() {}\n")
            }),
        ),
        case(
            "nul-bytes",
            "source-invalid",
            package("nul-bytes", |t, r| {
                file(t, r, "src/nul.rs", b"pub fn f() {}\0\0\0\n")
            }),
        ),
        Case {
            name: "../../escape".into(),
            version: "1.0.0".into(),
            bytes: package("escape", |_, _| {}),
            code: "name-invalid",
        },
    ]
}
