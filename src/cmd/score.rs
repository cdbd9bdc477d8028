//! `leadroute score`: score, stage and sort only (no routing); with
//! `--outcome`, a calibration report.

use crate::cli::ScoreArgs;
use crate::engine::plan::Mode;
use crate::error::Exit;

pub fn run(args: &ScoreArgs) -> anyhow::Result<Exit> {
    let sources = super::Sources {
        leads: &args.leads,
        inputs: &[],
        outcome: args.outcome.as_deref(),
        converted: args.outcome_options.converted.as_ref(),
        outcomes: args.outcome_options.outcomes.as_deref(),
        report: args.report.as_deref(),
        ledger: false,
    };
    let (run, batch) = super::open(&args.common, &args.out, sources, Mode::Score)?.score()?;
    run.finish(&batch, None, None, None)
}
