//! `--content`: duplicate files by hash, and layers that write files again with the
//! same bytes (`RUN chown -R` after `COPY`), on generated images whose every byte
//! the test knows, in each layer encoding (uncompressed docker-archive, gzip and
//! zstd OCI, a stream on stdin).

use imgsize::synth::{self, Compression, Entry, Format, Image, Layer};
use serde_json::Value;

use crate::*;

/// Layer 0 copies the app; layer 1 (`second`) writes three of its files again:
/// two with the same bytes, one with the same size and other bytes.
fn image(second: &str) -> Image {
    Image::new(
        "content:1",
        vec![
            Layer::new(
                "COPY . /app",
                vec![
                    Entry::dir("app"),
                    Entry::random("app/a.js", 10_000, 1),
                    Entry::random("app/b.js", 5_000, 2),
                    Entry::random("app/same-size.js", 3_000, 3),
                    Entry::dir("app/vendor"),
                    Entry::random("app/vendor/a.js", 10_000, 1),
                    // A hardlink shares its target's content: not a duplicate.
                    Entry::Hardlink {
                        path: "app/vendor/a.link".into(),
                        target: "app/vendor/a.js".into(),
                    },
                    Entry::file("app/empty-1", 0),
                    Entry::file("app/empty-2", 0),
                ],
            ),
            Layer::new(
                second,
                vec![
                    Entry::random("app/a.js", 10_000, 1),
                    Entry::random("app/b.js", 5_000, 2),
                    Entry::random("app/same-size.js", 3_000, 4),
                ],
            ),
        ],
    )
}

fn bytes(v: &Value, category: &str) -> u64 {
    finding(v, category).map_or(0, |f| f["bytes"].as_u64().unwrap())
}

fn write(img: &Image, dir: &std::path::Path, name: &str, format: Format) -> std::path::PathBuf {
    let out = dir.join(name);
    synth::write(std::slice::from_ref(img), format, &out).unwrap();
    out
}

#[test]
fn chown_after_copy_is_flagged_by_size_and_proven_by_hash() {
    let dir = tempfile::tempdir().unwrap();
    let tar = write(
        &image("RUN chown -R node:node /app"),
        dir.path(),
        "chown.tar",
        Format::DockerClassic,
    );
    // Without --content: every same-path, same-size rewrite of the chown layer.
    let v = inspect_json(&tar, &[]);
    assert_eq!(bytes(&v, "reshipped-unchanged"), 18_000);
    assert_eq!(bytes(&v, "layer-churn"), 0);
    let f = finding(&v, "reshipped-unchanged").unwrap();
    assert_eq!(f["files"], 3);
    assert_eq!(f["layers"][0]["index"], 0);
    assert_eq!(f["instruction"], "RUN chown -R node:node /app");
    assert!(f["summary"].as_str().unwrap().contains("--content checks"));
    assert!(f["fix"]
        .as_str()
        .unwrap()
        .contains("COPY --chown=node:node"));
    assert!(v["image"]["duplicate_bytes"].is_null());
    assert!(v["duplicates"].is_null());

    // With it: the file with other bytes is plain churn, the rest exact.
    let v = inspect_json(&tar, &["--content"]);
    assert_eq!(bytes(&v, "reshipped-unchanged"), 15_000);
    assert_eq!(bytes(&v, "layer-churn"), 3_000);
    let f = finding(&v, "reshipped-unchanged").unwrap();
    assert!(f["summary"].as_str().unwrap().contains("byte for byte"));
    let churn = finding(&v, "layer-churn").unwrap();
    assert_eq!(churn["paths"][0]["path"], "/app/same-size.js");
    // Hidden bytes are the same figure either way.
    assert_eq!(v["image"]["hidden_bytes"], 18_000);
}

#[test]
fn without_content_only_an_owner_or_mode_change_is_called_a_rewrite() {
    let dir = tempfile::tempdir().unwrap();
    let tar = write(
        &image("RUN npm run build"),
        dir.path(),
        "build.tar",
        Format::DockerClassic,
    );
    let v = inspect_json(&tar, &[]);
    assert_eq!(bytes(&v, "reshipped-unchanged"), 0);
    assert_eq!(bytes(&v, "layer-churn"), 18_000);
    let v = inspect_json(&tar, &["--content"]);
    assert_eq!(bytes(&v, "reshipped-unchanged"), 15_000);
    assert_eq!(bytes(&v, "layer-churn"), 3_000);
    let f = finding(&v, "reshipped-unchanged").unwrap();
    assert!(
        f["fix"].as_str().unwrap().contains("already has"),
        "{}",
        f["fix"]
    );
}

/// The expected duplicate groups: a.js (rewritten, same bytes) and vendor/a.js
/// (whose hardlink does not count again); empty files are not duplicates.
fn check_duplicates(v: &Value, source: &str) {
    assert_eq!(v["image"]["duplicate_bytes"], 10_000, "{source}");
    let groups = v["duplicates"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{source}: {groups:?}");
    let g = &groups[0];
    assert_eq!(g["size"], 10_000);
    assert_eq!(g["bytes"], 10_000);
    assert_eq!(g["hash"].as_str().unwrap().len(), 32);
    let paths: Vec<&str> = g["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 2);
    assert_eq!(paths[0], "/app/a.js", "{source}");
    assert!(
        paths[1].starts_with("/app/vendor/a."),
        "{source}: {paths:?}"
    );
}

#[test]
fn duplicates_agree_across_encodings_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let img = image("RUN chown -R node:node /app");
    let plain = write(&img, dir.path(), "plain.tar", Format::DockerClassic);
    let gzip = write(
        &img.clone().compressed(Compression::Gzip),
        dir.path(),
        "gzip",
        Format::OciDir,
    );
    let zstd = write(
        &img.clone().compressed(Compression::Zstd),
        dir.path(),
        "zstd.tar",
        Format::OciArchive { dot_prefix: false },
    );
    let mut first: Option<Value> = None;
    for (name, path) in [("plain", &plain), ("gzip", &gzip), ("zstd", &zstd)] {
        let v = inspect_json(path, &["--content"]);
        check_duplicates(&v, name);
        // Pull costs depend on the encoding; the rest must not.
        let mut findings = v["findings"].clone();
        for f in findings.as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("compressed_bytes");
        }
        let key = (v["duplicates"].clone(), findings);
        match &first {
            None => first = Some(serde_json::json!([key.0, key.1])),
            Some(f) => assert_eq!(f, &serde_json::json!([key.0, key.1]), "{name}"),
        }
    }
    let o = run_stdin(&["inspect", "-", "--content", "--format", "json"], &plain);
    assert!(o.status.success(), "{}", stderr(&o));
    check_duplicates(&json_of(&o), "stdin");

    // The table names them.
    let o = run(&["inspect", plain.to_str().unwrap(), "--content"]);
    let text = stdout(&o);
    assert!(
        text.contains("Duplicate content: 1 redundant copy; keeping one of each saves 10.0 kB"),
        "{text}"
    );
}
