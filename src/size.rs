//! Byte sizes as people read and write them: SI units for display (as `docker images`
//! and dive print them: 1 MB = 10^6 bytes), and parsing of `200MB`, `200MiB`, `1.5GB`,
//! `0B` or plain byte counts for budgets.

/// Formats a byte count in SI units with three significant digits: `0 B`, `512 B`,
/// `1.23 kB`, `45.6 MB`, `1.20 GB`.
pub(crate) fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["kB", "MB", "GB", "TB", "PB", "EB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for u in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = u;
    }
    if value >= 100.0 {
        format!("{value:.0} {unit}")
    } else if value >= 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.2} {unit}")
    }
}

/// Formats a signed difference with an explicit sign: `+1.20 MB`, `-512 B`, `0 B`.
pub(crate) fn human_delta(delta: i128) -> String {
    let magnitude = u64::try_from(delta.unsigned_abs()).unwrap_or(u64::MAX);
    match delta {
        0 => "0 B".to_string(),
        d if d > 0 => format!("+{}", human(magnitude)),
        _ => format!("-{}", human(magnitude)),
    }
}

/// Parses a size: a number (decimals allowed) and an optional unit. `B`, `kB`/`KB`,
/// `MB`, `GB`, `TB` are powers of 1000; `KiB`, `MiB`, `GiB`, `TiB` powers of 1024.
/// Units are case-insensitive except that the `i` marks the binary ones.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let s = text.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let unit = unit.trim();
    if number.is_empty() {
        return Err(format!(
            "'{text}' is not a size (expected e.g. 200MB, 1.5GiB, 0B)"
        ));
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size (bad number '{number}')"))?;
    let factor: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(format!(
                "'{text}' has an unknown unit '{unit}' (use B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            ))
        }
    };
    let bytes = (value * factor).round();
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(format!("'{text}' is out of range"));
    }
    Ok(bytes as u64)
}

/// A limit that is either an absolute size or a percentage of something.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SizeOrPercent {
    Bytes(u64),
    Percent(f64),
}

impl SizeOrPercent {
    pub(crate) fn parse(text: &str) -> Result<SizeOrPercent, String> {
        let s = text.trim();
        if let Some(p) = s.strip_suffix('%') {
            let v: f64 = p
                .trim()
                .parse()
                .map_err(|_| format!("'{text}' is not a percentage"))?;
            if !v.is_finite() || v < 0.0 {
                return Err(format!("'{text}' is not a percentage"));
            }
            return Ok(SizeOrPercent::Percent(v));
        }
        parse_size(s).map(SizeOrPercent::Bytes)
    }

    /// The limit in bytes, percentages taken of `base`.
    pub(crate) fn bytes_of(self, base: u64) -> u64 {
        match self {
            SizeOrPercent::Bytes(b) => b,
            SizeOrPercent::Percent(p) => (base as f64 * p / 100.0).floor() as u64,
        }
    }
}

impl std::fmt::Display for SizeOrPercent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SizeOrPercent::Bytes(b) => write!(f, "{}", human(*b)),
            SizeOrPercent::Percent(p) => write!(f, "{p}%"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_uses_si_units() {
        assert_eq!(human(0), "0 B");
        assert_eq!(human(999), "999 B");
        assert_eq!(human(1000), "1.00 kB");
        assert_eq!(human(1_234_567), "1.23 MB");
        assert_eq!(human(45_600_000), "45.6 MB");
        assert_eq!(human(800_000_000), "800 MB");
        assert_eq!(human(1_200_000_000), "1.20 GB");
    }

    #[test]
    fn deltas_carry_a_sign() {
        assert_eq!(human_delta(0), "0 B");
        assert_eq!(human_delta(1_500_000), "+1.50 MB");
        assert_eq!(human_delta(-512), "-512 B");
    }

    #[test]
    fn parses_si_and_binary_units() {
        assert_eq!(parse_size("200MB"), Ok(200_000_000));
        assert_eq!(parse_size("200MiB"), Ok(200 * 1024 * 1024));
        assert_eq!(parse_size("1.5GB"), Ok(1_500_000_000));
        assert_eq!(parse_size("0B"), Ok(0));
        assert_eq!(parse_size("12345"), Ok(12345));
        assert_eq!(parse_size(" 20 mb "), Ok(20_000_000));
        assert_eq!(parse_size("1kB"), Ok(1000));
        assert_eq!(parse_size("1KiB"), Ok(1024));
    }

    #[test]
    fn rejects_bad_sizes() {
        assert!(parse_size("").is_err());
        assert!(parse_size("MB").is_err());
        assert!(parse_size("12XB").is_err());
        assert!(parse_size("1.2.3MB").is_err());
        assert!(parse_size("-5MB").is_err());
    }

    #[test]
    fn size_or_percent() {
        assert_eq!(
            SizeOrPercent::parse("10%"),
            Ok(SizeOrPercent::Percent(10.0))
        );
        assert_eq!(
            SizeOrPercent::parse("5MB"),
            Ok(SizeOrPercent::Bytes(5_000_000))
        );
        assert_eq!(SizeOrPercent::Percent(10.0).bytes_of(1000), 100);
        assert!(SizeOrPercent::parse("x%").is_err());
    }
}
