//! Budgets: `imgsize.toml` (read by serde, each value with its place in the
//! file), dive's `.dive-ci`, and the `check` flags over them, merged and checked
//! here. Every error names the file, the line and the key at fault, or the flag.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::analysis::budget::{Budget, DiveRules};
use crate::analysis::waste::RULES;
use crate::error::Error;
use crate::size::{parse_size, SizeOrPercent};

/// Category names a budget may name.
pub(crate) fn known_categories() -> Vec<&'static str> {
    let mut v: Vec<&str> = vec!["dev-dependencies", "layer-churn", "reshipped-unchanged"];
    v.extend(RULES.iter().map(|r| r.category));
    v
}

/// A ratio from `0.9` or `"90%"`.
pub(crate) fn parse_ratio(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("'{s}' is not a ratio (0.9 or 90%)"))?;
    if !(0.0..=1.0).contains(&v) {
        return Err(format!("'{s}' is not between 0 and 1 (0% and 100%)"));
    }
    Ok(v)
}

/// What an `imgsize.toml` says, beyond the budget itself.
#[derive(Debug, Default, Clone)]
pub struct FileSettings {
    pub budget: Budget,
    pub baseline: Option<String>,
    pub dive_ci: Option<String>,
}

/// `imgsize.toml`, as serde reads it: one `[budget]` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    budget: Option<BudgetToml>,
}

/// `[budget]`: every value with its place in the file, for the errors.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct BudgetToml {
    max_size: Option<Spanned<Number>>,
    max_final_size: Option<Spanned<Number>>,
    max_compressed_size: Option<Spanned<Number>>,
    max_layers: Option<Count>,
    max_hidden: Option<Spanned<Number>>,
    max_growth: Option<Spanned<Number>>,
    min_efficiency: Option<Spanned<Number>>,
    max_package_size: Option<Spanned<Number>>,
    max_duplicate_bytes: Option<Spanned<Number>>,
    forbid: Option<Spanned<Vec<String>>>,
    forbid_packages: Option<Spanned<Vec<String>>>,
    baseline: Option<String>,
    dive_ci: Option<String>,
    categories: Option<BTreeMap<Spanned<String>, Spanned<Number>>>,
    paths: Option<BTreeMap<Spanned<String>, Spanned<Number>>>,
}

/// A size, percentage or ratio as written: a string (`"200MB"`, `"10%"`) or a
/// number (bytes, or a ratio).
enum Number {
    Text(String),
    Int(i64),
    Float(f64),
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Number, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Number;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a size (\"200MB\"), a percentage (\"10%\") or a number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Number, E> {
                Ok(Number::Text(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Number, E> {
                i64::try_from(v)
                    .map(Number::Int)
                    .map_err(|_| E::custom("number too large"))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Number, E> {
                Ok(Number::Float(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// A whole number of 0 or more.
struct Count(u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Count, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Count, E> {
                u64::try_from(v)
                    .map(Count)
                    .map_err(|_| E::custom("expected a whole number"))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Count, E> {
                Ok(Count(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// Errors of one file, each with the line of the value at fault.
struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn line(&self, span: std::ops::Range<usize>) -> usize {
        self.text[..span.start.min(self.text.len())]
            .matches('\n')
            .count()
            + 1
    }

    fn err(&self, span: std::ops::Range<usize>, name: &str, msg: impl std::fmt::Display) -> Error {
        Error::usage(
            self.file,
            format!("line {}: {name}: {msg}", self.line(span)),
        )
    }

    /// serde's error in the file's words: an unknown key or table by its name, a
    /// value of the wrong type by its key.
    fn serde_err(&self, e: toml::de::Error) -> Error {
        let msg = e.message().replace('\n', " ");
        let Some(span) = e.span() else {
            return Error::usage(self.file, format!("not valid TOML: {msg}"));
        };
        let line = self.line(span.clone());
        let key = msg
            .strip_prefix("unknown field `")
            .and_then(|r| r.split_once('`'))
            .map(|(k, _)| k.to_string());
        // serde says `invalid type: X, expected Y`; people read `expected Y, got X`.
        let msg = match msg
            .strip_prefix("invalid type: ")
            .and_then(|r| r.split_once(", expected "))
        {
            Some((got, want)) => format!("expected {want}, got {got}"),
            None => msg,
        };
        let text = match key {
            Some(k) if msg.contains("expected `budget`") => {
                format!("{k}: unknown table (imgsize.toml has one: [budget])")
            }
            Some(k) => format!("budget.{k}: unknown key"),
            None => {
                // The key of the line the value is on.
                let at = self.text.lines().nth(line - 1).unwrap_or("");
                match at.split_once('=') {
                    Some((k, _)) if !at.trim_start().starts_with('[') => {
                        format!("budget.{}: {msg}", k.trim().trim_matches('"'))
                    }
                    _ => format!("not valid TOML: {msg}"),
                }
            }
        };
        Error::usage(self.file, format!("line {line}: {text}"))
    }

    fn size(&self, name: &str, v: &Spanned<Number>) -> Result<u64, Error> {
        match v.get_ref() {
            Number::Text(s) => parse_size(s).map_err(|m| self.err(v.span(), name, m)),
            Number::Int(i) if *i >= 0 => Ok(*i as u64),
            _ => Err(self.err(
                v.span(),
                name,
                "expected a size such as \"200MB\" or a number of bytes",
            )),
        }
    }

    fn size_or_percent(&self, name: &str, v: &Spanned<Number>) -> Result<SizeOrPercent, Error> {
        match v.get_ref() {
            Number::Text(s) => SizeOrPercent::parse(s).map_err(|m| self.err(v.span(), name, m)),
            Number::Int(i) if *i >= 0 => Ok(SizeOrPercent::Bytes(*i as u64)),
            _ => Err(self.err(
                v.span(),
                name,
                "expected a size (\"50MB\") or a percentage (\"10%\")",
            )),
        }
    }

    fn ratio(&self, name: &str, v: &Spanned<Number>) -> Result<f64, Error> {
        let r = match v.get_ref() {
            Number::Float(f) => parse_ratio(&f.to_string()),
            Number::Int(i) => parse_ratio(&i.to_string()),
            Number::Text(t) => parse_ratio(t),
        };
        r.map_err(|m| self.err(v.span(), name, m))
    }

    fn globs(&self, name: &str, v: &Spanned<Vec<String>>) -> Result<Vec<String>, Error> {
        for g in v.get_ref() {
            globset::Glob::new(g)
                .map_err(|e| self.err(v.span(), name, format!("glob '{g}': {e}")))?;
        }
        Ok(v.get_ref().clone())
    }
}

/// Parses an `imgsize.toml`: a `[budget]` table, `[budget.categories]` and
/// `[budget.paths]`.
pub fn parse_toml(text: &str, file: &str) -> Result<FileSettings, Error> {
    let ctx = Ctx { file, text };
    // Syntax first (what is not TOML at all says so), then the typed reading.
    if let Err(e) = toml::from_str::<toml::Table>(text) {
        let at = e
            .span()
            .map(|s| format!("line {}: ", ctx.line(s)))
            .unwrap_or_default();
        let msg = e.message().replace('\n', " ");
        return Err(Error::usage(file, format!("{at}not valid TOML: {msg}")));
    }
    let parsed: FileToml = toml::from_str(text).map_err(|e| ctx.serde_err(e))?;
    let mut out = FileSettings::default();
    let Some(t) = parsed.budget else {
        return Ok(out);
    };
    let size = |name: &str, v: &Option<Spanned<Number>>| {
        v.as_ref()
            .map(|v| ctx.size(&format!("budget.{name}"), v))
            .transpose()
    };
    let percent = |name: &str, v: &Option<Spanned<Number>>| {
        v.as_ref()
            .map(|v| ctx.size_or_percent(&format!("budget.{name}"), v))
            .transpose()
    };
    let b = &mut out.budget;
    b.max_size = size("max-size", &t.max_size)?;
    b.max_final_size = size("max-final-size", &t.max_final_size)?;
    b.max_compressed_size = size("max-compressed-size", &t.max_compressed_size)?;
    b.max_package_size = size("max-package-size", &t.max_package_size)?;
    b.max_duplicate_bytes = size("max-duplicate-bytes", &t.max_duplicate_bytes)?;
    b.max_layers = t.max_layers.map(|c| c.0);
    b.max_hidden = percent("max-hidden", &t.max_hidden)?;
    b.max_growth = percent("max-growth", &t.max_growth)?;
    if let Some(v) = &t.min_efficiency {
        b.min_efficiency = Some(ctx.ratio("budget.min-efficiency", v)?);
    }
    if let Some(v) = &t.forbid {
        b.forbid = ctx.globs("budget.forbid", v)?;
    }
    if let Some(v) = &t.forbid_packages {
        b.forbid_packages = ctx.globs("budget.forbid-packages", v)?;
    }
    for (cat, lim) in t.categories.iter().flatten() {
        let name = format!("budget.categories.{}", cat.get_ref());
        if !known_categories().contains(&cat.get_ref().as_str()) {
            let known = known_categories().join(", ");
            return Err(ctx.err(
                cat.span(),
                &name,
                format!("unknown category (known: {known})"),
            ));
        }
        b.categories
            .push((cat.get_ref().clone(), ctx.size(&name, lim)?));
    }
    for (glob, lim) in t.paths.iter().flatten() {
        let name = format!("budget.paths.{}", glob.get_ref());
        globset::Glob::new(glob.get_ref())
            .map_err(|e| ctx.err(glob.span(), &name, format!("glob: {e}")))?;
        b.paths
            .push((glob.get_ref().clone(), ctx.size(&name, lim)?));
    }
    out.baseline = t.baseline;
    out.dive_ci = t.dive_ci;
    Ok(out)
}

/// Parses a `.dive-ci` file (`rules:` with `lowestEfficiency`, `highestWastedBytes`,
/// `highestUserWastedPercent`). Rules it does not set take dive's defaults (0.9,
/// disabled, 0.1); `disabled` turns one off.
pub fn parse_dive_ci(text: &str, file: &str) -> Result<DiveRules, Error> {
    let mut rules = DiveRules {
        lowest_efficiency: Some(0.9),
        highest_wasted_bytes: None,
        highest_user_wasted_percent: Some(0.1),
    };
    let mut in_rules = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("");
        if line.trim().is_empty() {
            continue;
        }
        let indented = line.starts_with(' ') || line.starts_with('\t');
        if !indented {
            in_rules = line.trim() == "rules:";
            continue;
        }
        if !in_rules {
            continue;
        }
        let err = |m: String| Error::usage(file, format!("line {}: {m}", i + 1));
        let (key, value) = line
            .trim()
            .split_once(':')
            .ok_or_else(|| err(format!("expected 'key: value', got '{}'", line.trim())))?;
        let value = value.trim().trim_matches('"').trim_matches('\'');
        let disabled = value.eq_ignore_ascii_case("disabled");
        match key.trim() {
            "lowestEfficiency" => {
                rules.lowest_efficiency =
                    if disabled {
                        None
                    } else {
                        Some(value.parse().map_err(|_| {
                            err(format!("lowestEfficiency: '{value}' is not a number"))
                        })?)
                    }
            }
            "highestWastedBytes" => {
                rules.highest_wasted_bytes = if disabled {
                    None
                } else {
                    Some(parse_size(value).map_err(|m| err(format!("highestWastedBytes: {m}")))?)
                }
            }
            "highestUserWastedPercent" => {
                rules.highest_user_wasted_percent = if disabled {
                    None
                } else {
                    Some(value.parse().map_err(|_| {
                        err(format!(
                            "highestUserWastedPercent: '{value}' is not a number"
                        ))
                    })?)
                }
            }
            other => return Err(err(format!("unknown dive rule '{other}'"))),
        }
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_budget_file() {
        let text = r#"
[budget]
max-size = "1GB"
max-final-size = 900000000
max-layers = 12
max-hidden = "5%"
min-efficiency = 0.95
forbid = ["**/.env", "/root/.npm/**"]
baseline = "old.json"
max-growth = "10MB"

[budget.categories]
dev-dependencies = "0B"
source-maps = "1MiB"

[budget.paths]
"/app/node_modules/**" = "100MB"
"#;
        let s = parse_toml(text, "imgsize.toml").unwrap();
        let b = &s.budget;
        assert_eq!(b.max_size, Some(1_000_000_000));
        assert_eq!(b.max_final_size, Some(900_000_000));
        assert_eq!(b.max_layers, Some(12));
        assert_eq!(b.max_hidden, Some(SizeOrPercent::Percent(5.0)));
        assert_eq!(b.min_efficiency, Some(0.95));
        assert_eq!(b.forbid.len(), 2);
        assert_eq!(
            b.categories,
            vec![
                ("dev-dependencies".into(), 0),
                ("source-maps".into(), 1 << 20)
            ]
        );
        assert_eq!(b.paths, vec![("/app/node_modules/**".into(), 100_000_000)]);
        assert_eq!(s.baseline.as_deref(), Some("old.json"));
        assert_eq!(b.max_growth, Some(SizeOrPercent::Bytes(10_000_000)));
    }

    fn error_of(text: &str) -> String {
        parse_toml(text, "imgsize.toml").unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_key_and_line() {
        assert_eq!(error_of("[budget]\nmax-size = \"12XB\"\n"), "imgsize.toml: line 2: budget.max-size: '12XB' has an unknown unit 'XB' (use B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)");
        assert!(error_of("[budget]\n\nmax-sise = \"1GB\"\n")
            .starts_with("imgsize.toml: line 3: budget.max-sise: unknown key"));
        assert!(error_of("[budget.categories]\nnode-stuff = \"1MB\"\n")
            .starts_with("imgsize.toml: line 2: budget.categories.node-stuff: unknown category"));
        assert!(error_of("[budget]\nmin-efficiency = 1.5\n")
            .starts_with("imgsize.toml: line 2: budget.min-efficiency:"));
        assert!(error_of("[budget]\nmax-layers = \"ten\"\n")
            .contains("line 2: budget.max-layers: expected a whole number"));
        assert!(error_of("[budget]\nforbid = [\"a{\"]\n").contains("line 2: budget.forbid: glob"));
        assert!(error_of("[budgets]\nmax-size = 1\n").contains("line 1: budgets: unknown table"));
        assert!(
            error_of("[budget]\nmax-size = \n").starts_with("imgsize.toml: line 2: not valid TOML")
        );
    }

    #[test]
    fn dive_ci_files() {
        let r = parse_dive_ci("rules:\n  # comment\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: disabled\n", ".dive-ci").unwrap();
        assert_eq!(
            r,
            DiveRules {
                lowest_efficiency: Some(0.95),
                highest_wasted_bytes: Some(20_000_000),
                highest_user_wasted_percent: None
            }
        );
        let d = parse_dive_ci("rules:\n", ".dive-ci").unwrap();
        assert_eq!(
            d,
            DiveRules {
                lowest_efficiency: Some(0.9),
                highest_wasted_bytes: None,
                highest_user_wasted_percent: Some(0.1)
            }
        );
        let e = parse_dive_ci("rules:\n  lowestEfficiency: high\n", ".dive-ci")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            ".dive-ci: line 2: lowestEfficiency: 'high' is not a number"
        );
        assert!(parse_dive_ci("rules:\n  fastest: 1\n", ".dive-ci").is_err());
    }

    #[test]
    fn ratios() {
        assert_eq!(parse_ratio("90%"), Ok(0.9));
        assert_eq!(parse_ratio("0.5"), Ok(0.5));
        assert!(parse_ratio("120%").is_err());
    }
}

/// Budget rules given as `check` flags, as typed: checked and merged over the
/// file's by [`check_settings`].
#[derive(Debug, Default, Clone)]
pub(crate) struct BudgetFlags {
    pub max_size: Option<String>,
    pub max_final_size: Option<String>,
    pub max_compressed_size: Option<String>,
    pub max_layers: Option<u64>,
    pub max_hidden: Option<String>,
    pub min_efficiency: Option<String>,
    /// `CATEGORY=SIZE`, repeatable.
    pub max_category: Vec<String>,
    pub forbid: Vec<String>,
    /// `GLOB=SIZE`, repeatable.
    pub max_path: Vec<String>,
    pub max_package_size: Option<String>,
    /// Package names or globs, repeatable.
    pub forbid_package: Vec<String>,
    pub max_duplicate_bytes: Option<String>,
    pub baseline: Option<String>,
    pub max_growth: Option<String>,
    pub dive_ci: Option<String>,
}

/// Reads a text file named on the command line or in a budget.
pub(crate) fn read_text(path: &str) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

fn flag_size(flag: &str, v: &Option<String>) -> Result<Option<u64>, Error> {
    v.as_ref()
        .map(|s| parse_size(s).map_err(|m| Error::usage(flag, m)))
        .transpose()
}

fn flag_size_or_percent(flag: &str, v: &Option<String>) -> Result<Option<SizeOrPercent>, Error> {
    v.as_ref()
        .map(|s| SizeOrPercent::parse(s).map_err(|m| Error::usage(flag, m)))
        .transpose()
}

/// `NAME=SIZE` pairs.
fn flag_pairs(flag: &str, items: &[String]) -> Result<Vec<(String, u64)>, Error> {
    items
        .iter()
        .map(|it| {
            let (k, v) = it
                .rsplit_once('=')
                .ok_or_else(|| Error::usage(flag, format!("'{it}' is not NAME=SIZE")))?;
            let size = parse_size(v).map_err(|m| Error::usage(flag, m))?;
            Ok((k.trim().to_string(), size))
        })
        .collect()
}

fn check_glob(flag: &str, glob: &str) -> Result<(), Error> {
    globset::Glob::new(glob)
        .map(|_| ())
        .map_err(|e| Error::usage(flag, format!("glob '{glob}': {e}")))
}

/// What `check` runs with: `config` (else `imgsize.toml` in the current folder, if
/// there is one), then the flags over it, then the `.dive-ci` either names.
pub(crate) fn check_settings(
    config: Option<&str>,
    flags: &BudgetFlags,
) -> Result<FileSettings, Error> {
    let path = match config {
        Some(p) => Some(p.to_string()),
        None => std::path::Path::new("imgsize.toml")
            .exists()
            .then(|| "imgsize.toml".to_string()),
    };
    let mut settings = match &path {
        Some(p) => parse_toml(&read_text(p)?, p)?,
        None => FileSettings::default(),
    };
    apply_flags(&mut settings.budget, flags)?;
    if let Some(p) = flags.dive_ci.clone().or(settings.dive_ci.clone()) {
        settings.budget.dive = Some(parse_dive_ci(&read_text(&p)?, &p)?);
    }
    if flags.baseline.is_some() {
        settings.baseline = flags.baseline.clone();
    }
    if settings.budget.max_growth.is_some() && settings.baseline.is_none() {
        return Err(Error::usage(
            "--max-growth",
            "needs a baseline (--baseline OLD_IMAGE_OR_JSON_REPORT)",
        ));
    }
    if settings.budget.is_empty() {
        return Err(Error::usage(
            "check",
            "no budget: give rules as flags (--max-size 500MB, ...) or in imgsize.toml (see --config)",
        ));
    }
    Ok(settings)
}

/// The flags over the file's budget: a flag replaces the file's value; a
/// category or path limit replaces that category's or glob's; globs add.
fn apply_flags(b: &mut Budget, flags: &BudgetFlags) -> Result<(), Error> {
    if let Some(v) = flag_size("--max-size", &flags.max_size)? {
        b.max_size = Some(v);
    }
    if let Some(v) = flag_size("--max-final-size", &flags.max_final_size)? {
        b.max_final_size = Some(v);
    }
    if let Some(v) = flag_size("--max-compressed-size", &flags.max_compressed_size)? {
        b.max_compressed_size = Some(v);
    }
    if flags.max_layers.is_some() {
        b.max_layers = flags.max_layers;
    }
    if let Some(v) = flag_size_or_percent("--max-hidden", &flags.max_hidden)? {
        b.max_hidden = Some(v);
    }
    if let Some(v) = flag_size_or_percent("--max-growth", &flags.max_growth)? {
        b.max_growth = Some(v);
    }
    if let Some(v) = &flags.min_efficiency {
        b.min_efficiency = Some(parse_ratio(v).map_err(|m| Error::usage("--min-efficiency", m))?);
    }
    for (cat, lim) in flag_pairs("--max-category", &flags.max_category)? {
        if !known_categories().contains(&cat.as_str()) {
            return Err(Error::usage(
                "--max-category",
                format!(
                    "unknown category '{cat}' (known: {})",
                    known_categories().join(", ")
                ),
            ));
        }
        b.categories.retain(|(c, _)| *c != cat);
        b.categories.push((cat, lim));
    }
    for g in &flags.forbid {
        check_glob("--forbid", g)?;
        b.forbid.push(g.clone());
    }
    for (glob, lim) in flag_pairs("--max-path", &flags.max_path)? {
        check_glob("--max-path", &glob)?;
        b.paths.retain(|(g, _)| *g != glob);
        b.paths.push((glob, lim));
    }
    if let Some(v) = flag_size("--max-package-size", &flags.max_package_size)? {
        b.max_package_size = Some(v);
    }
    if let Some(v) = flag_size("--max-duplicate-bytes", &flags.max_duplicate_bytes)? {
        b.max_duplicate_bytes = Some(v);
    }
    for g in &flags.forbid_package {
        check_glob("--forbid-package", g)?;
        b.forbid_packages.push(g.clone());
    }
    Ok(())
}
