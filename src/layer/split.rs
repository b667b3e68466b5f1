//! One large uncompressed layer walked on every core. A tar has no index, but its
//! headers are easy to recognize: the layer is cut near equal offsets, each cut
//! moved forward to the next block that looks like a header (a valid checksum and
//! the `ustar` magic), and each piece walked from its cut on its own thread.
//!
//! A cut is only a guess (the block may be inside a file's content: a tar stored
//! in the layer, say). It is believed when the walk of the piece before, which
//! stops at the cut, arrives there exactly at the start of an entry: then the
//! walker's state there is fresh (it holds nothing across entries) and the piece
//! after found what one walk from the start would have. A piece that does not
//! arrive (it passed the cut inside an entry, or met the end of the archive, or an
//! error) goes on to the end of the layer itself, and the pieces after it are
//! thrown away: the result, errors included, is always the one walk's.

use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;

use super::{walk_until, Found, LayerScan, ScanError, ScanOptions, MAX_CAPTURED_PER_LAYER};
use super::{Compression, SECTION_BUFFER};
use crate::tar::{looks_like_ustar_header, SectionSource, TarWalker};

/// Layers smaller than this are walked on one core: they take a few
/// milliseconds, and other layers keep the other cores busy.
const MIN_SPLIT: u64 = 64 << 20;

/// How far past a guessed offset a header is looked for. A stretch this long
/// without one (a large file) leaves the layer uncut there.
const SEARCH: u64 = 8 << 20;

/// Bytes read at a time while looking for a header.
const SEARCH_CHUNK: usize = 64 << 10;

/// What can be read at an offset without moving a shared position: a file
/// (`pread`), or bytes in memory (tests, fuzzing).
pub trait ReadAt: Sync {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

impl ReadAt for std::fs::File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        FileExt::read_at(self, buf, offset)
    }
}

impl ReadAt for [u8] {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.len());
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

/// A `ReadAt` as `Read + Seek` with a position of its own, one per piece.
struct Positioned<'a, A: ?Sized> {
    src: &'a A,
    pos: u64,
}

impl<A: ReadAt + ?Sized> Read for Positioned<'_, A> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.src.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<A: ?Sized> Seek for Positioned<'_, A> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        match to {
            SeekFrom::Start(p) => self.pos = p,
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "only absolute seeks",
                ))
            }
        }
        Ok(self.pos)
    }
}

type Walker<'a, A> = TarWalker<SectionSource<Positioned<'a, A>>>;

/// Scans the layer `[start, start + len)` of `src`, when it is an uncompressed
/// tar, in `pieces` pieces walked at once. `None` when it is not one, or not
/// worth cutting (small, or no header found near the cuts): the caller walks it
/// as one.
pub(super) fn scan_split<A: ReadAt + ?Sized>(
    src: &A,
    start: u64,
    len: u64,
    opts: &ScanOptions,
    pieces: usize,
) -> Option<Result<LayerScan, ScanError>> {
    if pieces < 2 || len < MIN_SPLIT || opts.verify || opts.content {
        return None;
    }
    let guesses: Vec<u64> = (1..pieces as u64)
        .map(|k| len / pieces as u64 * k)
        .collect();
    scan_cut_at(src, start, len, opts, &guesses).map(|(scan, _)| scan)
}

/// As [`scan_split`], with the cuts looked for from `guesses` (offsets into the
/// layer, in order): for tests and fuzzing, which choose where to cut. Also says
/// how many pieces' findings were joined (1 when no cut was believed).
pub fn scan_cut_at<A: ReadAt + ?Sized>(
    src: &A,
    start: u64,
    len: u64,
    opts: &ScanOptions,
    guesses: &[u64],
) -> Option<(Result<LayerScan, ScanError>, usize)> {
    // Only a blob one walk would take for a tar (else its error is the one told).
    let mut head = [0u8; 512];
    let got = src.read_at(&mut head, start).ok()?.min(len as usize);
    if Compression::detect(&head[..got]) != Some(Compression::None) {
        return None;
    }
    let mut cuts: Vec<u64> = Vec::new();
    for &guess in guesses {
        let from = guess.max(cuts.last().map_or(1, |&c| c + 1));
        if let Some(at) = next_header(src, start, len, from) {
            cuts.push(at);
        }
    }
    cuts.dedup();
    if cuts.is_empty() {
        return None;
    }
    Some(walk_pieces(src, start, len, opts, &cuts))
}

/// The first block at or after `from` (rounded up to a block) that looks like a
/// tar header, within [`SEARCH`] bytes and before the layer's end.
fn next_header<A: ReadAt + ?Sized>(src: &A, start: u64, len: u64, from: u64) -> Option<u64> {
    let mut at = from.checked_next_multiple_of(512)?;
    let end = len.min(at.saturating_add(SEARCH));
    let mut chunk = vec![0u8; SEARCH_CHUNK];
    while at + 512 <= end {
        let want = ((end - at) as usize).min(SEARCH_CHUNK) / 512 * 512;
        let got = src.read_at(&mut chunk[..want], start + at).ok()? / 512 * 512;
        if got == 0 {
            return None;
        }
        for (k, block) in chunk[..got].chunks_exact(512).enumerate() {
            let block: &[u8; 512] = block.try_into().ok()?;
            if looks_like_ustar_header(block) {
                return Some(at + k as u64 * 512);
            }
        }
        at += got as u64;
    }
    None
}

/// What one piece's walk came to.
struct Piece<'a, A: ?Sized> {
    walker: Walker<'a, A>,
    found: Found,
    /// Whether it stopped exactly at its end cut, at the start of an entry.
    arrived: bool,
}

/// Walks the piece `[from, until)` (`until`: the next cut, or none for the last).
fn walk_piece<'a, A: ReadAt + ?Sized>(
    src: &'a A,
    start: u64,
    len: u64,
    opts: &ScanOptions,
    from: u64,
    until: Option<u64>,
) -> Result<Piece<'a, A>, ScanError> {
    let file = Positioned { src, pos: 0 };
    let section = SectionSource::new(file, start + from, len - from, SECTION_BUFFER);
    let mut walker = TarWalker::starting_at(section, from);
    let mut found = Found::default();
    let arrived = walk_until(&mut walker, opts, false, None, until, &mut found)?;
    Ok(Piece {
        walker,
        found,
        arrived,
    })
}

/// Walks the pieces the `cuts` make at once, and joins what they found as far
/// as each cut is confirmed: a piece that passes its cut inside an entry walks
/// on to the end itself (`walk_until`), and the pieces after it are dropped.
fn walk_pieces<A: ReadAt + ?Sized>(
    src: &A,
    start: u64,
    len: u64,
    opts: &ScanOptions,
    cuts: &[u64],
) -> (Result<LayerScan, ScanError>, usize) {
    let mut joined_pieces = 0;
    let scan = join_pieces(src, start, len, opts, cuts, &mut joined_pieces);
    (scan, joined_pieces)
}

fn join_pieces<A: ReadAt + ?Sized>(
    src: &A,
    start: u64,
    len: u64,
    opts: &ScanOptions,
    cuts: &[u64],
    joined_pieces: &mut usize,
) -> Result<LayerScan, ScanError> {
    let bounds: Vec<(u64, Option<u64>)> = std::iter::once(0)
        .chain(cuts.iter().copied())
        .zip(cuts.iter().copied().map(Some).chain([None]))
        .collect();
    let mut results: Vec<Result<Piece<'_, A>, ScanError>> = std::thread::scope(|s| {
        let later: Vec<_> = bounds[1..]
            .iter()
            .map(|&(from, until)| s.spawn(move || walk_piece(src, start, len, opts, from, until)))
            .collect();
        let first = walk_piece(src, start, len, opts, 0, bounds[0].1);
        std::iter::once(first)
            .chain(later.into_iter().map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(ScanError("a layer piece's walker failed".into())))
            }))
            .collect()
    });
    let mut joined = Found::default();
    let mut last = None;
    for result in results.drain(..) {
        let mut piece = result?;
        joined.append(std::mem::take(&mut piece.found))?;
        let arrived = piece.arrived;
        *joined_pieces += 1;
        last = Some(piece.walker);
        if !arrived {
            break;
        }
    }
    let mut walker = last.expect("there is a first piece");
    if joined.captured_bytes > MAX_CAPTURED_PER_LAYER {
        // The pieces each kept up to the limit: which files one walk keeps depends
        // on what came before them. Walk it as one.
        let mut found = Found::default();
        let file = Positioned { src, pos: 0 };
        walker = TarWalker::new(SectionSource::new(file, start, len, SECTION_BUFFER));
        walk_until(&mut walker, opts, false, None, None, &mut found)?;
        joined = found;
        *joined_pieces = 1;
    }
    joined.files.shrink_to_fit();
    Ok(LayerScan {
        files: joined.files,
        compression: Compression::None,
        blob_bytes: len,
        tar_bytes: walker.offset(),
        captured: joined.captured,
        blob_digest: None,
        diff_id: None,
    })
}
