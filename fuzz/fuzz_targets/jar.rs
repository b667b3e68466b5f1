//! A Java archive's bytes, as the scan reads what it holds (its local headers,
//! descriptors, the archives inside, stored or inflated) front to back, and the
//! package view reads the record.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    imgsize::fuzzing::jar(data);
});
