//! `imgsize explore IMAGE`: the image to browse in the terminal.

use std::process::ExitCode;

use super::ignore_set;
use crate::cli::ExploreArgs;
use crate::error::Error;
use crate::LoadOptions;

pub(super) fn exec(args: ExploreArgs) -> Result<ExitCode, Error> {
    // Before the scan: no point reading a gigabyte to draw nowhere.
    crate::explore::check_terminal()?;
    let opts = LoadOptions {
        ignore: ignore_set(&args.ignore)?,
        changes: true,
        ..args.image.load_options()
    };
    let analysis = crate::load(&args.input, &opts)?;
    crate::explore::run(&analysis)?;
    Ok(ExitCode::SUCCESS)
}
