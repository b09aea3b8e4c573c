//! Fuzz target `readme`: README rendering: Markdown to sanitized HTML, checked for script; the input format
//! and the checks are in `../targets.rs`.

#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    targets::readme(data);
});
