//! Routing: each lead, best first, to a team and a rep (SPEC §3.5). Teams are
//! tried in file order; candidates are active reps whose hard constraints hold
//! and who have capacity left; an account's owner takes its leads; otherwise
//! expertise (`prefer`) and then the lowest exact load (taken / weight) win;
//! full teams overflow along their chain.

use serde::Serialize;

use crate::num::Ratio;
use crate::pipeline::{Batch, Lead, NONE};
use crate::rules::Rules;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    MissingId,
    Duplicate,
    Disqualified,
    NoTeam,
    NoCapacity,
    AccountOwner,
    Expertise,
    Balanced,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::MissingId => "missing_id",
            Reason::Duplicate => "duplicate",
            Reason::Disqualified => "disqualified",
            Reason::NoTeam => "no_team",
            Reason::NoCapacity => "no_capacity",
            Reason::AccountOwner => "account_owner",
            Reason::Expertise => "expertise",
            Reason::Balanced => "balanced",
        }
    }

    pub fn assigned(self) -> bool {
        matches!(self, Reason::AccountOwner | Reason::Expertise | Reason::Balanced)
    }

    pub const ALL: [Reason; 8] = [
        Reason::MissingId,
        Reason::Duplicate,
        Reason::Disqualified,
        Reason::NoTeam,
        Reason::NoCapacity,
        Reason::AccountOwner,
        Reason::Expertise,
        Reason::Balanced,
    ];

    pub const UNASSIGNED: [Reason; 5] =
        [Reason::MissingId, Reason::Duplicate, Reason::Disqualified, Reason::NoTeam, Reason::NoCapacity];
}

/// The decision for one lead (8 bytes: one per lead is kept for the output).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assignment {
    team: u16,
    rep: u16,
    pub reason: Reason,
}

const NOBODY: u16 = u16::MAX;

impl Assignment {
    fn new(team: Option<usize>, rep: Option<usize>, reason: Reason) -> Assignment {
        let pack = |v: Option<usize>| v.map_or(NOBODY, |v| v as u16);
        Assignment { team: pack(team), rep: pack(rep), reason }
    }

    pub fn team(&self) -> Option<usize> {
        (self.team != NOBODY).then_some(self.team as usize)
    }

    pub fn rep(&self) -> Option<usize> {
        (self.rep != NOBODY).then_some(self.rep as usize)
    }
}

/// An account's owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    /// Not in `--owners` and no lead of it taken yet in this run.
    Unset,
    /// From `--owners` (None: the owner there is not one of the rules' reps).
    File(Option<usize>),
    /// The rep who took the account's first lead in this run.
    InRun(usize),
}

/// A candidate as routing saw it, for `explain`.
#[derive(Clone, Debug, Serialize)]
pub struct CandidateView {
    pub rep: String,
    pub fit: usize,
    pub load: String,
}

/// One step of routing a lead, for `explain`.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub team: String,
    pub candidates: Vec<CandidateView>,
    pub excluded: Vec<String>,
    pub chosen: Option<String>,
    pub note: String,
}

/// The routing state of one run.
pub struct Router<'a> {
    rules: &'a Rules,
    taken: Vec<u64>,
    owners: Vec<Owner>,
    /// The reps of each team, in file order.
    team_reps: Vec<Vec<usize>>,
    /// A reusable buffer: routing a lead allocates nothing.
    candidates: std::cell::RefCell<Vec<usize>>,
}

impl<'a> Router<'a> {
    /// `file_owners` maps account keys (trimmed, lower-cased) to rep names.
    pub fn new(rules: &'a Rules, batch: &Batch, file_owners: &crate::owners::Owners) -> Router<'a> {
        let owners = batch
            .accounts
            .iter()
            .map(|a| match file_owners.get(a) {
                Some(name) => Owner::File(rules.reps.iter().position(|r| &r.name == name)),
                None => Owner::Unset,
            })
            .collect();
        let team_reps = (0..rules.teams.len())
            .map(|t| (0..rules.reps.len()).filter(|&r| rules.reps[r].team == t).collect())
            .collect();
        Router { rules, taken: vec![0; rules.reps.len()], owners, team_reps, candidates: Default::default() }
    }

    pub fn taken(&self) -> &[u64] {
        &self.taken
    }

    /// Routes one lead (leads must come in rank order). With `trace`, records the steps.
    pub fn route(&mut self, batch: &Batch, lead: &Lead, mut trace: Option<&mut Vec<Step>>) -> Assignment {
        let none = |reason| Assignment::new(None, None, reason);
        if lead.missing_id {
            return none(Reason::MissingId);
        }
        if lead.duplicate {
            return none(Reason::Duplicate);
        }
        let stage = lead.stage as usize;
        if stage == self.rules.disqualified_stage() && !self.rules.routes_disqualified() {
            return none(Reason::Disqualified);
        }
        let bits = batch.lead_bits(lead);
        let holds = |range: &std::ops::Range<usize>| range.clone().all(|i| bits[i / 64] >> (i % 64) & 1 == 1);
        let plan = &batch.plan;
        let first = self.rules.teams.iter().enumerate().position(|(t, team)| {
            let accepts = team.stages[stage];
            let when = accepts && holds(&plan.team_when[t]);
            if let Some(tr) = trace.as_deref_mut() {
                let note = if !accepts {
                    format!("skipped: does not take stage '{}'", self.rules.stage_name(stage))
                } else if !when {
                    "skipped: its `when` conditions do not all hold".to_string()
                } else {
                    "takes the lead: stage and `when` match".to_string()
                };
                tr.push(Step { team: team.name.clone(), candidates: vec![], excluded: vec![], chosen: None, note });
            }
            when
        });
        let Some(first) = first else {
            return none(Reason::NoTeam);
        };
        let mut team = Some(first);
        while let Some(t) = team {
            if let Some((rep, reason)) = self.try_team(batch, lead, t, bits, trace.as_deref_mut()) {
                self.taken[rep] += 1;
                if lead.account != NONE && self.owners[lead.account as usize] == Owner::Unset {
                    self.owners[lead.account as usize] = Owner::InRun(rep);
                }
                return Assignment::new(Some(t), Some(rep), reason);
            }
            team = self.rules.teams[t].overflow;
            if let (Some(tr), Some(o)) = (trace.as_deref_mut(), team) {
                tr.push(Step {
                    team: self.rules.teams[o].name.clone(),
                    candidates: vec![],
                    excluded: vec![],
                    chosen: None,
                    note: format!("overflow from '{}'", self.rules.teams[t].name),
                });
            }
        }
        Assignment::new(Some(first), None, Reason::NoCapacity)
    }

    /// Steps 3-5 in one team: candidates, owner, expertise and load.
    fn try_team(
        &self,
        batch: &Batch,
        lead: &Lead,
        t: usize,
        bits: &[u64],
        trace: Option<&mut Vec<Step>>,
    ) -> Option<(usize, crate::route::Reason)> {
        let plan = &batch.plan;
        let bit = |i: usize| bits[i / 64] >> (i % 64) & 1 == 1;
        let mut excluded = Vec::new();
        let tracing = trace.is_some();
        let mut candidates = std::mem::take(&mut *self.candidates.borrow_mut());
        candidates.clear();
        candidates.extend(self.team_reps[t].iter().copied().filter(|&r| {
            let rep = &self.rules.reps[r];
            let why = if !rep.active {
                Some("inactive")
            } else if !plan.rep_require[r].clone().all(bit) {
                Some("require does not hold")
            } else if rep.capacity.is_some_and(|c| self.taken[r] >= c) {
                Some("at capacity")
            } else if rep.reserve > 0
                && rep.capacity.is_some_and(|c| c - self.taken[r] <= rep.reserve)
                && !plan.rep_prefer[r].clone().any(bit)
            {
                Some("its last places are a reserve for leads it prefers")
            } else {
                None
            };
            if let (Some(w), true) = (why, tracing) {
                excluded.push(format!("{} ({w})", rep.name));
            }
            why.is_none()
        }));
        let fit = |r: usize| plan.rep_prefer[r].clone().filter(|&i| bit(i)).count();
        let load =
            |r: usize| Ratio { num: self.taken[r] as i128 * crate::num::DEC_SCALE, den: self.rules.reps[r].weight.0 };
        let owner = match (lead.account, plan.account_col) {
            (a, Some(_)) if a != NONE => match self.owners[a as usize] {
                Owner::File(Some(r)) | Owner::InRun(r) => Some(r),
                _ => None,
            },
            _ => None,
        };
        let choice = if candidates.is_empty() {
            None
        } else if let Some(o) = owner.filter(|o| candidates.contains(o)) {
            Some((o, Reason::AccountOwner))
        } else {
            let mut best = candidates[0];
            for &r in &candidates[1..] {
                let (fr, fb) = (fit(r), fit(best));
                if fr > fb || fr == fb && load(r) < load(best) {
                    best = r;
                }
            }
            Some((best, if fit(best) > 0 { Reason::Expertise } else { Reason::Balanced }))
        };
        if let Some(tr) = trace {
            let name = |r: usize| self.rules.reps[r].name.clone();
            tr.push(Step {
                team: self.rules.teams[t].name.clone(),
                candidates: candidates
                    .iter()
                    .map(|&r| CandidateView {
                        rep: name(r),
                        fit: fit(r),
                        load: format!("{}/{}", self.taken[r], self.rules.reps[r].weight),
                    })
                    .collect(),
                excluded,
                chosen: choice.map(|(r, _)| name(r)),
                note: match (choice, owner) {
                    (None, _) => "no candidate can take it".into(),
                    (Some((_, Reason::AccountOwner)), _) => match self.owners[lead.account as usize] {
                        Owner::File(_) => "the account's owner (from --owners) takes it".into(),
                        _ => "the account's owner (it took the account's first lead in this run) takes it".into(),
                    },
                    (Some((_, reason)), Some(o)) => {
                        format!("account owner {} cannot take it here; {}", name(o), reason.as_str())
                    }
                    (Some((_, reason)), None) => reason.as_str().to_string(),
                },
            });
        }
        *self.candidates.borrow_mut() = candidates;
        choice
    }
}

/// The result of routing a batch.
pub struct Routed {
    /// One per lead, in the batch's (rank) order.
    pub assignments: Vec<Assignment>,
    /// Leads taken per rep.
    pub taken: Vec<u64>,
}

/// Routes every lead of a ranked batch.
pub fn route_all(rules: &Rules, batch: &Batch, owners: &crate::owners::Owners) -> Routed {
    let mut router = Router::new(rules, batch, owners);
    let assignments = batch.leads.iter().map(|l| router.route(batch, l, None)).collect();
    Routed { assignments, taken: router.taken().to_vec() }
}
