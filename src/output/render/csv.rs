//! The assignment CSV and the rejects file. Cells are written exactly as read;
//! a field is quoted only when it holds the delimiter, a quote, CR or LF.
//! `RowPlan` resolves the CSV's columns (`[output] columns`, docs/reference.md
//! §7.5) once, so that a row touches only the cells it writes.

use std::borrow::Cow;
use std::io::{self, Write};

use rayon::prelude::*;

use crate::engine::batch::{Batch, Lead};
use crate::engine::input::{LineCounter, RecordReader};
use crate::engine::plan::{NOT_INPUT, appended_columns};
use crate::engine::route::{Assignment, Memory, Routed};
use crate::rules::{Column, Grades, Own, Rules};
use crate::support::num::Cents;

/// The UTF-8 byte-order mark that `[output] bom = true` puts first.
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn writer<W: Write>(w: W, delimiter: u8) -> csv::Writer<W> {
    builder(delimiter).from_writer(w)
}

fn builder(delimiter: u8) -> csv::WriterBuilder {
    let mut b = csv::WriterBuilder::new();
    b.delimiter(delimiter)
        .quote_style(csv::QuoteStyle::Necessary)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'));
    b
}

fn csv_err(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// How many rows ahead `write_leads` prefetches. Measured on the 1M-row
/// benchmark export, one thread, write phase (`LEADROUTE_TIMINGS`), medians of
/// 7 interleaved runs: no prefetch 0.945 s; 4 rows ahead 0.526 s; 12 rows
/// 0.522 s; 32 rows 0.545 s. The rows are visited in rank order, all over the
/// text, so each is a cache miss without it; any distance from 4 to 32 hides
/// most of them.
const PREFETCH_AHEAD: usize = 12;

/// A hint to load the start of `bytes` into the cache; no effect on results.
#[inline(always)]
fn prefetch(bytes: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch never faults and reads nothing visible; the
        // pointer is in bounds of a live slice anyway. It halves the write
        // phase (see PREFETCH_AHEAD).
        unsafe { _mm_prefetch::<_MM_HINT_T0>(bytes.as_ptr().cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = bytes;
}

/// Stage, team and rep names as written, quoted where needed; with
/// `[grades]`, the bands and every grade by (fit band, engagement band).
struct Encoded<'r> {
    stages: Vec<Vec<u8>>,
    teams: Vec<Vec<u8>>,
    reps: Vec<Vec<u8>>,
    grades: Option<(&'r Grades, Vec<Vec<Vec<u8>>>)>,
    /// Per `@rep.KEY` of `[output] columns`: each rep's value, by rep index.
    fields: Vec<Vec<Vec<u8>>>,
}

/// Appends one output row: the input cells, then the appended columns.
#[allow(clippy::too_many_arguments)]
fn format_row(
    line: &mut Vec<u8>,
    rr: &mut RecordReader,
    scratch: &mut Vec<u8>,
    batch: &Batch,
    text: &[u8],
    raw_ok: bool,
    delimiter: u8,
    excel_safe: bool,
    decimal: u8,
    lead: &Lead,
    assignment: Option<&Assignment>,
    enc: &Encoded<'_>,
) -> io::Result<()> {
    let rest = &text[lead.offset..];
    let end = memchr::memchr2(b'\r', b'\n', rest).unwrap_or(rest.len());
    let raw = &rest[..end];
    if raw_ok && memchr::memchr(b'"', raw).is_none() && !(excel_safe && has_formula_like(raw, delimiter)) {
        line.extend_from_slice(raw);
    } else if let Some(rec) = rr.read(&batch.input.text, lead.offset) {
        let mut fw = builder(delimiter).buffer_capacity(256).from_writer(std::mem::take(scratch));
        fw.write_record(rec.fields.iter().map(|f| safe_cell(f, excel_safe))).map_err(csv_err)?;
        *scratch = fw.into_inner().map_err(|e| io::Error::other(e.to_string()))?;
        line.extend_from_slice(scratch.strip_suffix(b"\n").unwrap_or(scratch));
        scratch.clear();
    }
    for v in [lead.score(), lead.fit(), lead.engagement()] {
        line.push(delimiter);
        push_number(line, v, decimal);
    }
    line.push(delimiter);
    line.extend_from_slice(&enc.stages[lead.stage as usize]);
    if let Some((bands, grades)) = &enc.grades {
        let (f, e) = bands.bands(lead.fit(), lead.engagement());
        line.push(delimiter);
        line.extend_from_slice(&grades[f][e]);
    }
    if let Some(a) = assignment {
        line.push(delimiter);
        if let Some(t) = a.team() {
            line.extend_from_slice(&enc.teams[t]);
        }
        line.push(delimiter);
        if let Some(r) = a.rep() {
            line.extend_from_slice(&enc.reps[r]);
        }
        line.push(delimiter);
        line.extend_from_slice(a.reason.as_str().as_bytes());
    }
    line.push(b'\n');
    Ok(())
}

/// One field as it is written: quoted only where needed (a record of that one
/// field, without its line end: the closing quote comes with the record).
fn encoded(field: &str, delimiter: u8, excel_safe: bool) -> io::Result<Vec<u8>> {
    // Alone in a record an empty field is quoted; in a row it is nothing.
    if field.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = writer(Vec::new(), delimiter);
    w.write_record([safe_cell(field.as_bytes(), excel_safe)]).map_err(csv_err)?;
    let mut bytes = w.into_inner().map_err(|e| io::Error::other(e.to_string()))?;
    bytes.pop();
    Ok(bytes)
}

/// Whether a spreadsheet would read this cell as a formula: it starts with
/// `=`, `+`, `-`, `@`, tab or CR and is not a plain number (`-5`, `+1.5`).
fn formula_like(cell: &[u8]) -> bool {
    match cell.first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => !plain_number(&cell[1..]),
        _ => false,
    }
}

/// Digits with at most one decimal point or comma, at least one digit.
fn plain_number(b: &[u8]) -> bool {
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    digits > 0 && digits + 1 >= b.len() && b.iter().all(|&c| c.is_ascii_digit() || c == b'.' || c == b',')
}

/// A cell as written: with `excel_safe`, a formula-like cell gets a `'` before it.
fn safe_cell(cell: &[u8], excel_safe: bool) -> Cow<'_, [u8]> {
    if excel_safe && formula_like(cell) {
        let mut v = Vec::with_capacity(cell.len() + 1);
        v.push(b'\'');
        v.extend_from_slice(cell);
        Cow::Owned(v)
    } else {
        Cow::Borrowed(cell)
    }
}

/// Whether some field of a plain (unquoted) line is formula-like.
fn has_formula_like(raw: &[u8], delimiter: u8) -> bool {
    raw.split(|&b| b == delimiter).any(formula_like)
}

/// One cell of a row of `[output] columns`, resolved once against the header.
#[derive(Clone, Copy, Debug)]
enum Cell {
    /// An input column: its index in the header, and its place in
    /// `RowPlan::needed`.
    Input(usize, usize),
    Score,
    Fit,
    Engagement,
    Stage,
    Grade,
    Team,
    Rep,
    Reason,
    Line,
    /// `@rep.KEY`: the key's values, `Encoded::fields[k]`.
    RepField(usize),
    AssignedAt,
    /// A routing column of `score`: always empty.
    Empty,
}

/// What every row of the assignment CSV is written from, decided once: the
/// columns, the names as written, the line numbers `@line` needs. Per row,
/// only the chosen columns are touched.
pub struct RowPlan<'a> {
    batch: &'a Batch,
    delimiter: u8,
    excel_safe: bool,
    decimal: u8,
    /// `None`: every input column, then leadroute's (docs/reference.md §3.6).
    cells: Option<Vec<Cell>>,
    /// The input columns the chosen cells read, ascending, without repeats:
    /// a plain line is split only up to the last of them.
    needed: Vec<usize>,
    enc: Encoded<'a>,
    /// With `@line`: each lead's physical line, by `Lead::index`.
    lines: Vec<usize>,
    /// The export's delimiter is the output's: a plain line is copied as it is.
    raw_ok: bool,
    /// The header line, as written (without a byte-order mark).
    header: Vec<u8>,
}

impl<'a> RowPlan<'a> {
    /// The plan of a run's CSV: `memory` (what routing read: the ledger's
    /// extra names) is `None` for `score`, which writes no routing columns
    /// by default and writes them empty when `[output] columns` names them.
    pub fn new(rules: &'a Rules, batch: &'a Batch, memory: Option<&Memory>) -> io::Result<RowPlan<'a>> {
        let (delimiter, excel_safe) = (rules.output.delimiter, rules.output.excel_safe);
        let routed = memory.is_some();
        // Names are encoded once.
        let names = |list: Vec<String>| {
            list.into_iter().map(|n| encoded(&n, delimiter, excel_safe)).collect::<io::Result<Vec<_>>>()
        };
        let stages = names((0..=rules.stages.len()).map(|i| rules.stage_name(i).to_string()).collect())?;
        // The rules' teams and reps, then those only the ledger names (leads assigned before).
        let extra = |f: fn(&Memory) -> &Vec<String>| memory.map_or(Vec::new(), |m| f(m).clone());
        let teams = names(rules.teams.iter().map(|t| t.name.clone()).chain(extra(|m| &m.extra_teams)).collect())?;
        let reps = names(rules.reps.iter().map(|r| r.name.clone()).chain(extra(|m| &m.extra_reps)).collect())?;
        let grades = match &rules.grades {
            Some(g) => {
                let by_fit = g
                    .fit
                    .iter()
                    .map(|f| names(g.engagement.iter().map(|e| format!("{}{}", f.grade, e.grade)).collect()));
                Some((g, by_fit.collect::<io::Result<Vec<_>>>()?))
            }
            None => None,
        };
        let mut fields = Vec::new();
        let mut header = Vec::new();
        let mut hw = writer(&mut header, delimiter);
        let cells = match &rules.output.columns {
            None => {
                for h in &batch.header {
                    hw.write_field(safe_cell(h.as_bytes(), excel_safe)).map_err(csv_err)?;
                }
                for c in appended_columns(rules, routed) {
                    let name = format!("{}{c}", rules.output.prefix);
                    hw.write_field(safe_cell(name.as_bytes(), excel_safe)).map_err(csv_err)?;
                }
                None
            }
            Some(columns) => {
                let mut cells = Vec::with_capacity(columns.len());
                for (k, c) in columns.iter().enumerate() {
                    let input = batch.plan.output_cols.get(k).copied().filter(|&i| i != NOT_INPUT);
                    let head = match (&c.header, input) {
                        (Some(h), _) => h.as_str(),
                        (None, Some(i)) => batch.header[i].as_str(),
                        (None, None) => "",
                    };
                    hw.write_field(safe_cell(head.as_bytes(), excel_safe)).map_err(csv_err)?;
                    cells.push(match &c.column {
                        Column::Input(_) => Cell::Input(input.unwrap_or(0), 0),
                        Column::Own(own) if own.routing() && !routed => Cell::Empty,
                        Column::Own(own) => match own {
                            Own::Score => Cell::Score,
                            Own::Fit => Cell::Fit,
                            Own::Engagement => Cell::Engagement,
                            Own::Stage => Cell::Stage,
                            Own::Grade => Cell::Grade,
                            Own::Team => Cell::Team,
                            Own::Rep => Cell::Rep,
                            Own::Reason => Cell::Reason,
                            Own::Line => Cell::Line,
                            Own::AssignedAt => Cell::AssignedAt,
                            Own::RepField(key) => {
                                let values = rules.reps.iter().map(|r| r.field(key).unwrap_or("").to_string());
                                // Reps only the ledger names have no fields.
                                let values = values.chain(extra(|m| &m.extra_reps).into_iter().map(|_| String::new()));
                                fields.push(names(values.collect())?);
                                Cell::RepField(fields.len() - 1)
                            }
                        },
                    });
                }
                Some(cells)
            }
        };
        hw.write_record(None::<&[u8]>).map_err(csv_err)?;
        hw.flush()?;
        drop(hw);
        let wants = |f: fn(&Cell) -> bool| cells.as_ref().is_some_and(|c| c.iter().any(f));
        let lines = if wants(|c| matches!(c, Cell::Line)) { lines_by_index(batch) } else { Vec::new() };
        let mut cells = cells;
        let mut needed: Vec<usize> =
            cells.iter().flatten().filter_map(|c| if let Cell::Input(i, _) = c { Some(*i) } else { None }).collect();
        needed.sort_unstable();
        needed.dedup();
        for c in cells.iter_mut().flatten() {
            if let Cell::Input(i, k) = c {
                *k = needed.partition_point(|&n| n < *i);
            }
        }
        Ok(RowPlan {
            batch,
            delimiter,
            excel_safe,
            decimal: rules.output.decimal,
            needed,
            cells,
            enc: Encoded { stages, teams, reps, grades, fields },
            lines,
            raw_ok: batch.delimiter == delimiter,
            header,
        })
    }

    /// The header line, as written.
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// Appends one lead's row; `at` is its `@assigned_at` (unix seconds).
    pub fn row(
        &self,
        line: &mut Vec<u8>,
        rr: &mut RecordReader,
        scratch: &mut Vec<u8>,
        lead: &Lead,
        a: Option<&Assignment>,
        at: Option<i64>,
    ) -> io::Result<()> {
        match &self.cells {
            None => format_row(
                line,
                rr,
                scratch,
                self.batch,
                self.batch.input.text.as_bytes(),
                self.raw_ok,
                self.delimiter,
                self.excel_safe,
                self.decimal,
                lead,
                a,
                &self.enc,
            ),
            Some(cells) => {
                self.chosen_row(line, rr, cells, lead, a, at);
                Ok(())
            }
        }
    }

    /// A row of `[output] columns`: only the chosen cells are read and written.
    fn chosen_row(
        &self,
        line: &mut Vec<u8>,
        rr: &mut RecordReader,
        cells: &[Cell],
        lead: &Lead,
        a: Option<&Assignment>,
        at: Option<i64>,
    ) {
        let start = line.len();
        // The input cells: from a plain line (no quote) split only as far as
        // the last cell needed; else from the record as csv-core reads it.
        let text = self.batch.input.text.as_bytes();
        let mut spans = [(0usize, 0usize); PLAIN_CELLS];
        let mut plain = None;
        let mut rec = None;
        if !self.needed.is_empty() {
            plain = plain_cells(text, lead.offset, self.batch.delimiter, &self.needed, &mut spans);
            if plain.is_none() {
                rec = rr.read(&self.batch.input.text, lead.offset);
            }
        }
        let enc = &self.enc;
        for (k, cell) in cells.iter().enumerate() {
            if k > 0 {
                line.push(self.delimiter);
            }
            match *cell {
                Cell::Input(i, k) => {
                    let cell = match (plain, &rec) {
                        (Some(raw), _) => &raw[spans[k].0..spans[k].1],
                        (None, Some(rec)) => rec.fields.bytes(i),
                        (None, None) => &[],
                    };
                    push_cell(line, cell, self.delimiter, self.excel_safe);
                }
                Cell::Score => push_number(line, lead.score(), self.decimal),
                Cell::Fit => push_number(line, lead.fit(), self.decimal),
                Cell::Engagement => push_number(line, lead.engagement(), self.decimal),
                Cell::Stage => line.extend_from_slice(&enc.stages[lead.stage as usize]),
                Cell::Grade => {
                    if let Some((bands, grades)) = &enc.grades {
                        let (f, e) = bands.bands(lead.fit(), lead.engagement());
                        line.extend_from_slice(&grades[f][e]);
                    }
                }
                Cell::Team => {
                    if let Some(t) = a.and_then(Assignment::team) {
                        line.extend_from_slice(&enc.teams[t]);
                    }
                }
                Cell::Rep => {
                    if let Some(r) = a.and_then(Assignment::rep) {
                        line.extend_from_slice(&enc.reps[r]);
                    }
                }
                Cell::Reason => {
                    if let Some(a) = a {
                        line.extend_from_slice(a.reason.as_str().as_bytes());
                    }
                }
                Cell::Line => {
                    let _ = write!(line, "{}", self.lines.get(lead.index as usize).copied().unwrap_or(0));
                }
                Cell::RepField(f) => {
                    if let Some(r) = a.and_then(Assignment::rep) {
                        line.extend_from_slice(&enc.fields[f][r]);
                    }
                }
                Cell::AssignedAt => {
                    if let Some(s) = at.and_then(|s| jiff::Timestamp::from_second(s).ok()) {
                        let _ = write!(line, "{}", s.strftime("%Y-%m-%dT%H:%M:%SZ"));
                    }
                }
                Cell::Empty => {}
            }
        }
        // A row of one empty field is written `""`: an empty line would be no row.
        if line.len() == start {
            line.extend_from_slice(b"\"\"");
        }
        line.push(b'\n');
    }
}

/// The most input cells a row reads from a plain line; more go through csv-core.
const PLAIN_CELLS: usize = 16;

/// The record at `start` when it is one line without quotes: its bytes,
/// with `spans` set to where each of the `needed` columns (ascending) lies
/// in them. The line is split only up to the last column needed. None when
/// the record has a quote (csv-core must read it), too many columns are
/// needed, or it has fewer fields.
fn plain_cells<'t>(
    text: &'t [u8],
    start: usize,
    delimiter: u8,
    needed: &[usize],
    spans: &mut [(usize, usize); PLAIN_CELLS],
) -> Option<&'t [u8]> {
    if needed.len() > PLAIN_CELLS {
        return None;
    }
    let rest = &text[start..];
    let end = match memchr::memchr3(b'"', b'\n', b'\r', rest) {
        Some(i) if rest[i] == b'"' => return None,
        Some(i) => i,
        None => rest.len(),
    };
    let raw = &rest[..end];
    let (mut field, mut from, mut next) = (0, 0, 0);
    for d in memchr::memchr_iter(delimiter, raw).chain(std::iter::once(raw.len())) {
        if field == needed[next] {
            spans[next] = (from, d);
            next += 1;
            if next == needed.len() {
                return Some(raw);
            }
        }
        field += 1;
        from = d + 1;
    }
    None
}

/// A number as the CSV writes it: exact, with the output's decimal separator.
fn push_number(line: &mut Vec<u8>, v: Cents, decimal: u8) {
    let start = line.len();
    v.push_to(line);
    if decimal != b'.'
        && let Some(dot) = line[start..].iter().position(|&b| b == b'.')
    {
        line[start + dot] = decimal;
    }
}

/// An input cell as written: quoted where needed (it holds the delimiter,
/// a quote, CR or LF), with `excel_safe` a `'` before a formula-like cell.
fn push_cell(line: &mut Vec<u8>, cell: &[u8], delimiter: u8, excel_safe: bool) {
    let guard = excel_safe && formula_like(cell);
    if !cell.iter().any(|&b| b == delimiter || b == b'"' || b == b'\n' || b == b'\r') {
        if guard {
            line.push(b'\'');
        }
        line.extend_from_slice(cell);
        return;
    }
    line.push(b'"');
    if guard {
        line.push(b'\'');
    }
    for &b in cell {
        if b == b'"' {
            line.push(b'"');
        }
        line.push(b);
    }
    line.push(b'"');
}

/// Each lead's physical line in the export, by `Lead::index` (one pass over
/// the text, in input order).
fn lines_by_index(batch: &Batch) -> Vec<usize> {
    let mut offsets = vec![0usize; batch.leads.len()];
    for l in &batch.leads {
        if let Some(o) = offsets.get_mut(l.index as usize) {
            *o = l.offset;
        }
    }
    let mut lc = LineCounter::default();
    let text = batch.input.text.as_bytes();
    offsets.into_iter().map(|o| lc.line_at(text, o)).collect()
}

/// Writes the scored (and, with `routed`, routed) leads in their current
/// order; with `routed`, only those `[output] rows` takes.
///
/// A record without quotes, read with the output's delimiter, is copied as it
/// is (its fields hold no delimiter, quote or line end, so it needs no
/// quoting); other records are re-read and written field by field.
pub fn write_leads(
    out: &mut (dyn Write + Send),
    rules: &Rules,
    batch: &Batch,
    routed: Option<&Routed>,
) -> io::Result<()> {
    let assignments = routed.map(|r| r.assignments.as_slice());
    let plan = RowPlan::new(rules, batch, routed.map(|r| &r.memory))?;
    if rules.output.bom {
        out.write_all(BOM)?;
    }
    out.write_all(plan.header())?;
    let rows = rules.output.rows;
    let text = batch.input.text.as_bytes();
    // Rows are formatted in parallel, a block at a time, and written in order
    // while the next block is being formatted.
    const BLOCK: usize = 1 << 13;
    let parts = rayon::current_num_threads().max(1);
    let format_block = |b: usize, block: &[Lead]| -> io::Result<Vec<Vec<u8>>> {
        let size = block.len().div_ceil(parts).max(1);
        block
            .par_chunks(size)
            .enumerate()
            .map(|(k, leads)| {
                let first = b * BLOCK * parts + k * size;
                let mut buf = Vec::with_capacity(leads.len() * 256);
                let mut rr = RecordReader::new(batch.delimiter);
                let mut scratch = Vec::new();
                for (n, lead) in leads.iter().enumerate() {
                    // Rows are visited in rank order, all over the text: ask for
                    // a row a little ahead so that its memory is there in time.
                    if let Some(ahead) = leads.get(n + PREFETCH_AHEAD) {
                        prefetch(&text[ahead.offset..]);
                    }
                    let a = assignments.map(|a| &a[first + n]);
                    let (a, at) = match (routed, a) {
                        (Some(r), Some(a)) if !r.writes(rows, lead, a) => continue,
                        (Some(r), Some(a)) => (Some(a), r.assigned_at(lead, a)),
                        _ => (None, None),
                    };
                    plan.row(&mut buf, &mut rr, &mut scratch, lead, a, at)?;
                }
                Ok(buf)
            })
            .collect()
    };
    let write_all = |out: &mut (dyn Write + Send), bufs: Vec<Vec<u8>>| -> io::Result<()> {
        bufs.iter().try_for_each(|b| out.write_all(b))
    };
    let mut pending: Vec<Vec<u8>> = Vec::new();
    for (b, block) in batch.leads.chunks(BLOCK * parts).enumerate() {
        let done = std::mem::take(&mut pending);
        let (formatted, written) = rayon::join(|| format_block(b, block), || write_all(out, done));
        written?;
        pending = formatted?;
    }
    write_all(out, pending)?;
    out.flush()
}

/// The rejects file: `line,error` then the input header; each malformed row's
/// line number, message and raw fields. Written even when nothing was rejected.
pub fn write_rejects(out: &mut (dyn Write + Send), rules: &Rules, batch: &Batch) -> io::Result<()> {
    let excel_safe = rules.output.excel_safe;
    if rules.output.bom {
        out.write_all(BOM)?;
    }
    let mut w = writer(out, rules.output.delimiter);
    w.write_field("line").map_err(csv_err)?;
    w.write_field("error").map_err(csv_err)?;
    for h in &batch.header {
        w.write_field(safe_cell(h.as_bytes(), excel_safe)).map_err(csv_err)?;
    }
    w.write_record(None::<&[u8]>).map_err(csv_err)?;
    for r in &batch.rejects {
        w.write_field(r.line.to_string()).map_err(csv_err)?;
        w.write_field(safe_cell(r.error.as_bytes(), excel_safe)).map_err(csv_err)?;
        for f in &r.fields {
            w.write_field(safe_cell(f, excel_safe)).map_err(csv_err)?;
        }
        w.write_record(None::<&[u8]>).map_err(csv_err)?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// A plain line split up to the columns needed gives the cells
        /// csv-core reads; a record with a quote is left to csv-core.
        #[test]
        fn plain_cells_are_the_records_cells(text in "[ab,;\"\n\r é]{0,60}", cols in proptest::collection::btree_set(0usize..5, 1..4)) {
            let needed: Vec<usize> = cols.into_iter().collect();
            let mut rr = RecordReader::new(b',');
            let mut pos = 0;
            while let Some(rec) = rr.read(&text, pos) {
                pos = rec.end;
                let mut spans = [(0, 0); PLAIN_CELLS];
                let fields: Vec<Vec<u8>> = rec.fields.iter().map(<[u8]>::to_vec).collect();
                match plain_cells(text.as_bytes(), rec.start, b',', &needed, &mut spans) {
                    Some(raw) => {
                        for (k, &c) in needed.iter().enumerate() {
                            proptest::prop_assert_eq!(&raw[spans[k].0..spans[k].1], &fields[c][..]);
                        }
                    }
                    None => proptest::prop_assert!(
                        text.as_bytes()[rec.start..rec.end].contains(&b'"') || fields.len() <= needed[needed.len() - 1]
                    ),
                }
            }
        }
    }
}
