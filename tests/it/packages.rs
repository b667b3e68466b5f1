//! Bytes by package: npm (scoped, nested, duplicates, dev from the hidden
//! lockfile, a broken package.json), dpkg (status and .list files), apk and Python
//! RECORDs, on images whose every byte the test knows; bad records leave a package
//! "unknown version" or its files unowned, never a wrong total.

use imgsize::synth::{self, Entry, Format, Image, Layer};
use serde_json::Value;

use crate::*;

fn image(dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.join("pk.tar");
    let lock = r#"{"lockfileVersion":3,"packages":{
        "node_modules/typescript":{"version":"5.6.3","dev":true},
        "node_modules/express":{"version":"4.21.0"},
        "node_modules/express/node_modules/ms":{"version":"2.0.0"},
        "node_modules/@types/node":{"version":"22.0.0","dev":true,"peer":true},
        "node_modules/ms":{"version":"2.1.3","optional":true}}}"#;
    let status = "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9\nInstalled-Size: 12\n\n\
Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n\n\
Package: tzdata\nStatus: install ok installed\nArchitecture: all\nVersion: 2024a\nInstalled-Size: 3\n";
    let img = Image::new(
        "pk:1",
        vec![
            Layer::new(
                "ADD rootfs /",
                vec![
                    Entry::text("var/lib/dpkg/status", status),
                    Entry::text("var/lib/dpkg/info/libc6:amd64.list", "/.\n/lib\n/lib/libc.so.6\n/lib/ld.so\n/usr/share/doc/libc6/copyright\n"),
                    Entry::text("var/lib/dpkg/info/tzdata.list", "/.\n/usr/share/zoneinfo/UTC\n/usr/share/zoneinfo/missing\n"),
                    Entry::file("lib/libc.so.6", 10_000),
                    Entry::file("lib/ld.so", 2_000),
                    Entry::file("usr/share/doc/libc6/copyright", 300),
                    Entry::file("usr/share/zoneinfo/UTC", 120),
                    Entry::text("lib/apk/db/installed", "P:musl\nV:1.2.5-r0\nI:700000\nF:lib\nR:ld-musl.so.1\n\nP:busybox\nV:1.36\nF:bin\nR:busybox\n"),
                    Entry::file("lib/ld-musl.so.1", 600),
                    Entry::file("bin/busybox", 900),
                    Entry::text("usr/lib/python3/site-packages/six-1.16.0.dist-info/RECORD", "six.py,sha256=x,34549\nsix-1.16.0.dist-info/RECORD,,\n../../../bin/six-tool,,\n\"we,ird.py\",,\n"),
                    Entry::file("usr/lib/python3/site-packages/six.py", 345),
                    Entry::file("usr/bin/six-tool", 55),
                    Entry::file("usr/lib/python3/site-packages/we,ird.py", 5),
                    Entry::file("etc/hostname", 7),
                ],
            ),
            Layer::new(
                "RUN npm install",
                vec![
                    Entry::text("app/node_modules/.package-lock.json", lock),
                    Entry::text("app/node_modules/typescript/package.json", r#"{"name":"typescript","version":"5.6.3"}"#),
                    Entry::file("app/node_modules/typescript/lib/tsc.js", 5_000),
                    Entry::text("app/node_modules/express/package.json", r#"{"name":"express","version":"4.21.0"}"#),
                    Entry::file("app/node_modules/express/index.js", 1_000),
                    Entry::text("app/node_modules/express/node_modules/ms/package.json", r#"{"name":"ms","version":"2.0.0"}"#),
                    Entry::file("app/node_modules/express/node_modules/ms/index.js", 200),
                    Entry::text("app/node_modules/ms/package.json", r#"{"name":"ms","version":"2.1.3"}"#),
                    Entry::file("app/node_modules/ms/index.js", 300),
                    Entry::text("app/node_modules/@types/node/package.json", r#"{"name":"@types/node","version":"22.0.0"}"#),
                    Entry::file("app/node_modules/@types/node/index.d.ts", 700),
                    Entry::text("app/node_modules/broken/package.json", "{not json"),
                    Entry::file("app/node_modules/broken/index.js", 40),
                    Entry::file("app/server.js", 90),
                ],
            ),
        ],
    );
    synth::write(&[img], Format::DockerClassic, &out).unwrap();
    out
}

fn find<'a>(v: &'a Value, eco: &str, name: &str, path: &str) -> &'a Value {
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["ecosystem"] == eco
                && p["name"] == name
                && p["paths"][0].as_str().unwrap().starts_with(path)
        })
        .unwrap_or_else(|| panic!("no {eco} {name} at {path}: {}", v["packages"]))
}

fn len(s: &str) -> u64 {
    s.len() as u64
}

/// What a side-by-side with syft showed (issue 28): copies are one name@version,
/// versions are another fact; Debian's node modules are its packages' bytes, not
/// zero-byte npm rows; Python names come from METADATA and PKG-INFO, egg-info
/// installs count; the files column counts regular files, as the bytes do.
#[test]
fn copies_versions_debian_modules_python_names_and_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p2.tar");
    let manifest = |n: &str, v: &str| format!(r#"{{"name":"{n}","version":"{v}"}}"#);
    let status = "Package: node-debug\nStatus: install ok installed\nArchitecture: all\nVersion: 4.3.4+~cs4.1.7-1\n\n\
Package: libicu72\nStatus: install ok installed\nArchitecture: amd64\nVersion: 72.1-3\n";
    let img = Image::new(
        "p2:1",
        vec![
            Layer::new(
                "RUN apt-get install -y node-debug libicu72",
                vec![
                    Entry::text("var/lib/dpkg/status", status),
                    Entry::text(
                        "var/lib/dpkg/info/node-debug.list",
                        "/usr/share/nodejs/debug/package.json\n/usr/share/nodejs/debug/src/index.js\n\
/usr/share/nodejs/debug/node_modules/ms/package.json\n/usr/share/nodejs/debug/node_modules/ms/index.js\n",
                    ),
                    Entry::text("usr/share/nodejs/debug/package.json", &manifest("debug", "4.3.4")),
                    Entry::file("usr/share/nodejs/debug/src/index.js", 4_000),
                    Entry::text("usr/share/nodejs/debug/node_modules/ms/package.json", &manifest("ms", "2.1.2")),
                    Entry::file("usr/share/nodejs/debug/node_modules/ms/index.js", 3_000),
                    Entry::text(
                        "var/lib/dpkg/info/libicu72:amd64.list",
                        "/usr/lib/libicuuc.so.72.1\n/usr/lib/libicuuc.so.72\n",
                    ),
                    Entry::file("usr/lib/libicuuc.so.72.1", 2_000_000),
                    Entry::Symlink {
                        path: "usr/lib/libicuuc.so.72".into(),
                        target: "libicuuc.so.72.1".into(),
                    },
                ],
            ),
            Layer::new(
                "RUN pip install && npm install",
                vec![
                    Entry::text(
                        "venv/lib/python3.11/site-packages/charset_normalizer-3.3.2.dist-info/RECORD",
                        "charset_normalizer/api.py,,\ncharset_normalizer-3.3.2.dist-info/METADATA,,\n",
                    ),
                    Entry::text(
                        "venv/lib/python3.11/site-packages/charset_normalizer-3.3.2.dist-info/METADATA",
                        "Metadata-Version: 2.1\nName: charset-normalizer\nVersion: 3.3.2\n\nA long description.\n",
                    ),
                    Entry::file("venv/lib/python3.11/site-packages/charset_normalizer/api.py", 900),
                    Entry::text(
                        "venv/lib/python3.11/site-packages/PyYAML-6.0.1-py3.11.egg-info/PKG-INFO",
                        "Metadata-Version: 1.1\nName: PyYAML\nVersion: 6.0.1\n",
                    ),
                    Entry::text(
                        "venv/lib/python3.11/site-packages/PyYAML-6.0.1-py3.11.egg-info/installed-files.txt",
                        "../yaml/__init__.py\n../yaml/reader.py\nPKG-INFO\n",
                    ),
                    Entry::file("venv/lib/python3.11/site-packages/PyYAML-6.0.1-py3.11.egg-info/SOURCES.txt", 77),
                    Entry::file("venv/lib/python3.11/site-packages/yaml/__init__.py", 500),
                    Entry::file("venv/lib/python3.11/site-packages/yaml/reader.py", 600),
                    Entry::text(
                        "venv/lib/python3.11/site-packages/distro-1.8.0.egg-info",
                        "Metadata-Version: 1.1\nName: distro\nVersion: 1.8.0\n",
                    ),
                    Entry::text("app/node_modules/js-yaml/package.json", &manifest("js-yaml", "4.1.0")),
                    Entry::file("app/node_modules/js-yaml/index.js", 5_000),
                    Entry::text("app/node_modules/a/node_modules/js-yaml/package.json", &manifest("js-yaml", "3.14.1")),
                    Entry::file("app/node_modules/a/node_modules/js-yaml/index.js", 4_000),
                    Entry::text("app/node_modules/b/node_modules/js-yaml/package.json", &manifest("js-yaml", "3.14.1")),
                    Entry::file("app/node_modules/b/node_modules/js-yaml/index.js", 4_000),
                    Entry::text("app/node_modules/a/package.json", &manifest("a", "1.0.0")),
                    Entry::text("app/node_modules/b/package.json", &manifest("b", "1.0.0")),
                ],
            ),
        ],
    );
    synth::write(&[img], Format::DockerClassic, &out).unwrap();
    let v = inspect_json(&out, &[]);
    let all = v["packages"].as_array().unwrap();
    // Debian's node modules: its package's bytes, no npm rows for them.
    assert!(
        !all.iter().any(|p| p["ecosystem"] == "npm"
            && p["paths"][0]
                .as_str()
                .unwrap()
                .starts_with("/usr/share/nodejs")),
        "{all:?}"
    );
    let debug = find(&v, "deb", "node-debug", "/var/lib/dpkg");
    let files = |n: &str, ver: &str| len(&manifest(n, ver));
    assert_eq!(
        debug["bytes"],
        4_000 + 3_000 + files("debug", "4.3.4") + files("ms", "2.1.2")
    );
    // The files column counts regular files: the symlink is claimed, not counted.
    let icu = find(&v, "deb", "libicu72", "/var/lib/dpkg");
    assert_eq!(
        (icu["files"].as_u64(), icu["bytes"].as_u64()),
        (Some(1), Some(2_000_000))
    );
    // Copies of one name@version, and the versions of one name.
    let new = find(&v, "npm", "js-yaml", "/app/node_modules/js-yaml");
    let a = find(
        &v,
        "npm",
        "js-yaml",
        "/app/node_modules/a/node_modules/js-yaml",
    );
    let b = find(
        &v,
        "npm",
        "js-yaml",
        "/app/node_modules/b/node_modules/js-yaml",
    );
    assert!(new["duplicate_of"].is_null() && a["duplicate_of"].is_null());
    assert_eq!(
        b["duplicate_of"],
        "/app/node_modules/a/node_modules/js-yaml"
    );
    assert_eq!(new["other_versions"], serde_json::json!(["3.14.1"]));
    assert_eq!(b["other_versions"], serde_json::json!(["4.1.0"]));
    let csv = stdout(&run(&[
        "packages",
        "--format",
        "csv",
        out.to_str().unwrap(),
    ]));
    assert!(
        csv.lines().any(|l| l.starts_with("npm,js-yaml,3.14.1,")
            && l.ends_with(",/app/node_modules/b/node_modules/js-yaml,/app/node_modules/a/node_modules/js-yaml,4.1.0,")),
        "{csv}"
    );
    // Python: METADATA's name; an egg-info folder with its list; a distutils file.
    let site = "/venv/lib/python3.11/site-packages/";
    let cn = find(&v, "python", "charset-normalizer", site);
    assert_eq!(cn["version"], "3.3.2");
    let yaml = find(&v, "python", "PyYAML", site);
    assert_eq!(yaml["version"], "6.0.1");
    assert_eq!(
        yaml["bytes"],
        500 + 600
            + 77
            + len("Metadata-Version: 1.1\nName: PyYAML\nVersion: 6.0.1\n")
            + len("../yaml/__init__.py\n../yaml/reader.py\nPKG-INFO\n")
    );
    assert_eq!(yaml["files"], 5);
    let distro = find(&v, "python", "distro", site);
    assert_eq!(distro["version"], "1.8.0");
    assert_eq!(distro["files"], 1);
    assert_every_byte_once(&v, "/var/lib");
}

/// The ecosystems beyond Node, Debian and Python (issue 28): Ruby gems by their
/// specs (the gem's folder, its extensions and its cached .gem), Composer's
/// installed.json (install paths, dev packages), conda's conda-meta (every file it
/// lists, before the Python records of its site-packages), .NET's deps.json (the
/// published assemblies) and Java archives by file name.
#[test]
fn gems_composer_conda_nuget_and_jars() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("eco.tar");
    let gemspec = "# -*- encoding: utf-8 -*-\nGem::Specification.new do |s|\n  s.name = \"nokogiri\".freeze\n  s.version = \"1.15.4\"\nend\n";
    let installed = r#"{"packages":[
        {"name":"monolog/monolog","version":"3.5.0","install-path":"../monolog/monolog"},
        {"name":"phpunit/phpunit","version":"v10.5.1","install-path":"../phpunit/phpunit"}],
        "dev":true,"dev-package-names":["phpunit/phpunit"]}"#;
    let conda = r#"{"name":"numpy","version":"1.26.4","build":"py311","files":["lib/python3.11/site-packages/numpy/core.so","lib/python3.11/site-packages/numpy-1.26.4.dist-info/RECORD","bin/f2py"]}"#;
    let deps = r#"{"runtimeTarget":{"name":".NETCoreApp,Version=v8.0"},
        "targets":{".NETCoreApp,Version=v8.0":{
            "App/1.0.0":{"runtime":{"App.dll":{}}},
            "Newtonsoft.Json/13.0.3":{"runtime":{"lib/net6.0/Newtonsoft.Json.dll":{}}},
            "Humanizer.Core/2.14.1":{"runtime":{"lib/net6.0/Humanizer.dll":{}},
                "resources":{"lib/net6.0/fr/Humanizer.resources.dll":{"locale":"fr"}}}}},
        "libraries":{"App/1.0.0":{"type":"project"},
            "Newtonsoft.Json/13.0.3":{"type":"package"},
            "Humanizer.Core/2.14.1":{"type":"package"}}}"#;
    let img = Image::new(
        "eco:1",
        vec![Layer::new(
            "RUN install everything",
            vec![
                Entry::text(
                    "usr/local/bundle/specifications/nokogiri-1.15.4-x86_64-linux.gemspec",
                    gemspec,
                ),
                Entry::file("usr/local/bundle/gems/nokogiri-1.15.4-x86_64-linux/lib/nokogiri.rb", 3_000),
                Entry::file(
                    "usr/local/bundle/gems/nokogiri-1.15.4-x86_64-linux/ext/nokogiri.so",
                    9_000,
                ),
                Entry::file("usr/local/bundle/cache/nokogiri-1.15.4-x86_64-linux.gem", 4_000),
                Entry::file(
                    "usr/local/bundle/extensions/x86_64-linux/3.2.0/nokogiri-1.15.4-x86_64-linux/gem.build_complete",
                    10,
                ),
                Entry::text("srv/vendor/composer/installed.json", installed),
                Entry::file("srv/vendor/monolog/monolog/src/Logger.php", 2_500),
                Entry::file("srv/vendor/phpunit/phpunit/src/Framework/Assert.php", 7_000),
                Entry::file("srv/vendor/autoload.php", 100),
                Entry::text("opt/conda/conda-meta/numpy-1.26.4-py311.json", conda),
                Entry::file("opt/conda/lib/python3.11/site-packages/numpy/core.so", 50_000),
                Entry::text(
                    "opt/conda/lib/python3.11/site-packages/numpy-1.26.4.dist-info/RECORD",
                    "numpy/core.so,,\n",
                ),
                Entry::file("opt/conda/bin/f2py", 300),
                Entry::text("app/App.deps.json", deps),
                Entry::file("app/App.dll", 1_000),
                Entry::file("app/Newtonsoft.Json.dll", 700_000),
                Entry::file("app/Humanizer.dll", 300_000),
                Entry::file("app/fr/Humanizer.resources.dll", 20_000),
                Entry::file("opt/svc/lib/jackson-databind-2.15.2.jar", 1_600_000),
                Entry::file("opt/svc/lib/guava-32.1.2-jre.jar", 3_000_000),
                Entry::file("opt/svc/app.war", 40_000),
            ],
        )],
    );
    synth::write(&[img], Format::DockerClassic, &out).unwrap();
    let v = inspect_json(&out, &[]);
    let gem = find(&v, "gem", "nokogiri", "/usr/local/bundle/specifications");
    assert_eq!(gem["version"], "1.15.4");
    assert_eq!(gem["bytes"], len(gemspec) + 3_000 + 9_000 + 4_000 + 10);
    assert_eq!(gem["files"], 5);
    let monolog = find(
        &v,
        "composer",
        "monolog/monolog",
        "/srv/vendor/monolog/monolog",
    );
    assert_eq!(
        (&monolog["version"], &monolog["bytes"], &monolog["dev"]),
        (
            &Value::from("3.5.0"),
            &Value::from(2_500),
            &Value::Bool(false)
        )
    );
    let phpunit = find(&v, "composer", "phpunit/phpunit", "/srv/vendor/phpunit");
    assert_eq!(
        (&phpunit["version"], &phpunit["dev"]),
        (&Value::from("10.5.1"), &Value::Bool(true))
    );
    let numpy = find(&v, "conda", "numpy", "/opt/conda/conda-meta");
    assert_eq!(
        numpy["bytes"],
        len(conda) + 50_000 + len("numpy/core.so,,\n") + 300
    );
    assert!(
        !v["packages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["ecosystem"] == "python"),
        "conda's site-packages are conda's: {}",
        v["packages"]
    );
    let json = find(&v, "nuget", "Newtonsoft.Json", "/app/App.deps.json");
    assert_eq!(
        (&json["version"], &json["bytes"]),
        (&Value::from("13.0.3"), &Value::from(700_000))
    );
    let hum = find(&v, "nuget", "Humanizer.Core", "/app/App.deps.json");
    assert_eq!(
        (&hum["bytes"], &hum["files"]),
        (&Value::from(320_000), &Value::from(2))
    );
    assert!(!v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "App"));
    let guava = find(&v, "jar", "guava", "/opt/svc/lib/guava-32.1.2-jre.jar");
    assert_eq!(
        (&guava["version"], &guava["bytes"]),
        (&Value::from("32.1.2-jre"), &Value::from(3_000_000))
    );
    find(&v, "jar", "jackson-databind", "/opt/svc/lib");
    let war = find(&v, "jar", "app", "/opt/svc/app.war");
    assert!(war["version"].is_null());
    assert_every_byte_once(&v, "/srv/vendor");
    let csv = stdout(&run(&[
        "packages",
        "--format",
        "csv",
        "--ecosystem",
        "gem",
        out.to_str().unwrap(),
    ]));
    assert_eq!(csv.lines().count(), 2, "{csv}");
}

#[test]
fn bytes_by_package_from_each_record() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let v = inspect_json(&img, &[]);
    // npm: a package's own folder, without its nested node_modules.
    let express = find(&v, "npm", "express", "/app/node_modules/express");
    assert_eq!(express["version"], "4.21.0");
    assert_eq!(
        express["bytes"],
        1_000 + len(r#"{"name":"express","version":"4.21.0"}"#)
    );
    assert_eq!(express["files"], 2);
    assert_eq!(express["dev"], false);
    let ts = find(&v, "npm", "typescript", "/app/node_modules/typescript");
    assert_eq!(ts["dev"], true);
    assert_eq!(ts["layer"], 1);
    assert_eq!(
        find(&v, "npm", "@types/node", "/app/node_modules/@types/node")["dev"],
        true
    );
    // The same name in two versions: not copies of each other, but versions.
    let nested = find(&v, "npm", "ms", "/app/node_modules/express/node_modules/ms");
    let top = find(&v, "npm", "ms", "/app/node_modules/ms");
    assert_eq!(nested["version"], "2.0.0");
    assert_eq!(top["version"], "2.1.3");
    assert!(nested["duplicate_of"].is_null() && top["duplicate_of"].is_null());
    assert_eq!(nested["other_versions"], serde_json::json!(["2.1.3"]));
    assert_eq!(top["other_versions"], serde_json::json!(["2.0.0"]));
    // optional and peer as the hidden lockfile says; null where it has no record.
    assert_eq!(
        (&top["optional"], &top["peer"]),
        (&Value::Bool(true), &Value::Bool(false))
    );
    let types = find(&v, "npm", "@types/node", "/app/node_modules/@types/node");
    assert_eq!(
        (&types["optional"], &types["peer"]),
        (&Value::Bool(false), &Value::Bool(true))
    );
    // A package.json that is not JSON: the folder's name, version unknown, bytes right.
    let broken = find(&v, "npm", "broken", "/app/node_modules/broken");
    assert!(broken["version"].is_null());
    assert!(broken["optional"].is_null() && broken["peer"].is_null());
    assert_eq!(broken["bytes"], 40 + len("{not json"));
    // dpkg: the listed regular files in the final filesystem; not-installed skipped;
    // a listed file that is not there adds nothing.
    let libc = find(&v, "deb", "libc6", "/var/lib/dpkg");
    assert_eq!(libc["bytes"], 10_000 + 2_000 + 300);
    assert_eq!(libc["files"], 3);
    assert_eq!(libc["installed_size"], 12 * 1024);
    assert_eq!(find(&v, "deb", "tzdata", "/var/lib/dpkg")["bytes"], 120);
    assert!(!v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "gone"));
    // apk and Python (RECORD paths may climb to bin/; quoted names).
    assert_eq!(find(&v, "apk", "musl", "/lib/apk")["bytes"], 600);
    assert_eq!(find(&v, "apk", "busybox", "/lib/apk")["bytes"], 900);
    let six = find(
        &v,
        "python",
        "six",
        "/usr/lib/python3/site-packages/six-1.16.0.dist-info",
    );
    assert_eq!(six["version"], "1.16.0");
    let record = "six.py,sha256=x,34549\nsix-1.16.0.dist-info/RECORD,,\n../../../bin/six-tool,,\n\"we,ird.py\",,\n";
    assert_eq!(
        six["bytes"],
        345 + 55 + 5 + len(record),
        "sizes from the filesystem, not the RECORD"
    );
    assert_every_byte_once(&v, "/app/server.js");
}

/// Every visible byte is in one package or unowned, once; `unowned` holds `path`.
fn assert_every_byte_once(v: &Value, unowned_path: &str) {
    let sum = |key: &str| -> u64 {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["bytes"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(
        sum("packages") + sum("unowned"),
        v["image"]["final_bytes"].as_u64().unwrap()
    );
    assert!(
        v["unowned"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["path"] == unowned_path),
        "{unowned_path} not in {}",
        v["unowned"]
    );
}

#[test]
fn the_packages_command() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let p = img.to_str().unwrap();
    let o = run(&["packages", p]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("libc6@2.36-9") && text.contains("typescript@5.6.3"),
        "{text}"
    );
    assert!(text.contains("broken (unknown version)"), "{text}");
    assert!(text.contains("Not in any package"), "{text}");
    let o = run(&["packages", "--ecosystem", "npm", "--format", "csv", p]);
    let csv = stdout(&o);
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "ecosystem,name,version,bytes,compressed_bytes,files,dev,optional,peer,layer,path,duplicate_of,other_versions,modules"
    );
    assert_eq!(rows.len(), 1 + 6, "{csv}");
    assert!(rows[1..].iter().all(|r| r.starts_with("npm,")));
    let o = run(&["packages", "--ecosystem", "deb", "--format", "json", p]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["packages"].as_array().unwrap().len(), 2);
    // inspect's table lists the largest.
    let table = stdout(&run(&["inspect", p]));
    assert!(table.contains("Largest packages"), "{table}");
}

fn rule<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == name)
        .unwrap_or_else(|| panic!("no rule {name}: {}", v["rules"]))
}

/// check's package rules: the largest package, forbidden names (globs), and
/// duplicate content (which turns on the hashing by itself).
#[test]
fn check_budgets_packages_and_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let p = img.to_str().unwrap();
    let ts = 5_000 + len(r#"{"name":"typescript","version":"5.6.3"}"#);
    let o = run(&[
        "check",
        p,
        "--format",
        "json",
        "--max-package-size",
        "5kB",
        "--forbid-package",
        "typescript",
        "--forbid-package",
        "@types/*",
        "--forbid-package",
        "jest",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = rule(&v, "max-package-size");
    assert_eq!(r["status"], "fail");
    // libc6 (12,300 bytes of listed files) is the largest.
    assert_eq!(r["actual_value"], 12_300.0);
    assert_eq!(
        r["details"],
        serde_json::json!([
            "deb libc6@2.36-9 (12.3 kB)",
            "npm typescript@5.6.3 at /app/node_modules/typescript (5.04 kB)"
        ])
    );
    let r = rule(&v, "forbid-packages typescript");
    assert_eq!(
        (r["status"].as_str(), r["actual_value"].as_f64()),
        (Some("fail"), Some(1.0))
    );
    assert_eq!(
        r["actual"],
        format!("1 package ({:.2} kB)", ts as f64 / 1000.0)
    );
    assert_eq!(rule(&v, "forbid-packages @types/*")["status"], "fail");
    assert_eq!(rule(&v, "forbid-packages jest")["status"], "pass");
    assert!(v["image"]["duplicate_bytes"].is_null());

    // max-duplicate-bytes hashes the contents without --content. The one
    // duplicate: libc6's copyright and ms/index.js, both 300 zero bytes.
    let o = run(&[
        "check",
        p,
        "--format",
        "json",
        "--max-duplicate-bytes",
        "0B",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["image"]["duplicate_bytes"], 300);
    let r = rule(&v, "max-duplicate-bytes");
    assert_eq!(r["actual_value"], 300.0);
    assert_eq!(
        r["details"][0],
        "/app/node_modules/ms/index.js and 1 more (300 B)"
    );

    // The same rules from imgsize.toml.
    let toml = dir.path().join("imgsize.toml");
    std::fs::write(
        &toml,
        "[budget]\nmax-package-size = \"20kB\"\nforbid-packages = [\"@types/*\"]\nmax-duplicate-bytes = \"1MB\"\n",
    )
    .unwrap();
    let o = run(&[
        "check",
        p,
        "--format",
        "json",
        "--config",
        toml.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rule(&v, "max-package-size")["status"], "pass");
    assert_eq!(rule(&v, "forbid-packages @types/*")["status"], "fail");
    assert_eq!(rule(&v, "max-duplicate-bytes")["status"], "pass");
}

fn npm_image(name: &str, packages: &[(&str, &str, u64)]) -> Image {
    let mut entries = vec![Entry::dir("app/node_modules")];
    for (pkg, version, size) in packages {
        entries.push(Entry::text(
            &format!("app/node_modules/{pkg}/package.json"),
            &format!(r#"{{"name":"{pkg}","version":"{version}"}}"#),
        ));
        entries.push(Entry::file(
            &format!("app/node_modules/{pkg}/index.js"),
            *size,
        ));
    }
    Image::new(name, vec![Layer::new("RUN npm ci", entries)])
}

/// diff names each package added, removed, at another version or resized, with
/// each side's version and bytes.
#[test]
fn diff_names_packages_added_removed_and_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.tar"), dir.path().join("b.tar"));
    let a_img = npm_image(
        "app:a",
        &[
            ("express", "4.19.2", 2_000),
            ("typescript", "5.6.3", 30_000),
            ("ms", "2.1.3", 300),
            ("same", "1.0.0", 50),
        ],
    );
    let b_img = npm_image(
        "app:b",
        &[
            ("express", "4.21.0", 2_100),
            ("ms", "2.1.3", 100),
            ("zod", "3.23.8", 4_000),
            ("same", "1.0.0", 50),
        ],
    );
    synth::write(&[a_img], Format::DockerClassic, &a).unwrap();
    synth::write(&[b_img], Format::DockerClassic, &b).unwrap();
    let o = run(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v = json_of(&o);
    let changes: Vec<(String, String, Value, Value, i64)> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["change"].as_str().unwrap().to_string(),
                c["name"].as_str().unwrap().to_string(),
                c["a_version"].clone(),
                c["b_version"].clone(),
                c["delta_bytes"].as_i64().unwrap(),
            )
        })
        .collect();
    let manifest = |p: &str, v: &str| len(&format!(r#"{{"name":"{p}","version":"{v}"}}"#)) as i64;
    assert_eq!(
        changes,
        vec![
            (
                "added".into(),
                "zod".into(),
                Value::Null,
                "3.23.8".into(),
                4_000 + manifest("zod", "3.23.8")
            ),
            (
                "removed".into(),
                "typescript".into(),
                "5.6.3".into(),
                Value::Null,
                -30_000 - manifest("typescript", "5.6.3")
            ),
            (
                "version".into(),
                "express".into(),
                "4.19.2".into(),
                "4.21.0".into(),
                100
            ),
            (
                "resized".into(),
                "ms".into(),
                "2.1.3".into(),
                "2.1.3".into(),
                -200
            ),
        ]
    );
    let text = stdout(&run(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]));
    assert!(
        text.contains("Packages added, removed, at another version and resized"),
        "{text}"
    );
    assert!(
        text.contains("npm typescript (/app/node_modules/typescript)"),
        "{text}"
    );
}

/// Records that are cut short or wrong never make a wrong total: a dpkg status
/// cut inside a stanza, an apk record without a name, a lockfile naming packages
/// that are not there; and dpkg's `/lib/...` paths found behind a merged /usr.
#[test]
fn bad_records_and_merged_usr() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bad.tar");
    let lock = r#"{"lockfileVersion":3,"packages":{
        "node_modules/ghost":{"version":"1.0.0","dev":true},
        "node_modules/real":{"version":"1.0.0"}}}"#;
    let img = Image::new(
        "bad:1",
        vec![
            Layer::new(
                "ADD rootfs /",
                vec![
                    Entry::dir("usr/lib/x86_64-linux-gnu"),
                    Entry::Symlink {
                        path: "lib".into(),
                        target: "usr/lib".into(),
                    },
                    Entry::file("usr/lib/x86_64-linux-gnu/libc.so.6", 7_000),
                    Entry::text(
                        "var/lib/dpkg/status",
                        "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36\n\nPackage: zlib1g\nStatus: install ok inst",
                    ),
                    Entry::text(
                        "var/lib/dpkg/info/libc6:amd64.list",
                        "/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libc.so.6\n",
                    ),
                    Entry::text("var/lib/dpkg/info/zlib1g:amd64.list", "/usr/lib/libz.so\n"),
                    Entry::file("usr/lib/libz.so", 900),
                    Entry::file("etc/motd", 50),
                ],
            ),
            Layer::new(
                "RUN npm ci",
                vec![
                    Entry::text("app/node_modules/.package-lock.json", lock),
                    Entry::text("app/node_modules/real/package.json", r#"{"name":"real","version":"1.0.0"}"#),
                    Entry::file("app/node_modules/real/index.js", 400),
                ],
            ),
        ],
    );
    synth::write(&[img], Format::DockerClassic, &out).unwrap();
    let v = inspect_json(&out, &[]);
    // libc6's /lib path is found in /usr/lib.
    assert_eq!(find(&v, "deb", "libc6", "/var/lib/dpkg")["bytes"], 7_000);
    // The stanza cut inside its Status is not known to be installed: zlib1g is no
    // package, and its file is unowned.
    assert!(!v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "zlib1g"));
    assert!(v["unowned"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["path"] == "/usr/lib" && u["bytes"] == 900));
    // The lockfile's ghost is not a package.
    assert!(!v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "ghost"));
    assert_eq!(
        find(&v, "npm", "real", "/app/node_modules/real")["dev"],
        false
    );
    assert_every_byte_once(&v, "/etc/motd");
}

/// An image without package records says so, rather than drawing an empty table.
#[test]
fn no_records_is_said_in_words() {
    let o = run(&["packages", testdata("app.docker.tar").to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("0 packages, 0 B"), "{text}");
    assert!(text.contains("No package records found"), "{text}");
    assert!(!text.contains("Ecosystem"), "{text}");
    assert!(text.contains("Not in any package"), "{text}");
}
