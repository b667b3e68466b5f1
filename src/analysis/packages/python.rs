//! Python packages: `*.dist-info/RECORD` under any site-packages or
//! dist-packages (paths relative to it, climbing to `bin/` allowed, quoted when
//! they hold a comma). A RECORD that dpkg installed stays dpkg's.

use super::{claim, Claims, Context, Package};

/// Normalizes `a/b/../c` (RECORD paths may climb out of site-packages to `bin/`).
fn join_relative(base: &[u8], rel: &str) -> Vec<u8> {
    let mut joined = base.to_vec();
    joined.push(b'/');
    joined.extend_from_slice(rel.as_bytes());
    let mut out = Vec::new();
    crate::layer::normalize_path(&joined, &mut out);
    out
}

/// Every Python package in the image onto `out`, each claiming its files.
pub(super) fn find(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    let site = |p: &[u8]| {
        p.ends_with(b".dist-info/RECORD")
            && p.windows(14)
                .any(|w| w == b"/site-packages" || w == b"/dist-packages")
    };
    for (c, layer, record) in ctx.visible_all(site) {
        // A RECORD that a Debian package installed: its files are dpkg's.
        if claimed.is_claimed(record) {
            continue;
        }
        let dist_info = &c.path[..c.path.len() - b"/RECORD".len()];
        let folder = dist_info.rsplit(|&b| b == b'/').next().unwrap_or(dist_info);
        let stem =
            String::from_utf8_lossy(&folder[..folder.len() - b".dist-info".len()]).into_owned();
        let (name, version) = match stem.split_once('-') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (stem.clone(), None),
        };
        let base = &dist_info[..dist_info.len() - folder.len()];
        let base = base.strip_suffix(b"/").unwrap_or(base);
        let (mut bytes, mut files) = (0, 0);
        for line in String::from_utf8_lossy(&c.data).lines() {
            // `path,hash,size`; a path with a comma is quoted.
            let rel = match line.strip_prefix('"') {
                Some(q) => q.split('"').next().unwrap_or(""),
                None => line.split(',').next().unwrap_or(""),
            };
            if rel.is_empty() {
                continue;
            }
            if let Some(b) = claim(ctx, claimed, out, &join_relative(base, rel)) {
                bytes += b;
                files += 1;
            }
        }
        let record = format!("/{}", String::from_utf8_lossy(dist_info));
        out.push(Package {
            bytes,
            files,
            ..Package::new("python", name, version, layer, record)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_record_paths() {
        assert_eq!(
            join_relative(b"usr/lib/python3/site-packages", "../../../bin/pip"),
            b"usr/bin/pip"
        );
    }
}
