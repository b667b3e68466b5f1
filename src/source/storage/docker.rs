//! Docker's classic store (overlay2, vfs): the image's config from `imagedb`, its
//! layers by chain id from `layerdb`, their files under the driver's folder.

use std::path::Path;

use sha2::Digest as _;

use super::{hex_of, read, Stored, StoredLayer};

/// The drivers whose layer folders imgsize knows: (driver, folder of a cache id).
fn layer_dir(root: &Path, driver: &str, cache_id: &str) -> Option<std::path::PathBuf> {
    match driver {
        "overlay2" => Some(root.join("overlay2").join(cache_id).join("diff")),
        "vfs" => Some(root.join("vfs/dir").join(cache_id)),
        _ => None,
    }
}

/// Image `id` (its config digest) in Docker's store at `root` with `driver`: its
/// config and layers, or why they cannot be read here.
pub(crate) fn open_docker_storage(root: &Path, driver: &str, id: &str) -> Result<Stored, String> {
    if layer_dir(root, driver, "x").is_none() {
        return Err(format!("the engine's storage driver is {driver}, which imgsize does not read (overlay2 and vfs it does)"));
    }
    let db = root.join("image").join(driver);
    let config = read(&db.join("imagedb/content/sha256").join(hex_of(id)?))?;
    let cfg = crate::source::Config::parse(&config, id).map_err(|e| e.to_string())?;
    let mut layers = Vec::with_capacity(cfg.diff_ids.len());
    let mut chain = String::new();
    for diff_id in &cfg.diff_ids {
        hex_of(diff_id)?;
        // chain-id: the first layer's diff_id, then sha256("<parent chain> <diff_id>").
        chain = if chain.is_empty() {
            diff_id.clone()
        } else {
            let h = sha2::Sha256::digest(format!("{chain} {diff_id}").as_bytes());
            format!("sha256:{}", crate::layer::hex(&h))
        };
        let entry = db.join("layerdb/sha256").join(hex_of(&chain)?);
        let cache_id = String::from_utf8_lossy(&read(&entry.join("cache-id"))?)
            .trim()
            .to_string();
        if cache_id.is_empty() || cache_id.contains(['/', '.']) {
            return Err(format!(
                "{}: not a cache id",
                entry.join("cache-id").display()
            ));
        }
        let stored_diff = String::from_utf8_lossy(&read(&entry.join("diff"))?)
            .trim()
            .to_string();
        if &stored_diff != diff_id {
            return Err(format!(
                "{}: the layer's diff_id is {stored_diff}, the config says {diff_id}",
                entry.display()
            ));
        }
        // The files' bytes: the tar's size less its headers, enough to order the
        // layers and draw progress. The tar's own size would take reading the
        // whole tar-split twice.
        let estimate = std::fs::read_to_string(entry.join("size"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        layers.push(StoredLayer {
            split: entry.join("tar-split.json.gz"),
            dir: layer_dir(root, driver, &cache_id).unwrap_or_default(),
            size: None,
            estimate,
        });
    }
    Ok(Stored {
        names: Vec::new(),
        config,
        layers,
    })
}
