//! The command line as typed: raw arguments only. `cmd` turns them into a
//! checked configuration; nothing below `cmd` sees clap.

use clap::{Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  leadroute assign -r rules.toml -o assigned.csv leads.csv
  leadroute score -r rules.toml --as-of 2026-11-01 leads.csv > scored.csv
  leadroute assign -r rules.toml --set reps.Brent.active=false -o out.csv leads.csv
  leadroute check -r rules.toml leads.csv

Exit status: 0 success; 3 success but some rows were rejected (malformed);
1 failure (unreadable input, missing column, encoding, I/O, --strict), nothing written;
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
  cat leads.csv | leadroute assign -r rules.toml -q - > assigned.csv")]
    Assign(AssignArgs),
    /// Score, stage and sort only (no routing).
    #[command(after_help = "Examples:
  leadroute score -r rules.toml -o scored.csv leads.csv
  leadroute score -r rules.toml --as-of 2026-11-01 --summary-json summary.json leads.csv > scored.csv
  leadroute score -r rules.toml --set stages.sql.min_score=70 -o scored.csv leads.csv")]
    Score(ScoreArgs),
    /// Validate the rules; with LEADS also the header and every value the rules read.
    #[command(after_help = "Examples:
  leadroute check -r rules.toml
  leadroute check -r rules.toml leads.csv")]
    Check(CheckArgs),
    /// One lead: every criterion, every stage test, every routing step.
    #[command(after_help = "Examples:
  leadroute explain -r rules.toml --id L-0000038 leads.csv
  leadroute explain -r rules.toml --as-of 2026-11-01 --owners owners.csv --id 660737 leads.csv")]
    Explain(ExplainArgs),
    /// What-if: the same export under two rule sets, side by side.
    #[command(after_help = "Examples:
  leadroute compare -r rules.toml --set stages.sql.min_score=70 leads.csv
  leadroute compare -r rules.toml --candidate rules-new.toml --outcome Converted leads.csv
  leadroute compare -r rules.toml --set reps.Brent.active=false --summary-json diff.json leads.csv")]
    Compare(CompareArgs),
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
    /// With --outcome: the values that count as converted, comma-separated, compared trimmed and
    /// case-insensitively [default: 1,true,yes,y,won,converted].
    #[arg(long = "converted", value_name = "VALUES", requires = "outcome")]
    pub converted: Option<String>,
    /// With --outcome: read the outcome column from this file instead of the export, matched
    /// by lead id (the file's first column). A lead missing from it counts as not converted.
    #[arg(long = "outcomes", value_name = "FILE", requires = "outcome")]
    pub outcomes: Option<String>,
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
    /// The lead to explain (its id, compared trimmed and exactly).
    #[arg(long = "id", value_name = "ID")]
    pub id: String,
    /// CSV with header `account,rep`: existing account owners (as for assign).
    #[arg(long = "owners", value_name = "FILE")]
    pub owners: Option<String>,
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
    /// With --outcome: the values that count as converted, comma-separated, compared trimmed and
    /// case-insensitively [default: 1,true,yes,y,won,converted].
    #[arg(long = "converted", value_name = "VALUES", requires = "outcome")]
    pub converted: Option<String>,
    /// With --outcome: read the outcome column from this file instead of the export, matched
    /// by lead id (the file's first column). A lead missing from it counts as not converted.
    #[arg(long = "outcomes", value_name = "FILE", requires = "outcome")]
    pub outcomes: Option<String>,

    /// CSV with header `account,rep`: existing account owners (both sides).
    #[arg(long = "owners", value_name = "FILE")]
    pub owners: Option<String>,

    /// Write the comparison as JSON here, for scripts.
    #[arg(long = "summary-json", value_name = "FILE")]
    pub summary_json: Option<String>,

    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,

    /// The lead export (CSV). Read once per rule set, so not standard input.
    #[arg(value_name = "LEADS")]
    pub leads: String,
}
