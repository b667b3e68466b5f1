//! One large layer decoded on both cores: eStargz (gzip members listed by its TOC)
//! and zstd:chunked (frames, written by skopeo). What the parallel decode finds must
//! be what one stream finds (`--verify` reads every layer as one stream), the pull
//! costs must still add up, and a layer it cannot decode is read again as one
//! stream, whose error is the one told.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use imgsize::synth::{self, Compression, Entry, Format, Image, Layer};
use serde_json::Value;

use crate::services::require;
use crate::*;

/// 24 MB of random files (so the blob is over the 16 MB below which a layer is not
/// cut) among 2,000 small ones, in one layer, and a small second layer.
fn image(compression: Compression) -> Image {
    let mut entries = Vec::new();
    for i in 0..120u64 {
        entries.push(Entry::random(&format!("big/r{i}.bin"), 200_000 + i, i + 1));
    }
    for i in 0..2000u64 {
        let path = format!("app/node_modules/p{}/f{i}.js", i % 50);
        entries.push(if i % 3 == 0 {
            Entry::random(&path, 300 + i, i + 7)
        } else {
            Entry::file(&path, 300 + i)
        });
    }
    entries.push(Entry::random("app/dist/main.js.map", 1_000_000, 99));
    let layers = vec![
        Layer::new("COPY . /", entries),
        Layer::new(
            "RUN rm big/r0.bin",
            vec![Entry::Whiteout("big/r0.bin".into())],
        ),
    ];
    Image::new("par:latest", layers).compressed(compression)
}

/// `image(compression)` written as the OCI layout `dir/name`.
fn layout(dir: &Path, name: &str, compression: Compression) -> PathBuf {
    let out = dir.join(name);
    synth::write(&[image(compression)], Format::OciDir, &out).unwrap();
    out
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `imgsize inspect --format json` with `IMGSIZE_TIMINGS=1`: the report and what
/// the timings said.
fn inspect_timed(input: &Path, extra: &[&str]) -> (Value, String) {
    let mut args = vec!["inspect", "--format", "json", "--top", "50"];
    args.extend_from_slice(extra);
    args.push(input.to_str().unwrap());
    let o: Output = bin()
        .args(&args)
        .env("IMGSIZE_TIMINGS", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = stderr(&o);
    (json_of(&o), err)
}

/// The report without what depends on how the layer was decoded (pull costs).
fn without_pull(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| k.as_str() != "compressed_bytes")
                .map(|(k, v)| (k.clone(), without_pull(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_pull).collect()),
        other => other.clone(),
    }
}

/// The parallel report agrees with one stream's, and its pull costs add up.
fn agrees_with_one_stream(input: &Path, what: &str) {
    let (v, timings) = inspect_timed(input, &["--depth", "1"]);
    if cores() > 1 {
        assert!(
            timings.contains("a layer decoded in"),
            "{what}: the large layer should be decoded on {} cores: {timings}",
            cores()
        );
    }
    let (one, timings) = inspect_timed(input, &["--depth", "1", "--verify"]);
    assert!(!timings.contains("a layer decoded in"), "{timings}");
    assert_eq!(without_pull(&v), without_pull(&one), "{what}");

    // Pull costs: random files cost about their size, and the first layer's paths
    // and hidden bytes add up to its blob, but for framing.
    let blob = v["layers"][0]["compressed_bytes"].as_u64().unwrap();
    let paths = paths_pull(&v);
    let second = v["layers"][1]["compressed_bytes"].as_u64().unwrap();
    let hidden = finding(&v, "layer-churn").unwrap()["compressed_bytes"]
        .as_u64()
        .unwrap();
    assert_eq!(v["paths_remainder"]["count"], 0);
    let shipped = paths + hidden;
    assert!(
        shipped <= blob + second && blob + second - shipped < 64 << 10,
        "{what}: {paths} + {hidden} of {blob} + {second}"
    );
    let map = largest_file(&v, "/app/dist/main.js.map").unwrap()["compressed_bytes"]
        .as_u64()
        .unwrap();
    assert!(
        map > 950_000 && map < 1_100_000,
        "{what}: the map costs {map}"
    );
}

#[test]
fn one_large_estargz_layer_is_decoded_on_every_core() {
    let dir = tempfile::tempdir().unwrap();
    let out = layout(dir.path(), "estargz", Compression::Estargz);
    agrees_with_one_stream(&out, "eStargz");
    // The same layers in an OCI archive (a section of a larger file).
    let archive = dir.path().join("estargz.tar");
    synth::write(
        &[image(Compression::Estargz)],
        Format::OciArchive { dot_prefix: false },
        &archive,
    )
    .unwrap();
    agrees_with_one_stream(&archive, "eStargz in an OCI archive");
    // And the same files as plain gzip: the same figures (but eStargz's diff_ids,
    // whose tars hold the TOC).
    let gzip = layout(dir.path(), "gzip", Compression::Gzip);
    let mut a = figures(&inspect_json(&out, &[]));
    let b = figures(&inspect_json(&gzip, &[]));
    for (i, l) in a["layers"].as_array_mut().unwrap().iter_mut().enumerate() {
        l["diff_id"] = b["layers"][i]["diff_id"].clone();
    }
    assert_eq!(a, b);
}

#[test]
#[ignore = "needs skopeo (.ci/run installs it; run with --include-ignored)"]
fn one_large_zstd_chunked_layer_is_decoded_on_every_core() {
    require(&["skopeo"]);
    let dir = tempfile::tempdir().unwrap();
    let gzip = layout(dir.path(), "gzip", Compression::Gzip);
    let chunked = dir.path().join("zstd-chunked");
    let o = Command::new("skopeo")
        .args(["copy", "-q", "--dest-compress-format", "zstd:chunked"])
        .arg(format!("oci:{}", gzip.display()))
        .arg(format!("oci:{}", chunked.display()))
        .output()
        .unwrap();
    assert!(o.status.success(), "skopeo: {}", stderr(&o));
    agrees_with_one_stream(&chunked, "zstd:chunked");
}

/// The largest blob of an OCI layout written for `image`: its large layer.
fn largest_blob(layout: &Path) -> PathBuf {
    let mut blobs: Vec<PathBuf> = std::fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    blobs.sort_by_key(|p| std::cmp::Reverse(p.metadata().unwrap().len()));
    blobs.remove(0)
}

#[test]
fn a_corrupt_member_is_told_as_one_stream_tells_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = layout(dir.path(), "estargz", Compression::Estargz);
    let blob = largest_blob(&out);
    let mut bytes = std::fs::read(&blob).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 256] {
        *b ^= 0x55;
    }
    std::fs::write(&blob, &bytes).unwrap();
    let p = out.to_str().unwrap();
    let o = run(&["inspect", p]);
    let line = assert_error(&o, &["corrupt gzip stream"]);
    let o = bin()
        .args(["inspect", p])
        .env("IMGSIZE_TIMINGS", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let timings = stderr(&o);
    if cores() > 1 {
        assert!(timings.contains("read again as one stream"), "{timings}");
    }
    assert!(
        timings.contains(line.trim_start_matches("imgsize: ")),
        "{timings}"
    );
}

#[test]
fn a_footer_that_points_elsewhere_is_not_believed() {
    let dir = tempfile::tempdir().unwrap();
    let out = layout(dir.path(), "estargz", Compression::Estargz);
    let honest = inspect_json(&out, &["--top", "50"]);
    let blob = largest_blob(&out);
    let mut bytes = std::fs::read(&blob).unwrap();
    let n = bytes.len();
    // The footer names the first member (a tar header, not the TOC), then a place
    // inside a member: the same length, so the descriptor still fits.
    for wrong in [0u64, 1000] {
        bytes[n - 51..].copy_from_slice(&synth::estargz_footer(wrong.max(1)));
        std::fs::write(&blob, &bytes).unwrap();
        let (v, timings) = inspect_timed(&out, &[]);
        assert!(!timings.contains("a layer decoded in"), "{timings}");
        assert_eq!(
            without_pull(&v),
            without_pull(&honest),
            "footer says {wrong}"
        );
    }
}
