//! The TSV renderer: `files`, one line per path, tab-separated, no header.

use std::io::{self, Write};

use super::files::{FileRow, FilesReport};
use super::Renderer;

/// `--format tsv`.
pub(crate) struct Tsv;

impl Renderer for Tsv {
    fn files(&self, r: &FilesReport<'_>, out: &mut dyn Write) -> Option<io::Result<()>> {
        Some(r.each(&mut |row| match row {
            FileRow::Final {
                path,
                bytes,
                layer,
                kind,
            } => writeln!(out, "{path}\t{bytes}\t{layer}\t{kind}"),
            FileRow::Change(c) => writeln!(
                out,
                "{}\t{}\t{}\t{}",
                c.path,
                c.change.name(),
                c.bytes,
                c.kind
            ),
        }))
    }
}
