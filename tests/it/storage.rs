//! Images read from an engine's own storage (tar-split and layer folders), not its
//! export: a real Docker Engine (`dockerd`, overlay2) and Podman's service, each
//! with private storage, holding the real Node.js images of tests/it/node.rs and the
//! example image. Every figure must equal the export's and the file's; what cannot
//! be read from storage falls back to the export with one line saying why; a
//! storage that changed underneath is an error naming the file, never a report.
//!
//! Needs root, dockerd, docker, podman and what tests/it/node.rs needs (`.ci/run`
//! installs them): run with `--include-ignored`.

use std::process::Command;

use serde_json::Value;

use crate::engine::{isolated, output, without_source};
use crate::services::{Dockerd, Podman};
use crate::*;

/// What may differ between two routes to the same image: the source fields
/// [`without_source`] drops, plus the kind of input (and the layers' digest and
/// media type, which an OCI layout names, but neither the engine's storage nor its
/// docker-archive export).
fn comparable(v: Value) -> Value {
    let mut v = without_source(v);
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in ["input_kind", "digest", "media_type", "a_kind", "b_kind"] {
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

/// `inspect`, `packages` and `check` of `input` as JSON, made comparable, from
/// imgsize run with `env`.
fn reports(env: &dyn Fn() -> Command, input: &str) -> Vec<Value> {
    let runs: [Vec<&str>; 3] = [
        vec!["inspect", "--format", "json", "--verify"],
        vec!["packages", "--format", "json"],
        vec!["check", "--format", "json", "--max-size", "10MB"],
    ];
    runs.iter()
        .map(|args| {
            let mut c = env();
            c.args(args).arg(input);
            let o = output(c);
            assert!(
                matches!(o.status.code(), Some(0 | 1)),
                "{args:?} {input}: {}",
                stderr(&o)
            );
            comparable(serde_json::from_slice(&o.stdout).expect("JSON"))
        })
        .collect()
}

/// The transport and kind imgsize says it read `input` through.
fn read_through(env: &dyn Fn() -> Command, input: &str) -> (String, String) {
    let mut c = env();
    c.args(["inspect", "--format", "json", input]);
    let v = json_of(&output(c));
    (
        v["image"]["source"]["transport"]
            .as_str()
            .unwrap_or("")
            .into(),
        v["image"]["input_kind"].as_str().unwrap_or("").into(),
    )
}

#[test]
#[ignore = "needs root, dockerd and the real Node.js images (.ci/run installs them)"]
fn docker_storage_equals_the_export_and_the_file() {
    let node = crate::node::images();
    let dockerd = Dockerd::start();
    let home = tempfile::tempdir().unwrap();
    dockerd.load(&testdata("app.docker.tar"));
    dockerd.load(&node.join("single.tar"));
    dockerd.load(&node.join("multi.tar"));
    let via_socket = || {
        let mut c = isolated(home.path());
        c.env("DOCKER_HOST", dockerd.host());
        c
    };
    let via_export = || {
        let mut c = via_socket();
        c.env("IMGSIZE_ENGINE_EXPORT", "1");
        c
    };
    let plain = || isolated(home.path());
    for (name, file) in [
        ("app:latest", testdata("app.docker.tar")),
        ("app:single", node.join("single.tar")),
        ("app:multi", node.join("multi.tar")),
    ] {
        assert_eq!(
            read_through(&via_socket, name),
            ("engine".into(), "docker-storage (overlay2)".into()),
            "{name}"
        );
        let stored = reports(&via_socket, name);
        assert_eq!(
            stored,
            reports(&via_export, name),
            "{name}: storage vs export"
        );
        assert_eq!(
            stored,
            reports(&plain, file.to_str().unwrap()),
            "{name}: storage vs {}",
            file.display()
        );
    }
    // By id, and by a name sharing its image with another.
    let id = dockerd.image_field("app:single", "{{.Id}}");
    dockerd.tag("app:single", "other:name");
    for name in [id.as_str(), &id[7..19], "other:name"] {
        assert_eq!(
            read_through(&via_socket, name).1,
            "docker-storage (overlay2)",
            "{name}"
        );
    }
    // diff of two images in the engine reads both from storage.
    let mut c = via_socket();
    c.args(["diff", "--format", "json", "app:single", "app:multi"]);
    let from_storage = comparable(json_of(&output(c)));
    let mut c = plain();
    c.args(["diff", "--format", "json"])
        .arg(node.join("single.tar"))
        .arg(node.join("multi.tar"));
    assert_eq!(from_storage, comparable(json_of(&output(c))));
}

#[test]
#[ignore = "needs root, dockerd and the real Node.js images (.ci/run installs them)"]
fn an_engine_whose_storage_is_not_here_is_read_through_its_export() {
    let dockerd = Dockerd::start();
    let home = tempfile::tempdir().unwrap();
    dockerd.load(&testdata("app.docker.tar"));
    // The same engine over TCP: imgsize cannot know its storage is on this machine.
    let tcp = format!("tcp://127.0.0.1:{}", dockerd.port);
    let mut c = isolated(home.path());
    c.env("DOCKER_HOST", &tcp)
        .args(["inspect", "--format", "json", "app:latest"]);
    let o = output(c);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<&str> = std::str::from_utf8(&o.stderr).unwrap().lines().collect();
    assert_eq!(lines.len(), 1, "one line says why: {lines:?}");
    assert!(
        lines[0].contains("app:latest: reading the engine's export")
            && lines[0].contains("reached over the network")
            && lines[0].contains("its unix socket"),
        "{}",
        lines[0]
    );
    let v = json_of(&o);
    assert_eq!(v["image"]["input_kind"], "docker-archive");
    let mut c = isolated(home.path());
    c.args(["inspect", "--format", "json"])
        .arg(testdata("app.docker.tar"));
    assert_eq!(comparable(v), comparable(json_of(&output(c))));
}

/// The overlay2 folder of a layer holding `file` in the engine.
fn docker_layer_dir_with(dockerd: &Dockerd, file: &str) -> std::path::PathBuf {
    let overlay = dockerd.root().join("overlay2");
    std::fs::read_dir(&overlay)
        .unwrap()
        .map(|e| e.unwrap().path().join("diff"))
        .find(|d| d.join(file).exists())
        .unwrap_or_else(|| panic!("no layer of {} holds {file}", overlay.display()))
}

#[test]
#[ignore = "needs root, dockerd and the real Node.js images (.ci/run installs them)"]
fn a_storage_that_changed_underneath_is_an_error_not_a_report() {
    let node = crate::node::images();
    let dockerd = Dockerd::start();
    let home = tempfile::tempdir().unwrap();
    dockerd.load(&node.join("single.tar"));
    let run = |args: &[&str]| {
        let mut c = isolated(home.path());
        c.env("DOCKER_HOST", dockerd.host()).args(args);
        output(c)
    };
    // A file cut short in its layer's folder: --verify reads every byte.
    let dir = docker_layer_dir_with(&dockerd, "app/package.json");
    let file = dir.join("app/package.json");
    let was = std::fs::read(&file).unwrap();
    std::fs::write(&file, &was[..was.len() / 2]).unwrap();
    let o = run(&["inspect", "--verify", "app:single"]);
    assert_error(
        &o,
        &[
            "app/package.json",
            "shorter than its tar entry",
            "the storage changed",
        ],
    );
    // The same bytes, other content: the diff_id no longer matches.
    let mut other = was.clone();
    other[0] ^= 0x20;
    std::fs::write(&file, &other).unwrap();
    let o = run(&["inspect", "--verify", "app:single"]);
    assert_error(&o, &["diff_id"]);
    std::fs::write(&file, &was).unwrap();

    // A folder replaced by a link out of the layer: its files are not read
    // through it.
    let app = dir.join("app");
    let moved = dir.join("app.moved");
    std::fs::rename(&app, &moved).unwrap();
    std::os::unix::fs::symlink("/etc", &app).unwrap();
    let o = run(&["packages", "app:single"]);
    assert_error(&o, &["is a link", "the storage changed"]);
    std::fs::remove_file(&app).unwrap();
    std::fs::rename(&moved, &app).unwrap();
    assert_eq!(
        run(&["inspect", "--verify", "app:single"]).status.code(),
        Some(0)
    );

    // A tar-split that is not one.
    let layerdb = dockerd.root().join("image/overlay2/layerdb/sha256");
    let entry = std::fs::read_dir(&layerdb)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let split = entry.path().join("tar-split.json.gz");
    std::fs::write(&split, b"not gzip").unwrap();
    let o = run(&["inspect", "app:single"]);
    // Found missing when the image is opened: read through the export (which the
    // engine cannot make either), or when it is read: an error naming the file.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "no partial report: {}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("tar-split.json.gz"), "{err}");
}

#[test]
#[ignore = "needs root, podman and the real Node.js images (.ci/run installs them)"]
fn podman_storage_with_and_without_the_service() {
    let node = crate::node::images();
    let podman = Podman::start();
    let home = tempfile::tempdir().unwrap();
    podman.load(&node.join("single.tar"));
    podman.load(&testdata("app.docker.tar"));
    let via_socket = || {
        let mut c = isolated(home.path());
        c.env("DOCKER_HOST", podman.host());
        c
    };
    let via_export = || {
        let mut c = via_socket();
        c.env("IMGSIZE_ENGINE_EXPORT", "1");
        c
    };
    let plain = || isolated(home.path());
    let single = node.join("single.tar");
    assert_eq!(
        read_through(&via_socket, "app:single"),
        ("engine".into(), "containers-storage (overlay)".into())
    );
    let want = reports(&plain, single.to_str().unwrap());
    assert_eq!(reports(&via_socket, "app:single"), want, "storage vs file");
    assert_eq!(reports(&via_export, "app:single"), want, "export vs file");

    // With the service stopped, the storage is read with no daemon at all.
    let dir = podman.stop();
    let root = dir.path().join("root");
    let root_arg = root.to_str().unwrap();
    let reports_with_root = |input: &str| -> Vec<Value> {
        ["inspect", "packages"]
            .iter()
            .map(|cmd| {
                let mut c = plain();
                c.args([cmd, "--format", "json", "--storage-root", root_arg, input]);
                let o = output(c);
                assert_eq!(o.status.code(), Some(0), "{cmd} {input}: {}", stderr(&o));
                comparable(json_of(&o))
            })
            .collect()
    };
    for input in [
        "app:single".to_string(),
        "containers-storage:app:single".to_string(),
        "containers-storage:docker.io/library/app:single".to_string(),
        format!(
            "containers-storage:[overlay@{}+{}]app:single",
            root.display(),
            dir.path().join("run").display()
        ),
    ] {
        assert_eq!(reports_with_root(&input), want[..2].to_vec(), "{input}");
    }
    let mut c = plain();
    c.args([
        "inspect",
        "--format",
        "json",
        "--storage-root",
        root_arg,
        "app:single",
    ]);
    let v = json_of(&output(c));
    assert_eq!(v["image"]["source"]["transport"], "storage");
    assert_eq!(v["image"]["source"]["location"], root_arg);

    // Not there, and not a storage: one line each, exit 2.
    let mut c = plain();
    c.args(["inspect", "--storage-root", root_arg, "nosuch:1"]);
    assert_error(
        &output(c),
        &["nosuch:1", "no image named nosuch:1", root_arg],
    );
    let mut c = plain();
    c.args(["inspect", "--storage-root"])
        .arg(home.path())
        .arg("app:single");
    assert_error(&output(c), &["images.json"]);
}
