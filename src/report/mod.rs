//! Reports: one serialisable model per command, rendered as a table, JSON and (for
//! diff and check) Markdown or JUnit. Renderers read the model only.

pub mod check;
pub mod diff;
pub mod inspect;
pub mod manifest;

use serde::Serialize;

/// The JSON schema version of every report imgsize writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Junit,
    Text,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

pub const TOOL: Tool = Tool {
    name: "imgsize",
    version: env!("CARGO_PKG_VERSION"),
};

/// A ratio for people: `78.4%`.
pub fn percent(ratio: f64) -> String {
    if ratio.is_finite() {
        format!("{:.1}%", ratio * 100.0)
    } else {
        "n/a".to_string()
    }
}

/// A finite float, or `None` (JSON null) for NaN and infinities.
pub fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

pub fn to_json<T: Serialize>(v: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// A comfy-table with imgsize's look.
pub fn table(header: &[&str]) -> comfy_table::Table {
    use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement};
    let mut t = comfy_table::Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(120)
        .set_header(header.to_vec());
    t
}

/// Aligns the given columns to the right (numbers).
pub fn right_align(t: &mut comfy_table::Table, cols: &[usize]) {
    for &c in cols {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
    }
}
