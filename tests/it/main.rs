//! Integration tests: the real `imgsize` binary on real images (testdata/, built with
//! buildah and skopeo) and on images generated with `imgsize::synth`.

mod architecture;
mod check;
mod content;
mod crafted;
mod debian;
mod diff;
mod dive;
mod docs;
mod engine;
mod errors;
mod explore;
mod files;
mod findings;
mod first_hour;
mod formats;
mod hostile;
mod html;
mod inspect;
mod java;
mod layouts;
mod node;
mod overlap;
mod packages;
mod parallel;
mod programs;
mod pull;
mod registry;
mod regression;
mod rust_programs;
mod services;
mod snapshots;
mod storage;
mod tar_diff;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The binary under test; `IMGSIZE_TEST_BIN` names another (an older build, to
/// see a regression test fail on the code before its fix).
pub fn bin() -> Command {
    match std::env::var_os("IMGSIZE_TEST_BIN") {
        Some(other) => Command::new(other),
        None => Command::new(env!("CARGO_BIN_EXE_imgsize")),
    }
}

pub fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name)
}

pub fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run imgsize")
}

/// Runs with the bytes of `stdin_file` written into a pipe on standard input, as
/// `docker save app | imgsize inspect -` does: the input is read as a stream.
pub fn run_stdin(args: &[&str], stdin_file: &Path) -> Output {
    let data = std::fs::read(stdin_file).expect("read stdin file");
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run imgsize");
    let mut pipe = child.stdin.take().expect("stdin pipe");
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        // imgsize may stop reading early (bad input): a broken pipe is expected then.
        let _ = pipe.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait for imgsize");
    writer.join().expect("stdin writer");
    out
}

/// Runs with `stdin_file` redirected to standard input (`imgsize inspect - < file`):
/// a file, which imgsize reads by seeking.
pub fn run_stdin_redirect(args: &[&str], stdin_file: &Path) -> Output {
    let file = std::fs::File::open(stdin_file).expect("open stdin file");
    bin()
        .args(args)
        .stdin(Stdio::from(file))
        .output()
        .expect("run imgsize")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Asserts success and parses stdout as JSON.
pub fn json_of(o: &Output) -> Value {
    assert!(o.status.success(), "imgsize failed: {}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("valid JSON on stdout")
}

/// `imgsize inspect --format json INPUT [extra...]`.
/// `imgsize packages --ecosystem ECOSYSTEM`'s packages, as JSON.
pub fn packages_of(input: &Path, ecosystem: &str) -> Vec<Value> {
    let p = input.to_str().unwrap();
    let v = json_of(&run(&[
        "packages",
        "--format",
        "json",
        "--ecosystem",
        ecosystem,
        p,
    ]));
    v["packages"].as_array().unwrap().clone()
}

pub fn inspect_json(input: &Path, extra: &[&str]) -> Value {
    let p = input.to_str().expect("utf-8 path");
    let mut args = vec!["inspect", "--format", "json", p];
    args.extend_from_slice(extra);
    json_of(&run(&args))
}

/// Asserts the run failed with exit code 2 and one line on stderr that contains
/// each of `needles`; returns that line.
pub fn assert_error(o: &Output, needles: &[&str]) -> String {
    let err = stderr(o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "expected exit 2, got {:?}; stderr: {err}",
        o.status.code()
    );
    assert!(
        o.stdout.is_empty(),
        "no partial report on stdout: {}",
        stdout(o)
    );
    // The phase marks of IMGSIZE_TIMINGS, where a test asked for them, aside.
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| !(l.contains(" ms  ") && l.contains(" peak ")))
        .collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr, got: {err}");
    let line = lines[0];
    assert!(!line.contains("internal error"), "a panic: {err}");
    assert!(line.starts_with("imgsize: "), "{err}");
    for n in needles {
        assert!(line.contains(n), "stderr should mention '{n}': {err}");
    }
    line.to_string()
}

/// The finding of `category` in an inspect report, if there is one.
pub fn finding<'a>(v: &'a Value, category: &str) -> Option<&'a Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["category"] == category)
}

/// `path` among an inspect report's largest files, if it is there.
pub fn largest_file<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    v["largest_files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
}

/// The pull costs of an inspect report's largest paths, added up.
pub fn paths_pull(v: &Value) -> u64 {
    v["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["compressed_bytes"].as_u64().unwrap())
        .sum()
}

/// The figures that must agree whatever the input format (pull costs depend on the
/// compression, so they are left out).
pub fn figures(v: &Value) -> Value {
    let mut paths = v["paths"].clone();
    for p in paths.as_array_mut().into_iter().flatten() {
        if let Some(m) = p.as_object_mut() {
            m.remove("compressed_bytes");
        }
    }
    let layers: Vec<Value> = v["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| {
            serde_json::json!({
                "bytes": l["bytes"], "files": l["files"], "hidden_bytes": l["hidden_bytes"],
                "diff_id": l["diff_id"], "instruction": l["instruction"],
            })
        })
        .collect();
    serde_json::json!({
        "layer_count": v["image"]["layer_count"],
        "layer_bytes": v["image"]["layer_bytes"],
        "final_bytes": v["image"]["final_bytes"],
        "hidden_bytes": v["image"]["hidden_bytes"],
        "final_files": v["image"]["final_files"],
        "layers": layers,
        "paths": paths,
        "dive": v["dive"],
    })
}

/// Images a build script in testdata/ wrote into a temporary folder, kept for the
/// whole test run.
pub struct Built {
    _dir: tempfile::TempDir,
    pub out: PathBuf,
}

/// Runs `testdata/<script> OUT` (OUT = a temporary folder's `name`), asserting it
/// succeeds; `needs` says what the script needs when it does not.
pub fn build_testdata(script: &str, name: &str, needs: &str) -> Built {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(name);
    let o = Command::new(testdata(script))
        .arg(&out)
        .output()
        .expect("run the build script");
    assert!(
        o.status.success(),
        "testdata/{script} failed{needs}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Built { _dir: dir, out }
}

/// The final filesystem of the OCI layout's `latest` image as umoci extracts it
/// into `into`; returns its root.
pub fn unpack(layout: &Path, into: &Path) -> PathBuf {
    let o = Command::new("umoci")
        .args([
            "unpack",
            "--image",
            &format!("{}:latest", layout.display()),
            into.to_str().unwrap(),
        ])
        .output()
        .expect("umoci");
    assert!(
        o.status.success(),
        "umoci unpack: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    into.join("rootfs")
}
