//! `leadroute check`: validate the rules; with LEADS also the header and every
//! value the rules read. Exits 0 and says so when the rules are valid and every
//! column exists; malformed rows and unparseable values are reported, not fatal.

use crate::cli::CheckArgs;
use crate::plan::Mode;

pub fn run(args: &CheckArgs) -> anyhow::Result<u8> {
    let cfg = crate::config::Config::from_common(&args.common, true)?;
    let r = &cfg.rules;
    let mut out = format!(
        "{}: rules are valid: {} criteria, {} stages ({}), {} teams, {} reps\n",
        args.common.rules,
        r.criteria.len(),
        r.stages.len(),
        r.stages.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(" < "),
        r.teams.len(),
        r.reps.len()
    );
    for warning in crate::rules::lint::lint(r) {
        out.push_str(&format!("warning: {warning}\n"));
    }
    if let Some(leads) = &args.leads {
        let mode = if r.teams.is_empty() { Mode::Score } else { Mode::Assign };
        let opened = crate::pipeline::open(r, leads, mode, cfg.as_of)?;
        let csv = &crate::output::csv::ASSIGN_COLUMNS;
        // `score` writes the first four appended columns: a clash there fails as
        // it would in `score`; one with `team, rep, reason` only affects `assign`.
        crate::output::csv::check_prefix(r, &opened.header, &csv[..4], &opened.input.name)?;
        if let Err(e) = crate::output::csv::check_prefix(r, &opened.header, &csv[4..], &opened.input.name) {
            out.push_str(&format!("warning: `assign` would stop here: {}\n", e.msg));
        }
        let batch = opened.process(r, &indicatif::ProgressBar::hidden());
        out.push_str(&format!(
            "{}: every column the rules name exists; {} rows read, {} well-formed, {} rejected\n",
            batch.input.name,
            batch.rows_read,
            batch.well_formed(),
            batch.rejects.len()
        ));
        for rej in batch.rejects.iter().take(crate::output::summary::REJECTS_SHOWN) {
            out.push_str(&format!("  line {}: {}\n", rej.line, rej.error));
        }
        for (_, col) in batch.plan.warn_columns() {
            match batch.warnings.iter().find(|w| w.column == col) {
                Some(w) => out.push_str(&format!(
                    "  column '{}': {} values fail to parse (first at line {})\n",
                    col, w.count, w.first_line
                )),
                None => out.push_str(&format!("  column '{col}': every value parses\n")),
            }
        }
    }
    crate::output::write_stdout(|w| w.write_all(out.as_bytes()))?;
    Ok(0)
}
