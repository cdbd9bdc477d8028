//! Reading an export: bytes in, decoded UTF-8 text out (BOM dropped, encoding
//! checked or windows-1252 decoded), the delimiter detected, records split with
//! csv-core straight from the in-memory text, physical line numbers, and header
//! matching. Everything here is about the file's dialect, nothing about rules.

use std::collections::HashMap;
use std::io::Read;

use crate::error::{Error, NAMES_SHOWN, name_list, shorten, thousands};
use crate::rules::Encoding;

/// A whole export in memory, as UTF-8.
pub struct Input {
    /// How messages name it: the path, or `<stdin>`.
    pub name: String,
    /// The decoded text: UTF-8 by type, so fields split from it are UTF-8 too.
    pub text: String,
}

/// A small CSV beside the export (`--owners`, `--outcomes`): its header and
/// its rows with their line numbers.
pub struct SideFile {
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads a side file as Excel or a CRM saves it: UTF-8 when the bytes are
/// valid UTF-8, else windows-1252 (a BOM dropped), the delimiter detected. A
/// malformed row exits 1 naming its line. `expected` says what the header
/// should be, for the message about an empty file.
pub fn read_side_file(path: &str, what: &str, expected: &str) -> Result<SideFile, Error> {
    let (name, bytes) = read_raw(path, what)?;
    let encoding = if simdutf8::basic::from_utf8(&bytes).is_ok() { Encoding::Utf8 } else { Encoding::Windows1252 };
    let input = decode(name, bytes, encoding)?;
    let text = &input.text;
    let delimiter = detect_delimiter(text.as_bytes());
    let mut rr = RecordReader::new(delimiter);
    let Some(head) = rr.read(text, 0) else {
        return Err(Error::input(format!("{path}: {what} is empty; expected {expected}")));
    };
    let header: Vec<String> = head.fields.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
    let mut pos = head.end;
    let mut rows = Vec::new();
    let mut lc = LineCounter::default();
    while let Some(rec) = rr.read(text, pos) {
        pos = rec.end;
        let line = lc.line_at(text.as_bytes(), rec.start);
        let f = rec.fields;
        if rec.end == text.len() && ends_in_quote(&text.as_bytes()[rec.start..rec.end], delimiter) {
            return Err(Error::input(format!(
                "{path}:{line}: unterminated quote in {what}: a quoted cell (\") of this row is never closed, so \
                 it runs to the end of the file; close the quote, or remove it"
            )));
        }
        if f.len() != header.len() {
            return Err(Error::input(format!(
                "{path}:{line}: malformed row in {what}: expected {} fields, found {}; fix the row",
                header.len(),
                f.len()
            )));
        }
        rows.push((line, (0..f.len()).map(|i| f.str(i).to_string()).collect()));
    }
    Ok(SideFile { header, rows })
}

/// Reads a path, or standard input for `-`: (name for messages, bytes).
/// `what` names the file in messages ("the lead export", "the owners file").
pub fn read_raw(path: &str, what: &str) -> Result<(String, Vec<u8>), Error> {
    Ok(if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| Error::input(format!("<stdin>: cannot read standard input: {}", e)))?;
        ("<stdin>".to_string(), buf)
    } else {
        let bytes = read_file(path).map_err(|e| Error::input(format!("{path}: cannot read {what}: {}", e)))?;
        (path.to_string(), bytes)
    })
}

/// Reads a whole file. A large regular file is read in pieces on every thread
/// at once: the kernel's copy into our memory, and the page faults that come
/// with it, are then shared by the cores instead of holding up the start.
#[cfg(unix)]
fn read_file(path: &str) -> std::io::Result<Vec<u8>> {
    use rayon::prelude::*;
    use std::os::unix::fs::FileExt;
    const PIECE: usize = 4 << 20;
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let len = meta.len() as usize;
    if !meta.is_file() || len < 2 * PIECE || rayon::current_num_threads() < 2 {
        let mut buf = Vec::new();
        (&file).read_to_end(&mut buf)?;
        return Ok(buf);
    }
    let mut buf = vec![0u8; len];
    buf.par_chunks_mut(PIECE)
        .enumerate()
        .try_for_each(|(i, piece)| file.read_exact_at(piece, (i * PIECE) as u64))
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => std::io::Error::other(
                "the file got shorter while it was being read (is it still being written? run leadroute once the \
                 export is complete)",
            ),
            _ => e,
        })?;
    // Whatever was appended since the size was taken.
    let mut rest = &file;
    std::io::Seek::seek(&mut rest, std::io::SeekFrom::Start(len as u64))?;
    rest.read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(not(unix))]
fn read_file(path: &str) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
}

/// The longest physical line an export (or a side file) may have: 64 MiB.
/// A CSV line that long is not a lead (Excel's cell limit is 32,767
/// characters); refusing it before any parsing keeps the memory a broken
/// file costs at its own size.
pub const MAX_LINE: usize = 64 << 20;

/// Drops a UTF-8 BOM; checks UTF-8 or decodes windows-1252 (WHATWG).
/// A line longer than `MAX_LINE` is an error.
pub fn decode(name: String, mut bytes: Vec<u8>, encoding: Encoding) -> Result<Input, Error> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    if let Some(at) = overlong_line(&bytes, MAX_LINE) {
        let line = LineCounter::default().line_at(&bytes, at);
        return Err(Error::input(format!(
            "{name}:{line}: the line is longer than {} MiB, the most leadroute reads in one line; is this a CSV \
             export? Check that the file is complete and that its line breaks are LF or CRLF",
            MAX_LINE >> 20
        )));
    }
    let text = match encoding {
        // SAFETY: simdutf8 has just checked that the bytes are valid UTF-8.
        Encoding::Utf8 if simdutf8::basic::from_utf8(&bytes).is_ok() => unsafe { String::from_utf8_unchecked(bytes) },
        // Invalid: std's check finds where, for the message.
        Encoding::Utf8 => String::from_utf8(bytes).map_err(|e| {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let line = LineCounter::default().line_at(bytes, at);
            Error::input(format!(
                "{name}:{line}: invalid UTF-8 (byte 0x{:02X}); if the export comes from Excel or an older \
                 CRM, set `encoding = \"windows-1252\"` in [input] of the rules",
                bytes[at]
            ))
        })?,
        Encoding::Windows1252 => encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes).0.into_owned(),
    };
    Ok(Input { name, text })
}

/// Where the first line longer than `max` bytes starts, if there is one. A
/// look back from `max` bytes ahead finds the last line break of each window
/// (LF or a lone CR), so a file of short lines costs one step per `max`
/// bytes, not one per line.
fn overlong_line(text: &[u8], max: usize) -> Option<usize> {
    let mut start = 0;
    while text.len() - start > max {
        // A line of exactly `max` bytes ends at `start + max`.
        match memchr::memrchr2(b'\n', b'\r', &text[start..=start + max]) {
            Some(i) => start += i + 1,
            None => return Some(start),
        }
    }
    None
}

/// Counts physical lines (LF, CRLF or a lone CR each end one) up to a byte
/// offset, incrementally: callers ask in increasing offset order.
#[derive(Default, Clone)]
pub struct LineCounter {
    pos: usize,
    breaks: usize,
}

impl LineCounter {
    /// 1-based line of the byte at `offset`.
    pub fn line_at(&mut self, text: &[u8], offset: usize) -> usize {
        let offset = offset.min(text.len());
        if offset < self.pos {
            *self = LineCounter::default();
        }
        let chunk = &text[self.pos..offset];
        let lf = memchr::memchr_iter(b'\n', chunk).count();
        let lone_cr = memchr::memchr_iter(b'\r', chunk).filter(|&i| text.get(self.pos + i + 1) != Some(&b'\n')).count();
        self.breaks += lf + lone_cr;
        self.pos = offset;
        self.breaks + 1
    }
}

/// The delimiter of `auto`: the most frequent of `,` `;` tab `|` in the header
/// line (the first non-empty line), outside quotes; ties go to the earlier one;
/// none found means `,`.
pub fn detect_delimiter(text: &[u8]) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let start = text.iter().position(|&b| b != b'\n' && b != b'\r').unwrap_or(text.len());
    let mut counts = [0usize; 4];
    let mut in_quotes = false;
    for &b in &text[start..] {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            _ if !in_quotes => {
                if let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..4 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    CANDIDATES[best]
}

/// Whether a record's raw bytes end inside a quoted field (an unterminated quote).
pub fn ends_in_quote(raw: &[u8], delimiter: u8) -> bool {
    #[derive(PartialEq)]
    enum S {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut s = S::FieldStart;
    for &b in raw {
        s = match s {
            S::FieldStart if b == b'"' => S::Quoted,
            S::FieldStart | S::Unquoted if b == delimiter || b == b'\n' || b == b'\r' => S::FieldStart,
            S::FieldStart | S::Unquoted => S::Unquoted,
            S::Quoted if b == b'"' => S::QuoteInQuoted,
            S::Quoted => S::Quoted,
            S::QuoteInQuoted if b == b'"' => S::Quoted,
            S::QuoteInQuoted if b == delimiter || b == b'\n' || b == b'\r' => S::FieldStart,
            S::QuoteInQuoted => S::Unquoted,
        };
    }
    s == S::Quoted
}

/// One parsed record's fields, borrowed from a reader's buffers or, for a
/// plain line, from the text itself.
#[derive(Clone, Copy)]
pub struct Fields<'a> {
    buf: &'a [u8],
    /// Where each field ends in `buf`; the next starts `gap` bytes later
    /// (0 for csv-core's packed output, 1 for a delimiter in a plain line).
    ends: &'a [usize],
    gap: usize,
}

impl<'a> Fields<'a> {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn bytes(&self, i: usize) -> &'a [u8] {
        &self.buf[self.range(i)]
    }

    /// A field as text.
    pub fn str(&self, i: usize) -> &'a str {
        let b = self.bytes(i);
        debug_assert!(std::str::from_utf8(b).is_ok());
        // SAFETY: `RecordReader::read` takes `&str`, and csv-core only splits
        // at and removes ASCII bytes (delimiters, quotes, line ends), so every
        // field it produces from valid UTF-8 is valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(b) }
    }

    /// Where field `i` lies in `raw()`.
    #[inline]
    pub fn range(&self, i: usize) -> std::ops::Range<usize> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] + self.gap };
        start..self.ends[i]
    }

    /// The bytes all fields are slices of.
    #[inline]
    pub fn raw(&self) -> &'a [u8] {
        self.buf
    }

    /// A field as a cell value: text with surrounding whitespace trimmed.
    pub fn cell(&self, i: usize) -> &'a str {
        trim_cell(self.str(i))
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).map(|i| self.bytes(i))
    }
}

/// `str::trim`, cheap for the usual ASCII edges: ASCII whitespace is stripped
/// byte by byte, and the Unicode trim runs only when a non-ASCII byte is left at
/// either end (a no-break space, say). The result always equals `s.trim()`.
pub fn trim_cell(s: &str) -> &str {
    let (a, b) = trim_range(s);
    &s[a..b]
}

/// Where `trim_cell(s)` lies in `s`.
#[inline]
pub fn trim_range(s: &str) -> (usize, usize) {
    let b = s.as_bytes();
    // The usual cell: neither end is a space, a control byte or non-ASCII.
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if (b'!'..0x80).contains(f) && (b'!'..0x80).contains(l) => return (0, b.len()),
        (None, _) | (_, None) => return (0, 0),
        _ => {}
    }
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r');
    let Some(start) = b.iter().position(|c| !ws(c)) else { return (0, 0) };
    let end = b.iter().rposition(|c| !ws(c)).map_or(start, |i| i + 1);
    if b[start] < 0x80 && b[end - 1] < 0x80 {
        return (start, end);
    }
    // Only ASCII bytes were stripped, so both ends are char boundaries.
    let t = &s[start..end];
    let lead = t.len() - t.trim_start().len();
    if lead == t.len() {
        return (0, 0);
    }
    (start + lead, start + t.trim_end().len())
}

/// Splits records from in-memory text with csv-core: no copy of the input, one
/// reusable field buffer. Empty lines are skipped; LF, CRLF and CR end records.
///
/// Most lines of an export hold no quote at all; such a plain line (ended by
/// LF, CRLF or a lone CR, or by the end of the text) is split at its
/// delimiters directly (eight bytes at a time, no copy), which gives exactly
/// what csv-core gives for it and is several times faster. Any line with a
/// quote goes through csv-core.
pub struct RecordReader {
    core: csv_core::Reader,
    delimiter: u8,
    out: Vec<u8>,
    ends: Vec<usize>,
    plain_ends: Vec<usize>,
    /// Whether plain lines take the fast path (off only to test it against csv-core).
    plain: bool,
}

/// A record: where it starts and ends in the text, and its fields.
pub struct Record<'a> {
    pub start: usize,
    pub end: usize,
    pub fields: Fields<'a>,
}

impl RecordReader {
    pub fn new(delimiter: u8) -> RecordReader {
        RecordReader {
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            delimiter,
            out: vec![0; 1024],
            ends: vec![0; 64],
            plain_ends: Vec::with_capacity(64),
            plain: true,
        }
    }

    /// Reads the record that starts at (or, past empty lines, after) `pos`.
    /// None at the end of the text.
    pub fn read<'s>(&'s mut self, text: &'s str, pos: usize) -> Option<Record<'s>> {
        let text = text.as_bytes();
        use csv_core::ReadRecordResult as R;
        // Empty lines are skipped; a record starts at its first byte.
        let skip = text[pos.min(text.len())..].iter().take_while(|&&b| b == b'\n' || b == b'\r').count();
        let start = pos + skip;
        if start >= text.len() {
            return None;
        }
        if let Some((line_end, end)) = plain_line(text, start).filter(|_| self.plain) {
            let line = &text[start..line_end];
            self.plain_ends.clear();
            push_positions(line, self.delimiter, &mut self.plain_ends);
            self.plain_ends.push(line.len());
            return Some(Record { start, end, fields: Fields { buf: line, ends: &self.plain_ends, gap: 1 } });
        }
        self.core.reset();
        // After a reset csv-core drops a byte-order mark at the start of the
        // next input, as if the record began the file. Only the file's own
        // BOM is dropped (by `decode`); a U+FEFF that starts a later record is
        // a character of its cell. An empty line fed first (skipped, as
        // between records) makes csv-core consider the input begun.
        let _ = self.core.read_record(b"\n", &mut [], &mut []);
        let mut at = start;
        let (mut nout, mut nend) = (0, 0);
        loop {
            let input = &text[at..];
            let (res, nin, o, e) = self.core.read_record(input, &mut self.out[nout..], &mut self.ends[nend..]);
            at += nin;
            nout += o;
            nend += e;
            match res {
                // With empty input csv-core finishes the last record.
                R::InputEmpty => {}
                R::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                R::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                R::Record => {
                    return Some(Record {
                        start,
                        end: at,
                        fields: Fields { buf: &self.out[..nout], ends: &self.ends[..nend], gap: 0 },
                    });
                }
                R::End => return None,
            }
        }
    }
}

/// Appends the index of every `byte` in `line`, eight bytes at a time. Fields
/// are short (a few bytes): this costs about a third of what a SIMD search
/// restarted at every field does (measured with callgrind on the benchmark
/// export), and a property test holds it to the plain definition.
fn push_positions(line: &[u8], byte: u8, out: &mut Vec<usize>) {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO * byte as u64;
    let mut words = line.chunks_exact(8);
    let mut base = 0;
    for w in &mut words {
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]) ^ pattern;
        // High bit of each byte of `x` that is zero, exactly: (b & 0x7F) + 0x7F
        // sets it for any nonzero low bits and cannot carry into the next byte.
        let mut zero = !(((x & !HI) + !HI) | x) & HI;
        while zero != 0 {
            out.push(base + (zero.trailing_zeros() / 8) as usize);
            zero &= zero - 1;
        }
        base += 8;
    }
    out.extend(words.remainder().iter().enumerate().filter(|&(_, &b)| b == byte).map(|(i, _)| base + i));
}

/// A record at `start` that is one line without quotes: (end of its fields,
/// end of the record). None when csv-core must read it. As in csv-core, the
/// record ends after its first CR or LF (the LF of a CRLF is then skipped as
/// an empty line).
fn plain_line(text: &[u8], start: usize) -> Option<(usize, usize)> {
    match memchr::memchr3(b'"', b'\n', b'\r', &text[start..]) {
        None => Some((text.len(), text.len())),
        Some(i) if text[start + i] == b'"' => None,
        Some(i) => Some((start + i, start + i + 1)),
    }
}

/// A header indexed by cell (trimmed, and trimmed and lower-cased), so that
/// finding every rules column costs one look-up each, however wide the export.
pub struct HeaderIndex<'h> {
    input_name: &'h str,
    header: &'h [String],
    /// Each trimmed cell: its first column and how many cells are equal to it.
    exact: HashMap<&'h str, (usize, usize)>,
    /// The same for the cells lower-cased.
    folded: HashMap<String, (usize, usize)>,
}

impl<'h> HeaderIndex<'h> {
    pub fn new(input_name: &'h str, header: &'h [String]) -> HeaderIndex<'h> {
        let mut exact: HashMap<&str, (usize, usize)> = HashMap::with_capacity(header.len());
        let mut folded: HashMap<String, (usize, usize)> = HashMap::with_capacity(header.len());
        for (i, cell) in header.iter().enumerate() {
            exact.entry(cell.trim()).or_insert((i, 0)).1 += 1;
            folded.entry(cell.trim().to_lowercase()).or_insert((i, 0)).1 += 1;
        }
        HeaderIndex { input_name, header, exact, folded }
    }

    /// Finds a rules column: the cell equal after trimming; failing that, the
    /// one equal case-insensitively. No match, or several, is an error (exit 1)
    /// that shows the header: all of it when it is short; else its size, the
    /// closest names and the first ones.
    pub fn find(&self, column: &str, used_by: &str) -> Result<usize, Error> {
        let want = column.trim();
        let lw = want.to_lowercase();
        let fold = |cell: &String| cell.trim().to_lowercase() == lw;
        if let Some(&(i, n)) = self.exact.get(want) {
            return if n == 1 {
                Ok(i)
            } else {
                Err(self.ambiguous(column, used_by, n, "exactly", |c| c.trim() == want))
            };
        }
        if let Some(&(i, n)) = self.folded.get(&lw) {
            return if n == 1 { Ok(i) } else { Err(self.ambiguous(column, used_by, n, "case-insensitively", fold)) };
        }
        Err(self.missing(column, used_by))
    }

    fn ambiguous(&self, column: &str, used_by: &str, n: usize, how: &str, hit: impl Fn(&String) -> bool) -> Error {
        let mut cols: Vec<String> = (0..self.header.len())
            .filter(|&i| hit(&self.header[i]))
            .take(NAMES_SHOWN)
            .map(|i| (i + 1).to_string())
            .collect();
        if n > NAMES_SHOWN {
            cols.push(format!("… and {} more", thousands(n - NAMES_SHOWN)));
        }
        Error::input(format!(
            "{}:1: column '{column}' ({used_by}) is ambiguous: {} header cells match it {how} (columns {}); \
             rename one in the export",
            self.input_name,
            thousands(n),
            cols.join(", ")
        ))
    }

    fn missing(&self, column: &str, used_by: &str) -> Error {
        let want = column.trim();
        let header = self.header;
        let cells = || header.iter().map(|h| h.trim());
        let shown = if header.len() <= NAMES_SHOWN {
            let hint = crate::support::suggest::did_you_mean(want, cells());
            let all: Vec<_> = cells().map(|h| shorten(h, 60)).collect();
            format!("{hint}; the header has: {}", all.join(", "))
        } else {
            let close = crate::support::suggest::closest(want, cells(), 3);
            let close = match close.is_empty() {
                true => format!("none close to '{}'", shorten(want, 60)),
                false => format!("closest: {}", name_list(close.into_iter())),
            };
            format!(
                "; the header has {} columns, {close}; first {NAMES_SHOWN}: {}",
                thousands(header.len()),
                name_list(cells().take(NAMES_SHOWN))
            )
        };
        let delimiter_hint = if header.len() == 1 {
            "; the header has a single column: is the delimiter right? (set [input] delimiter)"
        } else {
            ""
        };
        Error::input(format!("{}:1: no column '{column}' ({used_by}){shown}{delimiter_hint}", self.input_name))
    }
}

/// Finds one rules column in a header (see `HeaderIndex::find`).
pub fn find_column(input_name: &str, header: &[String], column: &str, used_by: &str) -> Result<usize, Error> {
    HeaderIndex::new(input_name, header).find(column, used_by)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overlong_line_is_found_by_its_start() {
        assert_eq!(overlong_line(b"", 4), None);
        assert_eq!(overlong_line(b"abcd", 4), None);
        assert_eq!(overlong_line(b"abcd\nefgh\r\nij\rklmn", 4), None);
        assert_eq!(overlong_line(b"abcde", 4), Some(0));
        assert_eq!(overlong_line(b"ab\ncdefg\nh", 4), Some(3));
        assert_eq!(overlong_line(b"ab\rcdef\rghijk", 4), Some(8));
        // A long file of short lines: no line is too long.
        assert_eq!(overlong_line("ab\n".repeat(1000).as_bytes(), 4), None);
    }

    fn records(text: &str) -> Vec<(usize, Vec<String>)> {
        let mut r = RecordReader::new(b',');
        let mut pos = 0;
        let mut out = Vec::new();
        while let Some(rec) = r.read(text, pos) {
            out.push((rec.start, rec.fields.iter().map(|f| String::from_utf8(f.to_vec()).unwrap()).collect()));
            pos = rec.end;
        }
        out
    }

    #[test]
    fn records_with_every_line_end_and_quotes() {
        let got = records("a,b\r\n1,\"x,\"\"y\"\"\nz\"\r\r\n2,3\r4,5");
        let fields: Vec<Vec<String>> = got.iter().map(|r| r.1.clone()).collect();
        assert_eq!(
            fields,
            vec![vec!["a", "b"], vec!["1", "x,\"y\"\nz"], vec!["2", "3"], vec!["4", "5"]]
                .into_iter()
                .map(|v| v.into_iter().map(String::from).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        );
        let text = "a,b\r\n1,\"x,\"\"y\"\"\nz\"\r\r\n2,3\r4,5".as_bytes();
        let mut lc = LineCounter::default();
        let lines: Vec<usize> = got.iter().map(|r| lc.line_at(text, r.0)).collect();
        assert_eq!(lines, vec![1, 2, 5, 6]);
    }

    fn all_records(text: &str, delimiter: u8, plain: bool) -> Vec<(usize, usize, Vec<Vec<u8>>)> {
        let mut r = RecordReader::new(delimiter);
        r.plain = plain;
        let mut pos = 0;
        let mut out = Vec::new();
        while let Some(rec) = r.read(text, pos) {
            out.push((rec.start, rec.end, rec.fields.iter().map(<[u8]>::to_vec).collect()));
            pos = rec.end;
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The plain-line fast path splits every text exactly as csv-core does:
        /// same records, same starts and ends, same fields.
        #[test]
        fn plain_lines_split_as_csv_core_does(
            text in "[ab,;\"\n\r é]{0,60}",
            semicolon in proptest::bool::ANY,
        ) {
            let d = if semicolon { b';' } else { b',' };
            proptest::prop_assert_eq!(all_records(&text, d, true), all_records(&text, d, false));
        }
    }

    proptest::proptest! {
        #[test]
        fn trim_cell_is_str_trim(s in "[ a\t\n\r\x0B\x0C\u{a0}\u{2003}\u{3000}é\u{85}]{0,12}") {
            proptest::prop_assert_eq!(trim_cell(&s), s.trim());
            let (a, b) = trim_range(&s);
            proptest::prop_assert_eq!(&s[a..b], s.trim());
        }
    }

    proptest::proptest! {
        #[test]
        fn push_positions_finds_every_byte(line in proptest::collection::vec(proptest::sample::select(vec![b',', b';', b'a', 0u8, 0x80, 0xFF, 0x2C ^ 0x80]), 0..70)) {
            let mut got = Vec::new();
            push_positions(&line, b',', &mut got);
            let want: Vec<usize> = line.iter().enumerate().filter(|(_, b)| **b == b',').map(|(i, _)| i).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn plain_and_quoted_lines_mix() {
        let text = "a,b\r\n1,\"2\n3\"\n\n4,5\r6,7\n8,\r\n,9";
        let got = all_records(text, b',', true);
        assert_eq!(got, all_records(text, b',', false));
        let fields: Vec<Vec<&[u8]>> = got.iter().map(|r| r.2.iter().map(|f| f.as_slice()).collect()).collect();
        let want: Vec<Vec<&[u8]>> = vec![
            vec![b"a", b"b"],
            vec![b"1", b"2\n3"],
            vec![b"4", b"5"],
            vec![b"6", b"7"],
            vec![b"8", b""],
            vec![b"", b"9"],
        ];
        assert_eq!(fields, want);
    }

    #[test]
    fn empty_lines_are_skipped_and_counted() {
        let text = "\n\na\n\nb\n";
        let got = records(text);
        assert_eq!(got.len(), 2);
        let mut lc = LineCounter::default();
        assert_eq!(lc.line_at(text.as_bytes(), got[0].0), 3);
        assert_eq!(lc.line_at(text.as_bytes(), got[1].0), 5);
    }

    #[test]
    fn delimiter_detection() {
        assert_eq!(detect_delimiter(b"a;b;c,d\n1,2,3,4,5"), b';');
        assert_eq!(detect_delimiter(b"\"a;b;c\",d\n"), b',');
        assert_eq!(detect_delimiter(b"a|b\tc\n"), b'\t');
        assert_eq!(detect_delimiter(b"abc\n"), b',');
        assert_eq!(detect_delimiter(b"\r\n\"x\ny;z;w\",q\n"), b',');
    }

    #[test]
    fn unterminated_quotes() {
        assert!(ends_in_quote(b"a,\"b,c\n", b','));
        assert!(!ends_in_quote(b"a,\"b\",c\n", b','));
        assert!(!ends_in_quote(b"a,b\"c,d", b','));
        assert!(ends_in_quote(b"a,\"b\"\"", b','));
    }

    #[test]
    fn header_matching() {
        let h: Vec<String> = ["Lead ID", " Email ", "email", "Score"].iter().map(|s| s.to_string()).collect();
        assert_eq!(find_column("f", &h, "Lead ID", "x").unwrap(), 0);
        assert_eq!(find_column("f", &h, "Email", "x").unwrap(), 1);
        assert_eq!(find_column("f", &h, "score", "x").unwrap(), 3);
        assert!(find_column("f", &h, "EMAIL", "x").unwrap_err().message().contains("ambiguous"));
        assert!(find_column("f", &h, "Lead Id ", "x").is_ok());
        let e = find_column("f", &h, "Lead", "x").unwrap_err();
        assert!(e.message().contains("the header has"), "{}", e.message());
    }

    #[test]
    fn windows_1252_follows_whatwg() {
        let i = decode("f".into(), vec![b'a', 0xE4, 0x81, 0x80], Encoding::Windows1252).unwrap();
        assert_eq!(i.text, "a\u{e4}\u{81}\u{20ac}");
        let e = decode("f".into(), b"a\nb\xE4\n".to_vec(), Encoding::Utf8).err().unwrap();
        assert!(e.message().starts_with("f:2: invalid UTF-8"), "{}", e.message());
    }
}
