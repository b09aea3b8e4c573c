//! Fuzz target `manifest`: Cargo.toml and .cargo_vcs_info.json parsing; the input format
//! and the checks are in `../targets.rs`.

#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = targets::manifest(data);
});
