//! Alpine packages: `lib/apk/db/installed` (`P:` name, `V:` version, `I:`
//! installed size, `F:` folder, `R:` file in it).

use super::{claim, Claims, Context, Package};

/// Every Alpine package in the image onto `out`, each claiming its files.
pub(super) fn find(ctx: &Context, claimed: &mut Claims, out: &mut Vec<Package>) {
    let Some((c, layer, _)) = ctx.visible(b"lib/apk/db/installed") else {
        return;
    };
    let text = String::from_utf8_lossy(&c.data);
    for record in text.split("\n\n") {
        let (mut name, mut version, mut folder) = (None, None, String::new());
        let (mut bytes, mut files, mut size) = (0, 0, None);
        // A record without a name claims nothing: its files stay unowned.
        if !record.lines().any(|l| l.starts_with("P:")) {
            continue;
        }
        for line in record.lines() {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            match k {
                "P" => name = Some(v.to_string()),
                "V" => version = Some(v.to_string()),
                "I" => size = v.parse::<u64>().ok(),
                "F" => folder = v.to_string(),
                "R" => {
                    let p = if folder.is_empty() {
                        v.to_string()
                    } else {
                        format!("{folder}/{v}")
                    };
                    if let Some(c) = claim(ctx, claimed, out, p.as_bytes()) {
                        c.add_to(&mut files, &mut bytes);
                    }
                }
                _ => {}
            }
        }
        if let Some(name) = name {
            out.push(Package {
                bytes,
                files,
                installed_size: size,
                ..Package::new("apk", name, version, layer, "/lib/apk/db/installed".into())
            });
        }
    }
}
