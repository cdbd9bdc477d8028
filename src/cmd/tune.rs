//! `leadroute tune`: where should a stage's `min_score` be? Sweeps it over
//! every score of the export against a known outcome and picks the threshold
//! that meets a precision, recall or lead-count target (docs/reference.md §8.2).

use crate::analyst::tune::{self, Goal};
use crate::cli::TuneArgs;
use crate::config::Config;
use crate::error::{Error, Exit};
use crate::output::{self, Outputs, Target};
use crate::rules::Rules;
use crate::support::num::Dec;

pub fn run(args: &TuneArgs) -> anyhow::Result<Exit> {
    let common = &args.common;
    let inputs = super::outcome_inputs(&args.leads, &common.rules, &args.outcome_options);
    output::check_paths(
        &inputs,
        &[
            ("-o", args.output.as_deref()),
            ("--summary-json", args.summary_json.as_deref()),
            ("--report", args.report.as_deref()),
        ],
    )?;
    let goal = goal_of(args)?;
    let cfg = Config::from_common(common, args.quiet)?;
    let k = stage_index(&cfg.rules, &args.stage, &common.rules)?;
    let probe = tune::probe_rules(&cfg.rules, k);
    let opened = super::open_with_outcome(&probe, &args.leads, cfg.as_of, &args.outcome, &args.outcome_options)?;

    // The outputs are created before the work: an unwritable folder fails at once.
    let mut outputs = Outputs::new(false);
    let csv = match (args.output.as_deref(), Target::from_arg(args.output.as_deref())) {
        (None, _) => None,
        (Some(_), Target::Stdout) => Some(None),
        (Some(_), Target::File(p)) => Some(Some(outputs.create(&p)?)),
    };
    let json = args.summary_json.as_deref().map(|p| outputs.create(p.as_ref())).transpose()?;
    let html = args.report.as_deref().map(|p| outputs.create(p.as_ref())).transpose()?;
    let bar = cfg.decoration.progress_bar(opened.input.text.len() as u64);
    let batch = opened.process(&probe, &bar);
    bar.finish_and_clear();

    let sweep = tune::sweep(&cfg.rules, &batch, k, goal);
    let missing = batch.plan.outcomes.as_ref().map(|_| batch.outcomes_missing);
    let rules = &cfg.rules;
    match csv {
        Some(Some(i)) => outputs.write(i, |w| crate::analyst::tune::report::write_csv(w, &sweep, &rules.output))?,
        Some(None) => output::write_csv_stdout(|w| crate::analyst::tune::report::write_csv(w, &sweep, &rules.output))?,
        None => {}
    }
    if let Some(i) = json {
        let j = output::render::json_text(&sweep.to_json(&args.outcome, missing))?;
        outputs.write(i, |w| w.write_all(j.as_bytes()))?;
    }
    if let Some(i) = html {
        let rules_path = super::rules_label(&common.rules, &common.set);
        let head = output::render::html::Head {
            command: "tune",
            export: &batch.input.name,
            rules: &rules_path,
            as_of: crate::support::date::format_day(cfg.as_of),
        };
        let page = output::render::html::sweep(&head, &sweep, &args.outcome);
        outputs.write(i, |w| w.write_all(page.as_bytes()))?;
    }
    // The report comes before the commit: one that cannot be printed fails
    // the run with nothing written. It goes to standard error when the CSV
    // went to standard output.
    if csv == Some(None) {
        output::write_stderr(&crate::analyst::tune::report::report(
            &sweep,
            &args.outcome,
            missing,
            cfg.decoration.stderr_plain,
        ))?;
    } else {
        let text = crate::analyst::tune::report::report(&sweep, &args.outcome, missing, cfg.decoration.stdout_plain);
        output::write_report(&text)?;
    }
    outputs.commit()?;

    let mut problems = output::render::warnings::problems(rules, &batch, None, None, None);
    if sweep.leads > 0 && (sweep.converted == 0 || sweep.converted == sweep.leads) {
        // The calibration names the values seen most often (the probe rules
        // staged this batch).
        problems.extend(crate::analyst::calibrate::calibrate(&probe, &batch, &args.outcome).warning);
    }
    Ok(super::epilogue(&problems, batch.rejects.len()))
}

/// The one target of `--target-precision`, `--target-recall` and `--target-leads`
/// (clap makes sure there is exactly one).
fn goal_of(args: &TuneArgs) -> Result<Goal, Error> {
    let fraction = |flag: &str, v: &str| -> Result<Dec, Error> {
        match crate::support::num::parse_cell_number(v.trim(), b'.') {
            Some(d) if d >= Dec::from_int(0) && d <= Dec::from_int(1) => Ok(d),
            _ => Err(Error::usage(format!("{flag} '{v}': expected a fraction from 0 to 1, e.g. {flag} 0.9 for 90%"))),
        }
    };
    match (&args.target_precision, &args.target_recall, args.target_leads) {
        (Some(p), _, _) => Ok(Goal::Precision(fraction("--target-precision", p)?)),
        (_, Some(r), _) => Ok(Goal::Recall(fraction("--target-recall", r)?)),
        (_, _, Some(n)) => Ok(Goal::Leads(n)),
        _ => Err(Error::usage("tune needs a target: --target-precision P, --target-recall R or --target-leads N")),
    }
}

/// The index of `--stage NAME`: a listed stage other than the first (exit 2).
fn stage_index(rules: &Rules, name: &str, rules_path: &str) -> Result<usize, Error> {
    let names = || crate::error::name_list(rules.stages.iter().map(|s| s.name.as_str()));
    let later = || crate::error::name_list(rules.stages.iter().skip(1).map(|s| s.name.as_str()));
    match rules.stages.iter().position(|s| s.name == name) {
        Some(0) if rules.stages.len() > 1 => Err(Error::usage(format!(
            "--stage '{name}': it is the first stage of {rules_path}, which has no tests (every lead that is not \
             disqualified is at or above it); tune a later stage: {}",
            later()
        ))),
        Some(0) => Err(Error::usage(format!(
            "--stage '{name}': it is the only stage of {rules_path}, which has no tests: there is no threshold to tune"
        ))),
        Some(k) => Ok(k),
        None => {
            Err(Error::usage(format!("--stage '{name}': {rules_path} has no such stage (its stages: {})", names())))
        }
    }
}
