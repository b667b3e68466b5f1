//! Registry credentials as docker and podman users already have them, and the
//! answers to a registry's `WWW-Authenticate` challenge.
//!
//! Where credentials come from, first match wins:
//! 1. `REGISTRY_AUTH_FILE` (podman's and skopeo's explicit choice);
//! 2. docker's `config.json` in `DOCKER_CONFIG`, else `~/.docker/`: `auths`,
//!    `credHelpers` and `credsStore` (`docker-credential-NAME get`);
//! 3. containers' `auth.json`: `$XDG_RUNTIME_DIR/containers/auth.json`, then
//!    `~/.config/containers/auth.json`.
//!
//! Files are read with the `docker_credential` crate (both formats share `auths`).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use docker_credential::{CredentialRetrievalError, DockerCredential};
use reqwest::blocking::Client;
use reqwest::StatusCode;

use crate::error::{Error, Result};

/// A username and secret, and the file they came from (for error messages).
#[derive(Debug, Clone)]
pub(crate) struct Credential {
    pub username: String,
    pub secret: String,
    /// `/root/.docker/config.json`, `REGISTRY_AUTH_FILE /tmp/auth.json`...
    pub from: String,
}

impl Credential {
    /// The `Authorization` value for Basic auth.
    pub(crate) fn basic(&self) -> String {
        let pair = format!("{}:{}", self.username, self.secret);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }
}

/// The files to look in, in order, with how each is named in messages.
fn credential_files() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    if let Some(p) = std::env::var_os("REGISTRY_AUTH_FILE").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        out.push((p.clone(), format!("REGISTRY_AUTH_FILE {}", p.display())));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let docker = std::env::var_os("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".docker")));
    if let Some(d) = docker {
        let p = d.join("config.json");
        out.push((p.clone(), p.display().to_string()));
    }
    if let Some(run) = std::env::var_os("XDG_RUNTIME_DIR").filter(|p| !p.is_empty()) {
        let p = Path::new(&run).join("containers/auth.json");
        out.push((p.clone(), p.display().to_string()));
    }
    if let Some(h) = home {
        let p = h.join(".config/containers/auth.json");
        out.push((p.clone(), p.display().to_string()));
    }
    out
}

/// The credential for `registry` (as written in the reference), if any file has one.
pub(crate) fn lookup(registry: &str) -> Result<Option<Credential>> {
    // Docker Hub's credentials are filed under its v1 index address.
    let server = match registry {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => "https://index.docker.io/v1/",
        other => other,
    };
    for (path, from) in credential_files() {
        let Ok(file) = std::fs::File::open(&path) else {
            continue;
        };
        match docker_credential::get_credential_from_reader(std::io::BufReader::new(file), server) {
            Ok(DockerCredential::UsernamePassword(username, secret)) => {
                return Ok(Some(Credential {
                    username,
                    secret,
                    from,
                }))
            }
            Ok(DockerCredential::IdentityToken(_)) => {
                return Err(Error::usage(
                    from,
                    format!("holds an identity token for {registry}, which imgsize cannot use yet; log in with a username and password"),
                ))
            }
            Err(CredentialRetrievalError::NoCredentialConfigured) => continue,
            Err(CredentialRetrievalError::HelperFailure { helper, stderr, .. }) => {
                return Err(Error::usage(
                    from,
                    format!(
                        "credential helper {helper} failed for {registry}: {}",
                        stderr.trim()
                    ),
                ))
            }
            Err(CredentialRetrievalError::ConfigReadError) => {
                // The crate says only "Unable to read config": say where it is wrong.
                let why = match std::fs::read_to_string(&path) {
                    Err(e) => e.to_string(),
                    Ok(text) => match serde_json::from_str::<serde_json::Value>(&text) {
                        Err(e) => format!("not valid JSON: {e}"),
                        Ok(_) => "its auths are not in the form docker writes".to_string(),
                    },
                };
                return Err(Error::usage(
                    from,
                    format!("cannot read the credentials for {registry}: {why}"),
                ));
            }
            Err(e) => {
                return Err(Error::usage(
                    from,
                    format!("cannot read the credentials for {registry}: {e}"),
                ))
            }
        }
    }
    Ok(None)
}

/// A `WWW-Authenticate` challenge imgsize can answer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Challenge {
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
    Basic,
}

impl Challenge {
    /// Parses `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`.
    pub(crate) fn parse(header: &str) -> Option<Challenge> {
        let (scheme, params) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
        if scheme.eq_ignore_ascii_case("basic") {
            return Some(Challenge::Basic);
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        let mut realm = None;
        let mut service = None;
        let mut scope = None;
        let mut rest = params.trim();
        while !rest.is_empty() {
            let (key, after) = rest.split_once('=')?;
            let key = key
                .trim()
                .trim_start_matches(',')
                .trim()
                .to_ascii_lowercase();
            let after = after.trim_start();
            let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
                let end = quoted.find('"')?;
                (&quoted[..end], &quoted[end + 1..])
            } else {
                let end = after.find(',').unwrap_or(after.len());
                (after[..end].trim(), &after[end..])
            };
            match key.as_str() {
                "realm" => realm = Some(value.to_string()),
                "service" => service = Some(value.to_string()),
                "scope" => scope = Some(value.to_string()),
                _ => {}
            }
            rest = tail.trim_start().trim_start_matches(',').trim_start();
        }
        Some(Challenge::Bearer {
            realm: realm?,
            service,
            scope,
        })
    }
}

/// Why no token came back.
#[derive(Debug)]
pub(crate) enum TokenError {
    /// 401 or 403 from the token service: the credentials (or their absence).
    Refused,
    Other(String),
}

/// The bytes of a token service's answer imgsize reads, at most.
const MAX_TOKEN_ANSWER: u64 = 1 << 20;

/// Asks the realm for a pull token (`token` or `access_token` in its JSON).
pub(crate) fn bearer_token(
    client: &Client,
    realm: &str,
    service: Option<&str>,
    scope: &str,
    credential: Option<&Credential>,
) -> std::result::Result<String, TokenError> {
    let mut query = vec![("scope", scope)];
    if let Some(s) = service {
        query.push(("service", s));
    }
    let mut req = client.get(realm).query(&query);
    if let Some(c) = credential {
        req = req.header(reqwest::header::AUTHORIZATION, c.basic());
    }
    let resp = req
        .send()
        .map_err(|e| TokenError::Other(super::http::describe(&e)))?;
    match resp.status() {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => return Err(TokenError::Refused),
        s if !s.is_success() => return Err(TokenError::Other(format!("answered {s}"))),
        _ => {}
    }
    #[derive(serde::Deserialize)]
    struct Token {
        #[serde(default)]
        token: Option<String>,
        #[serde(default)]
        access_token: Option<String>,
    }
    // A token is a few kB; an answer of more is not one.
    let body = super::read_bounded(resp, MAX_TOKEN_ANSWER, realm, "token answer")
        .map_err(|e| TokenError::Other(e.to_string()))?;
    let t: Token = serde_json::from_slice(&body)
        .map_err(|e| TokenError::Other(format!("answer is not a token: {e}")))?;
    t.token
        .or(t.access_token)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| TokenError::Other("answer holds no token".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        assert_eq!(
            Challenge::parse(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/node:pull".into()),
            })
        );
        assert_eq!(
            Challenge::parse(r#"Bearer realm="http://127.0.0.1:9/t", service="x""#),
            Some(Challenge::Bearer {
                realm: "http://127.0.0.1:9/t".into(),
                service: Some("x".into()),
                scope: None,
            })
        );
        assert_eq!(
            Challenge::parse(r#"Basic realm="Registry Realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(Challenge::parse("Negotiate"), None);
        assert_eq!(Challenge::parse(r#"Bearer service="x""#), None);
    }

    #[test]
    fn basic_header() {
        let c = Credential {
            username: "u".into(),
            secret: "p".into(),
            from: "x".into(),
        };
        assert_eq!(c.basic(), "Basic dTpw");
    }
}
