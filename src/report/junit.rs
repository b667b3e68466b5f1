//! The JUnit XML renderer, for CI systems that show test reports: `check`, one test
//! case per rule.

use super::check::CheckReport;
use super::Renderer;
use crate::analysis::budget::Status;

/// `--format junit`.
pub(crate) struct Junit;

impl Renderer for Junit {
    fn check(&self, r: &CheckReport) -> Option<String> {
        Some(r.junit())
    }
}

impl CheckReport {
    /// One testcase per rule, for GitLab and Jenkins.
    fn junit(&self) -> String {
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
            // XML 1.0 allows no other control character, not even as a reference.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
