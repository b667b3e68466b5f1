//! gzip layers inflated by ISA-L (Intel's storage acceleration library, through
//! the `isal-sys` bindings): 1.5x faster than zlib-rs on real layers
//! (BENCHMARKS.md). A streaming reader of imgsize's own over `isal_inflate`, since
//! `isal-rs`'s reader mishandles input that arrives in short reads.
//!
//! Concatenated members (eStargz) are read one after the other; a stream that ends
//! inside a member is a truncation (`UnexpectedEof`); a bad block or checksum is
//! `InvalidData`; errors of the input come back as they were.

use std::io::{self, BufRead, Read};

use isal_sys::igzip_lib as isal;

pub(super) struct GzipDecoder<R> {
    inner: R,
    state: Box<isal::inflate_state>,
    /// The input ended after a whole member.
    done: bool,
}

impl<R: BufRead> GzipDecoder<R> {
    pub(super) fn new(inner: R) -> GzipDecoder<R> {
        // The state is large (its history window included): allocated zeroed on
        // the heap, not built on the stack.
        let layout = std::alloc::Layout::new::<isal::inflate_state>();
        // SAFETY: the layout is inflate_state's, which has a non-zero size.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<isal::inflate_state>();
        if ptr.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        // SAFETY: `ptr` was allocated with the global allocator for this layout, and
        // all zeros is a valid inflate_state (plain C data: integers, arrays, raw
        // pointers); isal_inflate_init then sets it up.
        let mut state = unsafe { Box::from_raw(ptr) };
        // SAFETY: `state` is a valid, exclusively borrowed inflate_state.
        unsafe { isal::isal_inflate_init(&mut *state) };
        state.crc_flag = isal::ISAL_GZIP;
        GzipDecoder {
            inner,
            state,
            done: false,
        }
    }
}

impl<R> GzipDecoder<R> {
    /// The input it reads from.
    pub(crate) fn get_ref(&self) -> &R {
        &self.inner
    }
}

fn finished(state: &isal::inflate_state) -> bool {
    state.block_state == isal::isal_block_state_ISAL_BLOCK_FINISH
}

fn error_name(code: i32) -> &'static str {
    match code {
        isal::ISAL_INVALID_BLOCK => "invalid deflate block",
        isal::ISAL_INVALID_SYMBOL => "invalid deflate symbol",
        isal::ISAL_INVALID_LOOKBACK => "invalid lookback distance",
        isal::ISAL_INVALID_WRAPPER => "invalid gzip header",
        isal::ISAL_UNSUPPORTED_METHOD => "unsupported compression method",
        isal::ISAL_INCORRECT_CHECKSUM => "incorrect checksum",
        _ => "unexpected inflate result",
    }
}

impl<R: BufRead> Read for GzipDecoder<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.done {
            return Ok(0);
        }
        loop {
            let input = self.inner.fill_buf()?;
            if finished(&self.state) {
                if input.is_empty() {
                    self.done = true;
                    return Ok(0);
                }
                // Another member follows (eStargz writes one per file).
                // SAFETY: `state` is a valid, exclusively borrowed inflate_state.
                unsafe { isal::isal_inflate_reset(&mut *self.state) };
                self.state.crc_flag = isal::ISAL_GZIP;
            }
            if input.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "gzip stream ends inside a member (truncated?)",
                ));
            }
            let in_len = input.len().min(u32::MAX as usize);
            let out_len = out.len().min(u32::MAX as usize);
            self.state.next_in = input.as_ptr().cast_mut();
            self.state.avail_in = in_len as u32;
            self.state.next_out = out.as_mut_ptr();
            self.state.avail_out = out_len as u32;
            // SAFETY: next_in/avail_in describe the input buffer borrowed above and
            // next_out/avail_out the output buffer, both alive for this call; ISA-L
            // reads and writes only within them (what it keeps across calls it
            // copies into the state).
            let ret = unsafe { isal::isal_inflate(&mut *self.state) };
            let (avail_in, avail_out) =
                (self.state.avail_in as usize, self.state.avail_out as usize);
            // The pointers into our buffers are not used again before being reset.
            self.state.next_in = std::ptr::null_mut();
            self.state.next_out = std::ptr::null_mut();
            // ISA-L hands unused bits back to the input; on a corrupt stream it can
            // hand back more than this call was given (bytes of an earlier call,
            // consumed already). Found by the `layer` fuzz target.
            let (Some(consumed), Some(produced)) =
                (in_len.checked_sub(avail_in), out_len.checked_sub(avail_out))
            else {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "corrupt deflate data (inflate went back before its input)",
                ));
            };
            self.inner.consume(consumed);
            if ret != isal::ISAL_DECOMP_OK as i32 {
                return Err(io::Error::new(io::ErrorKind::InvalidData, error_name(ret)));
            }
            if produced > 0 {
                return Ok(produced);
            }
            if consumed == 0 && !finished(&self.state) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "inflate makes no progress",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(parts: &[&[u8]]) -> Vec<u8> {
        let mut all = Vec::new();
        for p in parts {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(p).unwrap();
            all.extend(e.finish().unwrap());
        }
        all
    }

    /// Reads through a reader that hands out at most `chunk` bytes a call.
    fn inflate(data: &[u8], chunk: usize, out_buf: usize) -> io::Result<Vec<u8>> {
        struct Short<'a>(&'a [u8], usize);
        impl Read for Short<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(self.1).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut d = GzipDecoder::new(io::BufReader::with_capacity(chunk, Short(data, chunk)));
        let mut out = Vec::new();
        let mut buf = vec![0u8; out_buf];
        loop {
            match d.read(&mut buf)? {
                0 => return Ok(out),
                n => out.extend_from_slice(&buf[..n]),
            }
        }
    }

    #[test]
    fn members_in_any_read_sizes() {
        let text: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let data = gzip(&[&text, b"", b"second member", &text[..1000]]);
        let mut want = text.clone();
        want.extend_from_slice(b"second member");
        want.extend_from_slice(&text[..1000]);
        for chunk in [1, 7, 512, 1 << 20] {
            for out in [1, 3, 4096, 1 << 18] {
                assert_eq!(inflate(&data, chunk, out).unwrap(), want, "{chunk} {out}");
            }
        }
    }

    /// A stream the `layer` fuzz target made: ISA-L handed back more input than
    /// the call had been given, and the subtraction overflowed.
    #[test]
    fn corrupt_data_that_rewinds_the_input_is_an_error() {
        let data: &[u8] = &[
            31, 139, 8, 0, 0, 0, 0, 0, 4, 255, 74, 44, 40, 48, 208, 207, 203, 79, 73, 141, 207,
            205, 79, 41, 205, 73, 45, 214, 215, 43, 207, 208, 43, 200, 78, 55, 96, 160, 26, 48, 48,
            48, 48, 48, 51, 49, 97, 0, 209, 6, 6, 6, 232, 52, 72, 208, 196, 212, 200, 196, 220,
            220, 192, 4, 44, 111, 104, 100, 106, 108, 200, 64, 69, 39, 224, 246, 75, 105, 113, 73,
            98, 145, 6, 232, 52, 72, 208, 196, 212, 200, 196, 220, 220, 192, 4, 44, 111, 104, 100,
            106, 108, 200, 64, 69, 39, 224, 246, 75, 105,
        ];
        for chunk in [1, 7, 64, 512, 1 << 20] {
            for out in [1, 4096, 1 << 18] {
                assert!(inflate(data, chunk, out).is_err(), "{chunk} {out}");
            }
        }
    }

    #[test]
    fn truncation_and_corruption_are_told_apart() {
        let text: Vec<u8> = (0..50_000u32)
            .flat_map(|i| (i % 13).to_le_bytes())
            .collect();
        let data = gzip(&[&text]);
        for cut in [1, 10, data.len() / 2, data.len() - 4, data.len() - 1] {
            let e = inflate(&data[..cut], 512, 4096).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "cut at {cut}: {e}");
        }
        let mut bad = data.clone();
        let n = bad.len();
        bad[n - 6] ^= 0xff; // the CRC
        let e = inflate(&bad, 512, 4096).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("checksum"), "{e}");
        let e = inflate(b"\x1f\x8bnot gzip at all", 512, 4096).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
    }
}
