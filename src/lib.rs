//! leadroute: batch lead scoring and assignment.
//!
//! The pipeline runs one way: CLI -> Config (rules loaded and validated) ->
//! read (`input`, `batch`) -> score -> stage -> rank -> route -> write (`output`).

mod analyst;
mod cli;
mod cmd;
mod config;
mod engine;
pub mod error;
mod ledger;
mod output;
mod rules;
mod support;

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
