//! `leadroute ledger runs|export|import|undo|prune` (docs/reference.md §6.3): what each
//! prints, what it does to the ledger, and what the next run makes of it.

use crate::workdir::{Workdir, column, parse_csv};

const RULES: &str = r#"
[input]
id = "id"
account = "company"

[routing]
timezone = "UTC"

[[criteria]]
name = "views"
column = "views"
per = 1
points = 1.25

[[criteria]]
name = "form"
column = "kind"
equals = "form"
points = 1

[[criteria]]
name = "spam"
column = "kind"
equals = "spam"
points = -3.25

[[stages]]
name = "lead"

[[teams]]
name = "sales"
stages = ["lead"]

[[reps]]
name = "A"
team = "sales"
[[reps]]
name = "B"
team = "sales"
[[reps]]
name = "C"
team = "sales"
"#;

/// Scores 12.5, -3.25 and 10: ranked L1, L3, L2; L3 goes to Acme's owner.
const FIRST: &str = "id,company,views,kind\nL1,Acme,10,\nL2,\"Beta, Inc\",0,spam\nL3,Acme,8,\n";
/// L1 again (assigned before) and L4, scored 1.
const SECOND: &str = "id,company,views,kind\nL1,Acme,10,\nL4,Gamma,0,form\n";

const EXPORT_HEADER: [&str; 10] =
    ["run", "as_of", "lead_id", "account", "team", "rep", "reason", "score", "stage", "assigned_at"];

/// `assign --ledger led.db` of `leads` on `day`; returns the output rows.
fn assign(wd: &Workdir, day: &str, leads: &str) -> Vec<Vec<String>> {
    wd.write("leads.csv", leads);
    wd.run(&["assign", "-r", "rules.toml", "--ledger", "led.db", "--as-of", day, "-q", "-o", "out.csv", "leads.csv"])
        .code(0);
    wd.csv("out.csv")
}

/// A ledger with two runs: FIRST on 2026-11-20, SECOND on 2026-11-21.
fn two_runs() -> Workdir {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    assign(&wd, "2026-11-20", FIRST);
    assign(&wd, "2026-11-21", SECOND);
    wd
}

/// `ledger export led.db ARGS` to standard output, parsed (header included).
fn export(wd: &Workdir, args: &[&str]) -> Vec<Vec<String>> {
    let mut all = vec!["ledger", "export", "led.db"];
    all.extend_from_slice(args);
    let run = wd.run(&all);
    run.code(0);
    parse_csv(&run.stdout, b',')
}

fn rows(lines: &[&str]) -> Vec<Vec<String>> {
    lines.iter().map(|l| parse_csv(l, b',').remove(0)).collect()
}

/// The data rows of the plain table `ledger runs` prints to a pipe.
fn runs_table(wd: &Workdir) -> Vec<Vec<String>> {
    let run = wd.run(&["ledger", "runs", "led.db"]);
    run.code(0);
    let lines: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with('|')).collect();
    assert!(lines.len() >= 2, "no table:\n{}", run.stdout);
    let cells = |l: &str| -> Vec<String> {
        let inner = l.trim().trim_start_matches('|').trim_end_matches('|');
        inner.split('|').map(|c| c.trim().to_string()).collect()
    };
    assert_eq!(cells(lines[0]), ["run", "started", "as_of", "assigned_at", "input", "rows", "assigned"]);
    lines[2..].iter().map(|l| cells(l)).collect()
}

fn abs(wd: &Workdir, name: &str) -> String {
    // The binary sees its folder as getcwd says it: symbolic links resolved.
    std::fs::canonicalize(wd.path(name)).unwrap().to_string_lossy().into_owned()
}

#[test]
fn runs_lists_every_run_and_a_missing_ledger_is_an_error() {
    let wd = two_runs();
    let table = runs_table(&wd);
    assert_eq!(table.len(), 2, "{table:?}");
    let leads = abs(&wd, "leads.csv");
    for (row, (run, as_of, read, assigned)) in
        table.iter().zip([("1", "2026-11-20", "3", "3"), ("2", "2026-11-21", "2", "1")])
    {
        assert_eq!([&row[0], &row[2], &row[4], &row[5], &row[6]], [run, as_of, leads.as_str(), read, assigned]);
        // The run's clock: --as-of 2026-11-20 is 00:00 in [routing] timezone (UTC).
        assert_eq!(row[3], format!("{as_of}T00:00:00Z"));
        // Start time in UTC: YYYY-MM-DDTHH:MM:SSZ.
        let s = row[1].as_bytes();
        assert!(s.len() == 20 && s[4] == b'-' && s[10] == b'T' && s[19] == b'Z', "started {:?}", row[1]);
    }
    for args in [
        vec!["ledger", "runs", "nope.db"],
        vec!["ledger", "export", "nope.db"],
        vec!["ledger", "undo", "nope.db", "--run", "1"],
        vec!["ledger", "prune", "nope.db", "--before", "2026-01-01"],
    ] {
        wd.run(&args).code(1).stderr_has("nope.db: no such ledger");
        assert!(!wd.exists("nope.db"), "{args:?} created the ledger");
    }
    // An empty file is a ledger with no runs.
    wd.write("empty.db", "");
    wd.run(&["ledger", "runs", "empty.db"]).code(0).stdout_has("empty.db: no runs recorded yet");
    assert_eq!(std::fs::read(wd.path("empty.db")).unwrap(), b"");
}

#[test]
fn export_writes_every_assignment_in_run_and_row_order() {
    let wd = two_runs();
    let all = export(&wd, &[]);
    assert_eq!(all[0], EXPORT_HEADER);
    // Scores as decimals without trailing zeros; recorded in rank order.
    assert_eq!(
        all[1..],
        rows(&[
            "1,2026-11-20,L1,Acme,sales,A,balanced,12.5,lead,2026-11-20T00:00:00Z",
            "1,2026-11-20,L3,Acme,sales,A,account_owner,10,lead,2026-11-20T00:00:00Z",
            "1,2026-11-20,L2,\"Beta, Inc\",sales,B,balanced,-3.25,lead,2026-11-20T00:00:00Z",
            "2,2026-11-21,L4,Gamma,sales,C,balanced,1,lead,2026-11-21T00:00:00Z",
        ])
    );
    // The account is quoted where the CSV needs it.
    let run = wd.run(&["ledger", "export", "led.db"]);
    assert!(run.stdout.contains(",\"Beta, Inc\","), "{}", run.stdout);

    assert_eq!(export(&wd, &["--run", "2"])[1..], all[4..]);
    assert_eq!(export(&wd, &["--run", "1"])[1..], all[1..4]);
    assert_eq!(export(&wd, &["--since", "2026-11-21"])[1..], all[4..]);
    assert_eq!(export(&wd, &["--since", "2026-11-20"]), all);
    assert_eq!(export(&wd, &["--since", "2026-11-22"]), all[..1]);
    assert_eq!(export(&wd, &["--run", "1", "--since", "2026-11-21"]), all[..1]);

    // To a file: the same CSV, and a line saying what was done.
    wd.run(&["ledger", "export", "led.db", "-o", "all.csv"])
        .code(0)
        .stdout_has("led.db: exported 4 assignments to all.csv");
    assert_eq!(wd.csv("all.csv"), all);

    // Refused: an output that is the ledger, a bad date, a run that is not there.
    let before = std::fs::read(wd.path("led.db")).unwrap();
    wd.run(&["ledger", "export", "led.db", "-o", "led.db"])
        .code(2)
        .stderr_has("-o led.db: the same file as the ledger");
    assert_eq!(std::fs::read(wd.path("led.db")).unwrap(), before);
    wd.run(&["ledger", "export", "led.db", "--since", "2026-11-31"]).code(2).stderr_has("--since '2026-11-31'");
    wd.run(&["ledger", "export", "led.db", "--since", "21.11.2026"]).code(2).stderr_has("YYYY-MM-DD");
    let run = wd.run(&["ledger", "export", "led.db", "--run", "9", "-o", "nine.csv"]);
    run.code(1).stderr_has("led.db: there is no run 9; its last runs are 1, 2");
    assert!(run.stdout.is_empty() && !wd.exists("nine.csv"));
}

#[test]
fn imported_leads_keep_their_rep_and_make_it_their_accounts_owner() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    // A CRM export: a byte-order mark, `;`, extra columns, names by header.
    wd.write(
        "crm.csv",
        "\u{feff}Lead ID;Owner;Company;Team;Note\n\
         I1;B;Acme;;x\n\
         I2; ;Zeta;;no rep\n\
         ;C;Beta;;no id\n\
         I3;C; ;old sales;no account\n\
         I1;A;Acme;;a later row of I1\n",
    );
    let run = wd.run(&[
        "ledger",
        "import",
        "led.db",
        "--as-of",
        "2026-11-01",
        "--id",
        "lead id",
        "--rep",
        "Owner",
        "--account",
        "Company",
        "--team",
        "Team",
        "crm.csv",
    ]);
    run.code(0)
        .stdout_has("led.db: imported 2 assignments as run 1 (as of 2026-11-01)")
        .stdout_has("skipped 1 row without a rep, 1 row without an id, 1 row whose id came earlier in the file");
    assert_eq!(
        export(&wd, &[])[1..],
        rows(&["1,2026-11-01,I1,Acme,,B,imported,,,", "1,2026-11-01,I3,,old sales,C,imported,,,"])
    );
    let table = runs_table(&wd);
    assert_eq!(table[0][2..], ["2026-11-01".to_string(), String::new(), abs(&wd, "crm.csv"), "5".into(), "2".into()]);

    // The next run: I1 and I3 keep their reps; the team is the ledger's, else
    // the rep's current one. N1 of Acme goes to Acme's owner from the import.
    let out = assign(&wd, "2026-11-20", "id,company,views,kind\nI1,Acme,1,\nI3,,1,\nN1,Acme,10,\nN2,Other,9,\n");
    assert_eq!(column(&out, "id"), ["N1", "N2", "I1", "I3"]);
    assert_eq!(column(&out, "rep"), ["B", "A", "B", "C"]);
    assert_eq!(column(&out, "team"), ["sales", "sales", "sales", "old sales"]);
    assert_eq!(column(&out, "reason"), ["account_owner", "balanced", "assigned_before", "assigned_before"]);

    // Imported leads count in loads, each entitling its rep to itself: B and
    // C took one each (1/1), A none (0/0): A takes N1; then A is at 1/⅓,
    // B and C at 1/1⅓: B takes N2.
    let wd2 = Workdir::new();
    wd2.write("rules.toml", RULES).write("crm.csv", "id,rep\nX1,B\nX2,C\n");
    wd2.run(&["ledger", "import", "led.db", "--as-of", "2026-11-19", "--id", "id", "--rep", "rep", "crm.csv"])
        .code(0)
        .stdout_has("led.db: imported 2 assignments as run 1 (as of 2026-11-19)\n");
    let out = assign(&wd2, "2026-11-20", "id,company,views,kind\nN1,Acme,1,\nN2,Acme2,1,\n");
    assert_eq!(column(&out, "rep"), ["A", "B"]);
}

#[test]
fn a_failed_import_records_nothing() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    let import = |csv: &str, extra: &[&str]| {
        let mut args = vec!["ledger", "import", "led.db", "--as-of", "2026-11-01", "--id", "id", "--rep", "rep"];
        args.extend_from_slice(extra);
        args.push(csv);
        wd.run(&args)
    };
    wd.write("bad.csv", "id,rep\nX1,A\nX2,B,extra\n");
    wd.write("noteam.csv", "id,rep\nX1,A\n");
    // No ledger yet: a failure does not create one.
    import("bad.csv", &[]).code(1).stderr_has("bad.csv:3: malformed row");
    assert!(!wd.exists("led.db"));
    // With a ledger: it is left byte for byte as it was.
    assign(&wd, "2026-11-20", FIRST);
    let before = std::fs::read(wd.path("led.db")).unwrap();
    import("bad.csv", &[]).code(1).stderr_has("bad.csv:3: malformed row");
    import("noteam.csv", &["--team", "Team"]).code(1).stderr_has("no column 'Team' (--team); the header has: id, rep");
    import("missing.csv", &[]).code(1).stderr_has("missing.csv");
    let run =
        wd.run(&["ledger", "import", "led.db", "--as-of", "2026-02-30", "--id", "id", "--rep", "rep", "noteam.csv"]);
    run.code(2).stderr_has("--as-of '2026-02-30'");
    // Nothing to import: a warning, and no empty run.
    wd.write("norep.csv", "id,rep\nX1,\nX2, \n");
    import("norep.csv", &[]).code(0).stderr_has("leadroute: warning: led.db: nothing imported from norep.csv");
    assert_eq!(std::fs::read(wd.path("led.db")).unwrap(), before);
    assert_eq!(runs_table(&wd).len(), 1);
}

#[test]
fn undo_routes_the_runs_leads_again_and_its_number_is_never_reused() {
    let wd = two_runs();
    wd.run(&["ledger", "undo", "led.db", "--run", "2"])
        .code(0)
        .stdout_has("led.db: removed run 2 (1 assignment); their leads are routed again by the next run");
    assert_eq!(export(&wd, &[]).len(), 4);
    // L4 is routed again; the new run is 3, not 2.
    let out = assign(&wd, "2026-11-21", SECOND);
    assert_eq!(column(&out, "reason"), ["assigned_before", "balanced"]);
    let numbers: Vec<String> = runs_table(&wd).into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(numbers, ["1", "3"]);
    assert_eq!(column(&export(&wd, &["--run", "3"]), "lead_id"), ["L4"]);

    let before = std::fs::read(wd.path("led.db")).unwrap();
    wd.run(&["ledger", "undo", "led.db", "--run", "2"])
        .code(1)
        .stderr_has("led.db: there is no run 2; its last runs are 1, 3");
    assert_eq!(std::fs::read(wd.path("led.db")).unwrap(), before);

    // Undoing the first run: its leads are routed afresh (L1 and L3 were A's).
    wd.run(&["ledger", "undo", "led.db", "--run", "1"]).code(0).stdout_has("removed run 1 (3 assignments)");
    let out = assign(&wd, "2026-11-22", FIRST);
    assert_eq!(column(&out, "reason"), ["balanced", "account_owner", "balanced"]);
    wd.run(&["ledger", "undo", "led.db", "--run", "abc"]).code(2);
}

#[test]
fn prune_removes_old_rows_from_loads_but_remembers_their_leads() {
    let wd = two_runs();
    let run = wd.run(&["ledger", "prune", "led.db", "--before", "2026-11-21"]);
    run.code(0)
        .stdout_has(
            "led.db: removed 3 assignments of 1 run with an as-of date before 2026-11-21: they no longer count in \
             loads or limits; 3 leads remembered (id, keys, team, rep): an export that still holds them keeps them \
             `assigned_before`, and their accounts keep their owners; gave back ",
        )
        .stdout_has(" bytes (the file has ");
    // The export shows assignments only; `runs` keeps run 1 with what it still has.
    assert_eq!(column(&export(&wd, &[]), "lead_id"), ["L4"]);
    let table = runs_table(&wd);
    assert_eq!((table[0][0].as_str(), table[0][6].as_str()), ("1", "0"));
    assert_eq!((table[1][0].as_str(), table[1][6].as_str()), ("2", "1"));
    wd.run(&["ledger", "prune", "led.db", "--before", "2026-11-21"])
        .code(0)
        .stdout_has("led.db: nothing to prune: no assignments with an as-of date before 2026-11-21");
    // The CRM export still holds L1-L3: they keep their reps; N1 of Acme goes
    // to Acme's owner, A. Loads forget run 1: run 2's roster (A, B, C) is
    // entitled to a third of L4 each; A took N1 here (A 1/⅔, B 0/⅔, C 1/⅔):
    // N2 goes to B.
    let out = assign(
        &wd,
        "2026-11-22",
        "id,company,views,kind\nL1,Acme,10,\nL2,\"Beta, Inc\",0,spam\nL3,Acme,8,\nN1,Acme,9,\nN2,Zeta,0,form\n",
    );
    assert_eq!(column(&out, "id"), ["L1", "N1", "L3", "N2", "L2"]);
    assert_eq!(column(&out, "rep"), ["A", "A", "A", "B", "B"]);
    assert_eq!(
        column(&out, "reason"),
        ["assigned_before", "account_owner", "assigned_before", "balanced", "assigned_before"]
    );
    // --forget: runs 1 and 2 go, L4 is not remembered, the memories of L1-L3
    // (dated 2026-11-20) are dropped. L1 and L3 are routed again, to Acme's
    // owner now (A, by N1 of run 3); L2 afresh.
    wd.run(&["ledger", "prune", "led.db", "--before", "2026-11-22", "--forget"])
        .code(0)
        .stdout_has("removed 1 assignment of 2 runs with an as-of date before 2026-11-22")
        .stdout_has("; forgot 3 leads (routed again when they come back)");
    let out = assign(&wd, "2026-11-23", FIRST);
    assert_eq!(column(&out, "id"), ["L1", "L3", "L2"]);
    assert_eq!(column(&out, "reason"), ["account_owner", "account_owner", "balanced"]);
    wd.run(&["ledger", "prune", "led.db", "--before", "yesterday"]).code(2).stderr_has("--before 'yesterday'");
}

#[test]
fn changes_wait_for_a_run_and_readers_do_not() {
    let wd = two_runs();
    wd.write("crm.csv", "id,rep\nX1,A\n");
    let conn = rusqlite::Connection::open(wd.path("led.db")).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    for args in [
        vec!["ledger", "undo", "led.db", "--run", "1", "--wait", "0"],
        vec!["ledger", "prune", "led.db", "--before", "2027-01-01", "--wait", "0"],
        vec![
            "ledger",
            "import",
            "led.db",
            "--as-of",
            "2026-11-01",
            "--id",
            "id",
            "--rep",
            "rep",
            "--wait",
            "0",
            "crm.csv",
        ],
    ] {
        wd.run(&args).code(1).stderr_has("led.db: the ledger is in use by another run; waited 0 s");
    }
    runs_table(&wd);
    assert_eq!(export(&wd, &[]).len(), 5);
    conn.execute_batch("ROLLBACK").unwrap();
    assert_eq!(runs_table(&wd).len(), 2);
}

#[test]
fn a_file_that_is_not_a_ledger_is_refused_by_every_subcommand() {
    let wd = Workdir::new();
    wd.write("text.db", "hello\n").write("crm.csv", "id,rep\nX1,A\n");
    for args in [
        vec!["ledger", "runs", "text.db"],
        vec!["ledger", "export", "text.db"],
        vec!["ledger", "export", "text.db", "-o", "out.csv"],
        vec!["ledger", "import", "text.db", "--as-of", "2026-11-01", "--id", "id", "--rep", "rep", "crm.csv"],
        vec!["ledger", "undo", "text.db", "--run", "1"],
        vec!["ledger", "prune", "text.db", "--before", "2026-11-01"],
    ] {
        let run = wd.run(&args);
        run.code(1).stderr_has("text.db: is not a leadroute ledger");
        assert!(run.stdout.is_empty(), "{args:?} printed {}", run.stdout);
        assert_eq!(wd.read("text.db"), "hello\n", "{args:?} changed the file");
        assert!(!wd.exists("out.csv"));
    }
    let names: Vec<String> =
        std::fs::read_dir(wd.path(".")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert!(names.iter().all(|n| n == "text.db" || n == "crm.csv"), "left behind: {names:?}");
}

#[test]
fn import_skips_ids_already_in_the_ledger() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("crm.csv", "id,rep\nX1,B\nX2,C\n");
    let import =
        |csv: &str| wd.run(&["ledger", "import", "led.db", "--as-of", "2026-11-19", "--id", "id", "--rep", "rep", csv]);
    import("crm.csv").code(0).stdout_has("led.db: imported 2 assignments as run 1 (as of 2026-11-19)\n");
    // The same file again: nothing new, no empty run, the ledger unchanged.
    let before = std::fs::read(wd.path("led.db")).unwrap();
    let run = import("crm.csv");
    run.code(0).stderr_has(
        "leadroute: warning: led.db: nothing imported from crm.csv: every row with an id and a rep is already in \
         the ledger; skipped 2 rows already in the ledger; the ledger was not changed",
    );
    assert_eq!(std::fs::read(wd.path("led.db")).unwrap(), before);
    // X1 with another rep, and a new X3: only X3 is recorded; X1 stays B's.
    wd.write("crm2.csv", "id,rep\nX1,A\nX3,A\n");
    import("crm2.csv")
        .code(0)
        .stdout_has("led.db: imported 1 assignment as run 2 (as of 2026-11-19); skipped 1 row already in the ledger\n");
    assert_eq!(column(&export(&wd, &[]), "lead_id"), ["X1", "X2", "X3"]);
    assert_eq!(column(&export(&wd, &[]), "rep"), ["B", "C", "A"]);
    // Loads count X1 once: A 1/1, B 1/1, C 1/1, so A takes N1 (listed first).
    let out = assign(&wd, "2026-11-20", "id,company,views,kind\nN1,Acme,1,\nX1,Acme2,1,\n");
    assert_eq!(column(&out, "rep"), ["A", "B"]);
    assert_eq!(column(&out, "reason"), ["balanced", "assigned_before"]);
}
