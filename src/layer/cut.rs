//! Where a layer blob can be cut for the parallel decoders: at gzip member starts
//! (eStargz's table of contents lists them; its footer says where the TOC is) and
//! at zstd frame starts (a frame's blocks say how long they are, so frames are
//! walked without decoding them).

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;

use super::decode::gzip_reader;
use super::parallel::UNIT;
use super::Compression;
use crate::tar::{BlockSource, SectionSource};

/// eStargz's footer: an empty gzip member whose extra field holds the TOC's offset.
const ESTARGZ_FOOTER: u64 = 51;

/// The TOC member is read whole, and its JSON at most this long (a real one holds
/// a few hundred bytes per file); a larger one is not believed.
const MAX_TOC: u64 = 256 << 20;

/// Where the blob `[start, start + len)` of `file` can be cut: unit starts
/// (relative to `start`), first 0, then `len`. `None` when there is one unit.
pub(super) fn units(
    file: &File,
    start: u64,
    len: u64,
    compression: Compression,
) -> Option<Vec<u64>> {
    let starts = match compression {
        Compression::Gzip => estargz_member_starts(file, start, len)?,
        Compression::Zstd => zstd_frame_starts(file, start, len)?,
        Compression::None => return None,
    };
    let mut units = vec![0];
    for s in starts {
        let last = *units.last().unwrap_or(&0);
        if s >= last + UNIT && s < len {
            units.push(s);
        }
    }
    if units.len() < 2 {
        return None;
    }
    if compression == Compression::Gzip {
        // Every cut must be a member's start; a TOC that says otherwise is not used.
        let mut magic = [0u8; 3];
        for &u in &units {
            file.read_exact_at(&mut magic, start + u).ok()?;
            if magic != [0x1f, 0x8b, 8] {
                return None;
            }
        }
    }
    units.push(len);
    Some(units)
}

/// The member starts eStargz's TOC lists (each file's content, each chunk, the TOC
/// itself), sorted; `None` if the blob has no eStargz footer.
pub(super) fn estargz_member_starts(file: &File, start: u64, len: u64) -> Option<Vec<u64>> {
    let toc_at = estargz_toc_offset(file, start, len)?;
    let toc_len = len - ESTARGZ_FOOTER - toc_at;
    if toc_len > MAX_TOC {
        return None;
    }
    let mut member = vec![0u8; toc_len as usize];
    file.read_exact_at(&mut member, start + toc_at).ok()?;
    let mut archive = ::tar::Archive::new(gzip_reader(member.as_slice()));
    let mut json = Vec::new();
    for entry in archive.entries().ok()? {
        let entry = entry.ok()?;
        if entry.path_bytes().as_ref() == b"stargz.index.json" {
            entry.take(MAX_TOC + 1).read_to_end(&mut json).ok()?;
            break;
        }
    }
    #[derive(serde::Deserialize)]
    struct Toc {
        entries: Vec<TocEntry>,
    }
    #[derive(serde::Deserialize)]
    struct TocEntry {
        #[serde(default)]
        offset: u64,
    }
    if json.len() as u64 > MAX_TOC {
        return None;
    }
    let toc: Toc = serde_json::from_slice(&json).ok()?;
    let mut starts: Vec<u64> = toc
        .entries
        .iter()
        .map(|e| e.offset)
        .filter(|&o| o > 0 && o < toc_at)
        .collect();
    starts.push(toc_at);
    starts.sort_unstable();
    starts.dedup();
    Some(starts)
}

/// The TOC's offset from eStargz's 51-byte footer: a gzip member with an extra
/// field `SG`, 22 bytes, `%016x` of the offset, `STARGZ`.
pub(super) fn estargz_toc_offset(file: &File, start: u64, len: u64) -> Option<u64> {
    if len < ESTARGZ_FOOTER * 2 {
        return None;
    }
    let mut f = [0u8; ESTARGZ_FOOTER as usize];
    file.read_exact_at(&mut f, start + len - ESTARGZ_FOOTER)
        .ok()?;
    let extra_len = u16::from_le_bytes([f[10], f[11]]);
    let sub_len = u16::from_le_bytes([f[14], f[15]]);
    if f[..3] != [0x1f, 0x8b, 8]
        || f[3] & 4 == 0
        || extra_len != 26
        || &f[12..14] != b"SG"
        || sub_len != 22
        || &f[32..38] != b"STARGZ"
    {
        return None;
    }
    let offset = u64::from_str_radix(std::str::from_utf8(&f[16..32]).ok()?, 16).ok()?;
    (offset > 0 && offset < len - ESTARGZ_FOOTER).then_some(offset)
}

/// Where each frame (and skippable frame) starts, walked by frame and block
/// headers; `None` for a single frame or a blob that is not a run of frames.
pub(super) fn zstd_frame_starts(file: &File, start: u64, len: u64) -> Option<Vec<u64>> {
    let mut src = SectionSource::new(file, start, len, 16 << 10);
    let mut starts = Vec::new();
    let mut p = 0u64;
    while p < len {
        starts.push(p);
        let magic = u32::from_le_bytes(bytes_at(&mut src, len, p)?);
        if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
            let size = u32::from_le_bytes(bytes_at(&mut src, len, p + 4)?);
            p += 8 + u64::from(size);
            continue;
        }
        if magic != 0xFD2F_B528 {
            return None;
        }
        let [fhd] = bytes_at(&mut src, len, p + 4)?;
        let single_segment = fhd & 0x20 != 0;
        let fcs = match fhd >> 6 {
            0 => u64::from(single_segment),
            1 => 2,
            2 => 4,
            _ => 8,
        };
        let dict = [0, 1, 2, 4][usize::from(fhd & 3)];
        let mut q = p + 5 + u64::from(!single_segment) + dict + fcs;
        loop {
            let [b0, b1, b2] = bytes_at(&mut src, len, q)?;
            let h = u32::from_le_bytes([b0, b1, b2, 0]);
            let size = u64::from(h >> 3);
            q += 3 + match (h >> 1) & 3 {
                1 => 1,
                3 => return None,
                _ => size,
            };
            if h & 1 == 1 {
                break;
            }
        }
        if fhd & 4 != 0 {
            q += 4;
        }
        p = q;
    }
    (p == len && starts.len() > 1).then_some(starts)
}

/// `N` bytes at `pos` of the section, which must not be before where the last read
/// ended: frames are walked forward, through the section's buffer (a jump beyond
/// it is one seek). `None` past the end.
fn bytes_at<const N: usize>(src: &mut SectionSource<&File>, len: u64, pos: u64) -> Option<[u8; N]> {
    let here = len - src.remaining()?;
    src.skip(pos.checked_sub(here)?).ok()?;
    let mut b = [0u8; N];
    (src.read_full(&mut b).ok()? == N).then_some(b)
}
