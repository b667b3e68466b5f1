//! What `inspect` says about an image: figures, instructions, paths, hidden bytes.

use imgsize::synth::{self, Entry, Format, HistoryMode, Image, Layer};

use crate::*;

#[test]
fn real_image_figures() {
    // testdata/app.docker.tar, built by testdata/build.sh with buildah.
    let v = inspect_json(&testdata("app.docker.tar"), &[]);
    let img = &v["image"];
    assert_eq!(img["layer_count"], 6);
    assert_eq!(
        img["hidden_bytes"], 350_000,
        "the npm cache (300 kB) and left-pad (50 kB)"
    );
    assert_eq!(
        img["layer_bytes"].as_u64().unwrap(),
        img["final_bytes"].as_u64().unwrap() + img["hidden_bytes"].as_u64().unwrap()
    );
    assert_eq!(img["compressed_bytes"], Value::Null);
    assert_eq!(img["reference"], "docker.io/library/app:latest");
    let instr: Vec<&str> = v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["instruction"].as_str().unwrap())
        .collect();
    assert_eq!(instr[0], "ADD busybox-rootfs /");
    assert!(
        instr[1].starts_with("RUN mkdir -p /root/.npm/_cacache"),
        "{}",
        instr[1]
    );
    assert!(instr[3].starts_with("COPY dir:"), "{}", instr[3]);
    let hidden = v["hidden"].as_array().unwrap();
    assert_eq!(hidden[0]["added_by"], 1);
    assert_eq!(hidden[0]["hidden_by"], 4);
    assert_eq!(hidden[0]["bytes"], 300_000);
    assert_eq!(hidden[0]["examples"][0]["path"], "/root/.npm/_cacache/blob");
    assert_eq!(hidden[1]["hidden_by"], 5);
    assert_eq!(hidden[1]["bytes"], 50_000);
    // The layer 2 hardlink keeps big.bin's first 200 kB visible after layer 4
    // rewrote big.bin (overlayfs copy-up breaks the link).
    let files = v["largest_files"].as_array().unwrap();
    assert!(files
        .iter()
        .any(|f| f["path"] == "/app/big.link" && f["bytes"] == 200_000));
    // dive 0.13.1 on this file: efficiency 93.0851 %, wastedBytes 220000,
    // userWastedPercent 36.0640 % (`dive --ci --source docker-archive`).
    assert_eq!(
        v["dive"]["efficiency"].as_f64().unwrap(),
        0.9308511907252085
    );
    assert_eq!(v["dive"]["wasted_bytes"], 220_000);
    assert_eq!(
        v["dive"]["user_wasted_percent"].as_f64().unwrap(),
        0.3606397749607804
    );
    assert_eq!(v["schema_version"], 1);
}

#[test]
fn table_output_names_layers_paths_and_hidden_bytes() {
    let o = run(&["inspect", testdata("app.oci").to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = stdout(&o);
    for needle in [
        "6 layers",
        "350 kB hidden",
        "Pull size",
        "ADD busybox-rootfs /",
        "Largest paths (folders at depth 2)",
        "/bin/busybox",
        "Hidden bytes",
        "/root/.npm/_cacache/blob",
        "efficiency 93.1%",
        "1 MB = 1,000,000 bytes",
    ] {
        assert!(t.contains(needle), "table lacks '{needle}':\n{t}");
    }
    // Nothing on stderr when it is not a terminal: no progress bar in pipes.
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn paths_hold_every_visible_byte_and_the_remainder_row_says_how_many() {
    let v = inspect_json(&testdata("app.docker.tar"), &["--top", "2", "--depth", "1"]);
    let shown: u64 = v["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["bytes"].as_u64().unwrap())
        .sum();
    let rest = v["paths_remainder"]["bytes"].as_u64().unwrap();
    assert_eq!(shown + rest, v["image"]["final_bytes"].as_u64().unwrap());
    assert_eq!(v["paths"].as_array().unwrap().len(), 2);
    assert!(v["paths_remainder"]["count"].as_u64().unwrap() >= 1);
    assert_eq!(v["paths"][0]["path"], "/bin/");
    let t = stdout(&run(&[
        "inspect",
        testdata("app.docker.tar").to_str().unwrap(),
        "--top",
        "2",
    ]));
    assert!(
        t.contains("smaller paths (use --top N to show more)"),
        "{t}"
    );
}

fn write(dir: &std::path::Path, name: &str, img: Image) -> std::path::PathBuf {
    let out = dir.join(name);
    synth::write(&[img], Format::OciDir, &out).unwrap();
    out
}

#[test]
fn whiteouts_opaque_directories_and_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let img = Image::new(
        "t:1",
        vec![
            Layer::new(
                "ADD base /",
                vec![
                    Entry::dir("d"),
                    Entry::file("d/a", 1000),
                    Entry::file("d/b", 2000),
                    Entry::file("keep", 5),
                ],
            ),
            // The opaque marker comes after the new file in the tar: the new file stays.
            Layer::new(
                "RUN refill",
                vec![
                    Entry::dir("d"),
                    Entry::file("d/new", 300),
                    Entry::Opaque("d".into()),
                ],
            ),
            Layer::new("RUN overwrite", vec![Entry::file("keep", 7)]),
            Layer::new("RUN delete", vec![Entry::Whiteout("d".into())]),
        ],
    );
    let v = inspect_json(&write(dir.path(), "t", img), &[]);
    assert_eq!(v["image"]["layer_bytes"], 3312);
    assert_eq!(v["image"]["final_bytes"], 7);
    assert_eq!(v["image"]["hidden_bytes"], 3305);
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers[0]["hidden_bytes"], 3005);
    assert_eq!(layers[1]["hidden_bytes"], 300);
    assert_eq!(layers[1]["hides_bytes"], 3000);
    assert_eq!(layers[2]["hides_bytes"], 5);
    assert_eq!(layers[3]["hides_bytes"], 300);
}

#[test]
fn hardlinks_count_once() {
    let dir = tempfile::tempdir().unwrap();
    let img = Image::new(
        "t:1",
        vec![Layer::new(
            "ADD x /",
            vec![
                Entry::file("a", 4000),
                Entry::Hardlink {
                    path: "b".into(),
                    target: "a".into(),
                },
                Entry::Hardlink {
                    path: "c".into(),
                    target: "b".into(),
                },
            ],
        )],
    );
    let v = inspect_json(&write(dir.path(), "t", img), &[]);
    assert_eq!(v["image"]["layer_bytes"], 4000);
    assert_eq!(v["image"]["final_bytes"], 4000);
    assert_eq!(v["image"]["final_files"], 1);
}

#[test]
fn history_that_does_not_fit_gives_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let layers = vec![
        Layer::new("ADD a /", vec![Entry::file("a", 1)]),
        Layer::new("RUN b", vec![Entry::file("b", 1)]),
    ];
    for mode in [HistoryMode::Missing, HistoryMode::Mismatched] {
        let mut img = Image::new("t:1", layers.clone());
        img.history = mode;
        let v = inspect_json(&write(dir.path(), &format!("{mode:?}"), img), &[]);
        for l in v["layers"].as_array().unwrap() {
            assert_eq!(l["instruction"], "unknown", "{mode:?}");
        }
    }
    let v = inspect_json(&write(dir.path(), "normal", Image::new("t:1", layers)), &[]);
    assert_eq!(v["layers"][1]["instruction"], "RUN b");
}

#[test]
fn odd_but_valid_entries() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!(
        "{}/end.txt",
        "d".repeat(200)
            .chars()
            .collect::<Vec<_>>()
            .chunks(50)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("/")
    );
    let deep: String = (0..400).map(|i| format!("p{i:03}/")).collect::<String>() + "f";
    assert!(deep.len() >= 2000);
    let img = Image::new(
        "t:1",
        vec![Layer::new(
            "ADD x /",
            vec![
                Entry::CharDevice("dev/null".into()),
                Entry::Symlink {
                    path: "link".into(),
                    target: "/nowhere".into(),
                },
                Entry::file(&long, 10),
                Entry::file(&deep, 20),
                Entry::file("empty", 0),
                Entry::text("caf\u{e9}.txt", "x"),
            ],
        )],
    );
    let v = inspect_json(&write(dir.path(), "t", img), &["--top", "50"]);
    assert_eq!(v["image"]["final_bytes"], 31);
    let files: Vec<String> = v["largest_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert!(files.contains(&format!("/{deep}")));
    assert!(files.contains(&"/caf\u{e9}.txt".to_string()));
}
