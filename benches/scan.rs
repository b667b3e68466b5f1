//! Layer scanning and the filesystem model, on generated layers (criterion).
//! The comparison with dive on whole images is scripts/bench-vs-dive.sh.

use std::io::Cursor;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use imgsize::fs::FsModel;
use imgsize::layer::{scan_read, scan_section, ScanOptions};
use imgsize::synth::{write_layer_tar, Entry, Layer};

/// A node_modules-like layer: `files` files of 1-8 kB in nested folders.
fn layer(files: usize, seed: u64) -> Layer {
    let mut entries = Vec::with_capacity(files + files / 10);
    for i in 0..files {
        if i % 10 == 0 {
            entries.push(Entry::dir(&format!("app/node_modules/pkg{}/lib", i / 10)));
        }
        let size = 1000 + (i as u64 * 7919 + seed) % 7000;
        entries.push(Entry::file(
            &format!("app/node_modules/pkg{}/lib/f{i}.js", i / 10),
            size,
        ));
    }
    Layer::new("RUN npm ci", entries)
}

fn tar_of(l: &Layer) -> Vec<u8> {
    write_layer_tar(l, Vec::new()).expect("in-memory tar")
}

fn quiet(_: u64) {}

fn scan(c: &mut Criterion) {
    let mut g = c.benchmark_group("scan");
    for files in [10_000usize, 50_000] {
        let tar = tar_of(&layer(files, 1));
        g.throughput(Throughput::Elements(files as u64));
        let opts = ScanOptions::default();
        g.bench_with_input(BenchmarkId::new("seekable", files), &tar, |b, tar| {
            b.iter(|| {
                scan_section(
                    Cursor::new(tar.as_slice()),
                    0,
                    tar.len() as u64,
                    &opts,
                    &quiet,
                )
                .expect("scan")
            })
        });
        g.bench_with_input(BenchmarkId::new("stream", files), &tar, |b, tar| {
            b.iter(|| scan_read(Cursor::new(tar.as_slice()), None, &opts, &quiet).expect("scan"))
        });
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar).expect("gzip");
        let gz = gz.finish().expect("gzip");
        g.bench_with_input(BenchmarkId::new("gzip", files), &gz, |b, gz| {
            b.iter(|| scan_read(Cursor::new(gz.as_slice()), None, &opts, &quiet).expect("scan"))
        });
    }
    g.finish();
}

fn model(c: &mut Criterion) {
    let mut g = c.benchmark_group("model");
    let opts = ScanOptions::default();
    for files in [10_000usize, 100_000] {
        let scans: Vec<_> = (0..3)
            .map(|s| {
                let tar = tar_of(&layer(files, s));
                scan_read(Cursor::new(tar), None, &opts, &quiet).expect("scan")
            })
            .collect();
        g.throughput(Throughput::Elements(3 * files as u64));
        g.bench_function(BenchmarkId::new("build", files), |b| {
            b.iter(|| FsModel::build(scans.iter().map(|s| &s.files)).expect("model"))
        });
        let files_ref: Vec<_> = scans.iter().map(|s| &s.files).collect();
        g.bench_function(BenchmarkId::new("dive_figures", files), |b| {
            b.iter(|| imgsize::analysis::dive::figures(&files_ref, 20))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = scan, model
}
criterion_main!(benches);
