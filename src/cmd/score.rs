//! `leadroute score`: score, stage and sort only (no routing).

use crate::cli::ScoreArgs;
use crate::plan::Mode;

pub fn run(args: &ScoreArgs) -> anyhow::Result<u8> {
    super::run_batch(
        &args.common,
        super::Job {
            name: "score",
            mode: Mode::Score,
            leads: &args.leads,
            inputs: &[],
            out: &args.out,
            outcome: args.outcome.as_deref(),
            prepare: &mut |_, _| Ok(()),
            route: &mut |_, _| None,
        },
    )
}
