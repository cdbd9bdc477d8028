//! `--owners FILE`: existing account owners (`account,rep`). UTF-8 when the
//! bytes are valid UTF-8, else windows-1252 (BOM dropped), delimiter detected, columns found as rules columns are. The first
//! row for an account wins; rows with an empty account or rep are skipped.
//! Accounts are keyed as the export's are (`[input] account_match`).

use std::collections::HashMap;

use crate::error::Error;
use crate::input::{self, LineCounter, RecordReader, ends_in_quote, find_column};
use crate::rules::{AccountMatch, Encoding};

/// Account key (trimmed, lower-cased, or normalised) to rep name (trimmed).
pub type Owners = HashMap<String, String>;

/// The rows of an owners file with an account and a rep, in file order
/// (both trimmed), before their accounts are keyed.
pub struct OwnersFile {
    rows: Vec<(String, String)>,
    /// The line of each row.
    lines: Vec<usize>,
}

/// Rows of an owners file that name a rep the rules do not have.
pub struct UnknownReps {
    pub count: usize,
    pub first_line: usize,
    pub first_rep: String,
}

impl OwnersFile {
    /// The rows whose rep is not one of `reps` (they never take a lead).
    pub fn unknown_reps(&self, reps: &[crate::rules::Rep]) -> Option<UnknownReps> {
        let known: std::collections::HashSet<&str> = reps.iter().map(|r| r.name.as_str()).collect();
        let mut unknown = self.rows.iter().zip(&self.lines).filter(|((_, rep), _)| !known.contains(rep.as_str()));
        let ((_, first_rep), &first_line) = unknown.next()?;
        Some(UnknownReps { count: 1 + unknown.count(), first_line, first_rep: first_rep.clone() })
    }

    /// The owners by account key, as `account_match` keys the export's
    /// accounts; the first row for a key wins.
    pub fn keyed(&self, account_match: AccountMatch) -> Owners {
        let mut owners = HashMap::new();
        let mut key = String::new();
        for (account, rep) in &self.rows {
            match account_match {
                AccountMatch::Exact => key = account.to_lowercase(),
                AccountMatch::Normalized => crate::identity::account_key(account, &mut key),
            }
            if !key.is_empty() {
                owners.entry(key.clone()).or_insert_with(|| rep.clone());
            }
        }
        owners
    }
}

/// The owners a run uses: those of `--owners` when the rules set
/// `input.account`; none otherwise (the file is then not read).
pub fn load_for(path: Option<&str>, rules: &crate::rules::Rules) -> Result<Owners, Error> {
    Ok(read_for(path, rules)?.map(|f| f.keyed(rules.input.account_match)).unwrap_or_default())
}

/// The owners file a run reads: `--owners` when the rules set `input.account`.
pub fn read_for(path: Option<&str>, rules: &crate::rules::Rules) -> Result<Option<OwnersFile>, Error> {
    match (path, &rules.input.account) {
        (Some(path), Some(_)) => Ok(Some(read(path)?)),
        _ => Ok(None),
    }
}

/// Reads an owners file.
pub fn read(path: &str) -> Result<OwnersFile, Error> {
    // Owners files are often saved by Excel: UTF-8 when the bytes are valid
    // UTF-8, else windows-1252 (which decodes every byte).
    let (name, bytes) = input::read_raw(path, "the owners file")?;
    let encoding = if simdutf8::basic::from_utf8(&bytes).is_ok() { Encoding::Utf8 } else { Encoding::Windows1252 };
    let input = input::decode(name, bytes, encoding)?;
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
    let mut rows = Vec::new();
    let mut lines = Vec::new();
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
        rows.push((a.to_string(), r.to_string()));
        lines.push(lc.line_at(text.as_bytes(), rec.start));
    }
    Ok(OwnersFile { rows, lines })
}
