//! GNU's sparse files, as the walker reads them: the map of an old GNU header
//! (`S`, with its extension blocks) and PAX 1.0's map at the start of the data
//! (PAX 0.0 and 0.1 carry theirs in records, which `header` parses), each checked
//! against the data the entry stores.

use std::io;

use super::header::{gnu_sparse_map, parse_numeric, sparse_map_in_data, MAX_SPARSE_REGIONS};
use super::{BlockSource, TarError, TarWalker, BLOCK, MAX_EXTENSION};

impl<S: BlockSource> TarWalker<S> {
    /// Reads an old GNU sparse header's map (`S`: four regions in the header, then
    /// extension blocks of 21 while each says another follows) into `self.sparse`;
    /// returns the file's real size.
    pub(super) fn read_gnu_sparse(&mut self, header_at: u64) -> Result<u64, TarError> {
        gnu_sparse_map(&self.header[386..482], 4, &mut self.sparse).map_err(|m| {
            TarError::Format {
                entry: None,
                offset: header_at,
                msg: m,
            }
        })?;
        let real = parse_numeric(&self.header[483..495])
            .map_err(|m| self.format_err(header_at, format!("sparse real size: {m}")))?;
        let mut extended = self.header[482] != 0;
        let mut block = [0u8; 512];
        while extended {
            if self.sparse.len() > MAX_SPARSE_REGIONS {
                return Err(self.format_err(header_at, "sparse map of too many regions"));
            }
            let got = self.src.read_full(&mut block)?;
            if got < 512 {
                return Err(TarError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "sparse header runs past the end of the stream",
                )));
            }
            self.offset += BLOCK;
            gnu_sparse_map(&block[..504], 21, &mut self.sparse)
                .map_err(|m| self.format_err(header_at, m))?;
            extended = block[504] != 0;
        }
        Ok(real)
    }

    /// Reads PAX sparse 1.0's map from the start of the entry's data into
    /// `self.sparse`; what remains pending is the file's stored regions.
    pub(super) fn read_sparse_map_in_data(&mut self, header_at: u64) -> Result<(), TarError> {
        self.ext.clear();
        loop {
            let have = self.ext.len() as u64;
            if have + BLOCK > self.pending_content.min(MAX_EXTENSION) {
                return Err(self.format_err(header_at, "sparse map runs past its data"));
            }
            let start = self.ext.len();
            self.ext.resize(start + BLOCK as usize, 0);
            let got = self.src.read_full(&mut self.ext[start..])?;
            if got < BLOCK as usize {
                return Err(TarError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "sparse map runs past the end of the stream",
                )));
            }
            let parsed = sparse_map_in_data(&self.ext, &mut self.sparse)
                .map_err(|m| self.format_err(header_at, m))?;
            if let Some(used) = parsed {
                // `used` is whole blocks, all of them read: the data follows.
                let used = used as u64;
                debug_assert_eq!(used, self.ext.len() as u64);
                self.offset += used;
                self.pending -= used;
                self.pending_content -= used;
                return Ok(());
            }
        }
    }

    /// A sparse map must fit its file: regions in order, inside the real size, and
    /// as many bytes as the entry stores.
    pub(super) fn check_sparse_map(&self, header_at: u64, real: u64) -> Result<(), TarError> {
        let mut end = 0u64;
        let mut data = 0u64;
        for &(offset, len) in &self.sparse {
            let stop = offset
                .checked_add(len)
                .filter(|&s| offset >= end && s <= real);
            let Some(stop) = stop else {
                return Err(self.format_err(
                    header_at,
                    "sparse map regions overlap or pass the file's end",
                ));
            };
            end = stop;
            data += len;
        }
        if data != self.pending_content {
            return Err(self.format_err(
                header_at,
                format!(
                    "sparse map lists {data} bytes of data where the entry stores {}",
                    self.pending_content
                ),
            ));
        }
        Ok(())
    }
}
