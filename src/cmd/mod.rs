//! One file per subcommand; each wires the pipeline top to bottom and holds no
//! scoring or routing logic. This module holds the steps the batch commands
//! (`score`, `assign`) share: check the paths and load the configuration,
//! open the export, score and rank, then write everything atomically.

pub mod assign;
pub mod check;
pub mod compare;
pub mod docs;
pub mod explain;
pub mod learn;
pub mod ledger;
pub mod score;
pub mod tune;

use std::time::Instant;

use crate::cli::{Common, OutcomeOptions, Outputs as OutArgs};
use crate::config::Config;
use crate::error::{Error, Exit};
use crate::output::{self, Outputs, Target, summary};
use crate::owners::UnknownReps;
use crate::pipeline::{self, Batch, Opened};
use crate::plan::Mode;
use crate::route::Routed;
use crate::timings::Phases;

pub use assign::RunLedger;

/// A batch command from its arguments to its opened export: paths checked
/// (exit 2 before anything is read), configuration loaded, export read and
/// its header matched (exit 1), the prefix clash checked (exit 2).
pub struct Opening<'a> {
    pub cfg: Config,
    pub opened: Opened,
    out: &'a OutArgs,
    mode: Mode,
    outcome: Option<&'a str>,
    report: Option<&'a str>,
    /// The rules file and its `--set` overrides, as the report names them.
    rules_path: String,
    started: Instant,
    leads: &'a str,
}

/// What a batch command reads besides the export and the rules file.
pub struct Sources<'a> {
    pub leads: &'a str,
    /// Other input files (e.g. `--owners`): no output may replace them.
    pub inputs: &'a [(&'static str, Option<&'a str>)],
    /// `--outcome COLUMN`: calibrate stages and scores against it.
    pub outcome: Option<&'a str>,
    /// `--converted VALUES`.
    pub converted: Option<&'a crate::outcomes::Converted>,
    /// `--outcomes FILE`.
    pub outcomes: Option<&'a str>,
    /// `--report FILE.html` (with `--outcome`).
    pub report: Option<&'a str>,
    /// `--ledger FILE` was given (`id = "@line"` is then a rules error).
    pub ledger: bool,
}

pub fn open<'a>(common: &Common, out: &'a OutArgs, src: Sources<'a>, mode: Mode) -> anyhow::Result<Opening<'a>> {
    let started = Instant::now();
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
    let mut opened = pipeline::open(&cfg.rules, src.leads, mode, cfg.as_of)?;
    if let Some(column) = src.outcome {
        opened = pipeline::with_outcome_options(opened, column, src.converted, src.outcomes)?;
    }
    let columns = crate::plan::appended_columns(&cfg.rules, mode == Mode::Assign);
    crate::plan::check_prefix(&cfg.rules, &opened.header, &columns, &opened.input.name)?;
    let rules_path = rules_label(&common.rules, &common.set);
    Ok(Opening {
        cfg,
        opened,
        out,
        mode,
        outcome: src.outcome,
        report: src.report,
        rules_path,
        started,
        leads: src.leads,
    })
}

/// The outputs of a batch run, created before the work (an unwritable folder
/// fails at once), and the run's clock.
pub struct Scored<'a> {
    pub cfg: Config,
    out: &'a OutArgs,
    mode: Mode,
    outcome: Option<&'a str>,
    started: Instant,
    phases: Phases,
    outputs: Outputs,
    csv: Option<usize>,
    rejects: Option<usize>,
    json: Option<usize>,
    /// `--report FILE.html`: the calibration as a page.
    html: Option<usize>,
    rules_path: String,
    leads: &'a str,
}

impl<'a> Opening<'a> {
    /// Creates the outputs, then scores, stages and ranks every row.
    pub fn score(self) -> anyhow::Result<(Scored<'a>, Batch)> {
        let Opening { cfg, opened, out, mode, outcome, report, rules_path, started, leads } = self;
        let mut outputs = Outputs::new(out.no_sync);
        let csv = match Target::from_arg(out.output.as_deref()) {
            Target::File(p) => Some(outputs.create(&p)?),
            Target::Stdout => None,
        };
        let rejects = out.rejects.as_deref().map(|p| outputs.create(p.as_ref())).transpose()?;
        let json = out.summary_json.as_deref().map(|p| outputs.create(p.as_ref())).transpose()?;
        let html = report.map(|p| outputs.create(p.as_ref())).transpose()?;
        let mut phases = Phases::new(started);
        phases.mark("read");
        let bar = cfg.decoration.progress_bar(opened.input.text.len() as u64);
        let mut batch = opened.process(&cfg.rules, &bar);
        bar.finish_and_clear();
        phases.mark("score");
        crate::rank::rank(&mut batch.leads);
        phases.mark("rank");
        Ok((
            Scored { cfg, out, mode, outcome, started, phases, outputs, csv, rejects, json, html, rules_path, leads },
            batch,
        ))
    }
}

impl Scored<'_> {
    /// `--strict`, the CSV, the rejects, the summary (JSON and table), the
    /// commit, then the problems a quiet run must still report (`assign`:
    /// all of docs/reference.md §7.1; `score`: doubtful rules). `owners` is the owners
    /// file and its rows that name unknown reps. Returns the exit code: 0,
    /// or 3 when rows were rejected.
    pub fn finish(
        mut self,
        batch: &Batch,
        routed: Option<&Routed>,
        owners: Option<(&str, Option<UnknownReps>)>,
        mut ledger: Option<RunLedger>,
    ) -> anyhow::Result<Exit> {
        self.phases.mark("route");
        if self.out.strict && (!batch.rejects.is_empty() || !batch.warnings.is_empty()) {
            return Err(strict_failure(batch).into());
        }
        let rules = &self.cfg.rules;
        if let Some(RunLedger::Write(_)) = &ledger {
            self.outputs.recorded();
        }
        let write_csv = |w: &mut (dyn std::io::Write + Send)| output::csv::write_leads(w, rules, batch, routed);
        match self.csv {
            Some(i) => self.outputs.write(i, write_csv)?,
            None => output::write_csv_stdout(write_csv)?,
        }
        if let Some(i) = self.rejects {
            self.outputs.write(i, |w| output::csv::write_rejects(w, rules, batch))?;
        }
        // The problems to print after the commit (docs/reference.md §7.1).
        let mut warnings = match routed {
            Some(_) => {
                let (path, unknown) = owners.map_or((None, None), |(p, u)| (Some(p), u));
                output::warnings::warnings(rules, batch, routed, unknown.as_ref(), path)
            }
            None => Vec::new(),
        };
        // The run's rows go into the ledger's open transaction now; it is
        // committed below, after every output is complete and just before
        // they are renamed into place.
        let recorded = match (&ledger, routed) {
            (Some(RunLedger::Write(l)), Some(routed)) => {
                let info = crate::ledger::RunInfo {
                    started: crate::ledger::started_utc(self.started.elapsed()),
                    as_of: crate::date::format_day(self.cfg.as_of),
                    input: crate::ledger::Ledger::input_path(self.leads),
                    rules_sha256: rules.digest.clone(),
                    rows_read: batch.rows_read,
                    assigned: 0,
                    kind: crate::ledger::kind::ASSIGN,
                };
                let run = l.record(rules, batch, routed, info)?;
                // A condition is printed once per as-of date: what earlier
                // runs of the day printed is left out, and what this one
                // prints is recorded with it.
                let day = self.cfg.as_of;
                let printed = l.warned(day)?;
                warnings.retain(|w| {
                    w.key
                        .as_ref()
                        .is_none_or(|(k, subject)| !printed.contains(&(k.as_str().to_string(), subject.clone())))
                });
                l.add_warned(
                    run,
                    day,
                    warnings.iter().filter_map(|w| w.key.as_ref()).map(|(k, s)| (k.as_str(), s.as_str())),
                )?;
                Some(run)
            }
            _ => None,
        };
        let name = if self.mode == Mode::Assign { "assign" } else { "score" };
        let mut summary = summary::Summary::build(name, rules, batch, self.cfg.as_of, routed, self.started.elapsed());
        summary.ledger = ledger.as_ref().map(|l| summary::LedgerFigures {
            path: match l {
                RunLedger::Write(l) => l.name.clone(),
                RunLedger::Read(_, p) => p.clone(),
            },
            run: recorded,
            dry_run: matches!(l, RunLedger::Read(..)),
        });
        if let Some(column) = self.outcome {
            summary.calibration = Some(crate::analyze::calibrate(rules, batch, column));
        }
        if let Some(i) = self.json {
            self.outputs.write(i, |w| w.write_all(summary::to_json(&summary).as_bytes()))?;
        }
        if let (Some(i), Some(c)) = (self.html, &summary.calibration) {
            let head = output::html::Head {
                command: name,
                export: &batch.input.name,
                rules: &self.rules_path,
                as_of: crate::date::format_day(self.cfg.as_of),
            };
            let page = output::html::calibration(&head, c);
            self.outputs.write(i, |w| w.write_all(page.as_bytes()))?;
        }
        self.phases.mark("write");
        // The summary comes before the commit: a summary that cannot be printed
        // fails the run with nothing written.
        if !self.out.quiet {
            let csv_on_stdout = self.csv.is_none();
            print_summary(&summary, csv_on_stdout, &self.cfg)?;
        }
        if let Some(RunLedger::Write(l)) = &mut ledger {
            // Interrupts wait from the ledger's commit until the outputs are in place.
            output::hold_interrupts();
            if let Err(e) = l.commit() {
                output::release_interrupts();
                return Err(e.into());
            }
        }
        if let Err(e) = self.outputs.commit() {
            if let (Some(RunLedger::Write(l)), Some(run)) = (&mut ledger, recorded) {
                let removed = l.remove_run(run);
                // Interrupts were held from the ledger's commit until now.
                output::release_interrupts();
                let undone = match removed {
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
        self.phases.mark("commit");
        self.phases.report();
        let mut problems: Vec<String> = if routed.is_some() {
            warnings.into_iter().map(|w| w.text).collect()
        } else {
            crate::rules::lint::lint(rules).into_iter().map(|w| format!("rules: {w}")).collect()
        };
        problems.extend(summary.calibration.as_ref().and_then(|c| c.warning.clone()));
        let text = output::warning_lines(&problems);
        // The outputs are written: a warning that cannot be printed changes nothing.
        let _ = output::write_stderr(&text);
        Ok(Exit::after(batch.rejects.len()))
    }
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
) -> Result<Opened, Error> {
    let opened = pipeline::open(rules, leads, Mode::Score, as_of)?;
    pipeline::with_outcome_options(opened, outcome, o.converted.as_ref(), o.outcomes.as_deref())
}

/// `[input] id = "@line"` with `--ledger` (exit 2).
pub fn line_ids_with_ledger(rules: &str) -> Error {
    Error::Rules(format!(
        "{rules}: [input] id = \"@line\" cannot be used with --ledger: line numbers change from one export to the \
         next, so a lead would not be known again; name the export's id column"
    ))
}

/// Standard output when the CSV goes to a file; standard error when it goes to standard output.
fn print_summary(s: &summary::Summary, csv_on_stdout: bool, cfg: &Config) -> Result<(), Error> {
    if csv_on_stdout {
        output::write_stderr(&summary::render(s, cfg.decoration.stderr_plain))
    } else {
        let text = summary::render(s, cfg.decoration.stdout_plain);
        output::write_report(&text)
    }
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
