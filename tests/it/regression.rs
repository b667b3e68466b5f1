//! One test per bug fixed, named after it.

use imgsize::synth::{self, Compression, Entry, Format, Image, Layer};

use crate::*;

fn inspect_synth(img: Image, format: Format) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("img");
    synth::write(&[img], format, &out).unwrap();
    inspect_json(&out, &[])
}

/// The scan stopped at the tar's end-of-archive blocks and never reached gzip's CRC,
/// so a flipped byte inside a stored (incompressible) block went unnoticed.
#[test]
fn corrupt_gzip_content_is_caught_by_the_crc() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("l");
    let img = Image::new(
        "t:1",
        vec![Layer::new("ADD a /", vec![Entry::random("a", 300_000, 3)])],
    )
    .compressed(Compression::Gzip);
    synth::write(&[img], Format::OciDir, &out).unwrap();
    let blob = std::fs::read_dir(out.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    let mut data = std::fs::read(&blob).unwrap();
    data[150_000] ^= 0x10;
    std::fs::write(&blob, &data).unwrap();
    assert_error(&run(&["inspect", out.to_str().unwrap()]), &["corrupt"]);
}

/// A base image's global npm (/usr/lib/node_modules/npm) was reported as a local
/// node_modules dragged in by COPY.
#[test]
fn a_global_node_modules_is_not_a_copied_local_one() {
    let img = Image::new(
        "t:1",
        vec![
            Layer::new(
                "ADD node-rootfs /",
                vec![
                    Entry::file("usr/lib/node_modules/npm/index.js", 100),
                    Entry::text("usr/lib/node_modules/npm/package.json", "{}"),
                ],
            ),
            Layer::new(
                "COPY /build/node_modules ./node_modules # buildkit",
                vec![Entry::file("app/node_modules/ms/index.js", 100)],
            ),
        ],
    );
    let v = inspect_synth(img, Format::DockerClassic);
    let kinds: Vec<&str> = v["hints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert!(!kinds.contains(&"copy-node-modules"), "{kinds:?}");
}

/// The typescript category left out the compiler package's own lib.*.d.ts files
/// (2.9 MB of TypeScript 5.6), so it disagreed with the extracted filesystem.
#[test]
fn the_typescript_category_counts_the_whole_compiler_package() {
    let img = Image::new(
        "t:1",
        vec![Layer::new(
            "RUN npm install",
            vec![
                Entry::file("app/node_modules/typescript/lib/tsc.js", 1000),
                Entry::file("app/node_modules/typescript/lib/lib.dom.d.ts", 500),
                Entry::file("app/node_modules/@types/ms/index.d.ts", 70),
            ],
        )],
    );
    let v = inspect_synth(img, Format::OciDir);
    let ts = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["category"] == "typescript")
        .unwrap();
    assert_eq!(ts["bytes"], 1500);
}

/// A TOML error whose span began a line was reported one line too early.
#[test]
fn toml_errors_at_the_start_of_a_line_name_that_line() {
    let e = imgsize::config::parse_toml(
        "[budget]\nmax-size = \"1GB\"\nmax-size = \"2GB\"\n",
        "imgsize.toml",
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("imgsize.toml: line 3:"), "{e}");
}
