//! One export read and scored: the pipeline shared by every command. `open`
//! reads and decodes the file, splits the header and compiles the rules against
//! it (the failures of exit 1); `process` scores, stages and checks every row in
//! one pass, keeping a compact record per lead (its byte offset, not its cells:
//! the output re-reads the cells from the in-memory text).
//!
//! `chunk` is the per-row path (parse, score, stage, warnings, routing bits);
//! `merge` joins the chunks in input order; `dedup` finds duplicate ids (and,
//! with `[input] email`, emails).

mod chunk;
mod dedup;
mod merge;

use std::collections::HashMap;

use indicatif::ProgressBar;
use rayon::prelude::*;

use crate::engine::input::{self, Input, LineCounter, RecordReader, ends_in_quote};
use crate::engine::outcomes::Converted;
use crate::engine::plan::{self, Mode, Plan};
use crate::error::Error;
use crate::rules::Rules;
use crate::support::num::Cents;
use chunk::{Chunk, Ctx};

/// `Lead::account` of a lead without an account (an empty cell, or no
/// `[input] account`).
pub const NO_ACCOUNT: u32 = u32::MAX;
/// `Lead::created` of a lead without a `created` date.
pub const NO_DATE: i32 = i32::MAX;

/// What is kept of one well-formed row.
#[derive(Clone, Copy, Debug)]
pub struct Lead {
    /// Where the record starts in the text.
    pub offset: usize,
    /// Position among well-formed rows (input order).
    pub index: u32,
    /// Fit and engagement in hundredths, saturated to ±21,474,836.47 points
    /// (4 bytes each keep a lead at 32 bytes; the score is their sum).
    fit: i32,
    engagement: i32,
    /// Day number, or `NO_DATE` (sorts last).
    pub created: i32,
    pub stage: u16,
    pub missing_id: bool,
    pub duplicate: bool,
    /// Interned account key, or `NO_ACCOUNT`.
    pub account: u32,
}

impl Lead {
    pub fn fit(&self) -> Cents {
        Cents(self.fit as i64)
    }

    pub fn engagement(&self) -> Cents {
        Cents(self.engagement as i64)
    }

    pub fn score(&self) -> Cents {
        Cents(self.fit as i64 + self.engagement as i64)
    }
}

fn saturate(c: Cents) -> i32 {
    c.0.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

/// The score a lead with this fit and engagement keeps, and the CSV writes:
/// each saturated as `Lead` keeps it, then summed.
pub fn kept_score(fit: Cents, engagement: Cents) -> Cents {
    Cents(saturate(fit) as i64 + saturate(engagement) as i64)
}

const _: () = assert!(std::mem::size_of::<Lead>() == 32, "a lead is 32 bytes: 10M leads in 320 MB");

/// A malformed row: not in the output, counted, listed, optionally written.
pub struct Reject {
    pub line: usize,
    pub error: String,
    pub fields: Vec<Vec<u8>>,
}

/// Value warnings of one column: cells that are not the number or date the rules read.
#[derive(Clone, Debug)]
pub struct ColumnWarnings {
    pub column: String,
    pub count: u64,
    pub first_line: usize,
    /// The first cell that could not be read (trimmed).
    pub first_value: String,
}

/// What `[input] current_stage` did in a run.
#[derive(Clone, Debug, Default)]
pub struct CrmStages {
    /// Leads whose CRM stage was above the rules' stage (they kept it).
    pub held_up: u64,
    /// Non-empty cells that no stage's `crm` lists (ignored).
    pub unknown: u64,
    /// The first such cell: its line and value.
    pub first_unknown: Option<(usize, String)>,
}

/// An export opened and its header matched: ready to process.
pub struct PlannedExport {
    pub input: Input,
    pub delimiter: u8,
    pub header: Vec<String>,
    pub header_end: usize,
    pub plan: Plan,
}

pub struct Batch {
    pub input: Input,
    pub delimiter: u8,
    pub header: Vec<String>,
    pub plan: Plan,
    /// Well-formed rows; in rank order after `rank::rank`.
    pub leads: Vec<Lead>,
    /// Routing-condition bits, `plan.cond_words()` per lead, by `Lead::index`.
    pub bits: Vec<u64>,
    pub rejects: Vec<Reject>,
    pub warnings: Vec<ColumnWarnings>,
    /// With `[input] current_stage`: what the CRM stages did.
    pub crm: Option<CrmStages>,
    pub rows_read: u64,
    /// Leads routed as `duplicate`: a repeated id, or with `[input] email` a
    /// repeated email (leads with a missing id are counted there instead).
    pub duplicates: u64,
    /// Of `duplicates`, those whose id is not repeated: duplicates by email only.
    pub email_duplicates: u64,
    pub missing_ids: u64,
    /// Account keys (trimmed, lower-cased; normalised under
    /// `account_match = "normalized"`) by interned id.
    pub accounts: Vec<String>,
    /// Under `account_match = "normalized"` with `[input] email`: leads whose
    /// account key came from their email's domain.
    pub email_accounts: u64,
    /// With `--outcome`: whether each lead converted, by `Lead::index`.
    pub outcomes: Vec<bool>,
    /// With `--outcomes FILE`: leads whose id the file does not have.
    pub outcomes_missing: u64,
    /// With `[input] touched`: when each lead was first worked, by
    /// `Lead::index` (`engine::sla::TouchReader`, in the scoring pass).
    pub touched: Vec<crate::engine::sla::Touch>,
}

/// Opens the outcome of a run: the column `column` of the export, or with
/// `file` (`--outcomes`) that column of the file, matched by lead id.
pub fn with_outcome_options(
    opened: PlannedExport,
    column: &str,
    converted: Option<&Converted>,
    file: Option<&str>,
) -> Result<PlannedExport, Error> {
    let converted = converted.cloned().unwrap_or_default();
    match file {
        Some(path) => {
            let outcomes = crate::engine::outcomes::read(path, column)?;
            Ok(opened.with_outcomes(std::sync::Arc::new(outcomes), converted))
        }
        None => opened.with_outcome(column, converted),
    }
}

/// Reads the export, finds the header, compiles the rules against it.
pub fn open(rules: &Rules, path: &str, mode: Mode, as_of: i32) -> Result<PlannedExport, Error> {
    let (name, bytes) = input::read_raw(path, "the lead export")?;
    open_bytes(rules, name, bytes, mode, as_of)
}

/// As `open`, for an export already read (compare reads it once for two rule sets).
pub fn open_bytes(rules: &Rules, name: String, bytes: Vec<u8>, mode: Mode, as_of: i32) -> Result<PlannedExport, Error> {
    let input = input::decode(name, bytes, rules.input.encoding)?;
    let delimiter = rules.input.delimiter.unwrap_or_else(|| input::detect_delimiter(input.text.as_bytes()));
    let mut rr = RecordReader::new(delimiter);
    let Some(rec) = rr.read(&input.text, 0) else {
        let example = if rules.input.id_is_line() {
            "a header line".to_string()
        } else {
            format!("a header such as '{},...'", rules.input.id)
        };
        return Err(Error::input(format!(
            "{}: the export is empty (no header line); expected a CSV with {example}",
            input.name
        )));
    };
    let header_end = rec.end;
    if rec.end == input.text.len() && ends_in_quote(&input.text.as_bytes()[rec.start..rec.end], delimiter) {
        let line = LineCounter::default().line_at(input.text.as_bytes(), rec.start);
        return Err(Error::input(format!(
            "{}:{line}: the header has an unterminated quote (\"): it runs to the end of the file; fix the quoting",
            input.name
        )));
    }
    let header: Vec<String> = rec.fields.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
    let plan = plan::compile(rules, &header, &input.name, mode, as_of)?;
    Ok(PlannedExport { input, delimiter, header, header_end, plan })
}

impl PlannedExport {
    /// The outcomes from `--outcomes FILE`, by lead id; `converted`: the
    /// values that count as converted.
    pub fn with_outcomes(
        mut self,
        outcomes: std::sync::Arc<crate::engine::outcomes::Outcomes>,
        converted: Converted,
    ) -> PlannedExport {
        self.plan.outcomes = Some(outcomes);
        self.plan.converted = converted;
        self
    }

    /// Adds the `--outcome` column (exit 1 when the export lacks it).
    pub fn with_outcome(mut self, column: &str, converted: Converted) -> Result<PlannedExport, Error> {
        self.plan.outcome_col = Some(input::find_column(&self.input.name, &self.header, column, "--outcome")?);
        self.plan.converted = converted;
        Ok(self)
    }

    /// Scores and stages every row: chunks of the text in parallel, merged in
    /// input order (ids, accounts and line numbers need the whole file).
    pub fn process(self, rules: &Rules, progress: &ProgressBar) -> Batch {
        let PlannedExport { input, delimiter, header, header_end, plan } = self;
        let text = input.text.as_str();
        let ncols = header.len();
        // Routing conditions matter only for a stage some team takes (the
        // router looks at no condition of any other lead).
        let routable = (0..=rules.disqualified_stage()).map(|s| rules.teams.iter().any(|t| t.stages[s])).collect();
        let zone = rules.zone();
        let ctx = Ctx { rules, plan: &plan, text, delimiter, ncols, progress, routable, zone };

        // Speculative boundaries at line starts; a chunk is kept only when the
        // chunk before it really ended there (no quoted field spans it).
        const MIN_CHUNK: usize = 1 << 20;
        let threads = rayon::current_num_threads();
        let wanted = if threads > 1 { threads * 2 } else { 1 };
        let n = wanted.clamp(1, 1 + (text.len() - header_end) / MIN_CHUNK);
        let mut bounds = vec![header_end];
        for k in 1..n {
            let nominal = header_end + (text.len() - header_end) * k / n;
            let b = memchr::memchr(b'\n', &text.as_bytes()[nominal..]).map_or(text.len(), |i| nominal + i + 1);
            if b > *bounds.last().unwrap_or(&0) && b < text.len() {
                bounds.push(b);
            }
        }
        bounds.push(text.len());
        let mut chunks: Vec<Chunk> =
            (0..bounds.len() - 1).into_par_iter().map(|k| ctx.chunk(bounds[k], bounds[k + 1])).collect();
        // Validate in order; redo a chunk whose start was inside a record.
        for k in 1..chunks.len() {
            if chunks[k].first_start != chunks[k - 1].stop {
                let from = chunks[k - 1].stop;
                chunks[k] = ctx.chunk(from, bounds[k + 1].max(from));
            }
        }
        progress.set_position(text.len() as u64);
        merge::merge(input, delimiter, header, plan, chunks)
    }
}

/// A hash map with foldhash's fast hash, randomly seeded per process.
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The id of account `key` in `all`, added when new; `NO_ACCOUNT` for an empty key.
fn intern(key: &str, ids: &mut FastMap<String, u32>, all: &mut Vec<String>) -> u32 {
    if key.is_empty() {
        return NO_ACCOUNT;
    }
    if let Some(&i) = ids.get(key) {
        return i;
    }
    let i = all.len() as u32;
    ids.insert(key.to_string(), i);
    all.push(key.to_string());
    i
}

impl Batch {
    /// Routing-condition bits of a lead.
    pub fn lead_bits(&self, lead: &Lead) -> &[u64] {
        let w = self.plan.cond_words();
        let i = lead.index as usize * w;
        &self.bits[i..i + w]
    }

    /// A lead's id as messages show it: its trimmed id cell, or under
    /// `[input] id = "@line"` its line number (counted from the start: for a
    /// few leads, not for every lead).
    pub fn lead_id(&self, lead: &Lead) -> String {
        let text = &self.input.text;
        match self.plan.id_col {
            Some(col) => RecordReader::new(self.delimiter)
                .read(text, lead.offset)
                .map(|r| r.fields.cell(col).to_string())
                .unwrap_or_default(),
            None => LineCounter::default().line_at(text.as_bytes(), lead.offset).to_string(),
        }
    }

    pub fn well_formed(&self) -> u64 {
        self.leads.len() as u64
    }

    /// Scores a lead's row again with the scorer's own steps (`load`, then
    /// `score`): `scratch.held` and `scratch.contrib` then hold the
    /// per-criterion detail a `Lead` does not keep. For the reports that need
    /// it (`explain`, `score --outcome`); the batch run itself never calls it.
    /// Returns the row's figures and fields (`None` only for an offset that
    /// starts no record).
    pub fn rescore<'r>(
        &'r self,
        rules: &Rules,
        lead: &Lead,
        rr: &'r mut RecordReader,
        scratch: &mut crate::engine::score::RowScorer,
    ) -> Option<(crate::engine::score::RowScore, input::Fields<'r>)> {
        let rec = rr.read(&self.input.text, lead.offset)?;
        scratch.load(&self.plan, &rec.fields);
        let s = scratch.score(&self.plan, &rec.fields, rules.max_fit, rules.max_engagement);
        Some((s, rec.fields))
    }
}
