//! The `check` report: each rule PASS or FAIL with actual vs limit, as text, JSON,
//! Markdown or JUnit XML.

use serde::Serialize;

use super::inspect::ImageFigures;
use super::{Tool, SCHEMA_VERSION, TOOL};
use crate::analysis::budget::{RuleResult, Status};

/// `imgsize check --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub schema_version: u32,
    pub tool: Tool,
    pub input: String,
    pub image: ImageFigures,
    pub rules: Vec<RuleResult>,
    pub passed: usize,
    pub failed: usize,
    /// `pass` or `fail`.
    pub result: Status,
}

impl CheckReport {
    pub fn build(input: &str, image: ImageFigures, rules: Vec<RuleResult>) -> CheckReport {
        let failed = rules.iter().filter(|r| r.status == Status::Fail).count();
        CheckReport {
            schema_version: SCHEMA_VERSION,
            tool: TOOL,
            input: input.to_string(),
            image,
            passed: rules.len() - failed,
            failed,
            result: if failed > 0 {
                Status::Fail
            } else {
                Status::Pass
            },
            rules,
        }
    }

    fn name(&self) -> String {
        self.image
            .reference
            .clone()
            .unwrap_or_else(|| self.input.clone())
    }

    pub fn render_text(&self) -> String {
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

    pub fn render_markdown(&self) -> String {
        let esc = |s: &str| s.replace('|', "\\|");
        let mark = if self.failed > 0 { "❌" } else { "✅" };
        let mut out = format!(
            "### {mark} imgsize check: `{}`\n\n{} passed, {} failed. Sizes in SI units (1 MB = 10^6 bytes).\n\n| | Rule | Actual | Limit |\n|---|---|---:|---|\n",
            esc(&self.name()),
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
                "| {s} | `{}` | {} | {} |\n",
                esc(&r.rule),
                esc(&r.actual),
                esc(&r.limit)
            ));
        }
        let details: Vec<&RuleResult> = self
            .rules
            .iter()
            .filter(|r| r.status == Status::Fail && !r.details.is_empty())
            .collect();
        for r in details {
            out.push_str(&format!("\n`{}`:\n", esc(&r.rule)));
            for d in &r.details {
                out.push_str(&format!("- `{}`\n", esc(d)));
            }
        }
        out
    }

    /// One testcase per rule, for GitLab and Jenkins.
    pub fn render_junit(&self) -> String {
        let x = xml_escape;
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.push_str(&format!(
            "<testsuites name=\"imgsize\" tests=\"{}\" failures=\"{}\">\n  <testsuite name=\"imgsize check {}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">\n",
            self.rules.len(),
            self.failed,
            x(&self.name()),
            self.rules.len(),
            self.failed
        ));
        for r in &self.rules {
            out.push_str(&format!(
                "    <testcase classname=\"imgsize.check\" name=\"{}\">\n",
                x(&r.rule)
            ));
            let body = format!("actual {}, limit {}", r.actual, r.limit);
            if r.status == Status::Fail {
                let mut text = body.clone();
                for d in &r.details {
                    text.push('\n');
                    text.push_str(d);
                }
                out.push_str(&format!(
                    "      <failure message=\"{}: {}\" type=\"budget\">{}</failure>\n",
                    x(&r.rule),
                    x(&body),
                    x(&text)
                ));
            } else {
                out.push_str(&format!("      <system-out>{}</system-out>\n", x(&body)));
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n</testsuites>\n");
        out
    }

    /// GitHub Actions workflow commands, one per failed rule.
    pub fn github_annotations(&self) -> String {
        let esc = |s: &str| {
            s.replace('%', "%25")
                .replace('\r', "%0D")
                .replace('\n', "%0A")
        };
        self.rules
            .iter()
            .filter(|r| r.status == Status::Fail)
            .map(|r| {
                format!(
                    "::error title=imgsize {}::{}: {} (limit {})\n",
                    esc(&r.rule),
                    esc(&self.name()),
                    esc(&r.actual),
                    esc(&r.limit)
                )
            })
            .collect()
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {
                out.push_str(&format!("&#x{:x};", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}
