//! Data files read through a bounded reader: gzip is inflated on the fly and
//! never past what the caller asks for, so a small file that inflates to
//! gigabytes costs no more memory than its header declares.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use super::DataError;
use crate::{Error, Result};

/// The most bytes one data file may hold once decompressed: 1 GiB (MNIST's
/// training images are 47 MB, a CIFAR-10 batch 31 MB). An IDX header
/// declaring more, a CIFAR-10 file inflating to more, or a plain file longer
/// than that is refused before its content is read. Larger CIFAR-10 data can
/// be given as several files.
pub const MAX_DECODED_BYTES: u64 = 1 << 30;

/// Bytes read per step when the length is not known in advance (gzip).
const STEP: usize = 1 << 16;

/// A data file opened for reading, decompressed on the fly when it starts
/// with the gzip magic bytes `1f 8b` (whatever its name).
pub(super) struct Source<'a> {
    path: &'a Path,
    reader: Box<dyn Read + 'a>,
    /// The file's length when it is not gzipped (the decoded length then).
    plain_len: Option<u64>,
    /// Decoded bytes read so far.
    consumed: u64,
}

impl<'a> Source<'a> {
    /// Opens `path`.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be opened or read.
    pub(super) fn open(path: &'a Path) -> Result<Self> {
        let io = |e| Error::io("read", path, e);
        let file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut file = BufReader::new(file);
        let mut magic = [0_u8; 2];
        let got = read_full(&mut file, &mut magic).map_err(io)?;
        let head = std::io::Cursor::new(magic[..got].to_vec());
        let gzip = magic[..got] == [0x1f, 0x8b];
        let chained = head.chain(file);
        Ok(if gzip {
            Source::new(path, flate2::read::MultiGzDecoder::new(chained), None)
        } else {
            Source::new(path, chained, Some(len))
        })
    }

    /// Reads `reader`, holding `plain_len` bytes if known, as the content of `path`.
    pub(super) fn new(path: &'a Path, reader: impl Read + 'a, plain_len: Option<u64>) -> Self {
        Source {
            path,
            reader: Box::new(reader),
            plain_len,
            consumed: 0,
        }
    }

    /// The file.
    pub(super) fn path(&self) -> &Path {
        self.path
    }

    /// The file's name, for messages.
    pub(super) fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// The decoded length when known without reading (a file not gzipped).
    pub(super) fn known_len(&self) -> Option<u64> {
        self.plain_len
    }

    /// Reads up to `limit` more bytes (fewer only at the end of the data),
    /// allocating as they arrive (at once for a plain file) and reporting an
    /// allocation failure as an error.
    ///
    /// # Errors
    /// [`Error::Io`] for a read failure, [`DataError::Format`] for corrupt
    /// gzip data or memory that cannot be allocated.
    pub(super) fn read_up_to(&mut self, limit: u64) -> Result<Vec<u8>> {
        // A plain file's length is known: it is read at once, and never past it.
        let limit = self
            .plain_len
            .map_or(limit, |len| len.saturating_sub(self.consumed).min(limit));
        let mut out = Vec::new();
        let mut step = self.plain_len.map_or(STEP as u64, |_| limit);
        while (out.len() as u64) < limit {
            let want = step.min(limit - out.len() as u64);
            let start = out.len();
            let want_usize = usize::try_from(want).map_err(|_| self.no_memory(want))?;
            out.try_reserve_exact(want_usize).map_err(|_| self.no_memory(want))?;
            out.resize(start + want_usize, 0);
            let got = read_full(&mut self.reader, &mut out[start..]).map_err(|e| self.read_error(e))?;
            out.truncate(start + got);
            self.consumed += got as u64;
            if got < want_usize {
                break;
            }
            // Grow geometrically so long gzip streams take few reallocations.
            step = step.saturating_mul(2);
        }
        Ok(out)
    }

    /// Whether the data ends here; otherwise how many bytes follow, counted
    /// up to `limit` (`None` beyond it).
    ///
    /// # Errors
    /// As [`read_up_to`](Self::read_up_to).
    pub(super) fn rest_len(&mut self, limit: u64) -> Result<Option<u64>> {
        if let Some(len) = self.plain_len {
            return Ok(Some(len.saturating_sub(self.consumed)));
        }
        let mut counted = 0_u64;
        let mut sink = [0_u8; 4096];
        while counted <= limit {
            let got = self.reader.read(&mut sink).map_err(|e| self.read_error(e))?;
            if got == 0 {
                return Ok(Some(counted));
            }
            counted += got as u64;
        }
        Ok(None)
    }

    fn no_memory(&self, bytes: u64) -> Error {
        DataError::Format {
            path: self.name(),
            reason: format!("cannot allocate {bytes} bytes to read it"),
        }
        .into()
    }

    fn read_error(&self, e: std::io::Error) -> Error {
        if self.plain_len.is_some() {
            Error::io("read", self.path, e)
        } else {
            DataError::Format {
                path: self.name(),
                reason: format!("corrupt gzip data: {e}"),
            }
            .into()
        }
    }
}

/// Fills `buf` as far as the reader goes; returns the bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
