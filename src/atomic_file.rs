//! Files written whole or not at all.
//!
//! Every file the crate writes (scores CSV, safetensors models) and every
//! file its examples write goes through [`write_with`]: the content goes to
//! a temporary file `.NAME.PID.N.tmp` in the destination's directory, is
//! flushed and `fsync`ed, and only then renamed over the destination (and
//! the directory synced, on Unix). On any error — a full disk, a failing
//! writer, a refused rename — the temporary file is removed and the old
//! file, if any, is left exactly as it was. A reader sees the old content
//! or the new, never a half-written file.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{Error, Result};

/// Writes `contents` to `path` atomically (see the [module](self)).
///
/// # Errors
/// [`Error::Io`] naming `path` (or the temporary file) when it cannot be
/// written; the old file is then intact and no temporary file is left.
///
/// # Examples
///
/// ```
/// let dir = std::env::temp_dir().join(format!("infoablate-doc-atomic-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("out.csv");
/// infoablate::atomic_file::write(&path, "a,b\n1,2\n")?;
/// assert_eq!(std::fs::read_to_string(&path)?, "a,b\n1,2\n");
/// // A directory that does not exist: an error naming the file, nothing written.
/// assert!(infoablate::atomic_file::write(dir.join("no/such/dir/x"), "x").is_err());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> Result<()> {
    write_with(path, |w| w.write_all(contents.as_ref()))
}

/// Writes to `path` atomically whatever `fill` writes (see the
/// [module](self)); an error from `fill` aborts the write like a full disk.
///
/// # Errors
/// [`Error::Io`] naming `path` (or the temporary file) for an error of
/// `fill`, of the file system or of the rename; the old file is then intact
/// and no temporary file is left.
///
/// # Examples
///
/// ```
/// use std::io::{Error, ErrorKind, Write};
///
/// let dir = std::env::temp_dir().join(format!("infoablate-doc-atomic-with-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("scores.csv");
/// infoablate::atomic_file::write(&path, "old\n")?;
/// let failed = infoablate::atomic_file::write_with(&path, |w| {
///     w.write_all(b"new, half")?;
///     Err(Error::new(ErrorKind::StorageFull, "injected"))
/// });
/// assert!(failed.unwrap_err().to_string().contains("injected"));
/// assert_eq!(std::fs::read_to_string(&path)?, "old\n"); // untouched
/// assert_eq!(std::fs::read_dir(&dir)?.count(), 1); // no temporary file left
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_with(path: impl AsRef<Path>, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let path = path.as_ref();
    let temporary = temporary_path(path)?;
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .map_err(|e| Error::io("create a temporary file beside", path, e))?;
    // Errors name the destination, the file the caller asked for.
    let written = fill_and_sync(file, fill).map_err(|e| Error::io("write", path, e));
    let renamed = written.and_then(|()| std::fs::rename(&temporary, path).map_err(|e| Error::io("write", path, e)));
    if renamed.is_err() {
        // Best effort: the first error is the one to report.
        let _ = std::fs::remove_file(&temporary);
    }
    renamed?;
    sync_directory(path);
    Ok(())
}

/// Runs `fill` on a buffered writer over `file`, flushes and syncs it.
fn fill_and_sync(file: File, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let mut writer = BufWriter::new(file);
    fill(&mut writer)?;
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
}

/// `.NAME.PID.N.tmp` beside `path`, `N` counting this process's writes.
fn temporary_path(path: &Path) -> Result<PathBuf> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = path.file_name().ok_or_else(|| {
        Error::io(
            "write",
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
        )
    })?;
    let mut temporary = std::ffi::OsString::from(".");
    temporary.push(name);
    temporary.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    Ok(path.with_file_name(temporary))
}

/// Syncs the directory holding `path` so that the rename itself is durable
/// (Unix; best effort: the file is already complete under its name).
fn sync_directory(path: &Path) {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
