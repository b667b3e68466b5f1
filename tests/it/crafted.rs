//! Crafted images, round 2 (issue 22): each a small input that broke the "one
//! clear line, exit 2, bounded memory" contract or got past `check --forbid`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::hostile::run_measured;
use crate::layouts::*;
use crate::*;

/// GNU tar's sparse forms: old GNU (`S` headers with extension blocks), PAX 0.0,
/// 0.1 and 1.0.
const SPARSE_FORMATS: [(&str, &[&str]); 4] = [
    ("gnu", &["--format=gnu"]),
    ("pax-0.0", &["--format=posix", "--sparse-version=0.0"]),
    ("pax-0.1", &["--format=posix", "--sparse-version=0.1"]),
    ("pax-1.0", &["--format=posix", "--sparse-version=1.0"]),
];

/// A layer written by `tar -S`: `app/big.img`, 11.5 MB with 40 KB of data in
/// 30 regions (more than the old GNU header holds), then `app/zz/.env`.
fn sparse_layer(dir: &Path, flags: &[&str]) -> Vec<u8> {
    let root = dir.join("tree");
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(root.join("app/zz")).unwrap();
    let f = fs::File::create(root.join("app/big.img")).unwrap();
    f.set_len(11_500_000).unwrap();
    for i in 1..=30u64 {
        use std::os::unix::fs::FileExt;
        f.write_at(&[i as u8; 1000], i * 300_000).unwrap();
    }
    fs::write(root.join("app/zz/.env"), "SECRET=1\n").unwrap();
    let out = Command::new("tar")
        .args([
            "-c",
            "-f",
            "-",
            "-S",
            "--sort=name",
            "--owner=0",
            "--group=0",
        ])
        .args(flags)
        .args(["-C", root.to_str().unwrap(), "app"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// The layout as an OCI archive, for reading from a pipe.
fn archive(layout: &Path) -> PathBuf {
    let t = layout.with_extension("tar");
    let out = Command::new("tar")
        .args([
            "-cf",
            t.to_str().unwrap(),
            "-C",
            layout.to_str().unwrap(),
            ".",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    t
}

/// A `.env` after a sparse file was lost (the walker skipped the extension
/// blocks or the 1.0 map as file data), so `check --forbid` passed; the sparse
/// file showed at its stored size and, in PAX 1.0, under `GNUSparseFile.0/`.
#[test]
fn sparse_files_are_read_whole_and_hide_nothing_after_them() {
    let dir = tempfile::tempdir().unwrap();
    for (name, flags) in SPARSE_FORMATS {
        let tar = sparse_layer(dir.path(), flags);
        for (how, layer) in [("plain", tar.clone()), ("gzip", gzip(&tar))] {
            let l = layout_with_raw_layer(&dir.path().join(format!("{name}-{how}")), &layer);
            let p = l.to_str().unwrap();
            let o = run(&["check", p, "--forbid", "**/.env"]);
            assert_eq!(o.status.code(), Some(1), "{name} {how}: {}", stdout(&o));
            assert!(stdout(&o).contains("/app/zz/.env"), "{name} {how}");
            // From a pipe, through the stream reader.
            let o = run_stdin(&["check", "-", "--forbid", "**/.env"], &archive(&l));
            assert_eq!(
                o.status.code(),
                Some(1),
                "{name} {how} stdin: {}",
                stderr(&o)
            );

            let o = run(&["files", p, "--format", "json"]);
            assert!(o.status.success(), "{}", stderr(&o));
            let rows: Vec<Value> = stdout(&o)
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            let big = rows
                .iter()
                .find(|r| r["path"] == "/app/big.img")
                .unwrap_or_else(|| panic!("{name} {how}: {rows:?}"));
            assert_eq!(big["bytes"], 11_500_000, "{name} {how}");
            assert!(rows
                .iter()
                .all(|r| !r["path"].as_str().unwrap().contains("GNUSparseFile")));
            assert!(rows.iter().any(|r| r["path"] == "/app/zz/.env"));
        }
    }
}

/// A layer holding `app/node_modules/<name>/package.json` as PAX sparse 0.1
/// and 1.0 entries whose maps cover the whole file (no hole: still valid JSON).
fn sparse_manifests(names: &[&str]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (i, name) in names.iter().enumerate() {
        let json = format!(r#"{{"name":"{name}","version":"1.0.{i}"}}"#);
        let real = format!("app/node_modules/{name}/package.json");
        let len = json.len().to_string();
        let map = format!("0,{len}");
        let mut data = json.clone().into_bytes();
        let records: Vec<(&str, &[u8])> = if i % 2 == 0 {
            vec![
                ("GNU.sparse.size", len.as_bytes()),
                ("GNU.sparse.numblocks", b"1"),
                ("GNU.sparse.name", real.as_bytes()),
                ("GNU.sparse.map", map.as_bytes()),
            ]
        } else {
            let mut with_map = format!("1\n0\n{len}\n").into_bytes();
            with_map.resize(512, 0);
            with_map.extend_from_slice(json.as_bytes());
            data = with_map;
            vec![
                ("GNU.sparse.major", b"1"),
                ("GNU.sparse.minor", b"0"),
                ("GNU.sparse.name", real.as_bytes()),
                ("GNU.sparse.realsize", len.as_bytes()),
            ]
        };
        b.append_pax_extensions(records).unwrap();
        let mut h = tar::Header::new_ustar();
        h.set_path(format!("app/GNUSparseFile.0/{i}")).unwrap();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append(&h, &data[..]).unwrap();
    }
    b.into_inner().unwrap()
}

/// A package cannot hide from `--forbid-package` by being stored sparse: its
/// manifest is read as extracted.
#[test]
fn a_sparse_package_manifest_is_read_as_extracted() {
    let dir = tempfile::tempdir().unwrap();
    let l = layout_with_raw_layer(dir.path(), &sparse_manifests(&["left-pad", "typescript"]));
    let p = l.to_str().unwrap();
    let v = json_of(&run(&["packages", p, "--format", "json"]));
    let names: Vec<String> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}@{}",
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap()
            )
        })
        .collect();
    assert!(names.contains(&"left-pad@1.0.0".to_string()), "{v}");
    assert!(names.contains(&"typescript@1.0.1".to_string()), "{v}");
    let o = run(&["check", p, "--forbid-package", "typescript"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
}

/// The same map checks as the walker's, on a hand-made layer: data that does not
/// match its map is refused with one line naming the header.
#[test]
fn a_sparse_map_that_does_not_match_its_data_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut tar = sparse_layer(dir.path(), &["--format=posix", "--sparse-version=0.1"]);
    // The PAX header's map: make the first region claim more data than stored.
    let key = b"GNU.sparse.map=";
    let at = tar.windows(key.len()).position(|w| w == key).unwrap() + key.len();
    let region = at + tar[at..].iter().position(|&b| b == b',').unwrap() + 1;
    // 4096 -> 9096: the same length, so the record lengths still hold.
    assert_eq!(&tar[region..region + 5], b"4096,");
    tar[region] = b'9';
    let l = layout_with_raw_layer(dir.path(), &tar);
    assert_error(
        &run(&["inspect", l.to_str().unwrap()]),
        &["sparse map lists"],
    );
}

/// Hang guard for the crafted inputs: a run that takes longer is a failure. Not a
/// speed measure: generous for the unoptimized test build on a busy machine,
/// where the quadratic code took far longer still.
const HANG: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs imgsize with the peak memory measured ([`run_measured`]), killed after
/// [`HANG`]; returns (exit code, stdout, peak bytes).
fn run_bounded(args: &[&str]) -> (Option<i32>, String, u64) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let _ = tx.send(run_measured(&args));
    });
    rx.recv_timeout(HANG)
        .unwrap_or_else(|_| panic!("imgsize ran past {HANG:?}"))
}

/// The memory budget the README's Reliability section states for these inputs.
const BUDGET: u64 = 300 << 20;

fn assert_within_budget(what: &str, (code, _, peak): &(Option<i32>, String, u64)) {
    assert!(*peak < BUDGET, "{what}: peak {} MB", peak >> 20);
    assert!(matches!(code, Some(0..=2)), "{what}: exit {code:?}");
}

/// A path 20,000 folders deep under a package folder overflowed the stack in
/// the npm package walk and in the HTML treemap (SIGABRT, past the panic hook),
/// and the waste walk read each folder's whole path (time the square of the
/// depth: 18 s at 100,000).
#[test]
fn paths_thousands_of_folders_deep() {
    use imgsize::synth::{self, Entry, Format, Image, Layer};
    let dir = tempfile::tempdir().unwrap();
    for depth in [20_000, 100_000] {
        let deep = format!("app/node_modules/pkg/{}", "d/".repeat(depth));
        let img = Image::new(
            "deep:1",
            vec![Layer::new(
                "COPY . .",
                vec![
                    Entry::text(
                        "app/node_modules/pkg/package.json",
                        r#"{"name":"pkg","version":"1.0.0"}"#,
                    ),
                    Entry::text(
                        &format!("{deep}package.json"),
                        r#"{"name":"inner","version":"2.0.0"}"#,
                    ),
                    Entry::random(&format!("{deep}big.js"), 100_000, 1),
                    Entry::text(&format!("{deep}.env"), "SECRET=1\n"),
                ],
            )],
        );
        let out = dir.path().join(format!("deep-{depth}.tar"));
        synth::write(&[img], Format::DockerClassic, &out).unwrap();
        let p = out.to_str().unwrap();
        for args in [
            vec!["inspect", p],
            vec!["inspect", p, "--format", "json"],
            vec!["inspect", p, "--format", "html"],
            vec!["packages", p],
            vec!["diff", p, p],
        ] {
            let r = run_bounded(&args);
            assert_within_budget(&format!("{depth}: {args:?}"), &r);
            assert_eq!(r.0, Some(0), "{depth}: {args:?}");
        }
        let r = run_bounded(&["check", p, "--forbid", "**/.env"]);
        assert_eq!(r.0, Some(1), "{depth}: the deep .env is found");
        // The table cuts the path in the middle instead of wrapping it into pages.
        let table = run_bounded(&["inspect", p, "--top", "3"]).1;
        assert!(table.len() < 20_000, "{} bytes", table.len());
        assert!(table.contains("chars)…"), "{table}");
    }
}

/// A `docker save` tarball of `members`: (name, contents) or (name, `-> target`)
/// for a symlink.
fn archive_of(members: &[(String, Member)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, m) in members {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        match m {
            Member::Data(data) => {
                h.set_size(data.len() as u64);
                h.set_entry_type(tar::EntryType::Regular);
                b.append_data(&mut h, name, &data[..]).unwrap();
            }
            Member::Link(target) => {
                h.set_size(0);
                h.set_entry_type(tar::EntryType::Symlink);
                b.append_link(&mut h, name, target).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

enum Member {
    Data(Vec<u8>),
    Link(String),
}

/// A layer of `files` small files.
fn small_files_layer(files: usize) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for i in 0..files {
        let mut h = tar::Header::new_gnu();
        h.set_size(100);
        h.set_mode(0o644);
        b.append_data(&mut h, format!("app/f{i:05}.js"), &[b'x'; 100][..])
            .unwrap();
    }
    b.into_inner().unwrap()
}

/// A `docker save` image whose manifest lists `layers` (member names) and whose
/// config has `history` entries of `{}`, plus `extra` members.
fn docker_image(
    layer: &[u8],
    listed: usize,
    history: usize,
    extra: Vec<(String, Member)>,
) -> Vec<u8> {
    let diff = sha(layer);
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":[{}]}},"history":[{}]}}"#,
        vec![format!("\"{diff}\""); listed].join(","),
        vec!["{}"; history].join(",")
    );
    let manifest = format!(
        r#"[{{"Config":"config.json","RepoTags":["crafted:1"],"Layers":[{}]}}]"#,
        vec!["\"l/layer.tar\""; listed].join(",")
    );
    let mut members = vec![
        ("config.json".to_string(), Member::Data(config.into_bytes())),
        ("l/layer.tar".to_string(), Member::Data(layer.to_vec())),
        (
            "manifest.json".to_string(),
            Member::Data(manifest.into_bytes()),
        ),
    ];
    members.extend(extra);
    archive_of(&members)
}

fn gzip_file(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, gzip(data)).unwrap();
    p
}

/// Memory must not grow with what a crafted header or manifest claims: a JSON
/// member linked from 50 names was copied 50 times (3.1 GB from 61 KB), a config
/// shared by three entries was parsed and kept three times and its history took
/// 30 times its size, and one layer listed 100 times was scanned 100 times.
#[test]
fn amplification_stays_within_the_memory_budget() {
    let dir = tempfile::tempdir().unwrap();
    let layer = small_files_layer(2000);

    // 50 links to a 60 MiB metadata member, read from a pipe (gzip'd: 61 KB).
    let mut extra = vec![("big.json".to_string(), Member::Data(vec![b' '; 60 << 20]))];
    extra.extend((0..50).map(|i| (format!("link{i}.json"), Member::Link("big.json".into()))));
    let links = gzip_file(
        dir.path(),
        "links.tar.gz",
        &docker_image(&layer, 1, 1, extra),
    );
    assert!(fs::metadata(&links).unwrap().len() < 1 << 20);
    let p = links.to_str().unwrap();
    let r = run_bounded_stdin(&["inspect", "-", "--format", "json"], &links);
    assert_within_budget("links", &r);
    assert_eq!(r.0, Some(0), "links");
    let r = run_bounded(&["inspect", p, "--format", "json"]);
    assert_within_budget("links from the file", &r);

    // Three entries sharing one config whose history is 20 million `{}`: refused
    // in one line without reading it whole.
    let manifest = r#"[{"Config":"config.json","RepoTags":["a:1"],"Layers":["l/layer.tar"]},{"Config":"config.json","RepoTags":["b:1"],"Layers":["l/layer.tar"]},{"Config":"config.json","RepoTags":["c:1"],"Layers":["l/layer.tar"]}]"#;
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":["{}"]}},"history":[{}]}}"#,
        sha(&layer),
        vec!["{}"; 20_000_000].join(",")
    );
    let shared = gzip_file(
        dir.path(),
        "shared.tar.gz",
        &archive_of(&[
            ("config.json".into(), Member::Data(config.into_bytes())),
            ("l/layer.tar".into(), Member::Data(layer.clone())),
            (
                "manifest.json".into(),
                Member::Data(manifest.as_bytes().to_vec()),
            ),
        ]),
    );
    for how in ["file", "pipe"] {
        let r = if how == "file" {
            run_bounded(&["inspect", shared.to_str().unwrap(), "--image", "b:1"])
        } else {
            run_bounded_stdin(&["inspect", "-", "--image", "b:1"], &shared)
        };
        assert_within_budget(how, &r);
        assert_eq!(
            r.0,
            Some(2),
            "{how}: a history of 20 million entries is refused"
        );
    }

    // One layer of 100,000 empty files (under 1 MB gzip'd) listed 60 times:
    // scanned once, its entries kept once.
    let mut b = tar::Builder::new(Vec::new());
    for i in 0..100_000 {
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        h.set_mode(0o644);
        b.append_data(&mut h, format!("app/{:03}/{i:06}", i % 500), &[][..])
            .unwrap();
    }
    let many = gzip(&b.into_inner().unwrap());
    assert!(many.len() < 2 << 20, "{} bytes", many.len());
    let repeated = dir.path().join("repeated.tar");
    fs::write(&repeated, docker_image(&many, 60, 60, Vec::new())).unwrap();
    let r = run_bounded(&["inspect", repeated.to_str().unwrap(), "--format", "json"]);
    assert_within_budget("repeated", &r);
    let v: Value = serde_json::from_str(&r.1).unwrap();
    assert_eq!(v["layers"].as_array().unwrap().len(), 60);
}

/// [`run_bounded`] with `file` on standard input (a pipe).
fn run_bounded_stdin(args: &[&str], file: &Path) -> (Option<i32>, String, u64) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let file = file.to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut child = bin()
            .args(&args)
            .env("IMGSIZE_TIMINGS", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let data = fs::read(&file).unwrap();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        });
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        let peak = err
            .lines()
            .filter_map(|l| l.split("peak").nth(1))
            .filter_map(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .max()
            .unwrap_or(u64::MAX / 1024)
            * 1024;
        let _ = tx.send((o.status.code(), stdout(&o), peak));
    });
    rx.recv_timeout(HANG)
        .unwrap_or_else(|_| panic!("imgsize ran past {HANG:?}"))
}

/// The parallel decoder read a whole unit's blob into memory, and a unit is as
/// long as a crafted zstd frame (a 400 MB layer in two frames: 403 MB RSS).
#[test]
fn a_layer_of_two_huge_zstd_frames_is_decoded_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    // 192 MiB of incompressible bytes in one file, the tar cut in two frames.
    let size = 192usize << 20;
    let mut data = vec![0u8; size];
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for chunk in data.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(size as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, "random.bin", &data[..]).unwrap();
    let tar = b.into_inner().unwrap();
    drop(data);
    let half = tar.len() / 2;
    let mut layer = zstd::encode_all(&tar[..half], 1).unwrap();
    layer.extend(zstd::encode_all(&tar[half..], 1).unwrap());
    drop(tar);
    let l = layout_with_raw_layer(dir.path(), &layer);
    drop(layer);
    let r = run_bounded(&["inspect", l.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.0, Some(0));
    assert!(r.2 < 120 << 20, "peak {} MB", r.2 >> 20);
}

/// Names a tar can hold that mean something to one of the formats.
const HOSTILE: [&str; 8] = [
    "app/`<img src=x onerror=alert(1)>`.js",
    "app/``a|b|c``.js",
    "app/x\n::error::pwned.js",
    "app/%0A::error title=x::pwned.js",
    "app/=HYPERLINK(\"http://x\").js",
    "app/]]>&<x/>.xml",
    "app/\u{1b}[31mred.js",
    "app/tab\there.js",
];

/// Every format carries any name a tar can hold as inert text. check's Markdown
/// escaped `|` but not backticks: a name closed its code span and wrote raw HTML
/// into the GitHub job summary.
#[test]
fn every_format_carries_hostile_names_as_inert_text() {
    use imgsize::synth::{self, Entry, Format, Image, Layer};
    let dir = tempfile::tempdir().unwrap();
    let mut entries: Vec<Entry> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, n)| Entry::file(n, 200_000 - i as u64))
        .collect();
    entries.push(Entry::text(
        "app/node_modules/evil/package.json",
        r#"{"name":"=cmd|' /C calc'!A0","version":"1.0.0`<b>x</b>"}"#,
    ));
    let img = Image::new("evil:1", vec![Layer::new("COPY . /app", entries)]);
    let out = dir.path().join("hostile.tar");
    synth::write(&[img], Format::DockerClassic, &out).unwrap();
    let p = out.to_str().unwrap();
    let forbid = ["--forbid", "/app/*", "--forbid-package", "=*"];

    // Markdown, rendered as GitHub would (tables on): no element from a name,
    // one table row per rule, every name in a code span.
    let o = run(&[&["check", p, "--format", "markdown"][..], &forbid].concat());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let md = stdout(&o);
    let mut html = String::new();
    let opts = pulldown_cmark::Options::ENABLE_TABLES;
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new_ext(&md, opts));
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<b>"), "{html}");
    assert_eq!(
        html.matches("<tr>").count(),
        1 + 2,
        "header and two rules: {html}"
    );
    let codes = html.matches("<code>").count();
    assert!(codes >= HOSTILE.len(), "{codes} code spans: {html}");
    assert!(
        html.contains("onerror=alert(1)"),
        "the name is there, as text: {html}"
    );
    assert!(
        html.contains("<code>npm =cmd|"),
        "a `|` outside a table is itself: {html}"
    );

    // GitHub workflow commands: one per failed rule, nothing a name adds.
    let o = bin()
        .args([&["check", p][..], &forbid].concat())
        .env("GITHUB_ACTIONS", "true")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    let commands: Vec<String> = stdout(&o)
        .lines()
        .filter(|l| l.starts_with("::"))
        .map(str::to_string)
        .collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert!(commands
        .iter()
        .all(|c| c.starts_with("::error title=imgsize ")));

    // JUnit XML a strict parser reads.
    let o = run(&[&["check", p, "--format", "junit"][..], &forbid].concat());
    let xml = dir.path().join("junit.xml");
    std::fs::write(&xml, &o.stdout).unwrap();
    let parsed = Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])",
        ])
        .arg(&xml)
        .output()
        .unwrap();
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );

    // JSON, TSV, CSV and the table.
    let v = json_of(&run(&["inspect", p, "--format", "json", "--top", "20"]));
    let listed: Vec<&str> = v["largest_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        listed.contains(&"/app/`<img src=x onerror=alert(1)>`.js"),
        "{listed:?}"
    );
    let tsv = stdout(&run(&["files", p]));
    for line in tsv.lines() {
        assert_eq!(line.split('\t').count(), 4, "{line:?}");
    }
    let csv = dir.path().join("packages.csv");
    std::fs::write(&csv, run(&["packages", p, "--format", "csv"]).stdout).unwrap();
    let rows = Command::new("python3")
        .args([
            "-c",
            "import csv, sys; r = list(csv.reader(open(sys.argv[1]))); \
             assert all(not f.startswith(('=', '+', '-', '@')) for row in r for f in row), r; \
             print(len(r))",
        ])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        rows.status.success(),
        "{}",
        String::from_utf8_lossy(&rows.stderr)
    );
    for args in [vec!["inspect", p], vec!["check", p, "--forbid", "/app/*"]] {
        let table = stdout(&run(&args));
        assert!(
            !table.contains('\u{1b}'),
            "a raw escape sequence in {args:?}"
        );
    }
}
