//! Size budgets: rules checked against one analysed image.

use globset::{Glob, GlobMatcher};
use serde::Serialize;

use super::waste::Waste;
use super::Analysis;
use crate::size::SizeOrPercent;

/// Budgets, from flags and/or a config file. `None` means "no rule".
#[derive(Debug, Clone, Default)]
pub struct Budget {
    pub max_size: Option<u64>,
    pub max_final_size: Option<u64>,
    pub max_compressed_size: Option<u64>,
    pub max_layers: Option<u64>,
    pub max_hidden: Option<SizeOrPercent>,
    /// dive's efficiency, 0..1.
    pub min_efficiency: Option<f64>,
    /// Per waste category: (category, limit).
    pub categories: Vec<(String, u64)>,
    /// Paths that must not be in the final filesystem.
    pub forbid: Vec<String>,
    /// Per glob: the most bytes the matching final files may hold.
    pub paths: Vec<(String, u64)>,
    /// Growth of layer_bytes over the baseline's.
    pub max_growth: Option<SizeOrPercent>,
    /// The most bytes any one package may hold.
    pub max_package_size: Option<u64>,
    /// Package names (globs: `@types/*`) that must not be installed.
    pub forbid_packages: Vec<String>,
    /// The most bytes duplicate content may waste (needs the contents hashed).
    pub max_duplicate_bytes: Option<u64>,
    /// dive's CI rules, with dive's semantics.
    pub dive: Option<DiveRules>,
}

/// `.dive-ci` rules; `None` is "disabled".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiveRules {
    pub lowest_efficiency: Option<f64>,
    pub highest_wasted_bytes: Option<u64>,
    pub highest_user_wasted_percent: Option<f64>,
}

impl Budget {
    pub(crate) fn is_empty(&self) -> bool {
        self.max_size.is_none()
            && self.max_final_size.is_none()
            && self.max_compressed_size.is_none()
            && self.max_layers.is_none()
            && self.max_hidden.is_none()
            && self.min_efficiency.is_none()
            && self.categories.is_empty()
            && self.forbid.is_empty()
            && self.paths.is_empty()
            && self.max_growth.is_none()
            && self.max_package_size.is_none()
            && self.forbid_packages.is_empty()
            && self.max_duplicate_bytes.is_none()
            && self.dive.is_none()
    }
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
}

/// A rule's actual figure, as a fact; the report words it.
#[derive(Debug, Clone, PartialEq)]
pub enum Actual {
    Bytes(u64),
    Count(u64),
    /// A ratio shown as a percentage (dive's efficiency for `min-efficiency`).
    Ratio(f64),
    /// A number shown as dive's CI prints it.
    Plain(f64),
    /// Files matching a forbidden glob, and their bytes.
    Files {
        count: usize,
        bytes: u64,
    },
    /// Installed packages matching a forbidden name, and their bytes.
    Packages {
        count: usize,
        bytes: u64,
    },
    /// Growth over the baseline's size.
    Growth {
        delta: i128,
        from: u64,
        to: u64,
    },
}

/// A rule's limit, as a fact.
#[derive(Debug, Clone, PartialEq)]
pub enum Limit {
    /// At most this many bytes.
    Bytes(u64),
    /// At most a percentage of `of` bytes, which is `bytes`.
    PercentOf {
        percent: f64,
        of: u64,
        bytes: u64,
    },
    /// At most a percentage of the baseline, which is `bytes`.
    Percent {
        percent: f64,
        bytes: u64,
    },
    AtMostCount(u64),
    AtLeastRatio(f64),
    AtLeastPlain(f64),
    AtMostPlain(f64),
    /// Nothing may match.
    Nothing,
}

/// One rule's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleResult {
    /// The rule's name, as the flag and config key spell it (`max-size`,
    /// `categories.dev-dependencies`, `dive.lowestEfficiency`).
    pub rule: String,
    pub status: Status,
    pub actual: Actual,
    pub limit: Limit,
    /// The same as numbers (bytes, a count or a ratio).
    pub actual_value: f64,
    pub limit_value: f64,
    /// What is at fault, when something is: paths and their bytes.
    pub details: Vec<(String, u64)>,
}

fn sized(rule: &str, actual: u64, limit: u64) -> RuleResult {
    RuleResult {
        rule: rule.into(),
        status: if actual <= limit {
            Status::Pass
        } else {
            Status::Fail
        },
        actual: Actual::Bytes(actual),
        limit: Limit::Bytes(limit),
        actual_value: actual as f64,
        limit_value: limit as f64,
        details: Vec::new(),
    }
}

/// The final filesystem's files: (path with a leading `/`, bytes).
fn final_files(a: &Analysis) -> Vec<(String, u64)> {
    let u = &a.usage;
    let mut out = Vec::new();
    u.for_each_path(&a.model, |n, path| {
        if u.owner[n as usize] {
            out.push((
                crate::text::path_str(path).into_owned(),
                u.totals[n as usize].bytes,
            ));
        }
    });
    out
}

fn matcher(glob: &str) -> Result<GlobMatcher, String> {
    Glob::new(glob)
        .map(|g| g.compile_matcher())
        .map_err(|e| format!("glob '{glob}': {e}"))
}

/// `name@version` (or the name alone), and where it is installed.
fn package_label(p: &super::packages::Package) -> String {
    let name = match &p.version {
        Some(v) => format!("{} {}@{v}", p.ecosystem, p.name),
        None => format!("{} {}", p.ecosystem, p.name),
    };
    match p.paths.first() {
        Some(at) if p.ecosystem == "npm" => format!("{name} at {at}"),
        _ => name,
    }
}

/// `max-package-size`, `forbid-packages` and `max-duplicate-bytes`.
fn package_rules(b: &Budget, a: &Analysis, out: &mut Vec<RuleResult>) -> Result<(), String> {
    let packages = &a.packages.packages;
    if let Some(l) = b.max_package_size {
        // Packages come largest first.
        let largest = packages.first().map_or(0, |p| p.bytes);
        let mut r = sized("max-package-size", largest, l);
        r.details = packages
            .iter()
            .take_while(|p| p.bytes > l)
            .take(5)
            .map(|p| (package_label(p), p.bytes))
            .collect();
        out.push(r);
    }
    for g in &b.forbid_packages {
        let m = matcher(g)?;
        let hits: Vec<_> = packages.iter().filter(|p| m.is_match(&p.name)).collect();
        let bytes = hits.iter().map(|p| p.bytes).sum();
        out.push(RuleResult {
            rule: format!("forbid-packages {g}"),
            status: if hits.is_empty() {
                Status::Pass
            } else {
                Status::Fail
            },
            actual: Actual::Packages {
                count: hits.len(),
                bytes,
            },
            limit: Limit::Nothing,
            actual_value: hits.len() as f64,
            limit_value: 0.0,
            details: hits
                .iter()
                .take(5)
                .map(|p| (package_label(p), p.bytes))
                .collect(),
        });
    }
    if let Some(l) = b.max_duplicate_bytes {
        let d = a
            .duplicates
            .as_ref()
            .ok_or("max-duplicate-bytes needs the contents hashed (--content)")?;
        let mut r = sized("max-duplicate-bytes", d.bytes, l);
        if r.status == Status::Fail {
            r.details = d
                .groups
                .iter()
                .take(5)
                .map(|g| {
                    let more = g.paths.len() - 1;
                    (format!("{} and {more} more", g.paths[0]), g.bytes)
                })
                .collect();
        }
        out.push(r);
    }
    Ok(())
}

/// Checks every rule; `baseline_bytes` is the baseline's layer_bytes. The rules
/// come out in a fixed order: sizes, categories, paths, packages, growth, dive's.
pub(crate) fn check(
    b: &Budget,
    a: &Analysis,
    waste: &Waste,
    baseline_bytes: Option<u64>,
) -> Result<Vec<RuleResult>, String> {
    let mut out = Vec::new();
    size_rules(b, a, &mut out)?;
    category_rules(b, waste, &mut out);
    path_rules(b, a, &mut out)?;
    package_rules(b, a, &mut out)?;
    if let Some(l) = b.max_growth {
        let base = baseline_bytes
            .ok_or("max-growth needs a baseline (--baseline OLD_IMAGE_OR_JSON_REPORT)")?;
        out.push(growth_rule(a.layer_bytes(), base, l));
    }
    if let Some(d) = &b.dive {
        dive_rules(d, a, &mut out);
    }
    Ok(out)
}

/// A rule on a number that is not a size: a count or a ratio.
fn plain(rule: &str, pass: bool, actual: Actual, limit: Limit, values: (f64, f64)) -> RuleResult {
    RuleResult {
        rule: rule.into(),
        status: if pass { Status::Pass } else { Status::Fail },
        actual,
        limit,
        actual_value: values.0,
        limit_value: values.1,
        details: Vec::new(),
    }
}

/// `max-size`, `max-final-size`, `max-compressed-size`, `max-layers`,
/// `max-hidden`, `min-efficiency`.
fn size_rules(b: &Budget, a: &Analysis, out: &mut Vec<RuleResult>) -> Result<(), String> {
    let layer_bytes = a.layer_bytes();
    if let Some(l) = b.max_size {
        out.push(sized("max-size", layer_bytes, l));
    }
    if let Some(l) = b.max_final_size {
        out.push(sized("max-final-size", a.final_bytes(), l));
    }
    if let Some(l) = b.max_compressed_size {
        let c = a.compressed_bytes().ok_or(
            "max-compressed-size: the image's layers are stored uncompressed, so its pull size is unknown (check an OCI layout or a registry export instead)",
        )?;
        out.push(sized("max-compressed-size", c, l));
    }
    if let Some(l) = b.max_layers {
        let n = a.layers.len() as u64;
        let values = (n as f64, l as f64);
        out.push(plain(
            "max-layers",
            n <= l,
            Actual::Count(n),
            Limit::AtMostCount(l),
            values,
        ));
    }
    if let Some(l) = b.max_hidden {
        let mut r = sized("max-hidden", a.hidden_bytes(), l.bytes_of(layer_bytes));
        if let SizeOrPercent::Percent(p) = l {
            r.limit = Limit::PercentOf {
                percent: p,
                of: layer_bytes,
                bytes: l.bytes_of(layer_bytes),
            };
        }
        out.push(r);
    }
    if let Some(l) = b.min_efficiency {
        let e = a.dive.efficiency;
        let (actual, limit) = (Actual::Ratio(e), Limit::AtLeastRatio(l));
        out.push(plain("min-efficiency", e >= l, actual, limit, (e, l)));
    }
    Ok(())
}

/// `categories.<name>`: the bytes of each waste category, with the largest paths
/// when over.
fn category_rules(b: &Budget, waste: &Waste, out: &mut Vec<RuleResult>) {
    for (cat, l) in &b.categories {
        let fs: Vec<_> = waste
            .findings
            .iter()
            .filter(|f| &f.category == cat)
            .collect();
        let bytes = fs.iter().map(|f| f.bytes).sum();
        let mut r = sized(&format!("categories.{cat}"), bytes, *l);
        if r.status == Status::Fail {
            r.details = fs
                .iter()
                .flat_map(|f| f.paths.iter().map(|p| (p.path.clone(), p.bytes)))
                .take(5)
                .collect();
        }
        out.push(r);
    }
}

/// `forbid <glob>` and `paths <glob>` over the final filesystem's files.
fn path_rules(b: &Budget, a: &Analysis, out: &mut Vec<RuleResult>) -> Result<(), String> {
    if b.forbid.is_empty() && b.paths.is_empty() {
        return Ok(());
    }
    let files = final_files(a);
    for g in &b.forbid {
        let m = matcher(g)?;
        let mut hits: Vec<&(String, u64)> = files.iter().filter(|(p, _)| m.is_match(p)).collect();
        hits.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        let bytes: u64 = hits.iter().map(|(_, b)| b).sum();
        out.push(RuleResult {
            details: hits.iter().take(5).map(|(p, b)| (p.clone(), *b)).collect(),
            ..plain(
                &format!("forbid {g}"),
                hits.is_empty(),
                Actual::Files {
                    count: hits.len(),
                    bytes,
                },
                Limit::Nothing,
                (hits.len() as f64, 0.0),
            )
        });
    }
    for (g, l) in &b.paths {
        let m = matcher(g)?;
        let bytes: u64 = files
            .iter()
            .filter(|(p, _)| m.is_match(p))
            .map(|(_, b)| b)
            .sum();
        out.push(sized(&format!("paths {g}"), bytes, *l));
    }
    Ok(())
}

/// `max-growth` over the baseline's size `base`.
fn growth_rule(layer_bytes: u64, base: u64, l: SizeOrPercent) -> RuleResult {
    let growth = i128::from(layer_bytes) - i128::from(base);
    let limit = l.bytes_of(base);
    plain(
        "max-growth",
        growth <= i128::from(limit),
        Actual::Growth {
            delta: growth,
            from: base,
            to: layer_bytes,
        },
        match l {
            SizeOrPercent::Percent(p) => Limit::Percent {
                percent: p,
                bytes: limit,
            },
            SizeOrPercent::Bytes(_) => Limit::Bytes(limit),
        },
        (growth as f64, limit as f64),
    )
}

/// dive's CI rules. dive's comparisons are strict, and NaN compares false (a pass).
fn dive_rules(d: &DiveRules, a: &Analysis, out: &mut Vec<RuleResult>) {
    if let Some(l) = d.lowest_efficiency {
        let e = a.dive.efficiency;
        let (actual, limit) = (Actual::Plain(e), Limit::AtLeastPlain(l));
        let pass = e.partial_cmp(&l) != Some(std::cmp::Ordering::Less);
        out.push(plain("dive.lowestEfficiency", pass, actual, limit, (e, l)));
    }
    if let Some(l) = d.highest_wasted_bytes {
        let w = a.dive.wasted_bytes;
        let (actual, limit) = (Actual::Bytes(w), Limit::Bytes(l));
        out.push(plain(
            "dive.highestWastedBytes",
            w <= l,
            actual,
            limit,
            (w as f64, l as f64),
        ));
    }
    if let Some(l) = d.highest_user_wasted_percent {
        let p = a.dive.user_wasted_percent;
        let (actual, limit) = (Actual::Plain(p), Limit::AtMostPlain(l));
        let pass = p.partial_cmp(&l) != Some(std::cmp::Ordering::Greater);
        out.push(plain(
            "dive.highestUserWastedPercent",
            pass,
            actual,
            limit,
            (p, l),
        ));
    }
}
