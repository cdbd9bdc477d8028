//! `leadroute assign`: score, stage and sort and route; the nightly job. With
//! `--ledger`, the run is recorded in the ledger, which is committed together
//! with the outputs (both or neither).

use std::time::{Duration, Instant};

use super::{BatchOutputs, Loaded, Sources};
use crate::cli::AssignArgs;
use crate::engine::owners;
use crate::engine::plan::Mode;
use crate::engine::route::{self, Memory};
use crate::error::{Error, Exit};
use crate::ledger::{self, Ledger, RunInfo, read_memory};
use crate::output::InterruptsHeld;
use crate::output::render::{summary, warnings};

/// The ledger of a run: written, or (`--dry-run`) read; `None` inside `Read`
/// is a ledger file that does not exist yet.
enum RunLedger {
    Write(Ledger),
    Read(Option<Ledger>, String),
}

pub fn run(args: &AssignArgs) -> anyhow::Result<Exit> {
    let started = Instant::now();
    // The ledger and the files SQLite and leadroute keep beside it.
    let beside: Vec<String> = args
        .ledger
        .ledger
        .iter()
        .filter(|l| !ledger::is_url(l))
        .flat_map(|l| ledger::BESIDE.map(|s| format!("{l}{s}")))
        .collect();
    let mut inputs = vec![("--owners", args.owners.as_deref()), ("--ledger", args.ledger.ledger.as_deref())];
    inputs.extend(beside.iter().map(|p| ("a file of the ledger", Some(p.as_str()))));
    let sources = Sources {
        leads: &args.leads,
        inputs: &inputs,
        outcome: None,
        converted: None,
        outcomes: None,
        report: None,
        ledger: args.ledger.ledger.is_some(),
    };
    let Loaded { cfg, export, rules_label } = super::load(&args.common, &args.out, &sources, Mode::Assign)?;
    let (rules, as_of) = (&cfg.rules, cfg.as_of);

    // After the columns and the prefix check, before any output is created.
    let file = owners::read_for(args.owners.as_deref(), rules)?;
    let owners = file.as_ref().map(|f| f.keyed(rules.input.account_match)).unwrap_or_default();
    let unknown = file.as_ref().and_then(|f| f.unknown_reps(&rules.reps));
    // A file that is not a ledger fails here, before the work.
    let mut ledger = match (&args.ledger.ledger, args.ledger.dry_run) {
        (Some(p), false) => Some(RunLedger::Write(Ledger::open_for_writing(p, Duration::from_secs(args.ledger.wait))?)),
        (Some(p), true) => Some(RunLedger::Read(Ledger::open_for_run(p)?, p.clone())),
        (None, _) => None,
    };

    let mut outputs = BatchOutputs::create(&args.out, None)?;
    let (batch, mut phases) = super::score_and_rank(export, &cfg, started);
    // The write lock is held from here until the run is recorded.
    let memory = match &mut ledger {
        Some(RunLedger::Write(l)) => {
            l.lock_for_run()?;
            l.settle_rosters(rules)?;
            read_memory(Some(l), rules, &batch, as_of, cfg.clock)?
        }
        Some(RunLedger::Read(l, _)) => read_memory(l.as_ref(), rules, &batch, as_of, cfg.clock)?,
        None => Memory::none(rules, as_of, cfg.clock),
    };
    let routed = route::route_all(rules, &batch, &owners, memory);
    phases.mark("route");

    super::check_strict(args.out.strict, &batch)?;
    if let Some(RunLedger::Write(_)) = &ledger {
        outputs.recorded();
    }
    outputs.write_rows(rules, &batch, Some(&routed))?;
    // The problems to print after the commit (docs/reference.md §7.1).
    let mut warnings = warnings::warnings(rules, &batch, Some(&routed), unknown.as_ref(), args.owners.as_deref());
    // The run's rows go into the ledger's open transaction now; it is
    // committed below, after every output is complete and just before they
    // are renamed into place.
    let recorded = match &ledger {
        Some(RunLedger::Write(l)) => {
            let info = RunInfo {
                started: ledger::started_utc(started.elapsed()),
                as_of: crate::support::date::format_day(as_of),
                input: Ledger::input_path(&args.leads),
                rules_sha256: rules.digest.clone(),
                rows_read: batch.rows_read,
                assigned: 0,
                kind: ledger::kind::ASSIGN,
                assigned_at: Some(cfg.clock),
            };
            let run = l.record(rules, &batch, &routed, info)?;
            // A condition is printed once per as-of date: what earlier runs
            // of the day printed is left out, and what this one prints is
            // recorded with it.
            let printed = l.warned(as_of)?;
            warnings.retain(|w| {
                w.key.as_ref().is_none_or(|(k, subject)| !printed.contains(&(k.as_str().to_string(), subject.clone())))
            });
            l.add_warned(
                run,
                as_of,
                warnings.iter().filter_map(|w| w.key.as_ref()).map(|(k, s)| (k.as_str(), s.as_str())),
            )?;
            Some(run)
        }
        _ => None,
    };
    let mut summary = summary::Summary::build("assign", rules, &batch, as_of, Some(&routed), started.elapsed());
    summary.response = crate::engine::response::summary(rules, &batch, &routed);
    summary.ledger = ledger.as_ref().map(|l| summary::LedgerFigures {
        path: match l {
            RunLedger::Write(l) => l.name.clone(),
            RunLedger::Read(_, p) => ledger::shown(p),
        },
        run: recorded,
        dry_run: matches!(l, RunLedger::Read(..)),
    });
    outputs.write_summary(&summary, &batch, &rules_label, as_of)?;
    phases.mark("write");
    outputs.print_summary(&summary, &cfg, args.out.quiet)?;

    // Interrupts wait from the ledger's commit until the outputs are in
    // place (or, after a failed commit, until the run is removed again).
    let _held = match &mut ledger {
        Some(RunLedger::Write(l)) => {
            let held = InterruptsHeld::hold();
            l.commit()?;
            Some(held)
        }
        _ => None,
    };
    if let Err(e) = outputs.commit() {
        if let (Some(RunLedger::Write(l)), Some(run)) = (&mut ledger, recorded) {
            let undone = match l.remove_run(run) {
                Ok(_) => format!("run {run} was removed from the ledger again"),
                Err(u) => format!(
                    "run {run} is recorded in the ledger but its outputs are not in place: {}; \
                     remove it with `leadroute ledger undo {} --run {run}`",
                    u.message(),
                    l.name
                ),
            };
            return Err(Error::output(format!("{}; {undone}", e.message())).into());
        }
        return Err(e.into());
    }
    // Delivered: a second, small write (docs/reference.md §6.2). A failure
    // here loses nothing: the run is recorded and its outputs are in place;
    // `[output] rows = "new"` writes its leads once more next time.
    // An earlier run recorded but never delivered whose every lead this
    // run's CSV wrote (`assigned_before`) is delivered with it (reference §7.5).
    let delivered = |l: &Ledger, run: i64| -> Result<(), Error> {
        l.mark_delivered(run)?;
        for (earlier, written) in routed.undelivered_written(rules.output.rows, &batch) {
            if l.assignments_in_run(earlier)? == written {
                l.mark_delivered(earlier)?;
            }
        }
        Ok(())
    };
    if let (Some(RunLedger::Write(l)), Some(run)) = (&ledger, recorded)
        && let Err(e) = delivered(l, run)
    {
        let _ = crate::output::write_stderr(&crate::output::warning_lines(&[format!(
            "{}; run {run} is recorded and its outputs are in place, but it is not marked delivered",
            e.message()
        )]));
    }
    phases.mark("commit");
    phases.report();
    let problems: Vec<String> = warnings.into_iter().map(|w| w.text).collect();
    Ok(super::epilogue(&problems, batch.rejects.len()))
}
