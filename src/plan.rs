//! Rules compiled against one export's header: every column resolved to an
//! index once, each column read once per row however many rules use it, day
//! windows turned into day numbers. Per-row work then touches only the cells
//! the rules need.

use std::ops::Range;

use crate::date::DateFormat;
use crate::error::Fail;
use crate::input::find_column;
use crate::num::Cents;
use crate::rules::{Group, Rules, Test, ValueKind};

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
pub struct CCond {
    pub slot: usize,
    pub test: Test,
    /// For day tests: the first day that is inside the window (as-of − n).
    pub day_threshold: i64,
    /// For `contains_any`: all needles searched in one pass.
    pub finder: Option<aho_corasick::AhoCorasick>,
    /// For a text test on a slot with `Slot::memo`: its bit in the slot's results.
    pub text_bit: Option<u8>,
}

impl CCond {
    fn new(slot: usize, test: &Test, as_of: i32) -> CCond {
        let finder = match test {
            // Needles are lower-case; ASCII case folding lets ASCII cells be
            // searched without a lower-cased copy (see `score`).
            Test::ContainsAny(list) => {
                aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(list).ok()
            }
            _ => None,
        };
        CCond { slot, day_threshold: threshold(test, as_of), test: test.clone(), finder, text_bit: None }
    }
}

#[derive(Clone, Debug)]
pub struct CCriterion {
    pub cond: CCond,
    pub group: Group,
    pub points: Cents,
    pub max: Option<Cents>,
    pub disqualify: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Score,
    Assign,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub id_col: usize,
    pub created_slot: Option<usize>,
    pub account_col: Option<usize>,
    pub slots: Vec<Slot>,
    pub criteria: Vec<CCriterion>,
    /// Routing conditions, flattened; teams and reps index ranges of it.
    pub conds: Vec<CCond>,
    pub team_when: Vec<Range<usize>>,
    pub rep_require: Vec<Range<usize>>,
    pub rep_prefer: Vec<Range<usize>>,
    pub decimal: u8,
    pub date_formats: Vec<DateFormat>,
    pub as_of: i32,
    pub header: Vec<String>,
    /// `--outcome`: the column that says whether a lead converted.
    pub outcome_col: Option<usize>,
}

impl Plan {
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
    input_name: &'a str,
    header: &'a [String],
    slots: Vec<Slot>,
}

impl Builder<'_> {
    fn slot(&mut self, column: &str, used_by: &str, kind: Option<ValueKind>, warn: bool) -> Result<usize, Fail> {
        let col = find_column(self.input_name, self.header, column, used_by)?;
        let i = match self.slots.iter().position(|s| s.col == col) {
            Some(i) => i,
            None => {
                self.slots.push(Slot { col, text: false, num: false, date: false, warn: false, memo: None });
                self.slots.len() - 1
            }
        };
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
fn plan_memos(slots: &mut [Slot], criteria: &mut [CCriterion], conds: &mut [CCond]) {
    let text_needles = |t: &Test| match t {
        Test::Equals(_) => Some(1),
        Test::In(l) | Test::NotIn(l) | Test::ContainsAny(l) | Test::StartsWithAny(l) | Test::EndsWithAny(l) => {
            Some(l.len())
        }
        _ => None,
    };
    for (k, slot) in slots.iter_mut().enumerate() {
        let mut tests = Vec::new();
        let (mut needles, mut costly) = (0, false);
        let all = criteria.iter().map(|c| &c.cond).enumerate().map(|(i, c)| (TextTest::Criterion(i), c));
        for (which, c) in all.chain(conds.iter().enumerate().map(|(i, c)| (TextTest::Cond(i), c))) {
            if c.slot == k
                && let Some(n) = text_needles(&c.test)
            {
                tests.push(which);
                needles += n;
                costly |= matches!(c.test, Test::ContainsAny(_));
            }
        }
        if (costly || needles >= 4) && tests.len() <= 64 {
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
    match test {
        Test::WithinDays(n) | Test::OlderThanDays(n) => as_of as i64 - n,
        _ => 0,
    }
}

/// Resolves every column the rules name (all must exist, for every command).
/// With `Mode::Score` routing columns are checked but not read.
pub fn compile(rules: &Rules, header: &[String], input_name: &str, mode: Mode, as_of: i32) -> Result<Plan, Fail> {
    let mut b = Builder { input_name, header, slots: Vec::new() };
    let id_col = find_column(input_name, header, &rules.input.id, "[input] id")?;
    let created_slot = match &rules.input.created {
        Some(c) => Some(b.slot(c, "[input] created", Some(ValueKind::Date), true)?),
        None => None,
    };
    let account_col = match &rules.input.account {
        Some(c) => Some(find_column(input_name, header, c, "[input] account")?),
        None => None,
    };
    let mut criteria = Vec::new();
    for c in &rules.criteria {
        let used_by = format!("criterion '{}'", c.name);
        let slot = b.slot(&c.cond.column, &used_by, Some(c.cond.test.kind()), true)?;
        criteria.push(CCriterion {
            cond: CCond::new(slot, &c.cond.test, as_of),
            group: c.group,
            points: c.points,
            max: c.max,
            disqualify: c.disqualify,
        });
    }
    let routing = mode == Mode::Assign;
    let mut conds = Vec::new();
    let mut group =
        |b: &mut Builder, list: &[crate::rules::Condition], used_by: String| -> Result<Range<usize>, Fail> {
            let start = conds.len();
            for c in list {
                let kind = routing.then(|| c.test.kind());
                let slot = b.slot(&c.column, &used_by, kind, routing)?;
                conds.push(CCond::new(slot, &c.test, as_of));
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
    plan_memos(&mut b.slots, &mut criteria, &mut conds);
    Ok(Plan {
        id_col,
        created_slot,
        account_col,
        slots: b.slots,
        criteria,
        conds,
        team_when,
        rep_require,
        rep_prefer,
        decimal: rules.input.decimal,
        date_formats: rules.input.date_formats.clone(),
        as_of,
        header: header.to_vec(),
        outcome_col: None,
    })
}
