//! The rules file: its validated model (`Rules`), loading with `--set`
//! overrides, and the errors (exit 2) that name file, line and column.
//!
//! Rules are checked here once, independent of any export; column names are
//! resolved against a header later, in `plan`.

pub mod conditions;
pub mod diff;
pub mod keys;
pub mod lint;
pub mod schema;
pub mod set;
pub mod tree;

use std::path::Path;

use crate::error::Error;
use crate::support::date::DateFormat;
use crate::support::num::{Cents, Dec};
use crate::support::worktime::Calendar;

pub use conditions::{Test, ValueKind};

/// `[input] encoding`: how the export's bytes are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// `"utf-8"` (the default): invalid bytes are an error naming their line.
    Utf8,
    /// `"windows-1252"`, decoded as the WHATWG Encoding Standard does.
    Windows1252,
}

/// `[input] account_match`: how two account keys are the same account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountMatch {
    /// `"exact"` (the default): the cell trimmed and lower-cased.
    Exact,
    /// `"normalized"`: lower-cased, a trailing legal form (`Oy`, `Inc.` ...)
    /// removed, then everything but letters and digits; an empty account
    /// takes the company the email's domain names (see `identity`).
    Normalized,
}

/// `[input]`: how the export is read.
#[derive(Clone, Debug)]
pub struct InputRules {
    /// `id` (required): the column that identifies a lead; empty ids and
    /// repeated ids are not routed. `"@line"` (`LINE_ID`): the lead's
    /// physical line number is its id, for an export with no id column.
    pub id: String,
    /// `created`: the column whose date breaks ties in the ranking, oldest first.
    pub created: Option<String>,
    /// `account`: the column whose value (trimmed, lower-cased) keys owner
    /// stickiness; unset, `--owners` is ignored.
    pub account: Option<String>,
    /// `account_match`: how account keys (and `--owners` accounts) compare:
    /// `"exact"` (default, trimmed and lower-cased) or `"normalized"`.
    pub account_match: AccountMatch,
    /// `email`: the column whose address (trimmed, lower-cased; gmail dots and
    /// `+tags` dropped) makes a lead a `duplicate` of an earlier lead with the
    /// same address; under `account_match = "normalized"` an empty account
    /// takes the company its domain names.
    pub email: Option<String>,
    /// `delimiter`: `,` `;` tab or `|`; `None` (`"auto"`, the default) picks the
    /// most frequent of them in the header line.
    pub delimiter: Option<u8>,
    /// `decimal`: the decimal separator of numbers in cells, `.` (default) or `,`.
    pub decimal: u8,
    /// `encoding`: `utf-8` (default) or `windows-1252`.
    pub encoding: Encoding,
    /// `date_formats`: tried in order after ISO 8601 for date cells.
    pub date_formats: Vec<DateFormat>,
    /// `current_stage`: the column holding the stage the CRM already gives a
    /// lead (matched against each stage's `crm` values); a lead never moves
    /// below it.
    pub current_stage: Option<String>,
    /// `thousands`: a digit-group separator in numbers (`" "`, `"."`, `","`,
    /// `"'"`, `"_"`), ignored where it splits the integer part into threes.
    pub thousands: Option<char>,
    /// `touched`: the column of when the lead was first worked (docs/reference.md §11).
    pub touched: Option<String>,
}

/// `[output]`: how the CSV outputs are written.
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
    /// `bom`: start every CSV output (standard output included) with a UTF-8
    /// byte-order mark, so that Excel reads it as UTF-8.
    pub bom: bool,
    /// `decimal`: the decimal separator of the numbers leadroute writes in
    /// the CSV outputs, `.` (default) or `,` (JSON and the terminal keep `.`).
    pub decimal: u8,
    /// `rows`: which leads `assign` writes (docs/reference.md §7.5); `score`
    /// writes every lead.
    pub rows: Rows,
    /// `columns`, with `rename` and `prefix` applied to their headers; `None`
    /// (the default): every input column, then leadroute's (§3.6).
    pub columns: Option<Vec<OutputColumn>>,
}

impl OutputRules {
    /// The column `@assigned_at` (it needs a ledger), if the output has it.
    pub fn assigned_at(&self) -> Option<&OutputColumn> {
        self.columns.iter().flatten().find(|c| c.column == Column::Own(Own::AssignedAt))
    }

    /// The keys of the `@rep.KEY` columns, in column order.
    pub fn rep_fields(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().flatten().filter_map(|c| match &c.column {
            Column::Own(Own::RepField(k)) => Some(k.as_str()),
            _ => None,
        })
    }
}

/// `[output] rows`: which leads the assignment CSV holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    /// `"all"` (the default): every well-formed lead.
    All,
    /// `"assigned"`: the leads with a rep, new and `assigned_before`.
    Assigned,
    /// `"new"`: the leads given a rep in this run and, with a ledger, the
    /// `assigned_before` leads whose run was recorded but never delivered.
    New,
}

impl Rows {
    /// The values of `rows`, as written.
    pub const NAMES: [&'static str; 3] = ["all", "assigned", "new"];

    pub fn as_str(self) -> &'static str {
        match self {
            Rows::All => "all",
            Rows::Assigned => "assigned",
            Rows::New => "new",
        }
    }
}

/// One of leadroute's own output columns: `@score` ... `@assigned_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Own {
    Score,
    Fit,
    Engagement,
    Stage,
    Grade,
    Team,
    Rep,
    Reason,
    /// The lead's physical line in the export.
    Line,
    /// `@rep.KEY`: a key of the rep's `fields`.
    RepField(String),
    /// The time of the lead's latest assignment (needs a ledger).
    AssignedAt,
}

impl Own {
    /// The names after `@`, but `rep.KEY`.
    pub const NAMES: [&'static str; 10] =
        ["score", "fit", "engagement", "stage", "grade", "team", "rep", "reason", "line", "assigned_at"];

    /// The column named `name` (without its `@`), if leadroute has one.
    pub fn parse(name: &str) -> Option<Own> {
        Some(match name {
            "score" => Own::Score,
            "fit" => Own::Fit,
            "engagement" => Own::Engagement,
            "stage" => Own::Stage,
            "grade" => Own::Grade,
            "team" => Own::Team,
            "rep" => Own::Rep,
            "reason" => Own::Reason,
            "line" => Own::Line,
            "assigned_at" => Own::AssignedAt,
            _ => match name.strip_prefix("rep.") {
                Some(key) if !key.is_empty() => Own::RepField(key.to_string()),
                _ => return None,
            },
        })
    }

    /// Its name without the `@`: `score`, `rep.email`.
    pub fn name(&self) -> std::borrow::Cow<'static, str> {
        use std::borrow::Cow::{Borrowed, Owned};
        match self {
            Own::Score => Borrowed("score"),
            Own::Fit => Borrowed("fit"),
            Own::Engagement => Borrowed("engagement"),
            Own::Stage => Borrowed("stage"),
            Own::Grade => Borrowed("grade"),
            Own::Team => Borrowed("team"),
            Own::Rep => Borrowed("rep"),
            Own::Reason => Borrowed("reason"),
            Own::Line => Borrowed("line"),
            Own::RepField(k) => Owned(format!("rep.{k}")),
            Own::AssignedAt => Borrowed("assigned_at"),
        }
    }

    /// A routing column: `score` writes it empty.
    pub fn routing(&self) -> bool {
        matches!(self, Own::Team | Own::Rep | Own::Reason | Own::RepField(_) | Own::AssignedAt)
    }
}

/// A column of `[output] columns`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Column {
    /// An input column, by name (found as a rules column is).
    Input(String),
    /// One of leadroute's (`@score` ...).
    Own(Own),
}

/// A column of `[output] columns` and its header.
#[derive(Clone, Debug)]
pub struct OutputColumn {
    pub column: Column,
    /// Its header: `rename`'s value, or an `@` column's name after
    /// `prefix`; `None`: an input column's header cell, as read.
    pub header: Option<String>,
    /// Where the rules name it (`rules.toml:12:12`), for messages.
    pub place: String,
}

/// `group` of a criterion: which sum its points go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// Who the lead is (title, industry, size, country): the default.
    Fit,
    /// What the lead did (views, downloads, requests, recent activity).
    Engagement,
}

/// A column and one test on its cell: a criterion's, or an entry of a team's
/// `when` or a rep's `require` / `prefer`.
#[derive(Clone, Debug)]
pub struct Condition {
    /// `column`: matched against the header trimmed, then case-insensitively.
    pub column: String,
    pub test: Test,
}

/// `[[criteria]]`: points for who the lead is or what it did.
#[derive(Clone, Debug)]
pub struct Criterion {
    /// `name`: unique among criteria; stages `require` it by name.
    pub name: String,
    /// `group`: fit (default) or engagement.
    pub group: Group,
    /// `column` and the test (or `per`).
    pub cond: Condition,
    /// `points`: added when the test holds (per unit with `per`); may be
    /// negative; 0 when left out.
    pub points: Cents,
    /// `max`: cap on the absolute value of the contribution.
    pub max: Option<Cents>,
    /// `disqualify`: a lead it holds for gets stage `disqualified` (no points).
    pub disqualify: bool,
    /// `decay`: the contribution fades with the age of a date.
    pub decay: Option<Decay>,
}

/// `decay = { column = "...", half_life_days = n }` on a criterion: its
/// contribution is multiplied by 0.5^(age / n), age in days before as-of.
#[derive(Clone, Debug)]
pub struct Decay {
    /// `column`: the date the age is counted from.
    pub column: String,
    /// `half_life_days` (> 0): the age at which half the points remain.
    pub half_life_days: Dec,
}

/// `[[stages]]`, listed lowest first: a lead's stage is the last whose tests all hold.
#[derive(Clone, Debug)]
pub struct Stage {
    /// `name`: unique; `disqualified` is reserved.
    pub name: String,
    /// `min_score`: score at least this.
    pub min_score: Option<Cents>,
    /// `min_fit`: fit at least this.
    pub min_fit: Option<Cents>,
    /// `min_engagement`: engagement at least this.
    pub min_engagement: Option<Cents>,
    /// `require`: criteria whose test must have held, as indices into `Rules::criteria`.
    pub require: Vec<usize>,
    /// `crm`: the `[input] current_stage` values (trimmed, lower-cased) that
    /// mean this stage.
    pub crm: Vec<String>,
    /// `sla_minutes`: working minutes within which its leads must be worked.
    pub sla_minutes: Option<u32>,
}

/// `[[teams]]`, tried in file order: the first that takes the lead's stage and
/// whose `when` holds gets it.
#[derive(Clone, Debug)]
pub struct Team {
    /// `name`: unique among teams.
    pub name: String,
    /// `stages`: which stages it takes, indexed by stage; the extra last entry
    /// is `disqualified`. Left out: every stage but `disqualified`.
    pub stages: Vec<bool>,
    /// `when`: conditions that must all hold.
    pub when: Vec<Condition>,
    /// `overflow`: the team (index) that tries the lead when no rep here can take it.
    pub overflow: Option<usize>,
    /// `stages` was left out: the team takes every stage but `disqualified`.
    pub every_stage: bool,
    /// `sla_minutes`: working minutes within which its leads must be worked.
    pub sla_minutes: Option<u32>,
    /// `timezone`, as written, when the team sets its own (its working time only).
    pub timezone: Option<String>,
    /// Its working-time calendar (`timezone`, `working_hours`, `working_days`,
    /// `holidays`, each else `[routing]`'s): an index into `Rules::calendars`.
    pub calendar: usize,
}

/// `[[reps]]`: who takes the leads.
#[derive(Clone, Debug)]
pub struct Rep {
    /// `name`: unique among reps; owners files name reps by it.
    pub name: String,
    /// `team`: the team (index) the rep belongs to.
    pub team: usize,
    /// `capacity`, `per_day`, `per_week`, `per_month`: the most leads the
    /// rep takes in one run, and over days counted across runs.
    pub limits: Limits,
    /// `weight` (> 0, default 1): share of leads relative to teammates.
    pub weight: Dec,
    /// `active` (default true): an inactive rep takes no lead.
    pub active: bool,
    /// `require`: hard constraints, all must hold for the rep to be a candidate.
    pub require: Vec<Condition>,
    /// `prefer`: expertise; candidates with more of these holding win.
    pub prefer: Vec<Condition>,
    /// `reserve` (default 0): places kept for leads that match a `prefer`
    /// condition; a lead matching none is taken only while every limit has
    /// more than this many places left.
    pub reserve: u64,
    /// `away`: inclusive ranges of day numbers on which the rep takes no lead.
    pub away: Vec<(i32, i32)>,
    /// `fields`: the rep's values for the CRM (`email`, `salesforce_id`), by
    /// key, in file order; `[output] columns` writes one as `@rep.KEY`.
    pub fields: Vec<(String, String)>,
}

impl Rep {
    /// The rep's value of field `key`, if it has one.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Whether the rep is away on `day`.
    pub fn away_on(&self, day: i32) -> bool {
        self.away.iter().any(|&(from, to)| from <= day && day <= to)
    }
}

/// A rep's limits; `None` is no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// `capacity`: new leads in this run.
    pub capacity: Option<u64>,
    /// `per_day`: leads dated on the as-of date (this run and the ledger's).
    pub per_day: Option<u64>,
    /// `per_week`: leads dated in the 7 days ending on the as-of date.
    pub per_week: Option<u64>,
    /// `per_month`: leads dated in the 30 days ending on the as-of date.
    pub per_month: Option<u64>,
}

/// The days each counted limit spans, ending on the as-of date.
pub const LIMIT_DAYS: [(&str, u32); 3] = [("per_day", 1), ("per_week", 7), ("per_month", 30)];

impl Limits {
    /// The limits as (key, value), in the order `capacity`, `per_day`, `per_week`, `per_month`.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> {
        [
            ("capacity", self.capacity),
            ("per_day", self.per_day),
            ("per_week", self.per_week),
            ("per_month", self.per_month),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
    }

    /// The lowest limit, with its key.
    pub fn lowest(&self) -> Option<(&'static str, u64)> {
        self.iter().min_by_key(|&(_, v)| v)
    }

    /// The limits counted across runs (per_day, per_week, per_month), by `LIMIT_DAYS`.
    pub fn counted(&self) -> [Option<u64>; 3] {
        [self.per_day, self.per_week, self.per_month]
    }
}

/// `[routing] balance_days` when the rules leave it out.
pub const DEFAULT_BALANCE_DAYS: u32 = 30;

/// The longest `[routing] balance_days`: 100 years.
pub const MAX_BALANCE_DAYS: i64 = 36_500;

/// A validated rules file.
#[derive(Clone, Debug)]
pub struct Rules {
    /// `[input]`
    pub input: InputRules,
    /// `[output]`
    pub output: OutputRules,
    /// `[scoring] max_fit`: cap on the fit sum.
    pub max_fit: Option<Cents>,
    /// `[scoring] max_engagement`: cap on the engagement sum.
    pub max_engagement: Option<Cents>,
    /// `[routing] balance_days`: the days, ending on the as-of date, over
    /// which a ledger's loads count.
    pub balance_days: u32,
    /// `[routing] timezone`: its name and the zone; None is the machine's.
    pub timezone: Option<(String, jiff::tz::TimeZone)>,
    /// `[routing] sla_reassign_max`: how many times a lead is moved for a
    /// missed SLA (default 2; 0: measured and warned, never moved).
    pub sla_reassign_max: u32,
    /// The working-time calendars (docs/reference.md §11.3): `[routing]`'s
    /// first, then those of teams that set their own (teams with the same
    /// settings share one). Read them through `calendar`.
    pub calendars: Vec<Calendar>,
    /// `[[criteria]]`, in file order.
    pub criteria: Vec<Criterion>,
    /// `[[stages]]`, lowest first.
    pub stages: Vec<Stage>,
    /// `[[teams]]`, in file order.
    pub teams: Vec<Team>,
    /// `[[reps]]`, in file order (ties go to the rep listed first).
    pub reps: Vec<Rep>,
    /// `[grades]`: fit × engagement grades (`A1` … `C3`), when set.
    pub grades: Option<Grades>,
    /// SHA-256 of the rules text and `--set` overrides (see `load`).
    pub digest: String,
}

/// `[grades]`: a lead's grade is its fit band's `grade` followed by its
/// engagement band's.
#[derive(Clone, Debug)]
pub struct Grades {
    /// `fit`: bands tried in order, on `min_fit`; the last has no minimum.
    pub fit: Vec<Band>,
    /// `engagement`: bands tried in order, on `min_engagement`; the last has no minimum.
    pub engagement: Vec<Band>,
}

/// One band of `[grades]`.
#[derive(Clone, Debug)]
pub struct Band {
    /// `grade`: its part of the grade (`A`, `1`).
    pub grade: String,
    /// `min_fit` / `min_engagement`: the least the sum needs; `None` on the last band.
    pub min: Option<Cents>,
}

impl Grades {
    /// The grade of a lead with this fit and engagement.
    pub fn of(&self, fit: Cents, engagement: Cents) -> String {
        let (f, e) = self.bands(fit, engagement);
        format!("{}{}", self.fit[f].grade, self.engagement[e].grade)
    }

    /// The bands (fit, engagement) a lead falls in: the first whose minimum it reaches.
    pub fn bands(&self, fit: Cents, engagement: Cents) -> (usize, usize) {
        (band(&self.fit, fit), band(&self.engagement, engagement))
    }
}

/// The first band whose minimum `v` reaches (the last has none).
fn band(bands: &[Band], v: Cents) -> usize {
    bands.iter().position(|b| b.min.is_none_or(|m| v >= m)).unwrap_or(bands.len() - 1)
}

/// The column name that stands for a lead's grade in `when`, `require` and `prefer`.
pub const GRADE_COLUMN: &str = "@grade";

/// `[input] id = "@line"`: the lead's physical line number is its id. Then no
/// header cell and no other rules column may be named so.
pub const LINE_ID: &str = "@line";

/// Whether a column name is `@line`: trimmed and case-insensitively, as
/// rules columns match header cells.
pub fn is_line_id(column: &str) -> bool {
    column.trim().eq_ignore_ascii_case(LINE_ID)
}

impl InputRules {
    /// `id = "@line"`: leads are identified by their line number, so ids are
    /// never missing nor repeated (and not stable from one export to the next).
    pub fn id_is_line(&self) -> bool {
        is_line_id(&self.id)
    }
}

/// The reserved stage of a lead that matched a `disqualify` criterion.
pub const DISQUALIFIED: &str = "disqualified";

impl Rules {
    /// The stage index used for `disqualified` (one past the listed stages).
    pub fn disqualified_stage(&self) -> usize {
        self.stages.len()
    }

    /// The zone of the run's clock: `[routing] timezone`, else the machine's.
    pub fn zone(&self) -> jiff::tz::TimeZone {
        self.timezone.as_ref().map_or_else(jiff::tz::TimeZone::system, |(_, z)| z.clone())
    }

    /// The zone's name as a ledger records it: `[routing] timezone`, else
    /// the machine zone's IANA name (`UTC` when it has none).
    pub fn zone_name(&self) -> String {
        match &self.timezone {
            Some((name, _)) => name.clone(),
            None => jiff::tz::TimeZone::system().iana_name().unwrap_or("UTC").to_string(),
        }
    }

    /// The working-time calendar (docs/reference.md §11.3) of team `team`
    /// (an index into `teams`), or with None (or a team not in the rules)
    /// `[routing]`'s: `[routing] timezone`, `working_hours`, `working_days`
    /// and `holidays`, a team's own where it sets them.
    pub fn calendar(&self, team: Option<usize>) -> &Calendar {
        let i = team.and_then(|t| self.teams.get(t)).map_or(0, |t| t.calendar);
        &self.calendars[i]
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
    from_text(path, text, sets)
}

/// Overrides and validates the rules text read from `path`.
pub fn from_text(path: &Path, text: String, sets: &[String]) -> Result<Rules, Error> {
    let src = tree::Source { path: path.to_path_buf(), text, sets: sets.to_vec() };
    let mut doc = tree::parse_document(&src.text).map_err(|e| Error::Rules(tree::syntax_error(&src, &e)))?;
    for (i, arg) in sets.iter().enumerate() {
        set::apply(&mut doc, arg, i).map_err(|e| Error::Rules(format!("{}: {}", src.path.display(), e.message())))?;
    }
    let mut rules = schema::build(&src, &doc)?;
    rules.digest = digest(&src.text, sets);
    Ok(rules)
}

/// SHA-256 (hex) of the rules as a run used them: the file's text, then one
/// line `--set KEY=VALUE` per override, in order (what a ledger records).
fn digest(text: &str, sets: &[String]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(text.as_bytes());
    for s in sets {
        h.update(b"\n--set ");
        h.update(s.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
