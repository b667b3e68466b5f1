//! What the analysis found, in words: the hints' sentences (with the Dockerfile
//! sketches) and each finding's one-line summary. The analysis returns facts; the
//! wording lives here, beside the renderers that print it.

use serde::Serialize;

use crate::analysis::waste::{Finding, Hint, Toolchain};
use crate::size::human;
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
        _ => format!("{} in {} files", human(f.bytes), f.files),
    }
}
