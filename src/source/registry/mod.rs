//! Reading an image from a registry (OCI distribution API) without pulling it to
//! disk: the manifest (an index or a manifest, OCI or Docker media types), the
//! config, then each layer blob streamed straight into the layer scanner, its digest
//! checked while it streams.
//!
//! The registry is presented to the resolver as an OCI layout: `index.json` names
//! the manifest the reference points at, and `blobs/<alg>/<hex>` are fetched on
//! demand (manifests from `/manifests/`, everything else from `/blobs/`), so
//! platform selection, nested indexes and every check on descriptors are the same
//! code as for files.

mod answers; // what a registry answers: bodies read bounded, errors, manifests
pub(crate) mod auth;
mod blob;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use reqwest::blocking::{Client, Response};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, RANGE, WWW_AUTHENTICATE};
use reqwest::StatusCode;

use super::http;
use super::reference::Reference;
use crate::error::{Error, Result};
pub(crate) use answers::{listed_manifests, manifest_media};
use answers::{read_bounded, refusal, retry_after};
use auth::Credential;
use blob::digest_of;

/// Manifests and indexes larger than this are refused (the distribution spec's
/// registries accept at most 4 MiB).
pub(crate) const MAX_MANIFEST: u64 = 4 << 20;

/// What a manifest request accepts, most specific first.
const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// Tries of one request that met a 429 or a 5xx, and of one blob whose stream broke.
const RETRIES: u32 = 3;
/// The longest `Retry-After` imgsize waits for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How to reach registries.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Hosts served over plain HTTP, or HTTPS without certificate checks
    /// (`--insecure-registry`).
    pub insecure: Vec<String>,
}

fn is_loopback(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name == "localhost"
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// One repository of one registry, and what has been fetched from it.
pub(crate) struct Registry {
    client: Client,
    /// `https://host`, or `http://host` once a loopback or insecure host answered so.
    base: Mutex<String>,
    /// Plain HTTP may be tried after HTTPS fails.
    plain_allowed: bool,
    /// Hosts named by `--insecure-registry`: a token service there may be sent
    /// credentials over plain HTTP.
    insecure: Vec<String>,
    reference: Reference,
    label: String,
    /// The `Authorization` header that worked last.
    authorization: Mutex<Option<String>>,
    /// Looked up on the first challenge, then kept.
    credential: Mutex<Option<Option<Credential>>>,
    /// The manifest the reference names: digest, media type, body.
    top: (String, String, Vec<u8>),
    /// Digests that are manifests (listed by an index), fetched from `/manifests/`.
    manifests: Mutex<HashSet<String>>,
    fetched: Mutex<HashMap<String, Vec<u8>>>,
}

impl Registry {
    /// Connects and fetches the manifest `reference` names.
    pub(crate) fn open(
        reference: &Reference,
        label: &str,
        opts: &RegistryOptions,
    ) -> Result<Registry> {
        let host = reference.api_host().to_string();
        let insecure = opts
            .insecure
            .iter()
            .any(|h| h == &host || h == &reference.registry);
        let mut b = http::builder(http::stall_timeout());
        if insecure {
            b = b.danger_accept_invalid_certs(true);
        }
        // rustls uses the system's roots; a bundle named by SSL_CERT_FILE is added
        // to them, as curl and docker do.
        if let Some(path) = std::env::var_os("SSL_CERT_FILE") {
            let pem = std::fs::read(&path)
                .map_err(|e| Error::io(format!("SSL_CERT_FILE {}", path.to_string_lossy()), e))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                Error::format(
                    format!("SSL_CERT_FILE {}", path.to_string_lossy()),
                    format!("not a PEM bundle: {}", http::describe(&e)),
                )
            })?;
            b = b.tls_certs_merge(certs);
        }
        let client = http::build(b, label)?;
        let mut reg = Registry {
            client,
            base: Mutex::new(format!("https://{host}")),
            plain_allowed: insecure || is_loopback(&host),
            insecure: opts.insecure.clone(),
            reference: reference.clone(),
            label: label.to_string(),
            authorization: Mutex::new(None),
            credential: Mutex::new(None),
            top: (String::new(), String::new(), Vec::new()),
            manifests: Mutex::new(HashSet::new()),
            fetched: Mutex::new(HashMap::new()),
        };
        let (digest, media, body) = reg.fetch_manifest(reference.reference())?;
        reg.top = (digest, media, body);
        reg.note_children(&reg.top.2);
        Ok(reg)
    }

    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/v2/{}/{path}",
            lock(&self.base),
            self.reference.repository
        )
    }

    fn place(&self, what: &str) -> String {
        format!(
            "{}: {what} (registry {})",
            self.label,
            self.reference.api_host()
        )
    }

    /// Sends a GET, answering auth challenges, waiting out 429s and retrying 5xx a
    /// bounded number of times. Any other status is the caller's to read.
    fn get(&self, path: &str, accept: Option<&str>, from: u64, what: &str) -> Result<Response> {
        let place = self.place(what);
        let mut authenticated = false;
        let mut tries = 0;
        loop {
            let url = self.url(path);
            let mut req = self.client.get(&url);
            if let Some(a) = accept {
                req = req.header(ACCEPT, a);
            }
            if let Some(h) = lock(&self.authorization).clone() {
                req = req.header(AUTHORIZATION, h);
            }
            if from > 0 {
                req = req.header(RANGE, format!("bytes={from}-"));
            }
            let resp = match req.send() {
                Ok(r) => r,
                Err(e) if e.is_connect() && self.plain_allowed && url.starts_with("https://") => {
                    // A loopback or insecure registry may speak plain HTTP.
                    let plain = format!("http://{}", self.reference.api_host());
                    // Only a registry's answer counts: an HTTPS server answers
                    // plain HTTP with a 400, and its TLS error is the one to report.
                    let probe = self
                        .client
                        .get(format!("{plain}/v2/"))
                        .send()
                        .is_ok_and(|r| {
                            matches!(r.status(), StatusCode::OK | StatusCode::UNAUTHORIZED)
                        });
                    if !probe {
                        return Err(Error::network(&place, http::describe(&e)));
                    }
                    *lock(&self.base) = plain;
                    continue;
                }
                Err(e) => return Err(Error::network(&place, http::describe(&e))),
            };
            let status = resp.status();
            match status {
                StatusCode::UNAUTHORIZED if !authenticated => {
                    authenticated = true;
                    self.authenticate(&resp, &place)?;
                }
                StatusCode::UNAUTHORIZED => {
                    let msg = match lock(&self.credential).as_ref().and_then(|c| c.as_ref()) {
                        Some(c) => format!(
                            "the registry refused the credentials from {} (401 Unauthorized)",
                            c.from
                        ),
                        None => self.login_hint(),
                    };
                    return Err(Error::network(&place, msg));
                }
                StatusCode::FORBIDDEN => {
                    let who = match lock(&self.credential).as_ref().and_then(|c| c.as_ref()) {
                        Some(c) => format!("the credentials from {}", c.from),
                        None => "an anonymous pull".to_string(),
                    };
                    return Err(Error::network(
                        &place,
                        format!(
                            "access denied (403 Forbidden): {who} may not pull {}",
                            self.reference.repository
                        ),
                    ));
                }
                StatusCode::TOO_MANY_REQUESTS if tries < RETRIES => {
                    tries += 1;
                    std::thread::sleep(retry_after(&resp).unwrap_or(backoff(tries)));
                }
                StatusCode::TOO_MANY_REQUESTS => {
                    return Err(Error::network(
                        &place,
                        format!(
                            "rate limited (429 Too Many Requests) {RETRIES} times; try again later"
                        ),
                    ))
                }
                s if s.is_server_error() && tries < RETRIES => {
                    tries += 1;
                    std::thread::sleep(backoff(tries));
                }
                _ => return Ok(resp),
            }
        }
    }

    /// Whether a token service at `realm` may be sent the user's credentials:
    /// over HTTPS, or over plain HTTP on the registry's own host when that is a
    /// loopback one, or on a host named by `--insecure-registry`.
    fn may_send_credentials(&self, realm: &str) -> bool {
        let Ok(url) = reqwest::Url::parse(realm) else {
            return false;
        };
        if url.scheme() == "https" {
            return true;
        }
        let Some(host) = url.host_str() else {
            return false;
        };
        let with_port = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        if self.insecure.iter().any(|h| h == host || *h == with_port) {
            return true;
        }
        let own = self.reference.api_host();
        let own_host = match own.rsplit_once(':') {
            Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => own,
        };
        let own_host = own_host.trim_start_matches('[').trim_end_matches(']');
        url.scheme() == "http"
            && host.trim_start_matches('[').trim_end_matches(']') == own_host
            && is_loopback(own)
    }

    fn login_hint(&self) -> String {
        format!(
            "authentication required (401 Unauthorized): run `docker login {}`, or set REGISTRY_AUTH_FILE",
            self.reference.registry
        )
    }

    /// Answers a 401's `WWW-Authenticate` challenge: a Bearer token from the realm
    /// (with credentials when there are some), or Basic credentials.
    fn authenticate(&self, resp: &Response, place: &str) -> Result<()> {
        let header = resp
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("")
            .to_string();
        let challenge = auth::Challenge::parse(&header);
        let credential = {
            let mut slot = lock(&self.credential);
            if slot.is_none() {
                *slot = Some(auth::lookup(&self.reference.registry)?);
            }
            slot.clone().flatten()
        };
        let value = match challenge {
            Some(auth::Challenge::Bearer {
                realm,
                service,
                scope,
            }) => {
                let scope = scope
                    .unwrap_or_else(|| format!("repository:{}:pull", self.reference.repository));
                // A challenge names any realm it likes: credentials go only where
                // they cannot be read on the way (HTTPS), or to the registry's own
                // loopback host or an --insecure-registry the user named.
                let trusted = self.may_send_credentials(&realm);
                let sent = credential.as_ref().filter(|_| trusted);
                let token = auth::bearer_token(
                    &self.client,
                    &realm,
                    service.as_deref(),
                    &scope,
                    sent,
                )
                .map_err(|m| {
                    Error::network(
                        place,
                        match (&m, &credential) {
                            (auth::TokenError::Refused, Some(c)) if !trusted => format!(
                                "the token service {} refused an anonymous request; imgsize did not send it the credentials from {}: it sends them only to an HTTPS token service, or over plain HTTP to the registry's own loopback host or an --insecure-registry",
                                crate::source::digest::printable(&realm),
                                c.from
                            ),
                            (auth::TokenError::Refused, None) => self.login_hint(),
                            (auth::TokenError::Refused, Some(c)) => format!(
                                "the token service {realm} refused the credentials from {}",
                                c.from
                            ),
                            (auth::TokenError::Other(m), _) => {
                                format!("token service {realm}: {m}")
                            }
                        },
                    )
                })?;
                format!("Bearer {token}")
            }
            Some(auth::Challenge::Basic) => match &credential {
                Some(c) => c.basic(),
                None => return Err(Error::network(place, self.login_hint())),
            },
            None => {
                return Err(Error::network(
                    place,
                    match &credential {
                        None => self.login_hint(),
                        Some(_) => format!(
                            "401 Unauthorized with a challenge imgsize does not know: '{}'",
                            crate::source::digest::printable(&header)
                        ),
                    },
                ))
            }
        };
        *lock(&self.authorization) = Some(value);
        Ok(())
    }

    /// GETs a manifest by tag or digest: its digest (checked), media type and body.
    fn fetch_manifest(&self, reference: &str) -> Result<(String, String, Vec<u8>)> {
        let what = format!("manifest {reference}");
        let place = self.place(&what);
        let not_found = format!(
            "not found in {}/{} (unknown tag or digest)",
            self.reference.registry, self.reference.repository
        );
        let (headers, body) = self.fetch_small(
            &format!("manifests/{reference}"),
            Some(MANIFEST_TYPES),
            MAX_MANIFEST,
            &what,
            &not_found,
        )?;
        let header = |name| {
            headers
                .get(name)
                .and_then(|h: &reqwest::header::HeaderValue| h.to_str().ok())
                .map(str::to_string)
        };
        let header_digest = header(reqwest::header::HeaderName::from_static(
            "docker-content-digest",
        ));
        let content_type =
            header(CONTENT_TYPE).map(|s| s.split(';').next().unwrap_or("").trim().to_string());
        let want = if reference.contains(':') {
            Some(reference.to_string())
        } else {
            header_digest
        };
        let digest = match want {
            Some(d) => {
                let actual = digest_of(&d, &body);
                if actual != d {
                    return Err(Error::verify(
                        &place,
                        format!("manifest does not match its digest {d} (it hashes to {actual})"),
                    ));
                }
                d
            }
            None => digest_of("sha256:", &body),
        };
        let media = manifest_media(&body, content_type, &place)?;
        Ok((digest, media, body))
    }

    /// GETs a small document whole (a manifest, a config): its headers and body,
    /// at most `limit` bytes. A body that breaks off or stalls is fetched again, a
    /// bounded number of times.
    fn fetch_small(
        &self,
        path: &str,
        accept: Option<&str>,
        limit: u64,
        what: &str,
        not_found: &str,
    ) -> Result<(reqwest::header::HeaderMap, Vec<u8>)> {
        let place = self.place(what);
        let mut tries = 0;
        loop {
            let resp = self.get(path, accept, 0, what)?;
            match resp.status() {
                StatusCode::NOT_FOUND => return Err(Error::missing(&place, not_found)),
                s if !s.is_success() => return Err(Error::network(&place, refusal(s, resp))),
                _ => {}
            }
            let headers = resp.headers().clone();
            match read_bounded(resp, limit, &place, what) {
                Err(e)
                    if matches!(e.kind, crate::error::ErrorKind::Network(_)) && tries < RETRIES =>
                {
                    tries += 1;
                    std::thread::sleep(backoff(tries));
                }
                Err(mut e) => {
                    if let crate::error::ErrorKind::Network(m) = &mut e.kind {
                        m.push_str(&format!(" ({tries} retries)"));
                    }
                    return Err(e);
                }
                Ok(body) => return Ok((headers, body)),
            }
        }
    }

    /// Remembers the manifests an index lists, so they are fetched as manifests.
    fn note_children(&self, body: &[u8]) {
        lock(&self.manifests).extend(listed_manifests(body));
    }

    /// `index.json` of the layout this registry is presented as.
    fn index_json(&self) -> Vec<u8> {
        let (digest, media, body) = &self.top;
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{
                "mediaType": media,
                "digest": digest,
                "size": body.len(),
                "annotations": {"org.opencontainers.image.ref.name": self.reference.full()},
            }],
        }))
        .unwrap_or_default()
    }

    pub(crate) fn exists(&self, name: &str) -> bool {
        name == "index.json" || crate::source::digest::digest_of_blob_path(name).is_some()
    }

    /// Serves `index.json`, manifests and configs by their layout names.
    pub(crate) fn read_small(&self, name: &str) -> Result<Option<Vec<u8>>> {
        if name == "index.json" {
            return Ok(Some(self.index_json()));
        }
        let Some(digest) = crate::source::digest::digest_of_blob_path(name) else {
            return Ok(None);
        };
        if digest == self.top.0 {
            return Ok(Some(self.top.2.clone()));
        }
        if let Some(d) = lock(&self.fetched).get(&digest) {
            return Ok(Some(d.clone()));
        }
        let data = if lock(&self.manifests).contains(&digest) {
            let (_, _, body) = self.fetch_manifest(&digest)?;
            self.note_children(&body);
            body
        } else {
            let what = format!("blob {digest}");
            self.fetch_small(
                &format!("blobs/{digest}"),
                None,
                super::container::MAX_METADATA,
                &what,
                "not found in the registry",
            )?
            .1
        };
        lock(&self.fetched).insert(digest, data.clone());
        Ok(Some(data))
    }
}
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn backoff(try_no: u32) -> Duration {
    Duration::from_millis(250 << try_no.min(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in [
            "127.0.0.1:5000",
            "localhost",
            "localhost:80",
            "[::1]:5000",
            "127.1.2.3",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["ghcr.io", "10.0.0.1:5000", "registry-1.docker.io"] {
            assert!(!is_loopback(h), "{h}");
        }
    }

    #[test]
    fn digests_of_manifests() {
        assert_eq!(
            digest_of("sha256:", b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(digest_of("sha512:x", b"").starts_with("sha512:cf83e1357eefb8bd"));
    }
}
