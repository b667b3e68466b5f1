//! The archive and directory formats: classic and Docker 25 `docker save`,
//! OCI layouts and archives, multi-platform indexes.

use std::fs::{self, File};
use std::io::{self, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::layer::{header, write_layer, WrittenLayer};
use super::{Compression, Format, HistoryMode, Image};

fn config_json(img: &Image, diff_ids: &[String]) -> Vec<u8> {
    let mut history = Vec::new();
    if img.history != HistoryMode::Missing {
        for (i, l) in img.layers.iter().enumerate() {
            history.push(json!({"created": "2023-11-14T22:13:20Z", "created_by": l.created_by}));
            if i == 0 {
                history.push(json!({"created": "2023-11-14T22:13:20Z", "created_by": "/bin/sh -c #(nop)  ENV PATH=/bin", "empty_layer": true}));
            }
        }
        if img.history == HistoryMode::Mismatched {
            history.push(json!({"created_by": "/bin/sh -c echo extra"}));
        }
        history.push(json!({"created_by": "/bin/sh -c #(nop)  CMD [\"sh\"]", "empty_layer": true}));
    }
    let mut cfg = json!({
        "architecture": img.arch,
        "os": img.os,
        "config": {"User": img.user.clone().unwrap_or_default(), "Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    });
    if let Some(v) = &img.variant {
        cfg["variant"] = json!(v);
    }
    if img.history != HistoryMode::Missing {
        cfg["history"] = Value::Array(history);
    }
    serde_json::to_vec(&cfg).unwrap_or_default()
}

fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", crate::layer::hex(&Sha256::digest(data)))
}

fn hex_of(digest: &str) -> &str {
    digest.split_once(':').map(|(_, h)| h).unwrap_or(digest)
}

/// A file to place in the output: its name and where its bytes are.
enum Source {
    Bytes(Vec<u8>),
    File(PathBuf),
}

struct Output {
    files: Vec<(String, Source)>,
}

impl Output {
    fn add(&mut self, name: String, s: Source) {
        if !self.files.iter().any(|(n, _)| *n == name) {
            self.files.push((name, s));
        }
    }
}

struct BuiltImage {
    manifest: Vec<u8>,
    manifest_digest: String,
    config_digest: String,
    layers: Vec<WrittenLayer>,
}

fn build_image(img: &Image, work: &Path, tag: usize, out: &mut Output) -> io::Result<BuiltImage> {
    let mut layers = Vec::new();
    for (i, l) in img.layers.iter().enumerate() {
        layers.push(write_layer(l, img.compression, work, tag * 1000 + i)?);
    }
    let diff_ids: Vec<String> = layers.iter().map(|l| l.diff_id.clone()).collect();
    let config = config_json(img, &diff_ids);
    let config_digest = sha256(&config);
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": layers.iter().map(|l| json!({"mediaType": l.media_type, "digest": l.blob.digest, "size": l.blob.size})).collect::<Vec<_>>(),
    });
    let manifest = serde_json::to_vec(&manifest).unwrap_or_default();
    let manifest_digest = sha256(&manifest);
    if img.present {
        out.add(
            format!("blobs/sha256/{}", hex_of(&config_digest)),
            Source::Bytes(config),
        );
        out.add(
            format!("blobs/sha256/{}", hex_of(&manifest_digest)),
            Source::Bytes(manifest.clone()),
        );
        for l in &layers {
            out.add(
                format!("blobs/sha256/{}", hex_of(&l.blob.digest)),
                Source::File(l.blob.path.clone()),
            );
        }
    }
    Ok(BuiltImage {
        manifest,
        manifest_digest,
        config_digest,
        layers,
    })
}

fn platform_json(img: &Image) -> Value {
    let mut p = json!({"os": img.os, "architecture": img.arch});
    if let Some(v) = &img.variant {
        p["variant"] = json!(v);
    }
    p
}

/// Writes `images` in `format` to `out` (a file, or a directory for `OciDir`).
/// Images sharing a name become one multi-platform index (nested, as containerd
/// exports them, with an attestation manifest whose blob is absent).
pub fn write(images: &[Image], format: Format, out: &Path) -> io::Result<()> {
    let work = tempdir_near(out)?;
    let result = write_in(images, format, out, &work);
    let _ = fs::remove_dir_all(&work);
    result
}

fn tempdir_near(out: &Path) -> io::Result<PathBuf> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("image");
    let dir = parent.join(format!(".{name}.synth-{}", std::process::id()));
    fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn write_in(images: &[Image], format: Format, out: &Path, work: &Path) -> io::Result<()> {
    let mut output = Output { files: Vec::new() };
    if format == Format::DockerClassic {
        return write_classic(images, out, work);
    }
    let mut built = Vec::new();
    for (i, img) in images.iter().enumerate() {
        built.push(build_image(img, work, i, &mut output)?);
    }
    // Group by name, in first-seen order.
    let mut names: Vec<&str> = Vec::new();
    for img in images {
        if !names.contains(&img.name.as_str()) {
            names.push(&img.name);
        }
    }
    let mut index_manifests = Vec::new();
    for name in &names {
        let members: Vec<usize> = (0..images.len())
            .filter(|&i| images[i].name == *name)
            .collect();
        let annotations = json!({
            "io.containerd.image.name": name,
            "org.opencontainers.image.ref.name": name.rsplit_once(':').map(|(_, t)| t).unwrap_or("latest"),
        });
        if members.len() == 1 {
            let i = members[0];
            index_manifests.push(json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": built[i].manifest_digest, "size": built[i].manifest.len(),
                "platform": platform_json(&images[i]),
                "annotations": annotations,
            }));
        } else {
            let mut nested: Vec<Value> = members
                .iter()
                .map(|&i| {
                    json!({
                        "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "digest": built[i].manifest_digest, "size": built[i].manifest.len(),
                        "platform": platform_json(&images[i]),
                    })
                })
                .collect();
            nested.push(json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": sha256(name.as_bytes()), "size": 100,
                "platform": {"os": "unknown", "architecture": "unknown"},
                "annotations": {"vnd.docker.reference.type": "attestation-manifest"},
            }));
            let nested = serde_json::to_vec(&json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": nested,
            }))
            .unwrap_or_default();
            let d = sha256(&nested);
            index_manifests.push(json!({
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": d, "size": nested.len(), "annotations": annotations,
            }));
            output.add(
                format!("blobs/sha256/{}", hex_of(&d)),
                Source::Bytes(nested),
            );
        }
    }
    let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": index_manifests});
    output.add(
        "index.json".into(),
        Source::Bytes(serde_json::to_vec(&index).unwrap_or_default()),
    );
    output.add(
        "oci-layout".into(),
        Source::Bytes(br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec()),
    );
    if format == Format::Docker25 {
        let entries: Vec<Value> = images
            .iter()
            .zip(&built)
            .filter(|(img, _)| img.present)
            .map(|(img, b)| {
                json!({
                    "Config": format!("blobs/sha256/{}", hex_of(&b.config_digest)),
                    "RepoTags": [img.name],
                    "Layers": b.layers.iter().map(|l| format!("blobs/sha256/{}", hex_of(&l.blob.digest))).collect::<Vec<_>>(),
                })
            })
            .collect();
        output.add(
            "manifest.json".into(),
            Source::Bytes(serde_json::to_vec(&entries).unwrap_or_default()),
        );
    }
    match format {
        Format::OciDir => write_dir(output, out),
        Format::OciArchive { dot_prefix } => write_tar(output, out, dot_prefix, false),
        _ => write_tar(output, out, false, true),
    }
}

fn write_classic(images: &[Image], out: &Path, work: &Path) -> io::Result<()> {
    let mut output = Output { files: Vec::new() };
    let mut entries = Vec::new();
    for (n, img) in images.iter().enumerate() {
        let mut layers = Vec::new();
        for (i, l) in img.layers.iter().enumerate() {
            layers.push(write_layer(l, img.compression, work, n * 1000 + i)?);
        }
        let diff_ids: Vec<String> = layers.iter().map(|l| l.diff_id.clone()).collect();
        let config = config_json(img, &diff_ids);
        let config_name = format!("{}.json", hex_of(&sha256(&config)));
        let mut names = Vec::new();
        let mut parent = String::new();
        for l in &layers {
            let name = if img.compression == Compression::None {
                // A v1 layer id, chained like Docker's.
                let id = hex_of(&sha256(format!("{parent}{}", l.diff_id).as_bytes())).to_string();
                output.add(format!("{id}/VERSION"), Source::Bytes(b"1.0".to_vec()));
                output.add(
                    format!("{id}/json"),
                    Source::Bytes(format!("{{\"id\":\"{id}\"}}").into_bytes()),
                );
                parent = id.clone();
                format!("{id}/layer.tar")
            } else {
                format!("{}.tar.gz", hex_of(&l.blob.digest))
            };
            output.add(name.clone(), Source::File(l.blob.path.clone()));
            names.push(name);
        }
        output.add(config_name.clone(), Source::Bytes(config));
        entries.push(json!({"Config": config_name, "RepoTags": [img.name], "Layers": names}));
    }
    output.add("repositories".into(), Source::Bytes(b"{}".to_vec()));
    // Classic `docker save` writes manifest.json last.
    output.add(
        "manifest.json".into(),
        Source::Bytes(serde_json::to_vec(&entries).unwrap_or_default()),
    );
    write_tar(output, out, false, false)
}

fn write_dir(output: Output, out: &Path) -> io::Result<()> {
    for (name, src) in output.files {
        let path = out.join(&name);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p)?;
        }
        match src {
            Source::Bytes(b) => fs::write(&path, b)?,
            Source::File(f) => {
                fs::copy(&f, &path)?;
            }
        }
    }
    Ok(())
}

fn write_tar(mut output: Output, out: &Path, dot_prefix: bool, sorted: bool) -> io::Result<()> {
    if sorted {
        output.files.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let mut b = tar::Builder::new(BufWriter::new(File::create(out)?));
    b.mode(tar::HeaderMode::Deterministic);
    let prefix = if dot_prefix { "./" } else { "" };
    let mut dirs_done: Vec<String> = Vec::new();
    for (name, src) in output.files {
        if let Some((dir, _)) = name.rsplit_once('/') {
            let mut acc = String::new();
            for part in dir.split('/') {
                if !acc.is_empty() {
                    acc.push('/');
                }
                acc.push_str(part);
                if !dirs_done.contains(&acc) {
                    b.append_data(
                        &mut header(tar::EntryType::Directory, 0),
                        format!("{prefix}{acc}/"),
                        io::empty(),
                    )?;
                    dirs_done.push(acc.clone());
                }
            }
        }
        let full = format!("{prefix}{name}");
        match src {
            Source::Bytes(bytes) => b.append_data(
                &mut header(tar::EntryType::Regular, bytes.len() as u64),
                &full,
                bytes.as_slice(),
            )?,
            Source::File(f) => {
                let mut file = File::open(&f)?;
                let len = file.seek(io::SeekFrom::End(0))?;
                file.rewind()?;
                b.append_data(&mut header(tar::EntryType::Regular, len), &full, file)?
            }
        }
    }
    b.into_inner()?.flush()
}
