//! One lead's full story: every criterion (column, cell, held, points), the
//! caps, every stage test, and the routing steps as they happened in the full
//! batch run (the lead is routed in its rank among all the others).

use serde::Serialize;

use crate::input::{LineCounter, RecordReader};
use crate::num::Cents;
use crate::pipeline::{Batch, Lead};
use crate::route::{Router, Step};
use crate::rules::{Group, Rules, Test};
use crate::score::{RowScore, Scratch};

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
    pub criteria: Vec<CriterionLine>,
    pub fit_sum: String,
    pub fit: String,
    pub engagement_sum: String,
    pub engagement: String,
    pub score: String,
    pub stage_tests: Vec<StageTest>,
    pub stage: String,
    pub routing: Option<RoutingStory>,
}

/// Finds the rows whose trimmed id is `id`, in input order: (rank position, line).
pub fn find(batch: &Batch, id: &str) -> Vec<(usize, usize)> {
    let mut rr = RecordReader::new(batch.delimiter);
    let mut hits: Vec<(u32, usize, usize)> = Vec::new();
    for (pos, lead) in batch.leads.iter().enumerate() {
        if let Some(rec) = rr.read(&batch.input.text, lead.offset)
            && rec.fields.cell(batch.plan.id_col) == id
        {
            hits.push((lead.index, pos, lead.offset));
        }
    }
    hits.sort_unstable();
    let mut lc = LineCounter::default();
    hits.into_iter().map(|(_, pos, off)| (pos, lc.line_at(batch.input.text.as_bytes(), off))).collect()
}

/// Up to three ids close to `id`, for the "unknown id" message.
pub fn close_ids(batch: &Batch, id: &str) -> Vec<String> {
    let mut rr = RecordReader::new(batch.delimiter);
    let mut scored: Vec<(f64, String)> = Vec::new();
    for lead in &batch.leads {
        if let Some(rec) = rr.read(&batch.input.text, lead.offset) {
            let other = rec.fields.cell(batch.plan.id_col);
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
pub fn explain(rules: &Rules, batch: &Batch, hits: &[(usize, usize)], owners: &crate::owners::Owners) -> Explanation {
    let (pos, line) = hits[0];
    let lead: &Lead = &batch.leads[pos];
    let plan = &batch.plan;
    let mut rr = RecordReader::new(batch.delimiter);
    let mut scratch = Scratch::new(plan);
    let mut cells = Vec::new();
    let mut id = String::new();
    let mut s = RowScore::default();
    if let Some(rec) = rr.read(&batch.input.text, lead.offset) {
        scratch.load(plan, &rec.fields);
        s = scratch.score(plan, &rec.fields, rules.max_fit, rules.max_engagement);
        cells = plan.criteria.iter().map(|c| rec.fields.str(plan.slots[c.cond.slot].col).to_string()).collect();
        id = rec.fields.cell(plan.id_col).to_string();
    }
    let criteria: Vec<CriterionLine> = rules
        .criteria
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let slot = plan.criteria[i].cond.slot;
            let mut test = c.cond.test.describe();
            if let Test::WithinDays(n) | Test::OlderThanDays(n) = c.cond.test {
                let day =
                    crate::date::format_day((plan.as_of as i64 - n).clamp(i32::MIN as i64, i32::MAX as i64) as i32);
                let op = if matches!(c.cond.test, Test::WithinDays(_)) { "on or after" } else { "before" };
                test = format!("{test} ({op} {day})");
            }
            if scratch.bad[slot] {
                test.push_str(" [cell unreadable: value warning]");
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
        for (name, min, v) in [
            ("min_score", st.min_score, s.score),
            ("min_fit", st.min_fit, s.fit),
            ("min_engagement", st.min_engagement, s.engagement),
        ] {
            if let Some(m) = min {
                push(name.into(), v.to_string(), format!("≥ {m}"), v >= m);
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
    let routing = (!rules.teams.is_empty()).then(|| {
        let mut router = Router::new(rules, batch, owners);
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
        RoutingStory {
            steps,
            team: a.team().map(|t| rules.teams[t].name.clone()),
            rep: a.rep().map(|r| rules.reps[r].name.clone()),
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
        criteria,
        fit_sum: sum(Group::Fit).to_string(),
        fit: s.fit.to_string(),
        engagement_sum: sum(Group::Engagement).to_string(),
        engagement: s.engagement.to_string(),
        score: s.score.to_string(),
        stage_tests,
        stage: rules.stage_name(lead.stage as usize).to_string(),
        routing,
    }
}
