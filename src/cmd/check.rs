//! `imgsize check IMAGE`: size budgets for CI. Exit 0 when every rule passes, 1
//! when one fails; in GitHub Actions, a workflow command per failed rule and the
//! Markdown report appended to the job summary.

use std::process::ExitCode;

use super::{emit, ignore_set, rendered, write_out};
use crate::analysis::budget;
use crate::cli::CheckArgs;
use crate::error::Error;
use crate::report::check::CheckReport;
use crate::report::inspect::ImageFigures;
use crate::LoadOptions;

pub(super) fn exec(args: CheckArgs) -> Result<ExitCode, Error> {
    let crate::config::FileSettings {
        budget, baseline, ..
    } = crate::config::check_settings(args.config.as_deref(), &args.budget.flags())?;
    let base_opts = args.image.load_options();
    let opts = LoadOptions {
        ignore: ignore_set(&args.ignore)?,
        // Duplicates need every content hashed.
        content: base_opts.content || budget.max_duplicate_bytes.is_some(),
        ..base_opts
    };
    let base = baseline
        .as_ref()
        .map(|p| baseline_bytes(p, &opts))
        .transpose()?;
    let analysis = crate::load(&args.input, &opts)?;
    let waste = &analysis.waste;
    let rules =
        budget::check(&budget, &analysis, waste, base).map_err(|m| Error::usage(&args.input, m))?;
    let report = CheckReport::build(&args.input, ImageFigures::of(&analysis, waste), rules);
    let format = args.out.format;
    let text = rendered(format, "check", format.renderer().check(&report))?;
    write_out(args.out.output.as_deref(), &text)?;
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        github(&report)?;
    }
    Ok(if report.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// In GitHub Actions: a workflow command per failed rule on stdout (the runner
/// reads it there, whatever `-o` says), and the Markdown report appended to the
/// job summary.
fn github(report: &CheckReport) -> Result<(), Error> {
    emit(&report.github_annotations())?;
    if let Ok(summary) = std::env::var("GITHUB_STEP_SUMMARY") {
        use std::io::Write as _;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .map_err(|e| Error::io(&summary, e))?;
        f.write_all(report.markdown().as_bytes())
            .map_err(|e| Error::io(&summary, e))?;
    }
    Ok(())
}

/// The baseline's layer_bytes: from an imgsize JSON report, or by loading the image.
/// A report is told from an image by its first bytes, never by reading it whole.
fn baseline_bytes(path: &str, opts: &LoadOptions) -> Result<u64, Error> {
    let is_json = path.ends_with(".json") || {
        use std::io::Read as _;
        let mut head = [0u8; 512];
        let n = std::fs::File::open(path)
            .and_then(|f| f.take(head.len() as u64).read(&mut head))
            .unwrap_or(0);
        head[..n].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
    };
    if is_json {
        let v: serde_json::Value = serde_json::from_str(&crate::config::read_text(path)?)
            .map_err(|e| Error::format(path, format!("not a JSON report: {e}")))?;
        return v["image"]["layer_bytes"]
            .as_u64()
            .ok_or_else(|| Error::format(path, "not an imgsize report (no image.layer_bytes)"));
    }
    Ok(crate::load(path, opts)?.layer_bytes())
}
