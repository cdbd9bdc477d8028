//! How a ledger fails: one type that carries the ledger's path, the message
//! (what went wrong and what to do), and the SQLite or file-system error
//! behind it. SQLite's errors get their message in one place, `Ledger::sql`;
//! `.or_ledger(&ledger)?` brings a SQLite result there.

use super::Ledger;
use crate::error::Error;

/// A ledger that cannot be opened, read or written (exit 1).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct LedgerError {
    /// The ledger's path, as given.
    pub path: String,
    /// `PATH: what went wrong; what to do`.
    message: String,
    /// The error SQLite or the file system reported; the message quotes it
    /// where it helps.
    #[source]
    source: Option<Cause>,
}

/// What a ledger error comes from.
#[derive(Debug, thiserror::Error)]
pub enum Cause {
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
}

impl LedgerError {
    /// `path: what`, caused by `source` (if any).
    pub fn new(path: &str, what: impl std::fmt::Display, source: Option<Cause>) -> LedgerError {
        LedgerError { path: path.to_string(), message: format!("{path}: {what}"), source }
    }

    /// The message as written, before it is made printable.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// A SQLite result in the ledger's words: `.or_ledger(&ledger)?`.
pub trait OrLedger<T> {
    fn or_ledger(self, l: &Ledger) -> Result<T, Error>;
}

impl<T> OrLedger<T> for rusqlite::Result<T> {
    fn or_ledger(self, l: &Ledger) -> Result<T, Error> {
        self.map_err(|e| l.sql(e))
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use crate::error::Error;
    use crate::ledger::Ledger;

    /// A file that is not a database: the message names the file and the
    /// fix, as before, and SQLite's error stays behind it as its source.
    #[test]
    fn a_sqlite_error_keeps_its_path_and_source() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "Lead ID,Rep\nL-1,Anna\n".repeat(200)).unwrap();
        let path = path.to_str().unwrap();
        let Err(Error::Ledger(e)) = Ledger::open_for_reading(path) else { panic!("expected a ledger error") };
        assert_eq!(e.path, path);
        assert_eq!(
            e.to_string(),
            format!(
                "{path}: is not a leadroute ledger (not an SQLite database, or a ledger so corrupt that its header \
                 is gone); it was left untouched. Give --ledger a new file name, or the ledger your runs use; if \
                 this is that ledger, restore it from a backup"
            )
        );
        let source = e.source().expect("the SQLite error behind it");
        let Some(super::Cause::Sql(sql)) = source.downcast_ref::<super::Cause>() else { panic!("a SQLite error") };
        assert_eq!(sql.sqlite_error_code(), Some(rusqlite::ErrorCode::NotADatabase));
        // The contract's error prints the message alone (the source is quoted
        // where it helps, never appended) and exits 1.
        let err = Error::Ledger(e);
        assert!(err.source().is_none());
        assert_eq!(err.exit(), crate::error::Exit::Failure);
    }
}
