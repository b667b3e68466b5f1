//! The human renderer: tables for `inspect` and `diff`, PASS/FAIL lines for
//! `check`, and the manifest-only view.

use super::check::CheckReport;
use super::diff::DiffReport;
use super::inspect::InspectReport;
use super::manifest::ManifestReport;
use super::manifest::NEEDS_LAYERS;
use super::Renderer;

mod overlap;
use super::{percent, right_align, table};
use crate::analysis::budget::Status;
use crate::size::{human, human_delta};
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
        let mut out = format!(
            "{} packages, {} (sizes in SI units, 1 MB = 1,000,000 bytes)\n",
            self.packages.len(),
            human(total)
        );
        if self.packages.is_empty() {
            out.push_str(
                "No package records found. imgsize reads dpkg's status and .list files, \
                 apk's installed\ndatabase, Python's dist-info RECORD files and each \
                 package.json under a node_modules.\n",
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

impl InspectReport {
    /// The human report.
    fn table(&self) -> String {
        let mut out = String::new();
        let img = &self.image;
        let name = img.reference.clone().unwrap_or_else(|| self.input.clone());
        out.push_str(&format!(
            "Image     {name}  ({}, {}){}\n",
            img.input_kind,
            img.platform.as_deref().unwrap_or("platform unknown"),
            img.source.suffix()
        ));
        let hidden_share = if img.layer_bytes > 0 {
            img.hidden_bytes as f64 / img.layer_bytes as f64
        } else {
            0.0
        };
        out.push_str(&format!(
            "Size      {} in {} layers (as `docker images` shows it), {} visible, {} hidden ({})\n",
            human(img.layer_bytes),
            img.layer_count,
            human(img.final_bytes),
            human(img.hidden_bytes),
            percent(hidden_share)
        ));
        out.push_str(&format!(
            "Waste     {} flagged ({} of the image), see Findings\n",
            human(img.flagged_bytes),
            percent(if img.layer_bytes > 0 {
                img.flagged_bytes as f64 / img.layer_bytes as f64
            } else {
                0.0
            })
        ));
        match img.compressed_bytes {
            Some(c) => out.push_str(&format!("Pull size {} compressed\n", human(c))),
            None => out.push_str("Pull size unknown (layers stored uncompressed)\n"),
        }
        out.push_str(&format!(
            "dive      efficiency {}, wasted {}, user wasted {}\n",
            percent(self.dive.efficiency),
            human(self.dive.wasted_bytes),
            self.dive
                .user_wasted_percent
                .map(percent)
                .unwrap_or_else(|| "n/a".into())
        ));
        out.push_str("Sizes in SI units (1 MB = 1,000,000 bytes).\n\n");

        out.push_str("Layers\n");
        let mut t = table(&[
            "#",
            "Size",
            "Compressed",
            "Files",
            "Hidden later",
            "Instruction",
        ]);
        for l in &self.layers {
            t.add_row(crate::report::row(vec![
                l.index.to_string(),
                human(l.bytes),
                l.compressed_bytes.map(human).unwrap_or_else(|| "-".into()),
                l.files.to_string(),
                if l.hidden_bytes > 0 {
                    human(l.hidden_bytes)
                } else {
                    "-".into()
                },
                one_line(&l.instruction, 62),
            ]));
        }
        right_align(&mut t, &[0, 1, 2, 3, 4]);
        out.push_str(&format!("{t}\n\n"));

        out.push_str(&format!(
            "Largest paths (folders at depth {})\n",
            self.paths_depth
        ));
        // The pull cost of each path, where the layers are compressed.
        let pull = self.paths.iter().any(|p| p.compressed_bytes.is_some());
        let with_pull = |mut row: Vec<String>, c: Option<u64>| {
            if pull {
                row.insert(2, c.map_or_else(|| "-".into(), human));
            }
            row
        };
        let mut t = table(if pull {
            &["Path", "Size", "Pull", "Files", "Share"]
        } else {
            &["Path", "Size", "Files", "Share"]
        });
        let total = img.final_bytes.max(1) as f64;
        for p in &self.paths {
            t.add_row(crate::report::row(with_pull(
                vec![
                    p.path.clone(),
                    human(p.bytes),
                    p.files.to_string(),
                    percent(p.bytes as f64 / total),
                ],
                p.compressed_bytes,
            )));
        }
        if self.paths_remainder.count > 0 {
            t.add_row(crate::report::row(with_pull(
                vec![
                    format!(
                        "… and {} smaller path{} (use --top N to show more)",
                        self.paths_remainder.count,
                        if self.paths_remainder.count == 1 {
                            ""
                        } else {
                            "s"
                        }
                    ),
                    human(self.paths_remainder.bytes),
                    self.paths_remainder.files.to_string(),
                    percent(self.paths_remainder.bytes as f64 / total),
                ],
                self.paths_remainder.compressed_bytes,
            )));
        }
        right_align(&mut t, if pull { &[1, 2, 3, 4] } else { &[1, 2, 3] });
        out.push_str(&format!("{t}\n\n"));

        out.push_str("Largest files\n");
        let mut t = table(if pull {
            &["Path", "Size", "Pull"]
        } else {
            &["Path", "Size"]
        });
        for p in &self.largest_files {
            let mut row = vec![p.path.clone(), human(p.bytes)];
            if pull {
                row.push(p.compressed_bytes.map_or_else(|| "-".into(), human));
            }
            t.add_row(crate::report::row(row));
        }
        right_align(&mut t, &[1, 2]);
        out.push_str(&format!("{t}\n"));

        if !self.packages.is_empty() {
            out.push_str(&format!(
                "\nLargest packages ({} in all; imgsize packages lists every one)\n",
                self.packages.len()
            ));
            let instructions: Vec<String> =
                self.layers.iter().map(|l| l.instruction.clone()).collect();
            out.push_str(&packages_table(
                &self.packages,
                self.largest_files.len().max(1),
                &instructions,
            ));
        }

        if let Some(groups) = self.duplicates.as_ref().filter(|g| !g.is_empty()) {
            let copies = groups.iter().map(|g| g.paths.len() - 1).sum::<usize>();
            out.push_str(&format!(
                "\nDuplicate content: {copies} redundant {}; keeping one of each saves {}\n",
                if copies == 1 { "copy" } else { "copies" },
                human(self.image.duplicate_bytes.unwrap_or(0)),
            ));
            out.push_str(&duplicates_table(groups, self.largest_files.len().max(1)));
        }

        if !self.hidden.is_empty() {
            out.push_str("\nHidden bytes: shipped in the image, invisible in the container\n");
            let mut t = table(&["Added by", "Hidden by", "Size", "Files", "Largest"]);
            for h in &self.hidden {
                let instr = |i: usize| {
                    let text = self
                        .layers
                        .get(i)
                        .map(|l| l.instruction.as_str())
                        .unwrap_or("unknown");
                    format!("#{i} {}", one_line(text, 30))
                };
                t.add_row(crate::report::row(vec![
                    instr(h.added_by),
                    instr(h.hidden_by),
                    human(h.bytes),
                    h.files.to_string(),
                    h.examples
                        .first()
                        .map(|e| e.path.clone())
                        .unwrap_or_default(),
                ]));
            }
            right_align(&mut t, &[2, 3]);
            out.push_str(&format!("{t}\n"));
        }
        if !self.findings.is_empty() {
            out.push_str("\nFindings: likely waste, where it came from, and the fix\n");
            let pull = self.findings.iter().any(|f| f.compressed_bytes.is_some());
            let mut t = table(if pull {
                &["Category", "Size", "Pull", "Files", "Added by", "Fix"]
            } else {
                &["Category", "Size", "Files", "Added by", "Fix"]
            });
            for f in &self.findings {
                let added = match f.layers.first() {
                    Some(_)
                        if f.category == "layer-churn" || f.category == "reshipped-unchanged" =>
                    {
                        f.summary.clone()
                    }
                    Some(l) => format!("#{} {}", l.index, one_line(&f.instruction, 36)),
                    None => String::new(),
                };
                let mut row = vec![
                    f.category.clone(),
                    human(f.bytes),
                    f.files.to_string(),
                    added,
                    f.fix.clone(),
                ];
                if pull {
                    row.insert(2, f.compressed_bytes.map_or_else(|| "-".into(), human));
                }
                t.add_row(crate::report::row(row));
            }
            right_align(&mut t, if pull { &[1, 2, 3] } else { &[1, 2] });
            out.push_str(&format!("{t}\n"));
        }
        if !self.hints.is_empty() {
            out.push_str("\nHints\n");
            for h in &self.hints {
                let mut lines = h.message.lines();
                out.push_str(&format!("- {}\n", lines.next().unwrap_or_default()));
                for l in lines {
                    out.push_str(&format!("      {l}\n"));
                }
            }
        }
        out
    }
}

impl DiffReport {
    fn table(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "A  {}  ({})\n",
            Self::name(&self.a, &self.a_input),
            self.a_input
        ));
        out.push_str(&format!(
            "B  {}  ({})\n",
            Self::name(&self.b, &self.b_input),
            self.b_input
        ));
        out.push_str("Sizes in SI units (1 MB = 1,000,000 bytes); delta is B - A.\n\n");
        let mut t = table(&["", "A", "B", "Delta", "%"]);
        for r in self.summary_rows() {
            t.add_row(crate::report::row(r.to_vec()));
        }
        right_align(&mut t, &[1, 2, 3, 4]);
        out.push_str(&format!("{t}\n"));

        if !self.categories.is_empty() {
            out.push_str("\nWaste by category\n");
            let mut t = table(&["Category", "A", "B", "Delta"]);
            for c in &self.categories {
                t.add_row(crate::report::row(vec![
                    c.category.clone(),
                    human(c.a_bytes),
                    human(c.b_bytes),
                    human_delta(c.delta_bytes),
                ]));
            }
            right_align(&mut t, &[1, 2, 3]);
            out.push_str(&format!("{t}\n"));
        }
        if !self.folders.is_empty() {
            out.push_str(&format!(
                "\nFolders that changed most (depth {})\n",
                self.folders_depth
            ));
            let mut t = table(&["Path", "A", "B", "Delta"]);
            for p in &self.folders {
                t.add_row(crate::report::row(vec![
                    p.path.clone(),
                    human(p.a_bytes),
                    human(p.b_bytes),
                    human_delta(p.delta_bytes),
                ]));
            }
            right_align(&mut t, &[1, 2, 3]);
            out.push_str(&format!("{t}\n"));
        }
        if !self.paths.is_empty() {
            out.push_str("\nLargest added, removed, grown and shrunk files\n");
            let mut t = table(&["Change", "Path", "A", "B", "Delta"]);
            for p in &self.paths {
                t.add_row(crate::report::row(vec![
                    format!("{:?}", p.change).to_lowercase(),
                    p.path.clone(),
                    human(p.a_bytes),
                    human(p.b_bytes),
                    human_delta(p.delta_bytes),
                ]));
            }
            right_align(&mut t, &[2, 3, 4]);
            out.push_str(&format!("{t}\n"));
        }
        if !self.packages.is_empty() {
            out.push_str("\nPackages added, removed, at another version and resized\n");
            let mut t = table(&["Change", "Package", "A", "B", "Delta"]);
            for p in &self.packages {
                t.add_row(crate::report::row(vec![
                    p.change.name().to_string(),
                    Self::package_label(p),
                    Self::package_side(&p.a_version, p.a_bytes),
                    Self::package_side(&p.b_version, p.b_bytes),
                    human_delta(p.delta_bytes),
                ]));
            }
            right_align(&mut t, &[2, 3, 4]);
            out.push_str(&format!("{t}\n"));
        }
        out.push_str("\nLayers\n");
        let mut t = table(&["", "A #", "B #", "Size", "Instruction"]);
        for s in &self.layers.shared {
            t.add_row(crate::report::row(vec![
                "shared".into(),
                s.a_index.to_string(),
                s.b_index.to_string(),
                human(s.bytes),
                one_line(&s.instruction, 60),
            ]));
        }
        for l in &self.layers.only_a {
            t.add_row(crate::report::row(vec![
                "only A".into(),
                l.index.to_string(),
                "-".into(),
                human(l.bytes),
                one_line(&l.instruction, 60),
            ]));
        }
        for l in &self.layers.only_b {
            t.add_row(crate::report::row(vec![
                "only B".into(),
                "-".into(),
                l.index.to_string(),
                human(l.bytes),
                one_line(&l.instruction, 60),
            ]));
        }
        right_align(&mut t, &[1, 2, 3]);
        out.push_str(&format!("{t}\n"));
        if let Some(v) = self.verdict() {
            out.push_str(&format!("\n{v}\n"));
        }
        out
    }
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
        let name = img.reference.clone().unwrap_or_else(|| self.input.clone());
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
