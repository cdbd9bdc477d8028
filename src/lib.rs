//! leadroute: batch lead scoring and assignment.
//!
//! The pipeline runs one way: CLI -> Config (rules loaded and validated) ->
//! read (`input`, `batch`) -> score -> stage -> rank -> route -> write (`output`).

mod analyze;
mod cli;
mod cmd;
mod config;
mod date;
pub mod error;
mod explain;
mod identity;
mod input;
mod learn;
mod ledger;
mod num;
mod outcomes;
mod output;
mod owners;
mod pipeline;
mod plan;
mod rank;
mod route;
mod rules;
mod score;
mod stage;
mod suggest;
mod timings;
mod tune;

use clap::Parser;

/// Parses the command line and runs the command; returns how it ended.
pub fn run() -> anyhow::Result<error::Exit> {
    let cli = cli::Cli::parse();
    output::clean_up_on_interrupt();
    match &cli.command {
        cli::Command::Assign(a) => cmd::assign::run(a),
        cli::Command::Score(a) => cmd::score::run(a),
        cli::Command::Check(a) => cmd::check::run(a),
        cli::Command::Explain(a) => cmd::explain::run(a),
        cli::Command::Compare(a) => cmd::compare::run(a),
        cli::Command::Tune(a) => cmd::tune::run(a),
        cli::Command::Learn(a) => cmd::learn::run(a),
        cli::Command::Ledger(a) => cmd::ledger::run(a),
        cli::Command::Completions(a) => cmd::docs::completions(a),
        cli::Command::Man(a) => cmd::docs::man(a),
    }
}
