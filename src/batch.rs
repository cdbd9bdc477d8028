//! One export read and scored: the pipeline shared by every command. `open`
//! reads and decodes the file, splits the header and compiles the rules against
//! it (the failures of exit 1); `process` scores, stages and checks every row in
//! one pass, keeping a compact record per lead (its byte offset, not its cells:
//! the output re-reads the cells from the in-memory text).

use std::collections::HashMap;
use std::hash::BuildHasher;

use indicatif::ProgressBar;
use rayon::prelude::*;

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
    /// Fit and engagement in hundredths, saturated to ±21,474,836.47 points
    /// (4 bytes each keep a lead at 32 bytes; the score is their sum).
    fit: i32,
    engagement: i32,
    /// Day number, or `NO_DATE` (sorts last).
    pub created: i32,
    pub stage: u16,
    pub missing_id: bool,
    pub duplicate: bool,
    /// Interned account key, or `NONE`.
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
    let c = crate::input::trim_cell(cell);
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
    let delimiter = rules.input.delimiter.unwrap_or_else(|| input::detect_delimiter(input.text.as_bytes()));
    let mut rr = RecordReader::new(delimiter);
    let Some(rec) = rr.read(&input.text, 0) else {
        return Err(Fail::input(format!(
            "{}: the export is empty (no header line); expected a CSV with a header such as '{},...'",
            input.name, rules.input.id
        )));
    };
    let header_end = rec.end;
    if rec.end == input.text.len() && ends_in_quote(&input.text.as_bytes()[rec.start..rec.end], delimiter) {
        let line = LineCounter::default().line_at(input.text.as_bytes(), rec.start);
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

    /// Scores and stages every row: chunks of the text in parallel, merged in
    /// input order (ids, accounts and line numbers need the whole file).
    pub fn process(self, rules: &Rules, progress: &ProgressBar) -> Batch {
        let Opened { input, delimiter, header, header_end, plan } = self;
        let text = input.text.as_str();
        let ncols = header.len();
        // Routing conditions matter only for a stage some team takes (the
        // router looks at no condition of any other lead).
        let routable = (0..=rules.disqualified_stage()).map(|s| rules.teams.iter().any(|t| t.stages[s])).collect();
        let ctx = Ctx { rules, plan: &plan, text, delimiter, ncols, progress, routable };

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
        merge(input, delimiter, header, plan, chunks)
    }
}

/// What a chunk needs to score its rows.
struct Ctx<'a> {
    rules: &'a Rules,
    plan: &'a Plan,
    text: &'a str,
    delimiter: u8,
    ncols: usize,
    progress: &'a ProgressBar,
    /// Per stage: whether some team takes it.
    routable: Vec<bool>,
}

/// The rows of one chunk, before the merge gives them their input-wide facts.
struct Chunk {
    /// Where its first record starts, and where parsing stopped (the next record's start).
    first_start: usize,
    stop: usize,
    rows_read: u64,
    leads: Vec<Lead>,
    /// Per lead: the hash of its trimmed id (0 when missing).
    id_hash: Vec<u64>,
    bits: Vec<u64>,
    outcomes: Vec<bool>,
    rejects: Vec<(usize, String, Vec<Vec<u8>>)>,
    warn_count: Vec<u64>,
    warn_first: Vec<usize>,
    /// Chunk-local account keys; `Lead::account` indexes them until the merge.
    accounts: Vec<String>,
}

const ID_SEED: u64 = 0x6c65_6164;

impl Ctx<'_> {
    /// Scores the records that start in [from, to).
    fn chunk(&self, from: usize, to: usize) -> Chunk {
        let (plan, text, delimiter, ncols) = (self.plan, self.text, self.delimiter, self.ncols);
        let words = plan.cond_words();
        let hasher = foldhash::fast::FixedState::with_seed(ID_SEED);
        let mut c = Chunk {
            first_start: from,
            stop: from,
            rows_read: 0,
            leads: Vec::new(),
            id_hash: Vec::new(),
            bits: Vec::new(),
            outcomes: Vec::new(),
            rejects: Vec::new(),
            warn_count: vec![0; plan.slots.len()],
            warn_first: vec![usize::MAX; plan.slots.len()],
            accounts: Vec::new(),
        };
        let mut scratch = Scratch::new(plan);
        let mut rr = RecordReader::new(delimiter);
        let mut word_buf = vec![0u64; words];
        let mut account_ids: FastMap<String, u32> = FastMap::default();
        let mut lower = String::new();
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
                c.id_hash.reserve(rows + rows / 16);
                c.bits.reserve((rows + rows / 16) * words);
            }
            if c.rows_read % 16384 == 0 {
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
            let stage = stage_of(self.rules, &s, &scratch.held);
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
            if let Some(col) = plan.outcome_col {
                c.outcomes.push(truthy(fields.str(col)));
            }
            let id = fields.cell(plan.id_col);
            let missing_id = id.is_empty();
            c.id_hash.push(if missing_id { 0 } else { hasher.hash_one(id) });
            let account = match plan.account_col {
                Some(col) => intern(fields_lower(&fields, col, &mut lower), &mut account_ids, &mut c.accounts),
                None => NONE,
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

/// Joins the chunks in input order: indices, duplicate ids (exact), accounts,
/// value warnings and line numbers.
fn merge(input: Input, delimiter: u8, header: Vec<String>, plan: Plan, chunks: Vec<Chunk>) -> Batch {
    let text = input.text.as_str();
    let total: usize = chunks.iter().map(|c| c.leads.len()).sum();
    let words = plan.cond_words();
    // The first chunk's vectors grow to hold all (a large realloc moves pages,
    // it does not copy), so the leads are never held twice.
    let (mut leads, mut bits): (Vec<Lead>, Vec<u64>) = (Vec::new(), Vec::new());
    // Kept per chunk: the duplicate check frees each as soon as it is sorted in.
    let mut id_hashes: Vec<Vec<u64>> = Vec::with_capacity(chunks.len());
    let mut outcomes = Vec::new();
    let mut rejects_at = Vec::new();
    let mut warn_count = vec![0u64; plan.slots.len()];
    let mut warn_first = vec![usize::MAX; plan.slots.len()];
    let mut account_ids: FastMap<String, u32> = FastMap::default();
    let mut accounts: Vec<String> = Vec::new();
    let mut rows_read = 0u64;
    // Per chunk: its number of leads, and its account ids in the merged list.
    let mut remaps: Vec<(usize, Vec<u32>)> = Vec::with_capacity(chunks.len());
    for (k, mut c) in chunks.into_iter().enumerate() {
        rows_read += c.rows_read;
        let global: Vec<u32> = c.accounts.iter().map(|a| intern(a, &mut account_ids, &mut accounts)).collect();
        let from = leads.len();
        if k == 0 {
            leads = std::mem::take(&mut c.leads);
            leads.reserve_exact(total - leads.len());
            bits = std::mem::take(&mut c.bits);
            bits.reserve_exact(total * words - bits.len());
        } else {
            leads.append(&mut c.leads);
            bits.append(&mut c.bits);
        }
        id_hashes.push(std::mem::take(&mut c.id_hash));
        remaps.push((leads.len() - from, global));
        outcomes.append(&mut c.outcomes);
        rejects_at.append(&mut c.rejects);
        for k in 0..warn_count.len() {
            warn_count[k] += c.warn_count[k];
            if warn_first[k] == usize::MAX {
                warn_first[k] = c.warn_first[k];
            }
        }
    }
    // Input positions and merged account ids, each chunk's leads on their own thread.
    let mut parts = Vec::with_capacity(remaps.len());
    let (mut rest, mut from) = (&mut leads[..], 0);
    for (len, global) in &remaps {
        let (part, tail) = std::mem::take(&mut rest).split_at_mut(*len);
        parts.push((part, from, global));
        rest = tail;
        from += len;
    }
    parts.into_par_iter().for_each(|(part, from, global)| {
        for (i, lead) in part.iter_mut().enumerate() {
            lead.index = (from + i) as u32;
            if lead.account != NONE {
                lead.account = global[lead.account as usize];
            }
        }
    });
    drop(remaps);
    let (duplicates, missing_ids) = mark_duplicates(text, delimiter, plan.id_col, &mut leads, id_hashes);

    // Line numbers, computed once in increasing offset order.
    let mut wanted: Vec<usize> = rejects_at.iter().map(|r| r.0).collect();
    wanted.extend(warn_first.iter().copied().filter(|&o| o != usize::MAX));
    wanted.sort_unstable();
    wanted.dedup();
    let mut lc = LineCounter::default();
    let lines: HashMap<usize, usize> = wanted.iter().map(|&o| (o, lc.line_at(text.as_bytes(), o))).collect();
    let rejects = rejects_at.into_iter().map(|(o, error, fields)| Reject { line: lines[&o], error, fields }).collect();
    let warnings = plan
        .warn_columns()
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

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Per partition: (low 32 bits of the id hash, lead index), in input order.
type Partitions = Vec<Vec<(u32, u32)>>;

/// Marks every lead whose trimmed id equals an earlier lead's (input order).
///
/// Leads are split by the top bits of their id hash into partitions (more of
/// them for larger exports, so that each one's table stays in cache): equal
/// ids share a hash, so each partition is checked on its own, in parallel.
/// A partition lists (low 32 bits of the hash, lead index) in input order, so
/// the check reads no other memory until two hashes match; a match is
/// confirmed by re-reading both ids from the text, which keeps it exact.
/// `hashes` are the id hashes in input order, in consecutive pieces (one per
/// chunk). Returns (duplicates, missing ids).
fn mark_duplicates(text: &str, delimiter: u8, id_col: usize, leads: &mut [Lead], hashes: Vec<Vec<u64>>) -> (u64, u64) {
    // 8,192 to 16,383 leads a partition: 64 partitions up to 1M leads, 1,024
    // at 10M, at most 4,096.
    let bits = (leads.len() / 8192).max(1).ilog2().clamp(6, 12);
    let all: &[Lead] = leads;
    // Each piece sorted into partitions on its own thread; a partition is then
    // its lists from every piece, in piece order (input order throughout).
    let starts: Vec<usize> = hashes.iter().scan(0, |at, p| Some(std::mem::replace(at, *at + p.len()))).collect();
    let pieces: Vec<(Partitions, u64)> = hashes
        .into_par_iter()
        .zip(starts)
        .map(|(piece, start)| {
            let mut members: Partitions = vec![Vec::new(); 1 << bits];
            let mut missing = 0u64;
            for (k, h) in piece.into_iter().enumerate() {
                let i = start + k;
                if all[i].missing_id {
                    missing += 1;
                } else {
                    members[(h >> (64 - bits)) as usize].push((h as u32, i as u32));
                }
            }
            (members, missing)
        })
        .collect();
    let missing: u64 = pieces.iter().map(|p| p.1).sum();
    // The table's own hash: the 32 bits spread over all 64 (hashbrown uses the top ones).
    let spread = |h: u32| (h as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let dups: Vec<Vec<u32>> = (0..1usize << bits)
        .into_par_iter()
        .map(|p| {
            let size = pieces.iter().map(|piece| piece.0[p].len()).sum();
            let mut first: hashbrown::HashTable<(u32, u32)> = hashbrown::HashTable::with_capacity(size);
            let mut reader = RecordReader::new(delimiter);
            let mut id_at =
                |i: u32| reader.read(text, all[i as usize].offset).map(|r| r.fields.cell(id_col).to_string());
            let mut dups = Vec::new();
            for &(h, i) in pieces.iter().flat_map(|piece| &piece.0[p]) {
                let dup = first.find(spread(h), |&(g, _)| g == h).is_some() && {
                    // Same hash: an earlier lead with the same id, or only a collision?
                    let id = id_at(i);
                    id.is_some() && first.find(spread(h), |&(g, j)| g == h && id_at(j) == id).is_some()
                };
                if dup {
                    dups.push(i);
                } else {
                    first.insert_unique(spread(h), (h, i), |&(g, _)| spread(g));
                }
            }
            dups
        })
        .collect();
    drop(pieces);
    let mut duplicates = 0;
    for i in dups.into_iter().flatten() {
        leads[i as usize].duplicate = true;
        duplicates += 1;
    }
    (duplicates, missing)
}

/// A cell trimmed and lower-cased into `buf`.
fn fields_lower<'b>(fields: &Fields, col: usize, buf: &'b mut String) -> &'b str {
    let cell = fields.cell(col);
    buf.clear();
    if cell.is_ascii() {
        buf.push_str(cell);
        buf.make_ascii_lowercase();
    } else {
        buf.push_str(&cell.to_lowercase());
    }
    buf
}

fn intern(key: &str, ids: &mut FastMap<String, u32>, all: &mut Vec<String>) -> u32 {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(offset: usize) -> Lead {
        Lead {
            offset,
            index: 0,
            fit: 0,
            engagement: 0,
            created: NO_DATE,
            stage: 0,
            missing_id: false,
            duplicate: false,
            account: NONE,
        }
    }

    /// Every id given the same hash: only real repeats are duplicates, whatever
    /// the collisions, and the first of each id stays.
    #[test]
    fn duplicates_are_exact_under_hash_collisions() {
        let text = "id\na\nb\n a \nc\nb\nA\na\n";
        let mut leads: Vec<Lead> = Vec::new();
        let mut at = text.find('\n').unwrap() + 1;
        while at < text.len() {
            leads.push(lead(at));
            at += text[at..].find('\n').unwrap() + 1;
        }
        // Equal ids must share a hash; distinct ones may or may not.
        let by_first_byte: Vec<u64> =
            leads.iter().map(|l| text[l.offset..].trim_start().as_bytes()[0] as u64).collect();
        for hashes in [vec![7u64; leads.len()], vec![u64::MAX; leads.len()], by_first_byte] {
            // In one piece, and in pieces as chunks hand them over.
            for pieces in
                [vec![hashes.clone()], vec![hashes[..2].to_vec(), hashes[2..5].to_vec(), hashes[5..].to_vec()]]
            {
                let mut l = leads.clone();
                let (dups, missing) = mark_duplicates(text, b',', 0, &mut l, pieces);
                let flags: Vec<bool> = l.iter().map(|x| x.duplicate).collect();
                // a, b, " a " (= a), c, b, A (ids are case-sensitive), a
                assert_eq!(flags, [false, false, true, false, true, false, true]);
                assert_eq!((dups, missing), (3, 0));
            }
        }
    }
}
