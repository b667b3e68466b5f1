//! A registry's answers: the `WWW-Authenticate` challenge of a 401 and the
//! manifest or index body of a 200, read as the registry source reads them.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(header) = std::str::from_utf8(data) {
        imgsize::fuzzing::challenge(header);
    }
    imgsize::fuzzing::registry_manifest(data);
});
