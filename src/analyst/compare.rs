//! The comparison of two rule sets on the same export (`compare`): a pure
//! function of two finished batches.

use std::collections::BTreeMap;

use serde::Serialize;

use super::calibrate::{Auc, Conversion, aucs};
use crate::engine::batch::Batch;
use crate::engine::route::{Reason, Routed};
use crate::rules::Rules;

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
    /// Why leads have no rep ("(nobody)" in `reps`): per reason (`no_team`,
    /// `no_capacity`, `disqualified`, ...), the count under each rule set.
    pub unassigned: Vec<Diff>,
    /// The rules keys whose values differ (with `--set` applied to the
    /// candidate): what a reviewer reads as the diff.
    pub changes: Vec<crate::rules::diff::KeyChange>,
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
    /// The team that took the lead (`None` when it was not assigned).
    team: Vec<Option<String>>,
    /// The team the lead reached, assigned or not (`no_capacity` too).
    reached: Vec<Option<String>>,
    rep: Vec<Option<String>>,
    /// Why a routed lead has no rep (`None` when it has one, or without routing).
    unassigned: Vec<Option<String>>,
    owner: Vec<bool>,
}

fn per_index(side: &Side) -> Outcome {
    let n = side.batch.leads.len();
    let mut o = Outcome {
        stage: vec![0; n],
        team: vec![None; n],
        reached: vec![None; n],
        rep: vec![None; n],
        unassigned: vec![None; n],
        owner: vec![false; n],
    };
    for (k, l) in side.batch.leads.iter().enumerate() {
        let i = l.index as usize;
        o.stage[i] = l.stage as usize;
        if let Some((routed, a)) = side.routed.map(|r| (r, r.assignments[k])) {
            o.reached[i] = a.team().map(|t| routed.team_name(side.rules, t).to_string());
            if a.reason.assigned() {
                o.team[i] = o.reached[i].clone();
            }
            o.rep[i] = a.rep().map(|r| routed.rep_name(side.rules, r).to_string());
            o.owner[i] = matches!(a.reason, Reason::AccountOwner | Reason::AssignedBefore);
            if o.rep[i].is_none() {
                o.unassigned[i] = Some(a.reason.as_str().to_string());
            }
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
    // Same stage and team reached (a rep or `no_capacity` there), no owner on
    // either side: another teammate's turn, or a capacity change.
    let rotation = (0..n)
        .filter(|&i| {
            oa.rep[i] != ob.rep[i]
                && sa[oa.stage[i]] == sb[ob.stage[i]]
                && oa.reached[i] == ob.reached[i]
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
    let unassigned = diffs(Vec::new(), &oa.unassigned, &ob.unassigned, "(assigned)")
        .into_iter()
        .filter(|d| d.name != "(assigned)")
        .collect();
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
        unassigned,
        changes: Vec::new(),
        grades,
        conversion,
        auc: outcome.then(|| AucPair { base: aucs(a.batch), candidate: aucs(b.batch) }),
        warnings: Vec::new(),
    };
    c.warnings = empty_stage_warnings(&c);
    c
}
