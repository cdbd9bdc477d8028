//! The run summary: built once from the results, then rendered either as
//! tables for people (drawn for a terminal, plain for a pipe or a cron mail) or
//! as JSON with stable keys for scripts. Rendering is pure: it returns a String.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::table::{num, right, table, text};
use crate::engine::batch::Batch;
use crate::engine::route::{Assignment, Reason, Routed};
use crate::error::printable;
use crate::output::REJECTS_SHOWN;
use crate::rules::Rules;
use crate::support::num::Cents;

#[derive(Serialize, Debug, Clone)]
pub struct RejectedRow {
    pub line: usize,
    pub error: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct StageRow {
    pub stage: String,
    pub leads: u64,
}

#[derive(Serialize, Debug, Clone)]
pub struct RepRow {
    pub rep: String,
    pub team: String,
    pub active: bool,
    pub taken: u64,
    pub capacity: Option<u64>,
    /// Mean score of the leads taken, to hundredths; null when none.
    pub mean_score: Option<f64>,
    /// Limits counted across runs: with a ledger always (null when the rep
    /// has none), else only when the rep has one (runs without the ledger's
    /// keys keep the JSON they had).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_day: Option<Option<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_week: Option<Option<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_month: Option<Option<u64>>,
    /// With a ledger: leads taken in the balance window, this run's included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_taken: Option<u64>,
    /// Whether the rep is away on the as-of date (`away`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub away: bool,
}

/// With `--ledger`: where the run's memory lives and what was recorded.
#[derive(Serialize, Debug, Clone)]
pub struct LedgerFigures {
    pub path: String,
    /// The run's number in the ledger; null for a dry run.
    pub run: Option<i64>,
    pub dry_run: bool,
}

/// Leads that kept a rep who could not take them now (inactive, away or no
/// longer in the rules): by rep.
#[derive(Serialize, Debug, Clone)]
pub struct KeptRow {
    pub rep: String,
    /// `inactive`, `away` or `not in the rules`.
    pub why: &'static str,
    pub leads: u64,
    pub first_id: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct TeamRow {
    /// The team name; null for leads that never reached a team.
    pub team: Option<String>,
    pub assigned: u64,
    /// Leads not assigned, by reason (every reason, zeros included).
    pub not_assigned: BTreeMap<&'static str, u64>,
}

#[derive(Serialize, Debug, Clone)]
pub struct GradeRow {
    pub grade: String,
    pub leads: u64,
}

#[derive(Serialize, Debug, Clone)]
pub struct CrmRow {
    /// Leads whose CRM stage was above the rules' stage: they kept it.
    pub held_up: u64,
    /// Non-empty cells that no stage's `crm` lists (ignored).
    pub unknown_values: u64,
    /// The first of them: its line and value.
    pub first_unknown_line: Option<usize>,
    pub first_unknown_value: Option<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct WarningRow {
    pub column: String,
    pub count: u64,
    pub first_line: usize,
    /// The first value that could not be read.
    pub first_value: String,
}

#[derive(Serialize, Debug, Clone)]
pub struct Routing {
    pub assigned: u64,
    pub not_assigned: u64,
    pub reasons: BTreeMap<&'static str, u64>,
    /// `no_team` split by stage (every stage, zeros included): a lead in a
    /// stage no team takes is expected there, one in a stage some team takes is not.
    pub no_team_by_stage: BTreeMap<String, u64>,
    pub reps: Vec<RepRow>,
    pub teams: Vec<TeamRow>,
    /// With a ledger: leads that kept the rep an earlier run gave them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_before: Option<u64>,
    /// Of those, the ones whose rep cannot take leads now, by rep.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept_unavailable: Vec<KeptRow>,
    /// Reps away on the as-of date.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub away: Vec<String>,
    /// `[routing] balance_days`, with a ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance_days: Option<u32>,
}

/// Every figure of a run; the JSON keys are part of the interface.
#[derive(Serialize, Debug, Clone)]
pub struct Summary {
    pub command: String,
    pub input: String,
    pub as_of: String,
    pub rows_read: u64,
    pub well_formed: u64,
    pub rejected: u64,
    pub rejected_rows: Vec<RejectedRow>,
    /// Leads not routed as `duplicate`: a repeated id or (with `[input] email`) email.
    pub duplicates: u64,
    /// With `[input] email`: of `duplicates`, those whose id is new but whose
    /// email an earlier lead has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_emails: Option<u64>,
    pub missing_ids: u64,
    pub stages: Vec<StageRow>,
    /// With `[grades]`: leads per grade, fit bands then engagement bands in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grades: Option<Vec<GradeRow>>,
    /// With `[input] current_stage`: what the CRM stages did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crm_stage: Option<CrmRow>,
    pub warnings: Vec<WarningRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing: Option<Routing>,
    /// `score --outcome`: conversion per stage, per score decile, per threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration: Option<crate::analyst::calibrate::Calibration>,
    /// With `--ledger`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ledger: Option<LedgerFigures>,
    pub elapsed_seconds: f64,
    pub rows_per_second: f64,
}

impl Summary {
    pub fn build(
        command: &str,
        rules: &Rules,
        batch: &Batch,
        as_of: i32,
        routing: Option<&Routed>,
        elapsed: Duration,
    ) -> Summary {
        let mut per_stage = vec![0u64; rules.stages.len() + 1];
        for l in &batch.leads {
            per_stage[l.stage as usize] += 1;
        }
        let stages = per_stage
            .iter()
            .enumerate()
            .filter(|&(i, &n)| i < rules.stages.len() || n > 0)
            .map(|(i, &n)| StageRow { stage: rules.stage_name(i).to_string(), leads: n })
            .collect();
        let secs = elapsed.as_secs_f64();
        let grades = rules.grades.as_ref().map(|g| {
            let mut counts = vec![vec![0u64; g.engagement.len()]; g.fit.len()];
            for l in &batch.leads {
                let (f, e) = g.bands(l.fit(), l.engagement());
                counts[f][e] += 1;
            }
            let rows = g.fit.iter().zip(counts).flat_map(|(f, row)| {
                g.engagement
                    .iter()
                    .zip(row)
                    .map(move |(e, leads)| GradeRow { grade: format!("{}{}", f.grade, e.grade), leads })
            });
            rows.collect()
        });
        let crm_stage = batch.crm.as_ref().map(|c| CrmRow {
            held_up: c.held_up,
            unknown_values: c.unknown,
            first_unknown_line: c.first_unknown.as_ref().map(|f| f.0),
            first_unknown_value: c.first_unknown.as_ref().map(|f| f.1.clone()),
        });
        Summary {
            command: command.to_string(),
            input: batch.input.name.clone(),
            as_of: crate::support::date::format_day(as_of),
            rows_read: batch.rows_read,
            well_formed: batch.well_formed(),
            rejected: batch.rejects.len() as u64,
            rejected_rows: batch
                .rejects
                .iter()
                .take(REJECTS_SHOWN)
                .map(|r| RejectedRow { line: r.line, error: r.error.clone() })
                .collect(),
            duplicates: batch.duplicates,
            duplicate_emails: rules.input.email.is_some().then_some(batch.email_duplicates),
            missing_ids: batch.missing_ids,
            stages,
            grades,
            crm_stage,
            warnings: batch
                .warnings
                .iter()
                .map(|w| WarningRow {
                    column: w.column.clone(),
                    count: w.count,
                    first_line: w.first_line,
                    first_value: w.first_value.clone(),
                })
                .collect(),
            routing: routing.map(|r| routing_figures(rules, batch, r)),
            calibration: None,
            ledger: None,
            elapsed_seconds: (secs * 1000.0).round() / 1000.0,
            rows_per_second: if secs > 0.0 { (batch.rows_read as f64 / secs).round() } else { 0.0 },
        }
    }
}

fn routing_figures(rules: &Rules, batch: &Batch, routed: &Routed) -> Routing {
    let (assignments, taken, memory) = (&routed.assignments, &routed.taken, &routed.memory);
    let mut score_sum = vec![0i128; rules.reps.len()];
    let team_row = |name: &str| TeamRow {
        team: Some(name.to_string()),
        assigned: 0,
        not_assigned: Reason::UNASSIGNED.iter().map(|r| (r.as_str(), 0)).collect(),
    };
    let mut team_rows: Vec<TeamRow> = rules.teams.iter().map(|t| team_row(&t.name)).collect();
    team_rows.extend(memory.extra_teams.iter().map(|t| team_row(t)));
    let mut no_team = TeamRow { team: None, ..team_row("") };
    let mut no_team_by_stage: BTreeMap<String, u64> =
        (0..rules.stages.len()).map(|s| (rules.stage_name(s).to_string(), 0)).collect();
    let mut reasons: BTreeMap<&'static str, u64> =
        Reason::ALL.iter().filter(|&&r| !r.needs_ledger() || memory.ledger).map(|r| (r.as_str(), 0)).collect();
    let (mut assigned, mut not_assigned) = (0, 0);
    let mut kept: BTreeMap<usize, KeptRow> = BTreeMap::new();
    for (lead, a) in batch.leads.iter().zip(assignments) {
        if a.reason == Reason::NoTeam {
            *no_team_by_stage.entry(rules.stage_name(lead.stage as usize).to_string()).or_insert(0) += 1;
        }
        *reasons.entry(a.reason.as_str()).or_insert(0) += 1;
        match (a.rep(), a.reason) {
            (Some(r), Reason::AssignedBefore) => {
                let why = match rules.reps.get(r) {
                    None => Some("not in the rules"),
                    Some(rep) if !rep.active => Some("inactive"),
                    Some(rep) if rep.away_on(memory.as_of) => Some("away"),
                    Some(_) => None,
                };
                if let Some(why) = why {
                    let row = kept.entry(r).or_insert_with(|| KeptRow {
                        rep: routed.rep_name(rules, r).to_string(),
                        why,
                        leads: 0,
                        first_id: batch.lead_id(lead).to_string(),
                    });
                    row.leads += 1;
                }
            }
            (Some(r), _) => score_sum[r] += lead.score().0 as i128,
            (None, _) => {}
        }
        let row = match a.team() {
            Some(t) => &mut team_rows[t],
            None => &mut no_team,
        };
        if a.reason.assigned() {
            row.assigned += 1;
            assigned += 1;
        } else {
            *row.not_assigned.entry(a.reason.as_str()).or_insert(0) += 1;
            not_assigned += 1;
        }
    }
    if no_team.not_assigned.values().any(|&n| n > 0) {
        team_rows.push(no_team);
    }
    let reps = rules
        .reps
        .iter()
        .enumerate()
        .map(|(r, rep)| RepRow {
            rep: rep.name.clone(),
            team: rules.teams[rep.team].name.clone(),
            active: rep.active,
            taken: taken[r],
            capacity: rep.limits.capacity,
            mean_score: (taken[r] > 0).then(|| mean_cents(score_sum[r], taken[r]).as_f64()),
            per_day: (memory.ledger || rep.limits.per_day.is_some()).then_some(rep.limits.per_day),
            per_week: (memory.ledger || rep.limits.per_week.is_some()).then_some(rep.limits.per_week),
            per_month: (memory.ledger || rep.limits.per_month.is_some()).then_some(rep.limits.per_month),
            window_taken: memory.ledger.then(|| memory.window_taken[r] + taken[r]),
            away: rep.away_on(memory.as_of),
        })
        .collect();
    Routing {
        assigned,
        not_assigned,
        reasons,
        no_team_by_stage,
        reps,
        teams: team_rows,
        assigned_before: memory.ledger.then(|| reasons_get(assignments, Reason::AssignedBefore)),
        kept_unavailable: kept.into_values().collect(),
        away: rules.reps.iter().filter(|r| r.away_on(memory.as_of)).map(|r| r.name.clone()).collect(),
        balance_days: memory.ledger.then_some(rules.balance_days),
    }
}

fn reasons_get(assignments: &[Assignment], reason: Reason) -> u64 {
    assignments.iter().filter(|a| a.reason == reason).count() as u64
}

/// Mean in hundredths, rounded half away from zero.
fn mean_cents(sum: i128, n: u64) -> Cents {
    let n = n as i128;
    let q = (2 * sum + sum.signum() * n) / (2 * n);
    Cents(q as i64)
}

/// Renders the summary as tables. `plain` for pipes and files.
pub fn render(s: &Summary, plain: bool) -> String {
    let mut out = String::new();
    let mut t = table(plain);
    t.set_header(vec!["rows", "count"]);
    t.add_row(vec![text("read"), right(s.rows_read)]);
    t.add_row(vec![text("well-formed"), right(s.well_formed)]);
    t.add_row(vec![text("rejected (malformed)"), right(s.rejected)]);
    match s.duplicate_emails {
        None => t.add_row(vec![text("duplicate ids"), right(s.duplicates)]),
        Some(by_email) => {
            t.add_row(vec![text("duplicate ids"), right(s.duplicates - by_email)]);
            t.add_row(vec![text("duplicate emails"), right(by_email)])
        }
    };
    t.add_row(vec![text("missing ids"), right(s.missing_ids)]);
    out.push_str(&format!("leadroute {} {} (as of {})\n", s.command, printable(&s.input), s.as_of));
    out.push_str(&t.to_string());
    out.push('\n');
    if !s.rejected_rows.is_empty() {
        let mut t = table(plain);
        t.set_header(vec!["rejected line", "error"]);
        for r in &s.rejected_rows {
            t.add_row(vec![right(r.line), text(&r.error)]);
        }
        out.push('\n');
        out.push_str(&t.to_string());
        out.push('\n');
        if s.rejected > s.rejected_rows.len() as u64 {
            out.push_str(&format!(
                "... and {} more (write them all with --rejects FILE)\n",
                s.rejected - s.rejected_rows.len() as u64
            ));
        }
    }
    let mut t = table(plain);
    t.set_header(vec!["stage", "leads"]);
    for st in &s.stages {
        t.add_row(vec![text(&st.stage), right(st.leads)]);
    }
    out.push('\n');
    out.push_str(&t.to_string());
    out.push('\n');
    if let Some(c) = &s.crm_stage {
        out.push_str(&format!("leads held up by their CRM stage: {}", c.held_up));
        if let (Some(line), Some(value)) = (c.first_unknown_line, &c.first_unknown_value) {
            out.push_str(&format!(
                "; CRM stage values no stage lists: {} (first at line {line}: '{}')",
                c.unknown_values,
                printable(value)
            ));
        }
        out.push('\n');
    }
    if let Some(grades) = &s.grades {
        let mut t = table(plain);
        t.set_header(vec!["grade", "leads"]);
        for g in grades {
            t.add_row(vec![text(&g.grade), right(g.leads)]);
        }
        out.push('\n');
        out.push_str(&t.to_string());
        out.push('\n');
    }
    if let Some(r) = &s.routing {
        let mut t = table(plain);
        let limits =
            r.reps.iter().any(|p| p.per_day.flatten().or(p.per_week.flatten()).or(p.per_month.flatten()).is_some());
        let mut header = vec!["rep", "team", "taken", "capacity"];
        if let Some(days) = r.balance_days {
            header.insert(3, if days == 1 { "in window (1 day)" } else { "in window" });
        }
        if limits {
            header.extend(["per day", "per week", "per month"]);
        }
        header.push("mean score");
        t.set_header(header);
        let limit = |v: Option<u64>| right(v.map_or("-".to_string(), |c| c.to_string()));
        for rep in &r.reps {
            let name = match (rep.active, rep.away) {
                (false, _) => format!("{} (inactive)", rep.rep),
                (true, true) => format!("{} (away)", rep.rep),
                (true, false) => rep.rep.clone(),
            };
            let mut row = vec![text(name), text(&rep.team), right(rep.taken)];
            if let Some(w) = rep.window_taken {
                row.push(right(w));
            }
            row.push(limit(rep.capacity));
            if limits {
                row.extend([
                    limit(rep.per_day.flatten()),
                    limit(rep.per_week.flatten()),
                    limit(rep.per_month.flatten()),
                ]);
            }
            row.push(right(rep.mean_score.map_or("-".to_string(), num)));
            t.add_row(row);
        }
        out.push('\n');
        out.push_str(&t.to_string());
        out.push('\n');
        let mut t = table(plain);
        let mut header = vec!["team".to_string(), "assigned".to_string()];
        header.extend(Reason::UNASSIGNED.iter().map(|r| r.as_str().to_string()));
        t.set_header(header);
        for team in &r.teams {
            let mut row = vec![text(team.team.as_deref().unwrap_or("(no team)")), right(team.assigned)];
            for reason in Reason::UNASSIGNED {
                row.push(right(team.not_assigned.get(reason.as_str()).copied().unwrap_or(0)));
            }
            t.add_row(row);
        }
        out.push('\n');
        out.push_str(&t.to_string());
        out.push('\n');
        match r.assigned_before {
            Some(before) => out.push_str(&format!(
                "assigned {} ({} new, {before} assigned_before), not assigned {}\n",
                r.assigned,
                r.assigned - before,
                r.not_assigned
            )),
            None => out.push_str(&format!("assigned {}, not assigned {}\n", r.assigned, r.not_assigned)),
        }
        for k in &r.kept_unavailable {
            out.push_str(&format!(
                "kept rep {} ({}) for {} leads assigned before (first: {})\n",
                printable(&k.rep),
                k.why,
                k.leads,
                printable(&k.first_id)
            ));
        }
        if !r.away.is_empty() {
            out.push_str(&format!("away on {}: {}\n", s.as_of, printable(&r.away.join(", "))));
        }
        if r.no_team_by_stage.values().any(|&n| n > 0) {
            let parts: Vec<String> = s
                .stages
                .iter()
                .filter_map(|st| r.no_team_by_stage.get(&st.stage).map(|n| format!("{} {n}", st.stage)))
                .collect();
            out.push_str(&format!("no_team by stage: {}\n", printable(&parts.join(", "))));
        }
    }
    if let Some(c) = &s.calibration {
        out.push_str(&super::terminal::calibration(c, plain));
    }
    if !s.warnings.is_empty() {
        let mut t = table(plain);
        t.set_header(vec!["column", "value warnings", "first line", "first value"]);
        for w in &s.warnings {
            t.add_row(vec![
                text(&w.column),
                right(w.count),
                right(w.first_line),
                text(crate::error::shorten(&w.first_value, 40)),
            ]);
        }
        out.push('\n');
        out.push_str(&t.to_string());
        out.push('\n');
    }
    if let Some(l) = &s.ledger {
        match l.run {
            Some(n) => out.push_str(&format!("\nledger {}: recorded as run {n}\n", l.path)),
            None => out.push_str(&format!("\nledger {}: dry run, nothing recorded\n", l.path)),
        }
    }
    out.push_str(&format!(
        "\n{} rows in {:.3} s ({} rows/s)\n",
        s.rows_read, s.elapsed_seconds, s.rows_per_second as u64
    ));
    out
}

/// The summary as pretty JSON with a trailing newline.
pub fn to_json(s: &Summary) -> String {
    super::json_text(s).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}\n"))
}
