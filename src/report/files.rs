//! `imgsize files`: one row per path, handed to the renderer as the walk goes
//! (a million paths are never held). The final filesystem (path, bytes, the layer
//! that set the path, kind), or one layer's changes (path, change, bytes, kind).

use std::io;

use serde::Serialize;

use crate::analysis::changes::PathChange;
use crate::analysis::Analysis;
use crate::fs::NodeKind;

/// What `files` lists: the final filesystem, or one layer's changes.
pub struct FilesReport<'a> {
    rows: Rows<'a>,
}

enum Rows<'a> {
    Final(&'a Analysis),
    Changes(&'a [PathChange]),
}

/// One row of [`FilesReport`].
#[derive(Serialize)]
#[serde(untagged)]
pub enum FileRow<'a> {
    /// A path of the final filesystem: a file's bytes, a folder's total (each
    /// content counted once, as `du` counts hardlinks).
    Final {
        path: &'a str,
        bytes: u64,
        layer: u16,
        kind: &'static str,
    },
    /// A path one layer added, modified or deleted.
    Change(&'a PathChange),
}

fn kind_name(k: NodeKind) -> &'static str {
    match k {
        NodeKind::Dir => "dir",
        NodeKind::File => "file",
        NodeKind::Hardlink => "hardlink",
        NodeKind::Symlink => "symlink",
        NodeKind::Other => "other",
    }
}

impl<'a> FilesReport<'a> {
    /// Every path of the final filesystem, parents first.
    pub fn final_of(a: &'a Analysis) -> FilesReport<'a> {
        FilesReport {
            rows: Rows::Final(a),
        }
    }

    /// One layer's changes.
    pub fn changes(changes: &'a [PathChange]) -> FilesReport<'a> {
        FilesReport {
            rows: Rows::Changes(changes),
        }
    }

    /// Hands each row to `f`, in order, until it fails.
    pub fn each(&self, f: &mut dyn FnMut(FileRow<'_>) -> io::Result<()>) -> io::Result<()> {
        match self.rows {
            Rows::Changes(changes) => changes.iter().try_for_each(|c| f(FileRow::Change(c))),
            Rows::Final(a) => {
                let (model, usage) = (&a.model, &a.usage);
                let mut result = Ok(());
                usage.for_each_path(model, |n, path| {
                    if result.is_err() || path == b"/" {
                        return;
                    }
                    let node = model.tree.data(n);
                    let bytes = match node.kind {
                        NodeKind::Dir => usage.totals[n as usize].bytes,
                        _ => model.content_of(n).map_or(0, |(size, _)| size),
                    };
                    result = f(FileRow::Final {
                        path: &crate::text::path_str(path),
                        bytes,
                        layer: node.layer,
                        kind: kind_name(node.kind),
                    });
                });
                result
            }
        }
    }
}
