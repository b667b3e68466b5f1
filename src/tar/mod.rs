//! A tar header walker that allocates nothing per entry, for layers and for the
//! outer archives (`docker save` tarballs, OCI archives) alike.
//!
//! It reads 512-byte headers (v7, ustar, GNU and PAX: long names, long link names, PAX
//! `path`/`linkpath`/`size`), hands out borrowed views of each entry, and skips file
//! contents: by seeking when the source allows it (an uncompressed layer inside a file),
//! by reading otherwise. A header that runs past the end of its source, a bad checksum
//! or a size that does not parse is an error, never a silently short listing.

mod header; // pure: checksums, numbers, PAX records
mod source; // where blocks come from: a stream, or a section of a file
mod sparse; // GNU's sparse files: their maps, in every form

use std::io::{self, BufRead, Read};

use header::{check_checksum, cstr, parse_numeric, parse_pax};
pub use source::BlockSource;
pub use source::ReadAt;
pub(crate) use source::{read_buffered, read_full, SectionSource, StreamSource};

const BLOCK: u64 = 512;
/// Long names (GNU `L`/`K`) and PAX headers larger than this are refused.
const MAX_EXTENSION: u64 = 1 << 20;

/// What kind of entry a header describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TarKind {
    File,
    Hardlink,
    Symlink,
    Dir,
    /// Devices, fifos and anything else without content bytes.
    Other,
}

impl<R: BufRead> TarWalker<StreamSource<R>> {
    /// Lends `f` a reader over the current entry's content; whatever `f` leaves
    /// unread is skipped afterwards. A stream that ends inside the entry is an error.
    pub(crate) fn with_content<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Read) -> T,
    ) -> Result<T, TarError> {
        let n = self.pending_content;
        let mut take = (&mut self.src.inner).take(n);
        let out = f(&mut take);
        io::copy(&mut take, &mut io::sink())?;
        let got = n - take.limit();
        self.took_content(got)?;
        Ok(out)
    }
}

/// One entry, borrowed from the walker until the next call to `next`.
#[derive(Debug)]
pub(crate) struct TarEntry<'a> {
    pub path: &'a [u8],
    pub link: &'a [u8],
    pub kind: TarKind,
    /// The file's size (0 for links, directories, devices): for a sparse file, the
    /// size it has once extracted, holes included, as `tar -tv` shows it.
    pub size: u64,
    /// For a sparse file (GNU `S`, PAX sparse 0.0, 0.1, 1.0), its data regions
    /// (offset, length) within `size`: the content the walker hands out is these
    /// regions back to back, and the rest of the file is zeros.
    pub sparse: Option<&'a [(u64, u64)]>,
    /// Permission bits (`0o755`).
    pub mode: u32,
}

/// An error in the tar structure, with the byte offset of the header at fault.
#[derive(Debug)]
pub(crate) enum TarError {
    Io(io::Error),
    /// `entry`: the entry's path, once its headers said it.
    Format {
        offset: u64,
        entry: Option<String>,
        msg: String,
    },
}

impl std::fmt::Display for TarError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TarError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                write!(f, "truncated tar: {e}")
            }
            TarError::Io(e) => write!(f, "{e}"),
            TarError::Format {
                offset,
                entry: Some(path),
                msg,
            } => write!(
                f,
                "tar entry '{path}' (header at byte {offset} of the tar): {msg}"
            ),
            TarError::Format { offset, msg, .. } => {
                write!(f, "tar header at byte {offset} of the tar: {msg}")
            }
        }
    }
}

impl From<io::Error> for TarError {
    fn from(e: io::Error) -> Self {
        TarError::Io(e)
    }
}

/// Walks the headers of one tar stream.
pub(crate) struct TarWalker<S> {
    src: S,
    /// Offset of the next unread byte in the tar stream.
    offset: u64,
    /// Offset of the first header (extension headers included) of the entry
    /// returned last.
    entry_at: u64,
    /// Content plus padding of the current entry not yet consumed.
    pending: u64,
    /// Content of the current entry not yet consumed (a prefix of `pending`).
    pending_content: u64,
    header: [u8; 512],
    path: Vec<u8>,
    link: Vec<u8>,
    ext: Vec<u8>,
    /// The sparse map of the entry returned last, when it is sparse.
    sparse: Vec<(u64, u64)>,
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
    pub(crate) fn new(src: S) -> Self {
        TarWalker {
            src,
            offset: 0,
            entry_at: 0,
            pending: 0,
            pending_content: 0,
            header: [0; 512],
            path: Vec::with_capacity(256),
            link: Vec::with_capacity(256),
            ext: Vec::new(),
            sparse: Vec::new(),
            finished: false,
            ended_without_marker: false,
        }
    }

    /// Bytes of the tar stream consumed so far.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// Where the entry returned last starts: its first header, extension headers
    /// included.
    pub(crate) fn entry_start(&self) -> u64 {
        self.entry_at
    }

    pub(crate) fn into_source(self) -> S {
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
    pub(crate) fn read_content(&mut self, out: &mut Vec<u8>) -> Result<(), TarError> {
        out.clear();
        out.resize(self.pending_content as usize, 0);
        let got = self.src.read_full(out)?;
        self.took_content(got as u64)
    }

    /// Hands the current entry's content to `f` in chunks read through `buf` (which
    /// must not be empty), without holding the whole file. Call before `next`.
    pub(crate) fn stream_content(
        &mut self,
        buf: &mut [u8],
        mut f: impl FnMut(&[u8]),
    ) -> Result<(), TarError> {
        let mut left = self.pending_content;
        let mut got = 0u64;
        while left > 0 {
            let want = left.min(buf.len() as u64) as usize;
            let n = self.src.read_full(&mut buf[..want])?;
            f(&buf[..n]);
            got += n as u64;
            if n < want {
                break;
            }
            left -= n as u64;
        }
        self.took_content(got)
    }

    /// Skips `n` bytes of the current entry's content, then reads up to `len` more
    /// (fewer at its end): for a reader that needs some parts of a file, front to
    /// back. What is left of the content is skipped by the next `next_entry`.
    pub(crate) fn read_content_part(&mut self, n: u64, len: usize) -> Result<Vec<u8>, TarError> {
        let n = n.min(self.pending_content);
        self.src.skip(n)?;
        self.consumed(n);
        let want = (len as u64).min(self.pending_content) as usize;
        let mut out = vec![0; want];
        let got = self.src.read_full(&mut out)?;
        out.truncate(got);
        self.consumed(got as u64);
        if got < want {
            return Err(self.ran_out(""));
        }
        Ok(out)
    }

    /// Accounts for `got` bytes of the current entry's content read: all of it, or
    /// the stream ended inside the entry.
    fn took_content(&mut self, got: u64) -> Result<(), TarError> {
        let n = self.pending_content;
        if got < n {
            return Err(self.ran_out(&format!(" ({got} of its {n} bytes there)")));
        }
        self.consumed(n);
        Ok(())
    }

    /// The stream ended inside the current entry's content; `detail` says how far.
    fn ran_out(&self, detail: &str) -> TarError {
        TarError::Io(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!(
                "tar entry '{}' runs past the end of the stream{detail}",
                crate::text::path_text(&self.path)
            ),
        ))
    }

    /// Accounts for `n` bytes of the current entry's content consumed (read or
    /// skipped), at most what is left of it.
    fn consumed(&mut self, n: u64) {
        self.offset += n;
        self.pending -= n;
        self.pending_content -= n;
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
            entry: None,
            msg: msg.into(),
        }
    }

    /// An error about the entry whose path is set, said of it.
    fn with_entry(&self, e: TarError) -> TarError {
        match e {
            TarError::Format {
                offset,
                entry: None,
                msg,
            } => TarError::Format {
                offset,
                entry: Some(crate::text::path_text(&self.path)),
                msg,
            },
            TarError::Io(io) if io.kind() == io::ErrorKind::UnexpectedEof => {
                TarError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("tar entry '{}': {io}", crate::text::path_text(&self.path)),
                ))
            }
            e => e,
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
    pub(crate) fn next_entry(&mut self) -> Result<Option<TarEntry<'_>>, TarError> {
        if self.finished {
            return Ok(None);
        }
        // What the entry before left unread: its path says whose content ran short.
        self.skip_pending().map_err(|e| self.with_entry(e))?;
        self.entry_at = self.offset;
        let mut ext = Extensions::default();
        loop {
            let Some(header_at) = self.read_header()? else {
                return Ok(None);
            };
            let size_field = parse_numeric(&self.header[124..136])
                .map_err(|m| self.format_err(header_at, format!("size field: {m}")))?;
            let typeflag = self.header[156];
            if self.extension(typeflag, header_at, size_field, &mut ext)? {
                continue;
            }
            return self.entry(typeflag, header_at, size_field, ext).map(Some);
        }
    }

    /// Reads the next header block into `self.header`: its offset, or `None` at
    /// the end of the archive (its zero block, or the end of the stream).
    fn read_header(&mut self) -> Result<Option<u64>, TarError> {
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
        Ok(Some(header_at))
    }

    /// Reads an extension header (GNU long name `L` or link `K`, PAX `x`, a
    /// global PAX `g`, which is skipped) into `ext`; false for an entry's own header.
    fn extension(
        &mut self,
        typeflag: u8,
        header_at: u64,
        size: u64,
        ext: &mut Extensions,
    ) -> Result<bool, TarError> {
        match typeflag {
            b'L' | b'K' => {
                self.read_extension(header_at, size)?;
                let mut v = self.ext.clone();
                while v.last() == Some(&0) {
                    v.pop();
                }
                if typeflag == b'L' {
                    ext.path = Some(v);
                } else {
                    ext.link = Some(v);
                }
            }
            b'x' | b'X' => {
                self.read_extension(header_at, size)?;
                let records = parse_pax(&self.ext)
                    .map_err(|m| self.format_err(header_at, format!("PAX header: {m}")))?;
                ext.path = records.path.or(ext.path.take());
                ext.link = records.linkpath.or(ext.link.take());
                ext.size = records.size.or(ext.size);
                ext.sparse = records.sparse.or(ext.sparse.take());
            }
            b'g' => {
                // Global PAX header: nothing in it changes what imgsize measures.
                let whole = self.entry_blocks(header_at, size)?;
                self.src.skip(whole)?;
                self.offset += whole;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The entry whose own header is in `self.header`, with what its extension
    /// headers said.
    fn entry(
        &mut self,
        typeflag: u8,
        header_at: u64,
        size_field: u64,
        mut ext: Extensions,
    ) -> Result<TarEntry<'_>, TarError> {
        let kind = match typeflag {
            b'0' | 0 | b'7' | b'S' => TarKind::File,
            b'1' => TarKind::Hardlink,
            b'2' => TarKind::Symlink,
            // `D`: GNU's incremental dump directory, its data a list of names.
            b'5' | b'D' => TarKind::Dir,
            _ => TarKind::Other,
        };
        let stored = ext.size.unwrap_or(size_field);
        // Header-only types carry no data blocks whatever their size field says
        // (as GNU tar and Go's archive/tar read them).
        let content = match kind {
            TarKind::File => stored,
            TarKind::Dir if typeflag == b'D' => stored,
            TarKind::Other if !matches!(typeflag, b'3' | b'4' | b'6') => stored,
            _ => 0,
        };
        self.sparse.clear();
        let mut real_size = None;
        if typeflag == b'S' {
            real_size = Some(self.read_gnu_sparse(header_at)?);
        }
        let pax_sparse = match (ext.sparse.take(), kind) {
            (Some(s), TarKind::File) => Some(s),
            _ => None,
        };
        if let Some(name) = pax_sparse.as_ref().and_then(|s| s.name.clone()) {
            ext.path = Some(name);
        }
        self.set_names(ext);
        self.pending = self
            .entry_blocks(header_at, content)
            .map_err(|e| self.with_entry(e))?;
        self.pending_content = content;
        if let Some(s) = pax_sparse {
            self.sparse = s.regions;
            real_size = s.real_size;
            if s.map_in_data {
                self.read_sparse_map_in_data(header_at)
                    .map_err(|e| self.with_entry(e))?;
            }
        }
        if let Some(real) = real_size {
            self.check_sparse_map(header_at, real)
                .map_err(|e| self.with_entry(e))?;
        }
        // Old tars mark directories only by a trailing slash.
        let kind = match kind {
            TarKind::File if self.path.last() == Some(&b'/') && typeflag == 0 => TarKind::Dir,
            k => k,
        };
        let size = match kind {
            TarKind::File => real_size.unwrap_or(stored),
            _ => 0,
        };
        let sparse = (kind == TarKind::File && real_size.is_some()).then_some(&self.sparse[..]);
        // The permission bits (a field that does not parse reads as none).
        let mode = header::parse_octal(&self.header[100..108]).map_or(0, |m| (m & 0o7777) as u32);
        Ok(TarEntry {
            path: &self.path,
            link: &self.link,
            kind,
            size,
            sparse,
            mode,
        })
    }

    /// The entry's path and link target: from its extension headers, else from
    /// the header (ustar's prefix, then its name).
    fn set_names(&mut self, ext: Extensions) {
        self.path.clear();
        match ext.path {
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
        match ext.link {
            Some(l) => self.link.extend_from_slice(&l),
            None => self.link.extend_from_slice(cstr(&self.header[157..257])),
        }
    }
}

/// What an entry's extension headers said.
#[derive(Default)]
struct Extensions {
    path: Option<Vec<u8>>,
    link: Option<Vec<u8>>,
    /// PAX `size`: the stored size, beyond what the header's field holds.
    size: Option<u64>,
    sparse: Option<header::PaxSparse>,
}

/// One entry as [`list`] gives it: the path and link target as stored, the kind
/// as `tar -tv`'s first letter (`-` file, `h` hardlink, `l` symlink, `d`
/// directory, `o` anything else), and the size as `tar -tv` shows it for files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub path: Vec<u8>,
    pub link: Vec<u8>,
    pub kind: char,
    pub size: u64,
}

/// Lists an uncompressed tar stream's entries as the layer scan reads them: for
/// the differential tests against GNU tar and Python's tarfile, and for fuzzing.
/// An error is what the scan would refuse the layer with.
pub fn list(data: impl BufRead) -> Result<Vec<Listed>, String> {
    let mut walker = TarWalker::new(StreamSource::new(data));
    let mut out = Vec::new();
    while let Some(e) = walker.next_entry().map_err(|e| e.to_string())? {
        let kind = match e.kind {
            TarKind::File => '-',
            TarKind::Hardlink => 'h',
            TarKind::Symlink => 'l',
            TarKind::Dir => 'd',
            TarKind::Other => 'o',
        };
        out.push(Listed {
            path: e.path.to_vec(),
            link: e.link.to_vec(),
            kind,
            size: e.size,
        });
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
    fn random_bytes_are_not_a_tar() {
        let data: Vec<u8> = (0..2048u32).map(|i| (i * 7 + 3) as u8).collect();
        let mut w = TarWalker::new(StreamSource::new(Cursor::new(data)));
        assert!(w.next_entry().is_err());
    }

    /// Every header form the generator does not write: ustar prefixes, GNU `K` long
    /// link names, PAX `linkpath`, and global `g` headers (skipped).
    #[test]
    fn ustar_prefix_gnu_long_links_pax_linkpath_and_global_headers() {
        let mut b = tar::Builder::new(Vec::new());
        // ustar: a 150-byte path goes into prefix + name.
        let deep = format!("{}/file.txt", "p".repeat(140));
        let mut h = tar::Header::new_ustar();
        h.set_path(&deep).unwrap();
        h.set_size(3);
        h.set_mode(0o644);
        h.set_cksum();
        assert_ne!(
            &h.as_bytes()[345..350],
            &[0u8; 5],
            "the prefix field is used"
        );
        b.append(&h, &b"abc"[..]).unwrap();
        // A global PAX header: nothing in it is an entry.
        let global = b"22 comment=whatever\n";
        let mut g = tar::Header::new_ustar();
        g.set_entry_type(tar::EntryType::XGlobalHeader);
        g.set_size(global.len() as u64);
        g.set_path("pax_global_header").unwrap();
        g.set_cksum();
        b.append(&g, &global[..]).unwrap();
        // GNU `K`: a symlink whose target is over 100 bytes.
        let far = "t/".repeat(70) + "target";
        let mut l = tar::Header::new_gnu();
        l.set_entry_type(tar::EntryType::Symlink);
        l.set_size(0);
        b.append_link(&mut l, "gnu-link", &far).unwrap();
        // PAX `linkpath` for a hardlink.
        b.append_pax_extensions([("linkpath", "p/elsewhere/hard-target".as_bytes())])
            .unwrap();
        let mut hl = tar::Header::new_ustar();
        hl.set_entry_type(tar::EntryType::Link);
        hl.set_path("pax-link").unwrap();
        hl.set_link_name("short").unwrap();
        hl.set_size(0);
        hl.set_cksum();
        b.append(&hl, &b""[..]).unwrap();
        let data = b.into_inner().unwrap();
        let mut w = TarWalker::new(StreamSource::new(Cursor::new(data)));
        let mut seen = Vec::new();
        while let Some(e) = w.next_entry().unwrap() {
            seen.push((
                String::from_utf8_lossy(e.path).into_owned(),
                String::from_utf8_lossy(e.link).into_owned(),
                e.kind,
                e.size,
            ));
        }
        assert_eq!(
            seen,
            vec![
                (deep, String::new(), TarKind::File, 3),
                ("gnu-link".into(), far, TarKind::Symlink, 0),
                (
                    "pax-link".into(),
                    "p/elsewhere/hard-target".into(),
                    TarKind::Hardlink,
                    0
                ),
            ]
        );
    }
}
