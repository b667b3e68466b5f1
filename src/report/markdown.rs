//! The Markdown renderer, made for a pull-request comment: `diff`, `check` and
//! `overlap`.

use super::check::CheckReport;
use super::check::RuleReport;
use super::diff::DiffReport;
use super::overlap::OverlapReport;
use super::Renderer;
use crate::analysis::budget::Status;
use crate::size::{human, human_delta};

/// `--format markdown`.
pub(crate) struct Markdown;

/// [`code`] for a table cell: its `|` escaped, as GitHub's tables read them
/// before the code span.
pub(crate) fn cell(s: &str) -> String {
    code(&s.replace('|', "\\|"))
}

/// Text that may hold names from the image, as Markdown text: the marks that
/// make emphasis, code, links, tables and HTML are escaped with a backslash (so
/// they show as themselves; `(` only links after a `]`, which is escaped); line
/// breaks become spaces.
pub(crate) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let special = match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => true,
            // What could open a tag or an entity; `<= 5` stays as it is.
            '<' => next.is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')),
            '&' => next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '#'),
            _ => false,
        };
        match c {
            '\n' | '\r' => out.push(' '),
            c if special => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text from the image (a path, a name, an instruction) as an inline code span
/// that holds it inert: a fence of more backticks than any run inside, line
/// breaks as spaces. Nothing in a code span is markup or HTML. In a table cell,
/// [`cell`].
pub(crate) fn code(s: &str) -> String {
    let text = s.replace(['\n', '\r'], " ");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A space inside the fence when the text starts or ends with a backtick (it
    // would join the fence) or is empty; one space each side is stripped again.
    let pad = if text.starts_with('`') || text.ends_with('`') || text.trim().is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

impl Renderer for Markdown {
    fn diff(&self, r: &DiffReport) -> Option<String> {
        Some(r.markdown())
    }

    fn check(&self, r: &CheckReport) -> Option<String> {
        Some(r.markdown())
    }

    fn overlap(&self, r: &OverlapReport) -> Option<String> {
        Some(r.markdown())
    }
}

impl DiffReport {
    pub(crate) fn markdown(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "### imgsize: {} → {}\n\n",
            code(&Self::name(&self.a, &self.a_input)),
            code(&Self::name(&self.b, &self.b_input))
        ));
        out.push_str("| | A | B | Delta | % |\n|---|---:|---:|---:|---:|\n");
        for r in self.summary_rows() {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                r[0], r[1], r[2], r[3], r[4]
            ));
        }
        if !self.categories.is_empty() {
            out.push_str(
                "\n**Waste by category**\n\n| Category | A | B | Delta |\n|---|---:|---:|---:|\n",
            );
            for c in &self.categories {
                out.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    c.category,
                    human(c.a_bytes),
                    human(c.b_bytes),
                    human_delta(c.delta_bytes)
                ));
            }
        }
        if !self.folders.is_empty() {
            out.push_str(&format!(
                "\n<details><summary>Folders that changed most (depth {})</summary>\n\n| Path | A | B | Delta |\n|---|---:|---:|---:|\n",
                self.folders_depth
            ));
            for p in &self.folders {
                out.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    cell(&p.path),
                    human(p.a_bytes),
                    human(p.b_bytes),
                    human_delta(p.delta_bytes)
                ));
            }
            out.push_str("\n</details>\n");
        }
        if !self.packages.is_empty() {
            out.push_str("\n<details><summary>Packages added, removed, at another version and resized</summary>\n\n| Change | Package | A | B | Delta |\n|---|---|---:|---:|---:|\n");
            for p in &self.packages {
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    p.change.name(),
                    cell(&Self::package_label(p)),
                    text(&Self::package_side(&p.a_version, p.a_bytes)),
                    text(&Self::package_side(&p.b_version, p.b_bytes)),
                    human_delta(p.delta_bytes)
                ));
            }
            out.push_str("\n</details>\n");
        }
        if !self.paths.is_empty() {
            out.push_str("\n<details><summary>Largest file changes</summary>\n\n| Change | Path | Delta |\n|---|---|---:|\n");
            for p in &self.paths {
                out.push_str(&format!(
                    "| {:?} | {} | {} |\n",
                    p.change,
                    cell(&p.path),
                    human_delta(p.delta_bytes)
                ));
            }
            out.push_str("\n</details>\n");
        }
        out.push_str(&format!(
            "\nLayers: {} shared, {} only in A, {} only in B. Sizes in SI units (1 MB = 10^6 bytes).\n",
            self.layers.shared.len(),
            self.layers.only_a.len(),
            self.layers.only_b.len()
        ));
        if let Some(v) = self.verdict() {
            out.push_str(&format!("\n**{v}**\n"));
        }
        out
    }
}

impl CheckReport {
    /// Also what `check` appends to `$GITHUB_STEP_SUMMARY` in GitHub Actions.
    pub(crate) fn markdown(&self) -> String {
        let mark = if self.failed > 0 { "❌" } else { "✅" };
        let mut out = format!(
            "### {mark} imgsize check: {}\n\n{} passed, {} failed. Sizes in SI units (1 MB = 10^6 bytes).\n\n| | Rule | Actual | Limit |\n|---|---|---:|---|\n",
            code(&self.name()),
            self.passed,
            self.failed
        );
        for r in &self.rules {
            let s = if r.status == Status::Pass {
                "✅"
            } else {
                "❌"
            };
            out.push_str(&format!(
                "| {s} | {} | {} | {} |\n",
                cell(&r.rule),
                text(&r.actual),
                text(&r.limit)
            ));
        }
        let details: Vec<&RuleReport> = self
            .rules
            .iter()
            .filter(|r| r.status == Status::Fail && !r.details.is_empty())
            .collect();
        for r in details {
            out.push_str(&format!("\n{}:\n", code(&r.rule)));
            for d in &r.details {
                out.push_str(&format!("- {}\n", code(d)));
            }
        }
        out
    }
}

impl OverlapReport {
    /// A comment for the platform repository: totals, images, the largest near misses.
    pub(crate) fn markdown(&self) -> String {
        let t = &self.totals;
        let mut out = format!("### imgsize overlap: {} images\n\n", t.images);
        if !self.complete {
            out.push_str(&format!(
                "⚠️ **Partial**: {} images could not be read; the figures are those of the others.\n\n",
                self.failures.len()
            ));
        }
        let near = if t.near_miss_saving == 0 {
            "no file is installed separately by several images".to_string()
        } else {
            format!("**{}** more could be shared", human(t.near_miss_saving))
        };
        out.push_str(&format!(
            "{} added up; one node stores **{}** (each layer once), so sharing saves {}. Near misses: {near}. Sizes in SI units (1 MB = 10^6 bytes).\n\n",
            human(t.sum_of_sizes),
            human(t.node_bytes),
            human(t.saved_by_sharing),
        ));
        if let (Some(sum), Some(reg)) = (t.sum_of_compressed_sizes, t.registry_bytes) {
            out.push_str(&format!(
                "Pull sizes: {} added up; one registry stores {}.\n\n",
                human(sum),
                human(reg)
            ));
        }
        out.push_str("| # | Image | Size | Shared | Unique |\n|---|---|---:|---:|---:|\n");
        for (i, img) in self.images.iter().enumerate() {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                i + 1,
                cell(&self.name(i)),
                human(img.share.size),
                human(img.share.shared_bytes),
                human(img.share.unique_bytes)
            ));
        }
        if !self.near_misses.is_empty() {
            out.push_str(&format!(
                "\n**Near misses** ({} of {}): the same files in different layers of different images\n\n| Saving | Files | Layers | Fix |\n|---:|---:|---|---|\n",
                self.near_misses.len(),
                self.near_miss_count
            ));
            for m in &self.near_misses {
                let copies: Vec<String> = m
                    .miss
                    .copies
                    .iter()
                    .map(|c| {
                        format!(
                            "{} layer {}: {}",
                            self.image_list(&c.images),
                            c.layer,
                            cell(&crate::text::one_line(&c.instruction, 60))
                        )
                    })
                    .collect();
                out.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    human(m.miss.saving),
                    m.miss.files,
                    copies.join("<br>"),
                    text(&m.fix)
                ));
            }
        }
        if !self.failures.is_empty() {
            out.push_str("\n**Not read**\n\n");
            for f in &self.failures {
                out.push_str(&format!("- {}\n", code(&f.error)));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::code;

    #[test]
    fn code_spans_hold_any_name() {
        assert_eq!(code("app/x.js"), "`app/x.js`");
        assert_eq!(code("a|b"), "`a|b`");
        assert_eq!(super::cell("a|b"), "`a\\|b`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(
            code("`<img src=x onerror=alert(1)>`"),
            "`` `<img src=x onerror=alert(1)>` ``"
        );
        assert_eq!(code("x\ny"), "`x y`");
    }

    #[test]
    fn text_shows_as_itself() {
        assert_eq!(super::text("1.2 MB"), "1.2 MB");
        assert_eq!(super::text("<b>*x*</b>"), "\\<b>\\*x\\*\\</b>");
        assert_eq!(super::text("<= 5 & more"), "<= 5 & more");
        assert_eq!(super::text("a|b"), "a\\|b");
    }
}
