//! The ledger (docs/reference.md §6): an SQLite file that makes nightly or five-minute
//! runs one long batch. A run reads what earlier runs assigned (`memory`),
//! routes, and records its new assignments in one transaction just before its
//! outputs are renamed into place (`record`). The write lock is SQLite's own
//! (`BEGIN IMMEDIATE`, waited for up to `--wait`); readers (`--dry-run`,
//! `explain`, `compare`, `ledger runs|export`) read a snapshot.
//!
//! The schema is in `SCHEMA` and in docs/operations.md. A file is recognised by its
//! `application_id`; `user_version` is the schema version. A damaged file is
//! one clear error (`check`); a read-only one is read all the same, and a
//! write to it says what is read-only (`files`).

mod check;
mod error;
mod files;
mod memory;
mod pg;
mod pgurl;

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

pub use check::{check, check_postgres};
pub use files::BESIDE;
pub use memory::read_memory;
pub use pg::DDL as POSTGRES_DDL;
pub use pgurl::{is_url, shown};

use crate::error::Error;
pub use error::{LedgerError, OrLedger};

/// `PRAGMA application_id` of a leadroute ledger ("LRDL").
pub const APPLICATION_ID: i64 = 0x4C52_444C;

/// The schema version this leadroute writes (`PRAGMA user_version`).
pub const VERSION: i64 = 3;

/// What schema version 3 added that is made whole (a new ledger's schema and
/// the upgrade from 2 share it): `meta`, and the `assignments` view.
macro_rules! version_3_tables {
    () => {
        "CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE VIEW assignments AS
SELECT a.run, r.as_of, a.lead_id, a.account, a.email, t.name AS team, p.name AS rep,
       w.name AS reason, a.score / 100.0 AS score, s.name AS stage,
       coalesce(strftime('%Y-%m-%dT%H:%M:%SZ', a.assigned_at, 'unixepoch'), r.assigned_at) AS assigned_at
FROM assigned a
JOIN runs r ON r.run = a.run
LEFT JOIN names t ON t.id = a.team
JOIN names p ON p.id = a.rep
JOIN names w ON w.id = a.reason
LEFT JOIN names s ON s.id = a.stage;
"
    };
}

/// Version 3. Names (teams, reps, reasons, stages) are stored once in
/// `names`; `assigned` refers to them by id, which keeps a row near 60 bytes.
/// The `assignments` view shows the rows with their names, for people.
/// `run_reps` holds, per run, team and rep, the leads taken and (`weight`
/// not NULL) the run's roster: what loads count (docs/reference.md §6.1). Rows of
/// `assigned` with run 0 are what `prune` keeps of a lead (§6.3); `warned`
/// is what the runs of a day have printed (§7.1). A run's `assigned_at` is
/// its clock (UTC, §11.1): the time of its rows, unless a row has its own
/// (`assigned.assigned_at`, Unix seconds: `ledger import --assigned-at`).
/// `token` is a random run token; `delivered` is set once the run's outputs
/// are in place (§6.2). `meta` holds the ledger's time zone (`timezone`).
const SCHEMA: &str = concat!(
    "
CREATE TABLE runs (
    run          INTEGER PRIMARY KEY AUTOINCREMENT,
    started      TEXT NOT NULL,
    as_of        TEXT NOT NULL,
    input        TEXT NOT NULL,
    rules_sha256 TEXT NOT NULL,
    rows_read    INTEGER NOT NULL,
    assigned     INTEGER NOT NULL,
    first_row    INTEGER,
    last_row     INTEGER,
    kind         TEXT NOT NULL DEFAULT 'assign',
    assigned_at  TEXT,
    token        TEXT,
    delivered    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX runs_as_of ON runs (as_of);
CREATE TABLE names (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE assigned (
    run         INTEGER NOT NULL,
    as_of_day   INTEGER NOT NULL,
    lead_id     TEXT NOT NULL,
    account     TEXT,
    account_key TEXT,
    email       TEXT,
    email_key   TEXT,
    team        INTEGER,
    rep         INTEGER NOT NULL,
    reason      INTEGER NOT NULL,
    score       INTEGER,
    stage       INTEGER,
    assigned_at INTEGER
);
CREATE INDEX assigned_lead ON assigned (lead_id);
CREATE INDEX assigned_account ON assigned (account_key, as_of_day, run) WHERE account_key IS NOT NULL;
CREATE INDEX assigned_email ON assigned (email_key) WHERE email_key IS NOT NULL;
CREATE INDEX assigned_memory ON assigned (as_of_day) WHERE run = 0;
CREATE TABLE run_reps (
    run    INTEGER NOT NULL,
    team   INTEGER NOT NULL,
    rep    INTEGER NOT NULL,
    taken  INTEGER NOT NULL,
    weight TEXT,
    PRIMARY KEY (run, team, rep)
) WITHOUT ROWID;
CREATE TABLE warned (
    as_of_day INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    run       INTEGER NOT NULL,
    PRIMARY KEY (as_of_day, kind, subject)
) WITHOUT ROWID;
",
    version_3_tables!()
);

/// Version 1 to 2: leads taken per run, team and rep (from `assigned`, the
/// team of each row); runs of version 1 are of kind `v1` until a run with
/// rules gives them their roster (`settle_rosters`); imports (no rules
/// digest) are of kind `import`; the memory index and `warned` are new.
const UPGRADE_FROM_1: &str = "
ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'assign';
UPDATE runs SET kind = CASE WHEN rules_sha256 = '' THEN 'import' ELSE 'v1' END;
CREATE TABLE run_reps_2 (
    run    INTEGER NOT NULL,
    team   INTEGER NOT NULL,
    rep    INTEGER NOT NULL,
    taken  INTEGER NOT NULL,
    weight TEXT,
    PRIMARY KEY (run, team, rep)
) WITHOUT ROWID;
INSERT INTO run_reps_2 (run, team, rep, taken)
    SELECT run, coalesce(team, 0), rep, count(*) FROM assigned GROUP BY run, coalesce(team, 0), rep;
DROP TABLE run_reps;
ALTER TABLE run_reps_2 RENAME TO run_reps;
CREATE INDEX assigned_memory ON assigned (as_of_day) WHERE run = 0;
CREATE TABLE warned (
    as_of_day INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    run       INTEGER NOT NULL,
    PRIMARY KEY (as_of_day, kind, subject)
) WITHOUT ROWID;
PRAGMA user_version = 2;
";

/// Version 2 to 3: the runs' clocks (`assigned_at`: a run recorded before is
/// taken to have assigned its leads when it started; an import, at no known
/// time), run tokens, delivered marks (what was recorded before was
/// delivered), rows' own times, `meta`, and the view with `assigned_at`.
const UPGRADE_FROM_2: &str = concat!(
    "
ALTER TABLE runs ADD COLUMN assigned_at TEXT;
ALTER TABLE runs ADD COLUMN token TEXT;
ALTER TABLE runs ADD COLUMN delivered INTEGER NOT NULL DEFAULT 1;
UPDATE runs SET assigned_at = started WHERE kind <> 'import';
ALTER TABLE assigned ADD COLUMN assigned_at INTEGER;
DROP VIEW assignments;
",
    version_3_tables!(),
    "PRAGMA user_version = 3;
"
);

/// What kind of run a `runs` row is.
pub mod kind {
    /// `assign`: its roster is in `run_reps`.
    pub const ASSIGN: &str = "assign";
    /// `ledger import`: each lead entitles its rep to itself.
    pub const IMPORT: &str = "import";
    /// Recorded by schema version 1, its roster not yet given (see `settle_rosters`).
    pub const V1: &str = "v1";
}

/// An open ledger.
pub struct Ledger {
    conn: Connection,
    /// The path as given, for messages.
    pub name: String,
    /// Whether this connection may write (not `--dry-run` or a reader).
    writable: bool,
    /// `--wait`: how long `lock` waits for another run.
    wait: Duration,
    /// `FILE.lock`, locked from `lock` until this is dropped: after the
    /// outputs are renamed, or the run removed again (SQLite's own lock ends
    /// at the commit). A reader of an immutable file holds it shared.
    lock_file: Option<std::fs::File>,
    /// A PostgreSQL ledger (docs/reference.md §10): `conn` is then an SQLite
    /// ledger in memory, loaded from the server under the lock (or from a
    /// snapshot, for a reader), and what a command changes in it is sent
    /// back by `commit`.
    remote: Option<std::cell::RefCell<pg::Remote>>,
}

/// What a file holds, before a run touches it.
enum State {
    /// No tables: a new ledger (also an empty file).
    New,
    /// A ledger of an older schema version.
    Older(i64),
    Current,
}

impl Ledger {
    /// Opens the ledger a run will write (created when absent, with mode
    /// 0666 less the umask). The file is checked before anything is written:
    /// a file that is not a leadroute ledger, is corrupt, is newer, or cannot
    /// be written is an error (exit 1), left untouched.
    pub fn open_for_writing(path: &str, wait: Duration) -> Result<Ledger, Error> {
        if is_url(path) {
            let mut remote = pg::Remote::open(path, wait)?;
            remote.state()?;
            let name = remote.name().to_string();
            let conn = Ledger::in_memory(&name)?;
            return Ok(Ledger {
                conn,
                name,
                writable: true,
                wait,
                lock_file: None,
                remote: Some(std::cell::RefCell::new(remote)),
            });
        }
        check_path(path)?;
        files::create(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let ledger = Ledger::open(path, path, flags, true, wait)?;
        // SQLite opens a file it may not write read-only, without a word.
        if ledger.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
            let why = files::read_only_reason(path).unwrap_or_else(|| "the file is read-only for this user".into());
            return Err(ledger.fail(format!("cannot write the ledger: {why}")));
        }
        ledger.state()?;
        Ok(ledger)
    }

    /// Opens a ledger to read a snapshot of it, in a read transaction, as
    /// it is (any schema version); what `ledger check` reads. A ledger in
    /// a folder this user cannot write (where SQLite cannot create
    /// `FILE-shm`) is read as an immutable file, under a shared lock on
    /// `FILE.lock` that keeps a writer of another user out meanwhile.
    pub fn open_snapshot(path: &str) -> Result<Ledger, Error> {
        check_path(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let ledger = Ledger::open(path, path, flags, false, Duration::from_secs(60))?;
        let probe = ledger.conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()));
        let ledger = match probe {
            Err(e) if is_permission(&e) => {
                let Some(uri) = files::immutable_uri(path) else { return Err(ledger.sql(e)) };
                drop(ledger);
                let lock = files::shared_lock(path)?;
                let mut ledger =
                    Ledger::open(&uri, path, flags | OpenFlags::SQLITE_OPEN_URI, false, Duration::from_secs(60))?;
                ledger.lock_file = lock;
                ledger
            }
            Err(e) => return Err(ledger.sql(e)),
            Ok(()) => ledger,
        };
        // A read transaction: one snapshot for everything read below.
        ledger.conn.execute_batch("BEGIN").or_ledger(&ledger)?;
        ledger.conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())).or_ledger(&ledger)?;
        Ok(ledger)
    }

    /// Opens a ledger to read a snapshot of it; `None` when the file does not
    /// exist (an empty ledger: nothing is created).
    pub fn open_for_reading(path: &str) -> Result<Option<Ledger>, Error> {
        if is_url(path) {
            let mut remote = pg::Remote::open(path, Duration::from_secs(60))?;
            let name = remote.name().to_string();
            let conn = Ledger::in_memory(&name)?;
            if !remote.load(&conn)? {
                return Ok(None);
            }
            let ledger =
                Ledger { conn, name, writable: false, wait: Duration::from_secs(60), lock_file: None, remote: None };
            ledger.conn.execute_batch("BEGIN").or_ledger(&ledger)?;
            return Ok(Some(ledger));
        }
        if !path.is_empty() && !Path::new(path).exists() {
            return Ok(None);
        }
        let ledger = Ledger::open_snapshot(path)?;
        match ledger.state()? {
            State::New => Ok(None),
            State::Older(v) => ledger.upgraded_in_memory(v).map(Some),
            State::Current => Ok(Some(ledger)),
        }
    }

    /// A ledger of an older schema, for a reader: a copy in memory upgraded
    /// as a run would upgrade the file, which stays as it is (a reader never
    /// writes; the next run upgrades it). Costs the ledger's size in memory,
    /// once, until a run has upgraded the file.
    fn upgraded_in_memory(mut self, from: i64) -> Result<Ledger, Error> {
        let mut copy = Connection::open_in_memory().map_err(|e| self.sql(e))?;
        rusqlite::backup::Backup::new(&self.conn, &mut copy)
            .and_then(|b| b.run_to_completion(4096, Duration::ZERO, None))
            .map_err(|e| self.sql(e))?;
        let copy = Ledger {
            conn: copy,
            name: self.name.clone(),
            writable: false,
            wait: self.wait,
            lock_file: self.lock_file.take(),
            remote: None,
        };
        copy.conn.execute_batch("BEGIN").map_err(|e| copy.sql(e))?;
        copy.upgrade(from)?;
        Ok(copy)
    }

    /// Opens `target` (the path, or a URI for it) as the ledger `path`.
    fn open(target: &str, path: &str, flags: OpenFlags, writable: bool, wait: Duration) -> Result<Ledger, Error> {
        let conn = Connection::open_with_flags(target, flags).map_err(|e| {
            let why = match files::unreadable_reason(path) {
                Some(why) => format!("cannot read the ledger: {why}"),
                None if writable => files::read_only_reason(path).map_or_else(
                    || format!("cannot open the ledger: {e}"),
                    |why| format!("cannot write the ledger: {why}"),
                ),
                None => format!("cannot open the ledger: {e}"),
            };
            LedgerError::new(path, why, Some(e.into()))
        })?;
        let ledger = Ledger { conn, name: path.to_string(), writable, wait, lock_file: None, remote: None };
        ledger.conn.busy_timeout(wait).or_ledger(&ledger)?;
        // Each b-tree page's cells are checked as it is read (cheap): damage
        // is met as an error sooner.
        ledger.conn.execute_batch("PRAGMA cell_size_check = ON").or_ledger(&ledger)?;
        Ok(ledger)
    }

    /// An empty SQLite ledger in memory: what a PostgreSQL ledger is loaded into.
    fn in_memory(name: &str) -> Result<Connection, Error> {
        let conn = Connection::open_in_memory()
            .and_then(|c| {
                c.execute_batch(&format!(
                    "{SCHEMA}\nPRAGMA application_id = {APPLICATION_ID};\nPRAGMA user_version = {VERSION};"
                ))?;
                Ok(c)
            })
            .map_err(|e| LedgerError::new(name, format!("cannot hold the ledger in memory: {e}"), Some(e.into())))?;
        Ok(conn)
    }

    /// Takes the write lock, as `lock`, for a run: what a run reads of the
    /// assignments is loaded by `read_memory` (`load_for`), not all of them.
    pub fn lock_for_run(&mut self) -> Result<(), Error> {
        if let Some(remote) = &self.remote {
            let mut remote = remote.borrow_mut();
            remote.lock()?;
            remote.load_deferred(&self.conn, true)?;
            drop(remote);
            self.conn.execute_batch("BEGIN").or_ledger(self)?;
            return Ok(());
        }
        self.lock()
    }

    /// Opens a snapshot of the ledger for a run that reads it (`--dry-run`,
    /// `explain`, `compare`), as `open_for_reading`; what it reads of the
    /// assignments is loaded by `read_memory`.
    pub fn open_for_run(path: &str) -> Result<Option<Ledger>, Error> {
        if !is_url(path) {
            return Ledger::open_for_reading(path);
        }
        let mut remote = pg::Remote::open(path, Duration::from_secs(60))?;
        let name = remote.name().to_string();
        let conn = Ledger::in_memory(&name)?;
        if !remote.load_deferred(&conn, true)? {
            return Ok(None);
        }
        let ledger = Ledger {
            conn,
            name,
            writable: false,
            wait: Duration::from_secs(60),
            lock_file: None,
            remote: Some(std::cell::RefCell::new(remote)),
        };
        Ok(Some(ledger))
    }

    /// Whether `read_memory` should give `load_for` the batch's keys: the
    /// assignments are not all at hand (a PostgreSQL ledger opened for a run).
    pub fn wants_keys(&self) -> bool {
        self.remote.as_ref().is_some_and(|r| r.borrow().pending())
    }

    /// Loads the assignments of the batch's lead ids, email keys and account
    /// look-up keys (and every row of their leads), or all when the ledger
    /// is small beside them; nothing for a file (it is all at hand).
    /// `keys` gives them (called only when the ledger is large beside
    /// `about`, the number of leads and accounts).
    pub fn load_for(
        &self,
        about: usize,
        keys: impl FnOnce() -> (Vec<String>, Vec<String>, Vec<String>),
    ) -> Result<(), Error> {
        match &self.remote {
            Some(remote) => remote.borrow_mut().load_assigned_for(&self.conn, about, keys),
            None => Ok(()),
        }
    }

    /// Whether this ledger is in PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.remote.is_some()
    }

    /// Whether the ledger holds a ledger yet (not a new, empty one). Reads only.
    pub fn exists(&self) -> Result<bool, Error> {
        if let Some(remote) = &self.remote {
            return Ok(matches!(remote.borrow_mut().state()?, pg::State::Current));
        }
        Ok(!matches!(self.state()?, State::New))
    }

    /// An error about this ledger (exit 1).
    fn fail(&self, what: String) -> Error {
        LedgerError::new(&self.name, what, None).into()
    }

    /// The ledger is damaged (exit 1): what was found, and what to do.
    fn corrupt(&self, what: &str) -> Error {
        self.fail(self.corrupt_what(what))
    }

    fn corrupt_what(&self, what: &str) -> String {
        format!(
            "the ledger is corrupt ({what}); it was left untouched. Restore it from a backup; `leadroute ledger \
             check {}` lists what is damaged",
            self.name
        )
    }

    /// A SQLite error in the ledger's words: what went wrong and what to do
    /// (`.or_ledger(&ledger)` brings a result here).
    pub(crate) fn sql(&self, e: rusqlite::Error) -> Error {
        use rusqlite::ErrorCode as C;
        if let Some(what) = check::damage(&e, &self.name) {
            return LedgerError::new(&self.name, self.corrupt_what(&what), Some(e.into())).into();
        }
        let what = match e.sqlite_error_code() {
            Some(C::NotADatabase) => {
                "is not a leadroute ledger (not an SQLite database, or a ledger so corrupt that its header is \
                 gone); it was left untouched. Give --ledger a new file name, or the ledger your runs use; if \
                 this is that ledger, restore it from a backup"
                    .to_string()
            }
            Some(C::DatabaseBusy | C::DatabaseLocked) => format!(
                "the ledger is in use by another run; waited {} s for it (--wait SECONDS waits longer)",
                self.wait.as_secs()
            ),
            _ if is_permission(&e) => match files::unreadable_reason(&self.name) {
                Some(why) => format!("cannot read the ledger: {why}"),
                None => match files::read_only_reason(&self.name).filter(|_| self.writable) {
                    Some(why) => format!("cannot write the ledger: {why}"),
                    None => format!(
                        "cannot {} the ledger: {e} (check the permissions of the file, its folder, and the files \
                         beside it)",
                        if self.writable { "write" } else { "read" }
                    ),
                },
            },
            Some(C::DiskFull) => format!("cannot write the ledger: {e}; free some space and run again"),
            _ => format!("ledger error: {e}"),
        };
        LedgerError::new(&self.name, what, Some(e.into())).into()
    }

    /// What the file holds; an error for anything that is not a ledger this
    /// leadroute can use. Reads only.
    fn state(&self) -> Result<State, Error> {
        let tables: i64 =
            self.conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).or_ledger(self)?;
        if tables == 0 {
            return Ok(State::New);
        }
        let pragma = |name: &str| -> Result<i64, Error> {
            self.conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0)).or_ledger(self)
        };
        if pragma("application_id")? != APPLICATION_ID {
            return Err(self.fail(
                "is an SQLite database but not a leadroute ledger; it was left untouched. Give --ledger a new file \
                 name, or the ledger your runs use"
                    .into(),
            ));
        }
        match pragma("user_version")? {
            v if v > VERSION => Err(self.fail(format!(
                "was written by a newer leadroute (ledger schema version {v}; this one knows up to {VERSION}); it \
                 was left untouched. Run it with that newer leadroute"
            ))),
            VERSION => {
                if let Some(first) = check::missing_objects(self)?.first() {
                    return Err(self.corrupt(&format!("its {first} is missing")));
                }
                Ok(State::Current)
            }
            v => Ok(State::Older(v)),
        }
    }

    /// Takes the write lock (waiting up to `--wait` for another run), then
    /// creates or upgrades the schema inside the transaction. Held until
    /// `commit` or until the process ends.
    pub fn lock(&mut self) -> Result<(), Error> {
        debug_assert!(self.writable);
        if let Some(remote) = &self.remote {
            let mut remote = remote.borrow_mut();
            remote.lock()?;
            remote.load(&self.conn)?;
            drop(remote);
            self.conn.execute_batch("BEGIN").or_ledger(self)?;
            return Ok(());
        }
        self.lock_file = Some(self.take_lock_file()?);
        // WAL (readers never wait for a run) for a new ledger; a ledger keeps
        // the journal it has (this cannot change inside a transaction).
        if matches!(self.state()?, State::New) {
            self.conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())).or_ledger(self)?;
        }
        self.conn.execute_batch("PRAGMA synchronous = FULL").or_ledger(self)?;
        if let Err(e) = self.conn.execute_batch("BEGIN IMMEDIATE") {
            return Err(self.sql(e));
        }
        match self.state()? {
            State::New => {
                let script =
                    format!("{SCHEMA}\nPRAGMA application_id = {APPLICATION_ID};\nPRAGMA user_version = {VERSION};");
                self.conn.execute_batch(&script).or_ledger(self)?;
            }
            State::Older(v) => self.upgrade(v)?,
            State::Current => {}
        }
        Ok(())
    }

    /// Locks `FILE.lock` (created when absent), waiting up to `--wait` for
    /// another writer: the lock every writer holds from reading the ledger
    /// until its outputs are in place.
    fn take_lock_file(&self) -> Result<std::fs::File, Error> {
        let path = format!("{}.lock", self.name);
        let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(|e| {
            match files::read_only_reason(&self.name) {
                Some(why) => self.fail(format!("cannot write the ledger: {why}")),
                None => {
                    LedgerError::new(&self.name, format!("cannot create the lock file '{path}': {e}"), Some(e.into()))
                        .into()
                }
            }
        })?;
        let deadline = std::time::Instant::now() + self.wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(self.fail(format!(
                        "the ledger is in use by another run; waited {} s for it (--wait SECONDS waits longer)",
                        self.wait.as_secs()
                    )));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(
                        LedgerError::new(&self.name, format!("cannot lock '{path}': {e}"), Some(e.into())).into()
                    );
                }
            }
        }
    }

    /// Upgrades an older schema in place (inside the run's transaction).
    fn upgrade(&self, from: i64) -> Result<(), Error> {
        if !(1..VERSION).contains(&from) {
            return Err(
                self.fail(format!("has schema version {from}, which no leadroute wrote; it was left untouched"))
            );
        }
        if from == 1 {
            self.conn.execute_batch(UPGRADE_FROM_1).or_ledger(self)?;
        }
        self.conn.execute_batch(UPGRADE_FROM_2).or_ledger(self)
    }

    /// Makes the transaction durable: the run is recorded.
    pub fn commit(&mut self) -> Result<(), Error> {
        self.conn.execute_batch("COMMIT").or_ledger(self)?;
        if let Some(remote) = &self.remote {
            remote.borrow_mut().push(&self.conn)?;
        }
        Ok(())
    }

    /// Removes run `run` and its assignments in a transaction of its own:
    /// what `ledger undo` does, and what a run does when its outputs could
    /// not be renamed into place after it was recorded.
    pub fn remove_run(&self, run: i64) -> Result<u64, Error> {
        if let Some(remote) = &self.remote {
            remote.borrow_mut().remove_run(run)?;
            return Ok(0);
        }
        let conn = &self.conn;
        let steps = || -> rusqlite::Result<usize> {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let n = delete_run_rows(conn, run)?;
            conn.execute("DELETE FROM runs WHERE run = ?1", [run])?;
            conn.execute_batch("COMMIT")?;
            Ok(n)
        };
        let n = steps().map_err(|e| {
            let _ = conn.execute_batch("ROLLBACK");
            self.sql(e)
        })?;
        Ok(n as u64)
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The id of `name` in `names`, added when new.
    pub fn name_id(&self, name: &str, cache: &mut foldhash::HashMap<String, i64>) -> Result<i64, Error> {
        if let Some(&id) = cache.get(name) {
            return Ok(id);
        }
        let found: Option<i64> = self
            .conn
            .query_row("SELECT id FROM names WHERE name = ?1", [name], |r| r.get(0))
            .optional()
            .or_ledger(self)?;
        let id = match found {
            Some(id) => id,
            None => {
                self.conn.execute("INSERT INTO names (name) VALUES (?1)", [name]).or_ledger(self)?;
                self.conn.last_insert_rowid()
            }
        };
        cache.insert(name.to_string(), id);
        Ok(id)
    }

    /// Adds a run's row; returns its number (from 1, never reused).
    pub fn add_run(&self, run: &RunInfo) -> Result<i64, Error> {
        self.conn
            .execute(
                "INSERT INTO runs (started, as_of, input, rules_sha256, rows_read, assigned, kind, assigned_at, \
                 token, delivered) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    run.started,
                    run.as_of,
                    run.input,
                    run.rules_sha256,
                    run.rows_read as i64,
                    run.assigned as i64,
                    run.kind,
                    run.assigned_at.map(crate::support::date::format_utc),
                    run_token(),
                    // An import has nothing to deliver; a run is delivered
                    // once its outputs are in place (`mark_delivered`).
                    i64::from(run.kind == kind::IMPORT),
                ],
            )
            .or_ledger(self)?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Marks run `run` delivered: its outputs are in place (docs/reference.md
    /// §6.2). A second, small transaction after the renames; a run killed
    /// before it stays recorded but undelivered.
    pub fn mark_delivered(&self, run: i64) -> Result<(), Error> {
        if let Some(remote) = &self.remote {
            return remote.borrow_mut().mark_delivered(run);
        }
        self.conn.execute("UPDATE runs SET delivered = 1 WHERE run = ?1", [run]).or_ledger(self)?;
        Ok(())
    }

    /// How many assignments run `run` recorded.
    pub fn assignments_in_run(&self, run: i64) -> Result<u64, Error> {
        let n: i64 =
            self.conn.query_row("SELECT count(*) FROM assigned WHERE run = ?1", [run], |r| r.get(0)).or_ledger(self)?;
        Ok(n as u64)
    }

    /// The time zone the ledger's runs use (`meta`), given by the first run
    /// that wrote it; `None` before. A ledger read by hosts in several zones
    /// must mean one calendar (docs/reference.md §11.1).
    pub fn zone(&self) -> Result<Option<String>, Error> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = 'timezone'", [], |r| r.get(0))
            .optional()
            .or_ledger(self)
    }

    /// Checks that `zone` (the rules' resolved `[routing] timezone`) is the
    /// ledger's, and, writing, records it when the ledger has none yet.
    /// Another zone is a rules error (exit 2) naming both.
    pub fn agree_zone(&self, zone: &str) -> Result<(), Error> {
        match self.zone()? {
            Some(z) if z == zone => Ok(()),
            Some(z) => Err(Error::Rules(format!(
                "[routing] timezone is '{zone}' but the ledger {} was written in '{z}'; dates, limits, \
                 windows and working hours must mean the same for every run of a ledger: set timezone = \"{z}\" \
                 in [routing] (or use another ledger)",
                self.name
            ))),
            None if self.writable => {
                self.conn.execute("INSERT INTO meta (key, value) VALUES ('timezone', ?1)", [zone]).or_ledger(self)?;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Records where run `run`'s rows of `assigned` lie (added in one
    /// transaction, their row ids are consecutive): `undo`, `prune` and a
    /// failed commit delete them by range, without a scan.
    pub fn set_rows(&self, run: i64, rows: Option<(i64, i64)>) -> Result<(), Error> {
        let Some((first, last)) = rows else { return Ok(()) };
        self.conn
            .execute("UPDATE runs SET first_row = ?2, last_row = ?3 WHERE run = ?1", params![run, first, last])
            .or_ledger(self)?;
        Ok(())
    }

    /// Records, per team and rep (name ids; team 0: none), the leads the rep
    /// took in a run and, when it was on the run's roster, its weight: what
    /// loads and limits count.
    pub fn add_run_reps(&self, run: i64, reps: &[RunRep]) -> Result<(), Error> {
        let mut st = self
            .conn
            .prepare_cached("INSERT INTO run_reps (run, team, rep, taken, weight) VALUES (?1, ?2, ?3, ?4, ?5)")
            .or_ledger(self)?;
        for r in reps {
            if r.taken > 0 || r.weight.is_some() {
                st.execute(params![run, r.team, r.rep, r.taken as i64, r.weight]).or_ledger(self)?;
            }
        }
        Ok(())
    }

    /// Gives the runs recorded by schema version 1 their rosters: every rep
    /// of `rules` not away on the run's as-of date, under its team, with its
    /// weight (docs/reference.md §6.1). Once, in the run's transaction.
    pub fn settle_rosters(&self, rules: &crate::rules::Rules) -> Result<(), Error> {
        let steps = || -> Result<(), Error> {
            let pending: Vec<(i64, String)> = self
                .conn
                .prepare("SELECT run, as_of FROM runs WHERE kind = ?1")
                .and_then(|mut st| st.query_map([kind::V1], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
                .or_ledger(self)?;
            if pending.is_empty() {
                return Ok(());
            }
            let mut cache = foldhash::HashMap::default();
            let mut ids = Vec::with_capacity(rules.reps.len());
            for r in &rules.reps {
                ids.push((self.name_id(&rules.teams[r.team].name, &mut cache)?, self.name_id(&r.name, &mut cache)?));
            }
            let mut st = self
                .conn
                .prepare(
                    "INSERT INTO run_reps (run, team, rep, taken, weight) VALUES (?1, ?2, ?3, 0, ?4) \
                     ON CONFLICT (run, team, rep) DO UPDATE SET weight = excluded.weight",
                )
                .or_ledger(self)?;
            for (run, as_of) in pending {
                let Some(day) = crate::support::date::parse_as_of(&as_of) else { continue };
                for (r, &(team, rep)) in rules.reps.iter().zip(&ids) {
                    if !r.away_on(day) {
                        st.execute(params![run, team, rep, r.weight.to_string()]).or_ledger(self)?;
                    }
                }
            }
            self.conn.execute("UPDATE runs SET kind = ?1 WHERE kind = ?2", [kind::ASSIGN, kind::V1]).or_ledger(self)?;
            Ok(())
        };
        steps()
    }

    /// The warnings (kind, subject) that runs dated `day` have printed (docs/reference.md §7.1).
    pub fn warned(&self, day: i32) -> Result<std::collections::HashSet<(String, String)>, Error> {
        let mut st = self.conn.prepare("SELECT kind, subject FROM warned WHERE as_of_day = ?1").or_ledger(self)?;
        let rows = st.query_map([day], |r| Ok((r.get(0)?, r.get(1)?))).or_ledger(self)?;
        rows.collect::<Result<_, _>>().or_ledger(self)
    }

    /// Records that run `run`, dated `day`, printed these warnings: the runs
    /// after it that day do not print them again. Removed with the run.
    pub fn add_warned<'a>(
        &self,
        run: i64,
        day: i32,
        keys: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), Error> {
        let mut st = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO warned (as_of_day, kind, subject, run) VALUES (?1, ?2, ?3, ?4)")
            .or_ledger(self)?;
        for (kind, subject) in keys {
            st.execute(params![day, kind, subject, run]).or_ledger(self)?;
        }
        Ok(())
    }

    /// Inserts one assignment row; returns its row id.
    pub fn add_assignment(&self, row: &Row) -> Result<i64, Error> {
        let mut st = self
            .conn
            .prepare_cached(
                "INSERT INTO assigned (run, as_of_day, lead_id, account, account_key, email, email_key, team, rep, \
                 reason, score, stage, assigned_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )
            .or_ledger(self)?;
        st.execute(params![
            row.run,
            row.as_of_day,
            row.lead_id,
            row.account,
            row.account_key,
            row.email,
            row.email_key,
            row.team,
            row.rep,
            row.reason,
            row.score,
            row.stage,
            row.assigned_at
        ])
        .or_ledger(self)?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The absolute path of a run's input, as recorded: lexically
    /// normalised (no `.` or `..`; symbolic links are not followed).
    pub fn input_path(leads: &str) -> String {
        if leads == "-" {
            return "-".into();
        }
        let absolute = std::path::absolute(leads).unwrap_or_else(|_| PathBuf::from(leads));
        let mut normal = PathBuf::new();
        for part in absolute.components() {
            match part {
                Component::CurDir => {}
                // `/..` is `/`.
                Component::ParentDir => {
                    normal.pop();
                }
                other => normal.push(other),
            }
        }
        normal.to_string_lossy().into_owned()
    }
}

/// An empty path or a folder is no ledger (checked before anything is created).
fn check_path(path: &str) -> Result<(), Error> {
    if path.is_empty() {
        return Err(Error::usage("--ledger: give a file name"));
    }
    if Path::new(path).is_dir() {
        return Err(Error::input(format!("{path}: is a folder; give the ledger's file name")));
    }
    Ok(())
}

/// Whether SQLite failed for want of permission (to write the file, or to
/// create a file beside it).
fn is_permission(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode as C;
    matches!(e.sqlite_error_code(), Some(C::ReadOnly | C::CannotOpen | C::PermissionDenied))
}

impl Ledger {
    /// Records a run and its new assignments (in rank order) in the open
    /// transaction; `commit` makes them durable. Returns the run's number.
    pub fn record(
        &self,
        rules: &crate::rules::Rules,
        batch: &crate::engine::batch::Batch,
        routed: &crate::engine::route::Routed,
        mut info: RunInfo,
    ) -> Result<i64, Error> {
        let assigned = routed.assignments.iter().filter(|a| a.reason.new_assignment()).count() as u64;
        info.assigned = assigned;
        let run = self.add_run(&info)?;
        let as_of_day = crate::support::date::parse_as_of(&info.as_of).unwrap_or(0);
        let Some(id_col) = batch.plan.id_col else { return Ok(run) };
        let mut cache = foldhash::HashMap::default();
        let mut rr = crate::engine::input::RecordReader::new(batch.delimiter);
        let mut email_buf = String::new();
        let mut rows: Option<(i64, i64)> = None;
        for (lead, a) in batch.leads.iter().zip(&routed.assignments) {
            if !a.reason.new_assignment() {
                continue;
            }
            let (Some(rep), Some(rec)) = (a.rep(), rr.read(&batch.input.text, lead.offset)) else { continue };
            let f = &rec.fields;
            let account = batch.plan.account_col.map(|c| f.cell(c)).filter(|c| !c.is_empty());
            let email = batch.plan.email_col.map(|c| f.cell(c)).filter(|c| !c.is_empty());
            let account_key = lookup_key(account.unwrap_or(""), email);
            let email_key = email.map(|e| crate::support::identity::email_key(e, &mut email_buf).to_string());
            let team = match a.team() {
                Some(t) => Some(self.name_id(routed.team_name(rules, t), &mut cache)?),
                None => None,
            };
            // A lead found by email and moved for a missed SLA is recorded
            // under the ledger lead's id (docs/reference.md §11.4).
            let lead_id = match routed.memory.ledger_ids.get(&lead.index) {
                Some(id) if a.reason == crate::engine::route::Reason::SlaReassigned => id.as_str(),
                _ => f.cell(id_col),
            };
            let row = Row {
                run,
                as_of_day,
                lead_id,
                account,
                account_key: account_key.as_deref(),
                email,
                email_key: email_key.as_deref(),
                team,
                rep: self.name_id(routed.rep_name(rules, rep), &mut cache)?,
                reason: self.name_id(a.reason.as_str(), &mut cache)?,
                score: Some(lead.score().0),
                stage: Some(self.name_id(rules.stage_name(lead.stage as usize), &mut cache)?),
                assigned_at: None,
            };
            let id = self.add_assignment(&row)?;
            rows = Some((rows.map_or(id, |(first, _)| first), id));
        }
        self.set_rows(run, rows)?;
        // Per rep: what it took (always in its own team) and, on the
        // roster, its weight.
        let day = routed.memory.as_of;
        let mut reps = Vec::with_capacity(rules.reps.len());
        for (r, rep) in rules.reps.iter().enumerate() {
            reps.push(RunRep {
                team: self.name_id(&rules.teams[rep.team].name, &mut cache)?,
                rep: self.name_id(&rep.name, &mut cache)?,
                taken: routed.taken[r],
                weight: crate::engine::route::on_roster(rep, day).then(|| rep.weight.to_string()),
            });
        }
        self.add_run_reps(run, &reps)?;
        Ok(run)
    }
}

/// Deletes run `run`'s rows of `assigned` (by their row range, kept in
/// `runs`: no scan of the table) and of `run_reps`; the `runs` row stays.
/// Returns how many assignments were deleted.
pub fn delete_run_rows(conn: &Connection, run: i64) -> rusqlite::Result<usize> {
    let range: Option<(Option<i64>, Option<i64>)> = conn
        .query_row("SELECT first_row, last_row FROM runs WHERE run = ?1", [run], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let n = match range {
        Some((Some(first), Some(last))) => {
            conn.execute("DELETE FROM assigned WHERE rowid BETWEEN ?1 AND ?2 AND run = ?3", params![first, last, run])?
        }
        Some(_) => 0,
        None => conn.execute("DELETE FROM assigned WHERE run = ?1", [run])?,
    };
    conn.execute("DELETE FROM run_reps WHERE run = ?1", [run])?;
    conn.execute("DELETE FROM warned WHERE run = ?1", [run])?;
    Ok(n)
}

/// The assignments with their names, in the order they were recorded; `?1`
/// is `--run` and `?2` is `--since` (each NULL when absent): `ledger export`.
const EXPORT_SQL: &str = "
SELECT a.run, r.as_of, a.lead_id, a.account, t.name, p.name, w.name, a.score, s.name,
       coalesce(strftime('%Y-%m-%dT%H:%M:%SZ', a.assigned_at, 'unixepoch'), r.assigned_at)
FROM assigned a
JOIN runs r ON r.run = a.run
LEFT JOIN names t ON t.id = a.team
JOIN names p ON p.id = a.rep
JOIN names w ON w.id = a.reason
LEFT JOIN names s ON s.id = a.stage
WHERE (?1 IS NULL OR a.run = ?1) AND (?2 IS NULL OR r.as_of >= ?2)
ORDER BY a.run, a.rowid";

/// One assignment as `ledger export` writes it.
pub struct ExportRow<'a> {
    pub run: i64,
    /// as_of, lead_id, account, team, rep, reason.
    pub cells: [&'a str; 6],
    /// The score in hundredths.
    pub cents: Option<i64>,
    pub stage: &'a str,
    /// When it was assigned, `YYYY-MM-DDTHH:MM:SSZ` (empty: not known).
    pub at: &'a str,
}

/// Why `each_export_row` stopped.
pub enum ExportFailed {
    Ledger(Error),
    Write(std::io::Error),
}

impl Ledger {
    /// Gives `f` each assignment (of run `run`, of runs dated `since` or
    /// later), in run and row order. A PostgreSQL ledger opened for a run
    /// streams them from the server: they are never all in memory.
    pub fn each_export_row(
        &self,
        run: Option<i64>,
        since: Option<&str>,
        f: &mut dyn FnMut(&ExportRow) -> std::io::Result<()>,
    ) -> Result<(), ExportFailed> {
        if let Some(remote) = &self.remote
            && remote.borrow().pending()
        {
            return remote.borrow_mut().export(run, since, f);
        }
        let sql = |e: rusqlite::Error| ExportFailed::Ledger(self.sql(e));
        let mut st = self.conn.prepare(EXPORT_SQL).map_err(sql)?;
        let mut rows = st.query(params![run, since]).map_err(sql)?;
        while let Some(r) = rows.next().map_err(sql)? {
            let text = |i: usize| -> rusqlite::Result<&str> { Ok(r.get_ref(i)?.as_str_or_null()?.unwrap_or("")) };
            let cells = || -> rusqlite::Result<_> {
                Ok(ExportRow {
                    run: r.get_ref(0)?.as_i64()?,
                    cells: [text(1)?, text(2)?, text(3)?, text(4)?, text(5)?, text(6)?],
                    cents: r.get_ref(7)?.as_i64_or_null()?,
                    stage: text(8)?,
                    at: text(9)?,
                })
            };
            let row = cells().map_err(sql)?;
            f(&row).map_err(ExportFailed::Write)?;
        }
        Ok(())
    }
}

/// A run as `runs` records it.
pub struct RunInfo {
    /// Start time, UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub started: String,
    pub as_of: String,
    pub input: String,
    pub rules_sha256: String,
    pub rows_read: u64,
    pub assigned: u64,
    /// `kind::ASSIGN` or `kind::IMPORT`.
    pub kind: &'static str,
    /// The run's clock: when its leads were assigned (None: an import
    /// whose rows carry their own times, or none).
    pub assigned_at: Option<jiff::Timestamp>,
}

/// A random run token (docs/reference.md §6.2): 128 bits from the system's
/// generator, as hex.
fn run_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No system randomness: the time and process, hashed with a random
        // key, are unique enough to tell two runs apart.
        use std::hash::BuildHasher;
        let seed = (jiff::Timestamp::now().as_nanosecond(), std::process::id());
        let a = std::collections::hash_map::RandomState::new().hash_one(seed);
        let b = std::collections::hash_map::RandomState::new().hash_one(seed);
        bytes[..8].copy_from_slice(&a.to_le_bytes());
        bytes[8..].copy_from_slice(&b.to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One row of `run_reps`: name ids (team 0: none), leads taken, and the
/// weight (as written in the rules) when the rep was on the run's roster.
pub struct RunRep {
    pub team: i64,
    pub rep: i64,
    pub taken: u64,
    pub weight: Option<String>,
}

/// One row of `assigned`.
pub struct Row<'a> {
    pub run: i64,
    /// The run's as-of date as a day number (days from 1970-01-01): kept
    /// with each row so that an account's earliest lead is one index step.
    pub as_of_day: i32,
    pub lead_id: &'a str,
    pub account: Option<&'a str>,
    pub account_key: Option<&'a str>,
    pub email: Option<&'a str>,
    pub email_key: Option<&'a str>,
    pub team: Option<i64>,
    pub rep: i64,
    pub reason: i64,
    pub score: Option<i64>,
    pub stage: Option<i64>,
    /// Its own time (Unix seconds), when it differs from its run's clock:
    /// `ledger import --assigned-at`.
    pub assigned_at: Option<i64>,
}

/// The key an account is looked up by in `assigned.account_key`: the
/// coarsest (`account_match = "normalized"`, with the email's company when
/// the cell is empty); a lookup under `exact` confirms each hit. None when
/// there is nothing to key.
pub fn lookup_key(account: &str, email: Option<&str>) -> Option<String> {
    let mut key = String::new();
    if !account.trim().is_empty() {
        crate::support::identity::account_key(account, &mut key);
    } else if let Some(e) = email {
        crate::support::identity::email_account(e, &mut key);
    }
    (!key.is_empty()).then_some(key)
}

/// When a run started `elapsed` ago, in UTC, as runs record it.
pub fn started_utc(elapsed: Duration) -> String {
    let now = jiff::Timestamp::now();
    let then = jiff::SignedDuration::try_from(elapsed).ok().and_then(|d| now.checked_sub(d).ok()).unwrap_or(now);
    then.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
