//! PHP packages Composer installed: `vendor/composer/installed.json` (Composer 2:
//! `{"packages": [...], "dev-package-names": [...]}`; Composer 1: the array of
//! packages). Each package's files are its install folder (`install-path`, relative
//! to `vendor/composer/`; Composer 1: `vendor/NAME`); dev packages are marked dev.

use serde::Deserialize;

use super::{claim_tree, Claims, Context, Package};

/// Files whose content this module reads.
pub(super) fn wants_content(path: &[u8]) -> bool {
    path.ends_with(b"vendor/composer/installed.json")
}

#[derive(Deserialize)]
struct Installed {
    name: String,
    version: Option<String>,
    #[serde(rename = "install-path")]
    install_path: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Record {
    V2 {
        packages: Vec<Installed>,
        #[serde(rename = "dev-package-names", default)]
        dev: Vec<String>,
    },
    V1(Vec<Installed>),
}

/// Every Composer package in the image onto `out`, each claiming its folder.
pub(super) fn find(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    // The records borrow the context, not the claims: read in place.
    for (c, layer, _) in ctx.visible_all(wants_content) {
        let (path, data) = (&c.path, &c.data);
        // An installed.json that is not Composer's JSON claims nothing.
        let Ok(record) = serde_json::from_slice::<Record>(data) else {
            continue;
        };
        let composer = &path[..path.len() - b"/installed.json".len()];
        let vendor = composer.strip_suffix(b"/composer").unwrap_or(composer);
        let (packages, dev) = match record {
            Record::V2 { packages, dev } => (packages, Some(dev)),
            Record::V1(packages) => (packages, None),
        };
        let record_path = format!("/{}", String::from_utf8_lossy(path));
        for p in packages {
            let folder = match &p.install_path {
                Some(rel) => {
                    let mut joined = composer.to_vec();
                    joined.push(b'/');
                    joined.extend_from_slice(rel.as_bytes());
                    let mut norm = Vec::new();
                    crate::layer::normalize_path(&joined, &mut norm);
                    norm
                }
                None => {
                    let mut f = vendor.to_vec();
                    f.push(b'/');
                    f.extend_from_slice(p.name.as_bytes());
                    f
                }
            };
            // A path that climbs out of the image's root names no folder of it.
            if folder.starts_with(b"../") || folder == b".." {
                continue;
            }
            let (mut bytes, mut files) = (0, 0);
            claim_tree(ctx, claimed, out, &folder, (&mut files, &mut bytes));
            let is_dev = dev.as_ref().map(|d| d.contains(&p.name));
            let version = p.version.map(|v| v.trim_start_matches('v').to_string());
            let mut pkg = Package::new("composer", p.name, version, layer, record_path.clone());
            pkg.paths = vec![format!("/{}", String::from_utf8_lossy(&folder))];
            out.push(Package {
                bytes,
                files,
                dev: is_dev,
                ..pkg
            });
        }
    }
}
