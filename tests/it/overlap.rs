//! `imgsize overlap`: generated fleets whose sharing is known by construction
//! (`synth::FleetSpec`), in mixed formats, every figure checked against the
//! construction; the real Node.js builds; and images that cannot be read.

use std::path::{Path, PathBuf};

use imgsize::synth::{self, Compression, Entry, FleetSpec, Format, Image, Layer};
use serde_json::Value;

use crate::*;

fn spec(services: usize) -> FleetSpec {
    FleetSpec {
        services,
        os_files: 300,
        runtime_files: 200,
        runtime_changed: 20,
        common_dep_files: 150,
        own_dep_files: 30,
        app_files: 20,
        mean_file_size: 2000,
    }
}

/// Writes the fleet, service `i` in `formats[i % formats.len()]`; returns the paths.
fn write_fleet(dir: &Path, spec: &FleetSpec, formats: &[(Format, Compression)]) -> Vec<PathBuf> {
    (0..spec.services)
        .map(|i| {
            let (format, compression) = formats[i % formats.len()];
            let ext = if format == Format::OciDir { "" } else { ".tar" };
            let out = dir.join(format!("svc{i}{ext}"));
            synth::write(&[spec.service(i).compressed(compression)], format, &out).unwrap();
            out
        })
        .collect()
}

fn overlap_json(inputs: &[PathBuf], extra: &[&str]) -> Value {
    let mut args: Vec<&str> = vec!["overlap", "--format", "json"];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    args.extend_from_slice(extra);
    json_of(&run(&args))
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Every figure of the report against what the construction says.
fn check_against_construction(v: &Value, s: &FleetSpec) {
    let n = s.services;
    let os = s.bytes(s.os_files);
    let rt = [
        s.bytes(s.runtime_files),
        s.bytes(s.runtime_files) + s.runtime_changed as u64,
    ];
    let common = s.bytes(s.common_dep_files);
    let own = s.bytes(s.own_dep_files);
    let app = s.bytes(s.app_files);
    let users = |r: usize| (0..n).filter(|&i| FleetSpec::release(i) == r).count();

    let t = &v["totals"];
    assert_eq!(u(&t["images"]), n as u64);
    assert_eq!(u(&t["layers"]), 4 * n as u64);
    assert_eq!(u(&t["distinct_layers"]), 3 + 2 * n as u64);
    let sizes: Vec<u64> = (0..n)
        .map(|i| os + rt[FleetSpec::release(i)] + common + own + app)
        .collect();
    assert_eq!(u(&t["sum_of_sizes"]), sizes.iter().sum::<u64>());
    let node = os + rt[0] + rt[1] + n as u64 * (common + own + app);
    assert_eq!(u(&t["node_bytes"]), node);
    assert_eq!(u(&t["saved_by_sharing"]), sizes.iter().sum::<u64>() - node);

    for (i, img) in v["images"].as_array().unwrap().iter().enumerate() {
        let r = FleetSpec::release(i);
        assert_eq!(u(&img["size"]), sizes[i], "image {i}");
        assert_eq!(u(&img["layers"]), 4);
        let rt_shared = if users(r) >= 2 { rt[r] } else { 0 };
        assert_eq!(u(&img["shared_bytes"]), os + rt_shared, "image {i}");
        assert_eq!(
            u(&img["unique_bytes"]),
            sizes[i] - os - rt_shared,
            "image {i}"
        );
    }

    // Shared: the OS layer (all), each runtime release its users (two or more).
    let shared = v["shared_layers"].as_array().unwrap();
    let shared_releases = (0..2).filter(|&r| users(r) >= 2).count();
    assert_eq!(u(&v["shared_layer_count"]), 1 + shared_releases as u64);
    let holders = |r: usize| -> Vec<u64> {
        (0..n as u64)
            .filter(|&i| FleetSpec::release(i as usize) == r)
            .collect()
    };
    let find = |size: u64| {
        shared
            .iter()
            .find(|l| u(&l["size"]) == size)
            .unwrap_or_else(|| panic!("no shared layer of {size} bytes: {shared:?}"))
    };
    let all: Vec<u64> = (0..n as u64).collect();
    let ids = |l: &Value| -> Vec<u64> { l["images"].as_array().unwrap().iter().map(u).collect() };
    assert_eq!(ids(find(os)), all);
    for r in (0..2).filter(|&r| users(r) >= 2) {
        assert_eq!(ids(find(rt[r])), holders(r));
    }
    assert_eq!(find(os)["instruction"], "ADD os-rootfs /");

    // Base chains: all images share layer 0; each release's users share 0 and 1.
    let chains = v["base_chains"].as_array().unwrap();
    assert_eq!(chains.len(), 1 + shared_releases, "{chains:?}");
    let chain = |images: &[u64]| {
        chains
            .iter()
            .find(|c| ids(c) == images)
            .unwrap_or_else(|| panic!("no chain of {images:?}: {chains:?}"))
    };
    assert_eq!(u(&chain(&all)["layers"]), 1);
    assert_eq!(u(&chain(&all)["size"]), os);
    for r in (0..2).filter(|&r| users(r) >= 2) {
        let c = chain(&holders(r));
        assert_eq!(u(&c["layers"]), 2);
        assert_eq!(u(&c["size"]), os + rt[r]);
        assert_eq!(c["instruction"], format!("RUN install-node 20.1{r}"));
    }

    // Near misses: the common dependencies in every service's npm layer, and the
    // runtime files both releases hold unchanged.
    let misses = v["near_misses"].as_array().unwrap();
    assert_eq!(u(&v["near_miss_count"]), 2, "{misses:?}");
    let deps = &misses[0];
    assert_eq!(u(&deps["files"]), s.common_dep_files as u64);
    assert_eq!(u(&deps["bytes"]), common);
    assert_eq!(u(&deps["saving"]), (n as u64 - 1) * common);
    assert_eq!(deps["kind"], "same-step");
    let copies = deps["copies"].as_array().unwrap();
    assert_eq!(copies.len(), n);
    assert!(copies
        .iter()
        .all(|c| c["instruction"] == "RUN npm ci" && u(&c["layer"]) == 2));
    assert!(deps["folders"][0]["path"]
        .as_str()
        .unwrap()
        .starts_with("/app/node_modules/common"));
    let unchanged = s.bytes(s.runtime_files) - s.bytes(s.runtime_changed);
    let runtime = &misses[1];
    assert_eq!(
        u(&runtime["files"]),
        (s.runtime_files - s.runtime_changed) as u64
    );
    assert_eq!(u(&runtime["bytes"]), unchanged);
    assert_eq!(u(&runtime["saving"]), unchanged);
    assert_eq!(runtime["kind"], "same-files");
    let copies = runtime["copies"].as_array().unwrap();
    assert_eq!(ids(&copies[0]), holders(0));
    assert_eq!(ids(&copies[1]), holders(1));
    assert_eq!(
        u(&t["near_miss_saving"]),
        (n as u64 - 1) * common + unchanged
    );
}

/// The size of each distinct layer blob the layouts hold: what a registry stores.
fn registry_bytes(layouts: &[PathBuf]) -> u64 {
    let mut blobs = std::collections::HashMap::new();
    for l in layouts {
        let manifest = layouts::read_json(&layouts::manifest_blob(l));
        for d in manifest["layers"].as_array().unwrap() {
            blobs.insert(d["digest"].as_str().unwrap().to_string(), u(&d["size"]));
        }
    }
    blobs.values().sum()
}

#[test]
fn generated_fleet_matches_its_construction() {
    let dir = tempfile::tempdir().unwrap();
    let s = spec(5);
    let paths = write_fleet(dir.path(), &s, &[(Format::OciDir, Compression::Gzip)]);
    let v = overlap_json(&paths, &[]);
    check_against_construction(&v, &s);
    assert_eq!(v["complete"], true);
    assert_eq!(v["failures"], serde_json::json!([]));
    let t = &v["totals"];
    assert_eq!(u(&t["registry_bytes"]), registry_bytes(&paths));
    let pulls: u64 = v["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| u(&i["compressed_size"]))
        .sum();
    assert_eq!(u(&t["sum_of_compressed_sizes"]), pulls);
    // Each image's size is what `inspect` says it is.
    let one = inspect_json(&paths[1], &[]);
    assert_eq!(v["images"][1]["size"], one["image"]["layer_bytes"]);
    assert_eq!(
        v["images"][1]["compressed_size"],
        one["image"]["compressed_bytes"]
    );

    // Hashing contents finds the same near misses (the files are byte for byte alike).
    let c = overlap_json(&paths, &["--content"]);
    assert_eq!(c["near_misses"], v["near_misses"]);
    assert_eq!(c["totals"], v["totals"]);
}

#[test]
fn mixed_sources_share_layers_by_diff_id() {
    // The same layers as gzip OCI layouts, zstd OCI archives and uncompressed
    // docker-archives: a layer is one layer whatever its blob.
    let dir = tempfile::tempdir().unwrap();
    let s = spec(6);
    let paths = write_fleet(
        dir.path(),
        &s,
        &[
            (Format::OciDir, Compression::Gzip),
            (Format::OciArchive { dot_prefix: false }, Compression::Zstd),
            (Format::DockerClassic, Compression::None),
        ],
    );
    let v = overlap_json(&paths, &[]);
    check_against_construction(&v, &s);
    // Not every layer is compressed: no pull totals rather than wrong ones.
    assert_eq!(v["totals"]["registry_bytes"], Value::Null);
    assert_eq!(v["totals"]["sum_of_compressed_sizes"], Value::Null);
    assert_eq!(v["images"][2]["compressed_size"], Value::Null);
    assert!(v["images"][0]["compressed_size"].is_u64());
    let kinds: Vec<&str> = v["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["input_kind"].as_str().unwrap())
        .collect();
    assert_eq!(&kinds[..3], ["oci-layout", "oci-archive", "docker-archive"]);

    // A shared layer's compressed size comes from an image that holds it
    // compressed, even when the first image holds it as a plain tar.
    let w = overlap_json(&[paths[2].clone(), paths[0].clone()], &[]);
    let blobs = layouts::read_json(&layouts::manifest_blob(&paths[0]))["layers"].clone();
    let os = w["shared_layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["instruction"] == "ADD os-rootfs /")
        .unwrap();
    assert_eq!(os["compressed_size"], blobs[0]["size"]);
    // Both run release 0: the chain is the OS and runtime layers.
    let chain = &w["base_chains"][0];
    assert_eq!(chain["layers"], 2);
    assert_eq!(
        u(&chain["compressed_size"]),
        u(&blobs[0]["size"]) + u(&blobs[1]["size"])
    );
}

#[test]
fn globs_from_file_and_the_other_formats() {
    let dir = tempfile::tempdir().unwrap();
    let s = spec(3);
    let paths = write_fleet(dir.path(), &s, &[(Format::OciDir, Compression::Gzip)]);
    // A quoted glob is expanded (sorted); --from adds lines, comments and repeats
    // left out.
    let list = dir.path().join("fleet.txt");
    std::fs::write(
        &list,
        format!(
            "# the platform's services\n{}\n\n{}  # again\n",
            paths[2].display(),
            paths[0].display()
        ),
    )
    .unwrap();
    let glob = format!("{}/svc[01]", dir.path().display());
    let o = run(&[
        "overlap",
        "--format",
        "json",
        &glob,
        "--from",
        list.to_str().unwrap(),
    ]);
    let v = json_of(&o);
    let inputs: Vec<&str> = v["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["input"].as_str().unwrap())
        .collect();
    let want: Vec<String> = [0, 1, 2]
        .iter()
        .map(|&i| paths[i].display().to_string())
        .collect();
    assert_eq!(inputs, want);
    check_against_construction(&v, &s);

    let p: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
    let table = run(&["overlap", p[0], p[1], p[2]]);
    let text = stdout(&table);
    assert!(table.status.success(), "{}", stderr(&table));
    for needle in [
        "Fleet     3 images, 12 layers, 9 distinct",
        "Base chains",
        "Shared layers (2 of 2",
        "Near misses",
        "fix: each image runs `RUN npm ci`",
        "/app/node_modules/common",
    ] {
        assert!(text.contains(needle), "table lacks {needle:?}:\n{text}");
    }
    let md = stdout(&run(&["overlap", "--format", "markdown", p[0], p[1], p[2]]));
    assert!(md.starts_with("### imgsize overlap: 3 images"), "{md}");
    assert!(md.contains("| Saving | Files | Layers | Fix |"), "{md}");
    assert!(md.contains("more could be shared"), "{md}");
    // --top bounds the lists, not the totals.
    let top = json_of(&run(&[
        "overlap", "--format", "json", "--top", "1", p[0], p[1], p[2],
    ]));
    assert_eq!(top["near_misses"].as_array().unwrap().len(), 1);
    assert_eq!(top["shared_layers"].as_array().unwrap().len(), 1);
    assert_eq!(top["totals"], v["totals"]);
}

#[test]
fn one_unreadable_image_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = spec(3);
    let paths = write_fleet(dir.path(), &s, &[(Format::OciDir, Compression::Gzip)]);
    let missing = dir.path().join("gone.tar");
    let broken = dir.path().join("broken.tar");
    std::fs::write(&broken, b"not a tar at all").unwrap();
    let p: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
    let m = missing.to_str().unwrap();
    let b = broken.to_str().unwrap();
    assert_error(&run(&["overlap", p[0], m, p[1]]), &[m]);
    assert_error(&run(&["overlap", p[0], p[1], b]), &[b]);
    // A layer blob cut short fails its image at scan time.
    let cut = dir.path().join("cut");
    synth::write(
        &[spec(3).service(2).compressed(Compression::Gzip)],
        Format::OciDir,
        &cut,
    )
    .unwrap();
    let app_layer = layouts::blob(&cut, &layouts::layer_digests(&cut)[3]);
    let data = std::fs::read(&app_layer).unwrap();
    std::fs::write(&app_layer, &data[..data.len() / 2]).unwrap();
    let c = cut.to_str().unwrap();
    assert_error(&run(&["overlap", p[0], p[1], c]), &[c]);
    // Fewer than two images, and formats overlap does not write.
    assert_error(&run(&["overlap", p[0]]), &["two images"]);
    assert_error(
        &run(&["overlap", "--format", "junit", p[0], p[1]]),
        &["junit"],
    );
    assert_error(
        &run(&[
            "overlap",
            p[0],
            &format!("{}/nothing*", dir.path().display()),
        ]),
        &["no file matches"],
    );

    // --keep-going: the rest is reported, marked partial, the failures listed (in
    // the report and on stderr), and the exit code still says something failed.
    let o = run(&[
        "overlap",
        "--keep-going",
        "--format",
        "json",
        p[0],
        m,
        p[1],
        c,
        p[2],
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("a report on stdout");
    assert_eq!(v["complete"], false);
    let failed: Vec<&str> = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["input"].as_str().unwrap())
        .collect();
    assert_eq!(failed, [m, c]);
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(err.lines().all(|l| l.starts_with("imgsize: ")), "{err}");
    assert!(err.contains(m) && err.contains(c), "{err}");
    assert_eq!(u(&v["totals"]["images"]), 3);
    check_against_construction(&v, &s);
    let table = stdout(&run(&["overlap", "--keep-going", p[0], m, p[1]]));
    assert!(table.starts_with("PARTIAL: 1 of 3 images"), "{table}");
}

#[test]
#[ignore = "needs root, buildah, skopeo, umoci, node and npm (.ci/run installs them)"]
fn the_real_node_builds_share_their_base() {
    let out = crate::node::images();
    let inputs = [out.join("single"), out.join("multi"), out.join("chown.tar")];
    let v = overlap_json(&inputs, &[]);
    let inspected: Vec<Value> = inputs.iter().map(|p| inspect_json(p, &[])).collect();
    // Each image's size is inspect's; the shared layers are those whose diff_id
    // another image's inspect report lists too.
    let diff_ids = |r: &Value| -> Vec<String> {
        r["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["diff_id"].as_str().unwrap().to_string())
            .collect()
    };
    for (i, r) in inspected.iter().enumerate() {
        assert_eq!(v["images"][i]["size"], r["image"]["layer_bytes"]);
        let shared: u64 = r["layers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| {
                inspected.iter().enumerate().any(|(j, o)| {
                    j != i && diff_ids(o).contains(&l["diff_id"].as_str().unwrap().to_string())
                })
            })
            .map(|l| u(&l["bytes"]))
            .sum();
        assert_eq!(u(&v["images"][i]["shared_bytes"]), shared, "image {i}");
    }
    // The three builds start FROM one base, which the history names.
    let chains = v["base_chains"].as_array().unwrap();
    assert_eq!(chains[0]["images"], serde_json::json!([0, 1, 2]));
    assert_eq!(chains[0]["layers"], 1);
    assert_eq!(chains[0]["layers_beyond_base"], 0);
    let base = chains[0]["base_image"].as_str().unwrap();
    assert!(
        base.starts_with("localhost/imgsize-node-") && base.ends_with("-base:latest"),
        "{base}"
    );
    assert_eq!(
        v["shared_layers"][0]["size"],
        inspected[0]["layers"][0]["bytes"]
    );
    // The single-stage build's `npm install` and the chowned build's `COPY . .`
    // (the developer's node_modules) hold the same TypeScript: the largest near miss.
    let top = &v["near_misses"][0];
    let copies = top["copies"].as_array().unwrap();
    let instr: Vec<&str> = copies
        .iter()
        .map(|c| c["instruction"].as_str().unwrap())
        .collect();
    assert!(instr.iter().any(|i| i.contains("npm install")), "{top}");
    assert!(
        top["folders"][0]["path"]
            .as_str()
            .unwrap()
            .starts_with("/app/node_modules/typescript"),
        "{top}"
    );
    // typescript's bytes as the package view counts them in the single build.
    let pk = json_of(&run(&[
        "packages",
        "--format",
        "json",
        inputs[0].to_str().unwrap(),
    ]));
    let ts: u64 = pk["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "typescript")
        .map(|p| u(&p["bytes"]))
        .sum();
    assert!(ts > 10_000_000, "typescript: {ts}");
    assert_eq!(u(&top["folders"][0]["bytes"]), ts, "{top}");
}

#[test]
#[ignore = "needs podman, docker-registry and skopeo (.ci/run installs them)"]
fn files_engine_and_registry_in_one_fleet() {
    use crate::services::{Podman, Registry, RegistryConfig};
    let dir = tempfile::tempdir().unwrap();
    let s = spec(4);
    let paths = write_fleet(
        dir.path(),
        &s,
        &[
            (Format::OciDir, Compression::Gzip),
            (Format::DockerClassic, Compression::None),
            (Format::OciDir, Compression::Gzip),
            (Format::OciArchive { dot_prefix: true }, Compression::Zstd),
        ],
    );
    // Service 1 in the engine, service 2 in a registry.
    let podman = Podman::start();
    podman.load(&paths[1]);
    let storage = tempfile::tempdir().unwrap();
    let registry = Registry::start(storage.path(), &RegistryConfig::default());
    registry.push(&paths[2], "svc2:latest");
    let home = tempfile::tempdir().unwrap();
    let mut c = crate::engine::isolated(home.path());
    c.env("DOCKER_HOST", podman.host());
    let from_registry = format!("{}/svc2:latest", registry.host());
    c.args(["overlap", "--format", "json", "--no-progress"])
        .arg(&paths[0])
        .arg("docker-daemon:svc1:latest")
        .arg(&from_registry)
        .arg(&paths[3]);
    let v = json_of(&crate::engine::output(c));
    check_against_construction(&v, &s);
    let sources: Vec<&str> = v["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["source"]["transport"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["file", "engine", "registry", "file"]);
}

/// Two images that share nothing and install nothing twice: the Markdown says so in
/// words, not as "0 B more could be shared".
#[test]
fn no_near_misses_is_said_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (name, file) in [("a", "a.bin"), ("b", "b.bin")] {
        let out = dir.path().join(name);
        let layer = Layer::new("COPY . /", vec![Entry::file(file, 1000)]);
        synth::write(
            &[Image::new(&format!("{name}:1"), vec![layer])],
            Format::OciDir,
            &out,
        )
        .unwrap();
        paths.push(out.to_str().unwrap().to_string());
    }
    let md = stdout(&run(&[
        "overlap", "--format", "markdown", &paths[0], &paths[1],
    ]));
    assert!(
        md.contains("Near misses: no file is installed separately by several images."),
        "{md}"
    );
    assert!(!md.contains("more could be shared"), "{md}");
}
