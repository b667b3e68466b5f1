//! Rust's `cargo auditable` list: the crates a program was built from, as JSON
//! compressed with zlib in a section named `.dep-v0`. The section is not loaded
//! (no `SHF_ALLOC`), so the linkers put it past the loaded segments, right behind
//! `.comment`: GNU ld and lld alike, on programs built here as release builds
//! leave them (symbols kept or stripped). Only the section headers at the file's
//! end say where it is, and a stream cannot go back for it: the first
//! `TAIL_WINDOW` bytes past the loaded segments are kept as they pass, then the
//! section headers are read, and the list is the section they name `.dep-v0`.
//! Where the names have passed too (lld puts them after `.symtab`), it is the
//! section not loaded that inflates to a JSON object with `packages`. A program
//! built with debug information and linked by lld has its debug sections first;
//! its list lies past the window and is not read.

use std::io::Read;

use flate2::read::ZlibDecoder;

use super::{take, Forward, SectionTable};
use crate::tar::TarError;

/// How much past the loaded segments is kept while looking for the list.
const TAIL_WINDOW: usize = 64 << 10;
/// The most of the JSON kept (a program of a thousand crates has ~150 kB).
const MAX_JSON: usize = 1 << 20;
const SHT_PROGBITS: u32 = 1;
const SHF_ALLOC: u64 = 2;
const SECTION: &[u8] = b".dep-v0";

/// One section header, as much of it as is needed.
#[derive(Debug, Clone, Copy)]
struct Section {
    name: u32,
    kind: u32,
    flags: u64,
    offset: u64,
    size: u64,
}

/// The JSON `cargo auditable` put in the program whose loaded segments end at
/// `loaded_end` (`page`: the file's start, as read), or `None`.
pub(super) fn dependencies<F: Forward>(
    src: &mut F,
    page: &[u8],
    loaded_end: u64,
    table: SectionTable,
    size: u64,
) -> Result<Option<Vec<u8>>, TarError> {
    let entry = if table.is_64 { 64 } else { 40 };
    if table.count == 0 || usize::from(table.entry_size) != entry {
        return Ok(None);
    }
    let table_len = usize::from(table.count) * entry;
    match table.offset.checked_add(table_len as u64) {
        Some(end) if table.offset >= loaded_end && end <= size => {}
        _ => return Ok(None),
    }
    // Two reads, in the file's order: the window past the loaded segments (up
    // to the section headers at most), then the headers.
    let tail_len = (table.offset - loaded_end).min(TAIL_WINDOW as u64) as usize;
    let tail = take(src, page, loaded_end, tail_len)?;
    let headers = take(src, page, table.offset, table_len)?;
    if tail.len() < tail_len || headers.len() < table_len {
        return Ok(None);
    }
    let sections: Vec<Section> = headers
        .chunks_exact(entry)
        .map(|h| parse(h, table))
        .collect();
    let in_tail = |s: &Section| -> Option<&[u8]> {
        let start = usize::try_from(s.offset.checked_sub(loaded_end)?).ok()?;
        let len = usize::try_from(s.size).ok()?;
        tail.get(start..start.checked_add(len)?)
    };
    let names = sections.get(usize::from(table.names)).and_then(in_tail);
    let candidates = sections
        .iter()
        .filter(|s| s.kind == SHT_PROGBITS && s.flags & SHF_ALLOC == 0 && s.size > 0);
    for s in candidates {
        let Some(bytes) = in_tail(s) else { continue };
        match names {
            Some(names) => {
                let name = names.get(s.name as usize..).unwrap_or_default();
                let name = name.split(|&b| b == 0).next().unwrap_or_default();
                if name == SECTION {
                    return Ok(inflate(bytes));
                }
            }
            None => {
                if let Some(json) = inflate(bytes).filter(|j| is_audit_list(j)) {
                    return Ok(Some(json));
                }
            }
        }
    }
    Ok(None)
}

/// A section header of the class and byte order `table` says.
fn parse(h: &[u8], table: SectionTable) -> Section {
    let u32_at = |at: usize| {
        let b: [u8; 4] = h[at..at + 4].try_into().expect("4 bytes");
        if table.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    };
    let u64_at = |at: usize| {
        let b: [u8; 8] = h[at..at + 8].try_into().expect("8 bytes");
        if table.big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        }
    };
    if table.is_64 {
        Section {
            name: u32_at(0),
            kind: u32_at(4),
            flags: u64_at(8),
            offset: u64_at(24),
            size: u64_at(32),
        }
    } else {
        Section {
            name: u32_at(0),
            kind: u32_at(4),
            flags: u64::from(u32_at(8)),
            offset: u64::from(u32_at(16)),
            size: u64::from(u32_at(20)),
        }
    }
}

/// The section's bytes inflated, when they are one whole zlib stream of at most
/// `MAX_JSON` bytes.
fn inflate(bytes: &[u8]) -> Option<Vec<u8>> {
    // A zlib header: deflate, its check bits right.
    let (&cmf, &flg) = (bytes.first()?, bytes.get(1)?);
    if cmf & 0x0f != 8 || (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0 {
        return None;
    }
    let mut json = Vec::new();
    ZlibDecoder::new(bytes)
        .take(MAX_JSON as u64 + 1)
        .read_to_end(&mut json)
        .ok()?;
    (json.len() <= MAX_JSON).then_some(json)
}

/// Whether `json` is what `cargo auditable` writes: an object with `packages`.
fn is_audit_list(json: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(json)
        .is_ok_and(|v| v.get("packages").is_some_and(serde_json::Value::is_array))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::ZlibEncoder;

    use super::super::program_info;
    use crate::layer::CapturedKind;

    const LIST: &str = r#"{"packages":[{"name":"itoa","version":"1.0.18","source":"crates.io"},{"name":"app","version":"0.3.1","source":"local","dependencies":[0],"root":true}],"format":1}"#;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut z = ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    /// A 64-bit little-endian ELF whose one loaded segment is its first 512
    /// bytes, then `sections` (name, flags, bytes) in that order, the section
    /// names (`.shstrtab`) after the first `names_after` of them, and the section
    /// headers.
    fn elf(sections: &[(&str, u64, Vec<u8>)], names_after: usize) -> Vec<u8> {
        let loaded = 512usize;
        let mut f = vec![0u8; loaded];
        f[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
        let put = |f: &mut Vec<u8>, at: usize, v: &[u8]| f[at..at + v.len()].copy_from_slice(v);
        put(&mut f, 16, &2u16.to_le_bytes());
        put(&mut f, 18, &62u16.to_le_bytes());
        put(&mut f, 20, &1u32.to_le_bytes());
        put(&mut f, 32, &64u64.to_le_bytes()); // e_phoff
        put(&mut f, 52, &64u16.to_le_bytes());
        put(&mut f, 54, &56u16.to_le_bytes());
        put(&mut f, 56, &1u16.to_le_bytes()); // e_phnum
        put(&mut f, 58, &64u16.to_le_bytes());
        put(&mut f, 64, &1u32.to_le_bytes()); // PT_LOAD
        put(&mut f, 64 + 32, &(loaded as u64).to_le_bytes());
        put(&mut f, 64 + 40, &(loaded as u64).to_le_bytes());
        let mut names = vec![0u8];
        let mut named = Vec::new();
        for name in sections.iter().map(|s| s.0).chain([".shstrtab"]) {
            named.push(names.len() as u32);
            names.extend_from_slice(name.as_bytes());
            names.push(0);
        }
        // (name, type, flags, offset, size) of each, the null section first.
        let mut headers = vec![(0u32, 0u32, 0u64, 0u64, 0u64)];
        let mut names_header = None;
        for (i, (_, flags, bytes)) in sections.iter().enumerate() {
            if i == names_after {
                names_header = Some((
                    named[sections.len()],
                    3,
                    0,
                    f.len() as u64,
                    names.len() as u64,
                ));
                f.extend_from_slice(&names);
            }
            headers.push((named[i], 1, *flags, f.len() as u64, bytes.len() as u64));
            f.extend_from_slice(bytes);
        }
        if names_header.is_none() {
            names_header = Some((
                named[sections.len()],
                3,
                0,
                f.len() as u64,
                names.len() as u64,
            ));
            f.extend_from_slice(&names);
        }
        headers.push(names_header.unwrap());
        let shoff = f.len() as u64;
        for (name, kind, flags, offset, size) in &headers {
            let mut h = [0u8; 64];
            h[0..4].copy_from_slice(&name.to_le_bytes());
            h[4..8].copy_from_slice(&kind.to_le_bytes());
            h[8..16].copy_from_slice(&flags.to_le_bytes());
            h[24..32].copy_from_slice(&offset.to_le_bytes());
            h[32..40].copy_from_slice(&size.to_le_bytes());
            f.extend_from_slice(&h);
        }
        put(&mut f, 40, &shoff.to_le_bytes());
        put(&mut f, 58, &64u16.to_le_bytes());
        put(&mut f, 60, &(headers.len() as u16).to_le_bytes());
        put(&mut f, 62, &(headers.len() as u16 - 1).to_le_bytes());
        f
    }

    fn probe(file: &[u8]) -> Option<String> {
        let got = program_info(&mut &file[..], file.len() as u64).unwrap();
        got.map(|(record, kind)| {
            assert_eq!(kind, CapturedKind::CargoAuditable);
            String::from_utf8(record).unwrap()
        })
    }

    fn comment() -> (&'static str, u64, Vec<u8>) {
        (".comment", 0x30, b"rustc version 1.95.0\0".to_vec())
    }

    #[test]
    fn reads_the_list_behind_the_comment() {
        let dep = (".dep-v0", 0, zlib(LIST.as_bytes()));
        // The names within the window, or (as both linkers put them, after the
        // symbols) past it, where the list is known by what it holds.
        let symtab = (".symtab", 0, vec![7u8; 100 << 10]);
        for names_after in [3, 2] {
            let file = elf(&[comment(), dep.clone(), symtab.clone()], names_after);
            assert_eq!(
                probe(&file).as_deref(),
                Some(LIST),
                "names after {names_after}"
            );
        }
        // Stripped: nothing after it but the names.
        assert_eq!(
            probe(&elf(&[comment(), dep.clone()], 2)).as_deref(),
            Some(LIST)
        );
    }

    #[test]
    fn other_sections_and_broken_lists_are_not_read() {
        let symtab = (".symtab", 0, vec![7u8; 100 << 10]);
        // No list; a list that is not zlib; a zlib stream that is not the list,
        // where only what it holds can tell.
        assert_eq!(probe(&elf(&[comment()], 1)), None);
        let junk = (".dep-v0", 0, b"not zlib".to_vec());
        assert_eq!(probe(&elf(&[comment(), junk], 2)), None);
        let other = (".other", 0, zlib(br#"{"crates":[]}"#));
        assert_eq!(probe(&elf(&[comment(), other, symtab.clone()], 2)), None);
        // A section that inflates past the limit (a zip bomb) is not kept.
        let bomb = (".dep-v0", 0, zlib(&vec![b' '; super::MAX_JSON + 1]));
        assert_eq!(probe(&elf(&[comment(), bomb], 2)), None);
        // A loaded section of that name is not the list.
        let loaded = (".dep-v0", 2, zlib(LIST.as_bytes()));
        assert_eq!(probe(&elf(&[comment(), loaded], 2)), None);
        // Past the window (lld with debug information: the list behind them).
        let dep = (".dep-v0", 0, zlib(LIST.as_bytes()));
        let debug = (".debug_info", 0, vec![1u8; super::TAIL_WINDOW]);
        assert_eq!(probe(&elf(&[comment(), debug, dep.clone()], 3)), None);
        // Cut short, or headers that lie about their count.
        let file = elf(&[comment(), dep], 2);
        assert_eq!(probe(&file[..file.len() - 10]), None);
        let mut lying = file.clone();
        lying[60] = 0xff;
        assert_eq!(probe(&lying), None);
    }
}
