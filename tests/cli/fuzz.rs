//! A mutation-based fuzz test that runs on stable Rust (cargo-fuzz needs
//! nightly). The seed files in `tests/fuzz-corpus/` (one folder per family of
//! exports, rules and owners files that fit together) are mutated by a
//! generator seeded from (seed, case number): bytes (bit flips, inserted
//! delimiters, quotes, line ends, NUL, BOM and 0xFF, deleted and duplicated
//! spans, splices of two seeds, long runs), the export's structure (lines and
//! cells dropped, duplicated, swapped or made very long; line ends, delimiter
//! and BOM changed; the file grown past the parallel reader's chunk size), the
//! rules' values, keys, tables and names, the owners file, and the `--set`
//! overrides. Each case runs the real binary with a time limit and checks
//! what the contract promises whatever the input:
//!
//! - no panic, crash or hang: exit 0, 1, 2 or 3, within the limit, and no
//!   "panicked" on standard error;
//! - exit 0/3 of `assign` and `score`: the CSV parses and every record has as
//!   many fields as its header; output rows = `well_formed`, rejects file rows
//!   = `rejected`, `rows_read` = the two together, exit 3 exactly when rows
//!   were rejected; the summary's stage, reason and rep counts those of the
//!   rows, no rep over capacity; where an independent reading of the export is reliable
//!   (see `independent`), the same counts from the export itself and each
//!   well-formed record exactly once in the output, and the same missing and
//!   duplicate ids; scores in rank order;
//!   inputs unchanged and no stray (temporary) file left;
//! - exit 1/2: exactly one `leadroute: error:` line on standard error,
//!   nothing on standard output, and every file in the folder as it was (no
//!   output created or changed); an output that names an input or another
//!   output exits 2.
//!
//! `cargo test` runs a short run with a fixed seed. The long run, for
//! maintainers (a release build; `--nocapture` shows progress every minute):
//!
//! ```sh
//! LEADROUTE_FUZZ_MINUTES=30 LEADROUTE_FUZZ_SEED=20261101 LEADROUTE_FUZZ_JOBS=2 \
//!     cargo test --release --test cli fuzz -- --nocapture
//! ```
//!
//! - `LEADROUTE_FUZZ_SEED`: the generator's seed (default 1);
//! - `LEADROUTE_FUZZ_CASES`: how many cases (default 500; no limit when only
//!   `LEADROUTE_FUZZ_MINUTES` is given);
//! - `LEADROUTE_FUZZ_MINUTES`: stop starting cases after this long;
//! - `LEADROUTE_FUZZ_JOBS`: cases run at once (default 1);
//! - `LEADROUTE_FUZZ_TIMEOUT`: seconds before a run counts as a hang (default 10);
//! - `LEADROUTE_FUZZ_CASE`: run only this case (how a finding is rerun);
//! - `LEADROUTE_FUZZ_VERBOSE`: print each case's command, exit and first error line.
//!
//! A finding's files, command line and what went wrong are written to
//! `target/fuzz-findings/SEED-CASE/` (`repro.sh` reruns it on a copy); the
//! test then fails naming the folders and the command that reruns each case.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use toml::Value;

use crate::workdir::{Run, Workdir};

type Rng = Xoshiro256PlusPlus;

const AS_OF: &str = "2026-11-01";
const DEFAULT_CASES: u64 = 500;
/// Findings kept on disk in one run (every finding is still counted).
const KEPT_FINDINGS: usize = 40;
/// Folders kept per kind of finding and command.
const KEPT_PER_KIND: usize = 3;

// ---------------------------------------------------------------------------
// Settings and the corpus

struct Settings {
    seed: u64,
    cases: Option<u64>,
    minutes: Option<f64>,
    only: Option<u64>,
    jobs: usize,
    timeout: Duration,
    verbose: bool,
}

fn env_var<T: std::str::FromStr>(name: &str) -> Option<T> {
    let v = std::env::var(name).ok()?;
    Some(v.trim().parse().unwrap_or_else(|_| panic!("{name}={v:?}: not a valid number")))
}

impl Settings {
    fn from_env() -> Settings {
        let minutes = env_var::<f64>("LEADROUTE_FUZZ_MINUTES");
        let cases =
            env_var::<u64>("LEADROUTE_FUZZ_CASES").or(if minutes.is_some() { None } else { Some(DEFAULT_CASES) });
        Settings {
            seed: env_var("LEADROUTE_FUZZ_SEED").unwrap_or(1),
            cases,
            minutes,
            only: env_var("LEADROUTE_FUZZ_CASE"),
            jobs: env_var::<usize>("LEADROUTE_FUZZ_JOBS").unwrap_or(1).max(1),
            timeout: Duration::from_secs_f64(env_var("LEADROUTE_FUZZ_TIMEOUT").unwrap_or(10.0)),
            verbose: std::env::var_os("LEADROUTE_FUZZ_VERBOSE").is_some(),
        }
    }
}

struct Named {
    name: String,
    bytes: Vec<u8>,
}

/// Files that fit together: the rules name the exports' columns and the owners
/// files name the rules' reps.
struct Family {
    name: String,
    exports: Vec<Named>,
    rules: Vec<Named>,
    owners: Vec<Named>,
    /// Header cells and rules names: the strings mutations put into cells and values.
    words: Vec<String>,
}

fn corpus() -> Vec<Family> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let families: Vec<Family> = dirs.iter().map(|d| family(d)).collect();
    assert!(
        families.iter().all(|f| !f.exports.is_empty() && !f.rules.is_empty()),
        "every family needs an export and rules"
    );
    families
}

fn family(dir: &Path) -> Family {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("family folder").map(|e| e.expect("corpus file").path()).collect();
    files.sort();
    let mut f = Family {
        name: dir.file_name().expect("name").to_string_lossy().into_owned(),
        exports: Vec::new(),
        rules: Vec::new(),
        owners: Vec::new(),
        words: Vec::new(),
    };
    for p in files {
        let name = p.file_name().expect("name").to_string_lossy().into_owned();
        let bytes = std::fs::read(&p).expect("read corpus file");
        if name.ends_with(".toml") {
            collect_names(&toml_table(&bytes).unwrap_or_default(), &mut f.words);
            f.rules.push(Named { name, bytes });
        } else if name.starts_with("owners") {
            f.owners.push(Named { name, bytes });
        } else if name.ends_with(".csv") {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let first = text.trim_start_matches(['\u{feff}', '\r', '\n']).lines().next().unwrap_or("").to_string();
            let d = guess_delimiter(first.as_bytes()) as char;
            f.words.extend(first.split(d).map(|c| c.trim_matches('"').to_string()));
            f.exports.push(Named { name, bytes });
        }
    }
    f.words.sort();
    f.words.dedup();
    f
}

fn collect_names(t: &toml::Table, out: &mut Vec<String>) {
    for v in t.values() {
        if let Value::Array(a) = v {
            for x in a {
                if let Some(name) = x.get("name").and_then(Value::as_str) {
                    out.push(name.to_string());
                }
            }
        }
    }
}

fn toml_table(bytes: &[u8]) -> Option<toml::Table> {
    toml::from_str(std::str::from_utf8(bytes).ok()?).ok()
}

// ---------------------------------------------------------------------------
// Dictionaries

#[rustfmt::skip]
const INTERESTING_BYTES: &[&[u8]] = &[
    b"\"", b",", b";", b"\t", b"|", b"\r", b"\n", b"\r\n", b"\0", b"\xEF\xBB\xBF", b"\xFF", b"\"\"", b"\xC3",
    b"\xE2\x80\xAF", b"\xC2\xA0", b" ", b"\x85", b"\xE2\x80\xA8",
];

/// Cells and strings that sit on the edges of what numbers, dates and text tests read.
#[rustfmt::skip]
const INTERESTING_TEXT: &[&str] = &[
    "", " ", "\"", "\"\"", "0", "-0", "+5", ".5", "5.", ".", "-", "+", "1e30", "1E-5", "NaN", "inf", "-inf", "1,5",
    "1.234,5", "1 000", "1\u{a0}000", "99999999999999999999999999", "-99999999999999999999",
    "0.000000000000000000001", "12345678901234567890.123456789012345678901", "21474836.47", "-21474836.49",
    "2026-11-01", "2026-11-01T00:00", "2026-11-01 12:00", "2026-11-01t", "2026-11-01x", "2026-02-29", "2024-02-29",
    "0000-01-01", "0001-01-01", "9999-12-31", "-2026-01-01", "+002026-01-01", "31.10.2026", "1.1.2026", "29.02.2024",
    "10/31/2026 23:59", "2026-11-01T25:00", "20261101", "%d.%m.%Y", "%y", "%Q", "%", "%%%", "%d%d%m%Y",
    "%H:%M:%S %d.%m.%Y", "yes", "YES", "y", "TRUE", "won", "ß", "ẞ", "İ", "ı", "Σ", "ς", "ǅ", "ﬃ", "\u{feff}",
    "\u{a0}", "\u{2028}", "\u{85}", "\u{200b}", "🚀", "a,b", "a;b", "a\tb", "a|b", "line\nbreak", "cr\rhere",
    "quote\"inside", "'single'", "\\", "=1+1", "Head of", "director", "@rival.example", "x@rival.example", "Product",
    "consulting", "FI", "disqualified", "auto", "utf-8", "windows-1252", "UTF-8", "fit", "engagement", "lead", "sql",
];

/// Names that stress quoting and matching when they reach the output.
#[rustfmt::skip]
const INTERESTING_NAMES: &[&str] = &[
    "a,b", "quote\"d", "new\nline", " spaced ", "dot.ted", "disqualified", "", "   ", "ünï", "tab\tbed", "semi;colon",
    "pipe|d", "=eq", "cr\r", "'single'", "DISQUALIFIED", "\u{feff}bom", "x y.z", "\"", "\\",
];

#[rustfmt::skip]
const KEYS: &[&str] = &[
    "id", "created", "account", "delimiter", "decimal", "encoding", "date_formats", "prefix", "max_fit",
    "max_engagement", "name", "group", "column", "equals", "in", "not_in", "contains_any", "starts_with_any",
    "ends_with_any", "present", "gte", "gt", "lte", "lt", "within_days", "older_than_days", "per", "points", "max",
    "disqualify", "min_score", "min_fit", "min_engagement", "require", "stages", "when", "overflow", "team",
    "capacity", "weight", "active", "prefer", "bogus",
];

#[rustfmt::skip]
const TESTS: &[&str] = &[
    "equals", "in", "not_in", "contains_any", "starts_with_any", "ends_with_any", "present", "gte", "gt", "lte", "lt",
    "within_days", "older_than_days",
];

#[rustfmt::skip]
const INT_EDGES: &[i64] = &[
    0, 1, -1, 2, 100, i64::MAX, i64::MIN, 2_147_483_647, 2_147_483_648, 4_294_967_296, -2_147_483_649,
    1_000_000_000_000_000,
];

#[rustfmt::skip]
const FLOAT_EDGES: &[f64] = &[
    0.0, -0.0, 0.001, 0.005, 0.01, 0.015, 1e30, -1e30, 1e-30, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.1, 0.3,
    21_474_836.47, 21_474_836.48, 1.005, 99.999, f64::MAX, f64::MIN_POSITIVE, 5e-324,
];

const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

fn long_len(rng: &mut Rng) -> usize {
    match rng.random_range(0..100) {
        0 => rng.random_range(20_000..=100_000),
        1..=14 => rng.random_range(1_000..20_000),
        _ => rng.random_range(40..1_000),
    }
}

fn word(rng: &mut Rng, words: &[String]) -> String {
    if rng.random_bool(0.5) && !words.is_empty() {
        words.choose(rng).expect("words").clone()
    } else {
        INTERESTING_TEXT.choose(rng).expect("text").to_string()
    }
}

// ---------------------------------------------------------------------------
// Byte-level mutations

fn mutate_bytes(rng: &mut Rng, data: &mut Vec<u8>, other: &[u8]) -> &'static str {
    let len = data.len();
    let pos = rng.random_range(0..=len);
    match rng.random_range(0..9) {
        0 if len > 0 => {
            let i = pos.min(len - 1);
            data[i] ^= 1 << rng.random_range(0..8);
            "flip a bit"
        }
        1 if len > 0 => {
            let i = pos.min(len - 1);
            data[i] = rng.random();
            "set a byte"
        }
        3 if len > 0 => {
            let i = pos.min(len - 1);
            let n = rng.random_range(1..=16).min(len - i);
            data.drain(i..i + n);
            "delete a span"
        }
        4 if len > 0 => {
            let i = pos.min(len - 1);
            let n = rng.random_range(1..=64).min(len - i);
            let span = data[i..i + n].to_vec();
            let at = rng.random_range(0..=len);
            data.splice(at..at, span);
            "duplicate a span"
        }
        5 => {
            let unit: Vec<u8> = if rng.random_bool(0.5) {
                INTERESTING_BYTES.choose(rng).expect("bytes").to_vec()
            } else {
                vec![rng.random_range(0x20..0x7F)]
            };
            let n = long_len(rng) / unit.len().max(1);
            data.splice(pos..pos, unit.repeat(n));
            "insert a long run"
        }
        6 if !other.is_empty() => {
            let j = rng.random_range(0..other.len());
            data.truncate(pos);
            data.extend_from_slice(&other[j..]);
            "splice two seeds"
        }
        7 if len > 0 => {
            let i = pos.min(len - 1);
            let n = rng.random_range(1..=4).min(len - i);
            data.splice(i..i + n, INTERESTING_BYTES.choose(rng).expect("bytes").iter().copied());
            "replace a span with interesting bytes"
        }
        8 => {
            data.truncate(pos);
            "truncate"
        }
        _ => {
            data.splice(pos..pos, INTERESTING_BYTES.choose(rng).expect("bytes").iter().copied());
            "insert interesting bytes"
        }
    }
}

// ---------------------------------------------------------------------------
// Export mutations: lines and cells

/// The most frequent of `,` `;` tab `|` in the first line (a guess, for mutations only).
fn guess_delimiter(data: &[u8]) -> u8 {
    let line = data.split(|&b| b == b'\n' || b == b'\r').find(|l| !l.is_empty()).unwrap_or(&[]);
    let mut best = (0, b',');
    for d in DELIMITERS {
        let n = line.iter().filter(|&&b| b == d).count();
        if n > best.0 {
            best = (n, d);
        }
    }
    best.1
}

/// Lines with their terminators (LF, CRLF or a lone CR).
fn split_lines(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < data.len() {
        let end = match data[i] {
            b'\n' => Some(i),
            b'\r' if data.get(i + 1) == Some(&b'\n') => Some(i + 1),
            b'\r' => Some(i),
            _ => None,
        };
        if let Some(end) = end {
            out.push(data[start..=end].to_vec());
            start = end + 1;
            i = end;
        }
        i += 1;
    }
    if start < data.len() {
        out.push(data[start..].to_vec());
    }
    out
}

fn body_and_end(line: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let body = line.len() - line.iter().rev().take_while(|&&b| b == b'\n' || b == b'\r').count();
    (line[..body].to_vec(), line[body..].to_vec())
}

fn mutate_export(rng: &mut Rng, data: &mut Vec<u8>, other: &[u8], words: &[String]) -> &'static str {
    match rng.random_range(0..100) {
        0..=39 => mutate_bytes(rng, data, other),
        40..=41 => inflate(rng, data),
        _ => mutate_structure(rng, data, words),
    }
}

fn mutate_structure(rng: &mut Rng, data: &mut Vec<u8>, words: &[String]) -> &'static str {
    let d = guess_delimiter(data);
    let mut lines = split_lines(data);
    if lines.is_empty() {
        data.extend_from_slice(b"Lead ID\n1\n");
        return "write a tiny export";
    }
    let n = lines.len();
    // Data lines mostly; the header now and then.
    let pick =
        |rng: &mut Rng| if n > 1 && rng.random_bool(0.9) { rng.random_range(1..n) } else { rng.random_range(0..n) };
    let what = match rng.random_range(0..14) {
        0 => {
            let i = pick(rng);
            lines.remove(i);
            "drop a line"
        }
        1 => {
            let i = pick(rng);
            let at = rng.random_range(1.min(n)..=n);
            let line = lines[i].clone();
            lines.insert(at, line);
            "duplicate a line"
        }
        2 => {
            let (i, j) = (pick(rng), pick(rng));
            lines.swap(i, j);
            "swap two lines"
        }
        9 => {
            let eol: &[u8] = [&b"\n"[..], b"\r\n", b"\r"].choose(rng).expect("eol");
            let mixed = rng.random_bool(0.3);
            for l in &mut lines {
                let (mut body, end) = body_and_end(l);
                if !end.is_empty() {
                    body.extend_from_slice(if mixed {
                        [&b"\n"[..], b"\r\n", b"\r"].choose(rng).expect("eol")
                    } else {
                        eol
                    });
                }
                *l = body;
            }
            "change the line ends"
        }
        10 => {
            if lines[0].starts_with(b"\xEF\xBB\xBF") {
                lines[0].drain(..3);
                "drop the BOM"
            } else {
                lines[0].splice(0..0, *b"\xEF\xBB\xBF");
                "add a BOM"
            }
        }
        11 => {
            let at = rng.random_range(0..=n);
            let blank: &[u8] = [&b"\n"[..], b"\r\n", b"\r", b"  \n", b"\n\n\n", b"\t\r\n"].choose(rng).expect("blank");
            lines.insert(at, blank.to_vec());
            "insert empty lines"
        }
        12 => {
            let to = *DELIMITERS.choose(rng).expect("delimiter");
            for l in &mut lines {
                for b in l.iter_mut() {
                    if *b == d {
                        *b = to;
                    }
                }
            }
            "change the delimiter"
        }
        k => {
            let i = pick(rng);
            let (body, end) = body_and_end(&lines[i]);
            let mut cells: Vec<Vec<u8>> = body.split(|&b| b == d).map(<[u8]>::to_vec).collect();
            let c = rng.random_range(0..cells.len());
            let what = match k {
                3 => {
                    cells.remove(c);
                    "drop a field"
                }
                4 => {
                    let cell = cells[c].clone();
                    cells.insert(c, cell);
                    "duplicate a field"
                }
                5 => {
                    let other = rng.random_range(0..cells.len());
                    cells.swap(c, other);
                    "swap two cells"
                }
                6 => {
                    cells[c] = word(rng, words).into_bytes();
                    "replace a cell"
                }
                7 => {
                    let unit = if cells[c].is_empty() || rng.random_bool(0.5) {
                        word(rng, words).into_bytes()
                    } else {
                        cells[c].clone()
                    };
                    let unit = if unit.is_empty() { b"x".to_vec() } else { unit };
                    cells[c] = unit.repeat(long_len(rng) / unit.len() + 1);
                    "make a cell very long"
                }
                _ => {
                    let mut q = vec![b'"'];
                    for &b in &cells[c] {
                        q.push(b);
                        if b == b'"' {
                            q.push(b'"');
                        }
                    }
                    let delim = [d];
                    let extra: &[u8] = [&b"\n"[..], b"\r\n", b"\"\"", &delim, b"\r"].choose(rng).expect("extra");
                    q.extend_from_slice(extra);
                    q.push(b'"');
                    cells[c] = q;
                    "quote a cell with a line end, quote or delimiter"
                }
            };
            lines[i] = cells.join(&d).into_iter().chain(end).collect();
            what
        }
    };
    *data = lines.concat();
    what
}

/// Grows the export past the parallel reader's chunk size (1 MiB) by repeating
/// its data lines, sometimes with a quoted field of many lines near the middle
/// (where a chunk boundary falls).
fn inflate(rng: &mut Rng, data: &mut Vec<u8>) -> &'static str {
    let lines = split_lines(data);
    if lines.len() < 2 {
        return "inflate (too short)";
    }
    let mut body = lines[1..].concat();
    if !body.ends_with(b"\n") && !body.ends_with(b"\r") {
        body.push(b'\n');
    }
    if !data.ends_with(b"\n") && !data.ends_with(b"\r") {
        data.push(b'\n');
    }
    let target = rng.random_range(1_100_000..2_600_000);
    while data.len() < target {
        data.extend_from_slice(&body);
        if rng.random_bool(0.01) {
            data.extend_from_slice(b"\"");
            data.extend_from_slice(&b"a,\nb\r\n".repeat(rng.random_range(1..2000)));
            data.extend_from_slice(b"\"\n");
        }
    }
    "inflate past 1 MiB"
}

// ---------------------------------------------------------------------------
// Rules mutations: values, keys, tables and names of the TOML tree

#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Idx(usize),
}

fn paths(v: &Value, prefix: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    match v {
        Value::Table(t) => {
            for (k, x) in t {
                prefix.push(Seg::Key(k.clone()));
                out.push(prefix.clone());
                paths(x, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                prefix.push(Seg::Idx(i));
                out.push(prefix.clone());
                paths(x, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    let Some((first, rest)) = path.split_first() else { return Some(v) };
    let next = match (v, first) {
        (Value::Table(t), Seg::Key(k)) => t.get_mut(k)?,
        (Value::Array(a), Seg::Idx(i)) => a.get_mut(*i)?,
        _ => return None,
    };
    at(next, rest)
}

fn get<'a>(v: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    let Some((first, rest)) = path.split_first() else { return Some(v) };
    let next = match (v, first) {
        (Value::Table(t), Seg::Key(k)) => t.get(k)?,
        (Value::Array(a), Seg::Idx(i)) => a.get(*i)?,
        _ => return None,
    };
    get(next, rest)
}

fn random_value(rng: &mut Rng, words: &[String], depth: u32) -> Value {
    match rng.random_range(0..9) {
        0 => Value::Integer(*INT_EDGES.choose(rng).expect("int")),
        1 => Value::Float(*FLOAT_EDGES.choose(rng).expect("float")),
        2 => Value::Boolean(rng.random()),
        3 if depth < 2 => {
            Value::Array((0..rng.random_range(0..4)).map(|_| random_value(rng, words, depth + 1)).collect())
        }
        4 if depth < 2 => {
            let mut t = toml::Table::new();
            t.insert("column".into(), Value::String(word(rng, words)));
            t.insert(TESTS.choose(rng).expect("test").to_string(), random_value(rng, words, depth + 1));
            Value::Table(t)
        }
        5 => Value::Datetime("2026-11-01".parse().expect("datetime")),
        6 => Value::String("x".repeat(long_len(rng))),
        _ => Value::String(word(rng, words)),
    }
}

fn mutate_string(rng: &mut Rng, s: &str, words: &[String]) -> String {
    match rng.random_range(0..10) {
        0 => String::new(),
        1 => {
            let unit = if s.is_empty() || rng.random_bool(0.5) { word(rng, words) } else { s.to_string() };
            let unit = if unit.is_empty() { "x".to_string() } else { unit };
            unit.repeat(long_len(rng) / unit.len() + 1)
        }
        2 => word(rng, words),
        3 => INTERESTING_NAMES.choose(rng).expect("name").to_string(),
        4 => s.to_uppercase(),
        5 => format!("  {s}\t"),
        6 => {
            let cut = s.char_indices().map(|(i, _)| i).collect::<Vec<_>>().choose(rng).copied().unwrap_or(0);
            format!("{}{}{}", &s[..cut], INTERESTING_TEXT.choose(rng).expect("text"), &s[cut..])
        }
        7 => s.repeat(2),
        8 => {
            let mut c: Vec<char> = s.chars().collect();
            if !c.is_empty() {
                let i = rng.random_range(0..c.len());
                c.remove(i);
            }
            c.into_iter().collect()
        }
        _ => INTERESTING_TEXT.choose(rng).expect("text").to_string(),
    }
}

fn mutate_value(rng: &mut Rng, v: &Value, words: &[String]) -> Value {
    if rng.random_bool(0.2) {
        return random_value(rng, words, 0);
    }
    match v {
        Value::Integer(i) => match rng.random_range(0..10) {
            0 => Value::Float(*i as f64 + 0.001),
            1 => Value::Integer(i.wrapping_add(1)),
            2 => Value::Integer(i.wrapping_sub(1)),
            3 => Value::Integer(i.wrapping_neg()),
            4 => Value::Integer(i.saturating_mul(1000)),
            _ => Value::Integer(*INT_EDGES.choose(rng).expect("int")),
        },
        Value::Float(f) => match rng.random_range(0..10) {
            0 => Value::Integer(*f as i64),
            1 => Value::Float(f * 10.0),
            2 => Value::Float(f / 3.0),
            3 => Value::Float(-f),
            _ => Value::Float(*FLOAT_EDGES.choose(rng).expect("float")),
        },
        Value::String(s) => Value::String(mutate_string(rng, s, words)),
        Value::Boolean(b) => Value::Boolean(!b),
        Value::Array(a) => {
            let mut a = a.clone();
            match rng.random_range(0..5) {
                0 => a.clear(),
                1 if !a.is_empty() => {
                    let i = rng.random_range(0..a.len());
                    a.remove(i);
                }
                2 if !a.is_empty() => {
                    let i = rng.random_range(0..a.len());
                    let x = a[i].clone();
                    a.insert(i, x);
                }
                3 if !a.is_empty() => {
                    let i = rng.random_range(0..a.len());
                    a[i] = mutate_value(rng, &a[i].clone(), words);
                }
                _ => a.push(match a.first() {
                    Some(Value::String(_)) | None => Value::String(word(rng, words)),
                    Some(x) => mutate_value(rng, &x.clone(), words),
                }),
            }
            Value::Array(a)
        }
        Value::Table(t) => {
            let mut t = t.clone();
            if !t.is_empty() && rng.random_bool(0.5) {
                let k = t.keys().nth(rng.random_range(0..t.len())).expect("key").clone();
                t.remove(&k);
            } else {
                t.insert(KEYS.choose(rng).expect("key").to_string(), random_value(rng, words, 1));
            }
            Value::Table(t)
        }
        Value::Datetime(_) => random_value(rng, words, 0),
    }
}

/// Replaces every string equal to `old` (a name and its references).
fn rename_everywhere(v: &mut Value, old: &str, new: &str) {
    match v {
        Value::String(s) if s == old => *s = new.to_string(),
        Value::Table(t) => t.iter_mut().for_each(|(_, x)| rename_everywhere(x, old, new)),
        Value::Array(a) => a.iter_mut().for_each(|x| rename_everywhere(x, old, new)),
        _ => {}
    }
}

fn mutate_tree(rng: &mut Rng, root: &mut Value, words: &[String]) -> &'static str {
    let mut all = Vec::new();
    paths(root, &mut Vec::new(), &mut all);
    let arrays: Vec<String> = match &*root {
        Value::Table(t) => t
            .iter()
            .filter(|(_, v)| v.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_table)))
            .map(|(k, _)| k.clone())
            .collect(),
        _ => Vec::new(),
    };
    match rng.random_range(0..10) {
        0..=2 if !all.is_empty() => {
            let p = all.choose(rng).expect("path").clone();
            if let Some(v) = at(root, &p) {
                *v = mutate_value(rng, &v.clone(), words);
            }
            "mutate a value"
        }
        3 if !all.is_empty() => {
            let p = all.choose(rng).expect("path").clone();
            let (last, parent) = p.split_last().expect("non-empty path");
            match (at(root, parent), last) {
                (Some(Value::Table(t)), Seg::Key(k)) => {
                    t.remove(k);
                }
                (Some(Value::Array(a)), Seg::Idx(i)) => {
                    a.remove(*i);
                }
                _ => {}
            }
            "drop a key or an element"
        }
        4 => {
            let tables: Vec<Vec<Seg>> = std::iter::once(Vec::new())
                .chain(all.iter().filter(|p| matches!(get(root, p), Some(Value::Table(_)))).cloned())
                .collect();
            let p = tables.choose(rng).expect("table").clone();
            let key = if p.is_empty() && rng.random_bool(0.5) {
                ["input", "output", "scoring", "criteria", "stages", "teams", "reps", "bogus"].choose(rng).expect("t")
            } else {
                KEYS.choose(rng).expect("key")
            };
            let value = random_value(rng, words, 0);
            if let Some(Value::Table(t)) = at(root, &p) {
                t.insert(key.to_string(), value);
            }
            "add a key"
        }
        5 | 6 if !arrays.is_empty() => {
            let key = arrays.choose(rng).expect("array").clone();
            if let Some(Value::Array(a)) = at(root, &[Seg::Key(key)]) {
                let i = rng.random_range(0..a.len());
                let mut copy = a[i].clone();
                if rng.random_bool(0.6)
                    && let Some(Value::String(name)) = copy.get_mut("name")
                {
                    name.push_str(" 2");
                }
                let to = rng.random_range(0..=a.len());
                a.insert(to, copy);
            }
            "duplicate a table"
        }
        7 if !arrays.is_empty() => {
            let key = arrays.choose(rng).expect("array").clone();
            if let Some(Value::Array(a)) = at(root, &[Seg::Key(key)]) {
                let (i, j) = (rng.random_range(0..a.len()), rng.random_range(0..a.len()));
                a.swap(i, j);
            }
            "swap two tables"
        }
        _ => {
            // A name, renamed with its references (or alone: a dangling reference).
            let names: Vec<String> = all
                .iter()
                .filter(|p| matches!(p.last(), Some(Seg::Key(k)) if k == "name"))
                .filter_map(|p| get(root, p).and_then(|v| v.as_str().map(str::to_string)))
                .collect();
            let Some(old) = names.choose(rng).cloned() else { return "rename (nothing named)" };
            let new = if rng.random_bool(0.7) {
                INTERESTING_NAMES.choose(rng).expect("name").to_string()
            } else {
                mutate_string(rng, &old, words)
            };
            if rng.random_bool(0.8) {
                rename_everywhere(root, &old, &new);
                "rename a name and its references"
            } else {
                for p in &all {
                    if matches!(p.last(), Some(Seg::Key(k)) if k == "name")
                        && let Some(Value::String(s)) = at(root, p)
                        && *s == old
                    {
                        *s = new.clone();
                        break;
                    }
                }
                "rename a name alone"
            }
        }
    }
}

fn mutate_rules(rng: &mut Rng, text: &[u8], words: &[String], log: &mut Vec<String>) -> Vec<u8> {
    let mut bytes = text.to_vec();
    if let Some(t) = toml_table(text) {
        let mut root = Value::Table(t);
        let n = match rng.random_range(0..20) {
            0..=11 => 1,
            12..=16 => 2,
            _ => rng.random_range(3..=5),
        };
        for _ in 0..n {
            log.push(format!("rules: {}", mutate_tree(rng, &mut root, words)));
        }
        if let Value::Table(t) = root
            && let Ok(s) = toml::to_string(&t)
        {
            bytes = s.into_bytes();
        }
    }
    if rng.random_bool(0.1) {
        for _ in 0..rng.random_range(1..=3) {
            log.push(format!("rules bytes: {}", mutate_bytes(rng, &mut bytes, text)));
        }
    }
    bytes
}

// ---------------------------------------------------------------------------
// `--set` overrides

/// A `--set` path segment: bare when it can be, else in double quotes.
fn segment(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') {
        name.to_string()
    } else {
        serde_json::to_string(name).expect("json string")
    }
}

fn set_value(rng: &mut Rng, key: &str, words: &[String]) -> String {
    if key.ends_with("delimiter") {
        return ["\",\"", "\";\"", "\"\\t\"", "\"|\"", "auto", "\"auto\"", ",", ";", "\":\"", "\"\""]
            .choose(rng)
            .expect("delimiter")
            .to_string();
    }
    match rng.random_range(0..8) {
        0 => ["true", "false", "0", "5", "-1", "0.5", "70", "1e30", "nan", "0.001", "3.333"]
            .choose(rng)
            .expect("v")
            .to_string(),
        1 => ["[]", "[\"FI\", \"SE\"]", "[1, 2]", "{ a = 1 }", "[", "\"unterminated", "5 5", "", "=", "'lit'"]
            .choose(rng)
            .expect("v")
            .to_string(),
        2 => serde_json::to_string(&word(rng, words)).expect("json string"),
        3 => word(rng, words).replace('\0', ""),
        4 => "9".repeat(long_len(rng).min(400)),
        5 if rng.random_bool(0.3) => serde_json::to_string(&"y".repeat(long_len(rng))).expect("json string"),
        _ => rng.random_range(-5..200).to_string(),
    }
}

/// A `--set` override; `sane` ones change a number or a flag the rules have,
/// within reason (a what-if an analyst would try).
fn gen_set(rng: &mut Rng, rules: Option<&toml::Table>, words: &[String], sane: bool) -> String {
    if !sane && rng.random_bool(0.08) {
        let junk = [
            "nope.x=1",
            "reps=1",
            "reps.Brent=1",
            "=5",
            "stages..min_score=1",
            "\"open.x=1",
            "reps.'Brent'.capacity=2",
            "a=b=c",
            "no-equals",
            "criteria.\"page views\".points=3",
            "scoring.max_fit=",
            " scoring . max_fit = 50 ",
            "stages.mql.min_score=40",
            "teams.\"inside sales\".overflow=\"inside sales\"",
            "output.prefix=lr_",
        ];
        return junk.choose(rng).expect("junk").to_string();
    }
    let mut key = String::new();
    let mut current = None;
    if let Some(t) = rules {
        let arrays: Vec<(&String, &Vec<Value>)> =
            t.iter().filter_map(|(k, v)| v.as_array().filter(|a| !a.is_empty()).map(|a| (k, a))).collect();
        if !arrays.is_empty() && rng.random_bool(0.7) {
            let (table, items) = arrays.choose(rng).expect("array");
            let item = items.choose(rng).expect("item");
            let name = item.get("name").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| word(rng, words));
            let keys: Vec<&String> = item.as_table().map(|t| t.keys().collect()).unwrap_or_default();
            let k = if !keys.is_empty() && (sane || rng.random_bool(0.85)) {
                keys.choose(rng).expect("key").to_string()
            } else {
                KEYS.choose(rng).expect("key").to_string()
            };
            key = format!("{table}.{}.{}", segment(&name), segment(&k));
            current = item.get(&k).cloned();
        }
    }
    if key.is_empty() {
        let table = ["input", "output", "scoring"].choose(rng).expect("table");
        let k = match *table {
            "input" => ["id", "created", "account", "delimiter", "decimal", "encoding", "date_formats"].choose(rng),
            "output" => ["delimiter", "prefix"].choose(rng),
            _ => ["max_fit", "max_engagement"].choose(rng),
        }
        .expect("key");
        key = format!("{table}.{k}");
        current = rules.and_then(|t| t.get(*table)?.get(*k)).cloned();
    }
    // Mostly a value of the type the key has, so that the run gets past the rules.
    let value = match current {
        Some(v) if sane => {
            let v = match v {
                Value::Integer(i) => Value::Integer((i + rng.random_range(-2..=20)).max(0)),
                Value::Float(f) => Value::Float(f * [0.5, 2.0, 1.25].choose(rng).expect("factor")),
                Value::Boolean(b) => Value::Boolean(!b),
                v => v,
            };
            inline(&v).unwrap_or_else(|| set_value(rng, &key, words))
        }
        Some(v) if !key.ends_with("delimiter") && rng.random_bool(0.85) => {
            let v = if rng.random_bool(0.7) { mutate_value(rng, &v, words) } else { v };
            inline(&v).unwrap_or_else(|| set_value(rng, &key, words))
        }
        _ => set_value(rng, &key, words),
    };
    format!("{key}={value}")
}

/// A value as inline TOML (None for tables, which `--set` cannot take).
fn inline(v: &Value) -> Option<String> {
    match v {
        Value::Table(_) => None,
        Value::Array(a) if a.iter().any(Value::is_table) => None,
        _ => {
            let mut t = toml::Table::new();
            t.insert("v".into(), v.clone());
            let text = toml::to_string(&t).ok()?;
            Some(text.strip_prefix("v = ")?.trim_end().to_string())
        }
    }
}

// ---------------------------------------------------------------------------
// Cases

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Cmd {
    Assign,
    Score,
    Check,
    Explain,
    Compare,
}

impl Cmd {
    fn name(self) -> &'static str {
        match self {
            Cmd::Assign => "assign",
            Cmd::Score => "score",
            Cmd::Check => "check",
            Cmd::Explain => "explain",
            Cmd::Compare => "compare",
        }
    }
}

struct Case {
    cmd: Cmd,
    /// Files written before the run: inputs, and yesterday's outputs.
    files: Vec<(String, Vec<u8>)>,
    /// Folders made before the run.
    dirs: Vec<String>,
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    export: Vec<u8>,
    rules: Vec<u8>,
    sets: Vec<String>,
    /// Where the CSV goes: None for standard output.
    csv_out: Option<String>,
    rejects: Option<String>,
    summary: Option<String>,
    strict: bool,
    /// An output names an input or another output: the run must exit 2.
    collision: bool,
    /// What was done, for the finding's report.
    log: Vec<String>,
}

impl Case {
    fn inputs(&self) -> impl Iterator<Item = &str> {
        ["leads.csv", "rules.toml", "owners.csv", "candidate.toml"]
            .into_iter()
            .filter(|n| self.files.iter().any(|(f, _)| f == n))
    }

    fn outputs(&self) -> Vec<&str> {
        [&self.csv_out, &self.rejects, &self.summary].into_iter().flatten().map(String::as_str).collect()
    }

    fn digest(&self) -> u64 {
        let mut h = Fnv::default();
        for a in &self.args {
            h.write(a.as_bytes());
            h.write(b"\0");
        }
        for (name, bytes) in &self.files {
            h.write(name.as_bytes());
            h.write(bytes);
        }
        h.write(self.stdin.as_deref().unwrap_or(b"-"));
        h.0
    }
}

/// FNV-1a: a fixed hash, so digests compare across runs and machines.
struct Fnv(u64);
impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}
impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Each case has its own generator: case N is the same whichever cases ran before it.
fn case_rng(seed: u64, index: u64) -> Rng {
    let mut h = Fnv::default();
    h.write(&seed.to_le_bytes());
    h.write(&index.to_le_bytes());
    Rng::seed_from_u64(h.0)
}

fn pick_id(rng: &mut Rng, export: &[u8], rules: Option<&toml::Table>, words: &[String]) -> String {
    let id_col = rules.and_then(|t| t.get("input")?.get("id")?.as_str().map(str::to_string));
    let recs = read_records(strip_bom(export), guess_delimiter(export));
    let id = match (recs.split_first(), id_col) {
        (Some((header, rows)), Some(col)) if !rows.is_empty() && rng.random_bool(0.85) => {
            let i = header.iter().position(|h| String::from_utf8_lossy(h).trim().eq_ignore_ascii_case(col.trim()));
            let row = rows.choose(rng).expect("row");
            i.and_then(|i| row.get(i)).map(|c| String::from_utf8_lossy(c).into_owned()).unwrap_or_default()
        }
        _ if rng.random_bool(0.3) => "no-such-id".to_string(),
        _ => word(rng, words),
    };
    let id = if rng.random_bool(0.1) { format!("  {id} ") } else { id };
    let id = id.replace('\0', "");
    if id.trim().is_empty() && rng.random_bool(0.8) { "L-001".to_string() } else { id }
}

fn generate(corpus: &[Family], seed: u64, index: u64) -> Case {
    let rng = &mut case_rng(seed, index);
    let fam = corpus.choose(rng).expect("family");
    let words = &fam.words;
    let mut log = vec![format!("family {}", fam.name)];
    // A third of the cases change little (the export's lines and cells only),
    // so that many runs get past the rules and the header to the deep checks.
    let light = rng.random_bool(0.35);

    let seed_export = fam.exports.choose(rng).expect("export");
    // Rules and an export that share a tag in their names (`-1252`) are meant for each other.
    let tags = |name: &str| -> BTreeSet<String> { name.split(['-', '.']).map(str::to_string).collect() };
    let meant: Vec<&Named> = fam
        .rules
        .iter()
        .filter(|r| tags(&r.name).intersection(&tags(&seed_export.name)).any(|t| t != "csv" && t != "toml"))
        .collect();
    log.push(format!("export {}", seed_export.name));
    let mut export = seed_export.bytes.clone();
    if light {
        for _ in 0..rng.random_range(0..=2) {
            log.push(format!("export: {}", mutate_structure(rng, &mut export, words)));
        }
    } else if rng.random_bool(0.9) {
        for _ in 0..rng.random_range(1..=6) {
            let other = &fam.exports.choose(rng).expect("export").bytes;
            log.push(format!("export: {}", mutate_export(rng, &mut export, other, words)));
        }
    }
    let seed_rules = match meant.choose(rng) {
        Some(r) if rng.random_bool(0.75) => r,
        _ => fam.rules.choose(rng).expect("rules"),
    };
    log.push(format!("rules {}", seed_rules.name));
    let rules = if !light && rng.random_bool(0.45) {
        mutate_rules(rng, &seed_rules.bytes, words, &mut log)
    } else {
        seed_rules.bytes.clone()
    };
    let rules_table = toml_table(&rules);
    let owners = match fam.owners.choose(rng) {
        Some(o) if rng.random_bool(0.5) => {
            log.push(format!("owners {}", o.name));
            let mut bytes = o.bytes.clone();
            if !light && rng.random_bool(0.3) {
                for _ in 0..rng.random_range(1..=3) {
                    let what = if rng.random_bool(0.5) {
                        mutate_bytes(rng, &mut bytes, &o.bytes)
                    } else {
                        mutate_structure(rng, &mut bytes, words)
                    };
                    log.push(format!("owners: {what}"));
                }
            }
            Some(bytes)
        }
        _ => None,
    };

    let cmd = match rng.random_range(0..100) {
        0..=34 => Cmd::Assign,
        35..=59 => Cmd::Score,
        60..=69 => Cmd::Check,
        70..=81 => Cmd::Explain,
        _ => Cmd::Compare,
    };
    let stdin = cmd != Cmd::Compare && rng.random_bool(0.1);
    let mut files: Vec<(String, Vec<u8>)> = vec![("rules.toml".into(), rules.clone())];
    if !stdin {
        files.push(("leads.csv".into(), export.clone()));
    }
    let mut args: Vec<String> =
        vec![cmd.name().into(), "-r".into(), "rules.toml".into(), "--as-of".into(), AS_OF.into()];
    let mut sets = Vec::new();
    let set_count = match cmd {
        Cmd::Compare if light || rng.random_bool(0.8) => rng.random_range(1..=2),
        _ if light => 0,
        _ if rng.random_bool(0.25) => rng.random_range(1..=2),
        _ => 0,
    };
    for _ in 0..set_count {
        let sane = light || rng.random_bool(0.3);
        sets.push(gen_set(rng, rules_table.as_ref(), words, sane));
    }
    if cmd == Cmd::Compare && (sets.is_empty() || rng.random_bool(0.1)) {
        let other = if rng.random_bool(0.5) { seed_rules } else { fam.rules.choose(rng).expect("rules") };
        log.push(format!("candidate {}", other.name));
        let candidate =
            if rng.random_bool(0.4) { mutate_rules(rng, &other.bytes, words, &mut log) } else { other.bytes.clone() };
        files.push(("candidate.toml".into(), candidate));
        args.extend(["--candidate".into(), "candidate.toml".into()]);
    }
    for s in &sets {
        // `--set=...`: a value that starts with `-` is then not taken for an option.
        args.push(format!("--set={s}"));
    }
    if let (Some(o), Cmd::Assign | Cmd::Explain | Cmd::Compare) = (&owners, cmd) {
        files.push(("owners.csv".into(), o.clone()));
        args.extend(["--owners".into(), "owners.csv".into()]);
    }

    // Outputs: in the folder, in a subfolder, or in one that does not exist.
    let mut dirs = Vec::new();
    let folder = match rng.random_range(0..100) {
        0..=19 => {
            dirs.push("out".to_string());
            "out/"
        }
        20..=21 => "missing/",
        _ => "",
    };
    let (mut csv_out, mut rejects, mut summary) = (None, None, None);
    let (mut strict, mut collision, mut dash) = (false, false, false);
    match cmd {
        Cmd::Assign | Cmd::Score => {
            match rng.random_range(0..100) {
                0..=74 => csv_out = Some(format!("{folder}out.csv")),
                75..=84 => dash = true,
                _ => {}
            }
            if rng.random_bool(0.6) {
                rejects = Some(format!("{folder}rejects.csv"));
            }
            if rng.random_bool(0.9) {
                summary = Some(format!("{folder}summary.json"));
            }
            strict = rng.random_bool(0.05);
            if strict {
                args.push("--strict".into());
            }
            if rng.random_bool(0.7) {
                args.push("-q".into());
            }
            if rng.random_bool(0.85) {
                args.push("--no-sync".into());
            }
            if cmd == Cmd::Score && rng.random_bool(0.15) {
                args.push(format!(
                    "--outcome={}",
                    if rng.random_bool(0.6) { "Converted".into() } else { word(rng, words) }
                ));
            }
        }
        Cmd::Compare => {
            if rng.random_bool(0.4) {
                summary = Some(format!("{folder}compare.json"));
            }
            if rng.random_bool(0.5) {
                args.push("-q".into());
            }
            if rng.random_bool(0.2) {
                args.push(format!(
                    "--outcome={}",
                    if rng.random_bool(0.6) { "Converted".into() } else { word(rng, words) }
                ));
            }
        }
        Cmd::Explain => {
            let id = pick_id(rng, &export, rules_table.as_ref(), words);
            args.push(format!("--id={id}"));
        }
        Cmd::Check => {}
    }
    if !matches!(cmd, Cmd::Check | Cmd::Explain) && rng.random_bool(0.04) {
        // An output over an input, or two outputs on one file: refused with exit 2.
        let inputs: Vec<String> =
            files.iter().map(|(n, _)| n.clone()).chain(dirs.iter().map(|_| "out/../rules.toml".to_string())).collect();
        let mut victim = inputs.choose(rng).expect("input").clone();
        if rng.random_bool(0.3) {
            victim = format!("./{victim}");
        }
        if rng.random_bool(0.25) && cmd != Cmd::Compare {
            let same = format!("{folder}same.csv");
            csv_out = Some(same.clone());
            rejects = Some(same);
        } else {
            match rng.random_range(0..3) {
                0 if cmd != Cmd::Compare => csv_out = Some(victim),
                1 if cmd != Cmd::Compare => rejects = Some(victim),
                _ => summary = Some(victim),
            }
        }
        collision = true;
        log.push("outputs collide with an input or each other".into());
    }
    match &csv_out {
        Some(p) => args.extend(["-o".into(), p.clone()]),
        None if dash => args.extend(["-o".into(), "-".into()]),
        None => {}
    }
    if let Some(p) = &rejects {
        args.extend(["--rejects".into(), p.clone()]);
    }
    if let Some(p) = &summary {
        args.extend(["--summary-json".into(), p.clone()]);
    }
    // Yesterday's outputs, half the time.
    for p in [&csv_out, &rejects, &summary].into_iter().flatten() {
        let p = normal(p);
        if !p.starts_with("missing/") && !files.iter().any(|(n, _)| *n == p) && rng.random_bool(0.5) {
            files.push((p, b"yesterday\n".to_vec()));
        }
    }
    args.push(if stdin { "-".into() } else { "leads.csv".into() });
    for a in &mut args {
        // Arguments cannot hold NUL.
        a.retain(|c| c != '\0');
    }
    Case {
        cmd,
        files,
        dirs,
        args,
        stdin: stdin.then(|| export.clone()),
        export,
        rules,
        sets,
        csv_out,
        rejects,
        summary,
        strict,
        collision,
        log,
    }
}

// ---------------------------------------------------------------------------
// Checks

struct Finding {
    kind: &'static str,
    detail: String,
}

fn finding(kind: &'static str, detail: impl Into<String>) -> Finding {
    Finding { kind, detail: detail.into() }
}

/// Every file and folder under `root`: path -> contents (None for a folder).
fn snapshot(root: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Option<Vec<u8>>>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).expect("under root").to_string_lossy().into_owned();
            if p.is_dir() {
                out.insert(rel, None);
                walk(root, &p, out);
            } else {
                out.insert(rel, Some(std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn describe_changes(before: &BTreeMap<String, Option<Vec<u8>>>, after: &BTreeMap<String, Option<Vec<u8>>>) -> String {
    let mut parts = Vec::new();
    for (k, v) in after {
        match before.get(k) {
            None => parts.push(format!("created {k}")),
            Some(old) if old != v => parts.push(format!("changed {k}")),
            _ => {}
        }
    }
    parts.extend(before.keys().filter(|k| !after.contains_key(*k)).map(|k| format!("removed {k}")));
    parts.join(", ")
}

/// Normalises `a/./b`, `out/../x` and `./x` to the path the snapshot uses.
fn normal(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// What the rules say about the dialect, after the `--set` overrides.
struct Dialect {
    /// The input delimiters to try: the configured one, or all four for `auto`.
    input: Vec<u8>,
    output: u8,
    windows_1252: bool,
    /// `[input] id`: the column that identifies a lead.
    id: Option<String>,
}

fn dialect(case: &Case) -> Option<Dialect> {
    let t = toml_table(&case.rules)?;
    let get = |table: &str, key: &str| -> Option<String> {
        let mut v = t.get(table).and_then(|x| x.get(key)).and_then(Value::as_str).map(str::to_string);
        for s in &case.sets {
            let Some((k, value)) = s.split_once('=') else { continue };
            if k.trim() == format!("{table}.{key}") {
                v = match toml::from_str::<toml::Table>(&format!("v = {value}")) {
                    Ok(parsed) => parsed.get("v").and_then(Value::as_str).map(str::to_string),
                    Err(_) => Some(value.trim().to_string()),
                };
            }
        }
        v
    };
    let one =
        |s: Option<String>| s.filter(|s| s.len() == 1).map(|s| s.as_bytes()[0]).filter(|b| DELIMITERS.contains(b));
    let input = match get("input", "delimiter") {
        None => DELIMITERS.to_vec(),
        Some(s) if s == "auto" => DELIMITERS.to_vec(),
        s => vec![one(s)?],
    };
    let output = match get("output", "delimiter") {
        None => b',',
        s => one(s)?,
    };
    let windows_1252 = match get("input", "encoding").as_deref() {
        None | Some("utf-8") => false,
        Some("windows-1252") => true,
        Some(_) => return None,
    };
    Some(Dialect { input, output, windows_1252, id: get("input", "id") })
}

/// A rules column in the header: the cell equal after trimming, else the one
/// equal case-insensitively (docs/reference.md §3.7); None when none or several match.
fn find_column(header: &[String], column: &str) -> Option<usize> {
    let want = column.trim();
    let exact: Vec<usize> = (0..header.len()).filter(|&i| header[i].trim() == want).collect();
    let folded: Vec<usize> =
        (0..header.len()).filter(|&i| header[i].trim().to_lowercase() == want.to_lowercase()).collect();
    match (exact.as_slice(), folded.as_slice()) {
        ([i], _) | ([], [i]) => Some(*i),
        _ => None,
    }
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

/// A csv crate reader: LF, CRLF and CR end records, empty lines are skipped,
/// quotes count only at the start of a field. csv-core drops a UTF-8 BOM that
/// starts its input; here a U+FEFF that is left (the file's own BOM is
/// dropped by the caller, as leadroute drops it) is a character of the first
/// cell, so an empty line is read first.
fn csv_reader(bytes: &[u8], delimiter: u8) -> csv::Reader<impl std::io::Read + '_> {
    let input = std::io::Read::chain(&b"\n"[..], bytes);
    csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(input)
}

/// Records as the csv crate reads them.
fn read_records(bytes: &[u8], delimiter: u8) -> Vec<Vec<Vec<u8>>> {
    let mut r = csv_reader(bytes, delimiter);
    r.byte_records().map_while(Result::ok).map(|rec| rec.iter().map(<[u8]>::to_vec).collect()).collect()
}

/// Whether the text ends inside a quoted field, read as csv-core reads it
/// (a quote opens a field only at its start; `""` inside is a quote).
fn ends_in_open_quote(text: &[u8], delimiter: u8) -> bool {
    #[derive(PartialEq)]
    enum S {
        Start,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut s = S::Start;
    for &b in text {
        let end = b == delimiter || b == b'\n' || b == b'\r';
        s = match s {
            S::Start if b == b'"' => S::Quoted,
            S::Start | S::Unquoted if end => S::Start,
            S::Start | S::Unquoted => S::Unquoted,
            S::Quoted if b == b'"' => S::QuoteInQuoted,
            S::Quoted => S::Quoted,
            S::QuoteInQuoted if b == b'"' => S::Quoted,
            S::QuoteInQuoted if end => S::Start,
            S::QuoteInQuoted => S::Unquoted,
        };
    }
    s == S::Quoted
}

fn decode(field: &[u8], windows_1252: bool) -> Option<String> {
    if windows_1252 {
        Some(encoding_rs::WINDOWS_1252.decode_without_bom_handling(field).0.into_owned())
    } else {
        String::from_utf8(field.to_vec()).ok()
    }
}

/// The export read on its own, without leadroute.
struct Reading {
    records: usize,
    well_formed: Vec<Vec<String>>,
    rejected: usize,
}

/// An independent reading of the export: records as the csv crate reads them
/// (after dropping a leading BOM), the first being the header; a record is
/// well-formed when it has the header's number of fields and is not left open
/// by an unterminated quote at the end of the file (docs/reference.md §3.7). This
/// matches leadroute's definitions: the same line ends, empty-line skipping
/// and quote rules (csv-core). Where the definitions may differ the reading is
/// not used (None):
/// - the delimiter is `auto` and several delimiters read the header as the
///   output shows it but read the rows differently (which one auto-detection
///   picked is then not told by the output);
/// - the dialect cannot be told from the rules (a `--set` we do not model).
///
/// windows-1252 is single-byte and maps ASCII to itself, so splitting before
/// decoding equals decoding before splitting.
fn independent(case: &Case, d: &Dialect, header: &[String]) -> Result<Option<Reading>, Finding> {
    let text = strip_bom(&case.export);
    if !d.windows_1252 && std::str::from_utf8(text).is_err() {
        return Err(finding(
            "accepted invalid UTF-8",
            "the export is not UTF-8 and the rules say utf-8, yet the run succeeded",
        ));
    }
    let mut readings = Vec::new();
    for &delim in &d.input {
        // The header first: the whole file only under a delimiter that reads it so.
        let mut first = csv::ByteRecord::new();
        if !csv_reader(text, delim).read_byte_record(&mut first).unwrap_or(false)
            || first.iter().map(|f| decode(f, d.windows_1252)).collect::<Option<Vec<String>>>().as_deref()
                != Some(header)
        {
            continue;
        }
        let recs = read_records(text, delim);
        let Some((first, rows)) = recs.split_first() else { continue };
        let Some(h) = first.iter().map(|f| decode(f, d.windows_1252)).collect::<Option<Vec<String>>>() else {
            continue;
        };
        if h != header {
            continue;
        }
        let open = ends_in_open_quote(text, delim);
        let mut well_formed = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            if r.len() == h.len() && !(open && i + 1 == rows.len()) {
                let Some(cells) = r.iter().map(|f| decode(f, d.windows_1252)).collect::<Option<Vec<String>>>() else {
                    return Ok(None);
                };
                well_formed.push(cells);
            }
        }
        let rejected = rows.len() - well_formed.len();
        readings.push(Reading { records: rows.len(), well_formed, rejected });
    }
    if readings.is_empty() {
        return Err(finding(
            "header",
            format!("the output's input columns {header:?} are not the export's header under any delimiter tried"),
        ));
    }
    let first = &readings[0];
    let agree = readings.iter().all(|r| r.records == first.records && r.well_formed == first.well_formed);
    Ok(if agree || d.input.len() == 1 { Some(readings.swap_remove(0)) } else { None })
}

/// Parses a CSV output: UTF-8, and every record as long as the header.
fn parse_output(bytes: &[u8], delimiter: u8, what: &str) -> Result<Vec<Vec<String>>, Finding> {
    let text = std::str::from_utf8(bytes).map_err(|e| finding("bad output", format!("{what} is not UTF-8: {e}")))?;
    // A U+FEFF that starts the output is the first header cell's (docs/reference.md §3.7: kept
    // in the output), read back as such.
    let mut r = csv_reader(text.as_bytes(), delimiter);
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| finding("bad output", format!("{what} does not parse as CSV: {e}")))?;
        rows.push(rec.iter().map(str::to_string).collect::<Vec<String>>());
    }
    Ok(rows)
}

#[derive(Default, Clone)]
struct Stats {
    cases: u64,
    /// (command, exit code) -> runs; exit -1 is a hang or a signal.
    exits: BTreeMap<(Cmd, i32), u64>,
    /// assign/score runs whose counts were checked against the summary.
    conservation: u64,
    /// ... and against the export read independently (records, each row once).
    independent: u64,
    big: u64,
    digest: u64,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.cases += o.cases;
        for (k, v) in &o.exits {
            *self.exits.entry(*k).or_default() += v;
        }
        self.conservation += o.conservation;
        self.independent += o.independent;
        self.big += o.big;
        self.digest ^= o.digest;
    }
}

fn evaluate(
    case: &Case,
    wd: &Workdir,
    before: &BTreeMap<String, Option<Vec<u8>>>,
    run: Option<&Run>,
) -> Result<Stats, Finding> {
    let mut stats = Stats::default();
    let Some(run) = run else { return Err(finding("hang", "no exit within the time limit: killed")) };
    if let Some(sig) = run.signal {
        return Err(finding("crash", format!("killed by signal {sig}")));
    }
    if run.stderr.contains("panicked") {
        return Err(finding("panic", "standard error says it panicked"));
    }
    if ![0, 1, 2, 3].contains(&run.code) {
        return Err(finding("exit code", format!("exit {} is none of 0, 1, 2, 3", run.code)));
    }
    let after = snapshot(&wd.path(""));
    if run.code == 1 || run.code == 2 {
        let errors = run.stderr.lines().filter(|l| l.starts_with("leadroute: error:")).count();
        if errors != 1 {
            return Err(finding(
                "error message",
                format!("{errors} lines start with 'leadroute: error:' (expected 1)"),
            ));
        }
        if after != *before {
            return Err(finding(
                "wrote on failure",
                format!("exit {}, yet: {}", run.code, describe_changes(before, &after)),
            ));
        }
        // Nothing is written on a failure, standard output (where the CSV may go) included.
        if !run.stdout_bytes.is_empty() {
            let n = run.stdout_bytes.len();
            return Err(finding("wrote on failure", format!("exit {}, yet {n} bytes on standard output", run.code)));
        }
        if case.collision && run.code != 2 {
            return Err(finding(
                "collision",
                format!("an output names an input or another output: exit {}, not 2", run.code),
            ));
        }
        return Ok(stats);
    }
    if case.collision {
        return Err(finding("collision", format!("an output names an input or another output, yet exit {}", run.code)));
    }
    // Success: inputs as they were, nothing removed, and no file but the outputs created.
    for name in case.inputs() {
        if after.get(name) != before.get(name) {
            return Err(finding("input changed", format!("{name} changed: {}", describe_changes(before, &after))));
        }
    }
    let outputs: BTreeSet<String> = case.outputs().iter().map(|p| normal(p)).collect();
    for (k, v) in &after {
        if before.get(k) != Some(v) && !outputs.contains(k) {
            return Err(finding("stray file", format!("{k} created or changed: {}", describe_changes(before, &after))));
        }
    }
    if let Some(k) = before.keys().find(|k| !after.contains_key(*k)) {
        return Err(finding("stray file", format!("{k} removed")));
    }
    for p in &outputs {
        if !matches!(after.get(p), Some(Some(_))) {
            return Err(finding("missing output", format!("{p} was not written")));
        }
    }
    let read = |p: &String| after.get(&normal(p)).cloned().flatten().unwrap_or_default();
    match case.cmd {
        Cmd::Assign | Cmd::Score => {}
        Cmd::Compare => {
            if let Some(p) = &case.summary {
                serde_json::from_slice::<serde_json::Value>(&read(p))
                    .map_err(|e| finding("bad output", format!("{p} is not JSON: {e}")))?;
            }
            return Ok(stats);
        }
        Cmd::Check | Cmd::Explain => return Ok(stats),
    }

    let Some(d) = dialect(case) else { return Ok(stats) };
    let bytes = match &case.csv_out {
        Some(p) => read(p),
        None => run.stdout_bytes.clone(),
    };
    let out = parse_output(&bytes, d.output, "the CSV")?;
    let appended = if case.cmd == Cmd::Assign { 7 } else { 4 };
    let Some(header) = out.first() else { return Err(finding("bad output", "the CSV has no header")) };
    if header.len() <= appended {
        return Err(finding("bad output", format!("the CSV header has {} fields: {header:?}", header.len())));
    }
    if let Some((i, r)) = out.iter().enumerate().find(|(_, r)| r.len() != header.len()) {
        return Err(finding(
            "bad output",
            format!(
                "CSV record {i} has {} fields, the header {}: {:?}",
                r.len(),
                header.len(),
                truncate(&format!("{r:?}"))
            ),
        ));
    }
    let rows = &out[1..];
    let ncols = header.len() - appended;

    let mut total = None;
    let rejects = match &case.rejects {
        Some(p) => {
            let r = parse_output(&read(p), d.output, "the rejects file")?;
            if r.first().is_none_or(|h| h.len() < 2 || h[0] != "line" || h[1] != "error") {
                return Err(finding("bad output", format!("the rejects file's header is {:?}", r.first())));
            }
            Some(r.len() - 1)
        }
        None => None,
    };
    let summary_json = match &case.summary {
        Some(p) => Some(
            serde_json::from_slice::<serde_json::Value>(&read(p))
                .map_err(|e| finding("bad output", format!("{p} is not JSON: {e}")))?,
        ),
        None => None,
    };
    if let (Some(p), Some(j)) = (&case.summary, &summary_json) {
        let n = |k: &str| {
            j.get(k).and_then(serde_json::Value::as_u64).ok_or_else(|| finding("bad output", format!("no {k} in {p}")))
        };
        let (rows_read, well_formed, rejected) = (n("rows_read")?, n("well_formed")?, n("rejected")?);
        stats.conservation += 1;
        if rows.len() as u64 != well_formed {
            return Err(finding(
                "conservation",
                format!("{} output rows, summary well_formed {well_formed}", rows.len()),
            ));
        }
        if rows_read != well_formed + rejected {
            return Err(finding(
                "conservation",
                format!("rows_read {rows_read} != well_formed {well_formed} + rejected {rejected}"),
            ));
        }
        if let Some(r) = rejects
            && r as u64 != rejected
        {
            return Err(finding("conservation", format!("{r} rows in the rejects file, summary rejected {rejected}")));
        }
        if (run.code == 3) != (rejected > 0) {
            return Err(finding("exit code", format!("exit {} with {rejected} rows rejected", run.code)));
        }
        total = Some(rows_read as usize);
        summary_matches_rows(j, rows, ncols, case.cmd)?;
    } else if let Some(r) = rejects {
        total = Some(rows.len() + r);
    }
    if case.strict && run.code != 0 {
        return Err(finding("strict", format!("--strict, yet exit {}", run.code)));
    }

    if let Some(reading) = independent(case, &d, &header[..ncols])? {
        stats.independent += 1;
        if rows.len() != reading.well_formed.len() {
            return Err(finding(
                "conservation",
                format!(
                    "{} output rows, but the export holds {} well-formed records",
                    rows.len(),
                    reading.well_formed.len()
                ),
            ));
        }
        if let Some(t) = total
            && t != reading.records
        {
            return Err(finding(
                "conservation",
                format!("{t} rows read, but the export holds {} records", reading.records),
            ));
        }
        if (run.code == 3) != (reading.rejected > 0) {
            return Err(finding(
                "exit code",
                format!("exit {}, but the export holds {} malformed records", run.code, reading.rejected),
            ));
        }
        let mut got: Vec<Vec<String>> = rows.iter().map(|r| r[..ncols].to_vec()).collect();
        // Missing and duplicate ids, counted on the export's own rows (input order).
        if let (Some(j), Some(col)) = (&summary_json, d.id.as_deref().and_then(|id| find_column(&header[..ncols], id)))
        {
            let (mut missing, mut duplicates, mut seen) = (0, 0, BTreeSet::new());
            for r in &reading.well_formed {
                let id = r[col].trim();
                if id.is_empty() {
                    missing += 1;
                } else if !seen.insert(id) {
                    duplicates += 1;
                }
            }
            let got = |k: &str| j.get(k).and_then(serde_json::Value::as_u64);
            if got("missing_ids") != Some(missing) || got("duplicates") != Some(duplicates) {
                return Err(finding(
                    "duplicates",
                    format!(
                        "summary: missing_ids {:?}, duplicates {:?}; the export's rows: {missing} and {duplicates}",
                        got("missing_ids"),
                        got("duplicates")
                    ),
                ));
            }
        }
        let mut want = reading.well_formed;
        got.sort();
        want.sort();
        if got != want {
            let missing = want.iter().find(|r| !got.contains(r));
            let extra = got.iter().find(|r| !want.contains(r));
            return Err(finding(
                "rows",
                format!(
                    "the output's rows are not the export's well-formed records once each; a record not in the output: \
                     {}; an output row not in the export: {}",
                    truncate(&format!("{missing:?}")),
                    truncate(&format!("{extra:?}"))
                ),
            ));
        }
    }

    // Rank order, and one reason per lead that says whether it has a rep.
    let mut last = f64::INFINITY;
    for r in rows {
        let score: f64 =
            r[ncols].parse().map_err(|_| finding("bad output", format!("score {:?} is not a number", r[ncols])))?;
        if score > last {
            return Err(finding("rank", format!("score {score} after {last}: not in rank order")));
        }
        last = score;
        if case.cmd == Cmd::Assign {
            let (rep, reason) = (&r[ncols + 5], &r[ncols + 6]);
            let assigned = matches!(reason.as_str(), "account_owner" | "expertise" | "balanced");
            let known =
                matches!(reason.as_str(), "missing_id" | "duplicate" | "disqualified" | "no_team" | "no_capacity");
            if !(assigned || known) || assigned == rep.is_empty() {
                return Err(finding("routing", format!("rep {rep:?} with reason {reason:?}")));
            }
        }
    }
    if case.export.len() > 1 << 20 {
        stats.big += 1;
    }
    Ok(stats)
}

/// The summary's stage, reason and rep counts are those of the output's rows;
/// no rep takes more than its capacity, nor an inactive one any.
fn summary_matches_rows(j: &serde_json::Value, rows: &[Vec<String>], ncols: usize, cmd: Cmd) -> Result<(), Finding> {
    let count = |col: usize, value: &str| rows.iter().filter(|r| r[col] == value).count() as u64;
    let bad = |what: String| Err(finding("summary", what));
    let num = |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_u64).unwrap_or(u64::MAX);
    let empty = Vec::new();
    let stages = j.get("stages").and_then(serde_json::Value::as_array).unwrap_or(&empty);
    for st in stages {
        let name = st.get("stage").and_then(serde_json::Value::as_str).unwrap_or("");
        if num(st, "leads") != count(ncols + 3, name) {
            return bad(format!(
                "stage {name:?}: {} leads in the summary, {} in the CSV",
                num(st, "leads"),
                count(ncols + 3, name)
            ));
        }
    }
    if stages.iter().map(|st| num(st, "leads")).sum::<u64>() != rows.len() as u64 {
        return bad(format!("the stages' leads do not add up to the {} rows", rows.len()));
    }
    if cmd != Cmd::Assign {
        return Ok(());
    }
    let Some(routing) = j.get("routing") else { return bad("no routing in the summary".into()) };
    let (assigned, not_assigned) = (num(routing, "assigned"), num(routing, "not_assigned"));
    if assigned.saturating_add(not_assigned) != rows.len() as u64 {
        return bad(format!("assigned {assigned} + not assigned {not_assigned} != {} rows", rows.len()));
    }
    let reasons = routing.get("reasons").and_then(serde_json::Value::as_object);
    for (reason, n) in reasons.into_iter().flatten() {
        if n.as_u64() != Some(count(ncols + 6, reason)) {
            return bad(format!("reason {reason}: {n} in the summary, {} in the CSV", count(ncols + 6, reason)));
        }
    }
    let reps = routing.get("reps").and_then(serde_json::Value::as_array).unwrap_or(&empty);
    let mut taken_sum = 0;
    for rep in reps {
        let name = rep.get("rep").and_then(serde_json::Value::as_str).unwrap_or("");
        let taken = num(rep, "taken");
        let capacity = rep.get("capacity").and_then(serde_json::Value::as_u64);
        let active = rep.get("active").and_then(serde_json::Value::as_bool).unwrap_or(true);
        if taken != count(ncols + 5, name) {
            return bad(format!("rep {name:?}: took {taken} in the summary, {} in the CSV", count(ncols + 5, name)));
        }
        if capacity.is_some_and(|c| taken > c) || (!active && taken > 0) {
            return bad(format!("rep {name:?} took {taken} (capacity {capacity:?}, active {active})"));
        }
        taken_sum += taken;
    }
    if taken_sum != assigned {
        return bad(format!("the reps took {taken_sum} leads, the summary says {assigned} were assigned"));
    }
    Ok(())
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 300 { format!("{}...", s.chars().take(300).collect::<String>()) } else { s.to_string() }
}

// ---------------------------------------------------------------------------
// Findings

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn findings_root() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("fuzz-findings")
}

fn rerun_command(seed: u64, index: u64) -> String {
    format!("LEADROUTE_FUZZ_SEED={seed} LEADROUTE_FUZZ_CASE={index} cargo test --test cli fuzz -- --nocapture")
}

fn save_finding(seed: u64, index: u64, case: &Case, run: Option<&Run>, f: &Finding) -> PathBuf {
    let dir = findings_root().join(format!("{seed}-{index}"));
    let _ = std::fs::remove_dir_all(&dir);
    let files = dir.join("case");
    std::fs::create_dir_all(&files).expect("findings folder");
    for d in &case.dirs {
        std::fs::create_dir_all(files.join(d)).expect("case folder");
    }
    for (name, bytes) in &case.files {
        let p = files.join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("case folder");
        std::fs::write(p, bytes).expect("case file");
    }
    let command = std::iter::once("\"$bin\"".to_string())
        .chain(case.args.iter().map(|a| shell_quote(a)))
        .collect::<Vec<_>>()
        .join(" ");
    let stdin = if case.stdin.is_some() {
        std::fs::write(dir.join("stdin.bin"), case.stdin.as_deref().unwrap_or_default()).expect("stdin file");
        " < \"$here/stdin.bin\""
    } else {
        ""
    };
    let script = format!(
        "#!/bin/sh\n# Reruns this finding on a copy of its files: sh repro.sh [path/to/leadroute]\n\
         bin=${{1:-leadroute}}\ncase $bin in */*) bin=$(cd \"$(dirname \"$bin\")\" && pwd)/$(basename \"$bin\");; esac\n\
         here=$(cd \"$(dirname \"$0\")\" && pwd)\ntmp=$(mktemp -d)\ncp -R \"$here/case/.\" \"$tmp/\"\ncd \"$tmp\" || exit 1\n\
         echo \"in $tmp\"\n{command}{stdin}\necho \"exit $?\"\n"
    );
    std::fs::write(dir.join("repro.sh"), script).expect("repro script");
    let (code, stdout, stderr) = match run {
        Some(r) => (format!("{} (signal {:?})", r.code, r.signal), r.stdout.clone(), r.stderr.clone()),
        None => ("none: killed after the time limit".to_string(), String::new(), String::new()),
    };
    let report = format!(
        "finding: {}\n{}\n\ncommand (run in case/): leadroute {}\nstandard input: {}\nexit: {code}\n\n\
         what the case did:\n  {}\n\nrerun the case: {}\nor: sh {}/repro.sh target/debug/leadroute\n\n\
         --- stdout (first 4000 bytes)\n{}\n--- stderr (first 4000 bytes)\n{}\n",
        f.kind,
        f.detail,
        case.args.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" "),
        if case.stdin.is_some() { "stdin.bin" } else { "none" },
        case.log.join("\n  "),
        rerun_command(seed, index),
        dir.display(),
        stdout.chars().take(4000).collect::<String>(),
        stderr.chars().take(4000).collect::<String>(),
    );
    std::fs::write(dir.join("finding.txt"), report).expect("finding report");
    dir
}

// ---------------------------------------------------------------------------
// The runs

#[derive(Default)]
struct State {
    stats: Stats,
    /// (kind, command) -> (count, folders kept, first case).
    findings: BTreeMap<(&'static str, Cmd), (u64, Vec<PathBuf>, u64)>,
    kept: usize,
    last_report: Option<Instant>,
}

fn run_case(corpus: &[Family], s: &Settings, index: u64, state: &Mutex<State>) {
    let case = generate(corpus, s.seed, index);
    let wd = Workdir::new();
    for d in &case.dirs {
        std::fs::create_dir_all(wd.path(d)).expect("case folder");
    }
    for (name, bytes) in &case.files {
        wd.write(name, bytes);
    }
    let before = snapshot(&wd.path(""));
    let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
    let started = Instant::now();
    let run = wd.run_limited(&args, case.stdin.as_deref(), s.timeout);
    let took = started.elapsed();
    let result = evaluate(&case, &wd, &before, run.as_ref());
    if s.verbose {
        let (code, first) = run.as_ref().map_or((-1, ""), |r| (r.code, r.stderr.lines().next().unwrap_or("")));
        let (secs, size) = (took.as_secs_f64(), case.export.len());
        eprintln!(
            "fuzz: case {index}: {secs:.2} s, {size} bytes, exit {code}: {}: {}",
            case.args.join(" "),
            truncate(first)
        );
    }
    let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
    let mut stats = match &result {
        Ok(stats) => stats.clone(),
        Err(_) => Stats::default(),
    };
    stats.cases = 1;
    stats.digest = case.digest().wrapping_mul(index | 1);
    *stats.exits.entry((case.cmd, run.as_ref().map_or(-1, |r| r.code))).or_default() += 1;
    st.stats.add(&stats);
    if let Err(f) = result {
        let kept = st.kept;
        let entry = st.findings.entry((f.kind, case.cmd)).or_insert((0, Vec::new(), index));
        entry.0 += 1;
        if entry.1.len() < KEPT_PER_KIND && kept < KEPT_FINDINGS {
            let dir = save_finding(s.seed, index, &case, run.as_ref(), &f);
            eprintln!(
                "fuzz: finding in case {index} ({} {}): {}: {}\n  saved in {}",
                case.cmd.name(),
                f.kind,
                f.kind,
                truncate(&f.detail),
                dir.display()
            );
            entry.1.push(dir);
            st.kept += 1;
        }
    }
    let now = Instant::now();
    if st.last_report.is_none_or(|t| now.duration_since(t) >= Duration::from_secs(60)) {
        if st.last_report.is_some() {
            let n: u64 = st.findings.values().map(|f| f.0).sum();
            eprintln!("fuzz: {} cases, {} findings", st.stats.cases, n);
        }
        st.last_report = Some(now);
    }
}

/// The fuzz run: a short fixed-seed run in `cargo test`; see the module doc
/// for the long run.
#[test]
fn mutated_exports_and_rules_never_panic_hang_or_lose_rows() {
    let s = Settings::from_env();
    let corpus = corpus();
    let started = Instant::now();
    let deadline = s.minutes.map(|m| started + Duration::from_secs_f64(m * 60.0));
    let next = AtomicU64::new(0);
    let state = Mutex::new(State::default());
    std::thread::scope(|scope| {
        for _ in 0..s.jobs {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    let index = match s.only {
                        Some(only) if k == 0 => only,
                        Some(_) => break,
                        None => k,
                    };
                    let over = s.only.is_none() && s.cases.is_some_and(|n| index >= n);
                    if over || deadline.is_some_and(|d| Instant::now() >= d) {
                        break;
                    }
                    run_case(&corpus, &s, index, &state);
                }
            });
        }
    });
    let st = state.into_inner().unwrap_or_else(|e| e.into_inner());
    let elapsed = started.elapsed().as_secs_f64();
    let total: u64 = st.findings.values().map(|f| f.0).sum();
    let exits: Vec<String> = st.exits_summary();
    eprintln!(
        "fuzz: seed {}, {} cases in {:.1} s ({:.1} min), {} findings; digest {:016x}\n  \
         conservation checked {} times, against the export itself {} times, {} on exports over 1 MiB\n  exits: {}",
        s.seed,
        st.stats.cases,
        elapsed,
        elapsed / 60.0,
        total,
        st.stats.digest,
        st.stats.conservation,
        st.stats.independent,
        st.stats.big,
        exits.join(", ")
    );
    if total > 0 {
        let mut msg = format!("{total} fuzz findings (seed {}):\n", s.seed);
        for ((kind, cmd), (n, dirs, first)) in &st.findings {
            msg.push_str(&format!("- {kind} in `{}`: {n} cases, first case {first}\n", cmd.name()));
            msg.push_str(&format!("    rerun: {}\n", rerun_command(s.seed, *first)));
            for d in dirs {
                msg.push_str(&format!("    files, command and report: {}\n", d.display()));
            }
        }
        panic!("{msg}");
    }
    // A run that never reaches the deep checks tests nothing: hold the default run to it.
    if s.only.is_none() && st.stats.cases >= 100 {
        let batch: u64 =
            st.stats.exits.iter().filter(|((c, _), _)| matches!(c, Cmd::Assign | Cmd::Score)).map(|(_, n)| n).sum();
        assert!(
            st.stats.conservation * 5 >= batch && st.stats.independent * 10 >= batch,
            "too few cases reached the checks: {} of {batch} assign/score runs had their counts checked, {} against the \
             export itself; are the corpus and the rules still compatible?",
            st.stats.conservation,
            st.stats.independent
        );
    }
}

impl State {
    fn exits_summary(&self) -> Vec<String> {
        self.stats.exits.iter().map(|((c, code), n)| format!("{} {code}: {n}", c.name())).collect()
    }
}

/// The same seed gives the same cases; another seed, others.
#[test]
fn fuzz_cases_are_deterministic() {
    let corpus = corpus();
    let digest = |seed: u64| (0..60).map(|i| generate(&corpus, seed, i).digest()).collect::<Vec<_>>();
    assert_eq!(digest(1), digest(1));
    assert_ne!(digest(1), digest(2));
}
