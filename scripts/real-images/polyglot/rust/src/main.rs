//! Prints a small JSON report of its arguments: enough code to link clap and
//! serde_json, as a real command-line tool would.
use clap::Parser;
use serde::Serialize;

#[derive(Parser)]
struct Args {
    /// Names to report on.
    names: Vec<String>,
}

#[derive(Serialize)]
struct Report<'a> {
    count: usize,
    names: &'a [String],
}

fn main() {
    let args = Args::parse();
    let report = Report { count: args.names.len(), names: &args.names };
    println!("{}", serde_json::to_string(&report).expect("a report"));
}
