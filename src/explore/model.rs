//! The explorer's model: one view of the image as a tree (what one layer changed,
//! or the image as of a layer, as dive shows them), with marks, folds, a filter and
//! a focus, flattened into the rows the tree panel draws. No terminal here: the
//! panels are drawn by `ui.rs`, keys are read by `app.rs`.
//!
//! Everything is built without recursion (an image chooses its paths' depth): the
//! paths are sorted with `/` first, so a folder's whole subtree follows it and the
//! tree is made with a stack, each node after its parent (pre-order); totals run
//! backwards over that order, rows forwards.

use std::collections::BTreeMap;

use globset::GlobMatcher;

use crate::analysis::changes::{Change, PathChange};
use crate::fs::tree::NodeId;
use crate::fs::FsModel;

/// How a view's path stands against the selected layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Added,
    Modified,
    Deleted,
    Unchanged,
}

impl Mark {
    /// Its bit in a [`ViewTree`]'s mark masks.
    pub fn bit(self) -> u8 {
        match self {
            Mark::Added => 1,
            Mark::Modified => 2,
            Mark::Deleted => 4,
            Mark::Unchanged => 8,
        }
    }

    /// The one-letter mark the tree panel shows (dive's colours go with it).
    pub fn letter(self) -> &'static str {
        match self {
            Mark::Added => "A",
            Mark::Modified => "M",
            Mark::Deleted => "D",
            Mark::Unchanged => " ",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mark::Added => "added",
            Mark::Modified => "modified",
            Mark::Deleted => "deleted",
            Mark::Unchanged => "unchanged",
        }
    }

    fn of(c: Change) -> Mark {
        match c {
            Change::Added => Mark::Added,
            Change::Modified => Mark::Modified,
            Change::Deleted => Mark::Deleted,
        }
    }
}

/// All four marks.
pub const ALL_MARKS: u8 = 15;

/// What the layers' changes say about each change beyond itself: which later layer
/// hid it, and the node of the final filesystem it is (when it is what the final
/// image holds at that path).
pub struct Replay {
    /// By layer, by change: the layer that modified or deleted the path later.
    pub hidden_by: Vec<Vec<Option<u16>>>,
    /// By layer, by change: its node in the final filesystem.
    pub final_node: Vec<Vec<Option<NodeId>>>,
    /// By layer, by change: its path's place among all the changes' paths in
    /// tree order (sorted once, so a view sorts numbers, not paths).
    pub rank: Vec<Vec<u32>>,
}

impl Replay {
    /// Replays `changes` in layer order over a sorted map of the paths alive.
    pub fn new(changes: &[Vec<PathChange>], model: &FsModel) -> Replay {
        let mut hidden_by: Vec<Vec<Option<u16>>> =
            changes.iter().map(|c| vec![None; c.len()]).collect();
        let mut alive: BTreeMap<&str, (u16, u32)> = BTreeMap::new();
        for (l, layer) in changes.iter().enumerate() {
            let by = l.min(u16::MAX as usize) as u16;
            for (i, c) in layer.iter().enumerate() {
                let path = c.path.as_str();
                if c.change == Change::Deleted {
                    let below = format!("{path}/");
                    let gone: Vec<&str> = alive
                        .range(below.as_str()..)
                        .take_while(|(k, _)| k.starts_with(&below))
                        .map(|(k, _)| *k)
                        .chain(alive.contains_key(path).then_some(path))
                        .collect();
                    for k in gone {
                        if let Some((pl, pi)) = alive.remove(k) {
                            hidden_by[pl as usize][pi as usize] = Some(by);
                        }
                    }
                } else if let Some((pl, pi)) = alive.insert(path, (by, i as u32)) {
                    hidden_by[pl as usize][pi as usize] = Some(by);
                }
            }
        }
        let mut final_node: Vec<Vec<Option<NodeId>>> =
            changes.iter().map(|c| vec![None; c.len()]).collect();
        for (path, (l, i)) in alive {
            final_node[l as usize][i as usize] = model.tree.lookup(&model.names, path.as_bytes());
        }
        let mut all: Vec<(u32, u32)> = changes
            .iter()
            .enumerate()
            .flat_map(|(l, c)| (0..c.len()).map(move |i| (l as u32, i as u32)))
            .collect();
        let path = |&(l, i): &(u32, u32)| changes[l as usize][i as usize].path.as_str();
        all.sort_by(|a, b| path_order(path(a), path(b)));
        let mut rank: Vec<Vec<u32>> = changes.iter().map(|c| vec![0; c.len()]).collect();
        let mut r = 0u32;
        for (k, &(l, i)) in all.iter().enumerate() {
            // The same path has the same rank.
            if k > 0 && path(&all[k - 1]) != path(&(l, i)) {
                r += 1;
            }
            rank[l as usize][i as usize] = r;
        }
        Replay {
            hidden_by,
            final_node,
            rank,
        }
    }
}

/// One path a view holds.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub path: &'a str,
    pub bytes: u64,
    pub kind: &'static str,
    pub mark: Mark,
    /// The layer that wrote it.
    pub layer: u16,
    pub hidden_by: Option<u16>,
    pub final_node: Option<NodeId>,
    /// Its place in tree order ([`Replay::rank`]).
    pub rank: u32,
}

/// The items of a view: what layer `n` changed, or (`aggregate`) every path alive
/// after layer `n` with what layer `n` deleted.
pub fn items<'a>(
    changes: &'a [Vec<PathChange>],
    replay: &Replay,
    n: usize,
    aggregate: bool,
) -> Vec<Item<'a>> {
    let item = |l: usize, i: usize, mark: Mark| {
        let c = &changes[l][i];
        Item {
            path: &c.path,
            bytes: c.bytes,
            kind: c.kind,
            mark,
            layer: l as u16,
            hidden_by: replay.hidden_by[l][i],
            final_node: replay.final_node[l][i],
            rank: replay.rank[l][i],
        }
    };
    let mut out = Vec::new();
    if !aggregate {
        for (i, c) in changes[n].iter().enumerate() {
            out.push(item(n, i, Mark::of(c.change)));
        }
        return out;
    }
    for (l, layer) in changes.iter().enumerate().take(n + 1) {
        for (i, c) in layer.iter().enumerate() {
            let alive = replay.hidden_by[l][i].is_none_or(|h| h as usize > n);
            if c.change == Change::Deleted {
                if l == n {
                    out.push(item(l, i, Mark::Deleted));
                }
            } else if alive {
                let mark = if l == n {
                    Mark::of(c.change)
                } else {
                    Mark::Unchanged
                };
                out.push(item(l, i, mark));
            }
        }
    }
    out
}

/// One node of a view's tree.
#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    pub parent: u32,
    pub children: Vec<u32>,
    pub depth: u32,
    /// `dir`, `file`, `symlink`, `hardlink`, `other`.
    pub kind: &'static str,
    /// Its own mark, or (a folder the view only implies) what its subtree shows.
    pub mark: Mark,
    /// Its own bytes, or its subtree's.
    pub bytes: u64,
    /// Files below it (itself, for a file).
    pub files: u64,
    /// The marks in its subtree, itself included.
    pub marks_below: u8,
    pub layer: Option<u16>,
    pub hidden_by: Option<u16>,
    pub final_node: Option<NodeId>,
}

impl Node {
    pub fn is_dir(&self) -> bool {
        self.kind == "dir"
    }
}

/// Which files a focus keeps (besides the filter): a finding's category, a
/// package's files, what one later layer hid.
#[derive(Debug, Clone, PartialEq)]
pub enum Focus {
    Category(u8),
    Package(u32),
    HiddenBy(u16),
    /// Any later layer hid it.
    Hidden,
}

/// How the tree panel orders a folder's children.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Size,
    Name,
}

/// A text filter: a glob when it has `*`, `?` or `[`, else a substring; matched
/// against the whole path when it has a `/`, else against each name (a folder
/// that matches keeps all below it, a file keeps its folders).
#[derive(Debug, Clone)]
pub enum Filter {
    Substring(String),
    Glob(GlobMatcher),
}

impl Filter {
    /// The filter for `text`, or why it cannot be one.
    pub fn parse(text: &str) -> Result<Option<Filter>, String> {
        if text.is_empty() {
            return Ok(None);
        }
        if text.contains(['*', '?', '[']) {
            let pattern = if text.contains('/') {
                text.to_string()
            } else {
                format!("**/{text}")
            };
            return globset::GlobBuilder::new(&pattern)
                .literal_separator(true)
                .build()
                .map(|g| Some(Filter::Glob(g.compile_matcher())))
                .map_err(|e| e.to_string());
        }
        Ok(Some(Filter::Substring(text.to_string())))
    }

    fn whole_path(&self) -> bool {
        match self {
            Filter::Substring(s) => s.contains('/'),
            Filter::Glob(_) => true,
        }
    }

    fn is_match(&self, text: &str) -> bool {
        match self {
            Filter::Substring(s) => text.contains(s.as_str()),
            Filter::Glob(g) => g.is_match(text),
        }
    }
}

/// A view's tree, what it shows and its rows.
pub struct ViewTree {
    /// In pre-order: every node after its parent; 0 is the root.
    pub nodes: Vec<Node>,
    /// Folded folders stay closed.
    pub open: Vec<bool>,
    /// What the mask, filter and focus keep, and the bytes of what is kept below.
    pub kept: Vec<bool>,
    pub shown_bytes: Vec<u64>,
    /// The nodes drawn, in order.
    pub rows: Vec<u32>,
}

/// Sorts paths so that a folder's subtree follows it: `/` before every other byte.
fn path_order(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |c: u8| if c == b'/' { 0 } else { u16::from(c) + 1 };
    a.bytes().map(key).cmp(b.bytes().map(key))
}

impl ViewTree {
    /// The tree of `items`; folders opened down to `open_depth`.
    pub fn build(mut items: Vec<Item<'_>>, open_depth: u32) -> ViewTree {
        // A path deleted and made again in one layer (`rm -rf x && mkdir x`): the
        // new one first, and it is a modification.
        items.sort_unstable_by_key(|it| (it.rank, it.mark == Mark::Deleted));
        let mut nodes = vec![Node {
            name: "/".into(),
            parent: 0,
            children: Vec::new(),
            depth: 0,
            kind: "dir",
            mark: Mark::Unchanged,
            bytes: 0,
            files: 0,
            marks_below: 0,
            layer: None,
            hidden_by: None,
            final_node: None,
        }];
        let mut removed: Vec<(usize, u64)> = Vec::new();
        // The open folders from the root to the last node: (node, its name).
        let mut stack: Vec<u32> = vec![0];
        let mut last: Option<&str> = None;
        for it in &items {
            if last == Some(it.path) {
                if it.mark == Mark::Deleted {
                    if let Some(&id) = stack.last() {
                        nodes[id as usize].mark = Mark::Modified;
                    }
                }
                continue;
            }
            last = Some(it.path);
            let comps: Vec<&str> = it.path.split('/').filter(|c| !c.is_empty()).collect();
            if comps.is_empty() {
                continue;
            }
            // How much of the stack this path shares.
            let mut keep = 1;
            while keep < stack.len()
                && keep <= comps.len()
                && nodes[stack[keep] as usize].name == comps[keep - 1]
            {
                keep += 1;
            }
            stack.truncate(keep);
            // The folders it implies, then the path itself takes the item's data
            // (a folder already implied by its children included).
            for (d, comp) in comps.iter().enumerate().skip(keep - 1) {
                let parent = *stack.last().unwrap_or(&0);
                let id = nodes.len() as u32;
                nodes.push(Node {
                    name: (*comp).to_string(),
                    parent,
                    children: Vec::new(),
                    depth: d as u32 + 1,
                    kind: "dir",
                    mark: Mark::Unchanged,
                    bytes: 0,
                    files: 0,
                    marks_below: 0,
                    layer: None,
                    hidden_by: None,
                    final_node: None,
                });
                nodes[parent as usize].children.push(id);
                stack.push(id);
            }
            let n = &mut nodes[stack[comps.len()] as usize];
            n.kind = it.kind;
            n.mark = it.mark;
            n.layer = Some(it.layer);
            n.hidden_by = it.hidden_by;
            n.final_node = it.final_node;
            let id = stack[comps.len()] as usize;
            if nodes[id].mark == Mark::Deleted {
                // What it removed, unless the view has something below it again.
                removed.push((id, it.bytes));
            } else if nodes[id].kind != "dir" {
                nodes[id].bytes = it.bytes;
                nodes[id].files =
                    u64::from(nodes[id].kind == "file" || nodes[id].kind == "hardlink");
            }
        }
        // A deletion with paths below it again (an opaque folder: `rm -rf x &&
        // mkdir x`) is a modification; one without, a leaf of the bytes it removed.
        for (id, bytes) in removed {
            if nodes[id].children.is_empty() {
                nodes[id].bytes = bytes;
            } else {
                nodes[id].mark = Mark::Modified;
            }
        }
        // Totals and marks, children before parents. A node with its own data
        // has the layer that wrote it; a folder only its children imply, none.
        for i in (1..nodes.len()).rev() {
            let n = &nodes[i];
            let own = n.layer.is_some();
            let mut below = n.marks_below;
            if own || n.children.is_empty() {
                below |= n.mark.bit();
            }
            if own && n.mark == Mark::Unchanged && below & !Mark::Unchanged.bit() != 0 {
                // A folder an earlier layer made, with changes below it.
                nodes[i].mark = Mark::Modified;
            } else if !own && below != 0 {
                // A folder the view only implies: one mark if its subtree has one.
                let mark = match below {
                    1 => Mark::Added,
                    4 => Mark::Deleted,
                    8 => Mark::Unchanged,
                    _ => Mark::Modified,
                };
                nodes[i].mark = mark;
            }
            nodes[i].marks_below = below;
            let (bytes, files, p) = (nodes[i].bytes, nodes[i].files, nodes[i].parent as usize);
            nodes[p].bytes += bytes;
            nodes[p].files += files;
            nodes[p].marks_below |= below;
        }
        let open = nodes.iter().map(|n| n.depth < open_depth).collect();
        let len = nodes.len();
        ViewTree {
            nodes,
            open,
            kept: vec![true; len],
            shown_bytes: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// The path of node `id`, with a leading `/`.
    pub fn path(&self, id: u32) -> String {
        let mut names = Vec::new();
        let mut n = id;
        while n != 0 {
            names.push(self.nodes[n as usize].name.as_str());
            n = self.nodes[n as usize].parent;
        }
        names.reverse();
        format!("/{}", names.join("/"))
    }

    /// Decides what is kept: files whose mark is in `mask`, that the focus keeps
    /// (`focus_keeps` of their final node), that the filter keeps; folders with
    /// something kept below. Sums the kept bytes.
    pub fn keep(&mut self, mask: u8, filter: Option<&Filter>, focus_keeps: &dyn Fn(&Node) -> bool) {
        let n = self.nodes.len();
        // The filter: a name (or path) that matches, or a folder above or below one.
        let mut matched = vec![filter.is_none(); n];
        if let Some(f) = filter {
            let whole = f.whole_path();
            let mut path = String::new();
            let mut ends: Vec<usize> = vec![0];
            for i in 1..n {
                let node = &self.nodes[i];
                let hit = if whole {
                    ends.truncate(node.depth as usize);
                    path.truncate(*ends.last().unwrap_or(&0));
                    path.push('/');
                    path.push_str(&node.name);
                    ends.push(path.len());
                    f.is_match(&path)
                } else {
                    f.is_match(&node.name)
                };
                // Below a folder that matched.
                matched[i] = hit || matched[node.parent as usize] && node.parent != 0;
            }
        }
        let mut kept = vec![false; n];
        let mut shown = vec![0u64; n];
        for i in (1..n).rev() {
            let node = &self.nodes[i];
            let leaf = node.children.is_empty();
            if leaf && matched[i] && node.mark.bit() & mask != 0 && focus_keeps(node) {
                kept[i] = true;
                shown[i] = node.bytes;
            }
            if kept[i] {
                let p = node.parent as usize;
                kept[p] = true;
                shown[p] += shown[i];
            }
        }
        kept[0] = true;
        self.kept = kept;
        self.shown_bytes = shown;
    }

    /// Opens every kept folder (after a filter or focus: what it found, unfolded).
    pub fn open_kept(&mut self) {
        for (i, k) in self.kept.iter().enumerate() {
            if *k {
                self.open[i] = true;
            }
        }
    }

    /// Makes the rows: kept nodes under open folders, children ordered by `sort`.
    pub fn flatten(&mut self, sort: Sort) {
        let mut rows = Vec::new();
        let mut stack: Vec<u32> = Vec::new();
        let push_children = |stack: &mut Vec<u32>, id: u32, t: &ViewTree| {
            let mut kids: Vec<u32> = t.nodes[id as usize]
                .children
                .iter()
                .copied()
                .filter(|&c| t.kept[c as usize])
                .collect();
            match sort {
                Sort::Name => {}
                Sort::Size => kids.sort_by(|&a, &b| {
                    t.shown_bytes[b as usize]
                        .cmp(&t.shown_bytes[a as usize])
                        .then(a.cmp(&b))
                }),
            }
            stack.extend(kids.into_iter().rev());
        };
        push_children(&mut stack, 0, self);
        while let Some(id) = stack.pop() {
            rows.push(id);
            if self.open[id as usize] && !self.nodes[id as usize].children.is_empty() {
                push_children(&mut stack, id, self);
            }
        }
        self.rows = rows;
    }

    /// Every folder open (`true`) or closed.
    pub fn set_all_open(&mut self, open: bool) {
        for o in &mut self.open {
            *o = open;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item<'a>(path: &'a str, bytes: u64, kind: &'static str, mark: Mark) -> Item<'a> {
        Item {
            path,
            bytes,
            kind,
            mark,
            layer: 0,
            hidden_by: None,
            final_node: None,
            rank: 0,
        }
    }

    /// Ranks as [`Replay::new`] gives them.
    fn ranked(mut items: Vec<Item<'_>>) -> Vec<Item<'_>> {
        let mut paths: Vec<&str> = items.iter().map(|i| i.path).collect();
        paths.sort_by(|a, b| path_order(a, b));
        for it in &mut items {
            it.rank = paths.iter().position(|p| *p == it.path).unwrap() as u32;
        }
        items
    }

    fn names(t: &ViewTree) -> Vec<String> {
        t.rows
            .iter()
            .map(|&r| {
                let n = &t.nodes[r as usize];
                format!(
                    "{}{} {}",
                    " ".repeat(n.depth as usize - 1),
                    n.name,
                    t.shown_bytes[r as usize]
                )
            })
            .collect()
    }

    #[test]
    fn folders_sum_sort_filter_and_marks() {
        let items = vec![
            item("/app/b-x", 5, "file", Mark::Added),
            item("/app/b/c", 7, "file", Mark::Modified),
            item("/app", 0, "dir", Mark::Unchanged),
            item("/app/a", 3, "file", Mark::Added),
            item("/etc/hosts", 1, "file", Mark::Unchanged),
        ];
        let mut t = ViewTree::build(ranked(items), 9);
        t.keep(ALL_MARKS, None, &|_| true);
        t.flatten(Sort::Size);
        assert_eq!(
            names(&t),
            ["app 15", " b 7", "  c 7", " b-x 5", " a 3", "etc 1", " hosts 1"]
        );
        // The implied folder /app/b takes its one child's mark; /app has its own.
        let b = t.rows[1] as usize;
        assert_eq!(t.nodes[b].mark, Mark::Modified);
        t.flatten(Sort::Name);
        assert_eq!(names(&t)[1..4], [" a 3", " b 7", "  c 7"]);
        // Only what was added; a substring keeps the folders above what matches.
        t.keep(Mark::Added.bit(), None, &|_| true);
        t.flatten(Sort::Size);
        assert_eq!(names(&t), ["app 8", " b-x 5", " a 3"]);
        t.keep(ALL_MARKS, Filter::parse("b").unwrap().as_ref(), &|_| true);
        t.flatten(Sort::Size);
        assert_eq!(names(&t), ["app 12", " b 7", "  c 7", " b-x 5"]);
        t.keep(ALL_MARKS, Filter::parse("*.d").unwrap().as_ref(), &|_| true);
        t.flatten(Sort::Size);
        assert!(t.rows.is_empty());
        t.keep(
            ALL_MARKS,
            Filter::parse("/app/b/*").unwrap().as_ref(),
            &|_| true,
        );
        t.flatten(Sort::Size);
        assert_eq!(names(&t), ["app 7", " b 7", "  c 7"]);
    }

    #[test]
    fn a_deep_path_builds_and_flattens_without_recursion() {
        let deep = format!("/{}f", "d/".repeat(100_000));
        let mut t = ViewTree::build(vec![item(&deep, 1, "file", Mark::Added)], u32::MAX);
        t.keep(ALL_MARKS, Filter::parse("f").unwrap().as_ref(), &|_| true);
        t.flatten(Sort::Size);
        assert_eq!(t.rows.len(), 100_001);
        assert_eq!(t.nodes[0].bytes, 1);
    }
}
