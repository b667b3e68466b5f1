//! Many images through the pipeline at once (`imgsize overlap`): every image is
//! opened in parallel, each distinct layer (by diff_id) is scanned once however
//! many images hold it, and what is kept of it is a summary
//! ([`LayerSummary`]), never a tree: memory grows with the distinct layers' files,
//! not with the images.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::{blob_size, open, scan_largest_first, workers, LoadOptions, Progress};
use crate::analysis::overlap::{About, FleetFailure};
use crate::analysis::overlap::{DistinctLayer, FleetImage, ImageLayer, LayerSummary};
use crate::analysis::{check_layer, history};
use crate::error::{Error, Result};
use crate::layer::{Compression, ScanOptions};
use crate::source::Image;
use crate::timings;

/// The images read, their distinct layers' summaries, and the images that failed
/// (with `keep_going`; otherwise the first failure is the error).
#[derive(Debug)]
pub struct Fleet {
    pub images: Vec<FleetImage>,
    pub about: Vec<About>,
    pub layers: Vec<DistinctLayer>,
    pub failures: Vec<FleetFailure>,
}

/// Puts the input's name in an error that does not already say it, so that one
/// failure among many says which image it was.
fn named(input: &str, mut e: Error) -> Error {
    if !e.to_string().contains(input) {
        e.place = if e.place.is_empty() {
            input.to_string()
        } else {
            format!("{input}: {}", e.place)
        };
    }
    e
}

/// What the scan of one distinct layer keeps.
struct Scanned {
    summary: LayerSummary,
    compression: Compression,
    blob_digest: Option<String>,
}

/// A layer's compression as its media type says (for a blob that was not scanned:
/// the same diff_id as a scanned one, in another compression).
fn compression_of(media_type: Option<&str>) -> Compression {
    match media_type.unwrap_or("") {
        m if m.contains("zstd") => Compression::Zstd,
        m if m.contains("gzip") => Compression::Gzip,
        _ => Compression::None,
    }
}

/// An image opened for the fleet: its input, the image and each blob's size.
type Opened<'a> = (&'a str, Image, Vec<u64>);

/// Opens every input in parallel and scans each distinct layer once.
pub fn load_fleet(inputs: &[String], opts: &LoadOptions, keep_going: bool) -> Result<Fleet> {
    let (images, mut failures) = open_all(inputs, opts, keep_going)?;
    let distinct = Distinct::of(&images);
    let scans = scan_distinct(&images, &distinct, opts);
    let (scanned, failed) = settle(&images, &distinct, scans, keep_going, &mut failures)?;
    let mut fleet_images = Vec::new();
    let mut about = Vec::new();
    for (k, (input, image, blob_sizes)) in images.iter().enumerate() {
        if failed[k] {
            continue;
        }
        fleet_images.push(fleet_image(
            input,
            image,
            blob_sizes,
            &distinct.ids[k],
            &scanned,
        ));
        about.push(About {
            kind: image.kind.clone(),
            reference: image.reference.clone(),
            platform: image.platform.clone(),
            source: image.source.clone(),
        });
    }
    let layers = distinct
        .first
        .iter()
        .zip(scanned)
        .map(|(&(k, i), s)| DistinctLayer {
            diff_id: images[k].1.layers[i].diff_id.clone(),
            summary: s.map(|s| s.summary).unwrap_or_default(),
        })
        .collect();
    Ok(Fleet {
        images: fleet_images,
        about,
        layers,
        failures,
    })
}

/// Opens every input in parallel; those that fail are failures with
/// `keep_going`, else the first is the error.
fn open_all<'a>(
    inputs: &'a [String],
    opts: &LoadOptions,
    keep_going: bool,
) -> Result<(Vec<Opened<'a>>, Vec<FleetFailure>)> {
    let quiet = Progress::new(false);
    let opened: Vec<Result<(Image, Vec<u64>)>> = inputs
        .par_iter()
        .map(|input| {
            let image = open(input, opts, &quiet)?;
            let sizes = (0..image.layers.len())
                .map(|i| blob_size(&image, i))
                .collect::<Result<Vec<_>>>()?;
            Ok((image, sizes))
        })
        .collect();
    timings::mark("fleet opened");
    let mut failures = Vec::new();
    let mut images = Vec::new();
    for (input, r) in inputs.iter().zip(opened) {
        match r {
            Ok((image, sizes)) => images.push((input.as_str(), image, sizes)),
            Err(e) if keep_going => failures.push(FleetFailure {
                input: input.clone(),
                error: named(input, e),
            }),
            Err(e) => return Err(named(input, e)),
        }
    }
    Ok((images, failures))
}

/// The fleet's distinct layers: by diff_id, else by blob digest.
struct Distinct {
    /// Each distinct layer's first holder: (image, layer), where it is read from.
    first: Vec<(usize, usize)>,
    /// Each distinct layer's blob size.
    sizes: Vec<u64>,
    /// By image, each layer's distinct layer.
    ids: Vec<Vec<usize>>,
}

impl Distinct {
    fn of(images: &[Opened<'_>]) -> Distinct {
        let mut index: FxHashMap<String, usize> = FxHashMap::default();
        let mut d = Distinct {
            first: Vec::new(),
            sizes: Vec::new(),
            ids: Vec::with_capacity(images.len()),
        };
        for (k, (_, image, blob_sizes)) in images.iter().enumerate() {
            let ids = image
                .layers
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let key = match (&l.diff_id, &l.digest) {
                        (Some(d), _) => d.clone(),
                        (None, Some(b)) => format!("blob {b}"),
                        (None, None) => format!("image {k} layer {i}"),
                    };
                    *index.entry(key).or_insert_with(|| {
                        d.first.push((k, i));
                        d.sizes.push(blob_sizes[i]);
                        d.first.len() - 1
                    })
                })
                .collect();
            d.ids.push(ids);
        }
        d
    }
}

/// Scans each distinct layer once, from its first holder, largest first.
fn scan_distinct(images: &[Opened<'_>], d: &Distinct, opts: &LoadOptions) -> Vec<Result<Scanned>> {
    let progress = Progress::new(opts.progress);
    progress.start(Some(d.sizes.iter().sum()), Some(d.sizes.len()));
    let scan = ScanOptions {
        verify: opts.verify,
        content: opts.content,
        ..ScanOptions::default()
    };
    let tick = |n: u64| progress.bytes(n);
    let threads = images
        .iter()
        .map(|(_, image, _)| workers(image))
        .max()
        .unwrap_or(1);
    let described: Vec<crate::analysis::Described> = images
        .iter()
        .map(|(_, image, _)| super::described(image))
        .collect();
    let scans = scan_largest_first(&d.sizes, threads, |n, decoders| {
        let (k, i) = d.first[n];
        let image = &images[k].1;
        let scan = ScanOptions { decoders, ..scan };
        let r = image
            .container
            .scan_layer(&image.layers[i], &scan, &tick)
            .and_then(|s| {
                check_layer(&described[k], i, &s, opts.verify)?;
                Ok(Scanned {
                    summary: LayerSummary::of(&s.files),
                    compression: s.compression,
                    blob_digest: image.layers[i].digest.clone(),
                })
            });
        progress.layer_done();
        r
    });
    progress.finish();
    timings::mark("layers scanned");
    scans
}

/// The scans, and which images failed: a layer that failed fails every image
/// that holds it (a failure each, with `keep_going`; else the error).
fn settle(
    images: &[Opened<'_>],
    d: &Distinct,
    scans: Vec<Result<Scanned>>,
    keep_going: bool,
    failures: &mut Vec<FleetFailure>,
) -> Result<(Vec<Option<Scanned>>, Vec<bool>)> {
    let mut failed = vec![false; images.len()];
    let mut scanned: Vec<Option<Scanned>> = Vec::with_capacity(scans.len());
    for (n, r) in scans.into_iter().enumerate() {
        let e = match r {
            Ok(s) => {
                scanned.push(Some(s));
                continue;
            }
            Err(e) => e,
        };
        let holders: Vec<usize> = (0..images.len())
            .filter(|&k| d.ids[k].contains(&n))
            .collect();
        if !keep_going {
            return Err(named(images[holders[0]].0, e));
        }
        let message = e.to_string();
        for k in holders {
            if !failed[k] {
                failed[k] = true;
                failures.push(FleetFailure {
                    input: images[k].0.to_string(),
                    error: named(images[k].0, Error::format(String::new(), message.clone())),
                });
            }
        }
        scanned.push(None);
    }
    Ok((scanned, failed))
}

/// One image of the fleet: its layers as distinct layers, with their pull sizes
/// and instructions, and its base image.
fn fleet_image(
    input: &str,
    image: &Image,
    blob_sizes: &[u64],
    ids: &[usize],
    scanned: &[Option<Scanned>],
) -> FleetImage {
    let hist = history::per_layer(&image.config.history, image.layers.len());
    let instructions = history::instructions(&hist);
    // The base's layer count is only as good as the history's fit to the layers.
    let fits = hist.iter().all(Option::is_some);
    let layers = image
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let d = ids[i];
            let s = scanned[d]
                .as_ref()
                .expect("a failed layer fails its images");
            let compression = if l.digest == s.blob_digest {
                s.compression
            } else {
                compression_of(l.media_type.as_deref())
            };
            ImageLayer {
                distinct: d,
                digest: l.digest.clone(),
                compressed_bytes: (compression != Compression::None).then_some(blob_sizes[i]),
                instruction: instructions[i].clone(),
            }
        })
        .collect();
    FleetImage {
        input: input.to_string(),
        layers,
        base: crate::analysis::overlap::base_of(
            image.base_name.as_deref(),
            &image.config.history,
            fits,
        ),
    }
}
