//! Bad input: one line on stderr naming the file and the problem, exit code 2.

use std::fs;

use imgsize::synth::{self, Compression, Entry, Format, Image, Layer};

use crate::layouts::*;
use crate::*;

#[test]
fn not_an_image() {
    let dir = tempfile::tempdir().unwrap();
    let random = dir.path().join("random.bin");
    fs::write(
        &random,
        (0..5000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert_error(
        &run(&["inspect", random.to_str().unwrap()]),
        &["random.bin", "not an image"],
    );
    let empty = dir.path().join("empty.tar");
    fs::write(&empty, b"").unwrap();
    assert_error(
        &run(&["inspect", empty.to_str().unwrap()]),
        &["empty.tar", "empty"],
    );
    assert_error(
        &run(&["inspect", dir.path().join("nope.tar").to_str().unwrap()]),
        &["nope.tar"],
    );
    let plain_dir = dir.path().join("plain");
    fs::create_dir(&plain_dir).unwrap();
    assert_error(
        &run(&["inspect", plain_dir.to_str().unwrap()]),
        &["plain", "no index.json or manifest.json"],
    );
    // A tar that is not an image.
    let tar = dir.path().join("files.tar");
    synth::write_layer_tar(
        &Layer::new("x", vec![Entry::file("x", 10)]),
        fs::File::create(&tar).unwrap(),
    )
    .unwrap();
    assert_error(
        &run(&["inspect", tar.to_str().unwrap()]),
        &["files.tar", "no index.json or manifest.json"],
    );
    assert_error(
        &run_stdin(&["inspect", "-"], &random),
        &["<stdin>", "not a tar"],
    );
}

#[test]
fn truncated_archives() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("classic.tar");
    synth::write(&[sample(Compression::None)], Format::DockerClassic, &out).unwrap();
    let full = fs::read(&out).unwrap();
    for cut in [
        300,
        1024 + 100,
        full.len() / 3,
        full.len() / 2,
        full.len() - 1536,
    ] {
        let t = dir.path().join(format!("cut-{cut}.tar"));
        fs::write(&t, &full[..cut]).unwrap();
        let o = run(&["inspect", t.to_str().unwrap()]);
        assert_error(&o, &[&format!("cut-{cut}.tar")]);
        let o = run_stdin(&["inspect", "-"], &t);
        assert_error(&o, &["<stdin>"]);
        let o = run_stdin_redirect(&["inspect", "-"], &t);
        assert_error(&o, &["<stdin>"]);
    }
}

#[test]
fn corrupt_compressed_layers() {
    let dir = tempfile::tempdir().unwrap();
    for (c, codec) in [(Compression::Gzip, "gzip"), (Compression::Zstd, "zstd")] {
        let l = layout(dir.path(), c);
        let blob = largest_blob(&l);
        let mut data = fs::read(&blob).unwrap();
        let mid = data.len() / 2;
        for b in &mut data[mid..mid + 64] {
            *b ^= 0xa5;
        }
        fs::write(&blob, &data).unwrap();
        let name = blob.file_name().unwrap().to_str().unwrap().to_string();
        // Told by the decoder's checksum, not by matching its message.
        let corrupt = format!("corrupt {codec} stream");
        assert_error(
            &run(&["inspect", l.to_str().unwrap()]),
            &[&name[..12], &corrupt],
        );
    }
}

#[test]
fn missing_and_mismatched_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let l = layout(dir.path(), Compression::Gzip);
    let blob = largest_blob(&l);
    let name = blob.file_name().unwrap().to_str().unwrap().to_string();
    let data = fs::read(&blob).unwrap();
    // A truncated download: the size no longer matches the descriptor.
    fs::write(&blob, &data[..data.len() - 10]).unwrap();
    assert_error(
        &run(&["inspect", l.to_str().unwrap()]),
        &[&name[..12], "descriptor"],
    );
    fs::remove_file(&blob).unwrap();
    assert_error(
        &run(&["inspect", l.to_str().unwrap()]),
        &[&name[..12], "missing"],
    );

    let l = layout(dir.path(), Compression::None);
    fs::remove_file(manifest_blob(&l)).unwrap();
    assert_error(
        &run(&["inspect", l.to_str().unwrap()]),
        &["not in the input"],
    );
}

#[test]
fn malformed_json_at_each_level() {
    let dir = tempfile::tempdir().unwrap();
    let l = layout(dir.path(), Compression::Gzip);
    let index = fs::read(l.join("index.json")).unwrap();
    fs::write(
        l.join("index.json"),
        b"{\"schemaVersion\": 2, \"manifests\": [",
    )
    .unwrap();
    assert_error(
        &run(&["inspect", l.to_str().unwrap()]),
        &["index.json", "not valid"],
    );
    fs::write(l.join("index.json"), &index).unwrap();

    // A manifest that is not JSON, stored under its own digest (so that only the
    // parse can fail).
    let m = manifest_blob(&l);
    let good = fs::read(&m).unwrap();
    let mut bad = good.clone();
    bad[0] = b'[';
    let bad_digest = store(&l, &bad);
    let mut index = index_of(&l);
    let good_index = index.clone();
    index["manifests"][0]["digest"] = serde_json::json!(bad_digest);
    fs::write(l.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    assert_error(
        &run(&["inspect", l.to_str().unwrap()]),
        &["manifest is not valid"],
    );
    fs::write(
        l.join("index.json"),
        serde_json::to_vec(&good_index).unwrap(),
    )
    .unwrap();

    // A config that is not JSON, likewise.
    let mut manifest: serde_json::Value = serde_json::from_slice(&good).unwrap();
    let cdigest = manifest["config"]["digest"].as_str().unwrap().to_string();
    let mut cfg = fs::read(
        l.join("blobs/sha256")
            .join(cdigest.trim_start_matches("sha256:")),
    )
    .unwrap();
    let n = cfg.len();
    cfg[n - 1] = b'!';
    let bad_config = store(&l, &cfg);
    manifest["config"]["digest"] = serde_json::json!(bad_config);
    let new_manifest = store(&l, &serde_json::to_vec(&manifest).unwrap());
    let mut index = good_index.clone();
    index["manifests"][0]["digest"] = serde_json::json!(new_manifest);
    index["manifests"][0]["size"] = serde_json::json!(serde_json::to_vec(&manifest).unwrap().len());
    fs::write(l.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    let short = &bad_config.trim_start_matches("sha256:")[..12];
    assert_error(
        &run(&["inspect", l.to_str().unwrap()]),
        &[short, "config is not valid JSON"],
    );

    // docker-archive: manifest.json broken.
    let out = dir.path().join("classic");
    synth::write(
        &[sample(Compression::None)],
        Format::DockerClassic,
        &out.with_extension("tar"),
    )
    .unwrap();
    let t = out.with_extension("tar");
    let unpacked = dir.path().join("unpacked");
    fs::create_dir(&unpacked).unwrap();
    tar::Archive::new(fs::File::open(&t).unwrap())
        .unpack(&unpacked)
        .unwrap();
    // An extracted docker save directory reads like the tarball.
    let a = figures(&inspect_json(&t, &[]));
    let b = figures(&inspect_json(&unpacked, &[]));
    assert_eq!(a, b);
    fs::write(unpacked.join("manifest.json"), b"[{\"Config\": 12}]").unwrap();
    assert_error(
        &run(&["inspect", unpacked.to_str().unwrap()]),
        &["manifest.json", "not valid"],
    );
}

#[test]
fn digests_never_become_paths_outside_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let l = layout(dir.path(), Compression::None);
    let mut index = index_of(&l);
    for bad in [
        "sha256:../../../../etc/passwd",
        "sha256:abc",
        &format!("sha256:{}", "A".repeat(64)),
    ] {
        index["manifests"][0]["digest"] = serde_json::json!(bad);
        fs::write(l.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
        assert_error(&run(&["inspect", l.to_str().unwrap()]), &["index.json"]);
    }
}

#[test]
fn blob_symlinks_must_stay_inside_the_layout() {
    let dir = tempfile::tempdir().unwrap();
    let l = layout(dir.path(), Compression::None);
    let blob = largest_blob(&l);
    let outside = dir.path().join("outside-blob");
    fs::rename(&blob, &outside).unwrap();
    std::os::unix::fs::symlink(&outside, &blob).unwrap();
    assert_error(
        &run(&["inspect", l.to_str().unwrap()]),
        &["outside the image directory"],
    );
    // A link that stays inside is fine.
    fs::remove_file(&blob).unwrap();
    let inside = l.join("blobs/real-blob");
    fs::rename(&outside, &inside).unwrap();
    std::os::unix::fs::symlink(&inside, &blob).unwrap();
    let v = inspect_json(&l, &[]);
    assert_eq!(v["image"]["layer_bytes"], 300_000);
}

#[test]
fn hardlink_to_a_missing_target() {
    let dir = tempfile::tempdir().unwrap();
    let img = Image::new(
        "t:1",
        vec![Layer::new(
            "ADD x /",
            vec![Entry::Hardlink {
                path: "b".into(),
                target: "gone".into(),
            }],
        )],
    );
    let out = dir.path().join("t");
    synth::write(&[img], Format::OciDir, &out).unwrap();
    assert_error(
        &run(&["inspect", out.to_str().unwrap()]),
        &["layer 0", "hardlink b points to gone"],
    );
}

/// One `--format` for every command: a format a command does not write is one line.
#[test]
fn a_format_the_command_does_not_write() {
    let img = testdata("app.oci");
    let p = img.to_str().unwrap();
    // Each command's --format offers what it writes, and says so in one line.
    assert_error(
        &run(&["inspect", "--format", "junit", p]),
        &[
            "--format",
            "[possible values: table, json, html]",
            "imgsize inspect --help",
        ],
    );
    assert_error(
        &run(&["diff", "--format", "junit", p, p]),
        &["[possible values: table, json, markdown, html]"],
    );
    assert_error(
        &run(&["overlap", "--format", "html", p, p]),
        &["[possible values: table, json, markdown]"],
    );
    assert_error(
        &run(&["inspect", "--manifest-only", "--format", "html", p]),
        &["inspect --manifest-only does not write html"],
    );
    let help = stdout(&run(&["inspect", "--help"]));
    let format_help = &help[help.find("--format").unwrap()..];
    let format_help = &format_help[..format_help.find("[default").unwrap()];
    assert!(
        !format_help.contains("junit") && !format_help.contains("markdown"),
        "{format_help}"
    );
    // Every usage error is one line, in imgsize's style.
    assert_error(
        &run(&["inspect", "--fomat", "json", p]),
        &["'--format'", "imgsize inspect --help"],
    );
    assert_error(
        &run(&["inspect", "--depth", "0", p]),
        &["--depth", "must be 1 or more"],
    );
    assert_error(
        &run(&["inspect", "--top", "0", p]),
        &["--top", "must be 1 or more"],
    );
    assert_error(&run(&["inspect"]), &["<INPUT>"]);
    // An image where the command goes (as `dive IMAGE`) names the two that take one.
    assert_error(
        &run(&["app:latest"]),
        &[
            "'app:latest' is not a command",
            "`imgsize inspect app:latest`",
            "`imgsize explore app:latest`",
        ],
    );
    assert_error(
        &run(&[p]),
        &[&format!("`imgsize inspect {p}`"), "imgsize --help"],
    );
    // A name clap finds near a command is still an image when it has what no
    // command's name has (clap finds `man` near a path).
    assert_error(
        &run(&["mna:1"]),
        &["`imgsize inspect mna:1`", "imgsize --help"],
    );
    // On one line, whatever the argument holds.
    assert_error(&run(&["app\nx:1"]), &["'app\\nx:1' is not a command"]);
    // A command's near miss keeps clap's suggestion.
    assert_error(
        &run(&["inpsect", p]),
        &["'inpsect'", "'inspect'", "imgsize --help"],
    );
    // `check --format text` is the table, as it always was.
    let text = run(&["check", "--format", "text", "--max-size", "1GB", p]);
    let table = run(&["check", "--max-size", "1GB", p]);
    assert!(text.status.success());
    assert_eq!(text.stdout, table.stdout);
}
