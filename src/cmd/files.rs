//! `imgsize files IMAGE`: one line per path, written as the walk goes.

use std::io::Write;
use std::process::ExitCode;

use super::finish;
use crate::cli::FilesArgs;
use crate::error::Error;
use crate::report::files::FilesReport;
use crate::LoadOptions;

pub(super) fn exec(args: FilesArgs) -> Result<ExitCode, Error> {
    let opts = LoadOptions {
        changes: args.layer.is_some(),
        ..args.image.load_options()
    };
    let analysis = crate::load(&args.input, &opts)?;
    let report = match args.layer {
        None => FilesReport::final_of(&analysis),
        Some(n) => {
            let changes = analysis
                .changes
                .as_ref()
                .and_then(|c| c.get(n))
                .ok_or_else(|| {
                    let layers = analysis.layers.len();
                    Error::usage(
                        "--layer",
                        format!(
                            "the image has {layers} layers (0 to {})",
                            layers.saturating_sub(1)
                        ),
                    )
                })?;
            FilesReport::changes(changes)
        }
    };
    let format = args.out.format;
    let (mut out, place): (Box<dyn Write>, &str) = match args.out.output.as_deref() {
        Some(p) => (
            Box::new(std::fs::File::create(p).map_err(|e| Error::io(p, e))?),
            p,
        ),
        None => (Box::new(std::io::stdout().lock()), "stdout"),
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out.as_mut());
    let written = format
        .renderer()
        .files(&report, &mut out)
        .unwrap_or(Ok(()))
        .and_then(|_| out.flush());
    finish(written, place)?;
    Ok(ExitCode::SUCCESS)
}
