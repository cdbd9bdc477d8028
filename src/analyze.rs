//! Figures for analysts: calibration of stages and scores against a known
//! outcome (`score --outcome`), and the comparison of two rule sets on the same
//! export (`compare`). Pure functions of finished batches.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::pipeline::Batch;
use crate::route::Routed;
use crate::rules::Rules;

/// Leads and conversions in one group.
#[derive(Serialize, Debug, Clone, Default, PartialEq)]
pub struct Conversion {
    pub leads: u64,
    pub converted: u64,
    /// converted / leads; null when there are no leads.
    pub rate: Option<f64>,
}

impl Conversion {
    fn add(&mut self, converted: bool) {
        self.leads += 1;
        self.converted += converted as u64;
    }

    fn finish(mut self) -> Conversion {
        self.rate = ratio(self.converted, self.leads);
        self
    }
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

#[derive(Serialize, Debug, Clone)]
pub struct StageConversion {
    pub stage: String,
    #[serde(flatten)]
    pub conversion: Conversion,
}

#[derive(Serialize, Debug, Clone)]
pub struct DecileConversion {
    /// 1 is the top tenth by rank.
    pub decile: u32,
    pub min_score: f64,
    pub max_score: f64,
    #[serde(flatten)]
    pub conversion: Conversion,
}

#[derive(Serialize, Debug, Clone)]
pub struct Threshold {
    pub stage: String,
    /// Leads at or above this stage (disqualified leads are never above a stage).
    pub leads: u64,
    pub converted: u64,
    /// Share of all converted leads that are at or above this stage.
    pub recall: Option<f64>,
    /// Conversion rate at or above this stage.
    pub precision: Option<f64>,
}

#[derive(Serialize, Debug, Clone)]
pub struct Calibration {
    pub outcome_column: String,
    #[serde(flatten)]
    pub overall: Conversion,
    pub stages: Vec<StageConversion>,
    /// With `[grades]`: per grade cell (`A1` … `C3`), in band order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grades: Option<Vec<GradeConversion>>,
    pub deciles: Vec<DecileConversion>,
    pub thresholds: Vec<Threshold>,
    /// With `--outcomes FILE`: the leads the file does not have (counted as not converted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcomes_missing: Option<u64>,
    /// When no lead, or every lead, counts as converted: what was seen instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct GradeConversion {
    pub grade: String,
    #[serde(flatten)]
    pub conversion: Conversion,
}

/// Per stage and per score decile: leads, converted, rate; per stage threshold:
/// recall and precision. The batch must be ranked and have outcomes.
pub fn calibrate(rules: &Rules, batch: &Batch, outcome_column: &str) -> Calibration {
    let conv = |i: u32| batch.outcomes.get(i as usize).copied().unwrap_or(false);
    let n_stages = rules.stages.len() + 1;
    let mut per_stage = vec![Conversion::default(); n_stages];
    let mut overall = Conversion::default();
    for l in &batch.leads {
        per_stage[l.stage as usize].add(conv(l.index));
        overall.add(conv(l.index));
    }
    let n = batch.leads.len();
    let mut deciles = Vec::new();
    for d in 0..10 {
        let (from, to) = (n * d / 10, n * (d + 1) / 10);
        if from == to {
            continue;
        }
        let slice = &batch.leads[from..to];
        let mut c = Conversion::default();
        slice.iter().for_each(|l| c.add(conv(l.index)));
        deciles.push(DecileConversion {
            decile: d as u32 + 1,
            max_score: slice[0].score().as_f64(),
            min_score: slice[slice.len() - 1].score().as_f64(),
            conversion: c.finish(),
        });
    }
    let thresholds = (1..rules.stages.len())
        .map(|s| {
            let (leads, converted) =
                per_stage[s..rules.stages.len()].iter().fold((0, 0), |(a, b), c| (a + c.leads, b + c.converted));
            Threshold {
                stage: rules.stages[s].name.clone(),
                leads,
                converted,
                recall: ratio(converted, overall.converted),
                precision: ratio(converted, leads),
            }
        })
        .collect();
    let stages = per_stage
        .into_iter()
        .enumerate()
        .filter(|(i, c)| *i < rules.stages.len() || c.leads > 0)
        .map(|(i, c)| StageConversion { stage: rules.stage_name(i).to_string(), conversion: c.finish() })
        .collect();
    let grades = rules.grades.as_ref().map(|g| {
        let mut cells = vec![vec![Conversion::default(); g.engagement.len()]; g.fit.len()];
        for l in &batch.leads {
            let (f, e) = g.bands(l.fit(), l.engagement());
            cells[f][e].add(conv(l.index));
        }
        let mut rows = Vec::new();
        for (f, row) in g.fit.iter().zip(cells) {
            for (e, c) in g.engagement.iter().zip(row) {
                rows.push(GradeConversion { grade: format!("{}{}", f.grade, e.grade), conversion: c.finish() });
            }
        }
        rows
    });
    let warning = (n > 0 && (overall.converted == 0 || overall.converted as usize == n))
        .then(|| all_or_none(batch, outcome_column, overall.converted == 0));
    Calibration {
        outcome_column: outcome_column.to_string(),
        overall: overall.finish(),
        stages,
        grades,
        deciles,
        thresholds,
        outcomes_missing: batch.plan.outcomes.as_ref().map(|_| batch.outcomes_missing),
        warning,
    }
}

/// The warning when no lead (or every lead) counts as converted: the five
/// values of the outcome column seen most often, with their counts.
fn all_or_none(batch: &Batch, column: &str, none: bool) -> String {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut rr = crate::input::RecordReader::new(batch.delimiter);
    if let Some(col) = batch.plan.outcome_col {
        for l in &batch.leads {
            if let Some(rec) = rr.read(&batch.input.text, l.offset) {
                *counts.entry(rec.fields.cell(col).to_string()).or_default() += 1;
            }
        }
    }
    let mut top: Vec<(String, u64)> = counts.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let seen: Vec<String> =
        top.iter().take(5).map(|(v, n)| format!("'{}' ({n})", crate::error::shorten(v, 40))).collect();
    let seen = if seen.is_empty() {
        " (in the outcomes file)".to_string()
    } else {
        format!(": the values seen most often are {}", seen.join(", "))
    };
    format!(
        "{} lead counts as converted in '{column}'{seen}; name the ones that mean converted with --converted",
        if none { "no" } else { "every" },
    )
}

/// One name's count under each rule set.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Diff {
    pub name: String,
    pub base: u64,
    pub candidate: u64,
    pub difference: i64,
}

#[derive(Serialize, Debug, Clone)]
pub struct StagePair {
    pub stage: String,
    pub base: Option<Conversion>,
    pub candidate: Option<Conversion>,
}

#[derive(Serialize, Debug, Clone)]
pub struct Comparison {
    pub base_rules: String,
    pub candidate_rules: String,
    pub leads: u64,
    /// Row labels (stages under the base rules) and column labels (under the candidate).
    pub base_stages: Vec<String>,
    pub candidate_stages: Vec<String>,
    /// matrix[row][column]: leads in that base stage and that candidate stage.
    pub matrix: Vec<Vec<u64>>,
    pub stage_changed: u64,
    pub teams: Vec<Diff>,
    pub reps: Vec<Diff>,
    pub rep_changed: u64,
    /// Leads per grade under each, when either side has `[grades]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grades: Option<Vec<Diff>>,
    pub conversion: Option<Vec<StagePair>>,
}

/// What compare needs of each side.
pub struct Side<'a> {
    pub label: String,
    pub rules: &'a Rules,
    pub batch: &'a Batch,
    pub routed: Option<&'a Routed>,
}

/// Per input row (by `Lead::index`): stage, team and rep names.
struct Outcome {
    stage: Vec<usize>,
    team: Vec<Option<String>>,
    rep: Vec<Option<String>>,
}

fn per_index(side: &Side) -> Outcome {
    let n = side.batch.leads.len();
    let mut o = Outcome { stage: vec![0; n], team: vec![None; n], rep: vec![None; n] };
    for (k, l) in side.batch.leads.iter().enumerate() {
        let i = l.index as usize;
        o.stage[i] = l.stage as usize;
        if let Some((routed, a)) = side.routed.map(|r| (r, r.assignments[k])) {
            if a.reason.assigned() {
                o.team[i] = a.team().map(|t| routed.team_name(side.rules, t).to_string());
            }
            o.rep[i] = a.rep().map(|r| routed.rep_name(side.rules, r).to_string());
        }
    }
    o
}

fn stage_labels(rules: &Rules) -> Vec<String> {
    (0..=rules.stages.len()).map(|i| rules.stage_name(i).to_string()).collect()
}

fn diffs(names: Vec<String>, a: &[Option<String>], b: &[Option<String>], none: &str) -> Vec<Diff> {
    let count = |v: &[Option<String>]| {
        let mut m: BTreeMap<String, u64> = BTreeMap::new();
        for x in v {
            *m.entry(x.clone().unwrap_or_else(|| none.to_string())).or_default() += 1;
        }
        m
    };
    let (ca, cb) = (count(a), count(b));
    let mut all = names;
    for k in ca.keys().chain(cb.keys()) {
        if !all.contains(k) {
            all.push(k.clone());
        }
    }
    all.into_iter()
        .map(|name| {
            let (x, y) = (ca.get(&name).copied().unwrap_or(0), cb.get(&name).copied().unwrap_or(0));
            Diff { name, base: x, candidate: y, difference: y as i64 - x as i64 }
        })
        .filter(|d| d.base > 0 || d.candidate > 0 || !d.name.starts_with('('))
        .collect()
}

/// Compares two sides over the same well-formed rows (matched by input position).
pub fn compare(a: &Side, b: &Side, outcome: bool) -> Comparison {
    let (oa, ob) = (per_index(a), per_index(b));
    let (sa, sb) = (stage_labels(a.rules), stage_labels(b.rules));
    let mut matrix = vec![vec![0u64; sb.len()]; sa.len()];
    let n = oa.stage.len().min(ob.stage.len());
    for i in 0..n {
        matrix[oa.stage[i]][ob.stage[i]] += 1;
    }
    let stage_changed = (0..n).filter(|&i| sa[oa.stage[i]] != sb[ob.stage[i]]).count() as u64;
    let rep_changed = (0..n).filter(|&i| oa.rep[i] != ob.rep[i]).count() as u64;
    let names = |f: &dyn Fn(&Rules) -> Vec<String>| {
        let mut v = f(a.rules);
        for x in f(b.rules) {
            if !v.contains(&x) {
                v.push(x);
            }
        }
        v
    };
    let teams = diffs(
        names(&|r: &Rules| r.teams.iter().map(|t| t.name.clone()).collect()),
        &oa.team,
        &ob.team,
        "(not assigned)",
    );
    let reps = diffs(names(&|r: &Rules| r.reps.iter().map(|t| t.name.clone()).collect()), &oa.rep, &ob.rep, "(nobody)");
    let grades = (a.rules.grades.is_some() || b.rules.grades.is_some()).then(|| {
        let of = |side: &Side| -> Vec<Option<String>> {
            let mut g = vec![None; side.batch.leads.len()];
            if let Some(grades) = &side.rules.grades {
                for l in &side.batch.leads {
                    g[l.index as usize] = Some(grades.of(l.fit(), l.engagement()));
                }
            }
            g
        };
        let cells = |r: &Rules| -> Vec<String> {
            r.grades.as_ref().map_or(Vec::new(), |g| {
                g.fit.iter().flat_map(|f| g.engagement.iter().map(move |e| format!("{}{}", f.grade, e.grade))).collect()
            })
        };
        diffs(names(&cells), &of(a), &of(b), "(no grades)")
    });
    let conversion = outcome.then(|| {
        let conv_of = |side: &Side, st: &[usize]| {
            let mut m: BTreeMap<usize, Conversion> = BTreeMap::new();
            for (i, &s) in st.iter().enumerate() {
                m.entry(s).or_default().add(side.batch.outcomes.get(i).copied().unwrap_or(false));
            }
            m
        };
        let (ca, cb) = (conv_of(a, &oa.stage), conv_of(b, &ob.stage));
        let mut labels: Vec<String> = sa.clone();
        for x in &sb {
            if !labels.contains(x) {
                labels.push(x.clone());
            }
        }
        labels
            .into_iter()
            .map(|stage| {
                let pick = |labels: &[String], m: &BTreeMap<usize, Conversion>| {
                    labels.iter().position(|l| *l == stage).map(|i| m.get(&i).cloned().unwrap_or_default().finish())
                };
                StagePair { base: pick(&sa, &ca), candidate: pick(&sb, &cb), stage }
            })
            .filter(|p| {
                p.base.as_ref().is_some_and(|c| c.leads > 0)
                    || p.candidate.as_ref().is_some_and(|c| c.leads > 0)
                    || p.stage != crate::rules::DISQUALIFIED
            })
            .collect()
    });
    Comparison {
        base_rules: a.label.clone(),
        candidate_rules: b.label.clone(),
        leads: n as u64,
        base_stages: sa,
        candidate_stages: sb,
        matrix,
        stage_changed,
        teams,
        reps,
        rep_changed,
        grades,
        conversion,
    }
}
