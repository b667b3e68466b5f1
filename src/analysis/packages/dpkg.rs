//! Debian packages: `var/lib/dpkg/status` (or distroless `status.d/`) names
//! the installed packages, `info/<pkg>[:arch].list` their files; bytes are what
//! those files hold in the final filesystem, with dpkg's own `Installed-Size`
//! beside them.

use super::{claim, lines, Claims, Context, Package};

fn field<'a>(stanza: &'a str, key: &str) -> Option<&'a str> {
    stanza.lines().find_map(|l| {
        l.strip_prefix(key)
            .and_then(|r| r.strip_prefix(':'))
            .map(str::trim)
    })
}

/// Every Debian package in the image onto `out`, each claiming its files.
pub(super) fn find(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    let mut stanzas: Vec<(String, usize)> = Vec::new();
    if let Some((c, layer, _)) = ctx.visible(b"var/lib/dpkg/status") {
        let text = String::from_utf8_lossy(&c.data);
        stanzas.extend(text.split("\n\n").map(|s| (s.to_string(), layer)));
    }
    for (c, layer, _) in ctx.visible_all(|p| p.starts_with(b"var/lib/dpkg/status.d/")) {
        let text = String::from_utf8_lossy(&c.data);
        stanzas.extend(text.split("\n\n").map(|s| (s.to_string(), layer)));
    }
    for (stanza, status_layer) in stanzas {
        let Some(name) = field(&stanza, "Package") else {
            continue;
        };
        if field(&stanza, "Status").is_some_and(|s| !s.ends_with(" installed")) {
            continue;
        }
        let arch = field(&stanza, "Architecture").unwrap_or("");
        let lists = [
            format!("var/lib/dpkg/info/{name}:{arch}.list"),
            format!("var/lib/dpkg/info/{name}.list"),
        ];
        let (mut bytes, mut files, mut layer) = (0, 0, status_layer);
        let mut record = "/var/lib/dpkg/status".to_string();
        if let Some((c, l, _)) = lists.iter().find_map(|p| ctx.visible(p.as_bytes())) {
            layer = l;
            record = format!("/{}", String::from_utf8_lossy(&c.path));
            for line in lines(&c.data) {
                let p = line.trim_ascii();
                let p = &p[p.iter().take_while(|&&b| b == b'/').count()..];
                if p.is_empty() || p == b"." {
                    continue;
                }
                if let Some(c) = claim(ctx, claimed, out, p) {
                    c.add_to(&mut files, &mut bytes);
                }
            }
        }
        let version = field(&stanza, "Version").map(str::to_string);
        out.push(Package {
            bytes,
            files,
            installed_size: field(&stanza, "Installed-Size")
                .and_then(|s| s.parse::<u64>().ok())
                .map(|k| k * 1024),
            ..Package::new("deb", name.to_string(), version, layer, record)
        });
    }
}
