//! The one way leadroute writes a file. Each output is written to a temporary
//! file next to its target and renamed into place only when the whole run has
//! succeeded, all outputs together:
//!
//! - a crash, a kill or a full disk never leaves a half-written output and
//!   never destroys yesterday's;
//! - the commit is all-or-nothing: every existing target is kept under a
//!   temporary name (a hard link) until every rename has succeeded, and put
//!   back if one fails;
//! - SIGINT, SIGTERM and SIGHUP remove the temporary files and exit 130 before
//!   the commit; during the commit they are held until it ends;
//! - temporary names carry the process id, so a later run can remove what a
//!   killed run (SIGKILL, SIGXFSZ) left behind without touching a live run's.

mod fault;
mod paths;
mod signals;
mod stale;
mod writeback;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;
use fault::Fault;
pub use paths::check_paths;
pub use signals::{InterruptsHeld, clean_up_on_interrupt};
use signals::{Phase, forget_temporary, set_phase};
use stale::remove_stale;
use writeback::Writeback;

/// One output of a run.
enum Pending {
    /// A regular file: written next to its target, renamed into place by `commit`.
    Atomic { tmp: tempfile::NamedTempFile, path: PathBuf },
    /// A device, FIFO or other special file (`/dev/null`, `/dev/stdout`, `>(cmd)`):
    /// it cannot be replaced, so it is opened and written in place.
    Direct { path: PathBuf },
}

/// Outputs of one run: created up front (so an unwritable folder fails before
/// the work), filled, then committed together.
pub struct Outputs {
    pending: Vec<Pending>,
    /// `--no-sync`: skip the fsyncs before and after the rename.
    no_sync: bool,
    /// A run recorded in a ledger: a reader of a pipe or FIFO output that
    /// closes early fails the run (its leads were not delivered), and after a
    /// failed commit interrupts stay held until the run is removed again.
    recorded: bool,
}

/// Where writing `path` really lands: symlinks are followed, so the link stays
/// a link and its target gets the new content.
fn resolve(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The start of every temporary name for `target`: `.NAME.PID.`
fn temporary_prefix(target: &Path, pid: u32) -> String {
    let name = target.file_name().map_or("out".into(), |n| n.to_string_lossy());
    format!(".{name}.{pid}.")
}

impl Outputs {
    /// Outputs that are flushed to disk before they are renamed into place, or
    /// (`no_sync`) only renamed.
    pub fn new(no_sync: bool) -> Outputs {
        Outputs { pending: Vec::new(), no_sync, recorded: false }
    }

    /// The outputs of a run that a ledger records (see `recorded`).
    pub fn recorded(&mut self) {
        self.recorded = true;
    }

    /// Prepares the output for `path` (a temporary file next to it); returns its index.
    pub fn create(&mut self, path: &Path) -> Result<usize, Error> {
        if path.is_dir() {
            return Err(Error::output(format!("{}: is a folder; give a file name for the output", path.display())));
        }
        let real = resolve(path);
        if let Ok(m) = std::fs::metadata(&real)
            && !m.is_file()
        {
            self.pending.push(Pending::Direct { path: real });
            return Ok(self.pending.len() - 1);
        }
        let dir = folder_of(&real);
        remove_stale(&real);
        // 0666 here; the kernel takes the umask off. A replaced file gets its
        // old mode back in `commit`.
        let prefix = temporary_prefix(&real, std::process::id());
        signals::watch_prefix(dir.clone(), prefix.clone());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        // The temporary file's name means nothing to the user: the message
        // names the target and its folder.
        let tmp = builder.tempfile_in(&dir).map_err(|e| {
            let why = match e.kind() {
                io::ErrorKind::NotFound => "does not exist; create it, or give a path in an existing folder".into(),
                io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                    "is read-only for this user; make it writable, or give a path in a writable folder".into()
                }
                _ => format!("cannot take a new file ({}); check that it exists and is writable", os_error(&e)),
            };
            Error::output(format!("{}: cannot write the output: folder '{}' {why}", path.display(), dir.display()))
        })?;
        signals::watch_temporary(tmp.path().to_path_buf());
        self.pending.push(Pending::Atomic { tmp, path: real });
        Ok(self.pending.len() - 1)
    }

    /// Writes the content of output `i` through a buffer.
    pub fn write(&mut self, i: usize, f: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>) -> Result<(), Error> {
        let (file, path, direct) = match &mut self.pending[i] {
            Pending::Atomic { tmp, path } => (tmp.as_file_mut().try_clone(), path.clone(), false),
            Pending::Direct { path } => (std::fs::OpenOptions::new().write(true).open(&*path), path.clone(), true),
        };
        let sync = !direct && !self.no_sync;
        let fail = |e: io::Error| Error::output(format!("{}: write failed: {}", path.display(), e));
        let file = file.map_err(fail)?;
        let mut w = BufWriter::with_capacity(1 << 16, Writeback::new(&file, sync));
        match f(&mut w).and_then(|_| w.flush()) {
            Ok(()) => {}
            Err(e) if direct && e.kind() == io::ErrorKind::BrokenPipe && self.recorded => {
                return Err(Error::ClosedPipe);
            }
            Err(e) if direct && e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(fail(e)),
        }
        drop(w);
        if sync {
            file.sync_all().map_err(fail)?;
        }
        Ok(())
    }

    /// Renames every output into place, all or none. An existing target keeps
    /// its mode, and is kept under a temporary name until every rename has
    /// succeeded; if one fails, the targets already replaced are put back.
    /// Interrupts during the commit are held until it ends.
    pub fn commit(self) -> Result<(), Error> {
        let no_sync = self.no_sync;
        let mut steps: Vec<Step> = Vec::new();
        for p in self.pending {
            if let Pending::Atomic { tmp, path } = p {
                steps.push(Step { tmp: Some(tmp), path, backup: None, done: false });
            }
        }
        set_phase(Phase::Committing);
        let mut result = commit_steps(&mut steps, no_sync);
        if let Err(e) = &result {
            let all_back = roll_back(&mut steps);
            let outcome =
                if all_back { "no output was changed" } else { "some outputs could not be put back (see above)" };
            result = Err(Error::output(format!("{}; {outcome}", e.message())));
        }
        // A backup is removed unless its target could not be put back (then
        // it is the previous output, and the message names it).
        for s in &steps {
            if let Some(b) = &s.backup {
                if !(result.is_err() && s.done) {
                    let _ = std::fs::remove_file(b);
                }
                // A backup kept (its target could not be put back) is never
                // removed by an interrupt either.
                forget_temporary(b);
            }
        }
        // Dropping a step's unused temporary file removes it.
        for s in &mut steps {
            if let Some(tmp) = s.tmp.take() {
                forget_temporary(tmp.path());
            }
        }
        // After a failed commit everything was put back, and the error (exit 1)
        // says so; after a good one, a held interrupt is reported here.
        let held = set_phase(match (&result, self.recorded) {
            (Ok(()), _) => Phase::Committed,
            // The caller removes the run from the ledger, then drops its `InterruptsHeld`.
            (Err(_), true) => Phase::Committing,
            (Err(_), false) => Phase::Working,
        });
        if held && result.is_ok() {
            eprintln!("{}", signals::AFTER_COMMIT);
        }
        result
    }
}

/// One target of the commit.
struct Step {
    /// The finished temporary file; `None` once it has been renamed into place.
    tmp: Option<tempfile::NamedTempFile>,
    path: PathBuf,
    /// A second name for the target's previous content, while committing.
    backup: Option<PathBuf>,
    done: bool,
}

fn commit_steps(steps: &mut [Step], no_sync: bool) -> Result<(), Error> {
    // Keep every existing target, and give each new file its target's mode.
    for s in steps.iter_mut() {
        let Some(tmp) = &s.tmp else { continue };
        if let Ok(m) = std::fs::metadata(&s.path)
            && m.is_file()
        {
            let _ = tmp.as_file().set_permissions(m.permissions());
            s.backup = Some(keep(&s.path)?);
        }
    }
    let fault = Fault::from_env();
    fault.before_renames();
    for (n, s) in steps.iter_mut().enumerate() {
        let Some(tmp) = s.tmp.take() else { continue };
        let tmp_path = tmp.path().to_path_buf();
        if n > 0 {
            fault.pause();
        }
        let renamed = if fault.rename_fails == Some(n + 1) {
            Err(tempfile::PersistError { error: io::Error::other("injected failure (LEADROUTE_FAULT)"), file: tmp })
        } else {
            tmp.persist(&s.path)
        };
        match renamed {
            Ok(_) => {
                forget_temporary(&tmp_path);
                s.done = true;
            }
            Err(e) => {
                let reason = e.error;
                s.tmp = Some(e.file);
                return Err(Error::output(format!(
                    "{}: cannot move the finished output into place: {reason}",
                    s.path.display()
                )));
            }
        }
    }
    if !no_sync {
        // The renames themselves reach the disk with their folders.
        let mut folders: Vec<PathBuf> = steps.iter().map(|s| folder_of(&s.path)).collect();
        folders.sort();
        folders.dedup();
        for d in folders {
            if let Ok(f) = File::open(&d) {
                let _ = f.sync_all();
            }
        }
    }
    Ok(())
}

/// An I/O error as the system says it, without the path `tempfile` adds
/// (a temporary file's name).
fn os_error(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code).to_string(),
        None => e.kind().to_string(),
    }
}

/// A second name for `path`'s current content: a hard link, or a copy where
/// the file system or the file refuses links.
fn keep(path: &Path) -> Result<PathBuf, Error> {
    let backup = folder_of(path).join(format!("{}bak", temporary_prefix(path, std::process::id())));
    let _ = std::fs::remove_file(&backup);
    signals::watch_temporary(backup.clone());
    if std::fs::hard_link(path, &backup).is_ok() {
        return Ok(backup);
    }
    std::fs::copy(path, &backup).map(|_| backup).map_err(|e| {
        Error::output(format!("{}: cannot keep the previous output while replacing it: {}", path.display(), e))
    })
}

/// Puts back every target already replaced; whether all went back.
fn roll_back(steps: &mut [Step]) -> bool {
    let mut all = true;
    for s in steps.iter_mut().filter(|s| s.done) {
        let restored = match &s.backup {
            Some(b) => std::fs::rename(b, &s.path),
            None => std::fs::remove_file(&s.path),
        };
        match restored {
            Ok(()) => {
                s.backup = None;
                s.done = false;
            }
            Err(e) => {
                all = false;
                eprintln!(
                    "leadroute: error: {}: could not put the previous output back ({e}); it is kept as {}",
                    s.path.display(),
                    s.backup.as_deref().map_or("(no copy: the target was new)".into(), |b| b.display().to_string())
                )
            }
        }
    }
    all
}
