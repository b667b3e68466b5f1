//! The `overlap` report: what a fleet of images shares, what each adds alone, and
//! what aligning them would save.

use serde::Serialize;

use super::inspect::SourceReport;
use super::{Tool, SCHEMA_VERSION, TOOL};
use crate::analysis::overlap::{About, FleetFailure};
use crate::analysis::overlap::{
    BaseChain, FleetImage, ImageShare, MissKind, NearMiss, Overlap, SharedLayer, Totals,
};

/// One image of the fleet.
#[derive(Debug, Clone, Serialize)]
pub struct OverlapImage {
    /// As given on the command line (or in `--from`).
    pub input: String,
    pub reference: Option<String>,
    pub input_kind: String,
    pub platform: Option<String>,
    pub source: SourceReport,
    #[serde(flatten)]
    pub share: ImageShare,
}

/// A near miss and what to change.
#[derive(Debug, Clone, Serialize)]
pub struct NearMissReport {
    #[serde(flatten)]
    pub miss: NearMiss,
    pub fix: String,
}

/// An image that could not be read (`--keep-going`).
#[derive(Debug, Clone, Serialize)]
pub struct FailureReport {
    pub input: String,
    pub error: String,
}

/// `imgsize overlap --format json`. Images are referred to by their index in
/// `images`.
#[derive(Debug, Clone, Serialize)]
pub struct OverlapReport {
    pub schema_version: u32,
    pub tool: Tool,
    /// False when some images could not be read (`--keep-going`): the figures are
    /// those of the others.
    pub complete: bool,
    pub images: Vec<OverlapImage>,
    pub totals: Totals,
    /// The largest shared layers (`--top`); `totals` counts them all.
    pub shared_layers: Vec<SharedLayer>,
    pub shared_layer_count: usize,
    /// The base chains: each group of images' longest shared run of bottom layers.
    pub base_chains: Vec<BaseChain>,
    /// The near misses with the largest savings (`--top`).
    pub near_misses: Vec<NearMissReport>,
    pub near_miss_count: usize,
    pub failures: Vec<FailureReport>,
}

impl OverlapReport {
    pub(crate) fn build(
        overlap: Overlap,
        read: &[FleetImage],
        about: &[About],
        failures: &[FleetFailure],
        top: usize,
    ) -> OverlapReport {
        let Overlap {
            images,
            totals,
            mut shared_layers,
            base_chains,
            near_misses,
        } = overlap;
        let shared_layer_count = shared_layers.len();
        shared_layers.truncate(top);
        let near_miss_count = near_misses.len();
        let near_misses = near_misses
            .into_iter()
            .take(top)
            .map(|miss| NearMissReport {
                fix: fix(&miss),
                miss,
            })
            .collect();
        OverlapReport {
            schema_version: SCHEMA_VERSION,
            tool: TOOL,
            complete: failures.is_empty(),
            images: images
                .into_iter()
                .zip(read.iter().zip(about))
                .map(|(share, (image, a))| OverlapImage {
                    input: image.input.clone(),
                    reference: a.reference.clone(),
                    input_kind: a.kind.clone(),
                    platform: a.platform.clone(),
                    source: SourceReport::of(&a.source),
                    share,
                })
                .collect(),
            totals,
            shared_layers,
            shared_layer_count,
            base_chains,
            near_misses,
            near_miss_count,
            failures: failures
                .iter()
                .map(|f| FailureReport {
                    input: f.input.clone(),
                    error: f.error.to_string(),
                })
                .collect(),
        }
    }

    /// `#1 app.tar` for the tables: images are numbered from 1 there.
    pub(crate) fn image_list(&self, images: &[usize]) -> String {
        images
            .iter()
            .map(|i| format!("#{}", i + 1))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The image's input, and its reference when that names an image (not the bare
    /// tag of an OCI layout's `ref.name`): `chown.tar (docker.io/library/app:chown)`.
    pub(crate) fn name(&self, i: usize) -> String {
        let img = &self.images[i];
        match img.reference.as_deref() {
            Some(r) if r != img.input && r.contains(['/', ':']) => {
                format!("{} ({r})", img.input)
            }
            _ => img.input.clone(),
        }
    }
}

/// What to change for a near miss.
fn fix(m: &NearMiss) -> String {
    match m.kind {
        MissKind::Bases => "the images start from different base images that hold the same \
            files (two releases of one base?): build them FROM one base, the same tag and digest"
            .to_string(),
        MissKind::SameStep => format!(
            "each image runs `{}` on a different layer below: run it once in a shared base \
             image the services build FROM, or make the layers below it identical so the \
             layer is reused",
            crate::text::one_line(&m.copies[0].instruction, 80)
        ),
        MissKind::SameFiles => "the same files come from different instructions: put them in \
            one shared base image the services build FROM"
            .to_string(),
    }
}
