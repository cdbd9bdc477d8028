//! One file per subcommand; each reads top to bottom as one function and
//! holds no scoring or routing logic. This module is their shared toolkit:
//! the batch commands' (`score`, `assign`) steps from the arguments to the
//! scored batch and its files, the analyst commands' opening of an export with
//! its outcome, and the end every command that writes files shares
//! (`epilogue`).

pub mod assign;
pub mod check;
pub mod compare;
pub mod docs;
pub mod explain;
pub mod learn;
pub mod ledger;
pub mod response;
pub mod score;
pub mod tune;

use std::time::Instant;

use crate::cli::{Common, OutcomeOptions, Outputs as OutArgs};
use crate::config::Config;
use crate::engine::batch::{self, Batch, PlannedExport};
use crate::engine::plan::Mode;
use crate::engine::route::Routed;
use crate::error::{Error, Exit};
use crate::output::render::summary::{self, Summary};
use crate::output::{self, Outputs, Target};
use crate::rules::Rules;
use crate::support::timings::Phases;

/// What a batch command reads besides the export and the rules file.
pub struct Sources<'a> {
    pub leads: &'a str,
    /// Other input files (e.g. `--owners`): no output may replace them.
    pub inputs: &'a [(&'static str, Option<&'a str>)],
    /// `--outcome COLUMN`: calibrate stages and scores against it.
    pub outcome: Option<&'a str>,
    /// `--converted VALUES`.
    pub converted: Option<&'a crate::engine::outcomes::Converted>,
    /// `--outcomes FILE`.
    pub outcomes: Option<&'a str>,
    /// `--report FILE.html` (with `--outcome`).
    pub report: Option<&'a str>,
    /// `--ledger FILE` was given (`id = "@line"` is then a rules error).
    pub ledger: bool,
}

/// A batch command's configuration and its export, opened.
pub struct Loaded {
    pub cfg: Config,
    pub export: PlannedExport,
    /// The rules file and its `--set` overrides, as the report names them.
    pub rules_label: String,
}

/// A batch command from its arguments to its opened export: paths checked
/// (exit 2 before anything is read), configuration loaded, export read and
/// its header matched (exit 1), the prefix clash checked (exit 2).
pub fn load(common: &Common, out: &OutArgs, src: &Sources, mode: Mode) -> anyhow::Result<Loaded> {
    let mut inputs = vec![("the lead export", src.leads), ("the rules file", common.rules.as_str())];
    inputs.extend(src.outcomes.map(|o| ("--outcomes", o)));
    inputs.extend(src.inputs.iter().filter_map(|&(what, p)| Some((what, p?))));
    output::check_paths(
        &inputs,
        &[
            ("-o", out.output.as_deref()),
            ("--rejects", out.rejects.as_deref()),
            ("--summary-json", out.summary_json.as_deref()),
            ("--report", src.report),
        ],
    )?;
    let cfg = Config::from_common(common, out.quiet)?;
    if src.ledger && cfg.rules.input.id_is_line() {
        return Err(line_ids_with_ledger(&common.rules).into());
    }
    if let (Some(c), Mode::Assign, false) = (cfg.rules.output.assigned_at(), mode, src.ledger) {
        return Err(Error::Rules(format!(
            "{}: '@assigned_at' in [output] columns is the time of a lead's latest assignment, which only a ledger \
             keeps: run assign with --ledger FILE, or remove '@assigned_at'",
            c.place
        ))
        .into());
    }
    let mut export = batch::open(&cfg.rules, src.leads, mode, cfg.as_of)?;
    if let Some(column) = src.outcome {
        export = batch::with_outcome_options(export, column, src.converted, src.outcomes)?;
    }
    // With `[output] columns` the headers were checked with the rules.
    if cfg.rules.output.columns.is_none() {
        let columns = crate::engine::plan::appended_columns(&cfg.rules, mode == Mode::Assign);
        crate::engine::plan::check_prefix(&cfg.rules, &export.header, &columns, &export.input.name)?;
    }
    let rules_label = rules_label(&common.rules, &common.set);
    Ok(Loaded { cfg, export, rules_label })
}

/// Scores, stages and ranks every row of the export, with a progress bar;
/// the phases from `started` on are timed.
pub fn score_and_rank(export: PlannedExport, cfg: &Config, started: Instant) -> (Batch, Phases) {
    let mut phases = Phases::new(started);
    phases.mark("read");
    let bar = cfg.decoration.progress_bar(export.input.text.len() as u64);
    let mut batch = export.process(&cfg.rules, &bar);
    bar.finish_and_clear();
    phases.mark("score");
    crate::engine::rank::rank(&mut batch.leads);
    phases.mark("rank");
    (batch, phases)
}

/// The files a batch command writes, created before the work (an unwritable
/// folder fails at once), written, then committed together.
pub struct BatchOutputs {
    files: Outputs,
    csv: Option<usize>,
    rejects: Option<usize>,
    json: Option<usize>,
    /// `--report FILE.html`: the calibration as a page.
    html: Option<usize>,
}

impl BatchOutputs {
    pub fn create(out: &OutArgs, report: Option<&str>) -> Result<BatchOutputs, Error> {
        let mut files = Outputs::new(out.no_sync);
        let csv = match Target::from_arg(out.output.as_deref()) {
            Target::File(p) => Some(files.create(&p)?),
            Target::Stdout => None,
        };
        let rejects = out.rejects.as_deref().map(|p| files.create(p.as_ref())).transpose()?;
        let json = out.summary_json.as_deref().map(|p| files.create(p.as_ref())).transpose()?;
        let html = report.map(|p| files.create(p.as_ref())).transpose()?;
        Ok(BatchOutputs { files, csv, rejects, json, html })
    }

    /// The outputs of a run that a ledger records (see `Outputs::recorded`).
    pub fn recorded(&mut self) {
        self.files.recorded();
    }

    /// Renames every output into place, all or none.
    pub fn commit(self) -> Result<(), Error> {
        self.files.commit()
    }

    /// The CSV (to its file, or to standard output) and the rejects.
    pub fn write_rows(&mut self, rules: &Rules, batch: &Batch, routed: Option<&Routed>) -> Result<(), Error> {
        let write_csv = |w: &mut (dyn std::io::Write + Send)| output::render::csv::write_leads(w, rules, batch, routed);
        match self.csv {
            Some(i) => self.files.write(i, write_csv)?,
            None => output::write_csv_stdout(write_csv)?,
        }
        if let Some(i) = self.rejects {
            self.files.write(i, |w| output::render::csv::write_rejects(w, rules, batch))?;
        }
        Ok(())
    }

    /// The summary as JSON and, with a calibration, as the `--report` page.
    pub fn write_summary(&mut self, s: &Summary, batch: &Batch, rules_label: &str, as_of: i32) -> Result<(), Error> {
        if let Some(i) = self.json {
            self.files.write(i, |w| w.write_all(summary::to_json(s).as_bytes()))?;
        }
        if let (Some(i), Some(c)) = (self.html, &s.calibration) {
            let head = output::render::html::Head {
                command: &s.command,
                export: &batch.input.name,
                rules: rules_label,
                as_of: crate::support::date::format_day(as_of),
            };
            let page = output::render::html::calibration(&head, c);
            self.files.write(i, |w| w.write_all(page.as_bytes()))?;
        }
        Ok(())
    }

    /// The summary table, unless `--quiet`: on standard output when the CSV
    /// goes to a file, on standard error when it goes to standard output.
    /// It comes before the commit: a summary that cannot be printed fails
    /// the run with nothing written.
    pub fn print_summary(&self, s: &Summary, cfg: &Config, quiet: bool) -> Result<(), Error> {
        if quiet {
            Ok(())
        } else if self.csv.is_none() {
            output::write_stderr(&summary::render(s, cfg.decoration.stderr_plain))
        } else {
            output::write_report(&summary::render(s, cfg.decoration.stdout_plain))
        }
    }
}

/// `--strict`: any rejected row or value warning fails the run with nothing written.
pub fn check_strict(strict: bool, batch: &Batch) -> Result<(), Error> {
    if strict && (!batch.rejects.is_empty() || !batch.warnings.is_empty()) {
        return Err(strict_failure(batch));
    }
    Ok(())
}

/// The end of a command whose outputs are committed: the problems a quiet
/// run must still report, as warning lines on standard error, and the exit
/// code (0, or 3 when rows were rejected).
pub fn epilogue<S: AsRef<str>>(problems: &[S], rejected: usize) -> Exit {
    let text = output::warning_lines(problems);
    // The outputs are written: a warning that cannot be printed changes nothing.
    let _ = output::write_stderr(&text);
    Exit::after(rejected)
}

/// A rules file as a report names it: with its `--set` overrides.
pub fn rules_label(rules: &str, set: &[String]) -> String {
    if set.is_empty() { rules.to_string() } else { format!("{rules} with --set {}", set.join(" --set ")) }
}

/// The inputs of an analyst command that reads an outcome (no output may
/// replace them): the export, the rules and `--outcomes`.
pub fn outcome_inputs<'a>(leads: &'a str, rules: &'a str, o: &'a OutcomeOptions) -> Vec<(&'static str, &'a str)> {
    let mut inputs = vec![("the lead export", leads), ("the rules file", rules)];
    inputs.extend(o.outcomes.as_deref().map(|p| ("--outcomes", p)));
    inputs
}

/// Opens the export of an analyst command with its outcome (docs/reference.md §7.4).
pub fn open_with_outcome(
    rules: &crate::rules::Rules,
    leads: &str,
    as_of: i32,
    outcome: &str,
    o: &OutcomeOptions,
) -> Result<PlannedExport, Error> {
    let opened = batch::open(rules, leads, Mode::Score, as_of)?;
    batch::with_outcome_options(opened, outcome, o.converted.as_ref(), o.outcomes.as_deref())
}

/// `[input] id = "@line"` with `--ledger` (exit 2).
pub fn line_ids_with_ledger(rules: &str) -> Error {
    Error::Rules(format!(
        "{rules}: [input] id = \"@line\" cannot be used with --ledger: line numbers change from one export to the \
         next, so a lead would not be known again; name the export's id column"
    ))
}

fn strict_failure(batch: &Batch) -> Error {
    let mut parts = Vec::new();
    if let Some(r) = batch.rejects.first() {
        parts.push(format!("{} rows rejected (first at line {}: {})", batch.rejects.len(), r.line, r.error));
    }
    for w in &batch.warnings {
        parts.push(format!(
            "{} value warnings in column '{}' (first at line {}: '{}')",
            w.count, w.column, w.first_line, w.first_value
        ));
    }
    Error::input(format!(
        "{}: --strict: {}; nothing was written (fix the export, or run without --strict to accept them)",
        batch.input.name,
        parts.join("; ")
    ))
}
