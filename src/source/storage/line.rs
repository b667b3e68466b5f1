//! One line of a tar-split: a flat JSON object, as tar-split's Go writer makes it,
//! `{"type":2,"payload":"<base64>"}` or
//! `{"type":1,"name":"app/x.js","size":1106,"payload":"<crc64>","position":61}`
//! (`name_raw`, base64 of the bytes, for a name that is not UTF-8).
//!
//! A real image's tar-splits are tens of megabytes of these lines. They are read by a
//! fast path for the shape the writer makes (integers, `null`, strings without
//! escapes, known keys, no spaces), which finds each string's end with memchr
//! instead of validating base64 as UTF-8, and by serde_json for anything else. The
//! fuzz target `storage` checks that both read every line the same way.

use std::borrow::Cow;

use serde::Deserialize;

/// One line's fields, as imgsize uses them.
#[derive(Debug, PartialEq, Eq, Deserialize)]
pub(crate) struct Line<'a> {
    #[serde(rename = "type")]
    pub kind: u8,
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub name_raw: Option<Cow<'a, str>>,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(borrow, default)]
    pub payload: Option<Cow<'a, str>>,
}

/// Reads one line: the fast path, else serde_json.
pub(crate) fn parse(line: &[u8]) -> Result<Line<'_>, String> {
    match fast(line) {
        Some(l) => Ok(l),
        None => by_serde(line),
    }
}

/// serde_json's reading of a line.
pub(crate) fn by_serde(line: &[u8]) -> Result<Line<'_>, String> {
    serde_json::from_slice(line).map_err(|e| format!("not tar-split: {e}"))
}

/// The fast path: `None` for anything but the writer's own shape (serde_json then
/// reads it, or says what is wrong with it).
pub(crate) fn fast(line: &[u8]) -> Option<Line<'_>> {
    let mut at = 0;
    let eat =
        |b: u8, at: &mut usize| -> Option<()> { (line.get(*at) == Some(&b)).then(|| *at += 1) };
    eat(b'{', &mut at)?;
    let (mut kind, mut name, mut name_raw, mut size, mut payload) = (None, None, None, None, None);
    let mut position = None;
    loop {
        let key = string(line, &mut at)?;
        eat(b':', &mut at)?;
        match key {
            "type" => set(&mut kind, u8::try_from(integer(line, &mut at)?).ok()?)?,
            "size" => set(&mut size, nullable(line, &mut at, integer)?)?,
            "position" => set(&mut position, nullable(line, &mut at, integer)?)?,
            "name" => set(&mut name, nullable(line, &mut at, string)?)?,
            "name_raw" => set(&mut name_raw, nullable(line, &mut at, string)?)?,
            "payload" => set(&mut payload, nullable(line, &mut at, string)?)?,
            _ => return None,
        }
        match line.get(at)? {
            b',' => at += 1,
            b'}' => {
                at += 1;
                break;
            }
            _ => return None,
        }
    }
    // JSON's whitespace, which is not all of ASCII's (a form feed is not).
    if !line[at..]
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        return None;
    }
    Some(Line {
        kind: kind?,
        name: name.flatten().map(Cow::Borrowed),
        name_raw: name_raw.flatten().map(Cow::Borrowed),
        size: size.flatten(),
        payload: payload.flatten().map(Cow::Borrowed),
    })
}

/// Sets a field once: a key given twice is serde's to judge.
fn set<T>(slot: &mut Option<T>, v: T) -> Option<()> {
    slot.is_none().then(|| *slot = Some(v))
}

/// `null`, or what `value` reads.
fn nullable<'a, T>(
    line: &'a [u8],
    at: &mut usize,
    value: fn(&'a [u8], &mut usize) -> Option<T>,
) -> Option<Option<T>> {
    if line[*at..].starts_with(b"null") {
        *at += 4;
        return Some(None);
    }
    value(line, at).map(Some)
}

/// A string without escapes or control characters, as UTF-8.
fn string<'a>(line: &'a [u8], at: &mut usize) -> Option<&'a str> {
    if line.get(*at) != Some(&b'"') {
        return None;
    }
    let start = *at + 1;
    let end = start + memchr::memchr2(b'"', b'\\', &line[start..])?;
    if line[end] != b'"' {
        return None;
    }
    let s = &line[start..end];
    // Without an early exit, so that it runs on whole vectors: a payload is
    // hundreds of bytes.
    if s.iter().fold(false, |c, &b| c | (b < 0x20)) {
        return None;
    }
    *at = end + 1;
    if s.is_ascii() {
        // SAFETY: ASCII is UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(s) })
    } else {
        std::str::from_utf8(s).ok()
    }
}

/// A non-negative integer without sign, fraction or exponent, that fits a u64.
fn integer(line: &[u8], at: &mut usize) -> Option<u64> {
    let digits = line[*at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    // A leading zero is JSON only alone ("0"); anything longer is serde's to refuse.
    if digits == 0 || (digits > 1 && line[*at] == b'0') {
        return None;
    }
    if matches!(line.get(*at + digits), Some(b'.' | b'e' | b'E')) {
        return None;
    }
    let mut n: u64 = 0;
    for &b in &line[*at..*at + digits] {
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    *at += digits;
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writers_lines_are_read_fast_and_as_serde_reads_them() {
        for line in [
            &br#"{"type":2,"payload":"YXBwLwAA"}"#[..],
            br#"{"type":1,"name":"app/x.js","size":1106,"payload":"AAAA","position":61}"#,
            br#"{"type":1,"name":"app/","payload":null,"position":1}"#,
            br#"{"type":1,"name_raw":"/w==","size":3,"payload":null,"position":2}"#,
            br#"{"type":2,"payload":"","position":0}
"#,
        ] {
            let fast = fast(line).unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(line)));
            assert_eq!(Ok(fast), by_serde(line));
        }
    }

    #[test]
    fn anything_else_is_left_to_serde() {
        for line in [
            &br#"{"type":1,"name":"a\u0026b","size":1}"#[..],
            br#"{ "type":2,"payload":""}"#,
            br#"{"type":2,"payload":"","payload":""}"#,
            br#"{"type":2,"size":-1}"#,
            br#"{"type":2,"size":01}"#,
            br#"{"type":2,"size":1e3}"#,
            br#"{"type":300}"#,
            br#"{"type":2,"other":1}"#,
            br#"{"type":2} x"#,
            // Found by the fuzz target: ASCII's whitespace, not JSON's.
            b"{\"type\":1}\r\x0c\n",
            br#"{"type":2,"size":18446744073709551616}"#,
            b"{\"type\":2,\"name\":\"\xff\"}",
        ] {
            assert_eq!(fast(line), None, "{}", String::from_utf8_lossy(line));
        }
        // Escapes and spaces are JSON all the same.
        let l = parse(br#"{ "type":1, "name":"a\u0026b", "size":1 }"#).unwrap();
        assert_eq!(l.name.as_deref(), Some("a&b"));
        assert!(parse(br#"{"type":2,"size":-1}"#).is_err());
    }
}
