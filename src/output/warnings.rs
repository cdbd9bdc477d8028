//! Problems a quiet run must still report (SPEC §7.1): one line each on
//! standard error, `leadroute: warning: ...`, with or without `-q`, so that a
//! cron mail shows them. A clean run has none. Pure: returns the lines.

use crate::owners::UnknownReps;
use crate::pipeline::{Batch, Lead};
use crate::route::{Reason, Routed};
use crate::rules::Rules;

/// The problem lines of a run, in a fixed order: malformed rows, value
/// warnings, owners naming unknown reps, leads no team took, leads no rep
/// could take, teams no rep could serve, then doubtful rules.
pub fn problems(
    rules: &Rules,
    batch: &Batch,
    routed: Option<&Routed>,
    unknown_reps: Option<&UnknownReps>,
    owners_path: Option<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
    let name = &batch.input.name;
    if let Some(first) = batch.rejects.first() {
        out.push(format!(
            "{name}: {} malformed rows were rejected (first at line {}: {})",
            batch.rejects.len(),
            first.line,
            first.error
        ));
    }
    for w in &batch.warnings {
        out.push(format!(
            "{name}: {} values in column '{}' could not be read (first at line {}: '{}')",
            w.count, w.column, w.first_line, w.first_value
        ));
    }
    if let (Some(u), Some(path)) = (unknown_reps, owners_path) {
        out.push(format!(
            "{path}: {} rows name a rep the rules do not have (first at line {}: '{}'); their accounts have no owner",
            u.count, u.first_line, u.first_rep
        ));
    }
    let mut lint = crate::rules::lint::lint(rules);
    if let Some(r) = routed {
        out.extend(routing_problems(rules, batch, r));
        // The untaken stages' lines say how many of this run's leads they cost.
        for s in crate::rules::lint::untaken_stages(rules) {
            let plain = crate::rules::lint::untaken_stage(rules, s, None);
            let mut leads = batch.leads.iter().filter(|l| l.stage as usize == s);
            if let (Some(line), Some(first)) = (lint.iter_mut().find(|w| **w == plain), leads.next()) {
                let id = batch.lead_id(first);
                *line = crate::rules::lint::untaken_stage(rules, s, Some((1 + leads.count() as u64, &id)));
            }
        }
    }
    out.extend(lint.into_iter().map(|w| format!("rules: {w}")));
    out
}

fn routing_problems(rules: &Rules, batch: &Batch, routed: &Routed) -> Vec<String> {
    let mut out = Vec::new();
    let taken_by_some_team: Vec<bool> =
        (0..=rules.stages.len()).map(|s| rules.teams.iter().any(|t| t.stages[s])).collect();
    // Per stage (no_team) and per team (no_capacity): how many, and the first lead in rank order.
    let mut no_team: Vec<(u64, Option<&Lead>)> = vec![(0, None); rules.stages.len() + 1];
    let mut no_capacity: Vec<(u64, Option<&Lead>)> = vec![(0, None); rules.teams.len()];
    let mut received = vec![false; rules.teams.len()];
    let as_of = routed.memory.as_of;
    for (lead, a) in batch.leads.iter().zip(&routed.assignments) {
        // A lead kept from an earlier run reached no team in this one (the
        // summary names those whose rep cannot take leads now).
        if a.reason == Reason::AssignedBefore {
            continue;
        }
        if let Some(t) = a.team() {
            received[t] = true;
        }
        let slot = match a.reason {
            Reason::NoTeam if taken_by_some_team[lead.stage as usize] => &mut no_team[lead.stage as usize],
            Reason::NoCapacity => match a.team() {
                Some(t) => &mut no_capacity[t],
                None => continue,
            },
            _ => continue,
        };
        slot.0 += 1;
        slot.1.get_or_insert(lead);
    }
    let id = |lead: &Lead| batch.lead_id(lead);
    for (s, (n, first)) in no_team.iter().enumerate() {
        if let Some(first) = first {
            out.push(format!(
                "{n} leads in stage '{}' got no_team: no team's `when` held for them (first: {})",
                rules.stage_name(s),
                id(first)
            ));
        }
    }
    for (t, (n, first)) in no_capacity.iter().enumerate() {
        if let Some(first) = first {
            out.push(format!(
                "{n} leads for team '{}' got no_capacity: no rep there (or in its overflow) could take them (first: {})",
                rules.teams[t].name,
                id(first)
            ));
        }
    }
    for (t, team) in rules.teams.iter().enumerate() {
        let serves = rules.reps.iter().enumerate().any(|(i, r)| {
            let earlier = routed.memory.period_taken[i];
            r.team == t
                && r.active
                && !r.away_on(as_of)
                && r.limits.capacity != Some(0)
                && r.limits.counted().iter().zip(earlier).all(|(limit, n)| limit.is_none_or(|l| n < l))
        });
        if received[t] && !serves {
            out.push(format!(
                "team '{}' received leads, but none of its reps could take one in this run (all inactive, away, \
                 at capacity 0 or at a limit)",
                team.name
            ));
        }
    }
    out
}
