//! The `check` report: each rule PASS or FAIL with actual vs limit, as text, JSON,
//! Markdown or JUnit XML.

use serde::Serialize;

use super::inspect::ImageFigures;
use super::{words, Tool, SCHEMA_VERSION, TOOL};
use crate::analysis::budget::{RuleResult, Status};

/// One rule's outcome as the reports show it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleReport {
    /// The rule's name, as the flag and config key spell it (`max-size`,
    /// `categories.dev-dependencies`, `dive.lowestEfficiency`).
    pub rule: String,
    pub status: Status,
    /// Actual and limit, as people read them.
    pub actual: String,
    pub limit: String,
    /// The same as numbers (bytes, a count or a ratio).
    pub actual_value: f64,
    pub limit_value: f64,
    /// What is at fault, when something is (paths for `forbid`, say).
    pub details: Vec<String>,
}

impl RuleReport {
    fn of(r: &RuleResult) -> RuleReport {
        RuleReport {
            rule: r.rule.clone(),
            status: r.status,
            actual: words::actual(&r.actual),
            limit: words::limit(&r.limit),
            actual_value: r.actual_value,
            limit_value: r.limit_value,
            details: r
                .details
                .iter()
                .map(|(path, bytes)| words::path_bytes(path, *bytes))
                .collect(),
        }
    }
}

/// `imgsize check --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub schema_version: u32,
    pub tool: Tool,
    pub input: String,
    pub image: ImageFigures,
    pub rules: Vec<RuleReport>,
    pub passed: usize,
    pub failed: usize,
    /// `pass` or `fail`.
    pub result: Status,
}

impl CheckReport {
    pub(crate) fn build(input: &str, image: ImageFigures, rules: Vec<RuleResult>) -> CheckReport {
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
            rules: rules.iter().map(RuleReport::of).collect(),
        }
    }

    pub(super) fn name(&self) -> String {
        super::image_name(self.image.reference.as_deref(), &self.input)
    }

    /// GitHub Actions workflow commands, one per failed rule. Escaped as the
    /// runner reads them: `%`, CR and LF everywhere, and in a property (the
    /// title) `:` and `,` too, so no name can end the command or add to it.
    pub(crate) fn github_annotations(&self) -> String {
        let esc = |s: &str| {
            s.replace('%', "%25")
                .replace('\r', "%0D")
                .replace('\n', "%0A")
        };
        let prop = |s: &str| esc(s).replace(':', "%3A").replace(',', "%2C");
        self.rules
            .iter()
            .filter(|r| r.status == Status::Fail)
            .map(|r| {
                format!(
                    "::error title=imgsize {}::{}: {} (limit {})\n",
                    prop(&r.rule),
                    esc(&self.name()),
                    esc(&r.actual),
                    esc(&r.limit)
                )
            })
            .collect()
    }
}
