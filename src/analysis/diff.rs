//! Comparing two images: every figure is the difference of each side's own figures.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::waste::Waste;
use super::{paths, Analysis};
use crate::fs::NodeKind;
use crate::text::path_str;

/// Bytes of one path (or category) on each side.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Pair {
    pub path: String,
    pub a_bytes: u64,
    pub b_bytes: u64,
    pub delta_bytes: i128,
}

/// A category on each side.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CategoryPair {
    pub category: String,
    pub a_bytes: u64,
    pub b_bytes: u64,
    pub delta_bytes: i128,
}

/// What happened to a file between A and B.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Removed,
    Grown,
    Shrunk,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FileChange {
    pub path: String,
    pub change: Change,
    pub a_bytes: u64,
    pub b_bytes: u64,
    pub delta_bytes: i128,
}

/// A layer in the comparison.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LayerRef {
    pub index: usize,
    pub diff_id: Option<String>,
    pub bytes: u64,
    pub instruction: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SharedLayer {
    pub a_index: usize,
    pub b_index: usize,
    pub diff_id: String,
    pub bytes: u64,
    pub instruction: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct LayerDiff {
    /// Same diff_id on both sides (typically the base image).
    pub shared: Vec<SharedLayer>,
    pub only_a: Vec<LayerRef>,
    pub only_b: Vec<LayerRef>,
}

/// The comparison, before rendering.
#[derive(Debug, Clone)]
pub(crate) struct Diff {
    pub categories: Vec<CategoryPair>,
    pub folders: Vec<Pair>,
    pub files: Vec<FileChange>,
    pub layers: LayerDiff,
    pub packages: Vec<PackageChange>,
}

/// What happened to a package between A and B.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PackageChangeKind {
    Added,
    Removed,
    /// Another version at the same place.
    Version,
    /// The same version, other bytes (files added or removed, pruned).
    Resized,
}

impl PackageChangeKind {
    /// The name the JSON uses.
    pub fn name(self) -> &'static str {
        match self {
            PackageChangeKind::Added => "added",
            PackageChangeKind::Removed => "removed",
            PackageChangeKind::Version => "version",
            PackageChangeKind::Resized => "resized",
        }
    }
}

/// A package on each side: matched by ecosystem, name and (for npm, where one
/// name can be installed at several paths) its folder.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PackageChange {
    pub ecosystem: &'static str,
    pub name: String,
    /// The npm folder; the record for others.
    pub path: String,
    pub change: PackageChangeKind,
    pub a_version: Option<String>,
    pub b_version: Option<String>,
    pub a_bytes: u64,
    pub b_bytes: u64,
    pub delta_bytes: i128,
}

/// Every final file's bytes by path (`/`-prefixed).
fn file_map(a: &Analysis) -> HashMap<String, u64> {
    let usage = &a.usage;
    let mut out = HashMap::new();
    usage.for_each_path(&a.model, |n, path| {
        if usage.owner[n as usize] {
            out.insert(path_str(path).into_owned(), usage.totals[n as usize].bytes);
        } else if a.model.tree.data(n).kind == NodeKind::File {
            // A hardlink's second name: 0 bytes here, as in the totals.
            out.entry(path_str(path).into_owned()).or_insert(0);
        }
    });
    out
}

fn category_map(w: &Waste) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for f in &w.findings {
        *m.entry(f.category.clone()).or_default() += f.bytes;
    }
    m
}

/// Every key of either map with its bytes on each side (0 where absent).
fn pair_up(a: &BTreeMap<String, u64>, b: &BTreeMap<String, u64>) -> Vec<(String, u64, u64)> {
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .map(|k| {
            (
                k.clone(),
                a.get(k).copied().unwrap_or(0),
                b.get(k).copied().unwrap_or(0),
            )
        })
        .collect()
}

fn delta(a: u64, b: u64) -> i128 {
    i128::from(b) - i128::from(a)
}

/// Compares A and B; `depth` is the folder depth, `top` the rows of each kind.
pub(crate) fn compare(
    a: &Analysis,
    wa: &Waste,
    b: &Analysis,
    wb: &Waste,
    depth: usize,
    top: usize,
) -> Diff {
    Diff {
        categories: category_pairs(wa, wb),
        folders: folder_pairs(a, b, depth, top),
        files: file_changes(a, b, top),
        layers: layer_diff(a, b),
        packages: package_changes(a, b, top),
    }
}

/// Every waste category of either side, the one that shrank most first.
fn category_pairs(wa: &Waste, wb: &Waste) -> Vec<CategoryPair> {
    let (ca, cb) = (category_map(wa), category_map(wb));
    let mut categories: Vec<CategoryPair> = pair_up(&ca, &cb)
        .into_iter()
        .map(|(category, a_bytes, b_bytes)| CategoryPair {
            category,
            a_bytes,
            b_bytes,
            delta_bytes: delta(a_bytes, b_bytes),
        })
        .collect();
    categories.sort_by(|x, y| {
        x.delta_bytes
            .cmp(&y.delta_bytes)
            .then_with(|| x.category.cmp(&y.category))
    });
    categories
}

/// The `top` folders at `depth` whose bytes changed most.
fn folder_pairs(a: &Analysis, b: &Analysis, depth: usize, top: usize) -> Vec<Pair> {
    let folder_map = |x: &Analysis| -> BTreeMap<String, u64> {
        paths::folders(&x.model, &x.usage, depth)
            .into_iter()
            .map(|p| (p.path, p.bytes))
            .collect()
    };
    let mut folders: Vec<Pair> = pair_up(&folder_map(a), &folder_map(b))
        .into_iter()
        .map(|(path, a_bytes, b_bytes)| Pair {
            path,
            a_bytes,
            b_bytes,
            delta_bytes: delta(a_bytes, b_bytes),
        })
        .filter(|p| p.delta_bytes != 0)
        .collect();
    by_size_of_change(&mut folders, |p| (p.delta_bytes, &p.path));
    folders.truncate(top);
    folders
}

/// Largest change first, then by path.
fn by_size_of_change<T>(v: &mut [T], key: impl Fn(&T) -> (i128, &String)) {
    v.sort_by(|x, y| {
        let ((dx, px), (dy, py)) = (key(x), key(y));
        dy.abs().cmp(&dx.abs()).then_with(|| px.cmp(py))
    });
}

/// The `top` files added, removed, grown and shrunk, each kind largest first.
fn file_changes(a: &Analysis, b: &Analysis, top: usize) -> Vec<FileChange> {
    let (ma, mb) = (file_map(a), file_map(b));
    let change = |path: &String, change, a_bytes, b_bytes| FileChange {
        path: path.clone(),
        change,
        a_bytes,
        b_bytes,
        delta_bytes: delta(a_bytes, b_bytes),
    };
    let mut changes: Vec<FileChange> = Vec::new();
    for (p, &x) in &ma {
        match mb.get(p) {
            None => changes.push(change(p, Change::Removed, x, 0)),
            Some(&y) if y > x => changes.push(change(p, Change::Grown, x, y)),
            Some(&y) if y < x => changes.push(change(p, Change::Shrunk, x, y)),
            _ => {}
        }
    }
    for (p, &y) in &mb {
        if !ma.contains_key(p) {
            changes.push(change(p, Change::Added, 0, y));
        }
    }
    let mut files = Vec::new();
    for kind in [
        Change::Added,
        Change::Removed,
        Change::Grown,
        Change::Shrunk,
    ] {
        let mut of_kind: Vec<FileChange> = changes
            .iter()
            .filter(|c| c.change == kind)
            .cloned()
            .collect();
        by_size_of_change(&mut of_kind, |c| (c.delta_bytes, &c.path));
        files.extend(of_kind.into_iter().take(top));
    }
    files
}

/// Packages added, removed, at another version, or resized; the `top` largest
/// changes of each kind, largest first.
fn package_changes(a: &Analysis, b: &Analysis, top: usize) -> Vec<PackageChange> {
    use super::packages::Package;
    type Key = (&'static str, String, String);
    let key = |p: &Package| -> Key {
        let at = if p.ecosystem == "npm" {
            p.paths.first().cloned().unwrap_or_default()
        } else {
            String::new()
        };
        (p.ecosystem, p.name.clone(), at)
    };
    fn side(x: &Analysis, key: impl Fn(&Package) -> Key) -> BTreeMap<Key, &Package> {
        x.packages.packages.iter().map(|p| (key(p), p)).collect()
    }
    let (pa, pb) = (side(a, key), side(b, key));
    let keys: std::collections::BTreeSet<&Key> = pa.keys().chain(pb.keys()).collect();
    let mut all = Vec::new();
    for k in keys {
        let (x, y) = (pa.get(k), pb.get(k));
        let change = match (x, y) {
            (Some(_), None) => PackageChangeKind::Removed,
            (None, Some(_)) => PackageChangeKind::Added,
            (Some(x), Some(y)) if x.version != y.version => PackageChangeKind::Version,
            (Some(x), Some(y)) if x.bytes != y.bytes => PackageChangeKind::Resized,
            _ => continue,
        };
        let (a_bytes, b_bytes) = (x.map_or(0, |p| p.bytes), y.map_or(0, |p| p.bytes));
        let p = x.or(y).expect("one side has it");
        all.push(PackageChange {
            ecosystem: p.ecosystem,
            name: p.name.clone(),
            path: p.paths.first().cloned().unwrap_or_default(),
            change,
            a_version: x.and_then(|p| p.version.clone()),
            b_version: y.and_then(|p| p.version.clone()),
            a_bytes,
            b_bytes,
            delta_bytes: delta(a_bytes, b_bytes),
        });
    }
    let mut out = Vec::new();
    for kind in [
        PackageChangeKind::Added,
        PackageChangeKind::Removed,
        PackageChangeKind::Version,
        PackageChangeKind::Resized,
    ] {
        let mut of_kind: Vec<PackageChange> =
            all.iter().filter(|c| c.change == kind).cloned().collect();
        of_kind.sort_by(|x, y| {
            y.delta_bytes
                .abs()
                .cmp(&x.delta_bytes.abs())
                .then_with(|| x.name.cmp(&y.name))
        });
        out.extend(of_kind.into_iter().take(top));
    }
    out
}

/// Matches layers by diff_id (each B layer used once).
fn layer_diff(a: &Analysis, b: &Analysis) -> LayerDiff {
    let mut used = vec![false; b.layers.len()];
    let mut out = LayerDiff::default();
    let r = |x: &Analysis, i: usize| LayerRef {
        index: i,
        diff_id: x.layers[i].diff_id.clone(),
        bytes: x.layers[i].bytes,
        instruction: x.layers[i].instruction.clone(),
    };
    for (i, la) in a.layers.iter().enumerate() {
        let hit = la.diff_id.as_ref().and_then(|d| {
            b.layers
                .iter()
                .enumerate()
                .position(|(j, lb)| !used[j] && lb.diff_id.as_ref() == Some(d))
        });
        match hit {
            Some(j) => {
                used[j] = true;
                out.shared.push(SharedLayer {
                    a_index: i,
                    b_index: j,
                    diff_id: la.diff_id.clone().unwrap_or_default(),
                    bytes: la.bytes,
                    instruction: la.instruction.clone(),
                });
            }
            None => out.only_a.push(r(a, i)),
        }
    }
    for (j, u) in used.iter().enumerate() {
        if !u {
            out.only_b.push(r(b, j));
        }
    }
    out
}
