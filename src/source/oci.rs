//! Resolving an image described by an OCI `index.json` (OCI layouts and archives,
//! Docker 25+ tarballs, a registry presented as a layout): nested indexes walked,
//! attestations skipped, every manifest, index and config checked against its
//! descriptor's size and digest.

use oci_spec::image::{Descriptor, ImageIndex, ImageManifest, MediaType};
use sha2::Digest as _;

use super::config::Config;
use super::digest::blob_path;
use super::select::{choose, descriptor_platform, Candidate};
use super::{check_diff_ids, Container, Image, LayerRef, OpenOptions, Source};
use crate::error::{Error, Result};

fn read_blob(c: &Container, d: &Descriptor, what: &str) -> Result<Option<Vec<u8>>> {
    let name = blob_path(d.digest().as_ref()).map_err(|m| Error::format(c.label(), m))?;
    let data = match c.read_small(&name)? {
        None => return Ok(None),
        Some(data) => data,
    };
    if data.len() as u64 != d.size() {
        return Err(Error::verify(
            format!("{}: {name}", c.label()),
            format!(
                "{what} has {} bytes, its descriptor says {}",
                data.len(),
                d.size()
            ),
        ));
    }
    // Metadata is read whole anyway: checking its digest costs nothing.
    let digest = d.digest().to_string();
    let actual = match digest.split_once(':') {
        Some(("sha512", _)) => {
            format!("sha512:{}", crate::layer::hex(&sha2::Sha512::digest(&data)))
        }
        _ => format!("sha256:{}", crate::layer::hex(&sha2::Sha256::digest(&data))),
    };
    if actual != digest {
        return Err(Error::verify(
            format!("{}: {name}", c.label()),
            format!("{what} does not match its digest (it hashes to {actual})"),
        ));
    }
    Ok(Some(data))
}

const MAX_INDEX_DEPTH: usize = 4;

pub(super) fn is_index(m: &MediaType) -> bool {
    matches!(m, MediaType::ImageIndex)
        || m.to_string() == "application/vnd.docker.distribution.manifest.list.v2+json"
}

fn is_manifest(m: &MediaType) -> bool {
    matches!(m, MediaType::ImageManifest)
        || m.to_string() == "application/vnd.docker.distribution.manifest.v2+json"
}

/// Parses an image index (`index.json` or a nested index blob).
pub fn parse_index(data: &[u8], place: &str) -> Result<ImageIndex> {
    let mut value: serde_json::Value = serde_json::from_slice(data)
        .map_err(|e| Error::format(place, format!("index is not valid JSON: {e}")))?;
    // Docker 25 can write `"manifests": null` for an image with nothing to list.
    if let Some(obj) = value.as_object_mut() {
        if obj.get("manifests").is_some_and(|m| m.is_null()) {
            obj.insert("manifests".into(), serde_json::Value::Array(Vec::new()));
        }
    }
    serde_json::from_value(value)
        .map_err(|e| Error::format(place, format!("index is not valid: {e}")))
}

fn collect_candidates(
    c: &Container,
    index: &ImageIndex,
    parent: (Option<&str>, Option<&str>),
    depth: usize,
    out: &mut Vec<Candidate<Descriptor>>,
) -> Result<()> {
    for d in index.manifests() {
        let ann = d.annotations().clone().unwrap_or_default();
        if ann.get("vnd.docker.reference.type").map(String::as_str) == Some("attestation-manifest")
        {
            continue;
        }
        let platform = descriptor_platform(d);
        if platform.as_deref() == Some("unknown/unknown") {
            continue;
        }
        let ref_name = ann
            .get("org.opencontainers.image.ref.name")
            .cloned()
            .or_else(|| parent.1.map(str::to_string));
        let name = ann
            .get("io.containerd.image.name")
            .cloned()
            .or_else(|| parent.0.map(str::to_string))
            .or_else(|| ref_name.clone());
        let media = d.media_type();
        if is_index(media) {
            if depth >= MAX_INDEX_DEPTH {
                return Err(Error::format(c.label(), "image indexes nested too deep"));
            }
            let place = format!("{}: {}", c.label(), d.digest());
            let data = read_blob(c, d, "nested index")?
                .ok_or_else(|| Error::missing(&place, "nested index blob is missing"))?;
            let nested = parse_index(&data, &place)?;
            collect_candidates(
                c,
                &nested,
                (name.as_deref(), ref_name.as_deref()),
                depth + 1,
                out,
            )?;
        } else if is_manifest(media) {
            let name_ok =
                blob_path(d.digest().as_ref()).map_err(|m| Error::format(c.label(), m))?;
            let available = c.exists(&name_ok)?;
            out.push(Candidate {
                name,
                ref_name,
                platform,
                manifest: d.clone(),
                available,
            });
        }
        // Other media types (artifacts, signatures...) are not images: skip them.
    }
    Ok(())
}

/// The image manifests `index.json` offers, nested indexes walked.
pub(super) fn candidates(c: &Container) -> Result<Vec<Candidate<Descriptor>>> {
    let label = c.label();
    let data = c
        .read_small("index.json")?
        .ok_or_else(|| Error::missing(label, "index.json is missing"))?;
    let index = parse_index(&data, &format!("{label}: index.json"))?;
    let mut cands = Vec::new();
    collect_candidates(c, &index, (None, None), 0, &mut cands)?;
    Ok(cands)
}

/// Picks one of `cands` (from [`candidates`]) and reads its manifest and config.
pub(super) fn resolve_oci(
    c: Container,
    cands: Vec<Candidate<Descriptor>>,
    base_kind: &str,
    opts: &OpenOptions,
) -> Result<Image> {
    let label = c.label().to_string();
    if cands.is_empty() {
        return Err(Error::format(
            format!("{label}: index.json"),
            "the index names no image manifest",
        ));
    }
    let pick = choose(cands, opts, &label)?;
    let desc = &pick.manifest;
    let mplace = format!("{label}: {}", desc.digest());
    let mdata = read_blob(&c, desc, "manifest")?
        .ok_or_else(|| Error::missing(&mplace, "manifest blob is missing"))?;
    let manifest = ImageManifest::from_reader(mdata.as_slice())
        .map_err(|e| Error::format(&mplace, format!("manifest is not valid: {e}")))?;
    let base_name = manifest
        .annotations()
        .as_ref()
        .and_then(|a| a.get("org.opencontainers.image.base.name"))
        .filter(|n| !n.is_empty())
        .cloned();
    let cdesc = manifest.config();
    let cplace = format!("{label}: {}", cdesc.digest());
    let cdata = read_blob(&c, cdesc, "config")?
        .ok_or_else(|| Error::missing(&cplace, "config blob is missing"))?;
    let config = Config::parse(&cdata, &cplace)?;
    let mut layers = Vec::new();
    for (i, l) in manifest.layers().iter().enumerate() {
        let member = blob_path(l.digest().as_ref()).map_err(|m| Error::format(&mplace, m))?;
        layers.push(LayerRef {
            member,
            digest: Some(l.digest().to_string()),
            media_type: Some(l.media_type().to_string()),
            declared_size: Some(l.size()),
            diff_id: config.diff_ids.get(i).cloned(),
        });
    }
    check_diff_ids(&config, layers.len(), &cplace)?;
    let kind = match (&c, base_kind) {
        (Container::Dir(_), _) => "oci-layout",
        (Container::Registry(_), _) => "registry",
        _ if c.exists("manifest.json")? => "docker-archive (OCI layout)",
        _ => "oci-archive",
    };
    Ok(Image {
        kind: kind.to_string(),
        reference: pick.name.clone(),
        platform: config.platform().or(pick.platform.clone()),
        config,
        layers,
        container: c,
        source: Source::File,
        base_name,
    })
}
