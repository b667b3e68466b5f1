//! Programs that say what they are made of (Go's build information, Rust's
//! `cargo auditable` list): each program one package, named by its main module
//! or root crate (its file name when the record names neither), its bytes the
//! binary's, its modules what the record lists. A program that dpkg or another
//! manager installed stays theirs, and what it lists, its own name first, is
//! listed in their package (npm's `@esbuild/linux-x64` holds esbuild's Go
//! program).

use std::collections::{HashMap, HashSet};

use super::{Claims, Context, Package};
use crate::layer::CapturedKind;

/// What a program's record says, as its ecosystem's reader tells it.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Program {
    /// The main module or root crate, and its version when it has one.
    pub name: Option<(String, Option<String>)>,
    /// What is linked in (`path@version`), in the record's order.
    pub modules: Vec<String>,
    /// What goes among `modules` for the program itself when another manager's
    /// package holds it, and where (Go: its main module after the toolchain).
    pub own: Option<(usize, String)>,
}

/// Every program with a record of `kind` in the final filesystem onto `out`, as
/// `ecosystem`'s packages, each claiming itself.
pub(super) fn find(
    ctx: &Context,
    claimed: &mut Claims,
    out: &mut Vec<Package>,
    kind: CapturedKind,
    ecosystem: &'static str,
    read: fn(&[u8]) -> Program,
) {
    let m = ctx.model;
    let mut listed: HashMap<usize, HashSet<String>> = HashMap::new();
    for (c, layer, n, size) in ctx.visible_records(kind) {
        let program = read(&c.data);
        if let Some(owner) = claimed.owner(n) {
            let mut modules = program.modules;
            if let Some((at, own)) = program.own {
                modules.insert(at.min(modules.len()), own);
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
        let (name, version) = program
            .name
            .unwrap_or_else(|| (path.rsplit('/').next().unwrap_or(&path).to_string(), None));
        claimed.claim(n, out);
        let bytes = if ctx.usage.owner[n as usize] { size } else { 0 };
        out.push(Package {
            bytes,
            files: 1,
            modules: program.modules,
            ..Package::new(ecosystem, name, version, layer, path)
        });
    }
}
