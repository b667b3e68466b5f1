//! `imgsize packages IMAGE`: bytes by package, and what no package claims.

use std::process::ExitCode;

use super::{rendered, write_out};
use crate::cli::PackagesArgs;
use crate::error::Error;
use crate::report::packages::PackagesReport;

pub(super) fn exec(args: PackagesArgs) -> Result<ExitCode, Error> {
    let analysis = crate::load(&args.input, &args.image.load_options())?;
    let report = PackagesReport::build(&args.input, &analysis, args.ecosystem);
    let format = args.out.format;
    let text = rendered(format, "packages", format.renderer().packages(&report))?;
    write_out(args.out.output.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}
