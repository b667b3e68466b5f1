//! Go programs: built here by Go's own toolchain (Debian's golang-go, no module
//! proxy: a second module comes in by a `replace` to a local folder), linked three
//! ways (Go's internal linker, stripped of symbols, the system's external
//! linker), put in an image, and listed by `imgsize packages` with the modules
//! `go version -m` prints for the same file, whatever the image's format.

use std::path::Path;
use std::process::Command;

use imgsize::synth::{self, Entry, Format, Image, Layer};
use serde_json::Value;

use crate::*;

/// Builds `example.com/app/cmd/server` (which uses `example.com/lib`, replaced
/// by `./lib`) into `out` with extra `go build` flags.
fn go_build(work: &Path, out: &Path, cgo: bool, flags: &[&str]) {
    let app = work.join("app");
    if !app.exists() {
        std::fs::create_dir_all(app.join("lib")).unwrap();
        std::fs::create_dir_all(app.join("cmd/server")).unwrap();
        std::fs::write(
            app.join("go.mod"),
            "module example.com/app\n\ngo 1.19\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ./lib\n",
        )
        .unwrap();
        std::fs::write(
            app.join("lib/go.mod"),
            "module example.com/lib\n\ngo 1.19\n",
        )
        .unwrap();
        std::fs::write(
            app.join("lib/lib.go"),
            "package lib\n\nfunc Greeting() string { return \"hello\" }\n",
        )
        .unwrap();
        std::fs::write(
            app.join("cmd/server/main.go"),
            "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/lib\"\n)\n\nfunc main() { fmt.Println(lib.Greeting()) }\n",
        )
        .unwrap();
    }
    let o = Command::new("go")
        .arg("build")
        .args(flags)
        .arg("-o")
        .arg(out)
        .arg("./cmd/server")
        .current_dir(&app)
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOCACHE", work.join("cache"))
        .env("GOPATH", work.join("gopath"))
        .env("CGO_ENABLED", if cgo { "1" } else { "0" })
        .output()
        .expect("go (Debian's golang-go, installed by .ci/run)");
    assert!(o.status.success(), "go build: {}", stderr(&o));
}

/// What `go version -m` lists for `bin`, as imgsize names it: the toolchain as
/// `stdlib@VERSION`, each `dep` as `path@version`, a replacement after ` => `.
fn go_version_m(bin: &Path) -> (String, Vec<String>) {
    let o = Command::new("go")
        .args(["version", "-m"])
        .arg(bin)
        .output()
        .unwrap();
    assert!(o.status.success(), "go version -m: {}", stderr(&o));
    let text = stdout(&o);
    let mut lines = text.lines();
    let toolchain = lines
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string();
    let mut modules = vec![format!("stdlib@{toolchain}")];
    let mut main = String::new();
    for line in lines {
        let f: Vec<&str> = line.trim_start_matches('\t').split('\t').collect();
        let module = |f: &[&str]| match f.get(2) {
            Some(v) if !v.is_empty() => format!("{}@{v}", f[1]),
            _ => f[1].to_string(),
        };
        match f[0] {
            "mod" => main = format!("{}@{}", f[1], f[2]),
            "dep" => modules.push(module(&f)),
            "=>" => {
                let r = module(&f);
                let last = modules.last_mut().unwrap();
                last.push_str(" => ");
                last.push_str(&r);
            }
            _ => {}
        }
    }
    (main, modules)
}

#[test]
fn go_programs_list_what_go_version_m_lists() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let builds: [(&str, bool, &[&str]); 3] = [
        ("internal", false, &[]),
        ("stripped", false, &["-ldflags=-s -w"]),
        ("external", true, &["-ldflags=-linkmode=external"]),
    ];
    let mut entries = vec![Entry::program(
        "bin/true-ish",
        std::fs::read("/bin/true").unwrap(),
    )];
    let mut want = Vec::new();
    for (name, cgo, flags) in builds {
        let bin = work.join(name);
        go_build(work, &bin, cgo, flags);
        let content = std::fs::read(&bin).unwrap();
        let (main, modules) = go_version_m(&bin);
        assert!(
            modules.iter().any(|m| m.contains(" => ./lib")),
            "the build has its replaced module: {modules:?}"
        );
        want.push((format!("/srv/{name}"), content.len() as u64, main, modules));
        entries.push(Entry::program(&format!("srv/{name}"), content));
    }
    // A Go program deleted by a later layer is no package of the final image.
    let gone = std::fs::read(work.join("internal")).unwrap();
    entries.push(Entry::program("tmp/gone", gone.clone()));
    // One that an npm package holds (esbuild's way) is the npm package's, its
    // modules listed there, the main module among them.
    entries.push(Entry::text(
        "app/node_modules/@esbuild/linux-x64/package.json",
        r#"{"name":"@esbuild/linux-x64","version":"0.23.1"}"#,
    ));
    entries.push(Entry::program(
        "app/node_modules/@esbuild/linux-x64/bin/esbuild",
        gone,
    ));
    let (main, mut in_npm) = go_version_m(&work.join("internal"));
    in_npm.insert(1, main);
    // And one a Debian package installed is the Debian package's.
    entries.push(Entry::text(
        "var/lib/dpkg/status",
        "Package: tool\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n",
    ));
    entries.push(Entry::text(
        "var/lib/dpkg/info/tool:amd64.list",
        "/.\n/usr\n/usr/bin\n/usr/bin/tool\n",
    ));
    entries.push(Entry::program(
        "usr/bin/tool",
        std::fs::read(work.join("stripped")).unwrap(),
    ));
    let (main, mut in_deb) = go_version_m(&work.join("stripped"));
    in_deb.insert(1, main);
    let img = |c| {
        Image::new(
            "go:1",
            vec![
                Layer::new("COPY --from=build /out /srv", entries.clone()),
                Layer::new("RUN rm /tmp/gone", vec![Entry::Whiteout("tmp/gone".into())]),
            ],
        )
        .compressed(c)
    };
    for (format, compression) in [
        (Format::DockerClassic, synth::Compression::None),
        (Format::OciDir, synth::Compression::Gzip),
        (Format::OciDir, synth::Compression::Zstd),
        (Format::OciDir, synth::Compression::Estargz),
    ] {
        let out = work.join(format!("go-{format:?}-{compression:?}"));
        synth::write(&[img(compression)], format, &out).unwrap();
        let mut got = packages_of(&out, "go");
        got.sort_by_key(|p| p["paths"][0].as_str().unwrap().to_string());
        let mut want = want.clone();
        want.sort();
        assert_eq!(got.len(), want.len(), "{format:?}: {got:#?}");
        for (p, (path, bytes, main, modules)) in got.iter().zip(&want) {
            assert_eq!(p["paths"][0], path.as_str(), "{format:?}");
            assert_eq!(
                format!(
                    "{}@{}",
                    p["name"].as_str().unwrap(),
                    p["version"].as_str().unwrap()
                ),
                *main,
                "{format:?} {path}"
            );
            assert_eq!(p["bytes"], *bytes, "{format:?} {path}");
            assert_eq!(p["files"], 1);
            let listed: Vec<&str> = p["modules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_str().unwrap())
                .collect();
            assert_eq!(listed, *modules, "{format:?} {path}");
        }
        let esbuild = &packages_of(&out, "npm")[0];
        assert_eq!(esbuild["name"], "@esbuild/linux-x64");
        assert_eq!(esbuild["files"], 2);
        assert_eq!(esbuild["modules"], serde_json::json!(in_npm), "{format:?}");
        let tool = &packages_of(&out, "deb")[0];
        assert_eq!(tool["name"], "tool");
        assert_eq!(tool["modules"], serde_json::json!(in_deb), "{format:?}");
        // Hashing every file's content (--content) reads the programs whole, around
        // the parts the build information is read from: the same program twice is
        // a duplicate, and the packages are the same.
        let v = inspect_json(&out, &["--content"]);
        let same = v["duplicates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["paths"][0] == "/app/node_modules/@esbuild/linux-x64/bin/esbuild")
            .unwrap_or_else(|| panic!("{format:?}: {}", v["duplicates"]));
        assert_eq!(same["paths"][1], "/srv/internal", "{format:?}");
        let go: Vec<&Value> = v["packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["ecosystem"] == "go")
            .collect();
        assert_eq!(go.len(), want.len(), "{format:?}");
        assert!(go
            .iter()
            .all(|p| p["modules"].as_array().unwrap().len() > 1));
    }
}
