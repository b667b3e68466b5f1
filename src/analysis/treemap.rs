//! The treemap of an image, laid out here so the HTML page only draws it: the final
//! filesystem (folders nesting files, area = bytes, each content counted once) plus
//! the hidden bytes as a region of their own, so the map's total is the image size.
//! Boxes too small to see are merged, per folder, into one "N smaller files" box.
//!
//! Layout: the squarified algorithm (Bruls, Huizing, van Wijk, 2000). Each folder's
//! children are laid out in a rectangle of the view's aspect ratio, in coordinates
//! from 0 to 1, so the page shows any folder zoomed to the full view undistorted.

use serde::Serialize;

use crate::analysis::Analysis;
use crate::fs::NodeKind;

/// The view's width over its height, for which every folder is laid out.
pub const ASPECT: f64 = 1.6;
/// Boxes smaller than this share of the image are merged: a few pixels of a
/// full-screen map, as disk-usage treemaps draw them.
const MIN_SHARE: f64 = 1.0 / 50_000.0;
/// At most about this many paths get a box of their own (the page carries each
/// box as JSON, about 130 bytes, and each folder one more for what it merged);
/// past it, the smallest are merged.
const MAX_BOXES: usize = 5_000;

/// One box. Coordinates are relative to the parent's view (0..1 each way).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TreemapNode {
    pub name: String,
    /// Path with a leading `/` (`(hidden)` and merged boxes have none). Not in
    /// the page: its script joins the names (thousands of long node_modules paths
    /// would be most of it).
    #[serde(skip)]
    pub path: Option<String>,
    pub bytes: u64,
    pub files: u64,
    /// `dir`, `file`, `merged`, `hidden`.
    pub kind: &'static str,
    /// The layer that added most of the bytes.
    pub layer: usize,
    /// The waste category of most of the bytes, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<&'static str>,
    /// The package that holds most of the bytes (its place in the image's
    /// packages, largest first), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<u32>,
    /// Index of the parent box (`None` for the root).
    pub parent: Option<usize>,
    /// x, y, width, height within the parent laid out as the full view; in the
    /// page to 1/100,000 of the parent (well under a pixel of any box).
    #[serde(serialize_with = "rounded")]
    pub rect: [f32; 4],
}

fn rounded<S: serde::Serializer>(rect: &[f32; 4], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeTuple;
    let mut t = s.serialize_tuple(4)?;
    for v in rect {
        t.serialize_element(&((f64::from(*v) * 1e5).round() / 1e5))?;
    }
    t.end()
}

struct Item {
    name: String,
    path: Option<String>,
    bytes: u64,
    files: u64,
    kind: &'static str,
    layer: usize,
    category: Option<&'static str>,
    package: Option<u32>,
    children: Vec<Item>,
}

/// Dominant (largest) key by bytes.
fn dominant<K: Copy + PartialEq>(pairs: impl Iterator<Item = (K, u64)>) -> Option<K> {
    let mut acc: Vec<(K, u64)> = Vec::new();
    for (k, b) in pairs {
        match acc.iter_mut().find(|(x, _)| *x == k) {
            Some(e) => e.1 += b,
            None => acc.push((k, b)),
        }
    }
    acc.into_iter().max_by_key(|&(_, b)| b).map(|(k, _)| k)
}

fn merge_small(items: Vec<Item>, min: u64) -> Vec<Item> {
    let (mut keep, small): (Vec<Item>, Vec<Item>) = items.into_iter().partition(|i| i.bytes >= min);
    if small.len() == 1 {
        keep.extend(small);
    } else if !small.is_empty() {
        let bytes = small.iter().map(|i| i.bytes).sum();
        let files = small.iter().map(|i| i.files).sum();
        keep.push(Item {
            name: format!("{} smaller files", small.len()),
            path: None,
            bytes,
            files,
            kind: "merged",
            layer: dominant(small.iter().map(|i| (i.layer, i.bytes))).unwrap_or(0),
            category: dominant(small.iter().map(|i| (i.category, i.bytes))).flatten(),
            package: dominant(small.iter().map(|i| (i.package, i.bytes))).flatten(),
            children: Vec::new(),
        });
    }
    keep.retain(|i| i.bytes > 0);
    keep.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    keep
}

/// What the boxes too small to see add up to, in one folder.
#[derive(Default)]
struct Small {
    count: usize,
    bytes: u64,
    files: u64,
    layers: Vec<(usize, u64)>,
    categories: Vec<(Option<&'static str>, u64)>,
    packages: Vec<(Option<u32>, u64)>,
}

impl Small {
    fn add(&mut self, bytes: u64, files: u64, layer: usize, marks: Marks) {
        let Marks { category, package } = marks;
        self.count += 1;
        self.bytes += bytes;
        self.files += files;
        match self.layers.iter_mut().find(|(l, _)| *l == layer) {
            Some(e) => e.1 += bytes,
            None => self.layers.push((layer, bytes)),
        }
        match self.categories.iter_mut().find(|(c, _)| *c == category) {
            Some(e) => e.1 += bytes,
            None => self.categories.push((category, bytes)),
        }
        match self.packages.iter_mut().find(|(p, _)| *p == package) {
            Some(e) => e.1 += bytes,
            None => self.packages.push((package, bytes)),
        }
    }
}

/// What a box is coloured by besides its layer.
#[derive(Clone, Copy)]
struct Marks {
    category: Option<&'static str>,
    package: Option<u32>,
}

/// A node's waste category and package; for a folder, its largest part's
/// (counted over the folder's files, without building their items).
fn marks_of(a: &Analysis, n: crate::fs::tree::NodeId) -> Marks {
    let (m, u) = (&a.model, &a.usage);
    let file = |c: crate::fs::tree::NodeId| Marks {
        category: a
            .waste
            .node_category
            .get(c as usize)
            .and_then(|&code| crate::analysis::waste::category_name(code)),
        package: a
            .packages
            .node_package
            .get(c as usize)
            .copied()
            .filter(|&p| p != crate::analysis::packages::NO_PACKAGE),
    };
    if m.tree.data(n).kind != NodeKind::Dir {
        return file(n);
    }
    let (mut cats, mut pkgs) = (Vec::new(), Vec::new());
    let mut stack = vec![n];
    while let Some(d) = stack.pop() {
        for c in m.tree.children(d).filter(|&c| m.tree.is_alive(c)) {
            if m.tree.data(c).kind == NodeKind::Dir {
                stack.push(c);
            } else if u.owner[c as usize] {
                let bytes = u.totals[c as usize].bytes;
                let mk = file(c);
                cats.push((mk.category, bytes));
                pkgs.push((mk.package, bytes));
            }
        }
    }
    Marks {
        category: dominant(cats.into_iter()).flatten(),
        package: dominant(pkgs.into_iter()).flatten(),
    }
}

/// Folders nested deeper than this are drawn as one box each: nobody zooms a
/// picture further, and a crafted image can nest folders thousands deep.
const MAX_DEPTH: usize = 48;

/// A folder being walked by [`items`]: its children left to visit, the items
/// made of those visited, and its own item, which takes them when it is done.
struct Frame {
    children: std::vec::IntoIter<crate::fs::tree::NodeId>,
    path: String,
    depth: usize,
    out: Vec<Item>,
    small: Small,
    item: Option<Item>,
}

/// The final filesystem below `root` as items. What is under `min` bytes is
/// counted into one merged box without building an item (most files of a
/// node_modules tree are), and small folders are not walked. The walk keeps its
/// own stack: an image chooses how deep its folders go.
fn items(a: &Analysis, root: crate::fs::tree::NodeId, min: u64) -> Vec<Item> {
    let (m, u) = (&a.model, &a.usage);
    let name_of = |c: crate::fs::tree::NodeId| m.names.name(m.tree.name(c));
    let open = |n, path: String, depth: usize, item: Option<Item>| {
        let mut children: Vec<_> = m.tree.children(n).filter(|&c| m.tree.is_alive(c)).collect();
        children.sort_by(|&x, &y| name_of(x).cmp(name_of(y)));
        Frame {
            children: children.into_iter(),
            path,
            depth,
            out: Vec::new(),
            small: Small::default(),
            item,
        }
    };
    let mut stack = vec![open(root, "/".to_string(), 0, None)];
    loop {
        let Some(top) = stack.last_mut() else {
            return Vec::new();
        };
        let Some(c) = top.children.next() else {
            let done = stack.pop().expect("a frame is on the stack");
            let kids = finish(done.out, done.small);
            match (done.item, stack.last_mut()) {
                (Some(mut item), Some(parent)) => {
                    item.layer = dominant(kids.iter().map(|i| (i.layer, i.bytes))).unwrap_or(0);
                    item.category = dominant(kids.iter().map(|i| (i.category, i.bytes))).flatten();
                    item.package = dominant(kids.iter().map(|i| (i.package, i.bytes))).flatten();
                    item.children = kids;
                    parent.out.push(item);
                    continue;
                }
                _ => return kids,
            }
        };
        let total = u.totals[c as usize];
        if total.bytes == 0 {
            continue;
        }
        let kind = m.tree.data(c).kind;
        if kind != NodeKind::Dir && !u.owner[c as usize] {
            continue;
        }
        if total.bytes < min {
            let layer = match kind {
                NodeKind::Dir => m.tree.data(c).layer as usize,
                _ => m.content_of(c).map_or(0, |(_, l)| l as usize),
            };
            top.small
                .add(total.bytes, total.files, layer, marks_of(a, c));
            continue;
        }
        let name = crate::text::path_str(name_of(c)).into_owned();
        let child_path = format!("{}/{name}", top.path.trim_end_matches('/'));
        let mut item = Item {
            name,
            path: Some(child_path.clone()),
            bytes: total.bytes,
            files: total.files,
            kind: "file",
            layer: 0,
            category: None,
            package: None,
            children: Vec::new(),
        };
        if kind == NodeKind::Dir {
            item.kind = "dir";
            if top.depth + 1 < MAX_DEPTH {
                let depth = top.depth + 1;
                stack.push(open(c, child_path, depth, Some(item)));
                continue;
            }
            // Too deep to draw: one box, marked as its largest part.
            let marks = marks_of(a, c);
            item.layer = m.tree.data(c).layer as usize;
            item.category = marks.category;
            item.package = marks.package;
        } else {
            let (bytes, layer) = m.content_of(c).unwrap_or((0, 0));
            let marks = marks_of(a, c);
            item.bytes = bytes;
            item.files = 1;
            item.layer = layer as usize;
            item.category = marks.category;
            item.package = marks.package;
        }
        top.out.push(item);
    }
}

/// A folder's items, with what was too small to draw merged into one box,
/// largest first.
fn finish(mut out: Vec<Item>, small: Small) -> Vec<Item> {
    if small.count > 0 {
        out.push(Item {
            name: if small.count == 1 {
                "1 smaller path".to_string()
            } else {
                format!("{} smaller paths", small.count)
            },
            path: None,
            bytes: small.bytes,
            files: small.files,
            kind: "merged",
            layer: dominant(small.layers.into_iter()).unwrap_or(0),
            category: dominant(small.categories.into_iter()).flatten(),
            package: dominant(small.packages.into_iter()).flatten(),
            children: Vec::new(),
        });
    }
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    out
}

/// An image's treemap and the names of the packages its boxes point to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Treemap {
    /// Parents before children.
    pub nodes: Vec<TreemapNode>,
    /// The packages, by place (largest first).
    pub packages: Vec<TreemapPackage>,
}

/// A package as the map names it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TreemapPackage {
    /// `npm typescript`: the same package in two images of a diff has one colour.
    pub name: String,
    /// `npm typescript@5.6.3 (dev)`.
    pub label: String,
}

/// The image's treemap.
pub fn build(a: &Analysis) -> Treemap {
    Treemap {
        nodes: nodes(a),
        packages: a
            .packages
            .packages
            .iter()
            .map(|p| {
                let name = format!("{} {}", p.ecosystem, p.name);
                let mut label = name.clone();
                if let Some(v) = &p.version {
                    label.push('@');
                    label.push_str(v);
                }
                if p.dev == Some(true) {
                    label.push_str(" (dev)");
                }
                TreemapPackage { name, label }
            })
            .collect(),
    }
}

/// The boxes, parents before children.
fn nodes(a: &Analysis) -> Vec<TreemapNode> {
    let total = a.layer_bytes().max(1);
    let mut min = ((total as f64 * MIN_SHARE) as u64).max(1);
    // The MAX_BOXES-th largest path (files and folders), when there are more.
    let u = &a.usage;
    let mut sizes: Vec<u64> = u
        .order
        .iter()
        .map(|&n| u.totals[n as usize].bytes)
        .filter(|&b| b >= min)
        .collect();
    if sizes.len() > MAX_BOXES {
        let (_, nth, _) = sizes.select_nth_unstable_by(MAX_BOXES, |x, y| y.cmp(x));
        min = min.max(*nth + 1);
    }
    let fs = items(a, crate::fs::tree::ROOT, min);
    let mut top = Vec::new();
    if a.final_bytes() > 0 {
        top.push(Item {
            name: "/".into(),
            path: Some("/".into()),
            bytes: a.final_bytes(),
            files: a.model.final_files(),
            kind: "dir",
            layer: dominant(fs.iter().map(|i| (i.layer, i.bytes))).unwrap_or(0),
            category: None,
            package: None,
            children: fs,
        });
    }
    let hidden: Vec<Item> = a
        .model
        .hidden_pairs()
        .iter()
        .filter(|(_, c)| c.bytes > 0)
        .map(|(&(from, by), c)| Item {
            name: format!("added by #{from}, hidden by #{by}"),
            path: None,
            bytes: c.bytes,
            files: c.files,
            kind: "hidden",
            layer: from as usize,
            category: Some("layer-churn"),
            package: None,
            children: Vec::new(),
        })
        .collect();
    if a.hidden_bytes() > 0 {
        top.push(Item {
            name: "shipped, invisible".into(),
            path: None,
            bytes: a.hidden_bytes(),
            files: hidden.iter().map(|h| h.files).sum(),
            kind: "hidden",
            layer: dominant(hidden.iter().map(|i| (i.layer, i.bytes))).unwrap_or(0),
            category: Some("layer-churn"),
            package: None,
            children: merge_small(hidden, min),
        });
    }
    let root = Item {
        name: "image".into(),
        path: None,
        bytes: a.layer_bytes(),
        files: top.iter().map(|t| t.files).sum(),
        kind: "dir",
        layer: 0,
        category: None,
        package: None,
        children: top,
    };
    let mut out = Vec::new();
    flatten(root, &mut out);
    out
}

/// The items as boxes, parents before children, each laid out in its parent's
/// view (on a stack of its own, as [`items`]).
fn flatten(root: Item, out: &mut Vec<TreemapNode>) {
    let mut stack = vec![(root, None, [0.0f32, 0.0, 1.0, 1.0])];
    while let Some((item, parent, rect)) = stack.pop() {
        let id = out.len();
        out.push(TreemapNode {
            name: item.name,
            path: item.path,
            bytes: item.bytes,
            files: item.files,
            kind: item.kind,
            layer: item.layer,
            category: item.category,
            package: item.package,
            parent,
            rect,
        });
        let sizes: Vec<f64> = item.children.iter().map(|c| c.bytes as f64).collect();
        let rects = squarify(&sizes, ASPECT, 1.0);
        // Pushed last first, so they come off the stack in order.
        for (child, r) in item.children.into_iter().zip(rects).rev() {
            // Stored relative to this box's own view: x and y over [0, 1].
            let rel = [
                (r[0] / ASPECT) as f32,
                r[1] as f32,
                (r[2] / ASPECT) as f32,
                r[3] as f32,
            ];
            stack.push((child, Some(id), rel));
        }
    }
}

/// The worst aspect ratio of a row of `areas` laid along a side of length `side`.
fn worst(areas: &[f64], side: f64) -> f64 {
    let sum: f64 = areas.iter().sum();
    let (max, min) = areas
        .iter()
        .fold((0f64, f64::MAX), |(hi, lo), &a| (hi.max(a), lo.min(a)));
    let s2 = side * side;
    let sum2 = sum * sum;
    (s2 * max / sum2).max(sum2 / (s2 * min))
}

/// Squarified layout of `sizes` (largest first) in a `width` x `height` rectangle;
/// one `[x, y, w, h]` per size, in order.
pub fn squarify(sizes: &[f64], width: f64, height: f64) -> Vec<[f64; 4]> {
    let total: f64 = sizes.iter().sum();
    let mut out = vec![[0.0; 4]; sizes.len()];
    if total <= 0.0 {
        return out;
    }
    let scale = width * height / total;
    let areas: Vec<f64> = sizes.iter().map(|s| s * scale).collect();
    let (mut x, mut y, mut w, mut h) = (0.0, 0.0, width, height);
    let mut start = 0;
    while start < areas.len() {
        let side = w.min(h);
        let mut end = start + 1;
        while end < areas.len()
            && worst(&areas[start..=end], side) <= worst(&areas[start..end], side)
        {
            end += 1;
        }
        let row = &areas[start..end];
        let sum: f64 = row.iter().sum();
        if w >= h {
            // A column on the left.
            let cw = if h > 0.0 { sum / h } else { 0.0 };
            let mut cy = y;
            for (k, a) in row.iter().enumerate() {
                let ch = if cw > 0.0 { a / cw } else { 0.0 };
                out[start + k] = [x, cy, cw, ch];
                cy += ch;
            }
            x += cw;
            w -= cw;
        } else {
            // A row on top.
            let rh = if w > 0.0 { sum / w } else { 0.0 };
            let mut cx = x;
            for (k, a) in row.iter().enumerate() {
                let cw = if rh > 0.0 { a / rh } else { 0.0 };
                out[start + k] = [cx, y, cw, rh];
                cx += cw;
            }
            y += rh;
            h -= rh;
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squarified_boxes_tile_the_rectangle_in_proportion() {
        let sizes = [60.0, 60.0, 40.0, 30.0, 20.0, 20.0, 10.0];
        let r = squarify(&sizes, 6.0, 4.0);
        let total: f64 = sizes.iter().sum();
        for (s, b) in sizes.iter().zip(&r) {
            assert!((b[2] * b[3] - s / total * 24.0).abs() < 1e-9, "{b:?}");
            assert!(b[0] >= -1e-9 && b[1] >= -1e-9);
            assert!(b[0] + b[2] <= 6.0 + 1e-9 && b[1] + b[3] <= 4.0 + 1e-9);
        }
        // The paper's example: no box worse than 3:1 here.
        for b in &r {
            assert!(b[2].max(b[3]) / b[2].min(b[3]) < 3.0, "{b:?}");
        }
        assert!(squarify(&[], 1.0, 1.0).is_empty());
        assert_eq!(squarify(&[0.0], 1.0, 1.0), vec![[0.0; 4]]);
    }
}
