//! The examples in README.md and docs/*.md are tests, so they cannot go stale.
//!
//! - A ```` ```console ```` block is run: its `$ ` lines, from the repository's
//!   root, in one shell (so `echo $?` sees the command before), with the built
//!   `imgsize` first on PATH; what they print must be the block's other lines. In
//!   the expected lines, `[..]` stands for any text within a line and a line
//!   `...` for any number of lines. `IMGSIZE_DOCS=overwrite` writes what they
//!   printed into the blocks instead (then review the diff).
//! - In a ```` ```sh ```` block, each command that starts with `imgsize` (examples
//!   that need an engine, a registry or an image built elsewhere) is parsed with
//!   imgsize's own command line definition: a renamed or removed flag fails here.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser as _;

/// A fenced block: its kind (`console`, `sh`...), its body, and where it is.
struct Block {
    kind: String,
    body: String,
    /// Byte range of the body in the file.
    range: std::ops::Range<usize>,
    line: usize,
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut open: Option<(String, usize, usize)> = None;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let t = line.trim_end();
        match (&open, t.strip_prefix("```")) {
            (None, Some(kind)) => open = Some((kind.trim().to_string(), pos + line.len(), n + 1)),
            (Some((kind, start, at)), Some("")) => {
                out.push(Block {
                    kind: kind.clone(),
                    body: text[*start..pos].to_string(),
                    range: *start..pos,
                    line: *at,
                });
                open = None;
            }
            _ => {}
        }
        pos += line.len();
    }
    out
}

fn doc_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// `expected` (with `[..]` and `...`) matches `actual`, line by line.
fn matches(expected: &[&str], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((&"...", rest)) => (0..=actual.len()).any(|k| matches(rest, &actual[k..])),
        Some((e, rest)) => {
            actual.first().is_some_and(|a| line_matches(e, a)) && matches(rest, &actual[1..])
        }
    }
}

fn line_matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split("[..]").collect();
    if parts.len() == 1 {
        return expected == actual;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !actual.starts_with(first) || !actual[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

/// Runs a console block's commands; returns what they printed (stdout and stderr,
/// as a terminal would show them).
fn run_block(body: &str) -> String {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_imgsize")).parent().unwrap();
    let script: String = body
        .lines()
        .filter_map(|l| l.strip_prefix("$ "))
        .map(|c| format!("{c}\n"))
        .collect();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("exec 2>&1\n{script}"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PATH", path)
        .env("COLUMNS", "120")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("DOCKER_HOST")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn console_examples_print_what_they_show() {
    let overwrite = std::env::var("IMGSIZE_DOCS").is_ok_and(|v| v == "overwrite");
    let mut failures = Vec::new();
    let mut ran = 0;
    for file in doc_files() {
        let mut text = std::fs::read_to_string(&file).unwrap();
        let mut edits = Vec::new();
        for b in blocks(&text).into_iter().filter(|b| b.kind == "console") {
            ran += 1;
            let actual = run_block(&b.body);
            let expected: Vec<&str> = b.body.lines().filter(|l| !l.starts_with("$ ")).collect();
            let got: Vec<&str> = actual.lines().collect();
            if matches(&expected, &got) {
                continue;
            }
            if overwrite {
                let commands: String = b
                    .body
                    .lines()
                    .filter(|l| l.starts_with("$ "))
                    .map(|l| format!("{l}\n"))
                    .collect();
                edits.push((b.range.clone(), format!("{commands}{actual}")));
            } else {
                failures.push(format!(
                    "{}:{}: expected\n{}\ngot\n{}",
                    file.display(),
                    b.line,
                    expected.join("\n"),
                    actual
                ));
            }
        }
        for (range, new) in edits.into_iter().rev() {
            text.replace_range(range, &new);
        }
        if overwrite {
            std::fs::write(&file, text).unwrap();
        }
    }
    assert!(ran >= 8, "only {ran} console examples found");
    assert!(
        failures.is_empty(),
        "{} examples print something else (IMGSIZE_DOCS=overwrite rewrites them):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The words of a shell command line, for the examples' simple quoting.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true
            }
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() || any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if !cur.is_empty() || any {
        out.push(cur);
    }
    out
}

#[test]
fn shell_examples_use_flags_imgsize_has() {
    let mut failures = Vec::new();
    let mut parsed = 0;
    for file in doc_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for b in blocks(&text).into_iter().filter(|b| b.kind == "sh") {
            // Continuation lines joined; comments and what follows a pipe or a
            // redirection dropped.
            let joined = b.body.replace("\\\n", " ");
            for line in joined.lines() {
                let line = line.trim().trim_start_matches("$ ");
                let line = line.split(" #").next().unwrap_or("");
                let line = line.split(['|', '>', '<', ';']).next().unwrap_or("").trim();
                if !line.starts_with("imgsize ") {
                    continue;
                }
                parsed += 1;
                if let Err(e) = imgsize::cli::Cli::try_parse_from(words(line)) {
                    failures.push(format!(
                        "{}:{}: {line}: {}",
                        file.display(),
                        b.line,
                        e.kind()
                    ));
                }
            }
        }
    }
    assert!(parsed >= 5, "only {parsed} shell examples found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_matcher_takes_wildcards() {
    assert!(matches(&["a[..]c", "..."], &["abbbc", "x", "y"]));
    assert!(matches(&["...", "end"], &["x", "end"]));
    assert!(!matches(&["a[..]c"], &["abd"]));
    assert!(!matches(&["a"], &["a", "b"]));
}
