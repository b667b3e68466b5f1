//! A whole `docker save` / OCI archive on a stream: outer tar, metadata, selection,
//! layers, the model, findings and the reports.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = imgsize::LoadOptions::default();
    if let Ok(a) = imgsize::load_stream(data, "fuzz", &opts) {
        assert_eq!(a.layer_bytes(), a.final_bytes() + a.hidden_bytes());
        let view = imgsize::report::inspect::ViewOptions { depth: 2, top: 5 };
        let report = imgsize::report::inspect::InspectReport::build(&a, &a.waste, view);
        for format in [imgsize::report::Format::Table, imgsize::report::Format::Json] {
            let _ = format.renderer().inspect(&report);
        }
    }
});
