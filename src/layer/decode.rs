//! The decode pipeline: what a layer blob goes through before the tar walker
//! reads it, built in one place ([`decoder`]) for a whole blob read as a stream
//! and for each unit of a layer cut for the parallel decoders. Outside in:
//!
//! ```text
//! blob ─ Input ─ FullChunks ─ Counted ─ decoder (ISA-L gzip | zstd) ─ Decoded ─ Metered ─▶ tar
//!        │       │            │                                    │         └ decoded offset → blob
//!        │       │            │                                    │           offset, per read: each
//!        │       │            │                                    │           path's pull cost
//!        │       │            │                                    └ errors told apart: the input's,
//!        │       │            │                                      a truncation, corrupt data
//!        │       │            └ the blob bytes the decoder consumed (read back through
//!        │       │              the decoder: [`Consumed`])
//!        │       └ whole 1 MiB pieces whatever the source delivers, so a file, a pipe and
//!        │         a registry give every path the same pull cost
//!        └ the blob's own read errors marked as such (a dropped connection is not
//!          corrupt data)
//! ```
//!
//! An uncompressed layer skips the decoder and its wrappers: its blob is the tar.

use std::io::{self, BufRead, Read};

use super::{Compression, ScanError, READ_BUFFER};
use crate::tar;

/// zstd windows of 128 MiB at most (zstd's default limit for decoding; `--long`
/// uses 2^27): a crafted frame cannot make the decoder take gigabytes.
pub(super) const ZSTD_WINDOW_LOG_MAX: u32 = 27;

/// A decoder that can say how much of its input it has consumed.
pub(super) trait Consumed {
    fn consumed(&self) -> u64;
}

/// A decoder in the pipeline: its output, and what it consumed to make it.
pub(super) trait Decoder: Read + Consumed {}
impl<T: Read + Consumed> Decoder for T {}

/// A zstd decoding context to reuse (the parallel decoders' workers keep one:
/// a fresh context would allocate its window again for every unit, hundreds of
/// MB of page faults per layer), or none (a context for this blob alone).
pub(super) type ZstdContext<'c> = Option<&'c mut zstd::zstd_safe::DCtx<'static>>;

/// The decoding part of the pipeline over a blob's bytes `input` (a `BufRead`
/// the decoder consumes from exactly): gzip or zstd, its errors told apart.
pub(super) fn decoder<'a, R: BufRead + 'a>(
    input: R,
    compression: Compression,
    zstd: ZstdContext<'a>,
) -> Result<Box<dyn Decoder + 'a>, ScanError> {
    let counted = Counted {
        inner: input,
        consumed: 0,
    };
    let zstd_err = |e: &dyn std::fmt::Display| ScanError(format!("zstd: {e}"));
    Ok(match (compression, zstd) {
        (Compression::Gzip, _) => Box::new(Decoded {
            inner: gzip(counted),
            codec: "gzip",
        }),
        (Compression::Zstd, Some(ctx)) => {
            // Parameters may only be set between sessions: the last unit's ended.
            let window = zstd::zstd_safe::DParameter::WindowLogMax(ZSTD_WINDOW_LOG_MAX);
            ctx.reset(zstd::zstd_safe::ResetDirective::SessionOnly)
                .and_then(|_| ctx.set_parameter(window))
                .map_err(|code| zstd_err(&zstd::zstd_safe::get_error_name(code)))?;
            Box::new(Decoded {
                inner: zstd::stream::read::Decoder::with_context(counted, ctx),
                codec: "zstd",
            })
        }
        (Compression::Zstd, None) => {
            let mut dec =
                zstd::stream::read::Decoder::with_buffer(counted).map_err(|e| zstd_err(&e))?;
            dec.window_log_max(ZSTD_WINDOW_LOG_MAX)
                .map_err(|e| zstd_err(&e))?;
            Box::new(Decoded {
                inner: dec,
                codec: "zstd",
            })
        }
        (Compression::None, _) => {
            return Err(ScanError("an uncompressed layer has no decoder".into()))
        }
    })
}

/// The pipeline for a whole blob read as a stream: `raw` (after the `head`
/// already read from it) cut into whole pieces, then decoded.
pub(super) fn stream_decoder<'a, R: Read + 'a>(
    head: Vec<u8>,
    raw: R,
    compression: Compression,
) -> Result<Box<dyn Decoder + 'a>, ScanError> {
    let joined = io::Cursor::new(head).chain(Input(raw));
    decoder(FullChunks::new(joined), compression, None)
}

/// The gzip decoder layers are read with: ISA-L (feature `isal`, the default),
/// else zlib-rs. Concatenated members are read one after the other.
pub fn gzip_reader<R: BufRead>(input: R) -> impl Read {
    gzip(input)
}

#[cfg(feature = "isal")]
fn gzip<R: BufRead>(input: R) -> super::isal::GzipDecoder<R> {
    super::isal::GzipDecoder::new(input)
}

#[cfg(not(feature = "isal"))]
fn gzip<R: BufRead>(input: R) -> flate2::bufread::MultiGzDecoder<R> {
    flate2::bufread::MultiGzDecoder::new(input)
}

/// A `BufRead` that hands out whole chunks of `READ_BUFFER` bytes (but at the end),
/// however the source delivers them (a file, a pipe, a network stream): the decoder
/// then sees the same input pieces whatever the source, and so gives every path the
/// same pull cost.
pub(super) struct FullChunks<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    filled: usize,
}

impl<R: Read> FullChunks<R> {
    pub(super) fn new(inner: R) -> Self {
        FullChunks {
            inner,
            buf: vec![0; READ_BUFFER],
            pos: 0,
            filled: 0,
        }
    }
}

impl<R: Read> Read for FullChunks<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        tar::read_buffered(self, out)
    }
}

impl<R: Read> BufRead for FullChunks<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.filled {
            self.filled = tar::read_full(&mut self.inner, &mut self.buf)?;
            self.pos = 0;
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.filled);
    }
}

/// The compressed blob as the decoder reads it, counting what the decoder consumed
/// (decoders over a `BufRead` consume exactly what they used).
pub(super) struct Counted<R> {
    inner: R,
    consumed: u64,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.consumed += n as u64;
    }
}

#[cfg(feature = "isal")]
impl<R: BufRead> Consumed for super::isal::GzipDecoder<Counted<R>> {
    fn consumed(&self) -> u64 {
        self.get_ref().consumed
    }
}

#[cfg(not(feature = "isal"))]
impl<R: BufRead> Consumed for flate2::bufread::MultiGzDecoder<Counted<R>> {
    fn consumed(&self) -> u64 {
        self.get_ref().consumed
    }
}

impl<R: BufRead> Consumed for zstd::stream::read::Decoder<'_, Counted<R>> {
    fn consumed(&self) -> u64 {
        self.get_ref().consumed
    }
}

/// An error of the compressed input itself (a short file, a dropped connection),
/// carried through the decoder in a type of its own so it is not taken for
/// corrupt data.
#[derive(Debug)]
struct InputError(io::Error);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for InputError {}

/// The compressed blob as the decoder reads it: its errors are marked as the input's.
pub(super) struct Input<R>(pub(super) R);

impl<R: Read> Read for Input<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), InputError(e)))
    }
}

/// A decoder whose errors are told apart by type: the input's come back as they
/// were; an early end is a truncation; anything else the decoder found wrong in
/// the data (a bad CRC, a corrupt block) is a corrupt stream.
pub(super) struct Decoded<R> {
    inner: R,
    codec: &'static str,
}

impl<R: Consumed> Consumed for Decoded<R> {
    fn consumed(&self) -> u64 {
        self.inner.consumed()
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            if e.get_ref().is_some_and(|i| i.is::<InputError>()) {
                return match e.into_inner().map(|i| i.downcast::<InputError>()) {
                    Some(Ok(input)) => input.0,
                    _ => io::Error::other("input error"),
                };
            }
            if e.kind() == io::ErrorKind::UnexpectedEof {
                return e;
            }
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("corrupt {} stream: {e}", self.codec),
            )
        })
    }
}

/// A decoder's output, with (decoded bytes so far, compressed bytes consumed then)
/// after each read: the map from a tar offset to a place in the blob.
pub(super) struct Metered<'a> {
    inner: Box<dyn Decoder + 'a>,
    out: u64,
    pub(super) map: Vec<(u64, u64)>,
}

impl<'a> Metered<'a> {
    pub(super) fn new(inner: Box<dyn Decoder + 'a>) -> Self {
        Metered {
            inner,
            out: 0,
            map: Vec::new(),
        }
    }
}

impl Read for Metered<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        self.map.push((self.out, self.inner.consumed()));
        Ok(n)
    }
}
