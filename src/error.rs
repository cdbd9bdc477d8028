//! Failures that carry the contract's exit code. Rules errors are 2 (see
//! `rules::RulesError`); a `Fail` carries its own code; anything else is 1.

use std::fmt;

/// The exit code when the reader of the CSV on standard output closed early
/// (128 + SIGPIPE, as a shell reports a process killed by it).
pub const CLOSED_PIPE: u8 = 141;

#[derive(Debug)]
pub struct Fail {
    pub code: u8,
    pub msg: String,
}

impl Fail {
    /// Unreadable input, missing column, invalid encoding, I/O: exit 1.
    pub fn input(msg: impl Into<String>) -> Fail {
        Fail { code: 1, msg: msg.into() }
    }

    /// The CSV went to standard output and its reader closed early: exit 141,
    /// no message.
    pub fn closed_pipe() -> Fail {
        Fail { code: CLOSED_PIPE, msg: String::new() }
    }

    /// Invalid command line or rules: exit 2.
    pub fn usage(msg: impl Into<String>) -> Fail {
        Fail { code: 2, msg: msg.into() }
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Fail {}

/// An I/O error's reason without the `(os error N)` noise.
pub fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The exit code for an error that reached `main`.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    for cause in e.chain() {
        if let Some(f) = cause.downcast_ref::<Fail>() {
            return f.code;
        }
        if cause.downcast_ref::<crate::rules::RulesError>().is_some() {
            return 2;
        }
    }
    1
}
