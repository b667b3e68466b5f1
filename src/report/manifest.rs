//! `imgsize inspect --manifest-only`: what the manifest and config say without
//! reading one layer: per-layer blob sizes (what a pull costs) and the
//! instructions from the history. Every figure that needs layer contents is absent
//! (null in JSON, "needs the layers" in the table), never guessed.

use serde::Serialize;

use super::inspect::SourceReport;
use super::{Tool, SCHEMA_VERSION, TOOL};
use crate::analysis::history;
use crate::error::Result;
use crate::source::Image;

pub(super) const NEEDS_LAYERS: &str = "needs the layers";

/// The image's figures as far as the manifest knows them.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestFigures {
    pub reference: Option<String>,
    pub platform: Option<String>,
    pub input_kind: String,
    pub source: SourceReport,
    pub layer_count: usize,
    /// The sum of the layer blobs as stored: what a pull transfers.
    pub compressed_bytes: Option<u64>,
    pub layer_bytes: Option<u64>,
    pub final_bytes: Option<u64>,
    pub hidden_bytes: Option<u64>,
    pub final_files: Option<u64>,
    pub flagged_bytes: Option<u64>,
    pub user: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ManifestLayer {
    pub index: usize,
    pub digest: Option<String>,
    pub diff_id: Option<String>,
    pub media_type: Option<String>,
    /// The blob's size as stored (compressed or not).
    pub compressed_bytes: Option<u64>,
    pub bytes: Option<u64>,
    pub files: Option<u64>,
    pub created: Option<String>,
    pub created_by: Option<String>,
    pub instruction: String,
}

/// `imgsize inspect --manifest-only --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestReport {
    pub schema_version: u32,
    pub tool: Tool,
    pub input: String,
    pub manifest_only: bool,
    pub image: ManifestFigures,
    pub layers: Vec<ManifestLayer>,
}

impl ManifestReport {
    pub(crate) fn build(input: &str, image: &Image) -> Result<ManifestReport> {
        let hist = history::per_layer(&image.config.history, image.layers.len());
        let mut layers = Vec::with_capacity(image.layers.len());
        for (i, l) in image.layers.iter().enumerate() {
            let blob = match l.declared_size {
                Some(s) => Some(s),
                None => image.container.size(&l.member)?,
            };
            let h = hist[i].as_ref();
            layers.push(ManifestLayer {
                index: i,
                digest: l.digest.clone(),
                diff_id: l.diff_id.clone(),
                media_type: l.media_type.clone(),
                compressed_bytes: blob,
                bytes: None,
                files: None,
                created: h.and_then(|h| h.created.clone()),
                created_by: h.and_then(|h| h.created_by.clone()),
                instruction: h
                    .and_then(|h| h.created_by.as_deref())
                    .map(history::instruction)
                    .unwrap_or_else(|| "unknown".to_string()),
            });
        }
        Ok(ManifestReport {
            schema_version: SCHEMA_VERSION,
            tool: TOOL,
            input: input.to_string(),
            manifest_only: true,
            image: ManifestFigures {
                reference: image.reference.clone(),
                platform: image.platform.clone(),
                input_kind: image.kind.clone(),
                source: SourceReport::of(&image.source),
                layer_count: layers.len(),
                compressed_bytes: layers.iter().map(|l| l.compressed_bytes).sum(),
                layer_bytes: None,
                final_bytes: None,
                hidden_bytes: None,
                final_files: None,
                flagged_bytes: None,
                user: image.config.user.clone(),
            },
            layers,
        })
    }
}
