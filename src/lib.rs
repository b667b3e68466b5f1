//! imgsize: why is this container image fat?
//!
//! The data flows one way, and the modules follow it:
//! [`source`] opens the input and resolves the image (config, history, layer blobs);
//! [`layer`] scans each layer blob into a compact entry list (in parallel, one rayon
//! task per layer); [`fs`] applies the layers in order into a filesystem model with
//! whiteout semantics; [`analysis`] computes attribution, dive's figures and the rest
//! as pure functions of that model; [`report`] renders the results. [`pipeline`]
//! runs one image through these steps.

pub mod analysis;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod error;
pub mod explore;
pub mod fs;
#[doc(hidden)]
pub mod fuzzing;
pub mod layer;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod size;
pub mod source;
#[cfg(feature = "synth")]
pub mod synth;
pub mod tar;
pub mod text;

pub use pipeline::{load, load_stream, scan_options, LoadOptions};

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
