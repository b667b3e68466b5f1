//! Entry points for the fuzz targets (`fuzz/`): each runs one parser of untrusted
//! bytes, or every renderer, through the same code the commands use, and checks
//! what must hold whatever the input. Not part of imgsize's interface; the fuzz
//! targets call these so that they keep compiling as the code inside moves.

use crate::analysis::Analysis;
use crate::report::inspect::{ImageFigures, InspectReport, ViewOptions};
use crate::report::Format;

/// Every report of `a` (inspect, a diff against itself, a check that forbids
/// every path) in every format that takes it, plus the lists `files` and
/// `packages` write. Panics where an output is not inert: an HTML page whose
/// script a name could reach, GitHub workflow commands beyond one per failed rule.
pub fn render_all(a: &Analysis) -> Vec<String> {
    let mut out = Vec::new();
    let view = ViewOptions { depth: 3, top: 10 };
    let inspect = InspectReport::build(a, &a.waste, view).with_treemap(a);
    for f in [Format::Table, Format::Json, Format::Html] {
        out.extend(f.renderer().inspect(&inspect));
    }
    if let Some(page) = Format::Html.renderer().inspect(&inspect) {
        // The page's own two scripts, and no third from a name.
        assert_eq!(page.matches("<script").count(), 2, "a name opened a script");
    }
    let diff = crate::analysis::diff::compare(a, &a.waste, a, &a.waste, 3, 10);
    let instructions = crate::report::diff::Instructions {
        a: a.layers.iter().map(|l| l.instruction.clone()).collect(),
        b: a.layers.iter().map(|l| l.instruction.clone()).collect(),
    };
    let figures = || ImageFigures::of(a, &a.waste);
    let diff = crate::report::diff::DiffReport::build(
        "a",
        "b",
        figures(),
        figures(),
        diff,
        3,
        instructions,
        None,
    );
    for f in [Format::Table, Format::Json, Format::Markdown, Format::Html] {
        out.extend(f.renderer().diff(&diff));
    }
    let budget = crate::analysis::budget::Budget {
        forbid: vec!["/**".into()],
        forbid_packages: vec!["*".into()],
        ..Default::default()
    };
    if let Ok(rules) = crate::analysis::budget::check(&budget, a, &a.waste, None) {
        let check = crate::report::check::CheckReport::build("a", figures(), rules);
        for f in [Format::Table, Format::Json, Format::Markdown, Format::Junit] {
            out.extend(f.renderer().check(&check));
        }
        let commands = check.github_annotations();
        assert_eq!(
            commands.lines().count(),
            check.failed,
            "one workflow command per failed rule: {commands}"
        );
    }
    let mut list = Vec::new();
    let files = crate::report::files::FilesReport::final_of(a);
    let _ = Format::Tsv.renderer().files(&files, &mut list);
    for line in String::from_utf8_lossy(&list).lines() {
        assert_eq!(
            line.split('\t').count(),
            4,
            "a TSV row of four fields: {line:?}"
        );
    }
    out.push(String::from_utf8_lossy(&list).into_owned());
    out
}

/// A registry's `WWW-Authenticate` header, as imgsize reads it.
pub fn challenge(header: &str) {
    let _ = crate::source::registry::auth::Challenge::parse(header);
}

/// A manifest or index body as a registry would send it, read as the registry
/// source reads it.
pub fn registry_manifest(body: &[u8]) {
    let _ = crate::source::registry::manifest_media(body, None, "fuzz");
    let _ = crate::source::registry::listed_manifests(body);
}

/// A tar-split's lines (as an engine keeps them, before gzip), read as the storage
/// route reads a layer: each line by the fast path and by serde_json, which must
/// agree wherever the fast path reads one; then the whole sized, and scanned by
/// header (skipping files' bytes) and whole (`--verify`), with a layer folder that
/// holds nothing. Where both scans read it, they find the same entries.
pub fn tar_split(lines: &[u8]) {
    use crate::source::storage::line;
    use crate::source::storage::tarsplit::{tar_size_of, TarSplit};
    for l in lines.split(|&b| b == b'\n') {
        if let Some(fast) = line::fast(l) {
            assert_eq!(
                Ok(fast),
                line::by_serde(l),
                "{:?}",
                String::from_utf8_lossy(l)
            );
        }
    }
    let Ok(len) = tar_size_of(lines) else {
        return;
    };
    let dir = std::path::Path::new("/nonexistent/imgsize-fuzz");
    let scan = |verify: bool| {
        let opts = crate::layer::ScanOptions {
            verify,
            ..crate::scan_options(&crate::LoadOptions::default())
        };
        let src = TarSplit::from_lines(lines, dir, "fuzz".into());
        crate::layer::scan_tar(src, Some(len), &opts, &|_| {})
    };
    if let (Ok(walked), Ok(read)) = (scan(false), scan(true)) {
        assert_eq!(walked.files.len(), read.files.len());
        assert_eq!(walked.tar_bytes, read.tar_bytes);
    }
}

/// A source that fails the read if asked for bytes before ones it gave: a stream
/// cannot go back.
struct Stream<'a> {
    file: &'a [u8],
    next: u64,
}

impl crate::layer::binary::Forward for Stream<'_> {
    fn read_at(&mut self, at: u64, len: usize) -> Result<Vec<u8>, crate::tar::TarError> {
        assert!(at >= self.next, "read back from {} to {at}", self.next);
        let mut whole = self.file;
        let got = whole.read_at(at, len)?;
        self.next = at + got.len() as u64;
        Ok(got)
    }
}

/// A program as `layer::binary` reads it while scanning (front to back), then
/// its record as the package view reads it: a record or nothing, never a panic,
/// and never more of the record than its bound (Go's: the file).
pub fn program(file: &[u8]) {
    use crate::layer::CapturedKind;
    let mut src = Stream { file, next: 0 };
    match crate::layer::binary::program_info(&mut src, file.len() as u64) {
        Ok(Some((record, CapturedKind::CargoAuditable))) => {
            assert!(record.len() <= 1 << 20, "a record past its bound");
            let _ = crate::analysis::packages::rust::program(&record);
        }
        Ok(Some((record, _))) => {
            assert!(
                record.len() <= file.len() + 1,
                "a record larger than its file"
            );
            let _ = crate::analysis::packages::go::parse(&record);
        }
        _ => {}
    }
}

/// A Java archive as `layer::jar` reads it while scanning (through a source that
/// fails the read if asked for bytes before ones it gave: a stream cannot go
/// back), then its record as the package view reads it.
pub fn jar(file: &[u8]) {
    let mut src = Stream { file, next: 0 };
    if let Ok(Some(record)) = crate::layer::jar::java_archive(&mut src) {
        assert!(record.len() <= 1 << 20, "a record past its bound");
        let _ = crate::analysis::packages::java::parse(&record, "fuzz-1.0.jar");
    }
}
