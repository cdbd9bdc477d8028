//! `leadroute assign`: score, stage and sort and route; the nightly job.

use crate::cli::AssignArgs;
use crate::error::Exit;
use crate::plan::Mode;
use crate::{owners, route};

pub fn run(args: &AssignArgs) -> anyhow::Result<Exit> {
    let inputs = [("--owners", args.owners.as_deref())];
    let sources =
        super::Sources { leads: &args.leads, inputs: &inputs, outcome: None, converted: None, outcomes: None };
    let opening = super::open(&args.common, &args.out, sources, Mode::Assign)?;
    // After the columns and the prefix check, before any output is created.
    let rules = &opening.cfg.rules;
    let file = owners::read_for(args.owners.as_deref(), rules)?;
    let owners = file.as_ref().map(|f| f.keyed(rules.input.account_match)).unwrap_or_default();
    let unknown = file.as_ref().and_then(|f| f.unknown_reps(&rules.reps));
    let (run, batch) = opening.score()?;
    let routed = route::route_all(&run.cfg.rules, &batch, &owners);
    run.finish(&batch, Some(&routed), args.owners.as_deref().map(|p| (p, unknown)))
}
