//! The JSON and config parsers: index, manifest, image config, imgsize.toml, .dive-ci.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = imgsize::source::parse_index(data, "fuzz");
    let _ = oci_spec::image::ImageManifest::from_reader(data);
    let _ = imgsize::source::Config::parse(data, "fuzz");
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = imgsize::config::parse_toml(text, "fuzz");
        let _ = imgsize::config::parse_dive_ci(text, "fuzz");
        let _ = imgsize::size::parse_size(text);
        let _ = imgsize::analysis::history::instruction(text);
    }
});
