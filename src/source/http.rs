//! What the engine and registry sources share: one HTTP client (reqwest's blocking
//! client: unix sockets for the engine, rustls with the system's roots and
//! `SSL_CERT_FILE` for registries, proxies from the environment, redirects), its
//! timeouts, and network errors turned into one line.

use std::time::Duration;

use reqwest::blocking::{Client, ClientBuilder};

use crate::error::{Error, Result};

/// How long to wait for a connection.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one read may wait for bytes (headers or body): a stalled stream fails
/// after this, however long the whole transfer takes.
pub(crate) fn stall_timeout() -> Duration {
    // Tests shorten it to see a stalled stream fail without waiting a minute.
    std::env::var("IMGSIZE_STALL_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(60))
}

/// A client builder with imgsize's timeouts and user agent, TLS by rustls with
/// ring's cryptography.
pub(crate) fn builder(stall: Duration) -> ClientBuilder {
    // The process's provider, once: a second install finds it there and fails,
    // which leaves the first in place.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .user_agent(concat!("imgsize/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(stall)
}

pub(crate) fn build(b: ClientBuilder, place: &str) -> Result<Client> {
    b.build()
        .map_err(|e| Error::network(place, format!("cannot set up HTTP: {}", describe(&e))))
}

/// A reqwest error as one line: what failed, then its causes (connection refused,
/// certificate not trusted...), without repeating the URL the place already names.
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_redirect() {
        "too many redirects"
    } else if e.is_body() || e.is_decode() {
        "the connection broke off"
    } else {
        "request failed"
    };
    let mut causes = Vec::new();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let text = s.to_string();
        // hyper's wrappers ("client error (Connect)") say less than what they wrap.
        let wrapper = text.starts_with("client error (");
        if !wrapper && !causes.iter().any(|c: &String| c.contains(&text)) && !text.is_empty() {
            causes.push(text);
        }
        src = s.source();
    }
    if causes.is_empty() {
        what.to_string()
    } else {
        format!("{what}: {}", causes.join(": "))
    }
}

/// An `io::Error` from reading a response body: a timeout says "stalled".
pub(crate) fn describe_io(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::TimedOut
        || e.get_ref()
            .and_then(|i| i.downcast_ref::<reqwest::Error>())
            .is_some_and(|r| r.is_timeout())
    {
        return format!("the stream stalled (no data for {:?})", stall_timeout());
    }
    match e.get_ref().and_then(|i| i.downcast_ref::<reqwest::Error>()) {
        Some(r) => describe(r),
        None => e.to_string(),
    }
}
