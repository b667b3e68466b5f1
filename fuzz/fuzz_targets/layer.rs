//! One layer blob: compression detection, the tar walker (streamed and seekable),
//! then the filesystem model, dive's figures and the findings over what it found.
#![no_main]
use std::io::Cursor;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = imgsize::scan_options(&imgsize::LoadOptions::default());
    let quiet = |_: u64| {};
    let streamed = imgsize::layer::scan_read(Cursor::new(data), Some(data.len() as u64), &opts, &quiet);
    let seeked = imgsize::layer::scan_section(Cursor::new(data), 0, data.len() as u64, &opts, &quiet);
    // Both readings of a plain tar must agree.
    if let (Ok(a), Ok(b)) = (&streamed, &seeked) {
        assert_eq!(a.files.len(), b.files.len());
    }
    if let Ok(scan) = streamed {
        // The layer twice: overwrites and whiteouts against itself.
        let layers = [&scan.files, &scan.files];
        if let Ok(model) = imgsize::fs::FsModel::build(layers) {
            assert_eq!(model.layer_bytes(), model.final_bytes() + model.hidden_bytes());
            let _ = model.usage();
        }
        let _ = imgsize::analysis::dive::figures(&layers, 5);
    }
});
