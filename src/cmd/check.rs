//! `leadroute check`: validate the rules; with LEADS also the header and every
//! value the rules read. Exits 0 and says so when the rules are valid and every
//! column exists; malformed rows and unparseable values are reported, not fatal.

use crate::cli::CheckArgs;
use crate::config::Config;
use crate::engine::plan::Mode;
use crate::engine::plan::appended_columns;
use crate::error::Exit;
use crate::output::{self, render::terminal};

pub fn run(args: &CheckArgs) -> anyhow::Result<Exit> {
    let cfg = Config::from_common(&args.common, true)?;
    let rules = &cfg.rules;
    let warnings = crate::rules::lint::lint(rules);
    let mut export = None;
    if let Some(leads) = &args.leads {
        let mode = if rules.teams.is_empty() { Mode::Score } else { Mode::Assign };
        let opened = crate::engine::batch::open(rules, leads, mode, cfg.as_of)?;
        // `score` writes the first appended columns: a clash there fails as
        // it would in `score`; one with `team, rep, reason` only affects `assign`.
        // With `[output] columns`, no column is appended: the headers were
        // checked with the rules.
        let all = if rules.output.columns.is_some() { Vec::new() } else { appended_columns(rules, true) };
        let (scored, routed) = all.split_at(appended_columns(rules, false).len().min(all.len()));
        crate::engine::plan::check_prefix(rules, &opened.header, scored, &opened.input.name)?;
        let clash = crate::engine::plan::check_prefix(rules, &opened.header, routed, &opened.input.name).err();
        let batch = opened.process(rules, &cfg.decoration.progress_bar(0));
        export = Some((batch, clash.map(|e| e.to_string())));
    }
    let text = terminal::check(&args.common.rules, rules, export.as_ref().map(|(b, c)| (b, c.as_deref())));
    output::write_report(&text)?;
    // Doubtful rules on standard error, as `score` and `assign` print them.
    let warnings: Vec<String> = warnings.iter().map(|w| format!("rules: {w}")).collect();
    let _ = output::write_stderr(&output::warning_lines(&warnings));
    Ok(Exit::Success)
}
