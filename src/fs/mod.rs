//! The filesystem model: the layers applied in order with OCI whiteout semantics.
//!
//! Every regular file's bytes are a *content*, shared by the file and its hardlinks.
//! A content is visible while some alive path refers to it; when the last one is
//! overwritten or deleted, its bytes become *hidden*: shipped in the image, invisible
//! in the container. Hidden bytes are counted on the layer that added them and
//! recorded against the layer that hid them. Hence, always:
//! `layer_bytes = final_bytes + hidden_bytes`.

pub(crate) mod tree;
mod usage;

pub use usage::Usage;

use std::collections::BTreeMap;

use crate::layer::{EntryKind, LayerFiles};
use tree::{Interner, NodeId, PathTree, ROOT};

const NO_CONTENT: u32 = u32::MAX;

/// Entries applied over all layers, at most: a real image has a few million; a
/// crafted manifest can list one layer of many entries thousands of times.
const MAX_APPLIED: usize = 16 << 20;

/// What a path is in the model.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeKind {
    #[default]
    Dir,
    File,
    Hardlink,
    Symlink,
    Other,
}

/// Per-node data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FsNode {
    pub kind: NodeKind,
    /// The layer that last set this path.
    pub layer: u16,
    content: u32,
}

impl Default for FsNode {
    fn default() -> Self {
        FsNode {
            kind: NodeKind::Dir,
            layer: 0,
            content: NO_CONTENT,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Content {
    size: u64,
    layer: u16,
    refs: u32,
}

/// Per-layer figures from applying the layers.
#[derive(Debug, Default, Clone)]
pub(crate) struct LayerStats {
    /// Bytes of regular files in the layer's tar.
    pub bytes: u64,
    /// Regular files in the layer's tar.
    pub files: u64,
    /// Tar entries of any kind.
    pub entries: u64,
    /// Of `bytes`, those a later layer (or a later entry of this one) hid.
    pub hidden_bytes: u64,
    pub hidden_files: u64,
    /// Bytes of earlier layers that this layer hid.
    pub hides_bytes: u64,
}

/// Bytes that layer `added_by` shipped and layer `hidden_by` hid.
#[derive(Debug, Default, Clone)]
pub(crate) struct Churn {
    pub bytes: u64,
    pub files: u64,
    /// Their pull cost (when every layer is compressed).
    pub pull: u64,
    /// The largest hidden paths, largest first: (bytes, node).
    pub examples: Vec<(u64, NodeId)>,
}

const CHURN_EXAMPLES: usize = 5;

impl Churn {
    /// Adds `other`'s bytes and files, keeping the largest examples of both.
    pub(crate) fn merge(&mut self, other: &Churn) {
        self.bytes += other.bytes;
        self.files += other.files;
        self.pull += other.pull;
        self.examples.extend_from_slice(&other.examples);
        self.examples.sort_by_key(|e| std::cmp::Reverse(e.0));
        self.examples.truncate(CHURN_EXAMPLES);
    }
}

/// A layer that cannot be applied.
#[derive(Debug)]
pub struct FsError {
    pub layer: usize,
    pub msg: String,
}

/// The stacked filesystem.
pub struct FsModel {
    pub(crate) names: Interner,
    pub(crate) tree: PathTree<FsNode>,
    contents: Vec<Content>,
    /// Contents hidden for good (no path refers to them): their slots are used
    /// again, so a layer applied many times does not grow the model each time.
    free: Vec<u32>,
    pub(crate) layers: Vec<LayerStats>,
    /// Keyed by (added_by, hidden_by) layer index: hidden bytes, except rewrites.
    pub(crate) churn: BTreeMap<(u16, u16), Churn>,
    /// Keyed the same way: hidden bytes whose path a later layer wrote again with
    /// the same content (same hash with `--content`, else the same size): what a
    /// `RUN chown -R` or `chmod -R` after a `COPY` ships twice.
    pub(crate) rewrites: BTreeMap<(u16, u16), Churn>,
    /// Content hashes by content index (`--content`); empty when not hashed.
    hashes: Vec<u128>,
    /// Pull costs by content index (the compressed bytes of its tar entry), when
    /// every layer is compressed (`pulled`); else empty.
    pulls: Vec<u64>,
    pulled: bool,
}

/// Subtree totals of one node, each content counted once.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Total {
    pub bytes: u64,
    pub files: u64,
    /// Compressed bytes (when every layer is compressed).
    pub pull: u64,
}

impl FsModel {
    /// Applies `layers` in order (index 0 = base).
    pub fn build<'a>(layers: impl IntoIterator<Item = &'a LayerFiles>) -> Result<FsModel, FsError> {
        let mut m = FsModel {
            names: Interner::default(),
            tree: PathTree::new(),
            contents: Vec::new(),
            free: Vec::new(),
            layers: Vec::new(),
            churn: BTreeMap::new(),
            rewrites: BTreeMap::new(),
            hashes: Vec::new(),
            pulls: Vec::new(),
            pulled: false,
        };
        m.tree.set_alive(ROOT, true);
        let layers: Vec<&LayerFiles> = layers.into_iter().collect();
        let applied: usize = layers.iter().map(|f| f.len()).sum();
        if applied > MAX_APPLIED {
            return Err(FsError {
                layer: layers.len().saturating_sub(1),
                msg: format!(
                    "the layers hold {applied} entries in all, more than the {MAX_APPLIED} imgsize applies (is one layer listed many times?)"
                ),
            });
        }
        // Most entries are new paths: growing by doubling would leave up to half the
        // space unused, a lot with millions of files. A layer listed twice brings
        // its paths once.
        let distinct = crate::layer::distinct(&layers);
        let entries = distinct.iter().map(|f| f.len()).sum();
        m.tree.reserve(entries);
        // Most names are file names, and most file names differ.
        m.names.reserve(entries);
        m.contents.reserve(distinct.iter().map(|f| f.files()).sum());
        let hashed = layers.iter().any(|f| f.has_hashes());
        if hashed {
            m.hashes.reserve(m.contents.capacity());
        }
        let pulled = !layers.is_empty() && layers.iter().all(|f| f.has_pulls());
        m.pulled = pulled;
        if pulled {
            m.pulls.reserve(m.contents.capacity());
        }
        for (i, files) in layers.into_iter().enumerate() {
            let k = u16::try_from(i).map_err(|_| FsError {
                layer: i,
                msg: "more than 65535 layers".into(),
            })?;
            m.layers.push(LayerStats::default());
            m.apply(k, files, hashed, pulled)
                .map_err(|msg| FsError { layer: i, msg })?;
        }
        m.names.shrink_to_fit();
        Ok(m)
    }

    /// Lets go of `node`'s content; `rewrite` when the layer writes the same
    /// content back to the same path.
    fn release(&mut self, node: NodeId, by: u16, rewrite: bool) {
        let c = self.tree.data(node).content;
        let hidden = release(
            &mut self.contents,
            &self.pulls,
            &mut self.layers,
            if rewrite {
                &mut self.rewrites
            } else {
                &mut self.churn
            },
            c,
            node,
            by,
        );
        if hidden {
            self.free.push(c);
        }
        self.tree.data_mut(node).content = NO_CONTENT;
    }

    /// Whether content `new` of layer `k` is content `old` of an earlier layer
    /// again: the same hash when hashed, else the same (non-zero) size.
    fn same_content(&self, old: u32, new: u32, k: u16) -> bool {
        if old == NO_CONTENT || new == NO_CONTENT {
            return false;
        }
        let (o, n) = (&self.contents[old as usize], &self.contents[new as usize]);
        if o.layer >= k || o.size != n.size || o.size == 0 {
            return false;
        }
        match (self.hashes.get(old as usize), self.hashes.get(new as usize)) {
            (Some(&a), Some(&b)) => a != 0 && a == b,
            _ => self.hashes.is_empty(),
        }
    }

    /// Whether paths have pull costs (every layer is compressed).
    pub(crate) fn pulled(&self) -> bool {
        self.pulled
    }

    /// Whether contents were hashed (`--content`): rewrites are then exact.
    pub(crate) fn hashed(&self) -> bool {
        !self.hashes.is_empty()
    }

    /// The content hash of a file node, when hashed.
    pub(crate) fn content_hash(&self, node: NodeId) -> Option<u128> {
        let c = self.tree.data(node).content;
        self.hashes.get(c as usize).copied().filter(|&h| h != 0)
    }

    /// Hidden bytes by (added_by, hidden_by), rewrites included.
    pub(crate) fn hidden_pairs(&self) -> BTreeMap<(u16, u16), Churn> {
        let mut all = self.churn.clone();
        for (&key, r) in &self.rewrites {
            all.entry(key).or_default().merge(r);
        }
        all
    }

    fn kill(&mut self, node: NodeId, include_self: bool, by: u16) {
        let (contents, layers, churn) = (&mut self.contents, &mut self.layers, &mut self.churn);
        let (pulls, free) = (&self.pulls, &mut self.free);
        self.tree.kill_subtree(node, include_self, |tree, n| {
            let c = tree.data(n).content;
            if release(contents, pulls, layers, churn, c, n, by) {
                free.push(c);
            }
            tree.data_mut(n).content = NO_CONTENT;
        });
    }

    /// Makes every component of `dir` an alive directory, replacing files in the way.
    fn ensure_dirs(&mut self, dir: &[u8], k: u16) -> NodeId {
        let mut node = ROOT;
        for comp in dir.split(|&b| b == b'/').filter(|c| !c.is_empty()) {
            let sym = self.names.intern(comp);
            let child = self.tree.child_slot(node, sym);
            if self.tree.is_alive(child) {
                if self.tree.data(child).kind != NodeKind::Dir {
                    self.release(child, k, false);
                    *self.tree.data_mut(child) = FsNode {
                        kind: NodeKind::Dir,
                        layer: k,
                        content: NO_CONTENT,
                    };
                }
            } else {
                self.tree.set_alive(child, true);
                *self.tree.data_mut(child) = FsNode {
                    kind: NodeKind::Dir,
                    layer: k,
                    content: NO_CONTENT,
                };
            }
            node = child;
        }
        node
    }

    fn apply(
        &mut self,
        k: u16,
        files: &LayerFiles,
        hashed: bool,
        pulled: bool,
    ) -> Result<(), String> {
        self.apply_whiteouts(k, files);
        let mut cached_dir: Vec<u8> = Vec::new();
        let mut cached_parent = ROOT;
        for e in files.iter() {
            self.layers[k as usize].entries += 1;
            let kind = match e.kind {
                EntryKind::File => NodeKind::File,
                EntryKind::Hardlink => NodeKind::Hardlink,
                EntryKind::Symlink => NodeKind::Symlink,
                EntryKind::Dir => NodeKind::Dir,
                EntryKind::Other => NodeKind::Other,
                EntryKind::Whiteout | EntryKind::Opaque | EntryKind::Meta => continue,
            };
            // Tar entries come grouped by directory: reuse the last parent while it is
            // still an alive directory.
            let parent = if e.dir == cached_dir.as_slice()
                && self.tree.is_alive(cached_parent)
                && self.tree.data(cached_parent).kind == NodeKind::Dir
            {
                cached_parent
            } else {
                let p = self.ensure_dirs(e.dir, k);
                cached_dir.clear();
                cached_dir.extend_from_slice(e.dir);
                cached_parent = p;
                p
            };
            let sym = self.names.intern(e.name);
            let node = self.tree.child_slot(parent, sym);
            // The new content first: a hardlink shares its target's.
            let content = match kind {
                NodeKind::File => self.new_content(k, &e, hashed, pulled),
                NodeKind::Hardlink => self.link_content(&e)?,
                _ => NO_CONTENT,
            };
            self.set(node, kind, k, content);
        }
        Ok(())
    }

    /// Whiteouts and opaque markers act on lower layers only, wherever they sit in
    /// the tar: applied before any of the layer's own entries.
    fn apply_whiteouts(&mut self, k: u16, files: &LayerFiles) {
        for e in files.iter() {
            match e.kind {
                EntryKind::Whiteout => {
                    let target = e.whiteout_target().unwrap_or_default();
                    if let Some(n) = self.tree.lookup(&self.names, &target) {
                        if n != ROOT {
                            self.kill(n, true, k);
                        }
                    }
                }
                EntryKind::Opaque => {
                    let dir = e.whiteout_target().unwrap_or_default();
                    if let Some(n) = self.tree.lookup(&self.names, &dir) {
                        if self.tree.data(n).kind == NodeKind::Dir {
                            self.kill(n, false, k);
                            // The folder is this layer's now: it made it anew.
                            self.tree.data_mut(n).layer = k;
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// A regular file's new content, counted on layer `k` (in the slot of a
    /// content hidden for good, when there is one).
    fn new_content(
        &mut self,
        k: u16,
        e: &crate::layer::Entry<'_>,
        hashed: bool,
        pulled: bool,
    ) -> u32 {
        let layer = &mut self.layers[k as usize];
        layer.bytes += e.size;
        layer.files += 1;
        let content = Content {
            size: e.size,
            layer: k,
            refs: 1,
        };
        let (hash, pull) = (e.hash.unwrap_or(0), e.pull.unwrap_or(0));
        match self.free.pop() {
            Some(c) => {
                self.contents[c as usize] = content;
                if hashed {
                    self.hashes[c as usize] = hash;
                }
                if pulled {
                    self.pulls[c as usize] = pull;
                }
                c
            }
            None => {
                self.contents.push(content);
                if hashed {
                    self.hashes.push(hash);
                }
                if pulled {
                    self.pulls.push(pull);
                }
                (self.contents.len() - 1) as u32
            }
        }
    }

    /// A hardlink's content: its target's, one reference more.
    fn link_content(&mut self, e: &crate::layer::Entry<'_>) -> Result<u32, String> {
        let target = self.tree.lookup(&self.names, e.link).ok_or_else(|| {
            format!(
                "hardlink {} points to {}, which is not in the image",
                String::from_utf8_lossy(&e.path()),
                String::from_utf8_lossy(e.link)
            )
        })?;
        let c = self.tree.data(target).content;
        if c != NO_CONTENT {
            self.contents[c as usize].refs += 1;
        }
        Ok(c)
    }

    /// Sets `node` to an entry of layer `k`, letting go of what was there: a
    /// folder's subtree, or a file's content (as a rewrite when it is the same).
    fn set(&mut self, node: NodeId, kind: NodeKind, k: u16, content: u32) {
        if self.tree.is_alive(node) {
            let old = *self.tree.data(node);
            if kind == NodeKind::Dir && old.kind == NodeKind::Dir {
                return;
            }
            if old.kind == NodeKind::Dir {
                self.kill(node, false, k);
            }
            let rewrite = kind == NodeKind::File
                && old.kind == NodeKind::File
                && self.same_content(old.content, content, k);
            self.release(node, k, rewrite);
        }
        self.tree.set_alive(node, true);
        *self.tree.data_mut(node) = FsNode {
            kind,
            layer: k,
            content,
        };
    }

    /// Bytes of regular files over all layers (what `docker images` shows).
    pub fn layer_bytes(&self) -> u64 {
        self.layers.iter().map(|l| l.bytes).sum()
    }

    /// Bytes added by some layer and hidden by a later one.
    pub fn hidden_bytes(&self) -> u64 {
        self.layers.iter().map(|l| l.hidden_bytes).sum()
    }

    /// Bytes visible in the final filesystem.
    pub fn final_bytes(&self) -> u64 {
        self.contents
            .iter()
            .filter(|c| c.refs > 0)
            .map(|c| c.size)
            .sum()
    }

    /// Regular files visible in the final filesystem (hardlinks not counted twice).
    pub(crate) fn final_files(&self) -> u64 {
        self.contents.iter().filter(|c| c.refs > 0).count() as u64
    }

    /// The bytes a node's own content holds, and the layer that added them.
    pub(crate) fn content_of(&self, node: NodeId) -> Option<(u64, u16)> {
        let c = self.tree.data(node).content;
        (c != NO_CONTENT).then(|| {
            let c = &self.contents[c as usize];
            (c.size, c.layer)
        })
    }

    /// The pull cost of the content `node` shows, when every layer is compressed.
    pub(crate) fn pull_of(&self, node: NodeId) -> Option<u64> {
        let c = self.tree.data(node).content;
        (self.pulled && c != NO_CONTENT).then(|| self.pulls.get(c as usize).copied().unwrap_or(0))
    }

    pub(crate) fn path_string(&self, node: NodeId) -> String {
        let p = self.tree.path(&self.names, node);
        if p.is_empty() {
            return "/".into();
        }
        format!("/{}", crate::text::path_text(&p))
    }
}

/// Drops one reference to content `c`; when it was the last, the content's bytes
/// become hidden, counted against layer `by`, and `true` is returned (the slot
/// may be used again).
fn release(
    contents: &mut [Content],
    pulls: &[u64],
    layers: &mut [LayerStats],
    churn: &mut BTreeMap<(u16, u16), Churn>,
    c: u32,
    node: NodeId,
    by: u16,
) -> bool {
    if c == NO_CONTENT {
        return false;
    }
    let content = &mut contents[c as usize];
    content.refs -= 1;
    if content.refs > 0 {
        return false;
    }
    let (size, from) = (content.size, content.layer);
    let l = &mut layers[from as usize];
    l.hidden_bytes += size;
    l.hidden_files += 1;
    layers[by as usize].hides_bytes += size;
    let cell = churn.entry((from, by)).or_default();
    cell.bytes += size;
    cell.files += 1;
    cell.pull += pulls.get(c as usize).copied().unwrap_or(0);
    if cell.examples.len() < CHURN_EXAMPLES || cell.examples.last().is_some_and(|&(b, _)| b < size)
    {
        let at = cell.examples.partition_point(|&(b, _)| b >= size);
        cell.examples.insert(at, (size, node));
        cell.examples.truncate(CHURN_EXAMPLES);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(entries: &[(&str, EntryKind, u64, &str)]) -> LayerFiles {
        let mut f = LayerFiles::default();
        for (p, k, s, l) in entries {
            f.push(p.as_bytes(), l.as_bytes(), *s, *k).unwrap();
        }
        f
    }
    use EntryKind::*;

    fn check_invariant(m: &FsModel) {
        assert_eq!(m.layer_bytes(), m.final_bytes() + m.hidden_bytes());
    }

    #[test]
    fn overwrite_hides_the_lower_copy() {
        let l0 = layer(&[("app", Dir, 0, ""), ("app/a", File, 100, "")]);
        let l1 = layer(&[("app/a", File, 30, "")]);
        let m = FsModel::build([&l0, &l1]).unwrap();
        assert_eq!(m.layer_bytes(), 130);
        assert_eq!(m.final_bytes(), 30);
        assert_eq!(m.layers[0].hidden_bytes, 100);
        assert_eq!(m.layers[1].hides_bytes, 100);
        assert_eq!(m.churn[&(0, 1)].bytes, 100);
        check_invariant(&m);
    }

    #[test]
    fn whiteout_deletes_a_whole_directory() {
        let l0 = layer(&[
            ("d/x", File, 10, ""),
            ("d/e/y", File, 20, ""),
            ("k", File, 1, ""),
        ]);
        let l1 = layer(&[(".wh.d", Whiteout, 0, "")]);
        let m = FsModel::build([&l0, &l1]).unwrap();
        assert_eq!(m.final_bytes(), 1);
        assert_eq!(m.hidden_bytes(), 30);
        assert!(m.tree.lookup(&m.names, b"d").is_none());
        check_invariant(&m);
    }

    #[test]
    fn opaque_applies_before_the_layers_own_entries() {
        let l0 = layer(&[("d/old", File, 10, "")]);
        // The new file comes before the marker in the tar and must survive it.
        let l1 = layer(&[("d/new", File, 5, ""), ("d/.wh..wh..opq", Opaque, 0, "")]);
        let m = FsModel::build([&l0, &l1]).unwrap();
        assert_eq!(m.final_bytes(), 5);
        assert_eq!(m.hidden_bytes(), 10);
        assert!(m.tree.lookup(&m.names, b"d/new").is_some());
        assert!(m.tree.lookup(&m.names, b"d/old").is_none());
        check_invariant(&m);
    }

    #[test]
    fn whiteout_does_not_touch_the_same_layer() {
        let l0 = layer(&[("f", File, 10, "")]);
        let l1 = layer(&[("f", File, 7, ""), (".wh.f", Whiteout, 0, "")]);
        let m = FsModel::build([&l0, &l1]).unwrap();
        assert_eq!(m.final_bytes(), 7);
        check_invariant(&m);
    }

    #[test]
    fn hardlinks_count_once_and_keep_content_alive() {
        let l0 = layer(&[("a", File, 50, ""), ("b", Hardlink, 0, "a")]);
        let m = FsModel::build([&l0]).unwrap();
        assert_eq!(m.final_bytes(), 50);
        assert_eq!(m.final_files(), 1);
        // Deleting one name keeps the bytes visible through the other.
        let l1 = layer(&[(".wh.a", Whiteout, 0, "")]);
        let m = FsModel::build([&l0, &l1]).unwrap();
        assert_eq!(m.final_bytes(), 50);
        assert_eq!(m.hidden_bytes(), 0);
        let l2 = layer(&[(".wh.b", Whiteout, 0, "")]);
        let m = FsModel::build([&l0, &l1, &l2]).unwrap();
        assert_eq!(m.final_bytes(), 0);
        assert_eq!(m.hidden_bytes(), 50);
        check_invariant(&m);
    }

    #[test]
    fn hardlink_to_nothing_is_an_error() {
        let l0 = layer(&[("b", Hardlink, 0, "missing")]);
        let err = FsModel::build([&l0]).err().unwrap();
        assert!(err.msg.contains("missing"), "{}", err.msg);
    }

    #[test]
    fn file_replaced_by_directory_and_back() {
        let l0 = layer(&[("x", File, 10, "")]);
        let l1 = layer(&[("x/inner", File, 3, "")]);
        let l2 = layer(&[("x", File, 4, "")]);
        let m = FsModel::build([&l0, &l1, &l2]).unwrap();
        assert_eq!(m.final_bytes(), 4);
        assert_eq!(m.hidden_bytes(), 13);
        assert_eq!(m.churn[&(0, 1)].bytes, 10);
        assert_eq!(m.churn[&(1, 2)].bytes, 3);
        check_invariant(&m);
    }

    #[test]
    fn deleted_then_recreated_directory_keeps_old_children_dead() {
        let l0 = layer(&[("d/a", File, 10, "")]);
        let l1 = layer(&[(".wh.d", Whiteout, 0, "")]);
        let l2 = layer(&[("d/b", File, 2, "")]);
        let m = FsModel::build([&l0, &l1, &l2]).unwrap();
        assert!(m.tree.lookup(&m.names, b"d/a").is_none());
        assert_eq!(m.final_bytes(), 2);
        check_invariant(&m);
    }

    #[test]
    fn usage_totals_add_up() {
        let l0 = layer(&[
            ("usr/lib/a", File, 10, ""),
            ("usr/lib/b", File, 5, ""),
            ("etc/c", File, 1, ""),
            ("etc/h", Hardlink, 0, "usr/lib/a"),
        ]);
        let m = FsModel::build([&l0]).unwrap();
        let u = m.usage();
        let mut paths = Vec::new();
        u.for_each_path(&m, |n, p| paths.push((n, p.to_vec())));
        for (n, p) in &paths {
            assert_eq!(p, m.path_string(*n).as_bytes());
        }
        assert_eq!(paths.len(), 8); // /, usr, usr/lib, a, b, etc, etc/c, etc/h
        assert_eq!(u.totals[ROOT as usize].bytes, 16);
        assert_eq!(u.totals[ROOT as usize].files, 3);
        let usr = m.tree.lookup(&m.names, b"usr").unwrap();
        assert_eq!(u.depth[usr as usize], 1);
    }
}
