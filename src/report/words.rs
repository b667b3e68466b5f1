//! What the analysis found, in words: the hints' sentences (with the Dockerfile
//! sketches), each finding's one-line summary, and each budget rule's actual and
//! limit. The analysis returns facts; the
//! wording lives here, beside the renderers that print it.

use serde::Serialize;

use crate::analysis::budget::{Actual, Limit};
use crate::analysis::waste::{Finding, Hint, Toolchain};
use crate::size::{human, human_delta};
use crate::text::one_line;

/// A hint as the reports show it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HintReport {
    pub kind: String,
    pub layer: Option<usize>,
    pub message: String,
}

/// A multi-stage build for each toolchain a runtime image should not carry.
fn sketch(t: Toolchain) -> (&'static str, &'static str) {
    match t {
        Toolchain::TypeScript => ("TypeScript", "FROM node:22 AS build\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npx tsc && npm prune --omit=dev\n\nFROM node:22-slim\nWORKDIR /app\nCOPY --from=build /app/node_modules ./node_modules\nCOPY --from=build /app/dist ./dist\nUSER node\nCMD [\"node\", \"dist/index.js\"]"),
        Toolchain::Go => ("Go", "FROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\n\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\nCMD [\"/app\"]"),
        Toolchain::Gcc => ("gcc", "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y build-essential\nCOPY . /src\nRUN make -C /src\n\nFROM debian:12-slim\nCOPY --from=build /src/out /app\nCMD [\"/app/run\"]"),
    }
}

/// The hint in words; `instructions` are the layers' instructions.
pub fn hint(h: &Hint, instructions: &[String]) -> HintReport {
    let instr =
        |i: usize, max: usize| one_line(instructions.get(i).map_or("unknown", String::as_str), max);
    let (kind, layer, message) = match h {
        Hint::CopyNodeModules { layer } => (
            "copy-node-modules",
            Some(*layer),
            format!(
                "Layer {layer} (`{}`) copied a local node_modules into the image: add `node_modules` to `.dockerignore` and let the install in the image make it.",
                instr(*layer, 60)
            ),
        ),
        Hint::CopyBeforeInstall { copy, install } => (
            "copy-before-install",
            Some(*copy),
            format!(
                "Layer {copy} (`{}`) copies the whole project before `{}`: every source change re-runs the install. Copy `package.json` and the lockfile first, install, then copy the rest.",
                instr(*copy, 40),
                instr(*install, 40)
            ),
        ),
        Hint::NpmInstall { layer } => (
            "npm-install",
            Some(*layer),
            format!("Layer {layer} runs `npm install`; `npm ci` installs exactly the lockfile, faster and reproducibly."),
        ),
        Hint::CacheNotCleaned {
            layer,
            category,
            fix,
        } => (
            "cache-not-cleaned",
            Some(*layer),
            format!(
                "{category} left by layer {layer} (`{}`): clean it in that same RUN. {fix}",
                instr(*layer, 40)
            ),
        ),
        Hint::MultiStage { toolchain } => {
            let (what, sketch) = sketch(*toolchain);
            (
                "multi-stage",
                None,
                format!("The runtime image carries the {what} toolchain. A multi-stage build keeps it in the build stage:\n{sketch}"),
            )
        }
        Hint::RunsAsRoot => (
            "runs-as-root",
            None,
            "The image runs as root (config User is empty): add a `USER` instruction with an unprivileged user.".to_string(),
        ),
    };
    HintReport {
        kind: kind.to_string(),
        layer,
        message,
    }
}

/// One sentence saying what a finding found.
pub fn summary(f: &Finding, instructions: &[String]) -> String {
    match (f.category.as_str(), f.churn) {
        ("dev-dependencies", _) => format!(
            "{} of packages marked as dev dependencies in {} files",
            human(f.bytes),
            f.files
        ),
        (_, Some((from, by))) => {
            let name = |i: usize| instructions.get(i).map_or("unknown", String::as_str);
            let short = |i: usize| format!("#{i} {}", one_line(name(i), 28));
            if f.category == "reshipped-unchanged" {
                let how = if f.hashed {
                    "byte for byte the same"
                } else {
                    "same paths and sizes; --content checks the bytes"
                };
                return format!(
                    "{} wrote {} again that {} had added ({how}): both copies ship",
                    short(by),
                    human(f.bytes),
                    short(from)
                );
            }
            if from == by {
                format!(
                    "{} added {} that it replaced within the same layer",
                    short(from),
                    human(f.bytes)
                )
            } else {
                format!(
                    "{} added {} that {} hid (overwrote or deleted)",
                    short(from),
                    human(f.bytes),
                    short(by)
                )
            }
        }
        _ => format!(
            "{} in {}",
            human(f.bytes),
            counted(f.files, "file", "files")
        ),
    }
}

/// `1 file`, `3 files`.
fn counted(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n: u64 = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A budget rule's actual figure, as people read it.
pub fn actual(a: &Actual) -> String {
    match a {
        Actual::Bytes(b) => human(*b),
        Actual::Count(n) => n.to_string(),
        Actual::Ratio(r) => super::percent(*r),
        Actual::Plain(v) => format!("{v}"),
        Actual::Files { count, bytes } => {
            format!(
                "{} ({})",
                counted(*count as u64, "file", "files"),
                human(*bytes)
            )
        }
        Actual::Packages { count, bytes } => {
            format!(
                "{} ({})",
                counted(*count as u64, "package", "packages"),
                human(*bytes)
            )
        }
        Actual::Growth { delta, from, to } => {
            format!(
                "{} (from {} to {})",
                human_delta(*delta),
                human(*from),
                human(*to)
            )
        }
    }
}

/// A budget rule's limit, as people read it.
pub fn limit(l: &Limit) -> String {
    match l {
        Limit::Bytes(b) => format!("<= {}", human(*b)),
        Limit::PercentOf { percent, of, bytes } => {
            format!("<= {percent}% of {} ({})", human(*of), human(*bytes))
        }
        Limit::Percent { percent, bytes } => format!("<= {percent}% ({})", human(*bytes)),
        Limit::AtMostCount(n) => format!("<= {n}"),
        Limit::AtLeastRatio(r) => format!(">= {}", super::percent(*r)),
        Limit::AtLeastPlain(v) => format!(">= {v}"),
        Limit::AtMostPlain(v) => format!("<= {v}"),
        Limit::Nothing => "none".to_string(),
    }
}

/// `/app/x.map (40.0 kB)`.
pub fn path_bytes(path: &str, bytes: u64) -> String {
    format!("{path} ({})", human(bytes))
}
