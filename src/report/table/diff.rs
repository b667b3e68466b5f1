//! `diff` as tables: the two images, the summary, then a section per kind of
//! change (categories, folders, files, packages, layers) and the verdict.

use super::{right_align, table};
use crate::report::diff::DiffReport;
use crate::report::row;
use crate::size::{human, human_delta};
use crate::text::one_line;

impl DiffReport {
    pub(super) fn table(&self) -> String {
        let mut out = [
            self.heading(),
            self.categories_section(),
            self.folders_section(),
            self.paths_section(),
            self.packages_section(),
            self.layers_section(),
        ]
        .concat();
        if let Some(v) = self.verdict() {
            out.push_str(&format!("\n{v}\n"));
        }
        out
    }

    fn heading(&self) -> String {
        let mut t = table(&["", "A", "B", "Delta", "%"]);
        for r in self.summary_rows() {
            t.add_row(row(r.to_vec()));
        }
        right_align(&mut t, &[1, 2, 3, 4]);
        // The name, and the input as typed where the name does not already say it.
        let side = |f, input: &str| {
            let name = Self::name(f, input);
            if name.starts_with(input) {
                name
            } else {
                format!("{name}  ({input})")
            }
        };
        format!(
            "A  {}\nB  {}\nSizes in SI units (1 MB = 1,000,000 bytes); delta is B - A.\n\n{t}\n",
            side(&self.a, &self.a_input),
            side(&self.b, &self.b_input),
        )
    }

    /// A section: a title and rows of (label, A bytes, B bytes, delta).
    fn deltas(
        title: &str,
        first: &str,
        rows: impl Iterator<Item = (String, u64, u64, i128)>,
    ) -> String {
        let mut t = table(&[first, "A", "B", "Delta"]);
        let mut any = false;
        for (label, a, b, delta) in rows {
            any = true;
            t.add_row(row(vec![label, human(a), human(b), human_delta(delta)]));
        }
        if !any {
            return String::new();
        }
        right_align(&mut t, &[1, 2, 3]);
        format!("\n{title}\n{t}\n")
    }

    fn categories_section(&self) -> String {
        let rows = self
            .categories
            .iter()
            .map(|c| (c.category.clone(), c.a_bytes, c.b_bytes, c.delta_bytes));
        Self::deltas("Waste by category", "Category", rows)
    }

    fn folders_section(&self) -> String {
        let rows = self
            .folders
            .iter()
            .map(|p| (p.path.clone(), p.a_bytes, p.b_bytes, p.delta_bytes));
        let title = format!("Folders that changed most (depth {})", self.folders_depth);
        Self::deltas(&title, "Path", rows)
    }

    fn paths_section(&self) -> String {
        if self.paths.is_empty() {
            return String::new();
        }
        let mut t = table(&["Change", "Path", "A", "B", "Delta"]);
        for p in &self.paths {
            t.add_row(row(vec![
                format!("{:?}", p.change).to_lowercase(),
                p.path.clone(),
                human(p.a_bytes),
                human(p.b_bytes),
                human_delta(p.delta_bytes),
            ]));
        }
        right_align(&mut t, &[2, 3, 4]);
        format!("\nLargest added, removed, grown and shrunk files\n{t}\n")
    }

    fn packages_section(&self) -> String {
        if self.packages.is_empty() {
            return String::new();
        }
        let mut t = table(&["Change", "Package", "A", "B", "Delta"]);
        for p in &self.packages {
            t.add_row(row(vec![
                p.change.name().to_string(),
                Self::package_label(p),
                Self::package_side(&p.a_version, p.a_bytes),
                Self::package_side(&p.b_version, p.b_bytes),
                human_delta(p.delta_bytes),
            ]));
        }
        right_align(&mut t, &[2, 3, 4]);
        format!("\nPackages added, removed, at another version and resized\n{t}\n")
    }

    fn layers_section(&self) -> String {
        let mut t = table(&["", "A #", "B #", "Size", "Instruction"]);
        let layer = |side: &str, a: String, b: String, bytes: u64, instruction: &str| {
            row(vec![
                side.to_string(),
                a,
                b,
                human(bytes),
                one_line(instruction, 60),
            ])
        };
        for s in &self.layers.shared {
            let (a, b) = (s.a_index.to_string(), s.b_index.to_string());
            t.add_row(layer("shared", a, b, s.bytes, &s.instruction));
        }
        for l in &self.layers.only_a {
            t.add_row(layer(
                "only A",
                l.index.to_string(),
                "-".into(),
                l.bytes,
                &l.instruction,
            ));
        }
        for l in &self.layers.only_b {
            t.add_row(layer(
                "only B",
                "-".into(),
                l.index.to_string(),
                l.bytes,
                &l.instruction,
            ));
        }
        right_align(&mut t, &[1, 2, 3]);
        format!("\nLayers\n{t}\n")
    }
}
