//! dive's efficiency figures, computed exactly as dive 0.13.1 computes them, so teams
//! can keep their dive CI thresholds.
//!
//! dive builds one tree per layer from the tar headers (implicit parent folders get an
//! empty `FileInfo`: not a directory, size 0), visits each layer's *leaves* children
//! first in name order, and for each keeps per path the cumulative size, the smallest
//! size seen and the number of layers. A whiteout leaf's size is that of everything
//! under the deleted path when the lower layers, stacked, had it as a directory, else
//! 0; a whiteout of a path the lower layers do not have makes dive stop visiting the
//! rest of that layer (its path keeps a minimum of -1). dive re-stacks all lower layers
//! for every whiteout; here one running stacked tree gives the same answers in linear
//! time.
//!
//! These figures differ from imgsize's own `hidden_bytes` (see the README): dive counts
//! the kept copy of a file changed in two layers as "wasted", ignores opaque
//! directories, and counts a deleted file as 0 bytes.

use crate::fs::tree::{Interner, NodeId, PathTree, ROOT};
use crate::layer::{EntryKind, LayerFiles};

/// A node of one layer's tree: the index of the tar entry that set it, if any (a
/// parent folder with no entry of its own has none). Four bytes, not sixteen: a
/// layer can hold a million entries.
#[derive(Debug, Clone, Copy)]
struct LayerNode(u32);

const NO_ENTRY: u32 = u32::MAX;

impl Default for LayerNode {
    fn default() -> Self {
        LayerNode(NO_ENTRY)
    }
}

impl LayerNode {
    /// dive's `FileInfo` of the node: (is a directory, size).
    fn info(self, files: &LayerFiles) -> (bool, i64) {
        match self.0 {
            NO_ENTRY => (false, 0),
            i => {
                let e = files.get(i as usize);
                (e.kind == EntryKind::Dir, e.size as i64)
            }
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct StackNode {
    /// The stacked tree's `FileInfo`.
    is_dir: bool,
    size: i64,
    /// The efficiency map's record for this path.
    seen: bool,
    cum: i64,
    min: i64,
    count: u32,
}

/// A path dive counts as inefficient: present in two or more layers.
#[derive(Debug, Clone, PartialEq)]
pub struct Inefficiency {
    pub path: String,
    pub count: u32,
    pub cumulative_bytes: u64,
}

/// dive's figures for one image.
#[derive(Debug, Clone, PartialEq)]
pub struct DiveFigures {
    /// sum(min) / sum(cum), 1.0 when nothing was counted.
    pub efficiency: f64,
    /// Sum of the cumulative sizes of paths found in two or more layers.
    pub wasted_bytes: u64,
    /// wasted_bytes / bytes of layers 1..end. NaN for a one-layer image, as in dive.
    pub user_wasted_percent: f64,
    /// Sum of all tar header sizes (dive's image size).
    pub size_bytes: u64,
    /// The same without layer 0.
    pub user_size_bytes: u64,
    /// The largest inefficient paths, largest first.
    pub inefficient: Vec<Inefficiency>,
    /// Layers whose visit dive abandons (a whiteout of a path it cannot find).
    pub abandoned_layers: Vec<usize>,
}

/// Builds the tree dive builds for one layer (its `AddPath` per tar entry), and
/// says whether it holds a whiteout.
fn layer_tree(files: &LayerFiles, names: &mut Interner) -> (PathTree<LayerNode>, bool) {
    let mut t: PathTree<LayerNode> = PathTree::new();
    t.set_alive(ROOT, true);
    t.reserve(files.len());
    // Tar entries come grouped by folder: the last parent is looked up once.
    let mut cached_dir: Vec<u8> = Vec::new();
    let mut cached: Option<NodeId> = Some(ROOT);
    let mut whiteouts = false;
    for (i, e) in files.iter().enumerate() {
        let (dir, base) = (e.dir, e.name);
        if dir != cached_dir.as_slice() {
            let mut node = Some(ROOT);
            for comp in dir.split(|&b| b == b'/').filter(|c| !c.is_empty()) {
                node = node.and_then(|n| add(&mut t, names, n, comp, &mut whiteouts));
            }
            cached_dir.clear();
            cached_dir.extend_from_slice(dir);
            cached = node;
        }
        if let Some(node) = cached.and_then(|p| add(&mut t, names, p, base, &mut whiteouts)) {
            // A later entry for the same path wins, as in dive.
            *t.data_mut(node) = LayerNode(i as u32);
        }
    }
    (t, whiteouts)
}

/// The child `comp` of `parent` in a layer's tree, added if new; `None` for a new
/// `.wh..wh..*` name (an opaque marker), which dive never adds, though it has
/// already created its parents. Sets `whiteouts` when it adds a whiteout (as a
/// leaf or, in a crafted layer, as a folder).
fn add(
    t: &mut PathTree<LayerNode>,
    names: &mut Interner,
    parent: NodeId,
    comp: &[u8],
    whiteouts: &mut bool,
) -> Option<NodeId> {
    let sym = names.intern(comp);
    if let Some(c) = t.child(parent, sym) {
        return Some(c);
    }
    if comp.starts_with(b".wh..wh..") {
        return None;
    }
    *whiteouts |= comp.starts_with(WHITEOUT);
    let c = t.child_slot(parent, sym);
    t.set_alive(c, true);
    Some(c)
}

/// All non-root nodes, children before parents, siblings in byte order of names.
fn children_first_sorted<T>(t: &PathTree<T>, names: &Interner) -> Vec<NodeId> {
    let mut out = Vec::with_capacity(t.len());
    let mut stack = vec![(ROOT, false)];
    let mut kids = Vec::new();
    while let Some((n, expanded)) = stack.pop() {
        if expanded {
            if n != ROOT {
                out.push(n);
            }
            continue;
        }
        stack.push((n, true));
        kids.clear();
        kids.extend(t.children(n));
        kids.sort_by(|a, b| names.name(t.name(*a)).cmp(names.name(t.name(*b))));
        stack.extend(kids.iter().rev().map(|&k| (k, false)));
    }
    out
}

fn subtree_size<T: Copy>(t: &PathTree<T>, n: NodeId, size: impl Fn(&T) -> i64) -> i64 {
    let mut sum = 0;
    t.for_each_alive(n, |c| sum += size(t.data(c)));
    sum
}

/// Brings `n` and its ancestors to life in the stacked tree; the ones that were not
/// alive get dive's empty `FileInfo`.
fn revive(stacked: &mut PathTree<StackNode>, n: NodeId) {
    let mut chain = Vec::new();
    let mut cur = n;
    while !stacked.is_alive(cur) {
        chain.push(cur);
        match stacked.parent(cur) {
            Some(p) => cur = p,
            None => break,
        }
    }
    for c in chain {
        stacked.set_alive(c, true);
        let d = stacked.data_mut(c);
        d.is_dir = false;
        d.size = 0;
    }
}

const WHITEOUT: &[u8] = b".wh.";

/// The running state of dive's walk over the layers: the stacked tree (which
/// also holds each path's efficiency record) and the names of every tree.
struct Walk {
    names: Interner,
    stacked: PathTree<StackNode>,
}

/// Computes dive's figures over the layers (index 0 = base).
pub fn figures(layers: &[&LayerFiles], top: usize) -> DiveFigures {
    figures_in_order(layers, top, false)
}

/// [`figures`], every layer visited in dive's order when `always_sorted` (the
/// tests compare the two).
fn figures_in_order(layers: &[&LayerFiles], top: usize, always_sorted: bool) -> DiveFigures {
    let mut w = Walk {
        names: Interner::default(),
        stacked: PathTree::new(),
    };
    w.stacked.set_alive(ROOT, true);
    // Room for the distinct layers' entries: a layer listed twice adds no paths.
    let entries = crate::layer::distinct(layers).iter().map(|f| f.len()).sum();
    w.stacked.reserve(entries);
    w.names.reserve(entries);
    let mut layer_sizes = Vec::with_capacity(layers.len());
    let mut abandoned_layers = Vec::new();
    for (k, files) in layers.iter().enumerate() {
        layer_sizes.push(files.iter().map(|e| e.size).sum::<u64>());
        let (lt, whiteouts) = layer_tree(files, &mut w.names);
        // dive visits children first, siblings in name order. Only a whiteout
        // makes that order matter (the first one of a path the lower layers lack
        // ends the visit; one beside its own target kills or keeps what the layer
        // brings there): without one, any children-first order gives the same
        // figures, and the ids, which grow from parents to children, reversed are
        // one. Most layers have no whiteout, and sorting every folder's children
        // by name was a tenth of dive's figures on debian-npm.
        let order: Vec<NodeId> = if whiteouts || always_sorted {
            children_first_sorted(&lt, &w.names)
        } else {
            (1..lt.len() as NodeId).rev().collect()
        };
        // Each layer node's slot in the stacked tree (ids grow from parents to children).
        let mut slot = vec![ROOT; lt.len()];
        for id in 1..lt.len() as NodeId {
            let parent = lt.parent(id).unwrap_or(ROOT);
            slot[id as usize] = w.stacked.child_slot(slot[parent as usize], lt.name(id));
        }
        if !w.visit(k, files, &lt, &order, &slot) {
            abandoned_layers.push(k);
        }
        w.stack(files, &lt, &order, &slot);
    }
    w.summarize(top, &layer_sizes, abandoned_layers)
}

impl Walk {
    /// dive's efficiency visit of one layer's leaves: each adds its size to its
    /// path's record. False when dive abandons the layer (a whiteout of a path it
    /// cannot find).
    fn visit(
        &mut self,
        k: usize,
        files: &LayerFiles,
        lt: &PathTree<LayerNode>,
        order: &[NodeId],
        slot: &[NodeId],
    ) -> bool {
        let (names, stacked) = (&mut self.names, &mut self.stacked);
        for &n in order {
            if lt.children(n).next().is_some() {
                continue;
            }
            let parent = lt.parent(n).unwrap_or(ROOT);
            // The whiteout's target name, copied (interning it needs the names).
            let target = names
                .name(lt.name(n))
                .strip_prefix(WHITEOUT)
                .map(<[u8]>::to_vec);
            let record = match &target {
                Some(t) => stacked.child_slot(slot[parent as usize], names.intern(t)),
                None => slot[n as usize],
            };
            {
                let d = stacked.data_mut(record);
                if !d.seen {
                    d.seen = true;
                    d.min = -1;
                }
            }
            let size = if let Some(t) = &target {
                let stripped = names.get(t);
                let found = if k == 0 {
                    // dive looks a base-layer whiteout up in the base layer itself.
                    stripped.and_then(|s| lt.child(parent, s)).map(|t| {
                        if lt.data(t).info(files).0 {
                            subtree_size(lt, t, |d| d.info(files).1)
                        } else {
                            0
                        }
                    })
                } else if stacked.is_alive(record) {
                    Some(if stacked.data(record).is_dir {
                        subtree_size(stacked, record, |d| d.size)
                    } else {
                        0
                    })
                } else {
                    None
                };
                match found {
                    Some(s) => s,
                    None => return false,
                }
            } else {
                lt.data(n).info(files).1
            };
            let d = stacked.data_mut(record);
            d.cum += size;
            if d.min < 0 || size < d.min {
                d.min = size;
            }
            d.count += 1;
        }
        true
    }

    /// Stacks one layer on the running tree, visiting every node as dive's `Stack`.
    fn stack(
        &mut self,
        files: &LayerFiles,
        lt: &PathTree<LayerNode>,
        order: &[NodeId],
        slot: &[NodeId],
    ) {
        for &n in order {
            let name = self.names.name(lt.name(n));
            if name.starts_with(WHITEOUT) {
                let parent = lt.parent(n).unwrap_or(ROOT);
                if let Some(sym) = self.names.get(&name[WHITEOUT.len()..]) {
                    if let Some(target) = self.stacked.child(slot[parent as usize], sym) {
                        if self.stacked.is_alive(target) {
                            self.stacked.kill_subtree(target, true, |_, _| {});
                        }
                    }
                }
            } else {
                let s = slot[n as usize];
                revive(&mut self.stacked, s);
                let (is_dir, size) = lt.data(n).info(files);
                let d = self.stacked.data_mut(s);
                d.is_dir = is_dir;
                d.size = size;
            }
        }
    }

    /// The figures from every path's record.
    fn summarize(
        &self,
        top: usize,
        layer_sizes: &[u64],
        abandoned_layers: Vec<usize>,
    ) -> DiveFigures {
        let stacked = &self.stacked;
        let (mut sum_min, mut sum_cum, mut wasted) = (0i64, 0i64, 0i64);
        let mut inefficient: Vec<(i64, u32, NodeId)> = Vec::new();
        for id in 0..stacked.len() as NodeId {
            let d = stacked.data(id);
            if !d.seen {
                continue;
            }
            sum_min += d.min;
            sum_cum += d.cum;
            if d.count >= 2 {
                wasted += d.cum;
                inefficient.push((d.cum, d.count, id));
            }
        }
        inefficient.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)));
        let inefficient = inefficient
            .into_iter()
            .take(top)
            .map(|(cum, count, id)| Inefficiency {
                path: format!(
                    "/{}",
                    crate::text::path_text(&stacked.path(&self.names, id))
                ),
                count,
                cumulative_bytes: cum.max(0) as u64,
            })
            .collect();
        let efficiency = if sum_cum == 0 {
            1.0
        } else {
            sum_min as f64 / sum_cum as f64
        };
        let size_bytes: u64 = layer_sizes.iter().sum();
        let user_size_bytes: u64 = layer_sizes.iter().skip(1).sum();
        let wasted_bytes = wasted.max(0) as u64;
        DiveFigures {
            efficiency,
            wasted_bytes,
            user_wasted_percent: wasted_bytes as f64 / user_size_bytes as f64,
            size_bytes,
            user_size_bytes,
            inefficient,
            abandoned_layers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntryKind::*;

    fn layer(entries: &[(&str, EntryKind, u64)]) -> LayerFiles {
        let mut f = LayerFiles::default();
        for (p, k, s) in entries {
            f.push(p.as_bytes(), b"", *s, *k).unwrap();
        }
        f
    }

    #[test]
    fn a_file_changed_twice_counts_both_copies() {
        let l0 = layer(&[("etc", Dir, 0), ("etc/f", File, 100)]);
        let l1 = layer(&[("etc", Dir, 0), ("etc/f", File, 40)]);
        let d = figures(&[&l0, &l1], 10);
        // Paths: etc/f cum 140 min 40 (n=2); etc is not a leaf in either layer.
        assert_eq!(d.wasted_bytes, 140);
        assert!((d.efficiency - 40.0 / 140.0).abs() < 1e-12);
        assert_eq!(d.size_bytes, 140);
        assert_eq!(d.user_size_bytes, 40);
        assert!((d.user_wasted_percent - 3.5).abs() < 1e-12);
        assert_eq!(d.inefficient[0].path, "/etc/f");
    }

    #[test]
    fn whiteout_of_a_directory_counts_its_contents() {
        let l0 = layer(&[("d", Dir, 0), ("d/a", File, 10), ("d/b", File, 20)]);
        let l1 = layer(&[(".wh.d", Whiteout, 0)]);
        let f = figures(&[&l0, &l1], 10);
        // d/a: 10/10, d/b: 20/20, /d (whiteout) min 30 cum 30 n=1.
        assert_eq!(f.wasted_bytes, 0);
        assert_eq!(f.efficiency, 1.0);
    }

    #[test]
    fn whiteout_of_an_implicit_directory_counts_nothing() {
        // d is an empty leaf in layer 0. Layer 1 names d only as a parent of d/b, so
        // dive's stacked FileInfo for d is not a directory: the whiteout counts 0.
        let l0 = layer(&[("d", Dir, 0)]);
        let l2 = layer(&[(".wh.d", Whiteout, 0)]);
        let l1 = layer(&[("d/b", File, 5)]);
        let f = figures(&[&l0, &l1, &l2], 10);
        assert_eq!(f.wasted_bytes, 0);
        assert_eq!(f.efficiency, 1.0);
        // With d's own entry in layer 1, the whiteout counts d's contents (5 B), and
        // /d (layers 0 and 2) has cum 5, min 0.
        let l1 = layer(&[("d", Dir, 0), ("d/b", File, 5)]);
        let f = figures(&[&l0, &l1, &l2], 10);
        assert_eq!(f.wasted_bytes, 5);
        assert!((f.efficiency - 0.5).abs() < 1e-12);
    }

    #[test]
    fn whiteout_of_a_missing_path_abandons_the_rest_of_the_layer() {
        let l0 = layer(&[("a", File, 10)]);
        // Visited in name order: ".wh.zz" (missing: stop), "b" never visited.
        let l1 = layer(&[("b", File, 7), (".wh.zz", Whiteout, 0)]);
        let f = figures(&[&l0, &l1], 10);
        assert_eq!(f.abandoned_layers, vec![1]);
        // Paths: a (10/10), zz (min -1, cum 0).
        assert!((f.efficiency - 9.0 / 10.0).abs() < 1e-12);
    }

    #[test]
    fn opaque_markers_are_ignored_but_make_their_parents() {
        // d is an empty leaf in layer 0 and, made by the marker, in layer 1: n=2, cum 0.
        let l0 = layer(&[("d", Dir, 0), ("e/a", File, 10)]);
        let l1 = layer(&[("d/.wh..wh..opq", Opaque, 0)]);
        let f = figures(&[&l0, &l1], 10);
        assert_eq!(f.wasted_bytes, 0);
        assert_eq!(f.inefficient.len(), 1);
        assert_eq!(f.inefficient[0].path, "/d");
    }

    #[test]
    fn layers_without_whiteouts_give_the_same_figures_in_any_children_first_order() {
        // Random layers over a small set of names, so that paths recur across
        // layers, folders are implicit or explicit, entries come in any order and
        // twice; every third image has whiteouts in some layers.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let names = ["a", "b", "-c", "d.d", "e"];
        for image in 0..300 {
            let mut layers = Vec::new();
            for _ in 0..1 + next(4) {
                let mut l = LayerFiles::default();
                for _ in 0..next(12) {
                    let depth = 1 + next(3);
                    let mut path: Vec<&str> = (0..depth)
                        .map(|_| names[next(names.len() as u64) as usize])
                        .collect();
                    let kind = match next(10) {
                        0..=2 => Dir,
                        3 if image % 3 == 0 => Whiteout,
                        _ => File,
                    };
                    let last = format!(".wh.{}", path[path.len() - 1]);
                    if kind == Whiteout {
                        *path.last_mut().unwrap() = &last;
                    }
                    l.push(path.join("/").as_bytes(), b"", next(1000), kind)
                        .unwrap();
                }
                layers.push(l);
            }
            let refs: Vec<&LayerFiles> = layers.iter().collect();
            assert_eq!(
                format!("{:?}", figures_in_order(&refs, 50, false)),
                format!("{:?}", figures_in_order(&refs, 50, true)),
                "image {image}"
            );
        }
    }

    #[test]
    fn one_layer_gives_nan_user_percent() {
        let l0 = layer(&[("a", File, 10)]);
        let f = figures(&[&l0], 10);
        assert!(f.user_wasted_percent.is_nan());
    }
}
