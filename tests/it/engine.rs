//! Images read from a real engine: Podman's Docker-compatible API service on a
//! private socket, images put in with `podman load`. Every figure must equal the
//! file route's. Needs podman (`.ci/run` installs it); run with `--include-ignored`.

use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::services::Podman;
use crate::*;

/// imgsize with an environment of its own: no engine or credentials from the
/// machine, only what the test sets.
pub fn isolated(home: &std::path::Path) -> Command {
    let mut c = bin();
    for v in [
        "DOCKER_HOST",
        "DOCKER_CONTEXT",
        "DOCKER_CONFIG",
        "CONTAINER_HOST",
        "REGISTRY_AUTH_FILE",
        "XDG_RUNTIME_DIR",
    ] {
        c.env_remove(v);
    }
    c.env("HOME", home).stdin(Stdio::null());
    c
}

pub fn output(mut c: Command) -> Output {
    c.output().expect("run imgsize")
}

/// The report with what names the source left out: the input as typed, the
/// reference, the input kind and the source line. Everything else must agree.
pub fn without_source(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in [
                    "input",
                    "a_input",
                    "b_input",
                    "reference",
                    "input_kind",
                    "source",
                ] {
                    m.remove(k);
                }
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

/// `inspect`, `diff` (against the file) and `check` as JSON for `input`.
pub fn three_reports(env: impl Fn() -> Command, input: &str, file: &str) -> Vec<Value> {
    three_reports_with(env, input, file, &[])
}

/// [`three_reports`] with more arguments for each command (`--platform`).
pub fn three_reports_with(
    env: impl Fn() -> Command,
    input: &str,
    file: &str,
    extra: &[&str],
) -> Vec<Value> {
    let runs: [Vec<&str>; 3] = [
        vec!["inspect", "--format", "json", input],
        vec!["diff", "--format", "json", file, input],
        vec![
            "check",
            "--format",
            "json",
            "--max-size",
            "10MB",
            "--max-hidden",
            "20%",
            input,
        ],
    ];
    runs.iter()
        .map(|args| {
            let mut c = env();
            c.args(args).args(extra);
            let o = output(c);
            assert!(
                o.status.code() == Some(0) || o.status.code() == Some(1),
                "{args:?}: {}",
                stderr(&o)
            );
            without_source(serde_json::from_slice(&o.stdout).expect("JSON"))
        })
        .collect()
}

#[test]
#[ignore = "needs podman (.ci/run installs it)"]
fn engine_figures_equal_the_file_figures() {
    let podman = Podman::start();
    let home = tempfile::tempdir().unwrap();
    let file = testdata("app.docker.tar");
    let file = file.to_str().unwrap();
    assert!(podman
        .load(&testdata("app.docker.tar"))
        .contains("app:latest"));
    let plain = || isolated(home.path());
    let want = three_reports(plain, file, file);
    let via_docker_host = || {
        let mut c = isolated(home.path());
        c.env("DOCKER_HOST", podman.host());
        c
    };
    for input in [
        "app:latest",
        "docker-daemon:app:latest",
        "docker.io/library/app",
    ] {
        assert_eq!(
            three_reports(via_docker_host, input, file),
            want,
            "{input} from the engine"
        );
    }
    let via_container_host = || {
        let mut c = isolated(home.path());
        c.env("CONTAINER_HOST", podman.host());
        c
    };
    assert_eq!(
        three_reports(via_container_host, "podman:app:latest", file),
        want,
        "podman: from CONTAINER_HOST"
    );

    // The summary line and the JSON say where the image came from.
    let mut c = via_docker_host();
    c.args(["inspect", "app:latest"]);
    let o = output(c);
    let first = stdout(&o).lines().next().unwrap_or("").to_string();
    assert!(
        first.contains(&format!("from the engine at {}", podman.host())),
        "{first}"
    );
    let mut c = via_docker_host();
    c.args(["inspect", "--format", "json", "app:latest"]);
    let v = json_of(&output(c));
    assert_eq!(v["image"]["source"]["transport"], "engine");
    assert_eq!(v["image"]["source"]["location"], podman.host());
    // No progress bar when stderr is not a terminal.
    let mut c = via_docker_host();
    c.args(["inspect", "app:latest"]);
    assert!(output(c).stderr.is_empty());
}

#[test]
#[ignore = "needs podman (.ci/run installs it)"]
fn engine_faults_are_one_line() {
    let podman = Podman::start();
    let home = tempfile::tempdir().unwrap();
    podman.load(&testdata("app.docker.tar"));
    let with_host = |host: &str, args: &[&str]| {
        let mut c = isolated(home.path());
        c.env("DOCKER_HOST", host).args(args);
        output(c)
    };
    let host = podman.host();
    // Not in the engine.
    let o = with_host(&host, &["inspect", "--source", "engine", "nosuch:1"]);
    assert_error(&o, &["nosuch:1", "no such image in the engine", &host]);
    let o = with_host(&host, &["inspect", "docker-daemon:nosuch:1"]);
    assert_error(&o, &["no such image in the engine"]);
    // A platform the engine's image is not for.
    let o = with_host(
        &host,
        &["inspect", "--platform", "linux/s390x", "app:latest"],
    );
    assert_error(&o, &["linux/amd64, not linux/s390x"]);
    // Nothing listening: a socket that does not exist, then a stopped engine.
    let o = with_host(
        "unix:///nonexistent/docker.sock",
        &["inspect", "--source", "engine", "app:latest"],
    );
    assert_error(
        &o,
        &["no engine answers", "unix:///nonexistent/docker.sock"],
    );
    let sock = podman.socket();
    let _storage = podman.stop();
    let o = with_host(
        &format!("unix://{}", sock.display()),
        &["inspect", "docker-daemon:app:latest"],
    );
    assert_error(&o, &["no engine answers"]);
    // An address imgsize cannot use.
    let o = with_host("ssh://user@host", &["inspect", "--source", "engine", "app"]);
    assert_error(&o, &["DOCKER_HOST", "not supported"]);
}
