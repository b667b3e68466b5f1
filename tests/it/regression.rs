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
    let ts = finding(&v, "typescript").unwrap();
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

/// A classic `docker save` archive around one raw layer tar, by hand: the layer's
/// bytes are exactly what the test wrote.
fn classic_archive_with_layer(dir: &std::path::Path, layer: &[u8]) -> std::path::PathBuf {
    use sha2::Digest;
    let diff_id = format!(
        "sha256:{}",
        imgsize::layer::hex(&sha2::Sha256::digest(layer))
    );
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "ADD hostile.tar /"}],
    })
    .to_string();
    let manifest = serde_json::json!([{
        "Config": "config.json", "RepoTags": ["hostile:1"], "Layers": ["l/layer.tar"],
    }])
    .to_string();
    let path = dir.join("hostile.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&path).unwrap());
    for (name, data) in [
        ("config.json", config.as_bytes()),
        ("manifest.json", manifest.as_bytes()),
        ("l/layer.tar", layer),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data).unwrap();
    }
    b.finish().unwrap();
    path
}

/// A PAX header saying `size=18446744073709551615` was reported, exit 0, as a
/// layer of that many bytes (the padded size wrapped to 0, so nothing was skipped),
/// from a file and from a pipe. It is now a tar format error, exit 2.
#[test]
fn a_pax_size_near_u64_max_is_a_format_error() {
    let dir = tempfile::tempdir().unwrap();
    for size in [u64::MAX, u64::MAX - 100, 1 << 62] {
        let mut b = tar::Builder::new(Vec::new());
        b.append_pax_extensions([("size", size.to_string().as_bytes())])
            .unwrap();
        let mut h = tar::Header::new_ustar();
        h.set_size(5);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, "app/huge.bin", &b"hello"[..])
            .unwrap();
        let layer = b.into_inner().unwrap();
        let archive = classic_archive_with_layer(dir.path(), &layer);
        let p = archive.to_str().unwrap();
        assert_error(
            &run(&["inspect", p]),
            &["tar entry 'app/huge.bin'", "header at byte 1024"],
        );
        assert_error(&run_stdin(&["inspect", "-"], &archive), &["entry"]);
    }
}

/// `check --baseline old.tar` read the whole baseline into memory just to see
/// whether it starts with `{`: 818 MB of RAM for an 800 MB baseline. It now sniffs
/// the first bytes; the baseline is then read as any image is.
#[test]
fn a_baseline_image_is_not_read_into_memory() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.tar");
    let img = Image::new(
        "old:1",
        vec![Layer::new(
            "ADD big /",
            vec![Entry::file("big.bin", 400_000_000)],
        )],
    );
    synth::write(&[img], Format::DockerClassic, &old).unwrap();
    let new = testdata("app.docker.tar");
    let (code, out, peak) = crate::hostile::run_measured(&[
        "check",
        "--format",
        "json",
        "--baseline",
        old.to_str().unwrap(),
        "--max-growth",
        "10%",
        new.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("max-growth"), "{out}");
    assert!(
        peak < 150 << 20,
        "peak RSS {} MB for a 400 MB baseline",
        peak >> 20
    );
}

/// `--ignore 'a{b'` said `--ignore: --ignore 'a{b': …`: the flag named twice.
#[test]
fn a_bad_ignore_glob_names_the_flag_once() {
    let o = run(&[
        "inspect",
        "--ignore",
        "a{b",
        testdata("app.oci").to_str().unwrap(),
    ]);
    let line = assert_error(&o, &["--ignore", "a{b"]);
    assert_eq!(line.matches("--ignore").count(), 1, "{line}");
}

/// Once the package view captured every package's own package.json, the
/// dev-dependency fallback read them as project manifests: a global npm's
/// devDependencies marked its bundled packages as dev.
#[test]
fn a_package_manifest_is_not_a_project_manifest() {
    let img = Image::new(
        "t:1",
        vec![Layer::new(
            "ADD node-rootfs /",
            vec![
                Entry::text(
                    "usr/lib/node_modules/npm/package.json",
                    r#"{"name":"npm","version":"11.0.0","devDependencies":{"diff":"8"}}"#,
                ),
                Entry::text(
                    "usr/lib/node_modules/npm/node_modules/diff/package.json",
                    r#"{"name":"diff","version":"8.0.4"}"#,
                ),
                Entry::file("usr/lib/node_modules/npm/node_modules/diff/index.js", 5000),
            ],
        )],
    );
    let v = inspect_synth(img, Format::DockerClassic);
    let dev = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["category"] == "dev-dependencies");
    assert!(!dev, "{}", v["findings"]);
    let diff = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "diff")
        .unwrap();
    assert_eq!(diff["dev"], false);
}
