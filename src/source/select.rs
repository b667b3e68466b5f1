//! Choosing one image manifest among those an input offers: by name (`--image`,
//! `oci:DIR:REF`), by platform (`--platform`, else this machine's, else the only
//! one), and only among those whose blobs are present.

use oci_spec::image::Descriptor;

use super::OpenOptions;

use crate::error::{Error, Result};

/// One image manifest an input offers; `M` says where it is described (an OCI
/// descriptor, or the position of a `manifest.json` entry).
#[derive(Debug, Clone)]
pub(super) struct Candidate<M> {
    pub name: Option<String>,
    /// `org.opencontainers.image.ref.name` (`latest`, as `oci:DIR:latest` names it).
    pub ref_name: Option<String>,
    pub platform: Option<String>,
    pub manifest: M,
    pub available: bool,
}

fn host_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    };
    format!("linux/{arch}")
}

pub(super) fn descriptor_platform(d: &Descriptor) -> Option<String> {
    d.platform().as_ref().map(|p| {
        let base = format!("{}/{}", p.os(), p.architecture());
        match p.variant() {
            Some(v) if !v.is_empty() => format!("{base}/{v}"),
            _ => base,
        }
    })
}

/// `a` matches the wanted platform `want` (a missing variant matches any).
pub(super) fn platform_matches(have: &str, want: &str) -> bool {
    if have == want {
        return true;
    }
    let h: Vec<&str> = have.split('/').collect();
    let w: Vec<&str> = want.split('/').collect();
    h.len() >= 2 && w.len() >= 2 && h[0] == w[0] && h[1] == w[1] && (w.len() == 2 || h.len() == 2)
}

/// Normalizes an image name for comparison: `docker.io/library/app:latest` == `app`.
fn normalize_name(n: &str) -> String {
    let mut s = n.trim().to_string();
    for prefix in ["docker.io/", "index.docker.io/"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_string();
        }
    }
    if let Some(rest) = s.strip_prefix("library/") {
        s = rest.to_string();
    }
    let last = s.rsplit('/').next().unwrap_or("");
    if !last.contains(':') && !s.contains('@') {
        s.push_str(":latest");
    }
    s
}

fn name_matches(have: &Option<String>, want: &str) -> bool {
    match have {
        None => false,
        Some(h) => h == want || normalize_name(h) == normalize_name(want),
    }
}

fn describe<M>(c: &Candidate<M>) -> String {
    match (&c.name, &c.platform) {
        (Some(n), Some(p)) => format!("{n} ({p})"),
        (Some(n), None) => n.clone(),
        (None, Some(p)) => p.clone(),
        (None, None) => "(unnamed)".into(),
    }
}

pub(super) fn choose<M: Clone>(
    mut cands: Vec<Candidate<M>>,
    opts: &OpenOptions,
    label: &str,
) -> Result<Candidate<M>> {
    let all = cands.clone();
    let list = |cs: &[Candidate<M>]| cs.iter().map(describe).collect::<Vec<_>>().join(", ");
    if let Some(want) = &opts.image {
        cands.retain(|c| name_matches(&c.name, want) || c.ref_name.as_deref() == Some(want));
        if cands.is_empty() {
            return Err(Error::selection(
                label,
                format!("no image named '{want}'; the input holds: {}", list(&all)),
            ));
        }
    }
    if let Some(want) = &opts.platform {
        cands.retain(|c| {
            c.platform
                .as_deref()
                .is_none_or(|p| platform_matches(p, want))
        });
        if cands.is_empty() {
            return Err(Error::selection(
                label,
                format!(
                    "no image for platform '{want}'; the input holds: {}",
                    list(&all)
                ),
            ));
        }
    }
    let available: Vec<Candidate<M>> = cands.iter().filter(|c| c.available).cloned().collect();
    if available.is_empty() {
        return Err(Error::missing(
            label,
            format!(
                "the manifest blobs of {} are not in the input",
                list(&cands)
            ),
        ));
    }
    let mut pick = available;
    if pick.len() > 1 && opts.platform.is_none() {
        let host = host_platform();
        let on_host: Vec<Candidate<M>> = pick
            .iter()
            .filter(|c| {
                c.platform
                    .as_deref()
                    .is_some_and(|p| platform_matches(p, &host))
            })
            .cloned()
            .collect();
        if !on_host.is_empty() {
            pick = on_host;
        }
    }
    if pick.len() > 1 {
        let names: std::collections::BTreeSet<_> = pick.iter().map(|c| c.name.clone()).collect();
        let what = if names.len() > 1 {
            "images; choose one with --image"
        } else {
            "platforms; choose one with --platform"
        };
        return Err(Error::selection(
            label,
            format!("the input holds several {what}: {}", list(&pick)),
        ));
    }
    Ok(pick.remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_the_way_docker_shows_them() {
        assert!(name_matches(
            &Some("docker.io/library/app:latest".into()),
            "app"
        ));
        assert!(name_matches(&Some("app:1.0".into()), "app:1.0"));
        assert!(!name_matches(&Some("app:1.0".into()), "app"));
        assert!(name_matches(&Some("ghcr.io/x/y:2".into()), "ghcr.io/x/y:2"));
    }

    #[test]
    fn platforms_match_with_or_without_variant() {
        assert!(platform_matches("linux/arm64/v8", "linux/arm64"));
        assert!(platform_matches("linux/arm64", "linux/arm64/v8"));
        assert!(!platform_matches("linux/arm/v6", "linux/arm/v7"));
        assert!(!platform_matches("linux/amd64", "linux/arm64"));
    }
}
