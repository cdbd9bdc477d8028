//! The rules file: its validated model (`Rules`), loading with `--set`
//! overrides, and the errors (exit 2) that name file, line and column.
//!
//! Rules are checked here once, independent of any export; column names are
//! resolved against a header later, in `plan`.

pub mod lint;
pub mod schema;
pub mod set;
pub mod tree;

use std::path::Path;

use crate::date::DateFormat;
use crate::error::Error;
use crate::num::{Cents, Dec};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
}

#[derive(Clone, Debug)]
pub struct InputRules {
    pub id: String,
    pub created: Option<String>,
    pub account: Option<String>,
    /// None: detect from the header line.
    pub delimiter: Option<u8>,
    pub decimal: u8,
    pub encoding: Encoding,
    pub date_formats: Vec<DateFormat>,
}

#[derive(Clone, Debug)]
pub struct OutputRules {
    /// `delimiter`: the CSV outputs' delimiter (default `,`).
    pub delimiter: u8,
    /// `prefix`: put before the name of every column leadroute appends.
    pub prefix: String,
    /// `excel_safe`: a text cell starting with `=`, `+`, `-`, `@`, tab or CR is
    /// written with a `'` before it, so that a spreadsheet does not run it as a
    /// formula (OWASP's advice against CSV injection). Plain numbers are left alone.
    pub excel_safe: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Fit,
    Engagement,
}

/// One test of a condition. Text needles are trimmed and lower-cased already.
#[derive(Clone, Debug)]
pub enum Test {
    Equals(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    ContainsAny(Vec<String>),
    StartsWithAny(Vec<String>),
    EndsWithAny(Vec<String>),
    Present(bool),
    Range {
        gte: Option<Dec>,
        gt: Option<Dec>,
        lte: Option<Dec>,
        lt: Option<Dec>,
    },
    WithinDays(i64),
    OlderThanDays(i64),
    /// `per = u` on a criterion: floor(v / u) units.
    Per(Dec),
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
    pub fn kind(&self) -> ValueKind {
        match self {
            Test::Range { .. } | Test::Per(_) => ValueKind::Number,
            Test::WithinDays(_) | Test::OlderThanDays(_) => ValueKind::Date,
            _ => ValueKind::Text,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    Number,
    Date,
}

#[derive(Clone, Debug)]
pub struct Condition {
    pub column: String,
    pub test: Test,
}

#[derive(Clone, Debug)]
pub struct Criterion {
    pub name: String,
    pub group: Group,
    pub cond: Condition,
    pub points: Cents,
    pub max: Option<Cents>,
    pub disqualify: bool,
}

#[derive(Clone, Debug)]
pub struct Stage {
    pub name: String,
    pub min_score: Option<Cents>,
    pub min_fit: Option<Cents>,
    pub min_engagement: Option<Cents>,
    /// Indices into `Rules::criteria`.
    pub require: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct Team {
    pub name: String,
    /// Indexed by stage; the extra last entry is `disqualified`.
    pub stages: Vec<bool>,
    pub when: Vec<Condition>,
    pub overflow: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Rep {
    pub name: String,
    pub team: usize,
    pub capacity: Option<u64>,
    pub weight: Dec,
    pub active: bool,
    pub require: Vec<Condition>,
    pub prefer: Vec<Condition>,
}

#[derive(Clone, Debug)]
pub struct Rules {
    pub input: InputRules,
    pub output: OutputRules,
    pub max_fit: Option<Cents>,
    pub max_engagement: Option<Cents>,
    pub criteria: Vec<Criterion>,
    pub stages: Vec<Stage>,
    pub teams: Vec<Team>,
    pub reps: Vec<Rep>,
}

/// The reserved stage of a lead that matched a `disqualify` criterion.
pub const DISQUALIFIED: &str = "disqualified";

impl Rules {
    /// The stage index used for `disqualified` (one past the listed stages).
    pub fn disqualified_stage(&self) -> usize {
        self.stages.len()
    }

    pub fn stage_name(&self, i: usize) -> &str {
        self.stages.get(i).map_or(DISQUALIFIED, |s| s.name.as_str())
    }

    /// Whether some team accepts disqualified leads (then they are routed).
    pub fn routes_disqualified(&self) -> bool {
        let d = self.disqualified_stage();
        self.teams.iter().any(|t| t.stages[d])
    }
}

/// Reads, overrides and validates a rules file.
pub fn load(path: &Path, sets: &[String]) -> Result<Rules, Error> {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let line_start = bytes[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            // The bytes before `at` are valid UTF-8: the column counts their characters.
            let col = String::from_utf8_lossy(&bytes[line_start..at]).chars().count() + 1;
            Error::Rules(format!(
                "{}:{line}:{col}: the rules file is not valid UTF-8 (byte 0x{:02X}); save it as UTF-8",
                path.display(),
                bytes[at]
            ))
        })?,
        Err(e) => {
            return Err(Error::Rules(format!(
                "{}: cannot read the rules file: {} (pass the rules with -r RULES; see rules.example.toml)",
                path.display(),
                e
            )));
        }
    };
    let src = tree::Source { path: path.to_path_buf(), text, sets: sets.to_vec() };
    let mut doc = tree::parse_document(&src.text).map_err(|e| Error::Rules(tree::syntax_error(&src, &e)))?;
    for (i, arg) in sets.iter().enumerate() {
        set::apply(&mut doc, arg, i).map_err(|e| Error::Rules(format!("{}: {}", src.path.display(), e.message())))?;
    }
    schema::build(&src, &doc)
}
