//! What a registry answers, read as imgsize reads it: bodies at most so long
//! (a registry, or whatever answers in its place, may send any size), its error
//! text, `Retry-After`, a manifest's media type and the manifests an index lists.

use std::io::Read;
use std::time::Duration;

use reqwest::blocking::Response;
use reqwest::header::RETRY_AFTER;
use reqwest::StatusCode;

use super::MAX_RETRY_AFTER;
use crate::error::{Error, Result};
use crate::source::http;

/// `Retry-After` in seconds (the HTTP-date form is rare from registries: backoff).
pub(super) fn retry_after(resp: &Response) -> Option<Duration> {
    let secs: u64 = resp
        .headers()
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER))
}

/// A status the caller does not handle, with the registry's own error text.
pub(super) fn refusal(s: StatusCode, resp: Response) -> String {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<Detail>,
    }
    #[derive(serde::Deserialize)]
    struct Detail {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    // Only the start of an error body is read: a registry (or whatever answers
    // in its place) may send a body of any size, and its first errors are enough.
    let mut text = Vec::new();
    let _ = resp.take(MAX_ERROR_BODY).read_to_end(&mut text);
    let detail = serde_json::from_slice::<Errors>(&text)
        .ok()
        .and_then(|e| e.errors.into_iter().next())
        .map(|d| format!(": {} {}", d.code, d.message))
        .unwrap_or_default();
    format!("registry answered {s}{detail}")
}

/// A manifest body's media type: its own `mediaType`, else the answer's
/// `Content-Type` where that names a manifest or index, else what its shape says.
/// A schema 1 manifest is refused.
pub(crate) fn manifest_media(
    body: &[u8],
    content_type: Option<String>,
    place: &str,
) -> Result<String> {
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "mediaType", default)]
        media_type: Option<String>,
        #[serde(rename = "schemaVersion", default)]
        schema_version: Option<u32>,
        #[serde(default)]
        manifests: Option<serde::de::IgnoredAny>,
    }
    let head: Head = serde_json::from_slice(body)
        .map_err(|e| Error::format(place, format!("manifest is not valid JSON: {e}")))?;
    if head.schema_version == Some(1) {
        return Err(Error::format(
            place,
            "a schema 1 manifest (deprecated since 2017): not supported",
        ));
    }
    Ok(head
        .media_type
        .or(content_type.filter(|c| c.contains("manifest") || c.contains("index")))
        .unwrap_or_else(|| {
            if head.manifests.is_some() {
                "application/vnd.oci.image.index.v1+json".into()
            } else {
                "application/vnd.oci.image.manifest.v1+json".into()
            }
        }))
}

/// The digests of the manifests an index body lists (none for a manifest).
pub(crate) fn listed_manifests(body: &[u8]) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Child {
        digest: String,
    }
    #[derive(serde::Deserialize)]
    struct Index {
        #[serde(default)]
        manifests: Option<Vec<Child>>,
    }
    match serde_json::from_slice::<Index>(body) {
        Ok(Index {
            manifests: Some(children),
        }) => children.into_iter().map(|c| c.digest).collect(),
        _ => Vec::new(),
    }
}

/// The bytes of an error answer imgsize reads, at most.
const MAX_ERROR_BODY: u64 = 64 << 10;

/// Reads a body of at most `limit` bytes.
pub(super) fn read_bounded(resp: Response, limit: u64, place: &str, what: &str) -> Result<Vec<u8>> {
    if let Some(len) = resp.content_length() {
        if len > limit {
            return Err(Error::format(
                place,
                format!("{what} of {len} bytes is over the {limit}-byte limit"),
            ));
        }
    }
    let mut data = Vec::new();
    resp.take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|e| Error::network(place, http::describe_io(&e)))?;
    if data.len() as u64 > limit {
        return Err(Error::format(
            place,
            format!("{what} is over the {limit}-byte limit"),
        ));
    }
    Ok(data)
}
