//! `--set KEY=VALUE`: override one value of the rules file without editing it.
//! KEY is a dotted path; tables in arrays are addressed by their `name`
//! (`reps.Brent.capacity=5`, `criteria."page views".points=3`). Overrides edit
//! the located tree in order, before validation, so that a bad value is
//! reported exactly like one written in the file.

use super::schema::{self, Shape};
use super::tree::{At, Entry, Node, Table, Val};
use crate::error::Error;

/// Splits `KEY=VALUE` at the first `=` outside quotes, and KEY into segments.
/// As in TOML keys, a `"..."` segment takes basic-string escapes (`\"`, `\\`,
/// `\u00e4`); a `'...'` segment is literal.
pub fn split(arg: &str) -> Result<(Vec<String>, String), String> {
    let mut quote: Option<char> = None;
    let mut segs = Vec::new();
    let mut cur = String::new();
    let mut seg_quoted = false;
    let mut at_seg_start = true;
    let mut escaped = false;
    for (i, c) in arg.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
                cur.push(c);
            } else if q == '"' && c == '\\' {
                escaped = true;
                cur.push(c);
            } else if c == q {
                quote = None;
                if q == '"' {
                    cur = basic_string(&cur)?;
                }
            } else {
                cur.push(c);
            }
            continue;
        }
        match c {
            '"' | '\'' if at_seg_start && cur.trim().is_empty() => {
                quote = Some(c);
                seg_quoted = true;
                cur.clear();
                at_seg_start = false;
            }
            '.' => {
                segs.push(finish(&cur, seg_quoted));
                cur.clear();
                seg_quoted = false;
                at_seg_start = true;
            }
            '=' => {
                segs.push(finish(&cur, seg_quoted));
                return Ok((segs, arg[i + 1..].to_string()));
            }
            _ => {
                if !c.is_whitespace() {
                    at_seg_start = false;
                }
                cur.push(c);
            }
        }
    }
    if quote.is_some() {
        return Err("an unterminated quote in the key".into());
    }
    Err("expected KEY=VALUE (for example stages.sql.min_score=70)".into())
}

/// The text of a `"..."` key segment (given without its quotes), its escapes
/// read as TOML reads a basic string.
fn basic_string(inner: &str) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Key {
        k: String,
    }
    toml::from_str::<Key>(&format!("k = \"{inner}\"")).map(|key| key.k).map_err(|_| {
        format!(
            "the quoted key segment \"{inner}\" has an invalid escape (TOML's: \\\" \\\\ \\t \\n \\uXXXX \\UXXXXXXXX)"
        )
    })
}

fn finish(seg: &str, quoted: bool) -> String {
    if quoted { seg.to_string() } else { seg.trim().to_string() }
}

/// Applies one override to the document tree.
pub fn apply(doc: &mut Table, arg: &str, index: usize) -> Result<(), Error> {
    let err = |msg: String| Error::Rules(format!("--set '{arg}': {msg}"));
    let (path, raw) = split(arg).map_err(err)?;
    let at = At::Set(index);
    let value = super::tree::parse_value(raw.trim(), index)
        .unwrap_or_else(|| Node { val: Val::Str(raw.trim().to_string()), at: at.clone() });
    if matches!(value.val, Val::Table(_)) {
        return Err(err("the value is a table; set one key at a time".into()));
    }
    let top = path[0].as_str();
    let Some(shape) = schema::top_shape(top) else {
        return Err(err(format!("unknown table '{top}' (expected one of: {})", schema::TOP_KEYS.join(", "))));
    };
    let (table, keys_path): (&mut Table, &[String]) = match shape {
        Shape::Table(_) => {
            let entry = entry_or_insert(doc, top, &at, || Val::Table(Table::default()));
            let Val::Table(t) = &mut entry.node.val else {
                return Err(err(format!("'{top}' in the rules file is not a table")));
            };
            (t, &path[1..])
        }
        Shape::Named(kind, _) => {
            let Some(name) = path.get(1) else {
                return Err(err(format!("'{top}' is a list of tables; address one by name, e.g. {top}.NAME.KEY")));
            };
            let names = doc.names(top);
            let Some(Entry { node: Node { val: Val::Array(items), .. }, .. }) = doc.get_mut(top) else {
                return Err(err(format!("no {kind} named '{name}' (the rules have none)")));
            };
            let found = items.iter_mut().find_map(|n| match &mut n.val {
                Val::Table(t) if matches!(t.get("name"), Some(Entry { node: Node { val: Val::Str(s), .. }, .. }) if s == name) => Some(t),
                _ => None,
            });
            let Some(t) = found else {
                let hint = crate::suggest::did_you_mean(name, names.iter().map(String::as_str));
                let names = crate::error::name_list(names.iter().map(String::as_str));
                return Err(err(format!("no {kind} named '{name}'{hint} (names: {names})")));
            };
            (t, &path[2..])
        }
    };
    let allowed = shape.keys();
    match keys_path {
        [] => Err(err(format!("'{}' is a whole table; set one of its keys: {}", path.join("."), allowed.join(", ")))),
        [key] => {
            if !allowed.contains(&key.as_str()) {
                let hint = crate::suggest::did_you_mean(key, allowed.iter().copied());
                return Err(err(format!("unknown key '{key}'{hint} (expected one of: {})", allowed.join(", "))));
            }
            match table.get_mut(key) {
                Some(e) => e.node = value,
                None => table.entries.push(Entry { key: key.clone(), key_at: at, node: value }),
            }
            Ok(())
        }
        [key, ..] => Err(err(format!("'{key}' is a value, not a table: the path is too long"))),
    }
}

fn entry_or_insert<'a>(t: &'a mut Table, key: &str, at: &At, make: impl FnOnce() -> Val) -> &'a mut Entry {
    if t.get(key).is_none() {
        t.entries.push(Entry { key: key.to_string(), key_at: at.clone(), node: Node { val: make(), at: at.clone() } });
    }
    t.get_mut(key).expect("just inserted")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn keys_split_on_dots_and_the_first_equals_outside_quotes() {
        assert_eq!(split("stages.sql.min_score=70").unwrap(), (s(&["stages", "sql", "min_score"]), "70".into()));
        assert_eq!(
            split("criteria.\"page views\".points=3").unwrap(),
            (s(&["criteria", "page views", "points"]), "3".into())
        );
        assert_eq!(split("criteria.'a.b=c'.points=x=y").unwrap(), (s(&["criteria", "a.b=c", "points"]), "x=y".into()));
        assert_eq!(split("reps.Päivi.capacity=5").unwrap(), (s(&["reps", "Päivi", "capacity"]), "5".into()));
        assert_eq!(split("reps. Brent .active=false").unwrap().0, s(&["reps", "Brent", "active"]));
        assert!(split("reps.Brent.active").is_err());
    }

    /// A `"..."` segment takes TOML basic-string escapes; a `'...'` one is literal.
    #[test]
    fn double_quoted_segments_take_toml_escapes() {
        assert_eq!(split(r#"reps."P\u00e4ivi".active=true"#).unwrap().0, s(&["reps", "Päivi", "active"]));
        assert_eq!(split(r#"reps."a\"b.c".active=1"#).unwrap().0, s(&["reps", "a\"b.c", "active"]));
        assert_eq!(split(r#"reps."a\\b".active=1"#).unwrap().0, s(&["reps", "a\\b", "active"]));
        assert_eq!(split(r#"reps.'P\u00e4ivi'.active=1"#).unwrap().0, s(&["reps", "P\\u00e4ivi", "active"]));
        let bad = split(r#"reps."P\q".active=1"#).unwrap_err();
        assert!(bad.contains("invalid escape"), "{bad}");
    }
}
