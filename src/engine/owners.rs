//! `--owners FILE`: existing account owners (`account,rep`), read as
//! `input::read_side_file` reads a side file. The first row for an account
//! wins; rows with an empty account or rep are skipped.
//! Accounts are keyed as the export's are (`[input] account_match`).

use std::collections::HashMap;

use crate::engine::input::{self, find_column};
use crate::error::Error;
use crate::rules::AccountMatch;

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

impl UnknownReps {
    /// The rows, (rep, line) in file order, whose rep is not one of `reps`.
    pub fn of<'a>(rows: impl Iterator<Item = (&'a str, usize)>, reps: &[crate::rules::Rep]) -> Option<UnknownReps> {
        let known: std::collections::HashSet<&str> = reps.iter().map(|r| r.name.as_str()).collect();
        let mut unknown = rows.filter(|(rep, _)| !known.contains(rep));
        let (first_rep, first_line) = unknown.next()?;
        Some(UnknownReps { count: 1 + unknown.count(), first_line, first_rep: first_rep.to_string() })
    }
}

impl OwnersFile {
    /// The rows whose rep is not one of `reps` (they never take a lead).
    pub fn unknown_reps(&self, reps: &[crate::rules::Rep]) -> Option<UnknownReps> {
        UnknownReps::of(self.rows.iter().map(|(_, rep)| rep.as_str()).zip(self.lines.iter().copied()), reps)
    }

    /// The owners by account key, as `account_match` keys the export's
    /// accounts; the first row for a key wins.
    pub fn keyed(&self, account_match: AccountMatch) -> Owners {
        let mut owners = HashMap::new();
        let mut key = String::new();
        for (account, rep) in &self.rows {
            match account_match {
                AccountMatch::Exact => key = account.to_lowercase(),
                AccountMatch::Normalized => crate::support::identity::account_key(account, &mut key),
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
    let table = input::read_side_file(path, "the owners file", "a header `account,rep`")?;
    let acc = find_column(path, &table.header, "account", "--owners")?;
    let rep = find_column(path, &table.header, "rep", "--owners")?;
    let (mut rows, mut lines) = (Vec::new(), Vec::new());
    for (line, cells) in table.rows {
        let (a, r) = (cells[acc].trim(), cells[rep].trim());
        if !a.is_empty() && !r.is_empty() {
            rows.push((a.to_string(), r.to_string()));
            lines.push(line);
        }
    }
    Ok(OwnersFile { rows, lines })
}
