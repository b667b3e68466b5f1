//! The HTML report in a real browser: Debian's Chromium, headless, driven over the
//! DevTools protocol (`headless_chrome`). The page must load from `file://` with no
//! console error and no request beyond itself, its treemap must add up to the image
//! size, zoom in and out, explore a layer, recolour by category, and show hostile
//! names as text. Needs chromium (`.ci/run` installs it); run with
//! `--include-ignored`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use headless_chrome::{Browser, LaunchOptions, Tab};
use imgsize::synth::{self, Entry, Format, Image, Layer};
use serde_json::Value;

use crate::*;

pub fn browser() -> Browser {
    crate::services::require(&["chromium"]);
    let opts = LaunchOptions::default_builder()
        .path(Some(PathBuf::from("/usr/bin/chromium")))
        .headless(true)
        .sandbox(false)
        .window_size(Some((1400, 1000)))
        .args(
            [
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ]
            .iter()
            .map(std::ffi::OsStr::new)
            .collect(),
        )
        .idle_browser_timeout(Duration::from_secs(120))
        .build()
        .expect("launch options");
    Browser::new(opts).expect("start chromium")
}

/// Writes the HTML report (`args`: the subcommand, then its arguments) and returns
/// its path.
pub fn report(dir: &Path, args: &[&str]) -> PathBuf {
    let out = dir.join("report.html");
    let mut all = vec![args[0], "--format", "html", "-o", out.to_str().unwrap()];
    all.extend_from_slice(&args[1..]);
    let o = run(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "-o writes the file, not stdout");
    out
}

pub fn eval(tab: &Tab, js: &str) -> Value {
    tab.evaluate(js, false)
        .unwrap_or_else(|e| panic!("{js}: {e}"))
        .value
        .unwrap_or(Value::Null)
}

/// Opens `page` and waits until its script has drawn it.
pub fn open(browser: &Browser, page: &Path) -> std::sync::Arc<Tab> {
    let tab = browser.new_tab().expect("tab");
    tab.navigate_to(&format!("file://{}", page.display()))
        .expect("navigate");
    tab.wait_until_navigated().expect("loaded");
    let start = Instant::now();
    while eval(&tab, "!!(window.__imgsize && window.__imgsize.ready)") != Value::Bool(true) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the page never finished drawing: {}",
            eval(
                &tab,
                "JSON.stringify(window.__imgsize && window.__imgsize.errors)"
            )
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    tab
}

/// No script error, and nothing loaded but the file itself.
pub fn assert_clean(tab: &Tab) {
    assert_eq!(
        eval(tab, "window.__imgsize.errors.length"),
        0,
        "{}",
        eval(tab, "JSON.stringify(window.__imgsize.errors)")
    );
    assert_eq!(
        eval(tab, "performance.getEntriesByType('resource').length"),
        0,
        "the page requested: {}",
        eval(
            tab,
            "JSON.stringify(performance.getEntriesByType('resource').map(e => e.name))"
        )
    );
}

fn index_of(tab: &Tab, path: &str) -> u64 {
    eval(
        tab,
        &format!(
            "window.__imgsize.data.images[0].treemap.findIndex(n => n.path === {})",
            serde_json::to_string(path).unwrap()
        ),
    )
    .as_i64()
    .filter(|&i| i >= 0)
    .unwrap_or_else(|| panic!("no box for {path}")) as u64
}

#[test]
#[ignore = "needs chromium (.ci/run installs it)"]
fn the_report_works_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let img = testdata("app.docker.tar");
    let page = report(dir.path(), &["inspect", img.to_str().unwrap()]);
    let want = inspect_json(&img, &[]);
    let browser = browser();
    let tab = open(&browser, &page);
    assert_clean(&tab);
    // The boxes of the whole image add up to its size.
    assert_eq!(
        eval(&tab, "[...document.querySelectorAll('.map > .box')].reduce((s, b) => s + Number(b.dataset.bytes), 0)"),
        want["image"]["layer_bytes"]
    );
    assert!(eval(&tab, "document.querySelector('.map').textContent")
        .as_str()
        .unwrap()
        .contains("shipped, invisible"));
    // Click `/`, then `/app`: the map zooms, the breadcrumb says where; back out.
    let root = index_of(&tab, "/");
    eval(
        &tab,
        &format!("document.querySelector('.map > .box[data-index=\"{root}\"]').click()"),
    );
    let app = index_of(&tab, "/app");
    eval(
        &tab,
        &format!("document.querySelector('.map > .box[data-index=\"{app}\"]').click()"),
    );
    assert_eq!(eval(&tab, "window.__imgsize.maps[0].current"), app);
    let crumbs = eval(&tab, "document.querySelector('.crumbs').textContent");
    assert!(
        crumbs.as_str().unwrap().starts_with("image / / / app"),
        "{crumbs}"
    );
    let shown = eval(
        &tab,
        "[...document.querySelectorAll('.map > .box')].map(b => b.textContent).join('|')",
    );
    assert!(shown.as_str().unwrap().contains("big.link"), "{shown}");
    eval(&tab, "document.querySelector('.crumbs a').click()");
    assert_eq!(eval(&tab, "window.__imgsize.maps[0].current"), 0);
    // The layer that added node_modules lists its files; the filter finds one.
    eval(
        &tab,
        "document.querySelector('.layer[data-index=\"1\"]').click()",
    );
    let explorer = eval(&tab, "document.getElementById('explorer').textContent");
    assert!(
        explorer
            .as_str()
            .unwrap()
            .contains("/app/node_modules/left-pad"),
        "{explorer}"
    );
    eval(&tab, "const f = document.getElementById('filter'); f.value = 'left-pad/index'; f.dispatchEvent(new Event('input'))");
    let filtered = eval(&tab, "document.getElementById('explorer').textContent");
    assert!(
        filtered
            .as_str()
            .unwrap()
            .contains("/app/node_modules/left-pad/index.js"),
        "{filtered}"
    );
    // Colour by waste category: flagged boxes change colour, the rest turn grey.
    let colours =
        "[...document.querySelectorAll('.map .box')].map(b => b.style.background).join('|')";
    let by_layer = eval(&tab, colours);
    eval(&tab, "const s = document.getElementById('colour'); s.value = 'category'; s.dispatchEvent(new Event('change'))");
    let by_category = eval(&tab, colours);
    assert_ne!(by_layer, by_category);
    assert!(
        by_category.as_str().unwrap().contains("rgb(215, 220, 226)"),
        "{by_category}"
    );
    assert!(eval(&tab, "document.querySelector('.legend').textContent")
        .as_str()
        .unwrap()
        .contains("source-maps"));
    assert_clean(&tab);
}

#[test]
#[ignore = "needs chromium (.ci/run installs it)"]
fn hostile_names_render_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hostile.tar");
    let names = [
        "app/<img src=x onerror=\"window.__pwned=1\">.js",
        "app/a\"b&c<b>bold</b>",
        "app/</script><script>window.__pwned=2</script>",
        "app/bell\u{7}name",
        // The page's placeholders: filled in one pass, a name never receives the
        // script (it did: the page then never ran).
        "app/*JS*/x.js",
        "app/*CSS*/y.css",
        "app/*DATA*/z.json",
    ];
    let mut entries: Vec<Entry> = names.iter().map(|n| Entry::file(n, 400_000)).collect();
    entries.push(Entry::file("app/ok.js", 100));
    let img = Image::new("hostile:1", vec![Layer::new("COPY <b>x</b> /app", entries)]);
    synth::write(&[img], Format::DockerClassic, &out).unwrap();
    let page = report(dir.path(), &["inspect", out.to_str().unwrap()]);
    let browser = browser();
    let tab = open(&browser, &page);
    assert_clean(&tab);
    assert_eq!(eval(&tab, "window.__pwned === undefined"), true);
    // No element came from a name: no image, no bold "bold", only the page's two scripts.
    let injected = "document.querySelectorAll('img').length + document.scripts.length - 2 + \
        [...document.querySelectorAll('b')].filter(b => b.textContent === 'bold').length";
    assert_eq!(eval(&tab, injected), 0);
    // The names are there, as text.
    let app = index_of(&tab, "/app");
    let root = index_of(&tab, "/");
    eval(
        &tab,
        &format!("document.querySelector('.map > .box[data-index=\"{root}\"]').click()"),
    );
    eval(
        &tab,
        &format!("document.querySelector('.map > .box[data-index=\"{app}\"]').click()"),
    );
    let text = eval(&tab, "document.querySelector('.map').textContent");
    let text = text.as_str().unwrap();
    assert!(
        text.contains("<img src=x onerror=\"window.__pwned=1\">.js"),
        "{text}"
    );
    // A `/` in a name makes folders: `a"b&c<b>bold<` / `b>`, `<` / `script>…<` / `script>`.
    assert!(text.contains("a\"b&c<b>bold<"), "{text}");
    assert!(text.contains("script><script>window.__pwned=2<"), "{text}");
    // The whole paths travel in the page's data, which no `</script>` closes.
    let paths = eval(
        &tab,
        "JSON.stringify(window.__imgsize.data.changes[0].map(c => c[1]))",
    );
    assert!(paths.as_str().unwrap().contains("script>"), "{paths}");
    assert!(
        text.contains("bell\\u{7}name")
            || text.contains("bell\\x07name")
            || text.contains("bell\\u{07}name"),
        "{text}"
    );
    assert_eq!(eval(&tab, injected), 0);
}

#[test]
#[ignore = "needs chromium (.ci/run installs it)"]
fn the_diff_report_shows_both_maps() {
    let dir = tempfile::tempdir().unwrap();
    let a = testdata("app.docker.tar");
    let b = testdata("app.oci");
    let page = report(
        dir.path(),
        &["diff", a.to_str().unwrap(), b.to_str().unwrap()],
    );
    let browser = browser();
    let tab = open(&browser, &page);
    assert_clean(&tab);
    assert_eq!(eval(&tab, "document.querySelectorAll('.map').length"), 2);
    let tables = eval(&tab, "document.getElementById('tables').textContent");
    assert!(
        tables.as_str().unwrap().contains("Waste by category"),
        "{tables}"
    );
}

/// What a new user saw wrong in the pictures (issue 23): the diff's second map
/// was labelled with the first image's instructions and packages, its page said
/// "No findings" where A had some, the map ran below the first screen, and the
/// hints showed as literal backticks in a monospace box.
#[test]
#[ignore = "needs chromium (.ci/run installs it)"]
fn each_map_has_its_own_legend_and_findings_and_fits_the_screen() {
    let dir = tempfile::tempdir().unwrap();
    let a = testdata("app.oci");
    let b = testdata("app-slim.oci");
    let page = report(
        dir.path(),
        &["diff", a.to_str().unwrap(), b.to_str().unwrap()],
    );
    let browser = browser();
    let tab = open(&browser, &page);
    assert_clean(&tab);
    let legends = eval(
        &tab,
        "JSON.stringify([...document.querySelectorAll('.legend')].map(l => l.textContent))",
    );
    let legends: Vec<String> = serde_json::from_str(legends.as_str().unwrap()).unwrap();
    assert_eq!(legends.len(), 2, "{legends:?}");
    assert!(legends[0].contains("ADD busybox-rootfs"), "{legends:?}");
    assert!(
        legends[1].contains("COPY file:") && !legends[1].contains("busybox"),
        "{legends:?}"
    );
    let findings = eval(&tab, "document.getElementById('findings').textContent");
    let findings = findings.as_str().unwrap();
    assert!(
        findings.contains("source-maps") && findings.contains("layer-churn"),
        "{findings}"
    );
    // The first screen (1400 x 1000) holds the maps and their legends.
    let bottom = eval(&tab, "Math.max(...[...document.querySelectorAll('.legend')].map(l => l.getBoundingClientRect().bottom))");
    assert!(bottom.as_f64().unwrap() < 1000.0, "legend ends at {bottom}");
    // The inspect page: the map, its legend and the first layer bar above the fold,
    // and the hints as a list with code, not backticks in a box.
    let page = report(dir.path(), &["inspect", a.to_str().unwrap()]);
    let tab = open(&browser, &page);
    let bottom = eval(
        &tab,
        "document.querySelector('.layer').getBoundingClientRect().bottom",
    );
    assert!(
        bottom.as_f64().unwrap() < 1000.0,
        "first layer bar ends at {bottom}"
    );
    let hints = eval(&tab, "document.querySelector('ul.hints').textContent");
    assert!(!hints.as_str().unwrap().contains('`'), "{hints}");
    assert_eq!(
        eval(
            &tab,
            "document.querySelectorAll('ul.hints code').length > 0"
        ),
        true
    );
}

/// The treemap draws every path down to a few pixels (issue 25): on an image of
/// 60,000 files in package folders, thousands of nested boxes, labels only where
/// they fit, the page under 3 MB. The first draw's time is printed (the figure in
/// BENCHMARKS.md), not asserted: timings are for benchmarks.
#[test]
#[ignore = "needs chromium (.ci/run installs it)"]
fn the_treemap_draws_thousands_of_nested_boxes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("big.tar");
    let files = |n: usize, prefix: &str| -> Vec<Entry> {
        (0..n)
            .map(|i| {
                Entry::file(
                    &format!(
                        "{prefix}/node_modules/pkg{}/lib/sub{}/f{i}.js",
                        i / 60,
                        i % 5
                    ),
                    200 + (i as u64 * 7919) % 20_000 + if i % 997 == 0 { 2_000_000 } else { 0 },
                )
            })
            .collect()
    };
    let img = Image::new(
        "big:1",
        vec![
            Layer::new("RUN npm ci", files(45_000, "app")),
            Layer::new("COPY . .", files(15_000, "srv")),
        ],
    );
    synth::write(&[img], Format::DockerClassic, &out).unwrap();
    let page = report(dir.path(), &["inspect", out.to_str().unwrap()]);
    let size = std::fs::metadata(&page).unwrap().len();
    assert!(size < 3_000_000, "the page is {size} bytes");
    let want = inspect_json(&out, &[]);
    let browser = browser();
    let tab = open(&browser, &page);
    assert_clean(&tab);
    let boxes = eval(&tab, "document.querySelectorAll('.map .box').length")
        .as_u64()
        .unwrap();
    let labels = eval(
        &tab,
        "document.querySelectorAll('.map .box > .label').length",
    )
    .as_u64()
    .unwrap();
    let deepest = eval(
        &tab,
        "Math.max(...[...document.querySelectorAll('.map .box')].map(b => { let d = 0; for (let e = b; e.parentElement.closest('.box'); e = e.parentElement.closest('.box')) d++; return d; }))",
    );
    let ms = eval(&tab, "window.__imgsize.maps[0].drawMs");
    println!("treemap: {size} bytes of page, {boxes} boxes ({labels} labelled), nested {deepest} deep, first draw {ms} ms");
    assert!(boxes >= 1_000, "{boxes} boxes");
    assert!(labels < boxes, "labels only where they fit");
    assert!(deepest.as_u64().unwrap() >= 5, "nested {deepest} deep");
    // The whole view still adds up to the image.
    assert_eq!(
        eval(&tab, "[...document.querySelectorAll('.map > .box')].reduce((s, b) => s + Number(b.dataset.bytes), 0)"),
        want["image"]["layer_bytes"]
    );
    // A click deep inside zooms one folder in; the breadcrumb says where.
    eval(
        &tab,
        "document.querySelector('.map .box .box .box .box').click()",
    );
    let current = eval(&tab, "window.__imgsize.maps[0].current")
        .as_u64()
        .unwrap();
    assert!(current > 0);
    assert_clean(&tab);
}
