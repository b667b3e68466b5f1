//! npm packages: every folder with a `package.json` directly under a
//! `node_modules` ([`crate::analysis::node_modules`]), scoped and nested: its own
//! files without its nested `node_modules`, `name@version` from its manifest,
//! dev from the package managers' records, copies of one name@version, and the
//! versions of one name.
//!
//! A module that a Debian package ships (`/usr/share/nodejs/...`, whose files
//! dpkg's records claim first) is not listed again as an npm package: its bytes
//! are its Debian package's.

use std::collections::{BTreeSet, HashMap};

use super::{claim_below, Claims, Context, Package};
use crate::analysis::node_modules::{folder_package_name, is_package_manifest, Manifest};
use crate::fs::tree::NodeId;
use crate::fs::NodeKind;

/// Every npm package in the image onto `out`, each claiming its files.
pub(super) fn find(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    let m = ctx.model;
    /// A package folder: its path, node, layer, manifest and its manifest's node.
    type Found = (Vec<u8>, NodeId, usize, Option<Manifest>, NodeId);
    let mut found: Vec<Found> = Vec::new();
    let mut path = Vec::new();
    ctx.usage.for_each_path(m, |n, abs| {
        if m.tree.data(n).kind == NodeKind::Dir || !abs.ends_with(b"/package.json") {
            return;
        }
        let rel = &abs[1..];
        if !is_package_manifest(rel) {
            return;
        }
        let dir = &rel[..rel.len() - b"/package.json".len()];
        let Some(d) = m.tree.parent(n) else { return };
        let layer = m.content_of(n).map_or(0, |(_, l)| l as usize);
        let manifest = ctx
            .visible(rel)
            .and_then(|(c, _, _)| serde_json::from_slice::<Manifest>(&c.data).ok());
        path.clear();
        path.extend_from_slice(dir);
        found.push((path.clone(), d, layer, manifest, n));
    });
    // Deepest first, so a nested package claims its own files before its parent.
    found.sort_by_key(|(p, ..)| std::cmp::Reverse(p.iter().filter(|&&b| b == b'/').count()));
    for (dir, d, layer, manifest, manifest_node) in found {
        // Shipped by a Debian package: its files are that package's.
        if claimed.is_claimed(manifest_node) {
            continue;
        }
        let folder_name = folder_package_name(&dir);
        let flags = ctx.records.lock_flags.get(&d).copied();
        let (mut files, mut bytes) = (0, 0);
        claim_below(
            ctx,
            claimed,
            out,
            d,
            Some(b"node_modules"),
            (&mut files, &mut bytes),
        );
        let (name, version) = match manifest {
            Some(Manifest {
                name: Some(n),
                version,
            }) if !n.is_empty() => (n, version),
            Some(Manifest { version, .. }) => (folder_name, version),
            None => (folder_name, None),
        };
        let path = format!("/{}", crate::text::path_str(&dir));
        out.push(Package {
            bytes,
            files,
            // Set from the findings' dev marks (`Packages::mark_dev`).
            dev: Some(false),
            optional: flags.map(|f| f.optional),
            peer: flags.map(|f| f.peer),
            manifest: Some(manifest_node),
            ..Package::new("npm", name, version, layer, path)
        });
    }
    mark_copies_and_versions(out);
}

/// Among the npm packages: each copy of a name@version but the largest (then the
/// first by path) names that one in `duplicate_of`; each package of a name
/// installed in several versions lists the others in `other_versions`.
fn mark_copies_and_versions(out: &mut [Package]) {
    let mut first: HashMap<(&str, Option<&str>), (u64, &str)> = HashMap::new();
    let mut versions: HashMap<&str, BTreeSet<Option<&str>>> = HashMap::new();
    for p in out.iter().filter(|p| p.ecosystem == "npm") {
        let key = (p.name.as_str(), p.version.as_deref());
        let e = first.entry(key).or_insert((p.bytes, &p.paths[0]));
        if p.bytes > e.0 || (p.bytes == e.0 && p.paths[0].as_str() < e.1) {
            *e = (p.bytes, &p.paths[0]);
        }
        versions
            .entry(&p.name)
            .or_default()
            .insert(p.version.as_deref());
    }
    let marks: Vec<(Option<String>, Vec<String>)> = out
        .iter()
        .map(|p| {
            if p.ecosystem != "npm" {
                return (None, Vec::new());
            }
            let (_, main) = first[&(p.name.as_str(), p.version.as_deref())];
            let copy = (main != p.paths[0]).then(|| main.to_string());
            let mut others: Vec<&str> = versions[p.name.as_str()]
                .iter()
                .filter(|v| **v != p.version.as_deref())
                .map(|v| v.unwrap_or("unknown"))
                .collect();
            others.sort_by(|a, b| compare_versions(a, b));
            (copy, others.into_iter().map(str::to_string).collect())
        })
        .collect();
    for (p, (copy, others)) in out.iter_mut().zip(marks) {
        p.duplicate_of = copy;
        p.other_versions = others;
    }
}

/// Orders versions by their dotted numbers (`2.0.0` < `10.1.0`), then as text.
fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let nums = |v: &str| -> Vec<u64> {
        v.split(|c: char| !c.is_ascii_digit())
            .take(3)
            .map(|n| n.parse().unwrap_or(0))
            .collect()
    };
    nums(a).cmp(&nums(b)).then_with(|| a.cmp(b))
}
