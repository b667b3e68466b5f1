//! How imgsize knows a package is a dev dependency: from the package managers'
//! own records, as captured from the layers and still visible at the end: npm's
//! hidden lockfile (`node_modules/.package-lock.json`), pnpm's `.modules.yaml`,
//! and the project's `package.json`.

use std::collections::HashSet;

use super::Context;
use crate::fs::tree::NodeId;
use crate::fs::NodeKind;
use crate::layer::Captured;

/// Paths of dev-dependency package folders, from the captured package-manager files
/// that are still visible in the final filesystem.
pub(super) fn dev_package_dirs(ctx: &Context) -> Vec<NodeId> {
    let m = ctx.model;
    // The captured copy that the final filesystem shows: the one from the layer that
    // last set the path.
    let visible = |c: &Captured, layer: usize| -> Option<NodeId> {
        let n = m.tree.lookup(&m.names, &c.path)?;
        (m.content_of(n).map(|(_, l)| l as usize) == Some(layer)).then_some(n)
    };
    let mut dirs: HashSet<NodeId> = HashSet::new();
    let mut npm_roots: HashSet<Vec<u8>> = HashSet::new();
    for (layer, c) in ctx.captured {
        if visible(c, *layer).is_none() || !c.path.ends_with(b"node_modules/.package-lock.json") {
            continue;
        }
        let Ok(lock) = serde_json::from_slice::<serde_json::Value>(&c.data) else {
            continue;
        };
        let root = &c.path[..c.path.len() - b"node_modules/.package-lock.json".len()];
        npm_roots.insert(root.to_vec());
        let Some(packages) = lock.get("packages").and_then(|p| p.as_object()) else {
            continue;
        };
        for (key, pkg) in packages {
            let dev = pkg.get("dev").and_then(|v| v.as_bool()) == Some(true)
                || pkg.get("devOptional").and_then(|v| v.as_bool()) == Some(true);
            if !dev || key.is_empty() {
                continue;
            }
            let mut p = root.to_vec();
            p.extend_from_slice(key.as_bytes());
            if let Some(n) = m.tree.lookup(&m.names, &p) {
                dirs.insert(n);
            }
        }
    }
    // Without an npm hidden lockfile: the project's package.json devDependencies,
    // for yarn (node_modules/<name>) and for pnpm when `.modules.yaml` says they
    // were included (node_modules/.pnpm/<name>@<version>). Direct ones only: without
    // the package manager's graph, transitive dev dependencies cannot be told apart.
    for (layer, c) in ctx.captured {
        // Project manifests only: the package view also captures every package's
        // own package.json, whose devDependencies are not installed.
        if visible(c, *layer).is_none()
            || !c.path.ends_with(b"package.json")
            || !super::wants_content(&c.path)
        {
            continue;
        }
        let root = &c.path[..c.path.len() - b"package.json".len()];
        if npm_roots.contains(root) {
            continue;
        }
        let Ok(pkg) = serde_json::from_slice::<serde_json::Value>(&c.data) else {
            continue;
        };
        let Some(devs) = pkg.get("devDependencies").and_then(|d| d.as_object()) else {
            continue;
        };
        let pnpm_yaml: Vec<u8> = [root, b"node_modules/.modules.yaml"].concat();
        let pnpm = ctx
            .captured
            .iter()
            .find(|(l, c)| c.path == pnpm_yaml && visible(c, *l).is_some());
        for name in devs.keys() {
            let mut p = root.to_vec();
            p.extend_from_slice(b"node_modules/");
            p.extend_from_slice(name.as_bytes());
            match pnpm {
                Some((_, y)) => {
                    if !pnpm_includes_dev(&y.data) {
                        continue;
                    }
                    // The store copy: node_modules/.pnpm/<name with / as +>@<version>.
                    let store: Vec<u8> = [root, b"node_modules/.pnpm"].concat();
                    if let Some(s) = m.tree.lookup(&m.names, &store) {
                        let prefix = format!("{}@", name.replace('/', "+"));
                        for c in m.tree.children(s) {
                            if m.tree.is_alive(c)
                                && m.names.name(m.tree.name(c)).starts_with(prefix.as_bytes())
                            {
                                dirs.insert(c);
                            }
                        }
                    }
                }
                None => {
                    if let Some(n) = m.tree.lookup(&m.names, &p) {
                        if m.tree.data(n).kind == NodeKind::Dir {
                            dirs.insert(n);
                        }
                    }
                }
            }
        }
    }
    dirs.into_iter().collect()
}

/// `.modules.yaml` lists what was installed under `included:`.
pub(super) fn pnpm_includes_dev(yaml: &[u8]) -> bool {
    let text = String::from_utf8_lossy(yaml);
    let mut in_included = false;
    for line in text.lines() {
        if line.starts_with("included:") {
            in_included = true;
            continue;
        }
        if in_included {
            if !line.starts_with(' ') {
                break;
            }
            let l = line.trim();
            if l.starts_with("devDependencies:") {
                return l.ends_with("true");
            }
        }
    }
    false
}
