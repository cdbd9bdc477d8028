//! Problems are loud, success is quiet (docs/reference.md §7.1): the cron script shape
//! (`assign -q`) prints nothing on a clean export, and one
//! `leadroute: warning:` line per problem otherwise.

use crate::workdir::Workdir;

const RULES: &str = r#"
[input]
id = "id"
account = "company"
[[criteria]]
name = "views"
column = "views"
per = 1
points = 1
[[stages]]
name = "lead"
[[stages]]
name = "mql"
min_score = 5
[[teams]]
name = "product"
stages = ["mql"]
when = [{ column = "interest", equals = "product" }]
[[reps]]
name = "Ada"
team = "product"
capacity = 1
[[reps]]
name = "Bo"
team = "product"
capacity = 1
"#;

const CLEAN: &str = "id,company,views,interest\nL1,Acme,9,product\nL2,Beta,6,product\nL3,Gamma,1,\n";

fn cron(rules: &str, leads: &str, extra: &[&str]) -> crate::workdir::Run {
    let wd = Workdir::new();
    wd.write("rules.toml", rules)
        .write("leads.csv", leads)
        .write("owners.csv", "account,rep\nAcme,Ada\nBeta,Zed\nGamma,Zed\n");
    let mut args = vec!["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out.csv"];
    args.extend_from_slice(extra);
    args.push("leads.csv");
    wd.run(&args)
}

fn warnings(run: &crate::workdir::Run) -> Vec<String> {
    run.stderr.lines().map(String::from).collect()
}

#[test]
fn a_clean_quiet_run_prints_nothing() {
    let run = cron(RULES, CLEAN, &[]);
    run.code(0);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
}

#[test]
fn each_problem_is_one_warning_line_with_counts_and_the_first_case() {
    // L4 and L5 are MQLs without interest: no_team. L6 is a third product MQL
    // for two reps of capacity 1: no_capacity. A malformed row, a value that is
    // not a number, and an owners file naming a rep the rules lack.
    let leads = format!("{CLEAN}L4,Delta,7,\nL5,Epsilon,8,\nL6,Zeta,5,product\nL7,Eta,lots,product\nbad,row\n");
    let run = cron(RULES, &leads, &["--owners", "owners.csv"]);
    run.code(3);
    assert_eq!(
        warnings(&run),
        [
            "leadroute: warning: leads.csv: 1 malformed rows were rejected (first at line 9: expected 4 fields, found 2)",
            "leadroute: warning: leads.csv: 1 values in column 'views' could not be read (first at line 8: 'lots')",
            "leadroute: warning: owners.csv: 2 rows name a rep the rules do not have (first at line 3: 'Zed'); their accounts have no owner",
            "leadroute: warning: 2 leads in stage 'mql' got no_team: no team's `when` held for them (first: L5)",
            "leadroute: warning: 1 leads for team 'product' got no_capacity: no rep there (or in its overflow) could take them (first: L6)",
        ]
    );
    assert_eq!(run.stdout, "", "-q prints no summary");
}

#[test]
fn a_team_no_rep_can_serve_and_doubtful_rules_are_reported() {
    let rules = RULES.replace("capacity = 1", "capacity = 0").replacen(
        "[[stages]]",
        "[[criteria]]\nname = \"nothing\"\ncolumn = \"interest\"\nin = []\npoints = 1\n[[stages]]",
        1,
    );
    let run = cron(&rules, CLEAN, &[]);
    run.code(0);
    let w = warnings(&run);
    assert!(
        w.contains(&"leadroute: warning: 2 leads for team 'product' got no_capacity: none of its reps could take one in this run (all inactive, away, at capacity 0 or at a limit) (first: L1)".to_string()),
        "{w:?}"
    );
    assert!(
        w.contains(&"leadroute: warning: rules: criterion 'nothing': its list is empty, so it never holds".to_string()),
        "{w:?}"
    );
    // `score` says the same about the rules, and nothing about routing.
    let wd = Workdir::new();
    wd.write("rules.toml", &rules).write("leads.csv", CLEAN);
    let run = wd.run(&["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out.csv", "leads.csv"]);
    run.code(0);
    assert_eq!(
        warnings(&run),
        [
            "leadroute: warning: rules: criterion 'nothing': its list is empty, so it never holds",
            "leadroute: warning: rules: team 'product': every rep has capacity = 0, so no rep of it takes a lead",
        ]
    );
}

/// `check` (and every run) warns about teams that cannot work as written.
#[test]
fn check_warns_about_shadowed_teams_zero_capacity_and_teams_without_stages() {
    let rules = r#"
[input]
id = "id"
[[stages]]
name = "lead"
[[stages]]
name = "mql"
min_score = 0
[[teams]]
name = "first"
stages = ["mql"]
[[teams]]
name = "shadowed"
stages = ["mql"]
[[teams]]
name = "backup"
stages = ["mql"]
[[teams]]
name = "everything"
overflow = "backup"
[[teams]]
name = "idle"
stages = []
[[reps]]
name = "A"
team = "first"
[[reps]]
name = "B"
team = "shadowed"
[[reps]]
name = "C"
team = "backup"
[[reps]]
name = "D"
team = "everything"
capacity = 0
"#;
    let wd = Workdir::new();
    wd.write("rules.toml", rules);
    let run = wd.run(&["check", "-r", "rules.toml"]);
    run.code(0);
    let w: Vec<&str> = run.stderr.lines().filter_map(|l| l.strip_prefix("leadroute: warning: rules: ")).collect();
    assert_eq!(
        w,
        [
            "team 'shadowed' can never receive a lead: earlier teams without `when` take all of its stages",
            "team 'everything': every rep has capacity = 0, so no rep of it takes a lead",
            "team 'everything' has no `stages`: it takes every stage but disqualified, the lowest ('lead') included",
            "team 'idle' has no active rep and no overflow: its leads will all be no_capacity",
            "team 'idle' takes no stage (stages = []): it never gets a lead",
        ],
        "'backup' is shadowed too, but it is an overflow team\n{}",
        run.stderr
    );
}

/// docs/reference.md §7.4: `--converted` names the values that count as converted; when no
/// lead (or every lead) counts, one warning names the values seen most often.
#[test]
fn converted_values_and_the_all_or_none_warning() {
    let rules = "[input]\nid = \"id\"\n[[stages]]\nname = \"lead\"\n";
    let leads = "id,status,won\nA,Closed Won,2018-01-02\nB, kyllä ,\nC,Open,\nD,Open,\n";
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", leads);
    let score = |extra: &[&str]| {
        let mut args = vec!["score", "-r", "rules.toml", "-q", "--summary-json", "s.json", "-o", "out.csv"];
        args.extend_from_slice(extra);
        args.push("leads.csv");
        wd.run(&args)
    };
    let json = || -> serde_json::Value { serde_json::from_str(&wd.read("s.json")).unwrap() };
    score(&["--outcome", "status", "--converted", "closed won, KYLLÄ"]).code(0);
    assert_eq!(json()["calibration"]["converted"], 2, "trimmed and case-insensitive, Unicode too");
    let run = score(&["--outcome", "won"]);
    run.code(0);
    assert_eq!(
        warnings(&run),
        ["leadroute: warning: no lead counts as converted in 'won': the values seen most often are '' (3), \
          '2018-01-02' (1); name the ones that mean converted with --converted"]
    );
    assert!(json()["calibration"]["warning"].as_str().unwrap().starts_with("no lead counts as converted"));
    let run = score(&["--outcome", "status", "--converted", "open,closed won,kyllä"]);
    run.code(0).stderr_has("every lead counts as converted in 'status': the values seen most often are 'Open' (2),");
    wd.run(&["score", "-r", "rules.toml", "--converted", "x", "leads.csv"]).code(2).stderr_has("--outcome");
}

/// docs/reference.md §7.4: `--outcomes FILE` reads the outcome from a file of its own,
/// matched by lead id (its first column, trimmed, exact; the first row for an
/// id wins); a lead missing from it counts as not converted, and the report
/// says how many were missing.
#[test]
fn outcomes_from_a_file_matched_by_lead_id() {
    let rules = "[input]\nid = \"id\"\n[[stages]]\nname = \"lead\"\n";
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", "id,x\nA,1\nB,2\nC,3\nD,4\n");
    // windows-1252 (ä is 0xE4), `;`, the id column named otherwise, A twice.
    wd.write("deals.csv", b"deal id;Status\n A ;Won\nA;Lost\nB;Kyll\xE4\nZ;won\n".as_slice());
    let args = ["score", "-r", "rules.toml", "-q", "--summary-json", "s.json", "-o", "out.csv", "--outcome", "status"];
    wd.run(&[&args[..], &["--outcomes", "deals.csv", "--converted", "won,kyllä", "leads.csv"]].concat()).code(0);
    let s: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
    assert_eq!(s["calibration"]["converted"], 2, "A (its first row: Won) and B (Kyllä)");
    assert_eq!(s["calibration"]["outcomes_missing"], 2, "C and D are not in the file");
    let run = wd.run(&[&args[..], &["--outcomes", "deals.csv", "leads.csv"]].concat());
    run.code(0);
    let out = wd.read("s.json");
    assert!(out.contains("\"converted\": 1,"), "won is in the default list; Kyllä is not: {out}");
    // The outcomes file is an input: no output may replace it.
    wd.run(&[&args[..4], &["-o", "deals.csv", "--outcome", "status", "--outcomes", "deals.csv", "leads.csv"]].concat())
        .code(2)
        .stderr_has("-o deals.csv: the same file as --outcomes");
    // The outcome column must be in the file.
    wd.run(&[
        "score",
        "-r",
        "rules.toml",
        "-q",
        "-o",
        "out.csv",
        "--outcome",
        "nope",
        "--outcomes",
        "deals.csv",
        "leads.csv",
    ])
    .code(1)
    .stderr_has("deals.csv");
}

/// docs/reference.md §7.4: `--converted '*'` counts every value that is non-empty after
/// trimming (a won date; with `--outcomes`, even the file's id column); `*`
/// must be the whole argument and an empty list is an error (exit 2). With
/// `--outcomes`, the all-or-none warning names the matched leads' values.
#[test]
fn converted_star_and_the_warning_names_the_outcomes_files_values() {
    let rules = "[input]\nid = \"id\"\n[[stages]]\nname = \"lead\"\n";
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", "id,won\nA,2018-01-02\nB,  \nC,\nD,x\n");
    wd.write("deals.csv", b"deal id;Status\n A ;Won\nA;Lost\nB;Kyll\xE4\nZ;won\n".as_slice());
    let score = |extra: &[&str]| {
        let args = ["score", "-r", "rules.toml", "-q", "--summary-json", "s.json", "-o", "out.csv"];
        wd.run(&[&args[..], extra, &["leads.csv"]].concat())
    };
    let converted = || -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(&wd.read("s.json")).unwrap()["calibration"]["converted"].clone()
    };
    // A's date and D's x; B's spaces and C's empty cell do not count.
    score(&["--outcome", "won", "--converted", "*"]).code(0);
    assert_eq!(converted(), 2);
    // The file's id column as the outcome: the leads the file has (A, B) converted.
    score(&["--outcome", "deal id", "--outcomes", "deals.csv", "--converted", " * "]).code(0);
    assert_eq!(converted(), 2);
    for (arg, why) in
        [("won,*", "'*' (every non-empty value) must be the whole argument"), (" , ", "no values"), ("", "no values")]
    {
        wd.run(&[
            "score",
            "-r",
            "rules.toml",
            "-q",
            "-o",
            "bad.csv",
            "--outcome",
            "won",
            "--converted",
            arg,
            "leads.csv",
        ])
        .code(2)
        .stderr_has(why);
        assert!(!wd.exists("bad.csv"));
    }
    // No lead converted: the values of the leads the file has (A: its first row, Won;
    // B: Kyllä), not Z's, which is no lead of the export.
    let run = score(&["--outcome", "status", "--outcomes", "deals.csv", "--converted", "closed won"]);
    run.code(0);
    assert_eq!(
        warnings(&run),
        ["leadroute: warning: no lead counts as converted in 'status' (--outcomes): the values seen most often among \
          the leads found there are 'Kyllä' (1), 'Won' (1); name the ones that mean converted with --converted"]
    );
    wd.write("other.csv", "id,status\nQ,won\n");
    score(&["--outcome", "status", "--outcomes", "other.csv"]).code(0).stderr_has(
        "(--outcomes): no lead of the export is in the outcomes file (its first column holds the lead ids)",
    );
}

#[test]
fn a_team_whose_reps_are_all_away_or_at_a_limit_is_reported() {
    // Ada is away on the as-of date and Bo has used up his per_day in an earlier run.
    let rules = RULES
        .replace(
            "name = \"Ada\"\nteam = \"product\"",
            "name = \"Ada\"\nteam = \"product\"\naway = [{ from = \"2026-10-30\", to = \"2026-11-02\" }]",
        )
        .replace("name = \"Bo\"\nteam = \"product\"", "name = \"Bo\"\nteam = \"product\"\nper_day = 1");
    let wd = Workdir::new();
    wd.write("rules.toml", &rules)
        .write("first.csv", "id,company,views,interest\nP1,Pre,9,product\n")
        .write("leads.csv", CLEAN);
    let base = ["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "--ledger", "led.db", "-q", "-o"];
    wd.run(&[&base[..], &["out0.csv", "first.csv"]].concat()).code(0);
    let run = wd.run(&[&base[..], &["out.csv", "leads.csv"]].concat());
    run.code(0);
    assert_eq!(
        warnings(&run),
        [
            "leadroute: warning: 2 leads for team 'product' got no_capacity: none of its reps could take one in this run (all inactive, away, at capacity 0 or at a limit) (first: L1)",
        ]
    );
}

/// Issue 18, item 8: export cells and rule names are untrusted text. An
/// ESC/OSC sequence or a bidi override in a cell or a name reaches neither the
/// terminal nor the cron mail raw, and a line break in a team name cannot split
/// one problem into two lines: each is escaped as error lines are (`\u{1b}`).
#[test]
fn cells_and_names_cannot_steer_the_terminal_or_split_a_warning_line() {
    // A team name with a line break and an OSC title sequence; a rep with a
    // bidi override; a capacity of 1 so that the team reports no_capacity.
    let rules = RULES
        .replace("name = \"product\"\nstages", "name = \"prod\\nuct\\u001b]0;pwned\\u0007\"\nstages")
        .replace("team = \"product\"", "team = \"prod\\nuct\\u001b]0;pwned\\u0007\"")
        .replace("name = \"Bo\"", "name = \"B\\u202eo\"");
    // An id with ESC (the first no_capacity lead) and an unreadable number with
    // a colour sequence (a value warning showing its first value).
    let leads = "id,company,views,interest\nL1,Acme,9,product\n\"L\x1b[31m2\",Beta,6,product\nL3,Gamma,8,product\n\
                 L4,Delta,\"7\x1b[2J\",\n";
    let wd = Workdir::new();
    wd.write("rules.toml", &rules).write("leads.csv", leads);
    let run = wd.run(&["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "-o", "out.csv", "leads.csv"]);
    run.code(0);
    for (what, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(!text.contains('\x1b') && !text.contains('\x07') && !text.contains('\u{202e}'), "{what}: {text:?}");
    }
    let lines = warnings(&run);
    assert!(lines.iter().all(|l| l.starts_with("leadroute: warning: ")), "{lines:#?}");
    assert!(
        lines.contains(
            &"leadroute: warning: 1 leads for team 'prod\\nuct\\u{1b}]0;pwned\\u{7}' got no_capacity: no rep there \
              (or in its overflow) could take them (first: L\\u{1b}[31m2)"
                .to_string()
        ),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("values in column 'views' could not be read (first at line 5: '7\\u{1b}[2J')")),
        "{lines:#?}"
    );
    // The summary shows the names escaped, each table row on one line.
    assert!(run.stdout.contains("prod\\nuct\\u{1b}]0;pwned\\u{7}"), "{}", run.stdout);
    assert!(run.stdout.contains("B\\u{202e}o"), "{}", run.stdout);
    // `explain` shows the cell escaped, and its team and rep names.
    let run = wd.run(&["explain", "-r", "rules.toml", "--as-of", "2026-11-01", "--id", "L3", "leads.csv"]);
    run.code(0).stdout_has("prod\\nuct\\u{1b}]0;pwned\\u{7}");
    assert!(!run.stdout.contains('\x1b') && !run.stdout.contains('\u{202e}'), "{}", run.stdout);
    let run = wd.run(&["explain", "-r", "rules.toml", "--as-of", "2026-11-01", "--id", "L4", "leads.csv"]);
    run.code(0).stdout_has("7\\u{1b}[2J");
    assert!(!run.stdout.contains('\x1b'), "{}", run.stdout);
    // The CSV keeps the names and cells exactly as given.
    let out = wd.read("out.csv");
    assert!(out.contains("\"prod\nuct\x1b]0;pwned\x07\""), "{out:?}");
    assert!(out.contains("L\x1b[31m2"), "{out:?}");
}

/// Issue 18, item 6: a stage above the lowest that no team takes (here the
/// top stage, `sql`, with the only team taking `mql`) sends its leads to
/// no_team silently. `check`, `score` and `assign -q` warn; `assign` adds the
/// run's count of such leads and the first in rank order.
#[test]
fn a_stage_no_team_takes_is_a_warning_with_its_leads() {
    let rules = RULES.replace("[[teams]]", "[[stages]]\nname = \"sql\"\nmin_score = 7\n[[teams]]");
    // L1 (9 points) and L4 (8) reach sql; L1 ranks first.
    let leads = format!("{CLEAN}L4,Delta,8,product\n");
    let want = "stage 'sql' is taken by no team: its leads can only ever get no_team; list it in a team's `stages`";
    let run = cron(&rules, &leads, &[]);
    run.code(0);
    assert_eq!(
        warnings(&run),
        ["leadroute: warning: rules: stage 'sql' is taken by no team: its leads (2 in this run, first: L1) can only \
          ever get no_team; list it in a team's `stages`"]
    );
    let wd = Workdir::new();
    wd.write("rules.toml", &rules).write("leads.csv", &leads);
    let score = wd.run(&["score", "-r", "rules.toml", "-q", "-o", "s.csv", "leads.csv"]);
    score.code(0);
    assert_eq!(warnings(&score), [format!("leadroute: warning: rules: {want}")]);
    wd.run(&["check", "-r", "rules.toml"]).code(0).stderr_has(&format!("leadroute: warning: rules: {want}"));
    // Taken by a team: no warning; the lowest stage is never one.
    let run = cron(&rules.replace("stages = [\"mql\"]", "stages = [\"mql\", \"sql\"]"), CLEAN, &[]);
    run.code(0);
    assert_eq!(warnings(&run), Vec::<String>::new());
}

/// With a ledger, the untaken-stage line is one condition per stage, printed
/// once per as-of date although its count changes from run to run.
#[test]
fn a_stage_no_team_takes_is_warned_once_a_day_with_a_ledger() {
    let rules = RULES.replace("[[teams]]", "[[stages]]\nname = \"sql\"\nmin_score = 7\n[[teams]]");
    let wd = Workdir::new();
    wd.write("rules.toml", &rules);
    let run = |leads: &str, as_of: &str| {
        wd.write("leads.csv", leads);
        let args =
            ["assign", "-r", "rules.toml", "--as-of", as_of, "-q", "--ledger", "l.db", "-o", "o.csv", "leads.csv"];
        let run = wd.run(&args);
        run.code(0);
        warnings(&run).into_iter().filter(|w| w.contains("taken by no team")).collect::<Vec<_>>()
    };
    assert_eq!(run("id,company,views,interest\nL1,Acme,9,product\n", "2026-11-01").len(), 1);
    assert_eq!(run("id,company,views,interest\nL1,Acme,9,product\nL2,Beta,8,\n", "2026-11-01"), Vec::<String>::new());
    let next_day = run("id,company,views,interest\nL3,Gamma,9,product\n", "2026-11-02");
    assert_eq!(next_day.len(), 1);
    assert!(next_day[0].contains("(1 in this run, first: L3)"), "{next_day:?}");
}

/// Review of #18: the `--owners` line is about a file's contents and is printed
/// on every run, also with a ledger (a new misspelt rep later that day is a new
/// problem); an unreadable cell of 100 KB is shown cut, not whole.
#[test]
fn owners_problems_are_said_every_run_and_long_values_are_cut() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", CLEAN);
    let args = ["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "--ledger", "l.db", "-q", "--owners", "own.csv"];
    for rep in ["Zed", "Yan"] {
        wd.write("own.csv", format!("account,rep\nGamma,{rep}\n"));
        let run = wd.run(&[&args[..], &["-o", "o.csv", "leads.csv"]].concat());
        run.code(0).stderr_has(&format!("own.csv: 1 rows name a rep the rules do not have (first at line 2: '{rep}')"));
    }
    let long = format!("{CLEAN}L9,Delta,{},\n", "9x".repeat(50_000));
    let run = cron(RULES, &long, &[]);
    let line = warnings(&run).into_iter().find(|w| w.contains("column 'views'")).expect("a value warning");
    assert!(line.ends_with(&format!("(first at line 5: '{}…')", "9x".repeat(30))), "{line}");
}
