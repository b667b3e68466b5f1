//! Images read from an engine's own storage, not through its export: every layer's
//! tar headers are in its tar-split, its files in its folder, so nothing is
//! written or copied (`docker save` of an 800 MB image takes the daemon seconds;
//! reading its storage takes what reading the file would).
//!
//! - Docker (overlay2, vfs): `<root>/image/<driver>/imagedb/content/sha256/<id>`
//!   is the config; each layer's `layerdb/sha256/<chain-id>/` holds its
//!   `tar-split.json.gz` and `cache-id`, its files `<root>/<driver>/<cache-id>/diff`.
//! - containers-storage (Podman, Buildah, CRI-O, skopeo's `containers-storage:`):
//!   `overlay-images/images.json` names the image's top layer and config (a
//!   big-data file), `overlay-layers/layers.json` the chain below it, each layer's
//!   tar-split `overlay-layers/<id>.tar-split.gz`, its files `overlay/<id>/diff`.
//!
//! What cannot be read (not root, another driver, a remote engine) is said, and the
//! engine's export is read instead.

mod containers;
mod docker;
pub(crate) mod line;
pub(crate) mod tarsplit;

use std::path::{Path, PathBuf};

pub(crate) use containers::{default_graphroot, open_containers_storage};
pub(crate) use docker::open_docker_storage;

use crate::error::{Error, Result};
use crate::layer::{self, LayerScan, ScanOptions};

/// One layer in an engine's storage: its tar-split, its folder, its tar's size
/// where the storage records it (containers-storage does, Docker does not: its
/// `size` is the files' bytes, which `estimate` holds for progress and ordering).
#[derive(Debug, Clone)]
pub(crate) struct StoredLayer {
    pub split: PathBuf,
    pub dir: PathBuf,
    pub size: Option<u64>,
    pub estimate: u64,
}

/// What a storage holds of one image: the names it is stored under, its config,
/// its layers bottom up.
pub(crate) struct Stored {
    pub names: Vec<String>,
    pub config: Vec<u8>,
    pub layers: Vec<StoredLayer>,
}

/// An image's layers in an engine's storage, by member name (`layer:<i>`).
pub(crate) struct StorageContainer {
    pub label: String,
    pub layers: Vec<StoredLayer>,
}

impl StorageContainer {
    fn index(&self, member: &str) -> Option<usize> {
        member
            .strip_prefix("layer:")
            .and_then(|i| i.parse().ok())
            .filter(|&i: &usize| i < self.layers.len())
    }

    pub(crate) fn size(&self, member: &str) -> Option<u64> {
        self.index(member).map(|i| self.layers[i].estimate)
    }

    /// Scans a layer: its tar from the tar-split, files from its folder as needed.
    pub(crate) fn scan_layer(
        &self,
        member: &str,
        opts: &ScanOptions,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<LayerScan> {
        let place = format!("{}: {member}", self.label);
        let i = self
            .index(member)
            .ok_or_else(|| Error::missing(&place, "no such layer in the storage"))?;
        let l = &self.layers[i];
        let src = tarsplit::open(&l.split, &l.dir)
            .map_err(|e| Error::io(format!("{place}: {}", l.split.display()), e))?;
        layer::scan_tar(src, l.size, opts, progress).map_err(|e| Error::format(&place, e.0))
    }
}

/// The image these layers and config make: `kind` says whose storage
/// (`docker-storage (overlay2)`), `names` what the storage calls it.
pub(crate) fn image(
    label: &str,
    kind: String,
    stored: Stored,
    source: super::Source,
    opts: &super::OpenOptions,
) -> Result<super::Image> {
    let Stored {
        names,
        config,
        layers,
    } = stored;
    let config = super::Config::parse(&config, label)?;
    let platform = config.platform();
    if let (Some(want), Some(have)) = (&opts.platform, &platform) {
        if !super::platform_matches(have, want) {
            return Err(Error::selection(
                label,
                format!("the storage holds this image for {have}, not {want}"),
            ));
        }
    }
    super::check_diff_ids(&config, layers.len(), label)?;
    let refs = layers
        .iter()
        .enumerate()
        .map(|(i, l)| super::LayerRef {
            member: format!("layer:{i}"),
            // Stored uncompressed, with no blob and no descriptor: as the
            // engine's export (a docker-archive) names neither, the digest
            // `--verify` checks is the diff_id.
            digest: None,
            media_type: None,
            declared_size: l.size,
            diff_id: config.diff_ids.get(i).cloned(),
        })
        .collect();
    Ok(super::Image {
        kind,
        reference: names.into_iter().next(),
        platform,
        config,
        layers: refs,
        container: super::Container::Storage(StorageContainer {
            label: label.to_string(),
            layers,
        }),
        source,
        base_name: None,
    })
}

/// Reads a file of the storage, saying which and why it could not.
fn read(path: &Path) -> std::result::Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::PermissionDenied => format!(
            "{} is not readable by this user (the engine's storage is root's: run as root, or use a rootless engine)",
            path.display()
        ),
        _ => format!("{}: {e}", path.display()),
    })
}

/// `sha256:<hex>` -> `<hex>`, checked to be a digest (it becomes a path).
fn hex_of(digest: &str) -> std::result::Result<&str, String> {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hex)
    } else {
        Err(format!("'{digest}' is not a sha256 digest"))
    }
}
