//! What the user sees while an image is read: bytes received, the rate and layers
//! done, on stderr when it is a terminal. On the lowest floor: the sources report
//! bytes into it, the pipeline counts layers, and neither knows the other.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the user sees while an image is read: bytes received, the rate and layers
/// done, in SI units like every other figure. Nothing when stderr is not a terminal.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    layers: AtomicUsize,
    done: AtomicUsize,
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new(0);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {msg} [{bar:30}] {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} ({eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b.set_message("reading");
            b
        });
        Progress {
            bar,
            layers: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
        }
    }

    /// Sets the expected total bytes (when known) and layer count.
    pub fn start(&self, total: Option<u64>, layers: Option<usize>) {
        if let Some(n) = layers {
            self.layers.store(n, Ordering::Relaxed);
        }
        if let Some(b) = &self.bar {
            if let Some(t) = total {
                b.set_length(t.max(b.position()));
            }
            self.message();
        }
    }

    pub fn bytes(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
            if b.length().is_some_and(|l| b.position() > l) {
                b.set_length(b.position());
            }
        }
    }

    pub fn layer_done(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
        self.message();
    }

    fn message(&self) {
        if let Some(b) = &self.bar {
            let total = self.layers.load(Ordering::Relaxed);
            if total > 0 {
                b.set_message(format!(
                    "layers {}/{total}",
                    self.done.load(Ordering::Relaxed)
                ));
            }
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// A note on stderr that does not stop the run (the slower route taken, and why).
pub fn note(msg: &str) {
    eprintln!("imgsize: {}", msg.replace(['\n', '\r'], " "));
}
