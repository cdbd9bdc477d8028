use crate::fixtures::{LEADS, RULES};
use crate::workdir::{Workdir, column};

fn scored(extra: &[&str]) -> (Workdir, Vec<Vec<String>>) {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    let mut args = vec!["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-o", "out.csv"];
    args.extend_from_slice(extra);
    args.push("leads.csv");
    wd.run(&args).code(0);
    let rows = wd.csv("out.csv");
    (wd, rows)
}

#[test]
fn scores_stages_and_ranks_every_lead() {
    let (_wd, rows) = scored(&[]);
    assert_eq!(
        rows[0].iter().rev().take(4).collect::<Vec<_>>(),
        ["stage", "engagement", "fit", "score"],
        "appended columns"
    );
    assert_eq!(column(&rows, "Lead ID"), ["A8", "A1", "A4", "A7", "A2", "A5", "A6", "A3"]);
    assert_eq!(column(&rows, "score"), ["69.5", "63.5", "62", "43", "42.5", "28", "0", "-23.25"]);
    assert_eq!(column(&rows, "fit"), ["32.5", "32.5", "25", "25", "27.5", "15", "0", "-30"]);
    assert_eq!(column(&rows, "engagement"), ["37", "31", "37", "18", "15", "13", "0", "6.75"]);
    assert_eq!(column(&rows, "stage"), ["sql", "sql", "disqualified", "mql", "mql", "mql", "lead", "lead"]);
    // Cells are written exactly as read, padding included.
    assert_eq!(column(&rows, "Title")[4], "  PURCHASING MANAGER ");
}

#[test]
fn ties_break_on_created_then_input_order() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write(
        "leads.csv",
        "Lead ID,Company,Title,Industry,Country,Employees,Email,Views,Contact,Interest,Last Activity,Created\n\
         T1,,,,,,,,,,,2026-03-01\n\
         T2,,,,,,,,,,,\n\
         T3,,,,,,,,,,,2026-01-01\n\
         T4,,,,,,,,,,,2026-03-01\n\
         T5,,,,,,,,,,,not a date\n",
    );
    wd.run(&["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out.csv", "leads.csv"]).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "Lead ID"), ["T3", "T1", "T4", "T2", "T5"]);
}

#[test]
fn reads_stdin_and_writes_stdout_with_the_summary_on_stderr() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    let run = wd.run_stdin(&["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-"], Some(LEADS.as_bytes()));
    run.code(0).stderr_has("rows");
    let rows = crate::workdir::parse_csv(&run.stdout, b',');
    assert_eq!(rows.len(), 9, "header and 8 leads on stdout, nothing else");
    assert_eq!(rows[1][0], "A8");
}

#[test]
fn summary_goes_to_stdout_when_the_csv_goes_to_a_file_and_quiet_silences_it() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    let run = wd.run(&["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-o", "out.csv", "leads.csv"]);
    run.code(0).stdout_has("well-formed").stdout_has("| mql");
    assert!(run.stderr.is_empty(), "stderr: {}", run.stderr);
    let quiet = wd.run(&["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out2.csv", "leads.csv"]);
    quiet.code(0);
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty(), "quiet printed something");
}

#[test]
fn value_warnings_are_counted_per_column_with_the_first_line() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    wd.run(&[
        "score",
        "-r",
        "rules.toml",
        "--as-of",
        "2026-11-01",
        "-q",
        "-o",
        "out.csv",
        "--summary-json",
        "s.json",
        "leads.csv",
    ])
    .code(0);
    let s: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
    let w = s["warnings"].as_array().unwrap();
    let by_col: Vec<(String, u64, u64)> = w
        .iter()
        .map(|x| {
            (x["column"].as_str().unwrap().to_string(), x["count"].as_u64().unwrap(), x["first_line"].as_u64().unwrap())
        })
        .collect();
    assert!(by_col.contains(&("Employees".into(), 1, 6)), "{by_col:?}");
    assert!(by_col.contains(&("Last Activity".into(), 1, 8)), "{by_col:?}");
    assert_eq!(s["rows_read"], 8);
    assert_eq!(s["stages"][1]["stage"], "mql");
    assert_eq!(s["stages"][1]["leads"], 3);
    assert!(s.get("routing").is_none(), "score has no routing figures");
}

#[test]
fn set_overrides_values_before_validation() {
    let (_wd, rows) = scored(&["--set", "stages.sql.min_score=70", "--set", "criteria.\"senior\".points=2.5"]);
    // A8: fit 32.5 - 15 + 2.5 = 20; score 57 < 70: mql now. A1: 51, A4: 49.5.
    assert_eq!(column(&rows, "Lead ID")[..3], ["A8", "A1", "A4"]);
    assert_eq!(column(&rows, "score")[..3], ["57", "51", "49.5"]);
    assert_eq!(column(&rows, "fit")[0], "20");
    assert_eq!(column(&rows, "stage")[..2], ["mql", "mql"]);
}

#[test]
fn set_can_add_keys_and_tables_the_file_leaves_out() {
    let (_wd, rows) = scored(&["--set", "output.prefix=lr_", "--set", "scoring.max_fit=10"]);
    assert!(rows[0].ends_with(&["lr_score".to_string(), "lr_fit".into(), "lr_engagement".into(), "lr_stage".into()]));
    assert!(column(&rows, "lr_fit").iter().all(|f| f.parse::<f64>().unwrap() <= 10.0));
}

#[test]
fn output_delimiter_and_prefix() {
    let wd = Workdir::new();
    let rules = RULES.replace("[scoring]", "[output]\ndelimiter = \";\"\nprefix = \"lead_\"\n\n[scoring]");
    wd.write("rules.toml", rules).write("leads.csv", LEADS);
    wd.run(&["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out.csv", "leads.csv"]).code(0);
    let rows = crate::workdir::parse_csv(&wd.read("out.csv"), b';');
    assert_eq!(rows[0].last().unwrap(), "lead_stage");
    assert_eq!(rows[1].len(), 16);
}

#[test]
fn header_only_writes_just_the_header() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", format!("{}\r\n", crate::fixtures::HEADER));
    wd.run(&["score", "-r", "rules.toml", "-q", "-o", "out.csv", "leads.csv"]).code(0);
    assert_eq!(wd.read("out.csv"), format!("{},score,fit,engagement,stage\n", crate::fixtures::HEADER));
}

#[test]
fn day_windows_count_from_as_of() {
    let wd = Workdir::new();
    wd.write(
        "rules.toml",
        "[input]\nid = \"id\"\n[[criteria]]\nname = \"recent\"\ncolumn = \"d\"\nwithin_days = 14\npoints = 1\n\
         [[criteria]]\nname = \"old\"\ncolumn = \"d\"\nolder_than_days = 14\npoints = 10\n[[stages]]\nname = \"lead\"\n",
    )
    .write("leads.csv", "id,d\na,2026-10-18\nb,2026-10-17\nc,2026-12-01\nd,2026-10-18T23:59:00\ne,\n");
    wd.run(&["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out.csv", "leads.csv"]).code(0);
    let rows = wd.csv("out.csv");
    assert_eq!(column(&rows, "id"), ["b", "a", "c", "d", "e"]);
    assert_eq!(column(&rows, "score"), ["10", "1", "1", "1", "0"]);
}

#[test]
fn negative_points_caps_and_per_with_fractions() {
    let wd = Workdir::new();
    wd.write(
        "rules.toml",
        "[input]\nid = \"id\"\n[scoring]\nmax_engagement = 10\n\
         [[criteria]]\nname = \"v\"\ngroup = \"engagement\"\ncolumn = \"v\"\nper = 0.1\npoints = 0.5\n\
         [[criteria]]\nname = \"neg\"\ncolumn = \"n\"\nper = 1\npoints = -2\nmax = 5\n\
         [[stages]]\nname = \"lead\"\n",
    )
    .write("leads.csv", "id,v,n\na,0.3,1\nb,100,10\nc,-4,\nd,0.29,3\n");
    wd.run(&["score", "-r", "rules.toml", "-q", "-o", "out.csv", "leads.csv"]).code(0);
    let rows = wd.csv("out.csv");
    // b: 1000 units capped by max_engagement; -20 capped by max 5 to -5.
    // a: 0.3 / 0.1 is exactly 3 units (no float drift): 1.5; n: -2.
    // c: a negative value contributes 0. d: 0.29 / 0.1 is 2 units.
    assert_eq!(column(&rows, "id"), ["b", "c", "a", "d"]);
    assert_eq!(column(&rows, "engagement"), ["10", "0", "1.5", "1"]);
    assert_eq!(column(&rows, "fit"), ["-5", "0", "-2", "-5"]);
    assert_eq!(column(&rows, "score"), ["5", "0", "-0.5", "-4"]);
}

/// Text tests are remembered per distinct cell, and the memory is switched
/// off for a column whose cells rarely repeat: either way every row's score
/// must be what the rules say for its own cell (checked here against a direct
/// lower-case `contains` / `in`), over thousands of rows of both kinds.
#[test]
fn remembered_text_results_match_each_rows_own_cell() {
    const MEMO_RULES: &str = r#"
[input]
id = "id"
[[criteria]]
name = "senior"
column = "title"
contains_any = ["head of", "director", "johtaja"]
points = 10
[[criteria]]
name = "nordic"
column = "country"
in = ["fi", "se", "no", "dk"]
points = 1
[[stages]]
name = "lead"
"#;
    let repeated = ["Head of Sales", "HEAD OF sales", "Analyst", " Ärjä Johtaja ", "ÄRJÄ JOHTAJA", "", "director"];
    let countries = ["FI", "se", "US", " No ", "", "DE", "Dk"];
    for unique_share in [0, 2] {
        let wd = Workdir::new();
        let mut leads = String::from("id,title,country\n");
        let mut want = Vec::new();
        for i in 0..6000usize {
            let title = if i % 3 < unique_share {
                format!("{} {i}", ["Zed Director", "Intern", "Head Ofx"][i % 3])
            } else {
                repeated[i % repeated.len()].to_string()
            };
            let country = countries[i % countries.len()];
            leads.push_str(&format!("r{i},{title},{country}\n"));
            let t = title.trim().to_lowercase();
            let senior = ["head of", "director", "johtaja"].iter().any(|n| t.contains(n));
            let nordic = ["fi", "se", "no", "dk"].contains(&country.trim().to_lowercase().as_str());
            want.push((format!("r{i}"), 10 * senior as u32 + nordic as u32));
        }
        wd.write("rules.toml", MEMO_RULES).write("leads.csv", &leads);
        wd.run(&["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out.csv", "leads.csv"]).code(0);
        let rows = wd.csv("out.csv");
        let mut got: Vec<(String, u32)> =
            column(&rows, "id").into_iter().zip(column(&rows, "score")).map(|(i, s)| (i, s.parse().unwrap())).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "unique share {unique_share}/3");
    }
}

/// `--set 'reps."P\u00e4ivi".active=true'` addresses Päivi, as a TOML key would.
#[test]
fn set_paths_take_toml_escapes_in_double_quotes() {
    let rules = RULES.replace("name = \"Olli\"", "name = \"Päivi\"");
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", LEADS);
    let args =
        ["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "--summary-json", "s.json", "-o", "out.csv"];
    wd.run(&[&args[..], &["--set", r#"reps."P\u00e4ivi".active=false"#, "leads.csv"]].concat()).code(0);
    let s: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
    let paivi = s["routing"]["reps"].as_array().unwrap().iter().find(|r| r["rep"] == "Päivi").unwrap().clone();
    assert_eq!(paivi["active"], false, "{paivi}");
    assert_eq!(paivi["taken"], 0);
}

/// `--as-of` takes a date or a date and time; the as-of date (what day-based
/// criteria count from) is the clock's date in `[routing] timezone`. At
/// 2026-11-02 12:00 UTC it is already 2026-11-03 in Kiritimati (UTC+14) and
/// still 2026-11-02 in Los Angeles; a local time is read in the zone.
#[test]
fn as_of_takes_a_time_and_its_date_is_the_zones() {
    let wd = Workdir::new();
    wd.write("leads.csv", LEADS);
    let as_of = |zone: &str, arg: &str| {
        wd.write(
            "rules.toml",
            RULES.replacen("[scoring]", &format!("[routing]\ntimezone = \"{zone}\"\n\n[scoring]"), 1),
        );
        let run = wd.run(&["score", "-r", "rules.toml", "--as-of", arg, "-o", "out.csv", "leads.csv"]);
        run.code(0);
        run.stdout.lines().next().unwrap_or_default().to_string()
    };
    assert!(as_of("Pacific/Kiritimati", "2026-11-02T12:00Z").ends_with("(as of 2026-11-03)"));
    assert!(as_of("America/Los_Angeles", "2026-11-02T12:00Z").ends_with("(as of 2026-11-02)"));
    assert!(as_of("America/Los_Angeles", "2026-11-02T23:30").ends_with("(as of 2026-11-02)"));
    assert!(as_of("Europe/Helsinki", "2026-11-02T23:30-08:00").ends_with("(as of 2026-11-03)"));
    // A date alone is that date, in any zone.
    assert!(as_of("Pacific/Kiritimati", "2026-11-02").ends_with("(as of 2026-11-02)"));
    // An unknown zone is a rules error at its place; a malformed --as-of a usage error.
    wd.write("rules.toml", RULES.replacen("[scoring]", "[routing]\ntimezone = \"Europe/Helsinkii\"\n\n[scoring]", 1));
    wd.run(&["score", "-r", "rules.toml", "--as-of", "2026-11-02", "leads.csv"]).code(2).stderr_has(
        "rules.toml:8:12: unknown time zone 'Europe/Helsinkii' in [routing] timezone; give an IANA name such as \
         \"Europe/Helsinki\"",
    );
    wd.run(&["score", "-r", "rules.toml", "--as-of", "2026-11-02T10", "leads.csv"])
        .code(2)
        .stderr_has("--as-of '2026-11-02T10': expected a real date as YYYY-MM-DD, or a date and time");
}
