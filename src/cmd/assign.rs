//! `leadroute assign`: score, stage and sort and route; the nightly job.

use crate::cli::AssignArgs;
use crate::error::Exit;
use crate::plan::Mode;
use crate::{owners, route};

pub fn run(args: &AssignArgs) -> anyhow::Result<Exit> {
    let inputs = [("--owners", args.owners.as_deref())];
    let sources = super::Sources { leads: &args.leads, inputs: &inputs, outcome: None };
    let opening = super::open(&args.common, &args.out, sources, Mode::Assign)?;
    // After the columns and the prefix check, before any output is created.
    let owners = owners::load_for(args.owners.as_deref(), &opening.cfg.rules)?;
    let (run, batch) = opening.score()?;
    let routed = route::route_all(&run.cfg.rules, &batch, &owners);
    run.finish(&batch, Some(&routed))
}
