//! What a program says it is made of, read while its layer is scanned: Go's build
//! information (`go`: the toolchain and every module linked in, what `go version
//! -m` prints) and Rust's `cargo auditable` list (`rust`: the crates it was built
//! from). Only the bytes that hold them are read, front to back, so that a stream
//! passes each byte once: the ELF header and program headers in the file's first
//! page, then what the program's kind names: for a program whose notes say Go's
//! linker made it, the start of its writable data segment; for any other, the
//! first bytes past its loaded segments and its section headers.

mod go;
mod rust;

use object::elf::{FileHeader32, FileHeader64, PF_W, PF_X, PT_LOAD, PT_NOTE};
use object::read::elf::{FileHeader, ProgramHeader};
use object::Endianness;
use xxhash_rust::xxh3::Xxh3;

use super::CapturedKind;
use crate::tar::{BlockSource, TarError, TarWalker};

/// The first bytes read of a candidate: the ELF header, the program headers and
/// the notes the linkers put before the code.
const FIRST_PAGE: usize = 4096;
/// The note Go's linker leaves in every ELF program: owner `Go`, type 4.
const GO_NOTE_TYPE: u32 = 4;

/// Where a probe's bytes come from: read front to back, each call starting at or
/// after where the one before ended.
pub(crate) trait Forward {
    /// Up to `len` bytes at `at` (fewer at the file's end).
    fn read_at(&mut self, at: u64, len: usize) -> Result<Vec<u8>, TarError>;
}

/// The current entry of a tar walk; with `hash`, every byte of it passes through
/// the hash, the parts skipped as well (`--content`).
pub(super) struct EntryPart<'a, S> {
    pub walker: &'a mut TarWalker<S>,
    pub hash: Option<&'a mut Xxh3>,
    /// Where the next byte of the entry's content is.
    pub pos: u64,
}

impl<S: BlockSource> Forward for EntryPart<'_, S> {
    fn read_at(&mut self, at: u64, len: usize) -> Result<Vec<u8>, TarError> {
        let gap = at.checked_sub(self.pos).ok_or_else(|| {
            TarError::Io(std::io::Error::other(
                "a program's parts were read out of order",
            ))
        })?;
        let part = match self.hash.as_deref_mut() {
            None => self.walker.read_content_part(gap, len)?,
            Some(h) => {
                let mut left = gap;
                while left > 0 {
                    let skipped = self
                        .walker
                        .read_content_part(0, left.min(64 << 10) as usize)?;
                    if skipped.is_empty() {
                        break;
                    }
                    h.update(&skipped);
                    left -= skipped.len() as u64;
                }
                let part = self.walker.read_content_part(0, len)?;
                h.update(&part);
                part
            }
        };
        self.pos = at + part.len() as u64;
        Ok(part)
    }
}

/// A whole file in memory (fuzzing, tests).
impl Forward for &[u8] {
    fn read_at(&mut self, at: u64, len: usize) -> Result<Vec<u8>, TarError> {
        let start = usize::try_from(at).unwrap_or(usize::MAX).min(self.len());
        let end = start.saturating_add(len).min(self.len());
        Ok(self[start..end].to_vec())
    }
}

/// What a program says it is made of, as the scan keeps it: Go's build
/// information (`go::build_info`) or Rust's `cargo auditable` list
/// (`rust::dependencies`); `None` for a file that is neither (most programs, every
/// script).
pub(crate) fn program_info<F: Forward>(
    src: &mut F,
    size: u64,
) -> Result<Option<(Vec<u8>, CapturedKind)>, TarError> {
    if size < 64 {
        return Ok(None);
    }
    let mut page = src.read_at(0, 64)?;
    if !page.starts_with(b"\x7fELF") {
        return Ok(None);
    }
    match page[4] {
        1 => probe::<FileHeader32<Endianness>, F>(src, &mut page, size),
        2 => probe::<FileHeader64<Endianness>, F>(src, &mut page, size),
        _ => Ok(None),
    }
}

/// Where an ELF file's section headers are, as its header says.
#[derive(Debug, Clone, Copy)]
struct SectionTable {
    offset: u64,
    count: u16,
    entry_size: u16,
    /// The index of the section that holds the sections' names.
    names: u16,
    is_64: bool,
    big_endian: bool,
}

/// The program headers and notes of the ELF file whose header `page` holds (read
/// on as far as they reach, within the first page: most programs' ~1 kB, so a
/// layer's thousand `.so` files cost a read each of that, not of a page), then
/// the reader its kind calls for.
fn probe<H: FileHeader<Endian = Endianness>, F: Forward>(
    src: &mut F,
    page: &mut Vec<u8>,
    size: u64,
) -> Result<Option<(Vec<u8>, CapturedKind)>, TarError> {
    let mut read_to = |page: &mut Vec<u8>, end: u64| -> Result<bool, TarError> {
        if end > FIRST_PAGE as u64 {
            return Ok(false);
        }
        let end = end as usize;
        if end > page.len() {
            let more = src.read_at(page.len() as u64, end - page.len())?;
            page.extend(more);
        }
        Ok(end <= page.len())
    };
    let Ok(header) = H::parse(&page[..]) else {
        return Ok(None);
    };
    let Ok(endian) = header.endian() else {
        return Ok(None);
    };
    let sections = SectionTable {
        offset: header.e_shoff(endian).into(),
        count: header.e_shnum(endian),
        entry_size: header.e_shentsize(endian),
        names: header.e_shstrndx(endian),
        is_64: header.is_type_64(),
        big_endian: endian == Endianness::Big,
    };
    let phoff: u64 = header.e_phoff(endian).into();
    let phdrs_end = u64::from(header.e_phnum(endian))
        .checked_mul(u64::from(header.e_phentsize(endian)))
        .and_then(|n| n.checked_add(phoff));
    match phdrs_end {
        Some(end) if read_to(page, end)? => {}
        _ => return Ok(None),
    }
    let Ok(phdrs) = H::parse(&page[..]).and_then(|h| h.program_headers(endian, &page[..])) else {
        return Ok(None);
    };
    let notes_end = phdrs
        .iter()
        .filter(|p| p.p_type(endian) == PT_NOTE)
        .filter_map(|p| {
            let (off, len): (u64, u64) = (p.p_offset(endian).into(), p.p_filesz(endian).into());
            off.checked_add(len).filter(|&e| e <= FIRST_PAGE as u64)
        })
        .max();
    let phdrs = phdrs.to_vec();
    if let Some(end) = notes_end {
        read_to(page, end)?;
    }
    let go_note = phdrs
        .iter()
        .filter(|p| p.p_type(endian) == PT_NOTE)
        .filter_map(|p| p.notes(endian, &page[..]).ok().flatten())
        .any(|mut notes| {
            while let Ok(Some(note)) = notes.next() {
                if note.name() == b"Go" && note.n_type(endian) == GO_NOTE_TYPE {
                    return true;
                }
            }
            false
        });
    let loads = phdrs.iter().filter(|p| p.p_type(endian) == PT_LOAD);
    if go_note {
        let data = loads
            .clone()
            .find(|p| p.p_flags(endian) & (PF_X | PF_W) == PF_W)
            .map(|p| p.p_offset(endian).into());
        let Some(data_start) = data else {
            return Ok(None);
        };
        let info = go::build_info(src, page, data_start, size)?;
        return Ok(info.map(|i| (i, CapturedKind::GoBuildInfo)));
    }
    // Where the loaded segments end in the file: past them, what is not loaded.
    let loaded_end = loads
        .map(|p| {
            let (off, len): (u64, u64) = (p.p_offset(endian).into(), p.p_filesz(endian).into());
            off.saturating_add(len)
        })
        .max();
    let Some(loaded_end) = loaded_end else {
        return Ok(None);
    };
    let deps = rust::dependencies(src, page, loaded_end, sections, size)?;
    Ok(deps.map(|d| (d, CapturedKind::CargoAuditable)))
}

/// `len` bytes at `at`: from the page already read where they overlap, the rest
/// read on (each call at or past where the one before ended).
fn take<F: Forward>(src: &mut F, page: &[u8], at: u64, len: usize) -> Result<Vec<u8>, TarError> {
    let mut out = match usize::try_from(at) {
        Ok(s) if s < page.len() => page[s..page.len().min(s.saturating_add(len))].to_vec(),
        _ => Vec::new(),
    };
    if out.len() < len {
        out.extend(src.read_at(at + out.len() as u64, len - out.len())?);
    }
    Ok(out)
}
