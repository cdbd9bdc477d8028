//! The condition tests, defined once. `TESTS` is the registry: each test's
//! key, the kind of cell it reads, its value, its meaning and its parser; the
//! schema's key lists, its messages and `docs/rules.md` are read from it.
//! `Test` is a test as compiled, and every match over it here is exhaustive,
//! so a new test cannot fall into another's arm: adding one is a registry
//! entry, a variant, and the arms the compiler asks for (all in this file, but
//! `lint`'s).

use super::schema::{Obj, Sign, norm};
use crate::error::Error;
use crate::support::num::{DEC_LIMIT, Dec};

/// One test of a condition. Text needles are trimmed and lower-cased already.
#[derive(Clone, Debug)]
pub enum Test {
    /// `equals = "x"`: the cell equals x.
    Equals(String),
    /// `in = [...]`: the cell equals one of them.
    In(Vec<String>),
    /// `not_in = [...]`: the cell equals none of them (holds on an empty cell
    /// unless `""` is listed).
    NotIn(Vec<String>),
    /// `contains_any = [...]`: the cell contains one of them.
    ContainsAny(Vec<String>),
    /// `starts_with_any = [...]`: the cell starts with one of them.
    StartsWithAny(Vec<String>),
    /// `ends_with_any = [...]`: the cell ends with one of them.
    EndsWithAny(Vec<String>),
    /// `present = true` / `false`: the cell is non-empty / empty.
    Present(bool),
    /// `gte`, `gt`, `lte`, `lt`: the cell is a number within all given bounds.
    Range {
        /// `gte`: at least this.
        gte: Option<Dec>,
        /// `gt`: more than this.
        gt: Option<Dec>,
        /// `lte`: at most this.
        lte: Option<Dec>,
        /// `lt`: less than this.
        lt: Option<Dec>,
    },
    /// `within_days = n`: the cell is a date on or after as-of minus n days.
    WithinDays(i64),
    /// `older_than_days = n`: the cell is a date before as-of minus n days.
    OlderThanDays(i64),
    /// `per = u` on a criterion: floor(v / u) units.
    Per(Dec),
}

/// How a test reads its cell (and so which cells can give value warnings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    Number,
    Date,
}

/// One test key of a condition: the registry's entry.
pub struct TestDef {
    /// The key, as written in a condition (`contains_any`).
    pub key: &'static str,
    /// How the test reads its cell.
    pub kind: ValueKind,
    /// A bound of a range: `gte`, `gt`, `lte` and `lt` combine into one test;
    /// any other test is the only one of its condition.
    pub bound: bool,
    /// Allowed on a criterion only, where it takes the place of a test (`per`).
    pub criterion_only: bool,
    /// The value it takes, as the reference says it.
    #[allow(dead_code)] // for the reference (docs/rules.md), to come
    pub value: &'static str,
    /// A value as written in a rules file (a test parses each one).
    #[allow(dead_code)] // for the reference (docs/rules.md), to come
    pub example: &'static str,
    /// What it means, for the reference (`docs/rules.md`).
    #[allow(dead_code)] // for the reference (docs/rules.md), to come
    pub doc: &'static str,
    /// Reads the test from its condition's table, given its key (a bound reads
    /// all four bounds).
    pub(super) parse: fn(&Obj, &str) -> Result<Test, Error>,
}

/// The condition tests, in the order the messages list them.
pub const TESTS: &[TestDef] = &[
    TestDef {
        key: "equals",
        kind: ValueKind::Text,
        bound: false,
        criterion_only: false,
        value: "string",
        example: "\"Partner\"",
        doc: "the cell equals it",
        parse: |o, k| Ok(Test::Equals(norm(o.string(k)?.map_or("", |s| s.0)))),
    },
    TestDef {
        key: "in",
        kind: ValueKind::Text,
        bound: false,
        criterion_only: false,
        value: "list of strings",
        example: "[\"FI\", \"SE\"]",
        doc: "the cell equals one of them",
        parse: |o, k| Ok(Test::In(list(o, k)?)),
    },
    TestDef {
        key: "not_in",
        kind: ValueKind::Text,
        bound: false,
        criterion_only: false,
        value: "list of strings",
        example: "[\"student\", \"intern\"]",
        doc: "the cell equals none of them (holds on an empty cell unless `\"\"` is listed)",
        parse: |o, k| Ok(Test::NotIn(list(o, k)?)),
    },
    TestDef {
        key: "contains_any",
        kind: ValueKind::Text,
        bound: false,
        criterion_only: false,
        value: "list of strings",
        example: "[\"head of\", \"director\"]",
        doc: "the cell contains one of them",
        parse: |o, k| Ok(Test::ContainsAny(list(o, k)?)),
    },
    TestDef {
        key: "starts_with_any",
        kind: ValueKind::Text,
        bound: false,
        criterion_only: false,
        value: "list of strings",
        example: "[\"+358\", \"00358\"]",
        doc: "the cell starts with one of them",
        parse: |o, k| Ok(Test::StartsWithAny(list(o, k)?)),
    },
    TestDef {
        key: "ends_with_any",
        kind: ValueKind::Text,
        bound: false,
        criterion_only: false,
        value: "list of strings",
        example: "[\"@gmail.com\", \"@hotmail.com\"]",
        doc: "the cell ends with one of them",
        parse: |o, k| Ok(Test::EndsWithAny(list(o, k)?)),
    },
    TestDef {
        key: "present",
        kind: ValueKind::Text,
        bound: false,
        criterion_only: false,
        value: "true or false",
        example: "true",
        doc: "`true`: the cell is not empty; `false`: it is empty",
        parse: |o, k| Ok(Test::Present(o.bool(k)?.unwrap_or(true))),
    },
    TestDef {
        key: "gte",
        kind: ValueKind::Number,
        bound: true,
        criterion_only: false,
        value: "number",
        example: "50",
        doc: "the cell is a number at least this",
        parse: range,
    },
    TestDef {
        key: "gt",
        kind: ValueKind::Number,
        bound: true,
        criterion_only: false,
        value: "number",
        example: "0",
        doc: "the cell is a number more than this",
        parse: range,
    },
    TestDef {
        key: "lte",
        kind: ValueKind::Number,
        bound: true,
        criterion_only: false,
        value: "number",
        example: "5000",
        doc: "the cell is a number at most this",
        parse: range,
    },
    TestDef {
        key: "lt",
        kind: ValueKind::Number,
        bound: true,
        criterion_only: false,
        value: "number",
        example: "10",
        doc: "the cell is a number less than this",
        parse: range,
    },
    TestDef {
        key: "within_days",
        kind: ValueKind::Date,
        bound: false,
        criterion_only: false,
        value: "whole number ≥ 0",
        example: "14",
        doc: "the cell is a date on or after the as-of date minus this many days",
        parse: |o, k| Ok(Test::WithinDays(o.whole(k)?.unwrap_or(0))),
    },
    TestDef {
        key: "older_than_days",
        kind: ValueKind::Date,
        bound: false,
        criterion_only: false,
        value: "whole number ≥ 0",
        example: "90",
        doc: "the cell is a date before the as-of date minus this many days",
        parse: |o, k| Ok(Test::OlderThanDays(o.whole(k)?.unwrap_or(0))),
    },
    TestDef {
        key: "per",
        kind: ValueKind::Number,
        bound: false,
        criterion_only: true,
        value: "number > 0",
        example: "5",
        doc: "on a criterion, in place of a test: `points` for every whole `per` units of the cell's number \
              (floor(value / per)); it holds from one unit",
        parse: |o, k| Ok(Test::Per(o.positive(k)?.unwrap_or(Dec::from_int(1)))),
    },
];

/// A list of text needles, trimmed and lower-cased.
fn list(o: &Obj, key: &str) -> Result<Vec<String>, Error> {
    Ok(o.strings(key)?.unwrap_or_default().into_iter().map(|(s, _)| norm(s)).collect())
}

/// The range of a condition: every bound it gives.
fn range(o: &Obj, _key: &str) -> Result<Test, Error> {
    let b = |k: &str| o.number(k, DEC_LIMIT, Sign::Any).map(|v| v.map(|(n, ..)| n.value));
    Ok(Test::Range { gte: b("gte")?, gt: b("gt")?, lte: b("lte")?, lt: b("lt")? })
}

/// The registry's entry for a key.
pub fn find(key: &str) -> Option<&'static TestDef> {
    TESTS.iter().find(|t| t.key == key)
}

/// How many tests a condition takes (with `criterion`, a criterion: `per` too).
pub const fn count(criterion: bool) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < TESTS.len() {
        if criterion || !TESTS[i].criterion_only {
            n += 1;
        }
        i += 1;
    }
    n
}

impl Test {
    /// The test as a user would write it, for `explain`.
    pub fn describe(&self) -> String {
        let list = |k: &str, v: &[String]| {
            let shown: Vec<String> = v.iter().take(4).map(|x| format!("{x:?}")).collect();
            let more = if v.len() > 4 { format!(", … +{} more", v.len() - 4) } else { String::new() };
            format!("{k} [{}{more}]", shown.join(", "))
        };
        match self {
            Test::Equals(v) => format!("equals {v:?}"),
            Test::In(v) => list("in", v),
            Test::NotIn(v) => list("not_in", v),
            Test::ContainsAny(v) => list("contains_any", v),
            Test::StartsWithAny(v) => list("starts_with_any", v),
            Test::EndsWithAny(v) => list("ends_with_any", v),
            Test::Present(p) => format!("present = {p}"),
            Test::Range { gte, gt, lte, lt } => {
                let parts: Vec<String> = [("gte", gte), ("gt", gt), ("lte", lte), ("lt", lt)]
                    .iter()
                    .filter_map(|(k, v)| v.map(|v| format!("{k} {v}")))
                    .collect();
                parts.join(", ")
            }
            Test::WithinDays(n) => format!("within_days {n}"),
            Test::OlderThanDays(n) => format!("older_than_days {n}"),
            Test::Per(u) => format!("per {u}"),
        }
    }

    /// How the test reads its cell.
    #[inline(always)]
    pub fn kind(&self) -> ValueKind {
        match self {
            Test::Range { .. } | Test::Per(_) => ValueKind::Number,
            Test::WithinDays(_) | Test::OlderThanDays(_) => ValueKind::Date,
            Test::Equals(_)
            | Test::In(_)
            | Test::NotIn(_)
            | Test::ContainsAny(_)
            | Test::StartsWithAny(_)
            | Test::EndsWithAny(_)
            | Test::Present(_) => ValueKind::Text,
        }
    }

    /// The needles a text test compares a cell with (what makes remembering
    /// its results per distinct cell worth it); `None` for any other test.
    pub fn text_needles(&self) -> Option<usize> {
        match self {
            Test::Equals(_) => Some(1),
            Test::In(l) | Test::NotIn(l) | Test::ContainsAny(l) | Test::StartsWithAny(l) | Test::EndsWithAny(l) => {
                Some(l.len())
            }
            Test::Present(_) | Test::Range { .. } | Test::WithinDays(_) | Test::OlderThanDays(_) | Test::Per(_) => None,
        }
    }

    /// A day test's window: its days, and how a date inside it compares with
    /// the first day (as-of − n), as `explain` says it.
    pub fn day_window(&self) -> Option<(i64, &'static str)> {
        match self {
            Test::WithinDays(n) => Some((*n, "on or after")),
            Test::OlderThanDays(n) => Some((*n, "before")),
            Test::Equals(_)
            | Test::In(_)
            | Test::NotIn(_)
            | Test::ContainsAny(_)
            | Test::StartsWithAny(_)
            | Test::EndsWithAny(_)
            | Test::Present(_)
            | Test::Range { .. }
            | Test::Per(_) => None,
        }
    }

    /// `per`'s unit, on a criterion that counts units.
    #[inline(always)]
    pub fn per_unit(&self) -> Option<Dec> {
        match self {
            Test::Per(u) => Some(*u),
            Test::Equals(_)
            | Test::In(_)
            | Test::NotIn(_)
            | Test::ContainsAny(_)
            | Test::StartsWithAny(_)
            | Test::EndsWithAny(_)
            | Test::Present(_)
            | Test::Range { .. }
            | Test::WithinDays(_)
            | Test::OlderThanDays(_) => None,
        }
    }

    /// Whether a text test holds on a cell's text: the trimmed cell, compared
    /// with ASCII case folding (the needles are lower-case already), or
    /// lower-cased when not ASCII. `finder` searches a `contains_any`'s
    /// needles in one pass. False for a test that is not a text test.
    #[inline(always)]
    pub fn holds_text(&self, cell: &[u8], empty: bool, finder: Option<&aho_corasick::AhoCorasick>) -> bool {
        let is = |cell: &[u8], n: &String| cell.eq_ignore_ascii_case(n.as_bytes());
        match self {
            Test::NotIn(list) => !list.iter().any(|n| is(cell, n)),
            Test::Present(p) => *p != empty,
            Test::Equals(_) | Test::In(_) | Test::ContainsAny(_) | Test::StartsWithAny(_) | Test::EndsWithAny(_)
                if empty =>
            {
                false
            }
            Test::Equals(n) => is(cell, n),
            Test::In(list) => list.iter().any(|n| is(cell, n)),
            Test::ContainsAny(list) => match finder {
                Some(f) => f.is_match(cell),
                None => {
                    let lower = String::from_utf8_lossy(cell).to_ascii_lowercase();
                    list.iter().any(|n| lower.contains(n.as_str()))
                }
            },
            Test::StartsWithAny(list) => list.iter().any(|n| cell.get(..n.len()).is_some_and(|p| is(p, n))),
            Test::EndsWithAny(list) => {
                list.iter().any(|n| cell.len() >= n.len() && is(&cell[cell.len() - n.len()..], n))
            }
            Test::Range { .. } | Test::WithinDays(_) | Test::OlderThanDays(_) | Test::Per(_) => false,
        }
    }

    /// Whether a number test holds on a cell's number (`None`: empty or
    /// unreadable). False for a test that is not a number test.
    #[inline(always)]
    pub fn holds_number(&self, v: Option<Dec>) -> bool {
        match self {
            Test::Range { gte, gt, lte, lt } => v.is_some_and(|v| {
                gte.is_none_or(|b| v >= b)
                    && gt.is_none_or(|b| v > b)
                    && lte.is_none_or(|b| v <= b)
                    && lt.is_none_or(|b| v < b)
            }),
            Test::Per(u) => per_units(v, *u) >= 1,
            Test::Equals(_)
            | Test::In(_)
            | Test::NotIn(_)
            | Test::ContainsAny(_)
            | Test::StartsWithAny(_)
            | Test::EndsWithAny(_)
            | Test::Present(_)
            | Test::WithinDays(_)
            | Test::OlderThanDays(_) => false,
        }
    }

    /// Whether a day test holds on a cell's date (a day number; `None`: empty
    /// or unreadable), given its window's first day (as-of − n). False for a
    /// test that is not a day test.
    #[inline(always)]
    pub fn holds_date(&self, d: Option<i32>, first_day: i64) -> bool {
        match self {
            Test::WithinDays(_) => d.is_some_and(|d| d as i64 >= first_day),
            Test::OlderThanDays(_) => d.is_some_and(|d| (d as i64) < first_day),
            Test::Equals(_)
            | Test::In(_)
            | Test::NotIn(_)
            | Test::ContainsAny(_)
            | Test::StartsWithAny(_)
            | Test::EndsWithAny(_)
            | Test::Present(_)
            | Test::Range { .. }
            | Test::Per(_) => false,
        }
    }
}

/// The whole units of `unit` in a positive number; 0 for none, zero or less.
#[inline]
pub fn per_units(v: Option<Dec>, unit: Dec) -> i64 {
    match v {
        Some(v) if v.0 > 0 => v.floor_div(unit),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rules file whose one criterion has `test`, and a team whose `when`
    /// has it (unless it is a criterion's only).
    fn rules(key: &str, value: &str, criterion_only: bool) -> String {
        let when =
            if criterion_only { String::new() } else { format!("when = [{{ column = \"c\", {key} = {value} }}]\n") };
        format!(
            "[input]\nid = \"id\"\n[[criteria]]\nname = \"k\"\ncolumn = \"c\"\n{key} = {value}\n\
             [[stages]]\nname = \"lead\"\n[[teams]]\nname = \"t\"\n{when}"
        )
    }

    /// Each entry's parser reads its own key into its own test: a key whose
    /// parser were missing or another's would not describe itself, or would
    /// read as another kind of cell. (Before the registry, a key added to the
    /// text tests without its parse arm became a range with no bound, which
    /// holds for any number.)
    #[test]
    fn every_test_parses_its_own_key_into_its_own_kind_of_test() {
        for d in TESTS {
            let text = rules(d.key, d.example, d.criterion_only);
            let r = crate::rules::from_text(std::path::Path::new("r.toml"), text, &[])
                .unwrap_or_else(|e| panic!("{}: {e}", d.key));
            let mut tests = vec![&r.criteria[0].cond.test];
            tests.extend(r.teams[0].when.iter().map(|c| &c.test));
            for t in tests {
                let shown = t.describe();
                assert!(shown.starts_with(d.key) && !shown.ends_with(' '), "{}: parsed as {shown:?}", d.key);
                assert_eq!(t.kind(), d.kind, "{}", d.key);
                assert_eq!(t.per_unit().is_some(), d.criterion_only, "{}", d.key);
                assert_eq!(t.day_window().is_some(), d.kind == ValueKind::Date, "{}", d.key);
                assert_eq!(t.text_needles().is_some(), d.kind == ValueKind::Text && d.key != "present", "{}", d.key);
            }
        }
    }

    fn error(text: String) -> String {
        match crate::rules::from_text(std::path::Path::new("r.toml"), text, &[]) {
            Ok(_) => panic!("valid"),
            Err(e) => e.message().to_string(),
        }
    }

    /// The messages the registry writes: what a condition takes, and why two
    /// tests do not go together (as they read before the registry).
    #[test]
    fn messages_list_the_tests_from_the_registry() {
        assert_eq!(
            error(rules("gte", "1", false).replace("gte = 1\n", "")),
            "r.toml:3:1: [[criteria]] 'k' needs one test or 'per': one of equals, in, not_in, contains_any, \
             starts_with_any, ends_with_any, present, or a range of gte/gt/lte/lt, or within_days / older_than_days"
        );
        assert_eq!(
            error(rules("in", "[]", false).replace(", in = [] }", " }")),
            "r.toml:11:9: condition #1 of 'when' in [[teams]] 't' needs one test: one of equals, in, not_in, \
             contains_any, starts_with_any, ends_with_any, present, or a range of gte/gt/lte/lt, or within_days / \
             older_than_days"
        );
        assert_eq!(
            error(rules("gte", "1", true).replace("gte = 1\n", "gte = 1\nwithin_days = 3\nlt = 9\n")),
            "r.toml:6:1: [[criteria]] 'k' mixes within_days and gte: a condition has exactly one test; only gte, gt, \
             lte and lt combine into one range"
        );
        assert_eq!(
            error(rules("per", "2", true).replace("per = 2\n", "equals = \"a\"\nper = 2\n")),
            "r.toml:7:1: [[criteria]] 'k' mixes equals and per: 'per' takes the place of a test"
        );
    }

    /// A range reads every bound its condition gives, whichever comes first.
    #[test]
    fn bounds_combine_into_one_range() {
        let text = rules("lt", "10", false).replace("lt = 10\n", "lt = 10\ngte = 2.5\n");
        let r = crate::rules::from_text(std::path::Path::new("r.toml"), text, &[]).expect("valid");
        assert_eq!(r.criteria[0].cond.test.describe(), "gte 2.5, lt 10");
    }

    #[test]
    fn keys_are_unique_and_per_is_a_criterions_only() {
        let mut all: Vec<&str> = TESTS.iter().map(|d| d.key).collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), TESTS.len());
        assert_eq!(count(true), count(false) + 1);
        assert!(TESTS.iter().all(|d| d.criterion_only == (d.key == "per")));
    }

    /// Each evaluator, on cells worked by hand.
    #[test]
    fn evaluators_hold_where_they_should() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(Test::Equals("fi".into()).holds_text(b"FI", false, None));
        assert!(!Test::Equals("".into()).holds_text(b"", true, None));
        assert!(Test::NotIn(l(&["a"])).holds_text(b"", true, None));
        assert!(!Test::NotIn(l(&["", "a"])).holds_text(b"", true, None));
        assert!(Test::ContainsAny(l(&["head of"])).holds_text(b"Global Head Of Sales", false, None));
        assert!(Test::StartsWithAny(l(&["+358"])).holds_text(b"+358 40", false, None));
        assert!(!Test::EndsWithAny(l(&["@gmail.com"])).holds_text(b"gmail.com", false, None));
        assert!(Test::Present(false).holds_text(b"", true, None) && !Test::Present(true).holds_text(b"", true, None));
        let r = Test::Range { gte: Some(Dec::from_int(2)), gt: None, lte: None, lt: Some(Dec::from_int(10)) };
        assert!(r.holds_number(Some(Dec::from_int(2))) && !r.holds_number(Some(Dec::from_int(10))));
        assert!(!r.holds_number(None) && !r.holds_text(b"5", false, None));
        // per = 5 on 14: 2 units; on 4.99: none.
        assert_eq!(per_units(Some(Dec::from_int(14)), Dec::from_int(5)), 2);
        assert!(!Test::Per(Dec::from_int(5)).holds_number(Some(Dec::from_int(4))));
        // First day of the window 100: within holds from 100, older before it.
        assert!(Test::WithinDays(3).holds_date(Some(100), 100) && !Test::WithinDays(3).holds_date(Some(99), 100));
        assert!(Test::OlderThanDays(3).holds_date(Some(99), 100) && !Test::OlderThanDays(3).holds_date(None, 100));
    }
}
