//! `leadroute ledger runs|export|import|undo|prune|check` (docs/reference.md §6.3): look
//! at a ledger and maintain it. `runs`, `export` and `check` read a snapshot
//! and take no lock; `import`, `undo` and `prune` change the ledger in one transaction
//! under the write lock a run takes (waiting up to `--wait`), so they never
//! interleave with a run, and a failure or a kill leaves the ledger as it was.
//!
//! What the contract leaves open, settled here:
//! - `prune` removes the assignments (and the per-rep counts and rosters that
//!   loads and limits read) of the runs dated before DATE and keeps those
//!   runs' rows in `runs` with `assigned` 0: run numbers are never reused. A
//!   lead whose latest row goes keeps it as a memory (run 0, reason
//!   `remembered`, no score or stage), which `ledger export` does not show.
//! - `import` keeps the first row of a lead id, as an owners file keeps the
//!   first row of an account; later rows of that id, and ids the ledger
//!   already has, are skipped and counted. Its run has an empty
//!   `rules_sha256` (no rules were used) and kind `import`.
//! - `export --run N` and `undo --run N` of a run the ledger does not have
//!   fail (exit 1) and list the last runs.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use rusqlite::{OptionalExtension, params};

use crate::cli::{
    LedgerCheckArgs, LedgerCommand, LedgerCopyArgs, LedgerExportArgs, LedgerImportArgs, LedgerPruneArgs,
    LedgerRunsArgs, LedgerUndoArgs,
};
use crate::config::Decoration;
use crate::engine::input::{find_column, read_side_file};
use crate::engine::owners::UnknownReps;
use crate::error::{Error, Exit, printable, thousands};
use crate::ledger::{ExportFailed, ExportRow, Ledger, OrLedger, Row, RunInfo, RunRep, lookup_key, shown, started_utc};
use crate::output::render::table::{right, table, text};
use crate::output::{self, Outputs, Target};
use crate::support::date::{format_day, parse_as_of};
use crate::support::num::Cents;

/// The columns of `ledger export`, in order.
const EXPORT_HEADER: [&str; 10] =
    ["run", "as_of", "lead_id", "account", "team", "rep", "reason", "score", "stage", "assigned_at"];

/// The reason `import` records.
const IMPORTED: &str = "imported";

/// The reason of what `prune` keeps of a lead (run 0).
const REMEMBERED: &str = "remembered";

pub fn run(cmd: &LedgerCommand) -> anyhow::Result<Exit> {
    match cmd {
        LedgerCommand::Runs(a) => runs(a),
        LedgerCommand::Export(a) => export(a),
        LedgerCommand::Import(a) => import(a),
        LedgerCommand::Undo(a) => undo(a),
        LedgerCommand::Prune(a) => prune(a),
        LedgerCommand::Check(a) => check(a),
        LedgerCommand::Copy(a) => copy(a),
        LedgerCommand::Schema(_) => print(crate::ledger::POSTGRES_DDL),
    }?;
    Ok(Exit::Success)
}

/// `ledger runs`: one row per run.
fn runs(a: &LedgerRunsArgs) -> Result<(), Error> {
    must_exist(&a.ledger)?;
    // Only `runs` is read: a PostgreSQL ledger's assignments stay on the server.
    let Some(l) = Ledger::open_for_run(&a.ledger)? else {
        return print(&format!("{}: no runs recorded yet\n", shown(&a.ledger)));
    };
    let mut st = l
        .conn()
        .prepare(
            "SELECT run, started, as_of, coalesce(assigned_at, ''), input, rows_read, assigned FROM runs ORDER BY run",
        )
        .or_ledger(&l)?;
    let rows = st
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })
        .or_ledger(&l)?;
    let mut t = table(Decoration::detect(false).stdout_plain);
    t.set_header(vec!["run", "started", "as_of", "assigned_at", "input", "rows", "assigned"]);
    let mut any = false;
    for row in rows {
        let (run, started, as_of, assigned_at, input, rows_read, assigned) = row.or_ledger(&l)?;
        t.add_row(vec![
            right(run),
            text(started),
            text(as_of),
            text(assigned_at),
            text(&input),
            right(rows_read),
            right(assigned),
        ]);
        any = true;
    }
    if !any {
        return print(&format!("{}: no runs recorded yet\n", shown(&a.ledger)));
    }
    print(&format!("{t}\n"))
}

/// `ledger export`: the assignments as CSV, to `-o` (atomically) or standard output.
fn export(a: &LedgerExportArgs) -> Result<(), Error> {
    let since = a.since.as_deref().map(|s| date_arg("--since", s)).transpose()?;
    output::check_paths(&[("the ledger", a.ledger.as_str())], &[("-o", a.output.as_deref())])?;
    must_exist(&a.ledger)?;
    // The assignments are read as they are written out (a PostgreSQL
    // ledger's from the server, in the snapshot the runs were read in).
    let l = Ledger::open_for_run(&a.ledger)?;
    if let Some(run) = a.run {
        let known = match &l {
            Some(l) => l
                .conn()
                .query_row("SELECT 1 FROM runs WHERE run = ?1", [run], |_| Ok(()))
                .optional()
                .or_ledger(l)?
                .is_some(),
            None => false,
        };
        if !known {
            return Err(no_such_run(&a.ledger, l.as_ref(), run));
        }
    }
    let mut outputs = Outputs::new(false);
    let file = match Target::from_arg(a.output.as_deref()) {
        Target::File(p) => Some((outputs.create(&p)?, p)),
        Target::Stdout => None,
    };
    // A failure to read the ledger while writing: reported as itself, not as
    // a failure to write the output.
    let mut failed: Option<Error> = None;
    let mut count = 0u64;
    let write =
        |w: &mut (dyn Write + Send)| write_export(l.as_ref(), a.run, since.as_deref(), w, &mut failed, &mut count);
    let written = match &file {
        Some((i, _)) => outputs.write(*i, write),
        None => output::write_csv_stdout(write),
    };
    if let Some(e) = failed {
        return Err(e);
    }
    written?;
    if let Some((_, path)) = &file {
        // Said before the commit, as a run's summary is: a message that
        // cannot be printed fails the export with nothing written.
        print(&format!("{}: exported {} to {}\n", shown(&a.ledger), assignments(count), path.display()))?;
    }
    outputs.commit()
}

/// Writes the export CSV; `count` is the number of assignments written.
fn write_export(
    l: Option<&Ledger>,
    run: Option<i64>,
    since: Option<&str>,
    w: &mut (dyn Write + Send),
    failed: &mut Option<Error>,
    count: &mut u64,
) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(EXPORT_HEADER)?;
    if let Some(l) = l {
        let (mut run_buf, mut score) = (itoa::Buffer::new(), String::new());
        let mut write = |r: &ExportRow| -> io::Result<()> {
            score.clear();
            if let Some(c) = r.cents {
                score.push_str(&Cents(c).to_string());
            }
            let [as_of, lead_id, account, team, rep, reason] = r.cells;
            out.write_record([
                run_buf.format(r.run),
                as_of,
                lead_id,
                account,
                team,
                rep,
                reason,
                score.as_str(),
                r.stage,
                r.at,
            ])?;
            *count += 1;
            Ok(())
        };
        match l.each_export_row(run, since, &mut write) {
            Ok(()) => {}
            Err(ExportFailed::Write(e)) => return Err(e),
            Err(ExportFailed::Ledger(e)) => {
                *failed = Some(e);
                return Err(io::Error::other("the ledger could not be read"));
            }
        }
    }
    out.flush()
}

/// `ledger import`: the rows of a CSV that have a rep, recorded as one run.
fn import(a: &LedgerImportArgs) -> Result<(), Error> {
    let as_of = date_arg("--as-of", &a.as_of)?;
    let as_of_day = parse_as_of(&as_of).unwrap_or(0);
    let rules = a.rules.as_deref().map(|r| crate::rules::load(Path::new(r), &[])).transpose()?;
    let file = read_side_file(&a.csv, "the CSV to import", "a header that holds the --id and --rep columns")?;
    let column = |name: &str, flag: &str| find_column(&a.csv, &file.header, name, flag);
    let (id_col, rep_col) = (column(&a.id, "--id")?, column(&a.rep, "--rep")?);
    let team_col = a.team.as_deref().map(|c| column(c, "--team")).transpose()?;
    let account_col = a.account.as_deref().map(|c| column(c, "--account")).transpose()?;
    let email_col = a.email.as_deref().map(|c| column(c, "--email")).transpose()?;
    let at_col = a.assigned_at.as_deref().map(|c| column(c, "--assigned-at")).transpose()?;

    struct Import<'a> {
        line: usize,
        lead_id: &'a str,
        rep: &'a str,
        team: Option<&'a str>,
        account: Option<&'a str>,
        email: Option<&'a str>,
        /// `--assigned-at`'s cell.
        at: &'a str,
    }
    let (mut no_rep, mut no_id, mut repeated) = (0usize, 0usize, 0usize);
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for (line, cells) in &file.rows {
        let (lead_id, rep) = (cells[id_col].trim(), cells[rep_col].trim());
        if rep.is_empty() {
            no_rep += 1;
        } else if lead_id.is_empty() {
            no_id += 1;
        } else if !seen.insert(lead_id) {
            repeated += 1;
        } else {
            let cell = |c: Option<usize>| c.map(|c| cells[c].trim()).filter(|s| !s.is_empty());
            let (team, account, email) = (cell(team_col), cell(account_col), cell(email_col));
            let at = at_col.map_or("", |c| cells[c].trim());
            rows.push(Import { line: *line, lead_id, rep, team, account, email, at });
        }
    }
    let mut skipped = Vec::new();
    if no_rep > 0 {
        skipped.push(format!("{} without a rep", rows_of(no_rep)));
    }
    if no_id > 0 {
        skipped.push(format!("{} without an id", rows_of(no_id)));
    }
    if repeated > 0 {
        skipped
            .push(format!("{} whose id came earlier in the file (the first row of an id is kept)", rows_of(repeated)));
    }
    let joined = |skipped: &[String]| {
        if skipped.is_empty() { String::new() } else { format!("; skipped {}", skipped.join(", ")) }
    };

    if rows.is_empty() {
        // Nothing to record: no empty run is added. A file that is not a
        // ledger still fails, and a missing ledger is not created.
        if crate::ledger::is_url(&a.ledger) || Path::new(&a.ledger).try_exists().unwrap_or(true) {
            Ledger::open_for_writing(&a.ledger, Duration::from_secs(a.wait))?;
        }
        let _ = output::write_stderr(&format!(
            "leadroute: warning: {}: nothing imported from {}: no row has both an id and a rep ({} read){}; \
             the ledger was not changed\n",
            shown(&a.ledger),
            a.csv,
            rows_of(file.rows.len()),
            joined(&skipped)
        ));
        return Ok(());
    }

    let mut l = Ledger::open_for_writing(&a.ledger, Duration::from_secs(a.wait))?;
    l.lock()?;
    // An id the ledger has (assigned, or remembered after a prune) keeps
    // what it has: importing it again would count it twice.
    let known = |id: &str| -> rusqlite::Result<bool> {
        let mut st = l.conn().prepare_cached("SELECT 1 FROM assigned WHERE lead_id = ?1 LIMIT 1")?;
        Ok(st.query_row([id], |_| Ok(())).optional()?.is_some())
    };
    let mut already = 0usize;
    let mut fresh = Vec::with_capacity(rows.len());
    for row in rows {
        if known(row.lead_id).or_ledger(&l)? {
            already += 1;
        } else {
            fresh.push(row);
        }
    }
    let rows = fresh;
    if already > 0 {
        skipped.push(format!("{} already in the ledger", rows_of(already)));
    }
    let skipped = joined(&skipped);
    if rows.is_empty() {
        // Nothing new: no empty run (the transaction is dropped, not committed).
        let _ = output::write_stderr(&format!(
            "leadroute: warning: {}: nothing imported from {}: every row with an id and a rep is already in the \
             ledger{skipped}; the ledger was not changed\n",
            shown(&a.ledger),
            a.csv
        ));
        return Ok(());
    }
    let info = RunInfo {
        started: started_utc(Duration::ZERO),
        as_of: as_of.clone(),
        input: Ledger::input_path(&a.csv),
        rules_sha256: String::new(),
        rows_read: file.rows.len() as u64,
        assigned: rows.len() as u64,
        kind: crate::ledger::kind::IMPORT,
        assigned_at: None,
    };
    // `--assigned-at`: each row's time, in the rules' zone, else the ledger's.
    let zone = match (&rules, l.zone()?) {
        (Some(r), _) => r.zone(),
        (None, Some(name)) => jiff::tz::TimeZone::get(&name).unwrap_or_else(|_| jiff::tz::TimeZone::system()),
        (None, None) => jiff::tz::TimeZone::system(),
    };
    let mut untimed: Option<(usize, usize, &str)> = None;
    let times: Vec<Option<i64>> = rows
        .iter()
        .map(|row| {
            at_col?;
            let t = crate::support::date::parse_cell_time(row.at, &[], &zone, false);
            if t.is_none() {
                let first = untimed.map_or((row.line, row.at), |(_, line, cell)| (line, cell));
                untimed = Some((untimed.map_or(0, |u| u.0) + 1, first.0, first.1));
            }
            t.map(|t| t.as_second())
        })
        .collect();
    let untimed = match (untimed, &a.assigned_at) {
        (Some((n, line, cell)), Some(col)) => format!(
            "; {} without a time (--assigned-at '{}' empty or not a date, first at line {line}: '{}'): they are \
             never SLA-checked",
            rows_of(n),
            printable(col),
            printable(cell)
        ),
        _ => String::new(),
    };
    let run = l.add_run(&info)?;
    let mut names = foldhash::HashMap::default();
    let reason = l.name_id(IMPORTED, &mut names)?;
    // Per (team, rep): leads imported (team 0: none given).
    let mut taken: std::collections::BTreeMap<(i64, i64), u64> = std::collections::BTreeMap::new();
    let mut range: Option<(i64, i64)> = None;
    let mut email_buf = String::new();
    for (row, &assigned_at) in rows.iter().zip(&times) {
        let rep = l.name_id(row.rep, &mut names)?;
        let team = row.team.map(|t| l.name_id(t, &mut names)).transpose()?;
        // As a run records them: an empty account is keyed by the email's company.
        let account_key = lookup_key(row.account.unwrap_or(""), row.email);
        let email_key = row.email.map(|e| crate::support::identity::email_key(e, &mut email_buf).to_string());
        let id = l.add_assignment(&Row {
            run,
            as_of_day,
            lead_id: row.lead_id,
            account: row.account,
            account_key: account_key.as_deref(),
            email: row.email,
            email_key: email_key.as_deref(),
            team,
            rep,
            reason,
            score: None,
            stage: None,
            assigned_at,
        })?;
        range = Some((range.map_or(id, |(first, _)| first), id));
        *taken.entry((team.unwrap_or(0), rep)).or_default() += 1;
    }
    l.set_rows(run, range)?;
    let reps: Vec<RunRep> =
        taken.into_iter().map(|((team, rep), taken)| RunRep { team, rep, taken, weight: None }).collect();
    l.add_run_reps(run, &reps)?;
    print(&format!(
        "{}: imported {} as run {run} (as of {as_of}){skipped}{untimed}\n",
        shown(&a.ledger),
        assignments(rows.len() as u64)
    ))?;
    commit(&mut l)?;
    let unknown = rules.as_ref().and_then(|r| UnknownReps::of(rows.iter().map(|i| (i.rep, i.line)), &r.reps));
    if let (Some(u), Some(path)) = (unknown, &a.rules) {
        // Imported: a warning that cannot be printed changes nothing.
        let _ = output::write_stderr(&format!(
            "leadroute: warning: {}: {} name a rep that {} does not have (first at line {}: '{}'); they were \
             imported: a run keeps those leads with that rep (assigned_before) and gives it no new ones. Check \
             the names against the rules' [[reps]]\n",
            printable(&a.csv),
            rows_of(u.count),
            printable(path),
            u.first_line,
            printable(&u.first_rep)
        ));
    }
    Ok(())
}

/// `ledger undo`: removes a run and its assignments.
fn undo(a: &LedgerUndoArgs) -> Result<(), Error> {
    let Some(mut l) = open_to_change(&a.ledger, a.wait)? else {
        return Err(no_such_run(&a.ledger, None, a.run));
    };
    l.lock()?;
    let steps = |l: &Ledger| -> rusqlite::Result<Option<usize>> {
        let conn = l.conn();
        if conn.query_row("SELECT 1 FROM runs WHERE run = ?1", [a.run], |_| Ok(())).optional()?.is_none() {
            return Ok(None);
        }
        let n = crate::ledger::delete_run_rows(conn, a.run)?;
        conn.execute("DELETE FROM runs WHERE run = ?1", [a.run])?;
        Ok(Some(n))
    };
    let Some(n) = steps(&l).or_ledger(&l)? else {
        return Err(no_such_run(&a.ledger, Some(&l), a.run));
    };
    // The runs recorded after it were routed with its leads counted.
    let later: Vec<i64> = l
        .conn()
        .prepare("SELECT run FROM runs WHERE run > ?1 ORDER BY run")
        .and_then(|mut st| st.query_map([a.run], |r| r.get(0))?.collect())
        .or_ledger(&l)?;
    print(&format!(
        "{}: removed run {} ({}); their leads are routed again by the next run\n",
        shown(&a.ledger),
        a.run,
        assignments(n as u64)
    ))?;
    commit(&mut l)?;
    if !later.is_empty() {
        let (runs, they, them) = match later.as_slice() {
            [one] => (format!("run {one} was"), "it keeps its", "it"),
            [first, .., last] if later.len() > 2 => {
                (format!("{} runs ({first} to {last}) were", thousands(later.len())), "they keep their", "them")
            }
            _ => (format!("runs {} and {} were", later[0], later[1]), "they keep their", "them"),
        };
        // Undone: a warning that cannot be printed changes nothing.
        let _ = output::write_stderr(&format!(
            "leadroute: warning: {}: {runs} made after run {} with its leads counted (as assigned before, in \
             loads, limits and account owners); {they} assignments. To route those leads again without run {}, \
             undo {them} too, the last first\n",
            shown(&a.ledger),
            a.run,
            a.run
        ));
    }
    Ok(())
}

/// `ledger prune`: removes the assignments of the runs dated before a day;
/// a lead whose latest row goes is remembered (docs/reference.md §6.3) unless `--forget`.
fn prune(a: &LedgerPruneArgs) -> Result<(), Error> {
    let before = date_arg("--before", &a.before)?;
    let before_day = parse_as_of(&before).unwrap_or(0);
    let nothing = || {
        print(&format!("{}: nothing to prune: no assignments with an as-of date before {before}\n", shown(&a.ledger)))
    };
    let Some(mut l) = open_to_change(&a.ledger, a.wait)? else { return nothing() };
    l.lock()?;
    let mut names = foldhash::HashMap::default();
    let remembered = l.name_id(REMEMBERED, &mut names)?;
    let steps = |l: &Ledger| -> rusqlite::Result<Pruned> {
        let conn = l.conn();
        // The rows that go: the old runs' (each by its row range: no scan
        // of the table), and the memories of earlier prunes.
        conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS gone (id INTEGER PRIMARY KEY, lead_id TEXT NOT NULL, \
             as_of_day INTEGER NOT NULL, run INTEGER NOT NULL);
             CREATE INDEX IF NOT EXISTS temp.gone_lead ON gone (lead_id);
             DELETE FROM temp.gone;",
        )?;
        let old: Vec<(i64, Option<i64>, Option<i64>)> = conn
            .prepare("SELECT run, first_row, last_row FROM runs WHERE as_of < ?1")?
            .query_map([&before], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut removed = 0;
        for &(run, first, last) in &old {
            let (first, last) = (first.unwrap_or(i64::MAX), last.unwrap_or(i64::MIN));
            removed += conn.execute(
                "INSERT INTO temp.gone SELECT rowid, lead_id, as_of_day, run FROM assigned \
                 WHERE rowid BETWEEN ?1 AND ?2 AND run = ?3",
                params![first, last, run],
            )?;
        }
        conn.execute("INSERT INTO temp.gone SELECT rowid, lead_id, as_of_day, 0 FROM assigned WHERE run = 0", [])?;
        // What is kept of a lead: its latest row, when no row of it stays
        // (and, with --forget, only when dated on or after DATE).
        // A lead's latest row, when no row of it stays: its memory (with
        // --forget, only when dated on or after DATE).
        conn.execute_batch(
            "CREATE TEMP TABLE latest AS SELECT g.id, g.as_of_day, g.run FROM temp.gone g \
             WHERE NOT EXISTS (SELECT 1 FROM temp.gone h WHERE h.lead_id = g.lead_id \
                 AND (h.as_of_day, h.run, h.id) > (g.as_of_day, g.run, g.id)) \
             AND NOT EXISTS (SELECT 1 FROM assigned x WHERE x.lead_id = g.lead_id \
                 AND x.rowid NOT IN (SELECT id FROM temp.gone))",
        )?;
        if a.forget {
            conn.execute("DELETE FROM temp.latest WHERE as_of_day < ?1", [before_day])?;
        }
        let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).map(|n| n.max(0) as usize);
        let new_memories = count("SELECT count(*) FROM temp.latest WHERE run <> 0")?;
        conn.execute(
            "UPDATE assigned SET run = 0, reason = ?1, score = NULL, stage = NULL \
             WHERE rowid IN (SELECT id FROM temp.latest WHERE run <> 0)",
            [remembered],
        )?;
        let forgotten = conn.execute(
            "DELETE FROM assigned WHERE run = 0 AND rowid IN (SELECT id FROM temp.gone) \
             AND rowid NOT IN (SELECT id FROM temp.latest)",
            [],
        )?;
        conn.execute(
            "DELETE FROM assigned WHERE run <> 0 AND rowid IN (SELECT id FROM temp.gone) \
             AND rowid NOT IN (SELECT id FROM temp.latest)",
            [],
        )?;
        for &(run, _, _) in &old {
            // The per-rep counts and rosters that loads and limits read, and
            // the warnings printed: nothing of these rows is left there.
            conn.execute("DELETE FROM run_reps WHERE run = ?1", [run])?;
            conn.execute("DELETE FROM warned WHERE run = ?1", [run])?;
        }
        // `ledger runs` shows what each run still has: nothing.
        conn.execute("UPDATE runs SET first_row = NULL, last_row = NULL, assigned = 0 WHERE as_of < ?1", [&before])?;
        conn.execute_batch("DROP TABLE temp.latest; DELETE FROM temp.gone;")?;
        Ok(Pruned { removed, runs: old.len(), remembered: new_memories, forgotten })
    };
    let p = steps(&l).or_ledger(&l)?;
    if p.removed == 0 && p.forgotten == 0 {
        // The per-rep counts of runs without assignments (all pruned
        // before) are gone too; nothing else changed.
        nothing()?;
        return commit(&mut l);
    }
    let size = |l: &Ledger| std::fs::metadata(&l.name).map(|m| m.len()).unwrap_or(0);
    let was = size(&l);
    let remembered = p.remembered;
    let mut what = format!(
        "{}: removed {} of {} with an as-of date before {before}: they no longer count in loads or limits",
        shown(&a.ledger),
        assignments(p.removed as u64),
        if p.runs == 1 { "1 run".to_string() } else { format!("{} runs", thousands(p.runs)) }
    );
    if remembered > 0 {
        what.push_str(&format!(
            "; {} remembered (id, keys, team, rep): an export that still holds them keeps them `assigned_before`, \
             and their accounts keep their owners",
            leads_of(remembered)
        ));
    }
    if p.forgotten > 0 {
        what.push_str(&format!("; forgot {} (routed again when they come back)", leads_of(p.forgotten)));
    }
    commit(&mut l)?;
    if l.is_postgres() {
        // PostgreSQL gives the space back itself (autovacuum).
        what.push('\n');
        return print(&what);
    }
    // Give the space back (outside the transaction; the lock is still held).
    let vacuumed = l.conn().execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);");
    let now = size(&l);
    match vacuumed {
        Ok(()) => what.push_str(&format!(
            "; gave back {} bytes (the file has {})\n",
            thousands(was.saturating_sub(now) as usize),
            thousands(now as usize)
        )),
        Err(e) => what.push_str(&format!("; the space was not given back ({e}): it is reused by later runs\n")),
    }
    print(&what)
}

/// What `prune` did: rows of old runs removed, runs pruned, leads newly
/// remembered, memories dropped (forgotten, or a lead with a newer row).
struct Pruned {
    removed: usize,
    runs: usize,
    remembered: usize,
    forgotten: usize,
}

/// The tables `ledger copy` copies, with their columns (`assigned` keeps
/// its row ids: the order of a run's rows).
const COPIED: [(&str, &str); 6] = [
    ("names", "id, name"),
    (
        "runs",
        "run, started, as_of, input, rules_sha256, rows_read, assigned, first_row, last_row, kind, assigned_at, token, delivered",
    ),
    (
        "assigned",
        "rowid, run, as_of_day, lead_id, account, account_key, email, email_key, team, rep, reason, score, stage, assigned_at",
    ),
    ("run_reps", "run, team, rep, taken, weight"),
    ("warned", "as_of_day, kind, subject, run"),
    ("meta", "key, value"),
];

/// `ledger copy FROM TO`: everything of FROM (a snapshot) into TO, new or
/// empty, in one transaction on TO under its write lock (docs/reference.md §10.2).
fn copy(a: &LedgerCopyArgs) -> Result<(), Error> {
    let (from_name, to_name) = (shown(&a.from), shown(&a.to));
    if a.from == a.to {
        return Err(Error::usage(format!("ledger copy: FROM and TO are the same ledger ({from_name})")));
    }
    must_exist(&a.from)?;
    let Some(from) = Ledger::open_for_reading(&a.from)? else {
        return Err(Error::input(format!("{from_name}: no runs recorded yet: nothing to copy")));
    };
    let mut to = Ledger::open_for_writing(&a.to, Duration::from_secs(a.wait))?;
    to.lock()?;
    let (runs, rows): (i64, i64) = to
        .conn()
        .query_row("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM assigned)", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .or_ledger(&to)?;
    if runs > 0 || rows > 0 {
        return Err(Error::input(format!(
            "{to_name}: is not empty ({} and {}); ledger copy writes only into a new or empty ledger, and nothing \
             was changed. Name a new file, or a database without the schema leadroute",
            if runs == 1 { "1 run".to_string() } else { format!("{} runs", thousands(runs as usize)) },
            assignments(rows as u64)
        )));
    }
    let mut counts = Vec::new();
    for (table, columns) in COPIED {
        let n = copy_table(&from, &to, table, columns)?;
        counts.push(n);
    }
    // Run numbers are never given twice: TO continues after FROM's last.
    let seq: Option<i64> = from
        .conn()
        .query_row("SELECT seq FROM sqlite_sequence WHERE name = 'runs'", [], |r| r.get(0))
        .optional()
        .or_ledger(&from)?;
    if let Some(seq) = seq {
        to.conn()
            .execute("DELETE FROM sqlite_sequence WHERE name = 'runs'", [])
            .and_then(|_| to.conn().execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('runs', ?1)", [seq]))
            .or_ledger(&to)?;
    }
    let runs = counts[1];
    print(&format!(
        "{from_name}: copied {} and {} to {to_name}\n",
        if runs == 1 { "1 run".to_string() } else { format!("{} runs", thousands(runs)) },
        assignments(counts[2] as u64)
    ))?;
    commit(&mut to)
}

/// Copies one table's rows from one ledger to another; returns how many.
fn copy_table(from: &Ledger, to: &Ledger, table: &str, columns: &str) -> Result<usize, Error> {
    let mut select = from.conn().prepare(&format!("SELECT {columns} FROM {table}")).or_ledger(from)?;
    let n = columns.split(',').count();
    let marks = (1..=n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    let mut insert = to.conn().prepare(&format!("INSERT INTO {table} ({columns}) VALUES ({marks})")).or_ledger(to)?;
    let mut rows = select.query([]).or_ledger(from)?;
    let mut count = 0;
    while let Some(row) = rows.next().or_ledger(from)? {
        let values: Vec<rusqlite::types::Value> =
            (0..n).map(|i| row.get::<_, rusqlite::types::Value>(i)).collect::<Result<_, _>>().or_ledger(from)?;
        insert.execute(rusqlite::params_from_iter(values)).or_ledger(to)?;
        count += 1;
    }
    Ok(count)
}

/// `1 lead`, `3 leads`.
fn leads_of(n: usize) -> String {
    if n == 1 { "1 lead".into() } else { format!("{} leads", thousands(n)) }
}

/// `ledger check`: the verdict on standard output; exit 1 when corrupt,
/// naming the first problem.
fn check(a: &LedgerCheckArgs) -> Result<(), Error> {
    must_exist(&a.ledger)?;
    let verdict = match crate::ledger::is_url(&a.ledger) {
        true => crate::ledger::check_postgres(&a.ledger)?,
        false => crate::ledger::check(&a.ledger)?,
    };
    print(&verdict.text)?;
    match verdict.problems.as_slice() {
        [] => Ok(()),
        [first, rest @ ..] => {
            let more = match rest.len() {
                0 => String::new(),
                n => format!(" and {} more, listed above", thousands(n)),
            };
            Err(Error::input(format!(
                "{}: the ledger is corrupt: {first}{more}. Restore it from a backup (and check that too) before \
                 the next run",
                shown(&a.ledger)
            )))
        }
    }
}

/// A ledger to change (`undo`, `prune`), checked but not yet locked: an
/// error when the file does not exist or is not a ledger; `None` when it
/// holds no ledger yet (an empty file: it is left as it is).
fn open_to_change(path: &str, wait: u64) -> Result<Option<Ledger>, Error> {
    must_exist(path)?;
    let l = Ledger::open_for_writing(path, Duration::from_secs(wait))?;
    Ok(l.exists()?.then_some(l))
}

/// A missing ledger file is an error (exit 1), and is not created.
fn must_exist(path: &str) -> Result<(), Error> {
    if path.is_empty() {
        return Err(Error::usage("FILE \"\": give the ledger's file name"));
    }
    match Path::new(path).try_exists() {
        Ok(false) if !crate::ledger::is_url(path) => Err(Error::input(format!(
            "{path}: no such ledger (the file does not exist); give the file that `assign --ledger` writes"
        ))),
        // Anything else (it exists, or cannot be looked at): opening it says more.
        _ => Ok(()),
    }
}

/// A run the ledger does not have (exit 1), with the last runs it has.
fn no_such_run(path: &str, l: Option<&Ledger>, run: i64) -> Error {
    let path = &shown(path);
    let last: Vec<i64> = l
        .and_then(|l| {
            let mut st = l.conn().prepare("SELECT run FROM runs ORDER BY run DESC LIMIT 5").ok()?;
            let runs = st.query_map([], |r| r.get(0)).ok()?.collect::<Result<Vec<i64>, _>>().ok()?;
            Some(runs.into_iter().rev().collect())
        })
        .unwrap_or_default();
    let has = match last.as_slice() {
        [] => return Error::input(format!("{path}: there is no run {run}; the ledger has no runs")),
        [one] => format!("its only run is {one}"),
        _ => format!("its last runs are {}", last.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")),
    };
    Error::input(format!("{path}: there is no run {run}; {has} (`leadroute ledger runs {path}` lists them all)"))
}

/// Commits the ledger's transaction with SIGINT, SIGTERM and SIGHUP held, as
/// a run's commit is (docs/reference.md §2): one that arrives meanwhile is reported after.
fn commit(l: &mut Ledger) -> Result<(), Error> {
    let _held = output::InterruptsHeld::hold();
    l.commit()?;
    // No file to rename: this ends the hold and reports an interrupt held.
    Outputs::new(true).commit()
}

/// A date option, strictly `YYYY-MM-DD` (exit 2 otherwise), as the ledger writes dates.
fn date_arg(flag: &str, value: &str) -> Result<String, Error> {
    parse_as_of(value).map(format_day).ok_or_else(|| {
        Error::usage(format!("{flag} '{value}': expected a real date as YYYY-MM-DD, e.g. {flag} 2026-11-01"))
    })
}

/// What a command did, on standard output.
fn print(text: &str) -> Result<(), Error> {
    output::write_report(text)
}

/// `1 assignment`, `1,234 assignments`.
fn assignments(n: u64) -> String {
    if n == 1 { "1 assignment".into() } else { format!("{} assignments", thousands(n as usize)) }
}

/// `1 row`, `3 rows`.
fn rows_of(n: usize) -> String {
    if n == 1 { "1 row".into() } else { format!("{} rows", thousands(n)) }
}
