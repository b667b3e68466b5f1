//! Opening an input and resolving the image in it.
//!
//! Every input kind (a `docker save` tarball of any Docker era, an OCI archive, an
//! OCI layout directory, an extracted `docker save` directory, a stream on stdin) ends
//! up as one [`Image`]: its config, history and layers as named blobs in a
//! [`Container`]. Nothing downstream knows which kind it was. The engine and
//! registry transports end up there too: [`open_target`] picks the transport from
//! what the user typed ([`reference`]).

pub mod auth;
pub mod container;
pub mod digest;
pub mod engine;
mod http;
pub mod reference;
pub mod registry;

use std::collections::HashMap;
use std::path::Path;

use oci_spec::image::{Descriptor, ImageIndex, ImageManifest, MediaType};
use serde::Deserialize;
use sha2::Digest as _;

use crate::error::{Error, Result};
use crate::layer::ScanOptions;
pub use container::Container;
use container::{DirContainer, StreamContainer, TarContainer};
use digest::{blob_path, digest_of_blob_path, printable};

/// How to open and which image to pick.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// `os/arch[/variant]`; default: this machine's, or the only one.
    pub platform: Option<String>,
    /// `name:tag` when the input holds several images.
    pub image: Option<String>,
    /// Force reading `manifest.json` (docker) or `index.json` (oci).
    pub layout: Layout,
    /// Which transport a name is read from (`--source`).
    pub source: reference::SourceKind,
    pub registry: registry::RegistryOptions,
}

/// Where an image was read from, for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Source {
    /// A file, a directory or stdin.
    #[default]
    File,
    /// An engine, by its address (`unix:///var/run/docker.sock`).
    Engine(String),
    /// A registry, by its host.
    Registry(String),
}

impl Source {
    /// `file`, `engine`, `registry`.
    pub fn transport(&self) -> &'static str {
        match self {
            Source::File => "file",
            Source::Engine(_) => "engine",
            Source::Registry(_) => "registry",
        }
    }

    /// The engine's address or the registry's host; `None` for files.
    pub fn location(&self) -> Option<&str> {
        match self {
            Source::File => None,
            Source::Engine(a) | Source::Registry(a) => Some(a),
        }
    }
}

/// Which description of the image to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Layout {
    /// `index.json` when it names an image, else `manifest.json`.
    #[default]
    Auto,
    Docker,
    Oci,
}

/// A history entry of the image config.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
pub struct History {
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub empty_layer: Option<bool>,
}

/// What imgsize uses of the image config.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub os: Option<String>,
    pub architecture: Option<String>,
    pub variant: Option<String>,
    pub user: Option<String>,
    pub diff_ids: Vec<String>,
    pub history: Vec<History>,
}

#[derive(Deserialize)]
struct RawConfig {
    #[serde(default)]
    architecture: Option<String>,
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    config: Option<RawRuntime>,
    #[serde(default)]
    rootfs: Option<RawRootfs>,
    #[serde(default)]
    history: Option<Vec<History>>,
}

#[derive(Deserialize)]
struct RawRuntime {
    #[serde(rename = "User", default)]
    user: Option<String>,
}

#[derive(Deserialize)]
struct RawRootfs {
    #[serde(default)]
    diff_ids: Option<Vec<String>>,
}

impl Config {
    pub fn parse(data: &[u8], place: &str) -> Result<Config> {
        let raw: RawConfig = serde_json::from_slice(data)
            .map_err(|e| Error::format(place, format!("image config is not valid JSON: {e}")))?;
        Ok(Config {
            os: raw.os,
            architecture: raw.architecture,
            variant: raw.variant,
            user: raw.config.and_then(|c| c.user),
            diff_ids: raw.rootfs.and_then(|r| r.diff_ids).unwrap_or_default(),
            history: raw.history.unwrap_or_default(),
        })
    }

    /// `os/arch[/variant]` as far as the config says.
    pub fn platform(&self) -> Option<String> {
        let (os, arch) = (self.os.as_deref()?, self.architecture.as_deref()?);
        Some(match self.variant.as_deref() {
            Some(v) if !v.is_empty() => format!("{os}/{arch}/{v}"),
            _ => format!("{os}/{arch}"),
        })
    }
}

/// One layer of the resolved image.
#[derive(Debug, Clone)]
pub struct LayerRef {
    /// The blob's name inside the container (`blobs/sha256/…`, `<id>/layer.tar`).
    pub member: String,
    /// The blob digest (compressed, as stored), when known.
    pub digest: Option<String>,
    pub media_type: Option<String>,
    /// The size the descriptor declares, when there is one.
    pub declared_size: Option<u64>,
    /// The config's diff_id for this layer.
    pub diff_id: Option<String>,
}

/// The resolved image: what to scan and what to say about it.
pub struct Image {
    /// What kind of input this was: `docker-archive`, `oci-archive`, `oci-layout`...
    pub kind: String,
    pub reference: Option<String>,
    pub platform: Option<String>,
    pub config: Config,
    /// The config's digest, when the image is described by an OCI manifest.
    pub config_digest: Option<String>,
    pub layers: Vec<LayerRef>,
    pub container: Container,
    pub source: Source,
}

/// Opens what the user named, from a file, the engine or a registry.
pub fn open_target(
    input: &str,
    opts: &OpenOptions,
    scan: &ScanOptions,
    progress: &crate::pipeline::Progress,
) -> Result<Image> {
    use reference::{EngineKind, Target};
    let tick = |n: u64| progress.bytes(n);
    match Target::parse(input, opts.source)? {
        Target::File { path, image } => {
            let opts = OpenOptions {
                image: image.or(opts.image.clone()),
                ..opts.clone()
            };
            open(&path, &opts, scan, &tick)
        }
        Target::Engine { engine, name } => {
            engine::open(engine, &name, false, opts, scan, progress)?
                .ok_or_else(|| Error::missing(input, "no such image in the engine"))
        }
        Target::Registry(r) => open_registry(&r, input, opts),
        Target::EngineOrRegistry(r) => {
            if let Some(image) = engine::open(EngineKind::Any, input, true, opts, scan, progress)? {
                return Ok(image);
            }
            open_registry(&r, input, opts).map_err(|mut e| {
                if matches!(e.kind, crate::error::ErrorKind::Network(_)) {
                    if let crate::error::ErrorKind::Network(m) = &mut e.kind {
                        m.push_str(" (no local engine has this image either)");
                    }
                }
                e
            })
        }
    }
}

fn open_registry(r: &reference::Reference, input: &str, opts: &OpenOptions) -> Result<Image> {
    let reg = registry::Registry::open(r, input, &opts.registry)?;
    let mut image = resolve(Container::Registry(Box::new(reg)), "registry", opts)?;
    image.source = Source::Registry(r.registry.clone());
    Ok(image)
}

/// Opens an image from a tar stream (`docker save` output or an OCI archive).
pub fn open_stream(
    input: impl std::io::Read,
    label: &str,
    opts: &OpenOptions,
    scan: &ScanOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Image> {
    resolve(
        Container::Stream(StreamContainer::read(input, label, scan, progress)?),
        "archive",
        opts,
    )
}

/// Opens `input` (a path, or `-` for stdin).
pub fn open(
    input: &str,
    opts: &OpenOptions,
    scan: &ScanOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Image> {
    let (container, base_kind) = if input == "-" && !stdin_is_a_file() {
        let stdin = std::io::stdin().lock();
        (
            Container::Stream(StreamContainer::read(stdin, "<stdin>", scan, progress)?),
            "archive",
        )
    } else {
        // `imgsize inspect - < app.tar` hands over a file: read it by seeking, as if named.
        let (path, input) = match input {
            "-" => (Path::new("/dev/stdin"), "<stdin>"),
            named => (Path::new(named), named),
        };
        let meta = std::fs::metadata(path).map_err(|e| Error::io(input, e))?;
        if meta.is_dir() {
            (Container::Dir(DirContainer::open(path, input)?), "layout")
        } else {
            let mut head = [0u8; 512];
            let n = std::fs::File::open(path)
                .and_then(|mut f| crate::layer::tar::read_full(&mut f, &mut head))
                .map_err(|e| Error::io(input, e))?;
            match crate::layer::Compression::detect(&head[..n]) {
                Some(crate::layer::Compression::None) => {
                    (Container::Tar(TarContainer::open(path, input)?), "archive")
                }
                Some(_) => {
                    // A compressed tarball cannot be seeked: read it as a stream.
                    let file = std::fs::File::open(path).map_err(|e| Error::io(input, e))?;
                    (
                        Container::Stream(StreamContainer::read(file, input, scan, progress)?),
                        "archive",
                    )
                }
                None if n == 0 => return Err(Error::format(input, "empty file: not an image")),
                None => {
                    return Err(Error::format(
                        input,
                        "not an image: neither a tar archive nor an OCI layout directory",
                    ))
                }
            }
        }
    };
    resolve(container, base_kind, opts)
}

/// Standard input is a regular file (a `<` redirection), read from its start, that
/// `/dev/stdin` reopens.
fn stdin_is_a_file() -> bool {
    use std::io::Seek;
    use std::os::fd::AsFd;
    let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else {
        return false;
    };
    let mut file = std::fs::File::from(fd);
    file.metadata().is_ok_and(|m| m.is_file())
        && file.stream_position().is_ok_and(|p| p == 0)
        && Path::new("/dev/stdin").exists()
}

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

/// One image manifest an index offers.
#[derive(Debug, Clone)]
struct Candidate {
    name: Option<String>,
    /// `org.opencontainers.image.ref.name` (`latest`, as `oci:DIR:latest` names it).
    ref_name: Option<String>,
    platform: Option<String>,
    manifest: ManifestRef,
    available: bool,
}

/// Where a candidate's manifest is described.
#[derive(Debug, Clone)]
enum ManifestRef {
    /// A descriptor in an OCI index.
    Oci(Box<Descriptor>),
    /// An entry of `manifest.json`, by position.
    Docker(usize),
}

fn host_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    };
    format!("linux/{arch}")
}

fn descriptor_platform(d: &Descriptor) -> Option<String> {
    d.platform().as_ref().map(|p| {
        let base = format!("{}/{}", p.os(), p.architecture());
        match p.variant() {
            Some(v) if !v.is_empty() => format!("{base}/{v}"),
            _ => base,
        }
    })
}

/// `a` matches the wanted platform `want` (a missing variant matches any).
fn platform_matches(have: &str, want: &str) -> bool {
    if have == want {
        return true;
    }
    let h: Vec<&str> = have.split('/').collect();
    let w: Vec<&str> = want.split('/').collect();
    h.len() >= 2 && w.len() >= 2 && h[0] == w[0] && h[1] == w[1] && (w.len() == 2 || h.len() == 2)
}

/// Normalizes an image name for comparison: `docker.io/library/app:latest` == `app`.
fn normalize_name(n: &str) -> String {
    let mut s = n.trim().to_string();
    for prefix in ["docker.io/", "index.docker.io/"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_string();
        }
    }
    if let Some(rest) = s.strip_prefix("library/") {
        s = rest.to_string();
    }
    let last = s.rsplit('/').next().unwrap_or("");
    if !last.contains(':') && !s.contains('@') {
        s.push_str(":latest");
    }
    s
}

fn name_matches(have: &Option<String>, want: &str) -> bool {
    match have {
        None => false,
        Some(h) => h == want || normalize_name(h) == normalize_name(want),
    }
}

const MAX_INDEX_DEPTH: usize = 4;

fn is_index(m: &MediaType) -> bool {
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
    out: &mut Vec<Candidate>,
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
                manifest: ManifestRef::Oci(Box::new(d.clone())),
                available,
            });
        }
        // Other media types (artifacts, signatures...) are not images: skip them.
    }
    Ok(())
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

fn describe(c: &Candidate) -> String {
    match (&c.name, &c.platform) {
        (Some(n), Some(p)) => format!("{n} ({p})"),
        (Some(n), None) => n.clone(),
        (None, Some(p)) => p.clone(),
        (None, None) => "(unnamed)".into(),
    }
}

fn choose(mut cands: Vec<Candidate>, opts: &OpenOptions, label: &str) -> Result<Candidate> {
    let all = cands.clone();
    let list = |cs: &[Candidate]| cs.iter().map(describe).collect::<Vec<_>>().join(", ");
    if let Some(want) = &opts.image {
        cands.retain(|c| name_matches(&c.name, want) || c.ref_name.as_deref() == Some(want));
        if cands.is_empty() {
            return Err(Error::selection(
                label,
                format!("no image named '{want}'; the input holds: {}", list(&all)),
            ));
        }
    }
    if let Some(want) = &opts.platform {
        cands.retain(|c| {
            c.platform
                .as_deref()
                .is_none_or(|p| platform_matches(p, want))
        });
        if cands.is_empty() {
            return Err(Error::selection(
                label,
                format!(
                    "no image for platform '{want}'; the input holds: {}",
                    list(&all)
                ),
            ));
        }
    }
    let available: Vec<Candidate> = cands.iter().filter(|c| c.available).cloned().collect();
    if available.is_empty() {
        return Err(Error::missing(
            label,
            format!(
                "the manifest blobs of {} are not in the input",
                list(&cands)
            ),
        ));
    }
    let mut pick = available;
    if pick.len() > 1 && opts.platform.is_none() {
        let host = host_platform();
        let on_host: Vec<Candidate> = pick
            .iter()
            .filter(|c| {
                c.platform
                    .as_deref()
                    .is_some_and(|p| platform_matches(p, &host))
            })
            .cloned()
            .collect();
        if !on_host.is_empty() {
            pick = on_host;
        }
    }
    if pick.len() > 1 {
        let names: std::collections::BTreeSet<_> = pick.iter().map(|c| c.name.clone()).collect();
        let what = if names.len() > 1 {
            "images; choose one with --image"
        } else {
            "platforms; choose one with --platform"
        };
        return Err(Error::selection(
            label,
            format!("the input holds several {what}: {}", list(&pick)),
        ));
    }
    Ok(pick.remove(0))
}

fn resolve(c: Container, base_kind: &str, opts: &OpenOptions) -> Result<Image> {
    let label = c.label().to_string();
    let has_index = c.exists("index.json")?;
    let has_manifest = c.exists("manifest.json")?;
    let use_oci = match opts.layout {
        Layout::Oci => true,
        Layout::Docker => false,
        Layout::Auto => {
            has_index && {
                let index = parse_index(
                    &c.read_small("index.json")?.unwrap_or_default(),
                    &format!("{label}: index.json"),
                )?;
                let mut cands = Vec::new();
                collect_candidates(&c, &index, (None, None), 0, &mut cands)?;
                !cands.is_empty() || !has_manifest
            }
        }
    };
    if use_oci {
        resolve_oci(c, base_kind, opts)
    } else if has_manifest || opts.layout == Layout::Docker {
        resolve_docker(c, opts)
    } else {
        Err(Error::format(
            label,
            "not an image: no index.json or manifest.json found",
        ))
    }
}

fn resolve_oci(c: Container, base_kind: &str, opts: &OpenOptions) -> Result<Image> {
    let label = c.label().to_string();
    let index_place = format!("{label}: index.json");
    let data = c
        .read_small("index.json")?
        .ok_or_else(|| Error::missing(&label, "index.json is missing"))?;
    let index = parse_index(&data, &index_place)?;
    let mut cands = Vec::new();
    collect_candidates(&c, &index, (None, None), 0, &mut cands)?;
    if cands.is_empty() {
        return Err(Error::format(
            index_place,
            "the index names no image manifest",
        ));
    }
    let pick = choose(cands, opts, &label)?;
    let ManifestRef::Oci(desc) = pick.manifest.clone() else {
        unreachable!("an OCI index yields OCI descriptors only")
    };
    let mplace = format!("{label}: {}", desc.digest());
    let mdata = read_blob(&c, &desc, "manifest")?
        .ok_or_else(|| Error::missing(&mplace, "manifest blob is missing"))?;
    let manifest = ImageManifest::from_reader(mdata.as_slice())
        .map_err(|e| Error::format(&mplace, format!("manifest is not valid: {e}")))?;
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
        config_digest: Some(cdesc.digest().to_string()),
        layers,
        container: c,
        source: Source::File,
    })
}

fn check_diff_ids(config: &Config, layers: usize, place: &str) -> Result<()> {
    if config.diff_ids.len() != layers {
        return Err(Error::format(
            place,
            format!(
                "config lists {} diff_ids but the manifest has {layers} layers",
                config.diff_ids.len()
            ),
        ));
    }
    Ok(())
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

fn resolve_docker(c: Container, opts: &OpenOptions) -> Result<Image> {
    let label = c.label().to_string();
    let place = format!("{label}: manifest.json");
    let entries: Vec<DockerEntry> = read_json(&c, "manifest.json", "manifest.json")?
        .ok_or_else(|| Error::missing(&label, "manifest.json is missing"))?;
    if entries.is_empty() {
        return Err(Error::format(&place, "lists no image"));
    }
    // Read each config once to know its platform.
    let mut cands = Vec::new();
    let mut configs: HashMap<usize, Config> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let cname = member_name(&e.config, &place)?;
        let cplace = format!("{label}: {cname}");
        let (platform, available) = match c.read_small(&cname)? {
            Some(data) => {
                let cfg = Config::parse(&data, &cplace)?;
                let p = cfg.platform();
                configs.insert(i, cfg);
                (p, true)
            }
            None => (None, false),
        };
        let name = e.repo_tags.as_ref().and_then(|t| t.first().cloned());
        cands.push(Candidate {
            name,
            ref_name: None,
            platform,
            manifest: ManifestRef::Docker(i),
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
    let ManifestRef::Docker(i) = pick.manifest else {
        unreachable!("manifest.json yields docker entries only")
    };
    let entry = &entries[i];
    let config = configs
        .remove(&i)
        .ok_or_else(|| Error::missing(&place, "image config is missing"))?;
    let cname = member_name(&entry.config, &place)?;
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
        config_digest: digest_of_blob_path(&cname),
        config,
        layers,
        container: c,
        source: Source::File,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_the_way_docker_shows_them() {
        assert!(name_matches(
            &Some("docker.io/library/app:latest".into()),
            "app"
        ));
        assert!(name_matches(&Some("app:1.0".into()), "app:1.0"));
        assert!(!name_matches(&Some("app:1.0".into()), "app"));
        assert!(name_matches(&Some("ghcr.io/x/y:2".into()), "ghcr.io/x/y:2"));
    }

    #[test]
    fn platforms_match_with_or_without_variant() {
        assert!(platform_matches("linux/arm64/v8", "linux/arm64"));
        assert!(platform_matches("linux/arm64", "linux/arm64/v8"));
        assert!(!platform_matches("linux/arm/v6", "linux/arm/v7"));
        assert!(!platform_matches("linux/amd64", "linux/arm64"));
    }

    #[test]
    fn config_parses_leniently() {
        let c = Config::parse(br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":null},"history":null}"#, "x").unwrap();
        assert_eq!(c.platform().as_deref(), Some("linux/amd64"));
        assert!(c.diff_ids.is_empty());
        assert!(Config::parse(b"{not json", "x").is_err());
    }
}
