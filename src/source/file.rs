//! The file transport: a path (a tarball, compressed or not, or a layout directory)
//! or standard input (a pipe read as a stream, or a redirected file read by seeking).

use std::path::Path;

use super::container::{DirContainer, StreamContainer, TarContainer};
use super::{resolve, Container, Image, OpenOptions};
use crate::error::{Error, Result};
use crate::layer::ScanOptions;

/// Opens an image from a tar stream (`docker save` output or an OCI archive).
pub(crate) fn open_stream(
    input: impl std::io::Read,
    label: &str,
    opts: &OpenOptions,
    scan: &ScanOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Image> {
    resolve(
        Container::Stream(StreamContainer::read(input, label, scan, progress)?),
        "archive",
        opts,
    )
}

/// Opens `input` (a path, or `-` for stdin).
pub(crate) fn open(
    input: &str,
    opts: &OpenOptions,
    scan: &ScanOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Image> {
    let (container, base_kind) = if input == "-" && !stdin_is_a_file() {
        let stdin = std::io::stdin().lock();
        (
            Container::Stream(StreamContainer::read(stdin, "<stdin>", scan, progress)?),
            "archive",
        )
    } else {
        // `imgsize inspect - < app.tar` hands over a file: read it by seeking, as if named.
        let (path, input) = match input {
            "-" => (Path::new("/dev/stdin"), "<stdin>"),
            named => (Path::new(named), named),
        };
        let meta = std::fs::metadata(path).map_err(|e| Error::io(input, e))?;
        if meta.is_dir() {
            (Container::Dir(DirContainer::open(path, input)?), "layout")
        } else {
            let mut head = [0u8; 512];
            let n = std::fs::File::open(path)
                .and_then(|mut f| crate::tar::read_full(&mut f, &mut head))
                .map_err(|e| Error::io(input, e))?;
            match crate::layer::Compression::detect(&head[..n]) {
                Some(crate::layer::Compression::None) => {
                    (Container::Tar(TarContainer::open(path, input)?), "archive")
                }
                Some(_) => {
                    // A compressed tarball cannot be seeked: read it as a stream.
                    let file = std::fs::File::open(path).map_err(|e| Error::io(input, e))?;
                    (
                        Container::Stream(StreamContainer::read(file, input, scan, progress)?),
                        "archive",
                    )
                }
                None if n == 0 => return Err(Error::format(input, "empty file: not an image")),
                None => {
                    return Err(Error::format(
                        input,
                        "not an image: neither a tar archive nor an OCI layout directory",
                    ))
                }
            }
        }
    };
    resolve(container, base_kind, opts)
}

/// Standard input is a regular file (a `<` redirection), read from its start, that
/// `/dev/stdin` reopens.
fn stdin_is_a_file() -> bool {
    use std::io::Seek;
    use std::os::fd::AsFd;
    let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else {
        return false;
    };
    let mut file = std::fs::File::from(fd);
    file.metadata().is_ok_and(|m| m.is_file())
        && file.stream_position().is_ok_and(|p| p == 0)
        && Path::new("/dev/stdin").exists()
}
