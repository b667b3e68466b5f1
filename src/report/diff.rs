//! The `diff` report: two images side by side, as a table, JSON or Markdown.

use serde::Serialize;

use super::inspect::ImageFigures;
use super::{Tool, SCHEMA_VERSION, TOOL};
use crate::analysis::diff::{CategoryPair, Diff, FileChange, LayerDiff, PackageChange, Pair};
use crate::size::{human, human_delta, SizeOrPercent};

/// B minus A for each figure of `image` (null where a side does not know it).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Delta {
    pub layer_count: i128,
    pub layer_bytes: i128,
    pub final_bytes: i128,
    pub hidden_bytes: i128,
    pub compressed_bytes: Option<i128>,
    pub final_files: i128,
    pub flagged_bytes: i128,
}

/// The `--fail-if-larger` verdict.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Limit {
    /// As given: `50MB` or `10%`.
    pub limit: String,
    /// The limit in bytes of layer_bytes growth.
    pub limit_bytes: u64,
    pub exceeded: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Instructions {
    pub a: Vec<String>,
    pub b: Vec<String>,
}

/// `imgsize diff --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub schema_version: u32,
    pub tool: Tool,
    pub a_input: String,
    pub b_input: String,
    pub a: ImageFigures,
    pub b: ImageFigures,
    pub delta: Delta,
    pub categories: Vec<CategoryPair>,
    pub folders_depth: usize,
    pub folders: Vec<Pair>,
    pub paths: Vec<FileChange>,
    /// Packages added, removed, at another version or resized (`--top` of each).
    pub packages: Vec<PackageChange>,
    pub layers: LayerDiff,
    pub instructions: Instructions,
    pub fail_if_larger: Option<Limit>,
    /// Each side's picture, for the HTML report ([`DiffReport::with_pictures`]).
    #[serde(skip)]
    pub pictures: Option<(Picture, Picture)>,
}

/// What the HTML page draws of one side of a diff: its treemap, and its own
/// findings and hints under it.
#[derive(Debug, Clone)]
pub struct Picture {
    pub treemap: crate::analysis::treemap::Treemap,
    pub findings: Vec<super::inspect::FindingReport>,
    pub hints: Vec<super::words::HintReport>,
}

impl Picture {
    pub(crate) fn of(a: &crate::analysis::Analysis) -> Picture {
        let (findings, hints) = super::inspect::findings_of(a);
        Picture {
            treemap: crate::analysis::treemap::build(a),
            findings,
            hints,
        }
    }
}

fn d(a: u64, b: u64) -> i128 {
    i128::from(b) - i128::from(a)
}

fn pct(a: u64, b: u64) -> String {
    if a == 0 {
        if b == 0 {
            "0%".into()
        } else {
            "new".into()
        }
    } else {
        change_percent((b as f64 - a as f64) / a as f64 * 100.0)
    }
}

/// A relative change: one decimal, more where one decimal would round a change
/// that is not total to -100% (59.7 MB -> 18.2 kB is -99.97%, not -100.0%), or
/// one that is not nothing to 0%.
fn change_percent(p: f64) -> String {
    let one = format!("{p:+.1}%");
    let rounds_away = (p.abs() >= 99.95 && p.abs() < 100.0) || (p != 0.0 && p.abs() < 0.05);
    if !rounds_away {
        return one;
    }
    for digits in 2..=6 {
        let s = format!("{p:+.digits$}%");
        let v: f64 = s.trim_end_matches('%').parse().unwrap_or(p);
        if v.abs() != 100.0 && v != 0.0 {
            return s;
        }
    }
    one
}

impl DiffReport {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn build(
        a_input: &str,
        b_input: &str,
        a: ImageFigures,
        b: ImageFigures,
        diff: Diff,
        depth: usize,
        instructions: Instructions,
        limit: Option<(String, SizeOrPercent)>,
    ) -> DiffReport {
        let delta = Delta {
            layer_count: b.layer_count as i128 - a.layer_count as i128,
            layer_bytes: d(a.layer_bytes, b.layer_bytes),
            final_bytes: d(a.final_bytes, b.final_bytes),
            hidden_bytes: d(a.hidden_bytes, b.hidden_bytes),
            compressed_bytes: a
                .compressed_bytes
                .zip(b.compressed_bytes)
                .map(|(x, y)| d(x, y)),
            final_files: d(a.final_files, b.final_files),
            flagged_bytes: d(a.flagged_bytes, b.flagged_bytes),
        };
        let fail_if_larger = limit.map(|(text, l)| {
            let limit_bytes = l.bytes_of(a.layer_bytes);
            Limit {
                limit: text,
                limit_bytes,
                exceeded: delta.layer_bytes > i128::from(limit_bytes),
            }
        });
        DiffReport {
            schema_version: SCHEMA_VERSION,
            tool: TOOL,
            a_input: a_input.to_string(),
            b_input: b_input.to_string(),
            a,
            b,
            delta,
            categories: diff.categories,
            folders_depth: depth,
            folders: diff.folders,
            paths: diff.files,
            packages: diff.packages,
            layers: diff.layers,
            instructions,
            fail_if_larger,
            pictures: None,
        }
    }

    /// `npm express (/app/node_modules/express)`, `deb libc6`: npm names may be
    /// installed at several paths, so theirs say which.
    pub(super) fn package_label(p: &PackageChange) -> String {
        if p.ecosystem == "npm" {
            format!("npm {} ({})", p.name, p.path)
        } else {
            format!("{} {}", p.ecosystem, p.name)
        }
    }

    /// One side of a package change: `4.21.0, 2.10 kB`, or `-` where absent.
    pub(super) fn package_side(version: &Option<String>, bytes: u64) -> String {
        match version {
            Some(v) => format!("{v}, {}", human(bytes)),
            None if bytes > 0 => human(bytes),
            None => "-".into(),
        }
    }

    pub(super) fn name(f: &ImageFigures, input: &str) -> String {
        super::image_name(f.reference.as_deref(), input)
    }

    /// (label, A, B, delta, percent) for the summary.
    pub(super) fn summary_rows(&self) -> Vec<[String; 5]> {
        let (a, b) = (&self.a, &self.b);
        let row = |label: &str, x: u64, y: u64| {
            [
                label.to_string(),
                human(x),
                human(y),
                human_delta(d(x, y)),
                pct(x, y),
            ]
        };
        let mut rows = vec![
            row("Size (layer bytes)", a.layer_bytes, b.layer_bytes),
            row("Visible (final bytes)", a.final_bytes, b.final_bytes),
        ];
        match (a.compressed_bytes, b.compressed_bytes) {
            (Some(x), Some(y)) => rows.push(row("Compressed (pull size)", x, y)),
            (x, y) => rows.push([
                "Compressed (pull size)".into(),
                x.map(human).unwrap_or_else(|| "unknown".into()),
                y.map(human).unwrap_or_else(|| "unknown".into()),
                "-".into(),
                "-".into(),
            ]),
        }
        rows.push(row("Hidden", a.hidden_bytes, b.hidden_bytes));
        rows.push(row("Flagged as waste", a.flagged_bytes, b.flagged_bytes));
        rows.push([
            "Layers".into(),
            a.layer_count.to_string(),
            b.layer_count.to_string(),
            format!("{:+}", self.delta.layer_count),
            pct(a.layer_count as u64, b.layer_count as u64),
        ]);
        rows
    }

    pub(super) fn verdict(&self) -> Option<String> {
        self.fail_if_larger.as_ref().map(|l| {
            if l.exceeded {
                format!(
                    "FAIL: B is {} larger than A, more than --fail-if-larger {} ({})",
                    human(u64::try_from(self.delta.layer_bytes.max(0)).unwrap_or(u64::MAX)),
                    l.limit,
                    human(l.limit_bytes)
                )
            } else {
                format!(
                    "PASS: growth {} is within --fail-if-larger {} ({})",
                    human_delta(self.delta.layer_bytes),
                    l.limit,
                    human(l.limit_bytes)
                )
            }
        })
    }
}

#[cfg(test)]
mod percent_tests {
    #[test]
    fn near_total_changes_are_not_rounded_to_total() {
        assert_eq!(super::pct(59_700_000, 18_200), "-99.97%");
        assert_eq!(super::pct(100, 0), "-100.0%");
        assert_eq!(super::pct(100, 50), "-50.0%");
        assert_eq!(super::pct(10_000_000, 10_000_001), "+0.00001%");
        assert_eq!(super::pct(100, 100), "+0.0%");
    }
}
