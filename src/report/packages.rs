//! `imgsize packages`: every package the image's records name, as a table, JSON or
//! CSV, optionally of one ecosystem.

use serde::Serialize;

use crate::analysis::packages::{Package, Unowned};

/// How `imgsize packages` writes its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PackagesFormat {
    Table,
    Json,
    Csv,
}

/// Which package manager's packages to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Ecosystem {
    Npm,
    Deb,
    Apk,
    Python,
}

impl Ecosystem {
    pub fn name(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::Deb => "deb",
            Ecosystem::Apk => "apk",
            Ecosystem::Python => "python",
        }
    }
}

#[derive(Serialize)]
struct PackagesJson<'a> {
    schema_version: u32,
    tool: super::Tool,
    input: &'a str,
    packages: Vec<&'a Package>,
    unowned: &'a [Unowned],
}

/// One CSV field: quoted when it holds a separator, quote or line break; a
/// name a spreadsheet would run as a formula (`=`, `+`, `-`, `@`) gets a `'`
/// first, so it opens as text.
fn csv_field(s: &str) -> String {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.parse::<f64>().is_err();
    let s = if formula {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The list in `format`.
pub fn render(
    input: &str,
    packages: &[Package],
    unowned: &[Unowned],
    layers: &[super::inspect::LayerReport],
    ecosystem: Option<Ecosystem>,
    format: PackagesFormat,
) -> String {
    let chosen: Vec<&Package> = packages
        .iter()
        .filter(|p| ecosystem.is_none_or(|e| p.ecosystem == e.name()))
        .collect();
    match format {
        PackagesFormat::Json => super::to_json(&PackagesJson {
            schema_version: super::SCHEMA_VERSION,
            tool: super::TOOL,
            input,
            packages: chosen,
            unowned,
        }),
        PackagesFormat::Csv => {
            let mut out = String::from(
                "ecosystem,name,version,bytes,compressed_bytes,files,dev,optional,peer,layer,path,duplicate_of\n",
            );
            for p in chosen {
                let row = [
                    p.ecosystem.to_string(),
                    p.name.clone(),
                    p.version.clone().unwrap_or_default(),
                    p.bytes.to_string(),
                    p.compressed_bytes
                        .map(|c| c.to_string())
                        .unwrap_or_default(),
                    p.files.to_string(),
                    p.dev.map(|d| d.to_string()).unwrap_or_default(),
                    p.optional.map(|d| d.to_string()).unwrap_or_default(),
                    p.peer.map(|d| d.to_string()).unwrap_or_default(),
                    p.layer.to_string(),
                    p.paths.first().cloned().unwrap_or_default(),
                    p.duplicate_of.clone().unwrap_or_default(),
                ];
                let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
                out.push_str(&line.join(","));
                out.push('\n');
            }
            out
        }
        PackagesFormat::Table => {
            let owned: Vec<Package> = chosen.into_iter().cloned().collect();
            let total: u64 = owned.iter().map(|p| p.bytes).sum();
            let mut out = format!(
                "{} packages, {} (sizes in SI units, 1 MB = 1,000,000 bytes)\n",
                owned.len(),
                crate::size::human(total)
            );
            if owned.is_empty() {
                out.push_str(
                    "No package records found. imgsize reads dpkg's status and .list files, \
                     apk's installed\ndatabase, Python's dist-info RECORD files and each \
                     package.json under a node_modules.\n",
                );
            } else {
                out.push_str(&super::table::packages_table(&owned, owned.len(), layers));
            }
            if ecosystem.is_none() && !unowned.is_empty() {
                out.push_str("\nNot in any package, by folder\n");
                let pull = unowned.iter().any(|u| u.compressed_bytes.is_some());
                let mut t = super::table(if pull {
                    &["Folder", "Size", "Pull"]
                } else {
                    &["Folder", "Size"]
                });
                for u in unowned.iter().take(10) {
                    let mut row = vec![u.path.clone(), crate::size::human(u.bytes)];
                    if let Some(c) = u.compressed_bytes {
                        row.push(crate::size::human(c));
                    }
                    t.add_row(crate::report::row(row));
                }
                super::right_align(&mut t, if pull { &[1, 2] } else { &[1] });
                out.push_str(&format!("{t}\n"));
            }
            out
        }
    }
}
