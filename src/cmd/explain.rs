//! `leadroute explain --id ID`: one lead's story, from the full batch run.

use crate::cli::ExplainArgs;
use crate::config::Config;
use crate::engine::batch::Batch;
use crate::engine::plan::Mode;
use crate::engine::route::Memory;
use crate::error::{Error, Exit};
use crate::rules::Rules;

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
    crate::engine::sla::read_touches(rules, &mut batch);
    crate::engine::rank::rank(&mut batch.leads);
    let hits = crate::analyst::explain::find(&batch, id);
    if hits.is_empty() {
        return Err(unknown_id(&batch, id).into());
    }
    let memory = memory_of(args.ledger.as_deref(), rules, &batch, cfg.as_of, cfg.clock)?;
    let e = crate::analyst::explain::explain(rules, &batch, &hits, &owners, &memory);
    let width = (!args.wide).then_some(crate::output::render::terminal::EXPLAIN_WIDTH);
    let report = crate::output::render::terminal::explanation(&e, cfg.decoration.stdout_plain, width);
    crate::output::write_report(&report)?;
    Ok(Exit::Success)
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
