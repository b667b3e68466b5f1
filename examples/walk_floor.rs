//! The floor for scanning an uncompressed docker-archive: walks every layer's tar
//! headers and nothing else (no names kept, no files read, no model), on as many
//! threads as there are cores, the largest layers first as imgsize's scan does.
//! Two ways to reach the headers are timed:
//!
//! - `window`: imgsize's way (src/tar/source.rs): a 16 KiB buffer read on through
//!   runs of small files, one 4 KiB page after a jump over a large file's content
//!   (`ON=bytes JUMP=bytes` set other sizes);
//! - `pread`: one 512-byte `pread` per header, nothing else copied.
//!
//!   cargo run --release --example walk_floor -- ARCHIVE [RUNS]
//!
//! Prints, per way, the wall time of the first walk (what one run of imgsize
//! pays: the process and its caches are cold) and the median of RUNS walks
//! (default 15), the headers walked and the bytes copied out of the page cache.
//! The first way walked also pays for the file's first reads: run it twice.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const BLOCK: u64 = 512;

/// A header's content size (octal, or base-256 when the high bit is set).
fn size_of(h: &[u8]) -> Option<u64> {
    let f = &h[124..136];
    if f[0] & 0x80 != 0 {
        return Some(f[1..].iter().fold(0u64, |a, &b| (a << 8) | u64::from(b)));
    }
    let mut n = 0u64;
    for &b in f {
        match b {
            b'0'..=b'7' => n = n.checked_mul(8)? + u64::from(b - b'0'),
            b' ' | 0 if n > 0 => break,
            b' ' | 0 => {}
            _ => return None,
        }
    }
    Some(n)
}

fn padded(n: u64) -> u64 {
    n.div_ceil(BLOCK) * BLOCK
}

/// The members of the outer tar that are tars themselves: (offset, length).
fn layers(f: &File) -> std::io::Result<Vec<(u64, u64)>> {
    let len = f.metadata()?.len();
    let mut out = Vec::new();
    let mut at = 0;
    let mut h = [0u8; 512];
    while at + BLOCK <= len {
        f.read_exact_at(&mut h, at)?;
        if h.iter().all(|&b| b == 0) {
            break;
        }
        let size = size_of(&h).unwrap_or(0);
        let start = at + BLOCK;
        if size >= 1024 && h[156] != b'5' {
            let mut inner = [0u8; 512];
            f.read_exact_at(&mut inner, start)?;
            if &inner[257..262] == b"ustar" {
                out.push((start, size));
            }
        }
        at = start + padded(size);
    }
    Ok(out)
}

/// Walks the headers of the tar at [start, start + len) one `pread` each.
fn walk_pread(f: &File, start: u64, len: u64) -> (u64, u64) {
    let (mut at, mut headers, mut copied) = (0u64, 0u64, 0u64);
    let mut h = [0u8; 512];
    while at + BLOCK <= len {
        if f.read_exact_at(&mut h, start + at).is_err() {
            break;
        }
        copied += BLOCK;
        if h.iter().all(|&b| b == 0) {
            break;
        }
        headers += 1;
        at += BLOCK + padded(size_of(&h).unwrap_or(0));
    }
    (headers, copied)
}

/// Walks the same headers through imgsize's window.
fn walk_window(f: &File, start: u64, len: u64) -> (u64, u64) {
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (on_w, jump_w) = (env("ON", 16 << 10), env("JUMP", 4 << 10));
    let mut buf = vec![0u8; on_w.max(jump_w)];
    let (mut buf_at, mut buf_len) = (0u64, 0usize);
    let (mut at, mut headers, mut copied) = (0u64, 0u64, 0u64);
    while at + BLOCK <= len {
        if at < buf_at || at + BLOCK > buf_at + buf_len as u64 {
            let on = at == buf_at + buf_len as u64;
            let window = if on { on_w } else { jump_w };
            let want = (len - at).min(window as u64) as usize;
            if f.read_exact_at(&mut buf[..want], start + at).is_err() {
                break;
            }
            copied += want as u64;
            buf_at = at;
            buf_len = want;
        }
        let o = (at - buf_at) as usize;
        let h = &buf[o..o + 512];
        if h.iter().all(|&b| b == 0) {
            break;
        }
        headers += 1;
        at += BLOCK + padded(size_of(h).unwrap_or(0));
    }
    (headers, copied)
}

/// One way to walk a tar's headers: (headers walked, bytes copied).
type Walk = fn(&File, u64, u64) -> (u64, u64);

fn run(f: &File, parts: &[(u64, u64)], walk: Walk) -> (u64, u64) {
    let next = AtomicUsize::new(0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..cores)
            .map(|_| {
                s.spawn(|| {
                    let mut sum = (0, 0);
                    while let Some(&(start, len)) = parts.get(next.fetch_add(1, Ordering::Relaxed))
                    {
                        let (h, c) = walk(f, start, len);
                        sum = (sum.0 + h, sum.1 + c);
                    }
                    sum
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("walker"))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    })
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: walk_floor ARCHIVE [RUNS]");
        return ExitCode::from(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(15);
    let f = match File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("walk_floor: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut parts = match layers(&f) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("walk_floor: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    parts.sort_by_key(|p| std::cmp::Reverse(p.1));
    let ways: [(&str, Walk); 2] = [("window", walk_window), ("pread", walk_pread)];
    for (name, walk) in ways {
        let mut times = Vec::new();
        let mut got = (0, 0);
        for _ in 0..runs {
            let t = Instant::now();
            got = run(&f, &parts, walk);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let first = times[0];
        times.sort_by(f64::total_cmp);
        println!(
            "{name:6}  first {first:6.1} ms  median {:6.1} ms  {} layers  {} headers  {:.1} MB copied",
            times[times.len() / 2],
            parts.len(),
            got.0,
            got.1 as f64 / 1e6
        );
    }
    ExitCode::SUCCESS
}
