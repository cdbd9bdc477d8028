//! Everything leadroute writes. Files go through one atomic helper: a temporary
//! file in the target's folder, renamed into place only when the whole run has
//! succeeded, so a crash, a kill or a full disk never leaves a half-written
//! assignment file and never destroys yesterday's.

pub mod csv;
pub mod report;
pub mod summary;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Fail, io_reason};

/// Where one output goes.
pub enum Target {
    Stdout,
    File(PathBuf),
}

impl Target {
    /// `-` or absent means standard output.
    pub fn from_arg(arg: Option<&str>) -> Target {
        match arg {
            None | Some("-") => Target::Stdout,
            Some(p) => Target::File(PathBuf::from(p)),
        }
    }

    pub fn is_stdout(&self) -> bool {
        matches!(self, Target::Stdout)
    }
}

/// Temporary files not yet renamed into place, removed if the run is
/// interrupted (SIGINT, SIGTERM, SIGHUP): a kill leaves no debris behind.
static TEMPORARY: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Installs the interrupt handler once: remove temporary outputs, exit 130.
pub fn clean_up_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        if let Ok(paths) = TEMPORARY.lock() {
            for p in paths.iter() {
                let _ = std::fs::remove_file(p);
            }
        }
        eprintln!("leadroute: interrupted; no output was written");
        std::process::exit(130);
    });
}

fn forget_temporary(path: &Path) {
    if let Ok(mut paths) = TEMPORARY.lock() {
        paths.retain(|p| p != path);
    }
}

/// One output of a run.
enum Pending {
    /// A regular file: written next to its target, renamed into place by `commit`.
    Atomic { tmp: tempfile::NamedTempFile, path: PathBuf },
    /// A device, FIFO or other special file (`/dev/null`, `/dev/stdout`, `>(cmd)`):
    /// it cannot be replaced, so it is opened and written when the run succeeded.
    Direct { path: PathBuf },
}

/// Outputs of one run: created up front (so an unwritable folder fails before
/// the work), filled, then committed together.
pub struct Outputs {
    pending: Vec<Pending>,
    /// `--no-sync`: skip the fsync before the rename.
    no_sync: bool,
}

/// Where writing `path` really lands: symlinks are followed, so the link stays
/// a link and its target gets the new content.
fn resolve(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

/// A key that is equal for two paths naming the same file, existing or not.
pub fn identity(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let parent = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(path.file_name()?))
}

impl Outputs {
    /// Outputs that are flushed to disk before they are renamed into place, or
    /// (`no_sync`) only renamed.
    pub fn new(no_sync: bool) -> Outputs {
        Outputs { pending: Vec::new(), no_sync }
    }

    /// Prepares the output for `path` (a temporary file next to it); returns its index.
    pub fn create(&mut self, path: &Path) -> Result<usize, Fail> {
        if path.is_dir() {
            return Err(Fail::input(format!("{}: is a folder; give a file name for the output", path.display())));
        }
        let real = resolve(path);
        if let Ok(m) = std::fs::metadata(&real)
            && !m.is_file()
        {
            self.pending.push(Pending::Direct { path: real });
            return Ok(self.pending.len() - 1);
        }
        let dir = match real.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{}.", real.file_name().map_or("out".into(), |n| n.to_string_lossy())))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| {
                Fail::input(format!(
                    "{}: cannot write to folder '{}': {} (check that it exists and is writable)",
                    path.display(),
                    dir.display(),
                    io_reason(&e)
                ))
            })?;
        if let Ok(mut paths) = TEMPORARY.lock() {
            paths.push(tmp.path().to_path_buf());
        }
        self.pending.push(Pending::Atomic { tmp, path: real });
        Ok(self.pending.len() - 1)
    }

    /// Writes the content of output `i` through a buffer.
    pub fn write(&mut self, i: usize, f: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>) -> Result<(), Fail> {
        let (file, path, direct) = match &mut self.pending[i] {
            Pending::Atomic { tmp, path } => (tmp.as_file_mut().try_clone(), path.clone(), false),
            Pending::Direct { path } => (std::fs::OpenOptions::new().write(true).open(&*path), path.clone(), true),
        };
        let sync = !direct && !self.no_sync;
        let fail = |e: io::Error| Fail::input(format!("{}: write failed: {}", path.display(), io_reason(&e)));
        let file = file.map_err(fail)?;
        let mut w = BufWriter::with_capacity(1 << 16, Writeback { file: &file, written: 0, started: 0, sync });
        match f(&mut w).and_then(|_| w.flush()) {
            Ok(()) => {}
            Err(e) if direct && e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(fail(e)),
        }
        drop(w);
        if sync {
            file.sync_all().map_err(fail)?;
        }
        Ok(())
    }

    /// Renames every output into place, keeping an existing file's permissions.
    pub fn commit(self) -> Result<(), Fail> {
        for p in self.pending {
            let Pending::Atomic { tmp, path } = p else { continue };
            forget_temporary(tmp.path());
            let perms = std::fs::metadata(&path).map(|m| m.permissions()).ok();
            let file: &File = tmp.as_file();
            match perms {
                Some(perms) => {
                    let _ = file.set_permissions(perms);
                }
                None => set_default_permissions(file),
            }
            tmp.persist(&path).map_err(|e| {
                Fail::input(format!(
                    "{}: cannot move the finished output into place: {}",
                    path.display(),
                    io_reason(&e.error)
                ))
            })?;
        }
        Ok(())
    }
}

/// A file being written that is to be fsynced at the end: every 8 MiB it asks
/// the kernel to start writing the bytes so far to disk, so the disk works
/// while the rest is formatted and the final fsync waits only for the tail.
struct Writeback<'a> {
    file: &'a File,
    written: u64,
    started: u64,
    sync: bool,
}

impl Write for Writeback<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = (&*self.file).write(buf)?;
        self.written += n as u64;
        if self.sync && self.written - self.started >= 8 << 20 {
            start_writeback(self.file, self.started, self.written - self.started);
            self.started = self.written;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&*self.file).flush()
    }
}

/// Starts writeback of a byte range without waiting for it (advisory: errors
/// are left to the final fsync, which reports them).
#[cfg(target_os = "linux")]
fn start_writeback(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    // SAFETY: sync_file_range reads no memory of ours; the descriptor is open
    // for the lifetime of `file`, and any failure only returns an error code.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset as i64, len as i64, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _offset: u64, _len: u64) {}

#[cfg(unix)]
fn set_default_permissions(file: &File) {
    use std::os::unix::fs::PermissionsExt;
    let _ = file.set_permissions(std::fs::Permissions::from_mode(0o644));
}

#[cfg(not(unix))]
fn set_default_permissions(_file: &File) {}

/// Writes to standard output; a closed pipe (`| head`) is not an error.
pub fn write_stdout(f: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>) -> Result<(), Fail> {
    let mut w = BufWriter::with_capacity(1 << 16, io::stdout());
    match f(&mut w).and_then(|_| w.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Fail::input(format!("<stdout>: write failed: {}", io_reason(&e)))),
    }
}
