//! Decompresses one gzip or zstd blob to nowhere with the decoders imgsize uses:
//! the floor for scanning a compressed layer (scripts/bench-vs-dive.sh).
//!
//!   cargo run --release --example decompress -- BLOB

use std::io::{self, BufReader, Read};
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: decompress BLOB");
        return ExitCode::from(2);
    };
    let run = || -> io::Result<u64> {
        let mut f = BufReader::with_capacity(1 << 20, std::fs::File::open(&path)?);
        let mut head = [0u8; 4];
        f.read_exact(&mut head)?;
        let chained = io::Cursor::new(head).chain(f);
        let mut dec: Box<dyn Read> = if head.starts_with(&[0x1f, 0x8b]) {
            Box::new(imgsize::layer::gzip_reader(BufReader::with_capacity(
                1 << 20,
                chained,
            )))
        } else {
            Box::new(zstd::stream::read::Decoder::new(chained)?)
        };
        // Read as imgsize's scan reads: 256 KiB at a time.
        let mut buf = vec![0u8; 256 << 10];
        let mut total = 0u64;
        loop {
            match dec.read(&mut buf)? {
                0 => return Ok(total),
                n => total += n as u64,
            }
        }
    };
    match run() {
        Ok(n) => {
            println!("{n}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("decompress: {path}: {e}");
            ExitCode::from(2)
        }
    }
}
