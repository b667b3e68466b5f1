//! A real Node.js app built with buildah, single-stage and multi-stage
//! (testdata/node/build.sh): the findings must match what the extracted filesystem
//! holds, and the pruned multi-stage build must show no dev dependencies.
//!
//! Needs root, buildah, skopeo, umoci, busybox-static, node, npm and the npm
//! registry (`.ci/run` installs them): ignored unless asked for (`cargo test --
//! --include-ignored`), so a run without them says what it skipped.

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::*;

pub fn images() -> &'static Path {
    static BUILT: OnceLock<Built> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout == b"0\n");
        let missing =
            crate::services::missing_tools(&["buildah", "skopeo", "umoci", "node", "npm"]);
        assert!(
            root && missing.is_none() && Path::new("/bin/busybox").exists(),
            "the real Node.js images need root, buildah, skopeo, umoci, node, npm and \
             busybox-static (root: {root}, {}); .ci/run installs them",
            missing.as_deref().unwrap_or("no tool missing")
        );
        build_testdata("node/build.sh", "node", "")
    });
    &built.out
}

/// Every regular file under `root` once per inode: (path relative to root, size).
fn files(root: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else if m.is_file() && seen.insert((m.dev(), m.ino())) {
                let rel = e
                    .path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, m.len()));
            }
        }
    }
    out
}

/// The categories, computed again from the extracted files by plain string tests.
fn expected(root: &Path) -> HashMap<&'static str, u64> {
    let lock: Value = serde_json::from_slice(
        &std::fs::read(root.join("app/node_modules/.package-lock.json")).unwrap(),
    )
    .unwrap();
    let dev_dirs: Vec<String> = lock["packages"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, p)| !k.is_empty() && (p["dev"] == true || p["devOptional"] == true))
        .map(|(k, _)| format!("app/{k}/"))
        .collect();
    assert!(!dev_dirs.is_empty());
    let mut sums: HashMap<&'static str, u64> = HashMap::new();
    for (path, size) in files(root) {
        let in_modules = path.contains("node_modules/");
        let mut add = |c: &'static str| *sums.entry(c).or_default() += size;
        if dev_dirs.iter().any(|d| path.starts_with(d.as_str())) {
            add("dev-dependencies");
        }
        if path.contains(".npm/_cacache/")
            || path.contains(".npm/_logs/")
            || path.contains(".npm/_npx/")
        {
            add("npm-cache");
        }
        let name = path.rsplit('/').next().unwrap();
        let ts_source = (name.ends_with(".ts") && !name.ends_with(".d.ts")) && !in_modules;
        if path.contains("node_modules/typescript/")
            || ts_source
            || (name.starts_with("tsconfig") && name.ends_with(".json"))
            || name.ends_with(".tsbuildinfo")
        {
            add("typescript");
        }
        if name.ends_with(".map") {
            add("source-maps");
        }
    }
    sums
}

fn category(v: &Value, c: &str) -> u64 {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["category"] == c)
        .map(|f| f["bytes"].as_u64().unwrap())
        .sum()
}

#[test]
#[ignore = "needs root, buildah, skopeo, umoci, node and npm (.ci/run installs them)"]
fn findings_match_the_extracted_filesystem() {
    let out = images();
    let v = inspect_json(&out.join("single"), &[]);
    let dir = tempfile::tempdir().unwrap();
    let root = unpack(&out.join("single"), &dir.path().join("bundle"));
    let want = expected(&root);
    for c in ["dev-dependencies", "npm-cache", "typescript", "source-maps"] {
        let (ours, theirs) = (category(&v, c) as f64, *want.get(c).unwrap_or(&0) as f64);
        assert!(theirs > 0.0, "the extracted image has no {c}");
        assert!(
            (ours - theirs).abs() <= theirs * 0.01,
            "{c}: imgsize {ours}, extracted filesystem {theirs}"
        );
    }
    // And the whole: what the extracted filesystem holds is final_bytes.
    let total: u64 = files(&root).iter().map(|(_, s)| s).sum();
    assert_eq!(v["image"]["final_bytes"].as_u64().unwrap(), total);
    // `npm install` then `COPY . .` with the local node_modules: the install's
    // packages are shipped twice, once hidden.
    let churn = finding(&v, "layer-churn").unwrap();
    let s = churn["summary"].as_str().unwrap();
    assert!(s.contains("RUN npm install") && s.contains("COPY"), "{s}");
    let kinds: Vec<&str> = v["hints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    for k in [
        "copy-node-modules",
        "npm-install",
        "cache-not-cleaned",
        "multi-stage",
        "runs-as-root",
    ] {
        assert!(kinds.contains(&k), "missing hint {k}: {kinds:?}");
    }
}

#[test]
#[ignore = "needs root, buildah, skopeo, umoci, node and npm (.ci/run installs them)"]
fn pruned_multi_stage_build_has_no_dev_dependencies() {
    let out = images();
    for input in [out.join("multi"), out.join("multi.tar")] {
        let v = inspect_json(&input, &[]);
        assert_eq!(category(&v, "dev-dependencies"), 0, "{}", input.display());
        assert_eq!(category(&v, "npm-cache"), 0);
        assert_eq!(category(&v, "typescript"), 0);
        assert_eq!(v["image"]["user"], "1000");
    }
}

#[test]
#[ignore = "needs root, buildah, skopeo, umoci, node and npm (.ci/run installs them)"]
fn every_format_of_the_real_node_images_agrees() {
    let out = images();
    for kind in ["single", "multi"] {
        let a = figures(&inspect_json(&out.join(kind), &[]));
        let b = figures(&inspect_json(&out.join(format!("{kind}.tar")), &[]));
        assert_eq!(a, b, "{kind}: OCI layout and docker-archive disagree");
    }
}

#[test]
#[ignore = "needs root, buildah, skopeo, umoci, node and npm (.ci/run installs them)"]
fn diff_of_the_single_and_multi_stage_builds() {
    let out = images();
    let (a, b) = (out.join("single.tar"), out.join("multi"));
    let o = run(&[
        "diff",
        "--format",
        "json",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    let d = json_of(&o);
    let (ia, ib) = (inspect_json(&a, &[]), inspect_json(&b, &[]));
    assert_eq!(d["a"], ia["image"]);
    assert_eq!(d["b"], ib["image"]);
    let delta = d["delta"]["layer_bytes"].as_i64().unwrap();
    assert_eq!(
        delta,
        ib["image"]["layer_bytes"].as_i64().unwrap() - ia["image"]["layer_bytes"].as_i64().unwrap()
    );
    let cat = |name: &str| -> i64 {
        d["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["category"] == name)
            .map(|c| c["delta_bytes"].as_i64().unwrap())
            .unwrap_or(0)
    };
    // The saving is the dev dependencies, the npm cache and the duplicate install.
    assert!(cat("dev-dependencies") < -10_000_000, "{}", d["categories"]);
    assert!(cat("npm-cache") < -1_000_000);
    assert!(cat("typescript") < -10_000_000);
    let explained = -(cat("dev-dependencies") + cat("npm-cache") + cat("layer-churn"));
    assert!(
        explained as f64 >= -delta as f64 * 0.95,
        "categories explain {explained} of {delta}"
    );
    assert_eq!(d["layers"]["shared"][0]["instruction"], "ADD node-rootfs /");
}

/// The HTML report of the single-stage build in Chromium: selecting the layer of
/// `COPY . .` lists the local node_modules files it brought, and the map holds the
/// image's size.
#[test]
#[ignore = "needs root, buildah, skopeo, umoci, node, npm and chromium (.ci/run installs them)"]
fn html_report_of_the_single_stage_build() {
    use crate::html::{assert_clean, browser, eval, open, report};
    let out = images();
    let img = out.join("single.tar");
    let v = inspect_json(&img, &[]);
    let copy = v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["instruction"].as_str().unwrap_or("").starts_with("COPY"))
        // `COPY . .` is the larger COPY (the other copies the package files).
        .max_by_key(|l| l["bytes"].as_u64())
        .and_then(|l| l["index"].as_u64())
        .expect("the COPY . . layer");
    let dir = tempfile::tempdir().unwrap();
    let page = report(dir.path(), &["inspect", img.to_str().unwrap()]);
    let browser = browser();
    let tab = open(&browser, &page);
    assert_clean(&tab);
    assert_eq!(
        eval(&tab, "[...document.querySelectorAll('.map > .box')].reduce((s, b) => s + Number(b.dataset.bytes), 0)"),
        v["image"]["layer_bytes"]
    );
    eval(
        &tab,
        &format!("document.querySelector('.layer[data-index=\"{copy}\"]').click()"),
    );
    let explorer = eval(&tab, "document.getElementById('explorer').textContent");
    assert!(
        explorer.as_str().unwrap().contains("/app/node_modules/"),
        "{explorer}"
    );
    // Colour by package: typescript's folder takes its package's colour (its place
    // among the largest packages), names it when hovered, and the legend lists it.
    eval(&tab, "const s = document.getElementById('colour'); s.value = 'package'; s.dispatchEvent(new Event('change'))");
    let place = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .position(|p| p["name"] == "typescript")
        .expect("typescript is a package");
    assert!(place < 12, "typescript is package #{place}");
    let probe = format!(
        "(() => {{ const d = window.__imgsize.data.images[0]; \
           const root = d.treemap.findIndex(n => n.path === '/'); \
           document.querySelector(`.map > .box[data-index=\"${{root}}\"]`).click(); \
           const app = d.treemap.findIndex(n => n.path === '/app'); \
           document.querySelector(`.map > .box[data-index=\"${{app}}\"]`).click(); \
           const nm = d.treemap.findIndex(n => n.path === '/app/node_modules'); \
           document.querySelector(`.map > .box[data-index=\"${{nm}}\"]`).click(); \
           const ts = d.treemap.findIndex(n => n.path === '/app/node_modules/typescript'); \
           const b = document.querySelector(`.map > .box[data-index=\"${{ts}}\"]`); \
           const want = document.createElement('i'); want.style.background = PALETTE[{place}]; \
           b.dispatchEvent(new MouseEvent('mousemove', {{bubbles: true, clientX: 5, clientY: 5}})); \
           return JSON.stringify([b.style.background === want.style.background, \
             d.treemap[ts].package, document.getElementById('tip').textContent]); }})()"
    );
    let got: Value = serde_json::from_str(eval(&tab, &probe).as_str().expect("a string")).unwrap();
    assert_eq!(got[0], true, "{got}");
    assert_eq!(got[1], place, "{got}");
    assert!(
        got[2]
            .as_str()
            .unwrap()
            .contains("package: npm typescript@5.6.3 (dev)"),
        "{got}"
    );
    let legend = eval(&tab, "document.querySelector('.legend').textContent");
    assert!(
        legend
            .as_str()
            .unwrap()
            .contains("npm typescript@5.6.3 (dev)")
            && legend.as_str().unwrap().contains("no package"),
        "{legend}"
    );
    assert_clean(&tab);
}

/// Every npm package's bytes equal its folder's bytes in the filesystem umoci
/// extracts, nested node_modules left out, hardlinks once; dev packages are the
/// hidden lockfile's.
#[test]
#[ignore = "needs root, buildah, skopeo, umoci, node and npm (.ci/run installs them)"]
fn npm_packages_match_the_extracted_filesystem() {
    let out = images();
    let layout = out.join("single");
    let tmp = tempfile::tempdir().unwrap();
    let root = unpack(&layout, &tmp.path().join("u"));
    let all = files(&root);
    let v = inspect_json(&layout, &[]);
    let packages: Vec<&Value> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] == "npm")
        .collect();
    assert!(packages.len() > 20, "{} npm packages", packages.len());
    let lock: Value = serde_json::from_slice(
        &std::fs::read(root.join("app/node_modules/.package-lock.json")).unwrap(),
    )
    .unwrap();
    for p in &packages {
        let dir = p["paths"][0]
            .as_str()
            .unwrap()
            .trim_start_matches('/')
            .to_string()
            + "/";
        let want: u64 = all
            .iter()
            .filter(|(path, _)| {
                path.starts_with(&dir) && !path[dir.len()..].contains("node_modules/")
            })
            .map(|(_, size)| size)
            .sum();
        let got = p["bytes"].as_u64().unwrap();
        assert!(
            got.abs_diff(want) * 1000 <= want.max(1),
            "{dir}: imgsize {got}, extracted {want}"
        );
        // The app's packages: dev as the app's hidden lockfile says (npm's own, in
        // /usr/lib, follow npm's records).
        if let Some(key) = dir.strip_prefix("app/") {
            let key = key.trim_end_matches('/');
            let dev = lock["packages"][key]["dev"].as_bool().unwrap_or(false)
                || lock["packages"][key]["devOptional"]
                    .as_bool()
                    .unwrap_or(false);
            assert_eq!(p["dev"], dev, "{dir}");
        }
    }
    assert!(packages
        .iter()
        .any(|p| p["name"] == "typescript" && p["dev"] == true));
}

/// `RUN chown -R node:node /app` after `COPY . .`: every byte of /app ships twice.
/// The finding's bytes and files equal the regular files umoci extracts under
/// /app, by size alone and proven by hash with `--content`.
#[test]
#[ignore = "needs root, buildah, skopeo, umoci, node and npm (.ci/run installs them)"]
fn chown_after_copy_ships_the_app_twice() {
    let out = images();
    let tmp = tempfile::tempdir().unwrap();
    let root = unpack(&out.join("chown"), &tmp.path().join("u"));
    let app: Vec<(String, u64)> = files(&root)
        .into_iter()
        .filter(|(p, size)| p.starts_with("app/") && *size > 0)
        .collect();
    let want: u64 = app.iter().map(|(_, s)| s).sum();
    assert!(want > 1_000_000, "{want}");
    for extra in [&[][..], &["--content"][..]] {
        let v = inspect_json(&out.join("chown.tar"), extra);
        let f = finding(&v, "reshipped-unchanged")
            .unwrap_or_else(|| panic!("no reshipped-unchanged finding with {extra:?}"));
        assert_eq!(f["bytes"], want, "{extra:?}");
        assert_eq!(f["files"], app.len(), "{extra:?}");
        assert_eq!(f["instruction"], "RUN chown -R node:node /app");
        assert!(f["fix"]
            .as_str()
            .unwrap()
            .contains("COPY --chown=node:node"));
        assert_eq!(v["image"]["hidden_bytes"], want);
    }
}

/// `--content` duplicates equal the groups of identical files in the extracted
/// filesystem (sha256 there, XXH3-128 in imgsize; hardlinks once, empty files
/// left out).
#[test]
#[ignore = "needs root, buildah, skopeo, umoci, node and npm (.ci/run installs them)"]
fn duplicates_match_the_extracted_filesystem() {
    use sha2::{Digest, Sha256};
    let out = images();
    let tmp = tempfile::tempdir().unwrap();
    let root = unpack(&out.join("single"), &tmp.path().join("u"));
    let mut groups: HashMap<(Vec<u8>, u64), Vec<String>> = HashMap::new();
    for (path, size) in files(&root) {
        if size == 0 {
            continue;
        }
        let hash = Sha256::digest(std::fs::read(root.join(&path)).unwrap()).to_vec();
        groups
            .entry((hash, size))
            .or_default()
            .push(format!("/{path}"));
    }
    let mut want: Vec<(u64, Vec<String>)> = groups
        .into_iter()
        .filter(|(_, p)| p.len() > 1)
        .map(|((_, size), mut p)| {
            p.sort();
            (size * (p.len() as u64 - 1), p)
        })
        .collect();
    want.sort();
    let v = inspect_json(&out.join("single.tar"), &["--content"]);
    let mut got: Vec<(u64, Vec<String>)> = v["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let paths = g["paths"].as_array().unwrap();
            (
                g["bytes"].as_u64().unwrap(),
                paths
                    .iter()
                    .map(|p| p.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    got.sort();
    assert!(want.len() > 10, "{} groups", want.len());
    assert_eq!(got, want);
    let total: u64 = want.iter().map(|(b, _)| b).sum();
    assert_eq!(v["image"]["duplicate_bytes"], total);
}
