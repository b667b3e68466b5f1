//! eStargz layers as containerd's stargz-snapshotter writes them: each file's
//! content starts a gzip member of its own (and every 4 MiB of it another), the
//! headers between contents share a member, then a member holding the table of
//! contents (`stargz.index.json`, listing where each content member starts) and the
//! tar's end, then the 51-byte footer that says where the TOC is.

use std::io::{self, Write};

use serde_json::{json, Value};

/// A file's content is cut into chunks of this size, one member each (eStargz's
/// default chunk size).
const CHUNK: usize = 4 << 20;

/// Writes an eStargz blob from tar entries given one at a time.
pub struct EstargzWriter<W: Write> {
    out: W,
    /// Blob bytes written so far.
    pos: u64,
    member: Option<flate2::write::GzEncoder<Vec<u8>>>,
    level: flate2::Compression,
    toc: Vec<Value>,
}

impl<W: Write> EstargzWriter<W> {
    pub fn new(out: W, level: flate2::Compression) -> Self {
        EstargzWriter {
            out,
            pos: 0,
            member: None,
            level,
            toc: Vec::new(),
        }
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let level = self.level;
        self.member
            .get_or_insert_with(|| flate2::write::GzEncoder::new(Vec::new(), level))
            .write_all(bytes)
    }

    /// Ends the open member; returns where the next one starts.
    fn cut(&mut self) -> io::Result<u64> {
        if let Some(m) = self.member.take() {
            let bytes = m.finish()?;
            self.out.write_all(&bytes)?;
            self.pos += bytes.len() as u64;
        }
        Ok(self.pos)
    }

    /// Adds one tar entry: `raw` is its whole encoding (headers, `size` bytes of
    /// content, padding), `kind` its TOC type (`reg`, `dir`, `symlink`...).
    pub fn entry(&mut self, name: &str, kind: &str, raw: &[u8], size: u64) -> io::Result<()> {
        let padded = size.div_ceil(512) * 512;
        let content_at = raw
            .len()
            .checked_sub(padded as usize)
            .ok_or_else(|| io::Error::other("entry shorter than its content"))?;
        self.write(&raw[..content_at])?;
        let content = &raw[content_at..content_at + size as usize];
        let mut entry = json!({"name": name, "type": kind, "size": size});
        for (i, chunk) in content.chunks(CHUNK).enumerate() {
            let offset = self.cut()?;
            self.write(chunk)?;
            let chunk_offset = (i * CHUNK) as u64;
            if i == 0 {
                entry["offset"] = json!(offset);
                if content.len() > CHUNK {
                    entry["chunkSize"] = json!(chunk.len());
                }
                self.toc.push(entry.take());
            } else {
                self.toc.push(json!({
                    "name": name, "type": "chunk", "offset": offset,
                    "chunkOffset": chunk_offset, "chunkSize": chunk.len(),
                }));
            }
        }
        if size == 0 {
            self.toc.push(entry);
        }
        self.write(&raw[content_at + size as usize..])
    }

    /// Writes the TOC member (with the tar's end) and the footer.
    pub fn finish(mut self) -> io::Result<W> {
        let toc_at = self.cut()?;
        let json = serde_json::to_vec(&json!({"version": 1, "entries": self.toc}))?;
        let mut h = tar::Header::new_ustar();
        h.set_path("stargz.index.json")?;
        h.set_size(json.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        let mut b = tar::Builder::new(Vec::new());
        b.append(&h, json.as_slice())?;
        let toc_tar = b.into_inner()?;
        self.write(&toc_tar)?;
        self.cut()?;
        self.out.write_all(&footer(toc_at))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The 51-byte footer: an empty gzip member whose extra field holds `SG`, 22, and
/// `%016x` of the TOC's offset followed by `STARGZ`.
pub fn footer(toc_at: u64) -> [u8; 51] {
    let mut f = [0u8; 51];
    f[..4].copy_from_slice(&[0x1f, 0x8b, 8, 4]);
    f[9] = 0xff;
    f[10..12].copy_from_slice(&26u16.to_le_bytes());
    f[12..14].copy_from_slice(b"SG");
    f[14..16].copy_from_slice(&22u16.to_le_bytes());
    f[16..38].copy_from_slice(format!("{toc_at:016x}STARGZ").as_bytes());
    // An empty stored block, then the CRC and length of nothing.
    f[38..43].copy_from_slice(&[1, 0, 0, 0xff, 0xff]);
    f
}
