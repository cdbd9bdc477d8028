//! `leadroute compare`: the same export under two rule sets, side by side.

use std::path::Path;

use crate::analyst::compare::{self, Side};
use crate::cli::CompareArgs;
use crate::config::{Config, Decoration};
use crate::engine::batch::Batch;
use crate::engine::owners::{Owners, OwnersFile};
use crate::engine::plan::Mode;
use crate::engine::route::{Memory, Routed};
use crate::error::{Error, Exit};
use crate::output::{self, Outputs};
use crate::rules::Rules;

pub fn run(args: &CompareArgs) -> anyhow::Result<Exit> {
    let common = &args.common;
    if args.candidate.is_none() && common.set.is_empty() {
        return Err(Error::usage(
            "compare needs a candidate: --candidate RULES2, or --set KEY=VALUE to change a copy of RULES",
        )
        .into());
    }
    let mut inputs = vec![("the lead export", args.leads.as_str()), ("the rules file", common.rules.as_str())];
    inputs.extend(args.candidate.as_deref().map(|c| ("--candidate", c)));
    inputs.extend(args.owners.as_deref().map(|o| ("--owners", o)));
    inputs.extend(args.outcome_options.outcomes.as_deref().map(|o| ("--outcomes", o)));
    inputs.extend(args.ledger.as_deref().map(|o| ("--ledger", o)));
    output::check_paths(
        &inputs,
        &[("--summary-json", args.summary_json.as_deref()), ("--report", args.report.as_deref())],
    )?;

    // The base is RULES as written; `--set` changes the candidate.
    let base = Config::load(&common.rules, &[], common.as_of.as_deref(), args.quiet)?;
    let cand_path = args.candidate.as_deref().unwrap_or(&common.rules);
    let candidate = crate::rules::load(Path::new(cand_path), &common.set)?;
    if args.ledger.is_some() && (base.rules.input.id_is_line() || candidate.input.id_is_line()) {
        return Err(super::line_ids_with_ledger(cand_path).into());
    }
    let (name, bytes) = crate::engine::input::read_raw(&args.leads, "the lead export")?;
    let owners = match (&args.owners, base.rules.input.account.is_some() || candidate.input.account.is_some()) {
        (Some(path), true) => Some(crate::engine::owners::read(path)?),
        _ => None,
    };
    // One snapshot of the ledger for both sides.
    let ledger = match &args.ledger {
        Some(path) => Some(crate::ledger::Ledger::open_for_reading(path)?),
        None => None,
    };
    let ctx = Context {
        args,
        as_of: base.as_of,
        clock: base.clock,
        owners: owners.as_ref(),
        decoration: &base.decoration,
        ledger: &ledger,
    };
    let (ba, ra) = side(&base.rules, &name, &bytes, &ctx)?;
    let (bb, rb) = side(&candidate, &name, &bytes, &ctx)?;
    drop(bytes);
    if ba.leads.len() != bb.leads.len() {
        return Err(Error::input(format!(
            "{name}: the two rule sets read the export differently ({} and {} well-formed rows): \
             compare needs the same [input] settings (delimiter, encoding)",
            ba.leads.len(),
            bb.leads.len()
        ))
        .into());
    }
    let mut outputs = Outputs::new(false);
    let json_out = args.summary_json.as_deref().map(|p| outputs.create(p.as_ref())).transpose()?;
    let html_out = args.report.as_deref().map(|p| outputs.create(p.as_ref())).transpose()?;
    let cand_label = super::rules_label(cand_path, &common.set);
    let a = Side { label: common.rules.clone(), rules: &base.rules, batch: &ba, routed: ra.as_ref() };
    let b = Side { label: cand_label, rules: &candidate, batch: &bb, routed: rb.as_ref() };
    let mut cmp = compare::compare(&a, &b, args.outcome.is_some());
    // Both files were loaded above: their texts are readable UTF-8.
    let read =
        |p: &str| std::fs::read_to_string(p).map_err(|e| Error::Rules(format!("{p}: cannot read the rules file: {e}")));
    cmp.changes = crate::rules::diff::changes(&read(&common.rules)?, &read(cand_path)?, &common.set)
        .map_err(|e| Error::Rules(format!("{cand_path}: {}", e.message())))?;
    if let Some(i) = json_out {
        let j = output::render::json_text(&cmp)?;
        outputs.write(i, |w| w.write_all(j.as_bytes()))?;
    }
    if let Some(i) = html_out {
        let rules = format!("A {}, B {}", cmp.base_rules, cmp.candidate_rules);
        let head = output::render::html::Head {
            command: "compare",
            export: &name,
            rules: &rules,
            as_of: crate::support::date::format_day(base.as_of),
        };
        let page = output::render::html::comparison(&head, &cmp);
        outputs.write(i, |w| w.write_all(page.as_bytes()))?;
    }
    // The report comes before the commit: one that cannot be printed fails
    // the run with nothing written.
    let report = output::render::terminal::comparison(&cmp, base.decoration.stdout_plain);
    output::write_report(&report)?;
    outputs.commit()?;
    Ok(super::epilogue(&cmp.warnings, ba.rejects.len()))
}

/// One rule set's run over the export: scored, ranked and, when it has teams, routed.
/// What both sides share.
struct Context<'a> {
    args: &'a CompareArgs,
    as_of: i32,
    /// The run's clock (the base rules' zone reads `--as-of`).
    clock: jiff::Timestamp,
    owners: Option<&'a OwnersFile>,
    decoration: &'a Decoration,
    /// `--ledger`: the snapshot (None inside: the file does not exist yet).
    ledger: &'a Option<Option<crate::ledger::Ledger>>,
}

fn side(rules: &Rules, name: &str, bytes: &[u8], ctx: &Context) -> anyhow::Result<(Batch, Option<Routed>)> {
    let (args, as_of, owners, decoration) = (ctx.args, ctx.as_of, ctx.owners, ctx.decoration);
    let mode = if rules.teams.is_empty() { Mode::Score } else { Mode::Assign };
    let mut opened = crate::engine::batch::open_bytes(rules, name.to_string(), bytes.to_vec(), mode, as_of)?;
    if let Some(c) = &args.outcome {
        opened = crate::engine::batch::with_outcome_options(
            opened,
            c,
            args.outcome_options.converted.as_ref(),
            args.outcome_options.outcomes.as_deref(),
        )?;
    }
    let mut batch = opened.process(rules, &decoration.progress_bar(bytes.len() as u64));
    crate::engine::rank::rank(&mut batch.leads);
    // Each side keys the owners' accounts as it keys the export's.
    let owners = match (owners, &rules.input.account) {
        (Some(file), Some(_)) => file.keyed(rules.input.account_match),
        _ => Owners::new(),
    };
    let routed = match mode {
        Mode::Assign => {
            let memory = match ctx.ledger {
                Some(l) => crate::ledger::read_memory(l.as_ref(), rules, &batch, as_of, ctx.clock)?,
                None => Memory::none(rules, as_of, ctx.clock),
            };
            Some(crate::engine::route::route_all(rules, &batch, &owners, memory))
        }
        _ => None,
    };
    Ok((batch, routed))
}
