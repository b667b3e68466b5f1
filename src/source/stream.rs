//! An image read once from a stream (stdin, a pipe, an engine's export): its
//! small files kept, each layer scanned as it passes, so memory holds metadata,
//! never layer bytes.

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::Arc;

use super::container::{lossy, resolve_link, sparse_member, MAX_METADATA, MAX_STREAM_METADATA};
use crate::error::{Error, Result};
use crate::layer::{self, normalize_path, Compression, LayerScan, ScanOptions};
use crate::tar::{StreamSource, TarKind, TarWalker};

/// A tar stream consumed once: small files kept, layers scanned as they passed.
pub(crate) struct StreamContainer {
    pub(super) label: String,
    /// Shared with the names linked to it, as the scans are.
    pub(super) small: HashMap<String, Arc<Vec<u8>>>,
    pub(super) sizes: HashMap<String, u64>,
    /// Each layer scanned once; a link to it shares the scan (never a copy: a
    /// crafted archive can link one member from thousands of names).
    pub(super) scans: HashMap<String, std::result::Result<Arc<LayerScan>, String>>,
}

/// What a member of the stream was.
enum StreamBlob {
    Json(Vec<u8>),
    Layer(Box<std::result::Result<LayerScan, String>>),
    TooBig,
}

/// The outer stream, decompressed: `docker save app | gzip` is a common way to
/// keep tarballs around.
fn decompressed<'a>(input: impl Read + 'a, label: &str) -> Result<Box<dyn Read + 'a>> {
    let mut input = io::BufReader::with_capacity(1 << 20, input);
    let head = io::BufRead::fill_buf(&mut input)
        .map_err(|e| Error::io(label, e))?
        .to_vec();
    Ok(match Compression::detect(&head) {
        Some(Compression::Gzip) => Box::new(flate2::read::MultiGzDecoder::new(input)),
        Some(Compression::Zstd) => {
            Box::new(zstd::stream::read::Decoder::new(input).map_err(|e| Error::io(label, e))?)
        }
        Some(Compression::None) => Box::new(input),
        None if head.is_empty() => return Err(Error::format(label, "empty input: not an image")),
        None => {
            return Err(Error::format(
                label,
                "not a tar archive (expected `docker save` output or an OCI archive)",
            ))
        }
    })
}

impl StreamContainer {
    /// Reads a whole tar stream. Metadata is kept; every blob that looks like a layer
    /// is scanned as it passes.
    pub(crate) fn read(
        input: impl Read,
        label: &str,
        opts: &ScanOptions,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<StreamContainer> {
        let reader = decompressed(input, label)?;
        let mut walker = TarWalker::new(StreamSource::new(io::BufReader::with_capacity(
            256 << 10,
            reader,
        )));
        let mut c = StreamContainer {
            label: label.to_string(),
            small: HashMap::new(),
            sizes: HashMap::new(),
            scans: HashMap::new(),
        };
        let mut links: Vec<(String, String)> = Vec::new();
        let mut name = Vec::new();
        let mut any = false;
        let mut kept = 0u64;
        loop {
            let (key, kind, size) = match walker.next_entry() {
                Ok(Some(e)) => {
                    normalize_path(e.path, &mut name);
                    let key = lossy(&name);
                    if e.sparse.is_some() {
                        return Err(sparse_member(label, &key));
                    }
                    if matches!(e.kind, TarKind::Symlink | TarKind::Hardlink) {
                        let target = resolve_link(&key, e.link, e.kind == TarKind::Hardlink);
                        links.push((key.clone(), target));
                    }
                    (key, e.kind, e.size)
                }
                Ok(None) => break,
                Err(e) => return Err(Error::format(label, e.to_string())),
            };
            any = true;
            if kind == TarKind::File {
                c.sizes.insert(key.clone(), size);
                c.member(&mut walker, key, size, &mut kept, opts, progress)?;
            }
        }
        if !any {
            return Err(Error::format(label, "empty tar archive: not an image"));
        }
        c.link(links);
        Ok(c)
    }

    /// Keeps or scans the file member `key` the walker is at: metadata (a name
    /// that says so, or a small file) is kept; a blob is kept when it starts like
    /// JSON and scanned as a layer otherwise.
    fn member<R: io::BufRead>(
        &mut self,
        walker: &mut TarWalker<StreamSource<R>>,
        key: String,
        size: u64,
        kept: &mut u64,
        opts: &ScanOptions,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<()> {
        let place = format!("{}: {key}", self.label);
        let named_metadata =
            key.ends_with(".json") || matches!(key.as_str(), "oci-layout" | "repositories");
        if (named_metadata || size <= 4096) && size <= MAX_METADATA {
            *kept += size;
            if *kept > MAX_STREAM_METADATA {
                return Err(Error::format(
                    &self.label,
                    "more than 256 MiB of metadata files: not an image",
                ));
            }
            let mut data = Vec::new();
            walker
                .read_content(&mut data)
                .map_err(|e| Error::format(&place, e.to_string()))?;
            self.small.insert(key, Arc::new(data));
            return Ok(());
        }
        let room = MAX_METADATA.min(MAX_STREAM_METADATA.saturating_sub(*kept));
        let blob = walker
            .with_content(|r| -> io::Result<StreamBlob> {
                let mut head = vec![0u8; 512];
                let n = crate::tar::read_full(r, &mut head)?;
                head.truncate(n);
                let first = head.iter().find(|b| !b.is_ascii_whitespace());
                if matches!(first, Some(b'{') | Some(b'[')) {
                    if size > room {
                        return Ok(StreamBlob::TooBig);
                    }
                    r.read_to_end(&mut head)?;
                    return Ok(StreamBlob::Json(head));
                }
                let chained = io::Cursor::new(head).chain(r);
                Ok(StreamBlob::Layer(Box::new(
                    layer::scan_read(chained, Some(size), opts, progress).map_err(|e| e.0),
                )))
            })
            .map_err(|e| Error::format(&self.label, e.to_string()))?
            .map_err(|e| Error::io(&place, e))?;
        match blob {
            StreamBlob::Json(data) => {
                *kept += data.len() as u64;
                self.small.insert(key, Arc::new(data));
            }
            StreamBlob::Layer(scan) => {
                self.scans.insert(key, scan.map(Arc::new));
            }
            StreamBlob::TooBig => {}
        }
        Ok(())
    }

    /// Each link names what its target is (classic `docker save` links duplicate
    /// layers to one another): shared, never copied.
    fn link(&mut self, links: Vec<(String, String)>) {
        for (from, to) in links {
            if let Some(d) = self.small.get(&to).cloned() {
                self.small.entry(from.clone()).or_insert(d);
            }
            if let Some(s) = self.sizes.get(&to).copied() {
                self.sizes.entry(from.clone()).or_insert(s);
            }
            if let Some(scan) = self.scans.get(&to).cloned() {
                self.scans.entry(from).or_insert(scan);
            }
        }
    }
}
