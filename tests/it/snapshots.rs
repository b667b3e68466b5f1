//! Every report format, as the binary writes it for the example image, held in
//! snapshots (`tests/it/snapshots/`): a change to any output shows up as a diff to
//! review (`cargo insta review`, or `INSTA_UPDATE=always` to rewrite them).

use std::process::Stdio;

use crate::*;

/// Runs imgsize from the project root with relative paths, so the report's `input`
/// is the same on every machine.
fn out(args: &[&str]) -> String {
    let o = bin()
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run imgsize");
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "{args:?}: {}",
        stderr(&o)
    );
    stdout(&o)
}

const A: &str = "testdata/app.docker.tar";
const B: &str = "testdata/app.oci";

#[test]
fn inspect_table() {
    insta::assert_snapshot!(out(&["inspect", A]));
}

#[test]
fn inspect_json() {
    insta::assert_snapshot!(out(&["inspect", "--format", "json", B]));
}

#[test]
fn inspect_manifest_only() {
    insta::assert_snapshot!(out(&["inspect", "--manifest-only", B]));
    insta::assert_snapshot!(out(&["inspect", "--manifest-only", "--format", "json", B]));
}

#[test]
fn diff_formats() {
    for f in ["table", "json", "markdown"] {
        insta::assert_snapshot!(format!("diff_{f}"), out(&["diff", "--format", f, A, B]));
    }
}

#[test]
fn check_formats() {
    let rules = [
        "--max-size",
        "2MB",
        "--max-hidden",
        "20%",
        "--max-category",
        "source-maps=10kB",
        "--min-efficiency",
        "0.9",
    ];
    for f in ["text", "json", "markdown", "junit"] {
        let mut args = vec!["check", "--format", f];
        args.extend_from_slice(&rules);
        args.push(B);
        insta::assert_snapshot!(format!("check_{f}"), out(&args));
    }
}
