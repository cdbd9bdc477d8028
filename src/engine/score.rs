//! Scoring one row: read each needed cell once (trimmed, as a number, as a
//! date), evaluate every criterion in exact hundredths, apply the group caps,
//! and evaluate the routing conditions into bits for `route`.
//!
//! Text tests compare case-insensitively against needles lower-cased once when
//! the rules were compiled. An ASCII cell (nearly all of them) is compared in
//! place with ASCII case folding; only a non-ASCII cell is lower-cased (Unicode)
//! into a buffer first. Both give what comparing `cell.to_lowercase()` gives.

use crate::engine::input::{Fields, trim_range};
use crate::support::date::parse_cell_date;
use crate::support::num::{Cents, Dec, parse_cell_number, without_thousands};
use std::collections::HashMap;

use crate::engine::plan::{BoundDecay, BoundTest, Plan, TextTest};
use crate::rules::conditions::per_units;
use crate::rules::{Group, ValueKind};

/// Reusable per-row buffers: nothing is allocated or copied per row for ASCII cells.
#[derive(Default)]
pub struct RowScorer {
    /// Per slot: where the trimmed cell lies in the fields' bytes
    /// (`Fields::raw`), and whether it is ASCII; a non-ASCII cell's lower-cased
    /// text is in `lower`.
    span: Vec<(usize, usize)>,
    ascii: Vec<bool>,
    lower: Vec<String>,
    num: Vec<Option<Dec>>,
    date: Vec<Option<i32>>,
    empty: Vec<bool>,
    /// Per slot: the cell failed to parse as a number or date it is read as.
    pub bad: Vec<bool>,
    /// Per criterion: whether its test held, and its contribution.
    pub held: Vec<bool>,
    pub contrib: Vec<Cents>,
    /// Per slot with `Slot::memo`: the row's text-test results, and what is
    /// remembered of earlier cells.
    text_bits: Vec<u64>,
    memo: Vec<Memo>,
    /// The lower-cased `current_stage` cell, for the look-up.
    crm_key: String,
}

/// Text-test results per distinct cell of one slot. A column whose cells
/// rarely repeat (emails, say) turns it off after a few thousand rows.
#[derive(Default)]
struct Memo {
    seen: HashMap<Box<[u8]>, u64, foldhash::fast::FixedState>,
    lookups: u32,
    hits: u32,
    off: bool,
}

impl Memo {
    const MAX_ENTRIES: usize = 4096;
    const MAX_KEY: usize = 64;
    const TRIAL: u32 = 2048;

    fn results(&mut self, cell: &[u8], compute: impl FnOnce() -> u64) -> u64 {
        if self.off || cell.len() > Memo::MAX_KEY {
            return compute();
        }
        // Decided once, when the trial is over: off below half hits.
        if self.lookups == Memo::TRIAL && self.hits < Memo::TRIAL / 2 {
            self.off = true;
            self.seen = HashMap::default();
            return compute();
        }
        self.lookups += 1;
        if let Some(&bits) = self.seen.get(cell) {
            self.hits += 1;
            return bits;
        }
        let bits = compute();
        if self.seen.len() < Memo::MAX_ENTRIES {
            self.seen.insert(cell.into(), bits);
        }
        bits
    }
}

/// The figures of one scored row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowScore {
    pub score: Cents,
    pub fit: Cents,
    pub engagement: Cents,
    pub disqualified: bool,
    /// Day number of the `created` cell, if any.
    pub created: Option<i32>,
}

impl RowScorer {
    pub fn new(plan: &Plan) -> RowScorer {
        let n = plan.slots.len();
        RowScorer {
            span: vec![(0, 0); n],
            ascii: vec![true; n],
            lower: vec![String::new(); n],
            num: vec![None; n],
            date: vec![None; n],
            empty: vec![true; n],
            bad: vec![false; n],
            held: vec![false; plan.criteria.len()],
            contrib: vec![Cents::ZERO; plan.criteria.len()],
            text_bits: vec![0; n],
            memo: (0..n).map(|_| Memo::default()).collect(),
            crm_key: String::new(),
        }
    }

    /// Reads the cells of one row into the slots; `holds`, `score` and
    /// `route_bits` then take the same `fields`.
    pub fn load(&mut self, plan: &Plan, fields: &Fields) {
        for (k, slot) in plan.slots[..plan.cell_slots].iter().enumerate() {
            let (raw, at) =
                if slot.col < fields.len() { (fields.str(slot.col), fields.range(slot.col).start) } else { ("", 0) };
            let (start, end) = trim_range(raw);
            let cell = &raw[start..end];
            let empty = cell.is_empty();
            self.empty[k] = empty;
            let mut bad = false;
            if slot.text {
                self.span[k] = (at + start, at + end);
                self.ascii[k] = cell.is_ascii();
                if !self.ascii[k] {
                    self.lower[k] = cell.to_lowercase();
                }
                if let Some(tests) = &slot.memo {
                    let text = if self.ascii[k] { cell.as_bytes() } else { self.lower[k].as_bytes() };
                    self.text_bits[k] = self.memo[k].results(text, || {
                        let mut bits = 0u64;
                        for (bit, which) in tests.iter().enumerate() {
                            let c = match *which {
                                TextTest::Criterion(i) => &plan.criteria[i].cond,
                                TextTest::Cond(i) => &plan.conds[i],
                            };
                            if c.test.holds_text(text, empty, c.finder.as_ref()) {
                                bits |= 1 << bit;
                            }
                        }
                        bits
                    });
                }
            }
            if slot.num {
                let v = match plan.thousands {
                    _ if empty => None,
                    None => parse_cell_number(cell, plan.decimal),
                    Some(t) => {
                        without_thousands(cell, t, plan.decimal).and_then(|c| parse_cell_number(&c, plan.decimal))
                    }
                };
                bad |= !empty && v.is_none();
                self.num[k] = v;
            }
            if slot.date {
                let v = if empty { None } else { parse_cell_date(cell, &plan.date_formats) };
                bad |= !empty && v.is_none();
                self.date[k] = v;
            }
            self.bad[k] = bad && slot.warn;
        }
    }

    /// The text a condition compares: the trimmed ASCII cell as it is, or the
    /// lower-cased non-ASCII one. Compare it with ASCII case folding.
    #[inline]
    fn text<'f>(&'f self, fields: &Fields<'f>, k: usize) -> &'f [u8] {
        if self.ascii[k] {
            let (a, b) = self.span[k];
            fields.raw().get(a..b).unwrap_or_default()
        } else {
            self.lower[k].as_bytes()
        }
    }

    /// Whether a condition holds on the loaded row.
    pub fn holds(&self, fields: &Fields, c: &BoundTest) -> bool {
        let k = c.slot;
        if let Some(bit) = c.text_bit {
            return self.text_bits[k] >> bit & 1 == 1;
        }
        let test = &c.test;
        match test.kind() {
            ValueKind::Text => test.holds_text(self.text(fields, k), self.empty[k], c.finder.as_ref()),
            ValueKind::Number => test.holds_number(self.num[k]),
            ValueKind::Date => test.holds_date(self.date[k], c.day_threshold),
        }
    }

    /// Scores the loaded row; `held` and `contrib` keep the per-criterion detail.
    pub fn score(
        &mut self,
        plan: &Plan,
        fields: &Fields,
        max_fit: Option<Cents>,
        max_engagement: Option<Cents>,
    ) -> RowScore {
        let (mut fit, mut engagement) = (Cents::ZERO, Cents::ZERO);
        let mut disqualified = false;
        for (i, c) in plan.criteria.iter().enumerate() {
            let (held, mut points) = match c.cond.test.per_unit() {
                Some(u) => {
                    let units = per_units(self.num[c.cond.slot], u);
                    let p = (units as i128 * c.points.0 as i128).clamp(i64::MIN as i128, i64::MAX as i128);
                    (units >= 1, Cents(p as i64))
                }
                None => {
                    let h = self.holds(fields, &c.cond);
                    (h, if h { c.points } else { Cents::ZERO })
                }
            };
            if let Some(m) = c.max {
                points = Cents(points.0.clamp(-m.0, m.0));
            }
            if c.disqualify {
                disqualified |= held;
                points = Cents::ZERO;
            }
            self.held[i] = held;
            self.contrib[i] = points;
            match c.group {
                Group::Fit => fit += points,
                Group::Engagement => engagement += points,
            }
        }
        for d in &plan.decays {
            let before = self.contrib[d.criterion];
            let after = self.decayed(before, d, plan.as_of);
            self.contrib[d.criterion] = after;
            match plan.criteria[d.criterion].group {
                Group::Fit => fit += Cents(after.0 - before.0),
                Group::Engagement => engagement += Cents(after.0 - before.0),
            }
        }
        if let Some(m) = max_fit {
            fit = fit.min(m);
        }
        if let Some(m) = max_engagement {
            engagement = engagement.min(m);
        }
        let created = plan.created_slot.and_then(|k| self.date[k]);
        RowScore { score: fit + engagement, fit, engagement, disqualified, created }
    }

    /// A contribution faded by the age of the decay's date: 0 without a date.
    fn decayed(&self, points: Cents, d: &BoundDecay, as_of: i32) -> Cents {
        match self.date[d.slot] {
            Some(day) => decay(points, as_of as i64 - day as i64, d.half_life_days),
            None => Cents::ZERO,
        }
    }

    /// The age in days of a criterion's decay date (0 when on or after as-of),
    /// for `explain`; `None` without a readable date.
    pub fn decay_age(&self, d: &BoundDecay, as_of: i32) -> Option<i64> {
        self.date[d.slot].map(|day| (as_of as i64 - day as i64).max(0))
    }

    /// Sets the text that `@grade` conditions read (after `score`, before `route_bits`).
    pub fn set_grade(&mut self, k: usize, grade: &str) {
        self.ascii[k] = false;
        self.empty[k] = grade.is_empty();
        self.lower[k].clear();
        self.lower[k].push_str(&grade.to_lowercase());
    }

    /// The stage the `[input] current_stage` cell names: `None` for an empty
    /// cell, `Some(None)` for a value no stage lists.
    pub fn crm_stage(&mut self, plan: &Plan, fields: &Fields, k: usize) -> Option<Option<usize>> {
        if self.empty[k] {
            return None;
        }
        let mut key = std::mem::take(&mut self.crm_key);
        let text = self.text(fields, k);
        key.clear();
        key.push_str(&String::from_utf8_lossy(text));
        key.make_ascii_lowercase();
        let stage = plan.crm_stage.get(&key).copied();
        self.crm_key = key;
        Some(stage)
    }

    /// The routing conditions of the loaded row, as bits.
    pub fn route_bits(&self, plan: &Plan, fields: &Fields, out: &mut [u64]) {
        out.iter_mut().for_each(|w| *w = 0);
        for (i, c) in plan.conds.iter().enumerate() {
            if self.holds(fields, c) {
                out[i / 64] |= 1 << (i % 64);
            }
        }
    }
}

/// `points` × 0.5^(age / half_life) in hundredths, rounded to the nearest
/// hundredth, halves away from zero (docs/reference.md §9.1). An age that is a whole number
/// of half-lives divides exactly; any other gives an irrational factor, so the
/// product is never a tie and f64 rounds it right. Age ≤ 0 keeps the points.
pub fn decay(points: Cents, age: i64, half_life: Dec) -> Cents {
    if age <= 0 || points.0 == 0 {
        return points;
    }
    let scaled = age as i128 * crate::support::num::DEC_SCALE;
    if scaled % half_life.0 == 0 {
        let k = scaled / half_life.0;
        let v = points.0.unsigned_abs() as u128;
        let q = if k >= 127 { 0 } else { (v + (1u128 << k >> 1)) >> k };
        let q = q as i64;
        return Cents(if points.0 < 0 { -q } else { q });
    }
    let half = half_life.0 as f64 / crate::support::num::DEC_SCALE as f64;
    let factor = (-(age as f64) / half).exp2();
    Cents((points.0 as f64 * factor).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `n` lookups where every `every`-th cell repeats and the others are
    /// new; returns whether the memo is still on, and a wrong result if any.
    fn trial(n: usize, every: usize) -> (bool, Option<usize>) {
        let mut m = Memo::default();
        let mut wrong = None;
        for i in 0..n {
            let cell = if i % every == every - 1 { "same".to_string() } else { format!("unique {i}") };
            let want = cell.len() as u64;
            if m.results(cell.as_bytes(), || want) != want {
                wrong = Some(i);
            }
        }
        (!m.off, wrong)
    }

    #[test]
    fn memo_switches_off_when_cells_rarely_repeat_whatever_the_last_trial_lookup() {
        // 25% and 50%-minus-one repeats: off after the trial, even when lookup 2,048 is a hit.
        assert_eq!(trial(100_000, 4), (false, None));
        assert_eq!(trial(10_000, 2).1, None);
        // Mostly repeated cells: stays on.
        let mut m = Memo::default();
        for i in 0..10_000 {
            let cell = ["a", "b", "c"][i % 3];
            assert_eq!(m.results(cell.as_bytes(), || i as u64 % 3), i as u64 % 3);
        }
        assert!(!m.off && m.seen.len() == 3);
    }
}
