//! Rust programs: each binary whose `cargo auditable` list the scan read
//! (`layer::binary`) is one package (`program`), named by its root crate, its
//! modules the crates linked in as `name@version`, in the list's order (by
//! name). Build-time crates (build scripts, proc macros: `"kind": "build"`) are
//! not in the binary and not listed.

use serde::Deserialize;

use super::program::Program;

#[derive(Debug, Deserialize)]
struct List {
    packages: Vec<Crate>,
}

#[derive(Debug, Deserialize)]
struct Crate {
    name: String,
    version: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    root: bool,
}

/// A Rust program as a package; a list that does not parse names nothing
/// (the program is then listed by its file name, without modules).
pub(crate) fn program(record: &[u8]) -> Program {
    let Ok(list) = serde_json::from_slice::<List>(record) else {
        return Program::default();
    };
    let mut program = Program::default();
    for c in list.packages {
        if c.root && program.name.is_none() {
            program.own = Some((0, format!("{}@{}", c.name, c.version)));
            program.name = Some((c.name, Some(c.version)));
        } else if c.kind.as_deref() != Some("build") {
            program.modules.push(format!("{}@{}", c.name, c.version));
        }
    }
    program
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_crate_names_the_program() {
        let list = br#"{"packages":[
            {"name":"cc","version":"1.2.0","source":"crates.io","kind":"build"},
            {"name":"itoa","version":"1.0.18","source":"crates.io"},
            {"name":"app","version":"0.3.1","source":"local","dependencies":[0,1],"root":true},
            {"name":"zstd-sys","version":"2.0.9","source":"crates.io","kind":"runtime"}
        ],"format":1}"#;
        let p = program(list);
        assert_eq!(p.name, Some(("app".into(), Some("0.3.1".into()))));
        assert_eq!(p.own, Some((0, "app@0.3.1".into())));
        assert_eq!(p.modules, ["itoa@1.0.18", "zstd-sys@2.0.9"]);
        // Not the list: nothing known.
        assert_eq!(program(b"{\"packages\": 3}"), Program::default());
        assert_eq!(program(b"\xff"), Program::default());
    }
}
