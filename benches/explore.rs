//! `imgsize explore`'s costs (criterion): a frame drawn, a layer selected, a
//! filter typed, the explorer made after the scan. On a generated image of 60,000
//! files in nested node_modules folders (three layers, the last hiding part of
//! the first), or on a real image named by IMGSIZE_BENCH_IMAGE (the 1.2 GB
//! Node.js service of scripts/real-node/build.sh: BENCHMARKS.md, "Exploring").

use criterion::{criterion_group, criterion_main, Criterion};
use imgsize::explore::{frame_text, App, KeyCode, KeyEvent, KeyModifiers};
use imgsize::synth::{write, Entry, Format, Image, Layer};
use imgsize::LoadOptions;

fn files(n: usize, prefix: &str) -> Vec<Entry> {
    (0..n)
        .map(|i| {
            Entry::file(
                &format!(
                    "{prefix}/node_modules/pkg{}/lib/sub{}/f{i}.js",
                    i / 40,
                    i % 7
                ),
                500 + (i as u64 * 7919) % 9000,
            )
        })
        .collect()
}

fn image() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    if let Ok(real) = std::env::var("IMGSIZE_BENCH_IMAGE") {
        return (dir, real);
    }
    let out = dir.path().join("explore.tar");
    let img = Image::new(
        "explore:1",
        vec![
            Layer::new("RUN npm ci", files(40_000, "app")),
            Layer::new("COPY . .", files(20_000, "srv")),
            Layer::new("RUN chown -R node /app/node_modules/pkg1", files(40, "app")),
        ],
    );
    write(&[img], Format::DockerClassic, &out).expect("write image");
    let path = out.to_str().expect("utf-8").to_string();
    (dir, path)
}

fn explore(c: &mut Criterion) {
    let (_dir, path) = image();
    let opts = LoadOptions {
        changes: true,
        ..Default::default()
    };
    let analysis = imgsize::load(&path, &opts).expect("load");
    let mut g = c.benchmark_group("explore");
    g.sample_size(20);
    g.bench_function("new", |b| b.iter(|| App::new(&analysis)));
    let mut app = App::new(&analysis);
    app.set_aggregate(true);
    app.tree.set_all_open(true);
    app.set_filter("");
    g.bench_function("frame 200x60, every folder open", |b| {
        b.iter(|| frame_text(&mut app, 200, 60))
    });
    let down = KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE);
    g.bench_function("page down and a frame", |b| {
        b.iter(|| {
            app.key(down);
            frame_text(&mut app, 200, 60)
        })
    });
    let last = app.layers() - 1;
    g.bench_function("select a layer (image as of it) and a frame", |b| {
        let mut n = 0;
        b.iter(|| {
            n = (n + 1) % (last + 1);
            app.select_layer(n);
            frame_text(&mut app, 200, 60)
        })
    });
    app.select_layer(last);
    g.bench_function("a filter keystroke and a frame", |b| {
        let mut flip = false;
        b.iter(|| {
            flip = !flip;
            app.set_filter(if flip { "pkg1" } else { "pkg12" });
            frame_text(&mut app, 200, 60)
        })
    });
    g.finish();
}

criterion_group!(benches, explore);
criterion_main!(benches);
