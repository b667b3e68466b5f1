//! `imgsize diff A B`: deltas are the difference of each side's own figures.

use imgsize::synth::{self, Compression, Entry, Format, Image, Layer};
use serde_json::Value;

use crate::*;

fn base() -> Layer {
    Layer::new("ADD rootfs /", vec![Entry::random("bin/node", 400_000, 9)])
}

const LOCK: &str = r#"{"lockfileVersion":3,"packages":{"node_modules/ms":{"version":"2.1.3"},"node_modules/typescript":{"version":"5.6.3","dev":true}}}"#;
const LOCK_PRUNED: &str =
    r#"{"lockfileVersion":3,"packages":{"node_modules/ms":{"version":"2.1.3"}}}"#;

fn single() -> Image {
    Image::new(
        "app:single",
        vec![
            base(),
            Layer::new(
                "RUN /bin/sh -c npm install # buildkit",
                vec![
                    Entry::text(
                        "app/package.json",
                        r#"{"devDependencies":{"typescript":"5"}}"#,
                    ),
                    Entry::text("app/node_modules/.package-lock.json", LOCK),
                    Entry::file("app/node_modules/ms/index.js", 3_000),
                    Entry::file("app/node_modules/typescript/lib/tsc.js", 300_000),
                    Entry::file("root/.npm/_cacache/content-v2/x", 80_000),
                ],
            ),
            Layer::new(
                "RUN /bin/sh -c npx tsc # buildkit",
                vec![
                    Entry::file("app/dist/index.js", 2_000),
                    Entry::file("app/dist/index.js.map", 3_000),
                ],
            ),
        ],
    )
}

fn multi() -> Image {
    Image::new(
        "app:multi",
        vec![
            base(),
            Layer::new(
                "COPY /app/node_modules ./node_modules # buildkit",
                vec![
                    Entry::text("app/node_modules/.package-lock.json", LOCK_PRUNED),
                    Entry::file("app/node_modules/ms/index.js", 3_000),
                ],
            ),
            Layer::new(
                "COPY /app/dist ./dist # buildkit",
                vec![Entry::file("app/dist/index.js", 2_500)],
            ),
        ],
    )
}

struct Pair {
    _dir: tempfile::TempDir,
    a: std::path::PathBuf,
    b: std::path::PathBuf,
}

fn pair() -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("single.tar");
    let b = dir.path().join("multi");
    synth::write(&[single()], Format::DockerClassic, &a).unwrap();
    synth::write(&[multi().compressed(Compression::Gzip)], Format::OciDir, &b).unwrap();
    Pair { _dir: dir, a, b }
}

fn diff_json(a: &std::path::Path, b: &std::path::Path, extra: &[&str]) -> (Value, Option<i32>) {
    let mut args = vec![
        "diff",
        "--format",
        "json",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    let code = o.status.code();
    assert!(code == Some(0) || code == Some(1), "{}", stderr(&o));
    (serde_json::from_slice(&o.stdout).expect("JSON"), code)
}

fn category_sum(inspect: &Value, c: &str) -> i128 {
    inspect["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["category"] == c)
        .map(|f| f["bytes"].as_u64().unwrap() as i128)
        .sum()
}

#[test]
fn deltas_are_the_difference_of_each_sides_figures() {
    let p = pair();
    let (d, code) = diff_json(&p.a, &p.b, &[]);
    assert_eq!(code, Some(0));
    let (ia, ib) = (inspect_json(&p.a, &[]), inspect_json(&p.b, &[]));
    assert_eq!(d["a"], ia["image"]);
    assert_eq!(d["b"], ib["image"]);
    for key in [
        "layer_count",
        "layer_bytes",
        "final_bytes",
        "hidden_bytes",
        "final_files",
        "flagged_bytes",
    ] {
        let want = ib["image"][key].as_i64().unwrap() - ia["image"][key].as_i64().unwrap();
        assert_eq!(d["delta"][key].as_i64().unwrap(), want, "{key}");
    }
    // A is a classic archive (uncompressed): no pull size to compare.
    assert_eq!(d["delta"]["compressed_bytes"], Value::Null);
    for c in d["categories"].as_array().unwrap() {
        let name = c["category"].as_str().unwrap();
        assert_eq!(
            c["a_bytes"].as_i64().unwrap() as i128,
            category_sum(&ia, name),
            "{name} on A"
        );
        assert_eq!(
            c["b_bytes"].as_i64().unwrap() as i128,
            category_sum(&ib, name),
            "{name} on B"
        );
        assert_eq!(
            c["delta_bytes"].as_i64().unwrap() as i128,
            category_sum(&ib, name) - category_sum(&ia, name)
        );
    }
    let cat = |name: &str| {
        d["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["category"] == name)
            .unwrap()["delta_bytes"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(cat("dev-dependencies"), -300_000);
    assert_eq!(cat("npm-cache"), -80_000);
    assert_eq!(cat("typescript"), -300_000);
    assert_eq!(cat("source-maps"), -3_000);
    // The base layer is shared; the rest differ.
    assert_eq!(d["layers"]["shared"].as_array().unwrap().len(), 1);
    assert_eq!(d["layers"]["shared"][0]["instruction"], "ADD rootfs /");
    assert_eq!(d["layers"]["only_a"].as_array().unwrap().len(), 2);
    assert_eq!(d["layers"]["only_b"].as_array().unwrap().len(), 2);
    let changes: Vec<(String, String)> = d["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["change"].as_str().unwrap().to_string(),
                p["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(changes.contains(&(
        "removed".into(),
        "/app/node_modules/typescript/lib/tsc.js".into()
    )));
    assert!(changes.contains(&("grown".into(), "/app/dist/index.js".into())));
    assert!(changes.contains(&("removed".into(), "/root/.npm/_cacache/content-v2/x".into())));
    let folders: Vec<&str> = d["folders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(folders[0], "/app/node_modules/");
}

#[test]
fn fail_if_larger_on_both_sides_of_the_limit() {
    let p = pair();
    // From multi (B of the pair) to single: B grew.
    let growth = {
        let (d, _) = diff_json(&p.b, &p.a, &[]);
        d["delta"]["layer_bytes"].as_i64().unwrap()
    };
    assert!(growth > 0);
    let (d, code) = diff_json(
        &p.b,
        &p.a,
        &["--fail-if-larger", &format!("{}", growth - 1)],
    );
    assert_eq!(code, Some(1));
    assert_eq!(d["fail_if_larger"]["exceeded"], true);
    let (_, code) = diff_json(&p.b, &p.a, &["--fail-if-larger", &format!("{growth}")]);
    assert_eq!(code, Some(0), "growth equal to the limit passes");
    let (_, code) = diff_json(&p.b, &p.a, &["--fail-if-larger", "1000%"]);
    assert_eq!(code, Some(0));
    let (_, code) = diff_json(&p.b, &p.a, &["--fail-if-larger", "1%"]);
    assert_eq!(code, Some(1));
    // Shrinking never fails.
    let (_, code) = diff_json(&p.a, &p.b, &["--fail-if-larger", "0B"]);
    assert_eq!(code, Some(0));
    let o = run(&[
        "diff",
        p.a.to_str().unwrap(),
        p.b.to_str().unwrap(),
        "--fail-if-larger",
        "lots",
    ]);
    assert_error(&o, &["--fail-if-larger", "lots"]);
    let table = stdout(&run(&[
        "diff",
        p.b.to_str().unwrap(),
        p.a.to_str().unwrap(),
        "--fail-if-larger",
        "1%",
    ]));
    assert!(table.contains("FAIL: B is"), "{table}");
}

#[test]
fn markdown_for_a_pull_request() {
    let p = pair();
    let o = run(&[
        "diff",
        "--format",
        "markdown",
        p.a.to_str().unwrap(),
        p.b.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(
        md.starts_with("### imgsize: `app:single` → `app:multi`"),
        "{md}"
    );
    assert!(md.contains("| Size (layer bytes) |"), "{md}");
    assert!(
        md.contains("| dev-dependencies | 300 kB | 0 B | -300 kB |"),
        "{md}"
    );
    assert!(
        md.contains("Layers: 1 shared, 2 only in A, 2 only in B."),
        "{md}"
    );
}

#[test]
fn an_unreadable_side_is_an_error() {
    let p = pair();
    let o = run(&["diff", p.a.to_str().unwrap(), "/nonexistent/image.tar"]);
    assert_error(&o, &["/nonexistent/image.tar"]);
}
