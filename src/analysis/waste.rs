//! Waste findings: what in the image is likely waste, which layer (and so which
//! instruction) put it there, and the fix.
//!
//! The path-based categories are one table of data ([`RULES`]): a name, glob
//! patterns over the path (relative to `/`), and the fix. Dev dependencies come from
//! package managers' own records (npm's hidden lockfile, pnpm's `.modules.yaml`, the
//! project's `package.json`); hidden bytes become `layer-churn` findings.

use std::collections::{BTreeMap, HashSet};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Serialize;

use crate::fs::tree::NodeId;
use crate::fs::{FsModel, NodeKind, Usage};
use crate::layer::Captured;
use crate::text::path_str;

/// A path-based waste category.
pub(crate) struct Rule {
    pub category: &'static str,
    pub globs: &'static [&'static str],
    pub fix: &'static str,
}

/// The categories matched by path. A new category is one entry here and one test.
pub(crate) const RULES: &[Rule] = &[
    Rule {
        category: "npm-cache",
        globs: &["**/.npm/_cacache/**", "**/.npm/_logs/**", "**/.npm/_npx/**"],
        fix: "Run `npm ci` with `--mount=type=cache,target=/root/.npm` (BuildKit), or `npm cache clean --force` in the same RUN.",
    },
    Rule {
        category: "yarn-cache",
        globs: &["usr/local/share/.cache/yarn/**", "**/.cache/yarn/**", "**/.yarn/berry/cache/**", "**/.yarn/cache/**"],
        fix: "Run `yarn cache clean` in the same RUN as the install, or use a BuildKit cache mount (keep `.yarn/cache` only for Plug'n'Play zero-installs).",
    },
    Rule {
        category: "pnpm-store",
        globs: &["**/.local/share/pnpm/store/**", "**/.pnpm-store/**"],
        fix: "Keep the pnpm store out of the image: a BuildKit cache mount for the store, or `pnpm store prune` in the same RUN.",
    },
    Rule {
        category: "typescript",
        globs: &["**/node_modules/typescript/**", "**/tsconfig*.json", "**/*.tsbuildinfo", "**/*.ts", "**/*.mts", "**/*.cts"],
        fix: "Compile in a build stage and copy only the emitted JavaScript into the runtime stage (multi-stage build).",
    },
    Rule {
        category: "source-maps",
        globs: &["**/*.map"],
        fix: "Build without source maps for the runtime image, or delete `*.map` in the build stage before copying.",
    },
    Rule {
        category: "apt-lists",
        globs: &["var/lib/apt/lists/**"],
        fix: "End the `apt-get install` RUN with `&& rm -rf /var/lib/apt/lists/*`.",
    },
    Rule {
        category: "apt-cache",
        globs: &["var/cache/apt/**"],
        fix: "Use `apt-get install --no-install-recommends` and `apt-get clean` in the same RUN.",
    },
    Rule {
        category: "apk-cache",
        globs: &["var/cache/apk/**"],
        fix: "Use `apk add --no-cache`.",
    },
    Rule {
        category: "dnf-cache",
        globs: &["var/cache/dnf/**", "var/cache/yum/**"],
        fix: "Run `dnf clean all` (or `yum clean all`) in the same RUN as the install.",
    },
    Rule {
        category: "pip-cache",
        globs: &["**/.cache/pip/**"],
        fix: "Use `pip install --no-cache-dir`, or a BuildKit cache mount.",
    },
    Rule {
        category: "python-bytecode",
        globs: &["**/__pycache__/**", "**/*.pyc", "**/*.pyo"],
        fix: "Set `PYTHONDONTWRITEBYTECODE=1` during the build, or remove `__pycache__` in the same RUN.",
    },
    Rule {
        category: "go-build-cache",
        globs: &["**/.cache/go-build/**", "go/pkg/mod/**", "root/go/pkg/mod/**"],
        fix: "Build Go in a build stage (with a cache mount) and copy only the binary.",
    },
    Rule {
        category: "go-toolchain",
        globs: &["usr/local/go/**"],
        fix: "Build in a `golang` stage and copy only the binary into a small runtime image.",
    },
    Rule {
        category: "vcs",
        globs: &["**/.git/**", "**/.svn/**", "**/.hg/**"],
        fix: "Add `.git` to `.dockerignore`.",
    },
    Rule {
        category: "tests",
        globs: &["**/test/**", "**/tests/**", "**/__tests__/**", "**/*.test.*", "**/*.spec.*"],
        fix: "Leave tests out of the runtime image (`.dockerignore`, or copy only what runs).",
    },
    Rule {
        category: "docs",
        globs: &["usr/share/doc/**", "usr/share/man/**", "usr/share/info/**"],
        fix: "Delete `/usr/share/doc`, `man` and `info` in the same RUN as the install, or use a slim base image.",
    },
    Rule {
        category: "secrets-risk",
        globs: &[
            "**/.env", "**/.env.*", "**/.npmrc", "**/.yarnrc", "**/.yarnrc.yml", "**/.pypirc", "**/.netrc",
            "**/.git-credentials", "**/id_rsa", "**/id_dsa", "**/id_ecdsa", "**/id_ed25519",
            "**/.aws/credentials", "**/.docker/config.json",
        ],
        fix: "Keep credentials out of the image: `.dockerignore` them, and pass secrets with `RUN --mount=type=secret`. Rotate anything already pushed.",
    },
];

/// The dev-dependencies finding's fix.
const DEV_FIX: &str =
    "Install with `npm ci --omit=dev` in the runtime stage, or `npm prune --omit=dev` before copying node_modules.";
/// The layer-churn findings' fix.
const CHURN_FIX: &str =
    "Delete files in the same RUN that creates them, and order COPY after installs so later layers do not overwrite earlier ones.";

/// Files whose content the findings need: npm's hidden lockfile, pnpm's state, and
/// project `package.json` files (those not inside `node_modules`).
pub(crate) fn wants_content(path: &[u8]) -> bool {
    path.ends_with(b"node_modules/.package-lock.json")
        || path.ends_with(b"node_modules/.modules.yaml")
        || (path.ends_with(b"package.json")
            && (path == b"package.json" || path.ends_with(b"/package.json"))
            && !path
                .windows(14)
                .any(|w| w == b"node_modules/".as_slice() || w == b"/node_modules/"))
}

/// One largest-example path of a finding.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Example {
    pub path: String,
    pub bytes: u64,
}

/// The bytes a layer contributed to a finding.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LayerShare {
    pub index: usize,
    pub bytes: u64,
}

/// One finding.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    pub category: String,
    pub bytes: u64,
    pub files: u64,
    /// The largest paths, largest first.
    pub paths: Vec<Example>,
    /// Layers that added the bytes, most first.
    pub layers: Vec<LayerShare>,
    /// The instruction of the layer that added the most.
    pub instruction: String,
    /// One sentence saying what was found.
    pub summary: String,
    pub fix: String,
}

/// A hint drawn from the instructions and the layers.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hint {
    pub kind: String,
    pub layer: Option<usize>,
    pub message: String,
}

/// Findings and hints for one image.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Waste {
    pub findings: Vec<Finding>,
    /// Bytes in any finding, each counted once (visible flagged files + hidden bytes).
    pub flagged_bytes: u64,
    pub hints: Vec<Hint>,
}

const EXAMPLES: usize = 5;

#[derive(Default)]
struct Acc {
    bytes: u64,
    files: u64,
    per_layer: BTreeMap<usize, u64>,
    examples: Vec<(u64, NodeId)>,
}

impl Acc {
    fn add(&mut self, bytes: u64, layer: usize, node: NodeId) {
        self.bytes += bytes;
        self.files += 1;
        *self.per_layer.entry(layer).or_default() += bytes;
        if self.examples.len() < EXAMPLES || self.examples.last().is_some_and(|&(b, _)| b < bytes) {
            let at = self.examples.partition_point(|&(b, _)| b >= bytes);
            self.examples.insert(at, (bytes, node));
            self.examples.truncate(EXAMPLES);
        }
    }
}

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

/// What the analysis of waste needs to know about the image besides the model.
pub(crate) struct Context<'a> {
    pub model: &'a FsModel,
    pub usage: &'a Usage,
    /// The instruction of each layer.
    pub instructions: &'a [String],
    pub captured: &'a [(usize, Captured)],
    /// `config.User`.
    pub user: Option<&'a str>,
    /// What each layer's tar brought.
    pub layer_facts: &'a [LayerFacts],
    /// Paths (with a leading `/`) matching any of these are left out.
    pub ignore: &'a GlobSet,
}

/// Builds a glob set from `--ignore` patterns.
pub(crate) fn ignore_set(patterns: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        // globset's message already quotes the glob; the caller names the flag.
        let glob = Glob::new(p).map_err(|e| e.to_string())?;
        b.add(glob);
    }
    b.build().map_err(|e| e.to_string())
}

/// The rules' globs, compiled for a walk of the tree. A glob that ends in `/**` holds
/// for everything below the folders that match the rest of it, so that rest is
/// matched once per folder and inherited by what is below; the other globs are
/// matched against each file. Same answers as matching every glob against every
/// file path (the unit tests check that), at a fraction of the cost.
struct Matcher {
    below: Globs,
    file: Globs,
}

/// One bit per rule of [`RULES`].
type RuleMask = u32;

impl Matcher {
    fn new() -> Matcher {
        let (mut below, mut file) = (Vec::new(), Vec::new());
        for (i, r) in RULES.iter().enumerate() {
            for g in r.globs {
                match g.strip_suffix("/**") {
                    Some(dir) => below.push((dir, i)),
                    None => file.push((*g, i)),
                }
            }
        }
        Matcher {
            below: Globs::new(&below),
            file: Globs::new(&file),
        }
    }

    /// The rules that hold for everything below the folder `dir` (no leading `/`).
    fn below(&self, dir: &str, hits: &mut Vec<usize>) -> RuleMask {
        self.below.mask(dir, hits)
    }

    /// The rules a file's own path (no leading `/`) matches.
    fn file(&self, path: &str, hits: &mut Vec<usize>) -> RuleMask {
        self.file.mask(path, hits)
    }

    /// Every rule `path` matches, its folders taken one by one as the walk does.
    #[cfg(test)]
    fn rules_of(&self, path: &str) -> RuleMask {
        let mut hits = Vec::new();
        let mut mask = 0;
        for (i, _) in path.match_indices('/') {
            mask |= self.below(&path[..i], &mut hits);
        }
        mask | self.file(path, &mut hits)
    }
}

/// A rule glob in one of the shapes the rules use, matched without the general
/// glob machinery (a third of the time of a walk went there): `**/NAME` (NAME with
/// `*` wildcards and no `/`) looks at the last component; `**/a/b` and `a/b`
/// without wildcards are literal ends and wholes of the path.
#[derive(Debug, PartialEq)]
enum Pattern {
    /// The last component, split at each `*`.
    Name(Vec<String>),
    /// The path is this, or ends with `/` and this.
    Suffix(String),
    Exact(String),
}

impl Pattern {
    /// `None` for a glob of another shape (globset then matches it).
    fn of(glob: &str) -> Option<Pattern> {
        if glob.contains(['?', '[', ']', '{', '}', '\\']) {
            return None;
        }
        match glob.strip_prefix("**/") {
            Some(rest) if rest.contains("**") => None,
            Some(rest) if !rest.contains('/') => {
                Some(Pattern::Name(rest.split('*').map(str::to_string).collect()))
            }
            Some(rest) if !rest.contains('*') => Some(Pattern::Suffix(rest.to_string())),
            Some(_) => None,
            None if !glob.contains('*') => Some(Pattern::Exact(glob.to_string())),
            None => None,
        }
    }

    fn matches(&self, path: &str, name: &str) -> bool {
        match self {
            Pattern::Name(pieces) => wildcard(pieces, name),
            Pattern::Suffix(s) => {
                let (path, s) = (path.as_bytes(), s.as_bytes());
                path.len() >= s.len()
                    && same(&path[path.len() - s.len()..], s)
                    && (path.len() == s.len() || path[path.len() - s.len() - 1] == b'/')
            }
            Pattern::Exact(s) => path == s,
        }
    }
}

/// `pieces` (a pattern split at each `*`) matches all of `text`.
fn wildcard(pieces: &[String], text: &str) -> bool {
    let text = text.as_bytes();
    let (first, last) = match pieces {
        [] => return text.is_empty(),
        [only] => return same(text, only.as_bytes()),
        [first, .., last] => (first.as_bytes(), last.as_bytes()),
    };
    if text.len() < first.len() + last.len()
        || !same(&text[..first.len()], first)
        || !same(&text[text.len() - last.len()..], last)
    {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for piece in &pieces[1..pieces.len() - 1] {
        let piece = piece.as_bytes();
        match rest
            .windows(piece.len().max(1))
            .position(|w| same(w, piece))
        {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

/// Byte equality without a call to `memcmp`: these are names of a few bytes, tested
/// for every file, where the call costs more than the comparison.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Globs and the rule each belongs to: the simple shapes as [`Pattern`]s, behind a
/// filter on the last two bytes of the name (most files end in `.js` and match no
/// rule); the rest in a globset.
struct Globs {
    /// Name patterns that end with a wildcard, and the other patterns: always tried.
    always: Vec<(Pattern, usize)>,
    /// Name patterns ending in a literal, and the last two bytes of that literal.
    by_end: Vec<(Pattern, usize, [u8; 2])>,
    /// Bit `u16::from_be_bytes(end)` set for each of `by_end`'s ends.
    ends: Vec<u64>,
    other: GlobSet,
    other_rule: Vec<usize>,
}

fn end_bit(end: [u8; 2]) -> (usize, u64) {
    let k = u16::from_be_bytes(end) as usize;
    (k / 64, 1 << (k % 64))
}

impl Globs {
    fn new(globs: &[(&str, usize)]) -> Globs {
        let mut g = Globs {
            always: Vec::new(),
            by_end: Vec::new(),
            ends: vec![0; 1024],
            other: GlobSet::empty(),
            other_rule: Vec::new(),
        };
        let mut other = GlobSetBuilder::new();
        for &(glob, rule) in globs {
            match Pattern::of(glob) {
                Some(Pattern::Name(pieces)) if pieces.last().is_some_and(|l| l.len() >= 2) => {
                    let last = pieces.last().map(|l| l.as_bytes()).unwrap_or_default();
                    let end = [last[last.len() - 2], last[last.len() - 1]];
                    let (word, bit) = end_bit(end);
                    g.ends[word] |= bit;
                    g.by_end.push((Pattern::Name(pieces), rule, end));
                }
                Some(p) => g.always.push((p, rule)),
                None => {
                    // The patterns are constants, checked by a unit test.
                    if let Ok(glob) = globset::GlobBuilder::new(glob)
                        .literal_separator(true)
                        .build()
                    {
                        other.add(glob);
                        g.other_rule.push(rule);
                    }
                }
            }
        }
        g.other = other.build().unwrap_or_else(|_| GlobSet::empty());
        g
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.always.len() + self.by_end.len() + self.other_rule.len()
    }

    /// The rules whose globs match `path` (relative, no leading `/`).
    fn mask(&self, path: &str, hits: &mut Vec<usize>) -> RuleMask {
        let name = path.rsplit('/').next().unwrap_or(path);
        let mut mask = 0;
        for (p, rule) in &self.always {
            if p.matches(path, name) {
                mask |= 1 << rule;
            }
        }
        if let [.., a, b] = name.as_bytes() {
            let end = [*a, *b];
            let (word, bit) = end_bit(end);
            if self.ends[word] & bit != 0 {
                for (p, rule, e) in &self.by_end {
                    if *e == end && p.matches(path, name) {
                        mask |= 1 << rule;
                    }
                }
            }
        }
        if !self.other.is_empty() {
            self.other.matches_into(path, hits);
            mask = hits.iter().fold(mask, |m, &h| m | 1 << self.other_rule[h]);
        }
        mask
    }
}

/// Paths of dev-dependency package folders, from the captured package-manager files
/// that are still visible in the final filesystem.
fn dev_package_dirs(ctx: &Context) -> Vec<NodeId> {
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
        if visible(c, *layer).is_none() || !c.path.ends_with(b"package.json") {
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
fn pnpm_includes_dev(yaml: &[u8]) -> bool {
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

/// Walks the final filesystem once and builds the findings.
pub(crate) fn analyze(ctx: &Context) -> Waste {
    let m = ctx.model;
    let usage = ctx.usage;
    let matcher = Matcher::new();
    const { assert!(RULES.len() <= RuleMask::BITS as usize) };
    let mut accs: Vec<Acc> = (0..RULES.len()).map(|_| Acc::default()).collect();
    let mut dev = Acc::default();
    let mut flagged_visible = 0u64;

    let mut dev_root = vec![false; m.tree.len()];
    for d in dev_package_dirs(ctx) {
        dev_root[d as usize] = true;
    }
    let mut in_dev = vec![false; m.tree.len()];
    // The rules that hold for everything below each folder.
    let mut below: Vec<RuleMask> = vec![0; m.tree.len()];
    let mut hits = Vec::new();
    usage.for_each_path(m, |n, abs| {
        let Some(parent) = m.tree.parent(n) else {
            return;
        };
        in_dev[n as usize] = in_dev[parent as usize] || dev_root[n as usize];
        if m.tree.data(n).kind == NodeKind::Dir {
            let dir = path_str(abs);
            below[n as usize] = below[parent as usize] | matcher.below(&dir[1..], &mut hits);
            return;
        }
        if !usage.owner[n as usize] {
            return;
        }
        let Some((bytes, layer)) = m.content_of(n) else {
            return;
        };
        // `--ignore` globs see the path with its leading `/`, the rules without.
        let abs_text = path_str(abs);
        let text = &abs_text[1..];
        if !ctx.ignore.is_empty() && ctx.ignore.is_match(abs_text.as_ref()) {
            return;
        }
        let mut flagged = false;
        let rules = below[parent as usize] | matcher.file(text, &mut hits);
        for (r, rule) in RULES.iter().enumerate() {
            if rules & 1 << r == 0 {
                continue;
            }
            // TypeScript sources: `.d.ts` declarations ship with packages and are not
            // the project's sources; `.ts` inside node_modules belongs to packages.
            if rule.category == "typescript" && is_package_typing(text) {
                continue;
            }
            accs[r].add(bytes, layer as usize, n);
            flagged = true;
        }
        if in_dev[n as usize] {
            dev.add(bytes, layer as usize, n);
            flagged = true;
        }
        if flagged {
            flagged_visible += bytes;
        }
    });

    let name = |i: usize| {
        ctx.instructions
            .get(i)
            .cloned()
            .unwrap_or_else(|| "unknown".into())
    };
    let finish = |category: &str, acc: Acc, fix: &str, summary: String| -> Finding {
        let mut layers: Vec<LayerShare> = acc
            .per_layer
            .into_iter()
            .map(|(index, bytes)| LayerShare { index, bytes })
            .collect();
        layers.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.index.cmp(&b.index)));
        let instruction = layers.first().map(|l| name(l.index)).unwrap_or_default();
        Finding {
            category: category.to_string(),
            bytes: acc.bytes,
            files: acc.files,
            paths: acc
                .examples
                .iter()
                .map(|&(b, n)| Example {
                    path: m.path_string(n),
                    bytes: b,
                })
                .collect(),
            layers,
            instruction,
            summary,
            fix: fix.to_string(),
        }
    };
    let mut findings = Vec::new();
    if dev.files > 0 {
        let s = format!(
            "{} of packages marked as dev dependencies in {} files",
            crate::size::human(dev.bytes),
            dev.files
        );
        findings.push(finish("dev-dependencies", dev, DEV_FIX, s));
    }
    for (r, acc) in RULES.iter().zip(accs) {
        if acc.files == 0 {
            continue;
        }
        let s = format!("{} in {} files", crate::size::human(acc.bytes), acc.files);
        findings.push(finish(r.category, acc, r.fix, s));
    }
    for (&(from, by), c) in &m.churn {
        if c.bytes == 0 {
            continue;
        }
        let verb = if from == by {
            "replaced within the same layer"
        } else {
            "hid (overwrote or deleted)"
        };
        let short = |i: u16| format!("#{i} {}", crate::text::one_line(&name(i as usize), 28));
        let summary = if from == by {
            format!(
                "{} added {} that it {verb}",
                short(from),
                crate::size::human(c.bytes)
            )
        } else {
            format!(
                "{} added {} that {} {verb}",
                short(from),
                crate::size::human(c.bytes),
                short(by)
            )
        };
        findings.push(Finding {
            category: "layer-churn".into(),
            bytes: c.bytes,
            files: c.files,
            paths: c
                .examples
                .iter()
                .map(|&(b, n)| Example {
                    path: m.path_string(n),
                    bytes: b,
                })
                .collect(),
            layers: vec![LayerShare {
                index: from as usize,
                bytes: c.bytes,
            }],
            instruction: name(from as usize),
            summary,
            fix: CHURN_FIX.into(),
        });
    }
    findings.sort_by(|a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| a.category.cmp(&b.category))
    });
    let hints = hints(ctx, &findings);
    Waste {
        findings,
        flagged_bytes: flagged_visible + m.hidden_bytes(),
        hints,
    }
}

fn is_package_typing(path: &str) -> bool {
    // The compiler package counts whole, its `lib.*.d.ts` included.
    if path.starts_with("node_modules/typescript/") || path.contains("/node_modules/typescript/") {
        return false;
    }
    let is_ts_source = path.ends_with(".ts") || path.ends_with(".mts") || path.ends_with(".cts");
    let declaration =
        path.ends_with(".d.ts") || path.ends_with(".d.mts") || path.ends_with(".d.cts");
    let in_modules = path.starts_with("node_modules/") || path.contains("/node_modules/");
    // Declarations ship with packages and are not the project's sources; other
    // packages' `.ts` files are theirs too.
    is_ts_source && (declaration || in_modules)
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
fn hints(ctx: &Context, findings: &[Finding]) -> Vec<Hint> {
    let m = ctx.model;
    let mut out = Vec::new();
    let instr = ctx.instructions;
    let install_at = instr.iter().position(|i| is_install(i));

    let copy = |i: usize| instr.get(i).is_some_and(|s| is_copy(s));
    for (i, f) in ctx.layer_facts.iter().enumerate() {
        if copy(i) && f.node_modules {
            out.push(Hint {
                kind: "copy-node-modules".into(),
                layer: Some(i),
                message: format!(
                    "Layer {i} (`{}`) copied a local node_modules into the image: add `node_modules` to `.dockerignore` and let the install in the image make it.",
                    crate::text::one_line(&instr[i], 60)
                ),
            });
        }
    }
    if let Some(at) = install_at {
        if let Some(i) =
            (0..at).find(|&i| copy(i) && ctx.layer_facts.get(i).is_some_and(|f| f.project))
        {
            out.push(Hint {
                kind: "copy-before-install".into(),
                layer: Some(i),
                message: format!(
                    "Layer {i} (`{}`) copies the whole project before `{}`: every source change re-runs the install. Copy `package.json` and the lockfile first, install, then copy the rest.",
                    crate::text::one_line(&instr[i], 40),
                    crate::text::one_line(&instr[at], 40)
                ),
            });
        }
    }
    for (i, s) in instr.iter().enumerate() {
        if s.starts_with("RUN ")
            && (s.contains("npm install") || s.contains("npm i "))
            && !s.contains(" -g")
            && !s.contains("--global")
        {
            out.push(Hint {
                kind: "npm-install".into(),
                layer: Some(i),
                message: format!("Layer {i} runs `npm install`; `npm ci` installs exactly the lockfile, faster and reproducibly."),
            });
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
                    out.push(Hint {
                        kind: "cache-not-cleaned".into(),
                        layer: Some(l.index),
                        message: format!(
                            "{} left by layer {} (`{}`): clean it in that same RUN. {}",
                            f.category,
                            l.index,
                            crate::text::one_line(&instr[l.index], 40),
                            f.fix
                        ),
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
        Some(("TypeScript", "FROM node:22 AS build\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npx tsc && npm prune --omit=dev\n\nFROM node:22-slim\nWORKDIR /app\nCOPY --from=build /app/node_modules ./node_modules\nCOPY --from=build /app/dist ./dist\nUSER node\nCMD [\"node\", \"dist/index.js\"]"))
    } else if has("go-toolchain") {
        Some(("Go", "FROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\n\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\nCMD [\"/app\"]"))
    } else if m.tree.lookup(&m.names, b"usr/lib/gcc").is_some()
        && m.tree.lookup(&m.names, b"usr/bin/gcc").is_some()
    {
        Some(("gcc", "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y build-essential\nCOPY . /src\nRUN make -C /src\n\nFROM debian:12-slim\nCOPY --from=build /src/out /app\nCMD [\"/app/run\"]"))
    } else {
        None
    };
    if let Some((what, sketch)) = toolchain {
        out.push(Hint {
            kind: "multi-stage".into(),
            layer: None,
            message: format!("The runtime image carries the {what} toolchain. A multi-stage build keeps it in the build stage:\n{sketch}"),
        });
    }
    if ctx.user.is_none_or(|u| {
        u.is_empty() || u == "root" || u == "0" || u.starts_with("0:") || u.starts_with("root:")
    }) {
        out.push(Hint {
            kind: "runs-as-root".into(),
            layer: None,
            message: "The image runs as root (config User is empty): add a `USER` instruction with an unprivileged user.".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_glob_compiles() {
        for r in RULES {
            for g in r.globs {
                assert!(
                    globset::GlobBuilder::new(g)
                        .literal_separator(true)
                        .build()
                        .is_ok(),
                    "{}: {g}",
                    r.category
                );
            }
        }
        let m = Matcher::new();
        assert_eq!(
            m.below.len() + m.file.len(),
            RULES.iter().map(|r| r.globs.len()).sum::<usize>()
        );
    }

    /// The categories of `path`, as the walk finds them, checked against matching
    /// every glob against the whole path.
    fn categories(path: &str) -> Vec<&'static str> {
        let mask = Matcher::new().rules_of(path);
        let mut whole = 0;
        for (i, r) in RULES.iter().enumerate() {
            for g in r.globs {
                let glob = globset::GlobBuilder::new(g).literal_separator(true).build();
                if glob.unwrap().compile_matcher().is_match(path) {
                    whole |= 1 << i;
                }
            }
        }
        assert_eq!(mask, whole, "{path}");
        let mut cats: Vec<&str> = RULES
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & 1 << i != 0)
            .map(|(_, r)| r.category)
            .collect();
        cats.retain(|c| !(*c == "typescript" && is_package_typing(path)));
        cats
    }

    #[test]
    fn each_category_matches_its_paths() {
        let cases: &[(&str, &[&str])] = &[
            ("root/.npm/_cacache/content-v2/sha512/ab/cd", &["npm-cache"]),
            ("home/node/.npm/_logs/x.log", &["npm-cache"]),
            ("usr/local/share/.cache/yarn/v6/x", &["yarn-cache"]),
            ("root/.local/share/pnpm/store/v3/files/x", &["pnpm-store"]),
            ("app/node_modules/typescript/lib/tsc.js", &["typescript"]),
            (
                "app/node_modules/typescript/lib/lib.es5.d.ts",
                &["typescript"],
            ),
            ("app/src/index.ts", &["typescript"]),
            ("app/tsconfig.build.json", &["typescript"]),
            ("app/node_modules/@types/node/index.d.ts", &[]),
            ("app/src/types.d.ts", &[]),
            ("app/dist/index.js.map", &["source-maps"]),
            ("var/lib/apt/lists/deb.debian.org_dists", &["apt-lists"]),
            ("var/cache/apt/pkgcache.bin", &["apt-cache"]),
            ("var/cache/apk/APKINDEX.tar.gz", &["apk-cache"]),
            ("var/cache/dnf/x", &["dnf-cache"]),
            ("root/.cache/pip/http/x", &["pip-cache"]),
            (
                "usr/lib/python3/__pycache__/a.cpython-311.pyc",
                &["python-bytecode"],
            ),
            ("root/.cache/go-build/ab/x", &["go-build-cache"]),
            ("usr/local/go/bin/go", &["go-toolchain"]),
            ("app/.git/objects/pack/x.pack", &["vcs"]),
            ("app/test/a.js", &["tests"]),
            ("app/src/a.spec.js", &["tests"]),
            ("usr/share/doc/bash/copyright", &["docs"]),
            ("app/.env", &["secrets-risk"]),
            ("root/.npmrc", &["secrets-risk"]),
            ("root/.ssh/id_rsa", &["secrets-risk"]),
            ("app/dist/index.js", &[]),
            ("usr/bin/node", &[]),
        ];
        for (path, want) in cases {
            assert_eq!(categories(path), *want, "{path}");
        }
    }

    /// The walk's matcher agrees with globset on the edges of each glob shape:
    /// names at the root, wildcards at either end, literal ends that are not whole
    /// components, anchored folders elsewhere in the tree.
    #[test]
    fn the_walk_matches_as_globset_does() {
        for path in [
            "tsconfig.json",
            "tsconfig.json.bak",
            "x/tsconfigjson",
            ".env",
            ".env.production",
            "a/.envrc",
            ".map",
            "a/b.map.txt",
            "a.test",
            "a.test.",
            "a/x.test.js",
            "a/tests",
            "a/tests/b",
            "x/test",
            ".aws/credentials",
            "home/u/.aws/credentials",
            "home/u/foo.aws/credentials",
            "var/lib/apt/lists",
            "var/lib/apt/lists/x",
            "x/var/lib/apt/lists/y",
            "go/pkg/mod/x",
            "src/go/pkg/mod/x",
            "a/.git",
            "a/.git/b",
            "ts",
            "a/.ts",
            "a/b.d.ts",
            "id_rsa.pub",
            "root/.docker/config.json",
            "root/docker/config.json",
        ] {
            categories(path);
        }
        assert_eq!(
            Pattern::of("**/*.test.*"),
            Some(Pattern::Name(vec!["".into(), ".test.".into(), "".into()]))
        );
        assert_eq!(Pattern::of("**/{a,b}"), None);
        assert!(wildcard(&["ab".into(), "b".into()], "abb"));
        assert!(!wildcard(&["ab".into(), "b".into()], "ab"));
    }

    #[test]
    fn pnpm_modules_yaml() {
        assert!(pnpm_includes_dev(b"hoistPattern:\n  - '*'\nincluded:\n  dependencies: true\n  devDependencies: true\n  optionalDependencies: true\nlayoutVersion: 5\n"));
        assert!(!pnpm_includes_dev(
            b"included:\n  dependencies: true\n  devDependencies: false\n"
        ));
    }

    #[test]
    fn content_wanted_for_lockfiles_and_project_manifests() {
        assert!(wants_content(b"app/node_modules/.package-lock.json"));
        assert!(wants_content(b"app/package.json"));
        assert!(wants_content(b"package.json"));
        assert!(!wants_content(b"app/node_modules/ms/package.json"));
        assert!(wants_content(b"app/node_modules/.modules.yaml"));
    }
}
