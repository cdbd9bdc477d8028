//! `leadroute response` (docs/reference.md §11.6): speed to lead from the ledger and an
//! export, worked by hand. Rules: an SQL must be worked within 30 minutes (the
//! SLA tests' rules, UTC, every minute counts).

use crate::sla::{RULES, assign, leads};
use crate::workdir::Workdir;

/// Run 1 at 10:00: X1 Aino, X2 Bertil, X3 Cecilia, X4 Aino. Run 2 at 10:45:
/// X1 touched 10:05 (stays), X2 touched 09:50 (before it was given out:
/// someone else's, so not worked: it moves to Cecilia), X3 touched 10:30,
/// X4 never (it moves to Bertil).
fn two_runs() -> Workdir {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES.replace("[input]", "[input]\n# outcome: won"));
    wd.write("leads.csv", leads(&[("X1", 9, "", "a"), ("X2", 8, "", "b"), ("X3", 7, "", "c"), ("X4", 6, "", "d")]));
    assign(&wd, "2026-11-03T10:00Z", &["-q"]).code(0);
    wd.write(
        "leads.csv",
        leads(&[
            ("X1", 9, "2026-11-03T10:05Z", "a"),
            ("X2", 8, "2026-11-03T09:50Z", "b"),
            ("X3", 7, "2026-11-03T10:30Z", "c"),
            ("X4", 6, "", "d"),
        ]),
    );
    assign(&wd, "2026-11-03T10:45Z", &["-q"]).code(0);
    wd
}

#[test]
fn response_times_and_the_speed_to_lead_curve_by_hand() {
    let wd = two_runs();
    // The export an analyst has at 12:00: touches and outcomes.
    wd.write(
        "final.csv",
        "id,pts,first_contacted,created,company,won\n\
         X1,9,2026-11-03T10:05Z,2026-11-03T09:00Z,a,yes\n\
         X2,8,2026-11-03T11:00Z,2026-11-03T09:00Z,b,no\n\
         X3,7,2026-11-03T10:30Z,2026-11-03T09:00Z,c,yes\n\
         X4,6,,2026-11-03T09:00Z,d,no\n",
    );
    let run = wd.run(&[
        "response",
        "-r",
        "rules.toml",
        "--ledger",
        "led.db",
        "--as-of",
        "2026-11-03T12:00Z",
        "--outcome",
        "won",
        "--summary-json",
        "r.json",
        "--report",
        "r.html",
        "final.csv",
    ]);
    run.code(0).stdout_has("leadroute response: 4 leads, 6 assignments from 2026-10-05 to 2026-11-03T12:00:00Z");
    let j: serde_json::Value = serde_json::from_str(&wd.read("r.json")).unwrap();
    // Aino: X1 worked after 5 minutes, X4 not by 10:45 (missed, moved).
    // Bertil: X2 not worked while he held it (10:00-10:45): missed; X4 from
    // 10:45, not touched by 12:00 (75 minutes): missed.
    // Cecilia: X3 after 30 minutes (exactly the SLA: within), X2 from 10:45,
    // touched 11:00: 15 minutes.
    let rep = |i: usize, key: &str| j["reps"][i][key].clone();
    let names: Vec<&str> = (0..3).map(|i| j["reps"][i]["rep"].as_str().unwrap()).collect();
    assert_eq!(names, ["Aino", "Bertil", "Cecilia"]);
    assert_eq!([rep(0, "assigned"), rep(0, "worked"), rep(0, "missed")], [2, 1, 1]);
    assert_eq!([rep(0, "median_minutes"), rep(0, "p90_minutes"), rep(0, "within_sla")], [5, 5, 1]);
    assert_eq!([rep(1, "assigned"), rep(1, "worked"), rep(1, "missed")], [2, 0, 2]);
    assert_eq!(rep(1, "median_minutes"), serde_json::Value::Null);
    assert_eq!([rep(2, "assigned"), rep(2, "worked"), rep(2, "missed")], [2, 2, 0]);
    // Nearest rank of [15, 30]: the median is the 1st, the 90th percentile the 2nd.
    assert_eq!([rep(2, "median_minutes"), rep(2, "p90_minutes"), rep(2, "median_wall_minutes")], [15, 30, 15]);
    assert_eq!(rep(2, "within_sla_share"), 1.0);
    assert_eq!([j["teams"][0]["assigned"].clone(), j["teams"][0]["worked"].clone()], [6, 3]);
    // The curve: X1 5 minutes after its first assignment (the bound is
    // inclusive: "≤ 5 min"), X3 30 ("≤ 30 min"), X2 60 from Bertil's
    // assignment ("≤ 1 h"), X4 never.
    let c = &j["conversion"];
    let bucket = |i: usize| (c[i]["bucket"].as_str().unwrap(), c[i]["leads"].as_u64(), c[i]["converted"].as_u64());
    assert_eq!(bucket(0), ("≤ 5 min", Some(1), Some(1)));
    assert_eq!(bucket(1), ("≤ 30 min", Some(1), Some(1)));
    assert_eq!(bucket(2), ("≤ 1 h", Some(1), Some(0)));
    assert_eq!(bucket(6), ("never worked", Some(1), Some(0)));
    assert_eq!(c[0]["rate"], 1.0);
    assert_eq!(c[0]["few"], true);
    assert_eq!(c[0]["max_minutes"], 5);
    // The page: its headline says the table's figures, and nothing runs.
    let page = wd.read("r.html");
    assert!(
        page.contains(
            "Leads first touched ≤ 5 min after assignment converted at 100%, against 0% for those touched ≤ 1 h; 3 of \
             6 assignments were worked while their rep held them; the fastest median, 5 working minutes, is Aino&#39;s."
        ),
        "{page}"
    );
    assert!(!page.contains("<script") && page.contains("<svg"));
    // The ledger was only read.
    let before = std::fs::read(wd.path("led.db")).unwrap();
    wd.run(&["response", "-r", "rules.toml", "--ledger", "led.db", "--as-of", "2026-11-03T12:00Z", "final.csv"])
        .code(0)
        .stdout_has("| Cecilia | sales |        2 |      2 |");
    assert_eq!(std::fs::read(wd.path("led.db")).unwrap(), before);
}

#[test]
fn response_covers_since_and_says_what_it_needs() {
    let wd = two_runs();
    // --since after the runs: nothing covered, said on standard error.
    let run = wd.run(&[
        "response",
        "-r",
        "rules.toml",
        "--ledger",
        "led.db",
        "--as-of",
        "2026-11-05T12:00Z",
        "--since",
        "2026-11-04",
        "leads.csv",
    ]);
    run.code(0).stdout_has("0 leads, 0 assignments").stderr_has("no lead of leads.csv has an assignment");
    wd.run(&["response", "-r", "rules.toml", "--ledger", "led.db", "--since", "yesterday", "leads.csv"])
        .code(2)
        .stderr_has("--since 'yesterday'");
    wd.write("plain.toml", RULES.replace("touched = \"first_contacted\"\n", "").replace("sla_minutes = 30\n", ""));
    wd.run(&["response", "-r", "plain.toml", "--ledger", "led.db", "leads.csv"])
        .code(2)
        .stderr_has("`response` needs [input] touched");
    wd.run(&["response", "-r", "rules.toml", "--ledger", "none.db", "leads.csv"]).code(1).stderr_has("none.db");
    assert!(!wd.exists("none.db"));
}
