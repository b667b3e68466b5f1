//! What a Java archive (`.jar`, `.war`, `.ear`: a zip) says it holds, read while
//! its layer is scanned: the Maven coordinates of every
//! `META-INF/maven/GROUP/ARTIFACT/pom.properties` (the archive's own; a shaded
//! jar's, of what it bundles), and the archives inside it (a Spring Boot jar's
//! `BOOT-INF/lib`, a WAR's `WEB-INF/lib`), read the same way one level down.
//!
//! A zip's index (its central directory) is at its end, after the bytes it points
//! at, so a stream cannot use it. The entries are walked front to back by their
//! local headers instead: an entry whose header gives its size is stepped over
//! (a stored archive inside is read as it passes, a compressed one inflated as it
//! passes); one written with a data descriptor (`jar` writes every compressed
//! entry so) ends at the first descriptor whose compressed size is the distance
//! from the entry's data, which is what a descriptor is. A file that is not a zip,
//! or stops being one, gives what was found up to there: it is a file the image
//! holds, not a fault of the layer.

use std::io::{self, BufRead, Read};

use flate2::bufread::DeflateDecoder;
use memchr::memmem;

use super::binary::Forward;
use crate::tar::TarError;

/// The names an archive goes by.
pub(crate) fn is_archive(name: &[u8]) -> bool {
    [&b".jar"[..], b".war", b".ear"]
        .iter()
        .any(|ext| name.len() > ext.len() && name.ends_with(ext))
}

const LOCAL: &[u8; 4] = b"PK\x03\x04";
const DESCRIPTOR: &[u8; 4] = b"PK\x07\x08";
/// The most bytes before the first entry (a launch script before a Spring Boot
/// "fully executable" jar).
const MAX_PREFIX: usize = 64 << 10;
/// The largest `pom.properties` read (Maven writes ~100 bytes).
const MAX_PROPERTIES: u64 = 64 << 10;
/// The most of the record kept.
const MAX_RECORD: usize = 1 << 20;
/// How much is read at a time where every byte must be looked at.
const CHUNK: usize = 64 << 10;
/// At least this much is read ahead, so a run of small entries is one read.
const READ_AHEAD: usize = 8 << 10;

/// The record of a Java archive, one line per finding, tab-separated:
/// `pom WHERE GROUP ARTIFACT VERSION` for a `pom.properties` (`WHERE` empty for
/// the archive's own entries, else the path of the archive inside it that holds
/// it) and `jar PATH` for each archive inside. `None` when nothing was found.
pub(crate) fn java_archive<F: Forward>(src: &mut F) -> Result<Option<Vec<u8>>, TarError> {
    let mut record = Vec::new();
    walk(&mut Cursor::new(src), "", &mut record)?;
    Ok((!record.is_empty()).then_some(record))
}

/// Reads through `src`, which `Forward` asks to be read front to back (a trait
/// object: an archive inside is read through the one around it).
struct Cursor<'a> {
    src: &'a mut dyn Forward,
    buf: Vec<u8>,
    /// The offset of `buf[0]`.
    at: u64,
}

impl<'a> Cursor<'a> {
    fn new(src: &'a mut dyn Forward) -> Self {
        Cursor {
            src,
            buf: Vec::new(),
            at: 0,
        }
    }

    /// Up to `len` bytes at `pos` (fewer at the end); nothing before `pos` is
    /// asked for again.
    fn get(&mut self, pos: u64, len: usize) -> Result<&[u8], TarError> {
        let end = self.at + self.buf.len() as u64;
        if pos >= end {
            self.buf.clear();
            self.at = pos;
        } else if pos > self.at {
            self.buf.drain(..(pos - self.at) as usize);
            self.at = pos;
        } else if pos < self.at {
            return Err(TarError::Io(io::Error::other(
                "an archive's parts were read out of order",
            )));
        }
        if self.buf.len() < len {
            let want = (len - self.buf.len()).max(READ_AHEAD);
            let more = self.src.read_at(self.at + self.buf.len() as u64, want)?;
            self.buf.extend_from_slice(&more);
        }
        Ok(&self.buf[..len.min(self.buf.len())])
    }
}

/// The bytes `base..end` of a cursor, as a file of their own; read as a
/// `BufRead`, `base` moves on by what the reader took (an inflater takes exactly
/// the compressed stream, so `base` ends where the stream does).
struct Part<'c, 'a> {
    cur: &'c mut Cursor<'a>,
    base: u64,
    end: u64,
}

impl Forward for Part<'_, '_> {
    fn read_at(&mut self, at: u64, len: usize) -> Result<Vec<u8>, TarError> {
        let pos = self.base.saturating_add(at).min(self.end);
        let len = len.min((self.end - pos).min(usize::MAX as u64) as usize);
        Ok(self.cur.get(pos, len)?.to_vec())
    }
}

impl Read for Part<'_, '_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let got = self.fill_buf()?;
            let n = got.len().min(out.len());
            out[..n].copy_from_slice(&got[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Part<'_, '_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let len = (self.end - self.base).min(CHUNK as u64) as usize;
        self.cur
            .get(self.base, len)
            .map_err(|e| io::Error::other(Failed(e)))
    }

    fn consume(&mut self, n: usize) {
        self.base += n as u64;
    }
}

/// A failure of the source under an inflater, told apart from bad compressed data.
#[derive(Debug)]
struct Failed(TarError);

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Failed {}

/// An inflated entry as a file of its own, `size` bytes at most.
struct Inflated<R: BufRead> {
    inner: io::Take<DeflateDecoder<R>>,
    pos: u64,
    /// Its data did not inflate: it ends where that was found.
    broken: bool,
}

impl<R: BufRead> Inflated<R> {
    fn new(r: R, size: u64) -> Self {
        Inflated {
            inner: DeflateDecoder::new(r).take(size),
            pos: 0,
            broken: false,
        }
    }

    /// Inflates up to `len` more bytes, onto `keep` if given; how many there were.
    fn read_up_to(&mut self, len: u64, mut keep: Option<&mut Vec<u8>>) -> Result<u64, TarError> {
        let mut taken = 0u64;
        let mut chunk = vec![0u8; CHUNK];
        while taken < len && !self.broken {
            let want = (len - taken).min(CHUNK as u64) as usize;
            match self.inner.read(&mut chunk[..want]) {
                Ok(0) => break,
                Ok(n) => {
                    if let Some(k) = keep.as_deref_mut() {
                        k.extend_from_slice(&chunk[..n]);
                    }
                    taken += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => match e.into_inner().map(|b| b.downcast::<Failed>()) {
                    Some(Ok(failed)) => return Err(failed.0),
                    _ => self.broken = true,
                },
            }
        }
        self.pos += taken;
        Ok(taken)
    }
}

impl<R: BufRead> Forward for Inflated<R> {
    fn read_at(&mut self, at: u64, len: usize) -> Result<Vec<u8>, TarError> {
        if at > self.pos {
            self.read_up_to(at - self.pos, None)?;
        }
        let mut out = Vec::new();
        if at == self.pos {
            self.read_up_to(len as u64, Some(&mut out))?;
        }
        Ok(out)
    }
}

/// What an entry is to the walk.
enum Interest {
    Pom,
    Archive,
    None,
}

/// `META-INF/maven/GROUP/ARTIFACT/pom.properties`, or (outside an archive's own
/// archives) an archive.
fn interest(name: &[u8], nested: bool) -> Interest {
    if name.starts_with(b"META-INF/maven/")
        && name.ends_with(b"/pom.properties")
        && name.iter().filter(|&&b| b == b'/').count() == 4
    {
        Interest::Pom
    } else if !nested && is_archive(name) {
        Interest::Archive
    } else {
        Interest::None
    }
}

fn le16(b: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn le32(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(v)
}

/// A local header's sizes (compressed, uncompressed), from its zip64 extra field
/// where they did not fit; and whether they are zip64's.
fn sizes(header: &[u8], extra: &[u8]) -> (u64, u64, bool) {
    let (mut csize, mut usize_) = (le32(header, 18), le32(header, 22));
    if csize != 0xffff_ffff && usize_ != 0xffff_ffff {
        return (csize, usize_, false);
    }
    let mut at = 0;
    while at + 4 <= extra.len() {
        let (id, len) = (le16(extra, at), le16(extra, at + 2) as usize);
        let field = &extra[at + 4..(at + 4 + len).min(extra.len())];
        if id == 1 {
            let mut f = 0;
            if usize_ == 0xffff_ffff && field.len() >= f + 8 {
                usize_ = le64(field, f);
                f += 8;
            }
            if csize == 0xffff_ffff && field.len() >= f + 8 {
                csize = le64(field, f);
            }
            return (csize, usize_, true);
        }
        at += 4 + len;
    }
    (csize, usize_, false)
}

/// Walks the archive `cur` reads; `inside` is its path within the scanned one
/// (empty for the scanned one, whose archives are walked in turn, and theirs not).
fn walk(cur: &mut Cursor<'_>, inside: &str, record: &mut Vec<u8>) -> Result<(), TarError> {
    let nested = !inside.is_empty();
    // The first entry: at the start, or after a launch script.
    let mut pos = {
        let head = cur.get(0, MAX_PREFIX + LOCAL.len())?;
        match memmem::find(head, LOCAL) {
            Some(p) => p as u64,
            None => return Ok(()),
        }
    };
    loop {
        let header = cur.get(pos, 30)?;
        if header.len() < 30 || &header[..4] != LOCAL {
            // The central directory, or the end of what is a zip.
            return Ok(());
        }
        let header = header.to_vec();
        let flags = le16(&header, 6);
        let method = le16(&header, 8);
        let (name_len, extra_len) = (le16(&header, 26) as usize, le16(&header, 28) as usize);
        let names = cur.get(pos + 30, name_len + extra_len)?;
        if names.len() < name_len + extra_len {
            return Ok(());
        }
        let name = names[..name_len].to_vec();
        let (csize, usize_, zip64) = sizes(&header, &names[name_len..]);
        let data = pos + 30 + (name_len + extra_len) as u64;
        let what = interest(&name, nested);
        let name_text = String::from_utf8_lossy(&name).into_owned();
        if let Interest::Archive = what {
            line(record, &["jar", &name_text]);
        }
        pos = if flags & 8 == 0 {
            let Some(end) = data.checked_add(csize) else {
                return Ok(());
            };
            match what {
                Interest::Pom if csize <= MAX_PROPERTIES => {
                    let raw = cur.get(data, csize as usize)?.to_vec();
                    if raw.len() as u64 == csize {
                        pom(&raw, method, inside, record);
                    }
                }
                Interest::Archive => {
                    let mut part = Part {
                        cur: &mut *cur,
                        base: data,
                        end,
                    };
                    match method {
                        0 => walk(&mut Cursor::new(&mut part), &name_text, record)?,
                        8 => {
                            let mut inflated = Inflated::new(&mut part, usize_);
                            walk(&mut Cursor::new(&mut inflated), &name_text, record)?
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
            end
        } else if method == 8 && !matches!(what, Interest::None) {
            // Sizes in a descriptor after the data, which ends where its deflate
            // stream does: inflated as it passes, read, inflated to its end.
            let mut part = Part {
                cur: &mut *cur,
                base: data,
                end: u64::MAX,
            };
            let mut inflated = Inflated::new(&mut part, u64::MAX);
            if let Interest::Pom = what {
                let mut text = Vec::new();
                inflated.read_up_to(MAX_PROPERTIES, Some(&mut text))?;
                pom(&text, 0, inside, record);
            } else {
                walk(&mut Cursor::new(&mut inflated), &name_text, record)?;
            }
            inflated.read_up_to(u64::MAX, None)?;
            if inflated.broken {
                return Ok(());
            }
            let after = part.base;
            match descriptor_at(cur, data, after, zip64)? {
                Some(next) => next,
                None => return Ok(()),
            }
        } else {
            // Sizes in a descriptor: the first one that fits is the one.
            let mut kept = Vec::new();
            let keep = matches!(what, Interest::Pom).then_some(&mut kept);
            let Some((len, next)) = find_descriptor(cur, data, zip64, keep)? else {
                return Ok(());
            };
            if matches!(what, Interest::Pom) && len <= MAX_PROPERTIES {
                pom(&kept[..len as usize], method, inside, record);
            }
            next
        };
    }
}

/// Where the descriptor of an entry whose data runs from `data` to `after` ends,
/// if there is one (its signature is optional).
fn descriptor_at(
    cur: &mut Cursor<'_>,
    data: u64,
    after: u64,
    zip64: bool,
) -> Result<Option<u64>, TarError> {
    let sizes = if zip64 { 16 } else { 8 };
    let b = cur.get(after, DESCRIPTOR.len() + 4 + sizes)?;
    let skip = if b.starts_with(DESCRIPTOR) { 4 } else { 0 };
    if b.len() < skip + 4 + sizes {
        return Ok(None);
    }
    let csize = if zip64 {
        le64(b, skip + 4)
    } else {
        le32(b, skip + 4)
    };
    Ok((csize == after - data).then_some(after + (skip + 4 + sizes) as u64))
}

/// The data descriptor after an entry's data at `data`: the data's length and
/// where the descriptor ends, `None` if the file ends first. With `keep`, the
/// data's first `MAX_PROPERTIES` bytes (and a little more) are kept there.
fn find_descriptor(
    cur: &mut Cursor<'_>,
    data: u64,
    zip64: bool,
    mut keep: Option<&mut Vec<u8>>,
) -> Result<Option<(u64, u64)>, TarError> {
    let len = if zip64 { 24 } else { 16 };
    let mut p = data;
    loop {
        let chunk = cur.get(p, CHUNK + len)?;
        if chunk.len() < len {
            return Ok(None);
        }
        // Each place a whole descriptor fits.
        let last = chunk.len() - len;
        for i in memmem::find_iter(&chunk[..last + DESCRIPTOR.len()], DESCRIPTOR) {
            let at = p + i as u64;
            let size = if zip64 {
                le64(chunk, i + 8)
            } else {
                le32(chunk, i + 8)
            };
            if size == at - data {
                if let Some(k) = keep.as_deref_mut() {
                    if k.len() < MAX_PROPERTIES as usize {
                        k.extend_from_slice(&chunk[..i]);
                    }
                }
                return Ok(Some((size, at + len as u64)));
            }
        }
        if let Some(k) = keep.as_deref_mut() {
            if k.len() < MAX_PROPERTIES as usize {
                k.extend_from_slice(&chunk[..=last]);
            }
        }
        if chunk.len() < CHUNK + len {
            return Ok(None);
        }
        p += last as u64 + 1;
    }
}

/// A `pom.properties` (stored or deflated) onto the record, when it names its
/// group, artifact and version.
fn pom(raw: &[u8], method: u64, inside: &str, record: &mut Vec<u8>) {
    let text = match method {
        0 => raw.to_vec(),
        8 => {
            let mut out = Vec::new();
            let _ = DeflateDecoder::new(raw)
                .take(MAX_PROPERTIES)
                .read_to_end(&mut out);
            out
        }
        _ => return,
    };
    let (mut group, mut artifact, mut version) = (None, None, None);
    for l in String::from_utf8_lossy(&text).lines() {
        let l = l.trim_start();
        if l.starts_with('#') || l.starts_with('!') {
            continue;
        }
        let Some(i) = l.find(['=', ':']) else {
            continue;
        };
        let value = Some(l[i + 1..].trim().to_string());
        match l[..i].trim_end() {
            "groupId" => group = value,
            "artifactId" => artifact = value,
            "version" => version = value,
            _ => {}
        }
    }
    if let (Some(g), Some(a), Some(v)) = (group, artifact, version) {
        if !g.is_empty() && !a.is_empty() {
            line(record, &["pom", inside, &g, &a, &v]);
        }
    }
}

/// One line of fields onto the record (tabs and line breaks in them made spaces),
/// while it has room.
fn line(record: &mut Vec<u8>, fields: &[&str]) {
    let len: usize = fields.iter().map(|f| f.len() + 1).sum();
    if record.len() + len > MAX_RECORD {
        return;
    }
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            record.push(b'\t');
        }
        record.extend(f.bytes().map(|b| {
            if matches!(b, b'\t' | b'\n' | b'\r') {
                b' '
            } else {
                b
            }
        }));
    }
    record.push(b'\n');
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::DeflateEncoder;

    use super::*;

    /// A zip as the tools write one: each entry stored or deflated, its sizes in
    /// its local header, or (`descriptor`) in a data descriptor after its data as
    /// `jar` writes them; then a central directory (not read).
    fn zip(entries: &[(&str, &[u8], bool, bool)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for &(name, content, deflate, descriptor) in entries {
            let data = if deflate {
                let mut e = DeflateEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(content).unwrap();
                e.finish().unwrap()
            } else {
                content.to_vec()
            };
            let offset = out.len() as u32;
            let mut header = Vec::new();
            header.extend_from_slice(LOCAL);
            header.extend_from_slice(&20u16.to_le_bytes());
            header.extend_from_slice(&(if descriptor { 8u16 } else { 0 }).to_le_bytes());
            header.extend_from_slice(&(if deflate { 8u16 } else { 0 }).to_le_bytes());
            header.extend_from_slice(&[0; 8]); // time, date, crc
            let (c, u) = if descriptor {
                (0, 0)
            } else {
                (data.len() as u32, content.len() as u32)
            };
            header.extend_from_slice(&c.to_le_bytes());
            header.extend_from_slice(&u.to_le_bytes());
            header.extend_from_slice(&(name.len() as u16).to_le_bytes());
            header.extend_from_slice(&0u16.to_le_bytes());
            header.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&header);
            out.extend_from_slice(&data);
            if descriptor {
                out.extend_from_slice(DESCRIPTOR);
                out.extend_from_slice(&[0; 4]);
                out.extend_from_slice(&(data.len() as u32).to_le_bytes());
                out.extend_from_slice(&(content.len() as u32).to_le_bytes());
            }
            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&offset.to_le_bytes());
        }
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06");
        out
    }

    fn pom(g: &str, a: &str, v: &str) -> Vec<u8> {
        format!("#Generated by Maven\ngroupId={g}\nartifactId={a}\nversion={v}\n").into_bytes()
    }

    fn read(file: &[u8]) -> String {
        let mut src = file;
        String::from_utf8(java_archive(&mut src).unwrap().unwrap_or_default()).unwrap()
    }

    #[test]
    fn reads_coordinates_whatever_way_the_entries_are_written() {
        let p = pom("org.example", "lib", "1.2.3");
        for (deflate, descriptor) in [(false, false), (true, false), (true, true), (false, true)] {
            let big = vec![b'x'; 200_000];
            let file = zip(&[
                (
                    "META-INF/MANIFEST.MF",
                    b"Manifest-Version: 1.0\n",
                    deflate,
                    descriptor,
                ),
                ("org/example/Big.class", &big, deflate, descriptor),
                (
                    "META-INF/maven/org.example/lib/pom.xml",
                    b"<project/>",
                    deflate,
                    descriptor,
                ),
                (
                    "META-INF/maven/org.example/lib/pom.properties",
                    &p,
                    deflate,
                    descriptor,
                ),
            ]);
            assert_eq!(
                read(&file),
                "pom\t\torg.example\tlib\t1.2.3\n",
                "deflate {deflate}, descriptor {descriptor}"
            );
        }
    }

    #[test]
    fn reads_the_archives_inside_one_level_down() {
        let lib = zip(&[(
            "META-INF/maven/org.example/lib/pom.properties",
            &pom("org.example", "lib", "1.0"),
            true,
            true,
        )]);
        // An archive inside an archive inside: listed, not read.
        let deeper = zip(&[("x/inner.jar", &lib, false, false)]);
        let app = zip(&[
            (
                "META-INF/maven/com.example/app/pom.properties",
                &pom("com.example", "app", "2.0"),
                true,
                false,
            ),
            ("BOOT-INF/lib/lib-1.0.jar", &lib, false, false),
            (
                "BOOT-INF/lib/plain-3.1.jar",
                &zip(&[("A.class", b"cafe", true, true)]),
                false,
                false,
            ),
            ("WEB-INF/lib/deflated.jar", &lib, true, false),
            ("BOOT-INF/lib/described.jar", &lib, true, true),
            ("BOOT-INF/lib/deeper.jar", &deeper, false, false),
        ]);
        assert_eq!(
            read(&app),
            "pom\t\tcom.example\tapp\t2.0\n\
             jar\tBOOT-INF/lib/lib-1.0.jar\n\
             pom\tBOOT-INF/lib/lib-1.0.jar\torg.example\tlib\t1.0\n\
             jar\tBOOT-INF/lib/plain-3.1.jar\n\
             jar\tWEB-INF/lib/deflated.jar\n\
             pom\tWEB-INF/lib/deflated.jar\torg.example\tlib\t1.0\n\
             jar\tBOOT-INF/lib/described.jar\n\
             pom\tBOOT-INF/lib/described.jar\torg.example\tlib\t1.0\n\
             jar\tBOOT-INF/lib/deeper.jar\n"
        );
        // A launch script before the first entry.
        let mut executable = b"#!/bin/bash\nexec java -jar \"$0\" \"$@\"\n".to_vec();
        executable.extend_from_slice(&lib);
        assert_eq!(read(&executable), "pom\t\torg.example\tlib\t1.0\n");
    }

    #[test]
    fn what_is_not_a_zip_gives_what_was_found_before_it() {
        assert_eq!(read(b"not a zip at all, though named .jar"), "");
        let p = pom("g", "a", "1");
        let file = zip(&[
            ("META-INF/maven/g/a/pom.properties", &p, false, false),
            ("b", b"bbbb", true, true),
        ]);
        // Cut inside the entry that has a descriptor: the first is kept.
        assert_eq!(read(&file[..file.len() - 30]), "pom\t\tg\ta\t1\n");
        // A pom.properties without all three is not one; tabs in a value are not
        // fields.
        let file = zip(&[
            (
                "META-INF/maven/g/a/pom.properties",
                b"groupId=g\nartifactId=a\n",
                false,
                false,
            ),
            (
                "META-INF/maven/g/b/pom.properties",
                b"groupId=g\tx\nartifactId=b\nversion:2\n",
                false,
                false,
            ),
        ]);
        assert_eq!(read(&file), "pom\t\tg x\tb\t2\n");
    }
}
