//! Figures for analysts: calibration of stages and scores against a known
//! outcome (`score --outcome`), and the comparison of two rule sets on the same
//! export (`compare`). Pure functions of finished batches.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::input::RecordReader;
use crate::pipeline::Batch;
use crate::route::{Reason, Routed};
use crate::rules::{Group, Rules};
use crate::score::Scratch;

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
    /// ROC AUC of the score, of fit alone and of engagement alone.
    pub auc: Auc,
    /// Per criterion, in rules order: conversion where it held and where not.
    pub criteria: Vec<CriterionConversion>,
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

/// ROC AUC against the outcome: the chance that a converted lead has a higher
/// figure than one that did not, ties counting half (0.5 is no better than
/// chance). Null when no lead, or every lead, converted.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Auc {
    pub score: Option<f64>,
    pub fit: Option<f64>,
    pub engagement: Option<f64>,
    /// Why the AUCs are null: "no lead converted", "every lead converted", "no leads".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undefined_reason: Option<&'static str>,
}

/// One criterion against the outcome. "Held" is the criterion's test alone
/// (a `per` criterion: floor(v / u) ≥ 1; decay does not change it).
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct CriterionConversion {
    pub criterion: String,
    pub group: &'static str,
    /// Leads where it held, and of them converted.
    pub held: u64,
    pub held_converted: u64,
    pub held_rate: Option<f64>,
    /// Leads where it did not hold, and of them converted.
    pub not_held: u64,
    pub not_held_converted: u64,
    pub not_held_rate: Option<f64>,
    /// held_rate ÷ the overall rate; null when either is null or the overall rate is 0.
    pub lift: Option<f64>,
    /// `few`: held or failed for fewer than `FEW` leads; `leak?`: held for
    /// `LEAK_MIN` or more leads converting at 0% or at 99% or more.
    pub flags: Vec<&'static str>,
}

/// Below this many leads on either side a criterion's rates are flagged `few`.
pub const FEW: u64 = 30;
/// From this many leads where it held, a rate of 0% or ≥ 99% is flagged `leak?`.
pub const LEAK_MIN: u64 = 100;

impl CriterionConversion {
    fn new(rules: &Rules, i: usize, (held, held_converted): (u64, u64), overall: &Conversion) -> CriterionConversion {
        let c = &rules.criteria[i];
        let not_held = overall.leads - held;
        let not_held_converted = overall.converted - held_converted;
        let held_rate = ratio(held_converted, held);
        let overall_rate = ratio(overall.converted, overall.leads).filter(|r| *r > 0.0);
        let mut flags = Vec::new();
        if held < FEW || not_held < FEW {
            flags.push("few");
        }
        // 99% compared exactly: converted / held ≥ 99 / 100.
        if held >= LEAK_MIN && (held_converted == 0 || held_converted * 100 >= held * 99) {
            flags.push("leak?");
        }
        CriterionConversion {
            criterion: c.name.clone(),
            group: match c.group {
                Group::Fit => "fit",
                Group::Engagement => "engagement",
            },
            held,
            held_converted,
            held_rate,
            not_held,
            not_held_converted,
            not_held_rate: ratio(not_held_converted, not_held),
            lift: held_rate.zip(overall_rate).map(|(h, o)| h / o),
            flags,
        }
    }
}

/// ROC AUC of `values` against the outcomes paired with them: the
/// Mann–Whitney U of the converted values over the others, with midranks for
/// ties, divided by the number of pairs. O(n log n) and exact: the rank sums
/// are kept doubled in integers, so half ranks stay whole. `None` when no
/// value, or every value, is paired with a conversion. Reorders `values`.
pub fn auc(values: &mut [(i64, bool)]) -> Option<f64> {
    values.par_sort_unstable_by_key(|v| v.0);
    let pos = values.iter().filter(|v| v.1).count() as u128;
    let neg = values.len() as u128 - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    // Ranks are 1-based; a tie group at ranks start+1 ..= start+len shares the
    // midrank (2·start + len + 1) / 2.
    let (mut twice_rank_sum, mut start) = (0u128, 0u128);
    for group in values.chunk_by(|a, b| a.0 == b.0) {
        let len = group.len() as u128;
        let converted = group.iter().filter(|v| v.1).count() as u128;
        twice_rank_sum += converted * (2 * start + len + 1);
        start += len;
    }
    // U = R − pos·(pos + 1) / 2, doubled.
    let twice_u = twice_rank_sum - pos * (pos + 1);
    Some(twice_u as f64 / (2 * pos * neg) as f64)
}

/// The AUCs of a batch's score, fit and engagement against its outcomes.
/// Every well-formed lead counts, disqualified ones included.
pub fn aucs(batch: &Batch) -> Auc {
    let conv = |i: u32| batch.outcomes.get(i as usize).copied().unwrap_or(false);
    let of = |f: &dyn Fn(&crate::pipeline::Lead) -> i64| {
        let mut v: Vec<(i64, bool)> = batch.leads.iter().map(|l| (f(l), conv(l.index))).collect();
        auc(&mut v)
    };
    let converted = batch.leads.iter().filter(|l| conv(l.index)).count();
    let undefined_reason = match converted {
        _ if batch.leads.is_empty() => Some("no leads"),
        0 => Some("no lead converted"),
        n if n == batch.leads.len() => Some("every lead converted"),
        _ => None,
    };
    if undefined_reason.is_some() {
        return Auc { score: None, fit: None, engagement: None, undefined_reason };
    }
    Auc {
        score: of(&|l| l.score().0),
        fit: of(&|l| l.fit().0),
        engagement: of(&|l| l.engagement().0),
        undefined_reason,
    }
}

/// Per criterion: (leads where it held, of them converted). The pipeline
/// keeps no per-criterion bits, so each lead's row is scored again with the
/// scorer's own steps (`Batch::rescore`, as `explain` does); only
/// `score --outcome` pays for it. The rows are read in input order (the text
/// front to back, as the scorer read it), in one long run per task.
fn criteria_held(rules: &Rules, batch: &Batch) -> Vec<(u64, u64)> {
    let n = rules.criteria.len();
    let conv = |i: u32| batch.outcomes.get(i as usize).copied().unwrap_or(false);
    let mut rows: Vec<(usize, &crate::pipeline::Lead, bool)> =
        batch.leads.iter().map(|l| (l.offset, l, conv(l.index))).collect();
    rows.par_sort_unstable_by_key(|r| r.0);
    let per_task = rows.len().div_ceil(4 * rayon::current_num_threads()).max(4096);
    rows.par_chunks(per_task)
        .map(|rows| {
            let mut scratch = Scratch::new(&batch.plan);
            let mut rr = RecordReader::new(batch.delimiter);
            let mut counts = vec![(0u64, 0u64); n];
            for &(_, lead, converted) in rows {
                if batch.rescore(rules, lead, &mut rr, &mut scratch).is_some() {
                    for (c, &held) in counts.iter_mut().zip(&scratch.held) {
                        if held {
                            c.0 += 1;
                            c.1 += converted as u64;
                        }
                    }
                }
            }
            counts
        })
        .reduce(
            || vec![(0, 0); n],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x = (x.0 + y.0, x.1 + y.1));
                a
            },
        )
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
    let criteria = criteria_held(rules, batch)
        .into_iter()
        .enumerate()
        .map(|(i, held)| CriterionConversion::new(rules, i, held, &overall))
        .collect();
    Calibration {
        outcome_column: outcome_column.to_string(),
        overall: overall.finish(),
        stages,
        grades,
        deciles,
        thresholds,
        auc: aucs(batch),
        criteria,
        outcomes_missing: batch.plan.outcomes.as_ref().map(|_| batch.outcomes_missing),
        warning,
    }
}

/// The warning when no lead (or every lead) counts as converted: the five
/// values seen most often among the leads' outcomes, with their counts (the
/// export's outcome column, or with `--outcomes` the matched leads' values).
fn all_or_none(batch: &Batch, column: &str, none: bool) -> String {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut rr = crate::input::RecordReader::new(batch.delimiter);
    let text = &batch.input.text;
    let plan = &batch.plan;
    match (plan.outcome_col, &plan.outcomes) {
        (Some(col), _) => {
            for l in &batch.leads {
                if let Some(rec) = rr.read(text, l.offset) {
                    *counts.entry(rec.fields.cell(col).to_string()).or_default() += 1;
                }
            }
        }
        (None, Some(file)) => {
            // In input order: under `id = "@line"` the line counter only moves forward.
            let mut offsets: Vec<usize> = batch.leads.iter().map(|l| l.offset).collect();
            offsets.sort_unstable();
            let mut lines = crate::input::LineCounter::default();
            for offset in offsets {
                let value = match plan.id_col {
                    Some(col) => rr.read(text, offset).and_then(|rec| file.get(rec.fields.cell(col))),
                    None => file.get(&lines.line_at(text.as_bytes(), offset).to_string()),
                };
                if let Some(v) = value {
                    *counts.entry(v.clone()).or_default() += 1;
                }
            }
        }
        (None, None) => {}
    }
    let mut top: Vec<(String, u64)> = counts.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let seen: Vec<String> =
        top.iter().take(5).map(|(v, n)| format!("'{}' ({n})", crate::error::shorten(v, 40))).collect();
    let (source, seen) = match (&plan.outcomes, seen.is_empty()) {
        (None, _) => ("", format!(": the values seen most often are {}", seen.join(", "))),
        (Some(_), false) => (
            " (--outcomes)",
            format!(": the values seen most often among the leads found there are {}", seen.join(", ")),
        ),
        (Some(_), true) => (
            " (--outcomes)",
            ": no lead of the export is in the outcomes file (its first column holds the lead ids)".to_string(),
        ),
    };
    format!(
        "{} lead counts as converted in '{column}'{source}{seen}; name the ones that mean converted with --converted",
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
    /// Leads whose rep differs: `rep_changed_by_stage_team_or_owner` plus
    /// `rep_changed_in_rotation`.
    pub rep_changed: u64,
    /// Of those, leads whose stage or team differs, or that went to an owner
    /// (`account_owner`, `assigned_before`) under either rule set.
    pub rep_changed_by_stage_team_or_owner: u64,
    /// The others: same stage and team, taken in turn by another teammate.
    pub rep_changed_in_rotation: u64,
    /// Leads per grade under each, when either side has `[grades]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grades: Option<Vec<Diff>>,
    pub conversion: Option<Vec<StagePair>>,
    /// With `--outcome`: the AUCs under each rule set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auc: Option<AucPair>,
    /// Stages that hold leads under one rule set and none under the other
    /// (docs/reference.md §8.3): warning lines.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct AucPair {
    pub base: Auc,
    pub candidate: Auc,
}

/// What compare needs of each side.
pub struct Side<'a> {
    pub label: String,
    pub rules: &'a Rules,
    pub batch: &'a Batch,
    pub routed: Option<&'a Routed>,
}

/// Per input row (by `Lead::index`): stage, team and rep names, and whether
/// an owner took it (its account's, or its rep from an earlier run).
struct Outcome {
    stage: Vec<usize>,
    team: Vec<Option<String>>,
    rep: Vec<Option<String>>,
    owner: Vec<bool>,
}

fn per_index(side: &Side) -> Outcome {
    let n = side.batch.leads.len();
    let mut o = Outcome { stage: vec![0; n], team: vec![None; n], rep: vec![None; n], owner: vec![false; n] };
    for (k, l) in side.batch.leads.iter().enumerate() {
        let i = l.index as usize;
        o.stage[i] = l.stage as usize;
        if let Some((routed, a)) = side.routed.map(|r| (r, r.assignments[k])) {
            if a.reason.assigned() {
                o.team[i] = a.team().map(|t| routed.team_name(side.rules, t).to_string());
            }
            o.rep[i] = a.rep().map(|r| routed.rep_name(side.rules, r).to_string());
            o.owner[i] = matches!(a.reason, Reason::AccountOwner | Reason::AssignedBefore);
        }
    }
    o
}

/// Stages that hold leads under one rule set and none under the other, by
/// name: the leads per stage are the matrix's row and column sums.
fn empty_stage_warnings(c: &Comparison) -> Vec<String> {
    let base = |name: &str| c.base_stages.iter().position(|s| s == name).map(|i| c.matrix[i].iter().sum::<u64>());
    let candidate = |name: &str| {
        c.candidate_stages.iter().position(|s| s == name).map(|j| c.matrix.iter().map(|r| r[j]).sum::<u64>())
    };
    let mut names: Vec<&String> = c.base_stages.iter().collect();
    names.extend(c.candidate_stages.iter().filter(|s| !c.base_stages.contains(s)));
    let mut out = Vec::new();
    for name in names {
        let (a, b) = (base(name), candidate(name));
        let (held, full, empty, none) = match (a.unwrap_or(0), b.unwrap_or(0)) {
            (n, 0) if n > 0 => (n, &c.base_rules, &c.candidate_rules, b.is_none()),
            (0, n) if n > 0 => (n, &c.candidate_rules, &c.base_rules, a.is_none()),
            _ => continue,
        };
        let missing = if none { format!(" (it has no stage '{name}')") } else { String::new() };
        out.push(format!("stage '{name}' holds {held} leads under {full} and none under {empty}{missing}"));
    }
    out
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
    // Same stage and team, no owner on either side: another teammate's turn.
    let rotation = (0..n)
        .filter(|&i| {
            oa.rep[i] != ob.rep[i]
                && sa[oa.stage[i]] == sb[ob.stage[i]]
                && oa.team[i] == ob.team[i]
                && !oa.owner[i]
                && !ob.owner[i]
        })
        .count() as u64;
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
    let mut c = Comparison {
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
        rep_changed_by_stage_team_or_owner: rep_changed - rotation,
        rep_changed_in_rotation: rotation,
        grades,
        conversion,
        auc: outcome.then(|| AucPair { base: aucs(a.batch), candidate: aucs(b.batch) }),
        warnings: Vec::new(),
    };
    c.warnings = empty_stage_warnings(&c);
    c
}

#[cfg(test)]
mod tests {
    use super::auc;

    fn of(values: &[i64], converted: &[bool]) -> Option<f64> {
        let mut v: Vec<(i64, bool)> = values.iter().copied().zip(converted.iter().copied()).collect();
        auc(&mut v)
    }

    /// The definition: over every (converted, not converted) pair, 1 when the
    /// converted one is higher, ½ for a tie, 0 otherwise; the mean.
    fn by_pairs(v: &[(i64, bool)]) -> f64 {
        let (mut sum, mut pairs) = (0.0, 0.0);
        for a in v.iter().filter(|a| a.1) {
            for b in v.iter().filter(|b| !b.1) {
                sum += if a.0 > b.0 {
                    1.0
                } else if a.0 == b.0 {
                    0.5
                } else {
                    0.0
                };
                pairs += 1.0;
            }
        }
        sum / pairs
    }

    #[test]
    fn ties_count_half() {
        // Converted at 2 and 3, not converted at 1 and 2: the pairs (2,1) 1,
        // (2,2) ½, (3,1) 1, (3,2) 1 make 3.5 of 4. By midranks: the values
        // 1, 2, 2, 3 rank 1, 2.5, 2.5, 4; the converted sum R = 2.5 + 4 = 6.5,
        // U = R − 2·3/2 = 3.5, AUC = 3.5 / (2·2) = 0.875.
        assert_eq!(of(&[1, 2, 2, 3], &[false, true, false, true]), Some(0.875));
        // Input order does not matter.
        assert_eq!(of(&[3, 2, 1, 2], &[true, false, false, true]), Some(0.875));
    }

    #[test]
    fn all_tied_is_one_half_perfect_is_one_reversed_is_zero() {
        assert_eq!(of(&[5, 5, 5, 5, 5], &[true, false, false, true, false]), Some(0.5));
        assert_eq!(of(&[9, 8, 1, 2, 3], &[true, true, false, false, false]), Some(1.0));
        assert_eq!(of(&[1, 2, 8, 9], &[true, true, false, false]), Some(0.0));
    }

    #[test]
    fn undefined_without_both_outcomes() {
        assert_eq!(of(&[1, 2, 3], &[true, true, true]), None);
        assert_eq!(of(&[1, 2, 3], &[false, false, false]), None);
        assert_eq!(of(&[], &[]), None);
    }

    #[test]
    fn matches_the_pairwise_definition_on_many_ties() {
        // A small deterministic generator: values in 0..7 so that ties abound.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for n in [2usize, 3, 10, 57, 400] {
            let mut v = Vec::new();
            for _ in 0..n {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                v.push(((x % 7) as i64 - 3, (x >> 20) & 3 == 0));
            }
            v[0].1 = true;
            v[1].1 = false;
            let want = by_pairs(&v);
            let got = auc(&mut v.clone()).unwrap();
            assert!((got - want).abs() < 1e-12, "n {n}: {got} vs {want}");
        }
    }
}
