//! Pure parsing of tar headers: checksums (unsigned and signed sums), octal and
//! base-256 numbers, PAX records. No I/O here.

pub(super) fn cstr(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    &field[..end]
}

pub(super) fn check_checksum(h: &[u8; 512]) -> Result<(), String> {
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

pub(super) fn parse_octal(field: &[u8]) -> Result<u64, String> {
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
pub(super) fn parse_numeric(field: &[u8]) -> Result<u64, String> {
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
pub(super) struct PaxRecords {
    pub(super) path: Option<Vec<u8>>,
    pub(super) linkpath: Option<Vec<u8>>,
    pub(super) size: Option<u64>,
    /// GNU's sparse records (PAX sparse 0.0, 0.1 and 1.0), when there are any.
    pub(super) sparse: Option<PaxSparse>,
}

/// What GNU tar's PAX sparse formats say of a file: its name (0.1, 1.0), its real
/// size (`GNU.sparse.size` in 0.x, `realsize` in 1.0), and its map: the data
/// regions as records (0.0: `offset`/`numbytes` pairs; 0.1: `map`), or, in 1.0,
/// at the start of the data.
#[derive(Default, Debug, PartialEq)]
pub(super) struct PaxSparse {
    pub(super) name: Option<Vec<u8>>,
    pub(super) real_size: Option<u64>,
    /// Map in the data (1.0: `GNU.sparse.major=1`, `minor=0`).
    pub(super) map_in_data: bool,
    pub(super) regions: Vec<(u64, u64)>,
    /// A 0.0 `offset` record waits for its `numbytes`.
    awaiting_size: bool,
}

fn decimal(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// Parses `"<len> <key>=<value>\n"` records.
pub(super) fn parse_pax(mut data: &[u8]) -> Result<PaxRecords, String> {
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
            b"size" => out.size = Some(decimal(value).ok_or("bad size record")?),
            _ => {
                if let Some(k) = key.strip_prefix(b"GNU.sparse.") {
                    sparse_record(out.sparse.get_or_insert_with(Default::default), k, value)?;
                }
            }
        }
        data = &data[len..];
    }
    if let Some(s) = &out.sparse {
        if s.real_size.is_none() || s.awaiting_size {
            return Err("incomplete GNU sparse records".into());
        }
    }
    Ok(out)
}

/// Regions a sparse map may list (each is a data block of the file, so a real
/// map stays far below this; a crafted one must not fill memory).
pub(super) const MAX_SPARSE_REGIONS: usize = 1 << 16;

/// One `GNU.sparse.<key>=<value>` record.
fn sparse_record(s: &mut PaxSparse, key: &[u8], value: &[u8]) -> Result<(), String> {
    let number = || {
        decimal(value)
            .ok_or_else(|| format!("bad GNU.sparse.{} record", String::from_utf8_lossy(key)))
    };
    match key {
        b"name" => s.name = Some(value.to_vec()),
        b"size" | b"realsize" => s.real_size = Some(number()?),
        b"major" => s.map_in_data = number()? == 1,
        // 0.0: pairs, offset first.
        b"offset" if !s.awaiting_size => {
            s.regions.push((number()?, 0));
            s.awaiting_size = true;
        }
        b"numbytes" if s.awaiting_size => {
            if let Some(r) = s.regions.last_mut() {
                r.1 = number()?;
            }
            s.awaiting_size = false;
        }
        b"offset" | b"numbytes" => {
            return Err("GNU.sparse.offset and numbytes records out of turn".into())
        }
        // 0.1: `offset,size,offset,size...`
        b"map" => {
            s.regions.clear();
            let numbers: Vec<u64> = value
                .split(|&b| b == b',')
                .filter(|v| !v.is_empty())
                .map(|v| decimal(v).ok_or("bad GNU.sparse.map record"))
                .collect::<Result<_, _>>()?;
            if numbers.len() % 2 != 0 {
                return Err("GNU.sparse.map has an odd count of numbers".into());
            }
            s.regions.extend(numbers.chunks(2).map(|p| (p[0], p[1])));
        }
        _ => {}
    }
    if s.regions.len() > MAX_SPARSE_REGIONS {
        return Err(format!(
            "sparse map of more than {MAX_SPARSE_REGIONS} regions"
        ));
    }
    Ok(())
}

/// The sparse map of an old GNU header (typeflag `S`): four (offset, size) pairs at
/// byte 386, `isextended` at 482; each extension block holds 21 more and its own
/// flag at 504. Empty slots end the list.
pub(super) fn gnu_sparse_map(
    block: &[u8],
    slots: usize,
    regions: &mut Vec<(u64, u64)>,
) -> Result<(), String> {
    for i in 0..slots {
        let at = i * 24;
        let (offset, size) = (&block[at..at + 12], &block[at + 12..at + 24]);
        if cstr(offset).is_empty() && cstr(size).is_empty() {
            break;
        }
        let offset = parse_numeric(offset).map_err(|m| format!("sparse map: {m}"))?;
        let size = parse_numeric(size).map_err(|m| format!("sparse map: {m}"))?;
        regions.push((offset, size));
    }
    if regions.len() > MAX_SPARSE_REGIONS {
        return Err(format!(
            "sparse map of more than {MAX_SPARSE_REGIONS} regions"
        ));
    }
    Ok(())
}

/// Parses PAX sparse 1.0's map, the decimal lines at the start of a file's data:
/// the region count, then offset and size of each. Returns how many bytes of
/// `data` the map took (a whole number of 512-byte blocks), or `None` when `data`
/// does not yet hold all of it.
pub(super) fn sparse_map_in_data(
    data: &[u8],
    regions: &mut Vec<(u64, u64)>,
) -> Result<Option<usize>, String> {
    regions.clear();
    let mut lines = data.split(|&b| b == b'\n');
    let mut used = 0usize;
    let mut next = |used: &mut usize| -> Result<Option<u64>, String> {
        let line = match lines.next() {
            Some(l) if *used + l.len() < data.len() => l,
            _ => return Ok(None),
        };
        *used += line.len() + 1;
        decimal(line)
            .map(Some)
            .ok_or_else(|| "bad number in the sparse map".to_string())
    };
    let Some(count) = next(&mut used)? else {
        return Ok(None);
    };
    if count > MAX_SPARSE_REGIONS as u64 {
        return Err(format!(
            "sparse map of {count} regions (at most {MAX_SPARSE_REGIONS} are read)"
        ));
    }
    for _ in 0..count {
        let Some(offset) = next(&mut used)? else {
            return Ok(None);
        };
        let Some(size) = next(&mut used)? else {
            return Ok(None);
        };
        regions.push((offset, size));
    }
    Ok(Some(used.next_multiple_of(512)))
}

#[cfg(test)]
mod tests {
    use super::*;

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
