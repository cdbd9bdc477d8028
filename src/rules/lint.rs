//! Rules that are valid but probably not what their author meant: `check`
//! reports them as warnings (they never fail a run). Each names the thing and
//! says why it looks wrong.

use super::{AccountMatch, Rules, Test};
use crate::support::worktime::{Calendar, MON_TO_FRI};

/// Warnings about valid but doubtful rules, in file order.
pub fn lint(rules: &Rules) -> Vec<String> {
    let mut w = Vec::new();
    if rules.input.account_match == AccountMatch::Normalized && rules.input.account.is_none() {
        w.push(
            "[input] account_match = \"normalized\" has no effect without `account` (the column of the account key)"
                .to_string(),
        );
    }
    for c in &rules.criteria {
        match &c.cond.test {
            Test::In(l) | Test::ContainsAny(l) | Test::StartsWithAny(l) | Test::EndsWithAny(l) if l.is_empty() => {
                w.push(format!("criterion '{}': its list is empty, so it never holds", c.name));
            }
            Test::Range { gte, gt, lte, lt } => {
                let low = gte.or(*gt);
                let high = lte.or(*lt);
                if let (Some(lo), Some(hi)) = (low, high)
                    && (lo > hi || lo == hi && (gt.is_some() || lt.is_some()))
                {
                    w.push(format!(
                        "criterion '{}': the range is empty ({}), so it never holds",
                        c.name,
                        c.cond.test.describe()
                    ));
                }
            }
            Test::In(_)
            | Test::ContainsAny(_)
            | Test::StartsWithAny(_)
            | Test::EndsWithAny(_)
            | Test::Equals(_)
            | Test::NotIn(_)
            | Test::Present(_)
            | Test::WithinDays(_)
            | Test::OlderThanDays(_)
            | Test::Per(_) => {}
        }
        if c.disqualify && c.points.0 != 0 {
            w.push(format!(
                "criterion '{}': a disqualify criterion scores no points; its points ({}) are ignored",
                c.name, c.points
            ));
        }
    }
    let mut prev: Option<(&str, i64)> = None;
    for (i, st) in rules.stages.iter().enumerate().skip(1) {
        if st.min_score.is_none() && st.min_fit.is_none() && st.min_engagement.is_none() && st.require.is_empty() {
            w.push(format!(
                "stage '{}' has no tests: every lead reaches it, so the stages before it are never assigned",
                st.name
            ));
        }
        if let Some(m) = st.min_score {
            if let Some((p, pm)) = prev
                && m.0 < pm
            {
                w.push(format!(
                    "stage '{}' (min_score {m}) starts below stage '{p}' before it: stages are listed lowest first",
                    st.name
                ));
            }
            prev = Some((rules.stages[i].name.as_str(), m.0));
        }
    }
    let crm_values = rules.stages.iter().any(|st| !st.crm.is_empty());
    match (&rules.input.current_stage, crm_values) {
        (Some(column), false) => w.push(format!(
            "[input] current_stage = '{column}', but no stage lists `crm` values: the CRM stage never applies"
        )),
        (None, true) => {
            w.push("stages list `crm` values, but [input] has no current_stage column: they are never read".to_string())
        }
        _ => {}
    }
    for st in untaken_stages(rules) {
        w.push(untaken_stage(rules, st, None));
    }
    let overflow_of_some = |t: usize| rules.teams.iter().any(|o| o.overflow == Some(t));
    for (t, team) in rules.teams.iter().enumerate() {
        let reps: Vec<_> = rules.reps.iter().filter(|r| r.team == t).collect();
        let active = reps.iter().filter(|r| r.active).count();
        if active == 0 && team.overflow.is_none() {
            w.push(format!(
                "team '{}' has no active rep and no overflow: its leads will all be no_capacity",
                team.name
            ));
        } else if !reps.is_empty() && reps.iter().all(|r| r.limits.capacity == Some(0)) {
            w.push(format!("team '{}': every rep has capacity = 0, so no rep of it takes a lead", team.name));
        }
        if team.every_stage {
            w.push(format!(
                "team '{}' has no `stages`: it takes every stage but disqualified, the lowest ('{}') included",
                team.name,
                rules.stage_name(0)
            ));
        }
        if !team.stages.iter().any(|&s| s) && !overflow_of_some(t) {
            w.push(format!("team '{}' takes no stage (stages = []): it never gets a lead", team.name));
        }
        // Earlier teams without `when` take every lead of their stages.
        let shadowed = team
            .stages
            .iter()
            .enumerate()
            .filter(|&(_, &takes)| takes)
            .all(|(s, _)| rules.teams[..t].iter().any(|e| e.when.is_empty() && e.stages[s]));
        if shadowed && team.stages.iter().any(|&s| s) && !overflow_of_some(t) {
            w.push(format!(
                "team '{}' can never receive a lead: earlier teams without `when` take all of its stages",
                team.name
            ));
        }
    }
    work_time(rules, &mut w);
    w
}

/// Working time (docs/reference.md §11.3): working days or holidays without
/// working hours count nothing (every minute counts); a team's own time zone
/// without working hours changes nothing. Once per calendar.
fn work_time(rules: &Rules, w: &mut Vec<String>) {
    let idle = |c: &Calendar| -> Option<&str> {
        let days = c.working_days() != MON_TO_FRI;
        let holidays = !c.holidays().is_empty();
        match (c.hours(), days, holidays) {
            (Some(_), _, _) | (None, false, false) => None,
            (None, true, true) => Some("working_days and holidays count"),
            (None, true, false) => Some("working_days counts"),
            (None, false, true) => Some("holidays count"),
        }
    };
    if let Some(what) = idle(rules.calendar(None)) {
        w.push(format!("[routing] {what} nothing without working_hours: every minute counts"));
    }
    let mut seen = vec![false; rules.calendars.len()];
    seen[0] = true;
    for (t, team) in rules.teams.iter().enumerate() {
        let c = rules.calendar(Some(t));
        if let Some(zone) = &team.timezone
            && c.hours().is_none()
        {
            w.push(format!(
                "team '{}': timezone '{zone}' sets the zone of working hours only, and the team has no working_hours: \
                 it changes nothing",
                team.name
            ));
        }
        if !std::mem::replace(&mut seen[team.calendar], true)
            && let Some(what) = idle(c)
        {
            w.push(format!("team '{}': {what} nothing without working_hours: every minute counts", team.name));
        }
    }
}

/// The stages above the lowest that no team takes, when the rules route at
/// all (they have teams): their leads can only ever get `no_team`. For the
/// top stage this is almost always a mistake (`stages = ["mql"]` on the only
/// team). A team takes a stage when its `stages` lists it or it has none.
pub fn untaken_stages(rules: &Rules) -> Vec<usize> {
    if rules.teams.is_empty() {
        return Vec::new();
    }
    (1..rules.stages.len()).filter(|&s| !rules.teams.iter().any(|t| t.stages[s])).collect()
}

/// The warning for an untaken stage; `run` adds a run's count of leads in the
/// stage and the first one's id in rank order (`assign`).
pub fn untaken_stage(rules: &Rules, stage: usize, run: Option<(u64, &str)>) -> String {
    let name = rules.stage_name(stage);
    let leads = match run {
        Some((n, first)) => format!(" ({n} in this run, first: {first})"),
        None => String::new(),
    };
    format!(
        "stage '{name}' is taken by no team: its leads{leads} can only ever get no_team; list it in a team's `stages`"
    )
}
