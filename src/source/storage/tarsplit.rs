//! A layer's tar, put back together from what an engine keeps: its tar-split
//! (github.com/vbatts/tar-split: gzip'd lines, each a raw segment of the tar,
//! `{"type":2,"payload":"<base64>"}`, or a file's place,
//! `{"type":1,"name":"app/x.js","size":1106}`) and the layer's folder, which holds
//! the files. The segments alone are every header, in order; a file's bytes are
//! read from the folder only when asked for (package records, `--content`,
//! `--verify`), and skipped without a read otherwise.
//!
//! Read as a stream (`Read`) it is the layer's tar byte for byte, so its sha256 is
//! the diff_id; as a [`BlockSource`] it skips a file's bytes for free.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Component, Path, PathBuf};

use super::line::{self, Line};

use crate::tar::BlockSource;

/// Lines longer than this are not tar-split (a segment is a few headers).
const MAX_LINE: u64 = 16 << 20;

/// A layer's tar size: what its tar-split adds up to (segments and file sizes).
/// Docker's `size` file holds the files' bytes, not the tar's.
pub(crate) fn tar_size(split: &Path) -> Result<u64, String> {
    let file = File::open(split).map_err(|e| format!("{}: {e}", split.display()))?;
    tar_size_of(gunzip(file)).map_err(|e| format!("{}: {e}", split.display()))
}

/// [`tar_size`] of a tar-split's lines as they are.
pub(crate) fn tar_size_of(mut lines: impl BufRead) -> Result<u64, String> {
    let mut total = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = (&mut lines)
            .take(MAX_LINE)
            .read_until(b'\n', &mut line)
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Ok(total);
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let l = line::parse(&line)?;
        let add = match l.kind {
            1 => l.size.unwrap_or(0),
            // base64: 3 bytes per 4 characters, less the padding.
            2 => l.payload.map_or(0, |p| {
                let pad = p.bytes().rev().take_while(|&b| b == b'=').count();
                (p.len() / 4 * 3).saturating_sub(pad) as u64
            }),
            k => return Err(format!("unknown entry type {k}")),
        };
        total = total
            .checked_add(add)
            .ok_or("the entries add up to more than a tar can hold")?;
    }
}

/// A gzip'd tar-split's lines, inflated as layers are (ISA-L where built in).
fn gunzip(file: File) -> BufReader<impl Read> {
    let input = BufReader::with_capacity(64 << 10, file);
    BufReader::with_capacity(256 << 10, crate::layer::gzip_reader(input))
}

/// What the reader is in the middle of.
enum Part {
    /// A raw segment (in `TarSplit::segment`), and how much of it was handed out.
    Segment(usize),
    /// A file's bytes: its path in the folder, size, how far along, and the file
    /// once opened.
    File {
        path: PathBuf,
        size: u64,
        at: u64,
        open: Option<File>,
    },
    End,
}

/// The tar of one layer: segments from the tar-split's `lines`, files from `dir`.
pub(crate) struct TarSplit<L: BufRead> {
    lines: L,
    dir: PathBuf,
    part: Part,
    line: Vec<u8>,
    segment: Vec<u8>,
    /// Where errors point: the tar-split file.
    place: String,
}

/// The tar-split file `split` (gzip'd), the layer's files in `dir`.
pub(crate) fn open(split: &Path, dir: &Path) -> io::Result<TarSplit<impl BufRead>> {
    let file = File::open(split)?;
    Ok(TarSplit::from_lines(
        gunzip(file),
        dir,
        split.display().to_string(),
    ))
}

impl<L: BufRead> TarSplit<L> {
    /// A tar-split's lines as they are (not gzip'd); `place` names them in errors.
    pub(crate) fn from_lines(lines: L, dir: &Path, place: String) -> TarSplit<L> {
        TarSplit {
            lines,
            dir: dir.to_path_buf(),
            // An empty segment, done: the first read moves to the first line.
            part: Part::Segment(0),
            line: Vec::new(),
            segment: Vec::new(),
            place,
        }
    }

    fn bad(&self, msg: impl std::fmt::Display) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, format!("{}: {msg}", self.place))
    }

    /// Moves to the next line's part.
    fn advance(&mut self) -> io::Result<()> {
        loop {
            self.line.clear();
            let n = (&mut self.lines)
                .take(MAX_LINE)
                .read_until(b'\n', &mut self.line)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.place)))?;
            if n == 0 {
                self.part = Part::End;
                return Ok(());
            }
            if self.line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let line = line::parse(&self.line).map_err(|e| self.bad(e))?;
            self.part = match line.kind {
                2 => {
                    let raw = line.payload.as_deref().unwrap_or_default();
                    self.segment.clear();
                    base64_simd::STANDARD
                        .decode_append(raw, &mut self.segment)
                        .map_err(|e| self.bad(format!("a segment is not base64: {e}")))?;
                    Part::Segment(0)
                }
                1 => {
                    let size = line.size.unwrap_or(0);
                    if size == 0 {
                        continue;
                    }
                    Part::File {
                        path: self.file_path(&line)?,
                        size,
                        at: 0,
                        open: None,
                    }
                }
                k => return Err(self.bad(format!("unknown entry type {k}"))),
            };
            return Ok(());
        }
    }

    /// A file's path in the layer's folder (`name`, or `name_raw`'s bytes for a
    /// name that is not UTF-8); a name that would leave the folder is refused.
    fn file_path(&self, line: &Line) -> io::Result<PathBuf> {
        use std::os::unix::ffi::OsStrExt;
        let raw;
        let name: &[u8] = match (&line.name, &line.name_raw) {
            (Some(n), _) => n.as_bytes(),
            (None, Some(r)) => {
                raw = base64_simd::STANDARD
                    .decode_to_vec(r.as_bytes())
                    .map_err(|e| self.bad(format!("a file name is not base64: {e}")))?;
                &raw
            }
            (None, None) => return Err(self.bad("a file without a name")),
        };
        let start = name.iter().take_while(|&&b| b == b'/').count();
        let rel = Path::new(std::ffi::OsStr::from_bytes(&name[start..]));
        if rel.as_os_str().is_empty()
            || rel
                .components()
                .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(self.bad(format!(
                "file name '{}' leaves the layer's folder",
                String::from_utf8_lossy(name)
            )));
        }
        Ok(self.dir.join(rel))
    }

    /// The part to read from, moving on from one that is done.
    fn current(&mut self) -> io::Result<bool> {
        loop {
            let done = match &self.part {
                Part::Segment(at) => *at >= self.segment.len(),
                Part::File { size, at, .. } => at >= size,
                Part::End => return Ok(false),
            };
            if !done {
                return Ok(true);
            }
            self.advance()?;
        }
    }
}

/// Opens a regular file at `path` under `dir` without following a link on the way:
/// a layer may hold a link `a -> /etc` and a file `a/passwd`, which in the folder
/// is the layer's own but through the link would be this machine's; and a fifo
/// would never answer.
fn open_inside(dir: &Path, path: &Path) -> Result<File, String> {
    let rel = path
        .strip_prefix(dir)
        .map_err(|_| "outside the layer's folder")?;
    let mut at = dir.to_path_buf();
    for c in rel.components() {
        at.push(c);
        let meta = std::fs::symlink_metadata(&at).map_err(|e| e.to_string())?;
        if meta.file_type().is_symlink() {
            return Err(format!("{} is a link", at.display()));
        }
        if at == path && !meta.is_file() {
            return Err("not a regular file".into());
        }
    }
    File::open(path).map_err(|e| e.to_string())
}

impl<L: BufRead> Read for TarSplit<L> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || !self.current()? {
            return Ok(0);
        }
        let changed = |path: &Path, why: &str| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: {why}: the storage changed while it was read (or does not match its tar-split)",
                    path.display()
                ),
            )
        };
        match &mut self.part {
            Part::Segment(at) => {
                let b = &self.segment;
                let n = out.len().min(b.len() - *at);
                out[..n].copy_from_slice(&b[*at..*at + n]);
                *at += n;
                Ok(n)
            }
            Part::File {
                path,
                size,
                at,
                open,
            } => {
                if open.is_none() {
                    let mut f = open_inside(&self.dir, path).map_err(|e| changed(path, &e))?;
                    if *at > 0 {
                        io::copy(&mut (&mut f).take(*at), &mut io::sink())?;
                    }
                    *open = Some(f);
                }
                let want = out.len().min((*size - *at) as usize);
                let n = open.as_mut().map_or(Ok(0), |f| f.read(&mut out[..want]))?;
                if n == 0 {
                    return Err(changed(path, "the file is shorter than its tar entry"));
                }
                *at += n as u64;
                Ok(n)
            }
            Part::End => Ok(0),
        }
    }
}

impl<L: BufRead> BlockSource for TarSplit<L> {
    fn read_full(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        crate::tar::read_full(self, buf)
    }

    /// Skips without reading a file's bytes: they are not in the tar-split.
    fn skip(&mut self, mut n: u64) -> io::Result<()> {
        while n > 0 {
            if !self.current()? {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("{}: the tar-split ends inside an entry", self.place),
                ));
            }
            let step = match &mut self.part {
                Part::Segment(at) => {
                    let k = n.min((self.segment.len() - *at) as u64);
                    *at += k as usize;
                    k
                }
                Part::File { size, at, open, .. } => {
                    let k = n.min(*size - *at);
                    *at += k;
                    // An opened file would read on from the wrong place.
                    *open = None;
                    k
                }
                Part::End => 0,
            };
            n -= step;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A tar of `files` (name, bytes), and its tar-split with the files in `dir`,
    /// as tar-split writes them: each file's bytes out of the segments.
    fn split_of(files: &[(&str, &[u8])], dir: &Path) -> (Vec<u8>, PathBuf) {
        let mut b = ::tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut h = ::tar::Header::new_ustar();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, name, *data).unwrap();
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, data).unwrap();
        }
        let tar = b.into_inner().unwrap();
        let b64 = |b: &[u8]| base64_simd::STANDARD.encode_to_string(b);
        let mut lines = String::new();
        let mut at = 0usize;
        let mut archive = ::tar::Archive::new(&tar[..]);
        for e in archive.entries().unwrap() {
            let e = e.unwrap();
            let start = e.raw_file_position() as usize;
            let size = e.size() as usize;
            let name = e.path().unwrap().display().to_string();
            lines += &format!("{{\"type\":2,\"payload\":\"{}\"}}\n", b64(&tar[at..start]));
            lines += &format!("{{\"type\":1,\"name\":\"{name}\",\"size\":{size}}}\n");
            at = start + size;
        }
        lines += &format!("{{\"type\":2,\"payload\":\"{}\"}}\n", b64(&tar[at..]));
        let split = dir.with_extension("tar-split.gz");
        let mut gz = flate2::write::GzEncoder::new(
            File::create(&split).unwrap(),
            flate2::Compression::fast(),
        );
        gz.write_all(lines.as_bytes()).unwrap();
        gz.finish().unwrap();
        (tar, split)
    }

    #[test]
    fn reads_back_the_tar_byte_for_byte_and_skips_without_reading() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("diff");
        let big = vec![7u8; 3000];
        let files: [(&str, &[u8]); 3] = [("a/x.js", b"hello"), ("a/big", &big), ("b", b"")];
        let (tar, split) = split_of(&files, &dir);
        let mut out = Vec::new();
        open(&split, &dir).unwrap().read_to_end(&mut out).unwrap();
        assert_eq!(out, tar);
        // Skipping a file's bytes needs no file: remove them all.
        std::fs::remove_dir_all(&dir).unwrap();
        let mut s = open(&split, &dir).unwrap();
        let mut head = [0u8; 512];
        assert_eq!(s.read_full(&mut head).unwrap(), 512);
        assert_eq!(&head[..6], b"a/x.js");
        s.skip(512).unwrap(); // the data block of "hello"
        assert_eq!(s.read_full(&mut head).unwrap(), 512);
        assert_eq!(&head[..5], b"a/big");
        // Reading a file that is not there says the storage changed.
        let err = s.read_full(&mut head).unwrap_err().to_string();
        assert!(err.contains("the storage changed"), "{err}");
    }

    #[test]
    fn a_name_that_is_not_utf8_is_read_from_name_raw() {
        use std::os::unix::ffi::OsStrExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("diff");
        std::fs::create_dir_all(&dir).unwrap();
        let name = b"caf\xe9";
        std::fs::write(dir.join(std::ffi::OsStr::from_bytes(name)), b"latin-1").unwrap();
        let lines = format!(
            "{{\"type\":2,\"payload\":\"{}\"}}\n{{\"type\":1,\"name_raw\":\"{}\",\"size\":7}}\n",
            base64_simd::STANDARD.encode_to_string(b"head"),
            base64_simd::STANDARD.encode_to_string(name)
        );
        let mut out = Vec::new();
        TarSplit::from_lines(lines.as_bytes(), &dir, "t".into())
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"headlatin-1");
    }

    #[test]
    fn a_file_is_not_read_through_a_link_nor_out_of_the_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("diff");
        let (_, split) = split_of(&[("a/passwd", b"layer's own")], &dir);
        // The layer's folder `a` replaced by a link to where this machine's file is.
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("passwd"), b"machine's!!").unwrap();
        std::fs::remove_dir_all(dir.join("a")).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("a")).unwrap();
        let mut out = Vec::new();
        let err = open(&split, &dir)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap_err()
            .to_string();
        assert!(err.contains("is a link"), "{err}");
        // A name leaving the folder is refused before anything is opened.
        let s = open(&split, &dir).unwrap();
        let line = line::parse(br#"{"type":1,"name":"../outside/passwd","size":11}"#).unwrap();
        let err = s.file_path(&line).unwrap_err().to_string();
        assert!(err.contains("leaves the layer's folder"), "{err}");
        // A fifo would never answer: only regular files are read.
        std::fs::remove_file(dir.join("a")).unwrap();
        std::fs::create_dir_all(dir.join("a")).unwrap();
        let fifo = std::process::Command::new("mkfifo")
            .arg(dir.join("a/passwd"))
            .status()
            .unwrap();
        assert!(fifo.success());
        let err = open(&split, &dir)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }
}
