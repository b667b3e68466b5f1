//! Every input format gives the same figures for the same image.

use imgsize::synth::{self, Compression, Entry, Format, Image, Layer};

use crate::*;

#[test]
fn real_images_agree_across_formats() {
    let reference = figures(&inspect_json(&testdata("app.docker.tar"), &[]));
    for name in ["app.oci.tar", "app.oci", "app.zstd.oci"] {
        let v = inspect_json(&testdata(name), &[]);
        assert_eq!(
            figures(&v),
            reference,
            "{name} disagrees with app.docker.tar"
        );
        assert!(
            v["image"]["compressed_bytes"].as_u64().is_some(),
            "{name} has compressed layers"
        );
    }
    for name in ["app.docker.tar", "app.oci.tar"] {
        let args = ["inspect", "--format", "json", "-"];
        let piped = json_of(&run_stdin(&args, &testdata(name)));
        assert_eq!(
            figures(&piped),
            reference,
            "{name} piped to stdin disagrees"
        );
        let redirected = json_of(&run_stdin_redirect(&args, &testdata(name)));
        assert_eq!(
            figures(&redirected),
            reference,
            "{name} redirected to stdin disagrees"
        );
    }
}

#[test]
fn real_image_kinds_are_named() {
    let kind = |n: &str| {
        inspect_json(&testdata(n), &[])["image"]["input_kind"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(kind("app.docker.tar"), "docker-archive");
    assert_eq!(kind("app.oci.tar"), "oci-archive");
    assert_eq!(kind("app.oci"), "oci-layout");
}

fn sample() -> Vec<Layer> {
    vec![
        Layer::new(
            "/bin/sh -c #(nop) ADD file:abc in / ",
            vec![
                Entry::dir("bin"),
                Entry::random("bin/busybox", 300_000, 1),
                Entry::dir("etc"),
                Entry::text("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
            ],
        ),
        Layer::new(
            "RUN /bin/sh -c npm install # buildkit",
            vec![
                Entry::dir("app"),
                Entry::dir("app/node_modules"),
                Entry::random("app/node_modules/a.js", 50_000, 2),
                Entry::random("app/tmp.bin", 70_000, 3),
                Entry::Hardlink {
                    path: "app/tmp.link".into(),
                    target: "app/tmp.bin".into(),
                },
            ],
        ),
        Layer::new(
            "RUN /bin/sh -c rm -rf /app/node_modules # buildkit",
            vec![
                Entry::dir("app"),
                Entry::Whiteout("app/node_modules".into()),
                Entry::Whiteout("app/tmp.bin".into()),
            ],
        ),
        Layer::new(
            "COPY . /app # buildkit",
            vec![Entry::dir("app"), Entry::random("app/index.js", 1234, 4)],
        ),
    ]
}

#[test]
fn generated_image_agrees_across_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Format, Compression)> = vec![
        ("classic.tar", Format::DockerClassic, Compression::None),
        ("crane.tar", Format::DockerClassic, Compression::Gzip),
        ("docker25.tar", Format::Docker25, Compression::None),
        ("docker25-gzip.tar", Format::Docker25, Compression::Gzip),
        ("layout-gzip", Format::OciDir, Compression::Gzip),
        ("layout-zstd", Format::OciDir, Compression::Zstd),
        ("layout-estargz", Format::OciDir, Compression::Estargz),
        (
            "archive-dot.tar",
            Format::OciArchive { dot_prefix: true },
            Compression::Zstd,
        ),
        (
            "archive.tar",
            Format::OciArchive { dot_prefix: false },
            Compression::None,
        ),
    ];
    let mut reference = None;
    for (name, format, compression) in cases {
        let out = dir.path().join(name);
        synth::write(
            &[Image::new("app:1", sample()).compressed(compression)],
            format,
            &out,
        )
        .unwrap();
        let v = inspect_json(&out, &[]);
        let mut f = figures(&v);
        if compression == Compression::Estargz {
            // eStargz's tar also holds its table of contents: another diff_id.
            let r: &serde_json::Value = reference.as_ref().unwrap();
            for (i, l) in f["layers"].as_array_mut().unwrap().iter_mut().enumerate() {
                l["diff_id"] = r["layers"][i]["diff_id"].clone();
            }
        }
        assert_eq!(v["image"]["layer_count"], 4, "{name}");
        assert_eq!(
            v["image"]["layer_bytes"],
            300_000 + 26 + 50_000 + 70_000 + 1234,
            "{name}"
        );
        assert_eq!(
            v["image"]["hidden_bytes"], 50_000,
            "{name}: tmp.bin lives on through its hardlink"
        );
        let expect_compressed = compression != Compression::None;
        assert_eq!(
            v["image"]["compressed_bytes"].is_u64(),
            expect_compressed,
            "{name}"
        );
        match &reference {
            None => reference = Some(f),
            Some(r) => assert_eq!(&f, r, "{name} disagrees with classic.tar"),
        }
        if !matches!(format, Format::OciDir) {
            let args = ["inspect", "--format", "json", "-"];
            let s = json_of(&run_stdin(&args, &out));
            assert_eq!(figures(&s), *reference.as_ref().unwrap(), "{name} on stdin");
            let r = json_of(&run_stdin_redirect(&args, &out));
            assert_eq!(
                figures(&r),
                *reference.as_ref().unwrap(),
                "{name} as < file"
            );
        }
    }
}

#[test]
fn estargz_metadata_is_not_content() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("estargz");
    synth::write(
        &[Image::new("app:1", sample()).compressed(Compression::Estargz)],
        Format::OciDir,
        &out,
    )
    .unwrap();
    let v = inspect_json(&out, &["--top", "100", "--depth", "1"]);
    let paths: Vec<&str> = v["largest_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert!(
        !paths
            .iter()
            .any(|p| p.contains("stargz") || p.contains("landmark")),
        "{paths:?}"
    );
    assert_eq!(v["image"]["final_files"], 4);
}

#[test]
fn multi_platform_index_with_absent_platforms() {
    let dir = tempfile::tempdir().unwrap();
    let small = vec![Layer::new("ADD a /", vec![Entry::file("a", 100)])];
    let big = vec![Layer::new("ADD b /", vec![Entry::file("b", 5000)])];
    let out = dir.path().join("multi");
    synth::write(
        &[
            Image::new("app:1", small.clone()).platform("linux", "amd64", None),
            Image::new("app:1", big.clone())
                .platform("linux", "arm64", Some("v8"))
                .absent(),
        ],
        Format::OciDir,
        &out,
    )
    .unwrap();
    // Only amd64 was pulled: that is the one, whatever this machine is.
    let v = inspect_json(&out, &[]);
    assert_eq!(v["image"]["layer_bytes"], 100);
    assert_eq!(v["image"]["platform"], "linux/amd64");
    let o = run(&[
        "inspect",
        out.to_str().unwrap(),
        "--platform",
        "linux/arm64",
    ]);
    assert_error(&o, &["not in the input", "arm64"]);

    // Both present: --platform picks; a platform not there lists the choices.
    let out = dir.path().join("multi-both.tar");
    synth::write(
        &[
            Image::new("app:1", small).platform("linux", "amd64", None),
            Image::new("app:1", big).platform("linux", "arm64", Some("v8")),
        ],
        Format::Docker25,
        &out,
    )
    .unwrap();
    let v = inspect_json(&out, &["--platform", "linux/arm64"]);
    assert_eq!(v["image"]["layer_bytes"], 5000);
    assert_eq!(v["image"]["platform"], "linux/arm64/v8");
    let o = run(&[
        "inspect",
        out.to_str().unwrap(),
        "--platform",
        "linux/s390x",
    ]);
    assert_error(&o, &["linux/s390x", "linux/amd64", "linux/arm64/v8"]);
}

#[test]
fn several_images_need_a_choice() {
    let dir = tempfile::tempdir().unwrap();
    let a = Image::new(
        "web:1",
        vec![Layer::new("ADD a /", vec![Entry::file("a", 10)])],
    );
    let b = Image::new(
        "api:2",
        vec![Layer::new("ADD b /", vec![Entry::file("b", 20)])],
    );
    for (name, format) in [
        ("classic.tar", Format::DockerClassic),
        ("d25.tar", Format::Docker25),
        ("oci", Format::OciDir),
    ] {
        let out = dir.path().join(name);
        synth::write(&[a.clone(), b.clone()], format, &out).unwrap();
        let o = run(&["inspect", out.to_str().unwrap()]);
        assert_error(&o, &["--image", "web:1", "api:2"]);
        let v = inspect_json(&out, &["--image", "api:2"]);
        assert_eq!(v["image"]["layer_bytes"], 20, "{name}");
        let o = run(&["inspect", out.to_str().unwrap(), "--image", "nope:1"]);
        assert_error(&o, &["nope:1"]);
    }
}
