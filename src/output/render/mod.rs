//! Rendering is pure: each function takes results and returns or writes bytes;
//! the same function serves the terminal and the tests.

pub mod csv;
pub mod html;
pub mod summary;
pub mod table;
pub mod terminal;
pub mod warnings;

/// A value as the JSON a `--summary-json` file holds: pretty, one final line break.
pub fn json_text<T: serde::Serialize>(value: &T) -> serde_json::Result<String> {
    let mut j = serde_json::to_string_pretty(value)?;
    j.push('\n');
    Ok(j)
}
