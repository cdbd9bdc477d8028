//! Which leads converted (docs/reference.md §7.4): `--converted`, the values that count as
//! converted, and `--outcomes FILE`, the outcome of each lead read from a file
//! of its own (e.g. a CRM's closed deals) instead of a column of the export.
//! The file's first column holds the lead id (trimmed, exact); the outcome
//! column is found by name as a rules column is. Read as `--owners` is; the
//! first row for an id wins.

use std::collections::HashMap;

use crate::engine::input::{self, find_column};
use crate::error::Error;

/// The values that count as converted by default (compared trimmed and case-insensitively).
pub const DEFAULT: [&str; 6] = ["1", "true", "yes", "y", "won", "converted"];

/// `--converted`: which outcome values count as converted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Converted {
    /// `--converted '*'`: every value that is not empty after trimming (a won
    /// date, a deal id, the id column of a file of won leads).
    Any,
    /// These values, trimmed and lower-cased, compared case-insensitively.
    Values(Vec<String>),
}

impl Default for Converted {
    fn default() -> Converted {
        Converted::Values(DEFAULT.iter().map(|v| v.to_string()).collect())
    }
}

/// A `--converted` argument that names no values (an error for the command line, exit 2).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConvertedError {
    #[error(
        "'*' (every non-empty value) must be the whole argument: give --converted '*' alone, or list the values that \
         mean converted"
    )]
    StarAmongValues,
    #[error(
        "no values: list the values that mean converted, comma-separated (e.g. --converted 'Closed Won,won'), or give \
         '*' for every non-empty value"
    )]
    NoValues,
}

impl Converted {
    /// Reads `--converted VALUES` (comma-separated, or `*` alone); an error
    /// for the command line (exit 2).
    pub fn parse(arg: &str) -> Result<Converted, ConvertedError> {
        if arg.trim() == "*" {
            return Ok(Converted::Any);
        }
        let values: Vec<String> = arg.split(',').map(|v| v.trim().to_lowercase()).filter(|v| !v.is_empty()).collect();
        if values.iter().any(|v| v == "*") {
            return Err(ConvertedError::StarAmongValues);
        }
        if values.is_empty() {
            return Err(ConvertedError::NoValues);
        }
        Ok(Converted::Values(values))
    }

    /// Whether an outcome cell (already trimmed) counts as converted.
    pub fn holds(&self, cell: &str) -> bool {
        match self {
            Converted::Any => !cell.is_empty(),
            Converted::Values(values) => values
                .iter()
                .any(|v| if cell.is_ascii() { cell.eq_ignore_ascii_case(v) } else { cell.to_lowercase() == *v }),
        }
    }
}

/// Lead id to its outcome cell (trimmed).
pub type Outcomes = HashMap<String, String>;

/// Reads the outcomes of `path`: its column `column`, by lead id.
pub fn read(path: &str, column: &str) -> Result<Outcomes, Error> {
    let table = input::read_side_file(path, "the outcomes file", "a header whose first column is the lead id")?;
    let col = find_column(path, &table.header, column, "--outcome in --outcomes")?;
    let mut outcomes = Outcomes::new();
    for (_, cells) in table.rows {
        let id = cells[0].trim();
        if id.is_empty() {
            continue;
        }
        outcomes.entry(id.to_string()).or_insert_with(|| cells[col].trim().to_string());
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converted_values_star_alone_and_no_empty_list() {
        assert_eq!(Converted::parse(" * "), Ok(Converted::Any));
        assert_eq!(Converted::parse("Won, KYLLÄ ,"), Ok(Converted::Values(vec!["won".into(), "kyllä".into()])));
        assert!(Converted::parse("won,*").unwrap_err().to_string().contains("whole argument"));
        assert!(Converted::parse(" , ").unwrap_err().to_string().starts_with("no values"));
        assert!(Converted::Any.holds("2018-05-04") && !Converted::Any.holds(""));
        let v = Converted::parse("kyllä").unwrap();
        assert!(v.holds("KYLLÄ") && !v.holds("kyll"));
    }
}
