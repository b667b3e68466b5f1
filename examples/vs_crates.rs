//! Hand-written code against the crate it stands in for, on real inputs. Prints
//! the median of `RUNS` runs (default 20) of each, alternating (BENCHMARKS.md).
//!
//! - `tar LAYER.tar...`: imgsize's tar walker against the `tar` crate's
//!   `Archive::entries_with_seek`, on uncompressed layer tars (where the walker
//!   seeks past contents); each reads every header and keeps every entry's path
//!   and size.
//! - `globs PATHS`: the findings' rule matcher against one `globset::GlobSet` of
//!   every rule glob, on a file of paths (`imgsize files IMAGE | cut -f1`), each
//!   folder matched once and inherited as the findings walk does.
//!
//!   cargo run --release --example vs_crates -- tar LAYER.tar...
//!   cargo run --release --example vs_crates -- globs PATHS

use std::fs::File;
use std::hint::black_box;
use std::io;
use std::time::{Duration, Instant};

use imgsize::layer::{scan_section, ScanOptions};

fn ours(path: &str) -> io::Result<usize> {
    let f = File::open(path)?;
    let len = f.metadata()?.len();
    let scan = scan_section(f, 0, len, &ScanOptions::default(), &|_| {})
        .map_err(|e| io::Error::other(e.0))?;
    Ok(black_box(scan.files.len()))
}

fn crate_tar(path: &str) -> io::Result<usize> {
    let mut archive = tar::Archive::new(File::open(path)?);
    // The same work as the walker: every entry's path and size kept.
    let mut names: Vec<u8> = Vec::new();
    let mut sizes: Vec<u64> = Vec::new();
    for entry in archive.entries_with_seek()? {
        let entry = entry?;
        names.extend_from_slice(&entry.path_bytes());
        sizes.push(entry.header().entry_size()?);
    }
    black_box(&names);
    Ok(black_box(sizes.len()))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Times `a` and `b` alternately; prints their medians and the ratio.
fn compare<T: std::fmt::Debug>(
    names: [&str; 2],
    mut a: impl FnMut() -> io::Result<T>,
    mut b: impl FnMut() -> io::Result<T>,
) -> io::Result<()> {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    let (mut ra, mut rb) = (None, None);
    for _ in 0..runs {
        let t = Instant::now();
        ra = Some(a()?);
        ta.push(t.elapsed());
        let t = Instant::now();
        rb = Some(b()?);
        tb.push(t.elapsed());
    }
    let (ma, mb) = (median(ta), median(tb));
    println!("{}: {ma:?} ({:?})", names[0], ra);
    println!("{}: {mb:?} ({:?})", names[1], rb);
    println!(
        "{} / {}: {:.2}x",
        names[1],
        names[0],
        mb.as_secs_f64() / ma.as_secs_f64()
    );
    Ok(())
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("tar") => {
            let layers = &args[1..];
            compare(
                ["imgsize walker", "tar::Archive"],
                || layers.iter().map(|l| ours(l)).sum::<io::Result<usize>>(),
                || {
                    layers
                        .iter()
                        .map(|l| crate_tar(l))
                        .sum::<io::Result<usize>>()
                },
            )
        }
        Some("globs") => {
            let text = std::fs::read_to_string(&args[1])?;
            let paths: Vec<String> = text
                .lines()
                .map(|l| l.trim_start_matches('/').to_string())
                .filter(|l| !l.is_empty())
                .collect();
            println!("{} paths", paths.len());
            compare(
                ["imgsize matcher", "globset alone"],
                || Ok(imgsize::analysis::waste::rule_masks(&paths, true)),
                || Ok(imgsize::analysis::waste::rule_masks(&paths, false)),
            )
        }
        _ => {
            eprintln!("usage: vs_crates tar LAYER.tar... | vs_crates globs PATHS");
            std::process::exit(2)
        }
    }
}
