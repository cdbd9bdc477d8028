//! `leadroute learn`: points from the data (docs/reference.md §8.3). Reads the export
//! with its outcome, learns points, caps and thresholds (`crate::analyst::learn`),
//! writes RULES with those values changed, and prints the report.

use crate::analyst::learn::{self, Options};
use crate::cli::LearnArgs;
use crate::config::Config;
use crate::error::{Error, Exit};
use crate::output::{self, Outputs, Target};

pub fn run(args: &LearnArgs) -> anyhow::Result<Exit> {
    let common = &args.common;
    let inputs = super::outcome_inputs(&args.leads, &common.rules, &args.outcome_options);
    output::check_paths(
        &inputs,
        &[
            ("-o", args.output.as_deref()),
            ("--summary-json", args.summary_json.as_deref()),
            ("--report", args.report.as_deref()),
        ],
    )?;
    let cfg = Config::from_common(common, args.quiet)?;
    // The rules loaded: their text is readable UTF-8.
    let text = std::fs::read_to_string(&common.rules)
        .map_err(|e| Error::Rules(format!("{}: cannot read the rules file: {e}", common.rules)))?;
    let opened = super::open_with_outcome(&cfg.rules, &args.leads, cfg.as_of, &args.outcome, &args.outcome_options)?;

    // The output is created before the work: an unwritable folder fails at once.
    let mut outputs = Outputs::new(false);
    let file = match Target::from_arg(args.output.as_deref()) {
        Target::File(p) => Some(outputs.create(&p)?),
        Target::Stdout => None,
    };
    let json_out = args.summary_json.as_deref().map(|p| outputs.create(p.as_ref())).transpose()?;
    let html_out = args.report.as_deref().map(|p| outputs.create(p.as_ref())).transpose()?;
    let bar = cfg.decoration.progress_bar(opened.input.text.len() as u64);
    let batch = opened.process(&cfg.rules, &bar);
    bar.finish_and_clear();

    let name = batch.input.name.clone();
    let converted =
        batch.leads.iter().filter(|l| batch.outcomes.get(l.index as usize).copied().unwrap_or(false)).count();
    if batch.leads.is_empty() {
        return Err(Error::input(format!(
            "{name}: the export has no well-formed rows: there is nothing to learn from"
        ))
        .into());
    }
    if converted == 0 || converted == batch.leads.len() {
        let why = crate::analyst::calibrate::calibrate(&cfg.rules, &batch, &args.outcome).warning.unwrap_or_default();
        return Err(Error::input(format!("{name}: {why}; learn needs converted and other leads")).into());
    }
    let opts = Options { folds: args.folds, seed: args.seed };
    let learned = learn::learn(&cfg.rules, &batch, &opts).map_err(|e| Error::input(format!("{name}: {e}")))?;
    let toml = learn::rewrite::rewrite(&text, &common.set, &learned.edits)
        .map_err(|e| Error::Rules(format!("{}: {e}", common.rules)))?;

    match file {
        Some(i) => outputs.write(i, |w| w.write_all(toml.as_bytes()))?,
        None => output::write_csv_stdout(|w| w.write_all(toml.as_bytes()))?,
    }
    if let Some(i) = json_out {
        let j = output::render::json_text(&learn::report::json(&learned, &name, &common.rules, args.seed))?;
        outputs.write(i, |w| w.write_all(j.as_bytes()))?;
    }
    if let Some(i) = html_out {
        let rules = super::rules_label(&common.rules, &common.set);
        let head = output::render::html::Head {
            command: "learn",
            export: &name,
            rules: &rules,
            as_of: crate::support::date::format_day(cfg.as_of),
        };
        let page = output::render::html::learned(&head, &learned, args.seed);
        outputs.write(i, |w| w.write_all(page.as_bytes()))?;
    }
    // The report comes before the commit: one that cannot be printed fails
    // the run with nothing written. Standard error when the rules went to
    // standard output.
    let plain = if file.is_some() { cfg.decoration.stdout_plain } else { cfg.decoration.stderr_plain };
    let report = learn::report::render(&learned, &name, &common.rules, args.seed, plain);
    match file {
        Some(_) => output::write_report(&report)?,
        None => output::write_stderr(&report)?,
    }
    outputs.commit()?;

    let mut problems = output::render::warnings::problems(&cfg.rules, &batch, None, None, None);
    let rules = super::rules_label(&common.rules, &common.set);
    problems.extend(learned.stages.iter().filter(|s| s.off()).map(|s| {
        format!(
            "stage '{}' holds {} leads (at or above it) under the learned file, {} under {}: more than 1% (or 5 \
             leads) apart; compare the two before adopting it",
            s.name, s.leads_new, s.leads_old, rules
        )
    }));
    Ok(super::epilogue(&problems, batch.rejects.len()))
}
