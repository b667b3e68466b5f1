//! Where tar blocks come from: a plain stream (read and discard to skip), or a
//! section of a seekable file (seek to skip, read through a window).

use std::io::{self, BufRead, Read, Seek, SeekFrom};

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

/// A window `[start, start + len)` of a seekable file, read through a large buffer:
/// skipping within the buffer is free, skipping beyond it is one seek. Small files are
/// thereby read through, large ones jumped over.
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

impl<F: Read + Seek> SectionSource<F> {
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
        // buffer. After a jump over a large file's content, half of one (at least
        // 4 KiB): the next header is all that is sure to be wanted, and on
        // python's real image the full window copied 160 MB out of the page cache
        // where this copies 117 (BENCHMARKS.md, "Every kind of real image").
        let on = self.pos == self.buf_at + self.buf_len as u64;
        let window = if on {
            self.buf.len()
        } else {
            (self.buf.len() / 2).max(4096)
        };
        let want = (self.len - self.pos).min(window as u64) as usize;
        self.file.seek(SeekFrom::Start(self.start + self.pos))?;
        let got = read_full(&mut self.file, &mut self.buf[..want])?;
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

impl<F: Read + Seek> Read for SectionSource<F> {
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

impl<F: Read + Seek> BlockSource for SectionSource<F> {
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
