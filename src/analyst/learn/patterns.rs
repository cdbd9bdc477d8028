//! Every lead reduced to what `learn` needs of it: per criterion its
//! contribution in units (held → 1, or floor(v / u) for `per`), per decaying
//! criterion the age of its date, the stage its CRM cell names, and its score
//! under RULES. Leads with the same of all these are one *pattern*, counted per
//! fold (leads and conversions), so that the fits and scores run over the
//! distinct patterns, not over every lead. Patterns are sorted by their key,
//! so nothing depends on thread timing or hash order.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::engine::batch::Batch;
use crate::engine::input::{LineCounter, RecordReader};
use crate::engine::score::RowScorer;
use crate::rules::Rules;
use crate::support::num::Cents;

/// No date for a decaying criterion (its contribution is 0).
pub const NO_DATE: i64 = -1;
/// No CRM stage.
pub const NO_CRM: i64 = -1;

/// The distinct patterns of an export.
pub struct Patterns {
    /// Per pattern `width` values: units per criterion, age per decay (in
    /// `Plan::decays` order), CRM stage, score under RULES in hundredths.
    pub keys: Vec<i64>,
    pub width: usize,
    /// Per pattern `2 × folds` values: leads in fold f, conversions in fold f.
    pub counts: Vec<u32>,
    pub folds: usize,
}

impl Patterns {
    pub fn len(&self) -> usize {
        self.counts.len() / (2 * self.folds)
    }

    pub fn key(&self, i: usize) -> &[i64] {
        &self.keys[i * self.width..(i + 1) * self.width]
    }

    /// Leads and conversions of pattern `i` in fold `f`.
    pub fn in_fold(&self, i: usize, f: usize) -> (u64, u64) {
        let c = &self.counts[i * 2 * self.folds..];
        (c[2 * f] as u64, c[2 * f + 1] as u64)
    }

    /// The score under RULES.
    pub fn old_score(&self, i: usize) -> Cents {
        Cents(self.key(i)[self.width - 1])
    }
}

/// The largest number of units that still matters for each criterion: a
/// `per` count beyond ceil(max / |points|) scores the cap, under RULES and
/// under any learned points (see `learn::cap_units`). Patterns then merge.
fn unit_ceiling(rules: &Rules) -> Vec<Option<i64>> {
    rules
        .criteria
        .iter()
        .map(|c| {
            let m = c.max?.0;
            if c.disqualify {
                return None;
            }
            let p = if c.points.0 == 0 { 100 } else { c.points.0.abs() };
            Some(((m + p - 1) / p).max(1))
        })
        .collect()
}

/// Reads every well-formed lead once more (in parallel), into patterns.
/// `seed` and `folds` place each lead in its fold by its id.
pub fn extract(rules: &Rules, batch: &Batch, seed: u64, folds: u32) -> Patterns {
    let plan = &batch.plan;
    // The same plan with every criterion worth one hundredth per unit, no
    // caps and no decay: a criterion's contribution is then its units.
    let mut units_plan = plan.clone();
    for c in &mut units_plan.criteria {
        c.points = Cents(1);
        c.max = None;
    }
    units_plan.decays.clear();
    let m = plan.criteria.len();
    let width = m + plan.decays.len() + 2;
    let ceiling = unit_ceiling(rules);
    let k = folds as usize;
    let text = batch.input.text.as_str();
    // Under `[input] id = "@line"` a lead's id is its line (leads are in input order here).
    let lines: Vec<usize> = match plan.id_col {
        Some(_) => Vec::new(),
        None => {
            let mut lc = LineCounter::default();
            batch.leads.iter().map(|l| lc.line_at(text.as_bytes(), l.offset)).collect()
        }
    };
    const CHUNK: usize = 1 << 15;
    let parts: Vec<(Vec<i64>, Vec<u32>)> = batch
        .leads
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(ci, leads)| {
            let mut scratch = RowScorer::new(&units_plan);
            let mut rr = RecordReader::new(batch.delimiter);
            let mut seen: HashMap<Box<[i64]>, usize, foldhash::fast::FixedState> = HashMap::default();
            let (mut keys, mut counts) = (Vec::new(), Vec::new());
            let mut key = vec![0i64; width];
            let mut line_id = String::new();
            for (li, lead) in leads.iter().enumerate() {
                let Some(rec) = rr.read(text, lead.offset) else { continue };
                let fields = &rec.fields;
                scratch.load(&units_plan, fields);
                scratch.score(&units_plan, fields, None, None);
                for j in 0..m {
                    let u = if plan.criteria[j].disqualify { scratch.held[j] as i64 } else { scratch.contrib[j].0 };
                    key[j] = ceiling[j].map_or(u, |c| u.min(c));
                }
                for (di, d) in plan.decays.iter().enumerate() {
                    key[m + di] = match scratch.decay_age(d, plan.as_of) {
                        _ if key[d.criterion] == 0 => 0,
                        Some(age) => age,
                        None => NO_DATE,
                    };
                }
                key[width - 2] = match plan.crm_slot.map(|s| scratch.crm_stage(plan, fields, s)) {
                    Some(Some(Some(stage))) => stage as i64,
                    _ => NO_CRM,
                };
                key[width - 1] = lead.score().0;
                let id = match plan.id_col {
                    Some(col) => fields.cell(col),
                    None => {
                        line_id.clear();
                        line_id.push_str(&lines[ci * CHUNK + li].to_string());
                        &line_id
                    }
                };
                let fold = super::folds::fold_of(seed, id, folds) as usize;
                let converted = batch.outcomes.get(lead.index as usize).copied().unwrap_or(false);
                let p = match seen.get(&key[..]) {
                    Some(&p) => p,
                    None => {
                        let p = counts.len() / (2 * k);
                        seen.insert(key.clone().into_boxed_slice(), p);
                        keys.extend_from_slice(&key);
                        counts.resize(counts.len() + 2 * k, 0);
                        p
                    }
                };
                counts[p * 2 * k + 2 * fold] += 1;
                counts[p * 2 * k + 2 * fold + 1] += converted as u32;
            }
            (keys, counts)
        })
        .collect();
    // Merge the chunks, then order the patterns by key.
    let mut index: HashMap<Box<[i64]>, usize, foldhash::fast::FixedState> = HashMap::default();
    let (mut keys, mut counts): (Vec<i64>, Vec<u32>) = (Vec::new(), Vec::new());
    for (pk, pc) in parts {
        for (key, c) in pk.chunks(width).zip(pc.chunks(2 * k)) {
            let p = *index.entry(key.into()).or_insert_with(|| {
                keys.extend_from_slice(key);
                counts.resize(counts.len() + 2 * k, 0);
                counts.len() / (2 * k) - 1
            });
            for (a, b) in counts[p * 2 * k..(p + 1) * 2 * k].iter_mut().zip(c) {
                *a += b;
            }
        }
    }
    let n = counts.len() / (2 * k);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| keys[a * width..(a + 1) * width].cmp(&keys[b * width..(b + 1) * width]));
    let mut sorted =
        Patterns { keys: Vec::with_capacity(keys.len()), width, counts: Vec::with_capacity(counts.len()), folds: k };
    for p in order {
        sorted.keys.extend_from_slice(&keys[p * width..(p + 1) * width]);
        sorted.counts.extend_from_slice(&counts[p * 2 * k..(p + 1) * 2 * k]);
    }
    sorted
}
