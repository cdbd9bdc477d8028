//! `leadroute tune` (docs/reference.md §8.2): where should a stage's `min_score` be? The
//! stage's threshold is swept over every distinct score of the export, the
//! stage's other tests kept, and for each threshold the leads at or above the
//! stage are counted with their conversions.
//!
//! A lead's stage is the last stage all of whose tests hold, so changing stage
//! K's `min_score` to t moves a lead in or out of "K or higher" only when no
//! stage above K holds for it (nor its CRM stage, `[input] current_stage`):
//! each lead is at or above K always, never, or exactly when its score is at
//! least t. Which of the three is found in one pass of the ordinary pipeline,
//! with the probe rules of `probe_rules`; the sweep is then one sort.

pub mod report;

use serde::Serialize;

use crate::engine::batch::Batch;
use crate::rules::{Rules, Stage};
use crate::support::num::{Cents, DEC_SCALE, Dec};

/// What the threshold should achieve.
#[derive(Clone, Copy, Debug)]
pub enum Goal {
    /// The lowest threshold whose precision (conversion rate at or above the
    /// stage) is at least this fraction.
    Precision(Dec),
    /// The highest threshold whose recall (share of all converted leads at or
    /// above the stage) is at least this fraction.
    Recall(Dec),
    /// The threshold whose number of leads at or above the stage is closest
    /// to this (ties: the higher threshold).
    Leads(u64),
}

/// One threshold of the sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub threshold: Cents,
    /// Leads at or above the stage with this threshold.
    pub leads: u64,
    /// Of them, converted.
    pub converted: u64,
}

/// The whole sweep of one stage.
#[derive(Debug)]
pub struct Sweep {
    pub stage: String,
    /// Well-formed rows, and how many converted.
    pub leads: u64,
    pub converted: u64,
    /// One step per distinct score, highest threshold first.
    pub steps: Vec<Step>,
    /// The stage's `min_score` in the rules (after `--set`), and its figures.
    pub current: Option<Cents>,
    pub now: (u64, u64),
    pub goal: Goal,
    /// The index in `steps` of the answer, when a threshold qualifies.
    pub answer: Option<usize>,
    /// Where the report's table is centred: the answer, or when there is
    /// none the step that comes closest to the goal.
    pub centre: Option<usize>,
}

/// The rules a tune run scores with. Stage `k` is split in two: the stage
/// with its other tests and no `min_score` (and no `crm` values), then a
/// marker stage that no lead reaches by its tests, holding the stage's `crm`
/// values. A lead then ends above the stage exactly when a higher stage's
/// tests hold or its CRM stage is `k` or higher (at or above whatever the
/// threshold); at the stage exactly when the stage's other tests hold and
/// nothing above does (at or above when its score reaches the threshold);
/// below it or disqualified otherwise (never). Teams take the marker stage
/// as they take stage `k` (they are not routed, but keep one entry per stage).
pub fn probe_rules(rules: &Rules, k: usize) -> Rules {
    let mut probe = rules.clone();
    let original = &rules.stages[k];
    let marker = Stage {
        name: format!("{} (CRM)", original.name),
        // No score reaches it: scores are sums of capped points, far below.
        min_score: Some(Cents(i64::MAX)),
        min_fit: None,
        min_engagement: None,
        require: Vec::new(),
        crm: original.crm.clone(),
        sla_minutes: original.sla_minutes,
    };
    probe.stages[k].min_score = None;
    probe.stages[k].crm.clear();
    probe.stages.insert(k + 1, marker);
    for team in &mut probe.teams {
        let takes = team.stages[k];
        team.stages.insert(k + 1, takes);
    }
    probe
}

/// Sweeps stage `k` of `rules` over a batch scored with `probe_rules(rules, k)`
/// and read with an outcome. The batch need not be ranked.
pub fn sweep(rules: &Rules, probe: &Batch, k: usize, goal: Goal) -> Sweep {
    let converted_of = |i: u32| probe.outcomes.get(i as usize).copied().unwrap_or(false);
    let disqualified = rules.disqualified_stage() + 1;
    let (mut always, mut always_converted) = (0u64, 0u64);
    // Every score (a threshold), and whether its lead counts at that score.
    let mut scores: Vec<(i64, bool, bool)> = Vec::with_capacity(probe.leads.len());
    for l in &probe.leads {
        let stage = l.stage as usize;
        let converted = converted_of(l.index);
        let reaches_at_score = stage == k;
        if stage > k && stage != disqualified {
            always += 1;
            always_converted += converted as u64;
        }
        scores.push((l.score().0, reaches_at_score, converted));
    }
    scores.sort_unstable_by_key(|s| std::cmp::Reverse(s.0));
    let total_converted = scores.iter().filter(|s| s.2).count() as u64;
    let mut steps: Vec<Step> = Vec::new();
    let (mut leads, mut converted) = (always, always_converted);
    let mut i = 0;
    while i < scores.len() {
        let threshold = scores[i].0;
        while i < scores.len() && scores[i].0 == threshold {
            let (_, at_score, conv) = scores[i];
            leads += at_score as u64;
            converted += (at_score && conv) as u64;
            i += 1;
        }
        steps.push(Step { threshold: Cents(threshold), leads, converted });
    }
    let current = rules.stages[k].min_score;
    // The figures of the current threshold: those of the lowest step at or
    // above it (its leads are those scoring at least the threshold).
    let now = match current {
        Some(t) => match steps.iter().rposition(|s| s.threshold >= t) {
            Some(j) => (steps[j].leads, steps[j].converted),
            None => (always, always_converted),
        },
        None => steps.last().map_or((always, always_converted), |s| (s.leads, s.converted)),
    };
    let mut sweep = Sweep {
        stage: rules.stages[k].name.clone(),
        leads: probe.leads.len() as u64,
        converted: total_converted,
        steps,
        current,
        now,
        goal,
        answer: None,
        centre: None,
    };
    sweep.answer = sweep.find_answer();
    sweep.centre = sweep.answer.or_else(|| sweep.closest());
    sweep
}

/// Whether num / den ≥ p, exactly (false when den is 0).
fn at_least(num: u64, den: u64, p: Dec) -> bool {
    den > 0 && num as i128 * DEC_SCALE >= p.0 * den as i128
}

/// num_a / den_a compared with num_b / den_b, exactly (dens > 0).
fn cmp_ratio(a: (u64, u64), b: (u64, u64)) -> std::cmp::Ordering {
    (a.0 as u128 * b.1 as u128).cmp(&(b.0 as u128 * a.1 as u128))
}

impl Sweep {
    /// Conversion rate at or above the stage; `None` with no lead there.
    pub fn precision(&self, leads: u64, converted: u64) -> Option<f64> {
        (leads > 0).then(|| converted as f64 / leads as f64)
    }

    /// Share of all converted leads at or above the stage; `None` when no lead converted.
    pub fn recall(&self, converted: u64) -> Option<f64> {
        (self.converted > 0).then(|| converted as f64 / self.converted as f64)
    }

    fn find_answer(&self) -> Option<usize> {
        let steps = &self.steps;
        match self.goal {
            // Precision need not rise with the threshold: the lowest of all that qualify.
            Goal::Precision(p) => steps.iter().rposition(|s| at_least(s.converted, s.leads, p)),
            Goal::Recall(r) => steps.iter().position(|s| at_least(s.converted, self.converted, r)),
            // `min_by_key` keeps the first of equals: the higher threshold.
            Goal::Leads(n) => (0..steps.len()).min_by_key(|&i| steps[i].leads.abs_diff(n)),
        }
    }

    /// With no answer: the step nearest the goal (the best precision, the
    /// lowest of equals; the best recall).
    fn closest(&self) -> Option<usize> {
        let steps = &self.steps;
        match self.goal {
            Goal::Precision(_) => (0..steps.len()).filter(|&i| steps[i].leads > 0).max_by(|&a, &b| {
                cmp_ratio((steps[a].converted, steps[a].leads), (steps[b].converted, steps[b].leads)).then(a.cmp(&b))
            }),
            Goal::Recall(_) | Goal::Leads(_) => steps.len().checked_sub(1),
        }
    }

    /// The `--set` argument that applies a threshold, quoted for a shell when needed.
    pub fn set_line(&self, threshold: Cents) -> String {
        let bare =
            !self.stage.is_empty() && self.stage.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let stage = if bare {
            self.stage.clone()
        } else {
            format!("\"{}\"", self.stage.replace('\\', "\\\\").replace('"', "\\\""))
        };
        let arg = format!("stages.{stage}.min_score={threshold}");
        if bare { format!("--set {arg}") } else { format!("--set '{}'", arg.replace('\'', "'\\''")) }
    }

    /// The figures for `--summary-json`.
    pub fn to_json(&self, outcome_column: &str, outcomes_missing: Option<u64>) -> SweepJson {
        let row = |s: &Step| Row {
            threshold: s.threshold.as_f64(),
            leads: s.leads,
            converted: s.converted,
            precision: self.precision(s.leads, s.converted),
            recall: self.recall(s.converted),
        };
        let fraction = |d: Dec| d.to_string().parse::<f64>().unwrap_or(f64::NAN);
        let target = match self.goal {
            Goal::Precision(p) => Target { precision: Some(fraction(p)), recall: None, leads: None },
            Goal::Recall(r) => Target { precision: None, recall: Some(fraction(r)), leads: None },
            Goal::Leads(n) => Target { precision: None, recall: None, leads: Some(n) },
        };
        SweepJson {
            stage: self.stage.clone(),
            outcome_column: outcome_column.to_string(),
            leads: self.leads,
            converted: self.converted,
            outcomes_missing,
            target,
            current: Current {
                min_score: self.current.map(Cents::as_f64),
                leads: self.now.0,
                converted: self.now.1,
                precision: self.precision(self.now.0, self.now.1),
                recall: self.recall(self.now.1),
            },
            answer: self
                .answer
                .map(|i| Answer { row: row(&self.steps[i]), set: self.set_line(self.steps[i].threshold) }),
            sweep: self.steps.iter().map(row).collect(),
        }
    }
}

/// `--summary-json` of a tune run.
#[derive(Serialize, Debug)]
pub struct SweepJson {
    pub stage: String,
    pub outcome_column: String,
    pub leads: u64,
    pub converted: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcomes_missing: Option<u64>,
    pub target: Target,
    pub current: Current,
    /// Null when no threshold qualifies.
    pub answer: Option<Answer>,
    /// Every threshold, highest first.
    pub sweep: Vec<Row>,
}

/// The goal: one of the three keys.
#[derive(Serialize, Debug)]
pub struct Target {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recall: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leads: Option<u64>,
}

/// The stage's threshold in the rules (null: no `min_score`) and its figures.
#[derive(Serialize, Debug)]
pub struct Current {
    pub min_score: Option<f64>,
    pub leads: u64,
    pub converted: u64,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
}

#[derive(Serialize, Debug)]
pub struct Row {
    pub threshold: f64,
    pub leads: u64,
    pub converted: u64,
    /// Null with no lead at or above the stage.
    pub precision: Option<f64>,
    /// Null when no lead converted.
    pub recall: Option<f64>,
}

#[derive(Serialize, Debug)]
pub struct Answer {
    #[serde(flatten)]
    pub row: Row,
    /// The `--set` argument that applies it.
    pub set: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep_of(steps: Vec<(i64, u64, u64)>, converted: u64, goal: Goal) -> Sweep {
        let steps: Vec<Step> =
            steps.into_iter().map(|(t, leads, converted)| Step { threshold: Cents(t), leads, converted }).collect();
        let mut s = Sweep {
            stage: "sql".into(),
            leads: 10,
            converted,
            steps,
            current: None,
            now: (0, 0),
            goal,
            answer: None,
            centre: None,
        };
        s.answer = s.find_answer();
        s.centre = s.answer.or_else(|| s.closest());
        s
    }

    fn dec(s: &str) -> Dec {
        crate::support::num::parse_cell_number(s, b'.').unwrap()
    }

    #[test]
    fn precision_is_compared_exactly_and_the_lowest_threshold_wins() {
        // 9 of 10 is exactly 0.9; 0.9 is not a binary fraction.
        let s = sweep_of(
            vec![(9000, 0, 0), (8000, 10, 9), (7000, 20, 17), (6000, 30, 27)],
            27,
            Goal::Precision(dec("0.9")),
        );
        assert_eq!(s.answer, Some(3), "30 leads, 27 converted: 0.9 again below a dip to 0.85");
        let s = sweep_of(vec![(9000, 0, 0), (8000, 10, 9)], 9, Goal::Precision(dec("0.91")));
        assert_eq!((s.answer, s.centre), (None, Some(1)), "a threshold with no lead never qualifies");
    }

    #[test]
    fn recall_takes_the_highest_and_leads_the_closest_higher_on_ties() {
        let steps = vec![(9000, 2, 2), (8000, 6, 4), (7000, 10, 5)];
        assert_eq!(sweep_of(steps.clone(), 5, Goal::Recall(dec("0.8"))).answer, Some(1));
        assert_eq!(sweep_of(steps.clone(), 5, Goal::Recall(dec("1"))).answer, Some(2));
        assert_eq!(sweep_of(steps.clone(), 0, Goal::Recall(dec("0"))).answer, None, "no conversion: no recall");
        assert_eq!(sweep_of(steps.clone(), 5, Goal::Leads(4)).answer, Some(0), "2 and 6 are as close: the higher");
        assert_eq!(sweep_of(steps.clone(), 5, Goal::Leads(100)).answer, Some(2));
        assert_eq!(sweep_of(Vec::new(), 0, Goal::Leads(0)).answer, None);
    }

    #[test]
    fn set_lines_quote_what_a_key_or_shell_needs() {
        let mut s = sweep_of(Vec::new(), 0, Goal::Leads(0));
        assert_eq!(s.set_line(Cents(6050)), "--set stages.sql.min_score=60.5");
        assert_eq!(s.set_line(Cents(-700)), "--set stages.sql.min_score=-7");
        s.stage = "big deal's".into();
        assert_eq!(s.set_line(Cents(6000)), "--set 'stages.\"big deal'\\''s\".min_score=60'");
    }
}
