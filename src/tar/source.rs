//! Where tar blocks come from: a plain stream (read and discard to skip), or a
//! section of a file (read with `pread` through a window, jumped over to skip).

use std::io::{self, BufRead, Read};

/// A source of tar blocks that can skip ahead.
pub trait BlockSource {
    /// Reads until `buf` is full or the source ends; returns the bytes read.
    fn read_full(&mut self, buf: &mut [u8]) -> io::Result<usize>;
    /// Skips `n` bytes; an error if the source ends first.
    fn skip(&mut self, n: u64) -> io::Result<()>;
    /// The bytes left, where the source knows it (a section of a file); an entry
    /// that claims more is refused before anything is skipped.
    fn remaining(&self) -> Option<u64> {
        None
    }
}

/// A plain `Read`: skipping reads and discards.
pub(crate) struct StreamSource<R> {
    pub(super) inner: R,
}

impl<R: BufRead> StreamSource<R> {
    pub(crate) fn new(inner: R) -> Self {
        StreamSource { inner }
    }

    pub(crate) fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: BufRead> BlockSource for StreamSource<R> {
    fn read_full(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read_full(&mut self.inner, buf)
    }

    /// Skips by consuming the reader's buffer: contents skipped are never copied.
    fn skip(&mut self, mut n: u64) -> io::Result<()> {
        while n > 0 {
            let avail = self.inner.fill_buf()?.len();
            if avail == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "tar entry runs past the end of the stream",
                ));
            }
            let k = (avail as u64).min(n) as usize;
            self.inner.consume(k);
            n -= k as u64;
        }
        Ok(())
    }
}

/// `Read::read` for a `BufRead`: copies what its buffer holds (filling it when
/// empty) into `out`.
pub(crate) fn read_buffered<B: BufRead + ?Sized>(b: &mut B, out: &mut [u8]) -> io::Result<usize> {
    let avail = b.fill_buf()?;
    let n = avail.len().min(out.len());
    out[..n].copy_from_slice(&avail[..n]);
    b.consume(n);
    Ok(n)
}

/// Reads until `buf` is full or EOF.
pub(crate) fn read_full<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// A file read at an offset (`pread`): one system call where a seek and a read
/// take two, and no position shared between readers.
pub trait ReadAt {
    /// Reads into `buf` from `offset`; the bytes read (0 at the end).
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

impl ReadAt for std::fs::File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
}

impl<R: ReadAt + ?Sized> ReadAt for &R {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        (**self).read_at(buf, offset)
    }
}

/// Bytes in memory (tests, benchmarks, fuzzing); the cursor's position is not used.
impl<T: AsRef<[u8]>> ReadAt for io::Cursor<T> {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let data = self.get_ref().as_ref();
        let from = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(data.len());
        let n = buf.len().min(data.len() - from);
        buf[..n].copy_from_slice(&data[from..from + n]);
        Ok(n)
    }
}

/// What is read after a jump over a large file's content: one page.
const JUMP_WINDOW: usize = 4096;

/// A file from an offset on, as a `Read`: [`read_full`] then reads it with
/// `pread`.
struct ReadFrom<'a, F> {
    file: &'a F,
    at: u64,
}

impl<F: ReadAt> Read for ReadFrom<'_, F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// A window `[start, start + len)` of a file, read through a buffer: skipping
/// within the buffer is free, skipping beyond it costs one `pread` where the next
/// bytes are wanted. Small files are thereby read through, large ones jumped over.
pub(crate) struct SectionSource<F> {
    file: F,
    start: u64,
    len: u64,
    /// Position relative to `start` of the next byte to hand out.
    pos: u64,
    buf: Vec<u8>,
    /// Section-relative offset of `buf[0]`.
    buf_at: u64,
    buf_len: usize,
    /// Bytes obtained from the file, for progress reporting.
    pub bytes_read: u64,
}

impl<F: ReadAt> SectionSource<F> {
    pub(crate) fn new(file: F, start: u64, len: u64, buffer: usize) -> Self {
        SectionSource {
            file,
            start,
            len,
            pos: 0,
            buf: vec![0; buffer.max(4096)],
            buf_at: 0,
            buf_len: 0,
            bytes_read: 0,
        }
    }

    /// Goes back to the start of the section (the buffer stays valid).
    pub(crate) fn rewind(&mut self) {
        self.pos = 0;
    }

    fn refill(&mut self) -> io::Result<()> {
        // Reading on from where the buffer ended (a run of small files): a whole
        // buffer. After a jump over a large file's content, one page: the next
        // header is all that is sure to be wanted. On python's real image the
        // full window copied 160 MB out of the page cache, half of it 117 MB, a
        // page 83 MB (BENCHMARKS.md, "Every kind of real image", "The walk's
        // floor").
        let on = self.pos == self.buf_at + self.buf_len as u64;
        let window = if on {
            self.buf.len()
        } else {
            JUMP_WINDOW.min(self.buf.len())
        };
        let want = (self.len - self.pos).min(window as u64) as usize;
        let mut from = ReadFrom {
            file: &self.file,
            at: self.start + self.pos,
        };
        let got = read_full(&mut from, &mut self.buf[..want])?;
        self.bytes_read += got as u64;
        if got < want {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "file is shorter than the archive says",
            ));
        }
        self.buf_at = self.pos;
        self.buf_len = got;
        Ok(())
    }
}

impl<F: ReadAt> Read for SectionSource<F> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len || out.is_empty() {
            return Ok(0);
        }
        let buffered_end = self.buf_at + self.buf_len as u64;
        if self.pos < self.buf_at || self.pos >= buffered_end {
            self.refill()?;
        }
        let offset = (self.pos - self.buf_at) as usize;
        let n = out.len().min(self.buf_len - offset);
        out[..n].copy_from_slice(&self.buf[offset..offset + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl<F: ReadAt> BlockSource for SectionSource<F> {
    fn read_full(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read_full(self, buf)
    }

    fn remaining(&self) -> Option<u64> {
        Some(self.len.saturating_sub(self.pos))
    }

    fn skip(&mut self, n: u64) -> io::Result<()> {
        let target = self.pos.checked_add(n).filter(|&t| t <= self.len);
        match target {
            Some(t) => {
                self.pos = t;
                Ok(())
            }
            None => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "tar entry runs past the end of its blob",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn a_cursor_reads_at_any_offset_and_past_its_end() {
        let c = Cursor::new(b"0123456789".to_vec());
        let mut buf = [0u8; 4];
        assert_eq!(c.read_at(&mut buf, 8).unwrap(), 2);
        assert_eq!(&buf[..2], b"89");
        assert_eq!(c.read_at(&mut buf, 10).unwrap(), 0);
        assert_eq!(c.read_at(&mut buf, u64::MAX).unwrap(), 0);
    }

    #[test]
    fn a_section_reads_through_skips_and_jumps_alike() {
        // 40 KiB of numbered bytes; a section from 1000 on, read through a
        // 4 KiB buffer with skips within it and far beyond it.
        let data: Vec<u8> = (0..40_960u32).map(|i| (i % 251) as u8).collect();
        let mut s = SectionSource::new(Cursor::new(data.clone()), 1000, 39_000, 4096);
        let mut got = Vec::new();
        let mut at = 0u64;
        for skip in [0u64, 10, 5000, 3, 20_000, 700] {
            s.skip(skip).unwrap();
            at += skip;
            let mut b = [0u8; 600];
            assert_eq!(s.read_full(&mut b).unwrap(), 600);
            got.push((at, b.to_vec()));
            at += 600;
        }
        for (at, b) in got {
            let from = 1000 + at as usize;
            assert_eq!(b, data[from..from + 600], "at {at}");
        }
        assert_eq!(s.remaining(), Some(39_000 - at));
        assert!(s.skip(39_000).is_err());
    }

    #[test]
    fn a_file_shorter_than_its_section_is_an_error() {
        let mut s = SectionSource::new(Cursor::new(vec![7u8; 100]), 0, 5000, 4096);
        let mut b = [0u8; 200];
        assert!(s.read_full(&mut b).is_err());
    }
}
