//! An engine's tar-split (the headers of a layer it keeps, one JSON line a
//! segment or file): sized and scanned as `imgsize app:latest` reads an engine's
//! storage. A size or one error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    imgsize::fuzzing::tar_split(data);
});
