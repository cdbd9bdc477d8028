//! `leadroute assign`: score, stage and sort and route; the nightly job.

use std::time::Duration;

use crate::cli::AssignArgs;
use crate::engine::plan::Mode;
use crate::engine::route::Memory;
use crate::engine::{owners, route};
use crate::error::Exit;
use crate::ledger::{Ledger, read_memory};

/// The ledger of a run: written, or (`--dry-run`) read; `None` inside `Read`
/// is a ledger file that does not exist yet.
pub enum RunLedger {
    Write(Ledger),
    Read(Option<Ledger>, String),
}

pub fn run(args: &AssignArgs) -> anyhow::Result<Exit> {
    // The ledger and the files SQLite and leadroute keep beside it.
    let beside: Vec<String> =
        args.ledger.ledger.iter().flat_map(|l| crate::ledger::BESIDE.map(|s| format!("{l}{s}"))).collect();
    let mut inputs = vec![("--owners", args.owners.as_deref()), ("--ledger", args.ledger.ledger.as_deref())];
    inputs.extend(beside.iter().map(|p| ("a file of the ledger", Some(p.as_str()))));
    let sources = super::Sources {
        leads: &args.leads,
        inputs: &inputs,
        outcome: None,
        converted: None,
        outcomes: None,
        report: None,
        ledger: args.ledger.ledger.is_some(),
    };
    let opening = super::open(&args.common, &args.out, sources, Mode::Assign)?;
    // After the columns and the prefix check, before any output is created.
    let rules = &opening.cfg.rules;
    let file = owners::read_for(args.owners.as_deref(), rules)?;
    let owners = file.as_ref().map(|f| f.keyed(rules.input.account_match)).unwrap_or_default();
    let unknown = file.as_ref().and_then(|f| f.unknown_reps(&rules.reps));
    // A file that is not a ledger fails here, before the work.
    let mut ledger = match (&args.ledger.ledger, args.ledger.dry_run) {
        (Some(p), false) => Some(RunLedger::Write(Ledger::open_for_writing(p, Duration::from_secs(args.ledger.wait))?)),
        (Some(p), true) => Some(RunLedger::Read(Ledger::open_for_reading(p)?, p.clone())),
        (None, _) => None,
    };
    let (run, batch) = opening.score()?;
    let (rules, as_of) = (&run.cfg.rules, run.cfg.as_of);
    // The write lock is held from here until the run is recorded.
    let memory = match &mut ledger {
        Some(RunLedger::Write(l)) => {
            l.lock()?;
            l.settle_rosters(rules)?;
            read_memory(Some(l), rules, &batch, as_of)?
        }
        Some(RunLedger::Read(l, _)) => read_memory(l.as_ref(), rules, &batch, as_of)?,
        None => Memory::none(rules, as_of),
    };
    let routed = route::route_all(rules, &batch, &owners, memory);
    run.finish(&batch, Some(&routed), args.owners.as_deref().map(|p| (p, unknown)), ledger)
}
