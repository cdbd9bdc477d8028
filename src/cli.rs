//! The command line as typed: raw arguments only. `cmd` turns them into a
//! checked configuration; nothing below `cmd` sees clap.

use clap::{ArgGroup, Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  leadroute assign -r rules.toml -o assigned.csv leads.csv
  leadroute score -r rules.toml --as-of 2026-11-01 leads.csv > scored.csv
  leadroute assign -r rules.toml --set reps.Brent.active=false -o out.csv leads.csv
  leadroute check -r rules.toml leads.csv

Exit status: 0 success; 3 success but some rows were rejected (malformed);
1 failure (unreadable input, missing column, encoding, I/O, a damaged ledger, --strict), nothing written;
2 invalid command line or rules file, nothing written;
130 interrupted (SIGINT, SIGTERM, SIGHUP), nothing written;
141 the CSV went to standard output and its reader closed early, nothing else written.";

#[derive(Parser, Debug)]
#[command(name = "leadroute", version, about = "Batch lead scoring and assignment: a CRM export and a TOML rules file in, \
a scored, staged and routed CSV out.", after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Score, stage, sort and route every lead; write the assignment CSV; print the summary.
    #[command(after_help = "Examples:
  leadroute assign -r rules.toml -o assigned.csv leads.csv
  leadroute assign -r rules.toml --owners owners.csv --rejects rejects.csv -o out.csv leads.csv
  leadroute assign -r rules.toml --set reps.Liisa.capacity=5 -o out.csv leads.csv
  cat leads.csv | leadroute assign -r rules.toml -q - > assigned.csv
  leadroute assign -r rules.toml --ledger ledger.db -q -o assigned.csv leads.csv")]
    Assign(AssignArgs),
    /// Score, stage and sort only (no routing).
    #[command(after_help = "Examples:
  leadroute score -r rules.toml -o scored.csv leads.csv
  leadroute score -r rules.toml --as-of 2026-11-01 --summary-json summary.json leads.csv > scored.csv
  leadroute score -r rules.toml --set stages.sql.min_score=70 -o scored.csv leads.csv
  leadroute score -r rules.toml --outcome Converted --report calibration.html -o /dev/null leads.csv")]
    Score(ScoreArgs),
    /// Validate the rules; with LEADS also the header and every value the rules read.
    #[command(after_help = "Examples:
  leadroute check -r rules.toml
  leadroute check -r rules.toml leads.csv")]
    Check(CheckArgs),
    /// One lead: every criterion, every stage test, every routing step.
    #[command(after_help = "Examples:
  leadroute explain -r rules.toml --id L-0000038 leads.csv
  leadroute explain -r rules.toml --as-of 2026-11-01 --owners owners.csv --id 660737 leads.csv
  leadroute explain -r rules.toml --wide --id L-0000038 leads.csv | less -S")]
    Explain(ExplainArgs),
    /// What-if: the same export under two rule sets, side by side.
    #[command(after_help = "Examples:
  leadroute compare -r rules.toml --set stages.sql.min_score=70 leads.csv
  leadroute compare -r rules.toml --candidate rules-new.toml --outcome Converted leads.csv
  leadroute compare -r rules.toml --set reps.Brent.active=false --summary-json diff.json leads.csv
  leadroute compare -r rules.toml --set stages.sql.min_score=70 --outcome Converted --report diff.html leads.csv")]
    Compare(CompareArgs),
    /// Where should a stage's min_score be? Sweep it over every score against a known outcome.
    #[command(after_help = "Examples:
  leadroute tune -r rules.toml --outcome Won --stage sql --target-precision 0.9 leads.csv
  leadroute tune -r rules.toml --outcome Won --stage mql --target-recall 0.8 -o s.csv leads.csv
  leadroute tune -r rules.toml --outcome Won --stage sql --target-leads 500 leads.csv
  leadroute tune -r rules.toml --outcome Won --stage sql --target-precision 0.9 --report tune.html leads.csv

The answer is the lowest threshold with precision >= P, the highest with recall >= R, or the one
whose number of leads at or above the stage is closest to N (ties: the higher); it ends with the
`--set stages.NAME.min_score=X` line that applies it. When none qualifies, it says so (exit 0).")]
    Tune(TuneArgs),
    /// Points from the data: fit the criteria's points to a known outcome; write a candidate rules file.
    #[command(after_help = "Examples:
  leadroute learn -r rules.toml --outcome Converted -o learned.toml leads.csv
  leadroute learn -r rules.toml --outcome won --outcomes deals.csv --folds 10 --seed 7 -o learned.toml leads.csv
  leadroute compare -r rules.toml --candidate learned.toml --outcome Converted leads.csv

The learned file is RULES with only the points, max, max_fit, max_engagement, min_fit,
min_engagement and min_score values changed (comments and order kept); the report gives the
old and learned points and the out-of-sample ROC AUC of both, averaged over the folds.
Stage thresholds move so that each stage keeps its number of leads; a stage that cannot (more
than 1% or 5 leads apart) is a warning: read it before comparing or adopting the file.")]
    Learn(LearnArgs),
    /// Speed to lead on your own data: response times per team and rep from the ledger and an
    /// export with [input] touched, and (with --outcome) conversion by response time.
    #[command(after_help = "Examples:
  leadroute response -r rules.toml --ledger ledger.db leads.csv
  leadroute response -r rules.toml --ledger ledger.db --since 2026-10-01 --outcome Won leads.csv
  leadroute response -r rules.toml --ledger ledger.db --outcome Won --report speed.html leads.csv

It reads a snapshot of the ledger and never writes it. Each assignment (a rep, from its time
until the lead's next assignment) is credited with the lead's touch when the touch falls in
that interval; response times are working minutes (the team's calendar) and wall-clock minutes.
The conversion table puts each lead in a bucket by the wall-clock time from its first
assignment to its touch: <= 5 min, <= 30 min, <= 1 h, <= 4 h, <= 24 h, > 24 h, never worked.")]
    Response(ResponseArgs),
    /// The ledger of earlier runs (assign --ledger): list runs, export, import, undo, prune, check.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "Examples:
  leadroute completions bash > ~/.local/share/bash-completion/completions/leadroute
  leadroute completions zsh > ~/.zfunc/_leadroute
  leadroute completions fish > ~/.config/fish/completions/leadroute.fish")]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) of leadroute or of one of its commands.
    #[command(after_help = "Examples:
  leadroute man | man -l -
  leadroute man assign > leadroute-assign.1
  sudo sh -c 'leadroute man > /usr/local/share/man/man1/leadroute.1'")]
    Man(ManArgs),
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// A command (`assign`, `ledger`, ...) for its own page; left out, the page of leadroute.
    pub command: Option<String>,
}

/// `leadroute ledger ...`: look at and maintain a ledger (docs/reference.md §6.3).
#[derive(Subcommand, Debug)]
pub enum LedgerCommand {
    /// One row per run: number, start time (UTC), as-of date, input, rows, assigned.
    #[command(after_help = "Example:\n  leadroute ledger runs ledger.db")]
    Runs(LedgerRunsArgs),
    /// The assignments as CSV: run, as_of, lead_id, account, team, rep, reason, score, stage.
    #[command(after_help = "Examples:\n  leadroute ledger export ledger.db -o assignments.csv\n  \
leadroute ledger export ledger.db --since 2026-11-01 --run 12")]
    Export(LedgerExportArgs),
    /// Record the rows of CSV that have a rep as assignments made on --as-of (reason `imported`),
    /// e.g. the leads the CRM assigned before leadroute took over.
    #[command(
        after_help = "Example:\n  leadroute ledger import ledger.db --as-of 2026-11-01 --id \"Lead ID\" --rep Owner \
--account Company crm-leads.csv"
    )]
    Import(LedgerImportArgs),
    /// Remove run N and its assignments (a run made with the wrong rules): its leads are routed again.
    #[command(after_help = "Example:\n  leadroute ledger undo ledger.db --run 41")]
    Undo(LedgerUndoArgs),
    /// A full integrity check of the ledger (every page and index, then leadroute's own checks):
    /// exit 0 when sound, 1 when corrupt, naming what. It reads the whole file.
    #[command(after_help = "Example (cron, after the nightly backup):\n  \
leadroute ledger check ledger.db > /dev/null")]
    Check(LedgerCheckArgs),
    /// Remove assignments dated before DATE from loads, limits and the export; a lead whose latest
    /// assignment goes is remembered (it stays assigned_before, its account keeps its owner).
    #[command(after_help = "Examples:\n  leadroute ledger prune ledger.db --before 2026-01-01\n  \
                      leadroute ledger prune ledger.db --before 2026-01-01 --forget   # the memories too")]
    Prune(LedgerPruneArgs),
    /// Copy a ledger into a new or empty one, either engine to either (a file to PostgreSQL, or
    /// back): every run, assignment, roster, memory, warning printed and delivered mark.
    #[command(after_help = "Example:\n  leadroute ledger copy ledger.db postgres://leadroute@db.example/crm")]
    Copy(LedgerCopyArgs),
    /// Print the SQL that creates a PostgreSQL ledger (idempotent), for a database administrator;
    /// touches no database.
    #[command(after_help = "Example:\n  leadroute ledger schema --postgres | psql -d crm")]
    Schema(LedgerSchemaArgs),
}

#[derive(Args, Debug)]
pub struct LedgerCopyArgs {
    /// The ledger to copy: a file, or a postgres:// URL.
    #[arg(value_name = "FROM")]
    pub from: String,
    /// The new or empty ledger to copy into: a file, or a postgres:// URL.
    #[arg(value_name = "TO")]
    pub to: String,
    /// How long to wait for a run that holds TO, in seconds.
    #[arg(long = "wait", value_name = "SECONDS", default_value_t = 60)]
    pub wait: u64,
}

#[derive(Args, Debug)]
pub struct LedgerSchemaArgs {
    /// The PostgreSQL schema `leadroute`: tables, indexes, the `assignments` view, the version.
    #[arg(long = "postgres", required = true)]
    pub postgres: bool,
}

#[derive(Args, Debug)]
pub struct LedgerRunsArgs {
    /// The ledger file, or a postgres:// URL.
    #[arg(value_name = "FILE")]
    pub ledger: String,
}

#[derive(Args, Debug)]
pub struct LedgerExportArgs {
    /// The ledger file, or a postgres:// URL.
    #[arg(value_name = "FILE")]
    pub ledger: String,
    /// Output path; `-` or absent means standard output.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<String>,
    /// Only this run's assignments.
    #[arg(long = "run", value_name = "N")]
    pub run: Option<i64>,
    /// Only assignments with an as-of date on or after DATE.
    #[arg(long = "since", value_name = "YYYY-MM-DD")]
    pub since: Option<String>,
}

#[derive(Args, Debug)]
pub struct LedgerImportArgs {
    /// The ledger file (created when absent).
    #[arg(value_name = "FILE")]
    pub ledger: String,
    /// The date the assignments count from.
    #[arg(long = "as-of", value_name = "YYYY-MM-DD")]
    pub as_of: String,
    /// The column with the lead id.
    #[arg(long = "id", value_name = "COL")]
    pub id: String,
    /// The column with the rep's name (rows with an empty rep are skipped).
    #[arg(long = "rep", value_name = "COL")]
    pub rep: String,
    /// The column with the team's name [default: the rep's team when a run reads it].
    #[arg(long = "team", value_name = "COL")]
    pub team: Option<String>,
    /// The column with the account (the owner of an account is the rep of its earliest lead).
    #[arg(long = "account", value_name = "COL")]
    pub account: Option<String>,
    /// The column with the lead's email: with `[input] email`, a new lead with that email keeps
    /// the imported rep (and with `account_match = "normalized"`, an empty account is the
    /// email's company).
    #[arg(long = "email", value_name = "COL")]
    pub email: Option<String>,
    /// The column with the time each lead was assigned (a date, or a date and time as
    /// `touched` takes them; without an offset in the rules' `[routing] timezone`, else the
    /// ledger's, else the machine's). Only leads with a time are SLA-checked by later runs.
    #[arg(long = "assigned-at", value_name = "COL")]
    pub assigned_at: Option<String>,
    /// The rules the runs use: a warning names the rows whose rep they do not have (imported
    /// all the same).
    #[arg(short = 'r', long = "rules", value_name = "RULES")]
    pub rules: Option<String>,
    /// How long to wait for a run that holds the ledger, in seconds.
    #[arg(long = "wait", value_name = "SECONDS", default_value_t = 60)]
    pub wait: u64,
    /// The CSV to import (UTF-8, else windows-1252; the delimiter is detected).
    #[arg(value_name = "CSV")]
    pub csv: String,
}

#[derive(Args, Debug)]
pub struct LedgerCheckArgs {
    /// The ledger file, or a postgres:// URL.
    #[arg(value_name = "FILE")]
    pub ledger: String,
}

#[derive(Args, Debug)]
pub struct LedgerUndoArgs {
    /// The ledger file, or a postgres:// URL.
    #[arg(value_name = "FILE")]
    pub ledger: String,
    /// The run to remove.
    #[arg(long = "run", value_name = "N")]
    pub run: i64,
    /// How long to wait for a run that holds the ledger, in seconds.
    #[arg(long = "wait", value_name = "SECONDS", default_value_t = 60)]
    pub wait: u64,
}

#[derive(Args, Debug)]
pub struct LedgerPruneArgs {
    /// The ledger file, or a postgres:// URL.
    #[arg(value_name = "FILE")]
    pub ledger: String,
    /// Remove assignments with an as-of date before this date (a lead whose latest is removed is
    /// remembered: it stays assigned_before and its account keeps its owner).
    #[arg(long = "before", value_name = "YYYY-MM-DD")]
    pub before: String,
    /// Also forget the leads remembered with a date before DATE: they are routed again.
    #[arg(long = "forget")]
    pub forget: bool,
    /// How long to wait for a run that holds the ledger, in seconds.
    #[arg(long = "wait", value_name = "SECONDS", default_value_t = 60)]
    pub wait: u64,
}

/// What says which leads converted, beside `--outcome COLUMN` (docs/reference.md §7.4).
#[derive(Args, Debug, Clone)]
pub struct OutcomeOptions {
    /// With --outcome: the values that count as converted, comma-separated, compared trimmed and
    /// case-insensitively [default: 1,true,yes,y,won,converted]; '*' alone: every non-empty value.
    #[arg(long = "converted", value_name = "VALUES", requires = "outcome", value_parser = crate::engine::outcomes::Converted::parse)]
    pub converted: Option<crate::engine::outcomes::Converted>,
    /// With --outcome: read the outcome column from this file instead of the export, matched
    /// by lead id (the file's first column). A lead missing from it counts as not converted.
    #[arg(long = "outcomes", value_name = "FILE", requires = "outcome")]
    pub outcomes: Option<String>,
}

/// `--ledger` and what goes with it, for assign.
#[derive(Args, Debug, Clone)]
pub struct LedgerOptions {
    /// The ledger: an SQLite file that remembers earlier runs (created when absent), or a
    /// postgres:// URL for a ledger shared by several hosts. Leads assigned before keep their
    /// rep; loads and limits count earlier runs; this run's new assignments are recorded.
    #[arg(long = "ledger", value_name = "FILE")]
    pub ledger: Option<String>,
    /// With --ledger: read the ledger and write the outputs, but record nothing.
    #[arg(long = "dry-run", requires = "ledger")]
    pub dry_run: bool,
    /// With --ledger: how long to wait for another run that holds the ledger, in seconds
    /// (0: fail at once).
    #[arg(long = "wait", value_name = "SECONDS", default_value_t = 60, requires = "ledger")]
    pub wait: u64,
}

/// Options shared by the commands that read an export.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// The rules file (TOML): criteria, stages, teams, reps.
    #[arg(short = 'r', long = "rules", value_name = "RULES")]
    pub rules: String,

    /// The date that day-based criteria count from [default: today, local time].
    #[arg(long = "as-of", value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,

    /// Override one value of the rules file, e.g. stages.sql.min_score=70 (repeatable;
    /// for compare, of the candidate).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// Options for the commands that write outputs.
#[derive(Args, Debug, Clone)]
pub struct Outputs {
    /// Output path; `-` or absent means standard output.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<String>,

    /// Write malformed rows here (with `line` and `error` columns first).
    #[arg(long = "rejects", value_name = "FILE")]
    pub rejects: Option<String>,

    /// Write the summary as JSON here, for scripts.
    #[arg(long = "summary-json", value_name = "FILE")]
    pub summary_json: Option<String>,

    /// Error (exit 1, nothing written) on any rejected row or value warning.
    #[arg(long)]
    pub strict: bool,

    /// No summary table, no progress bar. Errors still go to standard error.
    #[arg(short, long)]
    pub quiet: bool,

    /// Do not flush output files to disk before renaming them into place:
    /// faster for scratch runs such as what-ifs. Readers still never see half
    /// a file, but after a power cut an output may be empty.
    #[arg(long)]
    pub no_sync: bool,
}

#[derive(Args, Debug)]
pub struct AssignArgs {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub out: Outputs,
    /// CSV with header `account,rep`: existing account owners.
    #[arg(long = "owners", value_name = "FILE")]
    pub owners: Option<String>,
    #[command(flatten)]
    pub ledger: LedgerOptions,
    /// The lead export (CSV), or `-` for standard input.
    #[arg(value_name = "LEADS")]
    pub leads: String,
}

#[derive(Args, Debug)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub out: Outputs,
    /// Calibrate against this column (1/true/yes/y/won/converted means converted).
    #[arg(long = "outcome", value_name = "COLUMN")]
    pub outcome: Option<String>,
    #[command(flatten)]
    pub outcome_options: OutcomeOptions,
    /// With --outcome: write the calibration as one self-contained HTML page here (tables and
    /// charts: conversion by score decile, precision and recall per stage threshold, leads per
    /// stage, lift per criterion; no script, nothing loaded from the network).
    #[arg(long = "report", value_name = "FILE.html", requires = "outcome")]
    pub report: Option<String>,
    /// The lead export (CSV), or `-` for standard input.
    #[arg(value_name = "LEADS")]
    pub leads: String,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// Also check this export: the header and every value the rules read.
    #[arg(value_name = "LEADS")]
    pub leads: Option<String>,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub common: Common,
    /// The lead to explain (its id, compared trimmed and exactly; its line
    /// number under `[input] id = "@line"`).
    #[arg(long = "id", value_name = "ID")]
    pub id: String,
    /// CSV with header `account,rep`: existing account owners (as for assign).
    #[arg(long = "owners", value_name = "FILE")]
    pub owners: Option<String>,
    /// Read this ledger (never written): routing as `assign --ledger` would do it.
    #[arg(long = "ledger", value_name = "FILE")]
    pub ledger: Option<String>,
    /// Show long cells whole, one line each [default: the report fits 100
    /// columns, long cells wrapped at spaces, very long ones shortened with …].
    #[arg(long = "wide")]
    pub wide: bool,
    /// The lead export (CSV), or `-` for standard input.
    #[arg(value_name = "LEADS")]
    pub leads: String,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// RULES is the base; `--set` changes the candidate (a copy of RULES when
    /// `--candidate` is absent), not the base.
    #[command(flatten)]
    pub common: Common,

    /// The candidate rules file [default: a copy of RULES].
    #[arg(long = "candidate", value_name = "RULES2")]
    pub candidate: Option<String>,

    /// Also compare conversion per stage against this column.
    #[arg(long = "outcome", value_name = "COLUMN")]
    pub outcome: Option<String>,
    #[command(flatten)]
    pub outcome_options: OutcomeOptions,

    /// CSV with header `account,rep`: existing account owners (both sides).
    #[arg(long = "owners", value_name = "FILE")]
    pub owners: Option<String>,
    /// Read this ledger (never written), for both sides: routing as `assign --ledger` would do it.
    #[arg(long = "ledger", value_name = "FILE")]
    pub ledger: Option<String>,

    /// Write the comparison as JSON here, for scripts.
    #[arg(long = "summary-json", value_name = "FILE")]
    pub summary_json: Option<String>,
    /// Write the comparison as one self-contained HTML page here (tables and charts: leads per
    /// stage and per rep under both rule sets, with --outcome the conversion per stage).
    #[arg(long = "report", value_name = "FILE.html")]
    pub report: Option<String>,

    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,

    /// The lead export (CSV). Read once per rule set, so not standard input.
    #[arg(value_name = "LEADS")]
    pub leads: String,
}

#[derive(Args, Debug)]
#[command(group(
    ArgGroup::new("target").required(true).multiple(false).args(["target_precision", "target_recall", "target_leads"])
))]
pub struct TuneArgs {
    #[command(flatten)]
    pub common: Common,

    /// The stage whose min_score is swept (not the first stage: it has no tests).
    #[arg(long = "stage", value_name = "NAME")]
    pub stage: String,
    /// The lowest threshold whose precision (conversion rate at or above the stage) is at least P (0 to 1).
    #[arg(long = "target-precision", value_name = "P")]
    pub target_precision: Option<String>,
    /// The highest threshold whose recall (share of all converted leads at or above the stage) is at
    /// least R (0 to 1).
    #[arg(long = "target-recall", value_name = "R")]
    pub target_recall: Option<String>,
    /// The threshold whose number of leads at or above the stage is closest to N (ties: the higher).
    #[arg(long = "target-leads", value_name = "N")]
    pub target_leads: Option<u64>,

    /// The outcome column (1/true/yes/y/won/converted means converted).
    #[arg(long = "outcome", value_name = "COLUMN")]
    pub outcome: String,
    #[command(flatten)]
    pub outcome_options: OutcomeOptions,

    /// Write the whole sweep as CSV (threshold,leads,converted,precision,recall), one row per
    /// distinct score, highest first; `-` for standard output (the report then goes to standard error).
    #[arg(short = 'o', long = "output", value_name = "SWEEP.csv")]
    pub output: Option<String>,
    /// Write the sweep and the answer as JSON here, for scripts.
    #[arg(long = "summary-json", value_name = "FILE")]
    pub summary_json: Option<String>,
    /// Write the sweep as one self-contained HTML page here (precision, recall and leads against
    /// the threshold as charts, the answer and the current threshold marked; the whole sweep).
    #[arg(long = "report", value_name = "FILE.html")]
    pub report: Option<String>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,

    /// The lead export (CSV), or `-` for standard input.
    #[arg(value_name = "LEADS")]
    pub leads: String,
}

#[derive(Args, Debug)]
pub struct ResponseArgs {
    #[command(flatten)]
    pub common: Common,

    /// The ledger the runs wrote (read only).
    #[arg(long = "ledger", value_name = "FILE")]
    pub ledger: String,
    /// The first day of assignments covered [default: the balance window ending on the
    /// as-of date].
    #[arg(long = "since", value_name = "YYYY-MM-DD")]
    pub since: Option<String>,
    /// The outcome column (1/true/yes/y/won/converted means converted): conversion by response time.
    #[arg(long = "outcome", value_name = "COLUMN")]
    pub outcome: Option<String>,
    #[command(flatten)]
    pub outcome_options: OutcomeOptions,
    /// Write the figures as JSON here, for scripts.
    #[arg(long = "summary-json", value_name = "FILE")]
    pub summary_json: Option<String>,
    /// Write the figures as one self-contained HTML page here (the conversion-by-response
    /// chart and each rep's response times).
    #[arg(long = "report", value_name = "FILE.html")]
    pub report: Option<String>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,

    /// The lead export (CSV), or `-` for standard input.
    #[arg(value_name = "LEADS")]
    pub leads: String,
}

#[derive(Args, Debug)]
pub struct LearnArgs {
    #[command(flatten)]
    pub common: Common,

    /// The outcome column (1/true/yes/y/won/converted means converted).
    #[arg(long = "outcome", value_name = "COLUMN")]
    pub outcome: String,
    #[command(flatten)]
    pub outcome_options: OutcomeOptions,

    /// Where the learned rules go; `-` or absent means standard output (the report then goes
    /// to standard error).
    #[arg(short = 'o', long = "output", value_name = "LEARNED.toml")]
    pub output: Option<String>,
    /// The number of folds for the out-of-sample AUC (at least 2).
    #[arg(long = "folds", value_name = "K", default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub folds: u32,
    /// The seed of the folds: lead i goes to fold SHA-256("SEED:ID") mod K.
    #[arg(long = "seed", value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Write the report's figures as JSON (stable keys) to FILE.
    #[arg(long = "summary-json", value_name = "FILE")]
    pub summary_json: Option<String>,
    /// Write the report as one self-contained HTML page (tables and charts) to FILE.html.
    #[arg(long = "report", value_name = "FILE.html")]
    pub report: Option<String>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,

    /// The lead export (CSV), or `-` for standard input.
    #[arg(value_name = "LEADS")]
    pub leads: String,
}
