//! containers-storage (Podman, Buildah, CRI-O, skopeo's `containers-storage:`):
//! `overlay-images/images.json`, `overlay-layers/layers.json`, each layer's
//! tar-split and folder. Read with no daemon at all.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;

use super::{hex_of, read, Stored, StoredLayer};

#[derive(Deserialize)]
struct ImageRecord {
    id: String,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    layer: Option<String>,
}

#[derive(Deserialize)]
struct LayerRecord {
    id: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(rename = "diff-digest", default)]
    diff_digest: Option<String>,
    #[serde(rename = "diff-size", default)]
    diff_size: Option<u64>,
}

/// Where containers-storage keeps images by default: storage.conf's `graphroot`
/// (`CONTAINERS_STORAGE_CONF`, else the user's, else the system's), else root's
/// `/var/lib/containers/storage` or a user's `~/.local/share/containers/storage`.
pub(crate) fn default_graphroot() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut confs: Vec<PathBuf> = Vec::new();
    if let Some(c) = std::env::var_os("CONTAINERS_STORAGE_CONF") {
        confs.push(PathBuf::from(c));
    }
    if let Some(h) = &home {
        confs.push(h.join(".config/containers/storage.conf"));
    }
    confs.push(PathBuf::from("/etc/containers/storage.conf"));
    for c in confs {
        let Ok(text) = std::fs::read_to_string(&c) else {
            continue;
        };
        #[derive(Deserialize)]
        struct Conf {
            storage: Option<Storage>,
        }
        #[derive(Deserialize)]
        struct Storage {
            graphroot: Option<String>,
        }
        if let Some(root) = toml::from_str::<Conf>(&text)
            .ok()
            .and_then(|c| c.storage)
            .and_then(|s| s.graphroot)
            .filter(|r| !r.is_empty())
        {
            return PathBuf::from(root);
        }
    }
    // Root (whose home is /root) keeps the system store; anyone else their own.
    match home {
        Some(h) if h != Path::new("/root") => h.join(".local/share/containers/storage"),
        _ => PathBuf::from("/var/lib/containers/storage"),
    }
}

/// Image `name` (an id, a name as stored, or a short name: `app:latest`) in the
/// containers-storage at `root`: its names, config and layers, or why not.
pub(crate) fn open_containers_storage(root: &Path, name: &str) -> Result<Stored, String> {
    let images_json = root.join("overlay-images/images.json");
    let images: Vec<ImageRecord> = serde_json::from_slice(&read(&images_json)?)
        .map_err(|e| format!("{}: {e}", images_json.display()))?;
    let want = name.trim_start_matches("sha256:");
    let image = images
        .iter()
        .find(|i| i.id == want || (want.len() >= 12 && i.id.starts_with(want)))
        .or_else(|| {
            images
                .iter()
                .find(|i| i.names.iter().any(|n| names_match(n, name)))
        })
        .ok_or_else(|| format!("no image named {name} in {}", root.display()))?;
    hex_of(&image.id)?;
    // The config: the big-data file named `=` and base64 of `sha256:<id>`.
    let key = base64::engine::general_purpose::STANDARD.encode(format!("sha256:{}", image.id));
    let config = read(
        &root
            .join("overlay-images")
            .join(&image.id)
            .join(format!("={key}")),
    )?;
    let layers_json = root.join("overlay-layers/layers.json");
    let records: Vec<LayerRecord> = serde_json::from_slice(&read(&layers_json)?)
        .map_err(|e| format!("{}: {e}", layers_json.display()))?;
    // The chain from the top layer down, then bottom up.
    let mut chain = Vec::new();
    let mut next = image.layer.clone();
    while let Some(id) = next {
        if chain.len() > records.len() {
            return Err(format!(
                "{}: the layers' parents loop",
                layers_json.display()
            ));
        }
        let r = records
            .iter()
            .find(|r| r.id == id)
            .ok_or_else(|| format!("layer {id} is missing from {}", layers_json.display()))?;
        chain.push(r);
        next = r.parent.clone();
    }
    chain.reverse();
    let cfg = crate::source::Config::parse(&config, &image.id).map_err(|e| e.to_string())?;
    if cfg.diff_ids.len() != chain.len() {
        return Err(format!(
            "the config lists {} layers, the storage {}",
            cfg.diff_ids.len(),
            chain.len()
        ));
    }
    let mut layers = Vec::with_capacity(chain.len());
    for (r, diff_id) in chain.iter().zip(&cfg.diff_ids) {
        hex_of(&r.id)?;
        if r.diff_digest.as_deref().is_some_and(|d| d != diff_id) {
            return Err(format!(
                "layer {}: its diff digest is not the config's {diff_id}",
                r.id
            ));
        }
        let split = root
            .join("overlay-layers")
            .join(format!("{}.tar-split.gz", r.id));
        let size = match r.diff_size {
            Some(s) => s,
            None => super::tarsplit::tar_size(&split)?,
        };
        let estimate = size;
        let dir = ["overlay", "vfs/dir"]
            .iter()
            .map(|d| match *d {
                "overlay" => root.join("overlay").join(&r.id).join("diff"),
                _ => root.join("vfs/dir").join(&r.id),
            })
            .find(|p| p.exists())
            .ok_or_else(|| {
                format!(
                    "layer {}: its folder is not under overlay/ or vfs/dir/",
                    r.id
                )
            })?;
        layers.push(StoredLayer {
            split,
            dir,
            size: Some(size),
            estimate,
        });
    }
    Ok(Stored {
        names: image.names.clone(),
        config,
        layers,
    })
}

/// A stored name (`docker.io/library/app:latest`) as a user writes it: whole, or
/// without Docker Hub's `docker.io/library/`, or `localhost/` (what buildah names
/// local images).
fn names_match(stored: &str, asked: &str) -> bool {
    let with_tag = |n: &str| {
        if n.rsplit('/')
            .next()
            .is_some_and(|l| l.contains(':') || l.contains('@'))
        {
            n.to_string()
        } else {
            format!("{n}:latest")
        }
    };
    let asked = with_tag(asked);
    let stored = with_tag(stored);
    stored == asked
        || stored.strip_prefix("docker.io/library/") == Some(asked.as_str())
        || stored.strip_prefix("docker.io/") == Some(asked.as_str())
        || stored.strip_prefix("localhost/") == Some(asked.as_str())
}
