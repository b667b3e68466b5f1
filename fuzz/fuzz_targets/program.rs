//! A program's bytes, as the scan reads a Go program's build information from an
//! executable file of a layer, and the package view reads the record.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    imgsize::fuzzing::program(data);
});
