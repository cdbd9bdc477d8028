//! Response times (docs/reference.md §11.5): how fast each rep answered the leads it was
//! given. Each assignment of a lead (rep R from its time T until the lead's next
//! assignment) is credited with the lead's touch when the touch falls in that
//! interval; its response time is the working time from T to the touch in the
//! calendar of the assignment's team. A touch before the lead's first
//! assignment was someone else's.
//!
//! Pure: assignments in, figures out. `assign`'s summary feeds it the ledger's
//! history of the export's leads (and this run's new assignments).

use serde::Serialize;

use crate::engine::batch::Batch;
use crate::engine::route::{Held, Routed};
use crate::engine::sla::{Touch, calendar_of, sla_of};
use crate::rules::Rules;

/// One rep's response figures (the keys of `--summary-json`'s `response.reps[]`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RepResponse {
    pub rep: String,
    pub team: String,
    /// Assignments to the rep in the window.
    pub assigned: u64,
    /// Of those, worked while the rep held the lead (an unreadable touch
    /// counts as worked and has no response time).
    pub worked: u64,
    /// Nearest-rank median and 90th percentile of the response times, in
    /// working minutes (None: no response time).
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
    /// The share worked within the SLA, of the assignments with an SLA that
    /// were worked or missed (None: none).
    pub within_sla: Option<f64>,
    /// Not worked within the SLA (moved, or still held past it).
    pub missed: u64,
    /// Not worked, still held and within the SLA (or without one).
    pub waiting: u64,
}

/// From `created` to the run's clock for this run's new leads whose
/// `created` cell holds a time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimeToRoute {
    pub leads: u64,
    pub median_minutes: i64,
    pub max_minutes: i64,
}

/// What `--summary-json` holds under `response`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Response {
    pub reps: Vec<RepResponse>,
    pub time_to_route: Option<TimeToRoute>,
}

/// The nearest-rank percentile `p` of sorted values: the ⌈p·n⌉-th smallest.
pub fn nearest_rank(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

/// How one assignment went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Worked after this many working minutes.
    Worked(i64),
    /// Worked, by a cell that could not be read.
    WorkedUnread,
    /// Not worked within its SLA.
    Missed,
    /// Not worked; still held and within its SLA (or it has none).
    Waiting,
}

/// The outcome of assignment `i` of `history` (oldest first) of a lead in
/// stage `stage` touched `touch`, at `clock`; with its SLA, if any.
pub fn credit(
    rules: &Rules,
    history: &[Held],
    i: usize,
    stage: usize,
    touch: Touch,
    clock: jiff::Timestamp,
) -> Option<(Outcome, Option<u32>)> {
    let h = history.get(i)?;
    let from = jiff::Timestamp::from_second(h.at()?).ok()?;
    let next = history[i + 1..].iter().find_map(Held::at).and_then(|t| jiff::Timestamp::from_second(t).ok());
    let latest = i + 1 == history.len();
    let calendar = calendar_of(rules, h.team());
    let sla = sla_of(rules, stage, h.team()).map(|(m, _)| m);
    let first = history.iter().find_map(Held::at);
    let outcome = match touch {
        Touch::At(t) if Some(t) >= first && t >= from.as_second() && next.is_none_or(|n| t < n.as_second()) => {
            let at = jiff::Timestamp::from_second(t).ok()?;
            Outcome::Worked(calendar.working_minutes(from, at))
        }
        Touch::Unreadable if latest => Outcome::WorkedUnread,
        _ => {
            let until = next.filter(|n| *n < clock).unwrap_or(clock);
            match sla {
                Some(s) if calendar.working_minutes(from, until) > i64::from(s) => Outcome::Missed,
                // Moved on before its SLA ran out (or without one): it no
                // longer waits on this rep.
                _ if !latest => return None,
                _ => Outcome::Waiting,
            }
        }
    };
    Some((outcome, sla))
}

/// Per-rep response figures over the balance window (docs/reference.md §11.5), for
/// `assign --ledger` with `[input] touched`; None otherwise.
pub fn summary(rules: &Rules, batch: &Batch, routed: &Routed) -> Option<Response> {
    let memory = &routed.memory;
    if !memory.ledger || batch.touched.is_empty() {
        return None;
    }
    let zone = rules.zone();
    let first_day = memory.as_of - (rules.balance_days as i32 - 1);
    let start = |day: i32| crate::support::date::day_start(day, &zone).map(|t| t.as_second());
    let (from, to) = (start(first_day).unwrap_or(i64::MIN), start(memory.as_of + 1).unwrap_or(i64::MAX));
    let in_window = |t: i64| from <= t && t < to;
    // Per (rep, team): outcomes.
    let mut rows: Vec<((usize, Option<usize>), Tally)> = Vec::new();
    let mut buf: Vec<Held> = Vec::new();
    for (lead, a) in batch.leads.iter().zip(&routed.assignments) {
        let stored = memory.history.get(lead.index).unwrap_or(&[]);
        // With this run's new assignment after the ledger's.
        let history: &[Held] = match (a.reason.new_assignment(), a.rep()) {
            (true, Some(rep)) => {
                let sla = a.reason == crate::engine::route::Reason::SlaReassigned;
                buf.clear();
                buf.extend_from_slice(stored);
                buf.push(Held::new(a.team(), rep, Some(memory.clock.as_second()), sla));
                &buf
            }
            _ => stored,
        };
        let touch = batch.touched[lead.index as usize];
        for (i, h) in history.iter().enumerate() {
            if !h.at().is_some_and(in_window) {
                continue;
            }
            let credited = credit(rules, history, i, lead.stage as usize, touch, memory.clock);
            tally(&mut rows, (h.rep(), h.team())).add(credited, None);
        }
    }
    // The rules' reps in file order, then reps only the ledger names.
    rows.sort_by_key(|((rep, team), _)| (*rep, *team));
    let reps = rows
        .into_iter()
        .map(|((rep, team), mut a)| {
            a.minutes.sort_unstable();
            RepResponse {
                rep: routed.rep_name(rules, rep).to_string(),
                team: team.map_or_else(String::new, |t| routed.team_name(rules, t).to_string()),
                assigned: a.assigned,
                worked: a.worked,
                median_minutes: nearest_rank(&a.minutes, 0.5),
                p90_minutes: nearest_rank(&a.minutes, 0.9),
                within_sla: a.within_share(),
                missed: a.missed,
                waiting: a.waiting,
            }
        })
        .collect();
    Some(Response { reps, time_to_route: time_to_route(rules, batch, routed) })
}

/// What one rep's (or team's) assignments add up to.
#[derive(Default)]
pub struct Tally {
    pub assigned: u64,
    pub worked: u64,
    /// Response times in working minutes, and (when given) wall-clock minutes.
    pub minutes: Vec<i64>,
    pub wall: Vec<i64>,
    with_sla: u64,
    pub within: u64,
    pub missed: u64,
    pub waiting: u64,
}

impl Tally {
    /// Adds one assignment, credited as `credit` says (None: moved on within
    /// its SLA, still assigned to the rep), with its wall-clock minutes.
    pub fn add(&mut self, credited: Option<(Outcome, Option<u32>)>, wall: Option<i64>) {
        self.assigned += 1;
        let Some((outcome, sla)) = credited else { return };
        match outcome {
            Outcome::Worked(m) => {
                self.worked += 1;
                self.minutes.push(m);
                self.wall.extend(wall);
                if let Some(s) = sla {
                    self.with_sla += 1;
                    self.within += u64::from(m <= i64::from(s));
                }
            }
            Outcome::WorkedUnread => self.worked += 1,
            Outcome::Missed => {
                self.missed += 1;
                self.with_sla += 1;
            }
            Outcome::Waiting => self.waiting += 1,
        }
    }

    /// The share worked within the SLA, of the assignments with an SLA that
    /// were worked (with a readable time) or missed.
    pub fn within_share(&self) -> Option<f64> {
        (self.with_sla > 0).then(|| self.within as f64 / self.with_sla as f64)
    }
}

/// The tally of `key` in `rows`, added when new (rows are few: reps, teams).
pub fn tally<K: PartialEq + Copy>(rows: &mut Vec<(K, Tally)>, key: K) -> &mut Tally {
    let i = match rows.iter().position(|(k, _)| *k == key) {
        Some(i) => i,
        None => {
            rows.push((key, Tally::default()));
            rows.len() - 1
        }
    };
    &mut rows[i].1
}

/// Minutes from `created` to the clock for this run's new leads (not those
/// moved for a missed SLA) whose `created` cell holds a time.
fn time_to_route(rules: &Rules, batch: &Batch, routed: &Routed) -> Option<TimeToRoute> {
    let slot = batch.plan.created_slot?;
    let col = batch.plan.slots[slot].col;
    let zone = rules.zone();
    let formats = &rules.input.date_formats;
    let clock = routed.memory.clock.as_second();
    let mut rr = crate::engine::input::RecordReader::new(batch.delimiter);
    let mut minutes: Vec<i64> = Vec::new();
    for (lead, a) in batch.leads.iter().zip(&routed.assignments) {
        if !a.reason.new_assignment() || a.reason == crate::engine::route::Reason::SlaReassigned {
            continue;
        }
        let Some(rec) = rr.read(&batch.input.text, lead.offset) else { continue };
        let cell = rec.fields.cell(col);
        let read = |start| crate::support::date::parse_cell_time(cell, formats, &zone, start);
        // A date alone is read as two instants (its start and its end): a
        // cell with a time reads as one.
        if let (Some(start), Some(end)) = (read(true), read(false))
            && start == end
        {
            minutes.push(((clock - start.as_second()) / 60).max(0));
        }
    }
    minutes.sort_unstable();
    Some(TimeToRoute {
        leads: minutes.len() as u64,
        median_minutes: nearest_rank(&minutes, 0.5)?,
        max_minutes: *minutes.last()?,
    })
}

#[cfg(test)]
mod tests {
    use super::nearest_rank;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(nearest_rank(&v, 0.5), Some(5));
        assert_eq!(nearest_rank(&v, 0.9), Some(9));
        assert_eq!(nearest_rank(&[7], 0.9), Some(7));
        assert_eq!(nearest_rank(&[3, 8], 0.5), Some(3));
        assert_eq!(nearest_rank(&[3, 8], 0.9), Some(8));
        assert_eq!(nearest_rank(&[], 0.5), None);
    }
}
