use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
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
    let cli = imgsize::cli::Cli::parse();
    match imgsize::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // With IMGSIZE_TIMINGS, the peak memory of a run that failed, too.
            imgsize::timings::mark("failed");
            eprintln!("imgsize: {e}");
            ExitCode::from(2)
        }
    }
}
