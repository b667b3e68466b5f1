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

#[test]
fn imgsize_lists_every_layer_as_gnu_tar_does() {
    let dir = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/tar_corpus.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "corpus: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing: Value =
        serde_json::from_slice(&fs::read(dir.path().join("listing.json")).unwrap()).unwrap();
    let layers = listing.as_object().unwrap();
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
