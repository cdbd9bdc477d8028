//! The per-row path: one chunk of the export's text parsed, scored, staged,
//! checked for value warnings and routing conditions, with a compact record
//! kept per lead. Chunks run in parallel; `merge` joins them.

use std::hash::BuildHasher;

use indicatif::ProgressBar;

use super::{FastMap, Lead, NO_ACCOUNT, NO_DATE, intern, saturate};
use crate::engine::input::{Fields, RecordReader, ends_in_quote};
use crate::engine::plan::Plan;
use crate::engine::score::RowScorer;
use crate::engine::stage::stage_of;
use crate::rules::{AccountMatch, Rules};
use crate::support::identity::{account_key, email_account, email_key};

/// What a chunk needs to score its rows.
pub(super) struct Ctx<'a> {
    pub(super) rules: &'a Rules,
    pub(super) plan: &'a Plan,
    pub(super) text: &'a str,
    pub(super) delimiter: u8,
    pub(super) ncols: usize,
    pub(super) progress: &'a ProgressBar,
    /// Per stage: whether some team takes it.
    pub(super) routable: Vec<bool>,
    /// `[routing] timezone`: the zone of `touched` cells without an offset.
    pub(super) zone: jiff::tz::TimeZone,
}

/// The rows of one chunk, before the merge gives them their input-wide facts.
pub(super) struct Chunk {
    /// Where its first record starts, and where parsing stopped (the next record's start).
    pub(super) first_start: usize,
    pub(super) stop: usize,
    pub(super) rows_read: u64,
    pub(super) leads: Vec<Lead>,
    /// Per lead: the hash of its trimmed id (0 when missing); empty under `id = "@line"`.
    pub(super) id_hash: Vec<u64>,
    /// With `[input] email`, per lead: the hash of its email key (0 when empty).
    pub(super) email_hash: Vec<u64>,
    pub(super) bits: Vec<u64>,
    pub(super) outcomes: Vec<bool>,
    /// With `[input] touched`, per lead: its touch; cells that could not be
    /// read, and where the first of them starts.
    pub(super) touched: Vec<crate::engine::sla::Touch>,
    pub(super) touched_bad: u64,
    pub(super) touched_first: usize,
    pub(super) rejects: Vec<(usize, String, Vec<Vec<u8>>)>,
    pub(super) warn_count: Vec<u64>,
    pub(super) warn_first: Vec<usize>,
    /// `[input] current_stage`: leads it held above the rules' stage; cells
    /// naming no stage, and where the first of them starts.
    pub(super) outcomes_missing: u64,
    pub(super) crm_held: u64,
    pub(super) crm_unknown: u64,
    pub(super) crm_unknown_first: usize,
    /// Chunk-local account keys; `Lead::account` indexes them until the merge.
    pub(super) accounts: Vec<String>,
    /// Leads whose account key came from their email's domain.
    pub(super) email_accounts: u64,
}

pub(super) const ID_SEED: u64 = 0x6c65_6164;

impl Ctx<'_> {
    /// Scores the records that start in [from, to).
    pub(super) fn chunk(&self, from: usize, to: usize) -> Chunk {
        let (plan, text, delimiter, ncols) = (self.plan, self.text, self.delimiter, self.ncols);
        let words = plan.cond_words();
        let mut touches = crate::engine::sla::TouchReader::new(&self.rules.input.date_formats, self.zone.clone());
        let hasher = foldhash::fast::FixedState::with_seed(ID_SEED);
        let mut c = Chunk {
            first_start: from,
            stop: from,
            rows_read: 0,
            leads: Vec::new(),
            id_hash: Vec::new(),
            email_hash: Vec::new(),
            bits: Vec::new(),
            outcomes: Vec::new(),
            touched: Vec::new(),
            touched_bad: 0,
            touched_first: usize::MAX,
            rejects: Vec::new(),
            warn_count: vec![0; plan.slots.len()],
            warn_first: vec![usize::MAX; plan.slots.len()],
            outcomes_missing: 0,
            crm_held: 0,
            crm_unknown: 0,
            crm_unknown_first: usize::MAX,
            accounts: Vec::new(),
            email_accounts: 0,
        };
        let mut scratch = RowScorer::new(plan);
        let mut rr = RecordReader::new(delimiter);
        let mut word_buf = vec![0u64; words];
        let mut account_ids: FastMap<String, u32> = FastMap::default();
        let mut lower = String::new();
        let mut email = String::new();
        let mut pos = from;
        let mut reported = from;
        let mut first = true;
        let mut sized = false;
        while let Some(rec) = rr.read(text, pos) {
            if rec.start >= to {
                c.stop = rec.start;
                break;
            }
            if first {
                c.first_start = rec.start;
                first = false;
            }
            pos = rec.end;
            c.stop = rec.end;
            c.rows_read += 1;
            // Size the vectors once from the first 64 rows' average length:
            // fewer reallocations and page faults on large exports.
            if !sized && c.rows_read == 64 {
                sized = true;
                let per_row = ((pos - c.first_start) / 64).max(1);
                let rows = (to - from) / per_row + 64;
                c.leads.reserve(rows + rows / 16);
                if plan.id_col.is_some() {
                    c.id_hash.reserve(rows + rows / 16);
                }
                if plan.email_col.is_some() {
                    c.email_hash.reserve(rows + rows / 16);
                }
                c.bits.reserve((rows + rows / 16) * words);
            }
            if c.rows_read.is_multiple_of(16384) {
                self.progress.inc((pos - reported) as u64);
                reported = pos;
            }
            let fields = rec.fields;
            let unterminated = rec.end == text.len() && ends_in_quote(&text.as_bytes()[rec.start..rec.end], delimiter);
            if fields.len() != ncols || unterminated {
                let error = if unterminated {
                    "unterminated quote: the record runs to the end of the file".to_string()
                } else {
                    format!("expected {ncols} fields, found {}", fields.len())
                };
                c.rejects.push((rec.start, error, fields.iter().map(<[u8]>::to_vec).collect()));
                continue;
            }
            scratch.load(plan, &fields);
            let s = scratch.score(plan, &fields, self.rules.max_fit, self.rules.max_engagement);
            let mut stage = stage_of(self.rules, &s, &scratch.held);
            if let Some(k) = plan.crm_slot {
                match scratch.crm_stage(plan, &fields, k) {
                    // A disqualified lead stays disqualified.
                    Some(Some(crm)) if crm > stage && !s.disqualified => {
                        stage = crm;
                        c.crm_held += 1;
                    }
                    Some(None) => {
                        c.crm_unknown += 1;
                        c.crm_unknown_first = c.crm_unknown_first.min(rec.start);
                    }
                    _ => {}
                }
            }
            if let (Some(k), Some(grades)) = (plan.grade_slot, &self.rules.grades) {
                scratch.set_grade(k, &grades.of(s.fit, s.engagement));
            }
            for (k, bad) in scratch.bad.iter().enumerate() {
                if *bad {
                    c.warn_count[k] += 1;
                    if c.warn_first[k] == usize::MAX {
                        c.warn_first[k] = rec.start;
                    }
                }
            }
            if words > 0 {
                if self.routable[stage] {
                    scratch.route_bits(plan, &fields, &mut word_buf);
                } else {
                    word_buf.fill(0);
                }
                c.bits.extend_from_slice(&word_buf);
            }
            if let Some(col) = plan.touched_col {
                let touch = touches.read(fields.cell(col));
                if touch == crate::engine::sla::Touch::Unreadable {
                    c.touched_bad += 1;
                    c.touched_first = c.touched_first.min(rec.start);
                }
                c.touched.push(touch);
            }
            if let Some(file) = &plan.outcomes {
                // Under `id = "@line"` the merge, which knows the lines, looks them up.
                if let Some(col) = plan.id_col {
                    let value = file.get(fields.cell(col));
                    c.outcomes_missing += u64::from(value.is_none());
                    c.outcomes.push(value.is_some_and(|v| plan.is_converted(v)));
                }
            } else if let Some(col) = plan.outcome_col {
                c.outcomes.push(plan.is_converted(fields.cell(col)));
            }
            // Under `id = "@line"` no id is missing or repeated: nothing to hash.
            let missing_id = match plan.id_col {
                Some(col) => {
                    let id = fields.cell(col);
                    c.id_hash.push(if id.is_empty() { 0 } else { hasher.hash_one(id) });
                    id.is_empty()
                }
                None => false,
            };
            if let Some(col) = plan.email_col {
                let key = email_key(fields.cell(col), &mut email);
                c.email_hash.push(if key.is_empty() { 0 } else { hasher.hash_one(key).max(1) });
            }
            let account = match (plan.account_col, plan.account_match) {
                (Some(col), AccountMatch::Exact) => {
                    intern(fields_lower(&fields, col, &mut lower), &mut account_ids, &mut c.accounts)
                }
                (Some(col), AccountMatch::Normalized) => {
                    let key = normalized_account(&fields, col, plan.email_col, &mut lower, &mut c.email_accounts);
                    intern(key, &mut account_ids, &mut c.accounts)
                }
                (None, _) => NO_ACCOUNT,
            };
            c.leads.push(Lead {
                offset: rec.start,
                index: 0,
                fit: saturate(s.fit),
                engagement: saturate(s.engagement),
                created: s.created.unwrap_or(NO_DATE),
                stage: stage as u16,
                missing_id,
                duplicate: false,
                account,
            });
        }
        if first {
            c.first_start = c.stop.max(to.min(text.len()));
            c.stop = c.first_start;
        }
        self.progress.inc((c.stop.saturating_sub(reported)) as u64);
        c
    }
}

/// The account key under `account_match = "normalized"` into `buf`: an
/// account that normalises to nothing takes the company the email's domain
/// names (counted in `from_email`).
fn normalized_account<'b>(
    fields: &Fields,
    col: usize,
    email_col: Option<usize>,
    buf: &'b mut String,
    from_email: &mut u64,
) -> &'b str {
    account_key(fields.cell(col), buf);
    if let Some(e) = email_col.filter(|_| buf.is_empty()) {
        email_account(fields.cell(e), buf);
        *from_email += u64::from(!buf.is_empty());
    }
    buf
}

/// A cell trimmed and lower-cased into `buf`.
fn fields_lower<'b>(fields: &Fields, col: usize, buf: &'b mut String) -> &'b str {
    crate::support::identity::lower_into(fields.cell(col), buf);
    buf
}
