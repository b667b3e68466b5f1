//! Layer blobs: file contents (zeros or a seeded stream), tar entries, and the
//! plain, gzip, zstd and eStargz encodings.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::estargz::EstargzWriter;
use super::{Compression, Entry, Fill, Layer};

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

pub(super) fn header(kind: tar::EntryType, size: u64) -> tar::Header {
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
        Entry::Program { path, content } => {
            let mut h = header(tar::EntryType::Regular, content.len() as u64);
            h.set_mode(0o755);
            b.append_data(&mut h, path, content.as_slice())
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

pub(super) struct WrittenLayer {
    pub(super) blob: Blob,
    pub(super) diff_id: String,
    pub(super) media_type: &'static str,
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

pub(super) fn write_layer(
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

/// The layer as eStargz: a `.no.prefetch.landmark` first (no files are
/// prioritized), then one member per file content.
fn write_estargz<W: Write>(layer: &Layer, out: &mut W) -> io::Result<()> {
    let mut w = EstargzWriter::new(out, flate2::Compression::fast());
    let mut b = tar::Builder::new(Vec::new());
    b.append_data(
        &mut header(tar::EntryType::Regular, 1),
        ".no.prefetch.landmark",
        &[0xf][..],
    )?;
    w.entry(
        ".no.prefetch.landmark",
        "reg",
        &std::mem::take(b.get_mut()),
        1,
    )?;
    for e in &layer.entries {
        append(&mut b, e)?;
        let raw = std::mem::take(b.get_mut());
        let (name, kind, size) = match e {
            Entry::Dir(p) => (p.clone(), "dir", 0),
            Entry::File { path, size, .. } => (path.clone(), "reg", *size),
            Entry::Hardlink { path, .. } => (path.clone(), "hardlink", 0),
            Entry::Symlink { path, .. } => (path.clone(), "symlink", 0),
            Entry::Whiteout(p) => (whiteout_name(p), "reg", 0),
            Entry::Opaque(d) => (format!("{d}/.wh..wh..opq"), "reg", 0),
            Entry::CharDevice(p) => (p.clone(), "char", 0),
            Entry::RawName { path, size } => (String::from_utf8_lossy(path).into(), "reg", *size),
            Entry::PaxPath { path, size } => (path.clone(), "reg", *size),
            Entry::Program { path, content } => (path.clone(), "reg", content.len() as u64),
        };
        w.entry(&name, kind, &raw, size)?;
    }
    w.finish()?;
    Ok(())
}

pub(super) fn hash_file(path: &Path) -> io::Result<Blob> {
    let mut hw = HashWriter::new(io::sink());
    io::copy(&mut File::open(path)?, &mut hw)?;
    let (_, digest, size) = hw.finish();
    Ok(Blob {
        path: path.to_path_buf(),
        digest,
        size,
    })
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
