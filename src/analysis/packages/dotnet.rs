//! .NET packages of a published application: `APP.deps.json`, whose `libraries`
//! of type `package` are the NuGet packages, and whose `targets` name each one's
//! files as published beside it: runtime assemblies in the application's folder,
//! resource assemblies in a folder per culture, RID-specific assets
//! (`runtimeTargets`) under the path they name.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{claim, Claims, Context, Package};

/// Files whose content this module reads.
pub(super) fn wants_content(path: &[u8]) -> bool {
    path.ends_with(b".deps.json")
}

#[derive(Deserialize)]
struct Library {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize, Default)]
struct Assets {
    #[serde(default)]
    runtime: BTreeMap<String, serde_json::Value>,
    #[serde(rename = "runtimeTargets", default)]
    runtime_targets: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    resources: BTreeMap<String, Resource>,
    #[serde(default)]
    native: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct Resource {
    locale: Option<String>,
}

#[derive(Deserialize)]
struct Deps {
    #[serde(default)]
    targets: BTreeMap<String, BTreeMap<String, Assets>>,
    #[serde(default)]
    libraries: BTreeMap<String, Library>,
}

fn base_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Every NuGet package of every published application onto `out`.
pub(super) fn find(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    // The records borrow the context, not the claims: read in place.
    for (c, layer, _) in ctx.visible_all(wants_content) {
        let (path, data) = (&c.path, &c.data);
        let Ok(deps) = serde_json::from_slice::<Deps>(data) else {
            continue;
        };
        let dir = match path.iter().rposition(|&b| b == b'/') {
            Some(cut) => String::from_utf8_lossy(&path[..cut]).into_owned(),
            None => String::new(),
        };
        let at = |rel: &str| {
            if dir.is_empty() {
                rel.to_string()
            } else {
                format!("{dir}/{rel}")
            }
        };
        let record = format!("/{}", String::from_utf8_lossy(path));
        for (key, lib) in &deps.libraries {
            if lib.kind != "package" {
                continue;
            }
            let (name, version) = match key.split_once('/') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (key.clone(), None),
            };
            let (mut bytes, mut files) = (0, 0);
            for target in deps.targets.values() {
                let Some(a) = target.get(key) else { continue };
                let mut paths: Vec<String> = a
                    .runtime
                    .keys()
                    .chain(a.native.keys())
                    .map(|p| at(base_name(p)))
                    .collect();
                paths.extend(a.runtime_targets.keys().map(|p| at(p)));
                paths.extend(a.resources.iter().map(|(p, r)| match &r.locale {
                    Some(l) => at(&format!("{l}/{}", base_name(p))),
                    None => at(base_name(p)),
                }));
                for p in paths {
                    if let Some(c) = claim(ctx, claimed, out, p.as_bytes()) {
                        c.add_to(&mut files, &mut bytes);
                    }
                }
            }
            out.push(Package {
                bytes,
                files,
                ..Package::new("nuget", name, version, layer, record.clone())
            });
        }
    }
}
