//! The JSON renderer: every report, as its serialisable model (the schemas are in
//! the README).

use serde::Serialize;

use super::check::CheckReport;
use super::diff::DiffReport;
use super::inspect::InspectReport;
use super::manifest::ManifestReport;
use super::Renderer;

/// `--format json`.
pub(crate) struct Json;

/// Pretty JSON with a final newline.
pub fn to_json<T: Serialize>(v: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

impl Renderer for Json {
    fn inspect(&self, r: &InspectReport) -> Option<String> {
        Some(to_json(r))
    }

    fn diff(&self, r: &DiffReport) -> Option<String> {
        Some(to_json(r))
    }

    fn check(&self, r: &CheckReport) -> Option<String> {
        Some(to_json(r))
    }

    fn overlap(&self, r: &super::overlap::OverlapReport) -> Option<String> {
        Some(to_json(r))
    }

    fn manifest(&self, r: &ManifestReport) -> Option<String> {
        Some(to_json(r))
    }

    fn packages(&self, r: &super::packages::PackagesReport) -> Option<String> {
        Some(to_json(r))
    }

    /// One object per line (for jq), not one document.
    fn files(
        &self,
        r: &super::files::FilesReport<'_>,
        out: &mut dyn std::io::Write,
    ) -> Option<std::io::Result<()>> {
        Some(r.each(&mut |row| {
            serde_json::to_writer(&mut *out, &row).map_err(std::io::Error::other)?;
            out.write_all(b"\n")
        }))
    }
}
