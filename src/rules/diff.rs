//! What changed between two rule sets, key by key, as a reviewer reads a diff
//! (the "what changed" block of `compare --report`, docs/reference.md §8.4):
//! both files' trees flattened into dotted paths, tables in arrays addressed
//! by their `name` as `--set` addresses them (`stages.sql.min_score`), values
//! as written. `--set` overrides are applied to the candidate's tree first.

use serde::Serialize;

use super::tree::{self, Node, Table, Val};
use crate::error::Error;

/// One key whose value differs: `None` on a side where it is not set.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct KeyChange {
    pub key: String,
    pub base: Option<String>,
    pub candidate: Option<String>,
}

/// The keys that differ between the base text and the candidate text with
/// `sets` applied, in the base file's order (then the candidate's new keys).
/// Both texts have been loaded before: an error here is unexpected but named.
pub fn changes(base: &str, candidate: &str, sets: &[String]) -> Result<Vec<KeyChange>, Error> {
    let parse = |t: &str| tree::parse_document(t).map_err(|e| Error::Rules(format!("invalid TOML: {e}")));
    let a = parse(base)?;
    let mut b = parse(candidate)?;
    for (i, arg) in sets.iter().enumerate() {
        super::set::apply(&mut b, arg, i)?;
    }
    let (mut fa, mut fb) = (Vec::new(), Vec::new());
    flatten(&a, "", &mut fa);
    flatten(&b, "", &mut fb);
    let mut out = Vec::new();
    for (k, v) in &fa {
        let other = fb.iter().find(|(kb, _)| kb == k).map(|(_, v)| v);
        if other != Some(v) {
            out.push(KeyChange { key: k.clone(), base: Some(v.clone()), candidate: other.cloned() });
        }
    }
    for (k, v) in &fb {
        if !fa.iter().any(|(ka, _)| ka == k) {
            out.push(KeyChange { key: k.clone(), base: None, candidate: Some(v.clone()) });
        }
    }
    Ok(out)
}

/// A path segment as `--set` reads it: quoted when it holds anything but
/// letters, digits, `_` and `-`.
pub fn segment(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        s.to_string()
    } else {
        format!("{s:?}")
    }
}

fn join(prefix: &str, seg: &str) -> String {
    if prefix.is_empty() { seg.to_string() } else { format!("{prefix}.{seg}") }
}

fn flatten(t: &Table, prefix: &str, out: &mut Vec<(String, String)>) {
    for e in &t.entries {
        let path = join(prefix, &segment(&e.key));
        match &e.node.val {
            Val::Table(inner) => flatten(inner, &path, out),
            Val::Array(items) if !items.is_empty() && items.iter().all(|n| matches!(n.val, Val::Table(_))) => {
                for (i, n) in items.iter().enumerate() {
                    let seg = n.name().map_or_else(|| format!("[{}]", i + 1), segment);
                    if let Val::Table(inner) = &n.val {
                        flatten(inner, &join(&path, &seg), out);
                    }
                }
            }
            _ => out.push((path, value(&e.node))),
        }
    }
}

/// A value as TOML writes it (numbers as written).
fn value(n: &Node) -> String {
    match &n.val {
        Val::Str(s) => format!("{s:?}"),
        Val::Num(s) => s.clone(),
        Val::Bool(b) => b.to_string(),
        Val::Datetime => "(a date-time)".to_string(),
        Val::Array(items) => format!("[{}]", items.iter().map(value).collect::<Vec<_>>().join(", ")),
        Val::Table(t) => {
            let mut v = Vec::new();
            flatten(t, "", &mut v);
            format!("{{{}}}", v.iter().map(|(k, x)| format!("{k} = {x}")).collect::<Vec<_>>().join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = "[scoring]\nmax_fit = 60\n\n[[criteria]]\nname = \"page views\"\ngroup = \"engagement\"\n\
                         column = \"Views\"\nat_least = 3\npoints = 5\n\n[[stages]]\nname = \"mql\"\n\n\
                         [[stages]]\nname = \"sql\"\nmin_score = 40\n";

    #[test]
    fn a_set_shows_old_and_new() {
        let c = changes(RULES, RULES, &["stages.sql.min_score=45".into()]).unwrap();
        assert_eq!(
            c,
            vec![KeyChange {
                key: "stages.sql.min_score".into(),
                base: Some("40".into()),
                candidate: Some("45".into())
            }]
        );
        // A value set to what it was changes nothing; a new key has no old value.
        assert!(changes(RULES, RULES, &["stages.sql.min_score=40".into()]).unwrap().is_empty());
        let c = changes(RULES, RULES, &["stages.mql.min_score=10".into()]).unwrap();
        assert_eq!((c[0].key.as_str(), c[0].base.as_deref()), ("stages.mql.min_score", None));
    }

    #[test]
    fn a_candidate_file_shows_every_moved_value_by_name() {
        let cand = RULES.replace("points = 5", "points = 7.5").replace("max_fit = 60", "max_fit = 61");
        let c = changes(RULES, &cand, &[]).unwrap();
        let keys: Vec<_> = c.iter().map(|k| (k.key.as_str(), k.candidate.as_deref())).collect();
        assert_eq!(keys, vec![("scoring.max_fit", Some("61")), ("criteria.\"page views\".points", Some("7.5"))]);
        // A removed key: no candidate value.
        let cand = RULES.replace("min_score = 40\n", "");
        assert_eq!(changes(RULES, &cand, &[]).unwrap()[0].candidate, None);
    }
}
