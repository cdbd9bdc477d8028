//! `leadroute explain --id ID`: one lead's story, from the full batch run.

use crate::cli::ExplainArgs;
use crate::config::Config;
use crate::error::{Error, Exit};
use crate::plan::Mode;

pub fn run(args: &ExplainArgs) -> anyhow::Result<Exit> {
    let cfg = Config::from_common(&args.common, true)?;
    let rules = &cfg.rules;
    let id = args.id.trim();
    if id.is_empty() {
        return Err(Error::usage("--id: give the id of the lead to explain (ids are compared trimmed)").into());
    }
    let mode = if rules.teams.is_empty() { Mode::Score } else { Mode::Assign };
    let opened = crate::pipeline::open(rules, &args.leads, mode, cfg.as_of)?;
    let owners = crate::owners::load_for(args.owners.as_deref(), rules)?;
    let mut batch = opened.process(rules, &cfg.decoration.progress_bar(0));
    crate::rank::rank(&mut batch.leads);
    let hits = crate::explain::find(&batch, id);
    if hits.is_empty() {
        let close = crate::explain::close_ids(&batch, id);
        let hint = if close.is_empty() { String::new() } else { format!("; close ids: {}", close.join(", ")) };
        return Err(Error::input(format!(
            "{}: no well-formed row has id '{id}' in column '{}'{hint}",
            batch.input.name, batch.header[batch.plan.id_col]
        ))
        .into());
    }
    let e = crate::explain::explain(rules, &batch, &hits, &owners);
    let report = crate::output::report::explanation(&e, cfg.decoration.stdout_plain);
    crate::output::write_stdout(|w| w.write_all(report.as_bytes()))?;
    Ok(Exit::Success)
}
