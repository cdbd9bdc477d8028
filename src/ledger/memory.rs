//! What a run reads from the ledger (docs/reference.md §6.1): leads assigned before (by
//! id, and with `[input] email` by email), account owners, and the leads each
//! rep took in the balance window and in each limit's period.
//!
//! Look-ups go one by one through the indexes when the batch is small beside
//! the ledger (a five-minute run), and as one pass over the ledger when it is
//! not (a nightly rerun of the whole export).

use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;
use rusqlite::params;

use super::error::OrLedger;
use super::{Ledger, kind};
use crate::engine::batch::Batch;
use crate::engine::input::RecordReader;
use crate::engine::route::Memory;
use crate::rules::{AccountMatch, LIMIT_DAYS, Rules};
use crate::support::date::{format_day, parse_as_of};
use crate::support::identity::{account_key, email_account, email_key, lower_into};
use crate::support::num::{Dec, parse_cell_number};

/// A look-up goes one by one when the ledger holds more than this many rows
/// per key looked up.
const POINT_LOOKUP_RATIO: i64 = 16;

/// Where a ledger row sorts: (as-of day, run, row).
type Order = (i32, i64, i64);

/// The memory of earlier runs for routing `batch` on `as_of`. `ledger` is
/// None for a ledger that does not exist yet (a dry run on a new file).
pub fn read_memory(
    ledger: Option<&Ledger>,
    rules: &Rules,
    batch: &Batch,
    as_of: i32,
    clock: jiff::Timestamp,
) -> Result<Memory, crate::error::Error> {
    let mut m = Memory::none(rules, as_of, clock);
    m.ledger = true;
    let Some(l) = ledger else { return Ok(m) };
    l.agree_zone(&rules.zone_name())?;
    if l.wants_keys() {
        l.load_for(batch.leads.len() + batch.accounts.len(), || batch_keys(batch))?;
    }
    let rep_of: HashMap<&str, usize> = rules.reps.iter().enumerate().map(|(i, r)| (r.name.as_str(), i)).collect();
    let names = names(l)?;
    loads(l, rules, &names, &rep_of, &mut m)?;
    let days = run_facts(l)?;
    let size: i64 = l
        .conn()
        // Two look-ups at the ends of the table (one expression with both
        // min and max would scan it).
        .query_row(
            "SELECT coalesce((SELECT max(rowid) FROM assigned) - (SELECT min(rowid) FROM assigned) + 1, 0)",
            [],
            |r| r.get(0),
        )
        .or_ledger(l)?;
    let sla_reason = names.iter().find(|(_, n)| n.as_str() == crate::engine::route::Reason::SlaReassigned.as_str());
    let sla_reason = sla_reason.map_or(i64::MIN, |(id, _)| *id);
    let history = rules.input.touched.is_some();
    let reading = Reading { l, rules, batch, names, days, size, rep_of, sla_reason, history };
    assigned_before(&reading, &mut m)?;
    if batch.plan.account_col.is_some() {
        owners(&reading, &mut m)?;
    }
    Ok(m)
}

/// What the batch looks the ledger up by: its lead ids, email keys and
/// account look-up keys (the coarsest, as `assigned.account_key` holds them).
fn batch_keys(batch: &Batch) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut ids, mut emails) = (Vec::new(), Vec::new());
    if let Some(id_col) = batch.plan.id_col {
        let (mut rr, mut buf) = (RecordReader::new(batch.delimiter), String::new());
        // In input order: the text is read front to back.
        let mut offsets: Vec<usize> = batch.leads.iter().filter(|l| !l.missing_id).map(|l| l.offset).collect();
        offsets.sort_unstable();
        for offset in offsets {
            let Some(rec) = rr.read(&batch.input.text, offset) else { continue };
            ids.push(rec.fields.cell(id_col).to_string());
            if let Some(c) = batch.plan.email_col {
                let key = email_key(rec.fields.cell(c), &mut buf);
                if !key.is_empty() {
                    emails.push(key.to_string());
                }
            }
        }
    }
    let mut accounts: Vec<String> = batch
        .accounts
        .iter()
        .filter(|k| !k.is_empty())
        .map(|k| {
            let mut c = String::new();
            account_key(k, &mut c);
            c
        })
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    (ids, emails, accounts)
}

/// Loads and limits (docs/reference.md §6.1): per rep, the leads taken in each limit's
/// period, and in the balance window under its current team with what the
/// window's rosters entitle it to; from the runs of the longest period.
fn loads(
    l: &Ledger,
    rules: &Rules,
    names: &HashMap<i64, String>,
    rep_of: &HashMap<&str, usize>,
    m: &mut Memory,
) -> Result<(), crate::error::Error> {
    let as_of = m.as_of;
    let first_day = as_of - (rules.balance_days as i32 - 1);
    // Dates are compared as the ledger writes them: from 0001-01-01.
    let earliest = crate::support::date::day_number(1, 1, 1).unwrap_or(i32::MIN);
    let longest = LIMIT_DAYS.iter().map(|&(_, d)| d as i32).max().unwrap_or(1).max(rules.balance_days as i32);
    let team_of: HashMap<&str, usize> = rules.teams.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    let name = |id: i64| names.get(&id).map(String::as_str);
    // The rules' rep a row's rep is now, when it is in the row's team (or
    // the row has none: an import without --team).
    let current = |team: i64, rep: i64| -> Option<usize> {
        let r = *rep_of.get(name(rep)?)?;
        (team == 0 || name(team).and_then(|t| team_of.get(t)) == Some(&rules.reps[r].team)).then_some(r)
    };
    let mut st = l
        .conn()
        .prepare(
            "SELECT r.run, r.as_of, r.kind, c.team, c.rep, c.taken, c.weight FROM runs r \
             JOIN run_reps c ON c.run = r.run WHERE r.as_of BETWEEN ?1 AND ?2 ORDER BY r.run, c.team",
        )
        .or_ledger(l)?;
    let from = (as_of - (longest - 1)).max(earliest);
    let mut rows = st.query(params![format_day(from), format_day(as_of)]).or_ledger(l)?;
    // One run's rows of one team: (run, team) and its roster, leads taken.
    let mut group: Option<(i64, i64)> = None;
    let mut roster: Vec<(Option<usize>, Dec)> = Vec::new();
    let mut team_taken = 0u64;
    let flush = |earlier: &mut crate::engine::shares::Earlier,
                 group: Option<(i64, i64)>,
                 roster: &mut Vec<(Option<usize>, Dec)>,
                 n: &mut u64| {
        if let Some((_, team)) = group
            && let Some(&t) = name(team).and_then(|t| team_of.get(t))
        {
            earlier.add_roster(t, *n, roster);
        }
        roster.clear();
        *n = 0;
    };
    while let Some(row) = rows.next().or_ledger(l)? {
        let read = || -> rusqlite::Result<_> {
            let kind = row.get_ref(2)?.as_str()?.to_string();
            let weight = row.get_ref(6)?.as_str_or_null()?.and_then(|w| parse_cell_number(w, b'.'));
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, kind, row.get(3)?, row.get(4)?, row.get(5)?, weight))
        };
        let (run, day, kind, team, rep, n, weight): (i64, String, String, i64, i64, i64, Option<Dec>) =
            read().or_ledger(l)?;
        let Some(day) = parse_as_of(&day) else { continue };
        let n = n.max(0) as u64;
        let r = name(rep).and_then(|n| rep_of.get(n).copied());
        if let Some(r) = r {
            for (k, &(_, days)) in LIMIT_DAYS.iter().enumerate() {
                if day > as_of - days as i32 {
                    m.period_taken[r][k] += n;
                }
            }
        }
        if day < first_day {
            continue;
        }
        let now = current(team, rep);
        if let Some(r) = now {
            m.window_taken[r] += n;
        }
        match kind.as_str() {
            kind::IMPORT => {
                if let Some(r) = now {
                    m.earlier.add_imported(r, n);
                }
            }
            _ => {
                if group != Some((run, team)) {
                    flush(&mut m.earlier, group, &mut roster, &mut team_taken);
                    group = Some((run, team));
                    // A run of schema version 1: its roster is every rep of
                    // these rules in the team, not away on its date.
                    if kind == kind::V1
                        && let Some(&t) = name(team).and_then(|t| team_of.get(t))
                    {
                        roster.extend(
                            rules
                                .reps
                                .iter()
                                .enumerate()
                                .filter(|(_, p)| p.team == t && !p.away_on(day))
                                .map(|(i, p)| (Some(i), p.weight)),
                        );
                    }
                }
                team_taken += n;
                if kind != kind::V1
                    && let Some(w) = weight
                {
                    roster.push((now, w));
                }
            }
        }
    }
    flush(&mut m.earlier, group, &mut roster, &mut team_taken);
    Ok(())
}

/// `names`: id to name.
fn names(l: &Ledger) -> Result<HashMap<i64, String>, crate::error::Error> {
    let mut st = l.conn().prepare("SELECT id, name FROM names").or_ledger(l)?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).or_ledger(l)?;
    rows.collect::<Result<_, _>>().or_ledger(l)
}

/// A ledger row found for a lead: where it sorts, its team, rep and
/// reason (name ids), and when it was assigned (Unix seconds).
#[derive(Clone, Copy)]
struct Hit {
    order: Order,
    team: Option<i64>,
    rep: i64,
    reason: i64,
    at: Option<i64>,
}

/// The hits per lead position: the latest only, or (`history`) every one,
/// chained newest first.
struct Found {
    at: Vec<u32>,
    hits: Vec<(Hit, u32)>,
    history: bool,
}

const NONE: u32 = u32::MAX;

impl Found {
    fn new(n: usize, history: bool) -> Found {
        Found { at: vec![NONE; n], hits: Vec::new(), history }
    }

    fn keep(&mut self, k: usize, hit: Hit) {
        match self.at[k] {
            NONE => {
                self.at[k] = self.hits.len() as u32;
                self.hits.push((hit, NONE));
            }
            h if self.history => {
                self.at[k] = self.hits.len() as u32;
                self.hits.push((hit, h));
            }
            h if self.hits[h as usize].0.order < hit.order => self.hits[h as usize].0 = hit,
            _ => {}
        }
    }

    /// The latest hit of position `k`.
    fn get(&self, k: usize) -> Option<Hit> {
        self.all(k).max_by_key(|h| h.order)
    }

    /// Every hit of position `k` (with `history`; else the latest).
    fn all(&self, k: usize) -> impl Iterator<Item = Hit> + '_ {
        let mut next = self.at[k];
        std::iter::from_fn(move || {
            let (hit, after) = *self.hits.get(next as usize)?;
            next = after;
            Some(hit)
        })
    }

    fn has(&self, k: usize) -> bool {
        self.at[k] != NONE
    }
}

/// A lead id or email key compared by two independent 64-bit hashes of its
/// text (foldhash and SipHash-1-3): for a ledger of 10 million rows and a
/// batch of a million leads, the chance that any two different keys are taken
/// for one is about 10^-25. The batch's keys are hashed once, so a pass over
/// the ledger touches no text of the export.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Key(u64, u64);

impl Key {
    fn of(text: &str) -> Key {
        use std::hash::BuildHasher;
        let fold = foldhash::fast::FixedState::with_seed(0x6c65_6164).hash_one(text);
        let sip = std::hash::BuildHasherDefault::<std::hash::DefaultHasher>::default().hash_one(text);
        Key(fold, sip)
    }
}

/// A key as a look-up needs it: hashed for a pass over the ledger, the text
/// for the ledger's index.
enum KeyOf {
    Hash(Option<Key>),
    Text(String),
}

impl KeyOf {
    fn hash(&self) -> Option<Key> {
        match self {
            KeyOf::Hash(k) => *k,
            KeyOf::Text(t) => (!t.is_empty()).then(|| Key::of(t)),
        }
    }

    fn text(&self) -> &str {
        match self {
            KeyOf::Text(t) => t,
            KeyOf::Hash(_) => "",
        }
    }
}

/// The batch's keys, to their position: a probe costs one memory access.
struct KeyIndex {
    /// By the first hash: (the second, position), or `SHARED`.
    by_hash: HashMap<u64, (u64, u32)>,
    /// Keys whose first hash another key shares (rare).
    shared: HashMap<Key, u32>,
}

const SHARED: u32 = u32::MAX;

impl KeyIndex {
    fn new(keys: impl ExactSizeIterator<Item = Option<Key>>) -> KeyIndex {
        let mut index = KeyIndex { by_hash: HashMap::with_capacity(keys.len()), shared: HashMap::new() };
        for (k, key) in keys.enumerate() {
            let Some(key) = key else { continue };
            let k = k as u32;
            match index.by_hash.entry(key.0) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert((key.1, k));
                }
                std::collections::hash_map::Entry::Occupied(mut o) => {
                    let (second, other) = std::mem::replace(o.get_mut(), (0, SHARED));
                    if other != SHARED {
                        index.shared.insert(Key(key.0, second), other);
                    }
                    index.shared.insert(key, k);
                }
            }
        }
        index
    }

    fn get(&self, key: Key) -> Option<usize> {
        match *self.by_hash.get(&key.0)? {
            (_, SHARED) => self.shared.get(&key).map(|&k| k as usize),
            (second, k) => (second == key.1).then_some(k as usize),
        }
    }
}

/// What a run's rows take from their run.
#[derive(Clone, Copy)]
struct RunFacts {
    /// The as-of date, as a day number.
    day: i32,
    /// Its clock (Unix seconds): when its rows were assigned.
    at: Option<i64>,
    delivered: bool,
}

/// Each run's as-of date, clock and delivered mark.
fn run_facts(l: &Ledger) -> Result<HashMap<i64, RunFacts>, crate::error::Error> {
    let mut st = l.conn().prepare("SELECT run, as_of, assigned_at, delivered FROM runs").or_ledger(l)?;
    let rows = st
        .query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, i64>(3)?))
        })
        .or_ledger(l)?;
    let mut days = HashMap::new();
    for row in rows {
        let (run, as_of, at, delivered) = row.or_ledger(l)?;
        let at = at.and_then(|t| t.parse::<jiff::Timestamp>().ok()).map(|t| t.as_second());
        days.insert(run, RunFacts { day: parse_as_of(&as_of).unwrap_or(i32::MIN), at, delivered: delivered != 0 });
    }
    Ok(days)
}

/// What the look-ups of one run share.
struct Reading<'a> {
    l: &'a Ledger,
    rules: &'a Rules,
    batch: &'a Batch,
    /// `names`: id to name.
    names: HashMap<i64, String>,
    /// Each run's as-of date, clock and delivered mark.
    days: HashMap<i64, RunFacts>,
    /// About how many rows `assigned` holds: look-ups go one by one when it
    /// is large beside the batch.
    size: i64,
    /// The rules' reps by name.
    rep_of: HashMap<&'a str, usize>,
    /// The name id of `sla_reassigned` (none: `i64::MIN`).
    sla_reason: i64,
    /// Whether every assignment of a lead is read, not only its latest.
    history: bool,
}

/// Where a row of run `run` sorts.
/// A memory that `prune` kept (run 0) sorts by its own date, before any run
/// of that day.
fn order(days: &HashMap<i64, RunFacts>, run: i64, row: i64, day: i32) -> Order {
    if run == 0 {
        return (day, 0, row);
    }
    (days.get(&run).map_or(i32::MIN, |f| f.day), run, row)
}

/// A row as a hit: `at` is the row's own time, else its run's (a memory of
/// `prune`, run 0, has none).
fn hit(
    days: &HashMap<i64, RunFacts>,
    (run, row, day): (i64, i64, i32),
    team: Option<i64>,
    rep: i64,
    reason: i64,
    own: Option<i64>,
) -> Hit {
    let at = own.or_else(|| if run == 0 { None } else { days.get(&run).and_then(|f| f.at) });
    Hit { order: order(days, run, row, day), team, rep, reason, at }
}

/// Leads assigned before: by trimmed id, then (with `[input] email`) by email
/// key; the latest ledger row wins (a later import corrects an earlier one).
fn assigned_before(r: &Reading, m: &mut Memory) -> Result<(), crate::error::Error> {
    let Reading { l, rules, batch, names, days, .. } = r;
    let size = r.size;
    // `id = "@line"` never reaches a ledger (a rules error): line numbers change.
    let Some(id_col) = batch.plan.id_col else { return Ok(()) };
    // The leads that reach the check (not missing_id or duplicate): their
    // ids, and their emails, are unique. Read in input order (the leads are
    // in rank order): the text is read front to back.
    let mut todo: Vec<(usize, u32)> =
        batch.leads.iter().filter(|l| !l.missing_id && !l.duplicate).map(|l| (l.offset, l.index)).collect();
    if todo.is_empty() {
        return Ok(());
    }
    todo.sort_unstable();
    let emails = batch.plan.email_col.is_some();
    // Each lead's id and email key, made by `key` from its record.
    let read = |key: &(dyn Fn(&str) -> KeyOf + Sync)| -> Vec<(u32, KeyOf, KeyOf)> {
        todo.par_chunks(8192)
            .flat_map_iter(|chunk| {
                let (mut rr, mut buf) = (RecordReader::new(batch.delimiter), String::new());
                let mut out = Vec::with_capacity(chunk.len());
                for &(offset, index) in chunk {
                    let Some(rec) = rr.read(&batch.input.text, offset) else { continue };
                    let email = match batch.plan.email_col {
                        Some(c) => key(email_key(rec.fields.cell(c), &mut buf)),
                        None => key(""),
                    };
                    out.push((index, key(rec.fields.cell(id_col)), email));
                }
                out
            })
            .collect()
    };
    let scan = size <= todo.len() as i64 * POINT_LOOKUP_RATIO;
    let n = todo.len();
    // Per position: the latest row (order, team, rep) by id, and by email,
    // as an index into the rows found (small: most leads have none).
    let (mut by_id_found, mut by_email_found) = (Found::new(n, r.history), Found::new(n, r.history));
    let leads: Vec<u32>;
    if scan {
        // One pass over the ledger, every row against the batch's keys.
        let keys = read(&|s| KeyOf::Hash((!s.is_empty()).then(|| Key::of(s))));
        leads = keys.iter().map(|k| k.0).collect();
        let by_id = KeyIndex::new(keys.iter().map(|(_, id, _)| id.hash()));
        let by_email = KeyIndex::new(keys.iter().map(|(_, _, e)| e.hash()));
        drop(keys);
        let mut st = l
            .conn()
            .prepare("SELECT lead_id, email_key, team, rep, run, rowid, as_of_day, reason, assigned_at FROM assigned")
            .or_ledger(l)?;
        let mut rows = st.query([]).or_ledger(l)?;
        while let Some(row) = rows.next().or_ledger(l)? {
            let mut step = || -> rusqlite::Result<()> {
                let hit_id = by_id.get(Key::of(row.get_ref(0)?.as_str()?));
                let hit_email = match (emails, row.get_ref(1)?.as_str_or_null()?) {
                    (true, Some(e)) if !e.is_empty() => by_email.get(Key::of(e)),
                    _ => None,
                };
                if hit_id.is_none() && hit_email.is_none() {
                    return Ok(());
                }
                let h = hit(
                    days,
                    (row.get(4)?, row.get(5)?, row.get(6)?),
                    row.get(2)?,
                    row.get(3)?,
                    row.get(7)?,
                    row.get(8)?,
                );
                if let Some(k) = hit_id {
                    by_id_found.keep(k, h);
                }
                if let Some(k) = hit_email {
                    by_email_found.keep(k, h);
                }
                Ok(())
            };
            step().or_ledger(l)?;
        }
    } else {
        let query = |column: &str| {
            format!("SELECT team, rep, run, rowid, as_of_day, reason, assigned_at FROM assigned WHERE {column} = ?1")
        };
        let mut by_id = l.conn().prepare(&query("lead_id")).or_ledger(l)?;
        let mut by_email = l.conn().prepare(&query("email_key")).or_ledger(l)?;
        let lookup = |st: &mut rusqlite::Statement, key: &str, k: usize, into: &mut Found| -> rusqlite::Result<()> {
            let mut rows = st.query([key])?;
            while let Some(row) = rows.next()? {
                into.keep(
                    k,
                    hit(
                        days,
                        (row.get(2)?, row.get(3)?, row.get(4)?),
                        row.get(0)?,
                        row.get(1)?,
                        row.get(5)?,
                        row.get(6)?,
                    ),
                );
            }
            Ok(())
        };
        let ids = read(&|s| KeyOf::Text(s.to_string()));
        leads = ids.iter().map(|k| k.0).collect();
        for (k, (_, id, email)) in ids.iter().enumerate() {
            lookup(&mut by_id, id.text(), k, &mut by_id_found).or_ledger(l)?;
            if emails && !email.text().is_empty() {
                lookup(&mut by_email, email.text(), k, &mut by_email_found).or_ledger(l)?;
            }
        }
    }
    // By id first; by email only for a lead whose id is not there.
    let found = leads.iter().enumerate().filter_map(|(k, &i)| {
        let from = if by_id_found.has(k) { &by_id_found } else { &by_email_found };
        Some((i, k, from.get(k)?, from))
    });
    // Ledger name ids to the rules' teams and reps (then to names only the ledger has).
    let mut teams: HashMap<i64, usize> = HashMap::new();
    let mut reps: HashMap<i64, usize> = HashMap::new();
    let resolve = |id: i64, extra: &mut Vec<String>, cache: &mut HashMap<i64, usize>, known: &[&str]| -> usize {
        *cache.entry(id).or_insert_with(|| {
            let name = names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
            match known.iter().position(|k| *k == name) {
                Some(i) => i,
                None => {
                    extra.push(name);
                    known.len() + extra.len() - 1
                }
            }
        })
    };
    // Teams and reps are numbered in 16 bits (an assignment is 8 bytes).
    let too_many = |what: &str, n: usize| {
        l.fail(format!(
            "the leads of this export were assigned before to {n} {what} the rules do not have; leadroute keeps \
             at most 65,534 teams and reps each (was a column of ids imported as --rep or --team?)"
        ))
    };
    let team_list: Vec<&str> = rules.teams.iter().map(|t| t.name.as_str()).collect();
    let rep_list: Vec<&str> = rules.reps.iter().map(|r| r.name.as_str()).collect();
    m.before = vec![None; batch.leads.len()];
    m.assigned_at = vec![None; batch.leads.len()];
    m.undelivered = vec![false; batch.leads.len()];
    let mut by_email_only = Vec::new();
    let mut history: Vec<(Order, u32, crate::engine::route::Held)> = Vec::new();
    for (i, k, latest, from) in found {
        let mut held = |h: Hit| {
            let rep = resolve(h.rep, &mut m.extra_reps, &mut reps, &rep_list);
            let team = match h.team {
                Some(t) => Some(resolve(t, &mut m.extra_teams, &mut teams, &team_list)),
                // No team recorded (an import without --team): the rep's current team.
                None => rules.reps.get(rep).map(|r| r.team),
            };
            crate::engine::route::Held::new(team, rep, h.at, h.reason == r.sla_reason)
        };
        let now = held(latest);
        m.before[i as usize] = Some((now.team(), now.rep()));
        m.assigned_at[i as usize] = latest.at;
        let run = latest.order.1;
        m.undelivered[i as usize] = run != 0 && days.get(&run).is_some_and(|f| !f.delivered);
        if m.undelivered[i as usize] {
            m.undelivered_runs.insert(i, run);
        }
        if r.history {
            let first = history.len();
            history.extend(from.all(k).map(|h| (h.order, i, held(h))));
            history[first..].sort_unstable_by_key(|(order, ..)| *order);
        }
        if !std::ptr::eq(from, &by_id_found) {
            by_email_only.push((i, latest.order.2));
        }
        if rules.reps.len() + m.extra_reps.len() >= u16::MAX as usize {
            return Err(too_many("reps", m.extra_reps.len()));
        }
        if rules.teams.len() + m.extra_teams.len() >= u16::MAX as usize {
            return Err(too_many("teams", m.extra_teams.len()));
        }
    }
    if r.history {
        history.sort_by_key(|(_, i, _)| *i);
        let pairs = history.into_iter().map(|(_, i, h)| (i, h)).collect();
        m.history = crate::engine::route::History::from_sorted(batch.leads.len(), pairs);
    }
    // A lead found by email is recorded under the ledger lead's id when it
    // is assigned again (docs/reference.md §11).
    if r.history && !by_email_only.is_empty() {
        let mut st = l.conn().prepare("SELECT lead_id FROM assigned WHERE rowid = ?1").or_ledger(l)?;
        for (i, row) in by_email_only {
            let id: String = st.query_row([row], |r| r.get(0)).or_ledger(l)?;
            m.ledger_ids.insert(i, id);
        }
    }
    Ok(())
}

/// An account key as the current rules key it (docs/reference.md §6.2: keys are
/// normalised when read): None when the row has no account under them.
fn current_key(rules: &Rules, account: Option<&str>, email: Option<&str>, buf: &mut String) -> bool {
    buf.clear();
    match (account.filter(|a| !a.trim().is_empty()), rules.input.account_match) {
        (Some(a), AccountMatch::Exact) => lower_into(a.trim(), buf),
        (Some(a), AccountMatch::Normalized) => account_key(a, buf),
        (None, AccountMatch::Normalized) if rules.input.email.is_some() => {
            if let Some(e) = email {
                email_account(e, buf)
            }
        }
        (None, _) => {}
    }
    !buf.is_empty()
}

/// Owners from the ledger: for each account of the batch, the rep who took
/// its earliest lead in the ledger (as-of date, then run, then row).
fn owners(r: &Reading, m: &mut Memory) -> Result<(), crate::error::Error> {
    let Reading { l, rules, batch, names, days, rep_of, .. } = r;
    let size = r.size;
    // Only the accounts of leads this run routes: a lead assigned before
    // keeps its rep whoever owns its account.
    let mut needed = vec![false; batch.accounts.len()];
    let routed_stage: Vec<bool> = (0..=rules.stages.len()).map(|s| rules.teams.iter().any(|t| t.stages[s])).collect();
    let to_route = |l: &&crate::engine::batch::Lead| {
        !l.missing_id
            && !l.duplicate
            && routed_stage[l.stage as usize]
            && m.before.get(l.index as usize).is_none_or(Option::is_none)
    };
    for lead in batch.leads.iter().filter(to_route) {
        if lead.account != crate::engine::batch::NO_ACCOUNT {
            needed[lead.account as usize] = true;
        }
    }
    let wanted: HashMap<&str, u32> = batch
        .accounts
        .iter()
        .enumerate()
        .filter(|&(i, k)| needed[i] && !k.is_empty())
        .map(|(i, k)| (k.as_str(), i as u32))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    // The look-up keys (`assigned.account_key`) the wanted accounts have.
    let mut coarse: HashMap<String, usize> = HashMap::new();
    for key in wanted.keys() {
        let mut c = String::new();
        account_key(key, &mut c);
        *coarse.entry(c).or_default() += 1;
    }
    let mut first: HashMap<u32, (Order, i64)> = HashMap::new();
    let mut buf = String::new();
    // A row counts for the account its current key names, when it is earlier
    // than that account's earliest so far.
    // Returns whether the row was the first found for its account.
    let mut consider = |row: &rusqlite::Row, buf: &mut String| -> rusqlite::Result<bool> {
        let order = order(days, row.get(3)?, row.get(4)?, row.get(6)?);
        let account = row.get_ref(0)?.as_str_or_null()?;
        let email = row.get_ref(1)?.as_str_or_null()?;
        if current_key(rules, account, email, buf)
            && let Some(&i) = wanted.get(buf.as_str())
            && first.get(&i).is_none_or(|(o, _)| order < *o)
        {
            return Ok(first.insert(i, (order, row.get(2)?)).is_none());
        }
        Ok(false)
    };
    let columns = "SELECT account, email, rep, run, rowid, account_key, as_of_day FROM assigned";
    if size <= wanted.len() as i64 * POINT_LOOKUP_RATIO {
        let mut st = l.conn().prepare(&format!("{columns} WHERE account_key IS NOT NULL")).or_ledger(l)?;
        let mut rows = st.query([]).or_ledger(l)?;
        while let Some(row) = rows.next().or_ledger(l)? {
            let wanted_key = || -> rusqlite::Result<bool> { Ok(coarse.contains_key(row.get_ref(5)?.as_str()?)) };
            if wanted_key().or_ledger(l)? {
                consider(row, &mut buf).or_ledger(l)?;
            }
        }
    } else {
        // The index gives an account's rows earliest first: stop at the first
        // that each wanted key under it names.
        let mut st = l
            .conn()
            .prepare(&format!("{columns} WHERE account_key = ?1 ORDER BY as_of_day, run, rowid"))
            .or_ledger(l)?;
        for (key, &n) in &coarse {
            let mut rows = st.query([key]).or_ledger(l)?;
            let mut found = 0;
            while let Some(row) = rows.next().or_ledger(l)? {
                found += usize::from(consider(row, &mut buf).or_ledger(l)?);
                if found == n {
                    break;
                }
            }
        }
    }
    // Once a lead has been moved for a missed SLA, the owner is the rep
    // holding the account's earliest lead now: its latest assignment.
    let moved = r.sla_reason != i64::MIN;
    let (mut lead_of, mut rows_of) = if moved {
        (
            Some(l.conn().prepare("SELECT lead_id FROM assigned WHERE rowid = ?1").or_ledger(l)?),
            Some(l.conn().prepare("SELECT rep, run, rowid, as_of_day FROM assigned WHERE lead_id = ?1").or_ledger(l)?),
        )
    } else {
        (None, None)
    };
    for (i, ((_, _, row), mut rep)) in first {
        if let (Some(lead_of), Some(rows_of)) = (&mut lead_of, &mut rows_of) {
            let id: String = lead_of.query_row([row], |r| r.get(0)).or_ledger(l)?;
            let mut latest: Option<(Order, i64)> = None;
            let mut rows = rows_of.query([id]).or_ledger(l)?;
            while let Some(x) = rows.next().or_ledger(l)? {
                let read = || -> rusqlite::Result<(Order, i64)> {
                    Ok((order(days, x.get(1)?, x.get(2)?, x.get(3)?), x.get(0)?))
                };
                let (o, p) = read().or_ledger(l)?;
                if latest.is_none_or(|(lo, _)| o > lo) {
                    latest = Some((o, p));
                }
            }
            rep = latest.map_or(rep, |(_, p)| p);
        }
        let owner = names.get(&rep).and_then(|n| rep_of.get(n.as_str()).copied());
        m.owners.insert(i, owner);
    }
    Ok(())
}
