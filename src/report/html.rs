//! The HTML renderer: one self-contained page (styles, script and data inline, no
//! request to any network) with the summary, a zoomable treemap laid out in Rust
//! ([`super::treemap`]), the layers to scale with a layer explorer, the findings;
//! for `diff`, the two treemaps side by side and the delta tables.
//!
//! The data goes in as JSON inside a `<script type="application/json">`, with `<`,
//! `>` and `&` escaped, so no name from the image can close the element; the
//! page's script sets every name as text.

use serde::Serialize;

use super::diff::DiffReport;
use super::inspect::{DiveReport, FindingReport, ImageFigures, InspectReport};
use super::words::HintReport;
use super::Renderer;
use crate::analysis::changes::{Change, PathChange};
use crate::analysis::treemap::TreemapNode;
use crate::size::{human, human_delta};

const TEMPLATE: &str = include_str!("html/page.html");
const CSS: &str = include_str!("html/page.css");
const JS: &str = include_str!("html/page.js");

/// `--format html`.
pub struct Html;

#[derive(Serialize)]
struct PageImage<'a> {
    label: String,
    image: &'a ImageFigures,
    dive: Option<&'a DiveReport>,
    treemap: &'a [TreemapNode],
    /// Package names by place, for the boxes' `package`.
    packages: &'a [crate::analysis::treemap::TreemapPackage],
    instructions: Vec<String>,
    /// Its findings and hints (each map of a diff shows its image's own).
    findings: &'a [FindingReport],
    hints: &'a [HintReport],
}

#[derive(Serialize)]
struct PageLayer<'a> {
    index: usize,
    bytes: u64,
    hidden_bytes: u64,
    instruction: &'a str,
}

#[derive(Serialize)]
struct Table {
    title: String,
    columns: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

#[derive(Serialize)]
struct Page<'a> {
    title: String,
    subtitle: String,
    categories: Vec<&'static str>,
    images: Vec<PageImage<'a>>,
    layers: Option<Vec<PageLayer<'a>>>,
    instructions: Vec<String>,
    /// Folder paths (no leading `/`) the changes point into.
    folders: Vec<String>,
    /// Per layer: `[folder, name, change (0 added, 1 modified, 2 deleted), bytes]`.
    changes: Vec<Vec<Row>>,
    tables: Option<Vec<Table>>,
}

/// One change in the page: folder index, name, change code, bytes.
type Row = (u32, String, u8, u64);

/// Every category a box can have, in legend order.
fn categories() -> Vec<&'static str> {
    let mut v = vec!["dev-dependencies"];
    v.extend(crate::analysis::waste::RULES.iter().map(|r| r.category));
    v.push("layer-churn");
    v.push("reshipped-unchanged");
    v
}

/// Layer changes with their folders interned: node_modules trees repeat long
/// folder paths thousands of times.
fn compact(layers: &[Option<Vec<PathChange>>]) -> (Vec<String>, Vec<Vec<Row>>) {
    let mut folders: Vec<String> = Vec::new();
    let mut index: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(layers.len());
    for changes in layers {
        let mut rows = Vec::new();
        for c in changes.iter().flatten() {
            let trimmed = c.path.trim_start_matches('/');
            let (dir, name) = trimmed.rsplit_once('/').unwrap_or(("", trimmed));
            let id = *index.entry(dir.to_string()).or_insert_with(|| {
                folders.push(dir.to_string());
                (folders.len() - 1) as u32
            });
            let change = match c.change {
                Change::Added => 0,
                Change::Modified => 1,
                Change::Deleted => 2,
            };
            rows.push((id, name.to_string(), change, c.bytes));
        }
        out.push(rows);
    }
    (folders, out)
}

/// The page, with the data as JSON no markup can break out of.
fn page(data: &Page) -> String {
    let raw = serde_json::to_string(data).unwrap_or_else(|_| "{}".into());
    let mut json = String::with_capacity(raw.len() + raw.len() / 64);
    for ch in raw.chars() {
        match ch {
            '<' => json.push_str("\\u003c"),
            '>' => json.push_str("\\u003e"),
            '&' => json.push_str("\\u0026"),
            c => json.push(c),
        }
    }
    fill(
        TEMPLATE,
        &[("/*CSS*/", CSS), ("/*DATA*/", &json), ("/*JS*/", JS)],
    )
}

/// `template` with each placeholder, in the order they appear in it, replaced by
/// its text, in one pass: what one replacement put in (the data, holding names
/// from the image) is never searched for the next placeholder.
fn fill(template: &str, parts: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + parts.iter().map(|p| p.1.len()).sum::<usize>());
    let mut rest = template;
    for (placeholder, text) in parts {
        match rest.split_once(placeholder) {
            Some((before, after)) => {
                out.push_str(before);
                out.push_str(text);
                rest = after;
            }
            None => debug_assert!(false, "{placeholder} is missing from the page template"),
        }
    }
    out.push_str(rest);
    out
}

fn name(image: &ImageFigures, input: &str) -> String {
    super::image_name(image.reference.as_deref(), input)
}

impl Renderer for Html {
    fn inspect(&self, r: &InspectReport) -> Option<String> {
        let instructions: Vec<String> = r.layers.iter().map(|l| l.instruction.clone()).collect();
        let (folders, changes) = compact(
            &r.layers
                .iter()
                .map(|l| l.changes.clone())
                .collect::<Vec<_>>(),
        );
        let img = &r.image;
        Some(page(&Page {
            title: name(img, &r.input),
            subtitle: format!(
                "{}, {}{}: {} in {} layers, {} visible, {} hidden. Sizes in SI units (1 MB = 1,000,000 bytes).",
                img.input_kind,
                img.platform.as_deref().unwrap_or("platform unknown"),
                img.source.suffix(),
                human(img.layer_bytes),
                img.layer_count,
                human(img.final_bytes),
                human(img.hidden_bytes)
            ),
            categories: categories(),
            images: vec![PageImage {
                label: name(img, &r.input),
                image: img,
                dive: Some(&r.dive),
                treemap: &r.treemap.nodes,
                packages: &r.treemap.packages,
                instructions: instructions.clone(),
                findings: &r.findings,
                hints: &r.hints,
            }],
            layers: Some(
                r.layers
                    .iter()
                    .map(|l| PageLayer {
                        index: l.index,
                        bytes: l.bytes,
                        hidden_bytes: l.hidden_bytes,
                        instruction: &l.instruction,
                    })
                    .collect(),
            ),
            instructions,
            folders,
            changes,
            tables: None,
        }))
    }

    fn diff(&self, r: &DiffReport) -> Option<String> {
        let (pa, pb) = r.pictures.as_ref()?;
        let (ta, tb) = (&pa.treemap, &pb.treemap);
        let delta = |d: i128| human_delta(d);
        let tables = diff_tables(r);
        let (na, nb) = (name(&r.a, &r.a_input), name(&r.b, &r.b_input));
        Some(page(&Page {
            title: format!("{na} → {nb}"),
            subtitle: format!(
                "Size {} → {} ({}), visible {} → {}. Sizes in SI units (1 MB = 1,000,000 bytes).",
                human(r.a.layer_bytes),
                human(r.b.layer_bytes),
                delta(r.delta.layer_bytes),
                human(r.a.final_bytes),
                human(r.b.final_bytes)
            ),
            categories: categories(),
            images: vec![
                PageImage {
                    label: format!("A: {na}"),
                    image: &r.a,
                    dive: None,
                    treemap: &ta.nodes,
                    packages: &ta.packages,
                    instructions: r.instructions.a.clone(),
                    findings: &pa.findings,
                    hints: &pa.hints,
                },
                PageImage {
                    label: format!("B: {nb}"),
                    image: &r.b,
                    dive: None,
                    treemap: &tb.nodes,
                    packages: &tb.packages,
                    instructions: r.instructions.b.clone(),
                    findings: &pb.findings,
                    hints: &pb.hints,
                },
            ],
            layers: None,
            instructions: r.instructions.a.clone(),
            folders: Vec::new(),
            changes: Vec::new(),
            tables: Some(tables),
        }))
    }
}

/// The diff page's tables: waste by category, folders, layers.
fn diff_tables(r: &DiffReport) -> Vec<Table> {
    let delta = |d: i128| human_delta(d);
    vec![
        Table {
            title: "Waste by category".into(),
            columns: vec!["Category", "A", "B", "Delta"],
            rows: r
                .categories
                .iter()
                .map(|c| {
                    vec![
                        c.category.clone(),
                        human(c.a_bytes),
                        human(c.b_bytes),
                        delta(c.delta_bytes),
                    ]
                })
                .collect(),
        },
        Table {
            title: format!("Folders at depth {}", r.folders_depth),
            columns: vec!["Folder", "A", "B", "Delta"],
            rows: r
                .folders
                .iter()
                .map(|p| {
                    vec![
                        p.path.clone(),
                        human(p.a_bytes),
                        human(p.b_bytes),
                        delta(p.delta_bytes),
                    ]
                })
                .collect(),
        },
        Table {
            title: "Layers".into(),
            columns: vec!["Layer", "A", "B", "Size"],
            rows: r
                .layers
                .shared
                .iter()
                .map(|s| {
                    vec![
                        format!("shared: {}", s.instruction),
                        format!("#{}", s.a_index),
                        format!("#{}", s.b_index),
                        human(s.bytes),
                    ]
                })
                .chain(r.layers.only_a.iter().map(|l| {
                    vec![
                        format!("only in A: {}", l.instruction),
                        format!("#{}", l.index),
                        "-".into(),
                        human(l.bytes),
                    ]
                }))
                .chain(r.layers.only_b.iter().map(|l| {
                    vec![
                        format!("only in B: {}", l.instruction),
                        "-".into(),
                        format!("#{}", l.index),
                        human(l.bytes),
                    ]
                }))
                .collect(),
        },
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_placeholder_inside_the_data_stays_data() {
        let page = super::fill(
            "<a>/*DATA*/</a><b>/*JS*/</b>",
            &[("/*DATA*/", "x/*JS*/y"), ("/*JS*/", "code()")],
        );
        assert_eq!(page, "<a>x/*JS*/y</a><b>code()</b>");
    }
}
