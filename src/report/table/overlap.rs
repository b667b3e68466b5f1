//! `imgsize overlap` for people: the fleet's totals, each image's shared and unique
//! bytes, the base chains, the largest shared layers and the near misses.

use super::super::overlap::OverlapReport;
use super::super::{percent, right_align, table};
use crate::size::human;
use crate::text::one_line;

fn or_dash(v: Option<u64>) -> String {
    v.map_or_else(|| "-".to_string(), human)
}

impl OverlapReport {
    pub(super) fn table(&self) -> String {
        [
            self.totals_section(),
            self.images_section(),
            self.chains_section(),
            self.shared_section(),
            self.near_misses_section(),
            self.failures_section(),
        ]
        .concat()
    }

    fn totals_section(&self) -> String {
        let t = &self.totals;
        let mut out = String::new();
        if !self.complete {
            out.push_str(&format!(
                "PARTIAL: {} of {} images could not be read (listed at the end); the figures are those of the others.\n\n",
                self.failures.len(),
                self.failures.len() + self.images.len()
            ));
        }
        out.push_str(&format!(
            "Fleet     {} images, {} layers, {} distinct\n",
            t.images, t.layers, t.distinct_layers
        ));
        out.push_str(&format!(
            "Sizes     {} added up; one node stores {} (each layer once): sharing saves {}\n",
            human(t.sum_of_sizes),
            human(t.node_bytes),
            human(t.saved_by_sharing)
        ));
        if let (Some(sum), Some(reg)) = (t.sum_of_compressed_sizes, t.registry_bytes) {
            out.push_str(&format!(
                "Pull      {} added up; one registry stores {} (each blob once)\n",
                human(sum),
                human(reg)
            ));
        }
        if self.near_miss_count == 0 {
            out.push_str(
                "Near      no near misses: no file sits in different layers of different images\n",
            );
        } else {
            out.push_str(&format!(
                "Near      {} more if the near misses below were shared layers ({} files in {} near misses)\n",
                human(t.near_miss_saving),
                t.near_miss_files,
                self.near_miss_count
            ));
        }
        out.push_str(
            "Sizes in SI units (1 MB = 1,000,000 bytes); images are numbered #1.. below.\n\n",
        );
        out
    }

    fn images_section(&self) -> String {
        let mut it = table(&[
            "#",
            "Image",
            "Layers",
            "Size",
            "Compressed",
            "Shared",
            "Unique",
        ]);
        for (i, img) in self.images.iter().enumerate() {
            let s = &img.share;
            let share = if s.size > 0 {
                s.shared_bytes as f64 / s.size as f64
            } else {
                0.0
            };
            it.add_row(crate::report::row(vec![
                format!("#{}", i + 1),
                self.name(i),
                s.layers.to_string(),
                human(s.size),
                or_dash(s.compressed_size),
                format!("{} ({})", human(s.shared_bytes), percent(share)),
                human(s.unique_bytes),
            ]));
        }
        right_align(&mut it, &[2, 3, 4, 5, 6]);
        let mut out = format!("Images\n{it}\n");
        if !self.images.iter().any(|i| i.share.base_image.is_some()) {
            return out;
        }
        // Which base image each was built FROM, grouped.
        let mut bases: Vec<(&str, Vec<usize>)> = Vec::new();
        for (i, img) in self.images.iter().enumerate() {
            let b = img
                .share
                .base_image
                .as_deref()
                .unwrap_or("not named by the history");
            match bases.iter_mut().find(|(name, _)| *name == b) {
                Some((_, members)) => members.push(i),
                None => bases.push((b, vec![i])),
            }
        }
        for (name, members) in bases {
            out.push_str(&format!(
                "Base image of {}: {name}\n",
                self.image_list(&members)
            ));
        }
        out
    }

    fn chains_section(&self) -> String {
        if self.base_chains.is_empty() {
            return String::new();
        }
        let mut ct = table(&[
            "Images",
            "Layers",
            "Size",
            "Compressed",
            "Base",
            "Top layer",
        ]);
        for c in &self.base_chains {
            let base = match (&c.base_image, c.layers_beyond_base) {
                (Some(b), Some(0)) => b.clone(),
                (Some(b), Some(1)) => format!("{b} + 1 layer"),
                (Some(b), Some(n)) => format!("{b} + {n} layers"),
                _ => "-".into(),
            };
            ct.add_row(crate::report::row(vec![
                self.image_list(&c.images),
                c.layers.to_string(),
                human(c.size),
                or_dash(c.compressed_size),
                base,
                one_line(&c.instruction, 60),
            ]));
        }
        right_align(&mut ct, &[1, 2, 3]);
        format!("\nBase chains (the longest run of bottom layers each group shares)\n{ct}\n")
    }

    fn shared_section(&self) -> String {
        if self.shared_layers.is_empty() {
            return "\nShared layers: none (no two images hold the same layer)\n".to_string();
        }
        let mut st = table(&["Images", "Size", "Compressed", "Files", "Instruction"]);
        for l in &self.shared_layers {
            st.add_row(crate::report::row(vec![
                self.image_list(&l.images),
                human(l.size),
                or_dash(l.compressed_size),
                l.files.to_string(),
                one_line(&l.instruction, 60),
            ]));
        }
        right_align(&mut st, &[1, 2, 3]);
        format!(
            "\nShared layers ({} of {}, largest first)\n{st}\n",
            self.shared_layers.len(),
            self.shared_layer_count
        )
    }

    fn near_misses_section(&self) -> String {
        if self.near_misses.is_empty() {
            return "\nNear misses: none (no files sit in different layers of different images)\n"
                .to_string();
        }
        let mut out = format!(
            "\nNear misses: the same files in different layers of different images ({} of {}, largest saving first)\n",
            self.near_misses.len(),
            self.near_miss_count
        );
        for (n, m) in self.near_misses.iter().enumerate() {
            let miss = &m.miss;
            out.push_str(&format!(
                "{:>3}. {} would be saved: {} {}, {} a copy, in {} layers:\n",
                n + 1,
                human(miss.saving),
                miss.files,
                if miss.files == 1 { "file" } else { "files" },
                human(miss.bytes),
                miss.copies.len()
            ));
            for c in &miss.copies {
                out.push_str(&format!(
                    "       {} layer {}: {}\n",
                    self.image_list(&c.images),
                    c.layer,
                    one_line(&c.instruction, 70)
                ));
            }
            let where_: Vec<String> = miss
                .folders
                .iter()
                .map(|f| format!("{} {}", f.path, human(f.bytes)))
                .collect();
            out.push_str(&format!("     where: {}\n", where_.join(", ")));
            out.push_str(&format!("     fix: {}\n", m.fix));
        }
        out
    }

    fn failures_section(&self) -> String {
        if self.failures.is_empty() {
            return String::new();
        }
        let mut out = format!(
            "\nNot read ({}): the figures above leave these images out\n",
            self.failures.len()
        );
        for f in &self.failures {
            out.push_str(&format!("  {}\n", f.error));
        }
        out
    }
}
