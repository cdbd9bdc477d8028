//! `--set KEY=VALUE`: override one value of the rules file without editing it.
//! An argument is read once into an `Override` (the table, the key, the value,
//! checked against the schema): `apply` writes it into the rules' tree, and
//! `learn` into the file it writes.
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

/// One `--set KEY=VALUE`, read once and checked against the schema: the
/// table it addresses, the key it sets, its value. `apply` writes it into the
/// rules' tree before validation, and `learn` into the file it writes.
#[derive(Debug)]
pub struct Override {
    /// The argument as given, for messages.
    pub arg: String,
    /// The top-level table (`reps`) and its shape.
    pub top: String,
    pub shape: Shape,
    /// For an array of named tables, the entry's `name`.
    pub name: Option<String>,
    /// The path after the table; a valid one is one key, or a table-of-strings
    /// key and one of its entries (see `key`, `entry`).
    rest: Vec<String>,
    /// The value as written (trimmed), and as read.
    pub raw: String,
    pub value: Node,
}

impl Override {
    /// Reads an argument (the `index`-th `--set`): the path, the value, the table.
    pub fn parse(arg: &str, index: usize) -> Result<Override, Error> {
        let (path, raw) = split(arg).map_err(|m| fail(arg, m))?;
        let raw = raw.trim().to_string();
        let value = super::tree::parse_value(&raw, index)
            .unwrap_or_else(|| Node { val: Val::Str(raw.clone()), at: At::Set(index) });
        let mut path = path.into_iter();
        let top = path.next().unwrap_or_default();
        let Some(shape) = schema::top_shape(&top) else {
            return Err(fail(arg, format!("unknown table '{top}' (expected one of: {})", schema::TOP_KEYS.join(", "))));
        };
        let name = match shape {
            Shape::Table(_) => None,
            Shape::Named(..) => match path.next() {
                Some(name) => Some(name),
                None => {
                    return Err(fail(
                        arg,
                        format!("'{top}' is a list of tables; address one by name, e.g. {top}.NAME.KEY"),
                    ));
                }
            },
        };
        let o = Override { arg: arg.to_string(), top, shape, name, rest: path.collect(), raw, value };
        // A table value is a whole table of strings (`output.rename={}`); any
        // other key takes one value at a time.
        if matches!(o.value.val, Val::Table(_)) && !matches!(o.rest.as_slice(), [k] if o.is_map(k)) {
            return Err(fail(arg, "the value is a table; set one key at a time".into()));
        }
        Ok(o)
    }

    /// Whether `key` of its table is a table of strings (`rename`, `fields`):
    /// a value that `--set` replaces whole, or one entry at a time.
    fn is_map(&self, key: &str) -> bool {
        schema::is_string_table(&self.top, key)
    }

    /// The entry of a table of strings it sets (`rename."@rep.email"`), if any.
    pub fn entry(&self) -> Option<&str> {
        match self.rest.as_slice() {
            [key, entry] if self.is_map(key) => Some(entry),
            _ => None,
        }
    }

    /// The key it sets: one, and one the table allows.
    pub fn key(&self) -> Result<&str, Error> {
        let allowed = self.shape.keys();
        match self.rest.as_slice() {
            [] => {
                let mut path = vec![self.top.as_str()];
                path.extend(self.name.as_deref());
                Err(self.fail(format!(
                    "'{}' is a whole table; set one of its keys: {}",
                    path.join("."),
                    allowed.join(", ")
                )))
            }
            [key] if !allowed.contains(&key.as_str()) => {
                let hint = crate::support::suggest::did_you_mean(key, allowed.iter().copied());
                Err(self.fail(format!("unknown key '{key}'{hint} (expected one of: {})", allowed.join(", "))))
            }
            [key] => Ok(key),
            [key, _] if self.is_map(key) => Ok(key),
            [key, ..] if self.is_map(key) => Err(self.fail(format!(
                "'{key}' takes one more part, the name of an entry: quote a name with a dot in it, as in \
                 {}.{key}.\"@rep.email\"=VALUE",
                self.path_before()
            ))),
            [key, ..] => Err(self.fail(format!("'{key}' is a value, not a table: the path is too long"))),
        }
    }

    fn fail(&self, msg: String) -> Error {
        fail(&self.arg, msg)
    }

    /// The path to the table of the key: `output`, `reps.Brent`.
    fn path_before(&self) -> String {
        let mut path = vec![self.top.as_str()];
        path.extend(self.name.as_deref());
        path.join(".")
    }
}

fn fail(arg: &str, msg: String) -> Error {
    Error::Rules(format!("--set '{arg}': {msg}"))
}

/// Applies one override to the document tree.
pub fn apply(doc: &mut Table, arg: &str, index: usize) -> Result<(), Error> {
    let o = Override::parse(arg, index)?;
    let at = At::Set(index);
    let top = o.top.as_str();
    let table: &mut Table = match (&o.shape, &o.name) {
        (Shape::Named(kind, _), Some(name)) => {
            let names = doc.names(top);
            let Some(Entry { node: Node { val: Val::Array(items), .. }, .. }) = doc.get_mut(top) else {
                return Err(o.fail(format!("no {kind} named '{name}' (the rules have none)")));
            };
            let found = items.iter_mut().find_map(|n| match &mut n.val {
                Val::Table(t) if matches!(t.get("name"), Some(Entry { node: Node { val: Val::Str(s), .. }, .. }) if s == name) => Some(t),
                _ => None,
            });
            let Some(t) = found else {
                let hint = crate::support::suggest::did_you_mean(name, names.iter().map(String::as_str));
                let names = crate::error::name_list(names.iter().map(String::as_str));
                return Err(o.fail(format!("no {kind} named '{name}'{hint} (names: {names})")));
            };
            t
        }
        _ => {
            let entry = entry_or_insert(doc, top, &at, || Val::Table(Table::default()));
            let Val::Table(t) = &mut entry.node.val else {
                return Err(o.fail(format!("'{top}' in the rules file is not a table")));
            };
            t
        }
    };
    let key = o.key()?;
    let (table, key) = match o.entry() {
        None => (table, key),
        Some(entry) => {
            let e = entry_or_insert(table, key, &at, || Val::Table(Table::default()));
            let Val::Table(t) = &mut e.node.val else {
                return Err(o.fail(format!("'{key}' in the rules file is not a table, so it has no entry '{entry}'")));
            };
            (t, entry)
        }
    };
    match table.get_mut(key) {
        Some(e) => e.node = o.value.clone(),
        None => table.entries.push(Entry { key: key.to_string(), key_at: at, node: o.value.clone() }),
    }
    Ok(())
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

    /// An override is read once, for the rules and for `learn`'s file alike.
    #[test]
    fn an_override_names_its_table_entry_and_key() {
        let o = Override::parse("criteria.'a.b'.points = 2.5 ", 0).unwrap();
        assert_eq!(
            (o.top.as_str(), o.name.as_deref(), o.key().unwrap(), o.raw.as_str()),
            ("criteria", Some("a.b"), "points", "2.5")
        );
        let o = Override::parse("scoring.max_fit=60", 0).unwrap();
        assert_eq!((o.name.as_deref(), o.key().unwrap()), (None, "max_fit"));
        let whole = Override::parse("stages.sql=3", 0).unwrap().key().unwrap_err();
        assert_eq!(
            whole.message(),
            "--set 'stages.sql=3': 'stages.sql' is a whole table; set one of its keys: name, min_score, min_fit, \
             min_engagement, require, crm, sla_minutes"
        );
        let long = Override::parse("input.id.x=1", 0).unwrap().key().unwrap_err();
        assert_eq!(long.message(), "--set 'input.id.x=1': 'id' is a value, not a table: the path is too long");
        let typo = Override::parse("reps.A.capacty=1", 0).unwrap().key().unwrap_err();
        assert!(typo.message().contains("unknown key 'capacty' (did you mean 'capacity'?)"), "{}", typo.message());
        let nameless = Override::parse("reps=1", 0).unwrap_err();
        assert!(nameless.message().ends_with("'reps' is a list of tables; address one by name, e.g. reps.NAME.KEY"));
        assert!(Override::parse("report.x=1", 0).unwrap_err().message().contains("unknown table 'report'"));
    }

    /// A table of strings (`rename`, `fields`) takes a whole table or one
    /// entry; any other key takes no table value.
    #[test]
    fn a_table_of_strings_is_set_whole_or_by_entry() {
        let o = Override::parse("output.rename.\"@rep.email\"=Owner", 0).unwrap();
        assert_eq!((o.key().unwrap(), o.entry()), ("rename", Some("@rep.email")));
        let o = Override::parse("reps.Brent.fields={ email = \"b@x\" }", 0).unwrap();
        assert_eq!((o.key().unwrap(), o.entry()), ("fields", None));
        let mut doc = crate::rules::tree::parse_document("[output]\nrename = { a = \"b\" }\n").unwrap();
        apply(&mut doc, "output.rename.c=d", 0).unwrap();
        apply(&mut doc, "output.rename.a=e", 1).unwrap();
        let Val::Table(out) = &doc.get("output").unwrap().node.val else { panic!("a table") };
        let Val::Table(rename) = &out.get("rename").unwrap().node.val else { panic!("a table") };
        let entries: Vec<(&str, &Val)> = rename.entries.iter().map(|e| (e.key.as_str(), &e.node.val)).collect();
        assert!(matches!(entries.as_slice(), [("a", Val::Str(a)), ("c", Val::Str(c))] if a == "e" && c == "d"));
        let table = Override::parse("scoring.max_fit={}", 0).unwrap_err();
        assert!(table.message().ends_with("the value is a table; set one key at a time"), "{}", table.message());
        assert!(Override::parse("output.prefix.x=1", 0).unwrap().key().is_err());
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
