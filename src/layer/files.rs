//! A layer's entries as a compact list: each entry's kind, size and folder, names
//! stored once per run of entries in the same folder; path normalization and
//! whiteout names.

/// The kind of a layer entry, with whiteouts told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum EntryKind {
    File,
    Hardlink,
    Symlink,
    Dir,
    Other,
    /// `dir/.wh.name`: deletes `dir/name` from the layers below.
    Whiteout,
    /// `dir/.wh..wh..opq`: hides what the layers below put under `dir`.
    Opaque,
    /// Other `.wh..wh.` names (AUFS bookkeeping): dropped by the scan.
    Meta,
}

#[derive(Debug, Clone, Copy)]
struct RawEntry {
    /// The folder, an index into `dirs`.
    dir: u32,
    /// The last component, in `names`.
    name_start: u32,
    name_len: u32,
    size: u64,
    kind: EntryKind,
}

/// A layer's entries in tar order. Tar entries come grouped by folder, so each
/// entry keeps its last component and the index of its folder, and a run of
/// entries in one folder stores the folder once: with node_modules paths that is a
/// third of the bytes a full path would take.
#[derive(Debug, Default, Clone)]
pub struct LayerFiles {
    /// Folder paths and last components, back to back.
    names: Vec<u8>,
    /// (start, length) of each folder path in `names`.
    dirs: Vec<(u32, u32)>,
    entries: Vec<RawEntry>,
    /// Hardlink targets: (entry index, start, length), by entry index.
    links: Vec<(u32, u32, u32)>,
    /// Content hashes (`--content`), by entry index: empty when not hashing, else
    /// as long as the entries read so far had hashes; 0 for no hash.
    hashes: Vec<u128>,
    /// Each entry's pull cost, by entry index: the compressed bytes from its first
    /// header to the next entry's (compressed layers only; else empty).
    pulls: Vec<u64>,
}

/// One entry of a layer, borrowed from its `LayerFiles`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry<'a> {
    /// The folder: normalized, relative to the root (no `.`/`..`/empty components,
    /// no trailing slash); empty at the root.
    pub dir: &'a [u8],
    /// The last component. For whiteouts, the name of the `.wh.` file itself.
    pub name: &'a [u8],
    /// For hardlinks, the normalized target path; empty otherwise.
    pub link: &'a [u8],
    /// Content bytes (regular files only).
    pub size: u64,
    pub kind: EntryKind,
    /// XXH3-128 of the content, when the scan hashed it (`--content`, non-empty
    /// regular files).
    pub hash: Option<u128>,
    /// The compressed bytes its header and content took in the blob, when the
    /// layer is compressed.
    pub pull: Option<u64>,
}

impl<'a> Entry<'a> {
    /// The whole path, `dir/name`, written into `out`.
    pub(crate) fn path_into<'b>(&self, out: &'b mut Vec<u8>) -> &'b [u8] {
        out.clear();
        if !self.dir.is_empty() {
            out.extend_from_slice(self.dir);
            out.push(b'/');
        }
        out.extend_from_slice(self.name);
        out
    }

    /// The whole path, `dir/name`.
    pub(crate) fn path(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.dir.len() + self.name.len() + 1);
        self.path_into(&mut out);
        out
    }

    /// For a whiteout, the path it deletes; for an opaque marker, the directory it
    /// makes opaque.
    pub(crate) fn whiteout_target(&self) -> Option<Vec<u8>> {
        match self.kind {
            EntryKind::Whiteout => {
                let mut t = self.dir.to_vec();
                if !t.is_empty() {
                    t.push(b'/');
                }
                t.extend_from_slice(&self.name[4..]);
                Some(t)
            }
            EntryKind::Opaque => Some(self.dir.to_vec()),
            _ => None,
        }
    }
}

/// Splits `a/b/c` into (`a/b`, `c`); a path without a slash has an empty dir.
pub(crate) fn split_last(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&[], path),
    }
}

/// The layers as distinct scans: a blob listed several times is one scan, shared.
/// What to reserve room for is the distinct ones' entries, not every listing's.
pub(crate) fn distinct<'a>(layers: &[&'a LayerFiles]) -> Vec<&'a LayerFiles> {
    let mut seen = std::collections::HashSet::new();
    layers
        .iter()
        .copied()
        .filter(|f| seen.insert(*f as *const LayerFiles))
        .collect()
}

impl LayerFiles {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn get(&self, i: usize) -> Entry<'_> {
        let e = &self.entries[i];
        let span = |start: u32, len: u32| {
            let start = start as usize;
            &self.names[start..start + len as usize]
        };
        let (dir_start, dir_len) = self.dirs[e.dir as usize];
        let link = match e.kind {
            EntryKind::Hardlink => self
                .links
                .binary_search_by_key(&(i as u32), |l| l.0)
                .map(|k| span(self.links[k].1, self.links[k].2))
                .unwrap_or_default(),
            _ => &[],
        };
        Entry {
            dir: span(dir_start, dir_len),
            name: span(e.name_start, e.name_len),
            link,
            size: e.size,
            kind: e.kind,
            hash: self.hashes.get(i).copied().filter(|&h| h != 0),
            pull: self.pulls.get(i).copied(),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = Entry<'_>> + '_ {
        (0..self.entries.len()).map(move |i| self.get(i))
    }

    fn push_name(&mut self, name: &[u8]) -> Result<(u32, u32), String> {
        // Every name must end within 4 GiB, so that start + len never overflows.
        let start = u32::try_from(self.names.len())
            .ok()
            .filter(|_| u32::try_from(self.names.len() + name.len()).is_ok())
            .ok_or_else(|| "layer lists more than 4 GiB of path names".to_string())?;
        let len = u32::try_from(name.len()).map_err(|_| "path too long".to_string())?;
        self.names.extend_from_slice(name);
        Ok((start, len))
    }

    /// Adds an entry; `path` and `link` must already be normalized.
    pub(crate) fn push(
        &mut self,
        path: &[u8],
        link: &[u8],
        size: u64,
        kind: EntryKind,
    ) -> Result<(), String> {
        let index = u32::try_from(self.entries.len())
            .map_err(|_| "layer has more than 4 billion entries".to_string())?;
        let (dir, name) = split_last(path);
        let same_dir = self.dirs.last().is_some_and(|&(start, len)| {
            let last = &self.names[start as usize..(start + len) as usize];
            last.len() == dir.len() && last.iter().zip(dir).all(|(a, b)| a == b)
        });
        if !same_dir {
            let span = self.push_name(dir)?;
            self.dirs.push(span);
        }
        let (name_start, name_len) = self.push_name(name)?;
        if !link.is_empty() {
            let (start, len) = self.push_name(link)?;
            self.links.push((index, start, len));
        }
        self.entries.push(RawEntry {
            dir: (self.dirs.len() - 1) as u32,
            name_start,
            name_len,
            size,
            kind,
        });
        Ok(())
    }

    /// Records the content hash of the entry pushed last.
    pub(crate) fn set_last_hash(&mut self, hash: u128) {
        let i = self.entries.len() - 1;
        self.hashes.resize(i, 0);
        self.hashes.push(hash);
    }

    /// Sets every entry's pull cost (one per entry, in order).
    pub(crate) fn set_pulls(&mut self, pulls: Vec<u64>) {
        debug_assert_eq!(pulls.len(), self.entries.len());
        if pulls.len() == self.entries.len() {
            self.pulls = pulls;
        }
    }

    /// Whether the entries have pull costs (a compressed layer).
    pub(crate) fn has_pulls(&self) -> bool {
        !self.pulls.is_empty() || self.entries.is_empty()
    }

    /// Whether the scan hashed contents.
    pub(crate) fn has_hashes(&self) -> bool {
        !self.hashes.is_empty()
    }

    /// Regular files among the entries.
    pub(crate) fn files(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.kind == EntryKind::File)
            .count()
    }

    /// Gives back the room that growing left unused.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.names.shrink_to_fit();
        self.dirs.shrink_to_fit();
        self.entries.shrink_to_fit();
        self.links.shrink_to_fit();
        self.hashes.shrink_to_fit();
        self.pulls.shrink_to_fit();
    }
}

/// Normalizes a tar member name: strips `./` and `/` prefixes, resolves `.` and `..`
/// lexically (never above the root), drops empty components and a trailing slash.
pub(crate) fn normalize_path(raw: &[u8], out: &mut Vec<u8>) {
    if is_normal(raw) {
        out.clear();
        out.extend_from_slice(raw);
    } else {
        normalize_components(raw, out);
    }
}

/// [`normalize_path`] component by component, for names that are not normal.
fn normalize_components(raw: &[u8], out: &mut Vec<u8>) {
    out.clear();
    for comp in raw.split(|&b| b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => {
                let (dir, _) = split_last(out);
                let keep = dir.len();
                out.truncate(keep);
            }
            c => {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(c);
            }
        }
    }
}

/// Whether `raw` is normal already (most tar names are): no `/` first or last, no
/// empty, `.` or `..` component. Looked for with memchr, not byte by byte: a
/// `.` or `..` component begins with a dot, an empty one is a `/` after a `/`.
fn is_normal(raw: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (raw.first(), raw.last()) else {
        return true;
    };
    if first == b'/' || last == b'/' {
        return false;
    }
    for i in memchr::memchr_iter(b'.', raw) {
        if i == 0 || raw[i - 1] == b'/' {
            let rest = &raw[i + 1..];
            let rest = rest.strip_prefix(b".").unwrap_or(rest);
            if rest.first().is_none_or(|&b| b == b'/') {
                return false;
            }
        }
    }
    memchr::memchr_iter(b'/', raw).all(|i| raw.get(i + 1) != Some(&b'/'))
}

/// Classifies a normalized path by its last component.
pub(super) fn whiteout_kind(path: &[u8]) -> Option<EntryKind> {
    let (_, base) = split_last(path);
    if base == b".wh..wh..opq" {
        Some(EntryKind::Opaque)
    } else if base.starts_with(b".wh..wh.") {
        // AUFS bookkeeping (`.wh..wh.plnk`, `.wh..wh.aufs`): not content, no effect.
        Some(EntryKind::Meta)
    } else if base.starts_with(b".wh.") && base.len() > 4 {
        Some(EntryKind::Whiteout)
    } else {
        None
    }
}

/// eStargz's table of contents and landmarks, stored as the last entries of the layer.
pub(super) fn is_estargz_metadata(path: &[u8]) -> bool {
    matches!(
        path,
        b"stargz.index.json" | b".prefetch.landmark" | b".no.prefetch.landmark"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_member_names() {
        let mut out = Vec::new();
        for (raw, want) in [
            ("./usr/bin/", "usr/bin"),
            ("/etc//passwd", "etc/passwd"),
            ("a/./b/../c", "a/c"),
            ("../../x", "x"),
            ("./", ""),
            ("app/node_modules/.bin/tsc", "app/node_modules/.bin/tsc"),
        ] {
            normalize_path(raw.as_bytes(), &mut out);
            assert_eq!(String::from_utf8_lossy(&out), want, "for {raw}");
        }
    }

    /// Every name of up to 7 bytes over `a`, `.` and `/`: the shortcut for names
    /// already normal gives what the component-by-component walk gives.
    #[test]
    fn the_shortcut_for_normal_names_agrees_with_the_walk() {
        let (mut names, mut out, mut walked, mut shortcuts) =
            (vec![Vec::new()], Vec::new(), Vec::new(), 0);
        for _ in 0..7 {
            let longer: Vec<Vec<u8>> = names
                .iter()
                .flat_map(|n| {
                    b"a./".iter().map(move |&b| {
                        let mut m: Vec<u8> = n.clone();
                        m.push(b);
                        m
                    })
                })
                .collect();
            for raw in &longer {
                normalize_path(raw, &mut out);
                normalize_components(raw, &mut walked);
                assert_eq!(out, walked, "for {}", String::from_utf8_lossy(raw));
                shortcuts += usize::from(is_normal(raw));
            }
            names = longer;
        }
        // The shortcut is taken (`a`, `a.a`, `.a/...a`), not only the walk.
        assert!(shortcuts > 100, "{shortcuts}");
    }

    #[test]
    fn whiteouts_are_told_apart() {
        assert_eq!(whiteout_kind(b"a/.wh.b"), Some(EntryKind::Whiteout));
        assert_eq!(whiteout_kind(b"a/.wh..wh..opq"), Some(EntryKind::Opaque));
        assert_eq!(whiteout_kind(b".wh..wh.plnk"), Some(EntryKind::Meta));
        assert_eq!(whiteout_kind(b"a/b.wh.c"), None);
        assert_eq!(whiteout_kind(b"a/.wh."), None);
    }

    #[test]
    fn whiteout_targets() {
        let mut f = LayerFiles::default();
        f.push(b"a/.wh.b", b"", 0, EntryKind::Whiteout).unwrap();
        f.push(b".wh.top", b"", 0, EntryKind::Whiteout).unwrap();
        f.push(b"d/e/.wh..wh..opq", b"", 0, EntryKind::Opaque)
            .unwrap();
        assert_eq!(f.get(0).whiteout_target().unwrap(), b"a/b");
        assert_eq!(f.get(1).whiteout_target().unwrap(), b"top");
        assert_eq!(f.get(2).whiteout_target().unwrap(), b"d/e");
    }
}
