//! The ledger's files on disk. The ledger is created as an output is (mode
//! 0666 less the umask; SQLite then gives `FILE-wal`, `FILE-shm` and
//! `FILE-journal` the ledger's own mode). A reader that cannot create
//! `FILE-shm` (a read-only folder, where no writer can be at work either)
//! reads the file as immutable. A write that fails for want of permission
//! names what is read-only: the file, or its folder (where SQLite's journal
//! and leadroute's lock file are created), or one of those files.

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::Error;

/// The files SQLite and leadroute keep beside a ledger, by suffix.
pub const BESIDE: [&str; 4] = ["-wal", "-shm", "-journal", ".lock"];

/// How long a reader of a read-only folder waits for a writer (another
/// user's) to finish before it reads the file as immutable.
const READER_WAIT: Duration = Duration::from_secs(60);

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(path: &str) -> String {
    Path::new(path).file_name().map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}

/// Creates the ledger file when it does not exist, with mode 0666 less the
/// umask (SQLite would make it 0644 whatever the umask).
pub fn create(path: &str) -> Result<(), Error> {
    match OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(e) => {
            let dir = folder_of(Path::new(path));
            let what = match e.kind() {
                ErrorKind::NotFound => format!(
                    "its folder '{}' does not exist; create it, or give the ledger a path in an existing folder",
                    dir.display()
                ),
                ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => folder_read_only(path, &dir),
                _ => format!("{e}"),
            };
            Err(Error::input(format!("{path}: cannot create the ledger: {what}")))
        }
    }
}

/// What is read-only for this user among the files a write needs, when one
/// is: the ledger file, its folder (where SQLite's journal and the lock file
/// are created), or a file beside it.
pub fn read_only_reason(path: &str) -> Option<String> {
    let file = Path::new(path);
    let dir = folder_of(file);
    let name = file_name(path);
    let reading = "Reading it works as it is (ledger runs, ledger export, --dry-run, explain --ledger)";
    let creates = format!("{name}-wal, {name}-shm and {name}.lock (SQLite's journal and leadroute's lock)");
    let (file_ro, dir_ro) = (file.exists() && !writable(file), !writable(&dir));
    match (file_ro, dir_ro) {
        (true, true) => {
            return Some(format!(
                "the file and its folder '{}' are read-only for this user (a run writes the file and creates \
                 {creates} in the folder); make both writable for this user, or run as the user that owns them. \
                 {reading}",
                dir.display()
            ));
        }
        (true, false) => {
            return Some(format!(
                "the file is read-only for this user; make it writable for this user, or run as the user that \
                 owns it. {reading}"
            ));
        }
        (false, true) => return Some(format!("{}. {reading}", folder_read_only(path, &dir))),
        (false, false) => {}
    }
    for suffix in BESIDE {
        let p = format!("{path}{suffix}");
        if Path::new(&p).exists() && !writable(Path::new(&p)) {
            return Some(format!(
                "'{p}' is read-only for this user (left by another user's run?); make it writable for this user, \
                 or run as the user that owns it"
            ));
        }
    }
    None
}

/// Why this user cannot read the ledger, when that is so: the file is not
/// readable, or its folder is read-only and `FILE-wal` holds runs not yet in
/// the file, which SQLite reads only with a `FILE-shm` it cannot create.
pub fn unreadable_reason(path: &str) -> Option<String> {
    if let Err(e) = File::open(path) {
        return Some(format!("{e}; make it readable for this user"));
    }
    let dir = folder_of(Path::new(path));
    let wal_holds_runs = std::fs::metadata(format!("{path}-wal")).is_ok_and(|m| m.len() > 0);
    if wal_holds_runs && !writable(&dir) && !Path::new(&format!("{path}-shm")).exists() {
        let name = file_name(path);
        return Some(format!(
            "its folder '{}' is read-only for this user, and {name}-wal holds recent runs that SQLite reads only \
             with a {name}-shm beside it, which it cannot create there; have a user who may write the folder move \
             them into {name} once (the next run does, or `sqlite3 {path} 'PRAGMA wal_checkpoint(TRUNCATE)'`), \
             or make the folder writable",
            dir.display()
        ));
    }
    None
}

/// Why a write in the ledger's folder fails: the folder is read-only.
fn folder_read_only(path: &str, dir: &Path) -> String {
    let name = file_name(path);
    format!(
        "its folder '{}' is read-only for this user, and a run creates {name}-wal, {name}-shm and {name}.lock there \
         (SQLite's journal and leadroute's lock); make the folder writable for this user, or move the ledger to a \
         writable one",
        dir.display()
    )
}

/// Whether this user may write `path` (a file or a folder): what the kernel
/// says, so root, a read-only mount and an immutable file are all seen.
#[cfg(target_os = "linux")]
fn writable(path: &Path) -> bool {
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()) else { return true };
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call;
    // faccessat only reads it.
    unsafe { libc::faccessat(libc::AT_FDCWD, c.as_ptr(), libc::W_OK, libc::AT_EACCESS) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn writable(path: &Path) -> bool {
    std::fs::metadata(path).map_or(true, |m| !m.permissions().readonly())
}

/// The URI that opens `path` as an immutable database, when a reader may:
/// it cannot create `FILE-shm` (its folder is read-only for it), so no run
/// of its user can write; no `FILE-wal` or `FILE-journal` holds anything
/// (they would hold what the file lacks, or a half-written run); and a run
/// of another user that may write is kept out by `shared_lock`. `None`
/// otherwise.
pub fn immutable_uri(path: &str) -> Option<String> {
    let dir = folder_of(Path::new(path));
    if writable(&dir) {
        return None;
    }
    for suffix in ["-wal", "-journal"] {
        if std::fs::metadata(format!("{path}{suffix}")).is_ok_and(|m| m.len() > 0) {
            return None;
        }
    }
    let absolute = std::path::absolute(path).ok()?;
    let mut uri = String::from("file:");
    for &b in absolute.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    Some(uri)
}

/// A shared lock on `FILE.lock` (which every writer locks exclusively from
/// reading the ledger until its outputs are in place), for a reader of an
/// immutable file: no run writes while it reads. Waits up to a minute for a
/// run that holds it; `None` when there is no lock file to take.
pub fn shared_lock(path: &str) -> Result<Option<File>, Error> {
    let lock = format!("{path}.lock");
    let Ok(file) = File::open(&lock) else { return Ok(None) };
    let deadline = Instant::now() + READER_WAIT;
    loop {
        match file.try_lock_shared() {
            Ok(()) => return Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::input(format!(
                    "{path}: the ledger is in use by another run; waited {} s for it",
                    READER_WAIT.as_secs()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::input(format!("{path}: cannot lock '{lock}': {e}")));
            }
        }
    }
}

/// Whether the file starts as every SQLite database does.
pub fn has_sqlite_header(path: &str) -> bool {
    let mut head = [0u8; 16];
    File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head)).is_ok()
        && &head == b"SQLite format 3\0"
}
