//! Writes a generated fleet (`synth::FleetSpec`) for `imgsize overlap` benchmarks:
//!
//!   cargo run --release --example gen_fleet -- OUT SERVICES [--files-per-image N]
//!       [--mean-size BYTES] [--compression none|gzip|zstd]
//!
//! Each service is an OCI layout `OUT/svc<i>`, with four layers: an OS layer every
//! service shares, one of two runtime releases, `npm ci` (common dependencies plus
//! its own) and the app. Files per image are split 20% OS, 20% runtime, 40% common
//! dependencies, 10% own dependencies, 10% app.

use std::path::PathBuf;
use std::process::ExitCode;

use imgsize::synth::{self, Compression, FleetSpec, Format};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(out), Some(n)) = (args.next(), args.next().and_then(|n| n.parse().ok())) else {
        eprintln!("usage: gen_fleet OUT SERVICES [--files-per-image N] [--mean-size BYTES] [--compression none|gzip|zstd]");
        return ExitCode::from(2);
    };
    let (mut files, mut mean, mut compression) = (40_000usize, 12_500u64, Compression::Gzip);
    while let Some(a) = args.next() {
        let v = args.next().unwrap_or_default();
        match a.as_str() {
            "--files-per-image" => files = v.parse().expect("a number"),
            "--mean-size" => mean = v.parse().expect("a number"),
            "--compression" => {
                compression = match v.as_str() {
                    "none" => Compression::None,
                    "zstd" => Compression::Zstd,
                    _ => Compression::Gzip,
                }
            }
            other => {
                eprintln!("gen_fleet: unknown option {other}");
                return ExitCode::from(2);
            }
        }
    }
    let spec = FleetSpec {
        services: n,
        os_files: files / 5,
        runtime_files: files / 5,
        runtime_changed: files / 50,
        common_dep_files: files * 2 / 5,
        own_dep_files: files / 10,
        app_files: files / 10,
        mean_file_size: mean,
    };
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out).expect("create OUT");
    for i in 0..n {
        let dir = out.join(format!("svc{i:03}"));
        let _ = std::fs::remove_dir_all(&dir);
        if let Err(e) = synth::write(
            &[spec.service(i).compressed(compression)],
            Format::OciDir,
            &dir,
        ) {
            eprintln!("gen_fleet: {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
