//! Reading an image from a local engine (Docker, or Podman's Docker-compatible
//! service) over the Docker Engine API: `GET /images/{name}/json` first, so a
//! missing image is a clear error and the platform is known, then
//! `GET /images/{name}/get`, a `docker save` tarball read as a stream (layers scanned
//! as they pass, never written to disk), exactly as stdin is read.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use sha2::Digest as _;

use super::http;
use super::local_http::{self, Address};
use super::reference::EngineKind;
use super::{container::StreamContainer, Container, Image, OpenOptions};
use crate::error::{Error, Result};
use crate::layer::ScanOptions;

/// Where an engine listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `unix:///var/run/docker.sock` or `tcp://host:port`, as the user would write it.
    pub display: String,
    addr: Address,
}

impl Endpoint {
    fn parse(host: &str, place: &str) -> Result<Endpoint> {
        if let Some(path) = host.strip_prefix("unix://") {
            return Ok(Endpoint::unix(Path::new(path)));
        }
        if let Some(addr) = host.strip_prefix("tcp://") {
            return Ok(Endpoint {
                display: host.to_string(),
                addr: Address::Tcp(addr.trim_end_matches('/').to_string()),
            });
        }
        Err(Error::usage(
            place,
            format!(
                "engine address '{host}' is not supported (use unix:///path or tcp://host:port)"
            ),
        ))
    }

    fn unix(path: &Path) -> Endpoint {
        Endpoint {
            display: format!("unix://{}", path.display()),
            addr: Address::Unix(path.to_path_buf()),
        }
    }

    /// A socket that is not there cannot answer: skip it without a timeout.
    fn may_answer(&self) -> bool {
        match &self.addr {
            Address::Unix(p) => p.exists(),
            Address::Tcp(_) => true,
        }
    }

    /// `GET path`. Podman writes the whole archive before its first byte: the
    /// engine gets at least two minutes to answer.
    fn get(&self, path: &str, stall: Duration) -> io::Result<local_http::Response> {
        let host = match &self.addr {
            Address::Tcp(a) => a.as_str(),
            Address::Unix(_) => "localhost",
        };
        local_http::get(&self.addr, host, path, stall)
    }
}

fn engine_stall() -> Duration {
    http::stall_timeout().max(Duration::from_secs(120))
}

#[derive(Deserialize)]
struct DockerConfig {
    #[serde(rename = "currentContext", default)]
    current_context: Option<String>,
}

#[derive(Deserialize)]
struct ContextMeta {
    #[serde(rename = "Endpoints", default)]
    endpoints: std::collections::HashMap<String, ContextEndpoint>,
}

#[derive(Deserialize)]
struct ContextEndpoint {
    #[serde(rename = "Host", default)]
    host: Option<String>,
}

fn docker_config_dir() -> Option<PathBuf> {
    std::env::var_os("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".docker")))
}

/// The docker CLI's current context's host: `DOCKER_CONTEXT`, else `currentContext`
/// of config.json; its `meta.json` lives under the sha256 of its name.
fn context_host() -> Option<String> {
    let dir = docker_config_dir()?;
    let name = std::env::var("DOCKER_CONTEXT").ok().or_else(|| {
        let data = std::fs::read(dir.join("config.json")).ok()?;
        serde_json::from_slice::<DockerConfig>(&data)
            .ok()?
            .current_context
    })?;
    if name.is_empty() || name == "default" {
        return None;
    }
    let id = crate::layer::hex(&sha2::Sha256::digest(name.as_bytes()));
    let data = std::fs::read(dir.join("contexts/meta").join(id).join("meta.json")).ok()?;
    let meta: ContextMeta = serde_json::from_slice(&data).ok()?;
    meta.endpoints.get("docker")?.host.clone()
}

/// The engines to try, in order.
pub(crate) fn endpoints(kind: EngineKind) -> Result<Vec<Endpoint>> {
    let mut out = Vec::new();
    if kind != EngineKind::Podman {
        if let Ok(host) = std::env::var("DOCKER_HOST") {
            if !host.is_empty() {
                // An explicit DOCKER_HOST is the one engine the user means.
                return Ok(vec![Endpoint::parse(&host, "DOCKER_HOST")?]);
            }
        }
        match context_host() {
            Some(h) => out.push(Endpoint::parse(&h, "docker context")?),
            None => out.push(Endpoint::unix(Path::new("/var/run/docker.sock"))),
        }
    }
    if kind != EngineKind::Docker {
        if let Ok(host) = std::env::var("CONTAINER_HOST") {
            if !host.is_empty() {
                out.push(Endpoint::parse(&host, "CONTAINER_HOST")?);
            }
        }
        out.push(Endpoint::unix(Path::new("/run/podman/podman.sock")));
        if let Some(run) = std::env::var_os("XDG_RUNTIME_DIR") {
            out.push(Endpoint::unix(&Path::new(&run).join("podman/podman.sock")));
        }
    }
    out.dedup();
    Ok(out)
}

/// `GET /images/{name}/json`, as much as imgsize uses.
#[derive(Deserialize)]
struct ImageJson {
    /// The config's digest.
    #[serde(rename = "Id", default)]
    id: Option<String>,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Os", default)]
    os: Option<String>,
    #[serde(rename = "Architecture", default)]
    architecture: Option<String>,
    #[serde(rename = "Variant", default)]
    variant: Option<String>,
    #[serde(rename = "Size", default)]
    size: Option<u64>,
    #[serde(rename = "GraphDriver", default)]
    graph_driver: Option<GraphDriverJson>,
}

/// Where the engine keeps the image's layers: its driver and, for overlay drivers,
/// the top layer's folder, `<root>/<driver's folder>/<id>/diff`.
#[derive(Deserialize)]
struct GraphDriverJson {
    #[serde(rename = "Name", default)]
    name: Option<String>,
    #[serde(rename = "Data", default)]
    data: Option<std::collections::HashMap<String, String>>,
}

impl ImageJson {
    /// The storage's root and driver, read off the top layer's folder (the engine's
    /// `/info` says the same, but Podman takes a third of a second to answer it).
    fn storage(&self) -> Option<(String, String)> {
        let g = self.graph_driver.as_ref()?;
        let driver = g.name.clone()?;
        let upper = Path::new(g.data.as_ref()?.get("UpperDir")?);
        let folder = upper.parent()?.parent()?;
        let root = folder.parent()?;
        (upper.file_name()? == "diff" && folder.file_name()? == driver.as_str())
            .then(|| (root.to_string_lossy().into_owned(), driver))
    }
}

/// An engine that answered `/_ping`.
pub(crate) struct Engine {
    pub endpoint: Endpoint,
}

impl Engine {
    /// The first engine of `kind` that answers, or the list of those tried.
    pub(crate) fn find(kind: EngineKind) -> Result<std::result::Result<Engine, String>> {
        let mut tried = Vec::new();
        for e in endpoints(kind)? {
            tried.push(e.display.clone());
            if !e.may_answer() {
                continue;
            }
            let ping = e.get("/_ping", http::CONNECT_TIMEOUT);
            if ping.is_ok_and(|r| (200..300).contains(&r.status)) {
                return Ok(Ok(Engine { endpoint: e }));
            }
        }
        Ok(Err(tried.join(", ")))
    }

    fn place(&self, name: &str) -> String {
        format!("{name} (engine at {})", self.endpoint.display)
    }

    /// The image's platform and size, or `None` when the engine does not have it.
    fn image_json(&self, name: &str) -> Result<Option<ImageJson>> {
        let place = self.place(name);
        let resp = self
            .endpoint
            .get(&format!("/images/{name}/json"), engine_stall())
            .map_err(|e| Error::network(&place, describe(&e)))?;
        match resp.status {
            404 => Ok(None),
            200..=299 => {
                let body = resp
                    .text(super::container::MAX_METADATA)
                    .map_err(|e| Error::network(&place, describe(&e)))?;
                serde_json::from_str(&body).map(Some).map_err(|e| {
                    Error::format(&place, format!("engine's image JSON is not valid: {e}"))
                })
            }
            s => Err(Error::network(&place, engine_refusal(s, resp))),
        }
    }

    /// Opens `name` from this engine; `None` when the engine does not have it.
    pub(crate) fn open(
        &self,
        name: &str,
        opts: &OpenOptions,
        scan: &ScanOptions,
        progress: &crate::progress::Progress,
    ) -> Result<Option<Image>> {
        let place = self.place(name);
        let Some(info) = self.image_json(name)? else {
            return Ok(None);
        };
        let have = match (&info.os, &info.architecture, &info.variant) {
            (Some(os), Some(arch), Some(v)) if !v.is_empty() => Some(format!("{os}/{arch}/{v}")),
            (Some(os), Some(arch), _) => Some(format!("{os}/{arch}")),
            _ => None,
        };
        if let (Some(want), Some(have)) = (&opts.platform, &have) {
            if !super::platform_matches(have, want) {
                return Err(Error::selection(
                    &place,
                    format!("the engine holds this image for {have}, not {want}"),
                ));
            }
        }
        if std::env::var_os("IMGSIZE_ENGINE_EXPORT").is_none() {
            match self.read_storage(name, &info, opts) {
                Ok(image) => return Ok(Some(image)),
                Err(why) => crate::progress::note(&format!(
                    "{name}: reading the engine's export, which takes it a while: {why}"
                )),
            }
        }
        progress.start(info.size, None);
        let resp = self
            .endpoint
            .get(&format!("/images/{name}/get"), engine_stall())
            .map_err(|e| Error::network(&place, describe(&e)))?;
        if !(200..300).contains(&resp.status) {
            let s = resp.status;
            return Err(Error::network(&place, engine_refusal(s, resp)));
        }
        let body = NetReader {
            inner: resp,
            place: place.clone(),
        };
        let tick = |n: u64| progress.bytes(n);
        let container = StreamContainer::read(body, &place, scan, &tick)?;
        let mut image = super::resolve(Container::Stream(container), "archive", opts)?;
        image.source = super::Source::Engine(self.endpoint.display.clone());
        Ok(Some(image))
    }
}

/// `GET /info`, as much as imgsize uses: where the engine keeps its images.
#[derive(Deserialize)]
struct InfoJson {
    #[serde(rename = "DockerRootDir", default)]
    root: Option<String>,
    #[serde(rename = "Driver", default)]
    driver: Option<String>,
}

impl Engine {
    /// `GET /info`: the engine's storage root and driver.
    fn info(&self) -> std::result::Result<(String, String), String> {
        let resp = self
            .endpoint
            .get("/info", http::CONNECT_TIMEOUT.max(Duration::from_secs(10)))
            .map_err(|e| format!("/info: {}", describe(&e)))?;
        let body = resp
            .text(super::container::MAX_METADATA)
            .map_err(|e| format!("/info: {}", describe(&e)))?;
        let about: InfoJson =
            serde_json::from_str(&body).map_err(|e| format!("/info is not valid: {e}"))?;
        match (about.root, about.driver) {
            (Some(root), Some(driver)) => Ok((root, driver)),
            _ => Err("the engine does not say where it keeps its images".into()),
        }
    }

    /// The image from the engine's own storage (Docker's layerdb, or Podman's
    /// containers-storage), or why it cannot be read here.
    fn read_storage(
        &self,
        name: &str,
        info: &ImageJson,
        opts: &OpenOptions,
    ) -> std::result::Result<Image, String> {
        use super::storage;
        if !matches!(self.endpoint.addr, Address::Unix(_)) {
            return Err(format!(
                "the engine at {} is reached over the network, so its storage may not be on \
                 this machine (where it is, its unix socket makes imgsize read it in place)",
                self.endpoint.display
            ));
        }
        let (root, driver) = match info.storage() {
            Some(at) => at,
            None => self.info()?,
        };
        let root = Path::new(&root);
        if !root.exists() {
            return Err(format!(
                "its storage {} is not on this machine (Docker Desktop and remote engines keep it in a VM)",
                root.display()
            ));
        }
        let id = info.id.as_deref().ok_or("the engine gave no image id")?;
        let place = self.place(name);
        let source = super::Source::Engine(self.endpoint.display.clone());
        // The name as `docker save` would write it in RepoTags.
        let tags = info.repo_tags.clone().unwrap_or_default();
        let names: Vec<String> = match tags.iter().find(|t| t.as_str() == name) {
            Some(t) => vec![t.clone()],
            None => tags,
        };
        let (kind, mut stored) = if root.join("image").join(&driver).join("layerdb").exists() {
            let stored = storage::open_docker_storage(root, &driver, id)?;
            (format!("docker-storage ({driver})"), stored)
        } else if root.join("overlay-images/images.json").exists() {
            let stored = storage::open_containers_storage(root, id)?;
            (format!("containers-storage ({driver})"), stored)
        } else if matches!(driver.as_str(), "overlayfs" | "stargz" | "native")
            || root.join("containerd").exists()
        {
            return Err(format!(
                "the engine keeps images in containerd's image store (driver {driver}), \
                 whose layers imgsize does not read in place yet"
            ));
        } else {
            return Err(format!(
                "{} holds neither Docker's layerdb nor containers-storage",
                root.display()
            ));
        };
        stored.names = names;
        storage::image(&place, kind, stored, source, opts).map_err(|e| e.to_string())
    }
}

/// An engine's error status as one line, with its own message when it gives one.
fn engine_refusal(s: u16, resp: local_http::Response) -> String {
    #[derive(Deserialize)]
    struct Msg {
        message: Option<String>,
    }
    let text = resp.text(64 << 10).unwrap_or_default();
    let msg = serde_json::from_str::<Msg>(&text)
        .ok()
        .and_then(|m| m.message)
        .unwrap_or_else(|| text.trim().chars().take(200).collect());
    format!("engine answered {s}: {msg}")
}

/// A socket error as one line: a timeout says the engine stalled.
fn describe(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            format!("the engine stalled (no data for {:?})", engine_stall())
        }
        _ => e.to_string(),
    }
}

/// A response body whose read errors say what broke (stalled, reset) and where.
pub(crate) struct NetReader<R> {
    pub inner: R,
    pub place: String,
}

impl<R: Read> Read for NetReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("reading from {}: {}", self.place, describe(&e)),
            )
        })
    }
}

/// What asking the engines for an image came to, when it did not open it: no
/// engine answered (those tried), or the one that answered lacks the image.
pub(crate) enum NotOpened {
    NoEngine { tried: String },
    NotThere { engine: String },
}

impl NotOpened {
    /// Why the engines did not serve the image, said before the registry's answer.
    pub(crate) fn reason(&self) -> String {
        match self {
            NotOpened::NoEngine { tried } => format!("no engine answered (tried {tried})"),
            NotOpened::NotThere { engine } => format!("the engine at {engine} does not have it"),
        }
    }
}

/// Reads `name` from an engine of `kind`; when none answers, or `fallback` and the
/// engine lacks the image, `Err(NotOpened)` lets the caller try the registry.
pub(crate) fn open(
    kind: EngineKind,
    name: &str,
    fallback: bool,
    opts: &OpenOptions,
    scan: &ScanOptions,
    progress: &crate::progress::Progress,
) -> Result<std::result::Result<Image, NotOpened>> {
    let engine =
        match Engine::find(kind)? {
            Ok(e) => e,
            Err(tried) if fallback => return Ok(Err(NotOpened::NoEngine { tried })),
            Err(tried) => {
                let hint = match std::env::var("DOCKER_HOST") {
                Ok(h) if !h.is_empty() => format!("is the engine DOCKER_HOST names ({h}) running?"),
                _ => "is Docker or Podman running? (DOCKER_HOST or CONTAINER_HOST can name another)"
                    .to_string(),
            };
                return Err(Error::network(
                    name,
                    format!("no engine answers (tried {tried}); {hint}"),
                ));
            }
        };
    match engine.open(name, opts, scan, progress)? {
        Some(image) => Ok(Ok(image)),
        None if fallback => Ok(Err(NotOpened::NotThere {
            engine: engine.endpoint.display.clone(),
        })),
        None => Err(Error::missing(
            engine.place(name),
            "no such image in the engine (`docker images` lists what it has)",
        )),
    }
}
