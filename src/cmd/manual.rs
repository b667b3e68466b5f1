//! `imgsize completions SHELL` and `imgsize man`: generated from the clap
//! definitions, so they cannot drift from the flags.

use std::process::ExitCode;

use clap::CommandFactory;

use super::emit;
use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::error::Error;

pub(super) fn completions(args: CompletionsArgs) -> Result<ExitCode, Error> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "imgsize", &mut out);
    emit(&String::from_utf8_lossy(&out))?;
    Ok(ExitCode::SUCCESS)
}

/// `imgsize.1` on stdout; with `--dir`, it and a page per command
/// (`imgsize-inspect.1`...), which `imgsize.1`'s SEE ALSO names, written there.
pub(super) fn man(args: ManArgs) -> Result<ExitCode, Error> {
    let cmd = Cli::command();
    let Some(dir) = args.dir else {
        let mut out = Vec::new();
        clap_mangen::Man::new(cmd)
            .render(&mut out)
            .map_err(|e| Error::io("man page", e))?;
        emit(&String::from_utf8_lossy(&out))?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    clap_mangen::generate_to(cmd, &dir).map_err(|e| Error::io(&dir, e))?;
    Ok(ExitCode::SUCCESS)
}
