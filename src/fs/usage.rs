//! The final filesystem walked once: every alive node in order with its depth,
//! each subtree's totals (each content counted once), and where each content is
//! counted. The analyses read the model through it.

use super::tree::{NodeId, ROOT};
use super::{FsModel, Total, NO_CONTENT};

impl FsModel {
    /// Walks the final filesystem once: every alive node in pre-order with its depth,
    /// the subtree totals of each node, and for each file node whether it is the one
    /// its content is counted under (the first path met that refers to it).
    pub fn usage(&self) -> Usage {
        let mut order = Vec::new();
        let mut depth = vec![0u32; self.tree.len()];
        let mut stack = vec![(ROOT, 0u32)];
        while let Some((n, d)) = stack.pop() {
            order.push(n);
            depth[n as usize] = d;
            for c in self.tree.children(n) {
                if self.tree.is_alive(c) {
                    stack.push((c, d.saturating_add(1)));
                }
            }
        }
        let mut counted = vec![false; self.contents.len()];
        let mut totals = vec![Total::default(); self.tree.len()];
        let mut owner = vec![false; self.tree.len()];
        for &n in &order {
            let c = self.tree.data(n).content;
            if c != NO_CONTENT && !counted[c as usize] {
                counted[c as usize] = true;
                owner[n as usize] = true;
                totals[n as usize] = Total {
                    bytes: self.contents[c as usize].size,
                    files: 1,
                    pull: self.pulls.get(c as usize).copied().unwrap_or(0),
                };
            }
        }
        for &n in order.iter().rev() {
            if let Some(p) = self.tree.parent(n) {
                let t = totals[n as usize];
                let pt = &mut totals[p as usize];
                pt.bytes += t.bytes;
                pt.files += t.files;
                pt.pull += t.pull;
            }
        }
        Usage {
            order,
            depth,
            totals,
            owner,
        }
    }
}

/// The final filesystem, walked once (see [`FsModel::usage`]).
pub struct Usage {
    /// Alive nodes, parents before children.
    pub(crate) order: Vec<NodeId>,
    /// Depth by node id (root 0).
    pub(crate) depth: Vec<u32>,
    /// Subtree totals by node id.
    pub(crate) totals: Vec<Total>,
    /// By node id: this file is where its content is counted.
    pub(crate) owner: Vec<bool>,
}

impl Usage {
    /// Calls `f` on every alive node, parents before children, with its path (`/` for
    /// the root, `/usr/lib/x` below it). The path is built as the walk goes: nothing
    /// is allocated per node, which matters with a million files.
    pub(crate) fn for_each_path(&self, model: &FsModel, mut f: impl FnMut(NodeId, &[u8])) {
        let mut path = Vec::with_capacity(256);
        path.push(b'/');
        // ends[d]: where the path of the current node at depth d ends.
        let mut ends = vec![1usize];
        for &n in &self.order {
            let d = self.depth[n as usize] as usize;
            if d > 0 {
                path.truncate(ends[d - 1]);
                if d > 1 {
                    path.push(b'/');
                }
                path.extend_from_slice(model.names.name(model.tree.name(n)));
                ends.resize(d + 1, 0);
                ends[d] = path.len();
            }
            f(n, &path);
        }
    }
}
