//! The rules schema: which keys each table allows (shared with `--set`), and the
//! walk from the located tree to a validated `Rules`. Every error names the file,
//! line and column of the offending key or value, says what was expected, and
//! where it can, suggests the fix.

use std::collections::HashMap;

use super::conditions::{self, TestDef};
use super::keys;
use super::tree::{At, Entry, Node, Source, Table, Val};
use super::*;
use crate::error::{Error, NAMES_SHOWN, name_list, shorten, thousands};
use crate::support::date::DateFormat;
use crate::support::num::{
    CENTS_LIMIT, Cents, DEC_LIMIT, DEC_SCALE, Dec, NumberError, TomlNumber, WHOLE_LIMIT, parse_toml_number,
};
use crate::support::suggest::did_you_mean;
use crate::support::worktime::{Calendar, DAY_NAMES, Hours, MON_TO_FRI};

// The keys each table allows, from their one definition in `keys` (and
// `conditions`, for the tests).

pub const TOP_KEYS: [&str; keys::TOP.len()] = keys::top_names();
const INPUT_KEYS: [&str; keys::count(&keys::INPUT_TABLE)] = keys::names(&keys::INPUT_TABLE);
const OUTPUT_KEYS: [&str; keys::count(&keys::OUTPUT_TABLE)] = keys::names(&keys::OUTPUT_TABLE);
const SCORING_KEYS: [&str; keys::count(&keys::SCORING_TABLE)] = keys::names(&keys::SCORING_TABLE);
const ROUTING_KEYS: [&str; keys::count(&keys::ROUTING_TABLE)] = keys::names(&keys::ROUTING_TABLE);
const GRADES_KEYS: [&str; keys::count(&keys::GRADES_TABLE)] = keys::names(&keys::GRADES_TABLE);
const FIT_BAND_KEYS: [&str; keys::count(&keys::FIT_BANDS_TABLE)] = keys::names(&keys::FIT_BANDS_TABLE);
const ENGAGEMENT_BAND_KEYS: [&str; keys::count(&keys::ENGAGEMENT_BANDS_TABLE)] =
    keys::names(&keys::ENGAGEMENT_BANDS_TABLE);
const CONDITION_KEYS: [&str; keys::count(&keys::CONDITION_TABLE)] = keys::names(&keys::CONDITION_TABLE);
const CRITERION_KEYS: [&str; keys::count(&keys::CRITERIA_TABLE)] = keys::names(&keys::CRITERIA_TABLE);
const DECAY_KEYS: [&str; keys::count(&keys::DECAY_TABLE)] = keys::names(&keys::DECAY_TABLE);
const STAGE_KEYS: [&str; keys::count(&keys::STAGES_TABLE)] = keys::names(&keys::STAGES_TABLE);
const TEAM_KEYS: [&str; keys::count(&keys::TEAMS_TABLE)] = keys::names(&keys::TEAMS_TABLE);
const REP_KEYS: [&str; keys::count(&keys::REPS_TABLE)] = keys::names(&keys::REPS_TABLE);
const AWAY_KEYS: [&str; keys::count(&keys::AWAY_TABLE)] = keys::names(&keys::AWAY_TABLE);

/// The shape of a top-level key: a plain table, or an array of named tables.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    Table(&'static [&'static str]),
    Named(&'static str, &'static [&'static str]),
}

impl Shape {
    pub fn keys(&self) -> &'static [&'static str] {
        match self {
            Shape::Table(k) | Shape::Named(_, k) => k,
        }
    }
}

pub fn top_shape(key: &str) -> Option<Shape> {
    let keys: &'static [&'static str] = match key {
        "input" => &INPUT_KEYS,
        "output" => &OUTPUT_KEYS,
        "scoring" => &SCORING_KEYS,
        "routing" => &ROUTING_KEYS,
        "grades" => &GRADES_KEYS,
        "criteria" => &CRITERION_KEYS,
        "stages" => &STAGE_KEYS,
        "teams" => &TEAM_KEYS,
        "reps" => &REP_KEYS,
        _ => return None,
    };
    Some(match keys::TOP.iter().find(|t| t.name == key)?.named {
        Some(kind) => Shape::Named(kind, keys),
        None => Shape::Table(keys),
    })
}

/// Whether `key` of the top-level table `top` is a table of strings
/// (`[output] rename`, `[[reps]] fields`): `--set` replaces it whole or sets
/// one entry.
pub fn is_string_table(top: &str, key: &str) -> bool {
    (top == keys::OUTPUT_TABLE.name && key == keys::OUTPUT.rename)
        || (top == keys::REPS_TABLE.name && key == keys::REPS.fields)
}

/// The sign a number of the rules must have.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Sign {
    Any,
    /// ≥ 0; the text says what is expected (e.g. "a whole number ≥ 0").
    NonNegative(&'static str),
    /// > 0.
    Positive,
}

/// A table of the rules being read: where it is, what it is called in messages.
pub(super) struct Obj<'a> {
    src: &'a Source,
    t: &'a Table,
    at: &'a At,
    what: String,
    /// The keys the table allows: the only ones its getters may read.
    keys: &'static [&'static str],
}

type R<T> = Result<T, Error>;

impl<'a> Obj<'a> {
    fn new(src: &'a Source, node: &'a Node, what: String, keys: &'static [&'static str]) -> R<Obj<'a>> {
        let Val::Table(t) = &node.val else {
            return Err(err(src, &node.at, format!("{what} must be a table, found {}", node.val.kind())));
        };
        for e in &t.entries {
            if !keys.contains(&e.key.as_str()) {
                let hint = did_you_mean(&e.key, keys.iter().copied());
                return Err(err(
                    src,
                    &e.key_at,
                    format!("unknown key '{}' in {what}{hint} (expected one of: {})", e.key, keys.join(", ")),
                ));
            }
        }
        Ok(Obj { src, t, at: &node.at, what, keys })
    }

    /// The entry of a key the table allows. Reading one it does not (a key
    /// not defined in `keys`, which no file could then set) is a bug: a
    /// debug build panics, so that any test that loads such a table fails.
    fn get(&self, key: &str) -> Option<&'a Entry> {
        debug_assert!(self.keys.contains(&key), "'{key}' is read from {} but not one of its keys", self.what);
        self.t.get(key)
    }

    fn fail<T>(&self, at: &At, msg: String) -> R<T> {
        Err(err(self.src, at, msg))
    }

    fn wrong<T>(&self, e: &Entry, expected: &str) -> R<T> {
        self.fail(&e.node.at, format!("'{}' in {} must be {expected}, found {}", e.key, self.what, e.node.val.kind()))
    }

    pub(super) fn string(&self, key: &str) -> R<Option<(&'a str, &'a At)>> {
        match self.get(key) {
            None => Ok(None),
            Some(Entry { node: Node { val: Val::Str(s), at }, .. }) => Ok(Some((s.as_str(), at))),
            Some(e) => self.wrong(e, "a string"),
        }
    }

    fn req_string(&self, key: &str) -> R<(&'a str, &'a At)> {
        match self.string(key)? {
            Some((s, at)) if s.trim().is_empty() => {
                self.fail(at, format!("'{key}' in {} must not be empty", self.what))
            }
            Some(v) => Ok(v),
            None => self.fail(self.at, format!("{} needs '{key}'", self.what)),
        }
    }

    pub(super) fn strings(&self, key: &str) -> R<Option<Vec<(&'a str, &'a At)>>> {
        let Some(e) = self.get(key) else {
            return Ok(None);
        };
        let Val::Array(items) = &e.node.val else {
            return self.wrong(e, "a list of strings");
        };
        items
            .iter()
            .map(|n| match &n.val {
                Val::Str(s) => Ok((s.as_str(), &n.at)),
                other => self.fail(
                    &n.at,
                    format!(
                        "'{}' in {} must be a list of strings, found {} in it (quote it)",
                        e.key,
                        self.what,
                        other.kind()
                    ),
                ),
            })
            .collect::<R<Vec<_>>>()
            .map(Some)
    }

    /// A number: finite, of the sign asked, and within ±`limit` (a larger one
    /// would lose exactness). Returns it, as parsed and as written.
    pub(super) fn number(&self, key: &str, limit: Dec, sign: Sign) -> R<Option<(TomlNumber, &'a str, &'a At)>> {
        let Some(e) = self.get(key) else {
            return Ok(None);
        };
        let Val::Num(raw) = &e.node.val else {
            return self.wrong(e, "a number");
        };
        let at = &e.node.at;
        let parsed = match parse_toml_number(raw) {
            Err(NumberError::NotFinite) => {
                return self.fail(at, format!("'{key}' in {} must be a finite number, found {raw}", self.what));
            }
            p => p,
        };
        let zero = matches!(parsed, Ok(n) if n.value == Dec(0) && n.decimals == 0);
        let negative = match parsed {
            Err(NumberError::TooLarge { negative }) => negative,
            _ => raw.starts_with('-') && !zero,
        };
        let expected = match sign {
            Sign::Any => None,
            Sign::NonNegative(expected) => negative.then_some(expected),
            Sign::Positive => (negative || zero).then_some("greater than 0"),
        };
        if let Some(expected) = expected {
            return self.fail(at, format!("'{key}' in {} must be {expected}, found {raw}", self.what));
        }
        let n = match parsed {
            Ok(n) if n.value.0.abs() <= limit.0 => n,
            _ if negative => {
                return self.fail(
                    at,
                    format!(
                        "'{key}' in {} is too large a negative number: found {raw}; the smallest allowed is -{limit}",
                        self.what
                    ),
                );
            }
            _ => {
                return self.fail(
                    at,
                    format!("'{key}' in {} is too large: found {raw}; the largest allowed is {limit}", self.what),
                );
            }
        };
        if sign == Sign::Positive && n.value == Dec(0) {
            return self.fail(
                at,
                format!(
                    "'{key}' in {} is too small: found {raw}; the smallest allowed is {} (numbers keep 18 decimals)",
                    self.what,
                    Dec(1)
                ),
            );
        }
        Ok(Some((n, raw, at)))
    }

    /// Points or a threshold: at most two decimals, kept in exact hundredths.
    fn cents(&self, key: &str, sign: Sign) -> R<Option<Cents>> {
        let limit = Dec(CENTS_LIMIT.0 as i128 * (DEC_SCALE / 100));
        let Some((n, raw, at)) = self.number(key, limit, sign)? else {
            return Ok(None);
        };
        match n.value.to_cents().filter(|_| n.decimals <= 2) {
            Some(c) => Ok(Some(Cents(c))),
            None => self.fail(
                at,
                format!(
                    "'{key}' in {} may have at most two decimals, found {raw} (scores are kept in hundredths)",
                    self.what
                ),
            ),
        }
    }

    pub(super) fn whole(&self, key: &str) -> R<Option<i64>> {
        let limit = Dec::from_int(WHOLE_LIMIT);
        let Some((n, raw, at)) = self.number(key, limit, Sign::NonNegative("a whole number ≥ 0"))? else {
            return Ok(None);
        };
        match n.value.to_integer().and_then(|v| i64::try_from(v).ok()) {
            Some(v) if !raw.contains(['.', 'e', 'E']) => Ok(Some(v)),
            _ => self.fail(
                at,
                format!(
                    "'{key}' in {} must be a whole number, found {raw} (write it as an integer, without a decimal \
                     point or exponent)",
                    self.what
                ),
            ),
        }
    }

    pub(super) fn positive(&self, key: &str) -> R<Option<Dec>> {
        Ok(self.number(key, DEC_LIMIT, Sign::Positive)?.map(|(n, ..)| n.value))
    }

    pub(super) fn bool(&self, key: &str) -> R<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Entry { node: Node { val: Val::Bool(b), .. }, .. }) => Ok(Some(*b)),
            Some(e) => self.wrong(e, "true or false"),
        }
    }

    /// A table of strings (`rename`, `fields`): its entries in file order,
    /// each as (key, where the key is, value, where the value is).
    #[allow(clippy::type_complexity)]
    pub(super) fn string_table(&self, key: &str) -> R<Vec<(&'a str, &'a At, &'a str, &'a At)>> {
        let Some(e) = self.get(key) else { return Ok(Vec::new()) };
        let Val::Table(t) = &e.node.val else {
            return self.wrong(e, &format!("a table of strings, e.g. {key} = {{ name = \"value\" }}"));
        };
        t.entries
            .iter()
            .map(|x| match &x.node.val {
                Val::Str(v) => Ok((x.key.as_str(), &x.key_at, v.as_str(), &x.node.at)),
                Val::Table(_) => self.fail(
                    &x.key_at,
                    format!(
                        "'{key}' in {} must be a table of strings: '{}' holds a table; a key with a dot in it is \
                         quoted, as in {{ \"{}.…\" = \"value\" }}",
                        self.what, x.key, x.key
                    ),
                ),
                other => self.fail(
                    &x.node.at,
                    format!(
                        "'{key}' in {} must be a table of strings: '{}' is {} (quote it)",
                        self.what,
                        x.key,
                        other.kind()
                    ),
                ),
            })
            .collect()
    }

    /// The nodes of an array of tables (e.g. `when = [{...}, {...}]`).
    fn array(&self, key: &str) -> R<&'a [Node]> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Entry { node: Node { val: Val::Array(items), .. }, .. }) => Ok(items),
            Some(e) => self.wrong(e, "an array of tables"),
        }
    }
}

fn err(src: &Source, at: &At, msg: String) -> Error {
    Error::Rules(format!("{}: {msg}", src.locate(at)))
}

pub(super) fn norm(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Reads the test of a condition (and `per`, for criteria) from its table:
/// exactly one test, or bounds that combine into one range.
fn test_of(o: &Obj, allow_per: bool) -> R<Test> {
    let present: Vec<(&Entry, &TestDef)> =
        o.t.entries.iter().filter_map(|e| conditions::find(&e.key).map(|d| (e, d))).collect();
    let groups: Vec<(&Entry, &TestDef)> = {
        let mut v: Vec<(&Entry, &TestDef)> = present.iter().copied().filter(|(_, d)| !d.bound).collect();
        if let Some(first_bound) = present.iter().copied().find(|(_, d)| d.bound) {
            v.push(first_bound);
        }
        v
    };
    let keys = |pick: fn(&TestDef) -> bool, sep: &str| -> String {
        conditions::TESTS.iter().filter(|d| pick(d)).map(|d| d.key).collect::<Vec<_>>().join(sep)
    };
    if groups.is_empty() {
        let what = if allow_per {
            format!("one test or '{}'", keys(|d| d.criterion_only, "' or '"))
        } else {
            "one test".to_string()
        };
        return o.fail(
            o.at,
            format!(
                "{} needs {what}: one of {}, or a range of {}, or {}",
                o.what,
                keys(|d| d.kind == ValueKind::Text, ", "),
                keys(|d| d.bound, "/"),
                keys(|d| d.kind == ValueKind::Date, " / ")
            ),
        );
    }
    if groups.len() > 1 {
        let second = groups[1].0;
        let names: Vec<&str> = groups.iter().map(|(e, _)| e.key.as_str()).collect();
        let why = match groups.iter().find(|(_, d)| d.criterion_only) {
            Some((e, _)) => format!("'{}' takes the place of a test", e.key),
            None => format!(
                "a condition has exactly one test; only {} combine into one range",
                and_list(&conditions::TESTS.iter().filter(|d| d.bound).map(|d| d.key).collect::<Vec<_>>())
            ),
        };
        return o.fail(&second.key_at, format!("{} mixes {}: {why}", o.what, names.join(" and ")));
    }
    let (e, def) = groups[0];
    if def.criterion_only && !allow_per {
        return o.fail(&e.key_at, format!("'{}' is only allowed on a criterion, not in {}", e.key, o.what));
    }
    (def.parse)(o, &e.key)
}

/// `a, b, c and d`.
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The conditions of `when`, `require` or `prefer`. `@grade` stands for the
/// lead's grade: it needs `[grades]` and takes text tests only.
fn conditions(src: &Source, o: &Obj, key: &str, grades: bool) -> R<Vec<Condition>> {
    o.array(key)?
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let c = Obj::new(src, n, format!("condition #{} of '{key}' in {}", i + 1, o.what), &CONDITION_KEYS)?;
            let (column, at) = c.req_string(keys::CONDITION.column)?;
            let test = test_of(&c, false)?;
            if column == GRADE_COLUMN {
                if !grades {
                    return c.fail(at, format!("{} tests '{GRADE_COLUMN}', but the rules have no [grades]", c.what));
                }
                if test.kind() != ValueKind::Text {
                    return c.fail(
                        at,
                        format!(
                            "{} tests '{GRADE_COLUMN}' as a number or date: a grade takes text tests (equals, in, ...)",
                            c.what
                        ),
                    );
                }
            }
            Ok(Condition { column: column.to_string(), test })
        })
        .collect()
}

/// The tables of an array of tables such as `[[criteria]]`.
fn named_tables<'a>(src: &'a Source, doc: &'a Table, key: &str) -> R<Vec<&'a Node>> {
    match doc.get(key) {
        None => Ok(Vec::new()),
        Some(Entry { node: Node { val: Val::Array(items), .. }, .. }) => Ok(items.iter().collect()),
        Some(e) => Err(err(
            src,
            &e.node.at,
            format!("'{key}' must be an array of tables ([[{key}]]), found {}", e.node.val.kind()),
        )),
    }
}

/// Checks a name: non-empty, unique within its kind.
fn name_of<'a>(o: &Obj<'a>, kind: &str, seen: &mut HashMap<&'a str, &'a At>) -> R<&'a str> {
    let (name, at) = o.req_string("name")?;
    if let Some(first) = seen.insert(name, at) {
        let first = o.src.locate(first);
        return o.fail(at, format!("duplicate {kind} name '{name}' (first defined at {first}); names are unique"));
    }
    Ok(name)
}

/// Each name's index (the first, should one repeat): references are found
/// with one look-up each, however many names there are.
fn index_of<'a>(names: impl Iterator<Item = &'a str>) -> HashMap<&'a str, usize> {
    let mut index = HashMap::new();
    for (i, name) in names.enumerate() {
        index.entry(name).or_insert(i);
    }
    index
}

fn label(kind: &str, node: &Node, i: usize) -> String {
    match node.name() {
        Some(s) => format!("[[{kind}]] '{s}'"),
        None => format!("[[{kind}]] #{}", i + 1),
    }
}

fn sub_table<'a>(
    src: &'a Source,
    doc: &'a Table,
    key: &str,
    keys: &'static [&'static str],
    root: &'a Node,
) -> R<Obj<'a>> {
    match doc.get(key) {
        Some(e) => Obj::new(src, &e.node, format!("[{key}]"), keys),
        None => Obj::new(src, root, format!("[{key}]"), keys),
    }
}

pub fn build(src: &Source, doc: &Table) -> R<Rules> {
    for e in &doc.entries {
        if top_shape(&e.key).is_none() {
            let hint = did_you_mean(&e.key, TOP_KEYS.iter().copied());
            return Err(err(
                src,
                &e.key_at,
                format!("unknown key '{}' at the top level{hint} (expected one of: {})", e.key, TOP_KEYS.join(", ")),
            ));
        }
    }
    let root = Node { val: Val::Table(Table::default()), at: At::File(0..0) };
    let input = input(src, doc)?;
    let (output, column_at) = output(src, doc, &root)?;
    let s = sub_table(src, doc, "scoring", &SCORING_KEYS, &root)?;
    let max_fit = s.cents(keys::SCORING.max_fit, Sign::Any)?;
    let max_engagement = s.cents(keys::SCORING.max_engagement, Sign::Any)?;
    let routing = sub_table(src, doc, "routing", &ROUTING_KEYS, &root)?;
    let routing_time = work_time(
        &routing,
        [keys::ROUTING.timezone, keys::ROUTING.working_hours, keys::ROUTING.working_days, keys::ROUTING.holidays],
    )?;
    let timezone = routing_time.timezone.clone();
    let balance_days = match routing.whole(keys::ROUTING.balance_days)? {
        Some(0) => {
            let at = doc.get("routing").map_or(&root.at, |e| &e.node.at);
            return Err(err(src, at, "'balance_days' in [routing] must be at least 1 (the days a load counts)".into()));
        }
        Some(n) if n > MAX_BALANCE_DAYS => {
            let at = doc.get("routing").map_or(&root.at, |e| &e.node.at);
            return Err(err(
                src,
                at,
                format!("'balance_days' in [routing] is at most {MAX_BALANCE_DAYS} (100 years), found {n}"),
            ));
        }
        Some(n) => n as u32,
        None => DEFAULT_BALANCE_DAYS,
    };
    let sla_reassign_max = routing.whole(keys::ROUTING.sla_reassign_max)?.map_or(2, |n| n.min(u32::MAX as i64) as u32);
    let grades = grades(src, doc, &root)?;
    let criteria = criteria(src, doc)?;
    let stages = stages(src, doc, &criteria)?;
    let team_names = TeamNames::new(doc);
    let (mut teams, team_times) = teams(src, doc, &stages, &team_names, grades.is_some())?;
    let calendars = calendars(&routing_time, &mut teams, team_times);
    let reps = reps(src, doc, &team_names, grades.is_some())?;
    check_own_columns(src, &output, &column_at, grades.is_some(), &reps)?;
    if input.touched.is_none() {
        sla_needs_touched(src, doc)?;
    }
    if teams.len() >= u16::MAX as usize || reps.len() >= u16::MAX as usize || stages.len() >= u16::MAX as usize {
        return Err(Error::Rules(format!("{}: at most 65,534 stages, teams and reps each", src.path.display())));
    }
    Ok(Rules {
        input,
        output,
        max_fit,
        max_engagement,
        balance_days,
        timezone,
        sla_reassign_max,
        calendars,
        criteria,
        stages,
        teams,
        reps,
        grades,
        digest: String::new(),
    })
}

/// `sla_minutes` of a stage or team: a whole number of minutes, at least 1.
fn sla_minutes(o: &Obj) -> R<Option<u32>> {
    let key = keys::STAGES.sla_minutes;
    match o.whole(key)? {
        None => Ok(None),
        Some(n) if (1..=i64::from(u32::MAX)).contains(&n) => Ok(Some(n as u32)),
        Some(n) => {
            let at = o.get(key).map_or(o.at, |e| &e.node.at);
            o.fail(at, format!("'{key}' in {} must be at least 1 (minutes of working time), found {n}", o.what))
        }
    }
}

/// `sla_minutes` without `[input] touched` (exit 2): nothing would say
/// whether a lead was worked.
fn sla_needs_touched(src: &Source, doc: &Table) -> R<()> {
    for table in ["stages", "teams"] {
        for node in named_tables(src, doc, table)? {
            if let Val::Table(t) = &node.val
                && let Some(e) = t.get(keys::STAGES.sla_minutes)
            {
                return Err(err(
                    src,
                    &e.key_at,
                    "'sla_minutes' needs [input] touched: the column of when a lead was first worked (e.g. touched \
                     = \"First Contacted\"), so that a run can tell whether the rep answered"
                        .into(),
                ));
            }
        }
    }
    Ok(())
}

/// `[input]`: required, with at least `id`.
fn input(src: &Source, doc: &Table) -> R<InputRules> {
    let Some(input_entry) = doc.get("input") else {
        return Err(Error::Rules(format!(
            "{}: the rules need an [input] table with `id = \"COLUMN\"` (the column that identifies a lead)",
            src.path.display()
        )));
    };
    let i = Obj::new(src, &input_entry.node, "[input]".into(), &INPUT_KEYS)?;
    let id = i.req_string(keys::INPUT.id)?.0.to_string();
    let by_line = is_line_id(&id);
    let opt_col = |k: &str| -> R<Option<String>> {
        match i.string(k)? {
            Some((s, at)) if s.trim().is_empty() => {
                i.fail(at, format!("'{k}' in [input] must name a column, found an empty string"))
            }
            Some((s, at)) if by_line && is_line_id(s) => i.fail(at, line_is_no_column(&format!("'{k}' in [input]"))),
            Some((s, _)) => Ok(Some(s.to_string())),
            None => Ok(None),
        }
    };
    let created = opt_col(keys::INPUT.created)?;
    let account = opt_col(keys::INPUT.account)?;
    let current_stage = opt_col(keys::INPUT.current_stage)?;
    let email = opt_col(keys::INPUT.email)?;
    let touched = opt_col(keys::INPUT.touched)?;
    let account_match = match i.string(keys::INPUT.account_match)? {
        None | Some(("exact", _)) => AccountMatch::Exact,
        Some(("normalized", _)) => AccountMatch::Normalized,
        Some((s, at)) => {
            return i.fail(at, format!("'account_match' in [input] must be \"exact\" or \"normalized\", found {s:?}"));
        }
    };
    let delimiter = match i.string(keys::INPUT.delimiter)? {
        None | Some(("auto", _)) => None,
        Some((s, at)) => Some(delimiter_byte(s).ok_or_else(|| {
            err(
                src,
                at,
                format!("'delimiter' in [input] must be \"auto\", \",\", \";\", \"\\t\" or \"|\", found {s:?}"),
            )
        })?),
    };
    let decimal = match i.string(keys::INPUT.decimal)? {
        None | Some((".", _)) => b'.',
        Some((",", _)) => b',',
        Some((s, at)) => {
            return i.fail(at, format!("'decimal' in [input] must be \".\" or \",\", found {s:?}"));
        }
    };
    let thousands = match i.string(keys::INPUT.thousands)? {
        None => None,
        Some((s @ (" " | "." | "," | "'" | "_"), at)) => {
            let c = s.chars().next().unwrap_or(' ');
            if c as u32 == decimal as u32 {
                return i
                    .fail(at, format!("'thousands' in [input] is {s:?}, the decimal separator too: they must differ"));
            }
            Some(c)
        }
        Some((s, at)) => {
            return i
                .fail(at, format!("'thousands' in [input] must be \" \", \".\", \",\", \"'\" or \"_\", found {s:?}"));
        }
    };
    let encoding = match i.string(keys::INPUT.encoding)? {
        None | Some(("utf-8", _)) => Encoding::Utf8,
        Some(("windows-1252", _)) => Encoding::Windows1252,
        Some((s, at)) => {
            return i.fail(at, format!("'encoding' in [input] must be \"utf-8\" or \"windows-1252\", found {s:?}"));
        }
    };
    let date_formats = i
        .strings(keys::INPUT.date_formats)?
        .unwrap_or_default()
        .into_iter()
        .map(|(f, at)| DateFormat::parse(f).map_err(|m| err(src, at, format!("date format {f:?}: {m}"))))
        .collect::<R<Vec<_>>>()?;
    if by_line {
        no_line_column(src, doc)?;
    }
    Ok(InputRules {
        id,
        created,
        account,
        account_match,
        email,
        delimiter,
        decimal,
        encoding,
        date_formats,
        current_stage,
        thousands,
        touched,
    })
}

/// The message for a rules column named `@line` under `id = "@line"`.
fn line_is_no_column(what: &str) -> String {
    format!(
        "{what} is '{LINE_ID}': with [input] id = \"{LINE_ID}\" that is the lead's line number, not a column \
         of the export; name a column of the export"
    )
}

/// Under `id = "@line"`: a `column` anywhere outside [input] (a criterion's,
/// its decay's, a condition's of `when`, `require`, `prefer`) must not be
/// `@line`; the file is walked as written, so the error names its place.
fn no_line_column(src: &Source, doc: &Table) -> R<()> {
    fn walk(src: &Source, node: &Node, what: &str) -> R<()> {
        match &node.val {
            Val::Table(t) => t.entries.iter().try_for_each(|e| match &e.node.val {
                Val::Str(s) if e.key == "column" && is_line_id(s) => {
                    Err(err(src, &e.node.at, line_is_no_column(&format!("'column' in {what}"))))
                }
                _ => walk(src, &e.node, what),
            }),
            Val::Array(items) => items.iter().try_for_each(|n| walk(src, n, what)),
            _ => Ok(()),
        }
    }
    for e in doc.entries.iter().filter(|e| e.key != "input") {
        match (&e.node.val, top_shape(&e.key)) {
            (Val::Array(items), Some(Shape::Named(..))) => {
                for (n, node) in items.iter().enumerate() {
                    walk(src, node, &label(&e.key, node, n))?;
                }
            }
            _ => walk(src, &e.node, &format!("[{}]", e.key))?,
        }
    }
    Ok(())
}

/// `[output]`: optional. Also returns where each of `columns` is written,
/// for the checks that need the rest of the rules (`check_own_columns`).
fn output<'a>(src: &'a Source, doc: &'a Table, root: &'a Node) -> R<(OutputRules, Vec<&'a At>)> {
    let o = sub_table(src, doc, "output", &OUTPUT_KEYS, root)?;
    let out_delim = match o.string(keys::OUTPUT.delimiter)? {
        None => b',',
        Some((s, at)) => delimiter_byte(s).ok_or_else(|| {
            err(src, at, format!("'delimiter' in [output] must be \",\", \";\", \"\\t\" or \"|\", found {s:?}"))
        })?,
    };
    let prefix = o.string(keys::OUTPUT.prefix)?.map_or("", |s| s.0).to_string();
    let excel_safe = o.bool(keys::OUTPUT.excel_safe)?.unwrap_or(false);
    let bom = o.bool(keys::OUTPUT.bom)?.unwrap_or(false);
    let decimal = match o.string(keys::OUTPUT.decimal)? {
        None | Some((".", _)) => b'.',
        Some((",", at)) if out_delim == b',' => {
            return o.fail(
                at,
                "'decimal' in [output] is \",\", and so is the output delimiter: set [output] delimiter = \";\" \
                 (or tab or \"|\")"
                    .into(),
            );
        }
        Some((",", _)) => b',',
        Some((s, at)) => return o.fail(at, format!("'decimal' in [output] must be \".\" or \",\", found {s:?}")),
    };
    let rows = match o.string(keys::OUTPUT.rows)? {
        None => Rows::All,
        Some((v, at)) => match Rows::NAMES.iter().position(|n| *n == v) {
            Some(0) => Rows::All,
            Some(1) => Rows::Assigned,
            Some(_) => Rows::New,
            None => {
                let hint = did_you_mean(v, Rows::NAMES.iter().copied());
                return o.fail(
                    at,
                    format!("'rows' in [output] must be \"all\", \"assigned\" or \"new\", found {v:?}{hint}"),
                );
            }
        },
    };
    let (columns, column_at) = match o.strings(keys::OUTPUT.columns)? {
        None => {
            if let Some((k, at, ..)) = o.string_table(keys::OUTPUT.rename)?.first() {
                return o.fail(
                    at,
                    format!(
                        "'rename' in [output] renames '{k}', but [output] has no 'columns': rename gives headers to \
                         the columns it lists; list them, e.g. columns = [\"Email\", \"@rep\"]"
                    ),
                );
            }
            (None, Vec::new())
        }
        Some(list) => {
            let (columns, at) = output_columns(&o, &prefix, list)?;
            (Some(columns), at)
        }
    };
    Ok((OutputRules { delimiter: out_delim, prefix, excel_safe, bom, decimal, rows, columns }, column_at))
}

/// `[output] columns` and `rename`: each column read, its header decided,
/// and no two headers alike (trimmed, case-insensitively).
fn output_columns<'a>(o: &Obj<'a>, prefix: &str, list: Vec<(&'a str, &'a At)>) -> R<(Vec<OutputColumn>, Vec<&'a At>)> {
    if list.is_empty() {
        let at = o.get(keys::OUTPUT.columns).map_or(o.at, |e| &e.node.at);
        return o.fail(
            at,
            "'columns' in [output] is empty: list the CSV's columns, e.g. columns = [\"Email\", \"@rep\"], or \
             leave 'columns' out for every input column and leadroute's"
                .into(),
        );
    }
    let own_names = || Own::NAMES.iter().map(|n| format!("@{n}")).chain(["@rep.KEY".to_string()]);
    let mut columns = Vec::with_capacity(list.len());
    for &(name, at) in &list {
        let trimmed = name.trim();
        let column = if trimmed.is_empty() {
            return o.fail(
                at,
                "'columns' in [output] lists an empty name: name an input column, or one of \
                leadroute's (@score, @rep ...)"
                    .into(),
            );
        } else if let Some(own) = trimmed.strip_prefix('@') {
            match Own::parse(own) {
                Some(c) => Column::Own(c),
                None => {
                    let names: Vec<String> = own_names().collect();
                    let hint = did_you_mean(trimmed, names.iter().map(String::as_str));
                    return o.fail(
                        at,
                        format!(
                            "unknown column '{trimmed}' in [output] columns{hint}: a name starting with '@' is one \
                             of leadroute's ({}); an input column is named without '@'",
                            names.join(", ")
                        ),
                    );
                }
            }
        } else {
            Column::Input(name.to_string())
        };
        columns.push(column);
    }
    // `rename`: a header for a column of the list, by its name as written.
    let mut headers: Vec<Option<(String, &At)>> = vec![None; list.len()];
    for (k, k_at, v, v_at) in o.string_table(keys::OUTPUT.rename)? {
        let Some(i) = list.iter().position(|&(name, _)| name == k) else {
            let hint = did_you_mean(k, list.iter().map(|&(n, _)| n));
            return o.fail(
                k_at,
                format!(
                    "'rename' in [output] renames '{k}', which is not in [output] columns{hint}; rename names a \
                     column as 'columns' writes it (columns: {})",
                    name_list(list.iter().map(|&(n, _)| n))
                ),
            );
        };
        if v.trim().is_empty() {
            return o.fail(v_at, format!("'rename' in [output] gives '{k}' an empty header: give it a name"));
        }
        headers[i] = Some((v.to_string(), v_at));
    }
    // Two headers alike: the later one is named.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(list.len());
    for (i, column) in columns.into_iter().enumerate() {
        let (name, at) = list[i];
        let header = match (&headers[i], &column) {
            (Some((h, _)), _) => Some(h.clone()),
            (None, Column::Own(c)) => Some(format!("{prefix}{}", c.name())),
            (None, Column::Input(_)) => None,
        };
        let shown = header.clone().unwrap_or_else(|| name.to_string());
        if let Some(&j) = seen.get(&norm(&shown)) {
            let other = list[j].0;
            let place = headers[i].as_ref().map_or(at, |(_, v_at)| v_at);
            let msg = if other == name {
                format!("'{name}' is listed twice in [output] columns; list it once")
            } else {
                format!(
                    "two columns of [output] columns would both be headed '{shown}' ('{other}' and '{name}'); give \
                     one its own header with [output] rename = {{ \"{name}\" = \"...\" }}"
                )
            };
            return o.fail(place, msg);
        }
        seen.insert(norm(&shown), i);
        out.push(OutputColumn { column, header, place: o.src.locate(at) });
    }
    Ok((out, list.into_iter().map(|(_, at)| at).collect()))
}

/// The `@` columns that need the rest of the rules: `@grade` needs
/// `[grades]`, and `@rep.KEY` a rep whose `fields` has KEY.
fn check_own_columns(src: &Source, output: &OutputRules, at: &[&At], grades: bool, reps: &[Rep]) -> R<()> {
    for (c, at) in output.columns.iter().flatten().zip(at) {
        match &c.column {
            Column::Own(Own::Grade) if !grades => {
                return Err(err(
                    src,
                    at,
                    "'@grade' in [output] columns needs [grades] (the bands a lead's grade comes from); add \
                     [grades], or remove '@grade'"
                        .into(),
                ));
            }
            Column::Own(Own::RepField(key)) if !reps.iter().any(|r| r.field(key).is_some()) => {
                let mut keys: Vec<&str> = reps.iter().flat_map(|r| r.fields.iter().map(|(k, _)| k.as_str())).collect();
                keys.sort_unstable();
                keys.dedup();
                let named: Vec<String> = keys.iter().map(|k| format!("@rep.{k}")).collect();
                let hint = did_you_mean(&format!("@rep.{key}"), named.iter().map(String::as_str));
                let known = if keys.is_empty() {
                    "no rep has fields".to_string()
                } else {
                    format!("the reps' fields: {}", name_list(keys.iter().copied()))
                };
                return Err(err(
                    src,
                    at,
                    format!(
                        "'@rep.{key}' in [output] columns: no rep has the field '{key}'{hint} ({known}); give the \
                         reps it in [[reps]], e.g. fields = {{ {key} = \"...\" }}"
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `[[criteria]]`, in file order.
fn criteria(src: &Source, doc: &Table) -> R<Vec<Criterion>> {
    let mut seen = HashMap::new();
    let mut criteria = Vec::new();
    for (n, node) in named_tables(src, doc, "criteria")?.into_iter().enumerate() {
        let c = Obj::new(src, node, label("criteria", node, n), &CRITERION_KEYS)?;
        let name = name_of(&c, "criterion", &mut seen)?.to_string();
        let group = match c.string(keys::CRITERIA.group)? {
            None | Some(("fit", _)) => Group::Fit,
            Some(("engagement", _)) => Group::Engagement,
            Some((g, at)) => {
                return c.fail(at, format!("'group' in {} must be \"fit\" or \"engagement\", found {g:?}", c.what));
            }
        };
        let (column, at) = c.req_string(keys::CRITERIA.column)?;
        if column == GRADE_COLUMN {
            return c.fail(
                at,
                format!("{} tests '{GRADE_COLUMN}': grades come from the scores, so no criterion can", c.what),
            );
        }
        let column = column.to_string();
        let test = test_of(&c, true)?;
        let points = c.cents(keys::CRITERIA.points, Sign::Any)?.unwrap_or(Cents::ZERO);
        let max = c.cents(keys::CRITERIA.max, Sign::NonNegative("≥ 0"))?;
        let disqualify = c.bool(keys::CRITERIA.disqualify)?.unwrap_or(false);
        let decay = decay(src, &c)?;
        criteria.push(Criterion { name, group, cond: Condition { column, test }, points, max, disqualify, decay });
    }
    Ok(criteria)
}

/// `decay = { column = "...", half_life_days = n }` of a criterion.
fn decay(src: &Source, c: &Obj) -> R<Option<Decay>> {
    let Some(e) = c.get(keys::CRITERIA.decay) else { return Ok(None) };
    let d = Obj::new(src, &e.node, format!("'decay' in {}", c.what), &DECAY_KEYS)?;
    let (column, at) = d.req_string(keys::DECAY.column)?;
    if column == GRADE_COLUMN {
        return d.fail(at, format!("{} counts age from '{GRADE_COLUMN}', which is not a date", d.what));
    }
    let Some(half_life_days) = d.positive(keys::DECAY.half_life_days)? else {
        return d.fail(d.at, format!("{} needs 'half_life_days' (a number > 0)", d.what));
    };
    Ok(Some(Decay { column: column.to_string(), half_life_days }))
}

/// `[grades]`: both lists, each with a minimum on every band but the last.
fn grades(src: &Source, doc: &Table, root: &Node) -> R<Option<Grades>> {
    if doc.get("grades").is_none() {
        return Ok(None);
    }
    let g = sub_table(src, doc, "grades", &GRADES_KEYS, root)?;
    let bands = |key: &str, band_keys: &'static [&'static str], min_key: &str| -> R<Vec<Band>> {
        let nodes = g.array(key)?;
        if nodes.is_empty() {
            return g.fail(g.at, format!("[grades] needs '{key}': a list of bands, e.g. {key} = [{{ grade = \"A\", {min_key} = 40 }}, {{ grade = \"B\" }}]"));
        }
        let last = nodes.len() - 1;
        let mut seen = HashMap::new();
        nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let b = Obj::new(src, n, format!("band #{} of '{key}' in [grades]", i + 1), band_keys)?;
                let (grade, at) = b.req_string(keys::FIT_BANDS.grade)?; // `grade`, in both lists
                if let Some(first) = seen.insert(grade, at) {
                    let first = src.locate(first);
                    return b.fail(at, format!("grade '{grade}' is listed twice in '{key}' (first at {first})"));
                }
                let min = b.cents(min_key, Sign::Any)?;
                match (min, i == last) {
                    (None, false) => {
                        b.fail(b.at, format!("{} needs '{min_key}': every band but the last has a minimum", b.what))
                    }
                    (Some(_), true) => b.fail(
                        b.at,
                        format!("{} is the last band and takes every lead left: it has no '{min_key}'", b.what),
                    ),
                    _ => Ok(Band { grade: grade.to_string(), min }),
                }
            })
            .collect()
    };
    Ok(Some(Grades {
        fit: bands(keys::GRADES.fit, &FIT_BAND_KEYS, keys::FIT_BANDS.min_fit)?,
        engagement: bands(keys::GRADES.engagement, &ENGAGEMENT_BAND_KEYS, keys::ENGAGEMENT_BANDS.min_engagement)?,
    }))
}

/// `[[stages]]`, lowest first: at least one, the first without tests.
fn stages(src: &Source, doc: &Table, criteria: &[Criterion]) -> R<Vec<Stage>> {
    let stage_nodes = named_tables(src, doc, "stages")?;
    if stage_nodes.is_empty() {
        return Err(Error::Rules(format!(
            "{}: the rules need at least one [[stages]] table (the first, with only a name, is the default stage)",
            src.path.display()
        )));
    }
    let criterion_index = index_of(criteria.iter().map(|c| c.name.as_str()));
    let mut seen = HashMap::new();
    let mut crm_seen: HashMap<String, (String, &At)> = HashMap::new();
    let mut stages = Vec::new();
    for (n, node) in stage_nodes.into_iter().enumerate() {
        let st = Obj::new(src, node, label("stages", node, n), &STAGE_KEYS)?;
        let name = name_of(&st, "stage", &mut seen)?.to_string();
        if name == DISQUALIFIED {
            let at = st.string(keys::STAGES.name)?.map_or(st.at, |s| s.1);
            return st.fail(
                at,
                format!("'{DISQUALIFIED}' is a reserved stage name (leads that match a disqualify criterion get it)"),
            );
        }
        let require = st
            .strings(keys::STAGES.require)?
            .unwrap_or_default()
            .into_iter()
            .map(|(r, at)| {
                criterion_index.get(r).copied().ok_or_else(|| {
                    let hint = did_you_mean(r, criteria.iter().map(|c| c.name.as_str()));
                    err(src, at, format!("{} requires unknown criterion '{r}'{hint}", st.what))
                })
            })
            .collect::<R<Vec<_>>>()?;
        let mut crm = Vec::new();
        for (value, at) in st.strings(keys::STAGES.crm)?.unwrap_or_default() {
            let key = norm(value);
            if let Some((other, first)) = crm_seen.get(&key) {
                let first = src.locate(first);
                return st.fail(
                    at,
                    format!(
                        "CRM stage {value:?} is listed by stage '{other}' too (at {first}): a value means one stage"
                    ),
                );
            }
            crm_seen.insert(key.clone(), (name.clone(), at));
            crm.push(key);
        }
        let stage = Stage {
            name,
            min_score: st.cents(keys::STAGES.min_score, Sign::Any)?,
            min_fit: st.cents(keys::STAGES.min_fit, Sign::Any)?,
            min_engagement: st.cents(keys::STAGES.min_engagement, Sign::Any)?,
            require,
            crm,
            sla_minutes: sla_minutes(&st)?,
        };
        if n == 0
            && (stage.min_score.is_some()
                || stage.min_fit.is_some()
                || stage.min_engagement.is_some()
                || !stage.require.is_empty())
        {
            return st.fail(
                st.at,
                format!("{} is the first (default) stage and may not have tests; add a stage before it, or move the tests to a later stage", st.what),
            );
        }
        stages.push(stage);
    }
    Ok(stages)
}

/// The team names of the file, for references (`overflow`, a rep's `team`).
struct TeamNames {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl TeamNames {
    fn new(doc: &Table) -> TeamNames {
        let names: Vec<String> = doc.names("teams");
        let index = index_of(names.iter().map(String::as_str)).into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        TeamNames { names, index }
    }

    /// The index of the team `name`, or an error at `at` naming `what` refers to it.
    fn find(&self, src: &Source, name: &str, at: &At, what: &str) -> R<usize> {
        self.index.get(name).copied().ok_or_else(|| {
            let hint = did_you_mean(name, self.names.iter().map(String::as_str));
            let teams = name_list(self.names.iter().map(String::as_str));
            err(src, at, format!("{what} names unknown team '{name}'{hint} (teams: {teams})"))
        })
    }
}

/// `[[teams]]`, in file order; overflow chains checked for cycles.
/// Also each team's working-time keys, as set.
fn teams(
    src: &Source,
    doc: &Table,
    stages: &[Stage],
    team_names: &TeamNames,
    grades: bool,
) -> R<(Vec<Team>, Vec<WorkTime>)> {
    let team_nodes = named_tables(src, doc, "teams")?;
    let stage_index = index_of(stages.iter().map(|s| s.name.as_str()));
    let mut seen = HashMap::new();
    let mut teams = Vec::new();
    let mut overflow_at = Vec::new();
    let mut times = Vec::new();
    for (n, node) in team_nodes.iter().enumerate() {
        let t = Obj::new(src, node, label("teams", node, n), &TEAM_KEYS)?;
        let name = name_of(&t, "team", &mut seen)?.to_string();
        let mut accepts = vec![false; stages.len() + 1];
        match t.strings(keys::TEAMS.stages)? {
            None => accepts[..stages.len()].iter_mut().for_each(|a| *a = true),
            Some(list) => {
                for (s, at) in list {
                    let i = if s == DISQUALIFIED {
                        stages.len()
                    } else {
                        stage_index.get(s).copied().ok_or_else(|| {
                            let hint = did_you_mean(s, stages.iter().map(|x| x.name.as_str()));
                            err(src, at, format!("{} lists unknown stage '{s}'{hint}", t.what))
                        })?
                    };
                    accepts[i] = true;
                }
            }
        }
        let when = conditions(src, &t, keys::TEAMS.when, grades)?;
        let overflow = match t.string(keys::TEAMS.overflow)? {
            None => None,
            Some((o, at)) => {
                overflow_at.push((n, at));
                Some(team_names.find(src, o, at, &format!("'overflow' in {}", t.what))?)
            }
        };
        let every_stage = t.get(keys::TEAMS.stages).is_none();
        let sla_minutes = sla_minutes(&t)?;
        let time = work_time(
            &t,
            [keys::TEAMS.timezone, keys::TEAMS.working_hours, keys::TEAMS.working_days, keys::TEAMS.holidays],
        )?;
        let timezone = time.timezone.as_ref().map(|(name, _)| name.clone());
        teams.push(Team { name, stages: accepts, when, overflow, every_stage, sla_minutes, timezone, calendar: 0 });
        times.push(time);
    }
    check_overflow_cycles(src, &teams, overflow_at)?;
    Ok((teams, times))
}

/// The working-time keys of `[routing]` or a team (docs/reference.md §11.3),
/// as set: None where left out.
struct WorkTime {
    timezone: Option<(String, jiff::tz::TimeZone)>,
    hours: Option<Hours>,
    days: Option<[bool; 7]>,
    holidays: Option<Vec<i32>>,
}

/// Reads `timezone`, `working_hours`, `working_days` and `holidays` (`keys`,
/// in that order) of `o`.
fn work_time(o: &Obj, keys: [&str; 4]) -> R<WorkTime> {
    let [tz_key, hours_key, days_key, holidays_key] = keys;
    let timezone = match o.string(tz_key)? {
        None => None,
        Some((name, at)) => match jiff::tz::TimeZone::get(name.trim()) {
            Ok(zone) => Some((name.trim().to_string(), zone)),
            Err(_) => {
                return o.fail(
                    at,
                    format!(
                        "unknown time zone '{name}' in {} {tz_key}; give an IANA name such as \"Europe/Helsinki\" \
                         or \"America/New_York\"",
                        o.what
                    ),
                );
            }
        },
    };
    let hours = match o.string(hours_key)? {
        None => None,
        Some((text, at)) => match Hours::parse(text) {
            Ok(h) => Some(h),
            Err(e) => return o.fail(at, format!("{} {hours_key} '{text}': {e}", o.what)),
        },
    };
    let days = match o.strings(days_key)? {
        None => None,
        Some(list) => {
            if list.is_empty() {
                let at = o.get(days_key).map_or(o.at, |e| &e.node.at);
                return o.fail(
                    at,
                    format!(
                        "{} {days_key} is empty: list at least one day, e.g. [\"mon\", \"tue\", \"wed\", \"thu\", \
                         \"fri\"]",
                        o.what
                    ),
                );
            }
            let mut days = [false; 7];
            let mut first: [Option<&At>; 7] = [None; 7];
            for (name, at) in list {
                let Some(i) = DAY_NAMES.iter().position(|d| *d == norm(name)) else {
                    let hint = did_you_mean(name.trim(), DAY_NAMES.iter().copied());
                    return o.fail(
                        at,
                        format!(
                            "{} {days_key}: unknown day '{name}'{hint}; the days are {}",
                            o.what,
                            DAY_NAMES.join(", ")
                        ),
                    );
                };
                if let Some(before) = first[i] {
                    let before = o.src.locate(before);
                    return o.fail(
                        at,
                        format!(
                            "{} {days_key} lists '{}' twice (first at {before}); list each day once",
                            o.what, DAY_NAMES[i]
                        ),
                    );
                }
                first[i] = Some(at);
                days[i] = true;
            }
            Some(days)
        }
    };
    let holidays = match o.strings(holidays_key)? {
        None => None,
        Some(list) => Some(
            list.into_iter()
                .map(|(text, at)| match crate::support::date::parse_as_of(text) {
                    Some(d) => Ok(d),
                    None => o.fail(
                        at,
                        format!(
                            "{} {holidays_key}: '{text}' is not a date; write YYYY-MM-DD, e.g. \"2026-12-24\"",
                            o.what
                        ),
                    ),
                })
                .collect::<R<Vec<_>>>()?,
        ),
    };
    Ok(WorkTime { timezone, hours, days, holidays })
}

/// The calendars: `[routing]`'s first, then one per distinct team setting;
/// each team's `calendar` set to its own. A team's unset key is `[routing]`'s.
fn calendars(routing: &WorkTime, teams: &mut [Team], times: Vec<WorkTime>) -> Vec<Calendar> {
    type Key = (Option<String>, Option<Hours>, [bool; 7], Vec<i32>);
    let resolve = |t: Option<&WorkTime>| -> (Key, jiff::tz::TimeZone) {
        let tz = t.and_then(|t| t.timezone.as_ref()).or(routing.timezone.as_ref());
        let hours = t.and_then(|t| t.hours).or(routing.hours);
        let days = t.and_then(|t| t.days).or(routing.days).unwrap_or(MON_TO_FRI);
        let mut holidays = t.and_then(|t| t.holidays.clone()).or_else(|| routing.holidays.clone()).unwrap_or_default();
        holidays.sort_unstable();
        holidays.dedup();
        let zone = tz.map_or_else(jiff::tz::TimeZone::system, |(_, z)| z.clone());
        ((tz.map(|(name, _)| name.clone()), hours, days, holidays), zone)
    };
    let ((key, zone), mut seen) = (resolve(None), HashMap::new());
    let mut calendars = vec![Calendar::new(zone, key.1, key.2, key.3.clone())];
    seen.insert(key, 0);
    for (team, time) in teams.iter_mut().zip(&times) {
        let (key, zone) = resolve(Some(time));
        team.calendar = *seen.entry(key).or_insert_with_key(|k| {
            calendars.push(Calendar::new(zone, k.1, k.2, k.3.clone()));
            calendars.len() - 1
        });
    }
    calendars
}

/// Overflow cycles, a team naming itself included: the first team in file
/// order whose chain runs into one is named. Each team is walked once: a
/// chain that reaches a team already known to end without a cycle stops.
fn check_overflow_cycles(src: &Source, teams: &[Team], overflow_at: Vec<(usize, &At)>) -> R<()> {
    #[derive(Clone, Copy, PartialEq)]
    enum Walk {
        NotYet,
        OnThisChain,
        EndsWell,
    }
    let mut walk = vec![Walk::NotYet; teams.len()];
    for (start, at) in overflow_at {
        let mut path = vec![start];
        let mut cur = teams[start].overflow.filter(|_| walk[start] == Walk::NotYet);
        walk[start] = Walk::OnThisChain;
        while let Some(next) = cur {
            match walk[next] {
                Walk::EndsWell => break,
                Walk::OnThisChain => {
                    path.push(next);
                    return Err(err(
                        src,
                        at,
                        format!(
                            "overflow cycle: {}; an overflow chain must end in a team without overflow",
                            chain(path.iter().map(|&i| teams[i].name.as_str()))
                        ),
                    ));
                }
                Walk::NotYet => {
                    walk[next] = Walk::OnThisChain;
                    path.push(next);
                    cur = teams[next].overflow;
                }
            }
        }
        path.into_iter().for_each(|i| walk[i] = Walk::EndsWell);
    }
    Ok(())
}

/// `[[reps]]`, in file order.
fn reps(src: &Source, doc: &Table, team_names: &TeamNames, grades: bool) -> R<Vec<Rep>> {
    let mut seen = HashMap::new();
    let mut reps = Vec::new();
    for (n, node) in named_tables(src, doc, "reps")?.into_iter().enumerate() {
        let r = Obj::new(src, node, label("reps", node, n), &REP_KEYS)?;
        let name = name_of(&r, "rep", &mut seen)?.to_string();
        let (team_name, team_at) = r.req_string(keys::REPS.team)?;
        let team = team_names.find(src, team_name, team_at, &r.what)?;
        let capacity = r.whole(keys::REPS.capacity)?.map(|c| c as u64);
        let weight = r.positive(keys::REPS.weight)?.unwrap_or(Dec::from_int(1));
        let active = r.bool(keys::REPS.active)?.unwrap_or(true);
        let require = conditions(src, &r, keys::REPS.require, grades)?;
        let prefer = conditions(src, &r, keys::REPS.prefer, grades)?;
        let limits = Limits {
            capacity,
            per_day: r.whole(keys::REPS.per_day)?.map(|c| c as u64),
            per_week: r.whole(keys::REPS.per_week)?.map(|c| c as u64),
            per_month: r.whole(keys::REPS.per_month)?.map(|c| c as u64),
        };
        let away = away(src, &r)?;
        let reserve = match r.whole(keys::REPS.reserve)? {
            None => 0,
            Some(n) => {
                let at = r.get(keys::REPS.reserve).map_or(r.at, |e| &e.node.at);
                let Some((key, lowest)) = limits.lowest() else {
                    return r.fail(
                        at,
                        format!(
                            "'reserve' in {} needs a limit to keep places from: set 'capacity', 'per_day', \
                             'per_week' or 'per_month'",
                            r.what
                        ),
                    );
                };
                if prefer.is_empty() {
                    return r.fail(
                        at,
                        format!(
                            "'reserve' in {} keeps places for leads it prefers: it needs 'prefer' conditions",
                            r.what
                        ),
                    );
                }
                if n as u64 >= lowest {
                    return r.fail(
                        at,
                        format!(
                            "'reserve' in {} must be below '{key}' ({lowest}), found {n}: it would keep every place",
                            r.what
                        ),
                    );
                }
                n as u64
            }
        };
        let fields =
            r.string_table(keys::REPS.fields)?.into_iter().map(|(k, _, v, _)| (k.to_string(), v.to_string())).collect();
        reps.push(Rep { name, team, limits, weight, active, require, prefer, reserve, away, fields });
    }
    Ok(reps)
}

/// A rep's `away = [{ from = "YYYY-MM-DD", to = "YYYY-MM-DD" }, ...]`: inclusive ranges of day numbers.
fn away(src: &Source, r: &Obj) -> R<Vec<(i32, i32)>> {
    let mut ranges = Vec::new();
    for (i, node) in r.array(keys::REPS.away)?.iter().enumerate() {
        let a = Obj::new(src, node, format!("range #{} of 'away' in {}", i + 1, r.what), &AWAY_KEYS)?;
        let day = |key: &str| -> R<i32> {
            let (text, at) = a.req_string(key)?;
            match crate::support::date::parse_as_of(text) {
                Some(d) => Ok(d),
                None => a.fail(at, format!("'{key}' in {} must be a date YYYY-MM-DD, found '{text}'", a.what)),
            }
        };
        let (from, to) = (day(keys::AWAY.from)?, day(keys::AWAY.to)?);
        if from > to {
            return a.fail(
                a.at,
                format!(
                    "{} ends before it starts ({} > {}): 'from' must be on or before 'to'",
                    a.what,
                    crate::support::date::format_day(from),
                    crate::support::date::format_day(to)
                ),
            );
        }
        ranges.push((from, to));
    }
    Ok(ranges)
}

/// `a -> b -> a`, with the middle of a long chain left out.
fn chain<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    let total = names.len();
    let names: Vec<std::borrow::Cow<str>> = names.map(|n| shorten(n, 60)).collect();
    if total <= NAMES_SHOWN {
        return names.join(" -> ");
    }
    let head = names[..NAMES_SHOWN - 1].join(" -> ");
    format!("{head} -> … {} more … -> {}", thousands(total - NAMES_SHOWN), names[total - 1])
}

fn delimiter_byte(s: &str) -> Option<u8> {
    match s {
        "," => Some(b','),
        ";" => Some(b';'),
        "\t" => Some(b'\t'),
        "|" => Some(b'|'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A getter reading a key its table does not define: a debug build
    /// panics (before, such a key was read from a table no file could set
    /// it in, so it silently kept its default).
    #[test]
    #[should_panic(expected = "'no_such_key' is read from [[reps]] 'a' but not one of its keys")]
    fn reading_an_undefined_key_is_caught() {
        let text = "name = \"a\"\nteam = \"t\"\n".to_string();
        let src = Source { path: "r.toml".into(), text, sets: Vec::new() };
        let node = Node { val: Val::Table(super::super::tree::parse_document(&src.text).unwrap()), at: At::File(0..0) };
        let r = Obj::new(&src, &node, "[[reps]] 'a'".into(), &REP_KEYS).unwrap();
        assert_eq!(r.string("name").unwrap().map(|s| s.0), Some("a"));
        let _ = r.whole("no_such_key");
    }
}
