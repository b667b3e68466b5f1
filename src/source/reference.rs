//! What the user named: a path, a transport-prefixed name as skopeo spells them
//! (`docker-daemon:`, `podman:`, `docker://`, `docker-archive:`, `oci:`,
//! `oci-archive:`), or a bare image reference (`app:latest`, `node:22-slim`,
//! `ghcr.io/org/app@sha256:…`) that the engine or a registry resolves.

use std::path::Path;

use crate::error::{Error, Result};

/// Where `--source` says to read an image from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SourceKind {
    /// A path that exists; else, for a bare reference, the engine if one answers and
    /// has the image, else the registry.
    #[default]
    Auto,
    File,
    Engine,
    Registry,
}

/// Which engine a name is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EngineKind {
    /// `DOCKER_HOST`, the current docker context, `/var/run/docker.sock`, then Podman's.
    Any,
    /// `docker-daemon:`: Docker's sockets only.
    Docker,
    /// `podman:`: Podman's sockets only.
    Podman,
}

/// The input, once its transport is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A file or directory, or `-` (stdin); `image` picks a name inside it
    /// (`oci:DIR:REF`).
    File {
        path: String,
        image: Option<String>,
    },
    Engine {
        engine: EngineKind,
        name: String,
    },
    Registry(Reference),
    /// A bare reference: the engine if one answers and has it, else the registry.
    EngineOrRegistry(Reference),
    /// `containers-storage:[driver@graphroot+runroot]NAME`: read from that storage
    /// (or `--storage-root`, or storage.conf's) with no daemon.
    Storage {
        root: Option<String>,
        name: String,
    },
}

/// A parsed image reference, normalized as docker does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    /// The registry host as written (`docker.io`, `127.0.0.1:5000`, `ghcr.io`).
    pub registry: String,
    /// The repository path (`library/node`, `org/app`).
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl Reference {
    /// Parses `[host[:port]/]path[:tag][@alg:hex]`.
    pub(crate) fn parse(s: &str) -> std::result::Result<Reference, String> {
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                check_digest(d)?;
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        let (name, tag) = match rest.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n, Some(t.to_string())),
            _ => (rest, None),
        };
        if let Some(t) = &tag {
            let ok = !t.is_empty()
                && t.len() <= 128
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
                && !t.starts_with(['.', '-']);
            if !ok {
                return Err(format!("'{t}' is not a valid tag"));
            }
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, path))
                if first.contains(['.', ':']) || first == "localhost" || first.starts_with('[') =>
            {
                (first.to_string(), path.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        if path.is_empty()
            || !path.split('/').all(|c| {
                !c.is_empty()
                    && c.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)
                    })
                    && c.as_bytes()[0].is_ascii_alphanumeric()
            })
        {
            return Err(format!("'{name}' is not a valid image name"));
        }
        let repository = if registry == "docker.io" && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The tag or digest to ask for: the digest when both are given, else the tag,
    /// else `latest`.
    pub(crate) fn reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// The host that serves the registry API (`docker.io` is served elsewhere).
    pub(crate) fn api_host(&self) -> &str {
        match self.registry.as_str() {
            "docker.io" | "index.docker.io" => "registry-1.docker.io",
            h => h,
        }
    }

    /// The whole reference, as docker prints it (`docker.io/library/app:latest`).
    pub(crate) fn full(&self) -> String {
        let mut s = format!("{}/{}", self.registry, self.repository);
        match (&self.tag, &self.digest) {
            (_, Some(d)) => {
                if let Some(t) = &self.tag {
                    s.push(':');
                    s.push_str(t);
                }
                s.push('@');
                s.push_str(d);
            }
            (Some(t), None) => {
                s.push(':');
                s.push_str(t);
            }
            (None, None) => s.push_str(":latest"),
        }
        s
    }
}

fn check_digest(d: &str) -> std::result::Result<(), String> {
    let ok = match d.split_once(':') {
        Some(("sha256", hex)) => hex.len() == 64,
        Some(("sha512", hex)) => hex.len() == 128,
        _ => false,
    } && d.split_once(':').is_some_and(|(_, h)| {
        h.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if ok {
        Ok(())
    } else {
        Err(format!("'{d}' is not a valid digest (sha256:<64 hex>)"))
    }
}

/// Names that are almost surely meant as files: `imgsize inspect app.tar` with a
/// typo should say "no such file", not ask a registry for `library/app.tar`.
fn looks_like_a_path(s: &str) -> bool {
    s.starts_with(['/', '.', '~'])
        || [".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.zstd", ".json"]
            .iter()
            .any(|ext| s.ends_with(ext))
}

/// Splits `PATH[:REF]` where PATH may itself hold colons: the longest prefix that
/// exists wins, else everything is the path.
fn path_and_ref(s: &str) -> (String, Option<String>) {
    if Path::new(s).exists() {
        return (s.to_string(), None);
    }
    if let Some((p, r)) = s.rsplit_once(':') {
        if Path::new(p).exists() && !r.is_empty() {
            return (p.to_string(), Some(r.to_string()));
        }
    }
    (s.to_string(), None)
}

impl Target {
    /// Reads what the user typed, with `--source` forcing a transport.
    pub(crate) fn parse(input: &str, source: SourceKind) -> Result<Target> {
        let bad = |m: String| Error::usage(input, m);
        let file = |path: &str| Target::File {
            path: path.to_string(),
            image: None,
        };
        if let Some(rest) = input.strip_prefix("docker://") {
            return Ok(Target::Registry(Reference::parse(rest).map_err(bad)?));
        }
        for (prefix, engine) in [
            ("docker-daemon:", EngineKind::Docker),
            ("podman:", EngineKind::Podman),
        ] {
            if let Some(rest) = input.strip_prefix(prefix) {
                Reference::parse(rest).map_err(bad)?;
                return Ok(Target::Engine {
                    engine,
                    name: rest.to_string(),
                });
            }
        }
        if let Some(rest) = input.strip_prefix("containers-storage:") {
            let (root, name) = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
                // `driver@graphroot+runroot`: the graphroot is what is read.
                Some((spec, name)) => {
                    let store = spec.split_once('@').map_or(spec, |(_, s)| s);
                    let root = store.split_once('+').map_or(store, |(r, _)| r);
                    (Some(root.to_string()), name)
                }
                None => (None, rest),
            };
            if name.is_empty() {
                return Err(bad("containers-storage: needs an image name".into()));
            }
            return Ok(Target::Storage {
                root,
                name: name.to_string(),
            });
        }
        if let Some(rest) = input.strip_prefix("docker-archive:") {
            return Ok(file(rest));
        }
        for prefix in ["oci:", "oci-archive:"] {
            if let Some(rest) = input.strip_prefix(prefix) {
                let (path, image) = path_and_ref(rest);
                return Ok(Target::File { path, image });
            }
        }
        match source {
            SourceKind::File => Ok(file(input)),
            SourceKind::Engine => {
                Reference::parse(input).map_err(bad)?;
                Ok(Target::Engine {
                    engine: EngineKind::Any,
                    name: input.to_string(),
                })
            }
            SourceKind::Registry => Ok(Target::Registry(Reference::parse(input).map_err(bad)?)),
            SourceKind::Auto => {
                if input == "-" || Path::new(input).exists() || looks_like_a_path(input) {
                    return Ok(file(input));
                }
                match Reference::parse(input) {
                    Ok(r) => Ok(Target::EngineOrRegistry(r)),
                    // Neither a path nor a reference: say what the file system says.
                    Err(_) => Ok(file(input)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Reference {
        Reference::parse(s).unwrap()
    }

    #[test]
    fn references_normalize_as_docker_does() {
        assert_eq!(r("app").full(), "docker.io/library/app:latest");
        assert_eq!(r("node:22-slim").full(), "docker.io/library/node:22-slim");
        assert_eq!(r("org/app:1").repository, "org/app");
        let local = r("127.0.0.1:5000/team/app:v2");
        assert_eq!(
            (local.registry.as_str(), local.repository.as_str()),
            ("127.0.0.1:5000", "team/app")
        );
        assert_eq!(local.reference(), "v2");
        assert_eq!(r("localhost/app").registry, "localhost");
        let d = format!("sha256:{}", "a".repeat(64));
        let pinned = r(&format!("ghcr.io/x/y:1@{d}"));
        assert_eq!(pinned.reference(), d);
        assert_eq!(pinned.api_host(), "ghcr.io");
        assert_eq!(r("app").api_host(), "registry-1.docker.io");
    }

    #[test]
    fn bad_references_are_refused() {
        for bad in ["App", "app:", "app@sha256:12", "a//b", "app:-x", ""] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn containers_storage_names() {
        let t = |s| Target::parse(s, SourceKind::Auto).unwrap();
        assert_eq!(
            t("containers-storage:app:latest"),
            Target::Storage {
                root: None,
                name: "app:latest".into()
            }
        );
        assert_eq!(
            t("containers-storage:[overlay@/srv/graph+/run/x]localhost/app:1"),
            Target::Storage {
                root: Some("/srv/graph".into()),
                name: "localhost/app:1".into()
            }
        );
    }

    #[test]
    fn transports_are_read_from_prefixes() {
        let t = |s| Target::parse(s, SourceKind::Auto).unwrap();
        assert!(matches!(
            t("docker://127.0.0.1:5000/app:1"),
            Target::Registry(_)
        ));
        assert!(matches!(
            t("podman:app:latest"),
            Target::Engine {
                engine: EngineKind::Podman,
                ..
            }
        ));
        assert!(matches!(
            t("docker-daemon:app"),
            Target::Engine {
                engine: EngineKind::Docker,
                ..
            }
        ));
        assert_eq!(
            t("docker-archive:/x/app.tar"),
            Target::File {
                path: "/x/app.tar".into(),
                image: None
            }
        );
        assert!(matches!(t("app:latest"), Target::EngineOrRegistry(_)));
        assert!(matches!(t("missing.tar"), Target::File { .. }));
        assert!(matches!(t("./app"), Target::File { .. }));
        assert!(matches!(t("-"), Target::File { .. }));
        assert!(matches!(
            Target::parse("app.tar", SourceKind::Registry).unwrap(),
            Target::Registry(_)
        ));
    }

    #[test]
    fn oci_layouts_take_a_ref_after_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().to_str().unwrap();
        assert_eq!(
            Target::parse(&format!("oci:{p}:v1"), SourceKind::Auto).unwrap(),
            Target::File {
                path: p.to_string(),
                image: Some("v1".into())
            }
        );
        assert_eq!(
            Target::parse(&format!("oci-archive:{p}"), SourceKind::Auto).unwrap(),
            Target::File {
                path: p.to_string(),
                image: None
            }
        );
    }
}
