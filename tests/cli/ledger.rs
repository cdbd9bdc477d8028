//! The ledger (docs/reference.md §6): runs that act as one long batch. The worked examples
//! of issue #11, and what a run must never do to a ledger.

use crate::workdir::{Workdir, column};

use crate::fixtures::THREE_REPS as RULES;

fn leads(rows: &[(&str, &str)]) -> String {
    let mut s = String::from("id,company,views\n");
    for (id, company) in rows {
        s.push_str(&format!("{id},{company},1\n"));
    }
    s
}

/// `assign --ledger led.db --as-of DAY -q -o out.csv leads.csv`; returns the output rows.
fn assign(wd: &Workdir, day: &str, extra: &[&str]) -> Vec<Vec<String>> {
    let mut args = vec!["assign", "-r", "rules.toml", "--ledger", "led.db", "--as-of", day, "-q", "-o", "out.csv"];
    args.extend_from_slice(extra);
    args.push("leads.csv");
    wd.run(&args).code(0);
    wd.csv("out.csv")
}

fn sql(wd: &Workdir, query: &str) -> Vec<Vec<String>> {
    let conn = rusqlite::Connection::open(wd.path("led.db")).expect("open ledger");
    let mut st = conn.prepare(query).expect("prepare");
    let n = st.column_count();
    st.query_map([], |r| {
        (0..n)
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => String::new(),
                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                    rusqlite::types::ValueRef::Real(v) => v.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Blob(_) => "<blob>".into(),
                })
            })
            .collect()
    })
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("rows")
}

#[test]
fn nine_one_lead_runs_rotate_through_the_team() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    let mut reps = Vec::new();
    for i in 1..=9 {
        wd.write("leads.csv", leads(&[(&format!("L{i}"), &format!("Co{i}"))]));
        let rows = assign(&wd, "2026-11-20", &[]);
        reps.push(column(&rows, "rep")[0].clone());
    }
    assert_eq!(reps, ["A", "B", "C", "A", "B", "C", "A", "B", "C"]);
    // Without a ledger every one-lead run goes to the first rep.
    wd.run(&["assign", "-r", "rules.toml", "-q", "-o", "plain.csv", "leads.csv"]).code(0);
    assert_eq!(column(&wd.csv("plain.csv"), "rep"), ["A"]);
    assert_eq!(sql(&wd, "SELECT count(*), count(DISTINCT run), max(run) FROM assigned"), [["9", "9", "9"]]);
}

#[test]
fn a_rerun_keeps_every_rep_as_assigned_before() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    wd.write("leads.csv", leads(&[("L1", "Acme"), ("L2", "Beta"), ("L3", "Gamma"), ("L4", "Delta")]));
    let first = assign(&wd, "2026-11-20", &[]);
    // The next night the reps are listed the other way round: nothing moves.
    wd.write("rules.toml", RULES.replace("name = \"A\"", "name = \"Z\""));
    let second = assign(&wd, "2026-11-21", &["--summary-json", "s.json"]);
    assert_eq!(column(&second, "id"), column(&first, "id"));
    assert_eq!(column(&second, "rep"), column(&first, "rep"));
    assert_eq!(column(&second, "reason"), ["assigned_before"; 4]);
    // Rep A is gone from the rules: its lead keeps it, and the run says so.
    let json: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
    assert_eq!(json["routing"]["assigned_before"], 4);
    assert_eq!(json["routing"]["kept_unavailable"][0]["rep"], "A");
    assert_eq!(json["routing"]["kept_unavailable"][0]["why"], "not in the rules");
    assert_eq!(json["ledger"]["run"], 2);
    let run = wd.run(&[
        "assign",
        "-r",
        "rules.toml",
        "--ledger",
        "led.db",
        "--as-of",
        "2026-11-21",
        "-q",
        "-o",
        "out.csv",
        "leads.csv",
    ]);
    // The summary says so; a quiet run stays quiet (it is no new problem).
    assert_eq!(run.code(0).stderr, "");
    let run = wd.run(&[
        "assign",
        "-r",
        "rules.toml",
        "--ledger",
        "led.db",
        "--as-of",
        "2026-11-21",
        "-o",
        "out.csv",
        "leads.csv",
    ]);
    run.code(0).stdout_has("kept rep A (not in the rules) for 2 leads assigned before (first: L1)");
    // Only the first run's leads are in the ledger: reruns record no lead twice.
    assert_eq!(sql(&wd, "SELECT count(*) FROM assigned"), [["4"]]);
    assert_eq!(
        sql(&wd, "SELECT run, assigned FROM runs ORDER BY run"),
        [["1", "4"], ["2", "0"], ["3", "0"], ["4", "0"]]
    );
}

#[test]
fn per_day_holds_across_runs_and_the_leftovers_go_the_next_day() {
    let wd = Workdir::new();
    let rules = RULES.replace("name = \"B\"\nteam = \"sales\"\n", "").replace("name = \"C\"\nteam = \"sales\"\n", "");
    let rules = rules
        .replace("[[reps]]\n[[reps]]\n", "")
        .replace("name = \"A\"\nteam = \"sales\"", "name = \"A\"\nteam = \"sales\"\nper_day = 2");
    wd.write("rules.toml", &rules);
    wd.write("leads.csv", leads(&[("L1", "a"), ("L2", "b"), ("L3", "c")]));
    let first = assign(&wd, "2026-11-20", &[]);
    assert_eq!(column(&first, "reason"), ["balanced", "balanced", "no_capacity"]);
    // A second run the same day: A has had its 2.
    wd.write("leads.csv", leads(&[("L1", "a"), ("L2", "b"), ("L3", "c"), ("L4", "d")]));
    let second = assign(&wd, "2026-11-20", &[]);
    assert_eq!(column(&second, "reason"), ["assigned_before", "assigned_before", "no_capacity", "no_capacity"]);
    // The next day the leftovers are routed, two of them.
    let third = assign(&wd, "2026-11-21", &[]);
    assert_eq!(column(&third, "reason"), ["assigned_before", "assigned_before", "balanced", "balanced"]);
    assert_eq!(
        sql(&wd, "SELECT r.as_of, count(*) FROM assigned a JOIN runs r USING (run) GROUP BY r.as_of"),
        [["2026-11-20", "2"], ["2026-11-21", "2"]]
    );
}

/// Runs `days` daily runs of `per_day` leads each (ids `D<day>-<n>`, each
/// its own account), day 1 being 2026-11-01, with the rules `rules(day)`;
/// returns each day's reps in rank order.
fn daily_runs(
    wd: &Workdir,
    days: std::ops::RangeInclusive<u32>,
    per_day: usize,
    rules: impl Fn(u32) -> String,
) -> Vec<String> {
    let mut out = Vec::new();
    for day in days {
        wd.write("rules.toml", rules(day));
        let ids: Vec<String> = (0..per_day).map(|n| format!("D{day}-{n}")).collect();
        wd.write("leads.csv", leads(&ids.iter().map(|i| (i.as_str(), i.as_str())).collect::<Vec<_>>()));
        let rows = assign(wd, &format!("2026-11-{day:02}"), &[]);
        out.push(column(&rows, "rep").concat());
    }
    out
}

#[test]
fn a_warning_is_printed_once_per_as_of_date() {
    // docs/reference.md §7.1: a five-minute job that reaches an intended per_day limit
    // mails once, not every five minutes until midnight.
    let wd = Workdir::new();
    let one = RULES
        .replace("[[reps]]\nname = \"B\"\nteam = \"sales\"\n", "")
        .replace("[[reps]]\nname = \"C\"\nteam = \"sales\"\n", "");
    wd.write(
        "rules.toml",
        one.replace("name = \"A\"\nteam = \"sales\"", "name = \"A\"\nteam = \"sales\"\nper_day = 1"),
    );
    let run = |day: &str, leads_csv: &str, extra: &[&str]| {
        wd.write("leads.csv", leads_csv);
        let mut args = vec!["assign", "-r", "rules.toml", "--ledger", "led.db", "--as-of", day, "-q", "-o", "o.csv"];
        args.extend_from_slice(extra);
        args.push("leads.csv");
        wd.run(&args)
    };
    let no_capacity = |n: u32, first: &str| {
        format!(
            "leadroute: warning: {n} leads for team 'sales' got no_capacity: no rep there (or in its overflow) could \
             take them (first: {first})\n"
        )
    };
    // The same condition when the team could not serve from the start: one line.
    let unserved = |n: u32, first: &str| {
        format!(
            "leadroute: warning: {n} leads for team 'sales' got no_capacity: none of its reps could take one in this \
             run (all inactive, away, at capacity 0 or at a limit) (first: {first})\n"
        )
    };
    // 10:00: A takes L1 and reaches her limit; L2 waits. Said once.
    let first = run("2026-11-20", &leads(&[("L1", "a"), ("L2", "b")]), &[]);
    assert_eq!(first.code(0).stderr, no_capacity(1, "L2"));
    // 10:05, the same day: the same condition (with the team no rep could
    // serve, one condition with it): silent; the summary still counts.
    let later = run("2026-11-20", &leads(&[("L1", "a"), ("L2", "b"), ("L3", "c")]), &["--summary-json", "s.json"]);
    assert_eq!(later.code(0).stderr, "");
    let json: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
    assert_eq!(json["routing"]["reasons"]["no_capacity"], 2);
    // A dry run, and a run without a ledger, print every warning.
    let dry = run("2026-11-20", &leads(&[("L1", "a"), ("L2", "b"), ("L3", "c")]), &["--dry-run"]);
    assert_eq!(dry.code(0).stderr, unserved(2, "L2"));
    // A malformed row is said on every run; the rest stays quiet.
    let bad = run("2026-11-20", "id,company,views\nL2,b,1\nL9,x,1,extra\n", &[]);
    bad.code(3).stderr_has("1 malformed rows were rejected (first at line 3");
    assert!(!bad.stderr.contains("no_capacity"), "{}", bad.stderr);
    // The next day it is said again (A takes L2 there, L3 waits).
    let next = run("2026-11-21", &leads(&[("L1", "a"), ("L2", "b"), ("L3", "c")]), &[]);
    assert_eq!(next.code(0).stderr, no_capacity(1, "L3"));
    assert_eq!(sql(&wd, "SELECT as_of_day, kind, subject, run FROM warned ORDER BY run").len(), 2);
    // Undoing the run that said it forgets that it was said.
    wd.run(&["ledger", "undo", "led.db", "--run", "4"]).code(0);
    let again = run("2026-11-21", &leads(&[("L1", "a"), ("L2", "b"), ("L3", "c")]), &[]);
    assert_eq!(again.code(0).stderr, no_capacity(1, "L3"));
}

#[test]
fn a_rep_back_from_two_weeks_away_takes_her_share_not_the_whole_day() {
    // Three equal reps, nine leads a day; C away 2026-11-05 to 11-18.
    let wd = Workdir::new();
    let away = RULES.replace(
        "name = \"C\"\nteam = \"sales\"",
        "name = \"C\"\nteam = \"sales\"\naway = [{ from = \"2026-11-05\", to = \"2026-11-18\" }]",
    );
    let days = daily_runs(&wd, 1..=19, 9, |_| away.clone());
    assert_eq!(days[0], "ABCABCABC");
    // While C is away A and B share the days: 63 leads each in 14 days.
    assert!(days[4..18].iter().all(|d| !d.contains('C') && d.len() == 9), "{days:?}");
    // Day 19, C is back. Before it: A 75 taken / 75 entitled (12 of days
    // 1-4, 63 of days 5-18), B the same, C 12 / 12 (C was on no roster while
    // away): all at 1, A first. Then each is entitled to a third more: A
    // 76/75⅓, B 75/75⅓, C 12/12⅓ (the lowest): C; then A 76/75⅔, B 75/75⅔
    // (lowest), C 13/12⅔: B. And so on: three each. (`taken / (weight ×
    // present)` gave C all nine: 12 × 30/16 days = 22.5 against 75.)
    assert_eq!(days[18], "ACBACBACB");
    // explain shows taken / entitled.
    wd.write("leads.csv", leads(&[("E1", "e1")]));
    let run = wd.run(&[
        "explain",
        "-r",
        "rules.toml",
        "--ledger",
        "led.db",
        "--as-of",
        "2026-11-19",
        "--id",
        "E1",
        "leads.csv",
    ]);
    run.code(0).stdout_has("candidates: A (prefer 0, load 78/78), B (prefer 0, load 78/78), C (prefer 0, load 15/15)");
}

#[test]
fn a_rep_added_mid_window_continues_at_the_pace_of_the_others() {
    // A and B take six leads a day for four days (12 each); C joins on day 5.
    let wd = Workdir::new();
    let without_c = RULES.replace("[[reps]]\nname = \"C\"\nteam = \"sales\"\n", "");
    let days = daily_runs(&wd, 1..=4, 6, |_| without_c.clone());
    assert_eq!(days, ["ABABAB"; 4]);
    // Day 5: A 12/12, B 12/12, C 0/0 (0 / 0 is 0): C first; then C 1/⅓ = 3,
    // A and B 12/12⅓: A; B 12/12⅔; A 13/13, B 13/13, C 1/1: A (listed first);
    // then A 14/13⅓, B 13/13⅓, C 1/1⅓ (lowest): C; B 13/13⅔; A, C, B.
    let days = daily_runs(&wd, 5..=5, 9, |_| RULES.to_string());
    assert_eq!(days, ["CABACBACB"]);
}

#[test]
fn a_rep_in_another_team_starts_at_zero_and_imports_entitle_their_rep() {
    // docs/reference.md §6.1: loads count only rows and rosters under the rep's current
    // team; an imported lead entitles its rep to exactly that lead.
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    wd.write("crm.csv", "id,rep,team\nX1,A,sales\nX2,A,sales\nX3,B,old team\n");
    wd.run(&[
        "ledger",
        "import",
        "led.db",
        "--as-of",
        "2026-11-19",
        "--id",
        "id",
        "--rep",
        "rep",
        "--team",
        "team",
        "crm.csv",
    ])
    .code(0);
    // A: 2 taken / 2 entitled = 1; B: its lead was under another team: 0/0;
    // C: 0/0. B first (listed before C); then each is entitled to a third
    // more: A 2/2⅓, B 1/⅓, C 0/⅓ = 0: C; then A 2/2⅔ (lowest), B 1/⅔, C 1/⅔: A.
    wd.write("leads.csv", leads(&[("N1", "n1"), ("N2", "n2"), ("N3", "n3")]));
    let rows = assign(&wd, "2026-11-20", &[]);
    assert_eq!(column(&rows, "rep"), ["B", "C", "A"]);
}

#[test]
fn a_version_1_ledger_is_upgraded_in_place_and_its_runs_get_rosters() {
    // Made by leadroute at commit 92f8cbb (schema version 1) with the rules
    // below: run 1 on 2026-11-01 (L1-L6: A B C A B C), run 2 `ledger import`
    // of X1 for A on 2026-11-02, run 3 on 2026-11-03 with C away (L7-L10:
    // B A B A).
    let wd = Workdir::new();
    wd.write("led.db", include_bytes!("../fixtures/ledger-v1.db"));
    let rules = RULES.replace(
        "name = \"C\"\nteam = \"sales\"",
        "name = \"C\"\nteam = \"sales\"\naway = [{ from = \"2026-11-03\", to = \"2026-11-03\" }]",
    );
    wd.write("rules.toml", &rules);
    // Readers of an old ledger read it upgraded in memory (the routing a run
    // would make, the runs, an explanation) and change nothing: the first
    // step after installing a new leadroute is often a dry run.
    let before = std::fs::read(wd.path("led.db")).unwrap();
    wd.write("leads.csv", leads(&[("N1", "n1"), ("N2", "n2"), ("N3", "n3"), ("L1", "c1")]));
    let args = ["assign", "-r", "rules.toml", "--as-of", "2026-11-04", "--ledger", "led.db", "--dry-run", "-q"];
    wd.run(&[&args[..], &["-o", "dry.csv", "leads.csv"]].concat()).code(0);
    assert_eq!(column(&wd.csv("dry.csv"), "rep"), ["A", "C", "B", "A"]);
    wd.run(&["ledger", "runs", "led.db"]).code(0).stdout_has("2026-11-03");
    wd.run(&["ledger", "export", "led.db", "-o", "export.csv"]).code(0);
    assert_eq!(wd.csv("export.csv").len(), 1 + 11);
    let explain = ["explain", "-r", "rules.toml", "--as-of", "2026-11-04", "--ledger", "led.db", "--id", "N2"];
    wd.run(&[&explain[..], &["leads.csv"]].concat()).code(0).stdout_has("chosen: C");
    assert_eq!(std::fs::read(wd.path("led.db")).unwrap(), before);
    // The upgrading run. Rosters of the old runs: run 1 A, B, C; run 3 A and
    // B (C is away on 2026-11-03 in these rules). Entitled: A 2 + 1 (the
    // import) + 2 = 5 for 5 taken, B 2 + 2 = 4 for 4, C 2 for 2: all at 1,
    // so A; then A 6/5⅓, B 4/4⅓, C 2/2⅓ (lowest): C; then B. L1 is kept.
    let rows = assign(&wd, "2026-11-04", &[]);
    assert_eq!(column(&rows, "rep"), ["A", "C", "B", "A"]);
    assert_eq!(column(&rows, "reason"), ["balanced", "balanced", "balanced", "assigned_before"]);
    assert_eq!(sql(&wd, "PRAGMA user_version"), [["3"]]);
    assert_eq!(
        sql(&wd, "SELECT run, kind, assigned FROM runs ORDER BY run"),
        [["1", "assign", "6"], ["2", "import", "1"], ["3", "assign", "4"], ["4", "assign", "3"]]
    );
    assert_eq!(
        sql(
            &wd,
            "SELECT c.run, coalesce(t.name, ''), p.name, c.taken, coalesce(c.weight, '-') FROM run_reps c \
             LEFT JOIN names t ON t.id = c.team JOIN names p ON p.id = c.rep ORDER BY c.run, p.name"
        ),
        [
            ["1", "sales", "A", "2", "1"],
            ["1", "sales", "B", "2", "1"],
            ["1", "sales", "C", "2", "1"],
            ["2", "", "A", "1", "-"],
            ["3", "sales", "A", "2", "1"],
            ["3", "sales", "B", "2", "1"],
            ["4", "sales", "A", "1", "1"],
            ["4", "sales", "B", "1", "1"],
            ["4", "sales", "C", "1", "1"],
        ]
    );
    // Everything else is as it was: the history, the view.
    assert_eq!(sql(&wd, "SELECT count(*), count(DISTINCT lead_id) FROM assignments"), [["14", "14"]]);
    assert_eq!(sql(&wd, "PRAGMA integrity_check"), [["ok"]]);
}

#[test]
fn a_version_2_ledger_gets_its_runs_clocks_and_delivered_marks_when_upgraded() {
    // Made by leadroute at commit 8a7f97b (schema version 2), TZ=UTC, with
    // THREE_REPS: run 1 on 2026-11-01 (L1-L3: A B C), run 2 `ledger import`
    // of X1 for A on 2026-11-02, run 3 on 2026-11-03 (L4 L5: A B); every run
    // started at 2026-12-06T23:45:31Z.
    let wd = Workdir::new();
    wd.write("led.db", include_bytes!("../fixtures/ledger-v2.db"));
    wd.write("rules.toml", RULES.replace("[input]", "[routing]\ntimezone = \"UTC\"\n\n[input]"));
    // A reader sees the upgraded ledger and leaves the file as it was.
    let before = std::fs::read(wd.path("led.db")).unwrap();
    let export = wd.run(&["ledger", "export", "led.db"]);
    export.code(0);
    let started = "2026-12-06T23:45:31Z";
    assert_eq!(
        column(&crate::workdir::parse_csv(&export.stdout, b','), "assigned_at"),
        [started, started, started, "", started, started]
    );
    assert_eq!(std::fs::read(wd.path("led.db")).unwrap(), before);
    // The next run upgrades it: runs before get their start as their clock
    // (an import none), every one delivered; the run records its own clock
    // and the ledger's time zone, and is delivered once its outputs are in place.
    wd.write("leads.csv", leads(&[("N1", "n1"), ("L1", "c1")]));
    let rows = assign(&wd, "2026-11-04T09:30Z", &[]);
    // Taken / entitled: A 3 / (1 + 1 + 2/3), B 2 / (1 + 2/3), C 1 / (1 + 2/3): C.
    assert_eq!(column(&rows, "rep"), ["C", "A"]);
    assert_eq!(column(&rows, "reason"), ["balanced", "assigned_before"]);
    assert_eq!(sql(&wd, "PRAGMA user_version"), [["3"]]);
    assert_eq!(
        sql(&wd, "SELECT run, kind, coalesce(assigned_at, '-'), delivered, length(token) > 0 FROM runs ORDER BY run"),
        [
            ["1", "assign", started, "1", ""],
            ["2", "import", "-", "1", ""],
            ["3", "assign", started, "1", ""],
            ["4", "assign", "2026-11-04T09:30:00Z", "1", "1"],
        ]
    );
    assert_eq!(sql(&wd, "SELECT key, value FROM meta"), [["timezone", "UTC"]]);
    assert_eq!(
        sql(&wd, "SELECT lead_id, assigned_at FROM assignments WHERE run >= 3 ORDER BY lead_id"),
        [["L4", started], ["L5", started], ["N1", "2026-11-04T09:30:00Z"]]
    );
    assert_eq!(sql(&wd, "PRAGMA integrity_check"), [["ok"]]);
    // Rules in another zone do not mix with this ledger's dates (exit 2), for
    // a run and for a reader alike.
    wd.write("rules.toml", RULES.replace("[input]", "[routing]\ntimezone = \"Europe/Helsinki\"\n\n[input]"));
    for extra in [&[][..], &["--dry-run"][..]] {
        let mut args = vec!["assign", "-r", "rules.toml", "--ledger", "led.db", "-q", "-o", "x.csv"];
        args.extend_from_slice(extra);
        args.push("leads.csv");
        wd.run(&args)
            .code(2)
            .stderr_has("[routing] timezone is 'Europe/Helsinki' but the ledger led.db was written in 'UTC'");
    }
    assert!(!wd.exists("x.csv"));
}

#[test]
fn a_version_1_upgrade_is_undone_with_a_command_that_fails() {
    // The upgrade runs inside the transaction of whatever took the lock: a
    // `ledger undo` of a run that is not there fails, and the file is left
    // byte for byte as it was, still version 1.
    let wd = Workdir::new();
    wd.write("led.db", include_bytes!("../fixtures/ledger-v1.db"));
    let before = std::fs::read(wd.path("led.db")).unwrap();
    wd.run(&["ledger", "undo", "led.db", "--run", "9"]).code(1).stderr_has("there is no run 9");
    assert_eq!(std::fs::read(wd.path("led.db")).unwrap(), before);
    assert_eq!(sql(&wd, "PRAGMA user_version"), [["1"]]);
    // An undo that works upgrades it; the next run gives the old runs their rosters.
    wd.run(&["ledger", "undo", "led.db", "--run", "3"]).code(0);
    assert_eq!(sql(&wd, "PRAGMA user_version"), [["3"]]);
    assert_eq!(sql(&wd, "SELECT run, kind FROM runs ORDER BY run"), [["1", "v1"], ["2", "import"]]);
    wd.write("rules.toml", RULES).write("leads.csv", leads(&[("N1", "n1")]));
    // A 3/3 (2 + the import), B 2/2, C 2/2: A.
    assert_eq!(column(&assign(&wd, "2026-11-04", &[]), "rep"), ["A"]);
    assert_eq!(
        sql(&wd, "SELECT run, kind FROM runs ORDER BY run"),
        [["1", "assign"], ["2", "import"], ["4", "assign"]]
    );
}

#[test]
fn away_works_without_a_ledger_and_bad_ranges_are_rules_errors() {
    let wd = Workdir::new();
    let rules = RULES.replace(
        "name = \"A\"\nteam = \"sales\"",
        "name = \"A\"\nteam = \"sales\"\naway = [{ from = \"2026-12-21\", to = \"2027-01-06\" }]",
    );
    wd.write("rules.toml", &rules).write("leads.csv", leads(&[("L1", "a"), ("L2", "b")]));
    wd.run(&["assign", "-r", "rules.toml", "--as-of", "2026-12-24", "-q", "-o", "out.csv", "leads.csv"]).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "rep"), ["B", "C"]);
    let run = wd.run(&["assign", "-r", "rules.toml", "--as-of", "2026-12-24", "-o", "out.csv", "leads.csv"]);
    run.code(0).stdout_has("A (away)").stdout_has("away on 2026-12-24: A");
    wd.run(&["assign", "-r", "rules.toml", "--as-of", "2027-01-07", "-q", "-o", "out.csv", "leads.csv"]).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "rep"), ["A", "B"]);
    for (set, needle) in [
        ("reps.A.away=[{from=\"2027-01-06\",to=\"2026-12-21\"}]", "ends before it starts"),
        ("reps.A.away=[{from=\"2027-13-06\",to=\"2027-12-21\"}]", "must be a date YYYY-MM-DD"),
        ("reps.A.per_day=-1", "per_day"),
        ("routing.balance_days=0", "balance_days"),
        ("reps.A.reserve=1", "needs a limit"),
    ] {
        wd.run(&["check", "-r", "rules.toml", "--set", set]).code(2).stderr_has(needle);
    }
}

#[test]
fn runs_started_together_both_succeed_and_limits_hold_across_them() {
    let wd = Workdir::new();
    let rules = RULES.replace("name = \"A\"\nteam = \"sales\"", "name = \"A\"\nteam = \"sales\"\nper_day = 3");
    let rules = rules.replace("name = \"B\"\nteam = \"sales\"", "name = \"B\"\nteam = \"sales\"\nper_day = 3");
    let rules = rules.replace("name = \"C\"\nteam = \"sales\"", "name = \"C\"\nteam = \"sales\"\nper_day = 3");
    wd.write("rules.toml", &rules);
    let ids: Vec<String> = (1..=12).map(|i| format!("A{i}")).collect();
    wd.write("a.csv", leads(&ids.iter().map(|i| (i.as_str(), "x")).collect::<Vec<_>>()));
    let ids: Vec<String> = (1..=12).map(|i| format!("B{i}")).collect();
    wd.write("b.csv", leads(&ids.iter().map(|i| (i.as_str(), "y")).collect::<Vec<_>>()));
    let spawn = |name: &'static str| {
        let dir = wd.path("");
        std::thread::spawn(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_leadroute"))
                .current_dir(dir)
                .args(["assign", "-r", "rules.toml", "--ledger", "led.db", "--as-of", "2026-11-20", "-q", "-o"])
                .arg(format!("{name}.out.csv"))
                .arg(format!("{name}.csv"))
                .output()
                .expect("run")
        })
    };
    let (a, b) = (spawn("a"), spawn("b"));
    for out in [a.join().unwrap(), b.join().unwrap()] {
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let taken = |f: &str| column(&wd.csv(f), "rep").into_iter().filter(|r| !r.is_empty()).count();
    // 3 reps × 3 a day: 9 leads in all, whichever run came first.
    assert_eq!(taken("a.out.csv") + taken("b.out.csv"), 9);
    assert_eq!(sql(&wd, "SELECT count(*), count(DISTINCT lead_id) FROM assigned"), [["9", "9"]]);
    assert_eq!(
        sql(&wd, "SELECT rep, count(*) FROM assignments GROUP BY rep ORDER BY rep"),
        [["A", "3"], ["B", "3"], ["C", "3"]]
    );
}

#[test]
fn a_run_waits_for_the_lock_then_fails_naming_the_ledger() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", leads(&[("L1", "a")]));
    assign(&wd, "2026-11-20", &[]);
    let conn = rusqlite::Connection::open(wd.path("led.db")).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    let run = wd.run(&["assign", "-r", "rules.toml", "--ledger", "led.db", "--wait", "0", "-o", "o.csv", "leads.csv"]);
    run.code(1).stderr_has("led.db: the ledger is in use by another run; waited 0 s");
    assert!(!wd.exists("o.csv"));
    // Readers take no lock: a dry run, explain and compare go on.
    wd.run(&["assign", "-r", "rules.toml", "--ledger", "led.db", "--dry-run", "-q", "-o", "o.csv", "leads.csv"])
        .code(0);
    wd.run(&["explain", "-r", "rules.toml", "--ledger", "led.db", "--id", "L1", "leads.csv"]).code(0);
    conn.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn a_file_that_is_not_a_ledger_fails_and_is_left_untouched() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", leads(&[("L1", "a")]));
    for (name, content) in [("text.db", b"hello, not a database\n".to_vec()), ("crm.db", Vec::new())] {
        if content.is_empty() {
            let c = rusqlite::Connection::open(wd.path(name)).unwrap();
            c.execute_batch("CREATE TABLE contacts (id TEXT); INSERT INTO contacts VALUES ('x');").unwrap();
        } else {
            wd.write(name, &content);
        }
        let before = std::fs::read(wd.path(name)).unwrap();
        for args in [
            vec!["assign", "-r", "rules.toml", "--ledger", name, "-o", "o.csv", "leads.csv"],
            vec!["assign", "-r", "rules.toml", "--ledger", name, "--dry-run", "-o", "o.csv", "leads.csv"],
            vec!["explain", "-r", "rules.toml", "--ledger", name, "--id", "L1", "leads.csv"],
        ] {
            wd.run(&args).code(1).stderr_has(&format!("{name}: ")).stderr_has("not a leadroute ledger");
        }
        assert_eq!(std::fs::read(wd.path(name)).unwrap(), before, "{name} changed");
        assert!(!wd.exists("o.csv"));
    }
    // An empty file is a new ledger.
    wd.write("empty.db", "");
    wd.run(&["assign", "-r", "rules.toml", "--ledger", "empty.db", "-q", "-o", "o.csv", "leads.csv"]).code(0);
    // A ledger from a newer leadroute is refused.
    let c = rusqlite::Connection::open(wd.path("empty.db")).unwrap();
    c.execute_batch("PRAGMA user_version = 99").unwrap();
    drop(c);
    wd.run(&["assign", "-r", "rules.toml", "--ledger", "empty.db", "-o", "o.csv", "leads.csv"])
        .code(1)
        .stderr_has("written by a newer leadroute");
}

#[test]
fn what_is_recorded_and_what_is_not() {
    let wd = Workdir::new();
    wd.write(
        "rules.toml",
        RULES.replace("name = \"C\"\nteam = \"sales\"", "name = \"C\"\nteam = \"sales\"\ncapacity = 0"),
    );
    wd.write("leads.csv", "id,company,views\nL1, Acme Oy ,3\nL2,Beta,1\n,NoId,1\nL1,Dup,1\n");
    let rows = assign(&wd, "2026-11-20", &[]);
    assert_eq!(column(&rows, "reason"), ["balanced", "balanced", "missing_id", "duplicate"]);
    // The run: its number, as-of date, absolute input path, rules digest, rows, assigned.
    let runs = sql(&wd, "SELECT run, as_of, input, length(rules_sha256), rows_read, assigned, started FROM runs");
    assert_eq!(runs[0][..6], ["1", "2026-11-20", wd.path("leads.csv").to_string_lossy().as_ref(), "64", "4", "2"]);
    assert!(runs[0][6].ends_with('Z') && runs[0][6].len() == 20, "{:?}", runs[0][6]);
    assert_eq!(
        sql(&wd, "SELECT run, as_of, lead_id, account, team, rep, reason, score, stage FROM assignments"),
        [
            ["1", "2026-11-20", "L1", "Acme Oy", "sales", "A", "balanced", "3", "lead"],
            ["1", "2026-11-20", "L2", "Beta", "sales", "B", "balanced", "1", "lead"],
        ]
    );
    // --dry-run records nothing; the summary says so.
    wd.write("leads.csv", "id,company,views\nL3,Gamma,1\n");
    let run = wd.run(&["assign", "-r", "rules.toml", "--ledger", "led.db", "--dry-run", "-o", "o.csv", "leads.csv"]);
    run.code(0).stdout_has("ledger led.db: dry run, nothing recorded");
    assert_eq!(sql(&wd, "SELECT count(*) FROM runs"), [["1"]]);
    // A broken pipe (| head) records nothing.
    let big: String = std::iter::once("id,company,views\n".to_string())
        .chain((0..200_000).map(|i| format!("X{i},c{i},1\n")))
        .collect();
    wd.write("big.csv", big);
    let out = std::process::Command::new("sh")
        .current_dir(wd.path(""))
        .arg("-c")
        .arg(format!(
            "{} assign -r rules.toml --ledger led.db -q big.csv | head -c 10 > /dev/null",
            env!("CARGO_BIN_EXE_leadroute")
        ))
        .output()
        .unwrap();
    let _ = out;
    assert_eq!(sql(&wd, "SELECT count(*) FROM runs"), [["1"]]);
    // An output that names the ledger is refused before anything is read.
    wd.run(&["assign", "-r", "rules.toml", "--ledger", "led.db", "-o", "led.db", "leads.csv"])
        .code(2)
        .stderr_has("led.db");
    // id = "@line" with a ledger is a rules error.
    wd.run(&["assign", "-r", "rules.toml", "--ledger", "led.db", "--set", "input.id=@line", "leads.csv"])
        .code(2)
        .stderr_has("@line");
}

#[test]
fn a_failed_commit_of_the_outputs_removes_the_run_again() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", leads(&[("L1", "a")]));
    wd.write("out.csv", "yesterday\n").write("s.json", "{}\n");
    let run = wd.run_env(
        &[
            "assign",
            "-r",
            "rules.toml",
            "--ledger",
            "led.db",
            "-q",
            "-o",
            "out.csv",
            "--summary-json",
            "s.json",
            "leads.csv",
        ],
        &[("LEADROUTE_FAULT", "rename-fails=2")],
    );
    run.code(1).stderr_has("run 1 was removed from the ledger again");
    assert_eq!(wd.read("out.csv"), "yesterday\n");
    assert_eq!(sql(&wd, "SELECT count(*) FROM runs"), [["0"]]);
    assert_eq!(sql(&wd, "SELECT count(*) FROM assigned"), [["0"]]);
    // The next run routes the lead again, and gets a new number.
    let rows = assign(&wd, "2026-11-20", &[]);
    assert_eq!(column(&rows, "reason"), ["balanced"]);
    assert_eq!(sql(&wd, "SELECT run FROM runs"), [["2"]]);
}

#[test]
fn owners_and_emails_come_from_the_ledger() {
    let wd = Workdir::new();
    let rules = RULES
        .replace("account = \"company\"", "account = \"company\"\nemail = \"email\"\naccount_match = \"normalized\"");
    wd.write("rules.toml", &rules);
    wd.write("leads.csv", "id,company,views,email\nL1,Acme Oy,1,jane@acme.fi\nL2,Beta,1,bo@beta.fi\n");
    let first = assign(&wd, "2026-11-20", &[]);
    assert_eq!(column(&first, "rep"), ["A", "B"]);
    // A new lead of ACME (written differently) goes to Acme's owner, A, though B
    // and C have fewer leads; a new id with L2's email (gmail rules aside) keeps B.
    wd.write(
        "leads.csv",
        "id,company,views,email\nN1,ACME,1,other@acme.fi\nN2,Beta,1,BO@beta.fi\nN3,,1,x@acme.fi\nN4,Gamma,1,g@gamma.fi\n",
    );
    let rows = assign(&wd, "2026-11-21", &[]);
    assert_eq!(column(&rows, "id"), ["N1", "N2", "N3", "N4"]);
    assert_eq!(column(&rows, "rep"), ["A", "B", "A", "C"]);
    assert_eq!(column(&rows, "reason"), ["account_owner", "assigned_before", "account_owner", "balanced"]);
}

/// SIGKILL at random moments of a large run, again and again: the ledger
/// stays readable and holds whole runs only (each run's count matches its
/// rows, no lead twice); a full run afterwards records every lead exactly
/// once. `LEADROUTE_KILL_ROWS` and `LEADROUTE_KILL_ROUNDS` make it longer.
#[cfg(unix)]
#[test]
fn kill_9_at_random_moments_leaves_whole_runs_only() {
    use proptest::prelude::*;
    use std::time::{Duration, Instant};
    let env = |k: &str, d: usize| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
    let (rows, rounds) = (env("LEADROUTE_KILL_ROWS", 200_000), env("LEADROUTE_KILL_ROUNDS", 6));
    let wd = Workdir::new();
    // Each run gives each rep at most a tenth of the leads: runs that commit
    // leave work for the next, so later runs read a ledger with earlier runs.
    let cap = rows / 30 + 1;
    let capped = RULES.replace("team = \"sales\"\n", &format!("team = \"sales\"\ncapacity = {cap}\n"));
    wd.write("capped.toml", capped).write("rules.toml", RULES);
    let mut big = String::from("id,company,views\n");
    for i in 0..rows {
        big.push_str(&format!("L{i},Co{},{}\n", i % 5000, i % 7));
    }
    wd.write("big.csv", big);
    let args = [
        "assign",
        "-r",
        "capped.toml",
        "--ledger",
        "led.db",
        "--as-of",
        "2026-11-20",
        "-q",
        "-o",
        "out.csv",
        "big.csv",
    ];
    let start = Instant::now();
    wd.run(&args).code(0);
    let took = start.elapsed().as_millis() as u64;
    let check = |when: &str| {
        assert_eq!(sql(&wd, "PRAGMA integrity_check"), [["ok"]], "{when}");
        let torn = sql(
            &wd,
            "SELECT r.run, r.assigned, (SELECT count(*) FROM assigned a WHERE a.run = r.run) AS n FROM runs r \
             WHERE r.assigned <> n",
        );
        assert!(torn.is_empty(), "{when}: runs with missing rows: {torn:?}");
        let [n, distinct] =
            <[String; 2]>::try_from(sql(&wd, "SELECT count(*), count(DISTINCT lead_id) FROM assigned").remove(0))
                .unwrap();
        assert_eq!(n, distinct, "{when}: a lead recorded twice");
    };
    check("after a whole run");
    let mut rng = proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha);
    let mut killed = 0;
    for round in 0..rounds {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_leadroute"))
            .args(args)
            .current_dir(wd.path(""))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.random_range(0..took.max(2) * 5 / 4)));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.code().is_none() {
            killed += 1;
        }
        check(&format!("after kill {round}"));
    }
    assert!(killed * 2 >= rounds, "only {killed} of {rounds} runs were killed before they ended ({took} ms each)");
    // A full run (no capacity) records every lead that is left: each lead once.
    wd.run(&[
        "assign",
        "-r",
        "rules.toml",
        "--ledger",
        "led.db",
        "--as-of",
        "2026-11-20",
        "-q",
        "-o",
        "out.csv",
        "big.csv",
    ])
    .code(0);
    check("after the full run");
    assert_eq!(sql(&wd, "SELECT count(*) FROM assigned"), [[rows.to_string()]]);
    let reasons = column(&wd.csv("out.csv"), "reason");
    assert_eq!(reasons.len(), rows);
    assert!(reasons.iter().all(|r| ["assigned_before", "balanced", "account_owner"].contains(&r.as_str())));
}

/// A run whose outputs cannot be renamed is removed again before another run
/// may read the ledger: the second run waits for the first to finish, and
/// never sees its leads as assigned before.
#[test]
fn a_run_waiting_for_the_lock_never_sees_a_run_that_is_removed_again() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", leads(&[("L1", "a"), ("L2", "b"), ("L3", "c")]));
    wd.write("s1.json", "{}\n");
    let dir = wd.path("");
    let first = std::process::Command::new(env!("CARGO_BIN_EXE_leadroute"))
        .current_dir(&dir)
        .env("LEADROUTE_FAULT", "commit-pause=1500,rename-fails=2")
        .args(["assign", "-r", "rules.toml", "--ledger", "led.db", "-q", "-o", "a1.csv", "--summary-json", "s1.json"])
        .arg("leads.csv")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first run has recorded itself and is pausing in its commit.
    std::thread::sleep(std::time::Duration::from_millis(800));
    let second = wd.run(&["assign", "-r", "rules.toml", "--ledger", "led.db", "-q", "-o", "a2.csv", "leads.csv"]);
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(1), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stderr).contains("run 1 was removed from the ledger again"));
    second.code(0);
    assert_eq!(column(&wd.csv("a2.csv"), "reason"), ["balanced"; 3]);
    assert_eq!(sql(&wd, "SELECT DISTINCT run FROM assigned"), [["2"]]);
}

#[test]
fn outputs_beside_the_ledger_huge_windows_and_weights_are_handled() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", leads(&[("L1", "a")]));
    for name in ["led.db-wal", "led.db-shm", "led.db-journal", "led.db.lock"] {
        wd.run(&["assign", "-r", "rules.toml", "--ledger", "led.db", "-o", name, "leads.csv"]).code(2).stderr_has(name);
    }
    wd.run(&["check", "-r", "rules.toml", "--set", "routing.balance_days=36501"]).code(2).stderr_has("at most 36500");
    // The largest window, an as-of date near the start of the calendar, and away
    // ranges that overlap: no overflow, and quickly.
    let away = "reps.A.away=[{from=\"0001-01-01\",to=\"0050-01-01\"},{from=\"0040-01-01\",to=\"0060-01-01\"}]";
    for as_of in ["0001-01-02", "2026-11-20"] {
        wd.run(&[
            "assign",
            "-r",
            "rules.toml",
            "--ledger",
            "led.db",
            "--set",
            "routing.balance_days=36500",
            "--set",
            away,
            "--as-of",
            as_of,
            "-q",
            "-o",
            "out.csv",
            "leads.csv",
        ])
        .code(0);
    }
    // Weights near the largest allowed (10^20) keep sharing leads, with and without a ledger.
    wd.write("leads.csv", leads(&[("W1", "w1"), ("W2", "w2"), ("W3", "w3"), ("W4", "w4")]));
    let heavy = ["--set", "reps.A.weight=10000000000000000000", "--set", "reps.B.weight=10000000000000000000"];
    let heavy = [&heavy[..], &["--set", "reps.C.active=false"]].concat();
    wd.run(&[&["assign", "-r", "rules.toml", "-q", "-o", "out.csv"], &heavy[..], &["leads.csv"]].concat()).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "rep"), ["A", "B", "A", "B"]);
    let away = "reps.A.away=[{from=\"2026-11-01\",to=\"2026-11-10\"}]";
    let args = [
        &[
            "assign",
            "-r",
            "rules.toml",
            "--ledger",
            "w.db",
            "--as-of",
            "2026-11-20",
            "--set",
            away,
            "-q",
            "-o",
            "out.csv",
        ],
        &heavy[..],
        &["leads.csv"],
    ]
    .concat();
    wd.run(&args).code(0);
}

/// A pipe given to -o whose reader stops early: the leads were not
/// delivered, so nothing is recorded.
#[cfg(unix)]
#[test]
fn a_pipe_output_closed_early_records_nothing() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    let mut big = String::from("id,company,views\n");
    for i in 0..100_000 {
        big.push_str(&format!("P{i},c{i},1\n"));
    }
    wd.write("big.csv", big);
    let out = std::process::Command::new("bash")
        .current_dir(wd.path(""))
        .arg("-c")
        .arg(format!(
            "{} assign -r rules.toml --ledger led.db -q -o >(head -c 10 > /dev/null) big.csv; echo $?",
            env!("CARGO_BIN_EXE_leadroute")
        ))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "141", "{}", String::from_utf8_lossy(&out.stderr));
    // The ledger holds no run (it may not even have its tables).
    let runs = rusqlite::Connection::open(wd.path("led.db"))
        .unwrap()
        .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'runs'", [], |r| r.get::<_, i64>(0))
        .unwrap();
    if runs == 1 {
        assert_eq!(sql(&wd, "SELECT count(*) FROM runs"), [["0"]]);
    }
}

#[test]
fn an_imported_email_keeps_its_rep_for_a_new_id() {
    let wd = Workdir::new();
    let rules = RULES.replace("account = \"company\"", "account = \"company\"\nemail = \"email\"");
    wd.write("rules.toml", &rules);
    wd.write("crm.csv", "Lead,Owner,Mail\nC1,C,jane.doe+crm@gmail.com\n");
    wd.run(&[
        "ledger",
        "import",
        "led.db",
        "--as-of",
        "2026-11-19",
        "--id",
        "Lead",
        "--rep",
        "Owner",
        "--email",
        "Mail",
        "crm.csv",
    ])
    .code(0);
    // The same person under a new id (gmail dots and +tags ignored) keeps C.
    wd.write("leads.csv", "id,company,views,email\nN1,x,1,Jane.Doe@gmail.com\nN2,y,1,other@x.fi\n");
    let rows = assign(&wd, "2026-11-20", &[]);
    assert_eq!(column(&rows, "rep"), ["C", "A"]);
    assert_eq!(column(&rows, "reason"), ["assigned_before", "balanced"]);
}
