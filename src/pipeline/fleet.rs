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

/// Opens every input in parallel and scans each distinct layer once.
pub fn load_fleet(inputs: &[String], opts: &LoadOptions, keep_going: bool) -> Result<Fleet> {
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
    let mut images: Vec<(&str, Image, Vec<u64>)> = Vec::new();
    for (input, r) in inputs.iter().zip(opened) {
        match r {
            Ok((image, sizes)) => images.push((input, image, sizes)),
            Err(e) if keep_going => failures.push(FleetFailure {
                input: input.clone(),
                error: named(input, e),
            }),
            Err(e) => return Err(named(input, e)),
        }
    }

    // The distinct layers: by diff_id, else by blob digest. Each is read from the
    // first image that holds it.
    let mut index: FxHashMap<String, usize> = FxHashMap::default();
    let mut first: Vec<(usize, usize)> = Vec::new();
    let mut sizes: Vec<u64> = Vec::new();
    let mut distinct: Vec<Vec<usize>> = Vec::with_capacity(images.len());
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
                    first.push((k, i));
                    sizes.push(blob_sizes[i]);
                    first.len() - 1
                })
            })
            .collect();
        distinct.push(ids);
    }
    let progress = Progress::new(opts.progress);
    progress.start(Some(sizes.iter().sum()), Some(sizes.len()));
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
    let scans = scan_largest_first(&sizes, threads, |d, decoders| {
        let (k, i) = first[d];
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

    // A layer that failed fails every image that holds it.
    let mut failed = vec![false; images.len()];
    let mut scanned: Vec<Option<Scanned>> = Vec::with_capacity(scans.len());
    for (d, r) in scans.into_iter().enumerate() {
        match r {
            Ok(s) => scanned.push(Some(s)),
            Err(e) => {
                let holders: Vec<usize> = (0..images.len())
                    .filter(|&k| distinct[k].contains(&d))
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
                            error: named(
                                images[k].0,
                                Error::format(String::new(), message.clone()),
                            ),
                        });
                    }
                }
                scanned.push(None);
            }
        }
    }

    let mut fleet_images = Vec::new();
    let mut about = Vec::new();
    for (k, (input, image, blob_sizes)) in images.iter().enumerate() {
        if failed[k] {
            continue;
        }
        let hist = history::per_layer(&image.config.history, image.layers.len());
        let instructions = history::instructions(&hist);
        // The base's layer count is only as good as the history's fit to the layers.
        let fits = hist.iter().all(Option::is_some);
        let layers = image
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let d = distinct[k][i];
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
        fleet_images.push(FleetImage {
            input: input.to_string(),
            layers,
            base: crate::analysis::overlap::base_of(
                image.base_name.as_deref(),
                &image.config.history,
                fits,
            ),
        });
        about.push(About {
            kind: image.kind.clone(),
            reference: image.reference.clone(),
            platform: image.platform.clone(),
            source: image.source.clone(),
        });
    }
    let layers = first
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
