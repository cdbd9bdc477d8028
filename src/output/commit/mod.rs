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

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::Error;

/// Where the run is, as the signal handler sees it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before the commit: an interrupt removes the temporary files and exits 130.
    Working,
    /// Renaming: an interrupt is held until the commit ends.
    Committing,
    /// The outputs are in place: an interrupt no longer changes anything.
    Committed,
}

struct Guard {
    phase: Phase,
    /// Temporary files not yet renamed into place.
    temporary: Vec<PathBuf>,
    /// The folders and name prefixes (`.NAME.PID.`) of this run's temporary
    /// files, registered before each is created: an interrupt in between
    /// still finds it.
    prefixes: Vec<(PathBuf, String)>,
    /// An interrupt arrived while committing.
    held: bool,
}

static GUARD: Mutex<Guard> =
    Mutex::new(Guard { phase: Phase::Working, temporary: Vec::new(), prefixes: Vec::new(), held: false });

fn guard() -> std::sync::MutexGuard<'static, Guard> {
    GUARD.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What the run says when an interrupt came after its outputs were written.
const AFTER_COMMIT: &str = "leadroute: interrupted after the outputs were written; they are complete";

/// Installs the interrupt handler once (SIGINT, SIGTERM, SIGHUP).
pub fn clean_up_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        let mut g = guard();
        match g.phase {
            Phase::Working => exit_interrupted(&g),
            Phase::Committing => g.held = true,
            Phase::Committed => eprintln!("{AFTER_COMMIT}"),
        }
    });
}

/// Removes this run's temporary files and exits 130.
fn exit_interrupted(g: &Guard) -> ! {
    for p in &g.temporary {
        let _ = std::fs::remove_file(p);
    }
    for (dir, prefix) in &g.prefixes {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(prefix.as_str()) && name.ends_with(".tmp") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    eprintln!("leadroute: interrupted; no output was written");
    std::process::exit(i32::from(crate::error::Exit::Interrupted.code()));
}

fn clean_up_now() -> ! {
    exit_interrupted(&guard())
}

/// Moves to `phase`; returns whether an interrupt was held (and forgets it),
/// except when entering `Committing`, which keeps one held since an earlier
/// `hold_interrupts`.
fn set_phase(phase: Phase) -> bool {
    let mut g = guard();
    g.phase = phase;
    if phase == Phase::Committing { false } else { std::mem::take(&mut g.held) }
}

/// Holds SIGINT, SIGTERM and SIGHUP from now until `Outputs::commit` ends (a
/// ledger records the run just before the outputs are renamed: both or neither).
pub fn hold_interrupts() {
    set_phase(Phase::Committing);
}

/// Undoes `hold_interrupts` after a failure before the commit; an interrupt
/// held meanwhile exits 130 as it would have.
pub fn release_interrupts() {
    if set_phase(Phase::Working) {
        clean_up_now();
    }
}

fn forget_temporary(path: &Path) {
    guard().temporary.retain(|p| p != path);
}

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
        guard().prefixes.push((dir.clone(), prefix.clone()));
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
        guard().temporary.push(tmp.path().to_path_buf());
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
        let mut w = BufWriter::with_capacity(1 << 16, Writeback { file: &file, written: 0, started: 0, sync });
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
            // The caller removes the run from the ledger, then `release_interrupts`.
            (Err(_), true) => Phase::Committing,
            (Err(_), false) => Phase::Working,
        });
        if held && result.is_ok() {
            eprintln!("{AFTER_COMMIT}");
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

/// Faults injected by the reliability tests through `LEADROUTE_FAULT`
/// (comma-separated): `commit-pause=MS` sleeps before every rename but the
/// first, so a test can signal a run in the middle of its commit;
/// `rename-fails=N` makes the Nth rename fail.
#[derive(Default)]
struct Fault {
    pause_ms: u64,
    rename_fails: Option<usize>,
}

impl Fault {
    fn from_env() -> Fault {
        let mut f = Fault::default();
        let Some(spec) = std::env::var_os("LEADROUTE_FAULT") else { return f };
        for part in spec.to_string_lossy().split(',') {
            match part.split_once('=') {
                Some(("commit-pause", ms)) => f.pause_ms = ms.trim().parse().unwrap_or(0),
                Some(("rename-fails", n)) => f.rename_fails = n.trim().parse().ok(),
                _ => {}
            }
        }
        f
    }

    fn pause(&self) {
        if self.pause_ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(self.pause_ms));
        }
    }
}

/// A second name for `path`'s current content: a hard link, or a copy where
/// the file system or the file refuses links.
fn keep(path: &Path) -> Result<PathBuf, Error> {
    let backup = folder_of(path).join(format!("{}bak", temporary_prefix(path, std::process::id())));
    let _ = std::fs::remove_file(&backup);
    guard().temporary.push(backup.clone());
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

/// What a leftover file next to `target` is, by its exact name:
/// `.NAME.PID.XXXXXX.tmp` (an unfinished output) or `.NAME.PID.bak` (a
/// previous output kept during a commit). Anything else (another target's
/// files, `.out.csv.2024.…` for a target named `out.csv.2024`) is `None`.
fn leftover(target_name: &str, file: &str) -> Option<(u32, bool)> {
    let rest = file.strip_prefix('.')?.strip_prefix(target_name)?.strip_prefix('.')?;
    let parts: Vec<&str> = rest.split('.').collect();
    let pid = parts.first()?.parse::<u32>().ok()?;
    match parts[..] {
        [_, random, "tmp"] if !random.is_empty() && random.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Some((pid, false))
        }
        [_, "bak"] => Some((pid, true)),
        _ => None,
    }
}

/// Removes the unfinished outputs for `target` that a run no longer alive
/// left (killed by SIGKILL or SIGXFSZ, or a power cut), and says so. A kept
/// previous output (`.bak`) of a dead run is never removed: the run died in
/// its commit, or could not put it back, so it may be the only copy of that
/// output. It is named on standard error until someone deletes it.
fn remove_stale(target: &Path) {
    let dir = folder_of(target);
    let Some(name) = target.file_name() else { return };
    let name = name.to_string_lossy();
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let (mut removed, mut kept) = (Vec::new(), Vec::new());
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        let Some((pid, backup)) = leftover(&name, &file) else { continue };
        if pid == std::process::id() || process_alive(pid) || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        if backup {
            kept.push(file.into_owned());
        } else if std::fs::remove_file(entry.path()).is_ok() {
            removed.push(file.into_owned());
        }
    }
    if !removed.is_empty() {
        removed.sort();
        eprintln!(
            "leadroute: removed {} temporary file{} left by an interrupted run in '{}': {}",
            removed.len(),
            if removed.len() == 1 { "" } else { "s" },
            dir.display(),
            removed.join(", ")
        );
    }
    let kept: Vec<String> = kept
        .iter()
        .map(|file| {
            format!(
                "'{file}' in '{}' is a previous {name} that a run killed while committing (or unable to put it \
                 back) left; leadroute keeps it: compare it with {name} and delete it",
                dir.display()
            )
        })
        .collect();
    let _ = super::write_stderr(&super::warning_lines(&kept));
}

/// Whether a process with this id exists (one we may not signal still counts).
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return true };
    if pid <= 0 {
        return true;
    }
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Without a way to ask, every process is taken to be alive: nothing is removed.
#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
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

/// A key that is equal for two paths naming the same file, existing or not.
fn identity(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let parent = folder_of(path);
    match std::fs::canonicalize(parent) {
        Ok(dir) => Some(dir.join(path.file_name()?)),
        // A folder that does not exist (yet): compare the absolute paths as
        // written, so that two outputs into it are still seen to collide.
        Err(_) => std::path::absolute(path).ok(),
    }
}

/// Whether two paths name one file: the same canonical path, or (hard links)
/// the same device and inode.
fn same_file(a: &Path, b: &Path) -> bool {
    if identity(a).is_some_and(|x| identity(b).is_some_and(|y| x == y)) {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    false
}

/// A file's device and inode, when it exists.
#[cfg(unix)]
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_identity(_path: &Path) -> Option<(u64, u64)> {
    None
}

/// The device and inode of standard input when it is a regular file (a
/// redirection); None for a terminal, a pipe or a closed descriptor.
#[cfg(unix)]
fn stdin_identity() -> Option<(u64, u64)> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let meta = std::fs::File::from(fd).metadata().ok()?;
    meta.is_file().then(|| (meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn stdin_identity() -> Option<(u64, u64)> {
    None
}

/// Command-line checks on the output paths, before anything is read (exit 2):
/// no empty path; `-` is standard output only for `-o`; two outputs may not
/// name the same file, and no output may name one of the run's inputs.
///
/// `inputs` are (what it is, path) pairs; `-` (standard input) is skipped.
pub fn check_paths(inputs: &[(&str, &str)], outputs: &[(&str, Option<&str>)]) -> Result<(), Error> {
    // (what it is, its path, whether it is an input)
    let mut seen: Vec<(&str, &Path, bool)> = Vec::new();
    // Standard input redirected from a file (`- < leads.csv`): that file is
    // an input too, known by its device and inode alone.
    let mut stdin_file = None;
    for &(what, path) in inputs {
        if path == "-" {
            stdin_file = stdin_file.or(stdin_identity().map(|id| (what, id)));
        } else if !path.is_empty() {
            seen.push((what, Path::new(path), true));
        }
    }
    for &(flag, path) in outputs {
        let Some(path) = path else { continue };
        if path.is_empty() {
            return Err(Error::usage(format!(
                "{flag} \"\": the output path is empty; give a file name, or - for standard output"
            )));
        }
        if path == "-" {
            if flag != "-o" {
                return Err(Error::usage(format!(
                    "{flag} -: standard output is for the CSV; give a file name (or /dev/stdout with -q)"
                )));
            }
            continue;
        }
        let p = Path::new(path);
        // Devices and pipes (/dev/null, /dev/stdout) may take several outputs.
        if std::fs::metadata(p).is_ok_and(|m| !m.is_file()) {
            continue;
        }
        if let Some((what, _)) = stdin_file.filter(|(_, id)| file_identity(p) == Some(*id)) {
            return Err(Error::usage(format!(
                "{flag} {path}: the same file as {what} (read from standard input); \
                 an output may not replace one of the run's inputs; give it another file"
            )));
        }
        if let Some((other, _, input)) = seen.iter().find(|(_, o, _)| same_file(o, p)) {
            let fix = if *input {
                "an output may not replace one of the run's inputs; give it another file"
            } else {
                "give each output its own file"
            };
            return Err(Error::usage(format!("{flag} {path}: the same file as {other}; {fix}")));
        }
        seen.push((flag, p, false));
    }
    Ok(())
}
