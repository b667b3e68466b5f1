//! A deterministic image generator, for tests and benchmarks.
//!
//! It writes the same logical image in every input format imgsize reads: classic
//! `docker save` tarballs (uncompressed `<id>/layer.tar`, or crane-style `.tar.gz`
//! layers), Docker 25+ tarballs (an OCI layout inside the tar), OCI layout directories
//! and OCI archives (with or without `./` prefixes), with plain, gzip, zstd or eStargz
//! layers, several images or platforms per archive, and platforms whose blobs are
//! absent (as containerd exports them). File contents are zeros or a seeded
//! pseudo-random stream, so the same description always gives the same bytes.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// What a file holds.
#[derive(Debug, Clone)]
pub enum Fill {
    Zeros,
    /// Pseudo-random bytes from a seed (hard to compress).
    Random(u64),
    Bytes(Vec<u8>),
}

/// One tar entry of a layer.
#[derive(Debug, Clone)]
pub enum Entry {
    Dir(String),
    File {
        path: String,
        size: u64,
        fill: Fill,
    },
    Hardlink {
        path: String,
        target: String,
    },
    Symlink {
        path: String,
        target: String,
    },
    /// Writes `dir/.wh.name` for `path` = `dir/name`.
    Whiteout(String),
    /// Writes `dir/.wh..wh..opq`.
    Opaque(String),
    /// A character device (no content).
    CharDevice(String),
    /// A file whose name is raw bytes (need not be UTF-8).
    RawName {
        path: Vec<u8>,
        size: u64,
    },
    /// A file whose path is carried by a PAX `path` record.
    PaxPath {
        path: String,
        size: u64,
    },
}

impl Entry {
    pub fn file(path: &str, size: u64) -> Entry {
        Entry::File {
            path: path.into(),
            size,
            fill: Fill::Zeros,
        }
    }

    pub fn random(path: &str, size: u64, seed: u64) -> Entry {
        Entry::File {
            path: path.into(),
            size,
            fill: Fill::Random(seed),
        }
    }

    pub fn text(path: &str, content: &str) -> Entry {
        Entry::File {
            path: path.into(),
            size: content.len() as u64,
            fill: Fill::Bytes(content.as_bytes().to_vec()),
        }
    }

    pub fn dir(path: &str) -> Entry {
        Entry::Dir(path.into())
    }
}

/// One layer and the instruction that made it.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    pub entries: Vec<Entry>,
    pub created_by: String,
}

impl Layer {
    pub fn new(created_by: &str, entries: Vec<Entry>) -> Layer {
        Layer {
            entries,
            created_by: created_by.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    /// gzip with one member per tar entry, a table of contents and a landmark.
    Estargz,
}

/// How the history relates to the layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryMode {
    /// One entry per layer, plus empty-layer entries (ENV, CMD).
    Normal,
    /// No history at all.
    Missing,
    /// One more non-empty entry than there are layers.
    Mismatched,
}

/// An image to write.
#[derive(Debug, Clone)]
pub struct Image {
    pub name: String,
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
    pub user: Option<String>,
    pub layers: Vec<Layer>,
    pub compression: Compression,
    pub history: HistoryMode,
    /// When false, the image's manifest, config and layer blobs are left out (a
    /// platform that was not pulled).
    pub present: bool,
}

impl Image {
    pub fn new(name: &str, layers: Vec<Layer>) -> Image {
        Image {
            name: name.into(),
            os: "linux".into(),
            arch: "amd64".into(),
            variant: None,
            user: None,
            layers,
            compression: Compression::None,
            history: HistoryMode::Normal,
            present: true,
        }
    }

    pub fn compressed(mut self, c: Compression) -> Image {
        self.compression = c;
        self
    }

    pub fn platform(mut self, os: &str, arch: &str, variant: Option<&str>) -> Image {
        self.os = os.into();
        self.arch = arch.into();
        self.variant = variant.map(str::to_string);
        self
    }

    pub fn absent(mut self) -> Image {
        self.present = false;
        self
    }
}

/// The archive or directory layout to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `docker save` up to Docker 24; gzip layers give crane-style `<hex>.tar.gz`.
    DockerClassic,
    /// `docker save` from Docker 25: OCI layout in the tar plus `manifest.json`.
    Docker25,
    /// An OCI layout directory.
    OciDir,
    /// A tar of an OCI layout; `dot_prefix` writes `./` before every name.
    OciArchive { dot_prefix: bool },
}

/// Deterministic pseudo-random bytes (xorshift64*).
struct Rng(u64);

impl Rng {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let mut x = self.0;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.0 = x;
            let v = x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

struct FillReader {
    fill: Fill,
    rng: Rng,
    left: u64,
    pos: usize,
}

impl Read for FillReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        match &self.fill {
            Fill::Zeros => buf[..n].fill(0),
            Fill::Random(_) => self.rng.fill(&mut buf[..n]),
            Fill::Bytes(b) => {
                let n = n.min(b.len() - self.pos.min(b.len()));
                buf[..n].copy_from_slice(&b[self.pos..self.pos + n]);
                self.pos += n;
                self.left -= n as u64;
                return Ok(n);
            }
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Hashes and counts what is written through it.
pub struct HashWriter<W> {
    inner: W,
    hasher: Sha256,
    count: u64,
}

impl<W: Write> HashWriter<W> {
    pub fn new(inner: W) -> Self {
        HashWriter {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    pub fn finish(self) -> (W, String, u64) {
        (
            self.inner,
            format!("sha256:{}", crate::layer::hex(&self.hasher.finalize())),
            self.count,
        )
    }
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn header(kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    h.set_mtime(1_700_000_000);
    h.set_uid(0);
    h.set_gid(0);
    h
}

fn whiteout_name(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/.wh.{name}"),
        None => format!(".wh.{path}"),
    }
}

/// Appends one entry to a tar builder.
fn append<W: Write>(b: &mut tar::Builder<W>, e: &Entry) -> io::Result<()> {
    match e {
        Entry::Dir(p) => b.append_data(
            &mut header(tar::EntryType::Directory, 0),
            format!("{p}/"),
            io::empty(),
        ),
        Entry::File { path, size, fill } => {
            let seed = match fill {
                Fill::Random(s) => *s | 1,
                _ => 1,
            };
            let r = FillReader {
                fill: fill.clone(),
                rng: Rng(seed),
                left: *size,
                pos: 0,
            };
            b.append_data(&mut header(tar::EntryType::Regular, *size), path, r)
        }
        Entry::Hardlink { path, target } => {
            b.append_link(&mut header(tar::EntryType::Link, 0), path, target)
        }
        Entry::Symlink { path, target } => {
            b.append_link(&mut header(tar::EntryType::Symlink, 0), path, target)
        }
        Entry::Whiteout(p) => b.append_data(
            &mut header(tar::EntryType::Regular, 0),
            whiteout_name(p),
            io::empty(),
        ),
        Entry::Opaque(d) => b.append_data(
            &mut header(tar::EntryType::Regular, 0),
            format!("{d}/.wh..wh..opq"),
            io::empty(),
        ),
        Entry::CharDevice(p) => b.append_data(&mut header(tar::EntryType::Char, 0), p, io::empty()),
        Entry::RawName { path, size } => {
            use std::os::unix::ffi::OsStrExt;
            let name = std::ffi::OsStr::from_bytes(path);
            b.append_data(
                &mut header(tar::EntryType::Regular, *size),
                name,
                io::repeat(0).take(*size),
            )
        }
        Entry::PaxPath { path, size } => {
            b.append_pax_extensions([("path", path.as_bytes())])?;
            let mut h = header(tar::EntryType::Regular, *size);
            h.set_path("pax-placeholder")?;
            h.set_cksum();
            b.append(&h, io::repeat(0).take(*size))
        }
    }
}

/// A written layer blob.
#[derive(Debug, Clone)]
pub struct Blob {
    pub path: PathBuf,
    pub digest: String,
    pub size: u64,
}

struct WrittenLayer {
    blob: Blob,
    diff_id: String,
    media_type: &'static str,
}

/// Writes a layer's uncompressed tar into `w`.
pub fn write_layer_tar<W: Write>(layer: &Layer, w: W) -> io::Result<W> {
    let mut b = tar::Builder::new(w);
    b.mode(tar::HeaderMode::Deterministic);
    for e in &layer.entries {
        append(&mut b, e)?;
    }
    b.into_inner()
}

fn write_layer(
    layer: &Layer,
    compression: Compression,
    dir: &Path,
    n: usize,
) -> io::Result<WrittenLayer> {
    // The tar streams straight into the compressor: nothing large is written twice.
    let (blob_path, media_type, diff_id) = match compression {
        Compression::None => {
            let out = dir.join(format!("layer-{n}.tar"));
            let (file, diff_id, _) =
                write_layer_tar(layer, HashWriter::new(BufWriter::new(File::create(&out)?)))?
                    .finish();
            file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            (out, "application/vnd.oci.image.layer.v1.tar", diff_id)
        }
        Compression::Gzip => {
            let out = dir.join(format!("layer-{n}.tar.gz"));
            let enc = flate2::write::GzEncoder::new(
                BufWriter::new(File::create(&out)?),
                flate2::Compression::fast(),
            );
            let (enc, diff_id, _) = write_layer_tar(layer, HashWriter::new(enc))?.finish();
            enc.finish()?.flush()?;
            (out, "application/vnd.oci.image.layer.v1.tar+gzip", diff_id)
        }
        Compression::Zstd => {
            let out = dir.join(format!("layer-{n}.tar.zst"));
            let mut enc =
                zstd::stream::write::Encoder::new(BufWriter::new(File::create(&out)?), 3)?;
            enc.include_checksum(true)?;
            let (enc, diff_id, _) = write_layer_tar(layer, HashWriter::new(enc))?.finish();
            enc.finish()?.flush()?;
            (out, "application/vnd.oci.image.layer.v1.tar+zstd", diff_id)
        }
        Compression::Estargz => {
            let out = dir.join(format!("layer-{n}.estargz"));
            write_estargz(layer, &mut BufWriter::new(File::create(&out)?))?;
            // The diff_id of an eStargz layer is that of its whole uncompressed stream.
            let mut dec = flate2::read::MultiGzDecoder::new(File::open(&out)?);
            let mut hw = HashWriter::new(io::sink());
            io::copy(&mut dec, &mut hw)?;
            let (_, d, _) = hw.finish();
            let blob = hash_file(&out)?;
            return Ok(WrittenLayer {
                blob,
                diff_id: d,
                media_type: "application/vnd.oci.image.layer.v1.tar+gzip",
            });
        }
    };
    Ok(WrittenLayer {
        blob: hash_file(&blob_path)?,
        diff_id,
        media_type,
    })
}

/// One gzip member per tar entry, then the landmark and table of contents, then the
/// end-of-archive blocks, as eStargz lays a layer out.
fn write_estargz<W: Write>(layer: &Layer, out: &mut W) -> io::Result<()> {
    let member = |bytes: &[u8], out: &mut W| -> io::Result<()> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes)?;
        out.write_all(&enc.finish()?)
    };
    let mut b = tar::Builder::new(Vec::new());
    for e in &layer.entries {
        append(&mut b, e)?;
        let chunk = std::mem::take(b.get_mut());
        member(&chunk, out)?;
    }
    let toc = br#"{"version":1,"entries":[]}"#;
    b.append_data(
        &mut header(tar::EntryType::Regular, 1),
        ".prefetch.landmark",
        &[0xf][..],
    )?;
    b.append_data(
        &mut header(tar::EntryType::Regular, toc.len() as u64),
        "stargz.index.json",
        &toc[..],
    )?;
    let chunk = std::mem::take(b.get_mut());
    member(&chunk, out)?;
    let end = b.into_inner()?;
    member(&end, out)?;
    out.flush()
}

fn hash_file(path: &Path) -> io::Result<Blob> {
    let mut hw = HashWriter::new(io::sink());
    io::copy(&mut File::open(path)?, &mut hw)?;
    let (_, digest, size) = hw.finish();
    Ok(Blob {
        path: path.to_path_buf(),
        digest,
        size,
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_fill_is_deterministic() {
        let mut a = vec![0u8; 100];
        let mut b = vec![0u8; 100];
        Rng(7).fill(&mut a);
        Rng(7).fill(&mut b);
        assert_eq!(a, b);
        assert!(a.iter().any(|&x| x != 0));
    }

    #[test]
    fn whiteout_names() {
        assert_eq!(whiteout_name("a/b/c"), "a/b/.wh.c");
        assert_eq!(whiteout_name("top"), ".wh.top");
    }
}
