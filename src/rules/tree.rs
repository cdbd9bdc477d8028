//! The rules file as a tree that remembers where every key and value came from
//! (a byte span in the file, or a `--set` argument), so that every schema error
//! can name its line and column, and so that `--set` can edit the tree before
//! validation. Numbers keep the text they were written with: "at most two
//! decimals" is a property of what the user wrote, not of a binary float.

use std::ops::Range;
use std::path::PathBuf;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Where a key or value came from.
#[derive(Clone, Debug, PartialEq)]
pub enum At {
    File(Range<usize>),
    /// The index of the `--set` argument.
    Set(usize),
}

#[derive(Clone, Debug)]
pub struct Node {
    pub val: Val,
    pub at: At,
}

#[derive(Clone, Debug)]
pub enum Val {
    Str(String),
    /// A number as written: decimal integer text, or float text.
    Num(String),
    Bool(bool),
    Datetime,
    Array(Vec<Node>),
    Table(Table),
}

#[derive(Clone, Debug, Default)]
pub struct Table {
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub key_at: At,
    pub node: Node,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.key == key)
    }
}

impl Node {
    /// The `name` of a named table (`[[criteria]]`, `[[reps]]`, ...), if it has one.
    pub fn name(&self) -> Option<&str> {
        match &self.val {
            Val::Table(t) => match t.get("name") {
                Some(Entry { node: Node { val: Val::Str(s), .. }, .. }) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }
}

impl Table {
    /// The names of the tables in the array `key` (e.g. every rep's name).
    pub fn names(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            Some(Entry { node: Node { val: Val::Array(items), .. }, .. }) => {
                items.iter().filter_map(Node::name).map(str::to_string).collect()
            }
            _ => Vec::new(),
        }
    }
}

impl Val {
    /// What a user calls this kind of value, for "found a ..." messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Val::Str(_) => "a string",
            Val::Num(s) if s.contains(['.', 'e', 'E']) => "a float",
            Val::Num(_) => "an integer",
            Val::Bool(_) => "a boolean",
            Val::Datetime => "a date-time",
            Val::Array(_) => "an array",
            Val::Table(_) => "a table",
        }
    }
}

/// The rules' source text and the `--set` arguments: what error locations refer to.
pub struct Source {
    pub path: PathBuf,
    pub text: String,
    pub sets: Vec<String>,
}

impl Source {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    /// `rules.toml:14:1` or `--set 'KEY=VALUE'`.
    pub fn locate(&self, at: &At) -> String {
        match at {
            At::File(span) => {
                let (l, c) = self.line_col(span.start);
                format!("{}:{l}:{c}", self.path.display())
            }
            At::Set(i) => format!("{}: --set '{}'", self.path.display(), self.sets.get(*i).map_or("", |s| s.as_str())),
        }
    }
}

/// The message for a TOML syntax error: `rules.toml:4:85: invalid TOML: ...`.
///
/// The reader stops at a nesting depth (arrays and inline tables, or the parts
/// of a dotted key or table header): it reports the first with a span and in
/// its own words, the second with neither, so both are said here in the
/// rules' terms, and a too-deep key is found in the text to name its line.
pub fn syntax_error(src: &Source, e: &toml::de::Error) -> String {
    let msg = e.message().trim();
    let at = |offset: usize| src.locate(&At::File(offset..offset));
    match e.span() {
        Some(span) if msg.contains("recurs") => format!(
            "{}: invalid TOML: arrays and inline tables nested too deeply to read; the rules need at most \
             three levels, as in `when = [{{ column = \"Country\", in = [\"FI\"] }}]`",
            at(span.start)
        ),
        Some(span) => format!("{}: invalid TOML: {msg}", at(span.start)),
        None if msg.contains("recursion") => match deepest_key(&src.text) {
            Some((start, parts)) => {
                let key = src.text[start..].split(['=', ']', '\n']).next().unwrap_or_default().trim_end();
                format!(
                    "{}: invalid TOML: the key or table header '{}' has {parts} dotted parts, too deeply \
                     nested to read; the rules' keys and table names have one part, as in [input], [[criteria]] \
                     or min_score = 70",
                    at(start),
                    crate::error::shorten(key, 40)
                )
            }
            None => format!(
                "{}: invalid TOML: a dotted key or table header is nested too deeply to read; the rules' keys \
                 and table names have one part, as in [input], [[criteria]] or min_score = 70",
                src.path.display()
            ),
        },
        None => format!("{}: invalid TOML: {msg}", src.path.display()),
    }
}

/// The start of the key or table header with the most dotted parts (the
/// first of them), when it has at least 64, and its number of parts. A scan
/// of the text that skips strings and comments and counts the dots between
/// the characters that end a key (`=`, `[`, `]`, `{`, `}`, `,`, a line end).
/// A value holds at most one dot outside quotes (`1.5`, `07:32:00.99`), so
/// longer runs are keys.
fn deepest_key(text: &str) -> Option<(usize, usize)> {
    const DEEP_KEY_PARTS: usize = 64;
    let b = text.as_bytes();
    let mut best: Option<(usize, usize)> = None;
    let (mut i, mut start, mut dots) = (0, None, 0);
    while i < b.len() {
        let rest = &b[i..];
        // A string (a quoted key part belongs to the key): skip to its end.
        let quote: Option<(&[u8], bool)> = [(&b"\"\"\""[..], true), (b"'''", false), (b"\"", true), (b"'", false)]
            .into_iter()
            .find(|(q, _)| rest.starts_with(q));
        if let Some((q, escapes)) = quote {
            start.get_or_insert(i);
            let mut j = i + q.len();
            while j < b.len() && !b[j..].starts_with(q) {
                j += if escapes && b[j] == b'\\' { 2 } else { 1 };
            }
            i = j + q.len();
            continue;
        }
        match b[i] {
            c @ (b'#' | b'=' | b'[' | b']' | b'{' | b'}' | b',' | b'\n') => {
                if let Some(s) = start.take()
                    && dots + 1 >= DEEP_KEY_PARTS
                    && best.is_none_or(|(_, parts)| dots + 1 > parts)
                {
                    best = Some((s, dots + 1));
                }
                dots = 0;
                if c == b'#' {
                    i += memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                    continue;
                }
            }
            b'.' => dots += 1,
            b' ' | b'\t' | b'\r' => {}
            _ => {
                start.get_or_insert(i);
            }
        }
        i += 1;
    }
    best
}

/// Parses TOML text into a located tree. A syntax error carries its span.
pub fn parse_document(text: &str) -> Result<Table, toml::de::Error> {
    let doc = DeTable::parse(text)?;
    let span = doc.span();
    Ok(table_from(doc.into_inner(), &span))
}

/// Parses one TOML value (for `--set`); None when the text is not a TOML value.
pub fn parse_value(text: &str, set_index: usize) -> Option<Node> {
    let v = DeValue::parse(text).ok()?;
    let mut node = node_from(v);
    relocate(&mut node, &At::Set(set_index));
    Some(node)
}

fn relocate(node: &mut Node, at: &At) {
    node.at = at.clone();
    match &mut node.val {
        Val::Array(items) => items.iter_mut().for_each(|n| relocate(n, at)),
        Val::Table(t) => t.entries.iter_mut().for_each(|e| {
            e.key_at = at.clone();
            relocate(&mut e.node, at)
        }),
        _ => {}
    }
}

fn table_from(t: DeTable<'_>, _span: &Range<usize>) -> Table {
    let entries = t
        .into_iter()
        .map(|(k, v)| Entry { key: k.get_ref().to_string(), key_at: At::File(k.span()), node: node_from(v) })
        .collect();
    Table { entries }
}

fn node_from(v: Spanned<DeValue<'_>>) -> Node {
    let span = v.span();
    let val = match v.into_inner() {
        DeValue::String(s) => Val::Str(s.into_owned()),
        DeValue::Integer(i) => Val::Num(
            i128::from_str_radix(i.as_str(), i.radix())
                .map(|n| n.to_string())
                .unwrap_or_else(|_| i.as_str().to_string()),
        ),
        DeValue::Float(f) => Val::Num(f.as_str().to_string()),
        DeValue::Boolean(b) => Val::Bool(b),
        DeValue::Datetime(_) => Val::Datetime,
        DeValue::Array(a) => Val::Array(a.iter().cloned().map(node_from).collect()),
        DeValue::Table(t) => Val::Table(table_from(t, &span)),
    };
    Node { val, at: At::File(span) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deepest_dotted_key_is_found_outside_strings_comments_and_values() {
        let deep = vec!["a"; 100].join(".");
        let text =
            format!("x = 1.5\n# {deep}.c\ns = \"{deep}.c\"\nm = '''\n{deep}.c\n'''\n[t]\n  [[{deep}.c]]\n{deep} = 1\n");
        let at = text.find("[[").unwrap() + 2;
        assert_eq!(deepest_key(&text), Some((at, 101)));
        let quoted = vec!["\"q.x\""; 70].join(" . ");
        assert_eq!(deepest_key(&format!("{quoted} = 1")), Some((0, 70)));
        assert_eq!(deepest_key(&format!("s = \"{deep}\"\n# {deep}\n")), None);
    }
}
