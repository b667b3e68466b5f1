//! The `diff` report: two images side by side, as a table, JSON or Markdown.

use serde::Serialize;

use super::inspect::ImageFigures;
use super::{right_align, table, Tool, SCHEMA_VERSION, TOOL};
use crate::analysis::diff::{CategoryPair, Diff, FileChange, LayerDiff, Pair};
use crate::size::{human, human_delta, SizeOrPercent};
use crate::text::one_line;

/// B minus A for each figure of `image` (null where a side does not know it).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Delta {
    pub layer_count: i128,
    pub layer_bytes: i128,
    pub final_bytes: i128,
    pub hidden_bytes: i128,
    pub compressed_bytes: Option<i128>,
    pub final_files: i128,
    pub flagged_bytes: i128,
}

/// The `--fail-if-larger` verdict.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Limit {
    /// As given: `50MB` or `10%`.
    pub limit: String,
    /// The limit in bytes of layer_bytes growth.
    pub limit_bytes: u64,
    pub exceeded: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Instructions {
    pub a: Vec<String>,
    pub b: Vec<String>,
}

/// `imgsize diff --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub schema_version: u32,
    pub tool: Tool,
    pub a_input: String,
    pub b_input: String,
    pub a: ImageFigures,
    pub b: ImageFigures,
    pub delta: Delta,
    pub categories: Vec<CategoryPair>,
    pub folders_depth: usize,
    pub folders: Vec<Pair>,
    pub paths: Vec<FileChange>,
    pub layers: LayerDiff,
    pub instructions: Instructions,
    pub fail_if_larger: Option<Limit>,
}

fn d(a: u64, b: u64) -> i128 {
    i128::from(b) - i128::from(a)
}

fn pct(a: u64, b: u64) -> String {
    if a == 0 {
        if b == 0 {
            "0%".into()
        } else {
            "new".into()
        }
    } else {
        format!("{:+.1}%", (b as f64 - a as f64) / a as f64 * 100.0)
    }
}

impl DiffReport {
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        a_input: &str,
        b_input: &str,
        a: ImageFigures,
        b: ImageFigures,
        diff: Diff,
        depth: usize,
        instructions: Instructions,
        limit: Option<(String, SizeOrPercent)>,
    ) -> DiffReport {
        let delta = Delta {
            layer_count: b.layer_count as i128 - a.layer_count as i128,
            layer_bytes: d(a.layer_bytes, b.layer_bytes),
            final_bytes: d(a.final_bytes, b.final_bytes),
            hidden_bytes: d(a.hidden_bytes, b.hidden_bytes),
            compressed_bytes: a
                .compressed_bytes
                .zip(b.compressed_bytes)
                .map(|(x, y)| d(x, y)),
            final_files: d(a.final_files, b.final_files),
            flagged_bytes: d(a.flagged_bytes, b.flagged_bytes),
        };
        let fail_if_larger = limit.map(|(text, l)| {
            let limit_bytes = l.bytes_of(a.layer_bytes);
            Limit {
                limit: text,
                limit_bytes,
                exceeded: delta.layer_bytes > i128::from(limit_bytes),
            }
        });
        DiffReport {
            schema_version: SCHEMA_VERSION,
            tool: TOOL,
            a_input: a_input.to_string(),
            b_input: b_input.to_string(),
            a,
            b,
            delta,
            categories: diff.categories,
            folders_depth: depth,
            folders: diff.folders,
            paths: diff.files,
            layers: diff.layers,
            instructions,
            fail_if_larger,
        }
    }

    fn name(f: &ImageFigures, input: &str) -> String {
        f.reference.clone().unwrap_or_else(|| input.to_string())
    }

    /// (label, A, B, delta, percent) for the summary.
    fn summary_rows(&self) -> Vec<[String; 5]> {
        let (a, b) = (&self.a, &self.b);
        let row = |label: &str, x: u64, y: u64| {
            [
                label.to_string(),
                human(x),
                human(y),
                human_delta(d(x, y)),
                pct(x, y),
            ]
        };
        let mut rows = vec![
            row("Size (layer bytes)", a.layer_bytes, b.layer_bytes),
            row("Visible (final bytes)", a.final_bytes, b.final_bytes),
        ];
        match (a.compressed_bytes, b.compressed_bytes) {
            (Some(x), Some(y)) => rows.push(row("Compressed (pull size)", x, y)),
            (x, y) => rows.push([
                "Compressed (pull size)".into(),
                x.map(human).unwrap_or_else(|| "unknown".into()),
                y.map(human).unwrap_or_else(|| "unknown".into()),
                "-".into(),
                "-".into(),
            ]),
        }
        rows.push(row("Hidden", a.hidden_bytes, b.hidden_bytes));
        rows.push(row("Flagged as waste", a.flagged_bytes, b.flagged_bytes));
        rows.push([
            "Layers".into(),
            a.layer_count.to_string(),
            b.layer_count.to_string(),
            format!("{:+}", self.delta.layer_count),
            pct(a.layer_count as u64, b.layer_count as u64),
        ]);
        rows
    }

    fn verdict(&self) -> Option<String> {
        self.fail_if_larger.as_ref().map(|l| {
            if l.exceeded {
                format!(
                    "FAIL: B is {} larger than A, more than --fail-if-larger {} ({})",
                    human_delta(self.delta.layer_bytes),
                    l.limit,
                    human(l.limit_bytes)
                )
            } else {
                format!(
                    "PASS: growth {} is within --fail-if-larger {} ({})",
                    human_delta(self.delta.layer_bytes),
                    l.limit,
                    human(l.limit_bytes)
                )
            }
        })
    }

    pub fn render_table(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "A  {}  ({})\n",
            Self::name(&self.a, &self.a_input),
            self.a_input
        ));
        out.push_str(&format!(
            "B  {}  ({})\n",
            Self::name(&self.b, &self.b_input),
            self.b_input
        ));
        out.push_str("Sizes in SI units (1 MB = 1,000,000 bytes); delta is B - A.\n\n");
        let mut t = table(&["", "A", "B", "Delta", "%"]);
        for r in self.summary_rows() {
            t.add_row(r.to_vec());
        }
        right_align(&mut t, &[1, 2, 3, 4]);
        out.push_str(&format!("{t}\n"));

        if !self.categories.is_empty() {
            out.push_str("\nWaste by category\n");
            let mut t = table(&["Category", "A", "B", "Delta"]);
            for c in &self.categories {
                t.add_row(vec![
                    c.category.clone(),
                    human(c.a_bytes),
                    human(c.b_bytes),
                    human_delta(c.delta_bytes),
                ]);
            }
            right_align(&mut t, &[1, 2, 3]);
            out.push_str(&format!("{t}\n"));
        }
        if !self.folders.is_empty() {
            out.push_str(&format!(
                "\nFolders that changed most (depth {})\n",
                self.folders_depth
            ));
            let mut t = table(&["Path", "A", "B", "Delta"]);
            for p in &self.folders {
                t.add_row(vec![
                    p.path.clone(),
                    human(p.a_bytes),
                    human(p.b_bytes),
                    human_delta(p.delta_bytes),
                ]);
            }
            right_align(&mut t, &[1, 2, 3]);
            out.push_str(&format!("{t}\n"));
        }
        if !self.paths.is_empty() {
            out.push_str("\nLargest added, removed, grown and shrunk files\n");
            let mut t = table(&["Change", "Path", "A", "B", "Delta"]);
            for p in &self.paths {
                t.add_row(vec![
                    format!("{:?}", p.change).to_lowercase(),
                    p.path.clone(),
                    human(p.a_bytes),
                    human(p.b_bytes),
                    human_delta(p.delta_bytes),
                ]);
            }
            right_align(&mut t, &[2, 3, 4]);
            out.push_str(&format!("{t}\n"));
        }
        out.push_str("\nLayers\n");
        let mut t = table(&["", "A #", "B #", "Size", "Instruction"]);
        for s in &self.layers.shared {
            t.add_row(vec![
                "shared".into(),
                s.a_index.to_string(),
                s.b_index.to_string(),
                human(s.bytes),
                one_line(&s.instruction, 60),
            ]);
        }
        for l in &self.layers.only_a {
            t.add_row(vec![
                "only A".into(),
                l.index.to_string(),
                "-".into(),
                human(l.bytes),
                one_line(&l.instruction, 60),
            ]);
        }
        for l in &self.layers.only_b {
            t.add_row(vec![
                "only B".into(),
                "-".into(),
                l.index.to_string(),
                human(l.bytes),
                one_line(&l.instruction, 60),
            ]);
        }
        right_align(&mut t, &[1, 2, 3]);
        out.push_str(&format!("{t}\n"));
        if let Some(v) = self.verdict() {
            out.push_str(&format!("\n{v}\n"));
        }
        out
    }

    pub fn render_markdown(&self) -> String {
        let esc = |s: &str| s.replace('|', "\\|").replace('`', "'");
        let mut out = String::new();
        out.push_str(&format!(
            "### imgsize: `{}` → `{}`\n\n",
            esc(&Self::name(&self.a, &self.a_input)),
            esc(&Self::name(&self.b, &self.b_input))
        ));
        out.push_str("| | A | B | Delta | % |\n|---|---:|---:|---:|---:|\n");
        for r in self.summary_rows() {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                r[0], r[1], r[2], r[3], r[4]
            ));
        }
        if !self.categories.is_empty() {
            out.push_str(
                "\n**Waste by category**\n\n| Category | A | B | Delta |\n|---|---:|---:|---:|\n",
            );
            for c in &self.categories {
                out.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    c.category,
                    human(c.a_bytes),
                    human(c.b_bytes),
                    human_delta(c.delta_bytes)
                ));
            }
        }
        if !self.folders.is_empty() {
            out.push_str(&format!(
                "\n<details><summary>Folders that changed most (depth {})</summary>\n\n| Path | A | B | Delta |\n|---|---:|---:|---:|\n",
                self.folders_depth
            ));
            for p in &self.folders {
                out.push_str(&format!(
                    "| `{}` | {} | {} | {} |\n",
                    esc(&p.path),
                    human(p.a_bytes),
                    human(p.b_bytes),
                    human_delta(p.delta_bytes)
                ));
            }
            out.push_str("\n</details>\n");
        }
        if !self.paths.is_empty() {
            out.push_str("\n<details><summary>Largest file changes</summary>\n\n| Change | Path | Delta |\n|---|---|---:|\n");
            for p in &self.paths {
                out.push_str(&format!(
                    "| {:?} | `{}` | {} |\n",
                    p.change,
                    esc(&p.path),
                    human_delta(p.delta_bytes)
                ));
            }
            out.push_str("\n</details>\n");
        }
        out.push_str(&format!(
            "\nLayers: {} shared, {} only in A, {} only in B. Sizes in SI units (1 MB = 10^6 bytes).\n",
            self.layers.shared.len(),
            self.layers.only_a.len(),
            self.layers.only_b.len()
        ));
        if let Some(v) = self.verdict() {
            out.push_str(&format!("\n**{v}**\n"));
        }
        out
    }
}
