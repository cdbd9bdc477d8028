//! An output the CRM imports as it is (docs/reference.md §7.5): `[output]
//! rows`, `columns`, `rename` and `[[reps]] fields`, each shape checked
//! against the exact file it must write, and each mistake against its
//! message and exit status.

use crate::workdir::Workdir;

/// A CRM export: a quoted cell with a delimiter and quotes, a formula-like
/// cell, a lead without an email.
pub const LEADS: &str = "\
Record ID,Email,Company,Industry,Demo Requested,Notes
101,anna@airframe.example,Airframe Oy,Aerospace,yes,
102,olli@kauppa.example,Kauppa Oy,Retail,yes,\"says \"\"call me\"\", Tuesdays\"
103,mika@turbine.example,Turbine AB,Aerospace,no,=HYPERLINK()
104,pia@rivet.example,Rivet Oy,Aerospace,yes,
105,,Nobody Ltd,Retail,no,
";

/// Scores: 101 and 104 90 (sql, Brent by expertise), 102 60 (sql, Matti,
/// balanced), 103 30 and 105 0 (lead: no team takes it).
pub const RULES: &str = r#"
[input]
id = "Record ID"

[output]
rows = "assigned"
columns = ["Email", "@rep.email", "@stage"]
rename = { "@rep.email" = "Contact owner", "@stage" = "Lead status" }

[[criteria]]
name = "demo"
column = "Demo Requested"
equals = "yes"
points = 60

[[criteria]]
name = "aerospace"
column = "Industry"
equals = "aerospace"
points = 30

[[stages]]
name = "lead"

[[stages]]
name = "sql"
min_score = 50

[[teams]]
name = "product sales"
stages = ["sql"]

[[reps]]
name = "Brent"
team = "product sales"
prefer = [{ column = "Industry", equals = "aerospace" }]
fields = { email = "brent@example.fi", crm_id = "0055g00000AbCdE" }

[[reps]]
name = "Matti"
team = "product sales"
fields = { email = "matti@example.fi" }
"#;

fn wd() -> Workdir {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    wd
}

/// `assign` with the fixture rules and `sets`, the CSV to out.csv.
fn assign(wd: &Workdir, sets: &[&str]) -> String {
    let mut args = vec!["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out.csv"];
    for s in sets {
        args.extend(["--set", s]);
    }
    args.push("leads.csv");
    wd.run(&args).code(0);
    wd.read("out.csv")
}

/// The rules' error for `sets`: exit 2, one line, the message.
fn rules_error(wd: &Workdir, sets: &[&str]) -> String {
    let mut args = vec!["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out.csv"];
    for s in sets {
        args.extend(["--set", s]);
    }
    args.push("leads.csv");
    let run = wd.run(&args);
    run.code(2);
    assert!(!wd.exists("out.csv"), "a failing run writes nothing");
    run.stderr.trim_end().to_string()
}

#[test]
fn hubspot_shape_assigned_rows_with_the_owners_email() {
    let wd = wd();
    assert_eq!(
        assign(&wd, &[]),
        "Email,Contact owner,Lead status\n\
         anna@airframe.example,brent@example.fi,sql\n\
         pia@rivet.example,brent@example.fi,sql\n\
         olli@kauppa.example,matti@example.fi,sql\n"
    );
}

/// Every `@` column, with `prefix` before their headers; a rep without the
/// field and a lead without a rep write it empty; a quoted cell stays quoted.
#[test]
fn every_own_column_in_every_row() {
    let wd = wd();
    wd.write(
        "rules.toml",
        RULES.replace("[output]", "[output]\nprefix = \"lr_\"").replace(
            "[[criteria]]\nname = \"demo\"",
            "[grades]\nfit = [{ grade = \"A\", min_fit = 80 }, { grade = \"B\" }]\nengagement = [{ grade = \"1\" }]\n\n\
         [[criteria]]\nname = \"demo\"",
        ),
    );
    let columns = r#"output.columns=["Record ID", "Notes", "@score", "@fit", "@engagement", "@stage", "@grade",
        "@team", "@rep", "@reason", "@line", "@rep.crm_id"]"#;
    assert_eq!(
        assign(&wd, &["output.rows=all", columns, "output.rename={}"]),
        "Record ID,Notes,lr_score,lr_fit,lr_engagement,lr_stage,lr_grade,lr_team,lr_rep,lr_reason,lr_line,lr_rep.crm_id\n\
         101,,90,90,0,sql,A1,product sales,Brent,expertise,2,0055g00000AbCdE\n\
         104,,90,90,0,sql,A1,product sales,Brent,expertise,5,0055g00000AbCdE\n\
         102,\"says \"\"call me\"\", Tuesdays\",60,60,0,sql,B1,product sales,Matti,balanced,3,\n\
         103,=HYPERLINK(),30,30,0,lead,B1,,,no_team,4,\n\
         105,,0,0,0,lead,B1,,,no_team,6,\n"
    );
}

/// `@line` is the physical line, also when a quoted cell spans lines and
/// with `id = "@line"`.
#[test]
fn line_is_the_physical_line() {
    let wd = wd();
    wd.write("leads.csv", LEADS.replace("\"says \"\"call me\"\", Tuesdays\"", "\"two\nlines\""));
    wd.write("rules.toml", RULES.replace("id = \"Record ID\"", "id = \"@line\""));
    assert_eq!(
        assign(&wd, &["output.rows=all", "output.columns=[\"@line\", \"Record ID\", \"@reason\"]", "output.rename={}"]),
        "line,Record ID,reason\n2,101,expertise\n6,104,expertise\n3,102,balanced\n5,103,no_team\n7,105,no_team\n"
    );
}

/// `rows = "new"` without a ledger: this run's new assignments. With a
/// ledger, a second run of the same export writes none (they are
/// `assigned_before`), and `assigned` writes them all again.
#[test]
fn new_rows_are_this_runs_assignments() {
    let wd = wd();
    let want = "Email,Contact owner,Lead status\n\
        anna@airframe.example,brent@example.fi,sql\n\
        pia@rivet.example,brent@example.fi,sql\n\
        olli@kauppa.example,matti@example.fi,sql\n";
    assert_eq!(assign(&wd, &["output.rows=new"]), want);
    let run = |rows: &str, out: &str| {
        wd.run(&[
            "assign",
            "-r",
            "rules.toml",
            "--as-of",
            "2026-11-01",
            "-q",
            "--ledger",
            "l.db",
            "--set",
            rows,
            "-o",
            out,
            "leads.csv",
        ])
        .code(0);
        wd.read(out)
    };
    assert_eq!(run("output.rows=new", "first.csv"), want);
    assert_eq!(run("output.rows=new", "second.csv"), "Email,Contact owner,Lead status\n");
    assert_eq!(run("output.rows=assigned", "third.csv"), want);
    // The summary still counts every lead.
    let json_run = wd.run(&[
        "assign",
        "-r",
        "rules.toml",
        "--as-of",
        "2026-11-01",
        "-q",
        "--set",
        "output.rows=new",
        "-o",
        "x.csv",
        "--summary-json",
        "s.json",
        "leads.csv",
    ]);
    json_run.code(0);
    assert!(wd.read("s.json").contains("\"rows_read\": 5"), "{}", wd.read("s.json"));
}

/// `score` ignores `rows` and writes the routing columns empty: one rules
/// file serves both commands.
#[test]
fn score_writes_every_lead_and_empty_routing_columns() {
    let wd = wd();
    wd.run(&[
        "score",
        "-r",
        "rules.toml",
        "--as-of",
        "2026-11-01",
        "-q",
        "-o",
        "out.csv",
        "--set",
        "output.columns=[\"Email\", \"@score\", \"@team\", \"@rep\", \"@reason\", \"@rep.email\", \"@assigned_at\"]",
        "--set",
        "output.rename={ \"@rep.email\" = \"Contact owner\" }",
        "leads.csv",
    ])
    .code(0);
    assert_eq!(
        wd.read("out.csv"),
        "Email,score,team,rep,reason,Contact owner,assigned_at\n\
         anna@airframe.example,90,,,,,\n\
         pia@rivet.example,90,,,,,\n\
         olli@kauppa.example,60,,,,,\n\
         mika@turbine.example,30,,,,,\n\
         ,0,,,,,\n"
    );
}

/// The other output rules hold: delimiter, decimal comma, `excel_safe`,
/// the byte-order mark; an input cell is quoted when the output's
/// delimiter is in it.
#[test]
fn delimiter_decimal_excel_safe_and_bom_hold() {
    let wd = wd();
    wd.write("leads.csv", LEADS.replace("Tuesdays", "Tue; Wed").replace(",yes,\n", ",yes,-x\n"));
    wd.write("rules.toml", RULES.replace("points = 30", "points = 30.5"));
    let out = assign(
        &wd,
        &[
            "output.delimiter=;",
            "output.decimal=,",
            "output.excel_safe=true",
            "output.bom=true",
            "output.rows=all",
            "output.columns=[\"Record ID\", \"Notes\", \"@score\", \"@rep\"]",
            "output.rename={ \"@score\" = \"=Score\" }",
        ],
    );
    assert_eq!(
        out,
        "\u{feff}Record ID;Notes;'=Score;rep\n\
         101;'-x;90,5;Brent\n\
         104;'-x;90,5;Brent\n\
         102;\"says \"\"call me\"\", Tue; Wed\";60;Matti\n\
         103;'=HYPERLINK();30,5;\n\
         105;;0;\n"
    );
}

/// A row of one column that is empty is written `""`: an empty line would
/// be no row at all to a CSV reader.
#[test]
fn a_lone_empty_cell_is_quoted() {
    let wd = wd();
    assert_eq!(
        assign(&wd, &["output.rows=all", "output.columns=[\"@rep.crm_id\"]", "output.rename={}"]),
        "rep.crm_id\n0055g00000AbCdE\n0055g00000AbCdE\n\"\"\n\"\"\n\"\"\n"
    );
}

/// `--set` replaces `rename` or `fields` whole, or sets one entry.
#[test]
fn set_reaches_every_new_key() {
    let wd = wd();
    assert_eq!(
        assign(
            &wd,
            &[
                "output.columns=[\"Email\", \"@rep.email\"]",
                "output.rename={}",
                "output.rename.\"@rep.email\"=Owner",
                "reps.Matti.fields.email=matti@crm.example",
                "output.rows=new",
            ],
        ),
        "Email,Owner\nanna@airframe.example,brent@example.fi\npia@rivet.example,brent@example.fi\n\
         olli@kauppa.example,matti@crm.example\n"
    );
    assert_eq!(
        assign(&wd, &["output.rename={}", "reps.Brent.fields={ email = \"b@x.example\" }"]),
        "Email,rep.email,stage\nanna@airframe.example,b@x.example,sql\npia@rivet.example,b@x.example,sql\n\
         olli@kauppa.example,matti@example.fi,sql\n"
    );
}

/// `explain` shows the lead's row as the CSV writes it, or that `rows`
/// leaves it out.
#[test]
fn explain_shows_the_output_row() {
    let wd = wd();
    let run = wd.run(&["explain", "-r", "rules.toml", "--as-of", "2026-11-01", "--id", "102", "leads.csv"]);
    run.code(0);
    assert!(
        run.stdout.ends_with(
            "output row, as the CSV writes it ([output] rows = \"assigned\"):\n\
             Email,Contact owner,Lead status\nolli@kauppa.example,matti@example.fi,sql\n"
        ),
        "{}",
        run.stdout
    );
    let run = wd.run(&["explain", "-r", "rules.toml", "--as-of", "2026-11-01", "--id", "103", "leads.csv"]);
    run.code(0).stdout_has("output row: not written: [output] rows = \"assigned\" takes only leads with a rep\n");
}

#[test]
fn an_unknown_own_column_is_a_rules_error_with_a_suggestion() {
    let wd = wd();
    assert_eq!(
        rules_error(&wd, &["output.columns=[\"Email\", \"@scroe\"]", "output.rename={}"]),
        "leadroute: error: rules.toml: --set 'output.columns=[\"Email\", \"@scroe\"]': unknown column '@scroe' in \
         [output] columns (did you mean '@score'?): a name starting with '@' is one of leadroute's (@score, @fit, \
         @engagement, @stage, @grade, @team, @rep, @reason, @line, @assigned_at, @rep.KEY); an input column is \
         named without '@'"
    );
    wd.write("rules.toml", RULES.replace("\"@stage\"]", "\"@grade\"]").replace(", \"@stage\" = \"Lead status\"", ""));
    assert_eq!(
        rules_error(&wd, &[]),
        "leadroute: error: rules.toml:7:35: '@grade' in [output] columns needs [grades] (the bands a lead's grade \
         comes from); add [grades], or remove '@grade'"
    );
}

#[test]
fn a_rep_field_no_rep_has_is_a_rules_error() {
    let wd = wd();
    wd.write("rules.toml", RULES.replace("\"@rep.email\", \"@stage\"]", "\"@rep.emial\", \"@stage\"]"));
    assert_eq!(
        rules_error(&wd, &["output.rename={}"]),
        "leadroute: error: rules.toml:7:21: '@rep.emial' in [output] columns: no rep has the field 'emial' (did \
         you mean '@rep.email'?) (the reps' fields: 'crm_id', 'email'); give the reps it in [[reps]], e.g. fields = \
         { emial = \"...\" }"
    );
}

#[test]
fn two_columns_with_one_header_are_a_rules_error() {
    let wd = wd();
    wd.write("rules.toml", RULES.replace("\"@stage\" = \"Lead status\"", "\"@stage\" = \"EMAIL \""));
    assert_eq!(
        rules_error(&wd, &[]),
        "leadroute: error: rules.toml:8:55: two columns of [output] columns would both be headed 'EMAIL ' ('Email' \
         and '@stage'); give one its own header with [output] rename = { \"@stage\" = \"...\" }"
    );
    assert_eq!(
        rules_error(&wd, &["output.columns=[\"Email\", \"@rep\", \"Email\"]", "output.rename={}"]),
        "leadroute: error: rules.toml: --set 'output.columns=[\"Email\", \"@rep\", \"Email\"]': 'Email' is listed \
         twice in [output] columns; list it once"
    );
    // An input column and one of leadroute's: the prefix tells them apart.
    wd.write("leads.csv", LEADS.replace("Notes", "score"));
    assert!(
        rules_error(&wd, &["output.columns=[\"score\", \"@score\"]", "output.rename={}"])
            .contains("would both be headed 'score' ('score' and '@score')")
    );
    assign(&wd, &["output.columns=[\"score\", \"@score\"]", "output.rename={}", "output.prefix=lr_"]);
}

#[test]
fn a_rename_of_a_column_not_listed_is_a_rules_error() {
    let wd = wd();
    wd.write("rules.toml", RULES.replace("\"@stage\" = \"Lead status\"", "\"@stgae\" = \"Lead status\""));
    assert_eq!(
        rules_error(&wd, &[]),
        "leadroute: error: rules.toml:8:44: 'rename' in [output] renames '@stgae', which is not in [output] columns \
         (did you mean '@stage'?); rename names a column as 'columns' writes it (columns: 'Email', '@rep.email', \
         '@stage')"
    );
    wd.write("rules.toml", RULES.replace("columns = [\"Email\", \"@rep.email\", \"@stage\"]\n", ""));
    assert_eq!(
        rules_error(&wd, &[]),
        "leadroute: error: rules.toml:7:12: 'rename' in [output] renames '@rep.email', but [output] has no \
         'columns': rename gives headers to the columns it lists; list them, e.g. columns = [\"Email\", \"@rep\"]"
    );
}

#[test]
fn fields_that_are_not_strings_are_a_rules_error() {
    let wd = wd();
    wd.write("rules.toml", RULES.replace("email = \"matti@example.fi\"", "email = 358401234567"));
    assert_eq!(
        rules_error(&wd, &[]),
        "leadroute: error: rules.toml:42:20: 'fields' in [[reps]] 'Matti' must be a table of strings: 'email' is \
         an integer (quote it)"
    );
    wd.write("rules.toml", RULES.replace("email = \"matti@example.fi\"", "crm.id = \"x\""));
    assert_eq!(
        rules_error(&wd, &[]),
        "leadroute: error: rules.toml:42:12: 'fields' in [[reps]] 'Matti' must be a table of strings: 'crm' holds \
         a table; a key with a dot in it is quoted, as in { \"crm.…\" = \"value\" }"
    );
    wd.write("rules.toml", RULES.replace("fields = { email = \"matti@example.fi\" }", "fields = \"matti\""));
    assert_eq!(
        rules_error(&wd, &[]),
        "leadroute: error: rules.toml:42:10: 'fields' in [[reps]] 'Matti' must be a table of strings, e.g. fields = \
         { name = \"value\" }, found a string"
    );
}

#[test]
fn empty_columns_a_bad_rows_value_and_a_long_set_path_are_rules_errors() {
    let wd = wd();
    wd.write("rules.toml", RULES.replace("columns = [\"Email\", \"@rep.email\", \"@stage\"]", "columns = []"));
    assert_eq!(
        rules_error(&wd, &["output.rename={}"]),
        "leadroute: error: rules.toml:7:11: 'columns' in [output] is empty: list the CSV's columns, e.g. columns = \
         [\"Email\", \"@rep\"], or leave 'columns' out for every input column and leadroute's"
    );
    assert_eq!(
        rules_error(&wd, &["output.rows=assinged"]),
        "leadroute: error: rules.toml: --set 'output.rows=assinged': 'rows' in [output] must be \"all\", \
         \"assigned\" or \"new\", found \"assinged\" (did you mean 'assigned'?)"
    );
    assert_eq!(
        rules_error(&wd, &["output.rename.@rep.email=Owner"]),
        "leadroute: error: rules.toml: --set 'output.rename.@rep.email=Owner': 'rename' takes one more part, the name of an \
         entry: quote a name with a dot in it, as in output.rename.\"@rep.email\"=VALUE"
    );
}

/// `@assigned_at` needs a ledger: without one `assign` stops before reading
/// the export (exit 2).
#[test]
fn assigned_at_without_a_ledger_is_a_rules_error() {
    let wd = wd();
    wd.write(
        "rules.toml",
        RULES.replace("\"@stage\"]", "\"@assigned_at\"]").replace(", \"@stage\" = \"Lead status\"", ""),
    );
    assert_eq!(
        rules_error(&wd, &[]),
        "leadroute: error: rules.toml:7:35: '@assigned_at' in [output] columns is the time of a lead's latest \
         assignment, which only a ledger keeps: run assign with --ledger FILE, or remove '@assigned_at'"
    );
}

/// An input column the export lacks: exit 1, with the header listed, as
/// for a rules column; nothing written.
#[test]
fn an_input_column_the_export_lacks_fails_listing_the_header() {
    let wd = wd();
    wd.write("out.csv", "yesterday\n");
    wd.run(&[
        "assign",
        "-r",
        "rules.toml",
        "--as-of",
        "2026-11-01",
        "-q",
        "-o",
        "out.csv",
        "--set",
        "output.columns=[\"Emial\", \"@rep\"]",
        "--set",
        "output.rename={}",
        "leads.csv",
    ])
    .code(1)
    .stderr_has(
        "leadroute: error: leads.csv:1: no column 'Emial' ([output] columns) (did you mean 'Email'?); the header \
         has: Record ID, Email, Company, Industry, Demo Requested, Notes",
    );
    assert_eq!(wd.read("out.csv"), "yesterday\n");
    wd.run(&[
        "check",
        "-r",
        "rules.toml",
        "--set",
        "output.columns=[\"Emial\"]",
        "--set",
        "output.rename={}",
        "leads.csv",
    ])
    .code(1)
    .stderr_has("no column 'Emial' ([output] columns)");
}

/// One value from the ledger `l.db`.
fn ledger_value(wd: &Workdir, query: &str) -> Option<i64> {
    let conn = rusqlite::Connection::open(wd.path("l.db")).ok()?;
    conn.query_row(query, [], |r| r.get(0)).ok()
}

/// `assign --ledger l.db` at `clock` with `sets`, the CSV to `out`.
fn assign_at(wd: &Workdir, clock: &str, out: &str, sets: &[&str]) -> String {
    let mut args = vec!["assign", "-r", "rules.toml", "--as-of", clock, "-q", "--ledger", "l.db", "-o", out];
    for s in sets {
        args.extend(["--set", s]);
    }
    args.push("leads.csv");
    wd.run(&args).code(0);
    wd.read(out)
}

/// `@assigned_at`: the clock of the run that gave the lead its rep, in UTC;
/// empty without a rep. `score` writes it empty without a ledger.
#[test]
fn assigned_at_is_the_time_of_the_latest_assignment() {
    let wd = wd();
    let cols = "output.columns=[\"Record ID\", \"@rep\", \"@reason\", \"@assigned_at\"]";
    wd.write("leads.csv", LEADS.replace("104,pia@rivet.example,Rivet Oy,Aerospace,yes,\n", ""));
    let first = assign_at(&wd, "2026-11-03T11:05+02:00", "1.csv", &[cols, "output.rename={}", "output.rows=all"]);
    assert_eq!(
        first,
        "Record ID,rep,reason,assigned_at\n101,Brent,expertise,2026-11-03T09:05:00Z\n\
         102,Matti,balanced,2026-11-03T09:05:00Z\n103,,no_team,\n105,,no_team,\n"
    );
    wd.write("leads.csv", LEADS);
    let second = assign_at(&wd, "2026-11-03T09:10Z", "2.csv", &[cols, "output.rename={}", "output.rows=all"]);
    assert_eq!(
        second,
        "Record ID,rep,reason,assigned_at\n101,Brent,assigned_before,2026-11-03T09:05:00Z\n\
         104,Brent,expertise,2026-11-03T09:10:00Z\n102,Matti,assigned_before,2026-11-03T09:05:00Z\n\
         103,,no_team,\n105,,no_team,\n"
    );
}

/// `rows = "new"` writes the leads of a run that was recorded but never
/// delivered (killed between its ledger commit and its renames), once: the
/// next run marks itself, and them, delivered.
#[cfg(unix)]
#[test]
fn new_rows_bring_back_the_leads_of_a_run_killed_before_its_renames() {
    let wd = wd();
    let new = ["output.rows=new", "output.columns=[\"Record ID\", \"@rep.email\", \"@reason\"]", "output.rename={}"];
    wd.write("leads.csv", LEADS.replace("104,pia@rivet.example,Rivet Oy,Aerospace,yes,\n", ""));
    let mut args = vec!["assign", "-r", "rules.toml", "--as-of", "2026-11-03T09:05Z", "-q", "--ledger", "l.db"];
    for s in new {
        args.extend(["--set", s]);
    }
    args.extend(["-o", "1.csv", "leads.csv"]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_leadroute"))
        .current_dir(wd.path(""))
        .env("LEADROUTE_FAULT", "before-renames=10000")
        .args(&args)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // Killed once its run is recorded, before any output is renamed into place.
    let recorded = (0..1000).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(10));
        ledger_value(&wd, "SELECT count(*) FROM runs") == Some(1)
    });
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert!(recorded, "the run was never recorded");
    assert!(!wd.exists("1.csv"), "the killed run's output is not in place");
    assert_eq!(ledger_value(&wd, "SELECT delivered FROM runs WHERE run = 1"), Some(0));
    // The next run (104 is new) writes run 1's leads too, as assigned_before.
    wd.write("leads.csv", LEADS);
    assert_eq!(
        assign_at(&wd, "2026-11-03T09:10Z", "2.csv", &new),
        "Record ID,rep.email,reason\n101,brent@example.fi,assigned_before\n104,brent@example.fi,expertise\n\
         102,matti@example.fi,assigned_before\n"
    );
    // Run 2 wrote every lead of run 1: both are delivered now, and a third
    // run writes neither again.
    assert_eq!(ledger_value(&wd, "SELECT sum(delivered) FROM runs"), Some(2));
    assert_eq!(assign_at(&wd, "2026-11-03T09:15Z", "3.csv", &new), "Record ID,rep.email,reason\n");
}

/// A run that wrote only some leads of an undelivered run (the others are
/// not in its export) leaves that run undelivered: its other leads are
/// written when an export holds them again, never lost.
#[test]
fn an_undelivered_run_stays_so_until_every_lead_of_it_is_written() {
    let wd = wd();
    let new = ["output.rows=new", "output.columns=[\"Record ID\", \"@reason\"]", "output.rename={}"];
    assign_at(&wd, "2026-11-03T09:05Z", "1.csv", &new);
    let conn = rusqlite::Connection::open(wd.path("l.db")).expect("ledger");
    conn.execute("UPDATE runs SET delivered = 0", []).expect("undelivered");
    drop(conn);
    wd.write("leads.csv", LEADS.replace("101,anna@airframe.example,Airframe Oy,Aerospace,yes,\n", ""));
    assert_eq!(
        assign_at(&wd, "2026-11-03T09:10Z", "2.csv", &new),
        "Record ID,reason\n104,assigned_before\n102,assigned_before\n"
    );
    assert_eq!(ledger_value(&wd, "SELECT delivered FROM runs WHERE run = 1"), Some(0));
    wd.write("leads.csv", LEADS);
    assert_eq!(
        assign_at(&wd, "2026-11-03T09:15Z", "3.csv", &new),
        "Record ID,reason\n101,assigned_before\n104,assigned_before\n102,assigned_before\n"
    );
    assert_eq!(ledger_value(&wd, "SELECT delivered FROM runs WHERE run = 1"), Some(1));
    assert_eq!(assign_at(&wd, "2026-11-03T09:20Z", "4.csv", &new), "Record ID,reason\n");
}
