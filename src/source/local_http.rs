//! HTTP/1.1 GET over the engine's local socket (unix, or tcp for `DOCKER_HOST`),
//! read straight from the socket into the scanner's buffers.
//!
//! Why not reqwest, which the registry uses: its blocking body hands each chunk
//! from its runtime thread to the caller, about 32 KB at a time; on the 800 MB
//! benchmark image that read the engine's stream at a third of the speed `curl`
//! does (1.2 s against 0.4 s after Podman's first byte, see BENCHMARKS.md). A local
//! engine needs no TLS, proxies or redirects, so what is left is one request line,
//! `httparse` for the response head, and the chunked coding. That is written here:
//! `chunked_transfer` reads a body cut inside a chunk as a clean end, and a
//! truncated stream must be an error.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

/// Where to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Address {
    Unix(std::path::PathBuf),
    /// `host:port`.
    Tcp(String),
}

enum Socket {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Socket::Unix(s) => s.read(buf),
            Socket::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Socket::Unix(s) => s.write(buf),
            Socket::Tcp(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Socket::Unix(s) => s.flush(),
            Socket::Tcp(s) => s.flush(),
        }
    }
}

/// Response heads larger than this are refused.
const MAX_HEAD: usize = 64 << 10;
/// What the body is read through: large, so a 1 GB stream is few system calls.
const BUFFER: usize = 1 << 20;

/// A response: its status, and the body as a `Read`.
pub(crate) struct Response {
    pub status: u16,
    body: Body,
}

enum Body {
    Length(io::Take<BufReader<Socket>>),
    Chunked(Chunked<BufReader<Socket>>),
    Close(BufReader<Socket>),
}

impl Response {
    /// The whole body, at most `limit` bytes.
    pub(crate) fn text(mut self, limit: u64) -> io::Result<String> {
        let mut data = Vec::new();
        (&mut self).take(limit).read_to_end(&mut data)?;
        Ok(String::from_utf8_lossy(&data).into_owned())
    }
}

impl Read for Response {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.body {
            Body::Length(r) => {
                let n = r.read(buf)?;
                if n == 0 && r.limit() > 0 && !buf.is_empty() {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("the connection closed {} bytes early", r.limit()),
                    ));
                }
                Ok(n)
            }
            Body::Chunked(c) => c.read(buf),
            Body::Close(r) => r.read(buf),
        }
    }
}

/// `GET path` with a stall timeout on every read and write.
pub(crate) fn get(addr: &Address, host: &str, path: &str, stall: Duration) -> io::Result<Response> {
    let mut socket = match addr {
        Address::Unix(p) => {
            let s = UnixStream::connect(Path::new(p))?;
            s.set_read_timeout(Some(stall))?;
            s.set_write_timeout(Some(stall))?;
            Socket::Unix(s)
        }
        Address::Tcp(a) => {
            use std::net::ToSocketAddrs;
            let sa = a
                .to_socket_addrs()?
                .next()
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"))?;
            let s = TcpStream::connect_timeout(&sa, super::http::CONNECT_TIMEOUT)?;
            s.set_read_timeout(Some(stall))?;
            s.set_write_timeout(Some(stall))?;
            Socket::Tcp(s)
        }
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: imgsize/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    socket.write_all(request.as_bytes())?;
    let mut reader = BufReader::with_capacity(BUFFER, socket);
    let (status, headers) = read_head(&mut reader)?;
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let chunked =
        find("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        Body::Chunked(Chunked {
            inner: reader,
            left: 0,
            done: false,
        })
    } else if let Some(len) = find("content-length").and_then(|v| v.trim().parse::<u64>().ok()) {
        Body::Length(reader.take(len))
    } else {
        Body::Close(reader)
    };
    Ok(Response { status, body })
}

fn bad(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

/// Reads the status line and headers.
fn read_head(r: &mut BufReader<Socket>) -> io::Result<(u16, Vec<(String, String)>)> {
    let mut head = Vec::new();
    loop {
        let available = r.fill_buf()?;
        let got = available.len();
        if got == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the engine closed the connection without an answer",
            ));
        }
        // Look for the blank line in what is buffered, taking only up to it.
        let start = head.len().saturating_sub(3);
        head.extend_from_slice(available);
        let end = head[start..]
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|p| start + p + 4);
        let took = match end {
            Some(e) => got - (head.len() - e),
            None => got,
        };
        r.consume(took);
        if let Some(e) = end {
            head.truncate(e);
            break;
        }
        if head.len() > MAX_HEAD {
            return Err(bad("response head over 64 KiB"));
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(bad("incomplete response head")),
        Err(e) => return Err(bad(&format!("not an HTTP response: {e}"))),
    }
    let status = resp.code.ok_or_else(|| bad("no status code"))?;
    let headers = resp
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    Ok((status, headers))
}

/// The chunked transfer coding (RFC 9112 §7.1); a stream that ends before the
/// last chunk is an error.
struct Chunked<R> {
    inner: R,
    /// Bytes left in the current chunk.
    left: u64,
    done: bool,
}

impl<R: BufRead> Chunked<R> {
    fn line(&mut self) -> io::Result<String> {
        let mut line = Vec::new();
        (&mut self.inner).take(4096).read_until(b'\n', &mut line)?;
        if !line.ends_with(b"\n") {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the stream ended inside a chunk header",
            ));
        }
        Ok(String::from_utf8_lossy(&line).trim_end().to_string())
    }
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            let line = self.line()?;
            let size = line.split(';').next().unwrap_or("").trim();
            self.left = u64::from_str_radix(size, 16)
                .map_err(|_| bad(&format!("bad chunk size '{}'", line.escape_debug())))?;
            if self.left == 0 {
                // Trailers, then the blank line.
                while !self.line()?.is_empty() {}
                self.done = true;
                return Ok(0);
            }
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the stream ended inside a chunk",
            ));
        }
        self.left -= n as u64;
        if self.left == 0 {
            let end = self.line()?;
            if !end.is_empty() {
                return Err(bad("chunk not followed by CRLF"));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(wire: &[u8]) -> io::Result<Vec<u8>> {
        let mut c = Chunked {
            inner: io::Cursor::new(wire.to_vec()),
            left: 0,
            done: false,
        };
        let mut out = Vec::new();
        let mut buf = [0u8; 3];
        loop {
            let n = c.read(&mut buf)?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn chunks_decode_with_extensions_and_trailers() {
        let wire = b"5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n";
        assert_eq!(decode(wire).unwrap(), b"hello 0123456789");
    }

    #[test]
    fn a_stream_cut_anywhere_is_an_error() {
        let wire = b"5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n";
        for cut in 0..wire.len() {
            assert!(decode(&wire[..cut]).is_err(), "cut at {cut} read as whole");
        }
        assert!(decode(b"zz\r\n").is_err());
        assert!(decode(b"2\r\nabX\r\n").is_err());
    }
}
