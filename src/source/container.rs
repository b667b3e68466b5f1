//! Where an image's files live: a tar file (a `docker save` tarball or an OCI
//! archive), a directory (an OCI layout, or an extracted `docker save`), or a stream
//! read once from stdin. Each gives the same three things: small metadata files by
//! name, blob sizes, and layer scans.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::layer::{self, normalize_path, LayerScan, ScanOptions};
use crate::tar::{SectionSource, TarKind, TarWalker};

/// Metadata files (JSON) larger than this are refused rather than read into memory.
pub(crate) const MAX_METADATA: u64 = 64 << 20;
/// All metadata kept from a stream, at most.
pub(super) const MAX_STREAM_METADATA: u64 = 256 << 20;

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

pub(crate) use super::stream::StreamContainer;

pub(crate) enum Container {
    Tar(TarContainer),
    Dir(DirContainer),
    Stream(StreamContainer),
    /// A registry repository, blobs fetched on demand.
    Registry(Box<crate::source::registry::Registry>),
    /// An engine's storage: each layer's tar-split and folder.
    Storage(crate::source::storage::StorageContainer),
}

pub(super) fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// An image archive whose member is stored sparse (`tar -S`): its blob is not one
/// run of bytes in the archive, and imgsize reads blobs in place.
pub(super) fn sparse_member(label: &str, key: &str) -> Error {
    Error::format(
        format!("{label}: {}", crate::source::digest::printable(key)),
        "is stored as a sparse file (tar -S); write the image archive without -S",
    )
}

/// Resolves a link target relative to the member that holds it.
pub(super) fn resolve_link(member: &str, target: &[u8], hard: bool) -> String {
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
            Container::Storage(s) => &s.label,
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
            Container::Storage(s) => s.size(name).is_some(),
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
            // The config was read when the image was opened; nothing else is small.
            Container::Storage(_) => Ok(None),
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
            Container::Storage(s) => s.size(name),
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
            Container::Storage(s) => return s.scan_layer(name, opts, progress).map(Arc::new),
        };
        scanned.map(Arc::new).map_err(|e| Error::format(place, e.0))
    }
}
