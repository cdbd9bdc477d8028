//! What an analyst asks of a scored batch: how well stages and scores predict
//! outcomes and what changed between two rule sets (`analyze`), one lead's
//! story (`explain`), a threshold sweep (`tune`), weights learned from
//! outcomes (`learn`).

pub mod analyze;
pub mod explain;
pub mod learn;
pub mod tune;
