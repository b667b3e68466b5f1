//! imgsize: why is this container image fat?
//!
//! The data flows one way, and the modules follow it:
//! [`source`] opens the input and resolves the image (config, history, layer blobs);
//! [`layer`] scans each layer blob into a compact entry list (in parallel, one rayon
//! task per layer); [`fs`] applies the layers in order into a filesystem model with
//! whiteout semantics; [`analysis`] computes attribution, dive's figures and the rest
//! as pure functions of that model; [`report`] renders the results.

pub mod analysis;
pub mod cli;
pub mod config;
pub mod error;
pub mod fs;
pub mod layer;
pub mod report;
pub mod size;
pub mod source;
pub mod synth;
pub mod text;

use std::io::IsTerminal;

use analysis::Analysis;
use error::Result;
use layer::ScanOptions;
use source::OpenOptions;

/// Options for loading one image.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub open: OpenOptions,
    pub verify: bool,
    /// Show a progress bar when stderr is a terminal.
    pub progress: bool,
    /// Paths (with a leading `/`) the findings leave out.
    pub ignore: globset::GlobSet,
}

/// Small files whose content the analysis reads, and how large they may be.
pub fn scan_options(verify: bool) -> ScanOptions {
    ScanOptions {
        capture: analysis::waste::wants_content,
        capture_limit: 16 << 20,
        verify,
    }
}

/// Loads an image from a tar stream, as `imgsize inspect -` does with stdin.
pub fn load_stream(input: impl std::io::Read, label: &str, opts: &LoadOptions) -> Result<Analysis> {
    let scan = scan_options(opts.verify);
    let quiet = |_: u64| {};
    let image = source::open_stream(input, label, &opts.open, &scan, &quiet)?;
    let scans = image
        .layers
        .iter()
        .map(|l| image.container.scan_layer(&l.member, &scan, &quiet))
        .collect::<Result<Vec<_>>>()?;
    analysis::analyze(label, &image, scans, opts.verify, &opts.ignore)
}

/// With `IMGSIZE_TIMINGS` set, [`timings::mark`] prints to stderr when each phase
/// ended and the memory held then (for profiling; see BENCHMARKS.md).
pub mod timings {
    use std::sync::OnceLock;
    use std::time::Instant;

    static START: OnceLock<Option<Instant>> = OnceLock::new();

    /// Starts the clock (when `IMGSIZE_TIMINGS` is set); later marks are relative to it.
    pub fn start() {
        START.get_or_init(|| std::env::var_os("IMGSIZE_TIMINGS").map(|_| Instant::now()));
    }

    pub fn mark(phase: &str) {
        let Some(Some(start)) = START.get() else {
            return;
        };
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        eprintln!(
            "imgsize: {:>8.1} ms  {phase:<16} rss {:>11}  peak {:>11}",
            start.elapsed().as_secs_f64() * 1000.0,
            field("VmRSS:"),
            field("VmHWM:")
        );
    }
}

/// Runs `scan(i)` for every layer, in parallel, the largest blobs first: each core
/// takes the largest layer left when it is free, so one big layer started last
/// cannot leave the other cores idle at the end. Results come back in layer order.
fn scan_largest_first<T: Send + Sync>(sizes: &[u64], scan: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done: Vec<std::sync::OnceLock<T>> =
        sizes.iter().map(|_| std::sync::OnceLock::new()).collect();
    rayon::scope(|s| {
        for _ in 0..rayon::current_num_threads().min(sizes.len()) {
            s.spawn(|_| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&i) = order.get(k) else { break };
                let _ = done[i].set(scan(i));
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

/// Opens, scans (layers in parallel) and analyzes one image.
pub fn load(input: &str, opts: &LoadOptions) -> Result<Analysis> {
    let scan = scan_options(opts.verify);
    let bar = (opts.progress && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} ({eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b.set_message("reading");
        b
    });
    let tick = |n: u64| {
        if let Some(b) = &bar {
            b.inc(n);
        }
    };
    let image = source::open(input, &opts.open, &scan, &tick)?;
    timings::mark("opened");
    // A blob whose size disagrees with its descriptor is a truncated or replaced
    // download: say so before reading it.
    let mut sizes = Vec::with_capacity(image.layers.len());
    for (i, l) in image.layers.iter().enumerate() {
        let actual = image.container.size(&l.member)?;
        if let (Some(declared), Some(actual)) = (l.declared_size, actual) {
            if declared != actual {
                return Err(error::Error::verify(
                    format!("{}: layer {i} ({})", image.container.label(), l.member),
                    format!("blob has {actual} bytes, its descriptor says {declared} (truncated download?)"),
                ));
            }
        }
        sizes.push(actual.unwrap_or(0));
    }
    if let Some(b) = &bar {
        b.set_length(sizes.iter().sum::<u64>().max(b.position()));
        b.set_message("scanning layers");
    }
    let scans = scan_largest_first(&sizes, |i| {
        image
            .container
            .scan_layer(&image.layers[i].member, &scan, &tick)
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let scans = scans.into_iter().collect::<Result<Vec<_>>>()?;
    timings::mark("layers scanned");
    analysis::analyze(input, &image, scans, opts.verify, &opts.ignore)
}
