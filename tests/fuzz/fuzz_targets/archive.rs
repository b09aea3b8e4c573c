//! Fuzz target `archive`: .crate analysis from raw bytes (or entries wrapped into a gzip tar); the input format
//! and the checks are in `../targets.rs`.

#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    targets::archive(data);
});
