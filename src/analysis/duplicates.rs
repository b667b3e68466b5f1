//! Duplicate content (`--content`): files of the final filesystem with the same
//! bytes at different paths (a build copied twice, vendored copies, one package
//! installed in two places), and what keeping one copy of each would save.
//!
//! Contents are grouped by their XXH3-128 hash (see `layer::ScanOptions::content`)
//! and size. Hardlinks share one content and are not duplicates; empty files are
//! left out.

use std::collections::HashMap;

use serde::Serialize;

use crate::fs::tree::NodeId;
use crate::fs::{FsModel, NodeKind, Usage};

/// One content held at several paths.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Duplicate {
    /// XXH3-128 of the content, 32 hex digits.
    pub hash: String,
    /// Bytes of one copy.
    pub size: u64,
    /// What keeping one copy would save: `size * (paths - 1)`.
    pub bytes: u64,
    /// Every path holding it, sorted.
    pub paths: Vec<String>,
}

/// Every duplicated content, most saving first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Duplicates {
    pub groups: Vec<Duplicate>,
    /// The sum of the groups' savings.
    pub bytes: u64,
    /// Files that are a second (or later) copy.
    pub files: u64,
}

/// Groups the final filesystem's files by content. `None` when contents were not
/// hashed.
pub(crate) fn find(m: &FsModel, usage: &Usage) -> Option<Duplicates> {
    if !m.hashed() {
        return None;
    }
    let mut by_hash: HashMap<(u128, u64), Vec<NodeId>> = HashMap::new();
    for &n in &usage.order {
        if !usage.owner[n as usize] || m.tree.data(n).kind == NodeKind::Dir {
            continue;
        }
        let (Some(hash), Some((size, _))) = (m.content_hash(n), m.content_of(n)) else {
            continue;
        };
        if size > 0 {
            by_hash.entry((hash, size)).or_default().push(n);
        }
    }
    let mut groups: Vec<Duplicate> = by_hash
        .into_iter()
        .filter(|(_, nodes)| nodes.len() > 1)
        .map(|((hash, size), nodes)| {
            let mut paths: Vec<String> = nodes.iter().map(|&n| m.path_string(n)).collect();
            paths.sort();
            Duplicate {
                hash: format!("{hash:032x}"),
                size,
                bytes: size * (paths.len() as u64 - 1),
                paths,
            }
        })
        .collect();
    groups.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.paths.cmp(&b.paths)));
    Some(Duplicates {
        bytes: groups.iter().map(|g| g.bytes).sum(),
        files: groups.iter().map(|g| g.paths.len() as u64 - 1).sum(),
        groups,
    })
}
