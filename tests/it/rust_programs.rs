//! Rust programs: built here by `cargo auditable` (installed by .ci/run) from a
//! crate with a crates.io dependency, a local one and a build dependency, all
//! from the registry cache imgsize's own build filled (`--offline`), linked three
//! ways (the toolchain's default lld with its symbols, stripped, GNU ld), put in
//! an image, and listed by `imgsize packages` with the crates GNU objcopy finds in
//! the same file's `.dep-v0` section, whatever the image's format.

use std::path::Path;
use std::process::Command;

use imgsize::synth::{self, Entry, Format, Image, Layer};
use serde_json::Value;

use crate::*;

/// The version imgsize's own Cargo.lock pins for `name` (so the test crate
/// builds offline from what imgsize's build downloaded).
fn locked(name: &str) -> String {
    let lock =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock")).unwrap();
    let at = lock
        .find(&format!("name = \"{name}\"\nversion = \""))
        .unwrap_or_else(|| panic!("{name} in Cargo.lock"));
    let rest = &lock[at..];
    let v = rest.split("version = \"").nth(1).unwrap();
    v[..v.find('"').unwrap()].to_string()
}

/// Builds the crate `app` 0.3.1 into `work/NAME` with extra environment.
fn cargo_auditable(work: &Path, name: &str, env: &[(&str, &str)]) -> Vec<u8> {
    let app = work.join("app");
    if !app.exists() {
        std::fs::create_dir_all(app.join("src")).unwrap();
        std::fs::create_dir_all(app.join("greet/src")).unwrap();
        std::fs::write(
            app.join("Cargo.toml"),
            format!(
                "[package]\nname = \"app\"\nversion = \"0.3.1\"\nedition = \"2021\"\n\n\
                 [dependencies]\nitoa = \"={}\"\ngreet = {{ path = \"greet\" }}\n\n\
                 [build-dependencies]\ncc = \"={}\"\n",
                locked("itoa"),
                locked("cc")
            ),
        )
        .unwrap();
        std::fs::write(
            app.join("src/main.rs"),
            "fn main() { println!(\"{} {}\", greet::hello(), itoa::Buffer::new().format(42)); }\n",
        )
        .unwrap();
        std::fs::write(
            app.join("build.rs"),
            "fn main() { let _ = cc::Build::new(); }\n",
        )
        .unwrap();
        std::fs::write(
            app.join("greet/Cargo.toml"),
            "[package]\nname = \"greet\"\nversion = \"1.2.0\"\nedition = \"2021\"\n",
        )
        .unwrap();
        std::fs::write(
            app.join("greet/src/lib.rs"),
            "pub fn hello() -> &'static str { \"hello\" }\n",
        )
        .unwrap();
    }
    let target = work.join(format!("target-{name}"));
    let o = Command::new("cargo")
        .args(["auditable", "build", "--release", "--offline", "--quiet"])
        .current_dir(&app)
        .env("CARGO_TARGET_DIR", &target)
        .envs(env.iter().copied())
        .output()
        .expect("cargo");
    assert!(o.status.success(), "cargo auditable build: {}", stderr(&o));
    std::fs::read(target.join("release/app")).unwrap()
}

/// What GNU objcopy finds in `bin`'s `.dep-v0` section, as imgsize names it:
/// the root crate `name@version`, and every crate not only built with
/// (`"kind": "build"`), in the list's order.
fn objcopy_list(work: &Path, bin: &[u8]) -> (String, Vec<String>) {
    let (input, section) = (work.join("in"), work.join("section"));
    std::fs::write(&input, bin).unwrap();
    let o = Command::new("objcopy")
        .arg(format!("--dump-section=.dep-v0={}", section.display()))
        .arg(&input)
        .arg(work.join("out"))
        .output()
        .expect("objcopy (binutils)");
    assert!(o.status.success(), "objcopy: {}", stderr(&o));
    let z = std::fs::read(&section).unwrap();
    let mut json = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(&z[..]), &mut json).unwrap();
    let list: Value = serde_json::from_slice(&json).unwrap();
    let (mut root, mut crates) = (String::new(), Vec::new());
    for c in list["packages"].as_array().unwrap() {
        let id = format!(
            "{}@{}",
            c["name"].as_str().unwrap(),
            c["version"].as_str().unwrap()
        );
        if c["root"] == true {
            root = id;
        } else if c["kind"] != "build" {
            crates.push(id);
        }
    }
    (root, crates)
}

#[test]
fn rust_programs_list_the_crates_cargo_auditable_recorded() {
    if Command::new("cargo")
        .args(["auditable", "--version"])
        .output()
        .map_or(true, |o| !o.status.success())
    {
        panic!("cargo auditable is needed: cargo install --locked cargo-auditable (.ci/run does)");
    }
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let builds: [(&str, &[(&str, &str)]); 3] = [
        ("lld", &[]),
        ("stripped", &[("CARGO_PROFILE_RELEASE_STRIP", "symbols")]),
        ("bfd", &[("RUSTFLAGS", "-C link-arg=-fuse-ld=bfd")]),
    ];
    let mut entries = vec![Entry::program(
        "bin/true-ish",
        std::fs::read("/bin/true").unwrap(),
    )];
    let mut want = Vec::new();
    let mut bins = Vec::new();
    for (name, env) in builds {
        let bin = cargo_auditable(work, name, env);
        let (root, crates) = objcopy_list(work, &bin);
        assert_eq!(root, "app@0.3.1");
        assert_eq!(
            crates,
            [
                "greet@1.2.0".to_string(),
                format!("itoa@{}", locked("itoa"))
            ]
        );
        want.push((format!("/srv/{name}"), bin.len() as u64, root, crates));
        entries.push(Entry::program(&format!("srv/{name}"), bin.clone()));
        bins.push(bin);
    }
    // The builds differ in what follows the list (behind `.comment` in each):
    // the section names come next when stripped, after `.symtab` with lld (here
    // still within imgsize's window), after `.symtab` and `.strtab` with GNU ld
    // (past it: the list is then known by what it holds).
    assert!(bins[0] != bins[1] && bins[1] != bins[2]);
    // One that a Debian package installed is the Debian package's, its crates
    // listed there, its own name first.
    entries.push(Entry::text(
        "var/lib/dpkg/status",
        "Package: tool\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n",
    ));
    entries.push(Entry::text(
        "var/lib/dpkg/info/tool:amd64.list",
        "/.\n/usr\n/usr/bin\n/usr/bin/tool\n",
    ));
    entries.push(Entry::program("usr/bin/tool", bins[1].clone()));
    let mut in_deb = vec![want[1].2.clone()];
    in_deb.extend(want[1].3.clone());
    let img = |c| {
        Image::new(
            "rust:1",
            vec![Layer::new("COPY --from=build /out /srv", entries.clone())],
        )
        .compressed(c)
    };
    for (format, compression) in [
        (Format::DockerClassic, synth::Compression::None),
        (Format::OciDir, synth::Compression::Gzip),
        (Format::OciDir, synth::Compression::Zstd),
        (Format::OciDir, synth::Compression::Estargz),
    ] {
        let out = work.join(format!("rust-{format:?}-{compression:?}"));
        synth::write(&[img(compression)], format, &out).unwrap();
        let mut got = packages_of(&out, "rust");
        got.sort_by_key(|p| p["paths"][0].as_str().unwrap().to_string());
        let mut want = want.clone();
        want.sort();
        assert_eq!(got.len(), want.len(), "{format:?}: {got:#?}");
        for (p, (path, bytes, root, crates)) in got.iter().zip(&want) {
            assert_eq!(p["paths"][0], path.as_str(), "{format:?}");
            let id = format!(
                "{}@{}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            );
            assert_eq!(&id, root, "{format:?} {path}");
            assert_eq!(p["bytes"], *bytes, "{format:?} {path}");
            assert_eq!(p["modules"], serde_json::json!(crates), "{format:?} {path}");
        }
        let tool = &packages_of(&out, "deb")[0];
        assert_eq!(tool["name"], "tool");
        assert_eq!(tool["modules"], serde_json::json!(in_deb), "{format:?}");
        // Hashing every file's content (--content) reads the programs whole,
        // around the parts the list is read from: the same packages.
        let v = inspect_json(&out, &["--content"]);
        let rust = v["packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["ecosystem"] == "rust")
            .count();
        assert_eq!(rust, want.len(), "{format:?}");
    }
}
