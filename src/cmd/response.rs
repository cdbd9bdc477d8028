//! `leadroute response` (docs/reference.md §11.6): speed to lead on the user's own data,
//! from a snapshot of the ledger (never written) and an export with
//! `[input] touched`, optionally with its outcome.

use crate::cli::ResponseArgs;
use crate::config::Config;
use crate::engine::plan::Mode;
use crate::error::{Error, Exit};
use crate::output::{self, Outputs};

pub fn run(args: &ResponseArgs) -> anyhow::Result<Exit> {
    let common = &args.common;
    let mut inputs = vec![("the lead export", args.leads.as_str()), ("the rules file", common.rules.as_str())];
    inputs.push(("--ledger", args.ledger.as_str()));
    inputs.extend(args.outcome_options.outcomes.as_deref().map(|p| ("--outcomes", p)));
    output::check_paths(
        &inputs,
        &[("--summary-json", args.summary_json.as_deref()), ("--report", args.report.as_deref())],
    )?;
    let since = args
        .since
        .as_deref()
        .map(|s| {
            crate::support::date::parse_as_of(s).ok_or_else(|| {
                Error::usage(format!("--since '{s}': expected a real date as YYYY-MM-DD, e.g. --since 2026-10-01"))
            })
        })
        .transpose()?;
    let cfg = Config::from_common(common, args.quiet)?;
    let rules = &cfg.rules;
    if rules.input.touched.is_none() {
        return Err(Error::Rules(format!(
            "{}: `response` needs [input] touched: the export's column of when a lead was first worked (e.g. \
             touched = \"First Contacted\")",
            common.rules
        ))
        .into());
    }
    if rules.input.id_is_line() {
        return Err(super::line_ids_with_ledger(&common.rules).into());
    }
    let mut opened = crate::engine::batch::open(rules, &args.leads, Mode::Score, cfg.as_of)?;
    if let Some(column) = &args.outcome {
        opened = crate::engine::batch::with_outcome_options(
            opened,
            column,
            args.outcome_options.converted.as_ref(),
            args.outcome_options.outcomes.as_deref(),
        )?;
    }
    let ledger = crate::ledger::Ledger::open_for_reading(&args.ledger)?;
    if ledger.is_none() {
        return Err(Error::input(format!(
            "{}: no such ledger (or one with no runs): give the ledger your `assign --ledger` runs write",
            crate::ledger::shown(&args.ledger)
        ))
        .into());
    }

    // The outputs are created before the work: an unwritable folder fails at once.
    let mut outputs = Outputs::new(false);
    let json = args.summary_json.as_deref().map(|p| outputs.create(p.as_ref())).transpose()?;
    let html = args.report.as_deref().map(|p| outputs.create(p.as_ref())).transpose()?;
    let bar = cfg.decoration.progress_bar(opened.input.text.len() as u64);
    let batch = opened.process(rules, &bar);
    bar.finish_and_clear();
    let memory = crate::ledger::read_memory(ledger.as_ref(), rules, &batch, cfg.as_of, cfg.clock)?;
    let since = since.unwrap_or(cfg.as_of - (rules.balance_days as i32 - 1));
    let report = crate::analyst::response::report(rules, &batch, &memory, since, args.outcome.is_some());

    if let Some(i) = json {
        let j = output::render::json_text(&report)?;
        outputs.write(i, |w| w.write_all(j.as_bytes()))?;
    }
    if let Some(i) = html {
        let rules_label = super::rules_label(&common.rules, &common.set);
        let head = output::render::html::Head {
            command: "response",
            export: &batch.input.name,
            rules: &rules_label,
            as_of: report.as_of.clone(),
        };
        let page = output::render::html::response(&head, &report, args.outcome.as_deref());
        outputs.write(i, |w| w.write_all(page.as_bytes()))?;
    }
    // The report comes before the commit: one that cannot be printed fails
    // the command with nothing written.
    let text = output::render::terminal::response(&report, args.outcome.as_deref(), cfg.decoration.stdout_plain);
    output::write_report(&text)?;
    outputs.commit()?;
    let mut problems: Vec<String> = batch
        .warnings
        .iter()
        .map(|w| {
            format!(
                "{}: {} values in column '{}' could not be read (first at line {}: '{}')",
                batch.input.name, w.count, w.column, w.first_line, w.first_value
            )
        })
        .collect();
    if report.leads == 0 {
        problems.push(format!(
            "no lead of {} has an assignment in the ledger since {}: nothing to measure (check --since, and that the \
             export holds the leads the ledger's runs routed)",
            batch.input.name, report.since
        ));
    }
    Ok(super::epilogue(&problems, batch.rejects.len()))
}
