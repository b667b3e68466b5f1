//! Resolving an image described by a `docker save` `manifest.json` (classic
//! tarballs, crane/kaniko tarballs, extracted directories): configs read to learn
//! each entry's platform, member names kept inside the archive.

use std::collections::HashMap;

use serde::Deserialize;

use super::config::Config;
use super::digest::{digest_of_blob_path, printable};
use super::select::{choose, Candidate};
use super::{check_diff_ids, Container, Image, LayerRef, OpenOptions, Source};
use crate::error::{Error, Result};

fn read_json<T: serde::de::DeserializeOwned>(
    c: &Container,
    name: &str,
    what: &str,
) -> Result<Option<T>> {
    let place = format!("{}: {name}", c.label());
    match c.read_small(name)? {
        None => Ok(None),
        Some(data) => serde_json::from_slice(&data)
            .map(Some)
            .map_err(|e| Error::format(place, format!("{what} is not valid: {e}"))),
    }
}

#[derive(Deserialize)]
struct DockerEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Option<Vec<String>>,
}

/// A member name from manifest.json: relative, without `..`.
fn member_name(raw: &str, place: &str) -> Result<String> {
    let mut out = Vec::new();
    if raw.split('/').any(|c| c == "..") || raw.starts_with('/') {
        return Err(Error::format(
            place,
            format!("refusing path '{}' outside the archive", printable(raw)),
        ));
    }
    crate::layer::normalize_path(raw.as_bytes(), &mut out);
    Ok(String::from_utf8_lossy(&out).into_owned())
}

pub(super) fn resolve_docker(c: Container, opts: &OpenOptions) -> Result<Image> {
    let label = c.label().to_string();
    let place = format!("{label}: manifest.json");
    let entries: Vec<DockerEntry> = read_json(&c, "manifest.json", "manifest.json")?
        .ok_or_else(|| Error::missing(&label, "manifest.json is missing"))?;
    if entries.is_empty() {
        return Err(Error::format(&place, "lists no image"));
    }
    // Each distinct config is read once, and only for its platform; the chosen
    // one is parsed whole below. (Entries may share a config: a crafted archive
    // can list one large config thousands of times.)
    let mut cands = Vec::new();
    let mut platforms: HashMap<String, (Option<String>, bool)> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let cname = member_name(&e.config, &place)?;
        if !platforms.contains_key(&cname) {
            let cplace = format!("{label}: {cname}");
            let seen = match c.read_small(&cname)? {
                Some(data) => (Config::parse_platform(&data, &cplace)?, true),
                None => (None, false),
            };
            platforms.insert(cname.clone(), seen);
        }
        let (platform, available) = platforms[&cname].clone();
        let name = e.repo_tags.as_ref().and_then(|t| t.first().cloned());
        cands.push(Candidate {
            name,
            ref_name: None,
            platform,
            manifest: i,
            available,
        });
    }
    let pick = choose(cands, opts, &label).map_err(|e| {
        if matches!(e.kind, crate::error::ErrorKind::Missing(_)) {
            Error::missing(&place, "the image config named in manifest.json is missing")
        } else {
            e
        }
    })?;
    let i = pick.manifest;
    let entry = &entries[i];
    let cname = member_name(&entry.config, &place)?;
    let cplace = format!("{label}: {cname}");
    let data = c
        .read_small(&cname)?
        .ok_or_else(|| Error::missing(&place, "image config is missing"))?;
    let config = Config::parse(&data, &cplace)?;
    let mut layers = Vec::new();
    for (k, raw) in entry.layers.clone().unwrap_or_default().iter().enumerate() {
        let member = member_name(raw, &place)?;
        layers.push(LayerRef {
            digest: digest_of_blob_path(&member),
            member,
            media_type: None,
            declared_size: None,
            diff_id: config.diff_ids.get(k).cloned(),
        });
    }
    check_diff_ids(&config, layers.len(), &format!("{label}: {cname}"))?;
    let kind = if matches!(c, Container::Dir(_)) {
        "docker-archive (directory)"
    } else {
        "docker-archive"
    };
    Ok(Image {
        kind: kind.to_string(),
        reference: pick.name.clone(),
        platform: config.platform(),
        config,
        layers,
        container: c,
        source: Source::File,
        base_name: None,
    })
}
