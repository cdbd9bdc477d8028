//! Problems a quiet run must still report (docs/reference.md §7.1): one line each on
//! standard error, `leadroute: warning: ...`, with or without `-q`, so that a
//! cron mail shows them. A clean run has none. Pure: returns the lines.
//!
//! Each line about a lasting condition carries a `Key` (its kind and its
//! team, stage, column or file): with a ledger, a run prints a key at most
//! once per as-of date (the ledger keeps which it printed). A new kind of
//! warning adds a `Kind`.

use crate::engine::batch::{Batch, Lead};
use crate::engine::owners::UnknownReps;
use crate::engine::route::{Reason, Routed};
use crate::rules::Rules;

/// What a warning line is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Leads of a stage some team takes that got `no_team` (subject: the stage).
    NoTeam,
    /// Leads that got `no_capacity`, and a team no rep could serve: one
    /// condition (subject: the team).
    NoCapacity,
    /// A doubtful rule (subject: the line, which names what it is about).
    Rules,
    /// A stage above the lowest that no team takes (subject: the stage).
    StageUntaken,
    /// Leads moved for a missed SLA (subject: the team that missed it).
    SlaReassigned,
    /// Leads that missed their SLA and stayed (subject: the team).
    SlaStayed,
}

impl Kind {
    /// As the ledger stores it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NoTeam => "no_team",
            Kind::NoCapacity => "no_capacity",
            Kind::Rules => "rules",
            Kind::StageUntaken => "stage_untaken",
            Kind::SlaReassigned => "sla_reassigned",
            Kind::SlaStayed => "sla_stayed",
        }
    }
}

/// A warning line, and what it is about: `None` for the lines printed on
/// every run (rejected rows and value warnings: they belong to one export).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub key: Option<(Kind, String)>,
    pub text: String,
}

impl Warning {
    fn every_run(text: String) -> Warning {
        Warning { key: None, text }
    }

    fn about(kind: Kind, subject: &str, text: String) -> Warning {
        Warning { key: Some((kind, subject.to_string())), text }
    }
}

/// The problem lines of a run (see `warnings`).
pub fn problems(
    rules: &Rules,
    batch: &Batch,
    routed: Option<&Routed>,
    unknown_reps: Option<&UnknownReps>,
    owners_path: Option<&str>,
) -> Vec<String> {
    warnings(rules, batch, routed, unknown_reps, owners_path).into_iter().map(|w| w.text).collect()
}

/// The problem lines of a run with their keys, in a fixed order: malformed
/// rows, value warnings, owners naming unknown reps, leads no team took,
/// leads no rep could take, teams no rep could serve, then doubtful rules.
pub fn warnings(
    rules: &Rules,
    batch: &Batch,
    routed: Option<&Routed>,
    unknown_reps: Option<&UnknownReps>,
    owners_path: Option<&str>,
) -> Vec<Warning> {
    let mut out = Vec::new();
    let name = &batch.input.name;
    if let Some(first) = batch.rejects.first() {
        out.push(Warning::every_run(format!(
            "{name}: {} malformed rows were rejected (first at line {}: {})",
            batch.rejects.len(),
            first.line,
            first.error
        )));
    }
    for w in &batch.warnings {
        out.push(Warning::every_run(format!(
            "{name}: {} values in column '{}' could not be read (first at line {}: '{}')",
            w.count,
            w.column,
            w.first_line,
            crate::error::shorten(&w.first_value, 60)
        )));
    }
    if let (Some(u), Some(path)) = (unknown_reps, owners_path) {
        // Printed on every run, as rejected rows are: it is about a file's
        // contents, and a new misspelt rep in tomorrow's file is a new problem.
        out.push(Warning::every_run(format!(
            "{path}: {} rows name a rep the rules do not have (first at line {}: '{}'); their accounts have no \
                 owner",
            u.count, u.first_line, u.first_rep
        )));
    }
    // Doubtful rules, keyed by their text; a stage no team takes by its name
    // (in `assign` its line carries this run's count of leads in the stage).
    let untaken = crate::rules::lint::untaken_stages(rules);
    let mut lint: Vec<Warning> = crate::rules::lint::lint(rules)
        .into_iter()
        .map(|w| match untaken.iter().find(|&&s| w == crate::rules::lint::untaken_stage(rules, s, None)) {
            Some(&s) => Warning::about(Kind::StageUntaken, rules.stage_name(s), format!("rules: {w}")),
            None => Warning::about(Kind::Rules, &w, format!("rules: {w}")),
        })
        .collect();
    if let Some(r) = routed {
        out.extend(gone_rep_fields(rules, batch, r));
        out.extend(routing_problems(rules, batch, r));
        for &s in &untaken {
            let mut leads = batch.leads.iter().filter(|l| l.stage as usize == s);
            let key = Some((Kind::StageUntaken, rules.stage_name(s).to_string()));
            if let (Some(w), Some(first)) = (lint.iter_mut().find(|w| w.key == key), leads.next()) {
                let id = batch.lead_id(first);
                let run = Some((1 + leads.count() as u64, id.as_str()));
                w.text = format!("rules: {}", crate::rules::lint::untaken_stage(rules, s, run));
            }
        }
    }
    out.extend(lint);
    out
}

/// Leads written with a rep no longer in the rules (kept `assigned_before`):
/// their `@rep.KEY` cells are empty, which may clear the owner in the CRM
/// (docs/reference.md §7.5). One line per such rep, naming the keys; printed
/// on every run, as it is about the file just written.
fn gone_rep_fields(rules: &Rules, batch: &Batch, routed: &Routed) -> Vec<Warning> {
    let keys: Vec<&str> = rules.output.rep_fields().collect();
    if keys.is_empty() {
        return Vec::new();
    }
    // Per rep only the ledger names: how many leads are written, and the first.
    let mut gone: Vec<(u64, Option<&Lead>)> = vec![(0, None); routed.memory.extra_reps.len()];
    for (lead, a) in batch.leads.iter().zip(&routed.assignments) {
        if let Some(r) = a.rep().and_then(|r| r.checked_sub(rules.reps.len()))
            && routed.writes(rules.output.rows, lead, a)
            && let Some(slot) = gone.get_mut(r)
        {
            slot.0 += 1;
            slot.1.get_or_insert(lead);
        }
    }
    let keys = keys.iter().map(|k| format!("'@rep.{k}'")).collect::<Vec<_>>().join(", ");
    gone.iter()
        .zip(&routed.memory.extra_reps)
        .filter_map(|((n, first), rep)| {
            let first = (*first)?;
            Some(Warning::every_run(format!(
                "{n} leads written with rep '{}', who is no longer in the rules, have {keys} empty (the CRM may \
                 clear their owner); give a [[reps]] entry named so its fields, or reassign them (first: {})",
                crate::error::printable(rep),
                batch.lead_id(first)
            )))
        })
        .collect()
}

fn routing_problems(rules: &Rules, batch: &Batch, routed: &Routed) -> Vec<Warning> {
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
            let stage = rules.stage_name(s);
            out.push(Warning::about(
                Kind::NoTeam,
                stage,
                format!(
                    "{n} leads in stage '{stage}' got no_team: no team's `when` held for them (first: {})",
                    id(first)
                ),
            ));
        }
    }
    // Per team, one condition and one line: leads that got no_capacity, and
    // whether the team received leads that none of its reps could take.
    for (t, team) in rules.teams.iter().enumerate() {
        let serves = rules.reps.iter().enumerate().any(|(i, r)| {
            let earlier = routed.memory.period_taken[i];
            r.team == t
                && r.active
                && !r.away_on(as_of)
                && r.limits.capacity != Some(0)
                && r.limits.counted().iter().zip(earlier).all(|(limit, n)| limit.is_none_or(|l| n < l))
        });
        let unserved = received[t] && !serves;
        let name = &team.name;
        let text = match (no_capacity[t], unserved) {
            ((n, Some(first)), true) => format!(
                "{n} leads for team '{name}' got no_capacity: none of its reps could take one in this run (all \
                 inactive, away, at capacity 0 or at a limit) (first: {})",
                id(first)
            ),
            ((n, Some(first)), false) => format!(
                "{n} leads for team '{name}' got no_capacity: no rep there (or in its overflow) could take them \
                 (first: {})",
                id(first)
            ),
            ((_, None), true) => format!(
                "team '{name}' received leads, but none of its reps could take one in this run (all inactive, away, \
                 at capacity 0 or at a limit)"
            ),
            ((_, None), false) => continue,
        };
        out.push(Warning::about(Kind::NoCapacity, name, text));
    }
    out.extend(sla_problems(batch, routed, rules));
    out
}

/// Leads that missed their SLA (docs/reference.md §11.4): per team that missed it, those
/// moved and those that stayed, each with its first lead in rank order.
fn sla_problems(batch: &Batch, routed: &Routed, rules: &Rules) -> Vec<Warning> {
    if routed.missed.is_empty() {
        return Vec::new();
    }
    // (team name, moved) -> (count, first lead), in the order first met.
    let mut groups: Vec<((String, bool), u64, &Lead)> = Vec::new();
    for lead in &batch.leads {
        let Some((m, moved)) = routed.missed.get(&lead.index) else { continue };
        let team = m.team.map_or_else(|| "(no team)".to_string(), |t| routed.team_name(rules, t).to_string());
        let key = (team, *moved);
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1 += 1,
            None => groups.push((key, 1, lead)),
        }
    }
    // Moved first, then stayed; teams by name.
    groups.sort_by(|a, b| (!a.0.1, &a.0.0).cmp(&(!b.0.1, &b.0.0)));
    groups
        .into_iter()
        .map(|((team, moved), n, first)| {
            let id = batch.lead_id(first);
            if moved {
                Warning::about(
                    Kind::SlaReassigned,
                    &team,
                    format!(
                        "{n} leads of team '{team}' missed their SLA (not touched in time) and were reassigned to \
                         another rep (first: {id})"
                    ),
                )
            } else {
                Warning::about(
                    Kind::SlaStayed,
                    &team,
                    format!(
                        "{n} leads of team '{team}' missed their SLA (not touched in time) and stayed with their rep: \
                         no other rep could take them, or [routing] sla_reassign_max was reached (first: {id})"
                    ),
                )
            }
        })
        .collect()
}
