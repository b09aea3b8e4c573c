#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/seeds/.

Run from anywhere: python3 tests/fuzz/make_seeds.py. The output is
deterministic (fixed mtimes, gzip without a timestamp), so running it again
changes nothing. The input formats are described in tests/fuzz/targets.rs.
The README seeds hold classic XSS shapes as inert markup, for the sanitizer
to remove; nothing here runs.
"""

import gzip
import io
import json
import os
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds")

# Mode bits of the archive target.
WRAP, ROOTED, USTAR, CUT, CHECKSUM, BAD_CHECKSUM = 1, 2, 4, 8, 16, 32

LIB_RS = b"//! Docs.\n\n/// Adds.\npub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n"


def manifest(name, version, extra=""):
    lib = name.replace("-", "_")
    return (
        f'[package]\nedition = "2021"\nname = "{name}"\nversion = "{version}"\n'
        f"{extra}\n[lib]\nname = \"{lib}\"\npath = \"src/lib.rs\"\n"
    ).encode()


def crate(name, version, files, fmt=tarfile.GNU_FORMAT):
    """A .crate file: a gzip tar with the files under {name}-{version}/."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for path, data in files:
            info = tarfile.TarInfo(f"{name}-{version}/{path}")
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), compresslevel=9, mtime=0)


def archive_seed(mode, name, version, payload):
    return bytes([mode]) + f"{name} {version}\n".encode() + payload


def entries(*items):
    """Wrapped entries: (type letter, path, contents) joined by NUL bytes."""
    return b"\0".join(kind + path.encode() + b"\n" + data for kind, path, data in items)


def write(target, name, data):
    folder = os.path.join(SEEDS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    assert len(data) < 4096, (target, name, len(data))
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def archive_seeds():
    readme = b"# demo\n\nA [guide](docs/guide.md) and ![logo](img/logo.png).\n\n<script>alert(1)</script>\n"
    vcs = json.dumps({"git": {"sha1": "0123456789abcdef0123456789abcdef01234567"}, "path_in_vcs": ""}).encode()
    full = crate(
        "demo",
        "0.1.0",
        [
            ("Cargo.toml", manifest("demo", "0.1.0", 'description = "A demo."\nlicense = "MIT/Apache-2.0"\nrepository = "https://github.com/o/demo"\nreadme = "README.md"\n')),
            ("Cargo.toml.orig", b'[package]\nname = "demo"\nversion = "0.1.0"\n'),
            (".cargo_vcs_info.json", vcs),
            ("README.md", readme),
            ("src/lib.rs", LIB_RS),
        ],
    )
    write("archive", "valid-raw-demo.bin", archive_seed(CHECKSUM, "demo", "0.1.0", full))
    build = crate(
        "with-build",
        "1.2.3",
        [
            ("Cargo.toml", manifest("with-build", "1.2.3", 'description = "Has a build script."\nbuild = "build.rs"\nlicense = "MIT"\n[dependencies]\ncc = "1"\n')),
            ("build.rs", b'fn main() {\n    println!("cargo:rerun-if-changed=build.rs");\n}\n'),
            ("src/lib.rs", LIB_RS),
        ],
        fmt=tarfile.USTAR_FORMAT,
    )
    write("archive", "valid-raw-build.bin", archive_seed(0, "with-build", "1.2.3", build))
    write(
        "archive",
        "valid-wrap-tiny.bin",
        archive_seed(
            WRAP | ROOTED,
            "tiny",
            "0.0.1",
            entries(
                (b"f", "Cargo.toml", manifest("tiny", "0.0.1", 'description = "Tiny."\n')),
                (b"d", "src", b""),
                (b"f", "src/lib.rs", LIB_RS),
            ),
        ),
    )
    write(
        "archive",
        "valid-wrap-ustar.bin",
        archive_seed(
            WRAP | ROOTED | USTAR | CHECKSUM,
            "tiny-ustar",
            "2.0.0-rc.1",
            entries(
                (b"f", "Cargo.toml", manifest("tiny-ustar", "2.0.0-rc.1", 'description = "Ustar headers."\n')),
                (b"f", "src/lib.rs", LIB_RS),
                (b"f", "src/bin/tool.rs", b"fn main() {}\n"),
            ),
        ),
    )
    write(
        "archive",
        "hostile-wrap-paths.bin",
        archive_seed(
            WRAP,
            "hostile",
            "0.1.0",
            entries(
                (b"f", "hostile-0.1.0/Cargo.toml", manifest("hostile", "0.1.0")),
                (b"f", "hostile-0.1.0/../escape.rs", b"fn x() {}\n"),
                (b"f", "/etc/passwd", b""),
                (b"l", "hostile-0.1.0/src/link", b"../../../../etc/shadow"),
                (b"h", "hostile-0.1.0/src/hard", b"hostile-0.1.0/Cargo.toml"),
                (b"p", "hostile-0.1.0/fifo", b""),
                (b"f", "hostile-0.1.0/src/lib.rs", b"pub fn a() {}\n"),
                (b"f", "hostile-0.1.0/src/lib.rs", b"pub fn b() {}\n"),
                (b"f", "hostile-0.1.0/" + "deep/" * 30 + "x.rs", b""),
                (b"x", "hostile-0.1.0/PaxHeader", b"30 path=hostile-0.1.0/renamed\n"),
                (b"f", "hostile-0.1.0/before-pax", b"renamed by the pax header\n"),
            ),
        ),
    )
    write(
        "archive",
        "broken-wrap-cut.bin",
        archive_seed(
            WRAP | ROOTED | CUT,
            "cut",
            "0.1.0",
            entries((b"f", "Cargo.toml", manifest("cut", "0.1.0")), (b"f", "src/lib.rs", LIB_RS)),
        ),
    )
    write(
        "archive",
        "broken-wrap-manifest.bin",
        archive_seed(
            WRAP | ROOTED,
            "bad-manifest",
            "0.1.0",
            entries(
                (b"f", "Cargo.toml", b'[package]\nname = "other"\nversion = "9.9.9"\nreadme = "GONE.md"\n'),
                (b"f", "src/lib.rs", b"pub fn bad() { let s = \"\xff\xfe\"; }\n"),
                (b"f", ".cargo_vcs_info.json", b'{"git": '),
            ),
        ),
    )
    write("archive", "broken-raw-checksum.bin", archive_seed(BAD_CHECKSUM, "tiny", "0.0.1", build))
    write("archive", "broken-raw-not-gzip.bin", archive_seed(0, "zip", "1.0.0", b"PK\x03\x04not a crate"))
    write("archive", "broken-raw-truncated.bin", archive_seed(0, "demo", "0.1.0", full[: len(full) // 2]))


def index_line(name, version, deps=(), features=None, yanked=False, **extra):
    line = {
        "name": name,
        "vers": version,
        "deps": list(deps),
        "cksum": "0" * 64,
        "features": features or {},
        "yanked": yanked,
    }
    line.update(extra)
    return json.dumps(line, separators=(",", ":"))


def dep(name, req, kind="normal", optional=False, **extra):
    d = {
        "name": name,
        "req": req,
        "features": [],
        "optional": optional,
        "default_features": True,
        "target": None,
        "kind": kind,
    }
    d.update(extra)
    return d


def index_seeds():
    write("index", "valid-line.json", index_line("demo", "0.1.0", pubtime="2026-01-02T03:04:05Z"))
    write(
        "index",
        "valid-line-deps.json",
        index_line(
            "serde_json",
            "1.0.100",
            deps=[
                dep("serde", "^1.0.100", features=["derive"]),
                dep("itoa", "^1"),
                dep("indexmap", "^2", optional=True, target="cfg(unix)"),
                dep("serde_derive", "^1", kind="dev"),
                dep("ryu", "^1.0", kind="build", package="ryu-fork"),
            ],
            features={"default": ["std"], "std": ["serde/std"]},
            features2={"preserve_order": ["dep:indexmap"]},
            v=2,
            rust_version="1.56",
            links="json",
        ),
    )
    file = "\n".join(
        [
            index_line("multi", "0.1.0"),
            index_line("multi", "0.2.0", yanked=True),
            "not json",
            index_line("multi", "one"),
            index_line("other", "1.0.0"),
            index_line("Multi", "1.0.0-rc.1", pubtime="2026-01-02T03:04:05Z", unknown_field=1),
            "",
            index_line("multi", "1.0.0"),
        ]
    )
    write("index", "file-mixed.txt", file + "\n")
    write("index", "broken-cut.txt", index_line("cut", "0.1.0") + "\n" + index_line("cut", "0.2.0")[:40])
    write("index", "broken-html.txt", "<html><body>503 Service Unavailable</body></html>\n")


def manifest_seeds():
    write(
        "manifest",
        "valid-full.toml",
        '''[package]
edition = "2021"
name = "fuzzed"
version = "1.0.0"
authors = ["A <a@example.com>"]
description = "  A fuzzed package.  "
documentation = "https://docs.example.com/fuzzed"
homepage = "https://example.com"
readme = "./README.md"
keywords = ["fuzz", "test"]
categories = ["development-tools"]
license = "MIT/Apache-2.0"
repository = "https://github.com/o/fuzzed"
rust-version = "1.70"
links = "z"
build = "build.rs"

[lib]
name = "fuzzed"
path = "src/lib.rs"

[[bin]]
name = "tool"
path = "src/bin/tool.rs"

[[example]]
name = "demo"
path = "examples/demo.rs"

[dependencies]
serde = { version = "1.0.100", features = ["derive"] }
log = { version = "0.4", optional = true }
renamed = { package = "real-name", version = "2" }
private = { version = "1", registry-index = "https://example.com/index" }

[build-dependencies]
cc = "1"

[dev-dependencies]
proptest = "1"

[target.'cfg(windows)'.dependencies]
winapi = { version = "0.3", default-features = false }

[features]
default = ["log"]
extra = ["serde/std"]
''',
    )
    write(
        "manifest",
        "valid-minimal.toml",
        '[package]\nname = "fuzzed"\nversion = "1.0.0"\n#@src/bin/other.rs\n#@examples/more/main.rs\n',
    )
    write(
        "manifest",
        "mismatch.toml",
        '[package]\nname = "serde"\nversion = "1.0.0"\nedition = "2024"\nreadme = false\nbuild = false\nlicense-file = ".\\\\LICENSE"\n',
    )
    write("manifest", "workspace.toml", '[package]\nname = "fuzzed"\nversion.workspace = true\n')
    write("manifest", "broken.toml", '[package\nname = "fuzzed"\n')
    write("manifest", "no-package.toml", '[workspace]\nmembers = ["a"]\n')
    write(
        "manifest",
        "vcs-info.json",
        '{"git":{"sha1":"0123456789abcdef0123456789abcdef01234567","dirty":true},"path_in_vcs":"crates/x"}',
    )


def readme_seeds():
    # Mode byte: 0 no repository, 1 GitHub, 2 GitLab, 3 Codeberg, 4 derived.
    write(
        "readme",
        "links-github.md",
        b"\x01# Title\n\n[doc](docs/a.md) ![logo](./img/l.png) [up](../../LICENSE) [s](#usage)\n"
        b"[abs](/x/y) [web](https://example.com/) [mail](mailto:a@example.com)\n\n"
        b"| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] not\n\nText[^1].\n\n[^1]: A footnote.\n",
    )
    write(
        "readme",
        "xss-html.md",
        b"\x00<script>alert(1)</script>\n<SCRIPT SRC=//example.invalid/x.js></SCRIPT>\n"
        b'<img src=x onerror=alert(1)>\n<a href="javascript:alert(1)" onclick="x()">a</a>\n'
        b'<svg onload=alert(1)><circle r="1"/></svg>\n<iframe src="data:text/html,x"></iframe>\n'
        b'<body onload=alert(1)>\n<style>*{background:url("javascript:x")}</style>\n'
        b'<div style="background:url(javascript:x)">s</div>\n<math><mi xlink:href="javascript:x">m</mi></math>\n'
        b'<object data="javascript:x"></object><embed src="javascript:x">\n'
        b'<form action="javascript:x"><button formaction="javascript:x">b</button></form>\n'
        b'<details open ontoggle=alert(1)>d</details>\n<!-- <script>x</script> -->\n',
    )
    write(
        "readme",
        "xss-markdown.md",
        b"\x01[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](  javascript:x)\n"
        b"[d](java\tscript:x) [e](&#106;avascript:x) [f](&#x6A;avascript&#58;x) [g](javascript&colon;x)\n"
        b"![h](javascript:alert(1)) ![i](data:image/svg+xml;base64,PHN2Zz4=) [j](vbscript:x)\n"
        b"[k](data:text/html;base64,PHNjcmlwdD4=) <javascript:alert(1)> [l]: javascript:x\n\n[l]\n"
        b'[m](https://example.com/" onmouseover="x) [n](<javascript:x>)\n',
    )
    write(
        "readme",
        "inert-text.md",
        b"\x02Text that only looks like markup: &lt;script&gt; and `<script>` and\n\n"
        b"```html\n<img src=x onerror=alert(1)>\n```\n\n"
        b'<a title="<script>x</script>" href="https://example.com/?onload=1&amp;x=javascript:">t</a>\n'
        b"    <script>indented code</script>\n\nonclick=alert(1) is only text.\n",
    )
    write(
        "readme",
        "derived-links.md",
        b"\x04https://codeberg.org/o/r.git\nabc123\nsub/dir\ndocs/README.md\n"
        b"[rel](../other.md) ![img](pic.png) [root](/top.md) [q](a/b:c)\n",
    )
    write("readme", "empty.md", b"\x03")


if __name__ == "__main__":
    archive_seeds()
    index_seeds()
    manifest_seeds()
    readme_seeds()
