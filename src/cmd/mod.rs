//! One file per subcommand; each wires the pipeline, none holds scoring or
//! routing logic. This module turns raw arguments into a checked `Config`
//! (exit 2 on a bad `--as-of`, `--set` or rules file) and runs the batch
//! commands' common frame: read, score, rank, [route], write atomically.

pub mod assign;
pub mod check;
pub mod compare;
pub mod explain;
pub mod score;

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{Common, Outputs as OutArgs};
use crate::error::Fail;
use crate::output::{self, Outputs, Target, summary};
use crate::pipeline::{self, Batch};
use crate::plan::Mode;
use crate::rules::{self, Rules};

/// The checked configuration every command starts from.
pub struct Config {
    pub rules: Rules,
    pub as_of: i32,
}

impl Config {
    pub fn load(c: &Common) -> anyhow::Result<Config> {
        let as_of = match &c.as_of {
            None => crate::date::today(),
            Some(s) => crate::date::parse_as_of(s).ok_or_else(|| {
                Fail::usage(format!("--as-of '{s}': expected a real date as YYYY-MM-DD, e.g. --as-of 2026-11-01"))
            })?,
        };
        let rules = rules::load(std::path::Path::new(&c.rules), &c.set)?;
        Ok(Config { rules, as_of })
    }
}

/// The progress bar: drawn on standard error only when it is a terminal and
/// `--quiet` is not given; otherwise hidden (a hidden bar costs nothing).
pub fn progress(len: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr_with_hz(10));
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}

/// What a batch command adds to the common frame.
pub struct Job<'a> {
    pub name: &'static str,
    pub mode: Mode,
    pub leads: &'a str,
    /// Input files besides the export and the rules (e.g. `--owners`): no
    /// output may replace them.
    pub inputs: &'a [(&'static str, Option<&'a str>)],
    pub out: &'a OutArgs,
    /// `--outcome COLUMN`: calibrate stages and scores against it.
    pub outcome: Option<&'a str>,
    /// Checks after the columns (e.g. the owners file), before any output is created.
    pub prepare: &'a mut dyn FnMut(&Config, &pipeline::Opened) -> anyhow::Result<()>,
    /// Routing, if any: run on the ranked batch.
    pub route: &'a mut dyn FnMut(&Config, &Batch) -> Option<crate::route::Routed>,
}

/// Runs a batch command; returns the exit code (0, or 3 when rows were rejected).
pub fn run_batch(common: &Common, job: Job) -> anyhow::Result<u8> {
    let started = Instant::now();
    let mut inputs = vec![("the lead export", job.leads), ("the rules file", common.rules.as_str())];
    inputs.extend(job.inputs.iter().filter_map(|&(what, p)| Some((what, p?))));
    output::check_paths(
        &inputs,
        &[
            ("-o", job.out.output.as_deref()),
            ("--rejects", job.out.rejects.as_deref()),
            ("--summary-json", job.out.summary_json.as_deref()),
        ],
    )?;
    let cfg = Config::load(common)?;
    let rules = &cfg.rules;
    let mut opened = pipeline::open(rules, job.leads, job.mode, cfg.as_of)?;
    if let Some(column) = job.outcome {
        opened = opened.with_outcome(column)?;
    }
    let columns: &[&str] =
        if job.mode == Mode::Assign { &output::csv::ASSIGN_COLUMNS } else { &output::csv::SCORE_COLUMNS };
    output::csv::check_prefix(rules, &opened.header, columns, &opened.input.name)?;
    (job.prepare)(&cfg, &opened)?;

    let target = Target::from_arg(job.out.output.as_deref());
    let mut outputs = Outputs::new(job.out.no_sync);
    let csv_out = match &target {
        Target::File(p) => Some(outputs.create(p)?),
        Target::Stdout => None,
    };
    let rejects_out = job.out.rejects.as_deref().map(|p| outputs.create(p.as_ref())).transpose()?;
    let json_out = job.out.summary_json.as_deref().map(|p| outputs.create(p.as_ref())).transpose()?;

    let mut phases = Phases::new(started);
    phases.mark("read");
    let bar = progress(opened.input.text.len() as u64, job.out.quiet);
    let mut batch = opened.process(rules, &bar);
    phases.mark("score");
    crate::rank::rank(&mut batch.leads);
    phases.mark("rank");
    let routed = (job.route)(&cfg, &batch);
    phases.mark("route");
    bar.finish_and_clear();

    if job.out.strict && (!batch.rejects.is_empty() || !batch.warnings.is_empty()) {
        return Err(strict_failure(&batch).into());
    }

    let assignments = routed.as_ref().map(|r| r.assignments.as_slice());
    let write_csv = |w: &mut (dyn std::io::Write + Send)| output::csv::write_leads(w, rules, &batch, assignments);
    match csv_out {
        Some(i) => outputs.write(i, write_csv)?,
        None => output::write_csv_stdout(write_csv)?,
    }
    if let Some(i) = rejects_out {
        outputs.write(i, |w| output::csv::write_rejects(w, rules, &batch))?;
    }
    let mut summary = summary::Summary::build(job.name, rules, &batch, cfg.as_of, routed.as_ref(), started.elapsed());
    if let Some(column) = job.outcome {
        summary.calibration = Some(crate::analyze::calibrate(rules, &batch, column));
    }
    if let Some(i) = json_out {
        outputs.write(i, |w| w.write_all(summary::to_json(&summary).as_bytes()))?;
    }
    phases.mark("write");
    // The summary comes before the commit: a summary that cannot be printed
    // fails the run with nothing written.
    if !job.out.quiet {
        print_summary(&summary, target.is_stdout())?;
    }
    outputs.commit()?;
    phases.mark("commit");
    phases.report();
    Ok(if batch.rejects.is_empty() { 0 } else { 3 })
}

/// The process's peak resident memory so far (Linux: VmHWM), in MiB.
fn peak_memory_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 =
        status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kb / 1024)
}

/// Phase timings on standard error when `LEADROUTE_TIMINGS` is set: where the
/// time goes, for the benchmark.
struct Phases {
    on: bool,
    last: Instant,
    marks: Vec<(&'static str, f64, Option<u64>)>,
}
impl Phases {
    fn new(started: Instant) -> Phases {
        Phases { on: std::env::var_os("LEADROUTE_TIMINGS").is_some(), last: started, marks: Vec::new() }
    }

    fn mark(&mut self, name: &'static str) {
        if self.on {
            let now = Instant::now();
            self.marks.push((name, (now - self.last).as_secs_f64(), peak_memory_mb()));
            self.last = now;
        }
    }

    fn report(&self) {
        if self.on {
            let parts: Vec<String> = self
                .marks
                .iter()
                .map(|(n, t, peak)| match peak {
                    Some(mb) => format!("{n} {t:.3}s (peak {mb} MB)"),
                    None => format!("{n} {t:.3}s"),
                })
                .collect();
            eprintln!("leadroute timings: {}", parts.join(", "));
        }
    }
}

/// Standard output when the CSV goes to a file; standard error when it goes to standard output.
fn print_summary(s: &summary::Summary, csv_on_stdout: bool) -> Result<(), Fail> {
    if csv_on_stdout {
        output::write_stderr(&summary::render(s, !std::io::stderr().is_terminal()))
    } else {
        let text = summary::render(s, !std::io::stdout().is_terminal());
        output::write_stdout(|w| w.write_all(text.as_bytes()))
    }
}

fn strict_failure(batch: &Batch) -> Fail {
    let mut parts = Vec::new();
    if let Some(r) = batch.rejects.first() {
        parts.push(format!("{} rows rejected (first at line {}: {})", batch.rejects.len(), r.line, r.error));
    }
    for w in &batch.warnings {
        parts.push(format!("{} value warnings in column '{}' (first at line {})", w.count, w.column, w.first_line));
    }
    Fail::input(format!(
        "{}: --strict: {}; nothing was written (fix the export, or run without --strict to accept them)",
        batch.input.name,
        parts.join("; ")
    ))
}
