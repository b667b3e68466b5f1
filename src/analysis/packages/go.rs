//! Go programs: each binary whose build information the scan read
//! (`layer::binary`) is one package, named by its main module (the `mod` line, or
//! the `path` line of a program built outside a module), its bytes the binary's,
//! its modules what `go version -m` lists: the toolchain first, as `stdlib@go1.19.8`
//! (syft's name for it), then every `dep` line as `path@version`, a replaced one
//! followed by ` => ` and its replacement. A binary that dpkg or another manager
//! installed stays theirs, and its modules, its main module with them, are listed
//! in their package (npm's `@esbuild/linux-x64` holds esbuild's Go program).

use std::collections::{HashMap, HashSet};

use super::{Claims, Context, Package};
use crate::layer::CapturedKind;

/// A program's build information, as `layer::binary` captured it.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct BuildInfo {
    /// `go1.19.8`; empty for a Go older than 1.18 (which did not store it inline).
    toolchain: String,
    /// The main module's path and version (`(devel)` for a local build).
    main: Option<(String, String)>,
    /// The main package's import path.
    path: Option<String>,
    modules: Vec<String>,
}

pub(crate) fn parse(record: &[u8]) -> BuildInfo {
    let text = String::from_utf8_lossy(record);
    let mut lines = text.split('\n');
    let mut info = BuildInfo {
        toolchain: lines.next().unwrap_or("").to_string(),
        ..BuildInfo::default()
    };
    let module = |f: &[&str]| match (f.get(1), f.get(2)) {
        (Some(p), Some(v)) if !v.is_empty() => format!("{p}@{v}"),
        (Some(p), _) => p.to_string(),
        _ => String::new(),
    };
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        match f[0] {
            "path" if f.len() > 1 => info.path = Some(f[1].to_string()),
            "mod" if f.len() > 1 => {
                info.main = Some((f[1].to_string(), f.get(2).unwrap_or(&"").to_string()))
            }
            "dep" if f.len() > 1 => info.modules.push(module(&f)),
            "=>" if f.len() > 1 => {
                if let Some(last) = info.modules.last_mut() {
                    last.push_str(" => ");
                    last.push_str(&module(&f));
                }
            }
            _ => {}
        }
    }
    if !info.toolchain.is_empty() {
        info.modules.insert(0, format!("stdlib@{}", info.toolchain));
    }
    info
}

/// Every Go program in the final filesystem onto `out`, each claiming itself.
pub(super) fn find(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    let m = ctx.model;
    let mut listed: HashMap<usize, HashSet<String>> = HashMap::new();
    for (c, layer, n, size) in ctx.visible_records(CapturedKind::GoBuildInfo) {
        let info = parse(&c.data);
        if let Some(owner) = claimed.owner(n) {
            let mut modules = info.modules;
            if let Some((p, v)) = info.main.filter(|(p, _)| !p.is_empty()) {
                let at = usize::from(!info.toolchain.is_empty()).min(modules.len());
                modules.insert(at, if v.is_empty() { p } else { format!("{p}@{v}") });
            }
            // Each module once per package (a set: a crafted layer can hold many
            // programs of many modules).
            let seen = listed.entry(owner).or_default();
            for m in modules {
                if seen.insert(m.clone()) {
                    out[owner].modules.push(m);
                }
            }
            continue;
        }
        let path = m.path_string(n);
        let (name, version) = match (info.main, info.path) {
            (Some((p, v)), _) if !p.is_empty() => (p, (!v.is_empty()).then_some(v)),
            (_, Some(p)) => (p, None),
            _ => (path.rsplit('/').next().unwrap_or(&path).to_string(), None),
        };
        claimed.claim(n, out);
        let bytes = if ctx.usage.owner[n as usize] { size } else { 0 };
        out.push(Package {
            bytes,
            files: 1,
            modules: info.modules,
            ..Package::new("go", name, version, layer, path)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_as_go_version_m_lists_them() {
        let record = b"go1.19.8\npath\texample.com/app/cmd/server\n\
            mod\texample.com/app\t(devel)\t\n\
            dep\tgolang.org/x/text\tv0.3.7\th1:abc=\n\
            dep\texample.com/lib\tv0.0.0-00010101000000-000000000000\t\n\
            =>\t./lib\t\t\n\
            build\t-compiler=gc\n";
        let info = parse(record);
        assert_eq!(info.toolchain, "go1.19.8");
        assert_eq!(
            info.main,
            Some(("example.com/app".into(), "(devel)".into()))
        );
        assert_eq!(info.path.as_deref(), Some("example.com/app/cmd/server"));
        assert_eq!(
            info.modules,
            [
                "stdlib@go1.19.8",
                "golang.org/x/text@v0.3.7",
                "example.com/lib@v0.0.0-00010101000000-000000000000 => ./lib",
            ]
        );
        // A Go before 1.18: a Go program, nothing more known.
        assert_eq!(parse(b"\n"), BuildInfo::default());
    }
}
