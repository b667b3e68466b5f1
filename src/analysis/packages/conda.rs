//! Conda packages: `PREFIX/conda-meta/NAME-VERSION-BUILD.json`, one per package,
//! with its `name`, `version` and every file it installed (`files`, relative to
//! the environment's prefix). Conda runs before the Python records are read: a
//! conda environment's site-packages are conda's.

use serde::Deserialize;

use super::{claim, Claims, Context, Package};

/// Files whose content this module reads.
pub(super) fn wants_content(path: &[u8]) -> bool {
    prefix_of(path).is_some()
}

/// The environment's prefix of a `conda-meta/*.json` record.
fn prefix_of(path: &[u8]) -> Option<&[u8]> {
    let stem = path.strip_suffix(b".json")?;
    let cut = stem.iter().rposition(|&b| b == b'/')?;
    let dir = &stem[..cut];
    if dir == b"conda-meta" {
        return Some(b"");
    }
    dir.strip_suffix(b"/conda-meta")
}

#[derive(Deserialize)]
struct Meta {
    name: String,
    version: Option<String>,
    #[serde(default)]
    files: Vec<String>,
}

/// Every conda package in the image onto `out`, each claiming its files.
pub(super) fn find(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    // The records borrow the context, not the claims: read in place.
    for (c, layer, _) in ctx.visible_all(wants_content) {
        let (path, data) = (&c.path, &c.data);
        // A record that is not conda's JSON (`history` is not .json) claims nothing.
        let Ok(meta) = serde_json::from_slice::<Meta>(data) else {
            continue;
        };
        let Some(prefix) = prefix_of(path) else {
            continue;
        };
        let (mut bytes, mut files) = (0, 0);
        if let Some(c) = claim(ctx, claimed, out, path) {
            c.add_to(&mut files, &mut bytes);
        }
        for f in &meta.files {
            let mut p = prefix.to_vec();
            if !p.is_empty() {
                p.push(b'/');
            }
            p.extend_from_slice(f.as_bytes());
            if let Some(c) = claim(ctx, claimed, out, &p) {
                c.add_to(&mut files, &mut bytes);
            }
        }
        out.push(Package {
            bytes,
            files,
            ..Package::new(
                "conda",
                meta.name,
                meta.version,
                layer,
                format!("/{}", String::from_utf8_lossy(path)),
            )
        });
    }
}
