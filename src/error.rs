//! The library's error type: every failure names what it was reading (the input
//! file, a member of an archive, a blob digest or a layer) and what is wrong, in one
//! line, so `main` can print it as is and exit with code 2.

use std::fmt;
use std::io;

/// What went wrong, without the "where".
#[derive(Debug)]
pub enum ErrorKind {
    /// The operating system refused a read.
    Io(io::Error),
    /// The bytes are not what the format requires (bad JSON, bad tar, bad digest...).
    Format(String),
    /// A file the image needs is not there.
    Missing(String),
    /// The input holds several images or platforms and the choice is ambiguous,
    /// or the requested one is absent.
    Selection(String),
    /// A digest or size check failed (`--verify`, descriptor sizes).
    Verify(String),
    /// A user-supplied value (flag, config file) is wrong.
    Usage(String),
    /// An engine or registry could not be reached, refused, or broke off; the place
    /// is its socket or URL.
    Network(String),
}

/// An error with the place it happened: the file, member, blob or layer.
#[derive(Debug)]
pub struct Error {
    /// Where: a path, `app.tar:blobs/sha256/ab12…`, `layer 3 (sha256:…)`.
    pub place: String,
    pub kind: ErrorKind,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn new(place: impl Into<String>, kind: ErrorKind) -> Error {
        Error {
            place: place.into(),
            kind,
        }
    }

    pub(crate) fn format(place: impl Into<String>, msg: impl Into<String>) -> Error {
        Error::new(place, ErrorKind::Format(msg.into()))
    }

    pub(crate) fn missing(place: impl Into<String>, msg: impl Into<String>) -> Error {
        Error::new(place, ErrorKind::Missing(msg.into()))
    }

    pub(crate) fn selection(place: impl Into<String>, msg: impl Into<String>) -> Error {
        Error::new(place, ErrorKind::Selection(msg.into()))
    }

    pub(crate) fn verify(place: impl Into<String>, msg: impl Into<String>) -> Error {
        Error::new(place, ErrorKind::Verify(msg.into()))
    }

    pub(crate) fn usage(place: impl Into<String>, msg: impl Into<String>) -> Error {
        Error::new(place, ErrorKind::Usage(msg.into()))
    }

    pub(crate) fn network(place: impl Into<String>, msg: impl Into<String>) -> Error {
        Error::new(place, ErrorKind::Network(msg.into()))
    }

    pub(crate) fn io(place: impl Into<String>, err: io::Error) -> Error {
        Error::new(place, ErrorKind::Io(err))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let msg = match &self.kind {
            ErrorKind::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                "unexpected end of file (truncated?)".to_string()
            }
            ErrorKind::Io(e) => e.to_string(),
            ErrorKind::Format(m)
            | ErrorKind::Missing(m)
            | ErrorKind::Selection(m)
            | ErrorKind::Verify(m)
            | ErrorKind::Usage(m)
            | ErrorKind::Network(m) => m.clone(),
        };
        // One line, always: input-controlled text may carry newlines.
        let line = |s: &str| s.replace(['\n', '\r'], " ");
        if self.place.is_empty() {
            write!(f, "{}", line(&msg))
        } else {
            write!(f, "{}: {}", line(&self.place), line(&msg))
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}
