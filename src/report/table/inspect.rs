//! `inspect` as tables: the summary lines, then a section per question (layers,
//! paths, files, packages, duplicates, hidden bytes, findings, hints).

use super::{duplicates_table, packages_table, right_align, table};
use crate::report::inspect::InspectReport;
use crate::report::{percent, row};
use crate::size::human;
use crate::text::one_line;

/// `podman images` counts the layers' tars (headers and padding too) and the
/// image's metadata, so it shows a little more: said when the image came from
/// Podman's service.
fn podman_note(source: &crate::report::inspect::SourceReport) -> &'static str {
    let podman = source
        .location
        .as_deref()
        .is_some_and(|l| l.contains("podman"));
    if source.transport == "engine" && podman {
        "; `podman images` also counts tar headers and metadata"
    } else {
        ""
    }
}

impl InspectReport {
    /// The human report.
    pub(super) fn table(&self) -> String {
        let sections = [
            self.summary(),
            self.layers_section(),
            self.paths_section(),
            self.files_section(),
            self.packages_section(),
            self.duplicates_section(),
            self.hidden_section(),
            self.findings_section(),
            self.hints_section(),
        ];
        sections.concat()
    }

    /// Share of the image size, as a percentage.
    fn share(&self, bytes: u64) -> String {
        let img = &self.image;
        percent(if img.layer_bytes > 0 {
            bytes as f64 / img.layer_bytes as f64
        } else {
            0.0
        })
    }

    fn summary(&self) -> String {
        let img = &self.image;
        let name = crate::report::image_name(img.reference.as_deref(), &self.input);
        let pull = match img.compressed_bytes {
            Some(c) => format!("Pull size {} compressed\n", human(c)),
            None => "Pull size unknown (layers stored uncompressed)\n".to_string(),
        };
        format!(
            "Image     {name}  ({}, {}){}\n\
             Size      {} in {} layers (files' bytes, as `docker images` shows it{}), {} visible, {} hidden ({})\n\
             Waste     {} flagged ({} of the image), see Findings\n\
             {pull}\
             dive      efficiency {}, wasted {}, user wasted {}\n\
             Sizes in SI units (1 MB = 1,000,000 bytes).\n\n",
            img.input_kind,
            img.platform.as_deref().unwrap_or("platform unknown"),
            img.source.suffix(),
            human(img.layer_bytes),
            img.layer_count,
            podman_note(&img.source),
            human(img.final_bytes),
            human(img.hidden_bytes),
            self.share(img.hidden_bytes),
            human(img.flagged_bytes),
            self.share(img.flagged_bytes),
            percent(self.dive.efficiency),
            human(self.dive.wasted_bytes),
            self.dive
                .user_wasted_percent
                .map(percent)
                .unwrap_or_else(|| "n/a".into())
        )
    }

    fn layers_section(&self) -> String {
        let mut t = table(&[
            "#",
            "Size",
            "Compressed",
            "Files",
            "Hidden later",
            "Instruction",
        ]);
        for l in &self.layers {
            t.add_row(row(vec![
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
        format!("Layers\n{t}\n\n")
    }

    /// Whether the paths have pull costs (every layer compressed).
    fn pulled(&self) -> bool {
        self.paths.iter().any(|p| p.compressed_bytes.is_some())
    }

    fn paths_section(&self) -> String {
        let pull = self.pulled();
        let with_pull = |mut cells: Vec<String>, c: Option<u64>| {
            if pull {
                cells.insert(2, c.map_or_else(|| "-".into(), human));
            }
            row(cells)
        };
        let mut t = table(if pull {
            &["Path", "Size", "Pull", "Files", "Share"]
        } else {
            &["Path", "Size", "Files", "Share"]
        });
        let total = self.image.final_bytes.max(1) as f64;
        for p in &self.paths {
            t.add_row(with_pull(
                vec![
                    p.path.clone(),
                    human(p.bytes),
                    p.files.to_string(),
                    percent(p.bytes as f64 / total),
                ],
                p.compressed_bytes,
            ));
        }
        let rest = &self.paths_remainder;
        if rest.count > 0 {
            let s = if rest.count == 1 { "" } else { "s" };
            t.add_row(with_pull(
                vec![
                    format!(
                        "… and {} smaller path{s} (use --top N to show more)",
                        rest.count
                    ),
                    human(rest.bytes),
                    rest.files.to_string(),
                    percent(rest.bytes as f64 / total),
                ],
                rest.compressed_bytes,
            ));
        }
        right_align(&mut t, if pull { &[1, 2, 3, 4] } else { &[1, 2, 3] });
        format!(
            "Largest paths (folders at depth {})\n{t}\n\n",
            self.paths_depth
        )
    }

    fn files_section(&self) -> String {
        let pull = self.pulled();
        let mut t = table(if pull {
            &["Path", "Size", "Pull"]
        } else {
            &["Path", "Size"]
        });
        for p in &self.largest_files {
            let mut cells = vec![p.path.clone(), human(p.bytes)];
            if pull {
                cells.push(p.compressed_bytes.map_or_else(|| "-".into(), human));
            }
            t.add_row(row(cells));
        }
        right_align(&mut t, &[1, 2]);
        format!("Largest files\n{t}\n")
    }

    fn packages_section(&self) -> String {
        if self.packages.is_empty() {
            return String::new();
        }
        let instructions: Vec<String> = self.layers.iter().map(|l| l.instruction.clone()).collect();
        format!(
            "\nLargest packages ({} in all; imgsize packages lists every one)\n{}",
            self.packages.len(),
            packages_table(
                &self.packages,
                self.largest_files.len().max(1),
                &instructions
            )
        )
    }

    fn duplicates_section(&self) -> String {
        let Some(groups) = self.duplicates.as_ref().filter(|g| !g.is_empty()) else {
            return String::new();
        };
        let copies = groups.iter().map(|g| g.paths.len() - 1).sum::<usize>();
        format!(
            "\nDuplicate content: {copies} redundant {}; keeping one of each saves {}\n{}",
            if copies == 1 { "copy" } else { "copies" },
            human(self.image.duplicate_bytes.unwrap_or(0)),
            duplicates_table(groups, self.largest_files.len().max(1))
        )
    }

    /// `#3 RUN npm install` for layer `i`.
    fn layer_label(&self, i: usize, width: usize) -> String {
        let text = self
            .layers
            .get(i)
            .map(|l| l.instruction.as_str())
            .unwrap_or("unknown");
        format!("#{i} {}", one_line(text, width))
    }

    fn hidden_section(&self) -> String {
        if self.hidden.is_empty() {
            return String::new();
        }
        let mut t = table(&["Added by", "Hidden by", "Size", "Files", "Largest"]);
        for h in &self.hidden {
            t.add_row(row(vec![
                self.layer_label(h.added_by, 30),
                self.layer_label(h.hidden_by, 30),
                human(h.bytes),
                h.files.to_string(),
                h.examples
                    .first()
                    .map(|e| e.path.clone())
                    .unwrap_or_default(),
            ]));
        }
        right_align(&mut t, &[2, 3]);
        format!("\nHidden bytes: shipped in the image, invisible in the container\n{t}\n")
    }

    fn findings_section(&self) -> String {
        if self.findings.is_empty() {
            return String::new();
        }
        let pull = self.findings.iter().any(|f| f.compressed_bytes.is_some());
        let mut t = table(if pull {
            &["Category", "Size", "Pull", "Files", "Added by", "Fix"]
        } else {
            &["Category", "Size", "Files", "Added by", "Fix"]
        });
        for f in &self.findings {
            let added = match f.layers.first() {
                Some(_) if matches!(f.category.as_str(), "layer-churn" | "reshipped-unchanged") => {
                    f.summary.clone()
                }
                Some(l) => format!("#{} {}", l.index, one_line(&f.instruction, 36)),
                None => String::new(),
            };
            let mut cells = vec![
                f.category.clone(),
                human(f.bytes),
                f.files.to_string(),
                added,
                f.fix.clone(),
            ];
            if pull {
                cells.insert(2, f.compressed_bytes.map_or_else(|| "-".into(), human));
            }
            t.add_row(row(cells));
        }
        right_align(&mut t, if pull { &[1, 2, 3] } else { &[1, 2] });
        format!("\nFindings: likely waste, where it came from, and the fix\n{t}\n")
    }

    fn hints_section(&self) -> String {
        if self.hints.is_empty() {
            return String::new();
        }
        let mut out = String::from("\nHints\n");
        for h in &self.hints {
            let mut lines = h.message.lines();
            out.push_str(&format!("- {}\n", lines.next().unwrap_or_default()));
            for l in lines {
                out.push_str(&format!("      {l}\n"));
            }
        }
        out
    }
}
