//! Respond fast (docs/reference.md §11): whether a routed lead was answered, and
//! whether it missed its SLA. `TouchReader` reads `[input] touched` once per
//! lead in the scoring pass (value warnings as for any column the rules read); `judge` decides,
//! for a lead the ledger holds, whether its latest assignment missed its SLA
//! (the router then moves it, `route::Router`).
//!
//! Times are Unix seconds at whole minutes: the clock, the ledger's times and
//! the touches are truncated to the minute.

use crate::engine::batch::{Batch, Lead};
use crate::engine::route::{Held, Memory};
use crate::rules::Rules;

/// A lead's `touched` cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Touch {
    /// Empty: not worked.
    Never,
    /// Worked at this time (Unix seconds).
    At(i64),
    /// A cell that could not be read: a value warning; the lead counts as
    /// worked (a lead is never moved because of a cell leadroute could not
    /// read), and is left out of response times.
    Unreadable,
}

/// Reads `touched` cells (docs/reference.md §11.2), one per lead, in the scoring pass.
/// A date alone (most exports' cells) is looked up in a small memo: its
/// instant is worked out once per day.
pub struct TouchReader<'a> {
    formats: &'a [crate::support::date::DateFormat],
    zone: jiff::tz::TimeZone,
    /// Day number to the instant its end is.
    days: foldhash::HashMap<i32, Option<i64>>,
}

impl<'a> TouchReader<'a> {
    pub fn new(formats: &'a [crate::support::date::DateFormat], zone: jiff::tz::TimeZone) -> TouchReader<'a> {
        TouchReader { formats, zone, days: Default::default() }
    }

    pub fn read(&mut self, cell: &str) -> Touch {
        let cell = cell.trim();
        if cell.is_empty() {
            return Touch::Never;
        }
        let at = if cell.len() == 10
            && let Some(day) = crate::support::date::parse_iso(cell)
        {
            let (formats, zone) = (self.formats, &self.zone);
            *self.days.entry(day).or_insert_with(|| {
                crate::support::date::parse_cell_time(cell, formats, zone, false).map(|t| t.as_second())
            })
        } else {
            crate::support::date::parse_cell_time(cell, self.formats, &self.zone, false).map(|t| t.as_second())
        };
        at.map_or(Touch::Unreadable, Touch::At)
    }
}

/// Where a lead's SLA came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlaFrom {
    Stage,
    Team,
}

/// A lead whose latest assignment missed its SLA (docs/reference.md §11.4).
#[derive(Clone, Debug)]
pub struct Missed {
    /// The latest assignment: team and rep (numbered as `Memory::before`'s)
    /// and when (Unix seconds).
    pub team: Option<usize>,
    pub rep: usize,
    pub at: i64,
    /// The SLA in minutes, and where it came from.
    pub sla: u32,
    pub from: SlaFrom,
    /// Working minutes from the assignment to the run's clock (more than `sla`).
    pub worked_minutes: i64,
    /// Every rep that held the lead (numbered as `Memory::before`'s).
    pub excluded: Vec<usize>,
    /// Whether it may move: it has been moved for a missed SLA fewer than
    /// `[routing] sla_reassign_max` times.
    pub may_move: bool,
}

/// The SLA of a lead in stage `stage` held by team `team` (numbered as
/// `Memory::before`'s: a team not in the rules has no SLA): the smaller of
/// the stage's and the team's.
pub fn sla_of(rules: &Rules, stage: usize, team: Option<usize>) -> Option<(u32, SlaFrom)> {
    let by_stage = rules.stages.get(stage).and_then(|s| s.sla_minutes).map(|m| (m, SlaFrom::Stage));
    let by_team = team.and_then(|t| rules.teams.get(t)).and_then(|t| t.sla_minutes).map(|m| (m, SlaFrom::Team));
    match (by_stage, by_team) {
        (Some(s), Some(t)) => Some(if t.0 < s.0 { t } else { s }),
        (s, t) => s.or(t),
    }
}

/// The calendar a team's SLA clock counts in: the team's, else (a team no
/// longer in the rules, or none) `[routing]`'s.
pub fn calendar_of(rules: &Rules, team: Option<usize>) -> &crate::support::worktime::Calendar {
    rules.calendar(team.filter(|&t| t < rules.teams.len()))
}

/// Whether a lead whose assignments are `history` (oldest first) was worked,
/// for the SLA: touched at or after its first assignment with a time; an
/// unreadable cell counts as worked.
pub fn worked(history: &[Held], touch: Touch) -> bool {
    match touch {
        Touch::Never => false,
        Touch::Unreadable => true,
        Touch::At(t) => history.iter().find_map(|h| h.at()).is_some_and(|first| t >= first),
    }
}

/// Whether lead `lead`, held in the ledger, missed its SLA at the run's clock.
pub fn judge(rules: &Rules, batch: &Batch, memory: &Memory, lead: &Lead) -> Option<Missed> {
    if batch.touched.is_empty() || lead.stage as usize == rules.disqualified_stage() {
        return None;
    }
    let history = memory.history.get(lead.index)?;
    let latest = history.last()?;
    // An import without a time, or a memory kept by `prune`: never checked.
    let at = latest.at()?;
    if worked(history, batch.touched[lead.index as usize]) {
        return None;
    }
    let (sla, from) = sla_of(rules, lead.stage as usize, latest.team())?;
    let clock = jiff::Timestamp::from_second(at).ok()?;
    let minutes = calendar_of(rules, latest.team()).working_minutes(clock, memory.clock);
    if minutes <= i64::from(sla) {
        return None;
    }
    let mut excluded: Vec<usize> = history.iter().map(Held::rep).collect();
    excluded.sort_unstable();
    excluded.dedup();
    let moves = history.iter().filter(|h| h.sla()).count();
    Some(Missed {
        team: latest.team(),
        rep: latest.rep(),
        at,
        sla,
        from,
        worked_minutes: minutes,
        excluded,
        may_move: moves < rules.sla_reassign_max as usize,
    })
}
