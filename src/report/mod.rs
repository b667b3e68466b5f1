//! Reports: one serialisable model per command (`inspect`, `diff`, `check`,
//! `overlap`, the manifest-only view), and one renderer per format behind one trait
//! ([`Renderer`]): a new format is one file and one [`Format`] variant. Renderers
//! read the models only.

pub mod check;
mod csv;
pub mod diff;
pub mod files;
mod html;
pub mod inspect;
mod json;
mod junit;
pub mod manifest;
mod markdown;
pub mod overlap;
pub mod packages;
pub(crate) mod table;
mod tsv;
pub mod words;

use serde::Serialize;

pub use json::to_json;

/// The JSON schema version of every report imgsize writes.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// Output formats. Each command offers those it writes (`cli`'s `output_args!`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables for people (`text` is the same, as `check` has called it).
    #[value(alias = "text")]
    Table,
    /// One JSON document (for `files`, one object per line).
    Json,
    /// For a pull-request comment or a CI job summary.
    Markdown,
    /// JUnit XML, for CI test reports.
    Junit,
    /// One self-contained page with a zoomable treemap.
    Html,
    /// Comma-separated, with a header row.
    Csv,
    /// Tab-separated, no header; control characters in paths escaped.
    Tsv,
}

/// Writes reports in one format. A format that does not fit a report (JUnit for
/// `inspect`) returns `None`.
pub trait Renderer {
    fn inspect(&self, _: &inspect::InspectReport) -> Option<String> {
        None
    }
    fn diff(&self, _: &diff::DiffReport) -> Option<String> {
        None
    }
    fn check(&self, _: &check::CheckReport) -> Option<String> {
        None
    }
    fn manifest(&self, _: &manifest::ManifestReport) -> Option<String> {
        None
    }
    fn overlap(&self, _: &overlap::OverlapReport) -> Option<String> {
        None
    }
    fn packages(&self, _: &packages::PackagesReport) -> Option<String> {
        None
    }
    /// `files` writes as it walks (a million paths need not be held): the lines
    /// go to `out`.
    fn files(
        &self,
        _: &files::FilesReport,
        _: &mut dyn std::io::Write,
    ) -> Option<std::io::Result<()>> {
        None
    }
}

impl Format {
    pub fn renderer(self) -> &'static dyn Renderer {
        match self {
            Format::Table => &table::Table,
            Format::Json => &json::Json,
            Format::Markdown => &markdown::Markdown,
            Format::Junit => &junit::Junit,
            Format::Html => &html::Html,
            Format::Csv => &csv::Csv,
            Format::Tsv => &tsv::Tsv,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Junit => "junit",
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
        }
    }

    /// A `--format` parser that offers `allowed` only: a command's help lists
    /// the formats it writes, and any other is refused before anything is read.
    pub(crate) fn parser(
        allowed: &'static [Format],
    ) -> impl clap::builder::TypedValueParser<Value = Format> {
        use clap::builder::TypedValueParser as _;
        use clap::ValueEnum as _;
        clap::builder::PossibleValuesParser::new(
            allowed
                .iter()
                .filter_map(|f| f.to_possible_value())
                .collect::<Vec<_>>(),
        )
        .map(|name| Format::from_str(&name, true).unwrap_or(Format::Table))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

pub(crate) const TOOL: Tool = Tool {
    name: "imgsize",
    version: env!("CARGO_PKG_VERSION"),
};

/// What an image is called in a report: its reference where that names an image
/// (`docker.io/library/app:latest`); for an OCI layout whose `ref.name` is a bare
/// tag, the input with it (`testdata/app.oci:latest`, as skopeo writes `oci:`
/// names); else the input as typed.
pub(crate) fn image_name(reference: Option<&str>, input: &str) -> String {
    match reference {
        Some(r) if r.contains(['/', ':', '@']) => r.to_string(),
        Some(tag) if !tag.is_empty() && tag != input => format!("{input}:{tag}"),
        _ => input.to_string(),
    }
}

/// A ratio for people: `78.4%`.
pub(crate) fn percent(ratio: f64) -> String {
    if ratio.is_finite() {
        format!("{:.1}%", ratio * 100.0)
    } else {
        "n/a".to_string()
    }
}

/// A finite float, or `None` (JSON null) for NaN and infinities.
pub(crate) fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// A comfy-table with imgsize's look.
pub(crate) fn table(header: &[&str]) -> comfy_table::Table {
    use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement};
    let mut t = comfy_table::Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(120)
        .set_header(header.to_vec());
    t
}

/// A table row whose long cells are cut in the middle: a path thousands of
/// characters long (a crafted image can hold one) would wrap into pages, and
/// laying it out takes time that grows faster than its length. JSON keeps it whole.
pub(crate) fn row<S: Into<String>>(cells: Vec<S>) -> Vec<String> {
    cells
        .into_iter()
        .map(|c| {
            let c: String = c.into();
            c.split('\n')
                .map(|line| crate::text::elide(line, MAX_CELL))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

/// The characters a line of a table cell shows at most (four lines of a wrapped
/// column).
const MAX_CELL: usize = 240;

/// Aligns the given columns to the right (numbers).
pub(crate) fn right_align(t: &mut comfy_table::Table, cols: &[usize]) {
    for &c in cols {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
    }
}
