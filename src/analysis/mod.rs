//! Analysis: pure functions of the scanned layers and the filesystem model.

pub(crate) mod budget;
pub mod changes;
pub(crate) mod diff;
pub mod dive;
pub mod duplicates;
pub mod history;
pub(crate) mod node_modules;
pub mod overlap;
pub mod packages;
pub(crate) mod paths;
pub mod treemap;
pub mod waste;

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::fs::{FsModel, Usage};
use crate::layer::{Captured, CapturedKind, Compression, LayerScan};
use crate::source::{History, LayerRef, Source};

/// What the analyses know of an image besides its layers' entries: what its
/// source resolved (the pipeline makes it from the source's image; the analyses
/// never see the source's blobs or transports).
#[derive(Debug, Clone)]
pub struct Described {
    /// Where errors point: the input as the user named it.
    pub label: String,
    /// `docker-archive`, `oci-layout`...
    pub kind: String,
    pub source: Source,
    pub reference: Option<String>,
    pub platform: Option<String>,
    /// `config.User`.
    pub user: Option<String>,
    pub layers: Vec<LayerRef>,
    pub history: Vec<History>,
}

/// What imgsize knows about one layer.
#[derive(Debug, Clone)]
pub struct LayerInfo {
    pub index: usize,
    pub digest: Option<String>,
    pub diff_id: Option<String>,
    pub media_type: Option<String>,
    pub compression: Compression,
    /// Regular-file bytes in the layer.
    pub bytes: u64,
    /// The blob's size when it is compressed.
    pub compressed_bytes: Option<u64>,
    pub files: u64,
    pub entries: u64,
    /// Of `bytes`, those later hidden.
    pub hidden_bytes: u64,
    /// Bytes of earlier layers this layer hid.
    pub hides_bytes: u64,
    pub history: Option<History>,
    /// The instruction from the history, or `unknown`.
    pub instruction: String,
}

/// Everything computed from one image.
pub struct Analysis {
    pub(crate) input: String,
    pub(crate) kind: String,
    /// Where it was read from: a file, an engine, a registry.
    pub(crate) source: crate::source::Source,
    pub(crate) reference: Option<String>,
    pub(crate) platform: Option<String>,
    /// `config.User`; empty or absent means root.
    pub(crate) user: Option<String>,
    pub(crate) layers: Vec<LayerInfo>,
    pub(crate) model: FsModel,
    /// The final filesystem walked once: subtree totals, depths, where each content counts.
    pub(crate) usage: Usage,
    pub(crate) dive: dive::DiveFigures,
    /// Waste findings and hints (paths matching `--ignore` left out).
    pub waste: waste::Waste,
    /// Bytes by package, and what no package claims.
    pub(crate) packages: packages::Packages,
    /// Files with the same content at several paths (`--content` only).
    pub(crate) duplicates: Option<duplicates::Duplicates>,
    /// What each layer added, modified and deleted, when asked for (`--files`, HTML).
    pub(crate) changes: Option<Vec<Vec<changes::PathChange>>>,
}

impl Analysis {
    pub fn layer_bytes(&self) -> u64 {
        self.model.layer_bytes()
    }

    pub fn final_bytes(&self) -> u64 {
        self.model.final_bytes()
    }

    pub fn hidden_bytes(&self) -> u64 {
        self.model.hidden_bytes()
    }

    /// Bytes by package, and what no package claims.
    pub fn packages(&self) -> &packages::Packages {
        &self.packages
    }

    /// The pull size: the sum of the compressed blobs, when every layer is compressed.
    pub(crate) fn compressed_bytes(&self) -> Option<u64> {
        self.layers.iter().map(|l| l.compressed_bytes).sum()
    }
}

/// How many inefficient paths of dive's to keep.
pub(crate) const DIVE_TOP: usize = 20;

/// The scans, checked against the image's descriptors, and what the analyses take
/// from them and from the history.
pub(crate) struct Prepared {
    /// By layer; a blob listed twice is one scan, shared.
    scans: Vec<Arc<LayerScan>>,
    /// Small files kept by the scans, by layer.
    captured: Vec<(usize, Captured)>,
    /// What programs said they are made of (Go's build information), by layer.
    binaries: Vec<(usize, Captured)>,
    hist: Vec<Option<History>>,
    /// Each layer's instruction, or `unknown`.
    instructions: Vec<String>,
}

impl Prepared {
    /// Each layer's entries, in layer order.
    pub(crate) fn files(&self) -> Vec<&crate::layer::LayerFiles> {
        self.scans.iter().map(|s| &s.files).collect()
    }
}

/// Checks layer `i`'s scan against its descriptor: the blob's size, and with
/// `verify` its digest and the config's diff_id.
pub(crate) fn check_layer(image: &Described, i: usize, s: &LayerScan, verify: bool) -> Result<()> {
    let r = &image.layers[i];
    let place = format!("{}: layer {i} ({})", image.label, r.member);
    if let Some(declared) = r.declared_size {
        if declared != s.blob_bytes {
            return Err(Error::verify(
                place,
                format!(
                    "blob has {} bytes, its descriptor says {declared} (truncated download?)",
                    s.blob_bytes
                ),
            ));
        }
    }
    if verify {
        if let (Some(want), Some(got)) = (&r.digest, &s.blob_digest) {
            if want != got {
                return Err(Error::verify(
                    place,
                    format!("blob digest is {got}, expected {want}"),
                ));
            }
        }
        match (&r.diff_id, &s.diff_id) {
            (Some(want), Some(got)) if want != got => {
                return Err(Error::verify(
                    place,
                    format!("uncompressed digest is {got}, config's diff_id is {want}"),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks the scans against the image's descriptors (sizes; digests and diff_ids
/// with `verify`) and sets apart what the analyses need.
pub(crate) fn prepare(
    image: &Described,
    scans: Vec<Arc<LayerScan>>,
    verify: bool,
) -> Result<Prepared> {
    for (i, s) in scans.iter().enumerate() {
        check_layer(image, i, s, verify)?;
    }
    // What the findings need besides the model: the small files kept by the
    // scans (a blob listed twice is the later layer's: that is the one whose files
    // show), what each layer brought, and each layer's instruction.
    let mut scans = scans;
    let mut kept_by_layer: Vec<(usize, Vec<Captured>)> = Vec::new();
    let mut taken = std::collections::HashSet::new();
    for i in (0..scans.len()).rev() {
        if !taken.insert(Arc::as_ptr(&scans[i])) {
            continue;
        }
        // Moved out where this is the scan's only holder, else copied.
        let kept = match Arc::get_mut(&mut scans[i]) {
            Some(s) => std::mem::take(&mut s.captured),
            None => scans[i].captured.clone(),
        };
        kept_by_layer.push((i, kept));
    }
    let (captured, binaries): (Vec<_>, Vec<_>) = kept_by_layer
        .into_iter()
        .rev()
        .flat_map(|(i, kept)| kept.into_iter().map(move |c| (i, c)))
        .partition(|(_, c)| c.kind == CapturedKind::File);
    let hist = history::per_layer(&image.history, image.layers.len());
    let instructions = history::instructions(&hist);
    Ok(Prepared {
        scans,
        captured,
        binaries,
        hist,
        instructions,
    })
}

/// The filesystem model, walked once for the findings: one side of the pipeline's
/// parallel step (dive's figures, which need only the entries, are the other).
pub(crate) struct Built {
    model: FsModel,
    usage: Usage,
    waste: waste::Waste,
    packages: packages::Packages,
    duplicates: Option<duplicates::Duplicates>,
}

pub(crate) fn model_and_findings(
    p: &Prepared,
    user: Option<&str>,
    ignore: &globset::GlobSet,
) -> std::result::Result<Built, crate::fs::FsError> {
    let files = p.files();
    let model = FsModel::build(files.iter().copied())?;
    crate::timings::mark("  model");
    let usage = model.usage();
    let records = node_modules::Records::read(&model, &p.captured);
    // The package view and the findings walk read the same model: side by side.
    // The package view is the longer, so this thread starts it while dive's
    // figures may still hold the other core, which takes the findings when free
    // (and what only the findings need is computed on their side).
    let (mut packages, waste) = rayon::join(
        || {
            let k = packages::analyze(&packages::Context::new(
                &model,
                &usage,
                &p.captured,
                &p.binaries,
                &records,
            ));
            crate::timings::mark("  packages");
            k
        },
        || {
            let layer_facts: Vec<waste::LayerFacts> =
                files.iter().map(|f| waste::LayerFacts::of(f)).collect();
            let w = waste::analyze(&waste::Context {
                model: &model,
                usage: &usage,
                instructions: &p.instructions,
                user,
                layer_facts: &layer_facts,
                ignore,
                records: &records,
            });
            crate::timings::mark("  findings");
            w
        },
    );
    packages.mark_dev(&waste.node_category);
    let duplicates = duplicates::find(&model, &usage);
    Ok(Built {
        model,
        usage,
        waste,
        packages,
        duplicates,
    })
}

/// Puts the model, the findings and dive's figures together into one [`Analysis`].
pub(crate) fn assemble(
    input: &str,
    image: &Described,
    p: Prepared,
    built: std::result::Result<Built, crate::fs::FsError>,
    dive: dive::DiveFigures,
) -> Result<Analysis> {
    let Prepared {
        scans,
        hist,
        instructions,
        ..
    } = p;
    crate::timings::mark("analysis done");
    let Built {
        model,
        usage,
        waste,
        packages,
        duplicates,
    } = built.map_err(|e| {
        let r = image
            .layers
            .get(e.layer)
            .map(|r| r.member.as_str())
            .unwrap_or("?");
        Error::format(format!("{}: layer {} ({r})", image.label, e.layer), e.msg)
    })?;
    let layers = image
        .layers
        .iter()
        .zip(&scans)
        .enumerate()
        .map(|(i, (r, s))| {
            let stats = &model.layers[i];
            LayerInfo {
                index: i,
                digest: r.digest.clone(),
                diff_id: r.diff_id.clone(),
                media_type: r.media_type.clone(),
                compression: s.compression,
                bytes: stats.bytes,
                compressed_bytes: (s.compression != Compression::None).then_some(s.blob_bytes),
                files: stats.files,
                entries: stats.entries,
                hidden_bytes: stats.hidden_bytes,
                hides_bytes: stats.hides_bytes,
                history: hist[i].clone(),
                instruction: instructions[i].clone(),
            }
        })
        .collect();
    Ok(Analysis {
        input: input.to_string(),
        kind: image.kind.clone(),
        source: image.source.clone(),
        reference: image.reference.clone(),
        platform: image.platform.clone(),
        user: image.user.clone(),
        layers,
        model,
        usage,
        dive,
        waste,
        packages,
        duplicates,
        changes: None,
    })
}
