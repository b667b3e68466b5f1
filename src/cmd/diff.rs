//! `imgsize diff A B`: two images side by side; exit 1 when B grew past
//! `--fail-if-larger`.

use std::process::ExitCode;

use super::{ignore_set, rendered, write_out};
use crate::cli::DiffArgs;
use crate::error::Error;
use crate::report::diff::{DiffReport, Instructions};
use crate::report::inspect::ImageFigures;
use crate::report::Format;
use crate::LoadOptions;

pub(super) fn exec(args: DiffArgs) -> Result<ExitCode, Error> {
    let limit = args
        .fail_if_larger
        .as_ref()
        .map(|t| {
            crate::size::SizeOrPercent::parse(t)
                .map(|l| (t.clone(), l))
                .map_err(|m| Error::usage("--fail-if-larger", m))
        })
        .transpose()?;
    let opts = LoadOptions {
        ignore: ignore_set(&args.ignore)?,
        ..args.image.load_options()
    };
    let (a, b) = crate::pipeline::load_pair(&args.a, &args.b, &opts);
    let (a, b) = (a?, b?);
    let (wa, wb) = (&a.waste, &b.waste);
    let (depth, top) = (args.view.depth, args.view.top);
    let diff = crate::analysis::diff::compare(&a, wa, &b, wb, depth, top);
    let instructions = Instructions {
        a: a.layers.iter().map(|l| l.instruction.clone()).collect(),
        b: b.layers.iter().map(|l| l.instruction.clone()).collect(),
    };
    let mut report = DiffReport::build(
        &args.a,
        &args.b,
        ImageFigures::of(&a, wa),
        ImageFigures::of(&b, wb),
        diff,
        depth,
        instructions,
        limit,
    );
    let format = args.out.format;
    if format == Format::Html {
        use crate::report::diff::Picture;
        report.pictures = Some((Picture::of(&a), Picture::of(&b)));
    }
    let text = rendered(format, "diff", format.renderer().diff(&report))?;
    write_out(args.out.output.as_deref(), &text)?;
    let failed = report.fail_if_larger.as_ref().is_some_and(|l| l.exceeded);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
