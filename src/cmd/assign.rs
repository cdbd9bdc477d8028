//! `leadroute assign`: score, stage, sort and route; the nightly job.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::cli::AssignArgs;
use crate::plan::Mode;
use crate::route;

pub fn run(args: &AssignArgs) -> anyhow::Result<u8> {
    let owners = RefCell::new(HashMap::new());
    super::run_batch(
        &args.common,
        super::Job {
            name: "assign",
            mode: Mode::Assign,
            leads: &args.leads,
            inputs: &[("--owners", args.owners.as_deref())],
            out: &args.out,
            outcome: None,
            // The owners file is read after the columns and the prefix check;
            // it is ignored when `input.account` is unset.
            prepare: &mut |cfg, _| {
                if let (Some(path), Some(_)) = (&args.owners, &cfg.rules.input.account) {
                    *owners.borrow_mut() = crate::owners::load(path)?;
                }
                Ok(())
            },
            route: &mut |cfg, batch| Some(route::route_all(&cfg.rules, batch, &owners.borrow())),
        },
    )
}
