//! Opening an input and resolving the image in it.
//!
//! Every input kind (a `docker save` tarball of any Docker era, an OCI archive, an
//! OCI layout directory, an extracted `docker save` directory, a stream on stdin) ends
//! up as one [`Image`]: its config, history and layers as named blobs in a
//! [`Container`]. Nothing downstream knows which kind it was. The engine and
//! registry transports end up there too: [`open_target`] picks the transport from
//! what the user typed ([`reference`]).

mod config;
pub(crate) mod container;
pub(crate) mod digest;
mod docker;
pub(crate) mod engine;
mod file;
mod http;
mod local_http;
mod oci;
pub(crate) mod reference;
pub(crate) mod registry;
mod select;
pub(crate) mod storage;
mod stream;

use crate::error::{Error, Result};
use crate::layer::ScanOptions;
pub use config::{Config, History};
pub(crate) use container::Container;
pub(crate) use file::{open, open_stream};
pub use oci::parse_index;
use select::platform_matches;

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
    /// A containers-storage to read names from with no daemon (`--storage-root`).
    pub storage_root: Option<String>,
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
    /// An engine's storage read with no daemon (`containers-storage:`), by its root.
    Storage(String),
}

impl Source {
    /// `file`, `engine`, `registry`.
    pub(crate) fn transport(&self) -> &'static str {
        match self {
            Source::File => "file",
            Source::Engine(_) => "engine",
            Source::Registry(_) => "registry",
            Source::Storage(_) => "storage",
        }
    }

    /// The engine's address or the registry's host; `None` for files.
    pub(crate) fn location(&self) -> Option<&str> {
        match self {
            Source::File => None,
            Source::Engine(a) | Source::Registry(a) | Source::Storage(a) => Some(a),
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
pub(crate) struct Image {
    /// What kind of input this was: `docker-archive`, `oci-archive`, `oci-layout`...
    pub kind: String,
    pub reference: Option<String>,
    pub platform: Option<String>,
    pub config: Config,
    pub layers: Vec<LayerRef>,
    pub container: Container,
    pub source: Source,
    /// The base image the manifest's `org.opencontainers.image.base.name`
    /// annotation names (buildah and BuildKit can write it).
    pub base_name: Option<String>,
}

/// Opens what the user named, from a file, the engine or a registry.
pub(crate) fn open_target(
    input: &str,
    opts: &OpenOptions,
    scan: &ScanOptions,
    progress: &crate::progress::Progress,
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
                .map_err(|_| Error::missing(input, "no such image in the engine"))
        }
        Target::Registry(r) => open_registry(&r, input, opts),
        Target::Storage { root, name } => {
            open_storage(root.or(opts.storage_root.clone()), &name, input, opts)
        }
        Target::EngineOrRegistry(_) if opts.storage_root.is_some() => {
            open_storage(opts.storage_root.clone(), input, input, opts)
        }
        Target::EngineOrRegistry(r) => {
            let not_opened = match engine::open(EngineKind::Any, input, true, opts, scan, progress)?
            {
                Ok(image) => return Ok(image),
                Err(n) => n,
            };
            // Why no engine served the image, then what the registry said.
            open_registry(&r, input, opts).map_err(|mut e| {
                let engines = not_opened.reason();
                let registry = e.place.strip_prefix(input).unwrap_or(&e.place);
                let registry = registry.trim_start_matches(": ").to_string();
                if let crate::error::ErrorKind::Network(m) | crate::error::ErrorKind::Missing(m) =
                    &mut e.kind
                {
                    *m = format!("{engines}; the registry then: {registry}: {m}");
                    e.place = input.to_string();
                }
                e
            })
        }
    }
}

/// Image `name` from the containers-storage at `root` (else storage.conf's), with
/// no daemon.
fn open_storage(
    root: Option<String>,
    name: &str,
    input: &str,
    opts: &OpenOptions,
) -> Result<Image> {
    let root = root
        .map(std::path::PathBuf::from)
        .unwrap_or_else(storage::default_graphroot);
    let stored =
        storage::open_containers_storage(&root, name).map_err(|why| Error::missing(input, why))?;
    let kind = "containers-storage".to_string();
    let source = Source::Storage(root.display().to_string());
    storage::image(input, kind, stored, source, opts)
}

fn open_registry(r: &reference::Reference, input: &str, opts: &OpenOptions) -> Result<Image> {
    let reg = registry::Registry::open(r, input, &opts.registry)?;
    let mut image = resolve(Container::Registry(Box::new(reg)), "registry", opts)?;
    image.source = Source::Registry(r.registry.clone());
    Ok(image)
}

fn resolve(c: Container, base_kind: &str, opts: &OpenOptions) -> Result<Image> {
    let label = c.label().to_string();
    let has_index = c.exists("index.json")?;
    let has_manifest = c.exists("manifest.json")?;
    // The index is walked once: to choose between the descriptions, then to pick.
    let offered = match opts.layout {
        Layout::Oci => Some(oci::candidates(&c)?),
        Layout::Auto if has_index => Some(oci::candidates(&c)?),
        _ => None,
    };
    let use_oci = match (&offered, opts.layout) {
        (_, Layout::Oci) => true,
        (Some(cands), Layout::Auto) => !cands.is_empty() || !has_manifest,
        _ => false,
    };
    if let (true, Some(cands)) = (use_oci, offered) {
        oci::resolve_oci(c, cands, base_kind, opts)
    } else if has_manifest || opts.layout == Layout::Docker {
        docker::resolve_docker(c, opts)
    } else {
        Err(Error::format(
            label,
            "not an image: no index.json or manifest.json found",
        ))
    }
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
