//! `imgsize inspect IMAGE`: one image's report, or its manifest alone.

use std::process::ExitCode;

use super::{ignore_set, rendered, write_out};
use crate::cli::InspectArgs;
use crate::error::Error;
use crate::report::inspect::{InspectReport, ViewOptions};
use crate::report::Format;
use crate::LoadOptions;

pub(super) fn exec(args: InspectArgs) -> Result<ExitCode, Error> {
    let format = args.out.format;
    let opts = LoadOptions {
        ignore: ignore_set(&args.ignore)?,
        changes: args.files || format == Format::Html,
        ..args.image.load_options()
    };
    let text = if args.manifest_only {
        let progress = crate::progress::Progress::new(false);
        let image = crate::pipeline::open(&args.input, &opts, &progress)?;
        let report = crate::report::manifest::ManifestReport::build(&args.input, &image)?;
        rendered(
            format,
            "inspect --manifest-only",
            format.renderer().manifest(&report),
        )?
    } else {
        let analysis = crate::load(&args.input, &opts)?;
        let view = ViewOptions {
            depth: args.view.depth,
            top: args.view.top,
        };
        let mut report = InspectReport::build(&analysis, &analysis.waste, view);
        if format == Format::Html {
            report = report.with_treemap(&analysis);
        }
        let text = rendered(format, "inspect", format.renderer().inspect(&report))?;
        crate::timings::mark("report");
        text
    };
    write_out(args.out.output.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}
