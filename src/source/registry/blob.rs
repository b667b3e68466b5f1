//! Layer blobs streamed from a registry into the scanner: hashed as they pass and
//! checked against their digest at the end; a connection that breaks or stalls
//! is resumed with a range request, a bounded number of times.

use std::io::{self, Read};

use reqwest::blocking::Response;
use reqwest::StatusCode;
use sha2::Digest as _;

use super::{backoff, refusal, Registry, RETRIES};
use crate::error::{Error, Result};
use crate::layer::{self, LayerScan, ScanOptions};
use crate::source::http;

impl Registry {
    /// Streams the layer blob `name` into the scanner, checking its digest.
    pub(crate) fn scan_layer(
        &self,
        name: &str,
        declared: Option<u64>,
        opts: &ScanOptions,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<LayerScan> {
        let digest = crate::source::digest::digest_of_blob_path(name)
            .ok_or_else(|| Error::format(self.place(name), "not a blob digest"))?;
        let place = self.place(&format!("blob {digest}"));
        let mut blob = BlobReader {
            registry: self,
            path: format!("blobs/{digest}"),
            what: format!("blob {digest}"),
            resp: None,
            offset: 0,
            declared,
            retries: 0,
            hasher: Hasher::new(&digest),
            failed: false,
        };
        let scanned = layer::scan_read(&mut blob, declared, opts, progress);
        if blob.failed {
            // The network error is the cause, whatever the scanner made of it.
            return Err(Error::network(
                &place,
                scanned.err().map(|e| e.0).unwrap_or_default(),
            ));
        }
        // Every byte counts for the digest, also after the tar's end; and when the
        // scan failed, a digest mismatch is the better explanation.
        let drained = io::copy(&mut blob, &mut io::sink());
        if blob.failed {
            if let Err(e) = drained {
                return Err(Error::network(&place, e.to_string()));
            }
        }
        let actual = blob.hasher.finish();
        if drained.is_ok() && actual != digest {
            return Err(Error::verify(
                &place,
                format!("the blob does not match its digest (it hashes to {actual})"),
            ));
        }
        scanned.map_err(|e| Error::format(&place, e.0))
    }
}

enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn new(digest: &str) -> Hasher {
        if digest.starts_with("sha512:") {
            Hasher::Sha512(sha2::Sha512::new())
        } else {
            Hasher::Sha256(sha2::Sha256::new())
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    fn finish(&mut self) -> String {
        match std::mem::replace(self, Hasher::Sha256(sha2::Sha256::new())) {
            Hasher::Sha256(h) => format!("sha256:{}", layer::hex(&h.finalize())),
            Hasher::Sha512(h) => format!("sha512:{}", layer::hex(&h.finalize())),
        }
    }
}

pub(super) fn digest_of(like: &str, data: &[u8]) -> String {
    let mut h = Hasher::new(like);
    h.update(data);
    h.finish()
}

/// A blob as one stream: hashed as it passes; a connection that breaks or stalls
/// is resumed with a range request from where it stopped, a bounded number of times.
struct BlobReader<'r> {
    registry: &'r Registry,
    path: String,
    what: String,
    resp: Option<Response>,
    offset: u64,
    declared: Option<u64>,
    retries: u32,
    hasher: Hasher,
    /// Set once the network gave up: the scanner's error is then this one.
    failed: bool,
}

impl BlobReader<'_> {
    /// Opens the blob from `offset`. An error that retrying may mend (the network)
    /// is `Err(Ok(e))`; one it cannot (404, a refusal) is `Err(Err(e))`.
    fn connect(&mut self) -> std::result::Result<(), std::result::Result<io::Error, io::Error>> {
        let place = self.registry.place(&self.what);
        let resp = self
            .registry
            .get(&self.path, None, self.offset, &self.what)
            .map_err(|e| {
                let retry = matches!(e.kind, crate::error::ErrorKind::Network(_));
                let e = io::Error::other(e.to_string());
                if retry {
                    Ok(e)
                } else {
                    Err(e)
                }
            })?;
        let resp = match resp.status() {
            StatusCode::PARTIAL_CONTENT if self.offset > 0 => resp,
            s if s.is_success() => {
                // No range support: skip what was read already.
                let mut resp = resp;
                if self.offset > 0 {
                    io::copy(&mut (&mut resp).take(self.offset), &mut io::sink()).map_err(Ok)?;
                }
                resp
            }
            StatusCode::NOT_FOUND => {
                return Err(Err(io::Error::other(format!(
                    "{place}: not found in the registry"
                ))))
            }
            s => {
                return Err(Err(io::Error::other(format!(
                    "{place}: {}",
                    refusal(s, resp)
                ))))
            }
        };
        self.resp = Some(resp);
        Ok(())
    }
}

impl Read for BlobReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.failed {
            return Err(io::Error::other("the blob stream failed"));
        }
        loop {
            let err = match &mut self.resp {
                None => match self.connect() {
                    Ok(()) => continue,
                    Err(Err(fatal)) => {
                        self.failed = true;
                        return Err(fatal);
                    }
                    Err(Ok(e)) => e,
                },
                Some(resp) => match resp.read(buf) {
                    Ok(0) if self.declared.is_some_and(|d| self.offset < d) => {
                        io::Error::new(io::ErrorKind::UnexpectedEof, "the connection closed early")
                    }
                    Ok(n) if self.declared.is_some_and(|d| self.offset + n as u64 > d) => {
                        // More than the descriptor promised: not this blob, and
                        // not to be read to its end, however long it runs.
                        self.failed = true;
                        return Err(io::Error::other(format!(
                            "the blob runs past the {} bytes its descriptor declares",
                            self.declared.unwrap_or(0)
                        )));
                    }
                    Ok(n) => {
                        self.hasher.update(&buf[..n]);
                        self.offset += n as u64;
                        return Ok(n);
                    }
                    Err(e) => e,
                },
            };
            self.resp = None;
            if self.retries >= RETRIES {
                self.failed = true;
                return Err(io::Error::other(format!(
                    "{} (after {} bytes and {RETRIES} retries)",
                    http::describe_io(&err),
                    self.offset
                )));
            }
            self.retries += 1;
            std::thread::sleep(backoff(self.retries));
        }
    }
}
