//! Java archives: every `.jar`, `.war` and `.ear` no package manager claimed is
//! one package, its bytes the archive's. Its name and version are its Maven
//! coordinates (`GROUP:ARTIFACT`, the version), from the `pom.properties` Maven
//! put in it (`layer::jar` read them during the scan), else from its file name
//! (`jackson-databind-2.15.2.jar`, `guava-32.1.2-jre.jar`: the version starts at
//! the last `-` followed by a digit). An archive with several `pom.properties` (a
//! shaded jar) is the one whose artifact its file is named after. Its modules are
//! what it holds: the archives inside (a Spring Boot jar's `BOOT-INF/lib`, a
//! WAR's `WEB-INF/lib`), each by its own coordinates or file name, and the other
//! artifacts a shaded jar bundles. An archive another manager installed (a
//! Debian `lib*-java` jar) stays that package's, which lists its coordinates and
//! modules as its modules (as a Go program's).

use std::collections::{HashMap, HashSet};

use super::{Claims, Context, Package};
use crate::fs::tree::NodeId;
use crate::fs::NodeKind;
use crate::layer::jar::is_archive;
use crate::layer::CapturedKind;

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

/// `GROUP:ARTIFACT` and the version of one `pom.properties`.
type Coordinates = (String, String);

/// What the scan's record says of an archive named `file`: its own coordinates
/// (when it has them) and its modules.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Archive {
    pub own: Option<Coordinates>,
    pub modules: Vec<String>,
}

/// One `pom.properties` of the record: group, artifact, version.
type Pom<'a> = (&'a str, &'a str, &'a str);

/// Of the `pom.properties` of one archive, the one
/// it is, given its file name: the only one, or the one it is named after.
fn own_of(poms: &[Pom], file: &str) -> Option<usize> {
    if poms.len() == 1 {
        return Some(0);
    }
    let (named, _) = from_file_name(file);
    poms.iter().position(|(_, a, _)| *a == named)
}

fn module((group, artifact, version): Pom) -> String {
    format!("{group}:{artifact}@{version}")
}

pub(crate) fn parse(record: &[u8], file: &str) -> Archive {
    let text = String::from_utf8_lossy(record);
    // The archive's own poms, then each archive inside in order with its poms.
    let mut own: Vec<Pom> = Vec::new();
    let mut inside: Vec<(&str, Vec<Pom>)> = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f[..] {
            ["jar", path] => inside.push((path, Vec::new())),
            ["pom", "", g, a, v] => own.push((g, a, v)),
            ["pom", at, g, a, v] => {
                if let Some((_, poms)) = inside.iter_mut().rev().find(|(p, _)| *p == at) {
                    poms.push((g, a, v));
                }
            }
            _ => {}
        }
    }
    let mut archive = Archive::default();
    let mine = own_of(&own, file);
    if let Some(i) = mine {
        let (g, a, v) = own[i];
        archive.own = Some((format!("{g}:{a}"), v.to_string()));
    }
    let mut seen = HashSet::new();
    let others = own
        .iter()
        .enumerate()
        .filter(|&(i, _)| Some(i) != mine)
        .map(|(_, &p)| module(p));
    let nested = inside.iter().flat_map(|(path, poms)| {
        let name = path.rsplit('/').next().unwrap_or(path);
        let chosen = own_of(poms, name);
        let first = match chosen {
            Some(i) => module(poms[i]),
            None => match from_file_name(name) {
                (n, Some(v)) => format!("{n}@{v}"),
                (n, None) => n,
            },
        };
        let rest = poms
            .iter()
            .enumerate()
            .filter(move |&(i, _)| Some(i) != chosen)
            .map(|(_, &p)| module(p));
        std::iter::once(first).chain(rest)
    });
    for m in others.chain(nested) {
        if seen.insert(m.clone()) {
            archive.modules.push(m);
        }
    }
    archive
}

/// Every Java archive in the image onto `out`, each claiming itself.
pub(super) fn find(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    let m = ctx.model;
    // The scan's records of the archives the final filesystem shows.
    let records: HashMap<NodeId, &[u8]> = ctx
        .visible_records(CapturedKind::JavaArchive)
        .map(|(c, _, n, _)| (n, c.data.as_slice()))
        .collect();
    let mut found = Vec::new();
    let mut listed: HashMap<usize, HashSet<String>> = HashMap::new();
    // Names first: a path is made only for an archive.
    for &n in &ctx.usage.order {
        let node = m.tree.data(n);
        if !matches!(node.kind, NodeKind::File | NodeKind::Hardlink)
            || !ctx.usage.owner[n as usize]
            || !is_archive(m.names.name(m.tree.name(n)))
        {
            continue;
        }
        if let Some(owner) = claimed.owner(n) {
            // Another manager's archive: what it is, among that package's modules.
            let Some(record) = records.get(&n) else {
                continue;
            };
            let file = String::from_utf8_lossy(m.names.name(m.tree.name(n))).into_owned();
            let archive = parse(record, &file);
            let own = archive.own.map(|(name, v)| format!("{name}@{v}"));
            let seen = listed.entry(owner).or_default();
            for module in own.into_iter().chain(archive.modules) {
                if seen.insert(module.clone()) {
                    out[owner].modules.push(module);
                }
            }
            continue;
        }
        let layer = m
            .content_of(n)
            .map_or(node.layer as usize, |(_, l)| l as usize);
        found.push((n, m.path_string(n), layer));
    }
    for (n, path, layer) in found {
        let file = path.rsplit('/').next().unwrap_or(&path).to_string();
        let archive = records.get(&n).map(|r| parse(r, &file)).unwrap_or_default();
        let (name, version) = match archive.own {
            Some((name, version)) => (name, Some(version)),
            None => from_file_name(&file),
        };
        claimed.claim(n, out);
        let bytes = m.content_of(n).map_or(0, |(size, _)| size);
        out.push(Package {
            bytes,
            files: 1,
            modules: archive.modules,
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

    #[test]
    fn coordinates_and_modules_from_the_record() {
        let record = "pom\t\tcom.example\tapp\t2.0\n\
            jar\tBOOT-INF/lib/lib-1.0.jar\n\
            pom\tBOOT-INF/lib/lib-1.0.jar\torg.example\tlib\t1.0\n\
            jar\tBOOT-INF/lib/plain-3.1.jar\n\
            jar\tWEB-INF/lib/again-1.0.jar\n\
            pom\tWEB-INF/lib/again-1.0.jar\torg.example\tlib\t1.0\n";
        assert_eq!(
            parse(record.as_bytes(), "app.jar"),
            Archive {
                own: Some(("com.example:app".into(), "2.0".into())),
                modules: vec!["org.example:lib@1.0".into(), "plain@3.1".into()],
            }
        );
        // A shaded jar: its own is the artifact it is named after, the rest are
        // what it bundles; named after none, all are.
        let shaded = "pom\t\tcom.google.guava\tguava\t32.1\n\
            pom\t\tcom.example\ttool\t1.0\n";
        assert_eq!(
            parse(shaded.as_bytes(), "tool-1.0-all.jar"),
            Archive {
                own: Some(("com.example:tool".into(), "1.0".into())),
                modules: vec!["com.google.guava:guava@32.1".into()],
            }
        );
        assert_eq!(parse(shaded.as_bytes(), "bundle.jar").own, None);
        assert_eq!(parse(shaded.as_bytes(), "bundle.jar").modules.len(), 2);
        assert_eq!(parse(b"", "x.jar"), Archive::default());
    }
}
