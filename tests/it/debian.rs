//! Debian, Python, Ruby and Composer packages on a real image
//! (testdata/debian/build.sh: this machine's Debian packages for python3, pip, ruby
//! and composer as the base, merged /usr, then `pip install`, `gem install --local`
//! and `composer install` in RUNs): each package's bytes equal what its records
//! list in the filesystem umoci extracts.
//!
//! Needs root, buildah, skopeo, umoci, python3-pip, ruby, composer and PyPI
//! (`.ci/run` installs them): ignored unless asked for (`cargo test --
//! --include-ignored`).

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

use crate::*;

fn image() -> &'static Path {
    static BUILT: OnceLock<Built> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        build_testdata(
            "debian/build.sh",
            "debian",
            " (needs root, buildah, skopeo, python3-pip, ruby, composer)",
        )
    });
    &built.out
}

/// Claims the regular file at `rel` (resolved by the filesystem, links in the
/// folders followed, as the kernel does) once per inode: its size, or None.
fn claim(root: &Path, rel: &str, seen: &mut HashSet<(u64, u64)>) -> Option<u64> {
    let m = std::fs::symlink_metadata(root.join(rel.trim_start_matches('/'))).ok()?;
    (m.is_file() && seen.insert((m.dev(), m.ino()))).then_some(m.len())
}

fn packages(v: &Value, ecosystem: &str) -> HashMap<String, u64> {
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] == ecosystem)
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["bytes"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
#[ignore = "needs root, buildah, skopeo, umoci, python3-pip and PyPI (.ci/run installs them)"]
fn debian_and_python_packages_match_the_extracted_filesystem() {
    let out = image();
    let tmp = tempfile::tempdir().unwrap();
    let root = unpack(&out.join("python"), &tmp.path().join("u"));
    let v = inspect_json(&out.join("python.tar"), &[]);
    let mut seen = HashSet::new();

    // dpkg: every installed stanza's .list, in the status file's order; a file two
    // packages list counts for the first.
    let status = std::fs::read_to_string(root.join("var/lib/dpkg/status")).unwrap();
    let mut want_deb: HashMap<String, u64> = HashMap::new();
    for stanza in status.split("\n\n").filter(|s| !s.trim().is_empty()) {
        let field = |k: &str| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{k}: ")))
                .map(str::to_string)
        };
        let name = field("Package").unwrap();
        let arch = field("Architecture").unwrap_or_default();
        let info = root.join("var/lib/dpkg/info");
        let list = std::fs::read_to_string(info.join(format!("{name}:{arch}.list")))
            .or_else(|_| std::fs::read_to_string(info.join(format!("{name}.list"))))
            .unwrap_or_default();
        let bytes = list
            .lines()
            .filter_map(|p| claim(&root, p, &mut seen))
            .sum();
        want_deb.insert(name, bytes);
    }
    let got_deb = packages(&v, "deb");
    assert!(want_deb.len() > 30, "{} deb packages", want_deb.len());
    assert_eq!(got_deb.len(), want_deb.len());
    for (name, want) in &want_deb {
        let got = got_deb[name];
        assert!(
            got.abs_diff(*want) * 1000 <= (*want).max(1),
            "deb {name}: imgsize {got}, extracted {want}"
        );
    }
    assert!(
        want_deb["libc6"] > 1_000_000,
        "libc6 found behind /lib -> usr/lib"
    );

    // Python: each RECORD under dist-packages that dpkg did not install.
    let site = root.join("usr/local/lib");
    let mut want_py: HashMap<String, u64> = HashMap::new();
    let mut stack = vec![site];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().map(Result::unwrap) {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(p.clone());
            }
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".dist-info") else {
                continue;
            };
            let record = std::fs::read_to_string(p.join("RECORD")).unwrap();
            let base = p.parent().unwrap();
            let bytes = record
                .lines()
                .filter_map(|l| l.split(',').next())
                .filter_map(|rel| {
                    let full = base.join(rel);
                    let rel = full
                        .strip_prefix(&root)
                        .ok()?
                        .to_string_lossy()
                        .into_owned();
                    claim(&root, &rel, &mut seen)
                })
                .sum();
            // The name pip prints: METADATA's, not the folder's (charset_normalizer
            // is charset-normalizer).
            let metadata = std::fs::read_to_string(p.join("METADATA")).unwrap();
            let name = metadata
                .lines()
                .find_map(|l| l.strip_prefix("Name: "))
                .unwrap_or_else(|| stem.split('-').next().unwrap());
            want_py.insert(name.to_string(), bytes);
        }
    }
    let got_py = packages(&v, "python");
    for n in ["requests", "six", "urllib3", "idna", "certifi"] {
        assert!(want_py.contains_key(n), "pip installed {n}: {want_py:?}");
    }
    // Debian's own pip stays dpkg's.
    assert_eq!(got_py.len(), want_py.len(), "{got_py:?}");
    for (name, want) in &want_py {
        let got = got_py[name];
        assert!(
            got.abs_diff(*want) * 1000 <= (*want).max(1),
            "python {name}: imgsize {got}, extracted {want}"
        );
    }
    // The layer that installed them is the pip RUN.
    let requests = package(&v, "python", "requests");
    assert!(
        instruction(&v, requests).contains("pip install"),
        "{}",
        instruction(&v, requests)
    );
}

/// The regular files under `rel` (a folder, or one file), each inode once.
fn tree_bytes(root: &Path, rel: &Path, seen: &mut HashSet<(u64, u64)>) -> (u64, u64) {
    let (mut bytes, mut files) = (0, 0);
    let mut stack = vec![root.join(rel)];
    while let Some(p) = stack.pop() {
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if m.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if m.is_file() && seen.insert((m.dev(), m.ino())) {
            bytes += m.len();
            files += 1;
        }
    }
    (bytes, files)
}

fn package<'a>(v: &'a Value, ecosystem: &str, name: &str) -> &'a Value {
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["ecosystem"] == ecosystem && p["name"] == name)
        .unwrap_or_else(|| panic!("no {ecosystem} package {name}"))
}

fn instruction<'a>(v: &'a Value, p: &Value) -> &'a str {
    v["layers"][p["layer"].as_u64().unwrap() as usize]["instruction"]
        .as_str()
        .unwrap()
}

#[test]
#[ignore = "needs root, buildah, skopeo, umoci, ruby, composer (.ci/run installs them)"]
fn gems_and_composer_packages_match_the_extracted_filesystem() {
    let out = image();
    let tmp = tempfile::tempdir().unwrap();
    let root = unpack(&out.join("python"), &tmp.path().join("u"));
    let v = inspect_json(&out.join("python.tar"), &[]);

    // Gems where `gem install` put them (GEM_HOME, var/lib/gems/RUBY_VERSION): a
    // gem is its spec, its folder, the .gem kept in cache/, its built extensions.
    let homes: Vec<_> = std::fs::read_dir(root.join("var/lib/gems"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(homes.len(), 1, "{homes:?}");
    let home = homes[0].strip_prefix(&root).unwrap().to_path_buf();
    for (name, version) in [("greeting", "1.2.0"), ("hello", "0.3.1")] {
        let full = format!("{name}-{version}");
        let mut seen = HashSet::new();
        let mut want = (0, 0);
        let mut parts = vec![
            home.join(format!("specifications/{full}.gemspec")),
            home.join(format!("gems/{full}")),
            home.join(format!("cache/{full}.gem")),
        ];
        if let Ok(platforms) = std::fs::read_dir(root.join(&home).join("extensions")) {
            for p in platforms.map(|e| e.unwrap().path()) {
                for abi in std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()) {
                    parts.push(abi.join(&full).strip_prefix(&root).unwrap().to_path_buf());
                }
            }
        }
        for part in parts {
            let (b, f) = tree_bytes(&root, &part, &mut seen);
            want = (want.0 + b, want.1 + f);
        }
        let got = package(&v, "gem", name);
        assert_eq!(got["version"], version);
        assert_eq!(
            (
                got["bytes"].as_u64().unwrap(),
                got["files"].as_u64().unwrap()
            ),
            want,
            "gem {name}"
        );
        assert!(
            instruction(&v, got).contains("gem install"),
            "{}",
            instruction(&v, got)
        );
    }
    // Debian's own gems (ruby's default and bundled ones) stay dpkg's.
    let gems = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] == "gem")
        .count();
    assert_eq!(gems, 2);

    // Composer: installed.json's packages, each its install-path, relative to
    // vendor/composer.
    let vendor = root.join("srv/php/vendor");
    let installed: Value =
        serde_json::from_slice(&std::fs::read(vendor.join("composer/installed.json")).unwrap())
            .unwrap();
    let listed = installed["packages"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    for p in listed {
        let name = p["name"].as_str().unwrap();
        let folder = vendor
            .join("composer")
            .join(p["install-path"].as_str().unwrap());
        let folder = folder.canonicalize().unwrap();
        let mut seen = HashSet::new();
        let want = tree_bytes(&root, folder.strip_prefix(&root).unwrap(), &mut seen);
        assert!(want.1 >= 2, "{name}: {want:?}");
        let got = package(&v, "composer", name);
        assert_eq!(got["version"], p["version"]);
        assert_eq!(
            (
                got["bytes"].as_u64().unwrap(),
                got["files"].as_u64().unwrap()
            ),
            want,
            "composer {name}"
        );
        assert_eq!(got["dev"], name == "acme/util", "{name}");
        assert!(
            instruction(&v, got).contains("composer install"),
            "{}",
            instruction(&v, got)
        );
    }
}
