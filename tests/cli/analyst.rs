//! The analyst commands: explain, compare, score --outcome.

use crate::fixtures::{HEADER, LEADS, RULES};
use crate::workdir::{Workdir, column};

fn with_outcome() -> String {
    let mut out = format!("{HEADER},Won\n");
    for (i, line) in LEADS.lines().skip(1).enumerate() {
        out.push_str(&format!("{line},{}\n", ["yes", "0", "Converted", "", "no", "1", "n", "WON"][i % 8]));
    }
    out
}

#[test]
fn explain_tells_one_leads_story() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    let run = wd.run(&["explain", "-r", "rules.toml", "--as-of", "2026-11-01", "--id", "A1", "leads.csv"]);
    run.code(0);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn explain_unknown_id_suggests_close_ones() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    wd.run(&["explain", "-r", "rules.toml", "--id", "A10", "leads.csv"])
        .code(1)
        .stderr_has("no well-formed row has id 'A10'")
        .stderr_has("close ids: A1");
}

/// For every lead of a small export, explain's routing result is what assign wrote.
#[test]
fn explain_routing_matches_assign_for_every_lead() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS).write("owners.csv", "account,rep\nMetso,Olli\n");
    wd.run(&[
        "assign",
        "-r",
        "rules.toml",
        "--as-of",
        "2026-11-01",
        "--owners",
        "owners.csv",
        "-q",
        "-o",
        "out.csv",
        "leads.csv",
    ])
    .code(0);
    let rows = wd.csv("out.csv");
    let (ids, teams, reps, reasons) =
        (column(&rows, "Lead ID"), column(&rows, "team"), column(&rows, "rep"), column(&rows, "reason"));
    for i in 0..ids.len() {
        let run = wd.run(&[
            "explain",
            "-r",
            "rules.toml",
            "--as-of",
            "2026-11-01",
            "--owners",
            "owners.csv",
            "--id",
            &ids[i],
            "leads.csv",
        ]);
        run.code(0);
        let dash = |s: &str| {
            if s.is_empty() { "-".to_string() } else { s.to_string() }
        };
        let want = format!("result: team {}, rep {}, reason {}", dash(&teams[i]), dash(&reps[i]), reasons[i]);
        run.stdout_has(&want);
        run.stdout_has(&format!("rank {} of 8", i + 1));
    }
}

#[test]
fn score_outcome_reports_conversion_per_stage_decile_and_threshold() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", with_outcome());
    let run = wd.run(&[
        "score",
        "-r",
        "rules.toml",
        "--as-of",
        "2026-11-01",
        "--outcome",
        "won",
        "-o",
        "out.csv",
        "--summary-json",
        "s.json",
        "leads.csv",
    ]);
    run.code(0);
    let s: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
    let c = &s["calibration"];
    // Outcomes in rank order: A8 WON, A1 yes, A4 "", A7 n, A2 0, A5 no, A6 1, A3 Converted.
    assert_eq!(c["leads"], 8);
    assert_eq!(c["converted"], 4);
    assert_eq!(c["rate"], 0.5);
    let sql = c["stages"].as_array().unwrap().iter().find(|x| x["stage"] == "sql").unwrap();
    assert_eq!((sql["leads"].as_u64(), sql["converted"].as_u64()), (Some(2), Some(2)));
    let th = c["thresholds"].as_array().unwrap();
    assert_eq!(th[0]["stage"], "mql");
    // At or above mql: A8, A1, A7, A2, A5 = 5 leads, 2 converted.
    assert_eq!((th[0]["leads"].as_u64(), th[0]["converted"].as_u64()), (Some(5), Some(2)));
    assert_eq!(th[0]["recall"], 0.5);
    assert_eq!(th[0]["precision"], 0.4);
    assert_eq!(th[1]["recall"], 0.5);
    assert_eq!(th[1]["precision"], 1.0);
    assert_eq!(c["deciles"].as_array().unwrap().len(), 8, "8 leads: one per non-empty decile");
    assert_eq!(c["deciles"][0]["max_score"], 69.5);
    insta::assert_snapshot!(crate::snapshots::redact_timing(&run.stdout));
}

#[test]
fn compare_transition_matrix_and_diffs() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", with_outcome());
    let run = wd.run(&[
        "compare",
        "-r",
        "rules.toml",
        "--as-of",
        "2026-11-01",
        "--set",
        "stages.sql.min_score=65",
        "--set",
        "reps.Brent.active=false",
        "--outcome",
        "Won",
        "--summary-json",
        "c.json",
        "leads.csv",
    ]);
    run.code(0);
    let c: serde_json::Value = serde_json::from_str(&wd.read("c.json")).unwrap();
    let m: Vec<Vec<u64>> = serde_json::from_value(c["matrix"].clone()).unwrap();
    assert_eq!(m.iter().flatten().sum::<u64>(), 8, "the matrix sums to the well-formed rows");
    // A1 (63.5) drops from sql to mql; nothing else moves.
    assert_eq!(c["stage_changed"], 1);
    assert_eq!(m[2][1], 1);
    let brent = c["reps"].as_array().unwrap().iter().find(|r| r["name"] == "Brent").unwrap();
    assert_eq!(
        (brent["base"].as_i64(), brent["candidate"].as_i64(), brent["difference"].as_i64()),
        (Some(2), Some(0), Some(-2))
    );
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn compare_needs_a_candidate_and_the_matrix_sums_on_generated_data() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    wd.run(&["compare", "-r", "rules.toml", "leads.csv"]).code(2).stderr_has("--candidate");
    let mut big = format!("{HEADER}\n");
    for i in 0..500 {
        big.push_str(&format!(
            "G{i},Co{},Director,Logistics,FI,{},x@y.example,{},{},Product,2026-10-{:02},2026-01-01\n",
            i % 17,
            i * 7 % 900,
            i % 40,
            if i % 3 == 0 { "yes" } else { "no" },
            i % 28 + 1
        ));
    }
    wd.write("big.csv", big).write("cand.toml", RULES.replace("min_score = 25", "min_score = 30"));
    wd.run(&[
        "compare",
        "-r",
        "rules.toml",
        "--candidate",
        "cand.toml",
        "--as-of",
        "2026-11-01",
        "--summary-json",
        "c.json",
        "big.csv",
    ])
    .code(0);
    let c: serde_json::Value = serde_json::from_str(&wd.read("c.json")).unwrap();
    let m: Vec<Vec<u64>> = serde_json::from_value(c["matrix"].clone()).unwrap();
    assert_eq!(m.iter().flatten().sum::<u64>(), 500);
    assert_eq!(c["leads"], 500);
}

/// The cells of an `explain` table's column, per row: a row starts on a line
/// whose `group` (column 2) is set; its wrapped pieces joined by spaces.
fn table_column(out: &str, header: &str, col: usize) -> Vec<String> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let lines = out.lines().skip_while(|l| !l.starts_with(header)).skip(2).take_while(|l| l.starts_with('|'));
    for line in lines {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if !cells[2].is_empty() {
            rows.push(Vec::new());
        }
        if let Some(row) = rows.last_mut().filter(|_| !cells[col].is_empty()) {
            row.push(cells[col].to_string());
        }
    }
    rows.into_iter().map(|r| r.join(" ")).collect()
}

/// `explain` fits a 100-column terminal: long cells and names wrap at
/// spaces within their column, never inside a word (a cell is shown up to 120
/// characters, an id up to 24, then `…`), long lines wrap; `--wide` shows
/// everything whole.
#[test]
fn explain_fits_100_columns_and_wide_shows_long_cells_whole() {
    let title_column = "Title of the person as the CRM recorded it when the lead first filled in the form";
    let title = format!("Head of Logistics{}", " and of many more things besides".repeat(12));
    let id = format!("A1-{}", "0123456789".repeat(13));
    let senior = "senior people who can sign a purchase order of any size without asking anyone at all";
    let team = "product sales for the Nordic and Baltic countries, large accounts only";
    let mut rules = RULES
        .replace("column = \"Title\"", &format!("column = \"{title_column}\""))
        .replace("name = \"senior\"", &format!("name = \"{senior}\""))
        .replace("name = \"product\"", &format!("name = \"{team}\""))
        .replace("team = \"product\"", &format!("team = \"{team}\""))
        .replace("capacity = 2\n", "capacity = 20\n");
    for i in 0..12 {
        rules.push_str(&format!("\n[[reps]]\nname = \"Rep number {i} of the big team\"\nteam = \"{team}\"\n"));
    }
    let leads = LEADS.replacen("Title", title_column, 1).replacen(
        "A1,Posti,Head of Logistics",
        &format!("{id},Posti,{title}"),
        1,
    );
    let wd = Workdir::new();
    wd.write("rules.toml", &rules).write("leads.csv", &leads);
    let explain = |extra: &[&str]| {
        let args = [&["explain", "-r", "rules.toml", "--as-of", "2026-11-01", "--id", &id][..], extra, &["leads.csv"]];
        let run = wd.run(&args.concat());
        run.code(0);
        run.stdout.clone()
    };
    let out = explain(&[]);
    for line in out.lines() {
        assert!(line.chars().count() <= 100, "a line of {} characters:\n{line}\n\n{out}", line.chars().count());
    }
    assert!(out.contains("lead A1-012345678901234567890… (leads.csv line 2)"), "the id shortened:\n{out}");
    // Joined again, the wrapped pieces are the texts (or their first 120
    // characters): no word was broken.
    let header = "| criterion ";
    let first_120 = format!("{}…", title.chars().take(120).collect::<String>());
    assert_eq!(table_column(&out, header, 4)[..3], [first_120.as_str(); 3], "{out}");
    assert_eq!(table_column(&out, header, 1)[0], senior, "{out}");
    assert_eq!(table_column(&out, header, 3)[0], title_column, "{out}");
    assert_eq!(table_column(&out, header, 3)[8], "Last Activity", "{out}");
    assert!(out.contains("candidates: Brent (prefer 0, load 1/1), Liisa (prefer 0, load 0/1), Rep number 0"), "{out}");
    assert!(out.contains("result: team product sales for the Nordic"), "{out}");

    let wide = explain(&["--wide"]);
    assert!(wide.contains(&format!("| {title} |")), "--wide shows the cell whole:\n{wide}");
    assert!(wide.contains(&format!("lead {id} (leads.csv line 2)")), "{wide}");
    assert!(wide.contains(&format!("| {senior} |")), "{wide}");
    assert!(wide.lines().any(|l| l.chars().count() > 400), "{wide}");
}

const ROTATION_RULES: &str = r#"[input]
id = "id"
account = "co"

[[criteria]]
name = "v"
column = "v"
per = 1
points = 1

[[stages]]
name = "lead"
[[stages]]
name = "hot"
min_score = 5

[[teams]]
name = "hot desk"
stages = ["hot"]
[[teams]]
name = "nurture"
stages = ["lead"]

[[reps]]
name = "Ann"
team = "hot desk"
[[reps]]
name = "Bob"
team = "hot desk"
[[reps]]
name = "Cy"
team = "nurture"
"#;

const ROTATION_LEADS: &str =
    "id,co,v,b\nL1,One,9,y\nL2,Acme,6,n\nL3,Three,5,n\nL4,Four,5,n\nL5,Five,1,n\nL7,Acme,5,n\n";

fn warning_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("leadroute: warning: ")).collect()
}

/// `compare` splits the leads that change rep: those whose stage, team or
/// owner changed, and those that only changed places in the rotation.
///
/// By hand, in rank order (score, then input order): under RULES L1 (9) Ann,
/// L2 (6) Bob (Acme's owner from now on), L3 (5) Ann, L4 (5) Bob, L7 (5, Acme)
/// Bob as the account's owner; L5 (1) is a lead: Cy. The candidate
/// disqualifies L1 (no team takes it), so L2 goes to Ann (and makes her Acme's
/// owner), L3 to Bob, L4 to Ann, L7 to Ann as the owner. Five leads change
/// rep: L1 (stage) and L7 (owner), and L2, L3, L4 (same stage and team, only
/// their turn).
#[test]
fn compare_splits_rep_changes_into_moves_and_rotation() {
    let cand = ROTATION_RULES.replacen(
        "[[stages]]",
        "[[criteria]]\nname = \"blocked\"\ncolumn = \"b\"\nequals = \"y\"\ndisqualify = true\n\n[[stages]]",
        1,
    );
    let wd = Workdir::new();
    wd.write("rules.toml", ROTATION_RULES).write("cand.toml", cand).write("leads.csv", ROTATION_LEADS);
    let args = ["compare", "-r", "rules.toml", "--candidate", "cand.toml", "--summary-json", "c.json"];
    let run = wd.run(&[&args[..], &["--report", "c.html", "leads.csv"]].concat());
    run.code(0).stdout_has(
        "1 leads change stage, 5 leads change rep: 2 because their stage, team or owner changed, 3 only their \
         place in the rotation (same stage and team)\n",
    );
    let c: serde_json::Value = serde_json::from_str(&wd.read("c.json")).unwrap();
    assert_eq!(
        (&c["rep_changed"], &c["rep_changed_by_stage_team_or_owner"], &c["rep_changed_in_rotation"]),
        (&serde_json::json!(5), &serde_json::json!(2), &serde_json::json!(3))
    );
    let html = wd.read("c.html");
    assert!(html.contains("<td>… only their place in the rotation (same stage and team)</td><td class=\"n\">3</td>"));
    assert!(html.contains("<td>… because their stage, team or owner changed</td><td class=\"n\">2</td>"));
    // docs/reference.md §8.3: a stage with leads under one rule set and none under the other is a warning.
    assert_eq!(
        warning_lines(&run.stderr),
        ["leadroute: warning: stage 'disqualified' holds 1 leads under cand.toml and none under rules.toml"]
    );
}

/// Review of #18: a lead that reached the same team but found no rep free
/// (`no_capacity`) under one rule set moved within the team's rotation, not
/// because its stage, team or owner changed. By hand, with Bob at capacity 0
/// and Ann at 2: L1 Ann, L2 Ann (was Bob), L3 and L4 no_capacity (were Ann,
/// Bob), L7 no_capacity (was Bob as Acme's owner: an owner change).
#[test]
fn a_lead_left_without_a_rep_by_capacity_changed_in_the_rotation() {
    let wd = Workdir::new();
    wd.write("rules.toml", ROTATION_RULES).write("leads.csv", ROTATION_LEADS);
    let args = ["compare", "-r", "rules.toml", "--set", "reps.Bob.capacity=0", "--set", "reps.Ann.capacity=2"];
    let run = wd.run(&[&args[..], &["leads.csv"]].concat());
    run.code(0).stdout_has(
        "0 leads change stage, 4 leads change rep: 1 because their stage, team or owner changed, 3 only their \
         place in the rotation (same stage and team)\n",
    );
}

/// docs/reference.md §8.3 (last sentence of the caps bullet): for any two rule sets, a
/// stage that holds leads under one and none under the other is a warning
/// line (exit 0), also when the other has no stage of that name.
#[test]
fn compare_warns_when_a_stage_empties() {
    let wd = Workdir::new();
    let renamed = ROTATION_RULES.replace("\"hot\"", "\"warm\"");
    wd.write("rules.toml", ROTATION_RULES).write("warm.toml", renamed).write("leads.csv", ROTATION_LEADS);
    let run = wd.run(&["compare", "-r", "rules.toml", "--set", "stages.hot.min_score=100", "leads.csv"]);
    run.code(0);
    assert_eq!(
        warning_lines(&run.stderr),
        ["leadroute: warning: stage 'hot' holds 5 leads under rules.toml and none under rules.toml with --set \
          stages.hot.min_score=100"]
    );
    let run = wd.run(&["compare", "-r", "rules.toml", "--candidate", "warm.toml", "leads.csv"]);
    run.code(0);
    assert_eq!(
        warning_lines(&run.stderr),
        [
            "leadroute: warning: stage 'hot' holds 5 leads under rules.toml and none under warm.toml (it has no stage 'hot')",
            "leadroute: warning: stage 'warm' holds 5 leads under warm.toml and none under rules.toml (it has no stage 'warm')",
        ]
    );
    // Nothing empties: no warning.
    let run = wd.run(&["compare", "-r", "rules.toml", "--set", "stages.hot.min_score=6", "leads.csv"]);
    run.code(0);
    assert!(warning_lines(&run.stderr).is_empty(), "{}", run.stderr);
}

/// `explain` wraps cells at spaces, never inside a word: on an export like X
/// Education's, the column 'Specialization' came out as 'Specializatio' and
/// 'n' on two lines.
#[test]
fn explain_wraps_cells_on_word_boundaries() {
    let rules = r#"[input]
id = "Prospect ID"
[[criteria]]
name = "working professional"
column = "What is your current occupation"
equals = "Working Professional"
points = 25
[[criteria]]
name = "chose a specialization"
column = "Specialization"
not_in = ["Select", ""]
points = 5
[[criteria]]
name = "business specialization"
column = "Specialization"
in = ["Marketing Management", "Banking, Investment And Insurance", "Healthcare Management", "Operations Management"]
points = 3
[[criteria]]
name = "time on site"
group = "engagement"
column = "Total Time Spent on Website"
per = 120
points = 3
max = 30
[[stages]]
name = "lead"
"#;
    let leads = "Prospect ID,What is your current occupation,Specialization,Total Time Spent on Website\n\
                 p1,Unemployed,\"Banking, Investment And Insurance\",674\n";
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", leads);
    let run = wd.run(&["explain", "-r", "rules.toml", "--id", "p1", "leads.csv"]);
    run.code(0);
    let out = &run.stdout;
    assert!(out.lines().all(|l| l.chars().count() <= 100), "{out}");
    let header = "| criterion ";
    assert_eq!(
        table_column(out, header, 1),
        ["working professional", "chose a specialization", "business specialization", "time on site"],
        "{out}"
    );
    assert_eq!(
        table_column(out, header, 3),
        ["What is your current occupation", "Specialization", "Specialization", "Total Time Spent on Website"],
        "{out}"
    );
    let cells = table_column(out, header, 4);
    assert_eq!(cells[1], "Banking, Investment And Insurance", "{out}");
    assert_eq!(
        table_column(out, header, 5)[2],
        "in [\"marketing management\", \"banking, investment and insurance\", \"healthcare management\", \
         \"operations management\"]",
        "{out}"
    );
}

const HUGE_RULES: &str = r#"[input]
id = "id"
[[criteria]]
name = "big"
column = "n"
per = 1
points = 1
[[criteria]]
name = "flag"
column = "f"
equals = "y"
points = 5
[[criteria]]
name = "neg"
group = "engagement"
column = "m"
per = 1
points = -1
[[stages]]
name = "lead"
[[stages]]
name = "hot"
min_score = 10
"#;

/// A fit beyond what a lead keeps (±21,474,836.47): `explain` shows the score
/// the CSV writes, and says the sum was clamped.
///
/// By hand: A's fit sums 1,000,000,000,000 + 5 points; a lead keeps
/// 2,147,483,647 hundredths, so the CSV writes fit and score 21474836.47.
#[test]
fn explain_shows_the_score_the_csv_writes_when_it_saturates() {
    let wd = Workdir::new();
    wd.write("rules.toml", HUGE_RULES).write("leads.csv", "id,n,f,m\nA,1000000000000,y,0\nB,3,y,0\n");
    wd.run(&["score", "-r", "rules.toml", "-q", "-o", "out.csv", "leads.csv"]).code(0);
    let rows = wd.csv("out.csv");
    assert_eq!((column(&rows, "score")[0].as_str(), column(&rows, "fit")[0].as_str()), ("21474836.47", "21474836.47"));
    let run = wd.run(&["explain", "-r", "rules.toml", "--wide", "--id", "A", "leads.csv"]);
    run.code(0)
        .stdout_has(
            "fit 21474836.47 (1000000000005 clamped to what a lead keeps, as the CSV writes it), engagement 0, \
             score 21474836.47\n",
        )
        .stdout_has("| hot   | min_score       | 21474836.47 (1000000000005 before clamping) |   ≥ 10 | yes   |");
    // A score that does not saturate is shown as it always was.
    wd.run(&["explain", "-r", "rules.toml", "--id", "B", "leads.csv"])
        .code(0)
        .stdout_has("fit 8, engagement 0, score 8\n")
        .stdout_has("| hot   | min_score       |     8 |   ≥ 10 | no    |");
}
