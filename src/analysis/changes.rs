//! What each layer changed: the paths it added, modified (a path a lower layer had)
//! and deleted (whiteouts; an opaque folder deletes what lower layers put in it),
//! with their bytes. dive's layer view, for the HTML report's layer explorer,
//! `inspect --files` and `imgsize files --layer N`.
//!
//! The layers' entry lists are replayed in order over a sorted map of the paths
//! alive so far, so a deletion finds everything below a folder as one range.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::layer::{EntryKind, LayerFiles};

/// How a layer changed a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Modified,
    Deleted,
}

impl Change {
    /// `added`, `modified`, `deleted`.
    pub fn name(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Modified => "modified",
            Change::Deleted => "deleted",
        }
    }
}

/// One path a layer changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathChange {
    /// With a leading `/`.
    pub path: String,
    pub change: Change,
    /// Content bytes: what an added or modified file holds, what a deletion removed.
    pub bytes: u64,
    /// `file`, `dir`, `symlink`, `hardlink`, `other`.
    pub kind: &'static str,
}

fn kind_name(k: EntryKind) -> &'static str {
    match k {
        EntryKind::File => "file",
        EntryKind::Dir | EntryKind::Opaque => "dir",
        EntryKind::Symlink => "symlink",
        EntryKind::Hardlink => "hardlink",
        _ => "other",
    }
}

fn slash(path: &[u8]) -> String {
    format!("/{}", crate::text::path_str(path))
}

/// Removes `dir` (when `itself`) and everything below it; returns the bytes removed
/// and whether anything was there.
fn remove_below(
    alive: &mut BTreeMap<Vec<u8>, (u64, &'static str)>,
    dir: &[u8],
    itself: bool,
) -> (u64, Option<&'static str>) {
    let mut prefix = dir.to_vec();
    prefix.push(b'/');
    let below: Vec<Vec<u8>> = alive
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, _)| k.clone())
        .collect();
    let mut bytes = 0;
    let mut found = (!below.is_empty()).then_some("dir");
    for k in below {
        bytes += alive.remove(&k).map_or(0, |(b, _)| b);
    }
    if itself {
        if let Some((b, kind)) = alive.remove(dir) {
            bytes += b;
            found = Some(kind);
        }
    }
    (bytes, found)
}

/// Each layer's changes, in tar order (deletions first, as they apply first).
pub fn per_layer(layers: &[&LayerFiles]) -> Vec<Vec<PathChange>> {
    let mut alive: BTreeMap<Vec<u8>, (u64, &'static str)> = BTreeMap::new();
    let mut out = Vec::with_capacity(layers.len());
    let mut path = Vec::new();
    for files in layers {
        let mut changes = Vec::new();
        for e in files.iter() {
            let (target, itself) = match e.kind {
                EntryKind::Whiteout => (e.whiteout_target().unwrap_or_default(), true),
                EntryKind::Opaque => (e.whiteout_target().unwrap_or_default(), false),
                _ => continue,
            };
            let (bytes, kind) = remove_below(&mut alive, &target, itself);
            if let Some(kind) = kind {
                changes.push(PathChange {
                    path: slash(&target),
                    change: Change::Deleted,
                    bytes,
                    kind,
                });
            }
        }
        for e in files.iter() {
            if matches!(
                e.kind,
                EntryKind::Whiteout | EntryKind::Opaque | EntryKind::Meta
            ) {
                continue;
            }
            let p = e.path_into(&mut path);
            let kind = kind_name(e.kind);
            let before = alive.insert(p.to_vec(), (e.size, kind));
            // A folder a layer names again (to set its metadata, or as a parent) is
            // not a change of its own.
            if e.kind == EntryKind::Dir && before.is_some_and(|(_, k)| k == "dir") {
                continue;
            }
            changes.push(PathChange {
                path: slash(p),
                change: if before.is_some() {
                    Change::Modified
                } else {
                    Change::Added
                },
                bytes: e.size,
                kind,
            });
        }
        out.push(changes);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(entries: &[(&str, u64, EntryKind)]) -> LayerFiles {
        let mut f = LayerFiles::default();
        for (p, size, kind) in entries {
            f.push(p.as_bytes(), b"", *size, *kind).unwrap();
        }
        f
    }

    #[test]
    fn added_modified_and_deleted() {
        use EntryKind::*;
        let l0 = layer(&[
            ("app", 0, Dir),
            ("app/a.js", 10, File),
            ("app/node_modules/x/i.js", 20, File),
            ("app/node_modules/x/j.js", 30, File),
            ("etc/passwd", 5, File),
        ]);
        let l1 = layer(&[
            ("app", 0, Dir),
            ("app/a.js", 11, File),
            ("app/.wh.node_modules", 0, Whiteout),
            ("etc/.wh..wh..opq", 0, Opaque),
            ("etc/hosts", 3, File),
            ("tmp/.wh.never", 0, Whiteout),
        ]);
        let got = per_layer(&[&l0, &l1]);
        fn row(c: &PathChange) -> (&str, Change, u64) {
            (c.path.as_str(), c.change, c.bytes)
        }
        assert_eq!(got[0].len(), 5);
        assert!(got[0].iter().all(|c| c.change == Change::Added));
        assert_eq!(
            got[1].iter().map(row).collect::<Vec<_>>(),
            vec![
                ("/app/node_modules", Change::Deleted, 50),
                ("/etc", Change::Deleted, 5),
                ("/app/a.js", Change::Modified, 11),
                ("/etc/hosts", Change::Added, 3),
            ]
        );
    }
}
