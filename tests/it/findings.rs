//! Waste findings on generated images: npm, yarn and pnpm dev dependencies, caches,
//! TypeScript, source maps, secrets, hints; `--ignore`.

use imgsize::synth::{self, Entry, Format, Image, Layer};
use serde_json::Value;

use crate::*;

fn bytes(v: &Value, category: &str) -> u64 {
    finding(v, category)
        .map(|f| f["bytes"].as_u64().unwrap())
        .unwrap_or(0)
}

fn hint_kinds(v: &Value) -> Vec<String> {
    v["hints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap().to_string())
        .collect()
}

const LOCK_DEV: &str = r#"{"name":"app","lockfileVersion":3,"requires":true,"packages":{
 "node_modules/ms":{"version":"2.1.3"},
 "node_modules/typescript":{"version":"5.6.3","dev":true},
 "node_modules/eslint":{"version":"9.0.0","dev":true},
 "node_modules/eslint/node_modules/debug":{"version":"4.3.4","dev":true},
 "node_modules/fsevents":{"version":"2.3.3","devOptional":true}}}"#;

const LOCK_PRUNED: &str = r#"{"name":"app","lockfileVersion":3,"requires":true,"packages":{
 "node_modules/ms":{"version":"2.1.3"}}}"#;

fn node_modules(lock: &str, with_dev: bool) -> Vec<Entry> {
    let mut e = vec![
        Entry::dir("app/node_modules"),
        Entry::text("app/node_modules/.package-lock.json", lock),
        Entry::file("app/node_modules/ms/index.js", 3000),
        Entry::text("app/node_modules/ms/package.json", "{\"name\":\"ms\"}"),
    ];
    if with_dev {
        e.extend([
            Entry::file("app/node_modules/typescript/lib/tsc.js", 200_000),
            Entry::file("app/node_modules/typescript/lib/lib.d.ts", 50_000),
            Entry::file("app/node_modules/eslint/lib/api.js", 40_000),
            Entry::file(
                "app/node_modules/eslint/node_modules/debug/src/index.js",
                7_000,
            ),
            Entry::file("app/node_modules/fsevents/fsevents.node", 1_000),
        ]);
    }
    e
}

fn single_stage() -> Image {
    let mut install = node_modules(LOCK_DEV, true);
    install.extend([
        Entry::dir("root/.npm/_cacache"),
        Entry::file("root/.npm/_cacache/content-v2/sha512/aa/bb", 90_000),
        Entry::file("root/.npm/_logs/debug.log", 1_000),
    ]);
    Image::new(
        "app:single",
        vec![
            Layer::new(
                "ADD rootfs /",
                vec![
                    Entry::file("bin/node", 500_000),
                    Entry::file("var/lib/apt/lists/deb_dists_Packages", 30_000),
                ],
            ),
            Layer::new("WORKDIR /app", vec![Entry::dir("app")]),
            Layer::new(
                "COPY . . # buildkit",
                vec![
                    Entry::text(
                        "app/package.json",
                        r#"{"name":"app","dependencies":{"ms":"2.1.3"},"devDependencies":{"typescript":"5.6.3"}}"#,
                    ),
                    Entry::text("app/package-lock.json", LOCK_DEV),
                    Entry::file("app/src/index.ts", 2_000),
                    Entry::file("app/src/types.d.ts", 500),
                    Entry::file("app/tsconfig.json", 300),
                    Entry::text("app/.env", "API_TOKEN=super-secret-value-123\n"),
                    Entry::file("app/node_modules/left-over/index.js", 4_000),
                ],
            ),
            Layer::new("RUN /bin/sh -c npm install # buildkit", install),
            Layer::new(
                "RUN /bin/sh -c npx tsc # buildkit",
                vec![
                    Entry::file("app/dist/index.js", 1_500),
                    Entry::file("app/dist/index.js.map", 2_500),
                    Entry::file("app/tsconfig.tsbuildinfo", 800),
                ],
            ),
        ],
    )
}

fn inspect_image(img: Image, extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("img.tar");
    synth::write(&[img], Format::DockerClassic, &out).unwrap();
    inspect_json(&out, extra)
}

#[test]
fn npm_single_stage_findings() {
    let v = inspect_image(single_stage(), &[]);
    // typescript + eslint (+ its nested debug) + fsevents (devOptional), and the
    // COPY's left-over node_modules package is not in the lockfile.
    assert_eq!(
        bytes(&v, "dev-dependencies"),
        200_000 + 50_000 + 40_000 + 7_000 + 1_000
    );
    let dev = finding(&v, "dev-dependencies").unwrap();
    assert_eq!(dev["layers"][0]["index"], 3);
    assert_eq!(dev["instruction"], "RUN npm install");
    assert_eq!(
        dev["paths"][0]["path"],
        "/app/node_modules/typescript/lib/tsc.js"
    );
    assert_eq!(bytes(&v, "npm-cache"), 91_000);
    // The whole compiler package, project .ts sources (not .d.ts), tsconfig and
    // tsbuildinfo.
    assert_eq!(
        bytes(&v, "typescript"),
        200_000 + 50_000 + 2_000 + 300 + 800
    );
    assert_eq!(bytes(&v, "source-maps"), 2_500);
    assert_eq!(bytes(&v, "apt-lists"), 30_000);
    let secret = finding(&v, "secrets-risk").unwrap();
    assert_eq!(secret["paths"][0]["path"], "/app/.env");
    // Counted once where categories overlap (typescript is also a dev dependency).
    let union = 298_000 + 91_000 + 2_000 + 300 + 800 + 2_500 + 30_000 + 33;
    assert_eq!(v["image"]["flagged_bytes"], union);
    let kinds = hint_kinds(&v);
    for k in [
        "copy-node-modules",
        "copy-before-install",
        "npm-install",
        "cache-not-cleaned",
        "multi-stage",
        "runs-as-root",
    ] {
        assert!(
            kinds.contains(&k.to_string()),
            "missing hint {k}: {kinds:?}"
        );
    }
}

#[test]
fn secrets_are_reported_by_path_and_size_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("img.tar");
    synth::write(&[single_stage()], Format::DockerClassic, &out).unwrap();
    for format in ["json", "table"] {
        let o = run(&["inspect", "--format", format, out.to_str().unwrap()]);
        assert!(o.status.success());
        assert!(
            !stdout(&o).contains("super-secret-value"),
            "{format} output leaks a secret"
        );
    }
}

#[test]
fn pruned_node_modules_has_no_dev_dependencies() {
    let mut img = Image::new(
        "app:multi",
        vec![
            Layer::new("ADD rootfs /", vec![Entry::file("bin/node", 500_000)]),
            Layer::new(
                "COPY /app/node_modules ./node_modules # buildkit",
                node_modules(LOCK_PRUNED, false),
            ),
            Layer::new(
                "COPY /app/dist ./dist # buildkit",
                vec![Entry::file("app/dist/index.js", 1_500)],
            ),
        ],
    );
    img.user = Some("node".into());
    let v = inspect_image(img, &[]);
    assert!(
        finding(&v, "dev-dependencies").is_none(),
        "{}",
        v["findings"]
    );
    assert!(!hint_kinds(&v).contains(&"runs-as-root".to_string()));
}

#[test]
fn yarn_dev_dependencies_from_package_json() {
    let img = Image::new(
        "app:yarn",
        vec![Layer::new(
            "RUN /bin/sh -c yarn install # buildkit",
            vec![
                Entry::text(
                    "app/package.json",
                    r#"{"dependencies":{"ms":"2"},"devDependencies":{"jest":"29","@types/node":"20"}}"#,
                ),
                Entry::file("app/node_modules/.yarn-integrity", 100),
                Entry::file("app/node_modules/ms/index.js", 3_000),
                Entry::file("app/node_modules/jest/build/index.js", 20_000),
                Entry::file("app/node_modules/@types/node/index.d.ts", 9_000),
                Entry::file("usr/local/share/.cache/yarn/v6/npm-jest.tgz", 15_000),
            ],
        )],
    );
    let v = inspect_image(img, &[]);
    assert_eq!(bytes(&v, "dev-dependencies"), 29_000);
    assert_eq!(bytes(&v, "yarn-cache"), 15_000);
}

#[test]
fn pnpm_dev_dependencies_in_the_virtual_store() {
    let modules_yaml = "hoistPattern:\n  - '*'\nincluded:\n  dependencies: true\n  devDependencies: true\n  optionalDependencies: true\nlayoutVersion: 5\n";
    let img = Image::new(
        "app:pnpm",
        vec![Layer::new(
            "RUN /bin/sh -c pnpm install # buildkit",
            vec![
                Entry::text(
                    "app/package.json",
                    r#"{"dependencies":{"ms":"2"},"devDependencies":{"typescript":"5.6.3","@types/ms":"0.7"}}"#,
                ),
                Entry::text("app/node_modules/.modules.yaml", modules_yaml),
                Entry::file(
                    "app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/index.js",
                    3_000,
                ),
                Entry::file(
                    "app/node_modules/.pnpm/typescript@5.6.3/node_modules/typescript/lib/tsc.js",
                    100_000,
                ),
                Entry::file(
                    "app/node_modules/.pnpm/@types+ms@0.7.34/node_modules/@types/ms/index.d.ts",
                    2_000,
                ),
                Entry::Symlink {
                    path: "app/node_modules/typescript".into(),
                    target: ".pnpm/typescript@5.6.3/node_modules/typescript".into(),
                },
                Entry::file("root/.local/share/pnpm/store/v3/files/00/abc", 50_000),
            ],
        )],
    );
    let v = inspect_image(img, &[]);
    assert_eq!(bytes(&v, "dev-dependencies"), 102_000);
    assert_eq!(bytes(&v, "pnpm-store"), 50_000);
}

#[test]
fn ignore_leaves_paths_out() {
    let v = inspect_image(
        single_stage(),
        &["--ignore", "**/*.map", "--ignore", "/root/.npm/**"],
    );
    assert!(finding(&v, "source-maps").is_none());
    assert!(finding(&v, "npm-cache").is_none());
    assert_eq!(bytes(&v, "dev-dependencies"), 298_000);
    let o = run(&[
        "inspect",
        testdata("app.oci").to_str().unwrap(),
        "--ignore",
        "a{b",
    ]);
    assert_error(&o, &["--ignore"]);
}

#[test]
fn churn_names_both_instructions() {
    let v = inspect_json(&testdata("app.oci"), &[]);
    let churn: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["category"] == "layer-churn")
        .collect();
    assert_eq!(churn.len(), 2);
    assert_eq!(churn[0]["bytes"], 300_000);
    let s = churn[0]["summary"].as_str().unwrap();
    assert!(
        s.starts_with("#1 RUN mkdir") && s.contains("#4 RUN rm -rf /root/.npm"),
        "{s}"
    );
    // flagged = visible flagged files (the source map) + hidden bytes.
    assert_eq!(v["image"]["flagged_bytes"], 350_000 + 40_000);
}
