//! Failures that carry the contract's exit code. Rules errors are 2 (see
//! `rules::RulesError`); a `Fail` carries its own code; anything else is 1.

use std::borrow::Cow;
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

/// Shown with user text made `printable`: whatever a message quotes, it stays one line.
impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&printable(&self.msg))
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

/// Whether `printable` escapes a character: an ASCII control, or what
/// `str::escape_debug` escapes after a first character (so not a combining
/// mark, which belongs to the character before it).
fn needs_escape(c: char) -> bool {
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
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
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
