//! Respond fast (docs/reference.md §11): SLAs move an unanswered lead to the next rep, in
//! working time, and the summary shows each rep's response times. Every figure
//! below is worked by hand from the rules and times given.

use crate::workdir::{Workdir, column, parse_csv};

/// An SQL must be worked within 30 minutes; three equal reps; times in UTC.
const RULES: &str = r#"
[input]
id = "id"
touched = "first_contacted"
created = "created"
account = "company"

[routing]
timezone = "UTC"

[[criteria]]
name = "pts"
column = "pts"
per = 1
points = 1

[[stages]]
name = "lead"

[[stages]]
name = "sql"
min_score = 5
sla_minutes = 30

[[teams]]
name = "sales"
stages = ["sql"]

[[reps]]
name = "Aino"
team = "sales"

[[reps]]
name = "Bertil"
team = "sales"

[[reps]]
name = "Cecilia"
team = "sales"
"#;

/// An export: (id, points, first contacted, company).
fn leads(rows: &[(&str, u32, &str, &str)]) -> String {
    let mut s = String::from("id,pts,first_contacted,created,company\n");
    for (id, pts, touched, company) in rows {
        s.push_str(&format!("{id},{pts},{touched},2026-11-03T09:00Z,{company}\n"));
    }
    s
}

/// `assign --ledger led.db --as-of WHEN -o out.csv leads.csv EXTRA`; the run.
fn assign(wd: &Workdir, when: &str, extra: &[&str]) -> crate::workdir::Run {
    let mut args = vec!["assign", "-r", "rules.toml", "--ledger", "led.db", "--as-of", when, "-o", "out.csv"];
    args.extend_from_slice(extra);
    args.push("leads.csv");
    wd.run(&args)
}

fn reps_and_reasons(wd: &Workdir) -> Vec<(String, String, String)> {
    let rows = wd.csv("out.csv");
    column(&rows, "id")
        .into_iter()
        .zip(column(&rows, "rep"))
        .zip(column(&rows, "reason"))
        .map(|((i, r), w)| (i, r, w))
        .collect()
}

fn triple(id: &str, rep: &str, reason: &str) -> (String, String, String) {
    (id.into(), rep.into(), reason.into())
}

fn export(wd: &Workdir) -> Vec<Vec<String>> {
    let run = wd.run(&["ledger", "export", "led.db"]);
    run.code(0);
    parse_csv(&run.stdout, b',')
}

#[test]
fn an_unanswered_lead_moves_to_the_next_rep_and_history_is_kept() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    // 10:00: X1 to Aino, X2 to Bertil.
    wd.write("leads.csv", leads(&[("X1", 9, "", "a"), ("X2", 8, "", "b")]));
    assign(&wd, "2026-11-03T10:00Z", &["-q"]).code(0);
    // 10:30: X2 waited exactly 30 minutes: not more than its SLA, it stays.
    assign(&wd, "2026-11-03T10:30Z", &["-q", "--dry-run"]).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "reason"), ["assigned_before", "assigned_before"]);
    // 10:45: X1 was answered at 10:10; X2 waited 45 minutes: it moves, not to
    // Bertil. Loads: Aino 1/(2/3), Cecilia 0/(2/3): Cecilia. X3 is new: all
    // at 1/1 after the move (each is entitled to a third of X2): Aino.
    wd.write("leads.csv", leads(&[("X1", 9, "2026-11-03T10:10Z", "a"), ("X2", 8, "", "b"), ("X3", 7, "", "c")]));
    let run = assign(&wd, "2026-11-03T10:45Z", &["-q", "--summary-json", "s.json"]);
    run.code(0).stderr_has(
        "leadroute: warning: 1 leads of team 'sales' missed their SLA (not touched in time) and were reassigned to \
         another rep (first: X2)",
    );
    assert_eq!(
        reps_and_reasons(&wd),
        [
            triple("X1", "Aino", "assigned_before"),
            triple("X2", "Cecilia", "sla_reassigned"),
            triple("X3", "Aino", "balanced")
        ]
    );
    // The history stays: Bertil's row, then Cecilia's at the run's clock.
    let rows = export(&wd);
    let x2: Vec<Vec<String>> = rows.iter().filter(|r| r[2] == "X2").cloned().collect();
    assert_eq!(x2.len(), 2);
    assert_eq!([&x2[0][5], &x2[0][6], &x2[0][9]], ["Bertil", "balanced", "2026-11-03T10:00:00Z"]);
    assert_eq!([&x2[1][5], &x2[1][6], &x2[1][9]], ["Cecilia", "sla_reassigned", "2026-11-03T10:45:00Z"]);
    // Response times over the window: Aino answered X1 after 10 minutes
    // (within 30); X3 waits. Bertil missed X2. Cecilia holds X2 since 10:45.
    let json: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
    let reps = &json["response"]["reps"];
    let row = |i: usize| {
        let r = &reps[i];
        (
            r["rep"].as_str().unwrap().to_string(),
            r["assigned"].as_u64(),
            r["worked"].as_u64(),
            r["median_minutes"].as_i64(),
            r["within_sla"].as_f64(),
            r["missed"].as_u64(),
            r["waiting"].as_u64(),
        )
    };
    assert_eq!(row(0), ("Aino".into(), Some(2), Some(1), Some(10), Some(1.0), Some(0), Some(1)));
    assert_eq!(row(1), ("Bertil".into(), Some(1), Some(0), None, Some(0.0), Some(1), Some(0)));
    assert_eq!(row(2), ("Cecilia".into(), Some(1), Some(0), None, None, Some(0), Some(1)));
    assert_eq!(reps[0]["team"], "sales");
    // Created at 09:00, routed at 10:45: X3 waited 105 minutes to be routed.
    assert_eq!(json["response"]["time_to_route"]["median_minutes"], 105);
    assert_eq!(json["response"]["time_to_route"]["max_minutes"], 105);
    assert_eq!(json["routing"]["reasons"]["sla_reassigned"], 1);

    // 11:20: Cecilia has not answered X2 in 35 minutes: it moves again, to
    // the one rep that has not held it. The warning was printed today: quiet.
    let run = assign(&wd, "2026-11-03T11:20Z", &["-q"]);
    run.code(0);
    assert_eq!(run.stderr, "");
    assert_eq!(reps_and_reasons(&wd)[1], triple("X2", "Aino", "sla_reassigned"));
    // 12:00: moved twice ([routing] sla_reassign_max = 2 by default): it
    // stays with Aino, and says so once.
    let run = assign(&wd, "2026-11-03T12:00Z", &["-q"]);
    run.code(0).stderr_has("1 leads of team 'sales' missed their SLA (not touched in time) and stayed with their rep");
    assert_eq!(reps_and_reasons(&wd)[1], triple("X2", "Aino", "assigned_before"));
    // The next day the warnings come back once.
    assign(&wd, "2026-11-04T12:00Z", &["-q"]).code(0).stderr_has("and stayed with their rep");
}

#[test]
fn a_touch_the_export_shows_late_still_counts_and_a_read_failure_never_moves_a_lead() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    wd.write("leads.csv", leads(&[("X1", 9, "", "a"), ("X2", 8, "", "b"), ("X3", 7, "", "c")]));
    assign(&wd, "2026-11-03T10:00Z", &["-q"]).code(0);
    // X1: touched at 10:20, before its SLA ran out, but the 11:00 export is
    // the first to show it: worked, stays. X2: touched at 09:59, before it was
    // assigned (someone else's): not worked, moves. X3: a cell that cannot be
    // read counts as worked (a value warning names it), and stays.
    wd.write(
        "leads.csv",
        leads(&[("X1", 9, "2026-11-03 10:20", "a"), ("X2", 8, "2026-11-03T09:59Z", "b"), ("X3", 7, "soon", "c")]),
    );
    let run = assign(&wd, "2026-11-03T11:00Z", &["-q"]);
    run.code(0).stderr_has("1 values in column 'first_contacted' could not be read (first at line 4: 'soon')");
    assert_eq!(
        reps_and_reasons(&wd),
        [
            triple("X1", "Aino", "assigned_before"),
            triple("X2", "Aino", "sla_reassigned"),
            triple("X3", "Cecilia", "assigned_before")
        ]
    );
    // A date alone is the end of that day: worked, on the day of the assignment.
    wd.write("leads.csv", leads(&[("X1", 9, "", "a"), ("X2", 8, "2026-11-03", "b"), ("X3", 7, "", "c")]));
    let run = assign(&wd, "2026-11-03T12:00Z", &["-q", "--dry-run"]);
    run.code(0);
    assert_eq!(column(&wd.csv("out.csv"), "reason")[1], "assigned_before");
}

#[test]
fn a_lead_with_no_rep_left_or_disqualified_stays_and_zero_moves_only_warn() {
    let wd = Workdir::new();
    // Two reps only; A disqualify criterion.
    let rules = RULES.replace("[[reps]]\nname = \"Cecilia\"\nteam = \"sales\"\n", "").replace(
        "[[stages]]\nname = \"lead\"",
        "[[criteria]]\nname = \"spam\"\ncolumn = \"company\"\nequals = \"spam\"\ndisqualify = true\n\n[[stages]]\nname = \"lead\"",
    );
    wd.write("rules.toml", &rules);
    wd.write("leads.csv", leads(&[("X1", 9, "", "a"), ("X2", 8, "", "b")]));
    assign(&wd, "2026-11-03T10:00Z", &["-q"]).code(0);
    // X1 (Aino) moves to Bertil, X2 (Bertil) to Aino.
    assign(&wd, "2026-11-03T10:31Z", &["-q"]).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "rep"), ["Bertil", "Aino"]);
    assert_eq!(column(&wd.csv("out.csv"), "reason"), ["sla_reassigned", "sla_reassigned"]);
    // Both reps have held each: no candidate left, they stay, loudly.
    let run = assign(&wd, "2026-11-03T11:02Z", &["-q"]);
    run.code(0).stderr_has("2 leads of team 'sales' missed their SLA (not touched in time) and stayed with their rep");
    assert_eq!(column(&wd.csv("out.csv"), "reason"), ["assigned_before", "assigned_before"]);
    // A lead disqualified in this run is not judged.
    let wd = Workdir::new();
    wd.write("rules.toml", &rules);
    wd.write("leads.csv", leads(&[("X1", 9, "", "a")]));
    assign(&wd, "2026-11-03T10:00Z", &["-q"]).code(0);
    wd.write("leads.csv", leads(&[("X1", 9, "", "spam")]));
    let run = assign(&wd, "2026-11-03T11:00Z", &["-q"]);
    run.code(0);
    assert_eq!(run.stderr, "");
    assert_eq!(column(&wd.csv("out.csv"), "reason"), ["assigned_before"]);
    // sla_reassign_max = 0 measures and warns, never moves.
    wd.write("leads.csv", leads(&[("X1", 9, "", "a")]));
    let run = assign(&wd, "2026-11-03T11:00Z", &["-q", "--set", "routing.sla_reassign_max=0"]);
    run.code(0).stderr_has("1 leads of team 'sales' missed their SLA (not touched in time) and stayed with their rep");
    assert_eq!(column(&wd.csv("out.csv"), "reason"), ["assigned_before"]);
}

#[test]
fn working_time_counts_only_working_hours_across_a_weekend_and_daylight_saving() {
    let wd = Workdir::new();
    // Helsinki, 08:00-17:00 on weekdays; an SLA of 60 working minutes.
    let rules = RULES
        .replace("timezone = \"UTC\"", "timezone = \"Europe/Helsinki\"\nworking_hours = \"08:00-17:00\"")
        .replace("sla_minutes = 30", "sla_minutes = 60");
    wd.write("rules.toml", &rules);
    // Friday 2026-10-23 16:30 local: 30 minutes that day; the clocks go back
    // on Sunday 2026-10-25 (not a working day); Monday 08:30 local is 60.
    wd.write("leads.csv", leads(&[("X1", 9, "", "a")]));
    assign(&wd, "2026-10-23T16:30", &["-q"]).code(0);
    assign(&wd, "2026-10-26T08:30", &["-q", "--dry-run"]).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "reason"), ["assigned_before"]);
    assign(&wd, "2026-10-26T08:31", &["-q", "--dry-run"]).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "reason"), ["sla_reassigned"]);
    // The same in UTC offsets: 08:31 EET is 06:31Z.
    assign(&wd, "2026-10-26T06:31Z", &["-q", "--dry-run"]).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "reason"), ["sla_reassigned"]);
    // A team SLA smaller than the stage's wins; a holiday on Monday pushes it on.
    let rules = rules.replace("stages = [\"sql\"]", "stages = [\"sql\"]\nsla_minutes = 45");
    wd.write("rules.toml", rules.replace("working_hours", "holidays = [\"2026-10-26\"]\nworking_hours"));
    assign(&wd, "2026-10-26T16:00", &["-q", "--dry-run"]).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "reason"), ["assigned_before"]);
    assign(&wd, "2026-10-27T08:16", &["-q", "--dry-run"]).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "reason"), ["sla_reassigned"]);
    // explain tells the story.
    let run = wd.run(&[
        "explain",
        "-r",
        "rules.toml",
        "--ledger",
        "led.db",
        "--as-of",
        "2026-10-27T08:16",
        "--id",
        "X1",
        "leads.csv",
    ]);
    run.code(0)
        .stdout_has("missed its SLA: given to Aino at 2026-10-23 16:30 EEST; SLA 45 minutes (its")
        .stdout_has("team's); 46 working minutes since, not touched; routed again without Aino")
        .stdout_has("Aino (held the lead before: it missed its SLA)")
        .stdout_has("reason sla_reassigned");
}

#[test]
fn imports_are_judged_only_with_their_time_and_undo_makes_the_earlier_holder_latest() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    wd.write("crm.csv", "id,owner,when\nI1,Bertil,2026-11-03T08:00Z\nI2,Bertil,\n");
    wd.run(&[
        "ledger",
        "import",
        "led.db",
        "--as-of",
        "2026-11-03",
        "--id",
        "id",
        "--rep",
        "owner",
        "--assigned-at",
        "when",
        "crm.csv",
    ])
    .code(0)
    .stdout_has("imported 2 assignments as run 1")
    .stdout_has("1 row without a time (--assigned-at 'when' empty or not a date, first at line 3: '')");
    // I1 was given at 08:00 and not answered by 10:00: it moves; I2 has no
    // time: never judged.
    wd.write("leads.csv", leads(&[("I1", 9, "", "a"), ("I2", 8, "", "b")]));
    assign(&wd, "2026-11-03T10:00Z", &["-q"]).code(0);
    assert_eq!(
        reps_and_reasons(&wd),
        [triple("I1", "Aino", "sla_reassigned"), triple("I2", "Bertil", "assigned_before")]
    );
    // Undo the moving run: Bertil holds I1 again, and the next run judges it again.
    wd.run(&["ledger", "undo", "led.db", "--run", "2"]).code(0);
    assign(&wd, "2026-11-03T10:05Z", &["-q", "--dry-run"]).code(0);
    assert_eq!(reps_and_reasons(&wd)[0], triple("I1", "Aino", "sla_reassigned"));
    // Touched by Bertil at 08:20 (before the move would be made): stays.
    wd.write("leads.csv", leads(&[("I1", 9, "2026-11-03T08:20Z", "a"), ("I2", 8, "", "b")]));
    assign(&wd, "2026-11-03T10:05Z", &["-q", "--dry-run"]).code(0);
    assert_eq!(reps_and_reasons(&wd)[0], triple("I1", "Bertil", "assigned_before"));
}

#[test]
fn a_lead_matched_by_email_moves_under_the_ledger_leads_id() {
    let wd = Workdir::new();
    let rules = RULES.replace("account = \"company\"", "account = \"company\"\nemail = \"company\"");
    wd.write("rules.toml", &rules);
    wd.write("leads.csv", leads(&[("X1", 9, "", "jane@acme.fi")]));
    assign(&wd, "2026-11-03T10:00Z", &["-q"]).code(0);
    // The CRM gave the lead a new id; its email is the same.
    wd.write("leads.csv", leads(&[("NEW-1", 9, "", "jane@acme.fi")]));
    assign(&wd, "2026-11-03T11:00Z", &["-q"]).code(0);
    assert_eq!(reps_and_reasons(&wd), [triple("NEW-1", "Bertil", "sla_reassigned")]);
    let rows = export(&wd);
    assert_eq!(column(&rows, "lead_id"), ["X1", "X1"]);
    assert_eq!(column(&rows, "rep"), ["Aino", "Bertil"]);
}

#[test]
fn sla_keys_are_checked() {
    let wd = Workdir::new();
    wd.write("leads.csv", leads(&[("X1", 9, "", "a")]));
    wd.write("rules.toml", RULES);
    wd.run(&["check", "-r", "rules.toml", "leads.csv"])
        .code(0)
        .stdout_has("SLAs (stage 'sql' 30 min) are checked by `assign --ledger`")
        .stdout_has("column 'first_contacted' (touched): every value parses");
    wd.write("rules.toml", RULES.replace("sla_minutes = 30", "sla_minutes = 0"));
    wd.run(&["check", "-r", "rules.toml"])
        .code(2)
        .stderr_has("rules.toml:23:15: 'sla_minutes' in [[stages]] 'sql' must be at least 1 (minutes of working time)");
    wd.write("rules.toml", RULES.replace("touched = \"first_contacted\"\n", ""));
    wd.run(&["check", "-r", "rules.toml"]).code(2).stderr_has("rules.toml:22:1: 'sla_minutes' needs [input] touched");
    // A touched column the export lacks: exit 1, naming the header.
    wd.write("rules.toml", RULES.replace("touched = \"first_contacted\"", "touched = \"First Contact\""));
    wd.run(&["assign", "-r", "rules.toml", "-q", "-o", "out.csv", "leads.csv"]).code(1).stderr_has("First Contact");
    assert!(!wd.exists("out.csv"));
}

#[test]
fn an_accounts_owner_is_the_rep_holding_its_earliest_lead_now() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    wd.write("leads.csv", leads(&[("X1", 9, "", "acme")]));
    assign(&wd, "2026-11-03T10:00Z", &["-q"]).code(0);
    wd.write("leads.csv", leads(&[("X1", 9, "", "acme"), ("X2", 8, "", "beta")]));
    assign(&wd, "2026-11-03T10:45Z", &["-q"]).code(0);
    assert_eq!(reps_and_reasons(&wd), [triple("X1", "Bertil", "sla_reassigned"), triple("X2", "Cecilia", "balanced")]);
    // A new Acme lead goes to Bertil, who holds Acme's earliest lead now.
    wd.write(
        "leads.csv",
        leads(&[("X1", 9, "2026-11-03T10:50Z", "acme"), ("X2", 8, "", "beta"), ("X3", 7, "", "acme")]),
    );
    assign(&wd, "2026-11-03T11:00Z", &["-q"]).code(0);
    assert_eq!(reps_and_reasons(&wd)[2], triple("X3", "Bertil", "account_owner"));
}

#[test]
fn compare_with_a_ledger_shows_what_another_sla_would_move() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    wd.write("leads.csv", leads(&[("X1", 9, "", "a"), ("X2", 8, "", "b")]));
    assign(&wd, "2026-11-03T10:00Z", &["-q"]).code(0);
    wd.write("leads.csv", leads(&[("X1", 9, "2026-11-03T10:10Z", "a"), ("X2", 8, "", "b"), ("X3", 7, "", "c")]));
    // At 10:45, a 30-minute SLA moves X2 to Cecilia (and X3 goes to Aino); a
    // 60-minute one keeps X2 with Bertil, and X3 goes to Cecilia.
    let args = ["compare", "-r", "rules.toml", "--set", "stages.sql.sla_minutes=60", "--ledger", "led.db"];
    let run = wd.run(&[&args[..], &["--as-of", "2026-11-03T10:45Z", "leads.csv"]].concat());
    run.code(0).stdout_has("2 leads change rep");
    let table: Vec<&str> =
        run.stdout.lines().filter(|l| l.starts_with("| Aino") || l.starts_with("| Bertil")).collect();
    assert_eq!(table.len(), 2, "{}", run.stdout);
    assert!(table[0].contains("|    2 |         1 |         -1 |"), "{}", run.stdout);
    assert!(table[1].contains("|    0 |         1 |         +1 |"), "{}", run.stdout);
    // The ledger was only read.
    assert_eq!(export(&wd).len(), 1 + 2);
}
