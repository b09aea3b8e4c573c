//! Fuzz target `index`: index line and index file parsing; the input format
//! and the checks are in `../targets.rs`.

#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    targets::index(data);
});
