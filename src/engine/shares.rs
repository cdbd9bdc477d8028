//! Fair shares (docs/reference.md §6.1): a rep's load is `taken / entitled`, where every
//! lead a team takes entitles each rep on that run's roster of the team to
//! `weight ÷ (the roster's weights)` of it. A rep away, paused or new is on no
//! roster meanwhile, so it comes back at the pace of the others instead of
//! catching up. Loads compare exactly: the shares of one team are kept as
//! integers over one common denominator (the product of the rosters'
//! distinct weight sums), in 128 bits when they fit and as `Big` otherwise.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use foldhash::HashMap;

use crate::rules::Rules;
use crate::support::num::{Big, Dec, Ratio, gcd};

/// What earlier runs entitle the rules' reps to (read from a ledger).
#[derive(Clone, Debug, Default)]
pub struct Earlier {
    /// Per team of the rules: per roster weight sum (weights divided by
    /// their greatest common divisor), the numerator per rep.
    terms: Vec<BTreeMap<Big, HashMap<usize, Big>>>,
    /// Per rep: leads imported (`ledger import`): each entitles its rep to itself.
    imported: Vec<u64>,
}

impl Earlier {
    pub fn new(rules: &Rules) -> Earlier {
        Earlier { terms: vec![BTreeMap::new(); rules.teams.len()], imported: vec![0; rules.reps.len()] }
    }

    /// A run's roster of team `team`, whose reps took `n` leads in it:
    /// each member's weight, and which rep of the rules it is now (None: a
    /// rep no longer in the rules, or now in another team).
    pub fn add_roster(&mut self, team: usize, n: u64, roster: &[(Option<usize>, Dec)]) {
        if n == 0 || roster.iter().all(|(r, _)| r.is_none()) {
            return;
        }
        let Some((den, reduced)) = reduce(roster.iter().map(|&(_, w)| w)) else { return };
        let nums = self.terms[team].entry(den).or_default();
        let n = Big::from_u128(u128::from(n));
        for (&(rep, _), w) in roster.iter().zip(reduced) {
            if let Some(r) = rep {
                let add = n.mul(&Big::from_u128(w));
                let slot = nums.entry(r).or_default();
                *slot = slot.add(&add);
            }
        }
    }

    /// `n` leads imported for rep `rep`.
    pub fn add_imported(&mut self, rep: usize, n: u64) {
        self.imported[rep] = self.imported[rep].saturating_add(n);
    }
}

/// Weights divided by their greatest common divisor, and their sum; None
/// when there is none above 0.
fn reduce(weights: impl Iterator<Item = Dec> + Clone) -> Option<(Big, Vec<u128>)> {
    let g = weights.clone().filter(|w| w.0 > 0).fold(0u128, |g, w| gcd(g, w.0.unsigned_abs()));
    if g == 0 {
        return None;
    }
    let reduced: Vec<u128> = weights.map(|w| if w.0 > 0 { w.0.unsigned_abs() / g } else { 0 }).collect();
    let sum = reduced.iter().fold(Big::default(), |s, &w| s.add(&Big::from_u128(w)));
    Some((sum, reduced))
}

/// The entitlements of one run's routing: per rep, `base + m × step` over
/// its team's denominator, `m` being the leads the team took so far in this
/// run.
#[derive(Clone, Debug)]
pub struct Shares {
    /// Per rep: (base, step), exact.
    big: Vec<(Big, Big)>,
    /// Per rep: the same in 64 bits each, when both fit.
    small: Vec<Option<(u64, u64)>>,
    /// Per rep: the same as floating point, a filter before the exact
    /// comparison when they do not fit: most comparisons are decided by
    /// loads far more than rounding apart.
    approx: Vec<(f64, f64)>,
    /// Per team: the common denominator (for people: `explain`).
    den: Vec<Big>,
    /// Per team: leads it took in this run.
    team_taken: Vec<u64>,
}

impl Shares {
    /// `on_roster[r]`: whether rep `r` is on this run's roster of its team.
    pub fn new(rules: &Rules, earlier: &Earlier, on_roster: &[bool]) -> Shares {
        let n = rules.reps.len();
        let mut big = vec![(Big::default(), Big::default()); n];
        let mut den = Vec::with_capacity(rules.teams.len());
        for t in 0..rules.teams.len() {
            let members: Vec<usize> = (0..n).filter(|&r| rules.reps[r].team == t).collect();
            let now = reduce(members.iter().map(|&r| if on_roster[r] { rules.reps[r].weight } else { Dec(0) }));
            // The distinct denominators: the earlier rosters', and this run's.
            let mut dens: Vec<&Big> = earlier.terms.get(t).map(|m| m.keys().collect()).unwrap_or_default();
            if let Some((d, _)) = &now
                && !dens.contains(&d)
            {
                dens.push(d);
            }
            // Each denominator's factor: the product of the others.
            let others = |d: &Big| dens.iter().filter(|&&o| o != d).fold(Big::from_u128(1), |p, o| p.mul(o));
            let all = dens.iter().fold(Big::from_u128(1), |p, d| p.mul(d));
            for &r in &members {
                let mut base = Big::from_u128(u128::from(earlier.imported.get(r).copied().unwrap_or(0))).mul(&all);
                if let Some(terms) = earlier.terms.get(t) {
                    for (d, nums) in terms {
                        if let Some(num) = nums.get(&r) {
                            base = base.add(&num.mul(&others(d)));
                        }
                    }
                }
                big[r].0 = base;
            }
            if let Some((d, reduced)) = &now {
                let factor = others(d);
                for (&r, &w) in members.iter().zip(reduced) {
                    big[r].1 = Big::from_u128(w).mul(&factor);
                }
            }
            den.push(all);
        }
        let small = big
            .iter()
            .map(|(b, s)| {
                let fit = |x: &Big| x.to_u128().and_then(|v| u64::try_from(v).ok());
                Some((fit(b)?, fit(s)?))
            })
            .collect();
        let approx = big.iter().map(|(b, s)| (b.to_f64(), s.to_f64())).collect();
        Shares { big, small, approx, den, team_taken: vec![0; rules.teams.len()] }
    }

    /// Team `t` took a lead: its roster's shares of it are added.
    pub fn took(&mut self, t: usize) {
        self.team_taken[t] += 1;
    }

    /// Rep `r` (of team `t`) compared with rep `o` of the same team, by
    /// load `taken / entitled`: 0 / 0 is 0; a rep that took leads while
    /// entitled to none is above every finite load, and among such reps
    /// fewer taken is lower.
    pub fn cmp(&self, t: usize, (r, taken_r): (usize, u64), (o, taken_o): (usize, u64)) -> Ordering {
        let m = self.team_taken[t];
        if let (Some(a), Some(b)) = (self.small[r], self.small[o])
            && let (Some(na), Some(nb)) = (small_entitled(a, m), small_entitled(b, m))
        {
            return cmp_loads(taken_r, na == 0, taken_o, nb == 0, || {
                Ratio { num: i128::from(taken_r), den: na }.cmp(&Ratio { num: i128::from(taken_o), den: nb })
            });
        }
        // Entitlements are sums of terms ≥ 0: zero exactly when no term is.
        let zero = |r: usize| self.big[r].0.is_zero() && (m == 0 || self.big[r].1.is_zero());
        cmp_loads(taken_r, zero(r), taken_o, zero(o), || {
            // taken_r / e_r against taken_o / e_o, as taken_r × e_o against
            // taken_o × e_r: in floating point when the two are more than a
            // billionth apart (far beyond its rounding: a few units in the
            // 53rd bit per limb of the numbers), else exactly.
            let e = |r: usize| self.approx[r].0 + self.approx[r].1 * m as f64;
            let (x, y) = (taken_r as f64 * e(o), taken_o as f64 * e(r));
            if x.is_finite() && y.is_finite() && (x - y).abs() > 1e-9 * x.max(y) {
                return x.partial_cmp(&y).unwrap_or(Ordering::Equal);
            }
            let (na, nb) = (self.entitled(r, m), self.entitled(o, m));
            Big::from_u128(u128::from(taken_r)).mul(&nb).cmp(&Big::from_u128(u128::from(taken_o)).mul(&na))
        })
    }

    /// Rep `r`'s entitlement's numerator once its team took `m` leads.
    fn entitled(&self, r: usize, m: u64) -> Big {
        let (base, step) = &self.big[r];
        base.add(&step.mul(&Big::from_u128(u128::from(m))))
    }

    /// Rep `r`'s entitlement as people read it: `3`, `2.5`, `≈2.33`.
    pub fn entitled_text(&self, t: usize, r: usize) -> String {
        let num = self.entitled(r, self.team_taken[t]);
        let den = &self.den[t];
        if let (Some(n), Some(d)) = (num.to_u128(), den.to_u128())
            && d > 0
            && let Some(hundredths) = n.checked_mul(100)
        {
            if n % d == 0 {
                return (n / d).to_string();
            }
            if hundredths % d == 0 {
                let h = hundredths / d;
                let text = format!("{}.{:02}", h / 100, h % 100);
                return text.trim_end_matches('0').to_string();
            }
        }
        if den.is_zero() {
            return "0".into();
        }
        format!("≈{:.2}", num.to_f64() / den.to_f64())
    }
}

/// `base + m × step` when it fits an i128.
fn small_entitled((base, step): (u64, u64), m: u64) -> Option<i128> {
    let n = u128::from(step).checked_mul(u128::from(m))?.checked_add(u128::from(base))?;
    i128::try_from(n).ok()
}

/// Two loads `taken / entitled`, given whether each entitlement is zero;
/// `finite` compares two with entitlements above 0 and leads taken.
fn cmp_loads(ta: u64, a_none: bool, tb: u64, b_none: bool, finite: impl FnOnce() -> Ordering) -> Ordering {
    let (a_inf, b_inf) = (a_none && ta > 0, b_none && tb > 0);
    match (a_inf, b_inf) {
        (true, true) => ta.cmp(&tb),
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        // 0 / anything is 0.
        _ if ta == 0 || tb == 0 => (ta > 0).cmp(&(tb > 0)),
        _ => finite(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::num::DEC_SCALE;

    fn rules(weights: &[i128]) -> Rules {
        let mut text = String::from("[input]\nid = \"id\"\n[[stages]]\nname = \"lead\"\n[[teams]]\nname = \"t\"\n");
        for (i, w) in weights.iter().enumerate() {
            text.push_str(&format!("[[reps]]\nname = \"r{i}\"\nteam = \"t\"\nweight = {w}\n"));
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rules.toml");
        std::fs::write(&path, text).unwrap();
        crate::rules::load(&path, &[]).unwrap()
    }

    #[test]
    fn zero_over_zero_is_zero_and_taken_without_entitlement_is_above_every_load() {
        let r = rules(&[1, 1, 1]);
        let mut e = Earlier::new(&r);
        // r0 took 2 leads of an import: 2/2. r1 and r2: nothing.
        e.add_imported(0, 2);
        let s = Shares::new(&r, &e, &[true, true, true]);
        assert_eq!(s.cmp(0, (1, 0), (2, 0)), Ordering::Equal, "0/0 and 0/0");
        assert_eq!(s.cmp(0, (1, 0), (0, 2)), Ordering::Less, "0/0 below 2/2");
        // r1 took 1 while entitled to none: above 2/2; against r2 with 3, fewer taken is lower.
        assert_eq!(s.cmp(0, (1, 1), (0, 2)), Ordering::Greater);
        assert_eq!(s.cmp(0, (1, 1), (2, 3)), Ordering::Less);
        assert_eq!(s.entitled_text(0, 0), "2");
        assert_eq!(s.entitled_text(0, 1), "0");
    }

    #[test]
    fn shares_of_earlier_rosters_and_this_run_add_up_exactly() {
        // Weights 1, 2, 3. An earlier roster of r0 and r1 (3 leads: 1 and 2),
        // one of all three (6 leads: 1, 2, 3); this run's roster is all three.
        let r = rules(&[1, 2, 3]);
        let mut e = Earlier::new(&r);
        let w = |v: i128| Dec(v * DEC_SCALE);
        e.add_roster(0, 3, &[(Some(0), w(1)), (Some(1), w(2))]);
        e.add_roster(0, 6, &[(Some(0), w(1)), (Some(1), w(2)), (Some(2), w(3)), (None, w(4))]);
        let mut s = Shares::new(&r, &e, &[true, true, true]);
        // With the gone rep of weight 4 on the second roster: 6 × 1/10 etc.
        assert_eq!(s.entitled_text(0, 0), "1.6");
        assert_eq!(s.entitled_text(0, 1), "3.2");
        assert_eq!(s.entitled_text(0, 2), "1.8");
        s.took(0);
        // A sixth more for r0: 1.6 + 1/6 = 1.7666...
        assert_eq!(s.entitled_text(0, 0), "≈1.77");
        assert_eq!(s.entitled_text(0, 2), "2.3");
        // 2 / 1.7666 (1.13) against 2 / 2.3 (0.87).
        assert_eq!(s.cmp(0, (0, 2), (2, 2)), Ordering::Greater);
    }

    proptest::proptest! {
        /// Rosters with weights in odd hundredths make denominators past 64
        /// bits: the floating-point filter decides as the exact comparison.
        #[test]
        fn the_floating_point_filter_agrees_with_the_exact_order(
            w in proptest::collection::vec(101i128..199, 4),
            rosters in proptest::collection::vec((proptest::collection::vec(proptest::bool::ANY, 4), 1u64..40), 1..12),
            taken in proptest::collection::vec(0u64..200, 4),
            m in 0u64..50,
        ) {
            let mut r = rules(&[1, 1, 1, 1]);
            for (rep, &wi) in r.reps.iter_mut().zip(&w) {
                rep.weight = Dec(wi * DEC_SCALE / 100);
            }
            let mut e = Earlier::new(&r);
            for (on, n) in &rosters {
                let roster: Vec<(Option<usize>, Dec)> =
                    (0..4).map(|i| (Some(i), if on[i] { r.reps[i].weight } else { Dec(0) })).collect();
                e.add_roster(0, *n, &roster);
            }
            let mut s = Shares::new(&r, &e, &[true; 4]);
            for _ in 0..m {
                s.took(0);
            }
            for a in 0..4 {
                for b in 0..4 {
                    let (na, nb) = (s.entitled(a, m), s.entitled(b, m));
                    let exact = cmp_loads(taken[a], na.is_zero(), taken[b], nb.is_zero(), || {
                        Big::from_u128(u128::from(taken[a])).mul(&nb).cmp(&Big::from_u128(u128::from(taken[b])).mul(&na))
                    });
                    proptest::prop_assert_eq!(s.cmp(0, (a, taken[a]), (b, taken[b])), exact);
                }
            }
        }

        /// Without a ledger the order is exactly `taken / weight` (docs/reference.md §3.5),
        /// ties included, whatever the weights and however many leads the
        /// team took.
        #[test]
        fn without_a_ledger_loads_order_as_taken_over_weight(
            w in proptest::collection::vec(1i128..1_000_000, 2..5),
            scale in proptest::sample::select(vec![1i128, 1_000, DEC_SCALE / 7, DEC_SCALE * 1_000_000]),
            taken in proptest::collection::vec(0u64..50, 5),
            m in 1u64..200,
        ) {
            let mut r = rules(&vec![1; w.len()]);
            for (rep, &wi) in r.reps.iter_mut().zip(&w) {
                rep.weight = Dec(wi * scale / 1_000);
            }
            proptest::prop_assume!(r.reps.iter().all(|p| p.weight.0 > 0));
            let mut s = Shares::new(&r, &Earlier::new(&r), &vec![true; w.len()]);
            for _ in 0..m {
                s.took(0);
            }
            for a in 0..w.len() {
                for b in 0..w.len() {
                    let want = Ratio { num: i128::from(taken[a]), den: r.reps[a].weight.0 }
                        .cmp(&Ratio { num: i128::from(taken[b]), den: r.reps[b].weight.0 });
                    proptest::prop_assert_eq!(s.cmp(0, (a, taken[a]), (b, taken[b])), want);
                }
            }
        }
    }
}
