//! Near misses: files (by print) that images hold in different distinct layers,
//! which one shared layer would store once. For each image the first layer
//! holding a file is the copy a shared base would replace.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::*;

/// A near miss being added up: its copies' layers, its totals, bytes by folder.
#[derive(Default)]
struct Pending {
    files: u64,
    bytes: u64,
    saving: u64,
    folders: FxHashMap<u32, u64>,
}

/// Files (by print) that images hold in different distinct layers. For each image
/// the first layer holding a file is the copy a shared base would replace; files
/// whose first copies are in two or more distinct layers are near misses, grouped
/// by that set of layers.
pub(super) fn near_misses(
    images: &[FleetImage],
    layers: &mut [DistinctLayer],
    holders: &[Vec<(usize, usize)>],
    holder_images: &[Vec<usize>],
) -> Vec<NearMiss> {
    // Every print of every referenced layer, sorted by key: runs of one key are
    // the copies of one file.
    let mut all: Vec<(u128, u64, u32, u32)> = Vec::new();
    for (d, l) in layers.iter_mut().enumerate() {
        if holders[d].is_empty() {
            continue;
        }
        all.extend(
            std::mem::take(&mut l.summary.prints)
                .into_iter()
                .map(|p| (p.key, p.size, d as u32, p.folder)),
        );
    }
    all.par_sort_unstable();
    let mut groups: FxHashMap<Vec<u32>, Pending> = FxHashMap::default();
    let mut first: Vec<(usize, usize, u32)> = Vec::new(); // (image, position, layer)
    let mut firsts: Vec<u32> = Vec::new();
    for run in all.chunk_by(|a, b| a.0 == b.0) {
        if run.iter().all(|p| p.2 == run[0].2) {
            continue;
        }
        first.clear();
        for p in run {
            for &(i, pos) in &holders[p.2 as usize] {
                match first.iter_mut().find(|f| f.0 == i) {
                    Some(f) if pos < f.1 => *f = (i, pos, p.2),
                    Some(_) => {}
                    None => first.push((i, pos, p.2)),
                }
            }
        }
        firsts.clear();
        firsts.extend(first.iter().map(|f| f.2));
        firsts.sort_unstable();
        firsts.dedup();
        if firsts.len() < 2 {
            continue;
        }
        let size = run[0].1;
        let folder = run.iter().find(|p| p.2 == firsts[0]).map_or(0, |p| p.3);
        let g = groups.entry(firsts.clone()).or_default();
        g.files += 1;
        g.bytes += size;
        g.saving += size * (firsts.len() as u64 - 1);
        *g.folders.entry(folder).or_default() += size;
    }
    drop(all);
    let mut out: Vec<NearMiss> = groups
        .into_iter()
        .map(|(set, p)| near_miss(images, layers, holders, holder_images, &set, p))
        .collect();
    out.sort_by(|a, b| {
        b.saving.cmp(&a.saving).then(
            a.copies
                .first()
                .map(|c| &c.images)
                .cmp(&b.copies.first().map(|c| &c.images)),
        )
    });
    out
}

fn near_miss(
    images: &[FleetImage],
    layers: &[DistinctLayer],
    holders: &[Vec<(usize, usize)>],
    holder_images: &[Vec<usize>],
    set: &[u32],
    p: Pending,
) -> NearMiss {
    let copies: Vec<Copy> = set
        .iter()
        .map(|&d| {
            let (i, pos) = holders[d as usize][0];
            Copy {
                images: holder_images[d as usize].clone(),
                layer: pos,
                instruction: images[i].layers[pos].instruction.clone(),
            }
        })
        .collect();
    let in_base = |d: u32| {
        holders[d as usize].iter().all(|&(i, pos)| {
            images[i]
                .base
                .as_ref()
                .and_then(|b| b.layers)
                .is_some_and(|n| pos < n)
        })
    };
    let kind = if set.iter().all(|&d| in_base(d)) {
        MissKind::Bases
    } else if copies
        .iter()
        .all(|c| c.instruction == copies[0].instruction)
    {
        MissKind::SameStep
    } else {
        MissKind::SameFiles
    };
    let mut folders: Vec<FolderBytes> = p
        .folders
        .into_iter()
        .map(|(f, bytes)| FolderBytes {
            path: layers[set[0] as usize]
                .summary
                .folders
                .get(f as usize)
                .map_or_else(|| "/".to_string(), |s| s.to_string()),
            bytes,
        })
        .collect();
    folders.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.path.cmp(&b.path)));
    folders.truncate(5);
    NearMiss {
        kind,
        copies,
        files: p.files,
        bytes: p.bytes,
        saving: p.saving,
        folders,
    }
}
