//! `--outcomes FILE`: the outcome of each lead read from a file of its own
//! (SPEC §7.4), e.g. a CRM's closed deals, instead of a column of the export.
//! The file's first column holds the lead id (trimmed, exact); the outcome
//! column is found by name as a rules column is. Read as `--owners` is; the
//! first row for an id wins.

use std::collections::HashMap;

use crate::error::Error;
use crate::input::{self, find_column};

/// Lead id to whether it converted.
pub type Outcomes = HashMap<String, bool>;

/// Reads the outcomes of `path`: its column `column`, judged by `converted`
/// (lower-cased values, see `pipeline::converted_values`).
pub fn read(path: &str, column: &str, converted: &[String]) -> Result<Outcomes, Error> {
    let table = input::read_side_file(path, "the outcomes file", "a header whose first column is the lead id")?;
    let col = find_column(path, &table.header, column, "--outcome in --outcomes")?;
    let mut outcomes = Outcomes::new();
    for (_, cells) in table.rows {
        let id = cells[0].trim();
        if id.is_empty() {
            continue;
        }
        let cell = cells[col].trim().to_lowercase();
        outcomes.entry(id.to_string()).or_insert_with(|| converted.contains(&cell));
    }
    Ok(outcomes)
}
