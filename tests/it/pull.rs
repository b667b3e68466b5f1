//! What each path costs to pull: the compressed bytes of its tar entries, on gzip
//! and zstd layers. A file of random bytes costs about its size, a file of zeros
//! almost nothing, and a layer's paths add up to its blob.

use imgsize::synth::{self, Compression, Entry, Format, Image, Layer};
use serde_json::Value;

use crate::*;

const BIG: u64 = 4_000_000;

fn image(compression: Compression) -> Image {
    let mut entries = vec![
        Entry::random("big/random.bin", BIG, 7),
        Entry::file("big/zeros.bin", BIG),
    ];
    for i in 0..200 {
        entries.push(if i % 2 == 0 {
            Entry::random(&format!("app/src/f{i}.js"), 2000 + i, i)
        } else {
            Entry::file(&format!("app/src/f{i}.js"), 2000 + i)
        });
    }
    entries.push(Entry::random("app/dist/main.js.map", 1_000_000, 9));
    let layers = vec![
        Layer::new("COPY . /", entries),
        // Deletes the zeros: hidden bytes that cost almost nothing to pull.
        Layer::new(
            "RUN rm big/zeros.bin",
            vec![Entry::Whiteout("big/zeros.bin".into())],
        ),
    ];
    Image::new("pull:latest", layers).compressed(compression)
}

fn must_find<'a>(v: &'a Value, category: &str) -> &'a Value {
    finding(v, category).unwrap_or_else(|| panic!("no {category} finding"))
}

fn file<'a>(v: &'a Value, path: &str) -> &'a Value {
    largest_file(v, path).unwrap_or_else(|| panic!("{path} not among the largest files"))
}

#[test]
fn paths_cost_their_compressed_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for (compression, name) in [(Compression::Gzip, "gzip"), (Compression::Zstd, "zstd")] {
        let out = dir.path().join(name);
        synth::write(&[image(compression)], Format::OciDir, &out).unwrap();
        let v = inspect_json(&out, &["--depth", "1", "--top", "300"]);
        let blob = v["layers"][0]["compressed_bytes"].as_u64().unwrap();
        let hidden = must_find(&v, "layer-churn")["compressed_bytes"]
            .as_u64()
            .unwrap();
        let random = file(&v, "/big/random.bin")["compressed_bytes"]
            .as_u64()
            .unwrap();
        // The zeros are deleted by the second layer: hidden bytes, a churn finding.
        let zeros = must_find(&v, "layer-churn")["compressed_bytes"]
            .as_u64()
            .unwrap();
        let map = must_find(&v, "source-maps")["compressed_bytes"]
            .as_u64()
            .unwrap();
        assert!(
            map > 950_000 && map < 1_100_000,
            "{name}: the source map costs {map}"
        );
        // Random bytes do not compress (the generator's fast gzip level even adds
        // about 5% of Huffman-coded literals to them).
        assert!(
            random > BIG * 95 / 100 && random < BIG * 110 / 100,
            "{name}: random bytes cost {random}"
        );
        assert!(zeros < BIG / 20, "{name}: zeros cost {zeros}");
        // The files' costs add up to the blob, but for the folders' headers and
        // the stream's own framing.
        let paths = paths_pull(&v);
        assert_eq!(v["paths_remainder"]["count"], 0);
        let shipped = paths + hidden;
        assert!(
            shipped <= blob && blob - shipped < 2048,
            "{name}: {paths} + {hidden} of {blob}"
        );
    }
    // The same blob read from a pipe (in whatever pieces it arrives) costs the same.
    let archive = dir.path().join("gzip.tar");
    synth::write(
        &[image(Compression::Gzip)],
        Format::OciArchive { dot_prefix: false },
        &archive,
    )
    .unwrap();
    let args = ["inspect", "--format", "json", "--depth", "3", "-"];
    let piped = json_of(&run_stdin(&args, &archive));
    let direct = inspect_json(&archive, &["--depth", "3"]);
    assert_eq!(piped["paths"], direct["paths"]);
    assert_eq!(piped["largest_files"], direct["largest_files"]);

    // An uncompressed layer: no pull cost to give.
    let tar = dir.path().join("plain.tar");
    synth::write(&[image(Compression::None)], Format::DockerClassic, &tar).unwrap();
    let v = inspect_json(&tar, &[]);
    assert_eq!(v["paths"][0]["compressed_bytes"], Value::Null);
    assert_eq!(file(&v, "/big/random.bin")["compressed_bytes"], Value::Null);
}

/// Packages cost what their files' entries took: a package of random bytes about
/// its size, one of zeros almost nothing; packages and unowned folders add up to
/// the paths' costs. Uncompressed layers: null.
#[test]
fn packages_cost_their_files_compressed_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut entries = vec![Entry::dir("app/node_modules")];
    for (name, random) in [("dense", true), ("sparse", false)] {
        entries.push(Entry::text(
            &format!("app/node_modules/{name}/package.json"),
            &format!(r#"{{"name":"{name}","version":"1.0.0"}}"#),
        ));
        let path = format!("app/node_modules/{name}/index.js");
        entries.push(if random {
            Entry::random(&path, BIG, 3)
        } else {
            Entry::file(&path, BIG)
        });
    }
    entries.push(Entry::random("app/server.js", 100_000, 5));
    let image =
        |c| Image::new("pkg:1", vec![Layer::new("RUN npm ci", entries.clone())]).compressed(c);
    for (c, name) in [(Compression::Gzip, "gzip"), (Compression::Zstd, "zstd")] {
        let out = dir.path().join(name);
        synth::write(&[image(c)], Format::OciDir, &out).unwrap();
        let p = out.to_str().unwrap();
        let v = json_of(&run(&["packages", "--format", "json", p]));
        let cost = |name: &str| {
            v["packages"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["name"] == name)
                .unwrap()["compressed_bytes"]
                .as_u64()
                .unwrap()
        };
        let (dense, sparse) = (cost("dense"), cost("sparse"));
        assert!(
            dense > BIG * 95 / 100 && dense < BIG * 110 / 100,
            "{name}: {dense}"
        );
        assert!(sparse < BIG / 20, "{name}: {sparse}");
        let unowned: u64 = v["unowned"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["compressed_bytes"].as_u64().unwrap())
            .sum();
        let i = inspect_json(&out, &["--depth", "1"]);
        let paths = paths_pull(&i);
        // The package.json files are in the packages too; only folders' own
        // entries (a few headers) are in no package.
        assert!(
            dense + sparse + unowned <= paths && paths - (dense + sparse + unowned) < 1024,
            "{name}: {dense} + {sparse} + {unowned} of {paths}"
        );
        let table = stdout(&run(&["packages", p]));
        assert!(table.contains("Pull"), "{table}");
    }
    let plain = dir.path().join("plain");
    synth::write(&[image(Compression::None)], Format::OciDir, &plain).unwrap();
    let v = json_of(&run(&[
        "packages",
        "--format",
        "json",
        plain.to_str().unwrap(),
    ]));
    assert_eq!(v["packages"][0]["compressed_bytes"], Value::Null);
    assert_eq!(v["unowned"][0]["compressed_bytes"], Value::Null);
}
