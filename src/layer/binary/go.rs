//! Go's build information: the toolchain and every module linked in (what `go
//! version -m` prints), read from the start of the program's writable data
//! segment, where the linkers put `.go.buildinfo` (Go's first; the system's, with
//! `-linkmode=external`, some kB after the relocations). Go's own reader
//! (`debug/buildinfo`) looks there too when a binary has no section headers: the
//! build information's 16-byte aligned magic within the segment's first 64 KiB.
//!
//! Since Go 1.18 the strings follow the header inline; a binary from an older Go
//! points at them by address, and is told as Go without its modules.

use super::{take, Forward};
use crate::tar::TarError;

/// How far into the data segment the build information is looked for.
const DATA_WINDOW: usize = 64 << 10;
/// The most of the strings kept (a program with a thousand modules has ~100 kB).
const MAX_STRINGS: usize = 1 << 20;
const MAGIC: &[u8; 14] = b"\xff Go buildinf:";

/// A Go program's build information, its writable data segment starting at
/// `data_start` (`page`: the file's start, as read): the toolchain's version
/// (`go1.19.8`, or empty for a Go older than 1.18) and the module information
/// (`path`, `mod`, `dep`, `=>` and `build` lines, tab-separated), as the captured
/// record of the binary.
pub(super) fn build_info<F: Forward>(
    src: &mut F,
    page: &[u8],
    data_start: u64,
    size: u64,
) -> Result<Option<Vec<u8>>, TarError> {
    if data_start >= size {
        return Ok(None);
    }
    // The window from the segment's start: from the page already read where they
    // overlap, then read on; it always ends where the last read did.
    let mut window = take(src, page, data_start, DATA_WINDOW)?;
    let mut grow = |window: &mut Vec<u8>, to: usize| -> Result<(), TarError> {
        if to > window.len() {
            let at = data_start + window.len() as u64;
            window.extend(src.read_at(at, to - window.len())?);
        }
        Ok(())
    };
    // 16-byte aligned in memory, so in the file (a segment's offset and address
    // agree modulo its alignment); the segment itself need not start aligned.
    let first = ((16 - data_start % 16) % 16) as usize;
    let Some(at) = (first..window.len())
        .step_by(16)
        .find(|&i| window[i..].starts_with(MAGIC))
    else {
        return Ok(None);
    };
    let flags = window.get(at + 15).copied().unwrap_or(0);
    if flags & 2 == 0 {
        // Go before 1.18: the strings are pointed at, not inline.
        return Ok(Some(b"\n".to_vec()));
    }
    // Two strings after the 32-byte header, each a varint length and its bytes,
    // read on past the window when they run past it (to MAX_STRINGS).
    let mut pos = at + 32;
    let mut strings = Vec::with_capacity(2);
    for _ in 0..2 {
        grow(&mut window, pos + 10)?;
        let Some((len, n)) = window.get(pos..).and_then(uvarint) else {
            return Ok(None);
        };
        let end = match usize::try_from(len) {
            Ok(l) if l <= MAX_STRINGS => pos + n + l,
            _ => return Ok(None),
        };
        grow(&mut window, end)?;
        if end > window.len() {
            return Ok(None);
        }
        strings.push(window[pos + n..end].to_vec());
        pos = end;
    }
    let (version, mut info) = (strings.remove(0), strings.remove(0));
    // The module information is wrapped in 16 bytes of sentinel on each side.
    if info.len() >= 33 && info[info.len() - 17] == b'\n' {
        info = info[16..info.len() - 16].to_vec();
    }
    if version.contains(&b'\n') {
        return Ok(None);
    }
    let mut record = version;
    record.push(b'\n');
    record.extend_from_slice(&info);
    Ok(Some(record))
}

/// Go's unsigned varint: the value and the bytes it took.
fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use object::elf::{PF_W, PT_LOAD, PT_NOTE};

    use super::super::{program_info, GO_NOTE_TYPE};
    use super::*;
    use crate::layer::CapturedKind;

    /// A 64-bit little-endian ELF with a PT_NOTE (Go's note when `go_note`) and a
    /// writable PT_LOAD at `data_at`, whose bytes are `data`.
    pub(crate) fn elf(go_note: bool, data_at: usize, data: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; data_at];
        f[..4].copy_from_slice(b"\x7fELF");
        f[4] = 2; // 64-bit
        f[5] = 1; // little-endian
        f[6] = 1;
        let put16 =
            |f: &mut Vec<u8>, at: usize, v: u16| f[at..at + 2].copy_from_slice(&v.to_le_bytes());
        let put32 =
            |f: &mut Vec<u8>, at: usize, v: u32| f[at..at + 4].copy_from_slice(&v.to_le_bytes());
        let put64 =
            |f: &mut Vec<u8>, at: usize, v: u64| f[at..at + 8].copy_from_slice(&v.to_le_bytes());
        put16(&mut f, 16, 2);
        put16(&mut f, 18, 62);
        put32(&mut f, 20, 1);
        put64(&mut f, 32, 64); // e_phoff
        put16(&mut f, 52, 64);
        put16(&mut f, 54, 56);
        put16(&mut f, 56, 2); // e_phnum
        put16(&mut f, 58, 64);
        // The note at 176: namesz 3, descsz 4, type 4, "Go\0" padded, 4 bytes.
        let (note_at, note_len) = (176usize, 20u64);
        put32(&mut f, 64, PT_NOTE);
        put64(&mut f, 64 + 8, note_at as u64);
        put64(&mut f, 64 + 32, note_len);
        put64(&mut f, 64 + 40, note_len);
        put64(&mut f, 64 + 48, 4);
        put32(&mut f, 120, PT_LOAD);
        put32(&mut f, 124, PF_W | 4);
        put64(&mut f, 120 + 8, data_at as u64);
        put64(&mut f, 120 + 16, 0x40_0000 + data_at as u64);
        put64(&mut f, 120 + 32, data.len() as u64);
        put64(&mut f, 120 + 40, data.len() as u64);
        put64(&mut f, 120 + 48, 0x1000);
        put32(&mut f, note_at, 3);
        put32(&mut f, note_at + 4, 4);
        put32(&mut f, note_at + 8, if go_note { GO_NOTE_TYPE } else { 3 });
        f[note_at + 12..note_at + 15].copy_from_slice(if go_note { b"Go\0" } else { b"GN\0" });
        f.extend_from_slice(data);
        f
    }

    /// Build information as Go 1.18+ writes it: at `at` (from the data's start),
    /// the header, then the two strings inline.
    fn blob(at: usize, version: &str, info: &str) -> Vec<u8> {
        let mut d = vec![0u8; at];
        d.extend_from_slice(MAGIC);
        d.extend_from_slice(&[8, 2]);
        d.resize(at + 32, 0);
        for s in [version, info] {
            let mut n = s.len();
            while n >= 0x80 {
                d.push((n as u8) | 0x80);
                n >>= 7;
            }
            d.push(n as u8);
            d.extend_from_slice(s.as_bytes());
        }
        d
    }

    fn probe(file: &[u8]) -> Option<Vec<u8>> {
        let got = program_info(&mut &file[..], file.len() as u64).unwrap();
        got.map(|(record, kind)| {
            assert_eq!(kind, CapturedKind::GoBuildInfo);
            record
        })
    }

    #[test]
    fn reads_a_go_programs_build_information() {
        let sentinel = "0123456789abcdef";
        let info = format!("{sentinel}path\tx\nmod\tx\t(devel)\t\n{sentinel}");
        // The segment starts 8 bytes past a 16-byte boundary: the magic is aligned
        // in the file, 8 bytes in.
        let file = elf(true, 4096 + 8, &blob(8, "go1.19.8", &info));
        assert_eq!(
            probe(&file).as_deref(),
            Some(&b"go1.19.8\npath\tx\nmod\tx\t(devel)\t\n"[..])
        );
        // Strings that run past the 64 KiB window are read on.
        let long = format!("path\t{}\n", "m".repeat(100_000));
        let file = elf(true, 8192, &blob(DATA_WINDOW - 48, "go1.21.0", &long));
        let got = probe(&file).unwrap();
        assert_eq!(got.len(), "go1.21.0\n".len() + long.len());
        // A segment that starts inside the first page.
        let file = elf(true, 512, &blob(0, "go1.20", "path\ty\n"));
        assert_eq!(probe(&file).as_deref(), Some(&b"go1.20\npath\ty\n"[..]));
    }

    #[test]
    fn other_programs_and_broken_ones_are_not_go() {
        let b = blob(0, "go1.19.8", "path\tx\n");
        // No Go note: not looked for.
        assert_eq!(probe(&elf(false, 4096, &b)), None);
        // A magic off the 16-byte grid is not one.
        let mut off = vec![0u8; 4];
        off.extend_from_slice(&b);
        assert_eq!(probe(&elf(true, 4096, &off)), None);
        // Strings cut short, or a length past the file.
        let file = elf(true, 4096, &b);
        assert_eq!(probe(&file[..file.len() - 3]), None);
        let mut huge = blob(0, "go1", "");
        huge.truncate(32);
        huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert_eq!(probe(&elf(true, 4096, &huge)), None);
        // Go before 1.18 (no inline strings): Go, nothing more.
        let mut old = b.clone();
        old[15] = 0;
        assert_eq!(probe(&elf(true, 4096, &old)).as_deref(), Some(&b"\n"[..]));
        // Not ELF, too short, a header that lies.
        assert_eq!(probe(b"#!/bin/sh\nexec true\n"), None);
        assert_eq!(probe(&[0x7f, b'E', b'L', b'F']), None);
        let mut lying = elf(true, 4096, &b);
        lying[56] = 0xff; // e_phnum
        assert_eq!(probe(&lying), None);
    }
}
