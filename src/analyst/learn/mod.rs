//! `leadroute learn` (docs/reference.md §8.3): points from the data. A logistic regression
//! of the outcome on each criterion's contribution in units, its coefficients
//! scaled so that the learned scores span the range RULES' scores span, caps
//! carried over, each stage's `min_fit` and `min_engagement` moved so that as
//! many leads meet each as under RULES and its `min_score` so that as many
//! leads reach it; and the out-of-sample AUC of the old and the learned
//! points over K folds.
//!
//! `patterns` reduces the export to distinct patterns, `fit` fits the model,
//! `folds` places leads in folds, `rewrite` writes the file, `report` renders
//! the table. The AUC is `calibrate::auc`, as `score --outcome` reports it.

pub mod fit;
pub mod folds;
pub mod patterns;
pub mod report;
pub mod rewrite;

use rayon::prelude::*;

use crate::engine::batch::{Batch, Lead};
use crate::rules::{Group, Rules, keys};
use crate::support::num::{CENTS_LIMIT, Cents, DEC_SCALE};
use patterns::{NO_CRM, NO_DATE, Patterns};
use rewrite::{Edit, Place};

/// The L2 penalty on the standardised coefficients (see `fit`), in units of
/// the summed log-likelihood: a Normal(0, 1) prior on each coefficient per
/// standard deviation of its criterion. Negligible beside thousands of leads,
/// it keeps a criterion that separates the outcome perfectly (a leaked
/// column, a criterion few leads hold) finite instead of infinite.
pub const LAMBDA: f64 = 1.0;

/// `--folds` and `--seed`.
pub struct Options {
    pub folds: u32,
    pub seed: u64,
}

/// One criterion's old and learned values.
#[derive(Clone, Debug)]
pub struct CriterionResult {
    pub name: String,
    pub group: Group,
    pub disqualify: bool,
    pub old_points: Cents,
    pub new_points: Cents,
    /// Log-odds per unit (None: a disqualify criterion, not fitted).
    pub coef: Option<f64>,
    pub old_max: Option<Cents>,
    pub new_max: Option<Cents>,
}

/// One stage's thresholds and the leads at or above it, under RULES and learned.
#[derive(Clone, Debug)]
pub struct StageResult {
    pub name: String,
    pub old_min_score: Option<Cents>,
    pub new_min_score: Option<Cents>,
    pub old_min_fit: Option<Cents>,
    pub new_min_fit: Option<Cents>,
    pub old_min_engagement: Option<Cents>,
    pub new_min_engagement: Option<Cents>,
    pub leads_old: u64,
    pub leads_new: u64,
}

impl StageResult {
    /// Whether the learned file moves the stage's size by more than 1% of
    /// RULES' count, or 5 leads, whichever is more (docs/reference.md §8.3).
    pub fn off(&self) -> bool {
        let d = self.leads_old.abs_diff(self.leads_new);
        d > 5 && d * 100 > self.leads_old
    }
}

/// One fold's held-out leads and AUCs.
#[derive(Clone, Debug)]
pub struct FoldResult {
    pub leads: u64,
    pub converted: u64,
    pub auc_old: Option<f64>,
    pub auc_new: Option<f64>,
}

pub struct Learned {
    pub criteria: Vec<CriterionResult>,
    pub stages: Vec<StageResult>,
    pub folds: Vec<FoldResult>,
    /// Means over the folds that have both converted and other leads held out.
    pub auc_old: Option<f64>,
    pub auc_new: Option<f64>,
    pub scale: f64,
    pub range_old: Cents,
    pub range_new: Cents,
    pub leads: u64,
    pub converted: u64,
    /// Leads the fit used (all but the disqualified) and those left out.
    pub fitted: u64,
    pub disqualified: u64,
    pub patterns: usize,
    pub edits: Vec<Edit>,
    /// Learned values that went past what a rules file allows and were
    /// clamped to it, one line each for the report (`scoring.max_fit: ...`).
    pub clamped: Vec<String>,
}

/// The model's view of the rules: which criteria are features, their caps
/// in units, their decays.
struct Model<'a> {
    rules: &'a Rules,
    /// Criteria that are features: all but `disqualify` ones.
    features: Vec<usize>,
    /// Per criterion: its cap in units, max / |points| (max / 1 point when
    /// points are 0).
    cap_units: Vec<Option<f64>>,
    /// Per criterion: its decay's index in the key, and its half-life in days.
    decay: Vec<Option<(usize, f64)>>,
}

/// Learned values applied to the rules: what a pattern scores under them.
#[derive(Clone, Debug)]
struct Points {
    points: Vec<Cents>,
    max: Vec<Option<Cents>>,
    max_fit: Option<Cents>,
    max_engagement: Option<Cents>,
    scale: f64,
    /// The values clamped to what a rules file allows (see `Clamp`).
    clamped: Vec<String>,
}

/// Learned values kept within what a rules file allows (`num::CENTS_LIMIT`),
/// so that the learned file always passes `check`; each value clamped is noted.
#[derive(Default)]
struct Clamp {
    notes: Vec<String>,
}

impl Clamp {
    /// `v` within -limit ..= limit (0 ..= limit when `nonnegative`).
    fn value(&mut self, what: impl FnOnce() -> String, v: Cents, nonnegative: bool) -> Cents {
        let (lo, hi) = (if nonnegative { 0 } else { -CENTS_LIMIT.0 }, CENTS_LIMIT.0);
        let c = Cents(v.0.clamp(lo, hi));
        if c != v {
            self.notes.push(format!(
                "{}: the learned value {v} is beyond what a rules file allows (-{CENTS_LIMIT} to {CENTS_LIMIT}): \
                 written as {c}",
                what()
            ));
        }
        c
    }
}

/// A stage's tests under some points.
struct StageTests {
    min_score: Option<Cents>,
    min_fit: Option<Cents>,
    min_engagement: Option<Cents>,
    require: Vec<usize>,
}

/// A pattern's score under some points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Scored {
    fit: Cents,
    engagement: Cents,
    disqualified: bool,
}

impl Scored {
    /// The score the stages test.
    fn score(&self) -> Cents {
        self.fit + self.engagement
    }

    /// The score `score` writes (fit and engagement as a lead keeps them).
    fn kept(&self) -> Cents {
        crate::engine::batch::kept_score(self.fit, self.engagement)
    }
}

impl<'a> Model<'a> {
    fn new(rules: &'a Rules, batch: &Batch) -> Model<'a> {
        let m = rules.criteria.len();
        let mut decay = vec![None; m];
        for (di, d) in batch.plan.decays.iter().enumerate() {
            decay[d.criterion] = Some((m + di, d.half_life_days.0 as f64 / DEC_SCALE as f64));
        }
        Model {
            rules,
            features: (0..m).filter(|&j| !rules.criteria[j].disqualify).collect(),
            cap_units: rules
                .criteria
                .iter()
                .map(|c| c.max.map(|mx| mx.0 as f64 / if c.points.0 == 0 { 100.0 } else { c.points.0.abs() as f64 }))
                .collect(),
            decay,
        }
    }

    /// Criterion j's feature: its units, capped, times its decay factor.
    fn x(&self, key: &[i64], j: usize) -> f64 {
        let u = key[j] as f64;
        let u = self.cap_units[j].map_or(u, |c| u.min(c));
        match self.decay[j] {
            Some((k, _)) if key[k] == NO_DATE => 0.0,
            Some((k, half)) => u * (-(key[k] as f64) / half).exp2(),
            None => u,
        }
    }

    fn disqualified(&self, key: &[i64]) -> bool {
        self.rules.criteria.iter().enumerate().any(|(j, c)| c.disqualify && key[j] >= 1)
    }

    /// The score of a pattern under these points, exactly as `score` computes it.
    fn score(&self, key: &[i64], pts: &Points) -> Scored {
        let (mut fit, mut engagement) = (Cents::ZERO, Cents::ZERO);
        let mut disqualified = false;
        for (j, c) in self.rules.criteria.iter().enumerate() {
            let u = key[j];
            let p = (u as i128 * pts.points[j].0 as i128).clamp(i64::MIN as i128, i64::MAX as i128);
            let mut p = Cents(p as i64);
            if let Some(m) = pts.max[j] {
                p = Cents(p.0.clamp(-m.0, m.0));
            }
            if c.disqualify {
                disqualified |= u >= 1;
                p = Cents::ZERO;
            }
            if let (Some((k, _)), Some(d)) = (self.decay[j], &c.decay) {
                p = if key[k] == NO_DATE {
                    Cents::ZERO
                } else {
                    crate::engine::score::decay(p, key[k], d.half_life_days)
                };
            }
            match c.group {
                Group::Fit => fit += p,
                Group::Engagement => engagement += p,
            }
        }
        if let Some(m) = pts.max_fit {
            fit = fit.min(m);
        }
        if let Some(m) = pts.max_engagement {
            engagement = engagement.min(m);
        }
        Scored { fit, engagement, disqualified }
    }

    /// RULES' own points, caps and decays.
    fn old_points(&self) -> Points {
        let r = self.rules;
        Points {
            points: r.criteria.iter().map(|c| c.points).collect(),
            max: r.criteria.iter().map(|c| c.max).collect(),
            max_fit: r.max_fit,
            max_engagement: r.max_engagement,
            scale: 1.0,
            clamped: Vec::new(),
        }
    }

    /// Fits the model on the leads outside fold `held_out` (all leads when
    /// None), disqualified leads left out; None when those leads are all
    /// converted or none is.
    fn fit(&self, pats: &Patterns, held_out: Option<usize>) -> Option<fit::Fit> {
        let p = self.features.len();
        let (mut x, mut n, mut y) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..pats.len() {
            let key = pats.key(i);
            let (leads, conv) = train_counts(pats, i, held_out);
            if leads == 0 || self.disqualified(key) {
                continue;
            }
            x.extend(self.features.iter().map(|&j| self.x(key, j)));
            n.push(leads as f64);
            y.push(conv as f64);
        }
        fit::logistic(&fit::Design { x: &x, p, n: &n, y: &y }, LAMBDA)
    }

    /// Points from a fit: coefficients × s, s chosen so that the learned
    /// scores of the leads outside `held_out` span what their RULES scores span
    /// (max − min). Caps in units kept; group caps × s.
    fn points(&self, f: &fit::Fit, pats: &Patterns, held_out: Option<usize>) -> Points {
        let r = self.rules;
        let mut beta = vec![0.0; r.criteria.len()];
        for (k, &j) in self.features.iter().enumerate() {
            beta[j] = f.coef[k];
        }
        // The score on the log-odds scale, with the group caps as they will be
        // after × s: min(s·Σβx, s·cap) = s·min(Σβx, cap).
        let cap = |c: Option<Cents>| c.map(|c| c.as_f64());
        let (cap_fit, cap_eng) = (cap(r.max_fit), cap(r.max_engagement));
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut old_lo, mut old_hi) = (i64::MAX, i64::MIN);
        for i in 0..pats.len() {
            if train_counts(pats, i, held_out).0 == 0 {
                continue;
            }
            let key = pats.key(i);
            let (mut fit, mut eng) = (0.0, 0.0);
            for &j in &self.features {
                let v = beta[j] * self.x(key, j);
                match r.criteria[j].group {
                    Group::Fit => fit += v,
                    Group::Engagement => eng += v,
                }
            }
            let s = cap_fit.map_or(fit, |c| fit.min(c)) + cap_eng.map_or(eng, |c| eng.min(c));
            lo = lo.min(s);
            hi = hi.max(s);
            old_lo = old_lo.min(pats.old_score(i).0);
            old_hi = old_hi.max(pats.old_score(i).0);
        }
        let range_old = if old_hi >= old_lo { (old_hi - old_lo) as f64 / 100.0 } else { 0.0 };
        let range = hi - lo;
        // Nothing separates the leads (every coefficient 0): points stay the coefficients.
        let scale = if range > 0.0 && range.is_finite() { range_old / range } else { 1.0 };
        let mut points = Vec::new();
        let mut max = Vec::new();
        let mut clamp = Clamp::default();
        for (j, c) in r.criteria.iter().enumerate() {
            if c.disqualify {
                points.push(c.points);
                max.push(c.max);
                continue;
            }
            let p = clamp.value(|| format!("criteria.{}.points", c.name), to_cents(beta[j] * scale), false);
            points.push(p);
            max.push(c.max.map(|m| match p.0 {
                0 => m,
                _ => {
                    let base = if c.points.0 == 0 { 100 } else { c.points.0.abs() } as i128;
                    let v = (2 * m.0 as i128 * p.0.abs() as i128 + base) / (2 * base);
                    let v = Cents(v.min(i64::MAX as i128) as i64);
                    clamp.value(|| format!("criteria.{}.max", c.name), v, true)
                }
            }));
        }
        let mut group_cap =
            |key: &str, c: Option<Cents>| c.map(|c| clamp.value(|| format!("scoring.{key}"), times(c, scale), false));
        let (max_fit, max_engagement) =
            (group_cap("max_fit", r.max_fit), group_cap("max_engagement", r.max_engagement));
        Points { points, max, max_fit, max_engagement, scale, clamped: clamp.notes }
    }
}

/// Leads and conversions of pattern i outside fold `held_out` (all with None).
fn train_counts(pats: &Patterns, i: usize, held_out: Option<usize>) -> (u64, u64) {
    (0..pats.folds)
        .filter(|&f| Some(f) != held_out)
        .map(|f| pats.in_fold(i, f))
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// A number of points rounded to hundredths, halves away from zero.
fn to_cents(v: f64) -> Cents {
    let c = (v * 100.0).round();
    if c.is_finite() { Cents(c.clamp(-1e15, 1e15) as i64) } else { Cents::ZERO }
}

/// A value in hundredths × s, rounded to hundredths.
fn times(c: Cents, s: f64) -> Cents {
    to_cents(c.as_f64() * s)
}

/// Whether a stage's tests hold for a pattern scored `s`.
fn holds(st: &StageTests, s: &Scored, key: &[i64]) -> bool {
    st.min_score.is_none_or(|m| s.score() >= m)
        && st.min_fit.is_none_or(|m| s.fit >= m)
        && st.min_engagement.is_none_or(|m| s.engagement >= m)
        && st.require.iter().all(|&c| key[c] >= 1)
}

/// The stage of a pattern (as `stage::stage_of`, then `[input] current_stage`).
fn stage_of(tests: &[StageTests], s: &Scored, key: &[i64], disqualified_stage: usize) -> usize {
    if s.disqualified {
        return disqualified_stage;
    }
    let stage = tests.iter().rposition(|st| holds(st, s, key)).unwrap_or(0);
    let crm = key[key.len() - 2];
    if crm != NO_CRM { stage.max(crm as usize) } else { stage }
}

/// Every lead that is not disqualified counts as converted, or none does.
#[derive(Debug, thiserror::Error)]
#[error(
    "among the leads that are not disqualified, every lead counts as converted, or none does: there is nothing to \
     learn from"
)]
pub struct NothingToLearn;

/// Learns points, caps and thresholds from a batch with outcomes (leads in
/// input order).
pub fn learn(rules: &Rules, batch: &Batch, opts: &Options) -> Result<Learned, NothingToLearn> {
    let pats = patterns::extract(rules, batch, opts.seed, opts.folds);
    let model = Model::new(rules, batch);
    let k = opts.folds as usize;
    debug_assert!({
        let old = model.old_points();
        (0..pats.len()).all(|i| model.score(pats.key(i), &old).kept() == pats.old_score(i))
    });
    // Fold fits and the fit on every lead, in parallel; each is deterministic.
    let fits: Vec<Option<(fit::Fit, Points)>> = (0..=k)
        .into_par_iter()
        .map(|f| {
            let held_out = (f < k).then_some(f);
            let fit = model.fit(&pats, held_out)?;
            let pts = model.points(&fit, &pats, held_out);
            Some((fit, pts))
        })
        .collect();
    let folds: Vec<FoldResult> =
        (0..k).map(|f| fold_result(&model, &pats, f, fits[f].as_ref().map(|x| &x.1))).collect();
    let mean = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let both: Vec<&FoldResult> = folds.iter().filter(|f| f.auc_old.is_some() && f.auc_new.is_some()).collect();
    let auc_old = mean(both.iter().filter_map(|f| f.auc_old).collect());
    let auc_new = mean(both.iter().filter_map(|f| f.auc_new).collect());

    let Some((full_fit, pts)) = &fits[k] else {
        return Err(NothingToLearn);
    };
    let (mut leads, mut converted, mut fitted, mut disqualified) = (0, 0, 0, 0);
    let scored: Vec<Scored> = (0..pats.len()).map(|i| model.score(pats.key(i), pts)).collect();
    let mut lo_hi = (i64::MAX, i64::MIN);
    let mut old_lo_hi = (i64::MAX, i64::MIN);
    for (i, s) in scored.iter().enumerate() {
        let (n, y) = train_counts(&pats, i, None);
        leads += n;
        converted += y;
        if s.disqualified {
            disqualified += n;
        } else {
            fitted += n;
        }
        lo_hi = (lo_hi.0.min(s.kept().0), lo_hi.1.max(s.kept().0));
        let o = pats.old_score(i).0;
        old_lo_hi = (old_lo_hi.0.min(o), old_lo_hi.1.max(o));
    }
    let span = |(lo, hi): (i64, i64)| Cents(if hi >= lo { hi - lo } else { 0 });

    let mut clamp = Clamp { notes: pts.clamped.clone() };
    let moved = thresholds(rules, batch, &pats, &scored, &mut clamp);
    let criteria: Vec<CriterionResult> = rules
        .criteria
        .iter()
        .enumerate()
        .map(|(j, c)| CriterionResult {
            name: c.name.clone(),
            group: c.group,
            disqualify: c.disqualify,
            old_points: c.points,
            new_points: pts.points[j],
            coef: model.features.iter().position(|&f| f == j).map(|k| full_fit.coef[k]),
            old_max: c.max,
            new_max: pts.max[j],
        })
        .collect();
    let edits = edits(rules, &criteria, &moved, pts);
    Ok(Learned {
        criteria,
        stages: moved.stages,
        folds,
        auc_old,
        auc_new,
        scale: pts.scale,
        range_old: span(old_lo_hi),
        range_new: span(lo_hi),
        leads,
        converted,
        fitted,
        disqualified,
        patterns: pats.len(),
        edits,
        clamped: clamp.notes,
    })
}

/// Fold f's held-out leads scored with RULES' points and with the points
/// learned without them.
fn fold_result(model: &Model, pats: &Patterns, f: usize, pts: Option<&Points>) -> FoldResult {
    let (mut old, mut new) = (Vec::new(), Vec::new());
    let (mut leads, mut converted) = (0, 0);
    for i in 0..pats.len() {
        let (n, y) = pats.in_fold(i, f);
        if n == 0 {
            continue;
        }
        leads += n;
        converted += y;
        // One entry per lead: (score, converted).
        let expand = |v: &mut Vec<(i64, bool)>, score: Cents| {
            v.extend((0..n).map(|k| (score.0, k < y)));
        };
        expand(&mut old, pats.old_score(i));
        if let Some(p) = pts {
            expand(&mut new, model.score(pats.key(i), p).kept());
        }
    }
    FoldResult {
        leads,
        converted,
        auc_old: crate::analyst::calibrate::auc(&mut old),
        auc_new: pts.and_then(|_| crate::analyst::calibrate::auc(&mut new)),
    }
}

/// Leads per value, highest value first, one entry per distinct value.
fn by_value(mut v: Vec<(Cents, u64)>) -> Vec<(Cents, u64)> {
    v.sort_unstable_by_key(|o| std::cmp::Reverse(o.0));
    let mut out: Vec<(Cents, u64)> = Vec::with_capacity(v.len());
    for (c, n) in v {
        match out.last_mut() {
            Some(last) if last.0 == c => last.1 += n,
            _ => out.push((c, n)),
        }
    }
    out
}

/// The threshold at which `base` leads plus those of `values` (distinct,
/// highest first) at or above it come closest to `want`: one of the values,
/// or one hundredth above the highest (`base` alone); of two as close, the
/// higher. None without values.
fn closest(values: &[(Cents, u64)], base: u64, want: u64) -> Option<Cents> {
    let top = values.first()?.0;
    let mut best = (base.abs_diff(want), Cents(top.0.saturating_add(1)));
    let mut count = base;
    for &(t, n) in values {
        count += n;
        if count.abs_diff(want) < best.0 {
            best = (count.abs_diff(want), t);
        }
    }
    Some(best.1)
}

/// Per band of a `[grades]` list: its learned minimum (none on the last).
type BandMinimums = Vec<Option<Cents>>;

/// The learned thresholds: each stage's, and each `[grades]` band's minimum.
struct Moved {
    stages: Vec<StageResult>,
    /// The fit and engagement bands of `[grades]`.
    grades: Option<(BandMinimums, BandMinimums)>,
}

/// Stages moved from the top down (docs/reference.md §8.3): each stage's `min_fit` and
/// `min_engagement` (where RULES sets them) so that as many leads that are
/// not disqualified meet each under the learned points as under RULES, then
/// its `min_score` so that as many leads reach the stage (its other tests,
/// the stages above and the CRM stage included) as under RULES. Closest
/// count; ties: the higher threshold. Highest stage first: whether a lead
/// reaches a stage depends on the stages above it, never on those below.
/// `[grades]` bands keep the number of leads (all of them: disqualified
/// leads are graded too) meeting their minimum the same way.
fn thresholds(rules: &Rules, batch: &Batch, pats: &Patterns, scored: &[Scored], clamp: &mut Clamp) -> Moved {
    let ns = rules.stages.len();
    let dq = rules.disqualified_stage();
    let total = |i: usize| train_counts(pats, i, None).0;
    // Learned values of the leads (all, or those not disqualified), highest first.
    let learned = |of: fn(&Scored) -> Cents, all: bool| {
        by_value(
            scored.iter().enumerate().filter(|(_, s)| all || !s.disqualified).map(|(i, s)| (of(s), total(i))).collect(),
        )
    };
    // Leads meeting a minimum under RULES.
    let meeting = |of: fn(&Lead) -> Cents, m: Cents, all: bool| {
        batch.leads.iter().filter(|l| (all || l.stage as usize != dq) && of(l) >= m).count() as u64
    };
    let (fits, engagements) = (learned(|s| s.fit, false), learned(|s| s.engagement, false));
    let mut tests: Vec<StageTests> = rules
        .stages
        .iter()
        .map(|st| StageTests {
            min_score: st.min_score,
            min_fit: st.min_fit,
            min_engagement: st.min_engagement,
            require: st.require.clone(),
        })
        .collect();
    // Leads at or above each stage under RULES (disqualified leads never are).
    let mut old_at = vec![0u64; ns];
    for l in &batch.leads {
        let s = l.stage as usize;
        if s < ns {
            old_at[..=s].iter_mut().for_each(|c| *c += 1);
        }
    }
    for s in (1..ns).rev() {
        let name = &rules.stages[s].name;
        if let Some(m) = rules.stages[s].min_fit
            && let Some(t) = closest(&fits, 0, meeting(Lead::fit, m, false))
        {
            tests[s].min_fit = Some(clamp.value(|| format!("stages.{name}.min_fit"), t, false));
        }
        if let Some(m) = rules.stages[s].min_engagement
            && let Some(t) = closest(&engagements, 0, meeting(Lead::engagement, m, false))
        {
            tests[s].min_engagement = Some(clamp.value(|| format!("stages.{name}.min_engagement"), t, false));
        }
        if tests[s].min_score.is_none() {
            continue;
        }
        // Leads above anyway (a higher stage's tests, or their CRM stage), and
        // those whose other tests of this stage hold: (score, leads).
        let mut base = 0u64;
        let mut open: Vec<(Cents, u64)> = Vec::new();
        let other = StageTests { min_score: None, ..copy(&tests[s]) };
        for (i, sc) in scored.iter().enumerate() {
            let key = pats.key(i);
            if sc.disqualified {
                continue;
            }
            let crm = key[key.len() - 2];
            if (crm != NO_CRM && crm as usize >= s) || tests[s + 1..].iter().any(|t| holds(t, sc, key)) {
                base += total(i);
            } else if holds(&other, sc, key) {
                open.push((sc.score(), total(i)));
            }
        }
        // No lead reaches the stage by its score: it keeps its `min_score`.
        if let Some(t) = closest(&by_value(open), base, old_at[s]) {
            tests[s].min_score = Some(clamp.value(|| format!("stages.{name}.min_score"), t, false));
        }
    }
    let mut new_at = vec![0u64; ns];
    for (i, sc) in scored.iter().enumerate() {
        let st = stage_of(&tests, sc, pats.key(i), ns);
        if st < ns {
            new_at[..=st].iter_mut().for_each(|c| *c += total(i));
        }
    }
    let grades = rules.grades.as_ref().map(|g| {
        let mut band = |group: &str, bands: &[crate::rules::Band], of: fn(&Lead) -> Cents, values: &[(Cents, u64)]| {
            let mut out = Vec::new();
            for (i, b) in bands.iter().enumerate() {
                out.push(b.min.map(|m| match closest(values, 0, meeting(of, m, true)) {
                    Some(t) => clamp.value(|| format!("grades.{group}[{}].min_{group}", i + 1), t, false),
                    None => m,
                }));
            }
            out
        };
        let fit = band("fit", &g.fit, Lead::fit, &learned(|s| s.fit, true));
        let engagement = band("engagement", &g.engagement, Lead::engagement, &learned(|s| s.engagement, true));
        (fit, engagement)
    });
    let stages = rules
        .stages
        .iter()
        .enumerate()
        .map(|(s, st)| StageResult {
            name: st.name.clone(),
            old_min_score: st.min_score,
            new_min_score: tests[s].min_score,
            old_min_fit: st.min_fit,
            new_min_fit: tests[s].min_fit,
            old_min_engagement: st.min_engagement,
            new_min_engagement: tests[s].min_engagement,
            leads_old: old_at[s],
            leads_new: new_at[s],
        })
        .collect();
    Moved { stages, grades }
}

fn copy(t: &StageTests) -> StageTests {
    StageTests {
        min_score: t.min_score,
        min_fit: t.min_fit,
        min_engagement: t.min_engagement,
        require: t.require.clone(),
    }
}

/// The values of the learned file that differ from RULES (and every point
/// that rounds to 0, with its comment).
fn edits(rules: &Rules, criteria: &[CriterionResult], moved: &Moved, pts: &Points) -> Vec<Edit> {
    let mut out = Vec::new();
    let mut push = |at: Place, key: &'static str, old: Option<Cents>, new: Cents, note: Option<String>| {
        if old != Some(new) || note.is_some() {
            out.push(Edit { at, key, old, value: new, note });
        }
    };
    for (c, r) in rules.criteria.iter().zip(criteria) {
        if c.disqualify {
            continue;
        }
        let at = || Place::Named(keys::CRITERIA_TABLE.name, c.name.clone());
        let note = (r.new_points.0 == 0).then(|| "learned: rounds to 0 points".to_string());
        push(at(), keys::CRITERIA.points, Some(c.points), r.new_points, note);
        if let (Some(_), Some(new)) = (c.max, r.new_max) {
            push(at(), keys::CRITERIA.max, c.max, new, None);
        }
    }
    for (key, old, new) in [
        (keys::SCORING.max_fit, rules.max_fit, pts.max_fit),
        (keys::SCORING.max_engagement, rules.max_engagement, pts.max_engagement),
    ] {
        if let Some(new) = new {
            push(Place::Table(keys::SCORING_TABLE.name), key, old, new, None);
        }
    }
    for (st, r) in rules.stages.iter().zip(&moved.stages) {
        for (key, old, new) in [
            (keys::STAGES.min_score, r.old_min_score, r.new_min_score),
            (keys::STAGES.min_fit, r.old_min_fit, r.new_min_fit),
            (keys::STAGES.min_engagement, r.old_min_engagement, r.new_min_engagement),
        ] {
            if let (Some(_), Some(new)) = (old, new) {
                push(Place::Named(keys::STAGES_TABLE.name, st.name.clone()), key, old, new, None);
            }
        }
    }
    if let (Some(g), Some((fit, engagement))) = (&rules.grades, &moved.grades) {
        for (group, key, bands, new) in [
            (keys::GRADES.fit, keys::FIT_BANDS.min_fit, &g.fit, fit),
            (keys::GRADES.engagement, keys::ENGAGEMENT_BANDS.min_engagement, &g.engagement, engagement),
        ] {
            for (i, (b, new)) in bands.iter().zip(new).enumerate() {
                if let (Some(_), Some(new)) = (b.min, *new) {
                    push(Place::Band(group, i), key, b.min, new, None);
                }
            }
        }
    }
    out
}
