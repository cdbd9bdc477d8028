//! Is a ledger sound? SQLite sees only the pages it reads, so a run meets
//! the damage in what it reads, and any SQLite error that means a damaged
//! file (a corrupt page, a damaged header, a value of the wrong type, a
//! missing table) becomes one clear "corrupt" error (`damage`). A full
//! check costs the ledger's size: `leadroute ledger check` does it
//! (`PRAGMA integrity_check`, then the cheap leadroute checks: the
//! application id, the schema version, the tables and indexes it needs).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rusqlite::Connection;

use super::error::{LedgerError, OrLedger};
use super::{APPLICATION_ID, Ledger, SCHEMA, VERSION};
use crate::error::{Error, thousands};

/// What a damaged ledger makes SQLite or rusqlite say, for the message;
/// `None` for an error that is not about damage. `path` is the ledger.
pub fn damage(e: &rusqlite::Error, path: &str) -> Option<String> {
    use rusqlite::Error as E;
    use rusqlite::ErrorCode as C;
    match e {
        E::InvalidColumnType(_, column, kind) => {
            let kind = kind.to_string().to_ascii_lowercase();
            return Some(format!("column '{column}' holds {}, which leadroute never writes there", a_value(&kind)));
        }
        E::FromSqlConversionFailure(..) => return Some("a value of the wrong type where leadroute reads one".into()),
        E::IntegralValueOutOfRange(_, v) => {
            return Some(format!("an integer out of range where leadroute reads one ({v})"));
        }
        E::Utf8Error(..) => return Some("text that is not UTF-8 where leadroute reads some".into()),
        _ => {}
    }
    let text = e.to_string();
    match e.sqlite_error_code() {
        Some(C::DatabaseCorrupt | C::TypeMismatch) => Some(text),
        // A file that starts as an SQLite database but is not one: its header is damaged.
        Some(C::NotADatabase) if super::files::has_sqlite_header(path) => {
            Some(format!("its header is damaged: {text}"))
        }
        _ => {
            let missing = ["no such table", "no such column", "no such index", "malformed database schema"];
            missing.iter().any(|m| text.starts_with(m)).then(|| text.split(" in ").next().unwrap_or(&text).to_string())
        }
    }
}

/// The tables, indexes and views of the current schema, by name, with
/// their type: made from `SCHEMA` itself (in memory), so they follow it.
fn expected() -> &'static BTreeMap<String, String> {
    static EXPECTED: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    EXPECTED.get_or_init(|| {
        let objects = || -> rusqlite::Result<BTreeMap<String, String>> {
            let conn = Connection::open_in_memory()?;
            conn.execute_batch(SCHEMA)?;
            objects(&conn)
        };
        objects().unwrap_or_default()
    })
}

/// A column of the current schema whose values all have one type: its
/// name, that type (`integer` or `text`), and whether it may be NULL.
struct Typed {
    name: String,
    kind: &'static str,
    nullable: bool,
}

/// The typed columns of each table of the current schema (from `SCHEMA`,
/// by SQLite's affinity rules: a declared type with INT holds integers, one
/// with CHAR, CLOB or TEXT holds text).
fn typed_columns() -> &'static BTreeMap<String, Vec<Typed>> {
    static TYPED: OnceLock<BTreeMap<String, Vec<Typed>>> = OnceLock::new();
    TYPED.get_or_init(|| {
        let read = || -> rusqlite::Result<BTreeMap<String, Vec<Typed>>> {
            let conn = Connection::open_in_memory()?;
            conn.execute_batch(SCHEMA)?;
            let mut tables = BTreeMap::new();
            for (name, kind) in objects(&conn)? {
                if kind != "table" || name.starts_with("sqlite_") {
                    continue;
                }
                let mut st = conn.prepare(&format!("PRAGMA table_info({})", quoted(&name)))?;
                let columns = st.query_map([], |r| {
                    Ok((r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, bool>(3)?, r.get::<_, i64>(5)?))
                })?;
                let mut typed = Vec::new();
                for c in columns {
                    let (column, declared, not_null, pk) = c?;
                    let declared = declared.to_ascii_uppercase();
                    let kind = if declared.contains("INT") {
                        "integer"
                    } else if ["CHAR", "CLOB", "TEXT"].iter().any(|t| declared.contains(t)) {
                        "text"
                    } else {
                        continue;
                    };
                    typed.push(Typed { name: column, kind, nullable: !not_null && pk == 0 });
                }
                tables.insert(name, typed);
            }
            Ok(tables)
        };
        read().unwrap_or_default()
    })
}

/// A value of an SQLite type (`typeof`), as a message says it.
fn a_value(kind: &str) -> &str {
    match kind {
        "integer" => "an integer",
        "real" => "a real number",
        "blob" => "a blob",
        "null" => "NULL",
        _ => "text",
    }
}

/// A name as SQL quotes it.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Per table of the current schema, the rows with a value of a type
/// leadroute never writes in its column (a run fails on such a row): one
/// pass over each table.
fn wrong_types(l: &Ledger, path: &str) -> Result<Vec<String>, Error> {
    let mut found = Vec::new();
    for (table, columns) in typed_columns() {
        if columns.is_empty() {
            continue;
        }
        let sound: Vec<String> = columns
            .iter()
            .map(|c| {
                let allowed = if c.nullable { format!("'{}', 'null'", c.kind) } else { format!("'{}'", c.kind) };
                format!("typeof({}) IN ({allowed})", quoted(&c.name))
            })
            .collect();
        let types: Vec<String> = columns.iter().map(|c| format!("typeof({})", quoted(&c.name))).collect();
        let wrong = format!("FROM {} WHERE NOT ({})", quoted(table), sound.join(" AND "));
        let read = || -> rusqlite::Result<Option<String>> {
            let count: i64 = l.conn().query_row(&format!("SELECT count(*) {wrong}"), [], |r| r.get(0))?;
            if count == 0 {
                return Ok(None);
            }
            let first: Vec<String> =
                l.conn().query_row(&format!("SELECT {} {wrong} LIMIT 1", types.join(", ")), [], |r| {
                    (0..columns.len()).map(|i| r.get(i)).collect()
                })?;
            let column = columns.iter().zip(&first).find(|(c, t)| *t != c.kind && !(c.nullable && *t == "null"));
            let what =
                column.map_or(String::new(), |(c, t)| format!(" (first: column '{}' holds {})", c.name, a_value(t)));
            let rows =
                if count == 1 { "1 row holds".to_string() } else { format!("{} rows hold", thousands(count as usize)) };
            Ok(Some(format!("table '{table}': {rows} a value of a type leadroute never writes there{what}")))
        };
        match read() {
            Ok(Some(problem)) => found.push(problem),
            Ok(None) => {}
            Err(e) => match damage(&e, path) {
                Some(what) => found.push(format!("table '{table}': {what}")),
                None => return Err(l.sql(e)),
            },
        }
    }
    Ok(found)
}

/// The schema's objects in a database: name to type.
fn objects(conn: &Connection) -> rusqlite::Result<BTreeMap<String, String>> {
    let mut st = conn.prepare("SELECT name, type FROM sqlite_master")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The objects of the current schema the ledger lacks, as `table 'runs'`.
pub fn missing_objects(l: &Ledger) -> Result<Vec<String>, Error> {
    let have = objects(l.conn()).or_ledger(l)?;
    Ok(expected()
        .iter()
        .filter(|(name, kind)| have.get(*name) != Some(*kind))
        .map(|(name, kind)| format!("{kind} '{name}'"))
        .collect())
}

/// The outcome of `ledger check`: what it found, for standard output; the
/// problems (none: sound).
pub struct Verdict {
    pub text: String,
    pub problems: Vec<String>,
}

/// The most problems `ledger check` lists.
const PROBLEMS_SHOWN: usize = 100;

/// `leadroute ledger check`: a full integrity check of every page and index,
/// then the leadroute checks. An error (exit 1) for a file that is not a
/// ledger or cannot be read; a verdict otherwise.
pub fn check(path: &str) -> Result<Verdict, Error> {
    let size = std::fs::metadata(path)
        .map_err(|e| LedgerError::new(path, format!("cannot read the ledger: {e}"), Some(e.into())))?
        .len();
    if size == 0 {
        return Ok(Verdict {
            text: format!("{path}: sound: an empty file, which a run uses as a new ledger (no runs recorded yet)\n"),
            problems: Vec::new(),
        });
    }
    if !super::files::has_sqlite_header(path) {
        return Err(Error::input(format!(
            "{path}: is not a leadroute ledger (not an SQLite database, or a ledger so corrupt that its header is \
             gone); restore your ledger from a backup, or check the file your runs use"
        )));
    }
    let mut problems = Vec::new();
    let l = Ledger::open_snapshot(path)?;
    // What each damaged b-tree is: `Tree 8` is the root page of a table or index.
    let trees: Vec<(i64, String, String)> = l
        .conn()
        .prepare("SELECT rootpage, type, name FROM sqlite_master WHERE rootpage > 0")
        .and_then(|mut st| st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect())
        .unwrap_or_default();
    let roots: BTreeMap<i64, String> =
        trees.iter().map(|(root, kind, name)| (*root, format!("{kind} '{name}'"))).collect();
    let (lines, failed) = integrity(l.conn(), "");
    problems.extend(lines.into_iter().map(|line| name_tree(line, &roots)));
    if let Some(e) = failed {
        let Some(what) = damage(&e, path) else { return Err(l.sql(e)) };
        // SQLite stopped at damage it could not step over, before naming
        // any: check table by table, to name the tables it is in.
        if problems.is_empty() {
            for (_, _, table) in trees.iter().filter(|(_, kind, _)| kind == "table") {
                let (lines, failed) = integrity(l.conn(), table);
                let first =
                    lines.into_iter().next().or_else(|| failed.map(|e| damage(&e, path).unwrap_or(e.to_string())));
                if let Some(first) = first {
                    problems.push(format!("table '{table}' or its indexes: {}", name_tree(first, &roots)));
                }
            }
        }
        if problems.is_empty() {
            problems.push(what);
        }
    }
    let pages: i64 = l.conn().query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap_or(0);
    let pages = format!("{} pages, {} bytes", thousands(pages.max(0) as usize), thousands(size as usize));
    let pragma = |name: &str| l.conn().query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0));
    let tables: i64 = l.conn().query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).unwrap_or(-1);
    if tables == 0 && problems.is_empty() {
        return Ok(Verdict {
            text: format!(
                "{path}: sound: an SQLite database with no tables ({pages}), which a run uses as a new ledger\n"
            ),
            problems,
        });
    }
    match pragma("application_id") {
        Ok(APPLICATION_ID) => {}
        Ok(_) if problems.is_empty() => {
            return Err(Error::input(format!(
                "{path}: is an SQLite database but not a leadroute ledger (its application_id is not 0x4C52444C); \
                 check the file your runs use"
            )));
        }
        Ok(_) => problems.push("its application_id is not leadroute's (0x4C52444C)".into()),
        Err(e) => problems.push(damage(&e, path).unwrap_or_else(|| e.to_string())),
    }
    let version = pragma("user_version").unwrap_or(0);
    let schema = match version {
        VERSION => {
            match missing_objects(&l) {
                Ok(missing) => problems.extend(missing.into_iter().map(|m| format!("its {m} is missing"))),
                Err(e) => problems.push(e.message().to_string()),
            }
            format!("schema version {VERSION}, with every table and index it needs")
        }
        v if v > VERSION => format!(
            "schema version {v}, written by a newer leadroute (this one knows up to {VERSION}: its tables were not \
             checked)"
        ),
        v => format!("schema version {v}, which a run upgrades to {VERSION}"),
    };
    if version == VERSION && problems.is_empty() {
        problems.extend(wrong_types(&l, path)?);
        problems.extend(bad_runs(&l, path)?);
    }
    if !problems.is_empty() {
        let mut text = format!("{path}: corrupt ({pages}):\n");
        for p in &problems {
            text.push_str(&format!("  {}\n", crate::error::printable(p)));
        }
        return Ok(Verdict { text, problems });
    }
    let runs = l.conn().query_row("SELECT count(*), max(run) FROM runs", [], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?))
    });
    let runs = match runs {
        Ok((_, None)) => "no runs recorded yet".to_string(),
        Ok((1, Some(last))) => format!("1 run (run {last})"),
        Ok((n, Some(last))) => format!("{} runs (the last: run {last})", thousands(n.max(0) as usize)),
        Err(_) => "its runs were not counted".to_string(),
    };
    Ok(Verdict {
        text: format!(
            "{path}: sound: SQLite's integrity check found every page and index intact ({pages}); a leadroute \
             ledger, {schema}; {runs}\n"
        ),
        problems,
    })
}

/// `ledger check` of a PostgreSQL ledger: the server keeps its own pages
/// whole (its checksums, `amcheck`); leadroute reads one snapshot of the
/// ledger and checks what a run relies on.
pub fn check_postgres(url: &str) -> Result<Verdict, Error> {
    let name = super::shown(url);
    let Some(l) = Ledger::open_for_reading(url)? else {
        return Ok(Verdict {
            text: format!(
                "{name}: sound: no schema leadroute yet, which the first run creates (no runs recorded yet)\n"
            ),
            problems: Vec::new(),
        });
    };
    let mut problems = wrong_types(&l, &name)?;
    problems.extend(bad_runs(&l, &name)?);
    if !problems.is_empty() {
        let mut text = format!("{name}: corrupt:\n");
        for p in &problems {
            text.push_str(&format!("  {}\n", crate::error::printable(p)));
        }
        return Ok(Verdict { text, problems });
    }
    let (n, last): (i64, Option<i64>) = l
        .conn()
        .query_row("SELECT count(*), max(run) FROM runs", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(|e| l.sql(e))?;
    let runs = match (n, last) {
        (_, None) => "no runs recorded yet".to_string(),
        (1, Some(last)) => format!("1 run (run {last})"),
        (n, Some(last)) => format!("{} runs (the last: run {last})", thousands(n.max(0) as usize)),
    };
    Ok(Verdict {
        text: format!(
            "{name}: sound: a leadroute ledger in PostgreSQL, schema version {VERSION}; {runs} (the server checks its \
             own pages: see amcheck)\n"
        ),
        problems,
    })
}

/// The rows of `runs` (one per run: cheap to read) whose as-of date is not
/// a date, as a run writes it: the routing counts days from it.
fn bad_runs(l: &Ledger, path: &str) -> Result<Vec<String>, Error> {
    let mut bad = Vec::new();
    let mut read = || -> rusqlite::Result<()> {
        let mut st = l.conn().prepare("SELECT run, as_of FROM runs ORDER BY run")?;
        let mut rows = st.query([])?;
        while let Some(row) = rows.next()? {
            let (run, as_of) = (row.get_ref(0)?, row.get_ref(1)?);
            let day = as_of.as_str().ok().and_then(crate::support::date::parse_as_of);
            if day.is_none() || crate::support::date::format_day(day.unwrap_or(0)) != as_of.as_str().unwrap_or("") {
                let shown = match as_of {
                    rusqlite::types::ValueRef::Text(t) => format!("'{}'", String::from_utf8_lossy(t)),
                    other => format!("a value of type {}", other.data_type()),
                };
                let run = run.as_i64().map_or_else(|_| "?".to_string(), |r| r.to_string());
                bad.push(format!("run {run}: its as_of is {shown}, not a date as YYYY-MM-DD"));
            }
        }
        Ok(())
    };
    match read() {
        Ok(()) => Ok(bad),
        Err(e) => match damage(&e, path) {
            Some(what) => Ok(vec![format!("table 'runs': {what}")]),
            None => Err(l.sql(e)),
        },
    }
}

/// `PRAGMA integrity_check` of the whole file, or of one table and its
/// indexes: the problems it reported (none: "ok"), and the error it stopped
/// at, if it did.
fn integrity(conn: &Connection, table: &str) -> (Vec<String>, Option<rusqlite::Error>) {
    let sql = match table {
        "" => format!("PRAGMA integrity_check({PROBLEMS_SHOWN})"),
        t => format!("PRAGMA integrity_check({})", quoted(t)),
    };
    let mut lines = Vec::new();
    let mut run = || -> rusqlite::Result<()> {
        let mut st = conn.prepare(&sql)?;
        let mut rows = st.query([])?;
        while let Some(row) = rows.next()? {
            let text: String = row.get(0)?;
            // A row may hold several lines, the first naming the database.
            for line in text.lines().map(str::trim) {
                if !line.is_empty() && line != "ok" && !line.starts_with("*** in database") {
                    lines.push(line.to_string());
                }
            }
        }
        Ok(())
    };
    let failed = run().err();
    (lines, failed)
}

/// An integrity-check line with the table or index its tree is:
/// `Tree 8 page 8 cell 0: ...` gets `(index 'assigned_lead')`.
fn name_tree(line: String, roots: &BTreeMap<i64, String>) -> String {
    let root = line.strip_prefix("Tree ").and_then(|rest| rest.split(' ').next()).and_then(|n| n.parse::<i64>().ok());
    match root.and_then(|r| roots.get(&r)) {
        Some(name) => format!("{line} ({name})"),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_objects_come_from_the_schema() {
        let e = expected();
        assert_eq!(e.get("runs").map(String::as_str), Some("table"));
        assert_eq!(e.get("run_reps").map(String::as_str), Some("table"));
        assert_eq!(e.get("assigned_lead").map(String::as_str), Some("index"));
        assert_eq!(e.get("assignments").map(String::as_str), Some("view"));
    }

    #[test]
    fn a_tree_is_named_by_its_root_page() {
        let roots = BTreeMap::from([(8, "index 'assigned_lead'".to_string())]);
        assert_eq!(
            name_tree("Tree 8 page 9 cell 0: invalid page number 1234".into(), &roots),
            "Tree 8 page 9 cell 0: invalid page number 1234 (index 'assigned_lead')"
        );
        assert_eq!(name_tree("wrong # of entries in index x".into(), &roots), "wrong # of entries in index x");
    }
}
