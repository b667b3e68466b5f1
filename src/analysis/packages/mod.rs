//! Bytes by package, from the records package managers leave in the image: dpkg
//! (`var/lib/dpkg/status` and `info/*.list`), apk (`lib/apk/db/installed`), conda
//! (`conda-meta/*.json`), Python (`*.dist-info/RECORD`, `*.egg-info` under
//! site-packages or dist-packages), npm (every folder with a `package.json` directly
//! under a `node_modules`), Ruby gems (`specifications/*.gemspec`), Composer
//! (`vendor/composer/installed.json`), NuGet (`*.deps.json`), Java archives (by
//! file name), Go programs (the build information in the binary) and Rust ones
//! (the `cargo auditable` list in the binary). A file counts for the first manager that claims it, in that order
//! (Debian's python3-* packages stay dpkg's), and what no package claims is
//! "unowned", by folder.
//!
//! Bytes are what the final filesystem holds (hardlinks once), never what a record
//! says; a record that cannot be read leaves its package "unknown version", or its
//! files unowned, never a wrong total.

mod apk;
mod composer;
mod conda;
mod dotnet;
mod dpkg;
pub(crate) mod go;
pub(crate) mod java;
mod npm;
mod program;
mod python;
mod ruby;
pub(crate) mod rust;

use std::collections::HashMap;

use serde::Serialize;

use crate::fs::tree::{NodeId, PathCursor};
use crate::fs::{FsModel, NodeKind, Usage};
use crate::layer::{Captured, CapturedKind};

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
    /// What those files cost to pull (their tar entries' compressed bytes), when
    /// every layer is compressed.
    pub compressed_bytes: Option<u64>,
    pub files: u64,
    /// npm: a dev dependency by the package manager's records.
    pub dev: Option<bool>,
    /// npm: optional (`optional` or `devOptional` in the hidden lockfile); null
    /// without a lockfile record.
    pub optional: Option<bool>,
    /// npm: a peer dependency by the hidden lockfile; null without a record.
    pub peer: Option<bool>,
    /// The layer that installed it (its record's layer).
    pub layer: usize,
    /// npm: the package folders (`/app/node_modules/x`); others: the record.
    pub paths: Vec<String>,
    /// npm: where the same name@version is installed first (largest), when this
    /// is another copy (`npm dedupe` could remove it).
    pub duplicate_of: Option<String>,
    /// npm: the other versions of this name installed in the image, oldest first
    /// (a fact apart from copies: each version may be needed).
    pub other_versions: Vec<String>,
    /// go: the modules linked into the program (`path@version`), the toolchain
    /// first as `stdlib@go1.19.8`; another ecosystem's package: those of the Go
    /// programs among its files (npm's esbuild, a Debian package's), main
    /// modules included. jar: the archives inside it and the artifacts it
    /// bundles (`GROUP:ARTIFACT@VERSION`, or an archive's file name); another
    /// ecosystem's package: its Java archives' coordinates and modules.
    pub modules: Vec<String>,
    /// dpkg's own estimate (`Installed-Size`, in bytes), for comparison.
    pub installed_size: Option<u64>,
    /// npm: the node of its `package.json`, whose dev mark the findings set.
    #[serde(skip)]
    pub(crate) manifest: Option<NodeId>,
}

impl Package {
    /// A package of `ecosystem` found by its record at `path`, installed by
    /// `layer`; its bytes and files are counted by the caller, and the marks only
    /// npm has are left unset.
    pub(crate) fn new(
        ecosystem: &'static str,
        name: String,
        version: Option<String>,
        layer: usize,
        path: String,
    ) -> Package {
        Package {
            ecosystem,
            name,
            version,
            bytes: 0,
            compressed_bytes: None,
            files: 0,
            dev: None,
            optional: None,
            peer: None,
            layer,
            paths: vec![path],
            duplicate_of: None,
            other_versions: Vec::new(),
            modules: Vec::new(),
            installed_size: None,
            manifest: None,
        }
    }
}

/// Bytes no package claims, by folder.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Unowned {
    pub path: String,
    pub bytes: u64,
    /// Their pull cost, when every layer is compressed.
    pub compressed_bytes: Option<u64>,
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

impl Packages {
    /// Marks npm packages dev by the findings' marks on their manifests
    /// (`waste::Waste::node_category`, 1 = dev dependency): the package view runs
    /// beside the findings walk, and takes this one fact from it at the end.
    pub(crate) fn mark_dev(&mut self, node_category: &[u8]) {
        for p in &mut self.packages {
            if let Some(n) = p.manifest {
                p.dev = Some(node_category.get(n as usize) == Some(&1));
            }
        }
    }
}

/// A file no package claims.
pub(crate) const NO_PACKAGE: u32 = u32::MAX;

/// Which package claims each file, by node id, while the packages are found:
/// packages are numbered in the order they are pushed. Beside it, the cursor their
/// lists of files are looked up with (one file after the next in the same folder).
pub(super) struct Claims(Vec<u32>, PathCursor);

impl Claims {
    /// The package (its index in `out`) that claimed `n`.
    pub(super) fn owner(&self, n: NodeId) -> Option<usize> {
        let c = self.0[n as usize];
        (c != NO_PACKAGE).then_some(c as usize)
    }

    pub(super) fn is_claimed(&self, n: NodeId) -> bool {
        self.0[n as usize] != NO_PACKAGE
    }

    /// Claims `n` for the package that will be pushed next onto `out`.
    pub(super) fn claim(&mut self, n: NodeId, out: &[Package]) {
        self.0[n as usize] = out.len() as u32;
    }
}

/// Files whose content the package view reads besides the node_modules ones
/// ([`super::node_modules::wants_content`]).
pub(crate) fn wants_content(path: &[u8]) -> bool {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    match name {
        b"status" => path.ends_with(b"var/lib/dpkg/status"),
        b"installed" => path.ends_with(b"lib/apk/db/installed"),
        _ => {
            (name.ends_with(b".list") && path.starts_with(b"var/lib/dpkg/info/"))
                || path.starts_with(b"var/lib/dpkg/status.d/")
                || python::wants_content(path)
                || ruby::wants_content(path)
                || composer::wants_content(path)
                || conda::wants_content(path)
                || dotnet::wants_content(path)
        }
    }
}

/// What is kept of a captured package record, cut on the scanning thread.
pub(crate) fn condense(path: &[u8], data: Vec<u8>) -> Vec<u8> {
    python::condense(path, data)
}

/// What the package view needs of the image.
pub(crate) struct Context<'a> {
    model: &'a FsModel,
    usage: &'a Usage,
    captured: &'a [(usize, Captured)],
    /// Programs' build information and Java archives' contents, by layer.
    binaries: &'a [(usize, Captured)],
    records: &'a crate::analysis::node_modules::Records,
    /// The captured files by (layer, path): a real node_modules tree has
    /// thousands of manifests, looked up once each.
    index: HashMap<(usize, &'a [u8]), usize>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        model: &'a FsModel,
        usage: &'a Usage,
        captured: &'a [(usize, Captured)],
        binaries: &'a [(usize, Captured)],
        records: &'a crate::analysis::node_modules::Records,
    ) -> Context<'a> {
        let index = captured
            .iter()
            .enumerate()
            .map(|(i, (l, c))| ((*l, c.path.as_slice()), i))
            .collect();
        Context {
            model,
            usage,
            captured,
            binaries,
            records,
            index,
        }
    }

    /// The captured copy of `path` the final filesystem shows, with its layer.
    pub(super) fn visible(&self, path: &[u8]) -> Option<(&Captured, usize, NodeId)> {
        let m = self.model;
        let n = m.tree.lookup(&m.names, path)?;
        let layer = m.content_of(n)?.1 as usize;
        let &i = self.index.get(&(layer, path))?;
        Some((&self.captured[i].1, layer, n))
    }

    /// The scan's records of `kind` (programs' build information, Java
    /// archives' contents) of the files the final filesystem shows: the record,
    /// its layer, the file's node and size.
    pub(super) fn visible_records(
        &self,
        kind: CapturedKind,
    ) -> impl Iterator<Item = (&Captured, usize, NodeId, u64)> + '_ {
        let m = self.model;
        self.binaries
            .iter()
            .filter(move |(_, c)| c.kind == kind)
            .filter_map(move |(layer, c)| {
                let n = m.tree.lookup(&m.names, &c.path)?;
                // The file the final filesystem shows is this layer's copy.
                let (size, content_layer) = m.content_of(n)?;
                (content_layer as usize == *layer).then_some((c, *layer, n, size))
            })
    }

    pub(super) fn visible_all<'s>(
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
fn lookup_alive(m: &FsModel, cursor: &mut PathCursor, path: &[u8]) -> Option<NodeId> {
    if let Some(n) = cursor
        .lookup(&m.tree, &m.names, path)
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

/// What claiming one path gave a package: its bytes (each content once), and
/// whether it is a regular file (the files column counts those, as the bytes do:
/// a symlink or a device is claimed, so not unowned, but neither weighs nor counts).
pub(super) struct Claimed {
    pub bytes: u64,
    pub regular: bool,
}

impl Claimed {
    /// Adds this to a package's (files, bytes).
    pub(super) fn add_to(&self, files: &mut u64, bytes: &mut u64) {
        *bytes += self.bytes;
        *files += u64::from(self.regular);
    }
}

/// The lines of a list of paths (a dpkg `.list`, a pip RECORD), as bytes: a
/// path is the image's bytes, UTF-8 or not, and a lossy copy of the whole list
/// cost a fifth of pip's part of the package view on a real image. A `\r` before
/// the `\n` is not part of the line.
pub(super) fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    // Split with memchr: byte by byte, this split and two loops like it (the
    // RECORD's comma, `/` in paths) took a third of the package view's own time
    // on python's real image.
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let d = rest?;
        let line = match memchr::memchr(b'\n', d) {
            Some(i) => {
                rest = Some(&d[i + 1..]);
                &d[..i]
            }
            None => {
                rest = None;
                d
            }
        };
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    })
}

/// Whether a node is a regular file (a hardlink is one more name of one).
pub(super) fn is_regular(kind: NodeKind) -> bool {
    matches!(kind, NodeKind::File | NodeKind::Hardlink)
}

/// Claims the final file at `path` (relative to `/`) for the package that will be
/// pushed next onto `out`.
pub(super) fn claim(
    ctx: &Context,
    claimed: &mut Claims,
    out: &[Package],
    path: &[u8],
) -> Option<Claimed> {
    let m = ctx.model;
    let n = lookup_alive(m, &mut claimed.1, path)?;
    if claimed.is_claimed(n) {
        return None;
    }
    let node = m.tree.data(n);
    if node.kind == NodeKind::Dir {
        return None;
    }
    claimed.claim(n, out);
    let bytes = if ctx.usage.owner[n as usize] {
        m.content_of(n).map_or(0, |(size, _)| size)
    } else {
        0
    };
    Some(Claimed {
        bytes,
        regular: is_regular(node.kind),
    })
}

/// Claims every unclaimed file below the folder at `path` (relative to `/`) for
/// the package that will be pushed next onto `out`.
pub(super) fn claim_tree(
    ctx: &Context,
    claimed: &mut Claims,
    out: &[Package],
    path: &[u8],
    counts: (&mut u64, &mut u64),
) {
    if let Some(top) = lookup_alive(ctx.model, &mut claimed.1, path) {
        claim_below(ctx, claimed, out, top, None, counts);
    }
}

/// Claims every unclaimed file below node `n`, except below folders named
/// `skip` (npm: a nested `node_modules` holds other packages), for the package
/// that will be pushed next onto `out`, adding to its (files, bytes). The folders
/// are walked on a stack of their own: an image chooses how deep they go.
pub(super) fn claim_below(
    ctx: &Context,
    claimed: &mut Claims,
    out: &[Package],
    n: NodeId,
    skip: Option<&[u8]>,
    (files, bytes): (&mut u64, &mut u64),
) {
    let m = ctx.model;
    let mut folders = vec![n];
    while let Some(d) = folders.pop() {
        for c in m.tree.children(d) {
            if !m.tree.is_alive(c) || claimed.is_claimed(c) {
                continue;
            }
            let node = m.tree.data(c);
            if node.kind == NodeKind::Dir {
                if skip != Some(m.names.name(m.tree.name(c))) {
                    folders.push(c);
                }
                continue;
            }
            claimed.claim(c, out);
            *files += u64::from(is_regular(node.kind));
            if ctx.usage.owner[c as usize] {
                *bytes += m.content_of(c).map_or(0, |(size, _)| size);
            }
        }
    }
}

/// How deep the unowned folders are listed (`/usr/lib`).
const UNOWNED_DEPTH: u32 = 2;

/// Every package in the image, largest first, and the unowned bytes by folder.
pub(crate) fn analyze(ctx: &Context) -> Packages {
    let m = ctx.model;
    let mut claimed = Claims(vec![NO_PACKAGE; m.tree.len()], PathCursor::default());
    let mut packages = Vec::new();
    dpkg::find(ctx, &mut claimed, &mut packages);
    apk::find(ctx, &mut claimed, &mut packages);
    conda::find(ctx, &mut claimed, &mut packages);
    python::find(ctx, &mut claimed, &mut packages);
    npm::find(ctx, &mut claimed, &mut packages);
    ruby::find(ctx, &mut claimed, &mut packages);
    composer::find(ctx, &mut claimed, &mut packages);
    dotnet::find(ctx, &mut claimed, &mut packages);
    java::find(ctx, &mut claimed, &mut packages);
    let programs = [
        (
            CapturedKind::GoBuildInfo,
            "go",
            go::program as fn(&[u8]) -> program::Program,
        ),
        (CapturedKind::CargoAuditable, "rust", rust::program),
    ];
    for (kind, ecosystem, read) in programs {
        program::find(ctx, &mut claimed, &mut packages, kind, ecosystem, read);
    }
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
    let mut packages: Vec<Package> = order
        .iter()
        .map(|&i| slots[i].take().expect("each once"))
        .collect();
    // One walk over the files: a claimed file's pull cost goes to its package (each
    // content once, where its bytes are counted), the rest is unowned, by its
    // folder at UNOWNED_DEPTH.
    let u = ctx.usage;
    for p in &mut packages {
        p.compressed_bytes = m.pulled().then_some(0);
    }
    let mut by_folder: HashMap<NodeId, (u64, Option<u64>)> = HashMap::new();
    for &n in &u.order {
        if m.tree.data(n).kind == NodeKind::Dir || !u.owner[n as usize] {
            continue;
        }
        let pull = m.pull_of(n);
        if claimed.is_claimed(n) {
            let p = &mut packages[claimed.0[n as usize] as usize];
            if let (Some(sum), Some(c)) = (p.compressed_bytes.as_mut(), pull) {
                *sum += c;
            }
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
        let folder = by_folder.entry(top).or_insert((0, m.pulled().then_some(0)));
        folder.0 += bytes;
        if let (Some(sum), Some(c)) = (folder.1.as_mut(), pull) {
            *sum += c;
        }
    }
    let mut unowned: Vec<Unowned> = by_folder
        .into_iter()
        .map(|(n, (bytes, compressed_bytes))| Unowned {
            path: m.path_string(n),
            bytes,
            compressed_bytes,
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
    fn list_lines_are_bytes_without_their_line_ends() {
        let data = b"/usr\r\n/usr/caf\xe9\n\n/last";
        let got: Vec<&[u8]> = lines(data).collect();
        assert_eq!(got, [&b"/usr"[..], b"/usr/caf\xe9", b"", b"/last"]);
    }

    #[test]
    fn which_files_are_read() {
        for p in [
            "var/lib/dpkg/status",
            "var/lib/dpkg/info/libc6:amd64.list",
            "var/lib/dpkg/status.d/base-files",
            "lib/apk/db/installed",
            "usr/lib/python3/site-packages/six-1.16.0.dist-info/RECORD",
        ] {
            assert!(wants_content(p.as_bytes()), "{p}");
        }
        for p in [
            "app/node_modules/express/package.json",
            "etc/status",
            "var/lib/dpkg/info/libc6.md5sums",
        ] {
            assert!(!wants_content(p.as_bytes()), "{p}");
        }
    }
}
