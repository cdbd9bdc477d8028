//! Rules compiled against one export's header: every column resolved to an
//! index once, each column read once per row however many rules use it, day
//! windows turned into day numbers. Per-row work then touches only the cells
//! the rules need. The prefix clash (an appended column the export already
//! has) is checked here too: it is the rules meeting the header.

use std::collections::HashMap;
use std::ops::Range;

use crate::engine::input::HeaderIndex;
use crate::error::Error;
use crate::rules::{AccountMatch, Column, GRADE_COLUMN, Group, LINE_ID, Rules, Test, ValueKind};
use crate::support::date::DateFormat;
use crate::support::num::{Cents, Dec};

/// The column of a slot that reads no cell of the export but the lead's grade
/// (`column = "@grade"` in `when`, `require`, `prefer`), set after scoring.
pub const GRADE_COL: usize = usize::MAX;

/// One column the rules read, and how.
#[derive(Clone, Debug)]
pub struct Slot {
    pub col: usize,
    pub text: bool,
    pub num: bool,
    pub date: bool,
    /// Counted for value warnings (number or date read by this command).
    pub warn: bool,
    /// The slot's text tests (criteria first, then routing conditions, as
    /// indices into `Plan::criteria` and `Plan::conds`), evaluated together and
    /// remembered per distinct cell: set when they are costly enough (a
    /// `contains_any`, or several needles) and at most 64.
    pub memo: Option<Vec<TextTest>>,
}

/// A text test, by where its condition is in the plan.
#[derive(Clone, Copy, Debug)]
pub enum TextTest {
    Criterion(usize),
    Cond(usize),
}

/// A test bound to a slot, with day windows resolved against `--as-of`.
#[derive(Clone, Debug)]
pub struct BoundTest {
    pub slot: usize,
    pub test: Test,
    /// For day tests: the first day that is inside the window (as-of − n).
    pub day_threshold: i64,
    /// For `contains_any`: all needles searched in one pass.
    pub finder: Option<aho_corasick::AhoCorasick>,
    /// For a text test on a slot with `Slot::memo`: its bit in the slot's results.
    pub text_bit: Option<u8>,
}

impl BoundTest {
    fn new(slot: usize, test: &Test, as_of: i32) -> BoundTest {
        let finder = if let Test::ContainsAny(list) = test { contains_finder(list) } else { None };
        BoundTest { slot, day_threshold: threshold(test, as_of), test: test.clone(), finder, text_bit: None }
    }
}

/// The longest needle that a `contains_any` searcher may be a DFA for.
///
/// aho-corasick picks a DFA for up to 100 needles, and builds it by following,
/// for every state and byte class, the failure links of the trie: up to one
/// per byte of the needle, so a long needle costs the square of its length
/// (a 70,000-character needle took 23 s before the first row). With needles
/// this short a DFA costs at most about 64 × 256 steps per byte of the rules;
/// longer ones get a contiguous NFA, built in time linear in their length and
/// searched in time linear in the cell (only a little slower than a DFA).
pub const DFA_MAX_NEEDLE: usize = 64;

/// One searcher for all needles of a `contains_any`. Needles are lower-case;
/// ASCII case folding lets ASCII cells be searched without a lower-cased copy
/// (see `score`). None only when no automaton can be built (the search then
/// falls back to comparing needle by needle).
fn contains_finder(needles: &[String]) -> Option<aho_corasick::AhoCorasick> {
    use aho_corasick::{AhoCorasick, AhoCorasickKind};
    let build = |kind| AhoCorasick::builder().ascii_case_insensitive(true).kind(kind).build(needles);
    if needles.iter().all(|n| n.len() <= DFA_MAX_NEEDLE) {
        return build(None).ok();
    }
    build(Some(AhoCorasickKind::ContiguousNFA)).or_else(|_| build(Some(AhoCorasickKind::NoncontiguousNFA))).ok()
}

#[derive(Clone, Debug)]
pub struct BoundCriterion {
    pub cond: BoundTest,
    pub group: Group,
    pub points: Cents,
    pub max: Option<Cents>,
    pub disqualify: bool,
}

/// A criterion's decay: which criterion, the slot of its date, and its
/// half-life in days. Kept apart from the criteria, so that rules without
/// decay pay nothing for it in the row loop.
#[derive(Clone, Copy, Debug)]
pub struct BoundDecay {
    pub criterion: usize,
    pub slot: usize,
    pub half_life_days: Dec,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Score,
    Assign,
}

#[derive(Clone, Debug)]
pub struct Plan {
    /// The id column; `None` with `[input] id = "@line"` (the lead's line is its id).
    pub id_col: Option<usize>,
    pub created_slot: Option<usize>,
    pub account_col: Option<usize>,
    /// `[input] account_match`: how the account cell becomes its key.
    pub account_match: AccountMatch,
    /// `[input] email`: the column whose address marks duplicates.
    pub email_col: Option<usize>,
    /// `[input] touched`: the column of when a lead was first worked.
    pub touched_col: Option<usize>,
    pub slots: Vec<Slot>,
    pub criteria: Vec<BoundCriterion>,
    /// Routing conditions, flattened; teams and reps index ranges of it.
    pub conds: Vec<BoundTest>,
    pub team_when: Vec<Range<usize>>,
    pub rep_require: Vec<Range<usize>>,
    pub rep_prefer: Vec<Range<usize>>,
    pub decimal: u8,
    /// `[input] thousands`.
    pub thousands: Option<char>,
    pub date_formats: Vec<DateFormat>,
    pub as_of: i32,
    pub header: Vec<String>,
    /// `--outcome`: the column that says whether a lead converted, and the
    /// values (lower-cased) that mean it did.
    pub outcome_col: Option<usize>,
    pub converted: crate::engine::outcomes::Converted,
    /// `--outcomes FILE`: the outcome by lead id, instead of a column.
    pub outcomes: Option<std::sync::Arc<crate::engine::outcomes::Outcomes>>,
    /// `[input] current_stage`: its slot, and the stage each of the stages'
    /// `crm` values (trimmed, lower-cased) means.
    pub crm_slot: Option<usize>,
    pub crm_stage: HashMap<String, usize>,
    /// The slot that `@grade` conditions read, when some condition does; it
    /// is the last slot.
    pub grade_slot: Option<usize>,
    /// The slots that read a cell of the export: all but a grade slot.
    pub cell_slots: usize,
    /// The criteria that decay, in criterion order.
    pub decays: Vec<BoundDecay>,
    /// With `[output] columns`: the header index of each of its input
    /// columns, by position in the list (`NOT_INPUT` for leadroute's own).
    pub output_cols: Vec<usize>,
}

/// `Plan::output_cols` of a column of leadroute's (`@score` ...).
pub const NOT_INPUT: usize = usize::MAX;

impl Plan {
    /// Whether an outcome cell (trimmed) counts as converted.
    pub fn is_converted(&self, cell: &str) -> bool {
        self.converted.holds(cell)
    }

    /// 64-bit words of routing-condition bits per lead.
    pub fn cond_words(&self) -> usize {
        self.conds.len().div_ceil(64)
    }

    /// Names of the slots that count value warnings, in slot order.
    pub fn warn_columns(&self) -> Vec<(usize, String)> {
        self.slots.iter().enumerate().filter(|(_, s)| s.warn).map(|(i, s)| (i, self.header[s.col].clone())).collect()
    }
}

struct Builder<'a> {
    header: HeaderIndex<'a>,
    slots: Vec<Slot>,
    /// The slot of each column read so far.
    slot_of: HashMap<usize, usize>,
}

impl Builder<'_> {
    fn slot(&mut self, column: &str, used_by: &str, kind: Option<ValueKind>, warn: bool) -> Result<usize, Error> {
        let col = if column == GRADE_COLUMN { GRADE_COL } else { self.header.find(column, used_by)? };
        let i = *self.slot_of.entry(col).or_insert_with(|| {
            self.slots.push(Slot { col, text: false, num: false, date: false, warn: false, memo: None });
            self.slots.len() - 1
        });
        let s = &mut self.slots[i];
        match kind {
            Some(ValueKind::Text) => s.text = true,
            Some(ValueKind::Number) => {
                s.num = true;
                s.warn |= warn;
            }
            Some(ValueKind::Date) => {
                s.date = true;
                s.warn |= warn;
            }
            None => {}
        }
        Ok(i)
    }
}

/// Chooses the slots whose text tests are remembered per distinct cell, and
/// numbers their tests.
fn plan_memos(slots: &mut [Slot], criteria: &mut [BoundCriterion], conds: &mut [BoundTest]) {
    // Per slot: its text tests in order, their needles, whether one is a `contains_any`.
    let mut per_slot: Vec<(Vec<TextTest>, usize, bool)> = vec![(Vec::new(), 0, false); slots.len()];
    let all = criteria.iter().map(|c| &c.cond).enumerate().map(|(i, c)| (TextTest::Criterion(i), c));
    for (which, c) in all.chain(conds.iter().enumerate().map(|(i, c)| (TextTest::Cond(i), c))) {
        if let Some(n) = c.test.text_needles() {
            let (tests, needles, costly) = &mut per_slot[c.slot];
            tests.push(which);
            *needles += n;
            *costly |= matches!(c.test, Test::ContainsAny(_));
        }
    }
    for (slot, (tests, needles, costly)) in slots.iter_mut().zip(per_slot) {
        // The grade is set after scoring, when the memo has been consulted.
        if (costly || needles >= 4) && tests.len() <= 64 && slot.col != GRADE_COL {
            for (bit, which) in tests.iter().enumerate() {
                match *which {
                    TextTest::Criterion(i) => criteria[i].cond.text_bit = Some(bit as u8),
                    TextTest::Cond(i) => conds[i].text_bit = Some(bit as u8),
                }
            }
            slot.memo = Some(tests);
        }
    }
}

fn threshold(test: &Test, as_of: i32) -> i64 {
    test.day_window().map_or(0, |(n, _)| as_of as i64 - n)
}

/// Resolves every column the rules name (all must exist, for every command).
/// With `Mode::Score` routing columns are checked but not read.
pub fn compile(rules: &Rules, header: &[String], input_name: &str, mode: Mode, as_of: i32) -> Result<Plan, Error> {
    let mut b = Builder { header: HeaderIndex::new(input_name, header), slots: Vec::new(), slot_of: HashMap::new() };
    let id_col = match rules.input.id_is_line() {
        true => {
            line_id_header(header, input_name)?;
            None
        }
        false => Some(b.header.find(&rules.input.id, "[input] id")?),
    };
    let mut created_slot = match &rules.input.created {
        Some(c) => Some(b.slot(c, "[input] created", Some(ValueKind::Date), true)?),
        None => None,
    };
    let account_col = match &rules.input.account {
        Some(c) => Some(b.header.find(c, "[input] account")?),
        None => None,
    };
    let email_col = match &rules.input.email {
        Some(c) => Some(b.header.find(c, "[input] email")?),
        None => None,
    };
    let touched_col = match &rules.input.touched {
        Some(c) => Some(b.header.find(c, "[input] touched")?),
        None => None,
    };
    let mut crm_slot = match &rules.input.current_stage {
        Some(c) => Some(b.slot(c, "[input] current_stage", Some(ValueKind::Text), false)?),
        None => None,
    };
    let crm_stage =
        rules.stages.iter().enumerate().flat_map(|(i, st)| st.crm.iter().map(move |v| (v.clone(), i))).collect();
    let mut criteria = Vec::new();
    let mut decays = Vec::new();
    for c in &rules.criteria {
        let used_by = format!("criterion '{}'", c.name);
        let slot = b.slot(&c.cond.column, &used_by, Some(c.cond.test.kind()), true)?;
        if let Some(d) = &c.decay {
            decays.push(BoundDecay {
                criterion: criteria.len(),
                slot: b.slot(&d.column, &format!("decay of {used_by}"), Some(ValueKind::Date), true)?,
                half_life_days: d.half_life_days,
            });
        }
        criteria.push(BoundCriterion {
            cond: BoundTest::new(slot, &c.cond.test, as_of),
            group: c.group,
            points: c.points,
            max: c.max,
            disqualify: c.disqualify,
        });
    }
    let routing = mode == Mode::Assign;
    let mut conds = Vec::new();
    let mut group =
        |b: &mut Builder, list: &[crate::rules::Condition], used_by: String| -> Result<Range<usize>, Error> {
            let start = conds.len();
            for c in list {
                let kind = routing.then(|| c.test.kind());
                let slot = b.slot(&c.column, &used_by, kind, routing)?;
                conds.push(BoundTest::new(slot, &c.test, as_of));
            }
            Ok(start..conds.len())
        };
    let mut team_when = Vec::new();
    for t in &rules.teams {
        team_when.push(group(&mut b, &t.when, format!("team '{}' when", t.name))?);
    }
    let (mut rep_require, mut rep_prefer) = (Vec::new(), Vec::new());
    for r in &rules.reps {
        rep_require.push(group(&mut b, &r.require, format!("rep '{}' require", r.name))?);
        rep_prefer.push(group(&mut b, &r.prefer, format!("rep '{}' prefer", r.name))?);
    }
    if !routing {
        conds.clear();
    }
    // The grade slot, if any, goes last: `RowScorer::load` reads the cells of
    // the slots before it only.
    let mut grade_slot = b.slot_of.get(&GRADE_COL).copied();
    if let Some(g) = grade_slot {
        let last = b.slots.len() - 1;
        b.slots.swap(g, last);
        let moved = |k: &mut usize| {
            if *k == last {
                *k = g;
            } else if *k == g {
                *k = last;
            }
        };
        // Only routing conditions make slots after the first grade one;
        // every slot reference is remapped all the same.
        criteria.iter_mut().for_each(|c| moved(&mut c.cond.slot));
        decays.iter_mut().for_each(|d| moved(&mut d.slot));
        conds.iter_mut().for_each(|c| moved(&mut c.slot));
        for k in [&mut created_slot, &mut crm_slot].into_iter().flatten() {
            moved(k);
        }
        grade_slot = Some(last);
    }
    // The output's input columns, found as rules columns are (exit 1 with
    // the header when the export lacks one).
    let output_cols = match &rules.output.columns {
        Some(cols) => cols
            .iter()
            .map(|c| match &c.column {
                Column::Input(name) => b.header.find(name, "[output] columns"),
                Column::Own(_) => Ok(NOT_INPUT),
            })
            .collect::<Result<Vec<_>, Error>>()?,
        None => Vec::new(),
    };
    let cell_slots = b.slots.len() - usize::from(grade_slot.is_some());
    let grade_slot = grade_slot.filter(|_| routing);
    plan_memos(&mut b.slots, &mut criteria, &mut conds);
    Ok(Plan {
        id_col,
        created_slot,
        account_col,
        account_match: rules.input.account_match,
        email_col,
        touched_col,
        slots: b.slots,
        criteria,
        conds,
        team_when,
        rep_require,
        rep_prefer,
        decimal: rules.input.decimal,
        thousands: rules.input.thousands,
        date_formats: rules.input.date_formats.clone(),
        as_of,
        header: header.to_vec(),
        outcome_col: None,
        converted: crate::engine::outcomes::Converted::default(),
        outcomes: None,
        crm_slot,
        crm_stage,
        grade_slot,
        cell_slots,
        decays,
        output_cols,
    })
}

/// Under `[input] id = "@line"` no header cell may be `@line` (trimmed,
/// case-insensitively): it would read as a column the rules name (exit 1).
fn line_id_header(header: &[String], input_name: &str) -> Result<(), Error> {
    match header.iter().position(|h| crate::rules::is_line_id(h)) {
        Some(i) => Err(Error::input(format!(
            "{input_name}:1: column {} of the header is named '{}', but [input] id = \"{LINE_ID}\" makes the line \
             number the lead's id and no column may then be named so; rename that column in the export",
            i + 1,
            header[i]
        ))),
        None => Ok(()),
    }
}

/// The columns leadroute appends, before the prefix: those `score` writes
/// (with `grade` after `stage` when the rules have `[grades]`), and with
/// `routed` those `assign` adds.
pub fn appended_columns(rules: &Rules, routed: bool) -> Vec<&'static str> {
    let mut cols = vec!["score", "fit", "engagement", "stage"];
    if rules.grades.is_some() {
        cols.push("grade");
    }
    if routed {
        cols.extend(["team", "rep", "reason"]);
    }
    cols
}

/// The prefix clash: an appended column whose prefixed name already is an
/// input column (trimmed, case-insensitively) is a rules error (exit 2).
pub fn check_prefix(rules: &Rules, header: &[String], columns: &[&str], input_name: &str) -> Result<(), Error> {
    let prefix = &rules.output.prefix;
    for c in columns {
        let name = format!("{prefix}{c}");
        let key = name.trim().to_lowercase();
        if let Some(h) = header.iter().find(|h| h.trim().to_lowercase() == key) {
            return Err(Error::usage(format!(
                "{input_name}:1: the export already has a column '{h}', and leadroute would append '{name}'; \
                 set a prefix for the appended columns in the rules, e.g. [output] prefix = \"lr_\""
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::AhoCorasickKind;

    /// The cause of a set-up quadratic in a needle's length: aho-corasick's
    /// DFA, built by walking failure links. A long needle must get an NFA
    /// (linear to build), and still match case-insensitively.
    #[test]
    fn a_long_contains_any_needle_gets_an_automaton_linear_to_build() {
        let long = "ab".repeat(DFA_MAX_NEEDLE);
        let finder = contains_finder(&[long.clone(), "x".into()]).expect("built");
        assert_eq!(finder.kind(), AhoCorasickKind::ContiguousNFA);
        assert!(finder.is_match(&format!("--{}--", long.to_ascii_uppercase())));
        assert!(!finder.is_match(&long[1..]));
        let short = contains_finder(&["ab".repeat(DFA_MAX_NEEDLE / 2), "x".into()]).expect("built");
        assert!(short.is_match("AB".repeat(DFA_MAX_NEEDLE / 2).as_str()));
    }
}
