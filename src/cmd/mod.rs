//! The commands, one file each (as cargo's `commands/`): each turns its parsed
//! flags into library options, runs the pipeline and hands the report to the
//! renderer of the chosen format. The work lives in the library; a command file
//! is wiring.

mod check;
mod diff;
mod explore;
mod files;
mod inspect;
mod manual;
mod overlap;
mod packages;

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::error::Error;
use crate::report::Format;

/// Runs a parsed command line; the exit code on success, an error otherwise.
pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    crate::timings::start();
    match cli.command {
        Command::Inspect(args) => inspect::exec(args),
        Command::Diff(args) => diff::exec(args),
        Command::Check(args) => check::exec(*args),
        Command::Files(args) => files::exec(args),
        Command::Explore(args) => explore::exec(args),
        Command::Packages(args) => packages::exec(args),
        Command::Overlap(args) => overlap::exec(args),
        Command::Completions(args) => manual::completions(args),
        Command::Man(args) => manual::man(args),
    }
}

/// A rendered report, or a usage error when the format does not fit the command
/// (each command's `--format` offers only what it writes, so this is the one
/// case a flag does not decide: `inspect --manifest-only --format html`).
fn rendered(format: Format, command: &str, text: Option<String>) -> Result<String, Error> {
    text.ok_or_else(|| {
        Error::usage(
            "--format",
            format!("{command} does not write {}", format.name()),
        )
    })
}

/// Writes to `-o FILE`, else to stdout.
fn write_out(path: Option<&str>, text: &str) -> Result<(), Error> {
    match path {
        Some(p) => std::fs::write(p, text).map_err(|e| Error::io(p, e)),
        None => emit(text),
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn emit(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    finish(
        out.write_all(text.as_bytes()).and_then(|_| out.flush()),
        "stdout",
    )
}

/// A write's outcome: a closed pipe (`| head`) is not an error.
fn finish(written: std::io::Result<()>, place: &str) -> Result<(), Error> {
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io(place, e)),
        _ => Ok(()),
    }
}

/// `--ignore` globs as a set; a bad glob is a usage error naming the flag.
fn ignore_set(args: &crate::cli::IgnoreArgs) -> Result<globset::GlobSet, Error> {
    crate::analysis::waste::ignore_set(&args.ignore).map_err(|m| Error::usage("--ignore", m))
}
