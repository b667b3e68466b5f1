//! Where the bytes of the final filesystem are: folders at a depth, largest files.

use crate::fs::{FsModel, NodeKind, Usage};
use crate::text::path_text;

/// Bytes under one path.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PathBytes {
    pub path: String,
    pub bytes: u64,
    pub files: u64,
    /// What the path costs to pull: the compressed bytes of its files' tar entries
    /// (null unless every layer is compressed).
    pub compressed_bytes: Option<u64>,
}

/// Every folder at `depth` (root = 0, `/usr` = 1, `/usr/lib` = 2) and every file
/// shallower than that, with the bytes under it; largest first. Together they hold
/// all of the final filesystem's bytes.
pub(crate) fn folders(model: &FsModel, usage: &Usage, depth: usize) -> Vec<PathBytes> {
    let depth = depth.max(1);
    let mut out = Vec::new();
    for &n in &usage.order {
        let d = usage.depth[n as usize] as usize;
        let is_dir = model.tree.data(n).kind == NodeKind::Dir;
        let t = usage.totals[n as usize];
        if d == 0 || t.bytes == 0 {
            continue;
        }
        if d == depth || (d < depth && !is_dir) {
            let mut path = path_text(&model.tree.path(&model.names, n));
            path.insert(0, '/');
            if is_dir {
                path.push('/');
            }
            out.push(PathBytes {
                path,
                bytes: t.bytes,
                files: t.files,
                compressed_bytes: model.pulled().then_some(t.pull),
            });
        }
    }
    sort(&mut out);
    out
}

/// The `top` largest files of the final filesystem.
pub(crate) fn largest_files(model: &FsModel, usage: &Usage, top: usize) -> Vec<PathBytes> {
    let mut files: Vec<(u64, u32)> = usage
        .order
        .iter()
        .filter(|&&n| usage.owner[n as usize] && usage.totals[n as usize].bytes > 0)
        .map(|&n| (usage.totals[n as usize].bytes, n))
        .collect();
    // The `top` largest, in order: picked out of the rest in linear time, then
    // sorted alone (a real image has tens of thousands of files).
    let order = |a: &(u64, u32), b: &(u64, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
    if top < files.len() {
        files.select_nth_unstable_by(top, order);
        files.truncate(top);
    }
    files.sort_unstable_by(order);
    files
        .into_iter()
        .take(top)
        .map(|(bytes, n)| PathBytes {
            path: format!("/{}", path_text(&model.tree.path(&model.names, n))),
            bytes,
            files: 1,
            compressed_bytes: model.pulled().then_some(usage.totals[n as usize].pull),
        })
        .collect()
}

fn sort(v: &mut [PathBytes]) {
    v.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{EntryKind, LayerFiles};

    #[test]
    fn folders_hold_every_byte() {
        let mut l = LayerFiles::default();
        for (p, s) in [
            ("usr/lib/a", 10),
            ("usr/lib/b", 5),
            ("usr/bin/c", 3),
            ("top", 2),
            ("etc/x/y/z", 1),
        ] {
            l.push(p.as_bytes(), b"", s, EntryKind::File).unwrap();
        }
        let m = FsModel::build([&l]).unwrap();
        let u = m.usage();
        let f = folders(&m, &u, 2);
        let paths: Vec<_> = f.iter().map(|p| (p.path.as_str(), p.bytes)).collect();
        assert_eq!(
            paths,
            vec![
                ("/usr/lib/", 15),
                ("/usr/bin/", 3),
                ("/top", 2),
                ("/etc/x/", 1)
            ]
        );
        assert_eq!(f.iter().map(|p| p.bytes).sum::<u64>(), m.final_bytes());
        let big = largest_files(&m, &u, 2);
        assert_eq!(big[0].path, "/usr/lib/a");
        assert_eq!(big.len(), 2);
    }
}
