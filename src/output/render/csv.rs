//! The assignment CSV and the rejects file. Cells are written exactly as read;
//! a field is quoted only when it holds the delimiter, a quote, CR or LF.

use std::borrow::Cow;
use std::io::{self, Write};

use rayon::prelude::*;

use crate::engine::batch::{Batch, Lead};
use crate::engine::input::RecordReader;
use crate::engine::plan::appended_columns;
use crate::engine::route::{Assignment, Routed};
use crate::rules::{Grades, Rules};

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
        let start = line.len();
        v.push_to(line);
        if decimal != b'.'
            && let Some(dot) = line[start..].iter().position(|&b| b == b'.')
        {
            line[start + dot] = decimal;
        }
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

/// Writes the scored (and, with `assignments`, routed) leads in their current order.
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
    let delimiter = rules.output.delimiter;
    let excel_safe = rules.output.excel_safe;
    let cols = appended_columns(rules, assignments.is_some());
    let prefix = &rules.output.prefix;
    if rules.output.bom {
        out.write_all(BOM)?;
    }
    let mut w = writer(&mut *out, delimiter);
    for h in &batch.header {
        w.write_field(safe_cell(h.as_bytes(), excel_safe)).map_err(csv_err)?;
    }
    for c in &cols {
        w.write_field(safe_cell(format!("{prefix}{c}").as_bytes(), excel_safe)).map_err(csv_err)?;
    }
    w.write_record(None::<&[u8]>).map_err(csv_err)?;
    w.flush()?;
    drop(w);

    // Names are encoded once.
    let names = |list: Vec<String>| {
        list.into_iter().map(|n| encoded(&n, delimiter, excel_safe)).collect::<io::Result<Vec<_>>>()
    };
    let stages = names((0..=rules.stages.len()).map(|i| rules.stage_name(i).to_string()).collect())?;
    // The rules' teams and reps, then those only the ledger names (leads assigned before).
    let extra = |f: fn(&Routed) -> &Vec<String>| routed.map_or(Vec::new(), |r| f(r).clone());
    let teams = names(rules.teams.iter().map(|t| t.name.clone()).chain(extra(|r| &r.memory.extra_teams)).collect())?;
    let reps = names(rules.reps.iter().map(|r| r.name.clone()).chain(extra(|r| &r.memory.extra_reps)).collect())?;
    let grades = match &rules.grades {
        Some(g) => {
            let by_fit =
                g.fit.iter().map(|f| names(g.engagement.iter().map(|e| format!("{}{}", f.grade, e.grade)).collect()));
            Some((g, by_fit.collect::<io::Result<Vec<_>>>()?))
        }
        None => None,
    };

    let text = batch.input.text.as_bytes();
    let raw_ok = batch.delimiter == delimiter;
    let enc = Encoded { stages, teams, reps, grades };
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
                    format_row(
                        &mut buf,
                        &mut rr,
                        &mut scratch,
                        batch,
                        text,
                        raw_ok,
                        delimiter,
                        excel_safe,
                        rules.output.decimal,
                        lead,
                        a,
                        &enc,
                    )?;
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
