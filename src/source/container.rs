//! Where an image's files live: a tar file (a `docker save` tarball or an OCI
//! archive), a directory (an OCI layout, or an extracted `docker save`), or a stream
//! read once from stdin. Each gives the same three things: small metadata files by
//! name, blob sizes, and layer scans.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::layer::{self, normalize_path, Compression, LayerScan, ScanOptions};
use crate::tar::{SectionSource, StreamSource, TarKind, TarWalker};

/// Metadata files (JSON) larger than this are refused rather than read into memory.
pub(crate) const MAX_METADATA: u64 = 64 << 20;
/// All metadata kept from a stream, at most.
const MAX_STREAM_METADATA: u64 = 256 << 20;

#[derive(Debug, Clone, Copy)]
struct Member {
    offset: u64,
    size: u64,
}

/// A seekable tar file, indexed by member name.
pub(crate) struct TarContainer {
    path: PathBuf,
    label: String,
    members: HashMap<String, Member>,
}

/// A directory on disk.
pub(crate) struct DirContainer {
    root: PathBuf,
    label: String,
}

/// A tar stream consumed once: small files kept, layers scanned as they passed.
pub(crate) struct StreamContainer {
    label: String,
    /// Shared with the names linked to it, as the scans are.
    small: HashMap<String, Arc<Vec<u8>>>,
    sizes: HashMap<String, u64>,
    /// Each layer scanned once; a link to it shares the scan (never a copy: a
    /// crafted archive can link one member from thousands of names).
    scans: HashMap<String, std::result::Result<Arc<LayerScan>, String>>,
}

pub(crate) enum Container {
    Tar(TarContainer),
    Dir(DirContainer),
    Stream(StreamContainer),
    /// A registry repository, blobs fetched on demand.
    Registry(Box<crate::source::registry::Registry>),
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// An image archive whose member is stored sparse (`tar -S`): its blob is not one
/// run of bytes in the archive, and imgsize reads blobs in place.
fn sparse_member(label: &str, key: &str) -> Error {
    Error::format(
        format!("{label}: {}", crate::source::digest::printable(key)),
        "is stored as a sparse file (tar -S); write the image archive without -S",
    )
}

/// Resolves a link target relative to the member that holds it.
fn resolve_link(member: &str, target: &[u8], hard: bool) -> String {
    let mut joined = Vec::new();
    if !hard && !target.starts_with(b"/") {
        if let Some((dir, _)) = member.rsplit_once('/') {
            joined.extend_from_slice(dir.as_bytes());
            joined.push(b'/');
        }
    }
    joined.extend_from_slice(target);
    let mut out = Vec::new();
    normalize_path(&joined, &mut out);
    lossy(&out)
}

impl TarContainer {
    /// Walks the outer tar's headers (seeking past contents) to index its members.
    pub(crate) fn open(path: &Path, label: &str) -> Result<TarContainer> {
        let file = File::open(path).map_err(|e| Error::io(label, e))?;
        let len = file.metadata().map_err(|e| Error::io(label, e))?.len();
        let mut walker = TarWalker::new(SectionSource::new(file, 0, len, 64 << 10));
        let mut members = HashMap::new();
        let mut links: Vec<(String, String)> = Vec::new();
        let mut name = Vec::new();
        loop {
            let e = match walker.next_entry() {
                Ok(Some(e)) => e,
                Ok(None) => break,
                Err(e) => return Err(Error::format(label, e.to_string())),
            };
            normalize_path(e.path, &mut name);
            let key = lossy(&name);
            if e.sparse.is_some() {
                return Err(sparse_member(label, &key));
            }
            match e.kind {
                TarKind::File => {
                    let size = e.size;
                    let offset = walker.offset();
                    members.insert(key, Member { offset, size });
                }
                TarKind::Symlink | TarKind::Hardlink => {
                    let target = resolve_link(&key, e.link, e.kind == TarKind::Hardlink);
                    links.push((key, target));
                }
                _ => {}
            }
        }
        if members.is_empty() && links.is_empty() {
            return Err(Error::format(label, "empty tar archive: not an image"));
        }
        // Classic `docker save` links duplicate layers to one another.
        for _ in 0..8 {
            let mut changed = false;
            for (from, to) in &links {
                if !members.contains_key(from) {
                    if let Some(m) = members.get(to).copied() {
                        members.insert(from.clone(), m);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        Ok(TarContainer {
            path: path.to_path_buf(),
            label: label.to_string(),
            members,
        })
    }
}

impl DirContainer {
    pub(crate) fn open(root: &Path, label: &str) -> Result<DirContainer> {
        let root = root.canonicalize().map_err(|e| Error::io(label, e))?;
        Ok(DirContainer {
            root,
            label: label.to_string(),
        })
    }

    /// The file behind `name`, which must stay inside the directory, links included.
    fn resolve(&self, name: &str) -> Result<Option<PathBuf>> {
        let rel = Path::new(name);
        if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(Error::format(
                &self.label,
                format!(
                    "refusing path '{}' outside the image",
                    crate::source::digest::printable(name)
                ),
            ));
        }
        let joined = self.root.join(rel);
        match joined.symlink_metadata() {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(format!("{}: {name}", self.label), e)),
            Ok(_) => {}
        }
        let real = match joined.canonicalize() {
            Ok(r) => r,
            // A dangling link.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(format!("{}: {name}", self.label), e)),
        };
        if !real.starts_with(&self.root) {
            return Err(Error::format(
                format!("{}: {name}", self.label),
                "is a link that leads outside the image directory",
            ));
        }
        if !real.is_file() {
            return Err(Error::format(
                format!("{}: {name}", self.label),
                "is not a regular file",
            ));
        }
        Ok(Some(real))
    }
}

enum StreamBlob {
    Json(Vec<u8>),
    Layer(Box<std::result::Result<LayerScan, String>>),
    TooBig,
}

impl StreamContainer {
    /// Reads a whole tar stream. Metadata is kept; every blob that looks like a layer
    /// is scanned as it passes, so memory holds metadata, never layer bytes.
    pub(crate) fn read(
        input: impl Read,
        label: &str,
        opts: &ScanOptions,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<StreamContainer> {
        let mut input = io::BufReader::with_capacity(1 << 20, input);
        let head = io::BufRead::fill_buf(&mut input)
            .map_err(|e| Error::io(label, e))?
            .to_vec();
        // `docker save app | gzip` is a common way to keep tarballs around.
        let reader: Box<dyn Read> = match Compression::detect(&head) {
            Some(Compression::Gzip) => Box::new(flate2::read::MultiGzDecoder::new(input)),
            Some(Compression::Zstd) => {
                Box::new(zstd::stream::read::Decoder::new(input).map_err(|e| Error::io(label, e))?)
            }
            Some(Compression::None) => Box::new(input),
            None if head.is_empty() => {
                return Err(Error::format(label, "empty input: not an image"))
            }
            None => {
                return Err(Error::format(
                    label,
                    "not a tar archive (expected `docker save` output or an OCI archive)",
                ))
            }
        };
        let mut walker = TarWalker::new(StreamSource::new(io::BufReader::with_capacity(
            256 << 10,
            reader,
        )));
        let mut small = HashMap::new();
        let mut sizes = HashMap::new();
        let mut scans = HashMap::new();
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
            if kind != TarKind::File {
                continue;
            }
            sizes.insert(key.clone(), size);
            let place = format!("{label}: {key}");
            let named_metadata =
                key.ends_with(".json") || matches!(key.as_str(), "oci-layout" | "repositories");
            if (named_metadata || size <= 4096) && size <= MAX_METADATA {
                kept += size;
                if kept > MAX_STREAM_METADATA {
                    return Err(Error::format(
                        label,
                        "more than 256 MiB of metadata files: not an image",
                    ));
                }
                let mut data = Vec::new();
                walker
                    .read_content(&mut data)
                    .map_err(|e| Error::format(&place, e.to_string()))?;
                small.insert(key, Arc::new(data));
                continue;
            }
            // Blobs are told apart by their first bytes: JSON is kept, layers scanned.
            let blob = walker
                .with_content(|r| -> io::Result<StreamBlob> {
                    let mut head = vec![0u8; 512];
                    let n = crate::tar::read_full(r, &mut head)?;
                    head.truncate(n);
                    let first = head.iter().find(|b| !b.is_ascii_whitespace());
                    if matches!(first, Some(b'{') | Some(b'[')) {
                        if size > MAX_METADATA || kept + size > MAX_STREAM_METADATA {
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
                .map_err(|e| Error::format(label, e.to_string()))?
                .map_err(|e| Error::io(&place, e))?;
            match blob {
                StreamBlob::Json(data) => {
                    kept += data.len() as u64;
                    small.insert(key, Arc::new(data));
                }
                StreamBlob::Layer(scan) => {
                    scans.insert(key, scan.map(Arc::new));
                }
                StreamBlob::TooBig => {}
            }
        }
        if !any {
            return Err(Error::format(label, "empty tar archive: not an image"));
        }
        for (from, to) in links {
            if let Some(d) = small.get(&to).cloned() {
                small.entry(from.clone()).or_insert(d);
            }
            if let Some(s) = sizes.get(&to).copied() {
                sizes.entry(from.clone()).or_insert(s);
            }
            if let Some(scan) = scans.get(&to).cloned() {
                scans.entry(from).or_insert(scan);
            }
        }
        Ok(StreamContainer {
            label: label.to_string(),
            small,
            sizes,
            scans,
        })
    }
}

fn read_section(path: &Path, offset: u64, size: u64, place: &str) -> Result<Vec<u8>> {
    if size > MAX_METADATA {
        return Err(Error::format(
            place,
            format!("metadata file of {size} bytes is too large"),
        ));
    }
    let file = File::open(path).map_err(|e| Error::io(place, e))?;
    let mut section = SectionSource::new(file, offset, size, 64 << 10);
    let mut data = vec![0u8; size as usize];
    let got = crate::tar::read_full(&mut section, &mut data).map_err(|e| Error::io(place, e))?;
    if got as u64 != size {
        return Err(Error::format(place, "truncated"));
    }
    Ok(data)
}

impl Container {
    /// The input as the user named it.
    pub(crate) fn label(&self) -> &str {
        match self {
            Container::Tar(t) => &t.label,
            Container::Dir(d) => &d.label,
            Container::Stream(s) => &s.label,
            Container::Registry(r) => r.label(),
        }
    }

    fn place(&self, name: &str) -> String {
        format!(
            "{}: {}",
            self.label(),
            crate::source::digest::printable(name)
        )
    }

    pub(crate) fn exists(&self, name: &str) -> Result<bool> {
        Ok(match self {
            Container::Tar(t) => t.members.contains_key(name),
            Container::Dir(d) => d.resolve(name)?.is_some(),
            Container::Stream(s) => s.sizes.contains_key(name),
            Container::Registry(r) => r.exists(name),
        })
    }

    /// Reads a metadata file; `None` if absent.
    pub(crate) fn read_small(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let place = self.place(name);
        match self {
            Container::Tar(t) => match t.members.get(name) {
                None => Ok(None),
                Some(m) => read_section(&t.path, m.offset, m.size, &place).map(Some),
            },
            Container::Dir(d) => match d.resolve(name)? {
                None => Ok(None),
                Some(p) => {
                    let len = p.metadata().map_err(|e| Error::io(&place, e))?.len();
                    read_section(&p, 0, len, &place).map(Some)
                }
            },
            Container::Stream(s) => match s.small.get(name) {
                Some(d) => Ok(Some(d.to_vec())),
                None if s.sizes.contains_key(name) => Err(Error::format(
                    place,
                    "is not a metadata file (too large, or not JSON)",
                )),
                None => Ok(None),
            },
            Container::Registry(r) => r.read_small(name),
        }
    }

    /// The stored size of a file; `None` if absent.
    pub(crate) fn size(&self, name: &str) -> Result<Option<u64>> {
        Ok(match self {
            Container::Tar(t) => t.members.get(name).map(|m| m.size),
            Container::Dir(d) => match d.resolve(name)? {
                None => None,
                Some(p) => Some(
                    p.metadata()
                        .map_err(|e| Error::io(self.place(name), e))?
                        .len(),
                ),
            },
            Container::Stream(s) => s.sizes.get(name).copied(),
            // Known from the descriptors only; the scan checks it.
            Container::Registry(_) => None,
        })
    }

    /// Scans the layer stored as `name` (a stream hands back the scan it made as
    /// the layer passed, shared with every name linked to it).
    pub(crate) fn scan_layer(
        &self,
        layer: &crate::source::LayerRef,
        opts: &ScanOptions,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Arc<LayerScan>> {
        let name = layer.member.as_str();
        let place = self.place(name);
        let missing = || Error::missing(&place, "layer blob is missing from the image");
        let scanned = match self {
            Container::Tar(t) => {
                let m = t.members.get(name).ok_or_else(missing)?;
                let file = File::open(&t.path).map_err(|e| Error::io(&place, e))?;
                layer::scan_file(file, m.offset, m.size, opts, progress)
            }
            Container::Dir(d) => {
                let p = d.resolve(name)?.ok_or_else(missing)?;
                let file = File::open(&p).map_err(|e| Error::io(&place, e))?;
                let len = file.metadata().map_err(|e| Error::io(&place, e))?.len();
                layer::scan_file(file, 0, len, opts, progress)
            }
            Container::Stream(s) => {
                if let Some(scan) = s.scans.get(name) {
                    return scan.clone().map_err(|m| Error::format(&place, m));
                }
                let data = s.small.get(name).ok_or_else(missing)?;
                let len = data.len() as u64;
                layer::scan_read(io::Cursor::new(data.as_slice()), Some(len), opts, progress)
            }
            Container::Registry(r) => {
                return r
                    .scan_layer(name, layer.declared_size, opts, progress)
                    .map(Arc::new);
            }
        };
        scanned.map(Arc::new).map_err(|e| Error::format(place, e.0))
    }
}
