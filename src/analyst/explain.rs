//! One lead's full story: every criterion (column, cell, held, points), the
//! caps, every stage test, and the routing steps as they happened in the full
//! batch run (the lead is routed in its rank among all the others).

use serde::Serialize;

use crate::engine::batch::{Batch, Lead};
use crate::engine::input::{LineCounter, RecordReader};
use crate::engine::route::{Router, Step};
use crate::engine::score::{RowScore, RowScorer};
use crate::rules::{Group, Rules, keys};
use crate::support::identity::email_key;
use crate::support::num::Cents;

#[derive(Serialize, Debug)]
pub struct CriterionLine {
    pub criterion: String,
    pub group: &'static str,
    pub column: String,
    pub cell: String,
    pub test: String,
    pub held: bool,
    pub points: String,
    pub disqualify: bool,
}

#[derive(Serialize, Debug)]
pub struct StageTest {
    pub stage: String,
    pub test: String,
    pub value: String,
    pub needed: String,
    pub holds: bool,
}

#[derive(Serialize, Debug)]
pub struct RoutingStory {
    pub steps: Vec<Step>,
    pub team: Option<String>,
    pub rep: Option<String>,
    pub reason: &'static str,
}

#[derive(Serialize, Debug)]
pub struct Explanation {
    pub id: String,
    pub input: String,
    pub line: usize,
    pub rank: usize,
    pub of: usize,
    /// Lines of later rows with the same id (they are routed as `duplicate`).
    pub duplicate_lines: Vec<usize>,
    /// With `[input] email` and a non-empty email: the rows that share it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_email: Option<SameEmail>,
    pub criteria: Vec<CriterionLine>,
    /// Fit: the sum of the criteria, then capped by `max_fit`, then as the
    /// lead keeps it and the CSV writes it (saturated, see `batch::Lead`).
    pub fit_sum: String,
    pub fit_capped: String,
    pub fit: String,
    pub engagement_sum: String,
    pub engagement_capped: String,
    pub engagement: String,
    /// As the CSV writes it.
    pub score: String,
    pub stage_tests: Vec<StageTest>,
    /// With `[input] current_stage`: what the CRM stage cell did.
    pub crm_stage: Option<String>,
    pub stage: String,
    /// With `[grades]`: the lead's grade.
    pub grade: Option<String>,
    pub routing: Option<RoutingStory>,
    /// The lead's routing decision, for its output row (None without teams).
    #[serde(skip)]
    pub assignment: Option<crate::engine::route::Assignment>,
    /// With `[output] columns` or `rows`: the lead's row as the CSV writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<OutputRow>,
}

/// A lead's row of the assignment CSV (docs/reference.md §7.5).
#[derive(Serialize, Debug)]
pub struct OutputRow {
    /// `[output] rows`.
    pub rows: &'static str,
    /// The CSV's header line and the lead's line, as written (without line ends).
    pub header: String,
    pub row: String,
    /// Whether `rows` writes the lead.
    pub written: bool,
}

/// The other rows with a lead's email key (`[input] email`).
#[derive(Serialize, Debug)]
pub struct SameEmail {
    /// The key compared (trimmed, lower-cased, gmail dots and `+tags` dropped).
    pub email: String,
    /// The first row in input order with the same email, when it comes before
    /// the lead (the lead is then a `duplicate`): its id and line.
    pub earlier: Option<(String, usize)>,
    /// Lines of later rows with the same email (duplicates of this lead).
    pub later_lines: Vec<usize>,
}

/// The rows that share the lead's email, when `[input] email` is set and the
/// lead's email is not empty.
fn same_email(batch: &Batch, lead: &Lead) -> Option<SameEmail> {
    let col = batch.plan.email_col?;
    let text = &batch.input.text;
    let mut rr = RecordReader::new(batch.delimiter);
    let mut buf = String::new();
    let rec = rr.read(text, lead.offset)?;
    let email = email_key(rec.fields.cell(col), &mut buf).to_string();
    if email.is_empty() {
        return None;
    }
    let mut same: Vec<(u32, usize, Option<String>)> = Vec::new();
    for other in &batch.leads {
        if other.index != lead.index
            && let Some(rec) = rr.read(text, other.offset)
            && email_key(rec.fields.cell(col), &mut buf) == email
        {
            same.push((other.index, other.offset, batch.plan.id_col.map(|col| rec.fields.cell(col).to_string())));
        }
    }
    same.sort_unstable();
    // In input order, so the line counter only moves forward.
    let mut lc = LineCounter::default();
    let mut earlier = None;
    let mut later_lines = Vec::new();
    for (i, offset, id) in same {
        let line = lc.line_at(text.as_bytes(), offset);
        if i < lead.index {
            // Under `id = "@line"` the line is the id.
            earlier.get_or_insert((id.unwrap_or_else(|| line.to_string()), line));
        } else {
            later_lines.push(line);
        }
    }
    Some(SameEmail { email, earlier, later_lines })
}

/// Finds the rows whose trimmed id is `id`, in input order: (rank position, line).
pub fn find(batch: &Batch, id: &str) -> Vec<(usize, usize)> {
    let Some(id_col) = batch.plan.id_col else { return find_line(batch, id) };
    let mut rr = RecordReader::new(batch.delimiter);
    let mut hits: Vec<(u32, usize, usize)> = Vec::new();
    for (pos, lead) in batch.leads.iter().enumerate() {
        if let Some(rec) = rr.read(&batch.input.text, lead.offset)
            && rec.fields.cell(id_col) == id
        {
            hits.push((lead.index, pos, lead.offset));
        }
    }
    hits.sort_unstable();
    let mut lc = LineCounter::default();
    hits.into_iter().map(|(_, pos, off)| (pos, lc.line_at(batch.input.text.as_bytes(), off))).collect()
}

/// Under `[input] id = "@line"`: the lead whose line is `id`, written as a
/// line number is (`17`, not `017`), if a well-formed row starts there.
fn find_line(batch: &Batch, id: &str) -> Vec<(usize, usize)> {
    let Some(line) = id.parse::<usize>().ok().filter(|n| n.to_string() == id) else { return Vec::new() };
    let mut by_input: Vec<(u32, usize, usize)> =
        batch.leads.iter().enumerate().map(|(pos, l)| (l.index, pos, l.offset)).collect();
    by_input.sort_unstable();
    let mut lc = LineCounter::default();
    let text = batch.input.text.as_bytes();
    by_input
        .into_iter()
        .find(|&(_, _, off)| lc.line_at(text, off) == line)
        .map(|(_, pos, _)| vec![(pos, line)])
        .unwrap_or_default()
}

/// Under `[input] id = "@line"`: the lines well-formed rows start on, first
/// and last, for the "unknown id" message.
pub fn line_span(batch: &Batch) -> Option<(usize, usize)> {
    let first = batch.leads.iter().min_by_key(|l| l.index)?;
    let last = batch.leads.iter().max_by_key(|l| l.index)?;
    let mut lc = LineCounter::default();
    let text = batch.input.text.as_bytes();
    Some((lc.line_at(text, first.offset), lc.line_at(text, last.offset)))
}

/// Up to three ids close to `id`, for the "unknown id" message (none under
/// `id = "@line"`).
pub fn close_ids(batch: &Batch, id: &str) -> Vec<String> {
    let Some(id_col) = batch.plan.id_col else { return Vec::new() };
    let mut rr = RecordReader::new(batch.delimiter);
    let mut scored: Vec<(f64, String)> = Vec::new();
    for lead in &batch.leads {
        if let Some(rec) = rr.read(&batch.input.text, lead.offset) {
            let other = rec.fields.cell(id_col);
            let s = strsim::jaro_winkler(&id.to_lowercase(), &other.to_lowercase());
            if s > 0.7 {
                scored.push((s, other.to_string()));
            }
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, s)| s).collect()
}

/// Explains the lead at rank position `pos` of a ranked batch.
pub fn explain(
    rules: &Rules,
    batch: &Batch,
    hits: &[(usize, usize)],
    owners: &crate::engine::owners::Owners,
    memory: &crate::engine::route::Memory,
) -> Explanation {
    let (pos, line) = hits[0];
    let lead: &Lead = &batch.leads[pos];
    let plan = &batch.plan;
    let mut rr = RecordReader::new(batch.delimiter);
    let mut scratch = RowScorer::new(plan);
    let mut cells = Vec::new();
    let mut id = String::new();
    let mut s = RowScore::default();
    let mut crm_cell = String::new();
    if let Some((row, fields)) = batch.rescore(rules, lead, &mut rr, &mut scratch) {
        s = row;
        cells = plan.criteria.iter().map(|c| fields.str(plan.slots[c.cond.slot].col).to_string()).collect();
        if let Some(k) = plan.crm_slot {
            crm_cell = fields.cell(plan.slots[k].col).to_string();
        }
        id = match plan.id_col {
            Some(col) => fields.cell(col).to_string(),
            None => line.to_string(),
        };
    }
    let criteria: Vec<CriterionLine> = rules
        .criteria
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let slot = plan.criteria[i].cond.slot;
            let mut test = c.cond.test.describe();
            if let Some((n, op)) = c.cond.test.day_window() {
                let day = crate::support::date::format_day(
                    (plan.as_of as i64 - n).clamp(i32::MIN as i64, i32::MAX as i64) as i32,
                );
                test = format!("{test} ({op} {day})");
            }
            if scratch.bad[slot] {
                test.push_str(" [cell unreadable: value warning]");
            }
            if let (Some(d), Some(rd)) = (plan.decays.iter().find(|d| d.criterion == i), &c.decay) {
                let half = rd.half_life_days;
                test.push_str(&match scratch.decay_age(d, plan.as_of) {
                    Some(age) => {
                        let factor = (-(age as f64) / (half.0 as f64 / crate::support::num::DEC_SCALE as f64)).exp2();
                        format!("; decay on '{}': age {age} days, half-life {half}, factor {factor:.4}", rd.column)
                    }
                    None if scratch.bad[d.slot] => {
                        format!("; decay on '{}': date unreadable, so 0 points [value warning]", rd.column)
                    }
                    None => format!("; decay on '{}': no date, so 0 points", rd.column),
                });
            }
            CriterionLine {
                criterion: c.name.clone(),
                group: match c.group {
                    Group::Fit => "fit",
                    Group::Engagement => "engagement",
                },
                column: c.cond.column.clone(),
                cell: cells.get(i).cloned().unwrap_or_default(),
                test,
                held: scratch.held[i],
                points: scratch.contrib[i].to_string(),
                disqualify: c.disqualify,
            }
        })
        .collect();
    let sum = |g: Group| {
        rules
            .criteria
            .iter()
            .enumerate()
            .filter(|(_, c)| c.group == g)
            .fold(Cents::ZERO, |a, (i, _)| a + scratch.contrib[i])
    };
    let mut stage_tests = Vec::new();
    for (i, st) in rules.stages.iter().enumerate() {
        let mut push = |test: String, value: String, needed: String, holds: bool| {
            stage_tests.push(StageTest { stage: st.name.clone(), test, value, needed, holds })
        };
        if i == 0 {
            push("(default stage)".into(), String::new(), String::new(), true);
        }
        // The values as the CSV writes them; the tests compare them before a
        // lead keeps them (the same but beyond ±21,474,836.47: then both).
        for (name, min, v, shown) in [
            (keys::STAGES.min_score, st.min_score, s.score, lead.score()),
            (keys::STAGES.min_fit, st.min_fit, s.fit, lead.fit()),
            (keys::STAGES.min_engagement, st.min_engagement, s.engagement, lead.engagement()),
        ] {
            if let Some(m) = min {
                let value = if v == shown { v.to_string() } else { format!("{shown} ({v} before clamping)") };
                push(name.into(), value, format!("≥ {m}"), v >= m);
            }
        }
        for &c in &st.require {
            let held = scratch.held[c];
            push(
                format!("require '{}'", rules.criteria[c].name),
                if held { "held" } else { "did not hold" }.into(),
                "held".into(),
                held,
            );
        }
    }
    let crm_stage = plan.crm_slot.map(|_| {
        let column = rules.input.current_stage.as_deref().unwrap_or_default();
        let cell = crm_cell.clone();
        let rules_stage = crate::engine::stage::stage_of(rules, &s, &scratch.held);
        match plan.crm_stage.get(&cell.to_lowercase()) {
            _ if cell.is_empty() => format!("'{column}' is empty: no CRM stage"),
            None => format!("'{column}' is '{cell}', which no stage lists (crm): ignored"),
            Some(_) if s.disqualified => format!("'{column}' is '{cell}', but a disqualified lead stays disqualified"),
            Some(&crm) if crm > rules_stage => format!(
                "'{column}' is '{cell}' (stage '{}'), above '{}' by the rules: the lead keeps '{}' (stages move forward only)",
                rules.stage_name(crm),
                rules.stage_name(rules_stage),
                rules.stage_name(crm)
            ),
            Some(&crm) => format!(
                "'{column}' is '{cell}' (stage '{}'), not above '{}' by the rules",
                rules.stage_name(crm),
                rules.stage_name(rules_stage)
            ),
        }
    });
    let grade = rules.grades.as_ref().map(|g| g.of(s.fit, s.engagement));
    let mut assignment = None;
    let routing = (!rules.teams.is_empty()).then(|| {
        let mut router = Router::new(rules, batch, owners, memory);
        let mut steps = Vec::new();
        let mut result = None;
        for (k, l) in batch.leads.iter().enumerate() {
            if k == pos {
                result = Some(router.route(batch, l, Some(&mut steps)));
                break;
            }
            router.route(batch, l, None);
        }
        let a = result.expect("the lead is in the batch");
        assignment = Some(a);
        RoutingStory {
            steps,
            team: a.team().map(|t| router.team_name(t).to_string()),
            rep: a.rep().map(|r| router.rep_name(r).to_string()),
            reason: a.reason.as_str(),
        }
    });
    Explanation {
        id,
        input: batch.input.name.clone(),
        line,
        rank: pos + 1,
        of: batch.leads.len(),
        duplicate_lines: hits[1..].iter().map(|h| h.1).collect(),
        same_email: same_email(batch, lead),
        criteria,
        fit_sum: sum(Group::Fit).to_string(),
        fit_capped: s.fit.to_string(),
        fit: lead.fit().to_string(),
        engagement_sum: sum(Group::Engagement).to_string(),
        engagement_capped: s.engagement.to_string(),
        engagement: lead.engagement().to_string(),
        score: lead.score().to_string(),
        stage_tests,
        crm_stage,
        stage: rules.stage_name(lead.stage as usize).to_string(),
        grade,
        routing,
        assignment,
        output: None,
    }
}
