//! The assignment CSV and the rejects file. Cells are written exactly as read;
//! a field is quoted only when it holds the delimiter, a quote, CR or LF.

use std::io::{self, Write};

use crate::batch::{Batch, Lead};
use crate::error::Fail;
use crate::num::Cents;
use crate::route::Assignment;
use crate::rules::Rules;

/// The columns leadroute appends, before the prefix.
pub const SCORE_COLUMNS: [&str; 4] = ["score", "fit", "engagement", "stage"];
pub const ASSIGN_COLUMNS: [&str; 7] = ["score", "fit", "engagement", "stage", "team", "rep", "reason"];

fn writer<W: Write>(w: W, delimiter: u8) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .delimiter(delimiter)
        .quote_style(csv::QuoteStyle::Necessary)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w)
}

fn csv_err(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// The prefix clash: an appended column whose prefixed name already is an
/// input column (trimmed, case-insensitively) is a rules error (exit 2).
pub fn check_prefix(rules: &Rules, header: &[String], columns: &[&str], input_name: &str) -> Result<(), Fail> {
    let prefix = &rules.output.prefix;
    for c in columns {
        let name = format!("{prefix}{c}");
        let key = name.trim().to_lowercase();
        if let Some(h) = header.iter().find(|h| h.trim().to_lowercase() == key) {
            return Err(Fail::usage(format!(
                "{input_name}:1: the export already has a column '{h}', and leadroute would append '{name}'; \
                 set a prefix for the appended columns in the rules, e.g. [output] prefix = \"lr_\""
            )));
        }
    }
    Ok(())
}

/// Writes the scored (and, with `assignments`, routed) leads in their current order.
pub fn write_leads(
    out: &mut dyn Write,
    rules: &Rules,
    batch: &Batch,
    assignments: Option<&[Assignment]>,
) -> io::Result<()> {
    let mut w = writer(out, rules.output.delimiter);
    let cols: &[&str] = if assignments.is_some() { &ASSIGN_COLUMNS } else { &SCORE_COLUMNS };
    let prefix = &rules.output.prefix;
    for h in &batch.header {
        w.write_field(h).map_err(csv_err)?;
    }
    for c in cols {
        w.write_field(format!("{prefix}{c}")).map_err(csv_err)?;
    }
    w.write_record(None::<&[u8]>).map_err(csv_err)?;
    let mut n = 0;
    let mut num = String::new();
    batch.for_each_row(|lead: &Lead, fields| {
        for f in fields.iter() {
            w.write_field(f).map_err(csv_err)?;
        }
        for v in [lead.score, lead.fit, lead.engagement] {
            num.clear();
            write_cents(&mut num, v);
            w.write_field(&num).map_err(csv_err)?;
        }
        w.write_field(rules.stage_name(lead.stage as usize)).map_err(csv_err)?;
        if let Some(a) = assignments {
            let a = &a[n];
            w.write_field(a.team.map_or("", |t| rules.teams[t].name.as_str())).map_err(csv_err)?;
            w.write_field(a.rep.map_or("", |r| rules.reps[r].name.as_str())).map_err(csv_err)?;
            w.write_field(a.reason.as_str()).map_err(csv_err)?;
        }
        n += 1;
        w.write_record(None::<&[u8]>).map_err(csv_err)
    })?;
    w.flush()
}

fn write_cents(s: &mut String, c: Cents) {
    use std::fmt::Write as _;
    let _ = write!(s, "{c}");
}

/// The rejects file: `line,error` then the input header; each malformed row's
/// line number, message and raw fields. Written even when nothing was rejected.
pub fn write_rejects(out: &mut dyn Write, rules: &Rules, batch: &Batch) -> io::Result<()> {
    let mut w = writer(out, rules.output.delimiter);
    w.write_field("line").map_err(csv_err)?;
    w.write_field("error").map_err(csv_err)?;
    for h in &batch.header {
        w.write_field(h).map_err(csv_err)?;
    }
    w.write_record(None::<&[u8]>).map_err(csv_err)?;
    for r in &batch.rejects {
        w.write_field(r.line.to_string()).map_err(csv_err)?;
        w.write_field(&r.error).map_err(csv_err)?;
        for f in &r.fields {
            w.write_field(f).map_err(csv_err)?;
        }
        w.write_record(None::<&[u8]>).map_err(csv_err)?;
    }
    w.flush()
}
