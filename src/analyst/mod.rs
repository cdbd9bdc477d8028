//! What an analyst asks of a scored batch: how well stages and scores predict
//! outcomes (`calibrate`), what changes between two rule sets (`compare`), one
//! lead's story (`explain`), a threshold sweep (`tune`), points learned from
//! outcomes (`learn`), speed to lead from a ledger (`response`).

pub mod calibrate;
pub mod compare;
pub mod explain;
pub mod learn;
pub mod response;
pub mod tune;
