//! Integration tests: the real binary, run the way users run it. One test
//! binary for all of them (faster to build and link).

mod analyst;
mod assign;
mod calibration;
mod check;
mod completions;
mod crm;
mod docs;
mod errors;
mod fixtures;
mod fuzz;
mod identity;
mod input;
mod learn;
mod ledger;
mod ledger_cmd;
mod ledger_files;
mod ledger_postgres;
mod model;
mod outputs;
mod props;
mod reliability;
mod report;
mod response;
mod score;
pub mod sla;
mod snapshots;
mod tune;
mod warnings;
mod workdir;
