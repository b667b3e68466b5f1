//! The `inspect` report.

use serde::Serialize;

use super::words::{self, HintReport};
use super::{finite, Tool, SCHEMA_VERSION, TOOL};
use crate::analysis::waste::{Finding, Waste};
use crate::analysis::{paths, Analysis};

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
    /// With `--content`: what keeping one copy of each duplicated content would
    /// save; null without.
    pub duplicate_bytes: Option<u64>,
    pub user: Option<String>,
}

impl ImageFigures {
    pub(crate) fn of(a: &Analysis, waste: &Waste) -> ImageFigures {
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
            duplicate_bytes: a.duplicates.as_ref().map(|d| d.bytes),
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
    pub(crate) fn of(s: &crate::source::Source) -> SourceReport {
        SourceReport {
            transport: s.transport(),
            location: s.location().map(str::to_string),
        }
    }

    /// `, from the engine at unix:///…` for the summary line; nothing for files.
    pub(crate) fn suffix(&self) -> String {
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
    /// With `--files`: every path the layer added, modified or deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<crate::analysis::changes::PathChange>>,
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
    /// Their pull cost (null unless every layer is compressed).
    pub compressed_bytes: Option<u64>,
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
    pub findings: Vec<FindingReport>,
    pub hints: Vec<HintReport>,
    /// Every package the records name, largest first.
    pub packages: Vec<crate::analysis::packages::Package>,
    /// Bytes no package claims, by folder at depth 2.
    pub unowned: Vec<crate::analysis::packages::Unowned>,
    /// With `--content`: every content held at several paths, most saving first;
    /// null without.
    pub duplicates: Option<Vec<crate::analysis::duplicates::Duplicate>>,
    /// The treemap, for the HTML report (`with_treemap`).
    #[serde(skip)]
    pub treemap: crate::analysis::treemap::Treemap,
}

/// What to show.
#[derive(Debug, Clone, Copy)]
pub struct ViewOptions {
    pub depth: usize,
    pub top: usize,
}

/// A finding as the reports show it: the analysis's facts (its fields, in JSON
/// too) and a summary in words.
#[derive(Debug, Clone, Serialize)]
pub struct FindingReport {
    #[serde(flatten)]
    pub finding: Finding,
    /// One sentence saying what was found.
    pub summary: String,
}

impl std::ops::Deref for FindingReport {
    type Target = Finding;
    fn deref(&self) -> &Finding {
        &self.finding
    }
}

impl FindingReport {
    fn of(f: &Finding, instructions: &[String]) -> FindingReport {
        FindingReport {
            finding: f.clone(),
            summary: words::summary(f, instructions),
        }
    }
}

impl InspectReport {
    pub fn build(a: &Analysis, waste: &Waste, view: ViewOptions) -> InspectReport {
        let instructions: Vec<String> = a.layers.iter().map(|l| l.instruction.clone()).collect();
        let (paths, paths_remainder) = largest_folders(a, view);
        InspectReport {
            schema_version: SCHEMA_VERSION,
            tool: TOOL,
            input: a.input.clone(),
            image: ImageFigures::of(a, waste),
            layers: a.layers.iter().map(|l| LayerReport::of(a, l)).collect(),
            dive: DiveReport::of(&a.dive),
            paths_depth: view.depth,
            paths,
            paths_remainder,
            largest_files: paths::largest_files(&a.model, &a.usage, view.top),
            hidden: hidden_reports(a),
            findings: waste
                .findings
                .iter()
                .map(|f| FindingReport::of(f, &instructions))
                .collect(),
            hints: waste
                .hints
                .iter()
                .map(|h| words::hint(h, &instructions))
                .collect(),
            packages: a.packages.packages.clone(),
            unowned: a.packages.unowned.clone(),
            duplicates: a.duplicates.as_ref().map(|d| d.groups.clone()),
            treemap: Default::default(),
        }
    }

    /// Adds the treemap the HTML report draws.
    pub fn with_treemap(mut self, a: &Analysis) -> InspectReport {
        self.treemap = crate::analysis::treemap::build(a);
        self
    }
}

/// An image's findings and hints as the reports show them.
pub(crate) fn findings_of(a: &Analysis) -> (Vec<FindingReport>, Vec<HintReport>) {
    let instructions: Vec<String> = a.layers.iter().map(|l| l.instruction.clone()).collect();
    let findings = a
        .waste
        .findings
        .iter()
        .map(|f| FindingReport::of(f, &instructions))
        .collect();
    let hints = a
        .waste
        .hints
        .iter()
        .map(|h| words::hint(h, &instructions))
        .collect();
    (findings, hints)
}

/// The `top` largest folders at `depth`, and what the rest add up to.
fn largest_folders(a: &Analysis, view: ViewOptions) -> (Vec<paths::PathBytes>, Remainder) {
    let mut folders = paths::folders(&a.model, &a.usage, view.depth);
    let rest = if folders.len() > view.top {
        folders.split_off(view.top)
    } else {
        Vec::new()
    };
    let remainder = Remainder {
        count: rest.len(),
        bytes: rest.iter().map(|p| p.bytes).sum(),
        files: rest.iter().map(|p| p.files).sum(),
        compressed_bytes: a
            .model
            .pulled()
            .then(|| rest.iter().filter_map(|p| p.compressed_bytes).sum()),
    };
    (folders, remainder)
}

impl LayerReport {
    fn of(a: &Analysis, l: &crate::analysis::LayerInfo) -> LayerReport {
        LayerReport {
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
            changes: a.changes.as_ref().and_then(|c| c.get(l.index).cloned()),
        }
    }
}

impl DiveReport {
    fn of(d: &crate::analysis::dive::DiveFigures) -> DiveReport {
        DiveReport {
            efficiency: d.efficiency,
            wasted_bytes: d.wasted_bytes,
            user_wasted_percent: finite(d.user_wasted_percent),
            size_bytes: d.size_bytes,
            user_size_bytes: d.user_size_bytes,
            inefficient_files: d
                .inefficient
                .iter()
                .map(|i| InefficientFile {
                    path: i.path.clone(),
                    count: i.count,
                    bytes: i.cumulative_bytes,
                })
                .collect(),
        }
    }
}

/// Hidden bytes by the layer that added them and the one that hid them, largest
/// first.
fn hidden_reports(a: &Analysis) -> Vec<HiddenReport> {
    let mut hidden: Vec<HiddenReport> = a
        .model
        .hidden_pairs()
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
    hidden
}
