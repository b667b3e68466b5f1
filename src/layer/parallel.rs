//! One large layer decoded on every core. An eStargz layer is a run of gzip members
//! and a zstd:chunked layer a run of zstd frames, each decodable on its own: the
//! blob is cut at member (frame) starts into units of about 1 MiB, worker threads
//! decode units ahead, and the tar walker reads their output in order.
//!
//! Where the starts come from: eStargz's table of contents (its footer says where
//! the TOC is; the TOC's entries say where each file's member starts), and for zstd
//! the frames themselves (a frame's blocks say how long they are, so frames are
//! walked without decoding them). A plain gzip or single-frame zstd layer has one
//! unit and is decoded as before.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, Read};
use std::os::unix::fs::FileExt;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::Mutex;

use super::cut::units;
use super::decode;
use super::pull::pull_costs;
use super::{walk, Compression, LayerScan, ScanError, ScanOptions, DECODED_BUFFER};
use crate::tar::{self, StreamSource, TarWalker};

/// Units are at least this much of the blob (the last may be less): large enough that
/// a unit's setup is nothing beside decoding it, small enough that the unit after
/// the one being walked fits, decoded, in what a worker may hand over ahead
/// (measured: 1 MiB units beat 4 MiB ones by 1.3x on a layer of small files, where
/// 4 MiB of blob decodes to far more than a worker may hold).
pub(super) const UNIT: u64 = 1 << 20;

/// A layer smaller than this is decoded on one core: it takes tens of
/// milliseconds, and other layers keep the other cores busy.
const MIN_BLOB: u64 = 16 << 20;

/// Workers hand over decoded bytes in pieces of this size (the larger, the fewer
/// thread wake-ups), and each unit may have this many waiting.
const PIECE: usize = 1 << 20;
const PIECES_AHEAD: usize = 8;

/// Decoded bytes of a unit, and where in the blob the decoder was after them.
struct Piece {
    data: Vec<u8>,
    /// After each decoder read into `data`: (bytes of `data` so far, blob offset
    /// consumed), as fine as one stream's map.
    marks: Vec<(usize, u64)>,
}

type Job = (usize, SyncSender<io::Result<Piece>>);

/// Scans the layer `[start, start + len)` of `file` cut into units decoded on
/// `opts.decoders` threads, when it may be (more than one decoder, not verifying,
/// at least [`MIN_BLOB`]) and can be (eStargz, zstd frames). `None` when not, or
/// when decoding it so failed: the caller then reads it as one stream.
pub(super) fn scan_cut(
    file: &File,
    start: u64,
    len: u64,
    opts: &ScanOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Option<LayerScan> {
    let workers = opts.decoders;
    if workers < 2 || len < MIN_BLOB || opts.verify {
        return None;
    }
    let mut head = [0u8; 4];
    file.read_exact_at(&mut head, start).ok()?;
    let compression = Compression::detect(&head)?;
    let units = units(file, start, len, compression)?;
    match scan(file, start, &units, compression, workers, opts, progress) {
        Ok(scan) => {
            crate::timings::mark(&format!(
                "  a layer decoded in {} units on {workers} threads",
                units.len() - 1
            ));
            Some(scan)
        }
        Err(_) => {
            crate::timings::mark("  a layer read again as one stream");
            None
        }
    }
}

/// Scans a layer cut into `units`, decoded by `workers` threads.
fn scan(
    file: &File,
    start: u64,
    units: &[u64],
    compression: Compression,
    workers: usize,
    opts: &ScanOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<LayerScan, ScanError> {
    let gzip = compression == Compression::Gzip;
    let (files, captured, tar_bytes) = decode(
        file,
        start,
        units,
        compression,
        workers,
        progress,
        |ordered| {
            let mut walker = TarWalker::new(StreamSource::new(ordered));
            let mut starts = Vec::new();
            let (mut files, captured) = walk(&mut walker, opts, gzip, Some(&mut starts))?;
            let tar_bytes = walker.offset();
            let mut ordered = walker.into_source().into_inner();
            // To the end: the checksums after the tar's end-of-archive blocks are checked.
            io::copy(&mut ordered, &mut io::sink())?;
            files.set_pulls(pull_costs(&ordered.map, &starts, tar_bytes));
            Ok::<_, ScanError>((files, captured, tar_bytes))
        },
    )?;
    Ok(LayerScan {
        files,
        compression,
        blob_bytes: *units.last().unwrap_or(&0),
        tar_bytes,
        captured,
        blob_digest: None,
        diff_id: None,
    })
}

/// Runs `walk` over the decoded layer, its units decoded by `workers` threads.
fn decode<T>(
    file: &File,
    start: u64,
    units: &[u64],
    compression: Compression,
    workers: usize,
    progress: &(dyn Fn(u64) + Sync),
    walk: impl FnOnce(Ordered<'_>) -> T,
) -> T {
    let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
    let jobs_rx = Mutex::new(jobs_rx);
    // Pieces read are handed back to be filled again: fresh 256 KiB buffers would
    // each cost the kernel 64 page faults.
    let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
    let free = Mutex::new(free_rx);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                // Reused from unit to unit: a fresh zstd context would allocate its
                // window again for each (hundreds of MB of page faults per layer).
                let mut blob = Vec::new();
                let mut zstd = zstd::zstd_safe::DCtx::create();
                loop {
                    let job = match jobs_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((unit, tx)) = job else { return };
                    let (from, to) = (units[unit], units[unit + 1]);
                    let unit = Unit {
                        file,
                        start,
                        from,
                        to,
                        compression,
                    };
                    if let Err(e) = unit.decode(&mut blob, &mut zstd, &free, &tx) {
                        let _ = tx.send(Err(e));
                    }
                }
            });
        }
        let mut ordered = Ordered {
            jobs: jobs_tx,
            free: free_tx,
            pending: VecDeque::new(),
            next: 0,
            units: units.len() - 1,
            ahead: workers + 2,
            piece: Vec::new(),
            pos: 0,
            out: 0,
            map: Vec::new(),
            len: *units.last().unwrap_or(&0),
            reported: 0,
            progress,
        };
        ordered.dispatch();
        // The walk drops `ordered`, and with it the job queue: idle workers stop,
        // busy ones stop at their next piece.
        walk(ordered)
    })
}

/// A unit's blob is read in pieces of this size.
const UNIT_READ: usize = 256 << 10;

/// `[pos, end)` of a file as a `BufRead`, read at its offsets through `buf`.
struct UnitInput<'a> {
    file: &'a File,
    pos: u64,
    end: u64,
    buf: &'a mut Vec<u8>,
    lo: usize,
    hi: usize,
}

impl Read for UnitInput<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        tar::read_buffered(self, out)
    }
}

impl BufRead for UnitInput<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.lo == self.hi && self.pos < self.end {
            let want = (self.end - self.pos).min(self.buf.len() as u64) as usize;
            self.file.read_exact_at(&mut self.buf[..want], self.pos)?;
            self.pos += want as u64;
            (self.lo, self.hi) = (0, want);
        }
        Ok(&self.buf[self.lo..self.hi])
    }

    fn consume(&mut self, n: usize) {
        self.lo = (self.lo + n).min(self.hi);
    }
}

/// One unit of a layer: `[from, to)` of the blob at `start` in `file`.
struct Unit<'f> {
    file: &'f File,
    start: u64,
    from: u64,
    to: u64,
    compression: Compression,
}

impl Unit<'_> {
    /// Decodes the unit into pieces sent on `tx`, reading the blob into `blob` and
    /// the output into buffers from `free` when there are some.
    fn decode(
        &self,
        blob: &mut Vec<u8>,
        zstd: &mut zstd::zstd_safe::DCtx<'static>,
        free: &Mutex<Receiver<Vec<u8>>>,
        tx: &SyncSender<io::Result<Piece>>,
    ) -> io::Result<()> {
        // The unit's blob is read through a buffer of its own, not whole: a unit
        // is as long as a member or frame, which a crafted layer makes hundreds
        // of MB.
        blob.resize(UNIT_READ, 0);
        let input = UnitInput {
            file: self.file,
            pos: self.start + self.from,
            end: self.start + self.to,
            buf: blob,
            lo: 0,
            hi: 0,
        };
        let mut dec = decode::decoder(input, self.compression, Some(zstd))
            .map_err(|e| io::Error::other(e.0))?;
        loop {
            let recycled = free.lock().ok().and_then(|f| f.try_recv().ok());
            let mut data = recycled.unwrap_or_default();
            data.resize(PIECE, 0);
            let mut marks = Vec::with_capacity(PIECE / DECODED_BUFFER);
            let mut n = 0;
            while n < data.len() {
                let end = (n + DECODED_BUFFER).min(data.len());
                let got = tar::read_full(&mut dec, &mut data[n..end])?;
                if got == 0 {
                    break;
                }
                n += got;
                marks.push((n, self.from + dec.consumed()));
            }
            if n == 0 {
                return Ok(());
            }
            data.truncate(n);
            let piece = Piece { data, marks };
            if tx.send(Ok(piece)).is_err() {
                return Ok(());
            }
        }
    }
}

/// The decoded layer in order, as the walker reads it: a `BufRead` over the
/// workers' pieces (nothing is copied again), which notes after each piece the
/// (decoded, consumed) pair that places tar offsets in the blob.
struct Ordered<'p> {
    jobs: Sender<Job>,
    free: Sender<Vec<u8>>,
    /// Dispatched units, first the one being read.
    pending: VecDeque<Receiver<io::Result<Piece>>>,
    next: usize,
    units: usize,
    ahead: usize,
    piece: Vec<u8>,
    pos: usize,
    /// Decoded bytes before `piece`.
    out: u64,
    pub(super) map: Vec<(u64, u64)>,
    /// The blob's length, and how much of it has been reported as read.
    len: u64,
    reported: u64,
    progress: &'p (dyn Fn(u64) + Sync),
}

impl Ordered<'_> {
    fn dispatch(&mut self) {
        while self.pending.len() < self.ahead && self.next < self.units {
            let (tx, rx) = mpsc::sync_channel(PIECES_AHEAD);
            if self.jobs.send((self.next, tx)).is_err() {
                return;
            }
            self.pending.push_back(rx);
            self.next += 1;
        }
    }

    /// Notes that `out` decoded bytes came from the blob up to `consumed`.
    fn advance(&mut self, out: u64, consumed: u64) {
        (self.progress)(consumed.saturating_sub(self.reported));
        self.reported = self.reported.max(consumed);
        self.map.push((out, consumed));
    }
}

impl BufRead for Ordered<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.piece.len() {
            let Some(unit) = self.pending.front() else {
                // The end: whatever the decoders consumed after their last output
                // (a footer, a checksum) is read too.
                if self.reported < self.len {
                    self.advance(self.out, self.len);
                }
                break;
            };
            match unit.recv() {
                Ok(Ok(piece)) => {
                    let done = std::mem::replace(&mut self.piece, piece.data);
                    let _ = self.free.send(done);
                    self.pos = 0;
                    for (end, consumed) in piece.marks {
                        self.advance(self.out + end as u64, consumed);
                    }
                    self.out += self.piece.len() as u64;
                }
                Ok(Err(e)) => return Err(e),
                // The unit is done: its worker dropped the sender.
                Err(_) => {
                    self.pending.pop_front();
                    self.dispatch();
                }
            }
        }
        Ok(&self.piece[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.piece.len());
    }
}

impl Read for Ordered<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        tar::read_buffered(self, out)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::super::cut::{estargz_member_starts, estargz_toc_offset, zstd_frame_starts};
    use super::*;

    fn temp_with(bytes: &[u8]) -> File {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    /// `n` zstd frames of `size` pseudo-random bytes each, with a skippable frame
    /// between the first two; the frames' starts.
    fn zstd_frames(n: usize, size: usize) -> (Vec<u8>, Vec<u64>) {
        let mut blob = Vec::new();
        let mut starts = Vec::new();
        let mut x = 1u64;
        for i in 0..n {
            if i == 1 {
                starts.push(blob.len() as u64);
                blob.extend_from_slice(&0x184D_2A50u32.to_le_bytes());
                blob.extend_from_slice(&3u32.to_le_bytes());
                blob.extend_from_slice(b"abc");
            }
            let data: Vec<u8> = (0..size)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x % 7) as u8
                })
                .collect();
            starts.push(blob.len() as u64);
            let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
            enc.include_checksum(i % 2 == 0).unwrap();
            enc.write_all(&data).unwrap();
            blob.extend(enc.finish().unwrap());
        }
        (blob, starts)
    }

    #[test]
    fn zstd_frames_are_walked_without_decoding() {
        let (blob, starts) = zstd_frames(5, 300_000);
        let f = temp_with(&blob);
        let len = blob.len() as u64;
        assert_eq!(zstd_frame_starts(&f, 0, len), Some(starts));
        // One frame: nothing to cut. A blob cut short or with junk after: not believed.
        let (one, _) = zstd_frames(1, 300_000);
        assert_eq!(
            zstd_frame_starts(&temp_with(&one), 0, one.len() as u64),
            None
        );
        assert_eq!(zstd_frame_starts(&f, 0, len - 1), None);
        let mut junk = blob.clone();
        junk.extend_from_slice(b"junk");
        assert_eq!(zstd_frame_starts(&temp_with(&junk), 0, len + 4), None);
    }

    #[test]
    fn units_cover_the_blob_at_frame_starts() {
        // Frames of about 1.5 MB (the data compresses to about half): units of at
        // least 1 MiB start at frame starts and cover the whole blob.
        let (blob, starts) = zstd_frames(40, 3_000_000);
        let f = temp_with(&blob);
        let len = blob.len() as u64;
        let units = units(&f, 0, len, Compression::Zstd).unwrap();
        assert_eq!(units[0], 0);
        assert_eq!(*units.last().unwrap(), len);
        assert!(units.len() > 3, "{units:?}");
        for w in units.windows(2).take(units.len() - 2) {
            assert!(w[1] - w[0] >= UNIT);
            assert!(starts.contains(&w[1]));
        }
        // Decoded in order on 2 threads, the units give back the whole stream.
        let mut whole = Vec::new();
        zstd::stream::read::Decoder::new(blob.as_slice())
            .unwrap()
            .read_to_end(&mut whole)
            .unwrap();
        let mut got = Vec::new();
        let map = decode(&f, 0, &units, Compression::Zstd, 2, &|_| {}, |mut r| {
            r.read_to_end(&mut got).unwrap();
            r.map
        });
        assert!(
            got == whole,
            "decoded {} bytes of {}",
            got.len(),
            whole.len()
        );
        assert_eq!(map.last(), Some(&(whole.len() as u64, len)));
    }

    #[test]
    fn a_corrupt_unit_is_an_error_not_a_short_stream() {
        let (mut blob, _) = zstd_frames(40, 3_000_000);
        let f0 = temp_with(&blob);
        let units = units(&f0, 0, blob.len() as u64, Compression::Zstd).unwrap();
        // Damage the middle of the third unit.
        let at = ((units[2] + units[3]) / 2) as usize;
        for b in &mut blob[at..at + 64] {
            *b ^= 0x5a;
        }
        let f = temp_with(&blob);
        let err = decode(&f, 0, &units, Compression::Zstd, 2, &|_| {}, |mut r| {
            io::copy(&mut r, &mut io::sink()).unwrap_err()
        });
        assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
    }

    #[cfg(feature = "synth")]
    #[test]
    fn estargz_toc_gives_member_starts() {
        use crate::synth::{estargz_footer, EstargzWriter};
        let mut w = EstargzWriter::new(Vec::new(), flate2::Compression::fast());
        let mut x = 7u64;
        for i in 0..12u64 {
            let size = 1_000_000 + i * 1000;
            let mut h = ::tar::Header::new_ustar();
            h.set_path(format!("f{i}")).unwrap();
            h.set_size(size);
            h.set_cksum();
            let data: Vec<u8> = (0..size)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let mut b = ::tar::Builder::new(Vec::new());
            b.append(&h, data.as_slice()).unwrap();
            let raw = std::mem::take(b.get_mut());
            w.entry(&format!("f{i}"), "reg", &raw, size).unwrap();
        }
        let blob = w.finish().unwrap();
        let f = temp_with(&blob);
        let len = blob.len() as u64;
        let toc_at = estargz_toc_offset(&f, 0, len).unwrap();
        assert_eq!(blob[blob.len() - 51..], estargz_footer(toc_at));
        let starts = estargz_member_starts(&f, 0, len).unwrap();
        // One member per file, then the TOC's.
        assert_eq!(starts.len(), 13);
        assert_eq!(*starts.last().unwrap(), toc_at);
        for &s in &starts {
            assert_eq!(blob[s as usize..s as usize + 3], [0x1f, 0x8b, 8]);
        }
        let units = units(&f, 0, len, Compression::Gzip).unwrap();
        // Each random file's member is over 1 MiB: a unit each, then the TOC's.
        assert_eq!(units.len(), 14, "{units:?}");
        assert_eq!(units[1..13], starts[1..]);
        for w in units.windows(2).take(units.len() - 2) {
            assert!(w[1] - w[0] >= UNIT && starts.contains(&w[1]), "{units:?}");
        }
        let mut whole = Vec::new();
        flate2::read::MultiGzDecoder::new(blob.as_slice())
            .read_to_end(&mut whole)
            .unwrap();
        let mut got = Vec::new();
        decode(&f, 0, &units, Compression::Gzip, 2, &|_| {}, |mut r| {
            r.read_to_end(&mut got).unwrap()
        });
        assert!(got == whole);
        // Without its footer the blob is plain gzip: one unit.
        let plain = &blob[..blob.len() - 51];
        assert_eq!(units_of(plain, Compression::Gzip), None);
    }

    #[cfg(feature = "synth")]
    fn units_of(blob: &[u8], c: Compression) -> Option<Vec<u64>> {
        units(&temp_with(blob), 0, blob.len() as u64, c)
    }
}
