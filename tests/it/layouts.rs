//! One small image in an OCI layout, and the helpers that edit layouts the way the
//! error tests need: read and write blobs, rewrite a config and re-hash the
//! manifest and index above it so the image stays internally consistent.

use std::fs;
use std::path::{Path, PathBuf};

use imgsize::synth::{self, Compression, Entry, Format, Image, Layer};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// `sha256:<hex>` of `data`.
pub fn sha(data: &[u8]) -> String {
    format!("sha256:{}", imgsize::layer::hex(&Sha256::digest(data)))
}

/// A small image: two layers of random bytes.
pub fn sample(compression: Compression) -> Image {
    Image::new(
        "app:1",
        vec![
            Layer::new("ADD a /", vec![Entry::random("a", 200_000, 1)]),
            Layer::new("RUN b", vec![Entry::random("b", 100_000, 2)]),
        ],
    )
    .compressed(compression)
}

/// [`sample`] written as an OCI layout under `dir`.
pub fn layout(dir: &Path, compression: Compression) -> PathBuf {
    let out = dir.join(format!("layout-{compression:?}"));
    synth::write(&[sample(compression)], Format::OciDir, &out).unwrap();
    out
}

pub fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&fs::read(p).unwrap()).unwrap()
}

/// The file of blob `digest` in layout `l`.
pub fn blob(l: &Path, digest: &str) -> PathBuf {
    l.join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

/// The largest blob: a layer.
pub fn largest_blob(layout: &Path) -> PathBuf {
    let mut blobs: Vec<_> = fs::read_dir(layout.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    blobs.sort_by_key(|p| fs::metadata(p).unwrap().len());
    blobs.pop().unwrap()
}

/// Writes `data` as a blob of the layout; returns its digest.
pub fn store(layout: &Path, data: &[u8]) -> String {
    use sha2::Digest;
    let hex = imgsize::layer::hex(&Sha256::digest(data));
    fs::write(layout.join("blobs/sha256").join(&hex), data).unwrap();
    format!("sha256:{hex}")
}

pub fn index_of(layout: &Path) -> Value {
    serde_json::from_slice(&fs::read(layout.join("index.json")).unwrap()).unwrap()
}

/// The file of the manifest `index.json` names first.
pub fn manifest_blob(layout: &Path) -> PathBuf {
    let d = index_of(layout)["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    layout
        .join("blobs/sha256")
        .join(d.trim_start_matches("sha256:"))
}

/// The layer digests of the manifest `index.json` names first.
pub fn layer_digests(l: &Path) -> Vec<String> {
    let index = read_json(&l.join("index.json"));
    let manifest = read_json(&blob(l, index["manifests"][0]["digest"].as_str().unwrap()));
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["digest"].as_str().unwrap().to_string())
        .collect()
}

/// Rewrites the config with `edit`, then the manifest and index so that every
/// digest and size still matches: an internally consistent image.
pub fn rewrite_config(l: &Path, edit: impl FnOnce(&mut Value)) {
    let mut index = read_json(&l.join("index.json"));
    let mdigest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let mut manifest = read_json(&blob(l, &mdigest));
    let cdigest = manifest["config"]["digest"].as_str().unwrap().to_string();
    let mut config = read_json(&blob(l, &cdigest));
    edit(&mut config);
    let cbytes = serde_json::to_vec(&config).unwrap();
    fs::write(blob(l, &sha(&cbytes)), &cbytes).unwrap();
    manifest["config"]["digest"] = json!(sha(&cbytes));
    manifest["config"]["size"] = json!(cbytes.len());
    let mbytes = serde_json::to_vec(&manifest).unwrap();
    fs::write(blob(l, &sha(&mbytes)), &mbytes).unwrap();
    index["manifests"][0]["digest"] = json!(sha(&mbytes));
    index["manifests"][0]["size"] = json!(mbytes.len());
    fs::write(l.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

/// An OCI layout with one uncompressed layer holding `tar` as is.
pub fn layout_with_raw_layer(dir: &Path, tar: &[u8]) -> std::path::PathBuf {
    let l = layout(dir, Compression::None);
    let d = layer_digests(&l)[1].clone();
    fs::remove_file(blob(&l, &d)).unwrap();
    fs::write(blob(&l, &sha(tar)), tar).unwrap();
    let mut index = read_json(&l.join("index.json"));
    let mdigest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let mut manifest = read_json(&blob(&l, &mdigest));
    manifest["layers"][1]["digest"] = json!(sha(tar));
    manifest["layers"][1]["size"] = json!(tar.len());
    let mbytes = serde_json::to_vec(&manifest).unwrap();
    fs::write(blob(&l, &sha(&mbytes)), &mbytes).unwrap();
    index["manifests"][0]["digest"] = json!(sha(&mbytes));
    index["manifests"][0]["size"] = json!(mbytes.len());
    fs::write(l.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    l
}
