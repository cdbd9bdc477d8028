//! `leadroute score`: score, stage and sort only (no routing); with
//! `--outcome`, a calibration report.

use std::time::Instant;

use super::{BatchOutputs, Loaded, Sources};
use crate::cli::ScoreArgs;
use crate::engine::plan::Mode;
use crate::error::Exit;
use crate::output::render::summary::Summary;

pub fn run(args: &ScoreArgs) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let sources = Sources {
        leads: &args.leads,
        inputs: &[],
        outcome: args.outcome.as_deref(),
        converted: args.outcome_options.converted.as_ref(),
        outcomes: args.outcome_options.outcomes.as_deref(),
        report: args.report.as_deref(),
        ledger: false,
    };
    let Loaded { cfg, export, rules_label } = super::load(&args.common, &args.out, &sources, Mode::Score)?;
    let rules = &cfg.rules;
    let mut outputs = BatchOutputs::create(&args.out, args.report.as_deref())?;
    let (batch, mut phases) = super::score_and_rank(export, &cfg, started);
    phases.mark("route");
    super::check_strict(args.out.strict, &batch)?;
    outputs.write_rows(rules, &batch, None)?;
    let mut summary = Summary::build("score", rules, &batch, cfg.as_of, None, started.elapsed());
    if let Some(column) = &args.outcome {
        summary.calibration = Some(crate::analyst::calibrate::calibrate(rules, &batch, column));
    }
    outputs.write_summary(&summary, &batch, &rules_label, cfg.as_of)?;
    phases.mark("write");
    outputs.print_summary(&summary, &cfg, args.out.quiet)?;
    outputs.commit()?;
    phases.mark("commit");
    phases.report();
    // Doubtful rules, and a calibration that found no converted lead (or only those).
    let mut problems: Vec<String> =
        crate::rules::lint::lint(rules).into_iter().map(|w| format!("rules: {w}")).collect();
    problems.extend(summary.calibration.and_then(|c| c.warning));
    Ok(super::epilogue(&problems, batch.rejects.len()))
}
