//! The command line: clap structs only, turned into library options by `run`.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::inspect::{InspectReport, ViewOptions};
use crate::report::Format;
use crate::source::{Layout, OpenOptions};
use crate::{error::Error, LoadOptions};

/// Why is my container image fat? Bytes by layer, instruction and path; waste
/// findings; diffs between builds; size budgets for CI.
#[derive(Debug, Parser)]
#[command(name = "imgsize", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Where the bytes of one image are: layers, instructions, paths, hidden bytes.
    Inspect(InspectArgs),
    /// Two images side by side: what a change (say, a multi-stage build) saved.
    Diff(DiffArgs),
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The image before (any input kind `inspect` reads).
    pub a: String,
    /// The image after.
    pub b: String,
    #[command(flatten)]
    pub image: ImageArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// Folder depth for the per-folder deltas.
    #[arg(long, default_value_t = 2)]
    pub depth: usize,
    /// Rows of each kind of change.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Exit 1 when B's size (layer bytes) grew by more than this: a size (50MB,
    /// 20MiB) or a percentage of A's size (5%).
    #[arg(long, value_name = "SIZE|PERCENT")]
    pub fail_if_larger: Option<String>,
    /// Leave paths matching this glob out of the findings (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub ignore: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
    Markdown,
}

/// How to read an image input.
#[derive(Debug, Args, Clone)]
pub struct ImageArgs {
    /// Platform to pick from a multi-platform index: os/arch[/variant].
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,
    /// Image to pick when the input holds several (name:tag).
    #[arg(long, value_name = "NAME:TAG")]
    pub image: Option<String>,
    /// Which description to read: auto, docker (manifest.json) or oci (index.json).
    #[arg(long, value_enum, default_value_t = LayoutArg::Auto)]
    pub layout: LayoutArg,
    /// Check every blob's sha256 and every layer's diff_id (reads all bytes).
    #[arg(long)]
    pub verify: bool,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LayoutArg {
    Auto,
    Docker,
    Oci,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A `docker save` tarball, an OCI archive or layout directory, or `-` for stdin.
    pub input: String,
    #[command(flatten)]
    pub image: ImageArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Table)]
    pub format: InspectFormat,
    /// Folder depth for the largest paths (1 = /usr, 2 = /usr/lib).
    #[arg(long, default_value_t = 2)]
    pub depth: usize,
    /// Rows to show in each list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Leave paths matching this glob out of the findings (repeatable), e.g.
    /// '/app/vendor/**' or '**/*.map'.
    #[arg(long, value_name = "GLOB")]
    pub ignore: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum InspectFormat {
    Table,
    Json,
}

impl From<InspectFormat> for Format {
    fn from(f: InspectFormat) -> Format {
        match f {
            InspectFormat::Table => Format::Table,
            InspectFormat::Json => Format::Json,
        }
    }
}

impl ImageArgs {
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            open: OpenOptions {
                platform: self.platform.clone(),
                image: self.image.clone(),
                layout: match self.layout {
                    LayoutArg::Auto => Layout::Auto,
                    LayoutArg::Docker => Layout::Docker,
                    LayoutArg::Oci => Layout::Oci,
                },
            },
            verify: self.verify,
            progress: !self.no_progress,
        }
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn emit(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("stdout", e)),
        _ => Ok(()),
    }
}

/// Runs a parsed command line; the exit code on success, an error otherwise.
pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Inspect(args) => {
            let ignore = crate::analysis::waste::ignore_set(&args.ignore)
                .map_err(|m| Error::usage("--ignore", m))?;
            let analysis = crate::load(&args.input, &args.image.load_options())?;
            let waste = analysis.waste(&ignore);
            let report = InspectReport::build(
                &analysis,
                &waste,
                ViewOptions {
                    depth: args.depth,
                    top: args.top,
                },
            );
            let text = match Format::from(args.format) {
                Format::Json => crate::report::to_json(&report),
                _ => report.render_table(),
            };
            emit(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff(args) => run_diff(args),
    }
}

fn run_diff(args: DiffArgs) -> Result<ExitCode, Error> {
    use crate::report::diff::{DiffReport, Instructions};
    use crate::report::inspect::ImageFigures;
    let limit = args
        .fail_if_larger
        .as_ref()
        .map(|t| {
            crate::size::SizeOrPercent::parse(t)
                .map(|l| (t.clone(), l))
                .map_err(|m| Error::usage("--fail-if-larger", m))
        })
        .transpose()?;
    let ignore = crate::analysis::waste::ignore_set(&args.ignore)
        .map_err(|m| Error::usage("--ignore", m))?;
    let opts = args.image.load_options();
    let (a, b) = rayon::join(
        || crate::load(&args.a, &opts),
        || crate::load(&args.b, &opts),
    );
    let (a, b) = (a?, b?);
    let (wa, wb) = (a.waste(&ignore), b.waste(&ignore));
    let diff = crate::analysis::diff::compare(&a, &wa, &b, &wb, args.depth, args.top);
    let instructions = Instructions {
        a: a.layers.iter().map(|l| l.instruction.clone()).collect(),
        b: b.layers.iter().map(|l| l.instruction.clone()).collect(),
    };
    let report = DiffReport::build(
        &args.a,
        &args.b,
        ImageFigures::of(&a, &wa),
        ImageFigures::of(&b, &wb),
        diff,
        args.depth,
        instructions,
        limit,
    );
    let text = match args.format {
        DiffFormat::Table => report.render_table(),
        DiffFormat::Json => crate::report::to_json(&report),
        DiffFormat::Markdown => report.render_markdown(),
    };
    emit(&text)?;
    let failed = report.fail_if_larger.as_ref().is_some_and(|l| l.exceeded);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
