//! `--owners FILE`: existing account owners (`account,rep`). UTF-8 (BOM
//! dropped), delimiter detected, columns found as rules columns are. The first
//! row for an account wins; rows with an empty account or rep are skipped.

use std::collections::HashMap;

use crate::error::Error;
use crate::input::{self, LineCounter, RecordReader, ends_in_quote, find_column};
use crate::rules::Encoding;

/// Account key (trimmed, lower-cased) to rep name (trimmed).
pub type Owners = HashMap<String, String>;

/// The owners a run uses: those of `--owners` when the rules set
/// `input.account`; none otherwise (the file is then not read).
pub fn load_for(path: Option<&str>, rules: &crate::rules::Rules) -> Result<Owners, Error> {
    match (path, &rules.input.account) {
        (Some(path), Some(_)) => load(path),
        _ => Ok(HashMap::new()),
    }
}

/// Reads an owners file.
pub fn load(path: &str) -> Result<Owners, Error> {
    let input = input::read(path, Encoding::Utf8, "the owners file")?;
    let text = &input.text;
    let delimiter = input::detect_delimiter(text.as_bytes());
    let mut rr = RecordReader::new(delimiter);
    let Some(head) = rr.read(text, 0) else {
        return Err(Error::input(format!("{path}: the owners file is empty; expected a header `account,rep`")));
    };
    let header: Vec<String> = head.fields.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
    let mut pos = head.end;
    let acc = find_column(path, &header, "account", "--owners")?;
    let rep = find_column(path, &header, "rep", "--owners")?;
    let mut owners = HashMap::new();
    let mut lc = LineCounter::default();
    while let Some(rec) = rr.read(text, pos) {
        pos = rec.end;
        let f = rec.fields;
        if f.len() != header.len()
            || rec.end == text.len() && ends_in_quote(&text.as_bytes()[rec.start..rec.end], delimiter)
        {
            let line = lc.line_at(text.as_bytes(), rec.start);
            return Err(Error::input(format!(
                "{path}:{line}: malformed row in the owners file: expected {} fields, found {}; fix the row",
                header.len(),
                f.len()
            )));
        }
        let (a, r) = (f.cell(acc), f.cell(rep));
        if a.is_empty() || r.is_empty() {
            continue;
        }
        owners.entry(a.to_lowercase()).or_insert_with(|| r.to_string());
    }
    Ok(owners)
}
