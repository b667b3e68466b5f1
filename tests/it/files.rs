//! `imgsize files`, `inspect --files`, completions and the man page.

use std::collections::HashMap;

use imgsize::synth::{self, Entry, Format, Image, Layer};
use serde_json::Value;

use crate::*;

fn image(dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.join("img.tar");
    let img = Image::new(
        "t:1",
        vec![
            Layer::new(
                "ADD rootfs /",
                vec![
                    Entry::file("etc/os-release", 100),
                    Entry::file("app/node_modules/a/index.js", 2_000),
                    Entry::file("app/node_modules/a/lib.js", 3_000),
                    Entry::file("tab\there/new\nline", 7),
                ],
            ),
            Layer::new(
                "RUN rm -rf /app/node_modules && touch /etc/os-release",
                vec![
                    Entry::Whiteout("app/node_modules".into()),
                    Entry::file("etc/os-release", 120),
                    Entry::file("app/dist/main.js", 500),
                ],
            ),
        ],
    );
    synth::write(&[img], Format::DockerClassic, &out).unwrap();
    out
}

#[test]
fn the_final_filesystem_one_line_per_path() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let p = img.to_str().unwrap();
    let o = run(&["files", p]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: HashMap<String, Vec<String>> = stdout(&o)
        .lines()
        .map(|l| {
            let cols: Vec<String> = l.split('\t').map(str::to_string).collect();
            assert_eq!(cols.len(), 4, "{l}");
            (cols[0].clone(), cols[1..].to_vec())
        })
        .collect();
    assert_eq!(rows["/etc/os-release"], ["120", "1", "file"]);
    assert_eq!(rows["/app/dist/main.js"], ["500", "1", "file"]);
    // A folder: its total, and the layer that made it (a parent of layer 0's files).
    assert_eq!(rows["/app"], ["500", "0", "dir"], "a folder's total");
    assert!(
        !rows.keys().any(|k| k.contains("node_modules")),
        "deleted paths are gone"
    );
    // Control characters never break a line or a column.
    assert!(
        rows.contains_key("/tab\\there/new\\nline"),
        "{:?}",
        rows.keys()
    );
    // The files' bytes add up to what inspect calls visible.
    let total: u64 = rows
        .values()
        .filter(|c| c[2] == "file")
        .map(|c| c[0].parse::<u64>().unwrap())
        .sum();
    assert_eq!(
        json_of(&run(&["inspect", "--format", "json", p]))["image"]["final_bytes"],
        total
    );
    // JSON lines: the same rows.
    let o = run(&["files", "--format", "json", p]);
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), rows.len());
    assert!(lines
        .iter()
        .any(|v| v["path"] == "/etc/os-release" && v["bytes"] == 120 && v["layer"] == 1));
}

#[test]
fn what_each_layer_changed() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let p = img.to_str().unwrap();
    let o = run(&["files", "--layer", "1", p]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows,
        [
            "/app/node_modules\tdeleted\t5000\tdir",
            "/etc/os-release\tmodified\t120\tfile",
            "/app/dist/main.js\tadded\t500\tfile",
        ]
    );
    // inspect --files gives the same changes in the JSON report.
    let v = json_of(&run(&["inspect", "--format", "json", "--files", p]));
    let changes = v["layers"][1]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 3);
    assert_eq!(changes[0]["change"], "deleted");
    assert_eq!(changes[0]["bytes"], 5000);
    // Without --files there are none; a layer that does not exist is one line.
    let v = json_of(&run(&["inspect", "--format", "json", p]));
    assert!(v["layers"][1].get("changes").is_none());
    assert_error(
        &run(&["files", "--layer", "2", p]),
        &["--layer", "2 layers"],
    );
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = run(&["completions", shell]);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let text = stdout(&o);
        assert!(
            text.contains("inspect") && text.contains("manifest-only"),
            "{shell}"
        );
    }
    let o = run(&["man"]);
    let page = stdout(&o);
    assert!(
        page.starts_with(".ie") || page.contains(".TH imgsize 1"),
        "{page}"
    );
    assert!(page.contains("completions"));
}
