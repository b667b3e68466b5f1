//! Many images at once (`imgsize overlap`): the layers they share, the base chains
//! they start from, what each adds alone, and the near misses: the same files in
//! different layers of different images, which one shared base would store once.
//!
//! A pure function of per-layer summaries ([`LayerSummary`]): each distinct layer is
//! read once however many images hold it, and no image's whole tree is kept, only a
//! fingerprint per file.

mod near; // near misses: the same files in different layers of different images

use near::near_misses;
use rustc_hash::FxHashMap;
use serde::Serialize;

/// An image of the fleet that could not be read, and why.
#[derive(Debug)]
pub struct FleetFailure {
    pub input: String,
    pub error: crate::error::Error,
}

/// Where one image of the fleet came from, for the report.
#[derive(Debug, Clone)]
pub struct About {
    pub kind: String,
    pub reference: Option<String>,
    pub platform: Option<String>,
    pub source: crate::source::Source,
}

use crate::layer::{EntryKind, LayerFiles};

/// One non-empty regular file of a layer: a fingerprint of its path and size (and
/// content hash, with `--content`), its size, and the folder it is shown under.
#[derive(Debug, Clone, Copy)]
struct Print {
    key: u128,
    size: u64,
    folder: u32,
}

/// What the fleet view keeps of one distinct layer.
#[derive(Debug, Default)]
pub struct LayerSummary {
    /// Regular-file bytes (as `inspect` counts a layer's size).
    pub bytes: u64,
    pub files: u64,
    prints: Vec<Print>,
    /// Folders the prints point into (`/app/node_modules/typescript`).
    folders: Vec<Box<str>>,
}

impl LayerSummary {
    /// Summarizes a scanned layer: totals, and a print per non-empty regular file.
    pub(crate) fn of(files: &LayerFiles) -> LayerSummary {
        let mut s = LayerSummary::default();
        let mut folder_ids: FxHashMap<Vec<u8>, u32> = FxHashMap::default();
        let mut path = Vec::new();
        for e in files.iter() {
            if e.kind != EntryKind::File {
                continue;
            }
            s.bytes += e.size;
            s.files += 1;
            if e.size == 0 {
                continue;
            }
            let path = e.path_into(&mut path);
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            h.update(path);
            h.update(&e.size.to_le_bytes());
            if let Some(c) = e.hash {
                h.update(&c.to_le_bytes());
            }
            let folder = display_folder(path);
            let next = folder_ids.len() as u32;
            let folder = *folder_ids.entry(folder.to_vec()).or_insert_with(|| {
                s.folders
                    .push(format!("/{}", crate::text::path_str(folder)).into_boxed_str());
                next
            });
            s.prints.push(Print {
                key: h.digest128(),
                size: e.size,
                folder,
            });
        }
        s.prints.shrink_to_fit();
        s
    }
}

/// The folder a file is shown under: its package folder inside `node_modules`
/// (`app/node_modules/@types/node`), else its folder, three levels deep at most.
fn display_folder(path: &[u8]) -> &[u8] {
    let comps: Vec<&[u8]> = path.split(|&b| b == b'/').collect();
    let dirs = comps.len().saturating_sub(1);
    let end_of = |n: usize| -> &[u8] {
        let len: usize = comps[..n].iter().map(|c| c.len()).sum::<usize>() + n.saturating_sub(1);
        &path[..len]
    };
    if let Some(i) = comps[..dirs].iter().rposition(|c| *c == b"node_modules") {
        let mut n = (i + 2).min(dirs);
        if n < dirs && comps[i + 1].starts_with(b"@") {
            n += 1;
        }
        return end_of(n);
    }
    end_of(dirs.min(3))
}

/// One layer of one image, as the fleet sees it.
#[derive(Debug, Clone)]
pub struct ImageLayer {
    /// Index into the distinct layers.
    pub distinct: usize,
    pub digest: Option<String>,
    /// The blob's size when it is compressed (the pull size).
    pub compressed_bytes: Option<u64>,
    pub instruction: String,
}

/// One image of the fleet.
#[derive(Debug, Clone)]
pub struct FleetImage {
    pub input: String,
    pub layers: Vec<ImageLayer>,
    /// The image it was built `FROM`, where the history or the manifest says so.
    pub base: Option<Base>,
}

/// The base image of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    pub name: String,
    /// How many of the image's layers the base holds: known from the history's
    /// `FROM` step only.
    pub layers: Option<usize>,
}

/// One distinct layer (by diff_id) and what was read of it.
#[derive(Debug)]
pub struct DistinctLayer {
    pub diff_id: Option<String>,
    pub summary: LayerSummary,
}

/// Per image: its size and how much of it other images share.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ImageShare {
    pub layers: usize,
    pub size: u64,
    /// The pull size, when every layer is compressed.
    pub compressed_size: Option<u64>,
    /// Bytes in layers at least one other image holds too.
    pub shared_bytes: u64,
    /// Bytes in layers no other image holds: what this image adds alone.
    pub unique_bytes: u64,
    /// The image this one was built FROM, where the history says so.
    pub base_image: Option<String>,
}

/// A layer held by several images.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SharedLayer {
    pub diff_id: Option<String>,
    pub digest: Option<String>,
    pub size: u64,
    pub compressed_size: Option<u64>,
    pub files: u64,
    pub instruction: String,
    /// Indexes into the report's images.
    pub images: Vec<usize>,
}

/// The longest run of layers, from the bottom, that a group of images shares.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BaseChain {
    pub images: Vec<usize>,
    pub layers: usize,
    pub size: u64,
    pub compressed_size: Option<u64>,
    /// The chain's top layer's instruction.
    pub instruction: String,
    /// The base image the chain is (or starts with), where the history names it.
    pub base_image: Option<String>,
    /// How many layers beyond that base image the chain holds.
    pub layers_beyond_base: Option<usize>,
}

/// Where the images of a near miss hold their copies: one distinct layer.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Copy {
    /// The images whose first copy of the files is this layer.
    pub images: Vec<usize>,
    /// The layer's index in the first of those images.
    pub layer: usize,
    pub instruction: String,
}

/// Bytes under one folder.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FolderBytes {
    pub path: String,
    pub bytes: u64,
}

/// Why the near miss happens, and so what to change.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum MissKind {
    /// The copies are in the images' base images: two bases (say, two patch releases).
    Bases,
    /// The same instruction run in each image on a different layer below.
    SameStep,
    /// The same files from different instructions.
    SameFiles,
}

/// The same files, byte for byte by path and size (by content hash with
/// `--content`), in different layers of different images.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NearMiss {
    pub kind: MissKind,
    pub copies: Vec<Copy>,
    pub files: u64,
    /// The files' bytes, one copy.
    pub bytes: u64,
    /// What one shared layer would save: every copy but one.
    pub saving: u64,
    /// Where the files are, largest first (five at most).
    pub folders: Vec<FolderBytes>,
}

/// Sums over the fleet.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Totals {
    pub images: usize,
    pub layers: usize,
    pub distinct_layers: usize,
    /// The images' sizes added up: what they would take with nothing shared.
    pub sum_of_sizes: u64,
    /// What one node that runs them all stores: each distinct layer once.
    pub node_bytes: u64,
    /// `sum_of_sizes - node_bytes`.
    pub saved_by_sharing: u64,
    /// The pull sizes added up, when every layer is compressed.
    pub sum_of_compressed_sizes: Option<u64>,
    /// What one registry stores: each distinct blob once, when every layer is compressed.
    pub registry_bytes: Option<u64>,
    /// All near misses: what shared layers would save on top of today's sharing.
    pub near_miss_saving: u64,
    pub near_miss_files: u64,
}

/// Everything `imgsize overlap` computes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Overlap {
    pub images: Vec<ImageShare>,
    pub totals: Totals,
    /// Largest first.
    pub shared_layers: Vec<SharedLayer>,
    /// Largest first.
    pub base_chains: Vec<BaseChain>,
    /// Largest saving first.
    pub near_misses: Vec<NearMiss>,
}

/// Computes the overlap of `images`, whose layers index into `layers`. The layers'
/// prints are consumed.
pub fn compute(images: &[FleetImage], layers: &mut [DistinctLayer]) -> Overlap {
    let h = Holders::of(images, layers.len());
    let per_image: Vec<ImageShare> = images
        .iter()
        .map(|img| image_share(img, layers, &h.shared))
        .collect();
    let referenced: Vec<usize> = (0..layers.len())
        .filter(|&d| !h.holders[d].is_empty())
        .collect();
    let node_bytes: u64 = referenced.iter().map(|&d| layers[d].summary.bytes).sum();
    let sum_of_sizes: u64 = per_image.iter().map(|s| s.size).sum();
    let shared_layers = shared_layers(images, layers, &h, &referenced);
    let mut base_chains = Vec::new();
    chains(images, layers, &mut base_chains);
    base_chains.sort_by(|a, b| {
        b.size
            .cmp(&a.size)
            .then(b.images.len().cmp(&a.images.len()))
            .then(a.images.cmp(&b.images))
    });
    let near_misses = near_misses(images, layers, &h.holders, &h.images);
    let totals = Totals {
        images: images.len(),
        layers: images.iter().map(|i| i.layers.len()).sum(),
        distinct_layers: referenced.len(),
        sum_of_sizes,
        node_bytes,
        saved_by_sharing: sum_of_sizes - node_bytes,
        sum_of_compressed_sizes: per_image.iter().map(|s| s.compressed_size).sum(),
        registry_bytes: registry_bytes(images),
        near_miss_saving: near_misses.iter().map(|m| m.saving).sum(),
        near_miss_files: near_misses.iter().map(|m| m.files).sum(),
    };
    Overlap {
        images: per_image,
        totals,
        shared_layers,
        base_chains,
        near_misses,
    }
}

/// Who holds each distinct layer.
struct Holders {
    /// (image, position) of each holding, by distinct layer.
    holders: Vec<Vec<(usize, usize)>>,
    /// The images holding each distinct layer, each once.
    images: Vec<Vec<usize>>,
    /// Held by two images or more.
    shared: Vec<bool>,
}

impl Holders {
    fn of(images: &[FleetImage], distinct: usize) -> Holders {
        let mut holders: Vec<Vec<(usize, usize)>> = vec![Vec::new(); distinct];
        for (i, img) in images.iter().enumerate() {
            for (pos, l) in img.layers.iter().enumerate() {
                holders[l.distinct].push((i, pos));
            }
        }
        // An image's holdings are pushed together, so repeats are adjacent.
        let images: Vec<Vec<usize>> = holders
            .iter()
            .map(|h| {
                let mut imgs: Vec<usize> = h.iter().map(|x| x.0).collect();
                imgs.dedup();
                imgs
            })
            .collect();
        let shared = images.iter().map(|h| h.len() >= 2).collect();
        Holders {
            holders,
            images,
            shared,
        }
    }
}

/// One image's bytes: in all, shared with another image, its own.
fn image_share(img: &FleetImage, layers: &[DistinctLayer], shared: &[bool]) -> ImageShare {
    let bytes = |keep: &dyn Fn(usize) -> bool| -> u64 {
        img.layers
            .iter()
            .filter(|l| keep(l.distinct))
            .map(|l| layers[l.distinct].summary.bytes)
            .sum()
    };
    let size = bytes(&|_| true);
    let shared_bytes = bytes(&|d| shared[d]);
    ImageShare {
        layers: img.layers.len(),
        size,
        compressed_size: img.layers.iter().map(|l| l.compressed_bytes).sum(),
        shared_bytes,
        unique_bytes: size - shared_bytes,
        base_image: img.base.as_ref().map(|b| b.name.clone()),
    }
}

/// What one registry stores: each compressed blob once (unknown unless every
/// layer is compressed).
fn registry_bytes(images: &[FleetImage]) -> Option<u64> {
    let mut seen: FxHashMap<&str, u64> = FxHashMap::default();
    for l in images.iter().flat_map(|i| &i.layers) {
        match (l.compressed_bytes, l.digest.as_deref()) {
            (Some(b), Some(d)) => {
                seen.insert(d, b);
            }
            _ => return None,
        }
    }
    Some(seen.values().sum())
}

/// The layers two images or more hold, largest first.
fn shared_layers(
    images: &[FleetImage],
    layers: &[DistinctLayer],
    h: &Holders,
    referenced: &[usize],
) -> Vec<SharedLayer> {
    let mut out: Vec<SharedLayer> = referenced
        .iter()
        .filter(|&&d| h.shared[d])
        .map(|&d| {
            let (i, pos) = h.holders[d][0];
            let l = &images[i].layers[pos];
            SharedLayer {
                diff_id: layers[d].diff_id.clone(),
                digest: l.digest.clone(),
                size: layers[d].summary.bytes,
                compressed_size: compressed(images, &h.holders[d]),
                files: layers[d].summary.files,
                instruction: l.instruction.clone(),
                images: h.images[d].clone(),
            }
        })
        .collect();
    out.sort_by(|a, b| b.size.cmp(&a.size).then(a.images.cmp(&b.images)));
    out
}

/// A layer's compressed size: its blob's in the first image holding it compressed
/// (an image read from a `docker save` tarball holds it uncompressed).
fn compressed(images: &[FleetImage], holders: &[(usize, usize)]) -> Option<u64> {
    holders
        .iter()
        .find_map(|&(i, pos)| images[i].layers[pos].compressed_bytes)
}

/// The base chains: the longest run of bottom layers each group of two or more
/// images shares, found by splitting the fleet at each layer position where its
/// members part. Walked on a stack of its own: an image chooses how many layers
/// it has.
fn chains(images: &[FleetImage], layers: &[DistinctLayer], out: &mut Vec<BaseChain>) {
    let mut work: Vec<(Vec<usize>, usize)> = vec![((0..images.len()).collect(), 0)];
    while let Some((group, depth)) = work.pop() {
        let mut parts: Vec<(usize, Vec<usize>)> = Vec::new();
        for &i in &group {
            if let Some(l) = images[i].layers.get(depth) {
                match parts.iter_mut().find(|(d, _)| *d == l.distinct) {
                    Some((_, members)) => members.push(i),
                    None => parts.push((l.distinct, vec![i])),
                }
            }
        }
        let whole = parts.iter().any(|(_, m)| m.len() == group.len());
        if !whole && depth > 0 && group.len() >= 2 {
            out.push(chain(images, layers, &group, depth));
        }
        for (_, members) in parts {
            if members.len() >= 2 {
                work.push((members, depth + 1));
            }
        }
    }
}

/// The chain of the bottom `depth` layers that `group` shares.
fn chain(
    images: &[FleetImage],
    layers: &[DistinctLayer],
    group: &[usize],
    depth: usize,
) -> BaseChain {
    let first = &images[group[0]];
    let chain = &first.layers[..depth];
    let bases: Vec<Option<&Base>> = group.iter().map(|&i| images[i].base.as_ref()).collect();
    let base = bases[0]
        .filter(|b| b.layers.is_some_and(|n| n <= depth) && bases.iter().all(|o| *o == bases[0]))
        .cloned();
    // Every layer's compressed size, from whichever image has it compressed.
    let compressed_size = (0..depth)
        .map(|k| {
            group
                .iter()
                .find_map(|&i| images[i].layers[k].compressed_bytes)
        })
        .sum();
    BaseChain {
        images: group.to_vec(),
        layers: depth,
        size: chain.iter().map(|l| layers[l.distinct].summary.bytes).sum(),
        compressed_size,
        instruction: chain[depth - 1].instruction.clone(),
        layers_beyond_base: base.as_ref().and_then(|b| b.layers).map(|n| depth - n),
        base_image: base.map(|b| b.name),
    }
}

/// The image an image was built `FROM`: the manifest's annotation names it; the
/// history's `FROM name` comment (buildah writes it on the first step of a build;
/// `FROM <12 hex>` names an intermediate step, not a base) names it too and says
/// how many layers it holds (when the history fits the layers: `fits`).
pub fn base_of(
    annotation: Option<&str>,
    history: &[crate::source::History],
    fits: bool,
) -> Option<Base> {
    let from_history = fits.then(|| from_history(history)).flatten();
    match (annotation, from_history) {
        (Some(name), h) => Some(Base {
            name: name.to_string(),
            layers: h.map(|h| h.1),
        }),
        (None, Some((name, n))) => Some(Base {
            name,
            layers: Some(n),
        }),
        (None, None) => None,
    }
}

fn from_history(history: &[crate::source::History]) -> Option<(String, usize)> {
    let mut below = 0;
    for h in history {
        if let Some(name) = h.comment.as_deref().and_then(|c| c.strip_prefix("FROM ")) {
            let name = name.trim();
            let id = name.len() == 12 && name.bytes().all(|b| b.is_ascii_hexdigit());
            if !name.is_empty() && !id {
                return Some((name.to_string(), below));
            }
        }
        if h.empty_layer != Some(true) {
            below += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_stop_at_the_package() {
        let f = |p: &str| String::from_utf8(display_folder(p.as_bytes()).to_vec()).unwrap();
        assert_eq!(
            f("app/node_modules/typescript/lib/tsc.js"),
            "app/node_modules/typescript"
        );
        assert_eq!(
            f("app/node_modules/@types/node/fs.d.ts"),
            "app/node_modules/@types/node"
        );
        assert_eq!(
            f("app/node_modules/a/node_modules/b/index.js"),
            "app/node_modules/a/node_modules/b"
        );
        assert_eq!(
            f("usr/lib/x86_64-linux-gnu/gconv/x.so"),
            "usr/lib/x86_64-linux-gnu"
        );
        assert_eq!(f("etc/passwd"), "etc");
        assert_eq!(f("file"), "");
    }

    #[test]
    fn base_is_the_first_named_from() {
        let h = |created_by: &str, comment: Option<&str>, empty: bool| crate::source::History {
            created_by: Some(created_by.into()),
            comment: comment.map(Into::into),
            empty_layer: empty.then_some(true),
            ..Default::default()
        };
        let history = vec![
            h("ADD rootfs /", None, false),
            h("ENV A=1", None, true),
            h("RUN apt-get install node", None, false),
            h("WORKDIR /app", Some("FROM node:20"), true),
            h("COPY . .", Some("FROM 5b131cd1e320"), false),
        ];
        assert_eq!(from_history(&history), Some(("node:20".into(), 2)));
        assert_eq!(from_history(&history[..3]), None);
        let base = |name: &str, layers| {
            Some(Base {
                name: name.into(),
                layers,
            })
        };
        assert_eq!(base_of(None, &history, true), base("node:20", Some(2)));
        // The annotation's name wins; the count needs a history that fits.
        assert_eq!(
            base_of(Some("docker.io/library/node:20"), &history, true),
            base("docker.io/library/node:20", Some(2))
        );
        assert_eq!(
            base_of(Some("docker.io/library/node:20"), &history, false),
            base("docker.io/library/node:20", None)
        );
        assert_eq!(base_of(None, &history, false), None);
    }
}
