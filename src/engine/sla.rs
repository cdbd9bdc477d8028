//! Respond fast (docs/reference.md §11): whether a routed lead was answered, and
//! whether it missed its SLA. `read_touches` reads `[input] touched` once per
//! lead (value warnings as for any column the rules read); `judge` decides,
//! for a lead the ledger holds, whether its latest assignment missed its SLA
//! (the router then moves it, `route::Router`).
//!
//! Times are Unix seconds at whole minutes: the clock, the ledger's times and
//! the touches are truncated to the minute.

use rayon::prelude::*;

use crate::engine::batch::{Batch, ColumnWarnings, Lead};
use crate::engine::input::{LineCounter, RecordReader};
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

/// Reads `[input] touched` of every lead into `batch.touched` (by
/// `Lead::index`), and adds the column's value warnings. Nothing without the key.
pub fn read_touches(rules: &Rules, batch: &mut Batch) {
    let Some(col) = batch.plan.touched_col else { return };
    let zone = rules.zone();
    let formats = &rules.input.date_formats;
    let (text, delimiter) = (batch.input.text.as_str(), batch.delimiter);
    // In input order (the leads are ranked): the text is read front to back.
    let mut order: Vec<(usize, u32)> = batch.leads.iter().map(|l| (l.offset, l.index)).collect();
    order.sort_unstable();
    let read: Vec<(u32, usize, Touch)> = order
        .par_chunks(8192)
        .flat_map_iter(|chunk| {
            let mut rr = RecordReader::new(delimiter);
            let mut out = Vec::with_capacity(chunk.len());
            for &(offset, index) in chunk {
                let cell = rr.read(text, offset).map_or("", |r| r.fields.cell(col));
                let touch = if cell.trim().is_empty() {
                    Touch::Never
                } else {
                    match crate::support::date::parse_cell_time(cell, formats, &zone, false) {
                        Some(t) => Touch::At(t.as_second()),
                        None => Touch::Unreadable,
                    }
                };
                out.push((index, offset, touch));
            }
            out
        })
        .collect();
    let mut touched = vec![Touch::Never; batch.leads.len()];
    let (mut bad, mut first) = (0u64, None);
    for (index, offset, touch) in read {
        if touch == Touch::Unreadable {
            bad += 1;
            first.get_or_insert(offset);
        }
        touched[index as usize] = touch;
    }
    batch.touched = touched;
    if let Some(offset) = first {
        let value = RecordReader::new(delimiter).read(text, offset).map(|r| r.fields.cell(col).to_string());
        batch.warnings.push(ColumnWarnings {
            column: batch.header[col].clone(),
            count: bad,
            first_line: LineCounter::default().line_at(text.as_bytes(), offset),
            first_value: value.unwrap_or_default(),
        });
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
        Touch::At(t) => history.iter().find_map(|h| h.at).is_some_and(|first| t >= first),
    }
}

/// Whether lead `lead`, held in the ledger, missed its SLA at the run's clock.
pub fn judge(rules: &Rules, batch: &Batch, memory: &Memory, lead: &Lead) -> Option<Missed> {
    if batch.touched.is_empty() || lead.stage as usize == rules.disqualified_stage() {
        return None;
    }
    let history = memory.history.get(&lead.index)?;
    let latest = history.last()?;
    // An import without a time, or a memory kept by `prune`: never checked.
    let at = latest.at?;
    if worked(history, batch.touched[lead.index as usize]) {
        return None;
    }
    let (sla, from) = sla_of(rules, lead.stage as usize, latest.team)?;
    let clock = jiff::Timestamp::from_second(at).ok()?;
    let minutes = calendar_of(rules, latest.team).working_minutes(clock, memory.clock);
    if minutes <= i64::from(sla) {
        return None;
    }
    let mut excluded: Vec<usize> = history.iter().map(|h| h.rep).collect();
    excluded.sort_unstable();
    excluded.dedup();
    let moves = history.iter().filter(|h| h.sla).count();
    Some(Missed {
        team: latest.team,
        rep: latest.rep,
        at,
        sla,
        from,
        worked_minutes: minutes,
        excluded,
        may_move: moves < rules.sla_reassign_max as usize,
    })
}
