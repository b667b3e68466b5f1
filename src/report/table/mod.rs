//! The human renderer: tables for `inspect` and `diff`, PASS/FAIL lines for
//! `check`, and the manifest-only view.

use super::check::CheckReport;
use super::diff::DiffReport;
use super::inspect::InspectReport;
use super::manifest::ManifestReport;
use super::manifest::NEEDS_LAYERS;
use super::Renderer;

mod diff;
mod inspect;
mod overlap;
use super::{right_align, table};
use crate::analysis::budget::Status;
use crate::size::human;
use crate::text::one_line;

/// `--format table` (`text` for `check`).
pub(crate) struct Table;

impl Renderer for Table {
    fn inspect(&self, r: &InspectReport) -> Option<String> {
        Some(r.table())
    }

    fn diff(&self, r: &DiffReport) -> Option<String> {
        Some(r.table())
    }

    fn check(&self, r: &CheckReport) -> Option<String> {
        Some(r.text())
    }

    fn manifest(&self, r: &ManifestReport) -> Option<String> {
        Some(r.table())
    }

    fn overlap(&self, r: &super::overlap::OverlapReport) -> Option<String> {
        Some(r.table())
    }

    fn packages(&self, r: &super::packages::PackagesReport) -> Option<String> {
        Some(r.table())
    }
}

impl super::packages::PackagesReport {
    /// The packages, then what no package claims by folder.
    fn table(&self) -> String {
        let total: u64 = self.packages.iter().map(|p| p.bytes).sum();
        let n = self.packages.len();
        let mut out = format!(
            "{n} package{}, {} (sizes in SI units, 1 MB = 1,000,000 bytes)\n",
            if n == 1 { "" } else { "s" },
            human(total)
        );
        if self.packages.is_empty() {
            out.push_str(
                "No package records found. imgsize reads the records of dpkg, apk, conda, \
                 Python, npm, Ruby gems,\nComposer and NuGet, Java archives by name and Go \
                 programs' build information\n(docs/packages.md).\n",
            );
        } else {
            out.push_str(&packages_table(
                &self.packages,
                self.packages.len(),
                &self.instructions,
            ));
        }
        if !self.one_ecosystem && !self.unowned.is_empty() {
            out.push_str("\nNot in any package, by folder\n");
            out.push_str(&unowned_table(&self.unowned, 10));
        }
        out
    }
}

/// What no package claims, by folder: the `top` largest.
pub(crate) fn unowned_table(unowned: &[crate::analysis::packages::Unowned], top: usize) -> String {
    let pull = unowned.iter().any(|u| u.compressed_bytes.is_some());
    let mut t = table(if pull {
        &["Folder", "Size", "Pull"]
    } else {
        &["Folder", "Size"]
    });
    for u in unowned.iter().take(top) {
        let mut row = vec![u.path.clone(), human(u.bytes)];
        if let Some(c) = u.compressed_bytes {
            row.push(human(c));
        }
        t.add_row(crate::report::row(row));
    }
    right_align(&mut t, if pull { &[1, 2] } else { &[1] });
    format!("{t}\n")
}

impl CheckReport {
    fn text(&self) -> String {
        let mut out = format!("imgsize check {}\n", self.name());
        for r in &self.rules {
            let tag = match r.status {
                Status::Pass => "PASS",
                Status::Fail => "FAIL",
            };
            out.push_str(&format!(
                "  {tag}  {}: {} (limit {})\n",
                r.rule, r.actual, r.limit
            ));
            for d in &r.details {
                out.push_str(&format!("          {d}\n"));
            }
        }
        out.push_str(&format!(
            "Result: {}, {} passed, {} failed\n",
            if self.failed > 0 { "FAIL" } else { "PASS" },
            self.passed,
            self.failed
        ));
        out
    }
}

impl ManifestReport {
    fn table(&self) -> String {
        let img = &self.image;
        let name = super::image_name(img.reference.as_deref(), &self.input);
        let mut out = format!(
            "Image     {name}  ({}, {}){}\n",
            img.input_kind,
            img.platform.as_deref().unwrap_or("platform unknown"),
            img.source.suffix()
        );
        out.push_str(&format!(
            "Pull size {} in {} layers (blobs as stored)\n",
            img.compressed_bytes.map_or(NEEDS_LAYERS.to_string(), human),
            img.layer_count
        ));
        out.push_str(&format!(
            "Size      {NEEDS_LAYERS}: --manifest-only read the manifest and config, no layer\n"
        ));
        out.push_str("Sizes in SI units (1 MB = 1,000,000 bytes).\n\nLayers\n");
        let mut t = table(&["#", "Pull size", "Size", "Instruction"]);
        for l in &self.layers {
            t.add_row(crate::report::row(vec![
                l.index.to_string(),
                l.compressed_bytes.map_or("-".to_string(), human),
                NEEDS_LAYERS.to_string(),
                crate::text::one_line(&l.instruction, 64),
            ]));
        }
        right_align(&mut t, &[0, 1]);
        out.push_str(&t.to_string());
        out.push('\n');
        out
    }
}

/// Duplicate contents as a table: size of one copy, copies, saving, paths.
fn duplicates_table(groups: &[crate::analysis::duplicates::Duplicate], top: usize) -> String {
    let mut t = table(&["Size", "Copies", "Saves", "Paths"]);
    for g in groups.iter().take(top) {
        let mut paths = g
            .paths
            .iter()
            .take(2)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        if g.paths.len() > 2 {
            paths.push_str(&format!("\nand {} more", g.paths.len() - 2));
        }
        t.add_row(crate::report::row(vec![
            human(g.size),
            g.paths.len().to_string(),
            human(g.bytes),
            paths,
        ]));
    }
    right_align(&mut t, &[0, 1, 2]);
    format!("{t}\n")
}

/// Packages as a table: ecosystem, name@version, size, files, dev/prod, layer.
pub(crate) fn packages_table(
    packages: &[crate::analysis::packages::Package],
    top: usize,
    instructions: &[String],
) -> String {
    // The pull cost of each package, where the layers are compressed.
    let pull = packages.iter().any(|p| p.compressed_bytes.is_some());
    let mut t = table(if pull {
        &[
            "Ecosystem",
            "Package",
            "Size",
            "Pull",
            "Files",
            "Dev",
            "Layer",
        ]
    } else {
        &["Ecosystem", "Package", "Size", "Files", "Dev", "Layer"]
    });
    for p in packages.iter().take(top) {
        let name = match &p.version {
            Some(v) => format!("{}@{v}", p.name),
            None => format!("{} (unknown version)", p.name),
        };
        let name = match &p.duplicate_of {
            Some(d) => format!("{name}, again (first at {d})"),
            None => name,
        };
        let name = match p.other_versions.as_slice() {
            [] => name,
            [a] => format!("{name} (also {a})"),
            [a, b] => format!("{name} (also {a}, {b})"),
            [a, b, rest @ ..] => format!("{name} (also {a}, {b} and {} more)", rest.len()),
        };
        let name = match p.modules.len() {
            0 => name,
            1 => format!("{name}, 1 module"),
            k => format!("{name}, {k} modules"),
        };
        let instr = instructions
            .get(p.layer)
            .map(|i| one_line(i, 36))
            .unwrap_or_default();
        let mut row = vec![
            p.ecosystem.to_string(),
            name,
            human(p.bytes),
            p.files.to_string(),
            match p.dev {
                Some(true) => "dev".into(),
                Some(false) => "prod".into(),
                None => "-".into(),
            },
            format!("#{} {instr}", p.layer),
        ];
        if pull {
            row.insert(3, p.compressed_bytes.map_or_else(|| "-".into(), human));
        }
        t.add_row(crate::report::row(row));
    }
    right_align(&mut t, if pull { &[2, 3, 4] } else { &[2, 3] });
    format!("{t}\n")
}
