//! The rules' globs, compiled for one walk of the tree.

use globset::{GlobSet, GlobSetBuilder};

use super::rules::RULES;

/// The rules' globs, compiled for a walk of the tree. A glob that ends in `/**` holds
/// for everything below the folders that match the rest of it, so that rest is
/// matched once per folder and inherited by what is below; the other globs are
/// matched against each file. Same answers as matching every glob against every
/// file path (the unit tests check that), at a fraction of the cost.
pub(super) struct Matcher {
    pub(super) below: Globs,
    pub(super) file: Globs,
}

/// One bit per rule of [`RULES`].
pub(super) type RuleMask = u32;

impl Matcher {
    pub(super) fn new() -> Matcher {
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
    ///
    /// Every folder of the tree is asked, and a crafted path can be thousands of
    /// folders deep: were each folder's whole path read, time would grow with the
    /// square of the depth. The folder globs are names, literal ends and literal
    /// wholes (a unit test holds them to it), so only the end of the path matters:
    /// its last component and as many bytes before it as the longest literal.
    pub(super) fn below(&self, dir: &[u8], hits: &mut Vec<usize>) -> RuleMask {
        let keep = self.below.longest + 1;
        if dir.len() <= keep || !self.below.other.is_empty() {
            return self.below.mask(&crate::text::path_str(dir), true, hits);
        }
        // The tail starts after a `/`, so a literal end that fills the tail is
        // still preceded by a `/` in the whole path.
        let cut = dir.len() - keep;
        let start = dir[..cut]
            .iter()
            .rposition(|&b| b == b'/')
            .map_or(0, |i| i + 1);
        self.below
            .mask(&crate::text::path_str(&dir[start..]), start == 0, hits)
    }

    /// The rules a file's own path (no leading `/`) matches.
    pub(super) fn file(&self, path: &str, hits: &mut Vec<usize>) -> RuleMask {
        self.file.mask(path, true, hits)
    }

    /// Every rule `path` matches, its folders taken one by one as the walk does.
    #[cfg(test)]
    pub(super) fn rules_of(&self, path: &str) -> RuleMask {
        let mut hits = Vec::new();
        let mut mask = 0;
        for (i, _) in path.match_indices('/') {
            mask |= self.below(&path.as_bytes()[..i], &mut hits);
        }
        mask | self.file(path, &mut hits)
    }
}

/// A rule glob in one of the shapes the rules use, matched without the general
/// glob machinery (a third of the time of a walk went there): `**/NAME` (NAME with
/// `*` wildcards and no `/`) looks at the last component; `**/a/b` and `a/b`
/// without wildcards are literal ends and wholes of the path.
#[derive(Debug, PartialEq)]
pub(super) enum Pattern {
    /// The last component, split at each `*`.
    Name(Vec<String>),
    /// The path is this, or ends with `/` and this.
    Suffix(String),
    Exact(String),
}

impl Pattern {
    /// `None` for a glob of another shape (globset then matches it).
    pub(super) fn of(glob: &str) -> Option<Pattern> {
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

    /// Whether `path` (ending in `name`) matches; `whole` is false when `path` is
    /// only the end of the path, after a `/` (a literal whole cannot match then).
    pub(super) fn matches(&self, path: &str, name: &str, whole: bool) -> bool {
        match self {
            Pattern::Name(pieces) => wildcard(pieces, name),
            Pattern::Suffix(s) => {
                let (path, s) = (path.as_bytes(), s.as_bytes());
                path.len() >= s.len()
                    && same(&path[path.len() - s.len()..], s)
                    && (path.len() == s.len() || path[path.len() - s.len() - 1] == b'/')
            }
            Pattern::Exact(s) => whole && path == s,
        }
    }
}

/// `pieces` (a pattern split at each `*`) matches all of `text`.
pub(super) fn wildcard(pieces: &[String], text: &str) -> bool {
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
pub(super) struct Globs {
    /// Name patterns that end with a wildcard, and the other patterns: always tried.
    always: Vec<(Pattern, usize)>,
    /// Name patterns ending in a literal, and the last two bytes of that literal.
    by_end: Vec<(Pattern, usize, [u8; 2])>,
    /// Bit `u16::from_be_bytes(end)` set for each of `by_end`'s ends.
    ends: Vec<u64>,
    other: GlobSet,
    other_rule: Vec<usize>,
    /// The longest literal of the `Suffix` and `Exact` patterns.
    longest: usize,
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
            longest: 0,
        };
        let mut other = GlobSetBuilder::new();
        for &(glob, rule) in globs {
            if let Some(Pattern::Suffix(l) | Pattern::Exact(l)) = Pattern::of(glob) {
                g.longest = g.longest.max(l.len());
            }
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

    /// No glob needs the general matcher (which reads the whole path).
    #[cfg(test)]
    pub(super) fn only_simple_shapes(&self) -> bool {
        self.other_rule.is_empty()
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.always.len() + self.by_end.len() + self.other_rule.len()
    }

    /// The rules whose globs match `path` (relative, no leading `/`; with `whole`
    /// false, the end of one after a `/`).
    fn mask(&self, path: &str, whole: bool, hits: &mut Vec<usize>) -> RuleMask {
        let name = path.rsplit('/').next().unwrap_or(path);
        let mut mask = 0;
        for (p, rule) in &self.always {
            if p.matches(path, name, whole) {
                mask |= 1 << rule;
            }
        }
        if let [.., a, b] = name.as_bytes() {
            let end = [*a, *b];
            let (word, bit) = end_bit(end);
            if self.ends[word] & bit != 0 {
                for (p, rule, e) in &self.by_end {
                    if *e == end && p.matches(path, name, whole) {
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
