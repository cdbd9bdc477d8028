//! One export read and scored: the pipeline shared by every command. `open`
//! reads and decodes the file, splits the header and compiles the rules against
//! it (the failures of exit 1); `process` scores, stages and checks every row in
//! one pass, keeping a compact record per lead (its byte offset, not its cells:
//! the output re-reads the cells from the in-memory text).

use std::collections::HashMap;
use std::collections::HashSet;

use indicatif::ProgressBar;

use crate::error::Fail;
use crate::input::{self, Fields, Input, LineCounter, RecordReader, ends_in_quote};
use crate::num::Cents;
use crate::plan::{self, Mode, Plan};
use crate::rules::Rules;
use crate::score::Scratch;
use crate::stage::stage_of;

/// No account, or no `created` date.
pub const NONE: u32 = u32::MAX;
pub const NO_DATE: i32 = i32::MAX;

/// What is kept of one well-formed row.
#[derive(Clone, Copy, Debug)]
pub struct Lead {
    /// Where the record starts in the text.
    pub offset: usize,
    /// Position among well-formed rows (input order).
    pub index: u32,
    pub score: Cents,
    pub fit: Cents,
    pub engagement: Cents,
    /// Day number, or `NO_DATE` (sorts last).
    pub created: i32,
    pub stage: u16,
    pub missing_id: bool,
    pub duplicate: bool,
    /// Interned account key, or `NONE`.
    pub account: u32,
}

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
}

/// An export opened and its header matched: ready to process.
pub struct Opened {
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
    pub rows_read: u64,
    pub duplicates: u64,
    pub missing_ids: u64,
    /// Account keys (trimmed, lower-cased) by interned id.
    pub accounts: Vec<String>,
    /// With `--outcome`: whether each lead converted, by `Lead::index`.
    pub outcomes: Vec<bool>,
}

/// The outcome is true for `1, true, yes, y, won, converted` (case-insensitive).
pub fn truthy(cell: &str) -> bool {
    const YES: [&str; 6] = ["1", "true", "yes", "y", "won", "converted"];
    let c = cell.trim();
    YES.iter().any(|y| c.eq_ignore_ascii_case(y))
}

/// Reads the export, finds the header, compiles the rules against it.
pub fn open(rules: &Rules, path: &str, mode: Mode, as_of: i32) -> Result<Opened, Fail> {
    let (name, bytes) = input::read_raw(path, "the lead export")?;
    open_bytes(rules, name, bytes, mode, as_of)
}

/// As `open`, for an export already read (compare reads it once for two rule sets).
pub fn open_bytes(rules: &Rules, name: String, bytes: Vec<u8>, mode: Mode, as_of: i32) -> Result<Opened, Fail> {
    let input = input::decode(name, bytes, rules.input.encoding)?;
    let delimiter = rules.input.delimiter.unwrap_or_else(|| input::detect_delimiter(&input.text));
    let mut rr = RecordReader::new(delimiter);
    let Some(rec) = rr.read(&input.text, 0) else {
        return Err(Fail::input(format!(
            "{}: the export is empty (no header line); expected a CSV with a header such as '{},...'",
            input.name, rules.input.id
        )));
    };
    let header_end = rec.end;
    if rec.end == input.text.len() && ends_in_quote(&input.text[rec.start..rec.end], delimiter) {
        let line = LineCounter::default().line_at(&input.text, rec.start);
        return Err(Fail::input(format!(
            "{}:{line}: the header has an unterminated quote (\"): it runs to the end of the file; fix the quoting",
            input.name
        )));
    }
    let header: Vec<String> = rec.fields.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
    let plan = plan::compile(rules, &header, &input.name, mode, as_of)?;
    Ok(Opened { input, delimiter, header, header_end, plan })
}

impl Opened {
    /// Adds the `--outcome` column (exit 1 when the export lacks it).
    pub fn with_outcome(mut self, column: &str) -> Result<Opened, Fail> {
        self.plan.outcome_col = Some(input::find_column(&self.input.name, &self.header, column, "--outcome")?);
        Ok(self)
    }

    /// Scores and stages every row in one pass.
    pub fn process(self, rules: &Rules, progress: &ProgressBar) -> Batch {
        let Opened { input, delimiter, header, header_end, plan } = self;
        let text = &input.text;
        let ncols = header.len();
        let words = plan.cond_words();
        let warn_cols = plan.warn_columns();
        let mut warn_count = vec![0u64; plan.slots.len()];
        let mut warn_first = vec![usize::MAX; plan.slots.len()];
        let mut scratch = Scratch::new(&plan);
        let mut rr = RecordReader::new(delimiter);
        let mut leads = Vec::new();
        let mut bits = Vec::new();
        let mut word_buf = vec![0u64; words];
        let mut rejects_at: Vec<(usize, String, Vec<Vec<u8>>)> = Vec::new();
        let mut ids: HashSet<Box<str>> = HashSet::new();
        let mut account_ids: HashMap<String, u32> = HashMap::new();
        let mut accounts = Vec::new();
        let (mut rows_read, mut duplicates, mut missing_ids) = (0u64, 0u64, 0u64);
        let mut pos = header_end;
        let mut lower = String::new();
        let mut outcomes = Vec::new();
        while let Some(rec) = rr.read(text, pos) {
            pos = rec.end;
            rows_read += 1;
            if rows_read % 16384 == 0 {
                progress.set_position(pos as u64);
            }
            let fields = rec.fields;
            let unterminated = rec.end == text.len() && ends_in_quote(&text[rec.start..rec.end], delimiter);
            if fields.len() != ncols || unterminated {
                let error = if unterminated {
                    "unterminated quote: the record runs to the end of the file".to_string()
                } else {
                    format!("expected {ncols} fields, found {}", fields.len())
                };
                rejects_at.push((rec.start, error, fields.iter().map(<[u8]>::to_vec).collect()));
                continue;
            }
            scratch.load(&plan, &fields);
            let s = scratch.score(&plan, rules.max_fit, rules.max_engagement);
            let stage = stage_of(rules, &s, &scratch.held);
            for (k, _) in &warn_cols {
                if scratch.bad[*k] {
                    warn_count[*k] += 1;
                    if warn_first[*k] == usize::MAX {
                        warn_first[*k] = rec.start;
                    }
                }
            }
            if words > 0 {
                scratch.route_bits(&plan, &mut word_buf);
                bits.extend_from_slice(&word_buf);
            }
            if let Some(c) = plan.outcome_col {
                outcomes.push(truthy(fields.str(c)));
            }
            let id = fields.str(plan.id_col).trim();
            let missing_id = id.is_empty();
            let duplicate = !missing_id && !ids.insert(id.into());
            missing_ids += missing_id as u64;
            duplicates += duplicate as u64;
            let account = match plan.account_col {
                Some(c) => intern(fields_lower(&fields, c, &mut lower), &mut account_ids, &mut accounts),
                None => NONE,
            };
            leads.push(Lead {
                offset: rec.start,
                index: leads.len() as u32,
                score: s.score,
                fit: s.fit,
                engagement: s.engagement,
                created: s.created.unwrap_or(NO_DATE),
                stage: stage as u16,
                missing_id,
                duplicate,
                account,
            });
        }
        progress.set_position(text.len() as u64);

        // Line numbers, computed once in increasing offset order.
        let mut wanted: Vec<usize> = rejects_at.iter().map(|r| r.0).collect();
        wanted.extend(warn_first.iter().copied().filter(|&o| o != usize::MAX));
        wanted.sort_unstable();
        wanted.dedup();
        let mut lc = LineCounter::default();
        let lines: HashMap<usize, usize> = wanted.iter().map(|&o| (o, lc.line_at(text, o))).collect();
        let rejects =
            rejects_at.into_iter().map(|(o, error, fields)| Reject { line: lines[&o], error, fields }).collect();
        let warnings = warn_cols
            .iter()
            .filter(|(k, _)| warn_count[*k] > 0)
            .map(|(k, name)| ColumnWarnings {
                column: name.clone(),
                count: warn_count[*k],
                first_line: lines[&warn_first[*k]],
            })
            .collect();
        Batch {
            input,
            delimiter,
            header,
            plan,
            leads,
            bits,
            rejects,
            warnings,
            rows_read,
            duplicates,
            missing_ids,
            accounts,
            outcomes,
        }
    }
}

/// A cell trimmed and lower-cased into `buf`.
fn fields_lower<'b>(fields: &Fields, col: usize, buf: &'b mut String) -> &'b str {
    let cell = fields.str(col).trim();
    buf.clear();
    if cell.is_ascii() {
        buf.push_str(cell);
        buf.make_ascii_lowercase();
    } else {
        buf.push_str(&cell.to_lowercase());
    }
    buf
}

fn intern(key: &str, ids: &mut HashMap<String, u32>, all: &mut Vec<String>) -> u32 {
    if key.is_empty() {
        return NONE;
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

    pub fn well_formed(&self) -> u64 {
        self.leads.len() as u64
    }

    /// Re-reads the cells of each lead in the current order, for writers.
    pub fn for_each_row(&self, mut f: impl FnMut(&Lead, &Fields) -> std::io::Result<()>) -> std::io::Result<()> {
        let mut rr = RecordReader::new(self.delimiter);
        for lead in &self.leads {
            if let Some(rec) = rr.read(&self.input.text, lead.offset) {
                f(lead, &rec.fields)?;
            }
        }
        Ok(())
    }
}
