//! A deterministic image generator, for tests and benchmarks.
//!
//! It writes the same logical image in every input format imgsize reads: classic
//! `docker save` tarballs (uncompressed `<id>/layer.tar`, or crane-style `.tar.gz`
//! layers), Docker 25+ tarballs (an OCI layout inside the tar), OCI layout directories
//! and OCI archives (with or without `./` prefixes), with plain, gzip, zstd or eStargz
//! layers, several images or platforms per archive, and platforms whose blobs are
//! absent (as containerd exports them). File contents are zeros or a seeded
//! pseudo-random stream, so the same description always gives the same bytes.

mod estargz;
mod fleet;
mod formats;
mod layer;

pub use estargz::{footer as estargz_footer, EstargzWriter};
pub use fleet::FleetSpec;
pub use formats::write;
pub use layer::{write_layer_tar, Blob, HashWriter};

/// What a file holds.
#[derive(Debug, Clone)]
pub enum Fill {
    Zeros,
    /// Pseudo-random bytes from a seed (hard to compress).
    Random(u64),
    Bytes(Vec<u8>),
}

/// One tar entry of a layer.
#[derive(Debug, Clone)]
pub enum Entry {
    Dir(String),
    File {
        path: String,
        size: u64,
        fill: Fill,
    },
    Hardlink {
        path: String,
        target: String,
    },
    Symlink {
        path: String,
        target: String,
    },
    /// Writes `dir/.wh.name` for `path` = `dir/name`.
    Whiteout(String),
    /// Writes `dir/.wh..wh..opq`.
    Opaque(String),
    /// A character device (no content).
    CharDevice(String),
    /// A file whose name is raw bytes (need not be UTF-8).
    RawName {
        path: Vec<u8>,
        size: u64,
    },
    /// A file whose path is carried by a PAX `path` record.
    PaxPath {
        path: String,
        size: u64,
    },
    /// An executable file (mode 0755) with the given content: a program.
    Program {
        path: String,
        content: Vec<u8>,
    },
}

impl Entry {
    pub fn file(path: &str, size: u64) -> Entry {
        Entry::File {
            path: path.into(),
            size,
            fill: Fill::Zeros,
        }
    }

    pub fn random(path: &str, size: u64, seed: u64) -> Entry {
        Entry::File {
            path: path.into(),
            size,
            fill: Fill::Random(seed),
        }
    }

    pub fn text(path: &str, content: &str) -> Entry {
        Entry::File {
            path: path.into(),
            size: content.len() as u64,
            fill: Fill::Bytes(content.as_bytes().to_vec()),
        }
    }

    pub fn bytes(path: &str, content: Vec<u8>) -> Entry {
        Entry::File {
            path: path.into(),
            size: content.len() as u64,
            fill: Fill::Bytes(content),
        }
    }

    pub fn dir(path: &str) -> Entry {
        Entry::Dir(path.into())
    }

    pub fn program(path: &str, content: Vec<u8>) -> Entry {
        Entry::Program {
            path: path.into(),
            content,
        }
    }
}

/// One layer and the instruction that made it.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    pub entries: Vec<Entry>,
    pub created_by: String,
}

impl Layer {
    pub fn new(created_by: &str, entries: Vec<Entry>) -> Layer {
        Layer {
            entries,
            created_by: created_by.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    /// gzip with a member per file content, a table of contents and its footer.
    Estargz,
}

/// How the history relates to the layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryMode {
    /// One entry per layer, plus empty-layer entries (ENV, CMD).
    Normal,
    /// No history at all.
    Missing,
    /// One more non-empty entry than there are layers.
    Mismatched,
}

/// An image to write.
#[derive(Debug, Clone)]
pub struct Image {
    pub name: String,
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
    pub user: Option<String>,
    pub layers: Vec<Layer>,
    pub compression: Compression,
    pub history: HistoryMode,
    /// When false, the image's manifest, config and layer blobs are left out (a
    /// platform that was not pulled).
    pub present: bool,
}

impl Image {
    pub fn new(name: &str, layers: Vec<Layer>) -> Image {
        Image {
            name: name.into(),
            os: "linux".into(),
            arch: "amd64".into(),
            variant: None,
            user: None,
            layers,
            compression: Compression::None,
            history: HistoryMode::Normal,
            present: true,
        }
    }

    pub fn compressed(mut self, c: Compression) -> Image {
        self.compression = c;
        self
    }

    pub fn platform(mut self, os: &str, arch: &str, variant: Option<&str>) -> Image {
        self.os = os.into();
        self.arch = arch.into();
        self.variant = variant.map(str::to_string);
        self
    }

    pub fn absent(mut self) -> Image {
        self.present = false;
        self
    }
}

/// The archive or directory layout to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `docker save` up to Docker 24; gzip layers give crane-style `<hex>.tar.gz`.
    DockerClassic,
    /// `docker save` from Docker 25: OCI layout in the tar plus `manifest.json`.
    Docker25,
    /// An OCI layout directory.
    OciDir,
    /// A tar of an OCI layout; `dot_prefix` writes `./` before every name.
    OciArchive { dot_prefix: bool },
}
