//! `leadroute response` (docs/reference.md §11.6): speed to lead on the user's own data.
//! From a snapshot of the ledger and an export with `[input] touched`: how
//! fast each team and rep answered (working and wall-clock minutes), and,
//! with an outcome, how conversion falls with the wait.
//!
//! Pure: the batch (scored, with its touches and outcomes) and the ledger's
//! history in, the report out. Each assignment is credited as for the summary
//! (`engine::response::credit`).

use serde::Serialize;

use crate::engine::batch::Batch;
use crate::engine::response::{Tally, credit, nearest_rank, tally};
use crate::engine::route::{Held, Memory};
use crate::engine::sla::Touch;
use crate::rules::Rules;

/// The response-time buckets of the conversion table: upper bounds in
/// wall-clock minutes, each inclusive; then "> 24 h" and "never worked".
pub const BUCKETS: [(&str, i64); 5] =
    [("≤ 5 min", 5), ("≤ 30 min", 30), ("≤ 1 h", 60), ("≤ 4 h", 240), ("≤ 24 h", 1440)];

/// One team's or rep's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    pub team: String,
    /// None in the per-team rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rep: Option<String>,
    /// Assignments covered.
    pub assigned: u64,
    /// Worked while the rep held the lead.
    pub worked: u64,
    /// Nearest-rank median and 90th percentile of the response times: working
    /// minutes, and wall-clock minutes.
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
    pub median_wall_minutes: Option<i64>,
    pub p90_wall_minutes: Option<i64>,
    /// Worked within the SLA, of the assignments with an SLA that were worked
    /// (with a readable time) or missed: the count and the share.
    pub within_sla: u64,
    pub within_sla_share: Option<f64>,
    /// Not worked within the SLA.
    pub missed: u64,
}

/// One row of the conversion table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bucket {
    pub bucket: &'static str,
    /// Its upper bound in minutes (None: "> 24 h" and "never worked").
    pub max_minutes: Option<i64>,
    pub leads: u64,
    pub converted: u64,
    pub rate: Option<f64>,
    /// Fewer than 30 leads: a rate to read with care (as `score --outcome`'s `few`).
    pub few: bool,
}

/// The whole report (`--summary-json`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The clock, UTC, and the first day covered.
    pub as_of: String,
    pub since: String,
    /// Leads of the export with an assignment covered, and the assignments.
    pub leads: u64,
    pub assignments: u64,
    pub teams: Vec<Figures>,
    pub reps: Vec<Figures>,
    /// With `--outcome`: conversion by the wall-clock time from a lead's first
    /// assignment to its touch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversion: Option<Vec<Bucket>>,
    /// Leads whose touch could not be read: counted as worked, in no bucket
    /// and no response time.
    pub unreadable: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcomes_missing: Option<u64>,
}

/// A tally's figures, its response times sorted.
fn figures(mut t: Tally, team: String, rep: Option<String>) -> Figures {
    t.minutes.sort_unstable();
    t.wall.sort_unstable();
    Figures {
        team,
        rep,
        assigned: t.assigned,
        worked: t.worked,
        median_minutes: nearest_rank(&t.minutes, 0.5),
        p90_minutes: nearest_rank(&t.minutes, 0.9),
        median_wall_minutes: nearest_rank(&t.wall, 0.5),
        p90_wall_minutes: nearest_rank(&t.wall, 0.9),
        within_sla: t.within,
        within_sla_share: t.within_share(),
        missed: t.missed,
    }
}

/// The report over the assignments made from `since` (a day number, local
/// 00:00 in `[routing] timezone`) up to the clock.
pub fn report(rules: &Rules, batch: &Batch, memory: &Memory, since: i32, outcome: bool) -> Report {
    let zone = rules.zone();
    let from = crate::support::date::day_start(since, &zone).map_or(i64::MIN, |t| t.as_second());
    let clock = memory.clock;
    let covered = |h: &Held| h.at().is_some_and(|t| t >= from && t <= clock.as_second());
    // Per (rep, team), and per team; numbered as `Memory::before`'s.
    let mut reps: Vec<((usize, Option<usize>), Tally)> = Vec::new();
    let mut teams: Vec<(Option<usize>, Tally)> = Vec::new();
    let mut buckets = [(0u64, 0u64); BUCKETS.len() + 2];
    let (mut leads, mut assignments, mut unreadable) = (0u64, 0u64, 0u64);
    for lead in &batch.leads {
        let Some(history) = memory.history.get(lead.index) else { continue };
        if !history.iter().any(covered) {
            continue;
        }
        leads += 1;
        let touch = batch.touched[lead.index as usize];
        for (i, h) in history.iter().enumerate() {
            if !covered(h) {
                continue;
            }
            assignments += 1;
            let credited = credit(rules, history, i, lead.stage as usize, touch, clock);
            let wall = match (touch, h.at()) {
                (Touch::At(t), Some(at)) => Some((t - at) / 60),
                _ => None,
            };
            tally(&mut reps, (h.rep(), h.team())).add(credited, wall);
            tally(&mut teams, h.team()).add(credited, wall);
        }
        // The speed-to-lead curve: from the lead's first assignment to its touch.
        if outcome {
            let Some(first) = history.iter().find_map(Held::at).filter(|&t| t >= from) else { continue };
            let k = match touch {
                Touch::Unreadable => {
                    unreadable += 1;
                    continue;
                }
                Touch::At(t) if t >= first => {
                    let minutes = (t - first) / 60;
                    BUCKETS.iter().position(|&(_, max)| minutes <= max).unwrap_or(BUCKETS.len())
                }
                // Not touched, or touched before leadroute gave it out (someone else's).
                _ => BUCKETS.len() + 1,
            };
            buckets[k].0 += 1;
            buckets[k].1 += u64::from(batch.outcomes.get(lead.index as usize).copied().unwrap_or(false));
        } else if touch == Touch::Unreadable {
            unreadable += 1;
        }
    }
    reps.sort_by_key(|(k, _)| *k);
    teams.sort_by_key(|(k, _)| *k);
    let team_name = |t: Option<usize>| t.map_or_else(String::new, |t| name(&rules.teams, &memory.extra_teams, t));
    let conversion = outcome.then(|| {
        let labels = BUCKETS.iter().map(|&(l, m)| (l, Some(m))).chain([("> 24 h", None), ("never worked", None)]);
        labels
            .zip(buckets)
            .map(|((bucket, max_minutes), (leads, converted))| Bucket {
                bucket,
                max_minutes,
                leads,
                converted,
                rate: (leads > 0).then(|| converted as f64 / leads as f64),
                few: leads < crate::analyst::calibrate::FEW,
            })
            .collect()
    });
    Report {
        as_of: crate::support::date::format_utc(clock),
        since: crate::support::date::format_day(since),
        leads,
        assignments,
        teams: teams.into_iter().map(|(t, a)| figures(a, team_name(t), None)).collect(),
        reps: reps
            .into_iter()
            .map(|((r, t), a)| {
                let rep = rules.reps.get(r).map_or_else(
                    || memory.extra_reps.get(r - rules.reps.len()).cloned().unwrap_or_default(),
                    |p| p.name.clone(),
                );
                figures(a, team_name(t), Some(rep))
            })
            .collect(),
        conversion,
        unreadable,
        outcomes_missing: batch.plan.outcomes.as_ref().map(|_| batch.outcomes_missing),
    }
}

fn name(teams: &[crate::rules::Team], extra: &[String], t: usize) -> String {
    teams.get(t).map_or_else(|| extra.get(t - teams.len()).cloned().unwrap_or_default(), |x| x.name.clone())
}
