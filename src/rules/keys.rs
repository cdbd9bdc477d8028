//! Every key of the rules file, defined once: per table, a struct whose fields
//! are its keys, each with its doc comment (its meaning), its value and its
//! default. The schema's key lists (what a table allows, and the "expected one
//! of" of its messages), `--set`'s paths, the names the code reads keys by
//! (`REPS.capacity`) and the reference `docs/rules.md` (checked against these
//! by a test, as is `rules.example.toml`) all come from here. A condition's
//! tests are in `conditions::TESTS`.
//!
//! A new key is a field here, then its reading and checks in `schema` and its
//! place in the validated `Rules`; the tests then ask for its line in
//! `rules.example.toml` and the regenerated `docs/rules.md`.

use super::conditions;

/// One key of a table, as the reference shows it.
pub struct Key {
    /// The key, as written.
    pub name: &'static str,
    /// The value it takes, as the reference says it.
    #[cfg_attr(not(test), allow(dead_code))] // read by the reference's tests
    pub value: &'static str,
    /// Its value when left out; `None`: the key is required.
    #[cfg_attr(not(test), allow(dead_code))] // read by the reference's tests
    pub default: Option<&'static str>,
    /// What it means: the lines of the key's doc comment.
    #[cfg_attr(not(test), allow(dead_code))] // read by the reference's tests
    pub doc: &'static [&'static str],
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

/// Defines each table once, as a struct whose fields are its keys, each with
/// its doc comment (the key's meaning in `docs/rules.md`), the value it takes
/// and its default (`required` when it has none). For each table it makes the
/// struct, a constant of it whose fields hold the key names (the code names a
/// key through it: `REPS.capacity`), and its `TableDef`.
macro_rules! tables {
    ($(
        $(#[doc = $sdoc:literal])*
        pub struct $Struct:ident: $CONST:ident, $TABLE:ident = $name:literal $(, named $kind:literal)?, tests $tests:ident {
            $(
                $(#[doc = $doc:literal])*
                $key:ident: $value:literal = $default:tt,
            )*
        }
    )*) => {$(
        $(#[doc = $sdoc])*
        #[derive(Clone, Copy)]
        #[allow(dead_code)] // a key read by a generic path (every table's `name`) is not read through its field
        pub struct $Struct {
            $( $(#[doc = $doc])* pub $key: &'static str, )*
        }

        pub const $CONST: $Struct = $Struct { $( $key: stringify!($key), )* };

        pub const $TABLE: TableDef = TableDef {
            name: $name,
            named: tables!(@named $($kind)?),
            tests: Tests::$tests,
            keys: &[$(
                Key { name: stringify!($key), value: $value, default: tables!(@default $default), doc: &[$($doc),*] },
            )*],
        };
    )*};
    (@named) => { None };
    (@named $kind:literal) => { Some($kind) };
    (@default required) => { None };
    (@default $d:literal) => { Some($d) };
}

tables! {
    /// The keys of `[input]`: how the export is read.
    pub struct InputKeys: INPUT, INPUT_TABLE = "input", tests None {
        /// the column that identifies a lead; empty and repeated ids are not routed. `"@line"`: the lead's
        /// line number is its id, for an export with no id column
        id: "column" = required,
        /// the column whose date breaks ties in the ranking, oldest first
        created: "column" = "none",
        /// the column whose value (trimmed, lower-cased) keys owner stickiness; unset, `--owners` is ignored
        account: "column" = "none",
        /// the export's delimiter; `"auto"` picks the most frequent of them in the header line
        delimiter: "`\"auto\"`, `\",\"`, `\";\"`, `\"\\t\"` or `\"|\"`" = "`\"auto\"`",
        /// the decimal separator of numbers in cells
        decimal: "`\".\"` or `\",\"`" = "`\".\"`",
        /// how the export's bytes are read; invalid UTF-8 is an error naming its line
        encoding: "`\"utf-8\"` or `\"windows-1252\"`" = "`\"utf-8\"`",
        /// date formats tried in order after ISO 8601 (`%d`, `%m`, `%Y`, `%y`, `%H`, `%M`, `%S`, `%%`)
        date_formats: "list of strings" = "`[]`",
        /// the column holding the stage the CRM already gives a lead (matched against each stage's `crm`); a
        /// lead never moves below it
        current_stage: "column" = "none",
        /// a digit-group separator in numbers, read where it splits the integer part into threes
        thousands: "`\" \"`, `\".\"`, `\",\"`, `\"'\"` or `\"_\"`" = "none",
        /// the column whose address (gmail dots and `+tags` dropped) makes a lead a duplicate of an earlier
        /// lead with the same address
        email: "column" = "none",
        /// how account keys compare: trimmed and lower-cased, or also without a legal form (`Oy`, `Inc.`) and
        /// punctuation; an empty account then takes the company its email's domain names
        account_match: "`\"exact\"` or `\"normalized\"`" = "`\"exact\"`",
        /// the column of when the lead was first worked (called, mailed, met): a date or date and time; a date
        /// alone is the end of that day; empty is not worked. SLAs and response times read it
        touched: "column" = "none",
    }

    /// The keys of `[output]`.
    pub struct OutputKeys: OUTPUT, OUTPUT_TABLE = "output", tests None {
        /// the CSV outputs' delimiter
        delimiter: "`\",\"`, `\";\"`, `\"\\t\"` or `\"|\"`" = "`\",\"`",
        /// put before the name of every column leadroute appends
        prefix: "string" = "`\"\"`",
        /// a text cell starting with `=`, `+`, `-`, `@`, tab or CR is written with a `'` before it (against CSV
        /// injection); plain numbers are left alone
        excel_safe: "true or false" = "false",
        /// start every CSV output with a UTF-8 byte-order mark, so that Excel reads it as UTF-8
        bom: "true or false" = "false",
        /// the decimal separator of the numbers written in the CSV outputs (JSON and the terminal keep `.`);
        /// with `","` the delimiter must not be `,`
        decimal: "`\".\"` or `\",\"`" = "`\".\"`",
        /// which leads the assignment CSV holds: every well-formed lead; those with a rep; those given a rep in
        /// this run, and with a ledger those of earlier runs that were recorded but never delivered. `score`
        /// writes every lead
        rows: "`\"all\"`, `\"assigned\"` or `\"new\"`" = "`\"all\"`",
        /// the CSV's columns, in order: input columns by name, and leadroute's: `@score`, `@fit`, `@engagement`,
        /// `@stage`, `@grade`, `@team`, `@rep`, `@reason`, `@line`, `@rep.KEY` (a rep's `fields`),
        /// `@assigned_at` (needs `--ledger`); `score` writes the routing ones empty
        columns: "list of column names" = "every input column, then leadroute's",
        /// the header a column of `columns` gets, written as given; else an input column's header cell, and an
        /// `@` column's name without the `@`, after `prefix`
        rename: "table `{ COLUMN = \"header\" }`" = "`{}`",
    }

    /// The keys of `[scoring]`.
    pub struct ScoringKeys: SCORING, SCORING_TABLE = "scoring", tests None {
        /// cap on the sum of fit points
        max_fit: "number (two decimals)" = "no cap",
        /// cap on the sum of engagement points
        max_engagement: "number (two decimals)" = "no cap",
    }

    /// The keys of `[routing]`.
    pub struct RoutingKeys: ROUTING, ROUTING_TABLE = "routing", tests None {
        /// the days, ending on the as-of date, over which a ledger's loads count
        balance_days: "whole number, 1 to 36500" = "30",
        /// the time zone of the run's clock and of every date and time without an offset: the as-of date is
        /// the clock's date there
        timezone: "an IANA time-zone name, e.g. \"Europe/Helsinki\"" = "the machine's zone",
        /// how many times a lead is moved for a missed SLA; then it stays with its rep. 0 measures and warns
        /// but never moves a lead
        sla_reassign_max: "whole number ≥ 0" = "2",
        /// the working hours of each working day in `timezone`: SLA clocks and response times count only
        /// minutes inside them; unset, every elapsed minute counts
        working_hours: "`\"HH:MM-HH:MM\"`, start before end (`24:00` allowed as the end)" = "none: every minute counts",
        /// the days with working hours
        working_days: "list of `\"mon\"` … `\"sun\"`, not empty, no repeats" = "`[\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]`",
        /// dates without working hours
        holidays: "list of dates `\"YYYY-MM-DD\"`" = "`[]`",
    }

    /// The keys of `[grades]`.
    pub struct GradesKeys: GRADES, GRADES_TABLE = "grades", tests None {
        /// fit bands tried in order: the first whose `min_fit` the lead's fit reaches; the last has no minimum
        fit: "list of bands `{ grade, min_fit }`" = required,
        /// engagement bands, likewise on `min_engagement`; a lead's grade is its fit band's `grade` followed by
        /// its engagement band's
        engagement: "list of bands `{ grade, min_engagement }`" = required,
    }

    /// The keys of a `[[criteria]]` entry.
    pub struct CriterionKeys: CRITERIA, CRITERIA_TABLE = "criteria", named "criterion", tests Criterion {
        /// unique among criteria; stages `require` it by name
        name: "string" = required,
        /// which sum its points go to: who the lead is, or what it did
        group: "`\"fit\"` or `\"engagement\"`" = "`\"fit\"`",
        /// the cell its test reads (`@grade` is not allowed here)
        column: "column" = required,
        /// added when the test holds (per unit with `per`); may be negative
        points: "number (two decimals)" = "0",
        /// cap on the absolute value of its contribution
        max: "number ≥ 0 (two decimals)" = "no cap",
        /// a lead it holds for gets stage `disqualified` (and no points from it)
        disqualify: "true or false" = "false",
        /// the contribution fades with the age of a date: × 0.5^(age / half_life_days)
        decay: "table `{ column, half_life_days }`" = "none",
    }

    /// The keys of a criterion's `decay = { ... }`.
    pub struct DecayKeys: DECAY, DECAY_TABLE = "decay", tests None {
        /// the date the age is counted from, in days before as-of
        column: "column" = required,
        /// the age at which half the points remain
        half_life_days: "number > 0" = required,
    }

    /// The keys of a `[[stages]]` entry.
    pub struct StageKeys: STAGES, STAGES_TABLE = "stages", named "stage", tests None {
        /// unique; `disqualified` is reserved
        name: "string" = required,
        /// the score is at least this
        min_score: "number (two decimals)" = "none",
        /// the fit sum is at least this
        min_fit: "number (two decimals)" = "none",
        /// the engagement sum is at least this
        min_engagement: "number (two decimals)" = "none",
        /// criteria whose test must have held
        require: "list of criterion names" = "`[]`",
        /// the `[input] current_stage` values that mean this stage; each value means one stage
        crm: "list of strings" = "`[]`",
        /// minutes (working time of the team's calendar) within which a lead in this stage must be worked
        /// (`touched`), or `assign --ledger` moves it to another rep; the smaller of the stage's and the team's
        sla_minutes: "whole number ≥ 1" = "none",
    }

    /// The keys of a `[[teams]]` entry.
    pub struct TeamKeys: TEAMS, TEAMS_TABLE = "teams", named "team", tests None {
        /// unique among teams
        name: "string" = required,
        /// the stages it takes (`"disqualified"` too, to route those)
        stages: "list of stage names" = "every stage but `disqualified`",
        /// conditions that must all hold for the team to take the lead
        when: "list of conditions" = "`[]`",
        /// the team that tries the lead when no rep here can take it
        overflow: "team name" = "none",
        /// minutes (working time of its calendar) within which its leads must be worked; see the stages' key
        sla_minutes: "whole number ≥ 1" = "none",
        /// the zone of the team's working hours (a team in another country); its working time only: dates stay
        /// `[routing]`'s
        timezone: "an IANA time-zone name" = "`[routing]`'s",
        /// the team's own working hours, as `[routing] working_hours`
        working_hours: "`\"HH:MM-HH:MM\"`" = "`[routing]`'s",
        /// the team's own working days, as `[routing] working_days`
        working_days: "list of `\"mon\"` … `\"sun\"`" = "`[routing]`'s",
        /// the team's own holidays, as `[routing] holidays` (they replace `[routing]`'s)
        holidays: "list of dates `\"YYYY-MM-DD\"`" = "`[routing]`'s",
    }

    /// The keys of a `[[reps]]` entry.
    pub struct RepKeys: REPS, REPS_TABLE = "reps", named "rep", tests None {
        /// unique among reps; owners files name reps by it
        name: "string" = required,
        /// the team the rep belongs to
        team: "team name" = required,
        /// the most new leads the rep takes in one run
        capacity: "whole number ≥ 0" = "no limit",
        /// share of leads relative to teammates
        weight: "number > 0" = "1",
        /// an inactive rep takes no lead
        active: "true or false" = "true",
        /// hard constraints: all must hold for the rep to take the lead
        require: "list of conditions" = "`[]`",
        /// expertise: of the candidates, the rep with most of these holding wins
        prefer: "list of conditions" = "`[]`",
        /// places kept for leads matching a `prefer` condition: a lead matching none is taken only while every
        /// limit has more than this many places left; needs `prefer` and a limit, and is below the lowest
        reserve: "whole number ≥ 0" = "0",
        /// leads dated on the as-of date (this run's and the ledger's)
        per_day: "whole number ≥ 0" = "no limit",
        /// leads dated in the 7 days ending on the as-of date
        per_week: "whole number ≥ 0" = "no limit",
        /// leads dated in the 30 days ending on the as-of date
        per_month: "whole number ≥ 0" = "no limit",
        /// inclusive date ranges on which the rep takes no lead
        away: "list of `{ from, to }`" = "`[]`",
        /// the rep's values for the CRM (an email address, a user id), written by the `[output] columns` entry
        /// `@rep.KEY`; a key no rep has is an error
        fields: "table `{ KEY = \"string\" }`" = "`{}`",
    }

    /// The keys of a range of a rep's `away = [{ ... }]`.
    pub struct AwayKeys: AWAY, AWAY_TABLE = "away", tests None {
        /// the first day away
        from: "date `YYYY-MM-DD`" = required,
        /// the last day away (on or after `from`)
        to: "date `YYYY-MM-DD`" = required,
    }

    /// The keys of a condition of `when`, `require` or `prefer`.
    pub struct ConditionKeys: CONDITION, CONDITION_TABLE = "condition", tests Condition {
        /// the cell the test reads; `@grade` (with `[grades]`, text tests only) is the lead's grade
        column: "column" = required,
    }

    /// The keys of a band of `[grades] fit`.
    pub struct FitBandKeys: FIT_BANDS, FIT_BANDS_TABLE = "fit", tests None {
        /// its part of the grade (`A`); unique in the list
        grade: "string" = required,
        /// the least fit a lead needs for the band; left out on the last band
        min_fit: "number (two decimals)" = required,
    }

    /// The keys of a band of `[grades] engagement`.
    pub struct EngagementBandKeys: ENGAGEMENT_BANDS, ENGAGEMENT_BANDS_TABLE = "engagement", tests None {
        /// its part of the grade (`1`); unique in the list
        grade: "string" = required,
        /// the least engagement a lead needs for the band; left out on the last band
        min_engagement: "number (two decimals)" = required,
    }
}

/// The tables at the top of the file, in the order messages list them.
pub const TOP: &[TableDef] = &[
    INPUT_TABLE,
    OUTPUT_TABLE,
    SCORING_TABLE,
    ROUTING_TABLE,
    GRADES_TABLE,
    CRITERIA_TABLE,
    STAGES_TABLE,
    TEAMS_TABLE,
    REPS_TABLE,
];

/// The tables inside others: the bands of `[grades]`, a criterion's `decay`,
/// a rep's `away`, the conditions of `when`, `require` and `prefer`.
#[cfg_attr(not(test), allow(dead_code))] // read by the reference's tests
pub const NESTED: &[TableDef] = &[FIT_BANDS_TABLE, ENGAGEMENT_BANDS_TABLE, DECAY_TABLE, AWAY_TABLE, CONDITION_TABLE];

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

    /// A key's doc comment as one line.
    fn doc(k: &Key) -> String {
        k.doc.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ")
    }

    /// Text for a cell of a Markdown table: a `|` escaped.
    fn cell(s: &str) -> String {
        s.replace('|', "\\|")
    }

    /// The reference's table of a table's keys, as `docs/rules.md` holds it.
    fn render(t: &TableDef) -> String {
        let mut out = String::from("| key | value | default | meaning |\n| --- | --- | --- | --- |\n");
        for k in t.keys {
            let default = cell(k.default.unwrap_or("**required**"));
            out.push_str(&format!("| `{}` | {} | {default} | {} |\n", k.name, cell(k.value), cell(&doc(k))));
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
        check(&FIT_BANDS_TABLE, &["grades"]);
        check(&ENGAGEMENT_BANDS_TABLE, &["grades"]);
        check(&DECAY_TABLE, &["criteria"]);
        check(&AWAY_TABLE, &["reps"]);
        // A condition's tests are the criteria's, shown there.
        check(&TableDef { tests: Tests::None, ..CONDITION_TABLE }, &["teams", "reps"]);
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
        assert_eq!(names::<{ count(&CRITERIA_TABLE) }>(&CRITERIA_TABLE)[..4], ["name", "group", "column", "equals"]);
        assert_eq!(*names::<{ count(&CRITERIA_TABLE) }>(&CRITERIA_TABLE).last().unwrap(), "decay");
    }

    #[test]
    fn a_key_is_set_only_where_it_is_a_key() {
        assert!(sets("a = 1\n# per_day = 3\nx = { from = 1 }", "per_day") && sets("x = { from = 1 }", "from"));
        assert!(!sets("per_days = 3\nmax_fit = 1", "fit") && !sets("# the key per_day is", "per_day"));
    }
}
