//! Scoring model additions (docs/reference.md §9.1-§9.3): decay, stages that move forward
//! only, and fit × engagement grades. Expectations are computed by hand.

use crate::workdir::{Workdir, column};

const AS_OF: &str = "2026-11-01";

fn go(rules: &str, leads: &str, args: &[&str]) -> (Workdir, crate::workdir::Run) {
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", leads);
    let mut all =
        vec![args[0], "-r", "rules.toml", "--as-of", AS_OF, "-q", "--summary-json", "s.json", "-o", "out.csv"];
    all.extend_from_slice(&args[1..]);
    all.push("leads.csv");
    let run = wd.run(&all);
    (wd, run)
}

fn json(wd: &Workdir) -> serde_json::Value {
    serde_json::from_str(&wd.read("s.json")).expect("summary JSON")
}

/// Score of each id, in input order of `ids`.
fn scores_by_id(wd: &Workdir, ids: &[&str]) -> Vec<String> {
    let rows = wd.csv("out.csv");
    let id = column(&rows, "id");
    let score = column(&rows, "score");
    ids.iter().map(|want| score[id.iter().position(|i| i == want).expect("id in output")].clone()).collect()
}

// --- §9.1 Decay -------------------------------------------------------------------

const DECAY_RULES: &str = r#"
[input]
id = "id"
[[criteria]]
name = "webinar"
group = "engagement"
column = "webinar"
present = true
points = 8
decay = { column = "webinar", half_life_days = 10 }
[[criteria]]
name = "small"
group = "engagement"
column = "small"
present = true
points = 0.15
decay = { column = "seen", half_life_days = 10 }
[[criteria]]
name = "penalty"
column = "penalty"
present = true
points = -0.15
decay = { column = "seen", half_life_days = 10 }
[[stages]]
name = "lead"
[[stages]]
name = "attended"
require = ["webinar"]
"#;

#[test]
fn decay_halves_points_each_half_life_and_rounds_halves_away_from_zero() {
    let leads = "id,webinar,small,penalty,seen\n\
                 D0,2026-11-01,,,\n\
                 D1,2026-10-22,,,\n\
                 D2,2026-10-12,,,\n\
                 DF,2026-11-20,,,\n\
                 D5,2026-10-27,,,\n\
                 S1,,x,,2026-10-22\n\
                 P1,,,x,2026-10-22\n\
                 MISSING,,x,,\n\
                 BAD,,x,,someday\n";
    let (wd, run) = go(DECAY_RULES, leads, &["score"]);
    run.code(0);
    // Age 0: 8. One half-life: 4. Two: 2. A future date: 8. Five days of ten:
    // 8 × 0.5^0.5 = 5.6568… → 5.66. 0.15 at one half-life: 0.075 → 0.08, and
    // -0.15 → -0.08. A missing or unreadable date: 0.
    assert_eq!(
        scores_by_id(&wd, &["D0", "D1", "D2", "DF", "D5", "S1", "P1", "MISSING", "BAD"]),
        ["8", "4", "2", "8", "5.66", "0.08", "-0.08", "0", "0"]
    );
    let s = json(&wd);
    let warnings = s["warnings"].as_array().unwrap();
    let seen = warnings.iter().find(|w| w["column"] == "seen").expect("a value warning for 'seen'");
    assert_eq!((seen["count"].as_u64(), seen["first_line"].as_u64()), (Some(1), Some(10)));
}

/// Whether a criterion held (for a stage's `require`) is its test alone: a
/// decayed-away contribution still counts as held.
#[test]
fn a_decayed_criterion_still_holds_for_require() {
    let rules = DECAY_RULES.replace(
        "decay = { column = \"webinar\", half_life_days = 10 }",
        "decay = { column = \"seen\", half_life_days = 10 }",
    );
    let (wd, run) = go(&rules, "id,webinar,small,penalty,seen\nW,2026-10-01,,,\n", &["score"]);
    run.code(0);
    let rows = wd.csv("out.csv");
    assert_eq!(column(&rows, "score"), ["0"], "no date for the decay: 0 points");
    assert_eq!(column(&rows, "stage"), ["attended"], "the test held, so require holds");
}

#[test]
fn explain_shows_the_age_and_the_factor() {
    let wd = Workdir::new();
    wd.write("rules.toml", DECAY_RULES).write("leads.csv", "id,webinar,small,penalty,seen\nD5,2026-10-27,,,\n");
    let run = wd.run(&["explain", "-r", "rules.toml", "--as-of", AS_OF, "--wide", "--id", "D5", "leads.csv"]);
    run.code(0).stdout_has("decay on 'webinar': age 5 days, half-life 10, factor 0.7071").stdout_has("5.66");
}

#[test]
fn decay_needs_a_positive_half_life_and_known_keys() {
    for (from, to, want) in [
        (
            "half_life_days = 10 }",
            "half_life_days = 0 }",
            "'half_life_days' in 'decay' in [[criteria]] 'webinar' must be greater than 0",
        ),
        (
            "decay = { column = \"webinar\", half_life_days = 10 }",
            "decay = { column = \"webinar\" }",
            "needs 'half_life_days'",
        ),
        ("half_life_days = 10 }", "half_life = 10 }", "unknown key 'half_life' in 'decay' in [[criteria]] 'webinar'"),
    ] {
        let (_, run) = go(&DECAY_RULES.replacen(from, to, 1), "id,webinar,small,penalty,seen\n", &["score"]);
        run.code(2).stderr_has(want).stderr_has("rules.toml:");
    }
}

// --- §9.2 Stages move forward only --------------------------------------------------

const CRM_RULES: &str = r#"
[input]
id = "id"
current_stage = "Lifecycle"
[[criteria]]
name = "pts"
column = "pts"
per = 1
points = 1
[[criteria]]
name = "rival"
column = "email"
ends_with_any = ["@rival.example"]
disqualify = true
[[stages]]
name = "lead"
[[stages]]
name = "mql"
min_score = 5
crm = ["Marketing Qualified", "MQL"]
[[stages]]
name = "sql"
min_score = 9
crm = ["Sales Qualified"]
"#;

#[test]
fn a_crm_stage_above_the_rules_stage_is_kept_and_one_below_is_not() {
    let leads = "id,pts,email,Lifecycle\n\
                 ABOVE,2,a@x.example,Sales Qualified\n\
                 EQUAL,6,b@x.example,  mql \n\
                 BELOW,9,c@x.example,Marketing Qualified\n\
                 UNKNOWN,6,d@x.example,Subscriber\n\
                 EMPTY,1,e@x.example,\n\
                 DQ,9,f@rival.example,Sales Qualified\n\
                 UNKNOWN2,1,g@x.example,Customer\n";
    let (wd, run) = go(CRM_RULES, leads, &["score"]);
    run.code(0);
    let rows = wd.csv("out.csv");
    let stage_of = |id: &str| {
        let ids = column(&rows, "id");
        column(&rows, "stage")[ids.iter().position(|i| i == id).unwrap()].clone()
    };
    assert_eq!(stage_of("ABOVE"), "sql", "CRM says sql, rules say lead: sql");
    assert_eq!(stage_of("EQUAL"), "mql", "trimmed, case-insensitive; equal stays");
    assert_eq!(stage_of("BELOW"), "sql", "rules say sql, CRM says mql: sql (never back)");
    assert_eq!(stage_of("UNKNOWN"), "mql", "a value no stage lists is ignored");
    assert_eq!(stage_of("EMPTY"), "lead");
    assert_eq!(stage_of("DQ"), "disqualified", "a disqualified lead stays disqualified");
    assert_eq!(column(&rows, "score")[column(&rows, "id").iter().position(|i| i == "ABOVE").unwrap()], "2");
    let s = json(&wd);
    assert_eq!(s["crm_stage"]["held_up"], 1);
    assert_eq!(s["crm_stage"]["unknown_values"], 2);
    assert_eq!(s["crm_stage"]["first_unknown_line"], 5);
    assert_eq!(s["crm_stage"]["first_unknown_value"], "Subscriber");
    let wd2 = Workdir::new();
    wd2.write("rules.toml", CRM_RULES).write("leads.csv", leads);
    wd2.run(&["explain", "-r", "rules.toml", "--as-of", AS_OF, "--id", "ABOVE", "leads.csv"])
        .code(0)
        .stdout_has("'Lifecycle' is 'Sales Qualified' (stage 'sql'), above 'lead' by the rules");
}

#[test]
fn a_crm_value_listed_by_two_stages_is_a_rules_error() {
    let rules = CRM_RULES.replace("crm = [\"Sales Qualified\"]", "crm = [\"Sales Qualified\", \"mql\"]");
    let (_, run) = go(&rules, "id,pts,email,Lifecycle\n", &["score"]);
    run.code(2).stderr_has("CRM stage \"mql\" is listed by stage 'mql' too");
}

// --- §9.3 Grades ------------------------------------------------------------------

const GRADE_RULES: &str = r#"
[input]
id = "id"
[[criteria]]
name = "size"
column = "size"
per = 10
points = 1
[[criteria]]
name = "visits"
group = "engagement"
column = "visits"
per = 1
points = 1
[[criteria]]
name = "rival"
column = "email"
ends_with_any = ["@rival.example"]
disqualify = true
[grades]
fit = [{ grade = "A", min_fit = 40 }, { grade = "B", min_fit = 20 }, { grade = "C" }]
engagement = [{ grade = "1", min_engagement = 40 }, { grade = "2", min_engagement = 15 }, { grade = "3" }]
[[stages]]
name = "lead"
[[teams]]
name = "senior"
when = [{ column = "@grade", in = ["A1", "A2"] }]
[[teams]]
name = "rest"
[[reps]]
name = "Ada"
team = "senior"
[[reps]]
name = "Bo"
team = "rest"
"#;

/// One lead per grade cell: fit 400/200/0 (A/B/C at 40/20), visits 40/15/0
/// (1/2/3), plus the edges 39 and 14, and a disqualified lead (graded too).
const GRADE_LEADS: &str = "id,size,visits,email\n\
A1,400,40,a@x.example\n\
A2,400,15,b@x.example\n\
A3,400,14,c@x.example\n\
B1,399,40,d@x.example\n\
B2,200,39,e@x.example\n\
B3,200,0,f@x.example\n\
C1,199,40,g@x.example\n\
C2,0,15,h@x.example\n\
C3,0,0,i@x.example\n\
DQ,400,40,j@rival.example\n";

#[test]
fn every_grade_cell_and_the_grade_column_after_stage() {
    let (wd, run) = go(GRADE_RULES, GRADE_LEADS, &["assign"]);
    run.code(0);
    let rows = wd.csv("out.csv");
    assert_eq!(
        rows[0][4..],
        ["score", "fit", "engagement", "stage", "grade", "team", "rep", "reason"].map(String::from)
    );
    for r in &rows[1..] {
        let want = if r[0] == "DQ" { "A1" } else { r[0].as_str() };
        assert_eq!(r[8], want, "{r:?}");
    }
    let team = |id: &str| rows.iter().find(|r| r[0] == id).unwrap()[9].clone();
    assert_eq!(team("A1"), "senior");
    assert_eq!(team("A2"), "senior");
    assert_eq!(team("A3"), "rest", "@grade in `when` routes only A1 and A2 to senior");
    assert_eq!(team("B1"), "rest");
    let s = json(&wd);
    let grades: Vec<(String, u64)> = s["grades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["grade"].as_str().unwrap().to_string(), g["leads"].as_u64().unwrap()))
        .collect();
    let want: Vec<(String, u64)> = ["A1", "A2", "A3", "B1", "B2", "B3", "C1", "C2", "C3"]
        .iter()
        .map(|g| (g.to_string(), if *g == "A1" { 2 } else { 1 }))
        .collect();
    assert_eq!(grades, want);
}

#[test]
fn score_writes_the_grade_too_with_the_prefix() {
    let rules = GRADE_RULES.replacen("[grades]", "[output]\nprefix = \"lr_\"\n[grades]", 1);
    let (wd, run) = go(&rules, GRADE_LEADS, &["score"]);
    run.code(0);
    let rows = wd.csv("out.csv");
    assert_eq!(rows[0][4..], ["lr_score", "lr_fit", "lr_engagement", "lr_stage", "lr_grade"].map(String::from));
}

#[test]
fn score_outcome_reports_conversion_per_grade_cell() {
    let leads = "id,size,visits,email,won\n\
                 A1,400,40,a@x.example,yes\n\
                 A1b,400,40,b@x.example,no\n\
                 C3,0,0,c@x.example,no\n";
    let (wd, run) = go(GRADE_RULES, leads, &["score", "--outcome", "won"]);
    run.code(0);
    let s = json(&wd);
    let cells = s["calibration"]["grades"].as_array().unwrap();
    assert_eq!(cells.len(), 9);
    assert_eq!(
        (cells[0]["grade"].as_str(), cells[0]["leads"].as_u64(), cells[0]["converted"].as_u64()),
        (Some("A1"), Some(2), Some(1))
    );
    assert_eq!(
        (cells[8]["grade"].as_str(), cells[8]["leads"].as_u64(), cells[8]["converted"].as_u64()),
        (Some("C3"), Some(1), Some(0))
    );
}

#[test]
fn grade_rules_are_checked() {
    for (from, to, want) in [
        ("{ grade = \"C\" }]", "{ grade = \"C\", min_fit = 0 }]", "is the last band and takes every lead left"),
        (
            "{ grade = \"B\", min_fit = 20 }",
            "{ grade = \"B\" }",
            "needs 'min_fit': every band but the last has a minimum",
        ),
        ("{ grade = \"3\" }]", "{ grade = \"2\" }]", "grade '2' is listed twice in 'engagement'"),
        ("[grades]\n", "[gradez]\n", "unknown key 'gradez' at the top level (did you mean 'grades'?)"),
    ] {
        let (_, run) = go(&GRADE_RULES.replacen(from, to, 1), GRADE_LEADS, &["assign"]);
        run.code(2).stderr_has(want);
    }
    // `@grade` needs [grades], takes text tests only, and no criterion can read it.
    let start = GRADE_RULES.find("[grades]").unwrap();
    let end = GRADE_RULES.find("[[stages]]").unwrap();
    let without = format!("{}{}", &GRADE_RULES[..start], &GRADE_RULES[end..]);
    let (_, run) = go(&without, GRADE_LEADS, &["assign"]);
    run.code(2).stderr_has("tests '@grade', but the rules have no [grades]");
    let numeric = GRADE_RULES.replace("in = [\"A1\", \"A2\"]", "gte = 1");
    let (_, run) = go(&numeric, GRADE_LEADS, &["assign"]);
    run.code(2).stderr_has("a grade takes text tests");
    let criterion = GRADE_RULES.replace("column = \"size\"", "column = \"@grade\"");
    let (_, run) = go(&criterion, GRADE_LEADS, &["assign"]);
    run.code(2).stderr_has("grades come from the scores, so no criterion can");
}

#[test]
fn compare_shows_leads_per_grade_under_each_rule_set() {
    let wd = Workdir::new();
    wd.write("rules.toml", GRADE_RULES).write("leads.csv", GRADE_LEADS);
    // Raising A's minimum from 40 to 41 moves the fit-40 leads (A1 … A3 and
    // the disqualified one) to B.
    let set = r#"grades.fit=[{ grade = "A", min_fit = 41 }, { grade = "B", min_fit = 20 }, { grade = "C" }]"#;
    let run = wd.run(&[
        "compare",
        "-r",
        "rules.toml",
        "--as-of",
        AS_OF,
        "--set",
        set,
        "--summary-json",
        "c.json",
        "leads.csv",
    ]);
    run.code(0);
    let c: serde_json::Value = serde_json::from_str(&wd.read("c.json")).unwrap();
    let diff = |g: &str| {
        let d = c["grades"].as_array().unwrap().iter().find(|d| d["name"] == g).unwrap().clone();
        (d["base"].as_u64().unwrap(), d["candidate"].as_u64().unwrap())
    };
    assert_eq!(diff("A1"), (2, 0));
    assert_eq!(diff("B1"), (1, 3));
    assert_eq!(diff("B3"), (1, 2));
    assert_eq!(diff("C3"), (1, 1));
}
