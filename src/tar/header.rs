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
