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
            rules,
        }
    }

    pub(super) fn name(&self) -> String {
        self.image
            .reference
            .clone()
            .unwrap_or_else(|| self.input.clone())
    }

    /// GitHub Actions workflow commands, one per failed rule.
    pub(crate) fn github_annotations(&self) -> String {
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
