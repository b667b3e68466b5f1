//! Bytes by package, from the records package managers leave in the image: dpkg
//! (`var/lib/dpkg/status` and `info/*.list`), apk (`lib/apk/db/installed`), Python
//! (`*.dist-info/RECORD` under site-packages or dist-packages) and npm (every folder
//! with a `package.json` directly under a `node_modules`). A file counts for the
//! first manager that claims it, in that order (Debian's python3-* packages stay
//! dpkg's), and what no package claims is "unowned", by folder.
//!
//! Bytes are what the final filesystem holds (hardlinks once), never what a record
//! says; a record that cannot be read leaves its package "unknown version", or its
//! files unowned, never a wrong total.

use std::collections::HashMap;

use serde::Serialize;

use crate::fs::tree::NodeId;
use crate::fs::{FsModel, NodeKind, Usage};
use crate::layer::Captured;

/// One installed package.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Package {
    /// `npm`, `deb`, `apk`, `python`.
    pub ecosystem: &'static str,
    pub name: String,
    /// `None` when the record does not say (or cannot be read).
    pub version: Option<String>,
    /// Bytes of its files in the final filesystem, each content counted once.
    pub bytes: u64,
    pub files: u64,
    /// npm: a dev dependency by the package manager's records.
    pub dev: Option<bool>,
    /// The layer that installed it (its record's layer).
    pub layer: usize,
    /// npm: the package folders (`/app/node_modules/x`); others: the record.
    pub paths: Vec<String>,
    /// npm: where the same name is installed first (largest), when this is another copy.
    pub duplicate_of: Option<String>,
    /// dpkg's own estimate (`Installed-Size`, in bytes), for comparison.
    pub installed_size: Option<u64>,
}

/// Bytes no package claims, by folder.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Unowned {
    pub path: String,
    pub bytes: u64,
}

/// Every package, largest first, and what no package claims.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Packages {
    pub packages: Vec<Package>,
    pub unowned: Vec<Unowned>,
    /// By node id: the index in `packages` of the package that claims the file,
    /// or [`NO_PACKAGE`].
    pub(crate) node_package: Vec<u32>,
}

/// A file no package claims.
pub(crate) const NO_PACKAGE: u32 = u32::MAX;

/// Which package claims each file, by node id, while the packages are found:
/// packages are numbered in the order they are pushed.
struct Claims(Vec<u32>);

impl Claims {
    fn is_claimed(&self, n: NodeId) -> bool {
        self.0[n as usize] != NO_PACKAGE
    }

    /// Claims `n` for the package that will be pushed next onto `out`.
    fn claim(&mut self, n: NodeId, out: &[Package]) {
        self.0[n as usize] = out.len() as u32;
    }
}

/// Files whose content the package view reads.
pub(crate) fn wants_content(path: &[u8]) -> bool {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    match name {
        b"status" => path.ends_with(b"var/lib/dpkg/status"),
        b"installed" => path.ends_with(b"lib/apk/db/installed"),
        b"RECORD" => path.ends_with(b".dist-info/RECORD"),
        b"package.json" => is_package_manifest(path),
        _ => {
            (name.ends_with(b".list") && path.starts_with(b"var/lib/dpkg/info/"))
                || path.starts_with(b"var/lib/dpkg/status.d/")
        }
    }
}

/// `…/node_modules/NAME/package.json` or `…/node_modules/@scope/NAME/package.json`.
fn is_package_manifest(path: &[u8]) -> bool {
    let comps: Vec<&[u8]> = path.split(|&b| b == b'/').collect();
    let n = comps.len();
    (n >= 3 && comps[n - 3] == b"node_modules" && !comps[n - 2].starts_with(b"."))
        || (n >= 4 && comps[n - 4] == b"node_modules" && comps[n - 3].starts_with(b"@"))
}

/// What the package view needs of the image.
pub(crate) struct Context<'a> {
    pub model: &'a FsModel,
    pub usage: &'a Usage,
    pub captured: &'a [(usize, Captured)],
    /// Waste categories by node (1 = dev dependency), from the findings walk.
    pub node_category: &'a [u8],
}

impl Context<'_> {
    /// The captured copy of `path` the final filesystem shows, with its layer.
    fn visible(&self, path: &[u8]) -> Option<(&Captured, usize, NodeId)> {
        let m = self.model;
        let n = m.tree.lookup(&m.names, path)?;
        let layer = m.content_of(n)?.1 as usize;
        self.captured
            .iter()
            .find(|(l, c)| *l == layer && c.path == path)
            .map(|(l, c)| (c, *l, n))
    }

    fn visible_all<'s>(
        &'s self,
        pred: impl Fn(&[u8]) -> bool + 's,
    ) -> impl Iterator<Item = (&'s Captured, usize, NodeId)> + 's {
        self.captured
            .iter()
            .filter(move |(_, c)| pred(&c.path))
            .filter_map(move |(l, c)| {
                let (vc, vl, n) = self.visible(&c.path)?;
                (vl == *l).then_some((vc, vl, n))
            })
    }
}

/// The alive node at `path`, or where a merged /usr puts it: dpkg lists
/// `/lib/x86_64-linux-gnu/libc.so.6` while the file sits in `/usr/lib`, behind the
/// `/lib -> usr/lib` link (Debian 12, Ubuntu 22.04 and later).
fn lookup_alive(m: &FsModel, path: &[u8]) -> Option<NodeId> {
    if let Some(n) = m
        .tree
        .lookup(&m.names, path)
        .filter(|&n| m.tree.is_alive(n))
    {
        return Some(n);
    }
    let first = path.split(|&b| b == b'/').next()?;
    if !matches!(
        first,
        b"bin" | b"sbin" | b"lib" | b"lib32" | b"lib64" | b"libx32"
    ) {
        return None;
    }
    let top = m.tree.lookup(&m.names, first)?;
    if !m.tree.is_alive(top) || m.tree.data(top).kind != NodeKind::Symlink {
        return None;
    }
    let mut alias = b"usr/".to_vec();
    alias.extend_from_slice(path);
    m.tree
        .lookup(&m.names, &alias)
        .filter(|&n| m.tree.is_alive(n))
}

/// Claims the final file at `path` (relative to `/`) for the package that will be
/// pushed next onto `out`: its bytes, once.
fn claim(ctx: &Context, claimed: &mut Claims, out: &[Package], path: &[u8]) -> Option<u64> {
    let m = ctx.model;
    let n = lookup_alive(m, path)?;
    if claimed.is_claimed(n) {
        return None;
    }
    let node = m.tree.data(n);
    if node.kind == NodeKind::Dir {
        return None;
    }
    claimed.claim(n, out);
    if !ctx.usage.owner[n as usize] {
        return Some(0);
    }
    Some(m.content_of(n).map_or(0, |(size, _)| size))
}

fn field<'a>(stanza: &'a str, key: &str) -> Option<&'a str> {
    stanza.lines().find_map(|l| {
        l.strip_prefix(key)
            .and_then(|r| r.strip_prefix(':'))
            .map(str::trim)
    })
}

fn dpkg(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    let mut stanzas: Vec<(String, usize)> = Vec::new();
    if let Some((c, layer, _)) = ctx.visible(b"var/lib/dpkg/status") {
        let text = String::from_utf8_lossy(&c.data);
        stanzas.extend(text.split("\n\n").map(|s| (s.to_string(), layer)));
    }
    for (c, layer, _) in ctx.visible_all(|p| p.starts_with(b"var/lib/dpkg/status.d/")) {
        let text = String::from_utf8_lossy(&c.data);
        stanzas.extend(text.split("\n\n").map(|s| (s.to_string(), layer)));
    }
    for (stanza, status_layer) in stanzas {
        let Some(name) = field(&stanza, "Package") else {
            continue;
        };
        if field(&stanza, "Status").is_some_and(|s| !s.ends_with(" installed")) {
            continue;
        }
        let arch = field(&stanza, "Architecture").unwrap_or("");
        let lists = [
            format!("var/lib/dpkg/info/{name}:{arch}.list"),
            format!("var/lib/dpkg/info/{name}.list"),
        ];
        let (mut bytes, mut files, mut layer) = (0, 0, status_layer);
        let mut record = "/var/lib/dpkg/status".to_string();
        if let Some((c, l, _)) = lists.iter().find_map(|p| ctx.visible(p.as_bytes())) {
            layer = l;
            record = format!("/{}", String::from_utf8_lossy(&c.path));
            for line in String::from_utf8_lossy(&c.data).lines() {
                let p = line.trim().trim_start_matches('/');
                if p.is_empty() || p == "." {
                    continue;
                }
                if let Some(b) = claim(ctx, claimed, out, p.as_bytes()) {
                    bytes += b;
                    files += 1;
                }
            }
        }
        out.push(Package {
            ecosystem: "deb",
            name: name.to_string(),
            version: field(&stanza, "Version").map(str::to_string),
            bytes,
            files,
            dev: None,
            layer,
            paths: vec![record],
            duplicate_of: None,
            installed_size: field(&stanza, "Installed-Size")
                .and_then(|s| s.parse::<u64>().ok())
                .map(|k| k * 1024),
        });
    }
}

fn apk(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    let Some((c, layer, _)) = ctx.visible(b"lib/apk/db/installed") else {
        return;
    };
    let text = String::from_utf8_lossy(&c.data);
    for record in text.split("\n\n") {
        let (mut name, mut version, mut folder) = (None, None, String::new());
        let (mut bytes, mut files, mut size) = (0, 0, None);
        // A record without a name claims nothing: its files stay unowned.
        if !record.lines().any(|l| l.starts_with("P:")) {
            continue;
        }
        for line in record.lines() {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            match k {
                "P" => name = Some(v.to_string()),
                "V" => version = Some(v.to_string()),
                "I" => size = v.parse::<u64>().ok(),
                "F" => folder = v.to_string(),
                "R" => {
                    let p = if folder.is_empty() {
                        v.to_string()
                    } else {
                        format!("{folder}/{v}")
                    };
                    if let Some(b) = claim(ctx, claimed, out, p.as_bytes()) {
                        bytes += b;
                        files += 1;
                    }
                }
                _ => {}
            }
        }
        if let Some(name) = name {
            out.push(Package {
                ecosystem: "apk",
                name,
                version,
                bytes,
                files,
                dev: None,
                layer,
                paths: vec!["/lib/apk/db/installed".into()],
                duplicate_of: None,
                installed_size: size,
            });
        }
    }
}

/// Normalizes `a/b/../c` (RECORD paths may climb out of site-packages to `bin/`).
fn join_relative(base: &[u8], rel: &str) -> Vec<u8> {
    let mut joined = base.to_vec();
    joined.push(b'/');
    joined.extend_from_slice(rel.as_bytes());
    let mut out = Vec::new();
    crate::layer::normalize_path(&joined, &mut out);
    out
}

fn python(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
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
        out.push(Package {
            ecosystem: "python",
            name,
            version,
            bytes,
            files,
            dev: None,
            layer,
            paths: vec![format!("/{}", String::from_utf8_lossy(dist_info))],
            duplicate_of: None,
            installed_size: None,
        });
    }
}

/// Claims every unclaimed file below `n`, except below a nested `node_modules`,
/// for the package that will be pushed next onto `out`.
fn claim_below(
    ctx: &Context,
    claimed: &mut Claims,
    out: &[Package],
    n: NodeId,
    (files, bytes): (&mut u64, &mut u64),
) {
    let m = ctx.model;
    for c in m.tree.children(n) {
        if !m.tree.is_alive(c) || claimed.is_claimed(c) {
            continue;
        }
        let node = m.tree.data(c);
        if node.kind == NodeKind::Dir {
            if m.names.name(m.tree.name(c)) != b"node_modules" {
                claim_below(ctx, claimed, out, c, (&mut *files, &mut *bytes));
            }
            continue;
        }
        claimed.claim(c, out);
        *files += 1;
        if ctx.usage.owner[c as usize] {
            *bytes += m.content_of(c).map_or(0, |(size, _)| size);
        }
    }
}

fn npm(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    let m = ctx.model;
    #[derive(serde::Deserialize)]
    struct Manifest {
        name: Option<String>,
        version: Option<String>,
    }
    /// A package folder: its path, node, layer, manifest and whether it is dev.
    type Found = (Vec<u8>, NodeId, usize, Option<Manifest>, bool);
    let mut found: Vec<Found> = Vec::new();
    let mut path = Vec::new();
    ctx.usage.for_each_path(m, |n, abs| {
        if m.tree.data(n).kind == NodeKind::Dir || !abs.ends_with(b"/package.json") {
            return;
        }
        let rel = &abs[1..];
        if !is_package_manifest(rel) {
            return;
        }
        let dir = &rel[..rel.len() - b"/package.json".len()];
        let Some(d) = m.tree.parent(n) else { return };
        let layer = m.content_of(n).map_or(0, |(_, l)| l as usize);
        let manifest = ctx
            .visible(rel)
            .and_then(|(c, _, _)| serde_json::from_slice::<Manifest>(&c.data).ok());
        let dev = ctx.node_category.get(n as usize) == Some(&1);
        path.clear();
        path.extend_from_slice(dir);
        found.push((path.clone(), d, layer, manifest, dev));
    });
    // Deepest first, so a nested package claims its own files before its parent.
    found.sort_by_key(|(p, ..)| std::cmp::Reverse(p.iter().filter(|&&b| b == b'/').count()));
    for (dir, d, layer, manifest, dev) in found {
        let folder_name = {
            let comps: Vec<&[u8]> = dir.split(|&b| b == b'/').collect();
            let n = comps.len();
            if n >= 2 && comps[n - 2].starts_with(b"@") {
                format!(
                    "{}/{}",
                    String::from_utf8_lossy(comps[n - 2]),
                    String::from_utf8_lossy(comps[n - 1])
                )
            } else {
                String::from_utf8_lossy(comps[n - 1]).into_owned()
            }
        };
        let (mut files, mut bytes) = (0, 0);
        claim_below(ctx, claimed, out, d, (&mut files, &mut bytes));
        let (name, version) = match manifest {
            Some(Manifest {
                name: Some(n),
                version,
            }) if !n.is_empty() => (n, version),
            Some(Manifest { version, .. }) => (folder_name, version),
            None => (folder_name, None),
        };
        out.push(Package {
            ecosystem: "npm",
            name,
            version,
            bytes,
            files,
            dev: Some(dev),
            layer,
            paths: vec![format!("/{}", crate::text::path_str(&dir))],
            duplicate_of: None,
            installed_size: None,
        });
    }
    // The same name at several paths: every copy but the largest names the largest.
    let mut first: HashMap<String, (u64, String)> = HashMap::new();
    for p in out.iter().filter(|p| p.ecosystem == "npm") {
        let e = first
            .entry(p.name.clone())
            .or_insert((p.bytes, p.paths[0].clone()));
        if p.bytes > e.0 || (p.bytes == e.0 && p.paths[0] < e.1) {
            *e = (p.bytes, p.paths[0].clone());
        }
    }
    for p in out.iter_mut().filter(|p| p.ecosystem == "npm") {
        let (_, main) = &first[&p.name];
        if *main != p.paths[0] {
            p.duplicate_of = Some(main.clone());
        }
    }
}

/// How deep the unowned folders are listed (`/usr/lib`).
const UNOWNED_DEPTH: u32 = 2;

/// Every package in the image, largest first, and the unowned bytes by folder.
pub(crate) fn analyze(ctx: &Context) -> Packages {
    let m = ctx.model;
    let mut claimed = Claims(vec![NO_PACKAGE; m.tree.len()]);
    let mut packages = Vec::new();
    dpkg(ctx, &mut claimed, &mut packages);
    apk(ctx, &mut claimed, &mut packages);
    python(ctx, &mut claimed, &mut packages);
    npm(ctx, &mut claimed, &mut packages);
    let mut order: Vec<usize> = (0..packages.len()).collect();
    order.sort_by(|&x, &y| {
        let (a, b) = (&packages[x], &packages[y]);
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.paths.cmp(&b.paths))
    });
    // Number the claims by the packages' sorted places.
    let mut place = vec![0u32; packages.len()];
    for (k, &i) in order.iter().enumerate() {
        place[i] = k as u32;
    }
    for c in claimed.0.iter_mut().filter(|c| **c != NO_PACKAGE) {
        *c = place[*c as usize];
    }
    let mut slots: Vec<Option<Package>> = packages.into_iter().map(Some).collect();
    let packages: Vec<Package> = order
        .iter()
        .map(|&i| slots[i].take().expect("each once"))
        .collect();
    // Unowned: the files no package claimed, by their folder at UNOWNED_DEPTH.
    let mut by_folder: HashMap<NodeId, u64> = HashMap::new();
    let u = ctx.usage;
    for &n in &u.order {
        if m.tree.data(n).kind == NodeKind::Dir || claimed.is_claimed(n) || !u.owner[n as usize] {
            continue;
        }
        let bytes = m.content_of(n).map_or(0, |(size, _)| size);
        if bytes == 0 {
            continue;
        }
        let mut top = n;
        while u.depth[top as usize] > UNOWNED_DEPTH {
            top = m.tree.parent(top).unwrap_or(top);
        }
        *by_folder.entry(top).or_default() += bytes;
    }
    let mut unowned: Vec<Unowned> = by_folder
        .into_iter()
        .map(|(n, bytes)| Unowned {
            path: m.path_string(n),
            bytes,
        })
        .collect();
    unowned.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
    Packages {
        packages,
        unowned,
        node_package: claimed.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_files_are_read() {
        for p in [
            "app/node_modules/express/package.json",
            "app/node_modules/@types/node/package.json",
            "app/node_modules/a/node_modules/b/package.json",
            "var/lib/dpkg/status",
            "var/lib/dpkg/info/libc6:amd64.list",
            "var/lib/dpkg/status.d/base-files",
            "lib/apk/db/installed",
            "usr/lib/python3/site-packages/six-1.16.0.dist-info/RECORD",
        ] {
            assert!(wants_content(p.as_bytes()), "{p}");
        }
        for p in [
            "app/package.json",
            "app/node_modules/express/lib/package.json",
            "app/node_modules/.package-lock.json",
            "etc/status",
            "var/lib/dpkg/info/libc6.md5sums",
        ] {
            assert!(!wants_content(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn relative_record_paths() {
        assert_eq!(
            join_relative(b"usr/lib/python3/site-packages", "../../../bin/pip"),
            b"usr/bin/pip"
        );
    }
}
