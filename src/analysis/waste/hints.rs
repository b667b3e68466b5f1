//! Plain-spoken hints drawn from the instructions and from what each layer's tar
//! brought (a `COPY` that dragged in a local `node_modules`, installs before the
//! copy of the sources, a root user).

use super::{Context, Finding, Hint, Toolchain};

/// What a layer's tar brought, as far as the hints care.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct LayerFacts {
    /// A project's `node_modules` folder (beside a `package.json` of this layer).
    pub node_modules: bool,
    /// A project: a `package.json` outside `node_modules` with other project files
    /// (not only the manifest and lockfiles) beside or below it.
    pub project: bool,
}

impl LayerFacts {
    pub(crate) fn of(files: &crate::layer::LayerFiles) -> LayerFacts {
        const MANIFESTS: &[&[u8]] = &[
            b"package.json",
            b"package-lock.json",
            b"npm-shrinkwrap.json",
            b"yarn.lock",
            b"pnpm-lock.yaml",
            b".npmrc",
        ];
        // A path is in a node_modules when one of its components is one.
        let modules_at = |dir: &[u8]| find(dir, b"node_modules");
        let mut module_roots: Vec<&[u8]> = Vec::new();
        let mut roots: Vec<&[u8]> = Vec::new();
        for e in files.iter() {
            // The project folder holding this node_modules.
            let root = match modules_at(e.dir) {
                Some(0) => Some(&e.dir[..0]),
                Some(at) => Some(&e.dir[..at - 1]),
                None if e.name == b"node_modules" => Some(e.dir),
                None => None,
            };
            if let Some(root) = root {
                if module_roots.last() != Some(&root) {
                    module_roots.push(root);
                }
                continue;
            }
            if e.name == b"package.json" && e.kind == crate::layer::EntryKind::File {
                roots.push(e.dir);
            }
        }
        let under = |dir: &[u8], root: &[u8]| {
            root.is_empty()
                || dir == root
                || dir.starts_with(root) && dir.get(root.len()) == Some(&b'/')
        };
        let project = roots.iter().any(|root| {
            files.iter().any(|e| {
                e.kind == crate::layer::EntryKind::File
                    && under(e.dir, root)
                    && modules_at(e.dir).is_none()
                    && e.name != b"node_modules"
                    && !(e.dir == *root && MANIFESTS.contains(&e.name))
            })
        });
        // A project's node_modules sits beside its package.json (a global install
        // such as /usr/lib/node_modules/npm does not, nor does a node_modules
        // copied from a build stage without its manifest).
        let node_modules = module_roots.iter().any(|m| roots.contains(m));
        LayerFacts {
            node_modules,
            project,
        }
    }
}

/// Where the first `name` component of `path` starts.
fn find(path: &[u8], name: &[u8]) -> Option<usize> {
    let mut at = 0;
    for comp in path.split(|&b| b == b'/') {
        if comp == name {
            return Some(at);
        }
        at += comp.len() + 1;
    }
    None
}

const INSTALL_WORDS: &[&str] = &[
    "npm install",
    "npm i ",
    "npm ci",
    "yarn install",
    "yarn --",
    "pnpm install",
    "pnpm i ",
];

fn is_install(instr: &str) -> bool {
    let s = format!("{instr} ");
    instr.starts_with("RUN ") && INSTALL_WORDS.iter().any(|w| s.contains(w))
        || s.trim_end().ends_with("yarn")
}

fn is_copy(instr: &str) -> bool {
    instr.starts_with("COPY ") || instr.starts_with("ADD ")
}

/// Plain-spoken hints from the instructions and what each layer holds.
pub(super) fn hints(ctx: &Context, findings: &[Finding]) -> Vec<Hint> {
    let m = ctx.model;
    let mut out = Vec::new();
    let instr = ctx.instructions;
    let install_at = instr.iter().position(|i| is_install(i));

    let copy = |i: usize| instr.get(i).is_some_and(|s| is_copy(s));
    for (i, f) in ctx.layer_facts.iter().enumerate() {
        if copy(i) && f.node_modules {
            out.push(Hint::CopyNodeModules { layer: i });
        }
    }
    if let Some(at) = install_at {
        if let Some(i) =
            (0..at).find(|&i| copy(i) && ctx.layer_facts.get(i).is_some_and(|f| f.project))
        {
            out.push(Hint::CopyBeforeInstall {
                copy: i,
                install: at,
            });
        }
    }
    for (i, s) in instr.iter().enumerate() {
        if s.starts_with("RUN ")
            && (s.contains("npm install") || s.contains("npm i "))
            && !s.contains(" -g")
            && !s.contains("--global")
        {
            out.push(Hint::NpmInstall { layer: i });
        }
    }
    for f in findings {
        let cache = matches!(
            f.category.as_str(),
            "npm-cache"
                | "yarn-cache"
                | "pnpm-store"
                | "pip-cache"
                | "apt-lists"
                | "apt-cache"
                | "apk-cache"
                | "dnf-cache"
                | "go-build-cache"
        );
        if cache {
            if let Some(l) = f.layers.first() {
                if instr.get(l.index).is_some_and(|s| s.starts_with("RUN ")) {
                    out.push(Hint::CacheNotCleaned {
                        layer: l.index,
                        category: f.category.clone(),
                        fix: f.fix.clone(),
                    });
                }
            }
        }
    }
    let has = |c: &str| findings.iter().any(|f| f.category == c);
    let toolchain = if has("typescript")
        && findings.iter().any(|f| {
            f.category == "typescript"
                && f.paths
                    .iter()
                    .any(|p| p.path.contains("node_modules/typescript/"))
        }) {
        Some(Toolchain::TypeScript)
    } else if has("go-toolchain") {
        Some(Toolchain::Go)
    } else if m.tree.lookup(&m.names, b"usr/lib/gcc").is_some()
        && m.tree.lookup(&m.names, b"usr/bin/gcc").is_some()
    {
        Some(Toolchain::Gcc)
    } else {
        None
    };
    if let Some(toolchain) = toolchain {
        out.push(Hint::MultiStage { toolchain });
    }
    if ctx.user.is_none_or(|u| {
        u.is_empty() || u == "root" || u == "0" || u.starts_with("0:") || u.starts_with("root:")
    }) {
        out.push(Hint::RunsAsRoot);
    }
    out
}
