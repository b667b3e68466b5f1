//! Writes a deterministic image for benchmarks and fuzz seeds:
//!
//!   cargo run --release --example gen_image -- OUT [--format docker|docker25|oci|oci-archive]
//!       [--compression none|gzip|zstd|estargz] [--layers N] [--files N] [--bytes SIZE]
//!       [--whiteouts N] [--largest-layer FRACTION] [--seed N]
//!
//! Files spread over node_modules-like folders; about one in a thousand is large and
//! holds most of the bytes. A third of the files are pseudo-random (incompressible),
//! the rest zeros. With --whiteouts N, the last layer deletes N folders of the first.
//! Files (and so bytes) are spread evenly over the layers, unless --largest-layer
//! gives layer 0 that share of them (0.5: a base or dependency layer as large as all
//! the others together).

use std::path::PathBuf;
use std::process::ExitCode;

use imgsize::synth::{self, Compression, Entry, Fill, Format, Image, Layer};

struct Opts {
    out: PathBuf,
    format: Format,
    compression: Compression,
    layers: usize,
    files: usize,
    bytes: u64,
    whiteouts: usize,
    largest_layer: Option<f64>,
    seed: u64,
}

fn parse() -> Result<Opts, String> {
    let mut args = std::env::args().skip(1);
    let mut o = Opts {
        out: PathBuf::new(),
        format: Format::DockerClassic,
        compression: Compression::None,
        layers: 6,
        files: 60_000,
        bytes: 800_000_000,
        whiteouts: 0,
        largest_layer: None,
        seed: 1,
    };
    let mut out = None;
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--format" => {
                o.format = match val()?.as_str() {
                    "docker" => Format::DockerClassic,
                    "docker25" => Format::Docker25,
                    "oci" => Format::OciDir,
                    "oci-archive" => Format::OciArchive { dot_prefix: false },
                    f => return Err(format!("unknown format {f}")),
                }
            }
            "--compression" => {
                o.compression = match val()?.as_str() {
                    "none" => Compression::None,
                    "gzip" => Compression::Gzip,
                    "zstd" => Compression::Zstd,
                    "estargz" => Compression::Estargz,
                    c => return Err(format!("unknown compression {c}")),
                }
            }
            "--layers" => o.layers = val()?.parse().map_err(|e| format!("--layers: {e}"))?,
            "--files" => o.files = val()?.parse().map_err(|e| format!("--files: {e}"))?,
            "--bytes" => o.bytes = imgsize::size::parse_size(&val()?)?,
            "--whiteouts" => {
                o.whiteouts = val()?.parse().map_err(|e| format!("--whiteouts: {e}"))?
            }
            "--largest-layer" => {
                let f: f64 = val()?
                    .parse()
                    .map_err(|e| format!("--largest-layer: {e}"))?;
                if !(f > 0.0 && f < 1.0) {
                    return Err("--largest-layer takes a fraction between 0 and 1".into());
                }
                o.largest_layer = Some(f);
            }
            "--seed" => o.seed = val()?.parse().map_err(|e| format!("--seed: {e}"))?,
            s if !s.starts_with('-') && out.is_none() => out = Some(PathBuf::from(s)),
            s => return Err(format!("unknown argument {s}")),
        }
    }
    o.out = out.ok_or("usage: gen_image OUT [options]")?;
    Ok(o)
}

/// A tiny deterministic generator (splitmix64).
struct Mix(u64);
impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn build(o: &Opts) -> Image {
    let mut rng = Mix(o.seed);
    let large_every = 1000;
    let n_large = o.files.div_ceil(large_every).max(1);
    let mut small_sizes = Vec::with_capacity(o.files);
    let mut small_total = 0u64;
    for i in 0..o.files {
        let s = if i % large_every == 0 {
            0
        } else {
            200 + rng.next() % 5800
        };
        small_total += s;
        small_sizes.push(s);
    }
    let large_each = o.bytes.saturating_sub(small_total) / n_large as u64;
    let n_layers = o.layers.max(1);
    // Where each layer's files start: layer 0 takes its share, the rest split evenly.
    let bounds: Vec<usize> = match o.largest_layer {
        Some(f) if n_layers > 1 => {
            let first = (o.files as f64 * f) as usize;
            let per = (o.files - first).div_ceil(n_layers - 1);
            std::iter::once(0)
                .chain((0..n_layers).map(|l| (first + l * per).min(o.files)))
                .collect()
        }
        _ => {
            let per = o.files.div_ceil(n_layers);
            (0..=n_layers).map(|l| (l * per).min(o.files)).collect()
        }
    };
    let mut layers: Vec<Layer> = Vec::new();
    for l in 0..n_layers {
        let mut entries = Vec::new();
        let (start, end) = (bounds[l], bounds[l + 1]);
        let mut last_dir = String::new();
        for (i, &small) in small_sizes.iter().enumerate().take(end).skip(start) {
            let dir = format!("app{l}/node_modules/pkg{}/lib", i / 40);
            if dir != last_dir {
                entries.push(Entry::dir(&dir));
                last_dir = dir.clone();
            }
            let size = if small == 0 { large_each } else { small };
            let fill = if rng.next() % 3 == 0 {
                Fill::Random(rng.next())
            } else {
                Fill::Zeros
            };
            entries.push(Entry::File {
                path: format!("{dir}/file{i}.js"),
                size,
                fill,
            });
        }
        layers.push(Layer::new(
            &format!("RUN /bin/sh -c build step {l} # buildkit"),
            entries,
        ));
    }
    if o.whiteouts > 0 {
        let whiteouts = (0..o.whiteouts)
            .map(|k| Entry::Whiteout(format!("app0/node_modules/pkg{k}")))
            .collect();
        layers.push(Layer::new(
            "RUN /bin/sh -c rm -rf some packages # buildkit",
            whiteouts,
        ));
    }
    Image::new("bench:latest", layers).compressed(o.compression)
}

fn main() -> ExitCode {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("gen_image: {e}");
            return ExitCode::from(2);
        }
    };
    match synth::write(&[build(&o)], o.format, &o.out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_image: {}: {e}", o.out.display());
            ExitCode::from(2)
        }
    }
}
