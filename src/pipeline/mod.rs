//! One image through the pipeline: open it from its source (file, stream, engine or
//! registry), scan its layers in parallel, analyze (the model and findings beside
//! dive's figures). Parallelism, progress and the phase timings live here and
//! nowhere else; a new source plugs into [`source::open_target`] and gets the rest
//! for free.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use crate::analysis::{self, Analysis};
use crate::error::{Error, Result};
use crate::layer::ScanOptions;
use crate::progress::Progress;
use crate::source::{self, Container, Image, OpenOptions};
use crate::timings;

mod fleet;
pub use fleet::{load_fleet, Fleet};

/// Options for loading one image.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub open: OpenOptions,
    pub verify: bool,
    /// Show progress when stderr is a terminal.
    pub progress: bool,
    /// Paths (with a leading `/`) the findings leave out.
    pub ignore: globset::GlobSet,
    /// Keep what each layer added, modified and deleted (`--files`, HTML).
    pub changes: bool,
    /// Hash every file's content (`--content`): duplicates, exact rewrites.
    pub content: bool,
}

/// The small files the analyses read: package managers' records and lockfiles.
fn wants_content(path: &[u8]) -> bool {
    analysis::node_modules::wants_content(path) || analysis::packages::wants_content(path)
}

/// What is kept of a captured file (a package manifest's name and version, a
/// metadata file's header block), cut on the scanning thread.
fn condense(path: &[u8], data: Vec<u8>) -> Vec<u8> {
    analysis::packages::condense(path, analysis::node_modules::condense(path, data))
}

/// Small files whose content the analysis reads, and how large they may be.
pub fn scan_options(opts: &LoadOptions) -> ScanOptions {
    ScanOptions {
        capture: wants_content,
        condense,
        capture_limit: 16 << 20,
        verify: opts.verify,
        content: opts.content,
        decoders: 1,
    }
}

/// How many threads may decode a layer of `size` bytes among layers of `total`:
/// all the cores when it outweighs a core's share (one core would finish it last
/// while the others idle), else one.
fn decoders(size: u64, total: u64, cores: usize) -> usize {
    if cores > 1 && size.saturating_mul(cores as u64) > total {
        cores
    } else {
        1
    }
}

/// Runs `scan(i, decoders)` for every layer on `workers` threads, the largest
/// blobs first: each worker takes the largest layer left when it is free, so one
/// big layer started last cannot leave the others idle at the end. `decoders` is
/// how many threads may decode layer `i` ([`decoders`]). Results come back in
/// layer order.
fn scan_largest_first<T: Send + Sync>(
    sizes: &[u64],
    workers: usize,
    scan: impl Fn(usize, usize) -> T + Sync,
) -> Vec<T> {
    let total: u64 = sizes.iter().sum();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
    let next = AtomicUsize::new(0);
    let done: Vec<OnceLock<T>> = sizes.iter().map(|_| OnceLock::new()).collect();
    std::thread::scope(|s| {
        for _ in 0..workers.clamp(1, sizes.len().max(1)) {
            s.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&i) = order.get(k) else { break };
                let _ = done[i].set(scan(i, decoders(sizes[i], total, cores)));
            });
        }
    });
    done.into_iter()
        .map(|slot| {
            slot.into_inner()
                .expect("every layer index is taken exactly once")
        })
        .collect()
}

/// The size of layer `i`'s blob as stored. A blob whose size disagrees with its
/// descriptor is a truncated or replaced download: say so before reading it.
fn blob_size(image: &Image, i: usize) -> Result<u64> {
    let l = &image.layers[i];
    let actual = image.container.size(&l.member)?;
    if let (Some(declared), Some(actual)) = (l.declared_size, actual) {
        if declared != actual {
            return Err(Error::verify(
                format!("{}: layer {i} ({})", image.container.label(), l.member),
                format!(
                    "blob has {actual} bytes, its descriptor says {declared} (truncated download?)"
                ),
            ));
        }
    }
    Ok(actual.or(l.declared_size).unwrap_or(0))
}

/// How many layers to scan at once: one per core; for a registry, at least four
/// connections, since a download also waits on the network.
fn workers(image: &Image) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    match image.container {
        Container::Registry(_) => cores.max(4),
        _ => cores,
    }
}

/// Scans every layer of an opened image (those a stream already scanned are
/// handed back as they are) and analyzes it. A blob the image lists several
/// times is scanned once and its scan shared: a crafted manifest can list one
/// layer thousands of times.
fn scan_and_analyze(
    label: &str,
    image: &Image,
    opts: &LoadOptions,
    progress: &Progress,
) -> Result<Analysis> {
    let scan = scan_options(opts);
    let sizes = (0..image.layers.len())
        .map(|i| blob_size(image, i))
        .collect::<Result<Vec<_>>>()?;
    // The first layer index of each distinct blob, and each layer's distinct blob.
    let mut first: Vec<usize> = Vec::new();
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let distinct: Vec<usize> = image
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            *seen.entry(l.member.as_str()).or_insert_with(|| {
                first.push(i);
                first.len() - 1
            })
        })
        .collect();
    let distinct_sizes: Vec<u64> = first.iter().map(|&i| sizes[i]).collect();
    if !matches!(image.container, Container::Stream(_)) {
        progress.start(Some(distinct_sizes.iter().sum()), Some(first.len()));
    }
    let tick = |n: u64| progress.bytes(n);
    let scans = scan_largest_first(&distinct_sizes, workers(image), |d, decoders| {
        let scan = ScanOptions { decoders, ..scan };
        let i = first[d];
        let r = image
            .container
            .scan_layer(&image.layers[i], &scan, &tick)
            .map_err(|e| layer_error(image, i, e));
        progress.layer_done();
        r
    });
    progress.finish();
    let by_blob = scans.into_iter().collect::<Result<Vec<_>>>()?;
    let scans = distinct.iter().map(|&d| Arc::clone(&by_blob[d])).collect();
    // Each layer's scan is now held once per listing: a blob listed once is
    // `prepare`'s to take apart (its kept files moved, not copied).
    drop(by_blob);
    timings::mark("layers scanned");
    analyze(label, image, scans, opts)
}

/// The analyses of scanned layers. dive's figures need only the layers' entries:
/// they are computed on one core while the other builds the model and walks it
/// for the findings.
fn analyze(
    label: &str,
    image: &Image,
    scans: Vec<Arc<crate::layer::LayerScan>>,
    opts: &LoadOptions,
) -> Result<Analysis> {
    let image = &described(image);
    let prepared = analysis::prepare(image, scans, opts.verify)?;
    let files = prepared.files();
    let ((built, changes), dive) = rayon::join(
        || {
            // What each layer changed, when asked for, beside the model.
            rayon::join(
                || analysis::model_and_findings(&prepared, image.user.as_deref(), &opts.ignore),
                || opts.changes.then(|| analysis::changes::per_layer(&files)),
            )
        },
        || {
            let d = analysis::dive::figures(&files, analysis::DIVE_TOP);
            timings::mark("  dive");
            d
        },
    );
    drop(files);
    let mut a = analysis::assemble(label, image, prepared, built, dive)?;
    a.changes = changes;
    Ok(a)
}

/// An error reading layer `i`, said of it: `app.oci: layer 3: blobs/sha256/…: …`.
fn layer_error(image: &Image, i: usize, mut e: Error) -> Error {
    let label = image.container.label();
    let rest = e
        .place
        .strip_prefix(label)
        .unwrap_or(&e.place)
        .trim_start_matches(": ");
    e.place = if rest.is_empty() {
        format!("{label}: layer {i}")
    } else {
        format!("{label}: layer {i}: {rest}")
    };
    e
}

/// What the analyses take of an opened image: everything but its blobs.
pub(crate) fn described(image: &Image) -> analysis::Described {
    analysis::Described {
        label: image.container.label().to_string(),
        kind: image.kind.clone(),
        source: image.source.clone(),
        reference: image.reference.clone(),
        platform: image.platform.clone(),
        user: image.config.user.clone(),
        layers: image.layers.clone(),
        history: image.config.history.clone(),
    }
}

/// Opens `input` from wherever it lives without scanning a layer: for a registry
/// that is the manifest and the config only.
pub(crate) fn open(input: &str, opts: &LoadOptions, progress: &Progress) -> Result<Image> {
    let scan = scan_options(opts);
    let image = source::open_target(input, &opts.open, &scan, progress)?;
    timings::mark("opened");
    Ok(image)
}

/// Opens, scans (layers in parallel) and analyzes one image.
pub fn load(input: &str, opts: &LoadOptions) -> Result<Analysis> {
    let progress = Progress::new(opts.progress);
    let image = open(input, opts, &progress)?;
    scan_and_analyze(input, &image, opts, &progress)
}

/// Loads two images at once (`diff`): each on its own core while they are read.
pub fn load_pair(a: &str, b: &str, opts: &LoadOptions) -> (Result<Analysis>, Result<Analysis>) {
    rayon::join(|| load(a, opts), || load(b, opts))
}

/// Loads an image from a tar stream, as `imgsize inspect -` does with stdin.
pub fn load_stream(input: impl std::io::Read, label: &str, opts: &LoadOptions) -> Result<Analysis> {
    let scan = scan_options(opts);
    let progress = Progress::new(false);
    let image = source::open_stream(input, label, &opts.open, &scan, &|_| {})?;
    scan_and_analyze(label, &image, opts, &progress)
}
