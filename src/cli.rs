//! The command line: clap structs only. The flags several commands share are
//! defined once ([`ImageArgs`], [`ViewArgs`], [`IgnoreArgs`], and each command's
//! output flags from [`output_args!`]); `cmd` turns them into library options
//! and runs the command.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;
use crate::source::reference::SourceKind;
use crate::source::registry::RegistryOptions;
use crate::source::{Layout, OpenOptions};
use crate::LoadOptions;

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
    /// Browse the image in the terminal, as dive does: layers, each layer's changes
    /// or the image as of it, findings and packages that jump to their paths.
    Explore(ExploreArgs),
    /// Bytes by package (npm, Debian, Alpine, Python, conda, gems, Composer, NuGet,
    /// jars), and what no package claims.
    Packages(PackagesArgs),
    /// Many images at once: the layers they share, what each adds alone, and the
    /// same files installed separately in each (what a shared base would save).
    Overlap(OverlapArgs),
    /// Shell completions: imgsize completions bash > /etc/bash_completion.d/imgsize.
    Completions(CompletionsArgs),
    /// The manual pages (roff), one per command: imgsize man --dir
    /// /usr/local/share/man/man1 (or the page of imgsize itself on stdout).
    Man(ManArgs),
}

/// One struct of output flags for a command: `--format`, offering the formats
/// that command writes (its help lists them, nothing else), and `-o FILE`.
macro_rules! output_args {
    ($name:ident, $default:literal, [$($format:ident),+]) => {
        #[derive(Debug, Args, Clone)]
        pub struct $name {
            /// Output format.
            #[arg(
                long,
                default_value = $default,
                value_parser = Format::parser(&[$(Format::$format),+])
            )]
            pub format: Format,
            /// Write the output to this file instead of stdout.
            #[arg(short = 'o', long, value_name = "FILE")]
            pub output: Option<String>,
        }
    };
}

output_args!(InspectOutput, "table", [Table, Json, Html]);
output_args!(DiffOutput, "table", [Table, Json, Markdown, Html]);
output_args!(CheckOutput, "table", [Table, Json, Markdown, Junit]);
output_args!(FilesOutput, "tsv", [Tsv, Json]);
output_args!(PackagesOutput, "table", [Table, Json, Csv]);
output_args!(OverlapOutput, "table", [Table, Json, Markdown]);

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
    /// Read names from this containers-storage (Podman's, Buildah's, CRI-O's
    /// graphroot) with no daemon; `containers-storage:NAME` reads storage.conf's.
    #[arg(long, value_name = "DIR")]
    pub storage_root: Option<String>,
}

/// How much of a report to show.
#[derive(Debug, Args, Clone)]
pub struct ViewArgs {
    /// Folder depth for the per-folder figures (1 = /usr, 2 = /usr/lib).
    #[arg(long, default_value_t = 2, value_parser = at_least_one)]
    pub depth: usize,
    /// Rows to show in each list.
    #[arg(long, default_value_t = 10, value_parser = at_least_one)]
    pub top: usize,
}

/// A count of 1 or more (`--depth 0` and `--top 0` would show nothing).
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be 1 or more".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("'{s}' is not a whole number")),
    }
}

/// Paths the findings leave out.
#[derive(Debug, Args, Clone)]
pub struct IgnoreArgs {
    /// Leave paths matching this glob out of the findings (repeatable), e.g.
    /// '/app/vendor/**' or '**/*.map'.
    #[arg(long, value_name = "GLOB")]
    pub ignore: Vec<String>,
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
    #[command(flatten)]
    pub out: InspectOutput,
    #[command(flatten)]
    pub view: ViewArgs,
    #[command(flatten)]
    pub ignore: IgnoreArgs,
    /// Read the manifest and config only, no layer: per-layer pull sizes and
    /// instructions in well under a second; figures that need the layers are absent
    /// (table or json).
    #[arg(long)]
    pub manifest_only: bool,
    /// With --format json: each layer's added, modified and deleted paths
    /// (`layers[].changes`).
    #[arg(long)]
    pub files: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The image before (any input kind `inspect` reads).
    pub a: String,
    /// The image after.
    pub b: String,
    #[command(flatten)]
    pub image: ImageArgs,
    #[command(flatten)]
    pub out: DiffOutput,
    #[command(flatten)]
    pub view: ViewArgs,
    #[command(flatten)]
    pub ignore: IgnoreArgs,
    /// Exit 1 when B's size (layer bytes) grew by more than this: a size (50MB,
    /// 20MiB) or a percentage of A's size (5%).
    #[arg(long, value_name = "SIZE|PERCENT")]
    pub fail_if_larger: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The image to check.
    pub input: String,
    #[command(flatten)]
    pub image: ImageArgs,
    #[command(flatten)]
    pub out: CheckOutput,
    #[command(flatten)]
    pub ignore: IgnoreArgs,
    /// Budget file (default: imgsize.toml in the current folder, if there is one).
    #[arg(long, value_name = "PATH")]
    pub config: Option<String>,
    #[command(flatten)]
    pub budget: BudgetArgs,
}

/// The budget rules as flags (each also a key of imgsize.toml).
#[derive(Debug, Args, Clone)]
pub struct BudgetArgs {
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
}

#[derive(Debug, Args)]
pub struct FilesArgs {
    /// The image (any input `inspect` reads).
    pub input: String,
    #[command(flatten)]
    pub image: ImageArgs,
    /// tsv: path, bytes, layer, kind (with --layer: path, change, bytes, kind),
    /// tab-separated, control characters in paths escaped; json: one object per line.
    #[command(flatten)]
    pub out: FilesOutput,
    /// List what this layer added, modified and deleted (0 = the base layer).
    #[arg(long, value_name = "N")]
    pub layer: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// The image (any input `inspect` reads).
    pub input: String,
    #[command(flatten)]
    pub image: ImageArgs,
    #[command(flatten)]
    pub ignore: IgnoreArgs,
}

#[derive(Debug, Args)]
pub struct PackagesArgs {
    /// The image (any input `inspect` reads).
    pub input: String,
    #[command(flatten)]
    pub image: ImageArgs,
    #[command(flatten)]
    pub out: PackagesOutput,
    /// Only this package manager's packages.
    #[arg(long, value_enum)]
    pub ecosystem: Option<crate::report::packages::Ecosystem>,
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
    #[command(flatten)]
    pub out: OverlapOutput,
    /// Rows of shared layers and near misses.
    #[arg(long, default_value_t = 10, value_parser = at_least_one)]
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
pub struct ManArgs {
    /// Write every page (imgsize.1, imgsize-inspect.1, ...) into this folder,
    /// made if it is not there; without it, imgsize.1 goes to stdout.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<String>,
}

impl BudgetArgs {
    /// The budget flags, as typed; `config::check_settings` checks them.
    pub(crate) fn flags(&self) -> crate::config::BudgetFlags {
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
                storage_root: self.storage_root.clone(),
            },
            verify: self.verify,
            progress: !self.no_progress,
            ignore: globset::GlobSet::empty(),
            changes: false,
            content: self.content,
        }
    }
}
