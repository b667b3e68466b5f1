//! The CSV renderer: `packages`, one row per package with a header row.

use super::packages::PackagesReport;
use super::Renderer;

/// `--format csv`.
pub(crate) struct Csv;

impl Renderer for Csv {
    fn packages(&self, r: &PackagesReport) -> Option<String> {
        let mut out = String::from(
            "ecosystem,name,version,bytes,compressed_bytes,files,dev,optional,peer,layer,path,duplicate_of,other_versions,modules\n",
        );
        let flag = |b: Option<bool>| b.map(|d| d.to_string()).unwrap_or_default();
        for p in &r.packages {
            let row = [
                p.ecosystem.to_string(),
                p.name.clone(),
                p.version.clone().unwrap_or_default(),
                p.bytes.to_string(),
                p.compressed_bytes
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                p.files.to_string(),
                flag(p.dev),
                flag(p.optional),
                flag(p.peer),
                p.layer.to_string(),
                p.paths.first().cloned().unwrap_or_default(),
                p.duplicate_of.clone().unwrap_or_default(),
                p.other_versions.join(" "),
                p.modules.join(" "),
            ];
            let line: Vec<String> = row.iter().map(|f| field(f)).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        }
        Some(out)
    }
}

/// One CSV field: quoted when it holds a separator, quote or line break; a
/// name a spreadsheet would run as a formula (`=`, `+`, `-`, `@`) gets a `'`
/// first, so it opens as text.
fn field(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(super::field("plain"), "plain");
        assert_eq!(super::field("a,b"), "\"a,b\"");
        assert_eq!(super::field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(super::field("=1+1"), "'=1+1");
        assert_eq!(super::field("-5"), "-5");
    }
}
