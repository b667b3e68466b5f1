//! `imgsize files`: one line per path, written as it goes (tab-separated or JSON
//! lines), for grep and jq. The final filesystem (path, bytes, the layer that set
//! the path, kind), or one layer's changes (path, change, bytes, kind).

use std::io::{self, Write};

use serde::Serialize;

use crate::analysis::changes::PathChange;
use crate::analysis::Analysis;
use crate::fs::NodeKind;

/// How `imgsize files` writes its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// Tab-separated columns, no header; control characters in paths escaped.
    Tsv,
    /// One JSON object per line.
    Json,
}

#[derive(Serialize)]
struct FinalPath<'a> {
    path: &'a str,
    bytes: u64,
    layer: u16,
    kind: &'static str,
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

fn json_line(out: &mut impl Write, v: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, v).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Every path of the final filesystem, parents first: a file's bytes, a folder's
/// total (each content counted once, as `du` counts hardlinks).
pub fn write_final(a: &Analysis, format: ListFormat, out: &mut impl Write) -> io::Result<()> {
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
        let path = crate::text::path_str(path);
        let kind = kind_name(node.kind);
        result = match format {
            ListFormat::Tsv => writeln!(out, "{path}\t{bytes}\t{}\t{kind}", node.layer),
            ListFormat::Json => json_line(
                out,
                &FinalPath {
                    path: &path,
                    bytes,
                    layer: node.layer,
                    kind,
                },
            ),
        };
    });
    result
}

/// One layer's changes.
pub fn write_changes(
    changes: &[PathChange],
    format: ListFormat,
    out: &mut impl Write,
) -> io::Result<()> {
    for c in changes {
        match format {
            ListFormat::Tsv => {
                let change = match c.change {
                    crate::analysis::changes::Change::Added => "added",
                    crate::analysis::changes::Change::Modified => "modified",
                    crate::analysis::changes::Change::Deleted => "deleted",
                };
                writeln!(out, "{}\t{change}\t{}\t{}", c.path, c.bytes, c.kind)?
            }
            ListFormat::Json => json_line(out, c)?,
        }
    }
    Ok(())
}
