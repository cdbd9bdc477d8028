//! Every key of the rules file, defined once: per table, its keys with their
//! value, default and meaning. The schema's key lists (what a table allows,
//! and the "expected one of" of its messages), `--set`'s paths and the
//! reference `docs/rules.md` (checked against these by a test, as is
//! `rules.example.toml`) all come from here. A condition's tests are in
//! `conditions::TESTS`.

use super::conditions;

/// One key of a table.
pub struct Key {
    /// The key, as written.
    pub name: &'static str,
    /// The value it takes, as the reference says it.
    #[cfg_attr(not(test), allow(dead_code))] // read by the reference's tests
    pub value: &'static str,
    /// Its value when left out; `None`: the key is required.
    #[cfg_attr(not(test), allow(dead_code))] // read by the reference's tests
    pub default: Option<&'static str>,
    /// What it means.
    #[cfg_attr(not(test), allow(dead_code))] // read by the reference's tests
    pub doc: &'static str,
}

/// A key with a default.
const fn opt(name: &'static str, value: &'static str, default: &'static str, doc: &'static str) -> Key {
    Key { name, value, default: Some(default), doc }
}

/// A required key.
const fn req(name: &'static str, value: &'static str, doc: &'static str) -> Key {
    Key { name, value, default: None, doc }
}

/// A table of the rules file and its keys.
pub struct TableDef {
    /// Its path, as written in a header or `--set` (`input`, `reps`; `decay`).
    pub name: &'static str,
    /// How a message names one of its entries (`criterion`), for an array of
    /// named tables; `None` for a plain table.
    pub named: Option<&'static str>,
    /// Its own keys; a condition's and a criterion's tests come from
    /// `conditions::TESTS`, after `column`.
    pub keys: &'static [Key],
    /// Whether its keys include the condition tests (and, on a criterion, `per`).
    pub tests: Tests,
}

/// Which condition tests a table takes besides its own keys.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tests {
    None,
    /// `when`, `require`, `prefer`: the tests.
    Condition,
    /// `[[criteria]]`: the tests and `per`.
    Criterion,
}

pub const INPUT: TableDef = TableDef {
    name: "input",
    named: None,
    tests: Tests::None,
    keys: &[
        req(
            "id",
            "column",
            "the column that identifies a lead; empty and repeated ids are not routed. \
             `\"@line\"`: the lead's line number is its id, for an export with no id column",
        ),
        opt("created", "column", "none", "the column whose date breaks ties in the ranking, oldest first"),
        opt(
            "account",
            "column",
            "none",
            "the column whose value (trimmed, lower-cased) keys owner stickiness; unset, `--owners` is ignored",
        ),
        opt(
            "delimiter",
            "`\"auto\"`, `\",\"`, `\";\"`, `\"\\t\"` or `\"|\"`",
            "`\"auto\"`",
            "the export's delimiter; `\"auto\"` picks the most frequent of them in the header line",
        ),
        opt("decimal", "`\".\"` or `\",\"`", "`\".\"`", "the decimal separator of numbers in cells"),
        opt(
            "encoding",
            "`\"utf-8\"` or `\"windows-1252\"`",
            "`\"utf-8\"`",
            "how the export's bytes are read; invalid UTF-8 is an error naming its line",
        ),
        opt(
            "date_formats",
            "list of strings",
            "`[]`",
            "date formats tried in order after ISO 8601 (`%d`, `%m`, `%Y`, `%y`, `%H`, `%M`, `%S`, `%%`)",
        ),
        opt(
            "current_stage",
            "column",
            "none",
            "the column holding the stage the CRM already gives a lead (matched against each stage's `crm`); \
             a lead never moves below it",
        ),
        opt(
            "thousands",
            "`\" \"`, `\".\"`, `\",\"`, `\"'\"` or `\"_\"`",
            "none",
            "a digit-group separator in numbers, read where it splits the integer part into threes",
        ),
        opt(
            "email",
            "column",
            "none",
            "the column whose address (gmail dots and `+tags` dropped) makes a lead a duplicate of an earlier \
             lead with the same address",
        ),
        opt(
            "account_match",
            "`\"exact\"` or `\"normalized\"`",
            "`\"exact\"`",
            "how account keys compare: trimmed and lower-cased, or also without a legal form (`Oy`, `Inc.`) \
             and punctuation; an empty account then takes the company its email's domain names",
        ),
    ],
};

pub const OUTPUT: TableDef = TableDef {
    name: "output",
    named: None,
    tests: Tests::None,
    keys: &[
        opt("delimiter", "`\",\"`, `\";\"`, `\"\\t\"` or `\"|\"`", "`\",\"`", "the CSV outputs' delimiter"),
        opt("prefix", "string", "`\"\"`", "put before the name of every column leadroute appends"),
        opt(
            "excel_safe",
            "true or false",
            "false",
            "a text cell starting with `=`, `+`, `-`, `@`, tab or CR is written with a `'` before it \
             (against CSV injection); plain numbers are left alone",
        ),
        opt(
            "bom",
            "true or false",
            "false",
            "start every CSV output with a UTF-8 byte-order mark, so that Excel reads it as UTF-8",
        ),
        opt(
            "decimal",
            "`\".\"` or `\",\"`",
            "`\".\"`",
            "the decimal separator of the numbers written in the CSV outputs (JSON and the terminal keep `.`); \
             with `\",\"` the delimiter must not be `,`",
        ),
    ],
};

pub const SCORING: TableDef = TableDef {
    name: "scoring",
    named: None,
    tests: Tests::None,
    keys: &[
        opt("max_fit", "number (two decimals)", "no cap", "cap on the sum of fit points"),
        opt("max_engagement", "number (two decimals)", "no cap", "cap on the sum of engagement points"),
    ],
};

pub const ROUTING: TableDef = TableDef {
    name: "routing",
    named: None,
    tests: Tests::None,
    keys: &[opt(
        "balance_days",
        "whole number, 1 to 36500",
        "30",
        "the days, ending on the as-of date, over which a ledger's loads count",
    )],
};

pub const GRADES: TableDef = TableDef {
    name: "grades",
    named: None,
    tests: Tests::None,
    keys: &[
        req(
            "fit",
            "list of bands `{ grade, min_fit }`",
            "fit bands tried in order: the first whose `min_fit` the lead's fit reaches; the last has no minimum",
        ),
        req(
            "engagement",
            "list of bands `{ grade, min_engagement }`",
            "engagement bands, likewise on `min_engagement`; a lead's grade is its fit band's `grade` followed \
             by its engagement band's",
        ),
    ],
};

pub const CRITERIA: TableDef = TableDef {
    name: "criteria",
    named: Some("criterion"),
    tests: Tests::Criterion,
    keys: &[
        req("name", "string", "unique among criteria; stages `require` it by name"),
        opt(
            "group",
            "`\"fit\"` or `\"engagement\"`",
            "`\"fit\"`",
            "which sum its points go to: who the lead is, or what it did",
        ),
        req("column", "column", "the cell its test reads (`@grade` is not allowed here)"),
        opt("points", "number (two decimals)", "0", "added when the test holds (per unit with `per`); may be negative"),
        opt("max", "number ≥ 0 (two decimals)", "no cap", "cap on the absolute value of its contribution"),
        opt(
            "disqualify",
            "true or false",
            "false",
            "a lead it holds for gets stage `disqualified` (and no points from it)",
        ),
        opt(
            "decay",
            "table `{ column, half_life_days }`",
            "none",
            "the contribution fades with the age of a date: × 0.5^(age / half_life_days)",
        ),
    ],
};

pub const DECAY: TableDef = TableDef {
    name: "decay",
    named: None,
    tests: Tests::None,
    keys: &[
        req("column", "column", "the date the age is counted from, in days before as-of"),
        req("half_life_days", "number > 0", "the age at which half the points remain"),
    ],
};

pub const STAGES: TableDef = TableDef {
    name: "stages",
    named: Some("stage"),
    tests: Tests::None,
    keys: &[
        req("name", "string", "unique; `disqualified` is reserved"),
        opt("min_score", "number (two decimals)", "none", "the score is at least this"),
        opt("min_fit", "number (two decimals)", "none", "the fit sum is at least this"),
        opt("min_engagement", "number (two decimals)", "none", "the engagement sum is at least this"),
        opt("require", "list of criterion names", "`[]`", "criteria whose test must have held"),
        opt(
            "crm",
            "list of strings",
            "`[]`",
            "the `[input] current_stage` values that mean this stage; each value means one stage",
        ),
    ],
};

pub const TEAMS: TableDef = TableDef {
    name: "teams",
    named: Some("team"),
    tests: Tests::None,
    keys: &[
        req("name", "string", "unique among teams"),
        opt(
            "stages",
            "list of stage names",
            "every stage but `disqualified`",
            "the stages it takes (`\"disqualified\"` too, to route those)",
        ),
        opt("when", "list of conditions", "`[]`", "conditions that must all hold for the team to take the lead"),
        opt("overflow", "team name", "none", "the team that tries the lead when no rep here can take it"),
    ],
};

pub const REPS: TableDef = TableDef {
    name: "reps",
    named: Some("rep"),
    tests: Tests::None,
    keys: &[
        req("name", "string", "unique among reps; owners files name reps by it"),
        req("team", "team name", "the team the rep belongs to"),
        opt("capacity", "whole number ≥ 0", "no limit", "the most new leads the rep takes in one run"),
        opt("weight", "number > 0", "1", "share of leads relative to teammates"),
        opt("active", "true or false", "true", "an inactive rep takes no lead"),
        opt("require", "list of conditions", "`[]`", "hard constraints: all must hold for the rep to take the lead"),
        opt(
            "prefer",
            "list of conditions",
            "`[]`",
            "expertise: of the candidates, the rep with most of these holding wins",
        ),
        opt(
            "reserve",
            "whole number ≥ 0",
            "0",
            "places kept for leads matching a `prefer` condition: a lead matching none is taken only while every \
             limit has more than this many places left; needs `prefer` and a limit, and is below the lowest",
        ),
        opt("per_day", "whole number ≥ 0", "no limit", "leads dated on the as-of date (this run's and the ledger's)"),
        opt("per_week", "whole number ≥ 0", "no limit", "leads dated in the 7 days ending on the as-of date"),
        opt("per_month", "whole number ≥ 0", "no limit", "leads dated in the 30 days ending on the as-of date"),
        opt("away", "list of `{ from, to }`", "`[]`", "inclusive date ranges on which the rep takes no lead"),
    ],
};

pub const AWAY: TableDef = TableDef {
    name: "away",
    named: None,
    tests: Tests::None,
    keys: &[
        req("from", "date `YYYY-MM-DD`", "the first day away"),
        req("to", "date `YYYY-MM-DD`", "the last day away (on or after `from`)"),
    ],
};

pub const CONDITION: TableDef = TableDef {
    name: "condition",
    named: None,
    tests: Tests::Condition,
    keys: &[req(
        "column",
        "column",
        "the cell the test reads; `@grade` (with `[grades]`, text tests only) is the lead's grade",
    )],
};

pub const FIT_BANDS: TableDef = TableDef {
    name: "fit",
    named: None,
    tests: Tests::None,
    keys: &[
        req("grade", "string", "its part of the grade (`A`); unique in the list"),
        req("min_fit", "number (two decimals)", "the least fit a lead needs for the band; left out on the last band"),
    ],
};

pub const ENGAGEMENT_BANDS: TableDef = TableDef {
    name: "engagement",
    named: None,
    tests: Tests::None,
    keys: &[
        req("grade", "string", "its part of the grade (`1`); unique in the list"),
        req(
            "min_engagement",
            "number (two decimals)",
            "the least engagement a lead needs for the band; left out on the last band",
        ),
    ],
};

/// The tables at the top of the file, in the order messages list them.
pub const TOP: &[TableDef] = &[INPUT, OUTPUT, SCORING, ROUTING, GRADES, CRITERIA, STAGES, TEAMS, REPS];

/// The tables inside others: the bands of `[grades]`, a criterion's `decay`, a rep's `away`, the
/// conditions of `when`, `require` and `prefer`.
#[cfg_attr(not(test), allow(dead_code))] // read by the reference's tests
pub const NESTED: &[TableDef] = &[FIT_BANDS, ENGAGEMENT_BANDS, DECAY, AWAY, CONDITION];

/// How many keys a table allows.
pub const fn count(t: &TableDef) -> usize {
    t.keys.len()
        + match t.tests {
            Tests::None => 0,
            Tests::Condition => conditions::count(false),
            Tests::Criterion => conditions::count(true),
        }
}

/// The keys a table allows, in the order messages list them: its own, with
/// the condition tests (if it takes them) after `column`. `N` is `count(t)`.
pub const fn names<const N: usize>(t: &TableDef) -> [&'static str; N] {
    let tests: &[conditions::TestDef] = conditions::TESTS;
    let mut out = [""; N];
    let mut n = 0;
    let mut i = 0;
    while i < t.keys.len() {
        out[n] = t.keys[i].name;
        n += 1;
        if is(t.keys[i].name, "column") && !matches!(t.tests, Tests::None) {
            let mut j = 0;
            while j < tests.len() {
                if matches!(t.tests, Tests::Criterion) || !tests[j].criterion_only {
                    out[n] = tests[j].key;
                    n += 1;
                }
                j += 1;
            }
        }
        i += 1;
    }
    assert!(n == N, "N is not the number of keys");
    out
}

/// The names of the top-level tables; `N` is `TOP.len()`.
pub const fn top_names<const N: usize>() -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = TOP[i].name;
        i += 1;
    }
    out
}

/// String equality, in a `const fn`.
const fn is(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::conditions::TESTS;

    /// Text for a cell of a Markdown table: a `|` escaped.
    fn cell(s: &str) -> String {
        s.replace('|', "\\|")
    }

    /// The reference's table of a table's keys, as `docs/rules.md` holds it.
    fn render(t: &TableDef) -> String {
        let mut out = String::from("| key | value | default | meaning |\n| --- | --- | --- | --- |\n");
        for k in t.keys {
            let default = cell(k.default.unwrap_or("**required**"));
            out.push_str(&format!("| `{}` | {} | {default} | {} |\n", k.name, cell(k.value), cell(k.doc)));
            if k.name == "column" && t.tests != Tests::None {
                let per = if t.tests == Tests::Criterion { " or `per`" } else { "" };
                out.push_str(&format!(
                    "| *a test*{per} | see [Tests](#tests) | **one is required** | what the cell must be |\n"
                ));
            }
        }
        out
    }

    /// The reference's table of the condition tests.
    fn render_tests() -> String {
        let mut out = String::from("| test | value | holds when | example |\n| --- | --- | --- | --- |\n");
        for d in TESTS {
            let example = cell(&format!("{} = {}", d.key, d.example));
            out.push_str(&format!("| `{}` | {} | {} | `{example}` |\n", d.key, cell(d.value), cell(d.doc)));
        }
        out
    }

    /// Every generated block of the reference: its marker name and text.
    fn blocks() -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = TOP.iter().chain(NESTED).map(|t| (t.name.to_string(), render(t))).collect();
        v.push(("tests".to_string(), render_tests()));
        v
    }

    /// `docs/rules.md` holds, between `<!-- keys NAME -->` and `<!-- /keys -->`,
    /// each table's keys as the definitions give them. With
    /// `LEADROUTE_BLESS_DOCS=1` the test writes them in instead.
    #[test]
    fn the_reference_lists_every_key_as_defined() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
        let mut doc = std::fs::read_to_string(&path).expect("docs/rules.md");
        let bless = std::env::var_os("LEADROUTE_BLESS_DOCS").is_some();
        let mut wrong = Vec::new();
        for (name, want) in blocks() {
            let open = format!("<!-- keys {name} -->\n");
            let Some(start) = doc.find(&open).map(|i| i + open.len()) else {
                wrong.push(format!("no block {open:?}"));
                continue;
            };
            let end = start + doc[start..].find("<!-- /keys -->").expect("block closed");
            if doc[start..end] != want {
                if bless {
                    doc.replace_range(start..end, &want);
                } else {
                    wrong.push(format!("block '{name}' is not as defined; want:\n{want}"));
                }
            }
        }
        if bless {
            std::fs::write(&path, &doc).expect("written");
        }
        assert!(wrong.is_empty(), "docs/rules.md (LEADROUTE_BLESS_DOCS=1 rewrites the blocks):\n{}", wrong.join("\n"));
    }

    /// Whether `text` sets `key` somewhere (`key =`, also commented out or in
    /// an inline table).
    fn sets(text: &str, key: &str) -> bool {
        text.match_indices(key).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + key.len()..].trim_start_matches(' ');
            before.is_none_or(|c| matches!(c, ' ' | '\n' | '{' | ',' | '#')) && after.starts_with('=')
        })
    }

    /// `rules.example.toml` shows every key of every table, in that table's
    /// sections (an optional key may be commented out).
    #[test]
    fn the_example_rules_show_every_key() {
        let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules.example.toml"))
            .expect("rules.example.toml");
        // The text under each header, commented headers (`# [grades]`) included.
        let mut sections: Vec<(String, String)> = Vec::new();
        for line in text.lines() {
            let bare = line.trim_start_matches(['#', ' ']).trim_end();
            let header = bare.strip_prefix("[[").and_then(|h| h.strip_suffix("]]"));
            let header = header.or_else(|| bare.strip_prefix('[').and_then(|h| h.strip_suffix(']')));
            match header {
                Some(h) if h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                    sections.push((h.to_string(), String::new()))
                }
                _ => {
                    if let Some((_, body)) = sections.last_mut() {
                        body.push_str(line);
                        body.push('\n');
                    }
                }
            }
        }
        let under = |tables: &[&str]| -> String {
            sections.iter().filter(|(h, _)| tables.contains(&h.as_str())).map(|(_, b)| b.as_str()).collect()
        };
        let mut missing = Vec::new();
        let mut check = |t: &TableDef, tables: &[&str]| {
            let body = under(tables);
            for k in t.keys {
                if !sets(&body, k.name) {
                    missing.push(format!("'{}' of {}", k.name, t.name));
                }
            }
            if t.tests != Tests::None {
                for d in TESTS.iter().filter(|d| t.tests == Tests::Criterion || !d.criterion_only) {
                    if !sets(&body, d.key) {
                        missing.push(format!("test '{}' of {}", d.key, t.name));
                    }
                }
            }
        };
        for t in TOP {
            check(t, &[t.name]);
        }
        check(&FIT_BANDS, &["grades"]);
        check(&ENGAGEMENT_BANDS, &["grades"]);
        check(&DECAY, &["criteria"]);
        check(&AWAY, &["reps"]);
        // A condition's tests are the criteria's, shown there.
        check(&TableDef { tests: Tests::None, ..CONDITION }, &["teams", "reps"]);
        assert!(missing.is_empty(), "rules.example.toml does not show: {}", missing.join(", "));
    }

    /// The schema allows a table's keys exactly as defined.
    #[test]
    fn every_top_table_has_its_shape() {
        for t in TOP {
            let shape = crate::rules::schema::top_shape(t.name).expect(t.name);
            assert_eq!(shape.keys().len(), count(t), "{}", t.name);
            assert!(t.keys.iter().all(|k| shape.keys().contains(&k.name)), "{}", t.name);
        }
        assert_eq!(names::<{ count(&CRITERIA) }>(&CRITERIA)[..4], ["name", "group", "column", "equals"]);
        assert_eq!(*names::<{ count(&CRITERIA) }>(&CRITERIA).last().unwrap(), "decay");
    }

    #[test]
    fn a_key_is_set_only_where_it_is_a_key() {
        assert!(sets("a = 1\n# per_day = 3\nx = { from = 1 }", "per_day") && sets("x = { from = 1 }", "from"));
        assert!(!sets("per_days = 3\nmax_fit = 1", "fit") && !sets("# the key per_day is", "per_day"));
    }
}
