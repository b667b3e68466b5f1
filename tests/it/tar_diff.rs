//! The differential tar test: a corpus of a few hundred layers (every GNU tar
//! format and sparse version, Python's tarfile formats, and the same layers
//! changed the ways crafted ones are) listed by imgsize's tar reader, by GNU tar
//! (`tar -tv`) and by Python's tarfile. Where GNU tar lists a layer, imgsize
//! lists the same entries (path, kind, size as extracted, link target); where GNU
//! tar refuses it, imgsize refuses it. The one documented refusal beyond GNU tar's
//! (README, Reliability): a layer cut short inside a header, which GNU tar lists
//! up to the cut without a word.

use std::fs;
use std::process::Command;

use serde_json::Value;

/// (path, kind, size, link): directories without their trailing slash (tarfile
/// drops it, GNU tar shows it), devices and fifos as one kind, sizes of files only.
type Row = (Vec<u8>, char, u64, Vec<u8>);

fn normal(path: &[u8], kind: char, size: u64, link: &[u8]) -> Row {
    let mut path = path.to_vec();
    if kind == 'd' {
        while path.len() > 1 && path.last() == Some(&b'/') {
            path.pop();
        }
    }
    let kind = match kind {
        'c' | 'b' | 'p' | '?' | 'o' => 'o',
        k => k,
    };
    let size = if kind == '-' { size } else { 0 };
    (path, kind, size, link.to_vec())
}

fn reference(v: &Value) -> Option<Vec<Row>> {
    if !v["ok"].as_bool().unwrap() {
        return None;
    }
    let hex = |s: &Value| {
        let s = s.as_str().unwrap();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect::<Vec<u8>>()
    };
    Some(
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let kind = e[1].as_str().unwrap().chars().next().unwrap();
                normal(&hex(&e[0]), kind, e[2].as_u64().unwrap(), &hex(&e[3]))
            })
            .collect(),
    )
}

fn show(rows: &[Row]) -> String {
    rows.iter()
        .map(|(p, k, s, l)| {
            format!(
                "{k} {s:>12} {}{}\n",
                String::from_utf8_lossy(p),
                if l.is_empty() {
                    String::new()
                } else {
                    format!(" -> {}", String::from_utf8_lossy(l))
                }
            )
        })
        .collect()
}

/// The corpus written into `dir`: each layer's name and GNU tar's and Python's
/// listings of it.
fn corpus(dir: &std::path::Path) -> serde_json::Map<String, Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/tar_corpus.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "corpus: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing: Value =
        serde_json::from_slice(&fs::read(dir.join("listing.json")).unwrap()).unwrap();
    listing.as_object().unwrap().clone()
}

#[test]
fn imgsize_lists_every_layer_as_gnu_tar_does() {
    let dir = tempfile::tempdir().unwrap();
    let layers = &corpus(dir.path());
    assert!(layers.len() >= 250, "{} layers", layers.len());
    let (mut agreed, mut refused, mut documented) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for (name, refs) in layers {
        let data = fs::read(dir.path().join(format!("{name}.tar"))).unwrap();
        let ours = imgsize::tar::list(&data[..]).map(|l| {
            l.iter()
                .map(|e| normal(&e.path, e.kind, e.size, &e.link))
                .collect::<Vec<_>>()
        });
        let gnu = reference(&refs["gnu"]);
        let python = reference(&refs["python"]);
        match (&ours, &gnu) {
            (Ok(a), Some(g)) if a == g => {
                // Python's tarfile agrees too wherever it lists the layer whole
                // (it stops without a word at a bad checksum, which GNU tar and
                // imgsize refuse).
                if let Some(p) = &python {
                    assert_eq!(show(a), show(p), "{name}: imgsize and tarfile differ");
                }
                agreed += 1;
            }
            (Err(_), None) => refused += 1,
            // GNU tar lists what precedes a header cut short and exits with 0.
            (Err(e), Some(_)) if e.contains("tar header at byte") && e.contains("cut short") => {
                documented += 1
            }
            (Ok(a), Some(g)) => disagreements.push(format!(
                "{name}: imgsize lists\n{}GNU tar lists\n{}",
                show(a),
                show(g)
            )),
            (Err(e), Some(_)) => {
                disagreements.push(format!("{name}: imgsize refuses ({e}) what GNU tar lists"))
            }
            (Ok(_), None) => disagreements.push(format!(
                "{name}: imgsize lists what GNU tar refuses ({})",
                refs["gnu"]["stderr"]
            )),
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} layers disagree:\n{}",
        disagreements.len(),
        layers.len(),
        disagreements.join("\n")
    );
    // Each class is there: a corpus that lost its refusals would test less.
    assert!(
        agreed >= 150 && refused >= 30 && documented >= 20,
        "{agreed} {refused} {documented}"
    );
}

/// A large uncompressed layer is walked in pieces on every core, each from a
/// block that looks like a header near a guessed offset (`layer::split`). Every
/// layer of the corpus, cut near each of its first 64 blocks, and in three near
/// a few pairs, is found as one walk finds it (`fuzzing::split_agrees`), which
/// is the walk the test above holds to GNU tar.
#[test]
fn every_layer_cut_anywhere_is_walked_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let layers = corpus(dir.path());
    let (mut believed, mut not) = (0, 0);
    for name in layers.keys() {
        let data = fs::read(dir.path().join(format!("{name}.tar"))).unwrap();
        let blocks = (data.len() as u64).div_ceil(512).min(64);
        let mut tally = |pieces| match pieces {
            0 => {}
            1 => not += 1,
            _ => believed += 1,
        };
        for b in 0..blocks {
            tally(imgsize::fuzzing::split_agrees(&data, &[b * 512]));
        }
        for b in (0..blocks).step_by(5) {
            tally(imgsize::fuzzing::split_agrees(
                &data,
                &[b * 512, (b + 2) * 512],
            ));
        }
    }
    // Both ways were taken: cuts the walk before confirmed, and cuts it passed.
    assert!(
        believed > 500 && not > 100,
        "{believed} believed, {not} not"
    );
}

/// What a guessed cut can land on besides an entry's start: a tar stored as a
/// file in the layer (its headers are real headers, inside content), the real
/// header after a GNU long name or a PAX header, a hardlink to an entry before
/// the cut, files the analysis keeps; and a layer that ends early (its
/// end-of-archive blocks before the cut) or is cut short.
#[test]
fn a_cut_inside_content_or_between_headers_is_not_believed() {
    let mut inner = tar::Builder::new(Vec::new());
    for i in 0..12 {
        let data = vec![b'x'; 700];
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        inner
            .append_data(&mut h, format!("inner/file{i}"), &data[..])
            .unwrap();
    }
    let inner = inner.into_inner().unwrap();
    let add = |b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8], gnu: bool| {
        let mut h = if gnu {
            tar::Header::new_gnu()
        } else {
            tar::Header::new_ustar()
        };
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, data).unwrap();
    };
    let mut b = tar::Builder::new(Vec::new());
    for i in 0..8 {
        let long = format!("app/node_modules/{}/package.json", "deep/".repeat(30 + i));
        let json = format!("{{\"name\":\"p{i}\",\"version\":\"1.0.{i}\"}}");
        add(&mut b, &long, json.as_bytes(), i % 2 == 0);
        add(&mut b, &format!("app/stored{i}.tar"), &inner, false);
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Link);
        h.set_size(0);
        b.append_link(&mut h, format!("app/link{i}"), format!("app/stored{i}.tar"))
            .unwrap();
    }
    let whole = b.into_inner().unwrap();
    // The tar as written, then ended early by a zero block past the middle, then
    // cut short, then with a header broken past the middle.
    let middle = whole.len() / 1024 * 512;
    let at = (middle..whole.len())
        .step_by(512)
        .find(|&o| &whole[o + 257..o + 262] == b"ustar")
        .unwrap();
    let mut early = whole.clone();
    early[at..at + 512].fill(0);
    let short = whole[..middle + 100].to_vec();
    let mut broken = whole.clone();
    broken[at + 148] ^= 1;
    let (mut believed, mut not) = (0, 0);
    for layer in [&whole, &early, &short, &broken] {
        let blocks = layer.len() as u64 / 512;
        for b in (0..blocks).step_by(3) {
            match imgsize::fuzzing::split_agrees(layer, &[b * 512]) {
                0 => {}
                1 => not += 1,
                _ => believed += 1,
            }
        }
        for b in (0..blocks).step_by(29) {
            imgsize::fuzzing::split_agrees(layer, &[b * 512, (b + blocks / 3) * 512]);
        }
    }
    assert!(believed > 20 && not > 20, "{believed} believed, {not} not");
}
