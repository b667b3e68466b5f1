//! The command line: clap structs only, turned into library options by `run`.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::inspect::{InspectReport, ViewOptions};
use crate::report::Format;
use crate::source::reference::SourceKind;
use crate::source::registry::RegistryOptions;
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
    /// Size budgets for CI: exit 0 when every rule passes, 1 when one fails.
    Check(Box<CheckArgs>),
    /// One line per path, for grep and jq: the final filesystem, or what one layer
    /// changed (--layer N).
    Files(FilesArgs),
    /// Bytes by package (npm, Debian, Alpine, Python), and what no package claims.
    Packages(PackagesArgs),
    /// Many images at once: the layers they share, what each adds alone, and the
    /// same files installed separately in each (what a shared base would save).
    Overlap(OverlapArgs),
    /// Shell completions: imgsize completions bash > /etc/bash_completion.d/imgsize.
    Completions(CompletionsArgs),
    /// The manual page (roff): imgsize man > /usr/local/share/man/man1/imgsize.1.
    Man,
}

#[derive(Debug, Args)]
pub struct FilesArgs {
    /// The image (any input `inspect` reads).
    pub input: String,
    #[command(flatten)]
    pub image: ImageArgs,
    /// List what this layer added, modified and deleted (0 = the base layer).
    #[arg(long, value_name = "N")]
    pub layer: Option<usize>,
    /// tsv: path, bytes, layer, kind (with --layer: path, change, bytes, kind),
    /// tab-separated; json: one object per line.
    #[arg(long, value_enum, default_value_t = crate::report::files::ListFormat::Tsv)]
    pub format: crate::report::files::ListFormat,
}

#[derive(Debug, Args)]
pub struct PackagesArgs {
    /// The image (any input `inspect` reads).
    pub input: String,
    #[command(flatten)]
    pub image: ImageArgs,
    /// Only this package manager's packages.
    #[arg(long, value_enum)]
    pub ecosystem: Option<crate::report::packages::Ecosystem>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = crate::report::packages::PackagesFormat::Table)]
    pub format: crate::report::packages::PackagesFormat,
}

#[derive(Debug, Args)]
pub struct OverlapArgs {
    /// The images (any input `inspect` reads); a quoted glob ('images/*.tar') is
    /// expanded.
    pub inputs: Vec<String>,
    /// Read more images from this file: one per line, `#` starts a comment; `-`
    /// for stdin.
    #[arg(long, value_name = "FILE")]
    pub from: Option<String>,
    #[command(flatten)]
    pub image: ImageArgs,
    /// Output format: table, json or markdown (a comment for the platform repo).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<String>,
    /// Rows of shared layers and near misses.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// When some images cannot be read, report on the rest and list the failures
    /// (the exit code is still 2).
    #[arg(long)]
    pub keep_going: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The image to check.
    pub input: String,
    #[command(flatten)]
    pub image: ImageArgs,
    /// Budget file (default: imgsize.toml in the current folder, if there is one).
    #[arg(long, value_name = "PATH")]
    pub config: Option<String>,
    /// Most layer bytes (the size `docker images` shows): 800MB, 1.5GB, 700MiB.
    #[arg(long, value_name = "SIZE")]
    pub max_size: Option<String>,
    /// Most bytes visible in the final filesystem.
    #[arg(long, value_name = "SIZE")]
    pub max_final_size: Option<String>,
    /// Most compressed bytes (the pull size).
    #[arg(long, value_name = "SIZE")]
    pub max_compressed_size: Option<String>,
    /// Most layers.
    #[arg(long, value_name = "N")]
    pub max_layers: Option<u64>,
    /// Most hidden bytes: a size, or a percentage of the image size.
    #[arg(long, value_name = "SIZE|PERCENT")]
    pub max_hidden: Option<String>,
    /// Lowest dive efficiency: 0.9 or 90%.
    #[arg(long, value_name = "RATIO")]
    pub min_efficiency: Option<String>,
    /// Most bytes for a waste category (repeatable): dev-dependencies=0B.
    #[arg(long, value_name = "CATEGORY=SIZE")]
    pub max_category: Vec<String>,
    /// Paths that must not be in the image (repeatable): '**/.env'.
    #[arg(long, value_name = "GLOB")]
    pub forbid: Vec<String>,
    /// Most bytes under matching paths (repeatable): '/app/node_modules/**=100MB'.
    #[arg(long, value_name = "GLOB=SIZE")]
    pub max_path: Vec<String>,
    /// The most bytes any one package may hold (npm, deb, apk, python): 50MB.
    #[arg(long, value_name = "SIZE")]
    pub max_package_size: Option<String>,
    /// A package that must not be installed (repeatable; globs): typescript,
    /// '@types/*'.
    #[arg(long, value_name = "NAME")]
    pub forbid_package: Vec<String>,
    /// The most bytes duplicate content may waste (reads contents, as --content).
    #[arg(long, value_name = "SIZE")]
    pub max_duplicate_bytes: Option<String>,
    /// An older image, or an `imgsize inspect --format json` report of one.
    #[arg(long, value_name = "OLD_IMAGE_OR_JSON_REPORT")]
    pub baseline: Option<String>,
    /// Most growth of the size over the baseline: a size or a percentage.
    #[arg(long, value_name = "SIZE|PERCENT")]
    pub max_growth: Option<String>,
    /// Also apply the rules of a dive `.dive-ci` file, with dive's semantics.
    #[arg(long, value_name = "PATH")]
    pub dive_ci: Option<String>,
    /// Output format: table (also `text`: each rule PASS or FAIL), json, markdown or junit.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Leave paths matching this glob out of the findings (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub ignore: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The image before (any input kind `inspect` reads).
    pub a: String,
    /// The image after.
    pub b: String,
    #[command(flatten)]
    pub image: ImageArgs,
    /// Output format: table, json, markdown or html (one self-contained page).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<String>,
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
    /// Read every file's content and hash it (XXH3-128): finds files duplicated at
    /// several paths and tells a rewrite of identical bytes (RUN chown -R) for sure.
    #[arg(long)]
    pub content: bool,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Where to read a name from: auto (a path that exists, else the engine if it
    /// has the image, else the registry), file, engine or registry.
    #[arg(long, value_enum, default_value_t = SourceArg::Auto)]
    pub source: SourceArg,
    /// A registry host to reach over plain HTTP, or HTTPS without certificate
    /// checks (repeatable). Loopback hosts may use plain HTTP without it.
    #[arg(long, value_name = "HOST[:PORT]")]
    pub insecure_registry: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SourceArg {
    Auto,
    File,
    Engine,
    Registry,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LayoutArg {
    Auto,
    Docker,
    Oci,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The image: a `docker save` tarball, an OCI archive or layout directory, `-`
    /// for stdin, a name the engine or a registry has (app:latest), or a
    /// transport-prefixed name (docker-daemon:, podman:, docker://, oci:,
    /// oci-archive:, docker-archive:).
    pub input: String,
    #[command(flatten)]
    pub image: ImageArgs,
    /// Output format: table, json or html (one self-contained page).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<String>,
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
    /// Read the manifest and config only, no layer: per-layer pull sizes and
    /// instructions in well under a second; figures that need the layers are absent.
    #[arg(long)]
    pub manifest_only: bool,
    /// With --format json: each layer's added, modified and deleted paths
    /// (`layers[].changes`).
    #[arg(long)]
    pub files: bool,
}

impl CheckArgs {
    /// The budget flags, as typed; `config::check_settings` checks them.
    fn budget_flags(&self) -> crate::config::BudgetFlags {
        crate::config::BudgetFlags {
            max_size: self.max_size.clone(),
            max_final_size: self.max_final_size.clone(),
            max_compressed_size: self.max_compressed_size.clone(),
            max_layers: self.max_layers,
            max_hidden: self.max_hidden.clone(),
            min_efficiency: self.min_efficiency.clone(),
            max_category: self.max_category.clone(),
            forbid: self.forbid.clone(),
            max_path: self.max_path.clone(),
            max_package_size: self.max_package_size.clone(),
            forbid_package: self.forbid_package.clone(),
            max_duplicate_bytes: self.max_duplicate_bytes.clone(),
            baseline: self.baseline.clone(),
            max_growth: self.max_growth.clone(),
            dive_ci: self.dive_ci.clone(),
        }
    }
}

impl ImageArgs {
    pub(crate) fn load_options(&self) -> LoadOptions {
        LoadOptions {
            open: OpenOptions {
                platform: self.platform.clone(),
                image: self.image.clone(),
                layout: match self.layout {
                    LayoutArg::Auto => Layout::Auto,
                    LayoutArg::Docker => Layout::Docker,
                    LayoutArg::Oci => Layout::Oci,
                },
                source: match self.source {
                    SourceArg::Auto => SourceKind::Auto,
                    SourceArg::File => SourceKind::File,
                    SourceArg::Engine => SourceKind::Engine,
                    SourceArg::Registry => SourceKind::Registry,
                },
                registry: RegistryOptions {
                    insecure: self.insecure_registry.clone(),
                },
            },
            verify: self.verify,
            progress: !self.no_progress,
            ignore: globset::GlobSet::empty(),
            changes: false,
            content: self.content,
        }
    }
}

/// A rendered report, or a usage error when the format does not fit the command.
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
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("stdout", e)),
        _ => Ok(()),
    }
}

/// Runs a parsed command line; the exit code on success, an error otherwise.
pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    crate::timings::start();
    match cli.command {
        Command::Inspect(args) => {
            let ignore = crate::analysis::waste::ignore_set(&args.ignore)
                .map_err(|m| Error::usage("--ignore", m))?;
            let opts = LoadOptions {
                ignore,
                changes: args.files || args.format == Format::Html,
                ..args.image.load_options()
            };
            if args.manifest_only {
                let progress = crate::pipeline::Progress::new(false);
                let image = crate::pipeline::open(&args.input, &opts, &progress)?;
                let report = crate::report::manifest::ManifestReport::build(&args.input, &image)?;
                let text = args.format.renderer().manifest(&report);
                write_out(
                    args.output.as_deref(),
                    &rendered(args.format, "inspect --manifest-only", text)?,
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            let analysis = crate::load(&args.input, &opts)?;
            let report = InspectReport::build(
                &analysis,
                &analysis.waste,
                ViewOptions {
                    depth: args.depth,
                    top: args.top,
                },
            );
            let report = if args.format == Format::Html {
                report.with_treemap(&analysis)
            } else {
                report
            };
            let text = rendered(
                args.format,
                "inspect",
                args.format.renderer().inspect(&report),
            )?;
            crate::timings::mark("report");
            write_out(args.output.as_deref(), &text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff(args) => run_diff(args),
        Command::Overlap(args) => run_overlap(args),
        Command::Check(args) => run_check(*args),
        Command::Files(args) => run_files(args),
        Command::Packages(args) => {
            let analysis = crate::load(&args.input, &args.image.load_options())?;
            let report =
                InspectReport::build(&analysis, &analysis.waste, ViewOptions { depth: 1, top: 1 });
            emit(&crate::report::packages::render(
                &args.input,
                &report.packages,
                &report.unowned,
                &report.layers,
                args.ecosystem,
                args.format,
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions(args) => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "imgsize", &mut out);
            emit(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|e| Error::io("man page", e))?;
            emit(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
    }
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

fn run_files(args: FilesArgs) -> Result<ExitCode, Error> {
    use crate::report::files;
    let opts = LoadOptions {
        changes: args.layer.is_some(),
        ..args.image.load_options()
    };
    let analysis = crate::load(&args.input, &opts)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = match args.layer {
        None => files::write_final(&analysis, args.format, &mut out),
        Some(n) => {
            let changes = analysis
                .changes
                .as_ref()
                .and_then(|c| c.get(n))
                .ok_or_else(|| {
                    Error::usage(
                        "--layer",
                        format!(
                            "the image has {} layers (0 to {})",
                            analysis.layers.len(),
                            analysis.layers.len().saturating_sub(1)
                        ),
                    )
                })?;
            files::write_changes(changes, args.format, &mut out)
        }
    };
    match written.and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("stdout", e)),
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn run_check(args: CheckArgs) -> Result<ExitCode, Error> {
    use crate::analysis::budget;
    use crate::report::check::CheckReport;
    use crate::report::inspect::ImageFigures;

    let crate::config::FileSettings {
        budget, baseline, ..
    } = crate::config::check_settings(args.config.as_deref(), &args.budget_flags())?;
    let ignore = crate::analysis::waste::ignore_set(&args.ignore)
        .map_err(|m| Error::usage("--ignore", m))?;
    let base_opts = args.image.load_options();
    let opts = LoadOptions {
        ignore,
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
    let mut text = rendered(args.format, "check", args.format.renderer().check(&report))?;
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        text.push_str(&report.github_annotations());
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
    }
    emit(&text)?;
    Ok(if report.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
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
    let opts = LoadOptions {
        ignore,
        ..args.image.load_options()
    };
    let (a, b) = crate::pipeline::load_pair(&args.a, &args.b, &opts);
    let (a, b) = (a?, b?);
    let (wa, wb) = (&a.waste, &b.waste);
    let diff = crate::analysis::diff::compare(&a, wa, &b, wb, args.depth, args.top);
    let instructions = Instructions {
        a: a.layers.iter().map(|l| l.instruction.clone()).collect(),
        b: b.layers.iter().map(|l| l.instruction.clone()).collect(),
    };
    let report = DiffReport::build(
        &args.a,
        &args.b,
        ImageFigures::of(&a, wa),
        ImageFigures::of(&b, wb),
        diff,
        args.depth,
        instructions,
        limit,
    );
    let report = if args.format == Format::Html {
        DiffReport {
            treemaps: Some((
                crate::report::treemap::build(&a),
                crate::report::treemap::build(&b),
            )),
            ..report
        }
    } else {
        report
    };
    let text = rendered(args.format, "diff", args.format.renderer().diff(&report))?;
    write_out(args.output.as_deref(), &text)?;
    let failed = report.fail_if_larger.as_ref().is_some_and(|l| l.exceeded);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The images `overlap` reads: the arguments (a glob that names no file as typed
/// is expanded) then the lines of `--from`; each once, in order.
fn overlap_inputs(args: &OverlapArgs) -> Result<Vec<String>, Error> {
    let mut inputs: Vec<String> = Vec::new();
    for a in &args.inputs {
        let is_glob = a.contains(['*', '?', '[']) && !std::path::Path::new(a).exists();
        if !is_glob {
            inputs.push(a.clone());
            continue;
        }
        let paths = glob::glob(a).map_err(|e| Error::usage(a, format!("not a glob: {e}")))?;
        let mut matched: Vec<String> = paths
            .filter_map(|p| p.ok())
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        if matched.is_empty() {
            return Err(Error::missing(a, "no file matches this glob"));
        }
        matched.sort();
        inputs.extend(matched);
    }
    if let Some(from) = &args.from {
        let text = if from == "-" {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                .map_err(|e| Error::io("stdin", e))?;
            s
        } else {
            crate::config::read_text(from)?
        };
        for line in text.lines() {
            let line = line.split_once('#').map_or(line, |(l, _)| l).trim();
            if !line.is_empty() {
                inputs.push(line.to_string());
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    inputs.retain(|i| seen.insert(i.clone()));
    if inputs.len() < 2 {
        return Err(Error::usage(
            "overlap",
            format!(
                "needs two images or more (got {}): imgsize overlap a.tar b.tar, or --from FILE",
                inputs.len()
            ),
        ));
    }
    Ok(inputs)
}

fn run_overlap(args: OverlapArgs) -> Result<ExitCode, Error> {
    use crate::report::overlap::OverlapReport;
    // The format is checked before any image is read.
    if !matches!(args.format, Format::Table | Format::Json | Format::Markdown) {
        return Err(Error::usage(
            "--format",
            format!("overlap does not write {}", args.format.name()),
        ));
    }
    let inputs = overlap_inputs(&args)?;
    let opts = args.image.load_options();
    let mut fleet = crate::pipeline::load_fleet(&inputs, &opts, args.keep_going)?;
    let overlap = crate::analysis::overlap::compute(&fleet.images, &mut fleet.layers);
    crate::timings::mark("overlap");
    let report = OverlapReport::build(
        overlap,
        &fleet.images,
        &fleet.about,
        &fleet.failures,
        args.top,
    );
    let text = rendered(
        args.format,
        "overlap",
        args.format.renderer().overlap(&report),
    )?;
    write_out(args.output.as_deref(), &text)?;
    if fleet.failures.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for f in &fleet.failures {
        eprintln!("imgsize: {}", f.error);
    }
    Ok(ExitCode::from(2))
}
