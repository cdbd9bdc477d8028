//! Routing: each lead, best first, to a team and a rep (docs/reference.md §3.5). Teams are
//! tried in file order; candidates are active reps whose hard constraints hold
//! and who have capacity left; an account's owner takes its leads; otherwise
//! expertise (`prefer`) and then the lowest exact load (taken / entitled,
//! `shares`) win; full teams overflow along their chain. With a ledger
//! (`Memory`), leads routed before keep their rep, and loads and limits count
//! earlier runs (docs/reference.md §6.1).

use serde::Serialize;

use crate::engine::batch::{Batch, Lead, NO_ACCOUNT};
use crate::engine::shares::{Earlier, Shares};
use crate::rules::{Rows, Rules};

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
    AssignedBefore,
    SlaReassigned,
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
            Reason::AssignedBefore => "assigned_before",
            Reason::SlaReassigned => "sla_reassigned",
        }
    }

    /// Whether the lead has a rep (newly, or from an earlier run).
    pub fn assigned(self) -> bool {
        matches!(
            self,
            Reason::AccountOwner
                | Reason::Expertise
                | Reason::Balanced
                | Reason::AssignedBefore
                | Reason::SlaReassigned
        )
    }

    /// Whether this run gave the lead its rep (what a ledger records).
    pub fn new_assignment(self) -> bool {
        matches!(self, Reason::AccountOwner | Reason::Expertise | Reason::Balanced | Reason::SlaReassigned)
    }

    /// Whether the reason needs a ledger (earlier runs).
    pub fn needs_ledger(self) -> bool {
        matches!(self, Reason::AssignedBefore | Reason::SlaReassigned)
    }

    pub const ALL: [Reason; 10] = [
        Reason::MissingId,
        Reason::Duplicate,
        Reason::Disqualified,
        Reason::NoTeam,
        Reason::NoCapacity,
        Reason::AccountOwner,
        Reason::Expertise,
        Reason::Balanced,
        Reason::AssignedBefore,
        Reason::SlaReassigned,
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
    pub(crate) fn new(team: Option<usize>, rep: Option<usize>, reason: Reason) -> Assignment {
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
    /// The rep who took the account's earliest lead in the ledger (None:
    /// a rep no longer in the rules).
    Ledger(Option<usize>),
    /// The rep who took the account's first lead in this run.
    InRun(usize),
}

/// What earlier runs left (docs/reference.md §6.1), as routing uses it: from a ledger, or
/// `Memory::none` (this run alone).
#[derive(Clone, Debug, Default)]
pub struct Memory {
    /// The as-of date (a day number).
    pub as_of: i32,
    /// The run's clock (docs/reference.md §11.1): when this run's assignments are made.
    pub clock: jiff::Timestamp,
    /// Whether a ledger was read.
    pub ledger: bool,
    /// Per rep of the rules: leads taken in the balance window in earlier
    /// runs, under the rep's current team.
    pub window_taken: Vec<u64>,
    /// Per rep of the rules: leads taken in earlier runs in the periods of
    /// `rules::LIMIT_DAYS` (day, week, month ending on the as-of date).
    pub period_taken: Vec<[u64; 3]>,
    /// What earlier runs in the balance window entitle each rep to.
    pub earlier: Earlier,
    /// Leads assigned before, by `Lead::index` (empty without a ledger):
    /// (team, rep) in the names of `Routed::team_name` and `Routed::rep_name`.
    pub before: Vec<Option<(Option<usize>, usize)>>,
    /// By `Lead::index` (empty without a ledger): when the lead's latest
    /// ledger assignment was made, in Unix seconds (None: no assignment, or
    /// one without a time: an import without `--assigned-at`, a pruned memory).
    pub assigned_at: Vec<Option<i64>>,
    /// By `Lead::index` (empty without a ledger): the run of the lead's
    /// latest assignment was recorded but its outputs never delivered
    /// (docs/reference.md §6.2).
    pub undelivered: Vec<bool>,
    /// The run of each lead that is `undelivered`, by `Lead::index`: a run
    /// whose every lead a later run writes is delivered with it.
    pub undelivered_runs: foldhash::HashMap<u32, i64>,
    /// Every ledger assignment of a lead, oldest first, by `Lead::index`:
    /// read when the rules have `[input] touched` (SLAs and response times).
    pub history: History,
    /// The ledger lead id of a lead found by email (docs/reference.md §9.4), by
    /// `Lead::index`: an SLA reassignment is recorded under it.
    pub ledger_ids: foldhash::HashMap<u32, String>,
    /// Account owners from the ledger, by interned account id.
    pub owners: foldhash::HashMap<u32, Option<usize>>,
    /// Teams and reps named in the ledger but not in the rules; their indices
    /// follow the rules' own.
    pub extra_teams: Vec<String>,
    pub extra_reps: Vec<String>,
}

impl Memory {
    /// No ledger: this run alone.
    pub fn none(rules: &Rules, as_of: i32, clock: jiff::Timestamp) -> Memory {
        let n = rules.reps.len();
        Memory {
            as_of,
            clock,
            ledger: false,
            window_taken: vec![0; n],
            period_taken: vec![[0; 3]; n],
            earlier: Earlier::new(rules),
            ..Memory::default()
        }
    }
}

/// One ledger assignment of a lead, as SLAs and response times read it (16
/// bytes: a rerun holds one per lead).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    team: u16,
    rep: u16,
    sla: bool,
    at: i64,
}

const NO_TIME: i64 = i64::MIN;

impl Held {
    /// Team and rep numbered as `Memory::before`'s; `at` in Unix seconds
    /// (None: unknown, an import without a time or a pruned memory: never
    /// SLA-checked); `sla`: its reason was `sla_reassigned`.
    pub fn new(team: Option<usize>, rep: usize, at: Option<i64>, sla: bool) -> Held {
        Held { team: team.map_or(NOBODY, |t| t as u16), rep: rep as u16, sla, at: at.unwrap_or(NO_TIME) }
    }

    pub fn team(&self) -> Option<usize> {
        (self.team != NOBODY).then_some(self.team as usize)
    }

    pub fn rep(&self) -> usize {
        self.rep as usize
    }

    pub fn at(&self) -> Option<i64> {
        (self.at != NO_TIME).then_some(self.at)
    }

    /// Whether its reason was `sla_reassigned`.
    pub fn sla(&self) -> bool {
        self.sla
    }
}

/// Every ledger assignment of each lead, oldest first, by `Lead::index`:
/// one list for all leads, each lead's a slice of it.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Where each lead's assignments start in `items` (one more than the
    /// leads; empty when no history was read).
    start: Vec<u32>,
    items: Vec<Held>,
}

impl History {
    /// From (lead index, assignment) pairs sorted by lead (each lead's oldest
    /// first), for `leads` leads.
    pub fn from_sorted(leads: usize, pairs: Vec<(u32, Held)>) -> History {
        let mut start = vec![0u32; leads + 1];
        for &(i, _) in &pairs {
            start[i as usize + 1] += 1;
        }
        for k in 1..start.len() {
            start[k] += start[k - 1];
        }
        History { start, items: pairs.into_iter().map(|(_, h)| h).collect() }
    }

    /// The assignments of lead `index`, oldest first; None when it has none.
    pub fn get(&self, index: u32) -> Option<&[Held]> {
        let (from, to) = (*self.start.get(index as usize)?, *self.start.get(index as usize + 1)?);
        (to > from).then(|| &self.items[from as usize..to as usize])
    }
}

/// Why a rep of the team is no candidate for a lead.
enum Exclusion {
    Inactive,
    Away,
    Require,
    /// At a limit: its key and value.
    Limit(&'static str, u64),
    /// The lead matches no `prefer` and only the reserve is left.
    Reserve(u64),
    /// It held the lead before, which missed its SLA (docs/reference.md §11.4).
    HeldBefore,
}

impl std::fmt::Display for Exclusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exclusion::Inactive => f.write_str("inactive"),
            Exclusion::Away => f.write_str("away on the as-of date"),
            Exclusion::Require => f.write_str("require does not hold"),
            Exclusion::Limit("capacity", _) => f.write_str("at capacity"),
            Exclusion::Limit(key, n) => write!(f, "at its {key} limit ({n})"),
            Exclusion::Reserve(n) => write!(f, "reserve: its last {n} places are kept for leads it prefers"),
            Exclusion::HeldBefore => f.write_str("held the lead before: it missed its SLA"),
        }
    }
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
    memory: &'a Memory,
    /// New leads per rep in this run.
    taken: Vec<u64>,
    owners: Vec<Owner>,
    /// The reps of each team, in file order.
    team_reps: Vec<Vec<usize>>,
    /// What each rep is entitled to: loads are `taken / entitled`.
    shares: Shares,
    /// A reusable buffer: routing a lead allocates nothing.
    candidates: std::cell::RefCell<Vec<usize>>,
    /// Leads whose latest assignment missed its SLA, by `Lead::index`, and
    /// whether this run moved them.
    missed: foldhash::HashMap<u32, (crate::engine::sla::Missed, bool)>,
}

impl<'a> Router<'a> {
    /// `file_owners` maps account keys (trimmed, lower-cased) to rep names.
    pub fn new(
        rules: &'a Rules,
        batch: &Batch,
        file_owners: &crate::engine::owners::Owners,
        memory: &'a Memory,
    ) -> Router<'a> {
        let owners = batch
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| match file_owners.get(a) {
                Some(name) => Owner::File(rules.reps.iter().position(|r| &r.name == name)),
                None => match memory.owners.get(&(i as u32)) {
                    Some(&r) => Owner::Ledger(r),
                    None => Owner::Unset,
                },
            })
            .collect();
        let team_reps = (0..rules.teams.len())
            .map(|t| (0..rules.reps.len()).filter(|&r| rules.reps[r].team == t).collect())
            .collect();
        let on_roster: Vec<bool> = rules.reps.iter().map(|r| on_roster(r, memory.as_of)).collect();
        let shares = Shares::new(rules, &memory.earlier, &on_roster);
        Router {
            rules,
            memory,
            taken: vec![0; rules.reps.len()],
            owners,
            team_reps,
            shares,
            candidates: Default::default(),
            missed: Default::default(),
        }
    }

    pub fn taken(&self) -> &[u64] {
        &self.taken
    }

    /// The leads that missed their SLA so far, and whether they moved.
    pub fn into_missed(self) -> foldhash::HashMap<u32, (crate::engine::sla::Missed, bool)> {
        self.missed
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
        if let Some(&Some((team, rep))) = self.memory.before.get(lead.index as usize) {
            let kept = Assignment::new(team, Some(rep), Reason::AssignedBefore);
            let Some(missed) = crate::engine::sla::judge(self.rules, batch, self.memory, lead) else {
                if let Some(tr) = trace.as_deref_mut() {
                    tr.push(Step {
                        team: team.map_or(String::new(), |t| self.team_name(t).to_string()),
                        candidates: vec![],
                        excluded: vec![],
                        chosen: Some(self.rep_name(rep).to_string()),
                        note: "assigned before: the ledger has this lead (by id or email); it keeps that rep".into(),
                    });
                }
                return kept;
            };
            if let Some(tr) = trace.as_deref_mut() {
                tr.push(Step {
                    team: team.map_or(String::new(), |t| self.team_name(t).to_string()),
                    candidates: vec![],
                    excluded: vec![],
                    chosen: None,
                    note: self.missed_story(&missed),
                });
            }
            let moved = if missed.may_move {
                let again = self.route_new(batch, lead, Some(&missed.excluded), trace.as_deref_mut());
                again.rep().is_some().then(|| Assignment::new(again.team(), again.rep(), Reason::SlaReassigned))
            } else {
                None
            };
            if let (Some(tr), None) = (trace, moved) {
                let why = if missed.may_move {
                    "no other rep can take it now"
                } else {
                    "it was moved [routing] sla_reassign_max times already"
                };
                tr.push(Step {
                    team: team.map_or(String::new(), |t| self.team_name(t).to_string()),
                    candidates: vec![],
                    excluded: vec![],
                    chosen: Some(self.rep_name(rep).to_string()),
                    note: format!("stays with {} ({why}): assigned_before", self.rep_name(rep)),
                });
            }
            self.missed.insert(lead.index, (missed, moved.is_some()));
            return moved.unwrap_or(kept);
        }
        self.route_new(batch, lead, None, trace)
    }

    /// How a lead missed its SLA, as `explain` tells it.
    fn missed_story(&self, m: &crate::engine::sla::Missed) -> String {
        let at = jiff::Timestamp::from_second(m.at).map_or_else(
            |_| m.at.to_string(),
            |t| t.to_zoned(self.rules.zone()).strftime("%Y-%m-%d %H:%M %Z").to_string(),
        );
        let from = match m.from {
            crate::engine::sla::SlaFrom::Stage => "its stage's",
            crate::engine::sla::SlaFrom::Team => "its team's",
        };
        let excluded: Vec<&str> = m.excluded.iter().map(|&r| self.rep_name(r)).collect();
        format!(
            "missed its SLA: given to {} at {at}; SLA {} minutes ({from}); {} working minutes since, not touched; \
             routed again without {}",
            self.rep_name(m.rep),
            m.sla,
            m.worked_minutes,
            excluded.join(", ")
        )
    }

    /// Routes a lead that no rep holds (or, with `exclude`, one that missed
    /// its SLA: those reps are no candidates and no owner takes it).
    fn route_new(
        &mut self,
        batch: &Batch,
        lead: &Lead,
        exclude: Option<&[usize]>,
        mut trace: Option<&mut Vec<Step>>,
    ) -> Assignment {
        let none = |reason| Assignment::new(None, None, reason);
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
            if let Some((rep, reason)) = self.try_team(batch, lead, t, bits, exclude, trace.as_deref_mut()) {
                self.taken[rep] += 1;
                // The roster's shares of this lead count for the leads after it.
                self.shares.took(t);
                if lead.account != NO_ACCOUNT && self.owners[lead.account as usize] == Owner::Unset {
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

    /// Every limit rep `r` has, as (key, limit, places left).
    fn left(&self, r: usize) -> impl Iterator<Item = (&'static str, u64, u64)> + '_ {
        let rep = &self.rules.reps[r];
        let now = self.taken[r];
        let earlier = move |key: &str| match key {
            "per_day" => self.memory.period_taken[r][0],
            "per_week" => self.memory.period_taken[r][1],
            "per_month" => self.memory.period_taken[r][2],
            _ => 0,
        };
        rep.limits.iter().map(move |(key, limit)| (key, limit, limit.saturating_sub(earlier(key) + now)))
    }

    /// Leads taken in the balance window (earlier runs and this one).
    fn window_taken(&self, r: usize) -> u64 {
        self.memory.window_taken[r] + self.taken[r]
    }

    /// Rep `r` against rep `o` of team `t` by load (taken / entitled), exactly.
    fn cmp_load(&self, t: usize, r: usize, o: usize) -> std::cmp::Ordering {
        self.shares.cmp(t, (r, self.window_taken(r)), (o, self.window_taken(o)))
    }

    /// The load as `explain` shows it: `taken/entitled` with a ledger;
    /// without one `taken/weight`, which orders the reps the same way.
    fn load_text(&self, t: usize, r: usize) -> String {
        if self.memory.ledger {
            format!("{}/{}", self.window_taken(r), self.shares.entitled_text(t, r))
        } else {
            format!("{}/{}", self.window_taken(r), self.rules.reps[r].weight)
        }
    }

    pub fn team_name(&self, t: usize) -> &str {
        self.rules
            .teams
            .get(t)
            .map_or_else(|| self.memory.extra_teams[t - self.rules.teams.len()].as_str(), |x| &x.name)
    }

    pub fn rep_name(&self, r: usize) -> &str {
        self.rules.reps.get(r).map_or_else(|| self.memory.extra_reps[r - self.rules.reps.len()].as_str(), |p| &p.name)
    }

    /// Steps 3-5 in one team: candidates, owner, expertise and load.
    fn try_team(
        &self,
        batch: &Batch,
        lead: &Lead,
        t: usize,
        bits: &[u64],
        exclude: Option<&[usize]>,
        trace: Option<&mut Vec<Step>>,
    ) -> Option<(usize, crate::engine::route::Reason)> {
        let plan = &batch.plan;
        let bit = |i: usize| bits[i / 64] >> (i % 64) & 1 == 1;
        let mut excluded = Vec::new();
        let tracing = trace.is_some();
        let mut candidates = std::mem::take(&mut *self.candidates.borrow_mut());
        candidates.clear();
        candidates.extend(self.team_reps[t].iter().copied().filter(|&r| {
            let rep = &self.rules.reps[r];
            let why = if exclude.is_some_and(|e| e.contains(&r)) {
                Some(Exclusion::HeldBefore)
            } else if !rep.active {
                Some(Exclusion::Inactive)
            } else if rep.away_on(self.memory.as_of) {
                Some(Exclusion::Away)
            } else if !plan.rep_require[r].clone().all(bit) {
                Some(Exclusion::Require)
            } else if let Some((key, limit, _)) = self.left(r).find(|&(_, _, left)| left == 0) {
                Some(Exclusion::Limit(key, limit))
            } else if rep.reserve > 0
                && self.left(r).any(|(_, _, left)| left <= rep.reserve)
                && !plan.rep_prefer[r].clone().any(bit)
            {
                Some(Exclusion::Reserve(rep.reserve))
            } else {
                None
            };
            if let (Some(w), true) = (&why, tracing) {
                excluded.push(format!("{} ({w})", rep.name));
            }
            why.is_none()
        }));
        let fit = |r: usize| plan.rep_prefer[r].clone().filter(|&i| bit(i)).count();
        let owner = match (lead.account, plan.account_col) {
            // A lead moved for a missed SLA goes by load, not to the owner.
            _ if exclude.is_some() => None,
            (a, Some(_)) if a != NO_ACCOUNT => match self.owners[a as usize] {
                Owner::File(Some(r)) | Owner::InRun(r) => Some(r),
                Owner::Ledger(r) => r,
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
                if fr > fb || fr == fb && self.cmp_load(t, r, best) == std::cmp::Ordering::Less {
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
                    .map(|&r| CandidateView { rep: name(r), fit: fit(r), load: self.load_text(t, r) })
                    .collect(),
                excluded,
                chosen: choice.map(|(r, _)| name(r)),
                note: match (choice, owner) {
                    (None, _) => "no candidate can take it".into(),
                    (Some((_, Reason::AccountOwner)), _) => match self.owners[lead.account as usize] {
                        Owner::File(_) => "the account's owner (from --owners) takes it".into(),
                        Owner::Ledger(_) => {
                            "the account's owner (it took the account's earliest lead in the ledger) takes it".into()
                        }
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
    /// Leads newly taken per rep in this run.
    pub taken: Vec<u64>,
    /// What earlier runs left (the ledger's figures, its extra names).
    pub memory: Memory,
    /// Leads whose latest assignment missed its SLA (docs/reference.md §11.4), by
    /// `Lead::index`, and whether this run moved them (else they stayed).
    pub missed: foldhash::HashMap<u32, (crate::engine::sla::Missed, bool)>,
}

impl Routed {
    /// The name of team `t` of an assignment (the rules', then the ledger's).
    pub fn team_name<'a>(&'a self, rules: &'a Rules, t: usize) -> &'a str {
        rules.teams.get(t).map_or_else(|| self.memory.extra_teams[t - rules.teams.len()].as_str(), |x| &x.name)
    }

    /// The name of rep `r` of an assignment (the rules', then the ledger's).
    pub fn rep_name<'a>(&'a self, rules: &'a Rules, r: usize) -> &'a str {
        rules.reps.get(r).map_or_else(|| self.memory.extra_reps[r - rules.reps.len()].as_str(), |x| &x.name)
    }
}

impl Routed {
    /// Whether `[output] rows` writes this lead (docs/reference.md §7.5).
    pub fn writes(&self, rows: Rows, lead: &Lead, a: &Assignment) -> bool {
        writes(rows, &self.memory, lead, a)
    }

    /// The time of the lead's latest assignment, in unix seconds: this run's
    /// clock for a new one, the ledger's for one assigned before; `None`
    /// without a rep or a known time.
    pub fn assigned_at(&self, lead: &Lead, a: &Assignment) -> Option<i64> {
        assigned_at(&self.memory, lead, a)
    }
}

impl Routed {
    /// The undelivered earlier runs whose leads this run's CSV writes, with
    /// how many of them it writes (docs/reference.md §7.5).
    pub fn undelivered_written(&self, rows: Rows, batch: &Batch) -> Vec<(i64, u64)> {
        let mut by_run: std::collections::BTreeMap<i64, u64> = Default::default();
        for (lead, a) in batch.leads.iter().zip(&self.assignments) {
            if a.reason == Reason::AssignedBefore
                && let Some(&run) = self.memory.undelivered_runs.get(&lead.index)
                && self.writes(rows, lead, a)
            {
                *by_run.entry(run).or_default() += 1;
            }
        }
        by_run.into_iter().collect()
    }
}

/// Whether `[output] rows` writes a lead routed as `a`: `new` takes this
/// run's new assignments and the leads assigned before in a run that was
/// recorded but never delivered (docs/reference.md §7.5).
pub fn writes(rows: Rows, memory: &Memory, lead: &Lead, a: &Assignment) -> bool {
    match rows {
        Rows::All => true,
        Rows::Assigned => a.reason.assigned(),
        Rows::New => a.reason.new_assignment() || (a.reason == Reason::AssignedBefore && memory.is_undelivered(lead)),
    }
}

/// See `Routed::assigned_at`.
pub fn assigned_at(memory: &Memory, lead: &Lead, a: &Assignment) -> Option<i64> {
    a.rep()?;
    match a.reason.new_assignment() {
        true => Some(memory.clock.as_second()),
        false => memory.assigned_at.get(lead.index as usize).copied().flatten(),
    }
}

impl Memory {
    /// Whether the lead's latest ledger assignment is in a run that was
    /// recorded but never delivered (docs/reference.md §6.2).
    pub fn is_undelivered(&self, lead: &Lead) -> bool {
        self.undelivered.get(lead.index as usize).copied().unwrap_or(false)
    }
}

/// Routes every lead of a ranked batch.
pub fn route_all(rules: &Rules, batch: &Batch, owners: &crate::engine::owners::Owners, memory: Memory) -> Routed {
    let mut router = Router::new(rules, batch, owners, &memory);
    let assignments = batch.leads.iter().map(|l| router.route(batch, l, None)).collect();
    let taken = router.taken().to_vec();
    let missed = router.into_missed();
    Routed { assignments, taken, memory, missed }
}

/// Whether rep `rep` is on a run's roster of its team on `day`: it could take
/// leads (active, not away, `capacity` and every limit above 0). Its shares
/// of the team's leads count for it (docs/reference.md §6.1).
pub fn on_roster(rep: &crate::rules::Rep, day: i32) -> bool {
    rep.active && !rep.away_on(day) && rep.limits.iter().all(|(_, v)| v > 0)
}
