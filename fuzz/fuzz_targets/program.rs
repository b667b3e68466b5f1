//! A program's bytes, as the scan reads what it is made of from an executable
//! file of a layer (Go's build information, Rust's `cargo auditable` list), and
//! the package view reads the record.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    imgsize::fuzzing::program(data);
});
