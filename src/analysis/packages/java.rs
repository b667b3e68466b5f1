//! Java archives: every `.jar`, `.war` and `.ear` no package manager claimed (a
//! Debian `lib*-java` jar stays dpkg's), its name and version from the file name
//! (`jackson-databind-2.15.2.jar`, `guava-32.1.2-jre.jar`: the version starts at
//! the last `-` followed by a digit). An archive is one file: what it holds inside
//! (a Spring Boot jar's `BOOT-INF/lib`, a WAR's `WEB-INF/lib`) is not read.

use super::{Claims, Context, Package};
use crate::fs::NodeKind;

fn is_archive(name: &[u8]) -> bool {
    [&b".jar"[..], b".war", b".ear"]
        .iter()
        .any(|ext| name.len() > ext.len() && name.ends_with(ext))
}

/// `NAME` and `VERSION` of `NAME-VERSION.jar`.
fn from_file_name(name: &str) -> (String, Option<String>) {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let b = stem.as_bytes();
    match (1..b.len())
        .rev()
        .find(|&i| b[i - 1] == b'-' && b[i].is_ascii_digit())
    {
        Some(i) => (stem[..i - 1].to_string(), Some(stem[i..].to_string())),
        None => (stem.to_string(), None),
    }
}

/// Every Java archive in the image onto `out`, each claiming itself.
pub(super) fn find(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    let m = ctx.model;
    let mut found = Vec::new();
    // Names first: a path is made only for an archive.
    for &n in &ctx.usage.order {
        let node = m.tree.data(n);
        if !matches!(node.kind, NodeKind::File | NodeKind::Hardlink)
            || claimed.is_claimed(n)
            || !ctx.usage.owner[n as usize]
            || !is_archive(m.names.name(m.tree.name(n)))
        {
            continue;
        }
        let layer = m
            .content_of(n)
            .map_or(node.layer as usize, |(_, l)| l as usize);
        found.push((n, m.path_string(n), layer));
    }
    for (n, path, layer) in found {
        let file = path.rsplit('/').next().unwrap_or(&path).to_string();
        let (name, version) = from_file_name(&file);
        claimed.claim(n, out);
        let bytes = m.content_of(n).map_or(0, |(size, _)| size);
        out.push(Package {
            bytes,
            files: 1,
            ..Package::new("jar", name, version, layer, path)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_versions_from_file_names() {
        for (file, name, version) in [
            (
                "jackson-databind-2.15.2.jar",
                "jackson-databind",
                Some("2.15.2"),
            ),
            ("guava-32.1.2-jre.jar", "guava", Some("32.1.2-jre")),
            ("log4j-1.2-api-2.20.0.jar", "log4j-1.2-api", Some("2.20.0")),
            ("app.war", "app", None),
        ] {
            assert_eq!(
                from_file_name(file),
                (name.to_string(), version.map(str::to_string)),
                "{file}"
            );
        }
        assert!(is_archive(b"a.jar") && !is_archive(b".jar") && !is_archive(b"a.jarx"));
    }
}
