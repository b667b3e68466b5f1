//! An arena tree of paths with interned names, shared by the filesystem model and
//! by the replica of dive's per-layer trees.
//!
//! Nodes are never freed: deleting a path marks its subtree dead, and adding it again
//! revives the same node, so a node id always names the same path. An alive node's
//! parent is always alive.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// An interned path component.
pub(crate) type Sym = u32;
/// A node id; 0 is the root.
pub(crate) type NodeId = u32;
pub(crate) const ROOT: NodeId = 0;
const NONE: u32 = u32::MAX;

/// Path components, stored once each, back to back in one buffer: a million names
/// cost their bytes plus about 20 bytes each, and no allocation of their own.
pub(crate) struct Interner {
    bytes: Vec<u8>,
    /// `ends[s]` is where name `s` ends in `bytes`; it starts where `s - 1` ends.
    /// Beyond 4 GiB of names, `long_ends` takes over (never, in practice).
    ends: Vec<u32>,
    long_ends: Vec<usize>,
    table: HashTable<Sym>,
    hasher: FxBuildHasher,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            bytes: Vec::new(),
            ends: Vec::new(),
            long_ends: Vec::new(),
            table: HashTable::new(),
            hasher: FxBuildHasher,
        }
    }
}

impl Interner {
    pub(crate) fn intern(&mut self, name: &[u8]) -> Sym {
        let hash = self.hasher.hash_one(name);
        let (bytes, ends, long_ends) = (&self.bytes, &self.ends, &self.long_ends);
        let get = |s: Sym| span(bytes, ends, long_ends, s);
        if let Some(&s) = self.table.find(hash, |&s| get(s) == name) {
            return s;
        }
        let s = self.len() as Sym;
        self.bytes.extend_from_slice(name);
        match u32::try_from(self.bytes.len()) {
            Ok(end) if self.long_ends.is_empty() => self.ends.push(end),
            _ => self.long_ends.push(self.bytes.len()),
        }
        let (bytes, ends, long_ends) = (&self.bytes, &self.ends, &self.long_ends);
        let hasher = &self.hasher;
        self.table.insert_unique(hash, s, |&t| {
            hasher.hash_one(span(bytes, ends, long_ends, t))
        });
        s
    }

    /// Room for `n` more names without growing the table.
    pub(crate) fn reserve(&mut self, n: usize) {
        let (bytes, ends, long_ends) = (&self.bytes, &self.ends, &self.long_ends);
        let hasher = &self.hasher;
        self.table
            .reserve(n, |&t| hasher.hash_one(span(bytes, ends, long_ends, t)));
    }

    /// How many names there are.
    pub(crate) fn len(&self) -> usize {
        self.ends.len() + self.long_ends.len()
    }

    /// Gives back the room that growing (or `reserve`) left unused.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.long_ends.shrink_to_fit();
        let (bytes, ends, long_ends) = (&self.bytes, &self.ends, &self.long_ends);
        let hasher = &self.hasher;
        self.table
            .shrink_to_fit(|&t| hasher.hash_one(span(bytes, ends, long_ends, t)));
    }

    pub(crate) fn get(&self, name: &[u8]) -> Option<Sym> {
        let hash = self.hasher.hash_one(name);
        self.table.find(hash, |&s| self.name(s) == name).copied()
    }

    pub(crate) fn name(&self, s: Sym) -> &[u8] {
        span(&self.bytes, &self.ends, &self.long_ends, s)
    }
}

fn span<'a>(bytes: &'a [u8], ends: &[u32], long_ends: &[usize], s: Sym) -> &'a [u8] {
    let end = |i: usize| match ends.get(i) {
        Some(&e) => e as usize,
        None => long_ends[i - ends.len()],
    };
    let s = s as usize;
    let start = if s == 0 { 0 } else { end(s - 1) };
    &bytes[start..end(s)]
}

struct Node<T> {
    parent: NodeId,
    name: Sym,
    first_child: NodeId,
    next_sibling: NodeId,
    alive: bool,
    data: T,
}

/// A tree of paths carrying a `T` per node.
pub(crate) struct PathTree<T> {
    nodes: Vec<Node<T>>,
    /// Finds a child by (parent, name). It holds node ids only, the key being read
    /// from the node itself: 5 bytes a node rather than 13, which counts with
    /// millions of files.
    index: HashTable<NodeId>,
}

fn child_hash(parent: NodeId, name: Sym) -> u64 {
    FxBuildHasher.hash_one((parent, name))
}

impl<T: Default> PathTree<T> {
    pub(crate) fn new() -> Self {
        let root = Node {
            parent: NONE,
            name: NONE,
            first_child: NONE,
            next_sibling: NONE,
            alive: true,
            data: T::default(),
        };
        PathTree {
            nodes: vec![root],
            index: HashTable::new(),
        }
    }

    /// Room for `n` more nodes without growing.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.nodes.reserve(n);
        let nodes = &self.nodes;
        self.index.reserve(n, |&id| hash_of(nodes, id));
    }

    /// The child `name` of `parent`, created dead if it never existed.
    pub(crate) fn child_slot(&mut self, parent: NodeId, name: Sym) -> NodeId {
        if let Some(id) = self.child(parent, name) {
            return id;
        }
        let id = self.nodes.len() as NodeId;
        let p = &mut self.nodes[parent as usize];
        let next = p.first_child;
        p.first_child = id;
        self.nodes.push(Node {
            parent,
            name,
            first_child: NONE,
            next_sibling: next,
            alive: false,
            data: T::default(),
        });
        let nodes = &self.nodes;
        self.index
            .insert_unique(child_hash(parent, name), id, |&n| hash_of(nodes, n));
        id
    }
}

impl<T: Default> Default for PathTree<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> PathTree<T> {
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn child(&self, parent: NodeId, name: Sym) -> Option<NodeId> {
        let nodes = &self.nodes;
        self.index
            .find(child_hash(parent, name), |&id| {
                let n = &nodes[id as usize];
                n.parent == parent && n.name == name
            })
            .copied()
    }

    /// The alive child `name` of `parent`.
    pub(crate) fn alive_child(&self, parent: NodeId, name: Sym) -> Option<NodeId> {
        self.child(parent, name)
            .filter(|&c| self.nodes[c as usize].alive)
    }

    /// Looks up a `/`-separated path among alive nodes without interning anything.
    pub(crate) fn lookup(&self, names: &Interner, path: &[u8]) -> Option<NodeId> {
        let mut node = ROOT;
        for comp in path.split(|&b| b == b'/').filter(|c| !c.is_empty()) {
            node = self.alive_child(node, names.get(comp)?)?;
        }
        Some(node)
    }

    pub(crate) fn is_alive(&self, id: NodeId) -> bool {
        self.nodes[id as usize].alive
    }

    pub(crate) fn set_alive(&mut self, id: NodeId, alive: bool) {
        self.nodes[id as usize].alive = alive;
    }

    pub(crate) fn data(&self, id: NodeId) -> &T {
        &self.nodes[id as usize].data
    }

    pub(crate) fn data_mut(&mut self, id: NodeId) -> &mut T {
        &mut self.nodes[id as usize].data
    }

    pub(crate) fn parent(&self, id: NodeId) -> Option<NodeId> {
        let p = self.nodes[id as usize].parent;
        (p != NONE).then_some(p)
    }

    pub(crate) fn name(&self, id: NodeId) -> Sym {
        self.nodes[id as usize].name
    }

    /// Children of `id`, alive or not, newest first.
    pub(crate) fn children(&self, id: NodeId) -> Children<'_, T> {
        Children {
            tree: self,
            next: self.nodes[id as usize].first_child,
        }
    }

    /// Depth of a node: the root is 0, `usr` is 1, `usr/lib` is 2.
    #[cfg(test)]
    pub(crate) fn depth(&self, mut id: NodeId) -> usize {
        let mut d = 0;
        while let Some(p) = self.parent(id) {
            d += 1;
            id = p;
        }
        d
    }

    /// The full path of a node, `/`-separated, without a leading slash.
    pub(crate) fn path(&self, names: &Interner, id: NodeId) -> Vec<u8> {
        let mut comps = Vec::new();
        let mut n = id;
        while let Some(p) = self.parent(n) {
            comps.push(self.name(n));
            n = p;
        }
        let mut out = Vec::new();
        for (i, s) in comps.iter().rev().enumerate() {
            if i > 0 {
                out.push(b'/');
            }
            out.extend_from_slice(names.name(*s));
        }
        out
    }

    /// Calls `f` on every alive node of the subtree under `id` (itself included),
    /// parents before children, with an explicit stack (trees can be deep).
    pub(crate) fn for_each_alive(&self, id: NodeId, mut f: impl FnMut(NodeId)) {
        if !self.is_alive(id) {
            return;
        }
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            f(n);
            for c in self.children(n) {
                if self.is_alive(c) {
                    stack.push(c);
                }
            }
        }
    }

    /// Marks every alive node under `id` dead (`id` itself too when `include_self`),
    /// calling `f` on each before it dies.
    pub(crate) fn kill_subtree(
        &mut self,
        id: NodeId,
        include_self: bool,
        mut f: impl FnMut(&mut Self, NodeId),
    ) {
        let mut doomed = Vec::new();
        if include_self {
            self.for_each_alive(id, |n| doomed.push(n));
        } else {
            for c in self.children(id).collect::<Vec<_>>() {
                self.for_each_alive(c, |n| doomed.push(n));
            }
        }
        for n in doomed {
            f(self, n);
            self.nodes[n as usize].alive = false;
        }
    }
}

fn hash_of<T>(nodes: &[Node<T>], id: NodeId) -> u64 {
    let n = &nodes[id as usize];
    child_hash(n.parent, n.name)
}

pub(crate) struct Children<'a, T> {
    tree: &'a PathTree<T>,
    next: NodeId,
}

impl<T> Iterator for Children<'_, T> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        if self.next == NONE {
            return None;
        }
        let id = self.next;
        self.next = self.tree.nodes[id as usize].next_sibling;
        Some(id)
    }
}

/// Looks up many paths in a row, starting each from the folders it shares with the
/// one before: lists of installed files (dpkg's, pip's RECORD) name the files of
/// one folder after another, and a lookup by hash per component of every path
/// was most of the package view on a real image. Same answers as
/// [`PathTree::lookup`], on a tree that does not change between lookups.
#[derive(Default)]
pub(crate) struct PathCursor {
    /// The last path looked up.
    prev: Vec<u8>,
    /// Its components that were found: where each lies in `prev`, and its node.
    found: Vec<(usize, usize, NodeId)>,
}

impl PathCursor {
    pub(crate) fn lookup<T: Default>(
        &mut self,
        tree: &PathTree<T>,
        names: &Interner,
        path: &[u8],
    ) -> Option<NodeId> {
        let mut comps = components(path);
        // How many leading components this path shares with the last one.
        let mut shared = 0;
        let mut next = comps.next();
        while let (Some((s, e)), Some(&(ps, pe, _))) = (next, self.found.get(shared)) {
            if path[s..e] != self.prev[ps..pe] {
                break;
            }
            self.found[shared].0 = s;
            self.found[shared].1 = e;
            shared += 1;
            next = comps.next();
        }
        self.found.truncate(shared);
        self.prev.clear();
        self.prev.extend_from_slice(path);
        let mut node = self.found.last().map_or(ROOT, |&(_, _, n)| n);
        while let Some((s, e)) = next {
            node = tree.alive_child(node, names.get(&path[s..e])?)?;
            self.found.push((s, e, node));
            next = comps.next();
        }
        Some(node)
    }
}

/// The non-empty `/`-separated components of `path`, as ranges.
fn components(path: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || loop {
        if at >= path.len() {
            return None;
        }
        let start = at;
        let end = memchr::memchr(b'/', &path[at..]).map_or(path.len(), |i| at + i);
        at = end + 1;
        if end > start {
            return Some((start, end));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(t: &mut PathTree<u32>, names: &mut Interner, path: &str) -> NodeId {
        let mut n = ROOT;
        for c in path.split('/') {
            n = t.child_slot(n, names.intern(c.as_bytes()));
            t.set_alive(n, true);
        }
        n
    }

    #[test]
    fn lookup_paths_and_kill() {
        let mut names = Interner::default();
        let mut t: PathTree<u32> = PathTree::new();
        let f = add(&mut t, &mut names, "usr/lib/x");
        add(&mut t, &mut names, "usr/lib/y");
        assert_eq!(t.lookup(&names, b"usr/lib/x"), Some(f));
        assert_eq!(t.path(&names, f), b"usr/lib/x");
        assert_eq!(t.depth(f), 3);
        let lib = t.lookup(&names, b"usr/lib").unwrap();
        let mut killed = 0;
        t.kill_subtree(lib, false, |_, _| killed += 1);
        assert_eq!(killed, 2);
        assert!(t.is_alive(lib));
        assert_eq!(t.lookup(&names, b"usr/lib/x"), None);
        assert_eq!(t.lookup(&names, b"nope"), None);
        // Revived in place: the same id names the same path.
        assert_eq!(add(&mut t, &mut names, "usr/lib/x"), f);
    }

    #[test]
    fn a_cursor_finds_what_lookup_finds() {
        let mut names = Interner::default();
        let mut t: PathTree<u32> = PathTree::new();
        for p in [
            "usr/lib/x",
            "usr/lib/y",
            "usr/share/doc/a",
            "usr/lib/z/w",
            "etc/x",
        ] {
            add(&mut t, &mut names, p);
        }
        let lib = t.lookup(&names, b"usr/lib").unwrap();
        t.kill_subtree(lib, false, |_, _| {});
        add(&mut t, &mut names, "usr/lib/y");
        let paths: [&[u8]; 16] = [
            b"usr/lib/x",
            b"usr/lib/y",
            b"usr//lib/y",
            b"usr/lib/y/",
            b"usr/lib",
            b"usr/lib/z/w",
            b"usr/share/doc/a",
            b"usr/share/doc/b",
            b"usr/share/doc/a",
            b"etc/x",
            b"",
            b"/",
            b"etc/x/y",
            b"usr/share",
            b"nope/lib/y",
            b"usr/lib/yy",
        ];
        let mut cursor = PathCursor::default();
        // Every order of two, and the whole list twice.
        for a in paths {
            for b in paths {
                for p in [a, b] {
                    assert_eq!(
                        cursor.lookup(&t, &names, p),
                        t.lookup(&names, p),
                        "{}",
                        String::from_utf8_lossy(p)
                    );
                }
            }
        }
    }
}
