//! Scanning one layer: detect its compression from the first bytes, walk the tar
//! headers, and keep a compact list of entries (kind, size, normalized path) plus the
//! few small files whose content the analysis needs (lockfiles, package.json).
//!
//! Layers are independent, so the caller scans them in parallel; nothing here knows
//! about other layers or about the image around it.

pub(crate) mod binary; // what a program says it is made of (Go's build information)
mod cut; // where a blob can be cut for the parallel decoders
mod decode; // the decode pipeline: blob -> decoder -> tar stream, and what it consumed
mod files;
#[cfg(feature = "isal")]
mod isal;
pub(crate) mod jar; // what a Java archive holds (Maven coordinates, archives inside)
mod parallel;
mod pull;

use std::fs::File;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use xxhash_rust::xxh3::{xxh3_128, Xxh3};

use crate::tar::{self, BlockSource, SectionSource, StreamSource, TarKind, TarWalker};
pub use decode::gzip_reader;
use decode::{Input, Metered};
pub use files::LayerFiles;
pub(crate) use files::{distinct, normalize_path, Entry, EntryKind};
use files::{is_estargz_metadata, whiteout_kind};
use pull::pull_costs;

/// How a layer blob is compressed, as detected from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// Detects gzip (`1f 8b`), zstd (`28 b5 2f fd`) or a plain tar (`ustar` at 257, or a
    /// header with a valid checksum, or an all-zero first block). `None` means neither.
    pub(crate) fn detect(head: &[u8]) -> Option<Compression> {
        if head.starts_with(&[0x1f, 0x8b]) {
            return Some(Compression::Gzip);
        }
        if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            return Some(Compression::Zstd);
        }
        if head.len() >= 262 && &head[257..262] == b"ustar" {
            return Some(Compression::None);
        }
        if head.len() >= 512 {
            let block: &[u8; 512] = head[..512].try_into().ok()?;
            if block.iter().all(|&b| b == 0) || looks_like_v7_header(block) {
                return Some(Compression::None);
            }
        }
        None
    }
}

fn looks_like_v7_header(h: &[u8; 512]) -> bool {
    let field = &h[148..156];
    let digits: Vec<u8> = field
        .iter()
        .copied()
        .take_while(|&b| b != 0)
        .filter(|&b| b != b' ')
        .collect();
    if digits.is_empty() || !digits.iter().all(|b| (b'0'..=b'7').contains(b)) {
        return false;
    }
    let stored = digits
        .iter()
        .fold(0u64, |v, &b| v * 8 + u64::from(b - b'0'));
    let sum: u64 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(b)
            }
        })
        .sum();
    stored == sum
}

/// Which files' content the scan should keep, and how big they may be.
#[derive(Clone, Copy)]
pub struct ScanOptions {
    pub capture: fn(&[u8]) -> bool,
    /// What to keep of a captured file (path, content): called on the scanning
    /// thread, so a large file the analysis needs little of is cut down in
    /// parallel and never held whole.
    pub condense: fn(&[u8], Vec<u8>) -> Vec<u8>,
    pub capture_limit: u64,
    /// Hash the blob and the uncompressed tar (costs reading every byte).
    pub verify: bool,
    /// Hash every regular file's content (XXH3-128), for duplicates and rewrites.
    pub content: bool,
    /// Threads that may decode this one layer when it can be cut (eStargz,
    /// zstd:chunked, in a file): more than 1 only for a layer that alone outweighs a
    /// core's share of the image, which one core would otherwise finish last.
    pub decoders: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            capture: |_| false,
            condense: |_, data| data,
            capture_limit: 0,
            verify: false,
            content: false,
            decoders: 1,
        }
    }
}

/// A small file kept from a layer, path normalized.
#[derive(Debug, Clone)]
pub struct Captured {
    pub path: Vec<u8>,
    pub data: Vec<u8>,
    pub kind: CapturedKind,
}

/// What a captured record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapturedKind {
    /// The file's content (or what `condense` kept of it).
    File,
    /// A Go program's build information, not the program
    /// (`binary::program_info`): its toolchain's version, a newline, its modules.
    GoBuildInfo,
    /// What a Java archive holds, not the archive (`jar::java_archive`): its
    /// Maven coordinates and the archives inside it, a line each.
    JavaArchive,
    /// A Rust program's `cargo auditable` list, not the program
    /// (`binary::program_info`): the JSON it embeds.
    CargoAuditable,
}

/// What scanning one layer blob found.
#[derive(Debug, Clone)]
pub struct LayerScan {
    pub files: LayerFiles,
    pub compression: Compression,
    /// Size of the blob as stored.
    pub blob_bytes: u64,
    /// Size of the uncompressed tar stream read (up to its end-of-archive marker).
    pub tar_bytes: u64,
    pub captured: Vec<Captured>,
    /// `sha256:<hex>` of the blob, when verifying.
    pub blob_digest: Option<String>,
    /// `sha256:<hex>` of the uncompressed tar, when verifying.
    pub diff_id: Option<String>,
}

/// Why a layer could not be scanned; the caller adds which layer and file.
#[derive(Debug)]
pub struct ScanError(pub String);

impl From<tar::TarError> for ScanError {
    fn from(e: tar::TarError) -> Self {
        ScanError(e.to_string())
    }
}

impl From<io::Error> for ScanError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            ScanError("unexpected end of data (truncated?)".into())
        } else {
            ScanError(format!("{e}"))
        }
    }
}

/// Counts and optionally hashes what passes through, and reports progress.
struct Tap<'p, R> {
    inner: R,
    hasher: Option<Sha256>,
    count: u64,
    progress: &'p (dyn Fn(u64) + Sync),
    unreported: u64,
}

impl<'p, R: Read> Tap<'p, R> {
    fn new(inner: R, hash: bool, progress: &'p (dyn Fn(u64) + Sync)) -> Self {
        Tap {
            inner,
            hasher: hash.then(Sha256::new),
            count: 0,
            progress,
            unreported: 0,
        }
    }

    fn digest(&mut self) -> Option<String> {
        self.hasher
            .take()
            .map(|h| format!("sha256:{}", hex(&h.finalize())))
    }

    fn flush_progress(&mut self) {
        if self.unreported > 0 {
            (self.progress)(self.unreported);
            self.unreported = 0;
        }
    }
}

impl<R: Read> Read for Tap<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        self.count += n as u64;
        self.unreported += n as u64;
        if self.unreported >= 4 << 20 {
            self.flush_progress();
        }
        Ok(n)
    }
}

pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

const READ_BUFFER: usize = 1 << 20;
/// Uncompressed layers in a file are read through windows of this size: small files
/// are read through, larger ones seeked past. 16 KiB, measured on 2026-12-03
/// against 8, 32, 64, 128 and 256 KiB: the same on the 800 MB generated image
/// (files of 200 B to 6 kB), 15% faster than 128 KiB on the real Node.js and
/// debian-npm images, whose many files of tens of kB were copied out of the page
/// cache only to be skipped (BENCHMARKS.md, "Every kind of real image").
const SECTION_BUFFER: usize = 16 << 10;

/// Captured content kept from one layer at most (lockfiles and manifests are small;
/// a crafted layer full of huge package.json files must not fill memory).
const MAX_CAPTURED_PER_LAYER: u64 = 256 << 20;

fn no_progress(_: u64) {}

/// Contents are hashed through a buffer of this size (`--content`).
const HASH_CHUNK: usize = 256 << 10;

/// Scans a layer stored in `[start, start + len)` of a file: as [`scan_section`],
/// but a large eStargz or zstd:chunked layer is decoded on every core
/// (`parallel`). When that fails, the layer is read again as one stream, whose
/// error (if it has one) is the one told.
pub fn scan_file(
    file: File,
    start: u64,
    len: u64,
    opts: &ScanOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<LayerScan, ScanError> {
    let cut = AtomicU64::new(0);
    let counted = |n: u64| {
        cut.fetch_add(n, Ordering::Relaxed);
        progress(n)
    };
    if let Some(scan) = parallel::scan_cut(&file, start, len, opts, &counted) {
        return Ok(scan);
    }
    scan_section(file, start, len, opts, &after(cut.into_inner(), progress))
}

/// `progress`, once `owed` bytes have passed unreported: a layer read again as one
/// stream after its cut failed reports only the bytes the cut did not, so that a
/// progress bar counts each blob byte once.
fn after(owed: u64, progress: &(dyn Fn(u64) + Sync)) -> impl Fn(u64) + Sync + '_ {
    let owed = AtomicU64::new(owed);
    move |n: u64| {
        let left = owed.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| Some(o - n.min(o)));
        let skip = n.min(left.unwrap_or(0));
        if n > skip {
            progress(n - skip)
        }
    }
}

/// Scans a layer stored in `[start, start + len)` of a seekable file. An uncompressed
/// layer is walked by header, seeking past contents (unless verifying).
pub fn scan_section<F: tar::ReadAt>(
    file: F,
    start: u64,
    len: u64,
    opts: &ScanOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<LayerScan, ScanError> {
    let mut section = SectionSource::new(file, start, len, SECTION_BUFFER);
    let mut head = [0u8; 512];
    let got = section.read_full(&mut head)?;
    let compression = detect_or_fail(&head[..got], len)?;
    section.rewind();
    if compression == Compression::None && !opts.verify && !opts.content {
        let mut walker = TarWalker::new(section);
        let (files, captured) = walk(&mut walker, opts, false, None)?;
        let tar_bytes = walker.offset();
        progress(len);
        return Ok(LayerScan {
            files,
            compression,
            blob_bytes: len,
            tar_bytes,
            captured,
            blob_digest: None,
            diff_id: None,
        });
    }
    scan_read(section, Some(len), opts, progress)
}

/// Scans an uncompressed layer's tar as `src` gives it (an engine's storage: the
/// headers from tar-split, contents from the layer's folder, read only when the
/// scan needs them): walked by header, or with `--verify` read whole and hashed
/// (the diff_id). `len` is the tar's size where the storage records it.
pub fn scan_tar<S: BlockSource + Read>(
    src: S,
    len: Option<u64>,
    opts: &ScanOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<LayerScan, ScanError> {
    if opts.verify {
        return scan_read(src, len, opts, progress);
    }
    let mut walker = TarWalker::new(src);
    let (files, captured) = walk(&mut walker, opts, false, None)?;
    let tar_bytes = walker.offset();
    progress(len.unwrap_or(tar_bytes));
    Ok(LayerScan {
        files,
        compression: Compression::None,
        blob_bytes: len.unwrap_or(tar_bytes),
        tar_bytes,
        captured,
        blob_digest: None,
        diff_id: None,
    })
}

fn detect_or_fail(head: &[u8], len: u64) -> Result<Compression, ScanError> {
    if len == 0 || head.is_empty() {
        return Err(ScanError("layer blob is empty".into()));
    }
    Compression::detect(head)
        .ok_or_else(|| ScanError("layer is not a tar, gzip or zstd stream".into()))
}

/// Scans a layer from a stream (stdin, or a compressed blob): the decode
/// pipeline (`decode`), then the tar walker.
pub fn scan_read<R: Read>(
    reader: R,
    known_len: Option<u64>,
    opts: &ScanOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<LayerScan, ScanError> {
    let mut raw = Tap::new(reader, opts.verify, progress);
    let mut head = vec![0u8; 512];
    let got = tar::read_full(&mut raw, &mut head)?;
    head.truncate(got);
    let compression = detect_or_fail(&head, known_len.unwrap_or(got as u64))?;
    let walked = match compression {
        Compression::None => {
            let tar_stream = io::Cursor::new(head).chain(Input(&mut raw));
            walk_stream(tar_stream, opts, false, None)?.0
        }
        c => {
            let dec = decode::stream_decoder(head, &mut raw, c)?;
            let mut starts = Vec::new();
            let gzip = c == Compression::Gzip;
            let (mut walked, metered) =
                walk_stream(Metered::new(dec), opts, gzip, Some(&mut starts))?;
            walked
                .files
                .set_pulls(pull_costs(&metered.map, &starts, walked.tar_bytes));
            walked
        }
    };
    if opts.verify {
        // The blob digest covers every byte, including what follows the tar's end.
        io::copy(&mut raw, &mut io::sink())?;
    }
    raw.flush_progress();
    let blob_bytes = raw.count;
    if let Some(len) = known_len {
        if opts.verify && blob_bytes != len {
            return Err(ScanError(format!(
                "blob has {blob_bytes} bytes, expected {len}"
            )));
        }
    }
    Ok(LayerScan {
        files: walked.files,
        compression,
        blob_bytes: known_len.unwrap_or(blob_bytes),
        tar_bytes: walked.tar_bytes,
        captured: walked.captured,
        blob_digest: raw.digest(),
        diff_id: walked.diff_id,
    })
}

/// What walking one layer's tar found.
struct Walked {
    files: LayerFiles,
    captured: Vec<Captured>,
    /// Bytes of the tar up to its end-of-archive blocks.
    tar_bytes: u64,
    /// `sha256:` of the whole tar stream, when verifying.
    diff_id: Option<String>,
}

/// What a decoder writes into at a time: large writes make inflate faster (about
/// 10% over 8 KiB ones), and headers and skipped contents are then served from memory.
pub(super) const DECODED_BUFFER: usize = 256 << 10;

/// Walks a tar stream (a decoded layer, or an uncompressed one) to its end, and
/// hands the stream back (for its pull map). `gzip` for eStargz's metadata
/// entries; with `starts` (a compressed layer), where each entry kept starts. A
/// tar error in a compressed layer may come from corrupt data the decoder has not
/// yet caught: its checksum at the end then says which.
fn walk_stream<R: Read>(
    stream: R,
    opts: &ScanOptions,
    gzip: bool,
    starts: Option<&mut Vec<u64>>,
) -> Result<(Walked, R), ScanError> {
    let compressed = starts.is_some();
    let quiet = no_progress;
    let tap = Tap::new(stream, opts.verify, &quiet);
    let buffered = io::BufReader::with_capacity(DECODED_BUFFER, tap);
    let mut walker = TarWalker::new(StreamSource::new(buffered));
    let (files, captured) = match walk(&mut walker, opts, gzip, starts) {
        Ok(w) => w,
        Err(e) if !compressed => return Err(e),
        Err(e) => {
            let mut rest = walker.into_source().into_inner();
            return Err(match io::copy(&mut rest, &mut io::sink()) {
                Err(corrupt) if corrupt.kind() == io::ErrorKind::InvalidData => corrupt.into(),
                _ => e,
            });
        }
    };
    let tar_bytes = walker.offset();
    let mut buffered = walker.into_source().into_inner();
    // Read to the end of the stream: what follows the tar's end-of-archive blocks is
    // little, and only there do gzip's CRC and zstd's checksum catch a corrupt blob.
    io::copy(&mut buffered, &mut io::sink())?;
    let mut tap = buffered.into_inner();
    let diff_id = if opts.verify { tap.digest() } else { None };
    let walked = Walked {
        files,
        captured,
        tar_bytes,
        diff_id,
    };
    Ok((walked, tap.inner))
}

/// Walks a layer's entries; with `starts`, records where each entry kept starts in
/// the tar stream.
fn walk<S: BlockSource>(
    walker: &mut TarWalker<S>,
    opts: &ScanOptions,
    gzip: bool,
    mut starts: Option<&mut Vec<u64>>,
) -> Result<(LayerFiles, Vec<Captured>), ScanError> {
    let mut files = LayerFiles::default();
    let mut captured = Vec::new();
    let mut captured_bytes = 0u64;
    let mut path = Vec::with_capacity(256);
    let mut link = Vec::with_capacity(256);
    let mut chunk = if opts.content {
        vec![0u8; HASH_CHUNK]
    } else {
        Vec::new()
    };
    loop {
        // `sparse`: a sparse file's regions.
        let (kind, size, sparse, mode) = match walker.next_entry()? {
            None => break,
            Some(e) => {
                normalize_path(e.path, &mut path);
                link.clear();
                if e.kind == TarKind::Hardlink {
                    normalize_path(e.link, &mut link);
                }
                (e.kind, e.size, e.sparse.map(<[_]>::to_vec), e.mode)
            }
        };
        if path.is_empty()
            || (gzip && is_estargz_metadata(&path))
            || whiteout_kind(&path) == Some(EntryKind::Meta)
        {
            continue;
        }
        let kind = match whiteout_kind(&path) {
            Some(k) => k,
            None => match kind {
                TarKind::File => EntryKind::File,
                TarKind::Hardlink => EntryKind::Hardlink,
                TarKind::Symlink => EntryKind::Symlink,
                TarKind::Dir => EntryKind::Dir,
                TarKind::Other => EntryKind::Other,
            },
        };
        let size = if kind == EntryKind::File { size } else { 0 };
        files.push(&path, &link, size, kind).map_err(ScanError)?;
        if let Some(s) = starts.as_mut() {
            s.push(walker.entry_start());
        }
        if kind == EntryKind::File
            && size <= opts.capture_limit
            && captured_bytes + size <= MAX_CAPTURED_PER_LAYER
            && (opts.capture)(&path)
        {
            let mut data = Vec::new();
            walker.read_content(&mut data)?;
            if let Some(regions) = &sparse {
                data = expand_sparse(&data, regions, size);
            }
            captured_bytes += size;
            if opts.content && size > 0 {
                files.set_last_hash(xxh3_128(&data));
            }
            captured.push(Captured {
                path: path.clone(),
                data: (opts.condense)(&path, data),
                kind: CapturedKind::File,
            });
        } else if kind == EntryKind::File
            && sparse.is_none()
            && size >= 22
            && (jar::is_archive(&path) || (mode & 0o111 != 0 && size >= 64))
        {
            // A Java archive or a program: what it is made of, read from the parts
            // of it that say so.
            let mut h = opts.content.then(Xxh3::new);
            let mut part = binary::EntryPart {
                walker: &mut *walker,
                hash: h.as_mut(),
                pos: 0,
            };
            let info = if jar::is_archive(&path) {
                jar::java_archive(&mut part)?.map(|i| (i, CapturedKind::JavaArchive))
            } else {
                binary::program_info(&mut part, size)?
            };
            if let Some(mut h) = h {
                walker.stream_content(&mut chunk, |b| h.update(b))?;
                files.set_last_hash(h.digest128());
            }
            if let Some((data, kind)) = info {
                if captured_bytes + data.len() as u64 <= MAX_CAPTURED_PER_LAYER {
                    captured_bytes += data.len() as u64;
                    captured.push(Captured {
                        path: path.clone(),
                        data,
                        kind,
                    });
                }
            }
        } else if opts.content && kind == EntryKind::File && size > 0 {
            let mut h = Xxh3::new();
            if let Some(regions) = &sparse {
                // A sparse file is known by its map and its data: its holes are not
                // hashed (a crafted map can claim petabytes of them).
                h.update(b"sparse");
                for (offset, len) in regions {
                    h.update(&offset.to_le_bytes());
                    h.update(&len.to_le_bytes());
                }
            }
            walker.stream_content(&mut chunk, |b| h.update(b))?;
            files.set_last_hash(h.digest128());
        }
    }
    files.shrink_to_fit();
    Ok((files, captured))
}

/// A sparse file's content as extracted: its stored `data` put at the map's
/// `regions`, zeros between. The walker has checked the map against the data and
/// `size` (the caller expands only files it captures, of a few MB at most).
fn expand_sparse(data: &[u8], regions: &[(u64, u64)], size: u64) -> Vec<u8> {
    let mut out = vec![0u8; size as usize];
    let mut at = 0usize;
    for &(offset, len) in regions {
        let (offset, len) = (offset as usize, len as usize);
        out[offset..offset + len].copy_from_slice(&data[at..at + len]);
        at += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_a_sparse_file() {
        let out = expand_sparse(b"abcde", &[(2, 2), (6, 3), (10, 0)], 10);
        assert_eq!(out, b"\0\0ab\0\0cde\0");
    }

    #[test]
    fn detects_compression() {
        assert_eq!(
            Compression::detect(&[0x1f, 0x8b, 8, 0]),
            Some(Compression::Gzip)
        );
        assert_eq!(
            Compression::detect(&[0x28, 0xb5, 0x2f, 0xfd, 0]),
            Some(Compression::Zstd)
        );
        assert_eq!(Compression::detect(&[0u8; 512]), Some(Compression::None));
        assert_eq!(Compression::detect(b"{\"json\": true}"), None);
    }

    #[test]
    fn a_layer_read_again_reports_only_what_its_cut_did_not() {
        let reported = AtomicU64::new(0);
        let progress = |n: u64| {
            reported.fetch_add(n, Ordering::Relaxed);
        };
        // The cut reported 5 of 10 bytes before failing; one stream then reads all 10.
        let again = after(5, &progress);
        for n in [3, 1, 2, 4] {
            again(n);
        }
        assert_eq!(reported.load(Ordering::Relaxed), 5);
        let none_owed = after(0, &progress);
        none_owed(7);
        assert_eq!(reported.load(Ordering::Relaxed), 12);
    }
}
