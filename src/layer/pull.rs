//! What each path costs to pull: while a layer is decoded, the compressed bytes the
//! decoder has consumed are noted after each of its reads, and each tar entry's
//! start is placed in the blob by interpolating between those notes.

use std::cell::Cell;
use std::io::{self, BufRead, Read};
use std::rc::Rc;

use super::READ_BUFFER;
use crate::tar;

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
    pub(super) inner: R,
    pub(super) consumed: Rc<Cell<u64>>,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.set(self.consumed.get() + n as u64);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        self.inner.consume(n);
        self.consumed.set(self.consumed.get() + n as u64);
    }
}

/// A decoder's output, with (decoded bytes so far, compressed bytes consumed then)
/// after each read: the map from a tar offset to a place in the blob. `off` for an
/// uncompressed layer, whose blob is the tar.
pub(super) struct Metered<R> {
    pub(super) inner: R,
    out: u64,
    pub(super) meter: Option<Meter>,
}

/// What the decoder has consumed (shared with its [`Counted`] input), and the
/// (decoded, consumed) pairs so far.
pub(super) struct Meter {
    consumed: Rc<Cell<u64>>,
    pub(super) map: Vec<(u64, u64)>,
}

impl<R: Read> Metered<R> {
    pub(super) fn new(inner: R, consumed: Rc<Cell<u64>>) -> Self {
        Metered {
            inner,
            out: 0,
            meter: Some(Meter {
                consumed,
                map: Vec::new(),
            }),
        }
    }

    pub(super) fn off(inner: R) -> Self {
        Metered {
            inner,
            out: 0,
            meter: None,
        }
    }
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(m) = &mut self.meter {
            self.out += n as u64;
            m.map.push((self.out, m.consumed.get()));
        }
        Ok(n)
    }
}

/// Where tar offset `x` is in the blob: linear between the decoder's reads around it.
fn compressed_at(map: &[(u64, u64)], x: u64) -> u64 {
    let i = map.partition_point(|&(out, _)| out < x);
    let Some(&(out1, in1)) = map.get(i) else {
        return map.last().map_or(0, |l| l.1);
    };
    let (out0, in0) = if i == 0 { (0, 0) } else { map[i - 1] };
    if out1 <= out0 || in1 <= in0 {
        return in1.max(in0);
    }
    in0 + ((u128::from(x - out0) * u128::from(in1 - in0)) / u128::from(out1 - out0)) as u64
}

/// Each entry's pull cost: the compressed bytes from its start to the next entry's
/// (the last one's to the tar's end), so that they add up to the blob's bytes that
/// hold the tar.
pub(super) fn pull_costs(map: &[(u64, u64)], starts: &[u64], end: u64) -> Vec<u64> {
    let at: Vec<u64> = starts
        .iter()
        .chain(std::iter::once(&end))
        .map(|&x| compressed_at(map, x))
        .collect();
    at.windows(2).map(|w| w[1].saturating_sub(w[0])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_costs_interpolate_between_reads() {
        // Two decoder reads: 1000 decoded bytes from 100 compressed, then 1000
        // more from 900.
        let map = [(1000, 100), (2000, 1000)];
        assert_eq!(compressed_at(&map, 0), 0);
        assert_eq!(compressed_at(&map, 500), 50);
        assert_eq!(compressed_at(&map, 1500), 550);
        assert_eq!(compressed_at(&map, 5000), 1000);
        // Entries at 0, 1000 and 1500, the tar ending at 2000: they add up to the
        // whole blob.
        let costs = pull_costs(&map, &[0, 1000, 1500], 2000);
        assert_eq!(costs, vec![100, 450, 450]);
        assert_eq!(costs.iter().sum::<u64>(), 1000);
    }
}
