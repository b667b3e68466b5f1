//! `imgsize overlap IMAGE...`: many images at once, the layers they share and
//! the files they install separately.

use std::process::ExitCode;

use super::{rendered, write_out};
use crate::cli::OverlapArgs;
use crate::error::Error;
use crate::report::overlap::OverlapReport;

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

pub(super) fn exec(args: OverlapArgs) -> Result<ExitCode, Error> {
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
    let format = args.out.format;
    let text = rendered(format, "overlap", format.renderer().overlap(&report))?;
    write_out(args.out.output.as_deref(), &text)?;
    if fleet.failures.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for f in &fleet.failures {
        eprintln!("imgsize: {}", f.error);
    }
    Ok(ExitCode::from(2))
}
