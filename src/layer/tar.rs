//! A tar header walker that allocates nothing per entry.
//!
//! It reads 512-byte headers (v7, ustar, GNU and PAX: long names, long link names, PAX
//! `path`/`linkpath`/`size`), hands out borrowed views of each entry, and skips file
//! contents: by seeking when the source allows it (an uncompressed layer inside a file),
//! by reading otherwise. A header that runs past the end of its source, a bad checksum
//! or a size that does not parse is an error, never a silently short listing.

use std::io::{self, Read, Seek, SeekFrom};

const BLOCK: u64 = 512;
/// Long names (GNU `L`/`K`) and PAX headers larger than this are refused.
const MAX_EXTENSION: u64 = 1 << 20;

/// What kind of entry a header describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TarKind {
    File,
    Hardlink,
    Symlink,
    Dir,
    /// Devices, fifos and anything else without content bytes.
    Other,
}

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
pub struct StreamSource<R> {
    inner: R,
}

impl<R: Read> StreamSource<R> {
    pub fn new(inner: R) -> Self {
        StreamSource { inner }
    }

    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> BlockSource for StreamSource<R> {
    fn read_full(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read_full(&mut self.inner, buf)
    }

    fn skip(&mut self, n: u64) -> io::Result<()> {
        let copied = io::copy(&mut (&mut self.inner).take(n), &mut io::sink())?;
        if copied < n {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "tar entry runs past the end of the stream",
            ));
        }
        Ok(())
    }
}

/// Reads until `buf` is full or EOF.
pub fn read_full<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
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
pub struct SectionSource<F> {
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
    pub fn new(file: F, start: u64, len: u64, buffer: usize) -> Self {
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
    pub fn rewind(&mut self) {
        self.pos = 0;
    }

    fn refill(&mut self) -> io::Result<()> {
        let want = (self.len - self.pos).min(self.buf.len() as u64) as usize;
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

impl<R: Read> TarWalker<StreamSource<R>> {
    /// Lends `f` a reader over the current entry's content; whatever `f` leaves
    /// unread is skipped afterwards. A stream that ends inside the entry is an error.
    pub fn with_content<T>(&mut self, f: impl FnOnce(&mut dyn Read) -> T) -> Result<T, TarError> {
        let n = self.pending_content;
        let mut take = (&mut self.src.inner).take(n);
        let out = f(&mut take);
        io::copy(&mut take, &mut io::sink())?;
        if take.limit() > 0 {
            return Err(TarError::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "tar entry runs past the end of the stream",
            )));
        }
        self.offset += n;
        self.pending -= n;
        self.pending_content = 0;
        Ok(out)
    }
}

/// One entry, borrowed from the walker until the next call to `next`.
#[derive(Debug)]
pub struct TarEntry<'a> {
    pub path: &'a [u8],
    pub link: &'a [u8],
    pub kind: TarKind,
    /// Content bytes stored in the archive (0 for links, directories, devices).
    pub size: u64,
}

/// An error in the tar structure, with the byte offset of the header at fault.
#[derive(Debug)]
pub enum TarError {
    Io(io::Error),
    Format { offset: u64, msg: String },
}

impl std::fmt::Display for TarError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TarError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                write!(f, "truncated tar: {e}")
            }
            TarError::Io(e) => write!(f, "{e}"),
            TarError::Format { offset, msg } => write!(f, "bad tar header at byte {offset}: {msg}"),
        }
    }
}

impl From<io::Error> for TarError {
    fn from(e: io::Error) -> Self {
        TarError::Io(e)
    }
}

/// Walks the headers of one tar stream.
pub struct TarWalker<S> {
    src: S,
    /// Offset of the next unread byte in the tar stream.
    offset: u64,
    /// Content plus padding of the current entry not yet consumed.
    pending: u64,
    /// Content of the current entry not yet consumed (a prefix of `pending`).
    pending_content: u64,
    header: [u8; 512],
    path: Vec<u8>,
    link: Vec<u8>,
    ext: Vec<u8>,
    finished: bool,
    /// True when the stream ended at a header boundary without the zero blocks.
    pub ended_without_marker: bool,
}

/// `size` rounded up to whole blocks; `None` when that does not fit in a u64 (a
/// hostile size field).
fn padded(size: u64) -> Option<u64> {
    size.checked_next_multiple_of(BLOCK)
}

impl<S: BlockSource> TarWalker<S> {
    pub fn new(src: S) -> Self {
        TarWalker {
            src,
            offset: 0,
            pending: 0,
            pending_content: 0,
            header: [0; 512],
            path: Vec::with_capacity(256),
            link: Vec::with_capacity(256),
            ext: Vec::new(),
            finished: false,
            ended_without_marker: false,
        }
    }

    /// Bytes of the tar stream consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn source_mut(&mut self) -> &mut S {
        &mut self.src
    }

    pub fn into_source(self) -> S {
        self.src
    }

    fn skip_pending(&mut self) -> Result<(), TarError> {
        if self.pending > 0 {
            self.src.skip(self.pending)?;
            self.offset += self.pending;
            self.pending = 0;
            self.pending_content = 0;
        }
        Ok(())
    }

    /// Reads the current entry's content into `out` (replacing it). Call before `next`.
    pub fn read_content(&mut self, out: &mut Vec<u8>) -> Result<(), TarError> {
        out.clear();
        let n = self.pending_content;
        out.resize(n as usize, 0);
        let got = self.src.read_full(out)?;
        if (got as u64) < n {
            return Err(TarError::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "tar entry runs past the end of the stream",
            )));
        }
        self.offset += n;
        self.pending -= n;
        self.pending_content = 0;
        Ok(())
    }

    /// Copies the current entry's content into `sink`. Call before `next`.
    pub fn copy_content(&mut self, sink: &mut dyn io::Write) -> Result<u64, TarError>
    where
        S: Read,
    {
        let n = self.pending_content;
        let copied = io::copy(&mut (&mut self.src).take(n), sink)?;
        if copied < n {
            return Err(TarError::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "tar entry runs past the end of the stream",
            )));
        }
        self.offset += n;
        self.pending -= n;
        self.pending_content = 0;
        Ok(n)
    }

    /// The blocks an entry of `size` content bytes takes, checked against what the
    /// source can still hold: a size from the input must not overflow or promise
    /// more than there is.
    fn entry_blocks(&self, header_at: u64, size: u64) -> Result<u64, TarError> {
        let whole = padded(size)
            .ok_or_else(|| self.format_err(header_at, format!("entry size {size} is too large")))?;
        match self.src.remaining() {
            Some(left) if whole > left => Err(self.format_err(
                header_at,
                format!("entry of {size} bytes runs past the end of its blob ({left} bytes left: truncated?)"),
            )),
            _ => Ok(whole),
        }
    }

    fn format_err(&self, header_at: u64, msg: impl Into<String>) -> TarError {
        TarError::Format {
            offset: header_at,
            msg: msg.into(),
        }
    }

    /// Reads an extension payload (long name, PAX records) of `size` bytes into `ext`.
    fn read_extension(&mut self, header_at: u64, size: u64) -> Result<(), TarError> {
        if size > MAX_EXTENSION {
            return Err(self.format_err(header_at, format!("extended header of {size} bytes")));
        }
        self.ext.clear();
        self.ext.resize(size as usize, 0);
        let got = self.src.read_full(&mut self.ext)?;
        if got as u64 != size {
            return Err(TarError::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "extended header runs past the end of the stream",
            )));
        }
        // size <= MAX_EXTENSION: padding it cannot overflow.
        let whole = padded(size).unwrap_or(size);
        self.src.skip(whole - size)?;
        self.offset += whole;
        Ok(())
    }

    /// The next entry, or `None` at the end of the archive.
    pub fn next_entry(&mut self) -> Result<Option<TarEntry<'_>>, TarError> {
        if self.finished {
            return Ok(None);
        }
        self.skip_pending()?;
        let mut long_path: Option<Vec<u8>> = None;
        let mut long_link: Option<Vec<u8>> = None;
        let mut pax_size: Option<u64> = None;
        loop {
            let header_at = self.offset;
            let got = self.src.read_full(&mut self.header)?;
            if got == 0 {
                self.finished = true;
                self.ended_without_marker = true;
                return Ok(None);
            }
            if got < 512 {
                return Err(TarError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("tar header at byte {header_at} is cut short"),
                )));
            }
            self.offset += BLOCK;
            if self.header.iter().all(|&b| b == 0) {
                self.finished = true;
                return Ok(None);
            }
            check_checksum(&self.header).map_err(|m| self.format_err(header_at, m))?;
            let size_field = parse_numeric(&self.header[124..136])
                .map_err(|m| self.format_err(header_at, format!("size field: {m}")))?;
            let typeflag = self.header[156];
            match typeflag {
                b'L' | b'K' => {
                    self.read_extension(header_at, size_field)?;
                    let mut v = self.ext.clone();
                    while v.last() == Some(&0) {
                        v.pop();
                    }
                    if typeflag == b'L' {
                        long_path = Some(v);
                    } else {
                        long_link = Some(v);
                    }
                    continue;
                }
                b'x' | b'X' => {
                    self.read_extension(header_at, size_field)?;
                    let records = parse_pax(&self.ext)
                        .map_err(|m| self.format_err(header_at, format!("PAX header: {m}")))?;
                    if let Some(p) = records.path {
                        long_path = Some(p);
                    }
                    if let Some(l) = records.linkpath {
                        long_link = Some(l);
                    }
                    if let Some(s) = records.size {
                        pax_size = Some(s);
                    }
                    continue;
                }
                b'g' => {
                    // Global PAX header: nothing in it changes what imgsize measures.
                    let whole = self.entry_blocks(header_at, size_field)?;
                    self.src.skip(whole)?;
                    self.offset += whole;
                    continue;
                }
                _ => {}
            }
            let kind = match typeflag {
                b'0' | 0 | b'7' | b'S' => TarKind::File,
                b'1' => TarKind::Hardlink,
                b'2' => TarKind::Symlink,
                b'5' => TarKind::Dir,
                _ => TarKind::Other,
            };
            let size = pax_size.unwrap_or(size_field);
            // Header-only types carry no data blocks whatever their size field says
            // (as GNU tar and Go's archive/tar read them).
            let content = match kind {
                TarKind::File => size,
                TarKind::Other if !matches!(typeflag, b'3' | b'4' | b'6') => size,
                _ => 0,
            };
            self.pending = self.entry_blocks(header_at, content)?;
            self.pending_content = content;

            self.path.clear();
            match long_path.take() {
                Some(p) => self.path.extend_from_slice(&p),
                None => {
                    let name = cstr(&self.header[0..100]);
                    let is_ustar = &self.header[257..263] == b"ustar\0";
                    let prefix = if is_ustar {
                        cstr(&self.header[345..500])
                    } else {
                        &[]
                    };
                    if !prefix.is_empty() {
                        self.path.extend_from_slice(prefix);
                        self.path.push(b'/');
                    }
                    self.path.extend_from_slice(name);
                }
            }
            self.link.clear();
            match long_link.take() {
                Some(l) => self.link.extend_from_slice(&l),
                None => self.link.extend_from_slice(cstr(&self.header[157..257])),
            }
            let kind = if kind == TarKind::File && self.path.last() == Some(&b'/') && typeflag == 0
            {
                // Old tars mark directories only by a trailing slash.
                TarKind::Dir
            } else {
                kind
            };
            let size = if kind == TarKind::File { size } else { 0 };
            return Ok(Some(TarEntry {
                path: &self.path,
                link: &self.link,
                kind,
                size,
            }));
        }
    }
}

fn cstr(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    &field[..end]
}

fn check_checksum(h: &[u8; 512]) -> Result<(), String> {
    let stored = parse_octal(&h[148..156]).map_err(|m| format!("checksum field: {m}"))?;
    // The checksum is computed with its own field read as eight spaces, over the
    // bytes taken as unsigned (POSIX) or, by some old tars, as signed. Both come from
    // one branch-free pass: the signed sum is the unsigned one less 256 for each byte
    // of 128 or more. This runs once per entry, tens of thousands of times per layer.
    let sums = |bytes: &[u8]| {
        // 16-bit lanes over 64-byte chunks (64 * 255 fits), which vectorize well.
        let (mut unsigned, mut high) = (0u32, 0u32);
        for chunk in bytes.chunks(64) {
            let (mut s, mut h) = (0u16, 0u16);
            for &b in chunk {
                s += u16::from(b);
                h += u16::from(b >> 7);
            }
            unsigned += u32::from(s);
            high += u32::from(h);
        }
        (i64::from(unsigned), i64::from(high))
    };
    let (all, all_high) = sums(h);
    let (field, field_high) = sums(&h[148..156]);
    let unsigned = all - field + 8 * i64::from(b' ');
    let signed = unsigned - 256 * (all_high - field_high);
    let unsigned = unsigned as u64;
    if stored == unsigned || stored as i64 == signed {
        Ok(())
    } else {
        Err("checksum mismatch (not a tar archive, or corrupted)".into())
    }
}

fn parse_octal(field: &[u8]) -> Result<u64, String> {
    let mut v: u64 = 0;
    for &b in cstr(field).iter().filter(|&&b| b != b' ') {
        if !(b'0'..=b'7').contains(&b) {
            let shown: Vec<u8> = cstr(field).iter().copied().filter(|&b| b != b' ').collect();
            return Err(format!(
                "'{}' is not octal",
                String::from_utf8_lossy(&shown)
            ));
        }
        v = v
            .checked_mul(8)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or("number too large")?;
    }
    Ok(v)
}

/// Octal, or GNU base-256 when the high bit of the first byte is set.
fn parse_numeric(field: &[u8]) -> Result<u64, String> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        if field[0] & 0x40 != 0 {
            return Err("negative size".into());
        }
        let mut v: u64 = u64::from(field[0] & 0x3f);
        for &b in &field[1..] {
            v = v
                .checked_mul(256)
                .and_then(|v| v.checked_add(u64::from(b)))
                .ok_or("number too large")?;
        }
        return Ok(v);
    }
    parse_octal(field)
}

#[derive(Default)]
struct PaxRecords {
    path: Option<Vec<u8>>,
    linkpath: Option<Vec<u8>>,
    size: Option<u64>,
}

/// Parses `"<len> <key>=<value>\n"` records.
fn parse_pax(mut data: &[u8]) -> Result<PaxRecords, String> {
    let mut out = PaxRecords::default();
    while !data.is_empty() {
        if data.iter().all(|&b| b == 0) {
            break;
        }
        let space = data
            .iter()
            .position(|&b| b == b' ')
            .ok_or("record without length")?;
        let len: usize = std::str::from_utf8(&data[..space])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or("bad record length")?;
        if len <= space + 1 || len > data.len() {
            return Err("record length out of range".into());
        }
        let record = &data[space + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        let eq = record
            .iter()
            .position(|&b| b == b'=')
            .ok_or("record without '='")?;
        let (key, value) = (&record[..eq], &record[eq + 1..]);
        match key {
            b"path" => out.path = Some(value.to_vec()),
            b"linkpath" => out.linkpath = Some(value.to_vec()),
            b"size" => {
                let s = std::str::from_utf8(value)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or("bad size record")?;
                out.size = Some(s);
            }
            _ => {}
        }
        data = &data[len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn build(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn walk<S: BlockSource>(w: &mut TarWalker<S>) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        while let Some(e) = w.next_entry().unwrap() {
            out.push((String::from_utf8_lossy(e.path).into_owned(), e.size));
        }
        out
    }

    #[test]
    fn walks_a_stream_and_a_section_alike() {
        let long = "d/".repeat(80) + "file.txt";
        let data = build(&[("a.txt", b"hello"), (&long, &[7u8; 1500]), ("b", b"")]);
        let expect = vec![
            ("a.txt".to_string(), 5),
            (long.clone(), 1500),
            ("b".to_string(), 0),
        ];
        let mut s = TarWalker::new(StreamSource::new(Cursor::new(data.clone())));
        assert_eq!(walk(&mut s), expect);
        assert!(!s.ended_without_marker);
        let len = data.len() as u64;
        let mut f = TarWalker::new(SectionSource::new(Cursor::new(data), 0, len, 4096));
        assert_eq!(walk(&mut f), expect);
    }

    #[test]
    fn reads_content_on_request() {
        let data = build(&[("x", b"12345"), ("y", b"abc")]);
        let mut w = TarWalker::new(StreamSource::new(Cursor::new(data)));
        let mut buf = Vec::new();
        w.next_entry().unwrap().unwrap();
        w.read_content(&mut buf).unwrap();
        assert_eq!(buf, b"12345");
        assert_eq!(w.next_entry().unwrap().unwrap().path, b"y");
        w.read_content(&mut buf).unwrap();
        assert_eq!(buf, b"abc");
        assert!(w.next_entry().unwrap().is_none());
    }

    /// Walks to the end; true if the walk failed rather than ending.
    fn fails<S: BlockSource>(mut w: TarWalker<S>) -> bool {
        loop {
            match w.next_entry() {
                Ok(Some(_)) => {}
                Ok(None) => return false,
                Err(_) => return true,
            }
        }
    }

    #[test]
    fn truncation_is_an_error() {
        let data = build(&[("a", &[1u8; 3000]), ("b", b"x")]);
        for cut in [100usize, 600, 2000] {
            let part = data[..cut].to_vec();
            let stream = TarWalker::new(StreamSource::new(Cursor::new(part.clone())));
            assert!(fails(stream), "cut at {cut} went unnoticed");
            let section =
                TarWalker::new(SectionSource::new(Cursor::new(part), 0, cut as u64, 4096));
            assert!(fails(section), "cut at {cut} went unnoticed (section)");
        }
    }

    #[test]
    fn bad_checksum_is_an_error() {
        let mut data = build(&[("a", b"x")]);
        data[10] ^= 0x55;
        let mut w = TarWalker::new(StreamSource::new(Cursor::new(data)));
        assert!(matches!(w.next_entry(), Err(TarError::Format { .. })));
    }

    #[test]
    fn checksums_unsigned_and_signed() {
        // Blocks with bytes above 127, so the two sums differ; each is accepted when
        // stored, anything else is not.
        for seed in 0..64u32 {
            let mut h = [0u8; 512];
            for (i, b) in h.iter_mut().enumerate() {
                *b = (((i as u32).wrapping_mul(2_654_435_761) ^ seed.wrapping_mul(40_503)) >> 11)
                    as u8;
            }
            let naive = |h: &[u8; 512], signed: bool| -> i64 {
                h.iter()
                    .enumerate()
                    .map(|(i, &b)| match i {
                        148..156 => 32,
                        _ if signed => i64::from(b as i8),
                        _ => i64::from(b),
                    })
                    .sum()
            };
            for signed in [false, true] {
                let want = naive(&h, signed);
                if want < 0 {
                    continue;
                }
                h[148..156].copy_from_slice(format!("{want:06o}\0 ").as_bytes());
                assert!(check_checksum(&h).is_ok(), "seed {seed}, signed {signed}");
                h[148..156].copy_from_slice(format!("{:06o}\0 ", want + 1).as_bytes());
                assert!(check_checksum(&h).is_err(), "seed {seed}, signed {signed}");
            }
        }
    }

    #[test]
    fn random_bytes_are_not_a_tar() {
        let data: Vec<u8> = (0..2048u32).map(|i| (i * 7 + 3) as u8).collect();
        let mut w = TarWalker::new(StreamSource::new(Cursor::new(data)));
        assert!(w.next_entry().is_err());
    }

    #[test]
    fn pax_records() {
        let r = parse_pax(b"19 path=some/where\n11 size=42\n").unwrap();
        assert_eq!(r.path.as_deref(), Some(&b"some/where"[..]));
        assert_eq!(r.size, Some(42));
        assert!(parse_pax(b"999 path=x\n").is_err());
    }

    #[test]
    fn base256_sizes() {
        let mut f = [0u8; 12];
        f[0] = 0x80;
        f[11] = 0x10;
        f[10] = 0x01;
        assert_eq!(parse_numeric(&f), Ok(0x110));
    }
}
