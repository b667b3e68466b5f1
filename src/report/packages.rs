//! `imgsize packages`: every package the image's records name, as a table, JSON or
//! CSV, optionally of one ecosystem.

use serde::Serialize;

use crate::analysis::packages::{Package, Unowned};

/// Which package manager's packages to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Ecosystem {
    Npm,
    Deb,
    Apk,
    Python,
    Gem,
    Composer,
    Conda,
    Nuget,
    Jar,
    Go,
    Rust,
}

impl Ecosystem {
    pub fn name(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::Deb => "deb",
            Ecosystem::Apk => "apk",
            Ecosystem::Python => "python",
            Ecosystem::Gem => "gem",
            Ecosystem::Composer => "composer",
            Ecosystem::Conda => "conda",
            Ecosystem::Nuget => "nuget",
            Ecosystem::Jar => "jar",
            Ecosystem::Go => "go",
            Ecosystem::Rust => "rust",
        }
    }
}

/// `imgsize packages`: the packages (of one ecosystem, when asked), what no
/// package claims, and each layer's instruction (the table names where a package
/// came from).
#[derive(Debug, Clone, Serialize)]
pub struct PackagesReport {
    pub schema_version: u32,
    pub tool: super::Tool,
    pub input: String,
    pub packages: Vec<Package>,
    pub unowned: Vec<Unowned>,
    #[serde(skip)]
    pub(crate) instructions: Vec<String>,
    /// Only one ecosystem's packages were asked for (the table then leaves the
    /// unowned folders out).
    #[serde(skip)]
    pub(crate) one_ecosystem: bool,
}

impl PackagesReport {
    pub(crate) fn build(
        input: &str,
        a: &crate::analysis::Analysis,
        ecosystem: Option<Ecosystem>,
    ) -> PackagesReport {
        PackagesReport {
            schema_version: super::SCHEMA_VERSION,
            tool: super::TOOL,
            input: input.to_string(),
            packages: a
                .packages
                .packages
                .iter()
                .filter(|p| ecosystem.is_none_or(|e| p.ecosystem == e.name()))
                .cloned()
                .collect(),
            unowned: a.packages.unowned.clone(),
            instructions: a.layers.iter().map(|l| l.instruction.clone()).collect(),
            one_ecosystem: ecosystem.is_some(),
        }
    }
}
