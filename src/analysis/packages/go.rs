//! Go programs: each binary whose build information the scan read
//! (`layer::binary`) is one package (`program`), named by its main module (the
//! `mod` line, or the `path` line of a program built outside a module), its
//! modules what `go version -m` lists: the toolchain first, as `stdlib@go1.19.8`
//! (syft's name for it), then every `dep` line as `path@version`, a replaced one
//! followed by ` => ` and its replacement.

use super::program::Program;

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

/// A Go program as a package: named by its main module (the `path` line of a
/// program built outside one), the toolchain's `stdlib` first among its modules.
pub(super) fn program(record: &[u8]) -> Program {
    let info = parse(record);
    let at = usize::from(!info.toolchain.is_empty());
    let (name, own) = match (info.main, info.path) {
        (Some((p, v)), _) if !p.is_empty() => {
            let own = if v.is_empty() {
                p.clone()
            } else {
                format!("{p}@{v}")
            };
            (Some((p, (!v.is_empty()).then_some(v))), Some((at, own)))
        }
        (_, Some(p)) => (Some((p, None)), None),
        _ => (None, None),
    };
    Program {
        name,
        own,
        modules: info.modules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_programs_name_is_its_main_module() {
        let p = program(b"go1.22.1\npath\tex.com/a/cmd/s\nmod\tex.com/a\tv1.2.0\th1:x=\n");
        assert_eq!(p.name, Some(("ex.com/a".into(), Some("v1.2.0".into()))));
        assert_eq!(p.own, Some((1, "ex.com/a@v1.2.0".into())));
        assert_eq!(p.modules, ["stdlib@go1.22.1"]);
        // Built outside a module: named by its path, nothing of its own to list
        // in another manager's package.
        let p = program(b"go1.22.1\npath\tcommand-line-arguments\n");
        assert_eq!(p.name, Some(("command-line-arguments".into(), None)));
        assert_eq!(p.own, None);
        assert_eq!(program(b"\n").name, None);
    }

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
