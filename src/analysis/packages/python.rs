//! Python packages under any site-packages or dist-packages, by the records their
//! installers leave:
//! - `NAME-VERSION.dist-info/` (pip, wheels): `RECORD` lists the files (paths
//!   relative to site-packages, climbing to `bin/` allowed, quoted when they hold a
//!   comma); `METADATA`'s `Name:` and `Version:` name it (`charset-normalizer`,
//!   where the folder says `charset_normalizer`);
//! - `NAME-VERSION.egg-info/` (setup.py installs, older tooling):
//!   `installed-files.txt` lists the files relative to the folder, `PKG-INFO` names
//!   it; without a list, the folder's own files are all it claims;
//! - `NAME-VERSION.egg-info` as one file (distutils): itself, named by its content.
//!
//! A record that dpkg installed stays dpkg's (Debian's python3-* packages).

use super::{claim, lines, Claims, Context, Package};
use crate::fs::NodeKind;

/// Files whose content this module reads.
pub(super) fn wants_content(path: &[u8]) -> bool {
    // The endings first: every path of every layer passes here, and the
    // site-packages test scans the whole path (1.3% of a debian-npm run's
    // profile when it came first).
    (path.ends_with(b".dist-info/RECORD")
        || path.ends_with(b".dist-info/METADATA")
        || path.ends_with(b".egg-info/PKG-INFO")
        || path.ends_with(b".egg-info/installed-files.txt")
        || path.ends_with(b".egg-info"))
        && in_site(path)
}

/// What is kept of a captured file: of `METADATA` and `PKG-INFO`, the header
/// block (a long description can be megabytes), else all of it.
pub(super) fn condense(path: &[u8], mut data: Vec<u8>) -> Vec<u8> {
    if path.ends_with(b"/METADATA") || path.ends_with(b"/PKG-INFO") || path.ends_with(b".egg-info")
    {
        if let Some(end) = data.windows(2).position(|w| w == b"\n\n") {
            data.truncate(end + 1);
        }
    }
    data
}

fn in_site(p: &[u8]) -> bool {
    p.windows(14)
        .any(|w| w == b"/site-packages" || w == b"/dist-packages")
}

/// `base/rel` into `out`, normalized: `a/b/../c` is `a/c` (RECORD paths may climb
/// out of site-packages to `bin/`). `joined` is room for the path before.
fn join_relative(base: &[u8], rel: &[u8], joined: &mut Vec<u8>, out: &mut Vec<u8>) {
    joined.clear();
    joined.extend_from_slice(base);
    joined.push(b'/');
    joined.extend_from_slice(rel);
    crate::layer::normalize_path(joined, out);
}

/// `Name:` and `Version:` of a METADATA or PKG-INFO header block.
fn name_and_version(data: &[u8]) -> (Option<String>, Option<String>) {
    let text = String::from_utf8_lossy(data);
    let field = |key: &str| {
        text.lines()
            .take_while(|l| !l.is_empty())
            .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
            .filter(|v| !v.is_empty())
    };
    (field("Name:"), field("Version:"))
}

/// `six-1.16.0.dist-info` -> (`six`, `1.16.0`).
fn from_folder(folder: &[u8], suffix: &str) -> (String, Option<String>) {
    let stem = String::from_utf8_lossy(&folder[..folder.len() - suffix.len()]).into_owned();
    match stem.split_once('-') {
        Some((n, v)) => (
            n.to_string(),
            Some(v.split('-').next().unwrap_or(v).to_string()),
        ),
        None => (stem, None),
    }
}

/// Every Python package in the image onto `out`, each claiming its files.
pub(super) fn find(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    dist_infos(ctx, claimed, out);
    egg_infos(ctx, claimed, out);
}

/// The name and version a record's folder gives, bettered by its metadata file.
fn named(ctx: &Context, dir: &[u8], suffix: &str, meta: &str) -> (String, Option<String>) {
    let folder = dir.rsplit(|&b| b == b'/').next().unwrap_or(dir);
    let (name, version) = from_folder(folder, suffix);
    let mut path = dir.to_vec();
    path.push(b'/');
    path.extend_from_slice(meta.as_bytes());
    match ctx.visible(&path) {
        Some((c, _, _)) => {
            let (n, v) = name_and_version(&c.data);
            (n.unwrap_or(name), v.or(version))
        }
        None => (name, version),
    }
}

fn dist_infos(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    let records = |p: &[u8]| in_site(p) && p.ends_with(b".dist-info/RECORD");
    for (c, layer, record) in ctx.visible_all(records) {
        // A RECORD that a Debian package installed: its files are dpkg's.
        if claimed.is_claimed(record) {
            continue;
        }
        let dist_info = &c.path[..c.path.len() - b"/RECORD".len()];
        let (name, version) = named(ctx, dist_info, ".dist-info", "METADATA");
        let folder_len = dist_info
            .rsplit(|&b| b == b'/')
            .next()
            .map_or(0, <[u8]>::len);
        let base = &dist_info[..dist_info.len() - folder_len];
        let base = base.strip_suffix(b"/").unwrap_or(base);
        let (mut bytes, mut files) = (0, 0);
        let (mut joined, mut path) = (Vec::new(), Vec::new());
        for line in lines(&c.data) {
            // `path,hash,size`; a path with a comma is quoted.
            let rel = match line.strip_prefix(b"\"") {
                Some(q) => memchr::memchr(b'"', q).map_or(q, |i| &q[..i]),
                None => memchr::memchr(b',', line).map_or(line, |i| &line[..i]),
            };
            if rel.is_empty() {
                continue;
            }
            join_relative(base, rel, &mut joined, &mut path);
            if let Some(c) = claim(ctx, claimed, out, &path) {
                c.add_to(&mut files, &mut bytes);
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

fn egg_infos(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    let m = ctx.model;
    let eggs = |p: &[u8]| {
        in_site(p)
            && (p.ends_with(b".egg-info/PKG-INFO")
                || p.ends_with(b".egg-info/installed-files.txt")
                || p.ends_with(b".egg-info"))
    };
    // Each egg-info once: its folder (or the file that is one), its layer.
    let mut seen = std::collections::HashSet::new();
    let found: Vec<(Vec<u8>, usize, bool)> = ctx
        .visible_all(eggs)
        .filter_map(|(c, layer, n)| {
            let is_file = c.path.ends_with(b".egg-info");
            let dir = if is_file {
                c.path.clone()
            } else {
                let cut = c.path.iter().rposition(|&b| b == b'/')?;
                c.path[..cut].to_vec()
            };
            (!claimed.is_claimed(n) && seen.insert(dir.clone())).then_some((dir, layer, is_file))
        })
        .collect();
    for (dir, layer, is_file) in found {
        let (mut bytes, mut files) = (0, 0);
        let (name, version) = if is_file {
            if let Some(c) = claim(ctx, claimed, out, &dir) {
                c.add_to(&mut files, &mut bytes);
            }
            let (n, v) = ctx
                .visible(&dir)
                .map(|(c, _, _)| name_and_version(&c.data))
                .unwrap_or_default();
            let folder = dir.rsplit(|&b| b == b'/').next().unwrap_or(&dir);
            let (fname, fversion) = from_folder(folder, ".egg-info");
            (n.unwrap_or(fname), v.or(fversion))
        } else {
            let mut list = dir.clone();
            list.extend_from_slice(b"/installed-files.txt");
            if let Some((c, _, _)) = ctx.visible(&list) {
                let (mut joined, mut path) = (Vec::new(), Vec::new());
                for line in lines(&c.data) {
                    let rel = line.trim_ascii();
                    if rel.is_empty() {
                        continue;
                    }
                    join_relative(&dir, rel, &mut joined, &mut path);
                    if let Some(c) = claim(ctx, claimed, out, &path) {
                        c.add_to(&mut files, &mut bytes);
                    }
                }
            }
            // The folder's own files, listed or not.
            if let Some(d) = m.tree.lookup(&m.names, &dir) {
                for child in m.tree.children(d) {
                    if !m.tree.is_alive(child) || m.tree.data(child).kind == NodeKind::Dir {
                        continue;
                    }
                    let mut p = dir.clone();
                    p.push(b'/');
                    p.extend_from_slice(m.names.name(m.tree.name(child)));
                    if let Some(c) = claim(ctx, claimed, out, &p) {
                        c.add_to(&mut files, &mut bytes);
                    }
                }
            }
            named(ctx, &dir, ".egg-info", "PKG-INFO")
        };
        let record = format!("/{}", String::from_utf8_lossy(&dir));
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
        let (mut joined, mut out) = (Vec::new(), Vec::new());
        join_relative(
            b"usr/lib/python3/site-packages",
            b"../../../bin/pip",
            &mut joined,
            &mut out,
        );
        assert_eq!(out, b"usr/bin/pip");
    }

    #[test]
    fn names_from_metadata_and_folders() {
        let meta =
            b"Metadata-Version: 2.1\nName: charset-normalizer\nVersion: 3.3.2\n\nName: not-this\n";
        assert_eq!(
            name_and_version(meta),
            (Some("charset-normalizer".into()), Some("3.3.2".into()))
        );
        assert_eq!(
            from_folder(b"charset_normalizer-3.3.2.dist-info", ".dist-info"),
            ("charset_normalizer".into(), Some("3.3.2".into()))
        );
        assert_eq!(
            from_folder(b"PyYAML-6.0.1-py3.11.egg-info", ".egg-info"),
            ("PyYAML".into(), Some("6.0.1".into()))
        );
        let long = b"Name: x\nVersion: 1\n\nlong description...".to_vec();
        assert_eq!(
            condense(b"a/x-1.dist-info/METADATA", long),
            b"Name: x\nVersion: 1\n"
        );
    }
}
