//! Turning bytes from the image (paths, instructions) into text that is safe to print.

use std::borrow::Cow;

/// A path for output: valid UTF-8 is kept; invalid bytes become `\xNN`, control
/// characters are escaped, so a name can never break a table row or a JSON line.
pub fn path_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 1);
    for chunk in bytes.utf8_chunks() {
        for ch in chunk.valid().chars() {
            if ch.is_control() {
                out.extend(ch.escape_default());
            } else {
                out.push(ch);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// [`path_text`] without a copy for the common case: valid UTF-8 with nothing to
/// escape is borrowed as it is.
pub(crate) fn path_str(bytes: &[u8]) -> Cow<'_, str> {
    // Nearly every path is printable ASCII: one vectorizable pass says so.
    if bytes.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        if let Ok(s) = std::str::from_utf8(bytes) {
            return Cow::Borrowed(s);
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(s) if !s.chars().any(char::is_control) => Cow::Borrowed(s),
        _ => Cow::Owned(path_text(bytes)),
    }
}

/// `s` if it has at most `max` characters; else its start and end with
/// `…(N chars)…` between, `max` characters or so in all.
pub(crate) fn elide(s: &str, max: usize) -> String {
    let count = s.chars().count();
    if count <= max {
        return s.to_string();
    }
    let keep = max.saturating_sub(20) / 2;
    let head: String = s.chars().take(keep).collect();
    let tail: String = s.chars().skip(count - keep).collect();
    format!("{head}…({} chars)…{tail}", count - 2 * keep)
}

/// Collapses runs of white space (instructions span lines) and cuts to `max` chars.
pub(crate) fn one_line(s: &str, max: usize) -> String {
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max {
        collapsed
    } else {
        let mut cut: String = collapsed.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_cannot_be_printed() {
        assert_eq!(path_text(b"/app/ok.js"), "/app/ok.js");
        assert_eq!(path_text(b"/a\xffb"), "/a\\xffb");
        assert_eq!(path_text(b"/a\nb"), "/a\\nb");
        assert_eq!(path_text("/caf\u{e9}".as_bytes()), "/caf\u{e9}");
        for p in [
            &b"/app/ok.js"[..],
            b"/a\xffb",
            b"/a\nb",
            "/caf\u{e9}\u{85}".as_bytes(),
        ] {
            assert_eq!(path_str(p), path_text(p));
        }
        assert!(matches!(path_str(b"/app/ok.js"), Cow::Borrowed(_)));
    }

    #[test]
    fn one_line_collapses_and_cuts() {
        assert_eq!(one_line("RUN a \\\n   && b", 80), "RUN a \\ && b");
        assert_eq!(one_line("abcdef", 4), "abc…");
    }
}
