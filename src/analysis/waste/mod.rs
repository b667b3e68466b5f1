//! Waste findings: what in the image is likely waste, which layer (and so which
//! instruction) put it there, and the fix.
//!
//! The path-based categories are one table of data ([`RULES`]): a name, glob
//! patterns over the path (relative to `/`), and the fix. Dev dependencies come from
//! package managers' own records (npm's hidden lockfile, pnpm's `.modules.yaml`, the
//! project's `package.json`); hidden bytes become `layer-churn` findings.
//!
//! Where things are: [`rules`] (the categories, as data), `matcher` (the rules'
//! globs, compiled for one walk of the tree), `hints` (plain-spoken
//! advice from the instructions), and here the walk that builds the findings.

mod hints;
mod matcher;
mod rules;

use std::collections::BTreeMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Serialize;

use crate::fs::tree::NodeId;
use crate::fs::{FsModel, NodeKind, Usage};
use crate::text::path_str;

use hints::hints;
pub(crate) use hints::LayerFacts;
use matcher::{Matcher, RuleMask};
pub(crate) use rules::RULES;
use rules::{is_package_typing, CHURN_FIX, DEV_FIX};

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
    /// What the bytes cost to pull (null unless every layer is compressed).
    pub compressed_bytes: Option<u64>,
    /// The largest paths, largest first.
    pub paths: Vec<Example>,
    /// Layers that added the bytes, most first.
    pub layers: Vec<LayerShare>,
    /// The instruction of the layer that added the most.
    pub instruction: String,
    pub fix: String,
    /// For `layer-churn` and `reshipped-unchanged`: the layer that added the bytes
    /// and the one that hid them.
    #[serde(skip)]
    pub churn: Option<(usize, usize)>,
    /// For `reshipped-unchanged`: the contents were hashed (`--content`), so the
    /// rewrite is known to be byte for byte the same, not only the same size.
    #[serde(skip)]
    pub hashed: bool,
}

/// A hint drawn from the instructions and the layers: the facts only; the report
/// words them (`report::hints`).
#[derive(Debug, Clone, PartialEq)]
pub enum Hint {
    /// A `COPY`/`ADD` layer brought a local `node_modules`.
    CopyNodeModules { layer: usize },
    /// The whole project is copied (layer `copy`) before the install (`install`).
    CopyBeforeInstall { copy: usize, install: usize },
    /// `npm install` where `npm ci` would do.
    NpmInstall { layer: usize },
    /// A package-manager cache left by the RUN layer that made it.
    CacheNotCleaned {
        layer: usize,
        category: String,
        fix: String,
    },
    /// A build toolchain in the runtime image.
    MultiStage { toolchain: Toolchain },
    /// `config.User` is empty or root.
    RunsAsRoot,
}

/// A toolchain a multi-stage build would leave in the build stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toolchain {
    TypeScript,
    Go,
    Gcc,
}

/// Findings and hints for one image.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Waste {
    pub findings: Vec<Finding>,
    /// Bytes in any finding, each counted once (visible flagged files + hidden bytes).
    pub flagged_bytes: u64,
    pub hints: Vec<Hint>,
    /// By node id: 0 unflagged, 1 dev-dependencies, 2 + i the category of `RULES[i]`
    /// (dev dependencies win over path rules; else the first rule that matched).
    pub(crate) node_category: Vec<u8>,
}

const EXAMPLES: usize = 5;

#[derive(Default)]
struct Acc {
    bytes: u64,
    files: u64,
    pull: u64,
    per_layer: BTreeMap<usize, u64>,
    examples: Vec<(u64, NodeId)>,
}

impl Acc {
    fn add(&mut self, bytes: u64, pull: u64, layer: usize, node: NodeId) {
        self.bytes += bytes;
        self.files += 1;
        self.pull += pull;
        *self.per_layer.entry(layer).or_default() += bytes;
        if self.examples.len() < EXAMPLES || self.examples.last().is_some_and(|&(b, _)| b < bytes) {
            let at = self.examples.partition_point(|&(b, _)| b >= bytes);
            self.examples.insert(at, (bytes, node));
            self.examples.truncate(EXAMPLES);
        }
    }
}

/// What the analysis of waste needs to know about the image besides the model.
pub(crate) struct Context<'a> {
    pub model: &'a FsModel,
    pub usage: &'a Usage,
    /// The instruction of each layer.
    pub instructions: &'a [String],
    /// `config.User`.
    pub user: Option<&'a str>,
    /// What each layer's tar brought.
    pub layer_facts: &'a [LayerFacts],
    /// Paths (with a leading `/`) matching any of these are left out.
    pub ignore: &'a GlobSet,
    /// The package managers' records (dev dependencies).
    pub records: &'a crate::analysis::node_modules::Records,
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

/// Walks the final filesystem once and builds the findings: the walk fills one
/// accumulator per category ([`walk`]), which then become findings, with the
/// hidden bytes as churn and rewrites ([`hidden_findings`]).
pub(crate) fn analyze(ctx: &Context) -> Waste {
    let walked = walk(ctx);
    let name = |i: usize| {
        ctx.instructions
            .get(i)
            .cloned()
            .unwrap_or_else(|| "unknown".into())
    };
    let m = ctx.model;
    let finish = |category: &str, acc: Acc, fix: &str| -> Finding {
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
            compressed_bytes: m.pulled().then_some(acc.pull),
            paths: examples(m, &acc.examples),
            layers,
            instruction,
            fix: fix.to_string(),
            churn: None,
            hashed: false,
        }
    };
    let mut findings = Vec::new();
    if walked.dev.files > 0 {
        findings.push(finish("dev-dependencies", walked.dev, DEV_FIX));
    }
    for (r, acc) in RULES.iter().zip(walked.rules) {
        if acc.files > 0 {
            findings.push(finish(r.category, acc, r.fix));
        }
    }
    findings.extend(hidden_findings(m, &name));
    findings.sort_by(|a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| a.category.cmp(&b.category))
    });
    let hints = hints(ctx, &findings);
    Waste {
        findings,
        flagged_bytes: walked.flagged_visible + m.hidden_bytes(),
        hints,
        node_category: walked.category,
    }
}

/// What the walk of the final filesystem gathered.
struct Walked {
    /// One accumulator per rule of [`RULES`].
    rules: Vec<Acc>,
    dev: Acc,
    /// Visible bytes in any finding, each counted once.
    flagged_visible: u64,
    /// By node: [`Waste::node_category`].
    category: Vec<u8>,
}

/// One walk of the final filesystem: each folder inherits the rules that hold
/// below its parent and adds its own (matched on the end of its path); each file
/// adds its bytes to every rule it matches and to dev dependencies when it sits
/// in a dev package folder.
fn walk(ctx: &Context) -> Walked {
    let (m, usage) = (ctx.model, ctx.usage);
    let matcher = Matcher::new();
    const { assert!(RULES.len() <= RuleMask::BITS as usize) };
    let mut w = Walked {
        rules: (0..RULES.len()).map(|_| Acc::default()).collect(),
        dev: Acc::default(),
        flagged_visible: 0,
        category: vec![0u8; m.tree.len()],
    };
    let mut dev_root = vec![false; m.tree.len()];
    for &d in &ctx.records.dev_dirs {
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
            below[n as usize] = below[parent as usize] | matcher.below(&abs[1..], &mut hits);
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
        let pull = usage.totals[n as usize].pull;
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
            w.rules[r].add(bytes, pull, layer as usize, n);
            flagged = true;
            if w.category[n as usize] == 0 {
                w.category[n as usize] = r as u8 + 2;
            }
        }
        if in_dev[n as usize] {
            w.dev.add(bytes, pull, layer as usize, n);
            flagged = true;
            w.category[n as usize] = 1;
        }
        if flagged {
            w.flagged_visible += bytes;
        }
    });
    w
}

/// The hidden bytes as findings: rewrites of the same content to the same path
/// are `reshipped-unchanged` when certain (hashed) or explained by the
/// instruction (a chown or chmod); the rest is `layer-churn`.
fn hidden_findings(m: &FsModel, name: &dyn Fn(usize) -> String) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut churn = m.churn.clone();
    for (&(from, by), r) in &m.rewrites {
        if r.bytes == 0 {
            continue;
        }
        let by_instr = name(by as usize);
        if m.hashed() || changes_owner_or_mode(&by_instr) {
            out.push(hidden_finding(
                m,
                "reshipped-unchanged",
                r,
                (from, by),
                by_instr.clone(),
                &reshipped_fix(&name(from as usize), &by_instr),
            ));
        } else {
            churn.entry((from, by)).or_default().merge(r);
        }
    }
    for (&(from, by), c) in &churn {
        if c.bytes > 0 {
            out.push(hidden_finding(
                m,
                "layer-churn",
                c,
                (from, by),
                name(from as usize),
                CHURN_FIX,
            ));
        }
    }
    out
}

/// (bytes, node) examples as paths.
fn examples(m: &FsModel, examples: &[(u64, NodeId)]) -> Vec<Example> {
    examples
        .iter()
        .map(|&(bytes, n)| Example {
            path: m.path_string(n),
            bytes,
        })
        .collect()
}

/// A finding of hidden bytes: what layer `from` added and layer `by` hid.
fn hidden_finding(
    m: &FsModel,
    category: &str,
    c: &crate::fs::Churn,
    (from, by): (u16, u16),
    instruction: String,
    fix: &str,
) -> Finding {
    Finding {
        category: category.into(),
        bytes: c.bytes,
        files: c.files,
        compressed_bytes: m.pulled().then_some(c.pull),
        paths: examples(m, &c.examples),
        layers: vec![LayerShare {
            index: from as usize,
            bytes: c.bytes,
        }],
        instruction,
        fix: fix.into(),
        churn: Some((from as usize, by as usize)),
        hashed: m.hashed(),
    }
}

/// An instruction that changes owners or modes (`RUN chown -R node /app`).
fn changes_owner_or_mode(instruction: &str) -> bool {
    instruction.starts_with("RUN ")
        && ["chown ", "chmod ", "chgrp "]
            .iter()
            .any(|w| instruction.contains(w))
}

/// The fix for files a later layer shipped again unchanged. After a chown/chmod:
/// set owner and mode where the files are added (with the owner the chown names).
/// After a copy or a step that rewrote them: leave them out of that step.
fn reshipped_fix(added_by: &str, rewritten_by: &str) -> String {
    let verb = |i: &str| i.split_whitespace().next().unwrap_or("").to_string();
    if changes_owner_or_mode(rewritten_by) {
        let owner = rewritten_by
            .split_once("chown ")
            .and_then(|(_, rest)| rest.split_whitespace().find(|w| !w.starts_with('-')))
            .unwrap_or("USER:GROUP");
        let v = verb(added_by);
        return if v == "COPY" || v == "ADD" {
            format!(
                "Set owner and mode where the files are added: `{v} --chown={owner} …` (and `--chmod=…` for modes), and drop the later chown/chmod, which ships every byte again."
            )
        } else {
            format!(
                "Change owner and mode in the same RUN that writes the files (`chown -R {owner}` at its end), or `COPY --chown={owner}` where they are copied: a later chown/chmod ships every byte again."
            )
        };
    }
    match verb(rewritten_by).as_str() {
        "COPY" | "ADD" => "This copy brings files the image already has, byte for byte: leave them out of it (`.dockerignore`, e.g. `node_modules`), or copy only what the build made.".into(),
        _ => "This step writes files the image already has, byte for byte (a reinstall, a re-extract, a touch): leave them alone in that step, or have the earlier step make the final files.".into(),
    }
}

/// For `examples/vs_crates.rs` only: the rule masks of `paths` (no leading `/`,
/// folders before what is in them) as the findings walk computes them, each folder
/// matched once and inherited: with imgsize's matcher (`hand`), or with every glob
/// in one `globset::GlobSet` (the crate alone). Returns the sum of the masks.
#[doc(hidden)]
pub fn rule_masks(paths: &[String], hand: bool) -> u64 {
    use std::collections::HashMap;
    let matcher = Matcher::new();
    let (mut below_set, mut file_set) = (GlobSetBuilder::new(), GlobSetBuilder::new());
    let (mut below_rule, mut file_rule) = (Vec::new(), Vec::new());
    for (i, r) in RULES.iter().enumerate() {
        for g in r.globs {
            let (set, rules, glob) = match g.strip_suffix("/**") {
                Some(dir) => (&mut below_set, &mut below_rule, dir),
                None => (&mut file_set, &mut file_rule, *g),
            };
            if let Ok(glob) = globset::GlobBuilder::new(glob)
                .literal_separator(true)
                .build()
            {
                set.add(glob);
                rules.push(i);
            }
        }
    }
    let (below_set, file_set) = (
        below_set.build().unwrap_or_else(|_| GlobSet::empty()),
        file_set.build().unwrap_or_else(|_| GlobSet::empty()),
    );
    let mut hits = Vec::new();
    let mut mask_of = |set: &GlobSet, rules: &[usize], path: &str| -> RuleMask {
        set.matches_into(path, &mut hits);
        hits.iter().fold(0, |m, &h| m | 1 << rules[h])
    };
    let mut folders: HashMap<&str, RuleMask> = HashMap::new();
    let mut total = 0u64;
    let mut scratch = Vec::new();
    for path in paths {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        let inherited = match folders.get(dir) {
            Some(&m) => m,
            None => {
                let parent = dir.rsplit_once('/').map_or("", |(d, _)| d);
                let up = folders.get(parent).copied().unwrap_or(0);
                let own = if dir.is_empty() {
                    0
                } else if hand {
                    matcher.below(dir.as_bytes(), &mut scratch)
                } else {
                    mask_of(&below_set, &below_rule, dir)
                };
                folders.insert(dir, up | own);
                up | own
            }
        };
        let file = if hand {
            matcher.file(path, &mut scratch)
        } else {
            mask_of(&file_set, &file_rule, path)
        };
        total += u64::from(inherited | file);
    }
    total
}

/// The category a [`Waste::node_category`] code stands for.
pub(crate) fn category_name(code: u8) -> Option<&'static str> {
    match code {
        0 => None,
        1 => Some("dev-dependencies"),
        c => RULES.get(c as usize - 2).map(|r| r.category),
    }
}

#[cfg(test)]
mod tests {
    use super::matcher::*;
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

    /// Folders are matched on the end of their path (deep paths would otherwise
    /// cost the square of their depth): the folder globs must all be of the
    /// shapes that look only at the end, and give globset's answers below a deep
    /// prefix too.
    #[test]
    fn folder_rules_look_only_at_the_end_of_deep_paths() {
        assert!(Matcher::new().below.only_simple_shapes());
        let deep = "a/".repeat(300) + &"b".repeat(70) + "/";
        for path in [
            "root/.npm/_cacache/content-v2/x",
            "usr/local/share/.cache/yarn/v6/x",
            "x/.yarn/berry/cache/y",
            "app/node_modules/typescript/lib/tsc.js",
            "var/lib/apt/lists/x",
            "usr/local/go/bin/go",
            "go/pkg/mod/x",
            "app/__pycache__/x.pyc",
            "app/.git/objects/x",
        ] {
            // `categories` checks the walk's answer against globset on the whole path.
            categories(path);
            categories(&format!("{deep}{path}"));
        }
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
}
