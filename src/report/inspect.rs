//! The `inspect` report.

use serde::Serialize;

use super::{finite, percent, right_align, table, Tool, SCHEMA_VERSION, TOOL};
use crate::analysis::waste::{Finding, Hint, Waste};
use crate::analysis::{paths, Analysis};
use crate::size::human;
use crate::text::one_line;

/// The image's figures (also the `a`/`b` objects of `diff`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ImageFigures {
    pub reference: Option<String>,
    pub platform: Option<String>,
    pub input_kind: String,
    /// Where the image was read from.
    pub source: SourceReport,
    pub layer_count: usize,
    pub layer_bytes: u64,
    pub final_bytes: u64,
    pub hidden_bytes: u64,
    pub compressed_bytes: Option<u64>,
    pub final_files: u64,
    /// Bytes in any waste finding, each counted once.
    pub flagged_bytes: u64,
    pub user: Option<String>,
}

impl ImageFigures {
    pub fn of(a: &Analysis, waste: &Waste) -> ImageFigures {
        ImageFigures {
            reference: a.reference.clone(),
            platform: a.platform.clone(),
            input_kind: a.kind.clone(),
            source: SourceReport::of(&a.source),
            layer_count: a.layers.len(),
            layer_bytes: a.layer_bytes(),
            final_bytes: a.final_bytes(),
            hidden_bytes: a.hidden_bytes(),
            compressed_bytes: a.compressed_bytes(),
            final_files: a.model.final_files(),
            flagged_bytes: waste.flagged_bytes,
            user: a.user.clone(),
        }
    }
}

/// `{"transport": "file" | "engine" | "registry", "location": …}`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceReport {
    pub transport: &'static str,
    /// The engine's address or the registry's host; null for files.
    pub location: Option<String>,
}

impl SourceReport {
    pub fn of(s: &crate::source::Source) -> SourceReport {
        SourceReport {
            transport: s.transport(),
            location: s.location().map(str::to_string),
        }
    }

    /// `, from the engine at unix:///…` for the summary line; nothing for files.
    pub fn suffix(&self) -> String {
        match (self.transport, &self.location) {
            ("engine", Some(at)) => format!(", from the engine at {at}"),
            ("registry", Some(host)) => format!(", from registry {host}"),
            _ => String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LayerReport {
    pub index: usize,
    pub digest: Option<String>,
    pub diff_id: Option<String>,
    pub media_type: Option<String>,
    pub compression: crate::layer::Compression,
    pub bytes: u64,
    pub compressed_bytes: Option<u64>,
    pub files: u64,
    pub hidden_bytes: u64,
    pub hides_bytes: u64,
    pub created: Option<String>,
    pub created_by: Option<String>,
    pub instruction: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct InefficientFile {
    pub path: String,
    pub count: u32,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DiveReport {
    pub efficiency: f64,
    pub wasted_bytes: u64,
    /// A fraction, as dive reports it (0.1 = 10%); null where dive has NaN.
    pub user_wasted_percent: Option<f64>,
    pub size_bytes: u64,
    pub user_size_bytes: u64,
    pub inefficient_files: Vec<InefficientFile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Remainder {
    pub count: usize,
    pub bytes: u64,
    pub files: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HiddenExample {
    pub path: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HiddenReport {
    pub added_by: usize,
    pub hidden_by: usize,
    pub bytes: u64,
    pub files: u64,
    pub examples: Vec<HiddenExample>,
}

/// `imgsize inspect --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct InspectReport {
    pub schema_version: u32,
    pub tool: Tool,
    pub input: String,
    pub image: ImageFigures,
    pub layers: Vec<LayerReport>,
    pub dive: DiveReport,
    pub paths_depth: usize,
    pub paths: Vec<paths::PathBytes>,
    pub paths_remainder: Remainder,
    pub largest_files: Vec<paths::PathBytes>,
    pub hidden: Vec<HiddenReport>,
    pub findings: Vec<Finding>,
    pub hints: Vec<Hint>,
}

/// What to show.
#[derive(Debug, Clone, Copy)]
pub struct ViewOptions {
    pub depth: usize,
    pub top: usize,
}

impl InspectReport {
    pub fn build(a: &Analysis, waste: &Waste, view: ViewOptions) -> InspectReport {
        let usage = &a.usage;
        let mut folders = paths::folders(&a.model, usage, view.depth);
        let rest = if folders.len() > view.top {
            folders.split_off(view.top)
        } else {
            Vec::new()
        };
        let paths_remainder = Remainder {
            count: rest.len(),
            bytes: rest.iter().map(|p| p.bytes).sum(),
            files: rest.iter().map(|p| p.files).sum(),
        };
        let layers = a
            .layers
            .iter()
            .map(|l| LayerReport {
                index: l.index,
                digest: l.digest.clone(),
                diff_id: l.diff_id.clone(),
                media_type: l.media_type.clone(),
                compression: l.compression,
                bytes: l.bytes,
                compressed_bytes: l.compressed_bytes,
                files: l.files,
                hidden_bytes: l.hidden_bytes,
                hides_bytes: l.hides_bytes,
                created: l.history.as_ref().and_then(|h| h.created.clone()),
                created_by: l.history.as_ref().and_then(|h| h.created_by.clone()),
                instruction: l.instruction.clone(),
            })
            .collect();
        let mut hidden: Vec<HiddenReport> = a
            .model
            .churn
            .iter()
            .map(|(&(from, by), c)| HiddenReport {
                added_by: from as usize,
                hidden_by: by as usize,
                bytes: c.bytes,
                files: c.files,
                examples: c
                    .examples
                    .iter()
                    .map(|&(b, n)| HiddenExample {
                        path: a.model.path_string(n),
                        bytes: b,
                    })
                    .collect(),
            })
            .collect();
        hidden.sort_by(|x, y| y.bytes.cmp(&x.bytes).then(x.added_by.cmp(&y.added_by)));
        InspectReport {
            schema_version: SCHEMA_VERSION,
            tool: TOOL,
            input: a.input.clone(),
            image: ImageFigures::of(a, waste),
            layers,
            dive: DiveReport {
                efficiency: a.dive.efficiency,
                wasted_bytes: a.dive.wasted_bytes,
                user_wasted_percent: finite(a.dive.user_wasted_percent),
                size_bytes: a.dive.size_bytes,
                user_size_bytes: a.dive.user_size_bytes,
                inefficient_files: a
                    .dive
                    .inefficient
                    .iter()
                    .map(|i| InefficientFile {
                        path: i.path.clone(),
                        count: i.count,
                        bytes: i.cumulative_bytes,
                    })
                    .collect(),
            },
            paths_depth: view.depth,
            paths: folders,
            paths_remainder,
            largest_files: paths::largest_files(&a.model, usage, view.top),
            hidden,
            findings: waste.findings.clone(),
            hints: waste.hints.clone(),
        }
    }

    /// The human report.
    pub fn render_table(&self) -> String {
        let mut out = String::new();
        let img = &self.image;
        let name = img.reference.clone().unwrap_or_else(|| self.input.clone());
        out.push_str(&format!(
            "Image     {name}  ({}, {}){}\n",
            img.input_kind,
            img.platform.as_deref().unwrap_or("platform unknown"),
            img.source.suffix()
        ));
        let hidden_share = if img.layer_bytes > 0 {
            img.hidden_bytes as f64 / img.layer_bytes as f64
        } else {
            0.0
        };
        out.push_str(&format!(
            "Size      {} in {} layers (as `docker images` shows it), {} visible, {} hidden ({})\n",
            human(img.layer_bytes),
            img.layer_count,
            human(img.final_bytes),
            human(img.hidden_bytes),
            percent(hidden_share)
        ));
        out.push_str(&format!(
            "Waste     {} flagged ({} of the image), see Findings\n",
            human(img.flagged_bytes),
            percent(if img.layer_bytes > 0 {
                img.flagged_bytes as f64 / img.layer_bytes as f64
            } else {
                0.0
            })
        ));
        match img.compressed_bytes {
            Some(c) => out.push_str(&format!("Pull size {} compressed\n", human(c))),
            None => out.push_str("Pull size unknown (layers stored uncompressed)\n"),
        }
        out.push_str(&format!(
            "dive      efficiency {}, wasted {}, user wasted {}\n",
            percent(self.dive.efficiency),
            human(self.dive.wasted_bytes),
            self.dive
                .user_wasted_percent
                .map(percent)
                .unwrap_or_else(|| "n/a".into())
        ));
        out.push_str("Sizes in SI units (1 MB = 1,000,000 bytes).\n\n");

        out.push_str("Layers\n");
        let mut t = table(&[
            "#",
            "Size",
            "Compressed",
            "Files",
            "Hidden later",
            "Instruction",
        ]);
        for l in &self.layers {
            t.add_row(vec![
                l.index.to_string(),
                human(l.bytes),
                l.compressed_bytes.map(human).unwrap_or_else(|| "-".into()),
                l.files.to_string(),
                if l.hidden_bytes > 0 {
                    human(l.hidden_bytes)
                } else {
                    "-".into()
                },
                one_line(&l.instruction, 62),
            ]);
        }
        right_align(&mut t, &[0, 1, 2, 3, 4]);
        out.push_str(&format!("{t}\n\n"));

        out.push_str(&format!(
            "Largest paths (folders at depth {})\n",
            self.paths_depth
        ));
        let mut t = table(&["Path", "Size", "Files", "Share"]);
        let total = img.final_bytes.max(1) as f64;
        for p in &self.paths {
            t.add_row(vec![
                p.path.clone(),
                human(p.bytes),
                p.files.to_string(),
                percent(p.bytes as f64 / total),
            ]);
        }
        if self.paths_remainder.count > 0 {
            t.add_row(vec![
                format!(
                    "… and {} smaller path{} (use --top N to show more)",
                    self.paths_remainder.count,
                    if self.paths_remainder.count == 1 {
                        ""
                    } else {
                        "s"
                    }
                ),
                human(self.paths_remainder.bytes),
                self.paths_remainder.files.to_string(),
                percent(self.paths_remainder.bytes as f64 / total),
            ]);
        }
        right_align(&mut t, &[1, 2, 3]);
        out.push_str(&format!("{t}\n\n"));

        out.push_str("Largest files\n");
        let mut t = table(&["Path", "Size"]);
        for p in &self.largest_files {
            t.add_row(vec![p.path.clone(), human(p.bytes)]);
        }
        right_align(&mut t, &[1]);
        out.push_str(&format!("{t}\n"));

        if !self.hidden.is_empty() {
            out.push_str("\nHidden bytes: shipped in the image, invisible in the container\n");
            let mut t = table(&["Added by", "Hidden by", "Size", "Files", "Largest"]);
            for h in &self.hidden {
                let instr = |i: usize| {
                    let text = self
                        .layers
                        .get(i)
                        .map(|l| l.instruction.as_str())
                        .unwrap_or("unknown");
                    format!("#{i} {}", one_line(text, 30))
                };
                t.add_row(vec![
                    instr(h.added_by),
                    instr(h.hidden_by),
                    human(h.bytes),
                    h.files.to_string(),
                    h.examples
                        .first()
                        .map(|e| e.path.clone())
                        .unwrap_or_default(),
                ]);
            }
            right_align(&mut t, &[2, 3]);
            out.push_str(&format!("{t}\n"));
        }
        if !self.findings.is_empty() {
            out.push_str("\nFindings: likely waste, where it came from, and the fix\n");
            let mut t = table(&["Category", "Size", "Files", "Added by", "Fix"]);
            for f in &self.findings {
                let added = match f.layers.first() {
                    Some(_) if f.category == "layer-churn" => f.summary.clone(),
                    Some(l) => format!("#{} {}", l.index, one_line(&f.instruction, 36)),
                    None => String::new(),
                };
                t.add_row(vec![
                    f.category.clone(),
                    human(f.bytes),
                    f.files.to_string(),
                    added,
                    f.fix.clone(),
                ]);
            }
            right_align(&mut t, &[1, 2]);
            out.push_str(&format!("{t}\n"));
        }
        if !self.hints.is_empty() {
            out.push_str("\nHints\n");
            for h in &self.hints {
                let mut lines = h.message.lines();
                out.push_str(&format!("- {}\n", lines.next().unwrap_or_default()));
                for l in lines {
                    out.push_str(&format!("      {l}\n"));
                }
            }
        }
        out
    }
}
