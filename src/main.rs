use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;

fn main() -> ExitCode {
    return_large_buffers();
    // A panic is a bug; still, say so in one line and exit 2 like any other failure.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "imgsize: internal error{at}: {} (please report this)",
            msg.replace('\n', " ")
        );
        std::process::exit(2);
    }));
    let cli = match imgsize::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match imgsize::cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // With IMGSIZE_TIMINGS, the peak memory of a run that failed, too.
            imgsize::timings::mark("failed");
            eprintln!("imgsize: {e}");
            ExitCode::from(2)
        }
    }
}

/// glibc's malloc gives a block of 128 KiB or more its own mapping, returned to
/// the system when freed, but each time one is freed it raises that threshold to
/// the block's size (up to 32 MiB): the next zstd window (8 MiB per layer
/// decoded) then comes from the heap, and the heap keeps what is freed. Fixing
/// the threshold at glibc's default lowered the peak on debian-npm's zstd form
/// from 49.5 to 35.3 MB and on its gzip form from 38.0 to 35.1, at the same
/// speed (BENCHMARKS.md, "2026-12-05, second round").
fn return_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of the allocator; it is called
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10);
    }
}

/// clap's usage errors in imgsize's style, one line (`imgsize: ...`), exit 2;
/// help and version as clap prints them.
fn usage_error(e: clap::Error) -> ExitCode {
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
    }
    if let Some(image) = image_for_a_command(&e) {
        // `dive app:latest` is how dive's users start.
        eprintln!(
            "imgsize: '{image}' is not a command; for an image: `imgsize inspect {image}` (a report) or `imgsize explore {image}` (browse it, as dive does); see `imgsize --help`"
        );
        return ExitCode::from(2);
    }
    let text = e.render().to_string();
    // What clap says before its usage block, on one line.
    let said: Vec<String> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .map(|l| match l.strip_prefix("tip: ") {
            Some(tip) => format!("({tip})"),
            None => l.trim_start_matches("error: ").to_string(),
        })
        .collect();
    let said = said.join(" ").replace(": (", " (");
    use clap::CommandFactory as _;
    let commands = imgsize::cli::Cli::command();
    let sub = std::env::args().skip(1).find(|a| {
        commands
            .get_subcommands()
            .any(|c| c.get_name() == a.as_str())
    });
    let usage = match sub {
        Some(c) => format!("imgsize {c} --help"),
        None => "imgsize --help".into(),
    };
    eprintln!("imgsize: {said}; see `{usage}`");
    ExitCode::from(2)
}

/// The argument clap took for a command when it names an image, as `dive IMAGE`
/// takes one: it has what no command's name has (`app:latest`, `./app.tar`,
/// `ghcr.io/org/app`), or is a file, or is no command's near miss (clap
/// suggests `inspect` for `inpsect`, but also `man` for `/tmp/app.oci`).
fn image_for_a_command(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    if e.kind() != ErrorKind::InvalidSubcommand {
        return None;
    }
    let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidSubcommand) else {
        return None;
    };
    let image_like = arg.contains(['/', ':', '.', '@']) || std::path::Path::new(arg).exists();
    // Said on one line, whatever the argument holds.
    (image_like || e.get(ContextKind::SuggestedSubcommand).is_none())
        .then(|| imgsize::text::path_text(arg.as_bytes()))
}
