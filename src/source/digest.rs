//! Digests, checked before they are ever turned into a path.

/// Turns `sha256:<64 lowercase hex>` (or `sha512:<128>`) into `blobs/<alg>/<hex>`.
/// Anything else is refused, so no digest can name a path outside `blobs/`.
pub(crate) fn blob_path(digest: &str) -> Result<String, String> {
    let (alg, hex) = digest
        .split_once(':')
        .ok_or_else(|| format!("digest '{}' has no algorithm", printable(digest)))?;
    let want = match alg {
        "sha256" => 64,
        "sha512" => 128,
        _ => {
            return Err(format!(
                "digest '{}' is not sha256 or sha512",
                printable(digest)
            ))
        }
    };
    if hex.len() != want
        || !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(format!(
            "digest '{}' is not {alg}: followed by {want} lowercase hex characters",
            printable(digest)
        ));
    }
    Ok(format!("blobs/{alg}/{hex}"))
}

/// The digest a `blobs/<alg>/<hex>` member name stands for, if it is one.
pub(crate) fn digest_of_blob_path(path: &str) -> Option<String> {
    let rest = path.strip_prefix("blobs/")?;
    let (alg, hex) = rest.split_once('/')?;
    let d = format!("{alg}:{hex}");
    blob_path(&d).ok().map(|_| d)
}

/// Input text made safe for one line of output: control characters escaped, long
/// values cut.
pub(crate) fn printable(s: &str) -> String {
    let mut out: String = s.chars().take(200).flat_map(char::escape_debug).collect();
    if s.chars().count() > 200 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_digests_become_paths() {
        let good = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            blob_path(&good).unwrap(),
            format!("blobs/sha256/{}", "a".repeat(64))
        );
        for bad in [
            "sha256:../../etc/passwd".to_string(),
            format!("sha256:{}", "a".repeat(63)),
            format!("sha256:{}", "A".repeat(64)),
            format!("sha256:{}/..", "a".repeat(61)),
            format!("md5:{}", "a".repeat(32)),
            "nocolon".to_string(),
        ] {
            assert!(blob_path(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn blob_paths_map_back() {
        let d = format!("sha256:{}", "0".repeat(64));
        assert_eq!(digest_of_blob_path(&blob_path(&d).unwrap()), Some(d));
        assert_eq!(digest_of_blob_path("abc/layer.tar"), None);
    }
}
