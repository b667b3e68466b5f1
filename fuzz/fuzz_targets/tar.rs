//! The tar walker on its own: ustar, GNU and PAX headers, long names, every sparse
//! form (old GNU with extension blocks, PAX 0.0, 0.1, 1.0 with its map in the
//! data), base-256 numbers. A listing or one error, never a panic; a layer scan
//! of the same bytes never finds more entries than the listing has.
#![no_main]
use std::io::Cursor;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let listed = imgsize::tar::list(data);
    let opts = imgsize::scan_options(&imgsize::LoadOptions::default());
    let quiet = |_: u64| {};
    let len = data.len() as u64;
    let seeked = imgsize::layer::scan_section(Cursor::new(data), 0, len, &opts, &quiet);
    if let (Ok(list), Ok(scan)) = (&listed, &seeked) {
        // The scan drops what is not a path (`.`, whiteout bookkeeping), never adds.
        assert!(scan.files.len() <= list.len(), "{} > {}", scan.files.len(), list.len());
    }
});
