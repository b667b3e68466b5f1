//! Imports run one way, top to bottom: cmd (and cli, config) -> report and
//! explore (the terminal's renderer) -> pipeline -> analysis -> fs, layer, source -> tar. A module never names one
//! above it; this test reads the sources and says where one does.

use std::path::Path;

/// Each floor, and the modules it must not name (`crate::<module>`).
const FLOORS: &[(&str, &[&str])] = &[
    ("report", &["cmd", "cli", "config", "pipeline", "explore"]),
    ("explore", &["cmd", "cli", "config", "pipeline", "report"]),
    ("pipeline", &["cmd", "cli", "config", "report", "explore"]),
    (
        "analysis",
        &["cmd", "cli", "config", "report", "pipeline", "explore"],
    ),
    (
        "fs",
        &[
            "cmd", "cli", "config", "report", "explore", "pipeline", "analysis",
        ],
    ),
    (
        "layer",
        &[
            "cmd", "cli", "config", "report", "explore", "pipeline", "analysis",
        ],
    ),
    (
        "source",
        &[
            "cmd", "cli", "config", "report", "explore", "pipeline", "analysis",
        ],
    ),
    (
        "tar",
        &[
            "cmd", "cli", "config", "report", "explore", "pipeline", "analysis", "fs", "layer",
            "source",
        ],
    ),
    (
        "progress.rs",
        &[
            "cmd", "cli", "config", "report", "explore", "pipeline", "analysis", "fs", "layer",
            "source",
        ],
    ),
];

fn rust_files(p: &Path, out: &mut Vec<std::path::PathBuf>) {
    if p.is_file() {
        out.push(p.to_path_buf());
        return;
    }
    for e in std::fs::read_dir(p).unwrap() {
        let e = e.unwrap().path();
        if e.is_dir() {
            rust_files(&e, out);
        } else if e.extension().is_some_and(|x| x == "rs") {
            out.push(e);
        }
    }
}

#[test]
fn imports_run_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for (floor, above) in FLOORS {
        let mut files = Vec::new();
        rust_files(&src.join(floor), &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for m in *above {
                    let named = [
                        format!("crate::{m}::"),
                        format!("crate::{m};"),
                        format!("crate::{m}}}"),
                        format!("crate::{{{m}"),
                    ];
                    if named.iter().any(|p| code.contains(p.as_str())) {
                        wrong.push(format!(
                            "{}:{}: {floor} names {m}: {}",
                            f.display(),
                            n + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that run upwards:\n{}",
        wrong.join("\n")
    );
}
