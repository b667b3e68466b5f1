//! Hardening: --verify, crafted tar headers, odd names, decompression bombs.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use imgsize::synth::{self, Compression, Entry, Format, Image, Layer};
use serde_json::{json, Value};

use crate::layouts::*;
use crate::*;

#[test]
fn verify_checks_blob_digests_and_diff_ids() {
    let dir = tempfile::tempdir().unwrap();
    // A flipped content byte in an uncompressed layer: the headers are intact, so
    // only --verify can tell.
    let l = layout(dir.path(), Compression::None);
    let d = layer_digests(&l)[0].clone();
    let mut data = fs::read(blob(&l, &d)).unwrap();
    data[700] ^= 1;
    fs::write(blob(&l, &d), &data).unwrap();
    let p = l.to_str().unwrap();
    assert!(run(&["inspect", p]).status.success());
    assert_error(
        &run(&["inspect", p, "--verify"]),
        &[&d.trim_start_matches("sha256:")[..12], "blob digest"],
    );

    // A config whose diff_id does not match the layer (digests otherwise consistent).
    let l = layout(dir.path(), Compression::Gzip);
    rewrite_config(&l, |c| {
        c["rootfs"]["diff_ids"][1] = json!(format!("sha256:{}", "0".repeat(64)))
    });
    let p = l.to_str().unwrap();
    assert!(run(&["inspect", p]).status.success());
    assert_error(&run(&["inspect", p, "--verify"]), &["layer 1", "diff_id"]);
    let good = layout(&dir.path().join("good"), Compression::Zstd);
    assert!(run(&["inspect", good.to_str().unwrap(), "--verify"])
        .status
        .success());
}

#[test]
fn metadata_blobs_must_match_their_digests() {
    let dir = tempfile::tempdir().unwrap();
    let l = layout(dir.path(), Compression::Gzip);
    let index = read_json(&l.join("index.json"));
    let manifest = read_json(&blob(&l, index["manifests"][0]["digest"].as_str().unwrap()));
    let cpath = blob(&l, manifest["config"]["digest"].as_str().unwrap());
    let text = fs::read_to_string(&cpath)
        .unwrap()
        .replace("amd64", "arm64");
    fs::write(&cpath, text).unwrap();
    assert_error(
        &run(&["inspect", l.to_str().unwrap()]),
        &["config does not match its digest"],
    );
    fs::remove_file(&cpath).unwrap();
    assert_error(
        &run(&["inspect", l.to_str().unwrap()]),
        &["config blob is missing"],
    );
}

#[test]
fn a_tar_header_whose_size_runs_past_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_path("huge").unwrap();
    h.set_size(1 << 40);
    h.set_mode(0o644);
    h.set_cksum();
    let mut tar = h.as_bytes().to_vec();
    tar.extend_from_slice(&[7u8; 4096]);
    let l = layout_with_raw_layer(dir.path(), &tar);
    assert_error(&run(&["inspect", l.to_str().unwrap()]), &["truncated"]);
    // The same layer read from a stream.
    let t = dir.path().join("as-archive.tar");
    let out = std::process::Command::new("tar")
        .args(["-cf", t.to_str().unwrap(), "-C", l.to_str().unwrap(), "."])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_error(&run_stdin(&["inspect", "-"], &t), &["<stdin>"]);
}

#[test]
fn non_utf8_and_very_long_names() {
    let dir = tempfile::tempdir().unwrap();
    let long: String = (0..850).map(|i| format!("d{i:03}/")).collect::<String>() + "end.bin";
    assert!(long.len() > 4096);
    let img = Image::new(
        "t:1",
        vec![Layer::new(
            "ADD x /",
            vec![
                Entry::RawName {
                    path: b"bad-\xff\xfe-name.bin".to_vec(),
                    size: 300,
                },
                Entry::PaxPath {
                    path: long.clone(),
                    size: 200,
                },
                Entry::file(&format!("gnu/{}", "n".repeat(4090)), 100),
            ],
        )],
    );
    let out = dir.path().join("odd.tar");
    synth::write(&[img], Format::DockerClassic, &out).unwrap();
    let v = inspect_json(&out, &["--top", "10"]);
    let files: Vec<&str> = v["largest_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files[0], "/bad-\\xff\\xfe-name.bin", "escaped in JSON");
    assert_eq!(files[1], format!("/{long}"));
    assert_eq!(files[2].len(), 1 + 4 + 4090);
    let table = stdout(&run(&["inspect", out.to_str().unwrap()]));
    assert!(table.contains("/bad-\\xff\\xfe-name.bin"), "{table}");
}

/// Runs imgsize and returns (exit code, stdout, peak resident memory in bytes).
///
/// The peak is what the process itself reads from `/proc/self/status` (VmHWM) at
/// each phase (`IMGSIZE_TIMINGS`), not `wait4`'s `ru_maxrss`: the child is spawned
/// with vfork, so until its exec it shares the test process's memory, and
/// `ru_maxrss` counts that (the test process holds hundreds of MB while other
/// tests build images).
pub fn run_measured(args: &[&str]) -> (Option<i32>, String, u64) {
    let o = bin()
        .args(args)
        .env("IMGSIZE_TIMINGS", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    let peak_kb = err
        .lines()
        .filter_map(|l| l.split("peak").nth(1))
        .filter_map(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .max()
        .expect("IMGSIZE_TIMINGS reports the peak");
    (o.status.code(), stdout(&o), peak_kb * 1024)
}

/// A layer with one 2 GiB file of zeros, compressed, in an OCI layout.
fn bomb(dir: &Path, c: Compression) -> std::path::PathBuf {
    let out = dir.join(format!("bomb-{c:?}"));
    let img = Image::new(
        "bomb:1",
        vec![Layer::new(
            "RUN dd",
            vec![Entry::file("zeros.bin", 2 << 30)],
        )],
    )
    .compressed(c);
    synth::write(&[img], Format::OciDir, &out).unwrap();
    out
}

#[test]
fn decompression_bombs_stream_through_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    for c in [Compression::Gzip, Compression::Zstd] {
        let l = bomb(dir.path(), c);
        let size: u64 = fs::read_dir(l.join("blobs/sha256"))
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        assert!(size < 20 << 20, "{c:?} bomb is {size} bytes");
        let (code, out, rss) = run_measured(&["inspect", "--format", "json", l.to_str().unwrap()]);
        assert_eq!(code, Some(0));
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["image"]["layer_bytes"], 2u64 << 30, "{c:?}");
        assert!(rss < 200 << 20, "{c:?}: peak memory {} MB", rss >> 20);
    }
}

#[test]
fn stdin_that_ends_early_is_not_a_whole_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("img.tar");
    synth::write(
        &[Image::new(
            "t:1",
            vec![Layer::new("ADD a /", vec![Entry::random("a", 300_000, 5)])],
        )],
        Format::Docker25,
        &out,
    )
    .unwrap();
    let data = fs::read(&out).unwrap();
    let mut child = bin()
        .args(["inspect", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(&data[..data.len() / 2]).unwrap();
    }
    let o = child.wait_with_output().unwrap();
    assert_error(&o, &["<stdin>"]);
}
