//! leadroute: batch lead scoring and assignment.
//!
//! The source tree shows the layers; data flows one way, down this list:
//!
//! - `cli` (the raw arguments, clap) -> `config` (the checked configuration:
//!   rules loaded and validated by `rules`, `--as-of`, decoration);
//! - `engine`: one export read (`input`), the rules compiled against its
//!   header (`plan`), every row scored and staged in one pass (`batch`, with
//!   `score` and `stage`), ranked (`rank`) and routed (`route`, with `owners`
//!   and `shares`);
//! - `ledger`: what earlier runs assigned (SQLite), read before routing and
//!   written with the outputs;
//! - `analyst`: calibration, comparison, explanation, threshold sweeps and
//!   learned points, pure functions of finished batches;
//! - `output`: `render` turns results into bytes (CSV, summary and JSON,
//!   terminal tables, the HTML report); `commit` writes every file atomically,
//!   all or none;
//! - `cmd`: one file per subcommand, each one function from its arguments to
//!   its exit code, over a small shared toolkit (`cmd/mod.rs`);
//! - `support`: numbers, dates, ids and emails, timings; `error`: how a run
//!   fails and its exit code.
//!
//! One `assign` run: `main` -> `run` here -> `cmd::assign::run` ->
//! `cmd::load` (paths, `config`, `engine::batch::open`, `engine::plan`) ->
//! `engine::owners`, `ledger::Ledger::open_for_writing` -> `cmd::BatchOutputs::create`
//! (`output::commit`) -> `cmd::score_and_rank` (`engine::batch`, `engine::rank`) ->
//! `ledger::read_memory` -> `engine::route::route_all` -> `output::render::csv`,
//! `output::render::warnings`, `ledger::Ledger::record` -> `output::render::summary`
//! -> the ledger's commit, then `output::commit` -> `cmd::epilogue`.

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
        cli::Command::Response(a) => cmd::response::run(a),
        cli::Command::Ledger(a) => cmd::ledger::run(a),
        cli::Command::Completions(a) => cmd::docs::completions(a),
        cli::Command::Man(a) => cmd::docs::man(a),
    }
}
