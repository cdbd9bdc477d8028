//! `leadroute explain --id ID`: one lead's story, from the full batch run.

use crate::analyst::explain::OutputRow;
use crate::cli::ExplainArgs;
use crate::config::Config;
use crate::engine::batch::{Batch, Lead};
use crate::engine::input::RecordReader;
use crate::engine::plan::Mode;
use crate::engine::route::{self, Assignment, Memory};
use crate::error::{Error, Exit};
use crate::output::render::csv::RowPlan;
use crate::rules::{Rows, Rules};

pub fn run(args: &ExplainArgs) -> anyhow::Result<Exit> {
    let cfg = Config::from_common(&args.common, true)?;
    let rules = &cfg.rules;
    let id = args.id.trim();
    if id.is_empty() {
        return Err(Error::usage("--id: give the id of the lead to explain (ids are compared trimmed)").into());
    }
    if args.ledger.is_some() && rules.input.id_is_line() {
        return Err(super::line_ids_with_ledger(&args.common.rules).into());
    }
    let mode = if rules.teams.is_empty() { Mode::Score } else { Mode::Assign };
    let opened = crate::engine::batch::open(rules, &args.leads, mode, cfg.as_of)?;
    let owners = crate::engine::owners::load_for(args.owners.as_deref(), rules)?;
    let mut batch = opened.process(rules, &cfg.decoration.progress_bar(0));
    crate::engine::rank::rank(&mut batch.leads);
    let hits = crate::analyst::explain::find(&batch, id);
    if hits.is_empty() {
        return Err(unknown_id(&batch, id).into());
    }
    let memory = memory_of(args.ledger.as_deref(), rules, &batch, cfg.as_of, cfg.clock)?;
    let mut e = crate::analyst::explain::explain(rules, &batch, &hits, &owners, &memory);
    if rules.output.columns.is_some() || rules.output.rows != Rows::All {
        e.output = Some(output_row(rules, &batch, &batch.leads[hits[0].0], &memory, e.assignment.as_ref())?);
    }
    let width = (!args.wide).then_some(crate::output::render::terminal::EXPLAIN_WIDTH);
    let report = crate::output::render::terminal::explanation(&e, cfg.decoration.stdout_plain, width);
    crate::output::write_report(&report)?;
    Ok(Exit::Success)
}

/// The lead's row as the assignment CSV writes it (docs/reference.md §7.5):
/// `assign`'s with teams, else `score`'s.
fn output_row(
    rules: &Rules,
    batch: &Batch,
    lead: &Lead,
    memory: &Memory,
    a: Option<&Assignment>,
) -> Result<OutputRow, Error> {
    let failed = |e: std::io::Error| Error::output(format!("cannot write the lead's output row: {e}"));
    let plan = RowPlan::new(rules, batch, a.map(|_| memory)).map_err(failed)?;
    let at = a.and_then(|a| route::assigned_at(memory, lead, a));
    let mut row = Vec::new();
    plan.row(&mut row, &mut RecordReader::new(batch.delimiter), &mut Vec::new(), lead, a, at).map_err(failed)?;
    let text = |b: &[u8]| String::from_utf8_lossy(b.strip_suffix(b"\n").unwrap_or(b)).into_owned();
    Ok(OutputRow {
        rows: rules.output.rows.as_str(),
        header: text(plan.header()),
        row: text(&row),
        written: a.is_none_or(|a| route::writes(rules.output.rows, memory, lead, a)),
    })
}

/// No well-formed row has that id (exit 1): the closest ids, or under
/// `[input] id = "@line"` the lines rows start on.
fn unknown_id(batch: &Batch, id: &str) -> Error {
    let name = &batch.input.name;
    let Some(col) = batch.plan.id_col else {
        let span = match crate::analyst::explain::line_span(batch) {
            Some((first, last)) => format!("; well-formed rows start on lines {first} to {last}"),
            None => "; the export has no well-formed row".to_string(),
        };
        return Error::input(format!(
            "{name}: no well-formed row starts on line '{id}' (the id is the line number: [input] id = \"@line\"){span}"
        ));
    };
    let close = crate::analyst::explain::close_ids(batch, id);
    let hint = if close.is_empty() { String::new() } else { format!("; close ids: {}", close.join(", ")) };
    Error::input(format!("{name}: no well-formed row has id '{id}' in column '{}'{hint}", batch.header[col]))
}

/// What a reader of `--ledger` routes with: a snapshot of the ledger (never
/// written), or this run alone without one.
fn memory_of(
    ledger: Option<&str>,
    rules: &Rules,
    batch: &Batch,
    as_of: i32,
    clock: jiff::Timestamp,
) -> Result<Memory, Error> {
    match ledger {
        Some(path) => {
            let l = crate::ledger::Ledger::open_for_run(path)?;
            crate::ledger::read_memory(l.as_ref(), rules, batch, as_of, clock)
        }
        None => Ok(Memory::none(rules, as_of, clock)),
    }
}
