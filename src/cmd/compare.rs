//! `leadroute compare`: the same export under two rule sets, side by side.

use std::io::IsTerminal;
use std::path::Path;

use crate::analyze::{self, Side};
use crate::cli::CompareArgs;
use crate::error::Fail;
use crate::output::{self, Outputs};
use crate::pipeline::Batch;
use crate::plan::Mode;
use crate::route::Routed;
use crate::rules::{self, Rules};

fn side(
    rules: &Rules,
    name: &str,
    bytes: &[u8],
    args: &CompareArgs,
    as_of: i32,
) -> anyhow::Result<(Batch, Option<Routed>)> {
    let mode = if rules.teams.is_empty() { Mode::Score } else { Mode::Assign };
    let mut opened = crate::pipeline::open_bytes(rules, name.to_string(), bytes.to_vec(), mode, as_of)?;
    if let Some(c) = &args.outcome {
        opened = opened.with_outcome(c)?;
    }
    let owners = match (&args.owners, &rules.input.account) {
        (Some(path), Some(_)) => crate::owners::load(path)?,
        _ => Default::default(),
    };
    let mut batch = opened.process(rules, &super::progress(bytes.len() as u64, args.quiet));
    crate::rank::rank(&mut batch.leads);
    let routed = (mode == Mode::Assign).then(|| crate::route::route_all(rules, &batch, &owners));
    Ok((batch, routed))
}

pub fn run(args: &CompareArgs) -> anyhow::Result<u8> {
    let as_of = match &args.as_of {
        None => crate::date::today(),
        Some(s) => crate::date::parse_as_of(s)
            .ok_or_else(|| Fail::usage(format!("--as-of '{s}': expected a real date as YYYY-MM-DD")))?,
    };
    if args.candidate.is_none() && args.set.is_empty() {
        return Err(Fail::usage(
            "compare needs a candidate: --candidate RULES2, or --set KEY=VALUE to change a copy of RULES",
        )
        .into());
    }
    let mut inputs = vec![("the lead export", args.leads.as_str()), ("the rules file", args.rules.as_str())];
    inputs.extend(args.candidate.as_deref().map(|c| ("--candidate", c)));
    inputs.extend(args.owners.as_deref().map(|o| ("--owners", o)));
    output::check_paths(&inputs, &[("--summary-json", args.summary_json.as_deref())])?;
    let base = rules::load(Path::new(&args.rules), &[])?;
    let cand_path = args.candidate.as_deref().unwrap_or(&args.rules);
    let candidate = rules::load(Path::new(cand_path), &args.set)?;
    let (name, bytes) = crate::input::read_raw(&args.leads, "the lead export")?;
    let (ba, ra) = side(&base, &name, &bytes, args, as_of)?;
    let (bb, rb) = side(&candidate, &name, &bytes, args, as_of)?;
    drop(bytes);
    if ba.leads.len() != bb.leads.len() {
        return Err(Fail::input(format!(
            "{name}: the two rule sets read the export differently ({} and {} well-formed rows): \
             compare needs the same [input] settings (delimiter, encoding)",
            ba.leads.len(),
            bb.leads.len()
        ))
        .into());
    }
    let mut outputs = Outputs::new(false);
    let json_out = args.summary_json.as_deref().map(|p| outputs.create(p.as_ref())).transpose()?;
    let mut cand_label = cand_path.to_string();
    if !args.set.is_empty() {
        cand_label = format!("{cand_label} with --set {}", args.set.join(" --set "));
    }
    let a = Side { label: args.rules.clone(), rules: &base, batch: &ba, routed: ra.as_ref() };
    let b = Side { label: cand_label, rules: &candidate, batch: &bb, routed: rb.as_ref() };
    let cmp = analyze::compare(&a, &b, args.outcome.is_some());
    if let Some(i) = json_out {
        let mut j = serde_json::to_string_pretty(&cmp)?;
        j.push('\n');
        outputs.write(i, |w| w.write_all(j.as_bytes()))?;
    }
    // The report comes before the commit: one that cannot be printed fails
    // the run with nothing written.
    let plain = !std::io::stdout().is_terminal();
    output::write_stdout(|w| w.write_all(output::report::comparison(&cmp, plain).as_bytes()))?;
    outputs.commit()?;
    Ok(if ba.rejects.is_empty() { 0 } else { 3 })
}
