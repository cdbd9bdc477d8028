//! How a run fails, and the contract's exit status for it (docs/reference.md §2). Library
//! code returns an `Error` of the kind that decides the status; the binary edge
//! adds context with anyhow, prints one line and exits with `exit_of`.

use std::borrow::Cow;

/// How a run ends: the contract's exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: everything was written.
    Success,
    /// 3: everything was written, but some rows were malformed (rejected).
    Rejected,
    /// 1: unreadable input, a missing column, invalid encoding, an I/O error,
    /// `--strict` tripped; nothing was written.
    Failure,
    /// 2: an invalid command line or rules file; nothing was written.
    Usage,
    /// 130: interrupted (SIGINT, SIGTERM, SIGHUP) before the commit.
    Interrupted,
    /// 141: the CSV went to standard output and its reader closed early.
    ClosedPipe,
}

impl Exit {
    /// A finished run: success, or success with `rejected` malformed rows.
    pub fn after(rejected: usize) -> Exit {
        if rejected == 0 { Exit::Success } else { Exit::Rejected }
    }

    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Rejected => 3,
            Exit::Interrupted => 130,
            // 128 + SIGPIPE, as a shell reports a process killed by it.
            Exit::ClosedPipe => 141,
        }
    }
}

/// A failure, by the part of the contract it breaks. Each message already
/// names the file (and line, column) it is about; user text in it is shown
/// `printable`, so a message stays one line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input cannot be used: unreadable, empty, badly encoded, a missing
    /// column, the owners file, `--strict` (exit 1).
    #[error("{}", printable(.0))]
    Input(String),
    /// An output cannot be written or moved into place (exit 1).
    #[error("{}", printable(.0))]
    Output(String),
    /// An invalid command line (exit 2).
    #[error("{}", printable(.0))]
    Usage(String),
    /// An invalid rules file or `--set` (exit 2).
    #[error("{}", printable(.0))]
    Rules(String),
    /// A ledger cannot be opened, read or written (exit 1). Its message
    /// quotes what SQLite said where it helps, so the cause behind it is not
    /// printed again.
    #[error("{}", printable(.0.message()))]
    Ledger(crate::ledger::LedgerError),
    /// The reader of the CSV on standard output closed it early (exit 141,
    /// and no message).
    #[error("standard output was closed by its reader")]
    ClosedPipe,
}

impl Error {
    pub fn input(msg: impl Into<String>) -> Error {
        Error::Input(msg.into())
    }

    pub fn output(msg: impl Into<String>) -> Error {
        Error::Output(msg.into())
    }

    pub fn usage(msg: impl Into<String>) -> Error {
        Error::Usage(msg.into())
    }

    pub fn exit(&self) -> Exit {
        match self {
            Error::Input(_) | Error::Output(_) | Error::Ledger(_) => Exit::Failure,
            Error::Usage(_) | Error::Rules(_) => Exit::Usage,
            Error::ClosedPipe => Exit::ClosedPipe,
        }
    }

    /// The message as written, before it is made printable.
    pub fn message(&self) -> &str {
        match self {
            Error::Input(m) | Error::Output(m) | Error::Usage(m) | Error::Rules(m) => m,
            Error::Ledger(e) => e.message(),
            Error::ClosedPipe => "",
        }
    }
}

impl From<crate::ledger::LedgerError> for Error {
    fn from(e: crate::ledger::LedgerError) -> Error {
        Error::Ledger(e)
    }
}

/// The exit status for an error that reached `main`: that of the first
/// `Error` in its chain; any other error is a failure (exit 1).
pub fn exit_of(e: &anyhow::Error) -> Exit {
    e.chain().find_map(|cause| cause.downcast_ref::<Error>()).map_or(Exit::Failure, Error::exit)
}

/// Text from a user (a `--set` argument, a name, a header cell, an id) as an
/// error message shows it: control characters and invisible ones (a bidi
/// override, a zero-width space, a byte-order mark) are escaped as Rust's
/// `escape_debug` writes them (`\n`, `\t`, `\u{1b}`, `\u{feff}`), everything
/// else is kept as it is (quotes and backslashes too, and combining accents).
/// A message then stays one line, a name cannot recolour the terminal or hide
/// part of the line, and an invisible difference between two names shows.
pub fn printable(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `printable` line by line: a report of many lines keeps its line breaks,
/// and nothing else in it can move the cursor, recolour the terminal or
/// reorder the text.
pub fn printable_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(s);
    }
    let lines: Vec<Cow<'_, str>> = s.split('\n').map(printable).collect();
    Cow::Owned(lines.join("\n"))
}

/// Whether `printable` escapes a character: an ASCII control, or what
/// `str::escape_debug` escapes after a first character (so not a combining
/// mark, which belongs to the character before it).
pub fn needs_escape(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    let mut buf = [0u8; 5];
    buf[0] = b'a';
    let len = 1 + c.encode_utf8(&mut buf[1..]).len();
    std::str::from_utf8(&buf[..len]).map_or(true, |s| s.escape_debug().nth(1) != Some(c))
}

/// The most names a message lists (header cells, names of a kind).
pub const NAMES_SHOWN: usize = 20;

/// Names for a message, `'a', 'b', 'c'`: at most `NAMES_SHOWN` (then `… and
/// 199,980 more`), each cut to 60 characters. However many or long the names
/// are, the message stays short.
pub fn name_list<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    let total = names.len();
    let mut shown: Vec<String> = names.take(NAMES_SHOWN).map(|n| format!("'{}'", shorten(n, 60))).collect();
    if total > NAMES_SHOWN {
        shown.push(format!("… and {} more", thousands(total - NAMES_SHOWN)));
    }
    shown.join(", ")
}

/// At most `max` characters of `s`, with `…` when cut.
pub fn shorten(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
        None => Cow::Borrowed(s),
    }
}

/// `200,000`: a count as a message writes it.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_controls_and_invisible_characters_only() {
        assert!(matches!(printable("plain 'text' \\ \"q\""), Cow::Borrowed(_)));
        assert_eq!(printable("a\x1b[31mb\nc\td\r"), "a\\u{1b}[31mb\\nc\\td\\r");
        assert_eq!(printable("\u{202e}x\u{feff}y\u{85}z\u{7f}"), "\\u{202e}x\\u{feff}y\\u{85}z\\u{7f}");
        // Letters, accents (combining ones too) and symbols stay as they are.
        assert_eq!(printable("Päivi e\u{301} ≥ … 漢"), "Päivi e\u{301} ≥ … 漢");
    }

    #[test]
    fn printable_lines_keep_line_breaks_only() {
        assert!(matches!(printable_lines("a\nb ≥ c\n"), Cow::Borrowed(_)));
        assert_eq!(printable_lines("a\x1b]0;x\x07\nb\rc\n"), "a\\u{1b}]0;x\\u{7}\nb\\rc\n");
    }

    #[test]
    fn name_lists_stay_short() {
        let names: Vec<String> = (0..200_000).map(|i| format!("c{i}")).collect();
        let list = name_list(names.iter().map(String::as_str));
        assert!(list.starts_with("'c0', 'c1', "), "{list}");
        assert!(list.ends_with("'c19', … and 199,980 more"), "{list}");
        let long = "x".repeat(1_000_000);
        assert_eq!(name_list([long.as_str()].into_iter()).chars().count(), 63);
        assert_eq!(name_list(["a", "b"].into_iter()), "'a', 'b'");
        assert_eq!(
            (thousands(0), thousands(999), thousands(1000), thousands(1_234_567)),
            ("0".into(), "999".into(), "1,000".into(), "1,234,567".into())
        );
    }
}
