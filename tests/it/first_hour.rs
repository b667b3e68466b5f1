//! What a new user tripped on in the first hour (issue 23), one test each.

use std::process::Command;

use crate::*;

/// `files` said layer 1 set /app/node_modules, which layer 5 made anew under an
/// opaque whiteout (`RUN rm -rf /app/node_modules && mkdir -p ...`).
#[test]
fn a_folder_made_anew_is_the_layer_that_made_it() {
    let o = run(&["files", testdata("app.docker.tar").to_str().unwrap()]);
    let line = stdout(&o)
        .lines()
        .find(|l| l.starts_with("/app/node_modules\t"))
        .map(str::to_string)
        .unwrap();
    assert_eq!(line.split('\t').nth(2), Some("5"), "{line}");
}

/// A truncated tar said "bad tar header at byte 0: entry of N bytes runs past
/// the end", naming neither the member nor the layer, nor of what "byte 0" was.
#[test]
fn a_truncated_tar_names_the_entry_and_the_layer() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read(testdata("app.docker.tar")).unwrap();
    let cut = dir.path().join("cut.tar");
    std::fs::write(&cut, &data[..data.len() / 2]).unwrap();
    let line = assert_error(&run(&["inspect", cut.to_str().unwrap()]), &["tar entry '"]);
    assert!(line.contains("of the tar"), "{line}");
    // A layer cut short in an OCI layout: its index too.
    let l = crate::layouts::layout_with_raw_layer(dir.path(), &{
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(100_000);
        h.set_mode(0o644);
        b.append_data(&mut h, "app/big.bin", &vec![7u8; 100_000][..])
            .unwrap();
        let t = b.into_inner().unwrap();
        t[..50_000].to_vec()
    });
    let line = assert_error(
        &run(&["inspect", l.to_str().unwrap()]),
        &["layer 1: ", "tar entry 'app/big.bin'"],
    );
    assert!(line.contains("truncated"), "{line}");
}

/// `imgsize man` named imgsize-inspect(1) and the other pages, which nothing
/// generated, and `> /usr/local/share/man/man1/imgsize.1` failed where the folder
/// did not exist.
#[test]
fn man_writes_a_page_per_command_into_a_folder_it_makes() {
    let dir = tempfile::tempdir().unwrap();
    let man1 = dir.path().join("share/man/man1");
    let o = run(&["man", "--dir", man1.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    for page in [
        "imgsize.1",
        "imgsize-inspect.1",
        "imgsize-diff.1",
        "imgsize-check.1",
        "imgsize-files.1",
        "imgsize-packages.1",
        "imgsize-overlap.1",
    ] {
        let text =
            std::fs::read_to_string(man1.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page}");
    }
    let check = std::fs::read_to_string(man1.join("imgsize-check.1")).unwrap();
    assert!(
        check.contains("max\\-size"),
        "the subcommand's options are documented"
    );
}

/// With no engine answering, a bare name said "no local engine has this image
/// either", as if one had answered.
#[test]
fn with_no_engine_the_error_says_which_were_tried() {
    let home = tempfile::tempdir().unwrap();
    let o = crate::engine::isolated(home.path())
        .args(["inspect", "app:latest"])
        .env("DOCKER_HOST", "tcp://127.0.0.1:1")
        .output()
        .unwrap();
    let line = assert_error(
        &o,
        &[
            "no engine answered (tried tcp://127.0.0.1:1)",
            "the registry then",
        ],
    );
    assert!(!line.contains("no local engine has this image"), "{line}");
    let o = crate::engine::isolated(home.path())
        .args(["inspect", "docker-daemon:app:latest"])
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    assert_error(
        &o,
        &["is the engine DOCKER_HOST names (unix:///nonexistent/docker.sock) running?"],
    );
}

/// diff printed -100.0% for 2.59 MB -> 96 B, `B is +59.6 MB larger`, and OCI
/// inputs as 'latest'.
#[test]
fn diff_words_and_figures() {
    let (a, b) = (testdata("app-slim.oci"), testdata("app.oci"));
    let table = stdout(&run(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]));
    assert!(
        table.contains("A  testdata/app-slim.oci:slim") || table.contains("app-slim.oci:slim"),
        "{table}"
    );
    let o = run(&["diff", b.to_str().unwrap(), a.to_str().unwrap()]);
    assert!(stdout(&o).contains("-99.996%"), "{}", stdout(&o));
    let o = run(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--fail-if-larger",
        "1MB",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("FAIL: B is 2.59 MB larger than A"),
        "{}",
        stdout(&o)
    );
}

/// `cargo install` warned that the test profile names a package the installed
/// binary does not build: the optimized-dependencies list names only what the
/// binary depends on.
#[test]
fn the_test_profile_names_only_the_binarys_dependencies() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let v: toml::Value = toml::from_str(&manifest).unwrap();
    let listed: Vec<&str> = v["profile"]["dev"]["package"]
        .as_table()
        .unwrap()
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "*")
        .collect();
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--locked",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let tree = String::from_utf8_lossy(&out.stdout);
    for name in listed {
        assert!(
            tree.lines().any(|l| l.starts_with(&format!("{name} "))),
            "{name} is not a dependency of the binary"
        );
    }
}
