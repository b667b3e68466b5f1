//! Ruby gems, by the specification RubyGems writes for each installed gem:
//! `GEM_HOME/specifications/NAME-VERSION[-PLATFORM].gemspec`, its name and version
//! from the spec's `s.name =` and `s.version =` lines (the file name otherwise).
//! A gem's files: its spec, its folder `GEM_HOME/gems/NAME-VERSION/`, its compiled
//! extensions (`GEM_HOME/extensions/*/*/NAME-VERSION/`) and the `.gem` that
//! `gem install` keeps in `GEM_HOME/cache/`. Default gems (`specifications/default/`)
//! are Ruby's own files; a spec dpkg installed stays dpkg's (Debian's ruby-* packages).

use super::{claim, claim_tree, Claims, Context, Package};

/// Files whose content this module reads.
pub(super) fn wants_content(path: &[u8]) -> bool {
    spec_parts(path).is_some()
}

/// A gem spec's GEM_HOME and `NAME-VERSION[-PLATFORM]`.
fn spec_parts(path: &[u8]) -> Option<(&[u8], &[u8])> {
    let stem = path.strip_suffix(b".gemspec")?;
    let cut = stem.iter().rposition(|&b| b == b'/')?;
    let (dir, file) = (&stem[..cut], &stem[cut + 1..]);
    let home = dir.strip_suffix(b"/specifications")?;
    Some((home, file))
}

/// `name` and `version` from a gemspec RubyGems wrote (`s.name = "rake".freeze`).
fn from_spec(text: &str) -> (Option<String>, Option<String>) {
    let field = |key: &str| {
        text.lines().find_map(|l| {
            let rest = l.trim().strip_prefix(key)?.trim_start().strip_prefix('=')?;
            let q = rest.trim_start().strip_prefix('"')?;
            Some(q.split('"').next()?.to_string())
        })
    };
    (field("s.name"), field("s.version"))
}

/// `NAME` and `VERSION` of `NAME-VERSION[-PLATFORM]`: the version starts at the
/// first `-` followed by a digit.
fn from_file_name(stem: &str) -> (String, Option<String>) {
    let b = stem.as_bytes();
    match (1..b.len()).find(|&i| b[i - 1] == b'-' && b[i].is_ascii_digit()) {
        Some(i) => {
            let rest = &stem[i..];
            let version = rest.split('-').next().unwrap_or(rest);
            (stem[..i - 1].to_string(), Some(version.to_string()))
        }
        None => (stem.to_string(), None),
    }
}

/// Every gem in the image onto `out`, each claiming its files.
pub(super) fn find(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    let m = ctx.model;
    // The specs no manager claimed before this one runs (they borrow the
    // context, not the claims).
    let specs: Vec<_> = ctx
        .visible_all(|p| spec_parts(p).is_some())
        .filter(|(_, _, n)| !claimed.is_claimed(*n))
        .map(|(c, layer, _)| (c, layer))
        .collect();
    for (spec, layer) in specs {
        let (path, text) = (&spec.path, String::from_utf8_lossy(&spec.data));
        let Some((home, stem)) = spec_parts(path) else {
            continue;
        };
        let stem = String::from_utf8_lossy(stem).into_owned();
        let (fname, fversion) = from_file_name(&stem);
        let (name, version) = from_spec(&text);
        let (mut bytes, mut files) = (0, 0);
        let home_s = String::from_utf8_lossy(home).into_owned();
        if let Some(c) = claim(ctx, claimed, out, path) {
            c.add_to(&mut files, &mut bytes);
        }
        // The folder is NAME-VERSION[-PLATFORM], as the spec's file.
        let folder = format!("{home_s}/gems/{stem}");
        claim_tree(
            ctx,
            claimed,
            out,
            folder.as_bytes(),
            (&mut files, &mut bytes),
        );
        if let Some(c) = claim(
            ctx,
            claimed,
            out,
            format!("{home_s}/cache/{stem}.gem").as_bytes(),
        ) {
            c.add_to(&mut files, &mut bytes);
        }
        // extensions/PLATFORM/ABI/NAME-VERSION
        if let Some(ext) = m
            .tree
            .lookup(&m.names, format!("{home_s}/extensions").as_bytes())
        {
            let platforms: Vec<_> = m.tree.children(ext).collect();
            for p in platforms {
                let abis: Vec<_> = m.tree.children(p).collect();
                for abi in abis {
                    let mut dir = m.tree.path(&m.names, abi);
                    dir.push(b'/');
                    dir.extend_from_slice(stem.as_bytes());
                    claim_tree(ctx, claimed, out, &dir, (&mut files, &mut bytes));
                }
            }
        }
        out.push(Package {
            bytes,
            files,
            ..Package::new(
                "gem",
                name.unwrap_or(fname),
                version.or(fversion),
                layer,
                format!("/{}", String::from_utf8_lossy(path)),
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_specs_and_file_names() {
        let spec = "# -*- encoding: utf-8 -*-\nGem::Specification.new do |s|\n  s.name = \"nokogiri\".freeze\n  s.version = \"1.15.4\"\n  s.platform = \"x86_64-linux\".freeze\n";
        assert_eq!(
            from_spec(spec),
            (Some("nokogiri".into()), Some("1.15.4".into()))
        );
        assert_eq!(
            from_file_name("nokogiri-1.15.4-x86_64-linux"),
            ("nokogiri".into(), Some("1.15.4".into()))
        );
        assert_eq!(
            from_file_name("net-http-persistent-4.0.2"),
            ("net-http-persistent".into(), Some("4.0.2".into()))
        );
        assert!(wants_content(
            b"usr/local/bundle/specifications/rake-13.0.6.gemspec"
        ));
        assert!(!wants_content(b"app/rake.gemspec"));
    }
}
