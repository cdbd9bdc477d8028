//! The ledger in PostgreSQL (docs/reference.md §10): the schema `leadroute`, the
//! write lock across hosts, and the two moves between the server and the
//! ledger a run works on.
//!
//! A run works on its ledger as on a file: the same SQL, the same code
//! (`memory`, `record`, the `ledger` commands), so that the same runs give
//! the same outputs on both engines byte for byte (§10.2). For PostgreSQL
//! that ledger is an SQLite database in memory:
//! - `load` fills it from one `REPEATABLE READ READ ONLY` snapshot of the
//!   server's tables (one streamed query per table: no per-lead round trip);
//!   for a run (`load_deferred`, then `load_assigned_for`), of `assigned`
//!   only the rows of the batch's ids, email keys and accounts, and every
//!   row of those leads, when the ledger is large beside the batch (new rows
//!   are then numbered on after the server's last: `Marks::offset`);
//! - `push` sends back what the run changed, in one transaction: the rows a
//!   run or an import adds (`COPY ... FROM STDIN (FORMAT binary)` for the
//!   assignments, one array statement for each other table), or, when a
//!   command changed older rows (`undo`, `prune`), every table rewritten.
//!
//! The write lock is a transaction-scoped advisory lock taken by an open
//! transaction on a second connection, held until the outputs are in place
//! (the run drops the ledger): it outlives the recording transaction and
//! needs nothing a transaction-mode pooler does not give. Waiting is a
//! blocking lock under `lock_timeout`, so runs are served in arrival order.
//!
//! Tables hold what the SQLite schema holds, with native types where they
//! mean something to SQL users (`timestamptz` start times and clocks, `date`
//! as-of dates, `bigint` hundredths for scores). A run needs `SELECT,
//! INSERT, DELETE` on them; the delivered marks and the run numbers ever
//! given are tables of their own so that no run needs `UPDATE`.

use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{ToSql, Type};
use rusqlite::Connection;

use super::error::LedgerError;
use super::pgurl::{ConnInfo, ConnectError};
use crate::error::Error;

/// The schema version a PostgreSQL ledger carries (the SQLite schema's).
const VERSION: i32 = super::VERSION as i32;

/// The advisory-lock key of a ledger ("LRDL"): one ledger per database.
const LOCK_KEY: i64 = super::APPLICATION_ID;

/// The SQL a database administrator runs to create the ledger beforehand
/// (`leadroute ledger schema --postgres`); the first writing run runs it
/// when the schema is missing. Idempotent.
pub const DDL: &str = r#"-- The leadroute ledger (schema version 3): docs/operations.md, "A ledger in PostgreSQL".
CREATE SCHEMA IF NOT EXISTS leadroute;
CREATE TABLE IF NOT EXISTS leadroute.version (
    version integer NOT NULL
);
INSERT INTO leadroute.version (version) SELECT 3 WHERE NOT EXISTS (SELECT 1 FROM leadroute.version);
CREATE TABLE IF NOT EXISTS leadroute.runs (
    run          bigint PRIMARY KEY,
    started      timestamptz NOT NULL,
    as_of        date NOT NULL,
    input        text NOT NULL,
    rules_sha256 text NOT NULL,
    rows_read    bigint NOT NULL,
    assigned     bigint NOT NULL,
    first_row    bigint,
    last_row     bigint,
    kind         text NOT NULL,
    assigned_at  timestamptz,
    token        text
);
CREATE INDEX IF NOT EXISTS runs_as_of ON leadroute.runs (as_of);
CREATE INDEX IF NOT EXISTS runs_token ON leadroute.runs (token);
CREATE TABLE IF NOT EXISTS leadroute.delivered (
    run bigint PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS leadroute.run_numbers (
    run bigint PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS leadroute.names (
    id   bigint PRIMARY KEY,
    name text NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS leadroute.assigned (
    id          bigint PRIMARY KEY,
    run         bigint NOT NULL,
    as_of_day   integer NOT NULL,
    lead_id     text NOT NULL,
    account     text,
    account_key text,
    email       text,
    email_key   text,
    team        bigint,
    rep         bigint NOT NULL,
    reason      bigint NOT NULL,
    score       bigint,
    stage       bigint,
    assigned_at timestamptz
);
CREATE INDEX IF NOT EXISTS assigned_lead ON leadroute.assigned (lead_id);
CREATE INDEX IF NOT EXISTS assigned_run ON leadroute.assigned (run);
CREATE INDEX IF NOT EXISTS assigned_account ON leadroute.assigned (account_key, as_of_day, run) WHERE account_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS assigned_email ON leadroute.assigned (email_key) WHERE email_key IS NOT NULL;
CREATE TABLE IF NOT EXISTS leadroute.run_reps (
    run    bigint NOT NULL,
    team   bigint NOT NULL,
    rep    bigint NOT NULL,
    taken  bigint NOT NULL,
    weight text,
    PRIMARY KEY (run, team, rep)
);
CREATE TABLE IF NOT EXISTS leadroute.warned (
    as_of_day integer NOT NULL,
    kind      text NOT NULL,
    subject   text NOT NULL,
    run       bigint NOT NULL,
    PRIMARY KEY (as_of_day, kind, subject)
);
CREATE TABLE IF NOT EXISTS leadroute.meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
CREATE OR REPLACE VIEW leadroute.assignments AS
SELECT a.run, r.as_of, a.lead_id, a.account, a.email, t.name AS team, p.name AS rep,
       w.name AS reason, a.score / 100.0 AS score, s.name AS stage,
       to_char(coalesce(a.assigned_at, r.assigned_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS assigned_at
FROM leadroute.assigned a
JOIN leadroute.runs r ON r.run = a.run
LEFT JOIN leadroute.names t ON t.id = a.team
JOIN leadroute.names p ON p.id = a.rep
JOIN leadroute.names w ON w.id = a.reason
LEFT JOIN leadroute.names s ON s.id = a.stage;
"#;

/// The indexes of `assigned` in the SQLite schema (`super::SCHEMA`), by name.
const ASSIGNED_INDEXES: [(&str, &str); 4] = [
    ("assigned_lead", "CREATE INDEX assigned_lead ON assigned (lead_id)"),
    (
        "assigned_account",
        "CREATE INDEX assigned_account ON assigned (account_key, as_of_day, run) WHERE account_key IS NOT NULL",
    ),
    ("assigned_email", "CREATE INDEX assigned_email ON assigned (email_key) WHERE email_key IS NOT NULL"),
    ("assigned_memory", "CREATE INDEX assigned_memory ON assigned (as_of_day) WHERE run = 0"),
];

/// Times as the SQLite ledger writes them.
const UTC_TEXT: &str = r#"'YYYY-MM-DD"T"HH24:MI:SS"Z"'"#;

/// The tables, in the order a rewrite deletes them.
const TABLES: [&str; 7] = ["assigned", "run_reps", "warned", "delivered", "runs", "names", "meta"];

/// What the server holds.
pub enum State {
    /// No schema `leadroute`: a new ledger.
    New,
    Current,
}

/// What an error message about the ledger needs.
#[derive(Clone)]
struct Ctx {
    /// How the ledger is shown (no password).
    name: String,
    user: String,
    wait: Duration,
}

/// A PostgreSQL ledger: the connection, the lock's, and what was loaded.
pub struct Remote {
    info: ConnInfo,
    ctx: Ctx,
    client: postgres::Client,
    /// The connection whose open transaction holds the advisory lock.
    lock: Option<postgres::Client>,
    /// The largest run, row and name id loaded: what is above them is new.
    marks: Marks,
    wait: Duration,
    /// The snapshot is open and `assigned` not loaded yet.
    pending: bool,
    /// The copy holds every assignment (not only a run's).
    whole: bool,
    /// About how many assignments the server holds (the span of their ids).
    server_rows: i64,
}

#[derive(Clone, Copy, Default)]
struct Marks {
    /// The largest run number given (undone runs included).
    run: i64,
    /// The server's largest assignment id.
    row: i64,
    name: i64,
    /// The largest row id of the copy: rows above it are new.
    mirror_row: i64,
    /// Server id = row id of the copy + `offset` for a new row (0 when
    /// the copy holds every assignment).
    offset: i64,
}

fn type_of(e: &postgres::Error) -> Option<&postgres::error::SqlState> {
    e.code()
}

impl Remote {
    /// Connects to the ledger named by `url` (waiting at most `wait`, at least 5 s, to connect).
    pub fn open(url: &str, wait: Duration) -> Result<Remote, Error> {
        let info = ConnInfo::parse(url)?;
        let name = info.shown();
        let client = connect(&info, &name, wait)?;
        let ctx = Ctx { name, user: info.user.clone(), wait };
        Ok(Remote {
            info,
            ctx,
            client,
            lock: None,
            marks: Marks::default(),
            wait,
            pending: false,
            whole: false,
            server_rows: 0,
        })
    }

    pub fn name(&self) -> &str {
        &self.ctx.name
    }

    fn fail(&self, what: String) -> Error {
        self.ctx.fail(what)
    }

    fn pg(&self, e: postgres::Error, doing: &str) -> Error {
        self.ctx.pg(e, doing)
    }

    fn sqlite(&self, e: rusqlite::Error) -> Error {
        self.ctx.sqlite(e)
    }
}

impl Ctx {
    /// An error about this ledger (exit 1).
    fn fail(&self, what: String) -> Error {
        LedgerError::new(&self.name, what, None).into()
    }

    /// A server error in the ledger's words; `doing` says what was asked
    /// (`INSERT on leadroute.assigned`), for a missing privilege.
    fn pg(&self, e: postgres::Error, doing: &str) -> Error {
        let code = type_of(&e).cloned();
        let db = e.as_db_error().map(|d| d.message().to_string());
        let what = match code {
            Some(c) if c == postgres::error::SqlState::INSUFFICIENT_PRIVILEGE => {
                let (privilege, table) = doing.split_once(" on ").unwrap_or((doing, "the ledger's tables"));
                format!(
                    "the role '{}' lacks the {privilege} privilege on {table} ({}); nothing was changed. Runs need \
                     SELECT, INSERT and DELETE on the tables of schema leadroute, readers SELECT: `GRANT SELECT, \
                     INSERT, DELETE ON ALL TABLES IN SCHEMA leadroute TO {}` (docs/operations.md)",
                    self.user,
                    db.unwrap_or_default(),
                    self.user
                )
            }
            Some(c) if c == postgres::error::SqlState::LOCK_NOT_AVAILABLE => format!(
                "the ledger is in use by another run; waited {} s for it (--wait SECONDS waits longer)",
                self.wait.as_secs()
            ),
            _ if db.is_none() => {
                format!("lost the connection to the ledger's server ({e}); nothing more was written")
            }
            _ => format!("ledger error ({doing}): {}", db.unwrap_or_else(|| e.to_string())),
        };
        LedgerError::new(&self.name, what, Some(e.into())).into()
    }

    fn sqlite(&self, e: rusqlite::Error) -> Error {
        LedgerError::new(&self.name, format!("cannot hold the ledger in memory: {e}"), Some(e.into())).into()
    }
}

impl Remote {
    /// Whether the schema `leadroute` exists and is a ledger this leadroute can use.
    pub fn state(&mut self) -> Result<State, Error> {
        let row = self
            .client
            .query_one(
                "SELECT to_regnamespace('leadroute') IS NOT NULL, to_regclass('leadroute.version') IS NOT NULL",
                &[],
            )
            .map_err(|e| self.pg(e, "SELECT on pg_catalog"))?;
        let (schema, version): (bool, bool) = (row.get(0), row.get(1));
        if !schema {
            return Ok(State::New);
        }
        if !version {
            return Err(self.fail(
                "has a schema 'leadroute' without leadroute's version table: it is not a leadroute ledger; it was \
                 left untouched. Name another database, or drop that schema"
                    .into(),
            ));
        }
        let v: Option<i32> = self
            .client
            .query_one("SELECT max(version) FROM leadroute.version", &[])
            .map_err(|e| self.pg(e, "SELECT on leadroute.version"))?
            .get(0);
        match v {
            Some(VERSION) => Ok(State::Current),
            Some(v) if v > VERSION => Err(self.fail(format!(
                "was written by a newer leadroute (ledger schema version {v}; this one knows up to {VERSION}); it \
                 was left untouched. Run it with that newer leadroute"
            ))),
            v => Err(self.fail(format!(
                "has ledger schema version {}, which no leadroute wrote to PostgreSQL; it was left untouched",
                v.map_or_else(|| "(none)".to_string(), |v| v.to_string())
            ))),
        }
    }

    /// Takes the write lock, waiting up to `--wait` (0: fails at once),
    /// then creates the schema when it is missing.
    pub fn lock(&mut self) -> Result<(), Error> {
        let mut lock = connect(&self.info, &self.ctx.name, self.wait)?;
        let busy = || {
            self.fail(format!(
                "the ledger is in use by another run; waited {} s for it (--wait SECONDS waits longer)",
                self.wait.as_secs()
            ))
        };
        lock.batch_execute("BEGIN").map_err(|e| self.pg(e, "BEGIN"))?;
        if self.wait.is_zero() {
            let got: bool = lock
                .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&LOCK_KEY])
                .map_err(|e| self.pg(e, "pg_try_advisory_xact_lock"))?
                .get(0);
            if !got {
                return Err(busy());
            }
        } else {
            let ms = self.wait.as_millis().min(i32::MAX as u128);
            lock.batch_execute(&format!("SET LOCAL lock_timeout = {ms}"))
                .and_then(|()| lock.query_one("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY]).map(drop))
                .map_err(|e| match e.code() {
                    Some(c) if *c == postgres::error::SqlState::LOCK_NOT_AVAILABLE => busy(),
                    _ => self.pg(e, "pg_advisory_xact_lock"),
                })?;
        }
        self.lock = Some(lock);
        if let State::New = self.state()? {
            self.client.batch_execute(&format!("BEGIN; {DDL} COMMIT;")).map_err(|e| {
                let _ = self.client.batch_execute("ROLLBACK");
                match e.code() {
                    Some(c) if *c == postgres::error::SqlState::INSUFFICIENT_PRIVILEGE => self.fail(format!(
                        "the schema leadroute does not exist and the role '{}' may not create it; nothing was \
                         changed. A database administrator creates it with the SQL of `leadroute ledger schema \
                         --postgres` and grants SELECT, INSERT, DELETE on its tables",
                        self.info.user
                    )),
                    _ => self.pg(e, "CREATE on the database"),
                }
            })?;
        }
        Ok(())
    }

    /// Fills `conn` (an empty SQLite ledger in memory) from one consistent
    /// snapshot of the server's tables; returns whether there was a ledger
    /// (`false`: no schema yet, `conn` left empty).
    pub fn load(&mut self, conn: &Connection) -> Result<bool, Error> {
        self.load_deferred(conn, false)
    }

    /// As `load`; with `defer`, the assignments are left on the server,
    /// the snapshot kept open, until `load_assigned_for` says which a run
    /// needs (every table but `assigned` is small: one row per run, per
    /// run and rep, per name, per warning of a day).
    pub fn load_deferred(&mut self, conn: &Connection, defer: bool) -> Result<bool, Error> {
        if let State::New = self.state()? {
            self.finish_load(conn, true)?;
            return Ok(false);
        }
        // JIT compiling costs more than it saves on these short reads.
        self.client
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL jit = off")
            .map_err(|e| self.pg(e, "BEGIN"))?;
        let loaded = self.copy_small(conn);
        let v1 = match loaded {
            Ok(v1) => v1,
            Err(e) => {
                let _ = self.client.batch_execute("ROLLBACK");
                return Err(e);
            }
        };
        // Runs of schema version 1 get their rosters by a rewrite: the
        // whole ledger is needed.
        if defer && !v1 {
            self.pending = true;
            return Ok(true);
        }
        self.load_assigned(conn, None)?;
        Ok(true)
    }

    /// Whether the assignments wait for `load_assigned_for`.
    pub fn pending(&self) -> bool {
        self.pending
    }

    /// Loads the assignments a run on these keys reads: the rows of the
    /// batch's lead ids, email keys and account keys, and every row of the
    /// leads those rows are of (their history). When the ledger is not
    /// large beside the batch, all of them.
    pub fn load_assigned_for(
        &mut self,
        conn: &Connection,
        about: usize,
        keys: impl FnOnce() -> (Vec<String>, Vec<String>, Vec<String>),
    ) -> Result<(), Error> {
        if !self.pending {
            return Ok(());
        }
        if self.server_rows <= (about as i64).saturating_mul(16) {
            return self.load_assigned(conn, None);
        }
        let (ids, emails, accounts) = keys();
        self.load_assigned(conn, Some((&ids, &emails, &accounts)))
    }

    /// Loads all of `assigned`, or the rows of `keys`, and ends the snapshot.
    fn load_assigned(
        &mut self,
        conn: &Connection,
        keys: Option<(&[String], &[String], &[String])>,
    ) -> Result<(), Error> {
        let columns = "a.id, a.run, a.as_of_day, a.lead_id, a.account, a.account_key, a.email, a.email_key, a.team, \
                       a.rep, a.reason, a.score, a.stage, extract(epoch FROM a.assigned_at)::int8";
        let insert = "INSERT INTO assigned (rowid, run, as_of_day, lead_id, account, account_key, email, email_key, \
                      team, rep, reason, score, stage, assigned_at) \
                      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
        // The copy's indexes of `assigned` are built after its rows are in
        // (a sort, not one insert per row and index).
        for (name, _) in ASSIGNED_INDEXES {
            conn.execute_batch(&format!("DROP INDEX IF EXISTS main.{name}")).map_err(|e| self.sqlite(e))?;
        }
        let copied = match keys {
            None => {
                self.copy_query(conn, "assigned", &format!("SELECT {columns} FROM leadroute.assigned a"), &[], insert)
            }
            Some((ids, emails, accounts)) => {
                let select = format!(
                    "WITH hit AS (
                         SELECT a.lead_id FROM leadroute.assigned a JOIN unnest($1::text[]) k(v) ON a.lead_id = k.v
                         UNION SELECT a.lead_id FROM leadroute.assigned a JOIN unnest($2::text[]) k(v) ON a.email_key = k.v
                         UNION SELECT a.lead_id FROM leadroute.assigned a JOIN unnest($3::text[]) k(v) ON a.account_key = k.v)
                     SELECT {columns} FROM leadroute.assigned a JOIN hit ON a.lead_id = hit.lead_id"
                );
                // A few keys in a large table: index look-ups, whatever the
                // statistics say (a table just filled by `ledger copy` has none).
                match self.client.batch_execute(
                    "SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off",
                ) {
                    Ok(()) => self.copy_query(conn, "assigned", &select, &[&ids, &emails, &accounts], insert),
                    Err(e) => Err(self.pg(e, "SET")),
                }
            }
        };
        let _ = self.client.batch_execute("COMMIT");
        self.pending = false;
        copied?;
        for (_, create) in ASSIGNED_INDEXES {
            conn.execute_batch(create).map_err(|e| self.sqlite(e))?;
        }
        self.finish_load(conn, keys.is_none())
    }

    /// After loading: where new rows start, and the triggers that note a
    /// change to what was loaded.
    fn finish_load(&mut self, conn: &Connection, whole: bool) -> Result<(), Error> {
        let mirror: i64 = conn
            .query_row("SELECT coalesce(max(rowid), 0) FROM assigned", [], |r| r.get(0))
            .map_err(|e| self.sqlite(e))?;
        self.marks.mirror_row = mirror;
        // New rows of a partial copy are numbered on after the server's last.
        self.marks.offset = self.marks.row - mirror;
        self.whole = whole;
        install_triggers(conn, self.marks).map_err(|e| self.sqlite(e))
    }

    /// Copies the small tables (all but `assigned`) into `conn`; returns
    /// whether a run of schema version 1 is among the runs.
    fn copy_small(&mut self, conn: &Connection) -> Result<bool, Error> {
        let mut marks = Marks::default();
        let tables: [(&str, String, &str); 6] = [
            ("names", "SELECT id, name FROM leadroute.names".into(), "INSERT INTO names (id, name) VALUES (?1, ?2)"),
            (
                "runs",
                format!(
                    "SELECT r.run, to_char(r.started AT TIME ZONE 'UTC', {UTC_TEXT}), to_char(r.as_of, 'YYYY-MM-DD'), \
                     r.input, r.rules_sha256, r.rows_read, r.assigned, r.first_row, r.last_row, r.kind, \
                     to_char(r.assigned_at AT TIME ZONE 'UTC', {UTC_TEXT}), r.token, \
                     (EXISTS (SELECT 1 FROM leadroute.delivered d WHERE d.run = r.run))::int4::int8 \
                     FROM leadroute.runs r"
                ),
                "INSERT INTO runs (run, started, as_of, input, rules_sha256, rows_read, assigned, first_row, last_row, \
                 kind, assigned_at, token, delivered) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            ),
            (
                "run_reps",
                "SELECT run, team, rep, taken, weight FROM leadroute.run_reps".into(),
                "INSERT INTO run_reps (run, team, rep, taken, weight) VALUES (?1, ?2, ?3, ?4, ?5)",
            ),
            (
                "warned",
                "SELECT as_of_day, kind, subject, run FROM leadroute.warned".into(),
                "INSERT INTO warned (as_of_day, kind, subject, run) VALUES (?1, ?2, ?3, ?4)",
            ),
            ("meta", "SELECT key, value FROM leadroute.meta".into(), "INSERT INTO meta (key, value) VALUES (?1, ?2)"),
            (
                "run_numbers",
                "SELECT coalesce(max(run), 0) FROM leadroute.run_numbers".into(),
                "INSERT INTO sqlite_sequence (name, seq) VALUES ('runs', ?1)",
            ),
        ];
        for (table, select, insert) in tables {
            let max = self.copy_query(conn, table, &select, &[], insert)?;
            match table {
                "names" => marks.name = max,
                "runs" | "run_numbers" => marks.run = marks.run.max(max),
                _ => {}
            }
        }
        let row = self
            .client
            .query_one("SELECT coalesce(max(id), 0), coalesce(max(id) - min(id) + 1, 0) FROM leadroute.assigned", &[])
            .map_err(|e| self.pg(e, "SELECT on leadroute.assigned"))?;
        marks.row = row.get(0);
        self.server_rows = row.get(1);
        self.marks = marks;
        let v1: bool = conn
            .query_row("SELECT count(*) > 0 FROM runs WHERE kind = ?1", [super::kind::V1], |r| r.get(0))
            .map_err(|e| self.sqlite(e))?;
        Ok(v1)
    }

    /// Streams one query's rows into `conn` with `insert`; returns the
    /// largest value of the first column (0: none).
    fn copy_query(
        &mut self,
        conn: &Connection,
        table: &str,
        select: &str,
        params: &[&(dyn ToSql + Sync)],
        insert: &str,
    ) -> Result<i64, Error> {
        let ctx = self.ctx.clone();
        let doing = format!("SELECT on leadroute.{table}");
        // Its own transaction on the copy, unless the copy is in one (a
        // run's, when the assignments are loaded for its batch).
        let own = conn.is_autocommit();
        if own {
            conn.execute_batch("BEGIN").map_err(|e| ctx.sqlite(e))?;
        }
        let mut st = conn.prepare_cached(insert).map_err(|e| ctx.sqlite(e))?;
        let mut rows = self.client.query_raw(select, params.iter().copied()).map_err(|e| ctx.pg(e, &doing))?;
        let mut max = 0i64;
        // Each cell bound as it is, borrowed from the row (no copy).
        let step = |row: &postgres::Row, st: &mut rusqlite::CachedStatement, max: &mut i64| -> Result<(), Error> {
            for (i, c) in row.columns().iter().enumerate() {
                let bound = match *c.type_() {
                    Type::INT8 => {
                        let v: Option<i64> = row.try_get(i).map_err(|e| ctx.pg(e, &doing))?;
                        if i == 0 {
                            *max = (*max).max(v.unwrap_or(0));
                        }
                        st.raw_bind_parameter(i + 1, v)
                    }
                    Type::INT4 => {
                        st.raw_bind_parameter(i + 1, row.try_get::<_, Option<i32>>(i).map_err(|e| ctx.pg(e, &doing))?)
                    }
                    _ => {
                        st.raw_bind_parameter(i + 1, row.try_get::<_, Option<&str>>(i).map_err(|e| ctx.pg(e, &doing))?)
                    }
                };
                bound.map_err(|e| ctx.sqlite(e))?;
            }
            st.raw_execute().map_err(|e| ctx.sqlite(e))?;
            Ok(())
        };
        loop {
            let row = match rows.next() {
                Ok(Some(row)) => row,
                Ok(None) => break,
                Err(e) => return Err(ctx.pg(e, &doing)),
            };
            step(&row, &mut st, &mut max)?;
        }
        drop(st);
        if own {
            conn.execute_batch("COMMIT").map_err(|e| ctx.sqlite(e))?;
        }
        Ok(max)
    }

    /// Sends what changed in `conn` since `load` to the server, in one
    /// transaction: the new rows, or every table rewritten when older rows
    /// changed. A lost answer to COMMIT is resolved by the new runs' tokens
    /// (docs/reference.md §10.3).
    pub fn push(&mut self, conn: &Connection) -> Result<(), Error> {
        if self.pending {
            // A run that read no assignments (its export has no ids).
            let _ = self.client.batch_execute("COMMIT");
            self.pending = false;
            self.finish_load(conn, false)?;
        }
        let dirty: bool =
            conn.query_row("SELECT count(*) > 0 FROM temp.dirty", [], |r| r.get(0)).map_err(|e| self.sqlite(e))?;
        if dirty && !self.whole {
            return Err(self.fail(
                "cannot record: older rows of the ledger changed while only a run's part of it was read; nothing \
                 was changed (please report this)"
                    .into(),
            ));
        }
        let from = if dirty { Marks::default() } else { self.marks };
        let tokens: Vec<String> = conn
            .prepare("SELECT token FROM runs WHERE run > ?1 AND token IS NOT NULL")
            .and_then(|mut st| st.query_map([from.run], |r| r.get(0))?.collect())
            .map_err(|e| self.sqlite(e))?;
        self.client.batch_execute("BEGIN").map_err(|e| self.pg(e, "BEGIN"))?;
        let sent = self.send(conn, from, dirty);
        if let Err(e) = sent {
            let _ = self.client.batch_execute("ROLLBACK");
            return Err(e);
        }
        if let Some(ms) = fault("ledger-pause") {
            // For tests: a moment to stop the server or kill the run.
            std::thread::sleep(Duration::from_millis(ms));
        }
        if fault("ledger-commit-lost").is_some() {
            // For tests: the answer to COMMIT lost (the server has it).
            let _ = self.client.batch_execute("COMMIT");
            self.client = connect(&self.info, &self.ctx.name, self.wait)?;
            return self.resolve(&tokens, None);
        }
        match self.client.batch_execute("COMMIT") {
            Ok(()) => {}
            // No answer from the server (not an error it sent): was it recorded?
            Err(e) if !tokens.is_empty() && (self.client.is_closed() || lost(&e)) => {
                return self.resolve(&tokens, Some(e));
            }
            Err(e) => return Err(self.pg(e, "COMMIT")),
        }
        let mut marks = marks_of(conn).map_err(|e| self.sqlite(e))?;
        if dirty || marks.mirror_row - from.mirror_row > 10_000 {
            // Many rows at once (a copy, a first run, a rewrite): fresh
            // statistics for the next run's plans. A role that may not
            // analyze the table gets a warning from the server, not an error.
            let _ = self.client.batch_execute("ANALYZE leadroute.assigned");
        }
        marks.offset = from.offset;
        marks.row = marks.mirror_row + from.offset;
        self.marks = marks;
        conn.execute_batch("DELETE FROM temp.dirty").map_err(|e| self.sqlite(e))?;
        install_triggers(conn, self.marks).map_err(|e| self.sqlite(e))?;
        Ok(())
    }

    /// The answer to COMMIT was lost: reconnects (within `--wait`) and asks
    /// whether the run's token was recorded.
    fn resolve(&mut self, tokens: &[String], e: Option<postgres::Error>) -> Result<(), Error> {
        let deadline = Instant::now() + self.wait.max(Duration::from_secs(1));
        let why = e.map(|e| e.to_string()).unwrap_or_else(|| "connection lost".into());
        loop {
            if let Ok(mut c) = self.info.connect(Some(Duration::from_secs(2))) {
                let found = c.query_one("SELECT count(*) FROM leadroute.runs WHERE token = ANY($1)", &[&tokens]);
                if let Ok(row) = found {
                    let n: i64 = row.get(0);
                    self.client = c;
                    if n > 0 {
                        return Ok(());
                    }
                    return Err(self.fail(format!(
                        "the server did not answer the commit ({why}) and has not recorded the run; nothing was \
                         recorded and no output was replaced"
                    )));
                }
            }
            if Instant::now() >= deadline {
                return Err(self.fail(format!(
                    "the server did not answer the commit ({why}) and could not be asked again within {} s: the run \
                     (token {}) may or may not be recorded; the outputs were not put in place. The next run writes \
                     any such leads as assigned_before",
                    self.wait.as_secs(),
                    tokens.join(", ")
                )));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The statements of `push`, inside its transaction.
    fn send(&mut self, conn: &Connection, from: Marks, rewrite: bool) -> Result<(), Error> {
        let ctx = self.ctx.clone();
        let sql = |e: rusqlite::Error| e;
        if rewrite {
            for table in TABLES {
                self.client
                    .batch_execute(&format!("DELETE FROM leadroute.{table}"))
                    .map_err(|e| ctx.pg(e, &format!("DELETE on leadroute.{table}")))?;
            }
        }
        // Names.
        let (ids, names): (Vec<i64>, Vec<String>) =
            collect2(conn, "SELECT id, name FROM names WHERE id > ?1", from.name).map_err(|e| ctx.sqlite(sql(e)))?;
        if !ids.is_empty() {
            self.client
                .execute(
                    "INSERT INTO leadroute.names (id, name) SELECT * FROM unnest($1::int8[], $2::text[])",
                    &[&ids, &names],
                )
                .map_err(|e| ctx.pg(e, "INSERT on leadroute.names"))?;
        }
        // Runs, their delivered marks and numbers.
        let mut st = conn
            .prepare(
                "SELECT run, started, as_of, input, rules_sha256, rows_read, assigned, first_row, last_row, kind, \
                 assigned_at, token, delivered FROM runs WHERE run > ?1 ORDER BY run",
            )
            .map_err(|e| ctx.sqlite(e))?;
        #[derive(Default)]
        struct Runs {
            run: Vec<i64>,
            started: Vec<String>,
            as_of: Vec<String>,
            input: Vec<String>,
            rules: Vec<String>,
            rows_read: Vec<i64>,
            assigned: Vec<i64>,
            first: Vec<Option<i64>>,
            last: Vec<Option<i64>>,
            kind: Vec<String>,
            at: Vec<Option<String>>,
            token: Vec<Option<String>>,
            delivered: Vec<i64>,
        }
        let mut r = Runs::default();
        let mut rows = st.query([from.run]).map_err(|e| ctx.sqlite(e))?;
        let mut read = || -> rusqlite::Result<()> {
            while let Some(row) = rows.next()? {
                r.run.push(row.get(0)?);
                r.started.push(row.get(1)?);
                r.as_of.push(row.get(2)?);
                r.input.push(row.get(3)?);
                r.rules.push(row.get(4)?);
                r.rows_read.push(row.get(5)?);
                r.assigned.push(row.get(6)?);
                r.first.push(row.get::<_, Option<i64>>(7)?.map(|i| i + from.offset));
                r.last.push(row.get::<_, Option<i64>>(8)?.map(|i| i + from.offset));
                r.kind.push(row.get(9)?);
                r.at.push(row.get(10)?);
                r.token.push(row.get(11)?);
                if row.get::<_, i64>(12)? != 0 {
                    r.delivered.push(row.get(0)?);
                }
            }
            Ok(())
        };
        read().map_err(|e| ctx.sqlite(e))?;
        drop(rows);
        drop(st);
        if !r.run.is_empty() {
            self.client
                .execute(
                    "INSERT INTO leadroute.runs (run, started, as_of, input, rules_sha256, rows_read, assigned, \
                     first_row, last_row, kind, assigned_at, token) \
                     SELECT r, s::timestamptz, d::date, i, h, n, a, f, l, k, t::timestamptz, o FROM unnest($1::int8[], \
                     $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[], $8::int8[], $9::int8[], \
                     $10::text[], $11::text[], $12::text[]) AS u(r, s, d, i, h, n, a, f, l, k, t, o)",
                    &[
                        &r.run,
                        &r.started,
                        &r.as_of,
                        &r.input,
                        &r.rules,
                        &r.rows_read,
                        &r.assigned,
                        &r.first,
                        &r.last,
                        &r.kind,
                        &r.at,
                        &r.token,
                    ],
                )
                .map_err(|e| ctx.pg(e, "INSERT on leadroute.runs"))?;
        }
        if !r.delivered.is_empty() {
            self.client
                .execute("INSERT INTO leadroute.delivered (run) SELECT unnest($1::int8[])", &[&r.delivered])
                .map_err(|e| ctx.pg(e, "INSERT on leadroute.delivered"))?;
        }
        let mut numbers = r.run.clone();
        let seq: Option<i64> =
            conn.query_row("SELECT seq FROM sqlite_sequence WHERE name = 'runs'", [], |row| row.get(0)).ok().flatten();
        numbers.extend(seq);
        if !numbers.is_empty() {
            self.client
                .execute(
                    "INSERT INTO leadroute.run_numbers (run) SELECT unnest($1::int8[]) ON CONFLICT DO NOTHING",
                    &[&numbers],
                )
                .map_err(|e| ctx.pg(e, "INSERT on leadroute.run_numbers"))?;
        }
        // Assignments: one binary COPY.
        let mut st = conn
            .prepare(
                "SELECT rowid, run, as_of_day, lead_id, account, account_key, email, email_key, team, rep, reason, \
                 score, stage, assigned_at FROM assigned WHERE rowid > ?1 ORDER BY rowid",
            )
            .map_err(|e| ctx.sqlite(e))?;
        let mut rows = st.query([from.mirror_row]).map_err(|e| ctx.sqlite(e))?;
        let copy = self
            .client
            .copy_in(
                "COPY leadroute.assigned (id, run, as_of_day, lead_id, account, account_key, email, email_key, team, \
                 rep, reason, score, stage, assigned_at) FROM STDIN (FORMAT binary)",
            )
            .map_err(|e| ctx.pg(e, "INSERT on leadroute.assigned"))?;
        let types = [
            Type::INT8,
            Type::INT8,
            Type::INT4,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::TIMESTAMPTZ,
        ];
        let mut w = postgres::binary_copy::BinaryCopyInWriter::new(copy, &types);
        let mut failed: Option<Result<rusqlite::Error, postgres::Error>> = None;
        loop {
            let row = match rows.next() {
                Ok(Some(row)) => row,
                Ok(None) => break,
                Err(e) => {
                    failed = Some(Ok(e));
                    break;
                }
            };
            let values = || -> rusqlite::Result<_> {
                let at: Option<i64> = row.get(13)?;
                Ok((
                    row.get::<_, i64>(0)? + from.offset,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i32>(2)?,
                    row.get::<_, String>(3)?,
                    [row.get::<_, Option<String>>(4)?, row.get(5)?, row.get(6)?, row.get(7)?],
                    [row.get::<_, Option<i64>>(8)?, Some(row.get(9)?), Some(row.get(10)?), row.get(11)?, row.get(12)?],
                    at.map(unix_time),
                ))
            };
            let (id, run, day, lead, [account, account_key, email, email_key], [team, rep, reason, score, stage], at) =
                match values() {
                    Ok(v) => v,
                    Err(e) => {
                        failed = Some(Ok(e));
                        break;
                    }
                };
            if let Err(e) = w.write(&[
                &id,
                &run,
                &day,
                &lead,
                &account,
                &account_key,
                &email,
                &email_key,
                &team,
                &rep,
                &reason,
                &score,
                &stage,
                &at,
            ]) {
                failed = Some(Err(e));
                break;
            }
        }
        drop(rows);
        drop(st);
        match failed {
            Some(Ok(e)) => return Err(ctx.sqlite(e)),
            Some(Err(e)) => return Err(ctx.pg(e, "INSERT on leadroute.assigned")),
            None => {}
        }
        w.finish().map_err(|e| ctx.pg(e, "INSERT on leadroute.assigned"))?;
        // Per-rep counts and rosters, warnings printed, meta.
        let mut st = conn
            .prepare("SELECT run, team, rep, taken, weight FROM run_reps WHERE run > ?1")
            .map_err(|e| ctx.sqlite(e))?;
        let mut cols: RunRepColumns = Default::default();
        st.query_map([from.run], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)))
            .and_then(|rows| {
                for row in rows {
                    let (a, b, c, d, e) = row?;
                    cols.0.push(a);
                    cols.1.push(b);
                    cols.2.push(c);
                    cols.3.push(d);
                    cols.4.push(e);
                }
                Ok(())
            })
            .map_err(|e| ctx.sqlite(e))?;
        drop(st);
        if !cols.0.is_empty() {
            self.client
                .execute(
                    "INSERT INTO leadroute.run_reps (run, team, rep, taken, weight) \
                     SELECT * FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::text[])",
                    &[&cols.0, &cols.1, &cols.2, &cols.3, &cols.4],
                )
                .map_err(|e| ctx.pg(e, "INSERT on leadroute.run_reps"))?;
        }
        let mut st = conn
            .prepare("SELECT as_of_day, kind, subject, run FROM warned WHERE run > ?1")
            .map_err(|e| ctx.sqlite(e))?;
        let mut w: (Vec<i32>, Vec<String>, Vec<String>, Vec<i64>) = Default::default();
        st.query_map([from.run], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
            .and_then(|rows| {
                for row in rows {
                    let (a, b, c, d) = row?;
                    w.0.push(a);
                    w.1.push(b);
                    w.2.push(c);
                    w.3.push(d);
                }
                Ok(())
            })
            .map_err(|e| ctx.sqlite(e))?;
        drop(st);
        if !w.0.is_empty() {
            self.client
                .execute(
                    "INSERT INTO leadroute.warned (as_of_day, kind, subject, run) \
                     SELECT * FROM unnest($1::int4[], $2::text[], $3::text[], $4::int8[])",
                    &[&w.0, &w.1, &w.2, &w.3],
                )
                .map_err(|e| ctx.pg(e, "INSERT on leadroute.warned"))?;
        }
        let (keys, values): (Vec<String>, Vec<String>) =
            collect2(conn, "SELECT key, value FROM meta WHERE ?1 = ?1", 0).map_err(|e| ctx.sqlite(e))?;
        if !keys.is_empty() {
            self.client
                .execute(
                    "INSERT INTO leadroute.meta (key, value) SELECT * FROM unnest($1::text[], $2::text[]) \
                     ON CONFLICT (key) DO NOTHING",
                    &[&keys, &values],
                )
                .map_err(|e| ctx.pg(e, "INSERT on leadroute.meta"))?;
        }
        Ok(())
    }

    /// `ledger export` from the server, in the open snapshot: each row as
    /// the SQLite ledger gives it (the same text, the same order).
    pub fn export(
        &mut self,
        run: Option<i64>,
        since: Option<&str>,
        f: &mut dyn FnMut(&super::ExportRow) -> std::io::Result<()>,
    ) -> Result<(), super::ExportFailed> {
        use super::ExportFailed;
        let ctx = self.ctx.clone();
        let doing = "SELECT on leadroute.assigned";
        let select = format!(
            "SELECT a.run, to_char(r.as_of, 'YYYY-MM-DD'), a.lead_id, a.account, t.name, p.name, w.name, a.score, \
             s.name, coalesce(to_char(a.assigned_at AT TIME ZONE 'UTC', {UTC_TEXT}), \
             to_char(r.assigned_at AT TIME ZONE 'UTC', {UTC_TEXT})) \
             FROM leadroute.assigned a \
             JOIN leadroute.runs r ON r.run = a.run \
             LEFT JOIN leadroute.names t ON t.id = a.team \
             JOIN leadroute.names p ON p.id = a.rep \
             JOIN leadroute.names w ON w.id = a.reason \
             LEFT JOIN leadroute.names s ON s.id = a.stage \
             WHERE ($1::int8 IS NULL OR a.run = $1) AND ($2::text IS NULL OR r.as_of >= $2::text::date) \
             ORDER BY a.run, a.id"
        );
        let params: [&(dyn ToSql + Sync); 2] = [&run, &since];
        let mut rows =
            self.client.query_raw(select.as_str(), params).map_err(|e| ExportFailed::Ledger(ctx.pg(e, doing)))?;
        loop {
            let row = match rows.next() {
                Ok(Some(row)) => row,
                Ok(None) => break,
                Err(e) => return Err(ExportFailed::Ledger(ctx.pg(e, doing))),
            };
            let text =
                |i: usize| -> Result<&str, postgres::Error> { Ok(row.try_get::<_, Option<&str>>(i)?.unwrap_or("")) };
            let cells = || -> Result<super::ExportRow, postgres::Error> {
                Ok(super::ExportRow {
                    run: row.try_get(0)?,
                    cells: [text(1)?, text(2)?, text(3)?, text(4)?, text(5)?, text(6)?],
                    cents: row.try_get(7)?,
                    stage: text(8)?,
                    at: text(9)?,
                })
            };
            let r = cells().map_err(|e| ExportFailed::Ledger(ctx.pg(e, doing)))?;
            f(&r).map_err(ExportFailed::Write)?;
        }
        Ok(())
    }

    /// Removes run `run` and its rows, in a transaction of its own (a run
    /// whose outputs could not be put in place).
    pub fn remove_run(&mut self, run: i64) -> Result<(), Error> {
        let steps = |c: &mut postgres::Client| -> Result<(), postgres::Error> {
            c.batch_execute("BEGIN")?;
            for table in ["assigned", "run_reps", "warned", "delivered", "runs"] {
                c.execute(&format!("DELETE FROM leadroute.{table} WHERE run = $1"), &[&run])?;
            }
            c.batch_execute("COMMIT")
        };
        if let Err(e) = steps(&mut self.client) {
            let _ = self.client.batch_execute("ROLLBACK");
            return Err(self.pg(e, "DELETE on leadroute.assigned"));
        }
        Ok(())
    }

    /// Marks run `run` delivered (its outputs are in place).
    pub fn mark_delivered(&mut self, run: i64) -> Result<(), Error> {
        self.client
            .execute("INSERT INTO leadroute.delivered (run) VALUES ($1) ON CONFLICT DO NOTHING", &[&run])
            .map_err(|e| self.pg(e, "INSERT on leadroute.delivered"))?;
        Ok(())
    }
}

/// `run_reps` as columns: run, team, rep, taken, weight.
type RunRepColumns = (Vec<i64>, Vec<i64>, Vec<i64>, Vec<i64>, Vec<Option<String>>);

/// Connects, waiting at most `wait` (at least 5 s) for the server.
fn connect(info: &ConnInfo, name: &str, wait: Duration) -> Result<postgres::Client, Error> {
    info.connect(Some(wait.max(Duration::from_secs(5)))).map_err(|e| {
        let what = match &e {
            ConnectError::Tls(why) => format!("cannot connect to the ledger's server: TLS: {why}"),
            ConnectError::Pg(e) => match (e.code(), e.as_db_error()) {
                (Some(c), Some(db))
                    if *c == postgres::error::SqlState::INVALID_PASSWORD
                        || *c == postgres::error::SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
                {
                    format!(
                        "cannot connect to the ledger's server: {} (check the user and the password: the URL, or \
                         PGPASSWORD)",
                        db.message()
                    )
                }
                (_, Some(db)) => format!("cannot connect to the ledger's server: {}", db.message()),
                _ => format!("cannot connect to the ledger's server: {e}"),
            },
        };
        let source = match e {
            ConnectError::Pg(e) => Some(e.into()),
            ConnectError::Tls(_) => None,
        };
        LedgerError::new(name, what, source).into()
    })
}

/// Whether an error means the connection is gone (no answer, a server
/// shutting down, a connection failure), not a refusal by the server.
fn lost(e: &postgres::Error) -> bool {
    match e.code() {
        None => e.as_db_error().is_none(),
        Some(c) => c.code().starts_with("57P") || c.code().starts_with("08"),
    }
}

/// `LEADROUTE_FAULT` (comma-separated) for the tests of the lost commit:
/// `ledger-pause=MS` waits before COMMIT; `ledger-commit-lost` commits and
/// acts as if the answer was lost.
fn fault(name: &str) -> Option<u64> {
    let spec = std::env::var("LEADROUTE_FAULT").ok()?;
    spec.split(',').find_map(|part| match part.split_once('=') {
        Some((k, v)) if k == name => Some(v.trim().parse().unwrap_or(0)),
        None if part == name => Some(0),
        _ => None,
    })
}

fn unix_time(seconds: i64) -> std::time::SystemTime {
    if seconds >= 0 {
        std::time::UNIX_EPOCH + Duration::from_secs(seconds as u64)
    } else {
        std::time::UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
    }
}

/// Two columns of a query with one parameter.
fn collect2<A: rusqlite::types::FromSql, B: rusqlite::types::FromSql>(
    conn: &Connection,
    sql: &str,
    p: i64,
) -> rusqlite::Result<(Vec<A>, Vec<B>)> {
    let mut st = conn.prepare(sql)?;
    let mut out = (Vec::new(), Vec::new());
    for row in st.query_map([p], |r| Ok((r.get(0)?, r.get(1)?)))? {
        let (a, b) = row?;
        out.0.push(a);
        out.1.push(b);
    }
    Ok(out)
}

/// The largest run, row and name id a ledger in memory holds.
fn marks_of(conn: &Connection) -> rusqlite::Result<Marks> {
    let one = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0));
    Ok(Marks {
        run: one(
            "SELECT max(coalesce((SELECT max(run) FROM runs), 0), coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'runs'), 0))",
        )?,
        row: 0,
        name: one("SELECT coalesce(max(id), 0) FROM names")?,
        mirror_row: one("SELECT coalesce(max(rowid), 0) FROM assigned")?,
        offset: 0,
    })
}

/// Triggers that note, in `temp.dirty`, a change to what was loaded (not
/// only rows added): `push` then rewrites every table.
fn install_triggers(conn: &Connection, m: Marks) -> rusqlite::Result<()> {
    let (r, a) = (m.run, m.mirror_row);
    for t in [
        "runs_u",
        "runs_d",
        "assigned_u",
        "assigned_d",
        "names_u",
        "names_d",
        "run_reps_i",
        "run_reps_u",
        "run_reps_d",
        "warned_i",
        "warned_d",
        "meta_u",
        "meta_d",
    ] {
        conn.execute_batch(&format!("DROP TRIGGER IF EXISTS temp.{t}"))?;
    }
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS dirty (x INTEGER);
         CREATE TEMP TRIGGER runs_u AFTER UPDATE ON main.runs WHEN old.run <= {r} BEGIN INSERT INTO dirty VALUES (1); END;
         CREATE TEMP TRIGGER runs_d AFTER DELETE ON main.runs BEGIN INSERT INTO dirty VALUES (1); END;
         CREATE TEMP TRIGGER assigned_u AFTER UPDATE ON main.assigned WHEN old.rowid <= {a} BEGIN INSERT INTO dirty VALUES (1); END;
         CREATE TEMP TRIGGER assigned_d AFTER DELETE ON main.assigned BEGIN INSERT INTO dirty VALUES (1); END;
         CREATE TEMP TRIGGER names_u AFTER UPDATE ON main.names BEGIN INSERT INTO dirty VALUES (1); END;
         CREATE TEMP TRIGGER names_d AFTER DELETE ON main.names BEGIN INSERT INTO dirty VALUES (1); END;
         CREATE TEMP TRIGGER run_reps_i AFTER INSERT ON main.run_reps WHEN new.run <= {r} BEGIN INSERT INTO dirty VALUES (1); END;
         CREATE TEMP TRIGGER run_reps_u AFTER UPDATE ON main.run_reps BEGIN INSERT INTO dirty VALUES (1); END;
         CREATE TEMP TRIGGER run_reps_d AFTER DELETE ON main.run_reps BEGIN INSERT INTO dirty VALUES (1); END;
         CREATE TEMP TRIGGER warned_i AFTER INSERT ON main.warned WHEN new.run <= {r} BEGIN INSERT INTO dirty VALUES (1); END;
         CREATE TEMP TRIGGER warned_d AFTER DELETE ON main.warned BEGIN INSERT INTO dirty VALUES (1); END;
         CREATE TEMP TRIGGER meta_u AFTER UPDATE ON main.meta BEGIN INSERT INTO dirty VALUES (1); END;
         CREATE TEMP TRIGGER meta_d AFTER DELETE ON main.meta BEGIN INSERT INTO dirty VALUES (1); END;"
    ))
}
