//! The learned rules file: RULES' own text with only the learned values
//! changed (points, `max`, `max_fit`, `max_engagement`, `min_fit`,
//! `min_engagement`, `min_score`), edited with `toml_edit` so that comments,
//! order, spacing and every other key stay as they were and a reviewer can
//! diff the two files. `--set` overrides are written in too: the points were
//! learned under them.

use toml_edit::{DocumentMut, Item, TableLike, Value};

use crate::rules::set::Override;
use crate::support::num::Cents;

/// One value to write: where, and what.
#[derive(Clone, Debug)]
pub struct Edit {
    pub at: Place,
    pub key: &'static str,
    /// The value under RULES (None: the key was not there).
    pub old: Option<Cents>,
    pub value: Cents,
    /// A comment for the line (left out inside inline tables, which cannot hold one).
    pub note: Option<String>,
}

impl Edit {
    /// The key as `--set` names it: `scoring.max_fit`, `stages.sql.min_score`,
    /// `grades.fit[1].min`.
    pub fn path(&self) -> String {
        match &self.at {
            Place::Table(top) => format!("{top}.{}", self.key),
            Place::Named(top, name) => format!("{top}.{}.{}", crate::rules::diff::segment(name), self.key),
            Place::Band(group, i) => format!("grades.{group}[{}].{}", i + 1, self.key),
        }
    }
}

/// A table of the rules file.
#[derive(Clone, Debug)]
pub enum Place {
    /// `[scoring]`, `[grades]` ...
    Table(&'static str),
    /// The entry of `[[criteria]]`, `[[stages]]` ... with this `name`.
    Named(&'static str, String),
    /// Band `i` of `[grades] fit` or `engagement`.
    Band(&'static str, usize),
}

/// Why the learned file could not be written from RULES' text (the rules
/// loaded already, so none of these is expected).
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    /// A text toml_edit cannot read.
    #[error("{0}")]
    Toml(#[from] toml_edit::TomlError),
    /// A `--set` argument that does not split into a key and a value.
    #[error("{0}")]
    Set(String),
    #[error("--set '{0}': cannot write it into the learned file")]
    SetPlace(String),
    #[error("cannot write {0}")]
    Value(Cents),
    #[error("no table {0:?} in the rules file")]
    NoTable(Place),
}

/// RULES' text with the `--set` overrides, then the edits, applied.
pub fn rewrite(text: &str, sets: &[String], edits: &[Edit]) -> Result<String, RewriteError> {
    let mut doc: DocumentMut = text.parse()?;
    for arg in sets {
        apply_set(&mut doc, arg)?;
    }
    for e in edits {
        let value: Value = e.value.to_string().parse().map_err(|_| RewriteError::Value(e.value))?;
        let Some((table, inline)) = locate(&mut doc, &e.at) else {
            return Err(RewriteError::NoTable(e.at.clone()));
        };
        let was = e.old.filter(|&o| o != e.value);
        put(table, e.key, value, if inline { None } else { e.note.as_deref() }, was, inline);
    }
    Ok(doc.to_string())
}

/// The table for a place, and whether it is an inline table.
fn locate<'a>(doc: &'a mut DocumentMut, at: &Place) -> Option<(&'a mut dyn TableLike, bool)> {
    match at {
        Place::Table(top) => {
            let item = doc.get_mut(top)?;
            let inline = item.is_inline_table();
            Some((item.as_table_like_mut()?, inline))
        }
        Place::Named(top, name) => named(doc.get_mut(top)?, name),
        Place::Band(group, i) => {
            let item = doc.get_mut(crate::rules::keys::GRADES_TABLE.name)?.as_table_like_mut()?.get_mut(group)?;
            match item {
                Item::ArrayOfTables(a) => a.get_mut(*i).map(|t| (t as &mut dyn TableLike, false)),
                Item::Value(Value::Array(a)) => {
                    a.get_mut(*i)?.as_inline_table_mut().map(|t| (t as &mut dyn TableLike, true))
                }
                _ => None,
            }
        }
    }
}

/// The entry with this `name` in an array of tables (`[[criteria]]`) or an
/// array of inline tables (`criteria = [{ ... }]`).
fn named<'a>(item: &'a mut Item, name: &str) -> Option<(&'a mut dyn TableLike, bool)> {
    let is = |t: &dyn TableLike| t.get("name").and_then(|v| v.as_str()) == Some(name);
    match item {
        Item::ArrayOfTables(a) => a.iter_mut().find(|t| is(*t)).map(|t| (t as &mut dyn TableLike, false)),
        Item::Value(Value::Array(a)) => a
            .iter_mut()
            .filter_map(|v| v.as_inline_table_mut())
            .find(|t| is(*t))
            .map(|t| (t as &mut dyn TableLike, true)),
        _ => None,
    }
}

/// Sets `key` to `value`, keeping the old value's surrounding spaces and
/// comment; a note goes into the comment, and so does `was` (the value
/// replaced) when the comment quotes it: `max_fit = 620.76 # was 60; worth at most 60`.
fn put(table: &mut dyn TableLike, key: &str, mut value: Value, note: Option<&str>, was: Option<Cents>, inline: bool) {
    match table.get_mut(key).and_then(|i| i.as_value_mut()) {
        Some(old) => {
            let decor = old.decor().clone();
            *value.decor_mut() = decor;
            let suffix = value.decor().suffix().and_then(|s| s.as_str()).unwrap_or("").to_string();
            let comment = suffix.trim_start().strip_prefix('#').map(str::trim);
            let was = was.filter(|&w| !inline && comment.is_some_and(|c| quotes(c, w))).map(|w| format!("was {w}"));
            let notes: Vec<&str> = note.into_iter().chain(was.as_deref()).chain(comment).collect();
            if notes.len() > comment.iter().len() {
                let space = &suffix[..suffix.len() - suffix.trim_start().len()];
                let space = if space.is_empty() || comment.is_none() { " " } else { space };
                value.decor_mut().set_suffix(format!("{space}# {}", notes.join("; ")));
            }
            *old = value;
        }
        None => {
            if let Some(note) = note {
                value.decor_mut().set_suffix(format!(" # {note}"));
            }
            // In an inline table the space before `}` moves to the new last value.
            if inline && let Some((_, Item::Value(last))) = table.iter_mut().last() {
                let suffix = last.decor().suffix().and_then(|s| s.as_str()).unwrap_or("").to_string();
                last.decor_mut().set_suffix("");
                value.decor_mut().set_suffix(suffix);
            }
            table.insert(key, Item::Value(value));
        }
    }
}

/// Whether a comment quotes the number `v` (`worth at most 60 ...` quotes
/// 60; `600`, `v60` and `60a` do not).
fn quotes(comment: &str, v: Cents) -> bool {
    let b = comment.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let starts = b[i].is_ascii_digit() && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.'));
        if !starts {
            i += 1;
            continue;
        }
        let from = if i > 0 && b[i - 1] == b'-' { i - 1 } else { i };
        let mut j = i;
        while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
            j += 1;
        }
        let number = comment[from..j].trim_end_matches('.');
        let whole = b.get(j).is_none_or(|c| !c.is_ascii_alphanumeric());
        if whole && crate::support::num::parse_cell_number(number, b'.').and_then(|d| d.to_cents()) == Some(v.0) {
            return true;
        }
        i = j;
    }
    false
}

/// Applies one `--set KEY=VALUE` (already checked when the rules loaded) to
/// the document: read by `--set`'s own `Override`, written with `put`.
fn apply_set(doc: &mut DocumentMut, arg: &str) -> Result<(), RewriteError> {
    let o = Override::parse(arg, 0).map_err(|e| RewriteError::Set(e.message().to_string()))?;
    let key = o.key().map_err(|e| RewriteError::Set(e.message().to_string()))?;
    let value: Value = o.raw.parse().unwrap_or_else(|_| Value::from(o.raw.as_str()));
    let top = o.top.as_str();
    let fail = || RewriteError::SetPlace(arg.to_string());
    let (table, inline) = match &o.name {
        None => {
            if doc.get(top).is_none() {
                doc.insert(top, Item::Table(toml_edit::Table::new()));
            }
            let item = doc.get_mut(top).ok_or_else(fail)?;
            let inline = item.is_inline_table();
            (item.as_table_like_mut().ok_or_else(fail)?, inline)
        }
        Some(name) => doc.get_mut(top).and_then(|i| named(i, name)).ok_or_else(fail)?,
    };
    match o.entry() {
        None => put(table, key, value, None, None, inline),
        // One entry of a table of strings (`rename`, `fields`): into its
        // inline table (made when absent).
        Some(entry) => {
            if table.get(key).is_none() {
                table.insert(key, Item::Value(Value::InlineTable(Default::default())));
            }
            let item = table.get_mut(key).ok_or_else(fail)?;
            let inline = item.is_inline_table();
            put(item.as_table_like_mut().ok_or_else(fail)?, entry, value, None, None, inline);
            // The usual spacing, `{ k = "v", l = "w" }`.
            if let Some(t) = item.as_inline_table_mut() {
                t.fmt();
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = "# head\n[scoring]\nmax_fit = 60   # cap\n\n[[criteria]]\nname = \"a\"   # the a\n\
        column = \"A\"\npresent = true\npoints = 25 # core buyer\n\n[[criteria]]\nname = \"b\"\ncolumn = \"B\"\n\
        present = true\n\n[[stages]]\nname = \"lead\"\n[[stages]]\nname = \"mql\"\nmin_score = 40\n";

    #[test]
    fn only_the_edited_values_change_and_comments_stay() {
        let edits = vec![
            Edit { at: Place::Table("scoring"), key: "max_fit", old: None, value: Cents(123_456), note: None },
            Edit {
                at: Place::Named("criteria", "a".into()),
                key: "points",
                old: None,
                value: Cents(0),
                note: Some("rounds to 0".into()),
            },
            Edit { at: Place::Named("criteria", "b".into()), key: "points", old: None, value: Cents(-250), note: None },
            Edit {
                at: Place::Named("stages", "mql".into()),
                key: "min_score",
                old: None,
                value: Cents(3_705),
                note: None,
            },
        ];
        let out = rewrite(RULES, &[], &edits).expect("rewritten");
        let want = RULES
            .replace("max_fit = 60   # cap", "max_fit = 1234.56   # cap")
            .replace("points = 25 # core buyer", "points = 0 # rounds to 0; core buyer")
            .replace("present = true\n\n[[stages]]", "present = true\npoints = -2.5\n\n[[stages]]")
            .replace("min_score = 40", "min_score = 37.05");
        assert_eq!(out, want);
    }

    #[test]
    fn a_comment_quotes_a_number_only_as_a_whole_number() {
        assert!(quotes("a perfect profile is worth at most 60 ...", Cents(6000)));
        assert!(
            quotes("up to 60.", Cents(6000)) && quotes("-10 if so", Cents(-1000)) && quotes("1.5 each", Cents(150))
        );
        assert!(!quotes("600 or v60 or 60a1", Cents(6000)) && !quotes("10 if so", Cents(-1000)));
    }

    #[test]
    fn sets_are_written_and_inline_tables_edited() {
        let text = "criteria = [{ name = \"a\", column = \"A\", present = true, points = 1 }]\n\
            [[stages]]\nname = \"lead\"\n";
        let sets = vec!["criteria.a.points=7".to_string(), "scoring.max_fit=5".to_string()];
        let edits = vec![Edit {
            at: Place::Named("criteria", "a".into()),
            key: "max",
            old: None,
            value: Cents(150),
            note: Some("x".into()),
        }];
        let out = rewrite(text, &sets, &edits).expect("rewritten");
        assert!(out.contains("points = 7, max = 1.5 }"), "{out}");
        assert!(out.contains("[scoring]\nmax_fit = 5\n"), "{out}");
        // One entry of a table of strings, made when absent, then another.
        let sets = vec!["output.rename.\"@rep.email\"=Owner".to_string(), "output.rename.\"@rep\"=R".to_string()];
        let out = rewrite(text, &sets, &[]).expect("rewritten");
        assert!(out.contains("[output]\nrename = { \"@rep.email\" = \"Owner\", \"@rep\" = \"R\" }\n"), "{out}");
    }
}
