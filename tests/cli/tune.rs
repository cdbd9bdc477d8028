//! `leadroute tune` (docs/reference.md §8.2): the sweep of a stage's `min_score`, checked
//! against figures worked out by hand and against an independent computation
//! from `leadroute score` output.

use crate::workdir::{Run, Workdir, column, parse_csv};

/// fit = Size, engagement = Visits (whole points); `demo` holds no points but is
/// required by sql; `spam` disqualifies; the CRM's stage is in `Crm`.
const RULES: &str = r#"
[input]
id = "Id"
current_stage = "Crm"

[[criteria]]
name = "fit points"
column = "Size"
per = 1
points = 1

[[criteria]]
name = "engagement points"
group = "engagement"
column = "Visits"
per = 1
points = 1

[[criteria]]
name = "demo"
group = "engagement"
column = "Demo"
equals = "yes"

[[criteria]]
name = "spam"
column = "Bad"
equals = "yes"
disqualify = true

[[stages]]
name = "lead"

[[stages]]
name = "mql"
min_score = 30
min_fit = 10
crm = ["MQL"]

[[stages]]
name = "sql"
min_score = 60
require = ["demo"]
crm = ["SQL"]
"#;

/// Score = Size + Visits. Stages under the rules as written (mql: score ≥ 30 and
/// fit ≥ 10; sql: score ≥ 60 and demo), and what each lead is when mql's
/// min_score is swept to t:
///
/// | id | score | stage        | at or above mql at t            | won |
/// |----|-------|--------------|---------------------------------|-----|
/// | A1 |    80 | sql          | always (sql holds)              | yes |
/// | A2 |    60 | mql          | when 60 ≥ t                     | yes |
/// | A3 |    70 | sql          | always: sql holds, mql's min_fit fails (fit 0) | yes |
/// | A4 |    50 | mql          | when 50 ≥ t                     | no  |
/// | A5 |    90 | disqualified | never (even with CRM stage SQL) | yes |
/// | A6 |    40 | mql          | when 40 ≥ t                     | yes |
/// | A7 |    40 | mql (CRM)    | always: CRM says MQL (fit 5 fails mql) | no |
/// | A8 |    20 | lead         | when 20 ≥ t (fit 15 ≥ 10)       | no  |
/// | A9 |    30 | mql          | when 30 ≥ t                     | no  |
///
/// 9 leads, 5 converted (A1 A2 A3 A5 A6). Always: A1 A3 A7 (3 leads, 2 converted).
const LEADS: &str = "\
Id,Size,Visits,Demo,Bad,Crm,Won
A1,40,40,yes,,,yes
A2,30,30,no,,,yes
A3,0,70,yes,,,yes
A4,20,30,no,,,no
A5,50,40,no,yes,SQL,yes
A6,10,30,no,,,yes
A7,5,35,no,,MQL,no
A8,15,5,no,,,no
A9,20,10,no,,,no
";

/// The sweep of mql, by hand: leads = 3 always + the conditional leads scoring
/// at least t; precision = converted / leads; recall = converted / 5.
///   t=90: 3 leads, 2 conv: 2/3 = 0.6667, 2/5 = 0.4 (80 and 70 the same: no conditional lead there)
///   t=60: + A2 (won): 4, 3: 3/4 = 0.75, 3/5 = 0.6
///   t=50: + A4: 5, 3: 3/5 = 0.6, 0.6
///   t=40: + A6 (won): 6, 4: 4/6 = 0.6667, 4/5 = 0.8
///   t=30: + A9: 7, 4: 4/7 = 0.5714, 0.8
///   t=20: + A8: 8, 4: 4/8 = 0.5, 0.8
const MQL_SWEEP: &str = "\
threshold,leads,converted,precision,recall
90,3,2,0.6667,0.4000
80,3,2,0.6667,0.4000
70,3,2,0.6667,0.4000
60,4,3,0.7500,0.6000
50,5,3,0.6000,0.6000
40,6,4,0.6667,0.8000
30,7,4,0.5714,0.8000
20,8,4,0.5000,0.8000
";

fn workdir() -> Workdir {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    wd
}

fn tune(wd: &Workdir, stage: &str, target: &[&str]) -> Run {
    let mut args = vec!["tune", "-r", "rules.toml", "--outcome", "Won", "--stage", stage];
    args.extend_from_slice(target);
    args.push("leads.csv");
    wd.run(&args)
}

/// The `--set` line of a run, if any.
fn set_line(run: &Run) -> Option<String> {
    let lines: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("--set")).collect();
    assert!(lines.len() <= 1, "one --set line at most\n{}", run.stdout);
    lines.first().map(|l| l.to_string())
}

#[test]
fn the_sweep_csv_has_every_distinct_score_highest_first() {
    let wd = workdir();
    let run = tune(&wd, "mql", &["--target-precision", "0.75", "-o", "sweep.csv"]);
    run.code(0);
    assert_eq!(wd.read("sweep.csv"), MQL_SWEEP);
    // The current min_score (30) is marked, and the table reaches around the answer (60).
    run.stdout_has("now (min_score 30): 7 leads at or above 'mql', 4 converted, precision 57.14%, recall 80.00%");
    run.stdout_has("|        60 |     4 |         3 |    75.00% | 60.00% | <- answer |");
    run.stdout_has("|        30 |     7 |         4 |    57.14% | 80.00% | <- now    |");
}

#[test]
fn precision_takes_the_lowest_qualifying_threshold_compared_exactly() {
    let wd = workdir();
    // ≥ 0.75: only t=60 (3/4); precision falls to 0.6 at 50 and rises again to 2/3 at 40.
    let run = tune(&wd, "mql", &["--target-precision", "0.75"]);
    run.code(0).stdout_has("answer: min_score 60: 4 leads at or above 'mql', 3 converted");
    assert_eq!(set_line(&run).as_deref(), Some("--set stages.mql.min_score=60"));
    // ≥ 0.66: 90, 80, 70, 60 and 40 qualify (2/3, 3/4, 4/6); the lowest is 40, below a dip at 50.
    assert_eq!(
        set_line(&tune(&wd, "mql", &["--target-precision", "0.66"])).as_deref(),
        Some("--set stages.mql.min_score=40")
    );
    // ≥ 0.6667: 2/3 is 0.66666..., below it (the CSV's 0.6667 is rounded): only 60.
    assert_eq!(
        set_line(&tune(&wd, "mql", &["--target-precision", "0.6667"])).as_deref(),
        Some("--set stages.mql.min_score=60")
    );
}

#[test]
fn recall_takes_the_highest_qualifying_threshold() {
    let wd = workdir();
    // ≥ 0.6: 60 and 50 have 3/5, 40 and below 4/5: the highest is 60.
    assert_eq!(
        set_line(&tune(&wd, "mql", &["--target-recall", "0.6"])).as_deref(),
        Some("--set stages.mql.min_score=60")
    );
    // ≥ 0.8: 40, 30, 20: the highest is 40.
    let run = tune(&wd, "mql", &["--target-recall", "0.8"]);
    run.code(0)
        .stdout_has("answer: min_score 40: 6 leads at or above 'mql', 4 converted, precision 66.67%, recall 80.00%");
    assert_eq!(set_line(&run).as_deref(), Some("--set stages.mql.min_score=40"));
}

#[test]
fn leads_takes_the_closest_count_and_the_higher_threshold_on_ties() {
    let wd = workdir();
    assert_eq!(set_line(&tune(&wd, "mql", &["--target-leads", "5"])).as_deref(), Some("--set stages.mql.min_score=50"));
    // 90, 80 and 70 all have 3 leads: the highest.
    assert_eq!(set_line(&tune(&wd, "mql", &["--target-leads", "3"])).as_deref(), Some("--set stages.mql.min_score=90"));
    assert_eq!(set_line(&tune(&wd, "mql", &["--target-leads", "0"])).as_deref(), Some("--set stages.mql.min_score=90"));
    // More than any threshold gives: the lowest (8 leads; A5 is disqualified, never counted).
    assert_eq!(
        set_line(&tune(&wd, "mql", &["--target-leads", "100"])).as_deref(),
        Some("--set stages.mql.min_score=20")
    );
}

#[test]
fn no_qualifying_threshold_says_so_without_a_set_line_and_exits_0() {
    let wd = workdir();
    // A5 converted but is disqualified: recall never passes 4/5.
    let run = tune(&wd, "mql", &["--target-recall", "0.9"]);
    run.code(0).stdout_has(
        "no threshold qualifies: none gives recall ≥ 0.9; the highest recall is 80.00% (min_score 20, 8 leads)",
    );
    assert_eq!(set_line(&run), None);
    let run = tune(&wd, "mql", &["--target-precision", "0.9", "--summary-json", "t.json"]);
    run.code(0).stdout_has(
        "no threshold qualifies: none gives precision ≥ 0.9; the highest precision is 75.00% (min_score 60, 4 leads)",
    );
    assert_eq!(set_line(&run), None);
    let j: serde_json::Value = serde_json::from_str(&wd.read("t.json")).unwrap();
    assert!(j["answer"].is_null());
    assert_eq!(j["sweep"].as_array().unwrap().len(), 8);
    // Nobody converted: recall is undefined everywhere, precision 0; a warning names the values seen.
    let run = tune(&wd, "mql", &["--converted", "won", "--target-precision", "0.1"]);
    run.code(0).stdout_has("no threshold qualifies").stderr_has("no lead counts as converted in 'Won'");
    assert_eq!(set_line(&run), None);
}

#[test]
fn a_stage_with_no_lead_at_some_thresholds_and_the_json() {
    let wd = workdir();
    // sql: its other test is `demo`, held by A1 (80, won) and A3 (70, won) only; A5 (90,
    // disqualified) gives the top threshold, where no lead is at or above: precision undefined.
    let run = tune(&wd, "sql", &["--target-precision", "1", "-o", "sweep.csv", "--summary-json", "t.json"]);
    run.code(0);
    let rows = wd.csv("sweep.csv");
    assert_eq!(rows[1], ["90", "0", "0", "", "0.0000"]);
    assert_eq!(rows[2], ["80", "1", "1", "1.0000", "0.2000"]);
    assert_eq!(rows[8], ["20", "2", "2", "1.0000", "0.4000"]);
    // 2/2 from 70 down: the lowest is 20.
    assert_eq!(set_line(&run).as_deref(), Some("--set stages.sql.min_score=20"));
    let j: serde_json::Value = serde_json::from_str(&wd.read("t.json")).unwrap();
    assert_eq!(j["stage"], "sql");
    assert_eq!((j["leads"].as_u64(), j["converted"].as_u64()), (Some(9), Some(5)));
    assert_eq!(j["target"]["precision"], 1.0);
    assert_eq!(j["current"]["min_score"], 60.0);
    assert_eq!((j["current"]["leads"].as_u64(), j["current"]["converted"].as_u64()), (Some(2), Some(2)));
    assert_eq!(j["answer"]["threshold"], 20.0);
    assert_eq!(j["answer"]["set"], "--set stages.sql.min_score=20");
    assert!(j["sweep"][0]["precision"].is_null());
    // A threshold with no lead never qualifies, even for precision ≥ 0.
    let run = tune(&wd, "sql", &["--target-precision", "0"]);
    assert_eq!(set_line(&run).as_deref(), Some("--set stages.sql.min_score=20"));
}

#[test]
fn fractional_thresholds_are_written_as_scores_are() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES.replacen("per = 1\npoints = 1", "per = 1\npoints = 0.5", 1));
    wd.write("leads.csv", LEADS);
    // Fit points are halved: A8 scores 7.5 + 5 = 12.5, A6 5 + 30 = 35, A7 2.5 + 35 = 37.5 ...
    // Only the scores' format matters here.
    let run = tune(&wd, "mql", &["--target-leads", "8", "-o", "sweep.csv"]);
    run.code(0);
    let thresholds = column(&wd.csv("sweep.csv"), "threshold");
    assert!(thresholds.contains(&"12.5".to_string()), "{thresholds:?}");
    assert!(thresholds.iter().all(|t| !t.ends_with(".0") && !t.ends_with(".50")), "{thresholds:?}");
    assert!(set_line(&run).is_some());
}

#[test]
fn the_csv_can_go_to_standard_output_with_the_report_on_standard_error() {
    let wd = workdir();
    let run = tune(&wd, "mql", &["--target-precision", "0.75", "-o", "-"]);
    run.code(0).stderr_has("--set stages.mql.min_score=60");
    assert_eq!(run.stdout, MQL_SWEEP);
}

#[test]
fn outcomes_from_a_file_and_rejected_rows() {
    let wd = workdir();
    // The same outcomes by id, A9 missing (not converted, as in the export).
    wd.write("deals.csv", "Id,Won\nA1,yes\nA2,yes\nA3,yes\nA4,no\nA5,yes\nA6,yes\nA7,no\nA8,no\n");
    wd.write("broken.csv", format!("{LEADS}A10,1,2\n"));
    let args = |leads: &'static str| {
        vec!["tune", "-r", "rules.toml", "--outcome", "won", "--outcomes", "deals.csv", "--stage", "mql"]
            .into_iter()
            .chain(["--target-precision", "0.75", "-o", "sweep.csv", leads])
            .collect::<Vec<_>>()
    };
    wd.run(&args("leads.csv")).code(0).stdout_has("1 leads are not in the outcomes file");
    assert_eq!(wd.read("sweep.csv"), MQL_SWEEP);
    // A malformed row is rejected (exit 3), the rest swept as before.
    wd.run(&args("broken.csv")).code(3).stderr_has("1 malformed rows were rejected (first at line 11");
    assert_eq!(wd.read("sweep.csv"), MQL_SWEEP);
}

#[test]
fn bad_stages_targets_and_paths_exit_2_with_nothing_written() {
    let wd = workdir();
    let run = tune(&wd, "SQLL", &["--target-precision", "0.9", "-o", "sweep.csv"]);
    run.code(2).stderr_has("--stage 'SQLL': rules.toml has no such stage (its stages: 'lead', 'mql', 'sql')");
    tune(&wd, "lead", &["--target-precision", "0.9"])
        .code(2)
        .stderr_has("--stage 'lead': it is the first stage")
        .stderr_has("tune a later stage: 'mql', 'sql'");
    tune(&wd, "mql", &[]).code(2).stderr_has("--target-precision");
    tune(&wd, "mql", &["--target-precision", "0.9", "--target-leads", "5"]).code(2).stderr_has("cannot be used with");
    tune(&wd, "mql", &["--target-precision", "1.5"]).code(2).stderr_has("expected a fraction from 0 to 1");
    tune(&wd, "mql", &["--target-recall=-0.1"]).code(2).stderr_has("expected a fraction from 0 to 1");
    tune(&wd, "mql", &["--target-recall", "90%"]).code(2).stderr_has("expected a fraction from 0 to 1");
    tune(&wd, "mql", &["--target-leads", "-3"]).code(2);
    tune(&wd, "mql", &["--target-leads", "5", "-o", "leads.csv"])
        .code(2)
        .stderr_has("the same file as the lead export");
    assert!(!wd.exists("sweep.csv"));
    assert_eq!(wd.read("leads.csv"), LEADS);
}

/// A small deterministic generator (no clock, no hash order).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Figures per threshold computed from `score` output alone, with the stage
/// rules re-implemented here: the answer tune must give.
fn independent_answer(scored: &[Vec<String>], stage: &str, target: &str, value: f64) -> Option<String> {
    let col = |name: &str| column(scored, name);
    let (score, fit, stage_col) = (col("score"), col("fit"), col("stage"));
    let (demo, crm, won) = (col("Demo"), col("Crm"), col("Won"));
    let num = |s: &str| -> i64 { (s.parse::<f64>().unwrap() * 100.0).round() as i64 };
    // Per lead: Some(true) always at or above, Some(false) never, None when its score reaches t.
    let n = score.len();
    let class: Vec<Option<bool>> = (0..n)
        .map(|i| {
            if stage_col[i] == "disqualified" {
                return Some(false);
            }
            let sql_holds = num(&score[i]) >= 6000 && demo[i].eq_ignore_ascii_case("yes");
            let crm_rank = match crm[i].to_ascii_uppercase().as_str() {
                "SQL" => 2,
                "MQL" => 1,
                _ => 0,
            };
            match stage {
                "mql" if sql_holds || crm_rank >= 1 => Some(true),
                "mql" if num(&fit[i]) >= 1000 => None,
                "sql" if crm_rank >= 2 => Some(true),
                "sql" if demo[i].eq_ignore_ascii_case("yes") => None,
                _ => Some(false),
            }
        })
        .collect();
    let converted: Vec<bool> = won.iter().map(|w| w == "yes").collect();
    let total = converted.iter().filter(|&&c| c).count() as f64;
    let mut thresholds: Vec<i64> = score.iter().map(|s| num(s)).collect();
    thresholds.sort_unstable_by(|a, b| b.cmp(a));
    thresholds.dedup();
    let figures: Vec<(i64, usize, usize)> = thresholds
        .iter()
        .map(|&t| {
            let at: Vec<usize> = (0..n).filter(|&i| class[i].unwrap_or_else(|| num(&score[i]) >= t)).collect();
            (t, at.len(), at.iter().filter(|&&i| converted[i]).count())
        })
        .collect();
    let pick = match target {
        "--target-precision" => figures.iter().rev().find(|f| f.1 > 0 && f.2 as f64 / f.1 as f64 >= value),
        "--target-recall" => figures.iter().find(|f| total > 0.0 && f.2 as f64 / total >= value),
        _ => figures.iter().min_by_key(|f| (f.1 as f64 - value).abs() as u64),
    };
    pick.map(|f| {
        let t = f.0 as f64 / 100.0;
        format!("--set stages.{stage}.min_score={t}")
    })
}

#[test]
fn the_answer_equals_an_independent_computation_from_score_output() {
    let wd = Workdir::new();
    let mut g = Lcg(7);
    let mut leads = String::from("Id,Size,Visits,Demo,Bad,Crm,Won\n");
    for i in 0..400 {
        let (fit, eng) = (g.next(50), g.next(60));
        let demo = if g.next(3) == 0 { "yes" } else { "no" };
        let bad = if g.next(20) == 0 { "yes" } else { "" };
        let crm = ["MQL", "SQL", "sql"].get(g.next(30) as usize).copied().unwrap_or("");
        // Conversion grows with the score, noisily.
        let won = if g.next(80) + 25 < fit + eng { "yes" } else { "no" };
        leads.push_str(&format!("L{i},{fit},{eng},{demo},{bad},{crm},{won}\n"));
    }
    wd.write("rules.toml", RULES).write("leads.csv", &leads);
    wd.run(&["score", "-r", "rules.toml", "-q", "-o", "scored.csv", "leads.csv"]).code(0);
    let scored = wd.csv("scored.csv");
    let mut answers = 0;
    for stage in ["mql", "sql"] {
        for (target, value) in [
            ("--target-precision", "0.5"),
            ("--target-precision", "0.6"),
            ("--target-precision", "0.65"),
            ("--target-precision", "0.85"),
            ("--target-recall", "0.3"),
            ("--target-recall", "0.5"),
            ("--target-recall", "0.9"),
            ("--target-leads", "40"),
            ("--target-leads", "150"),
        ] {
            let run = tune(&wd, stage, &[target, value]);
            run.code(0);
            let want = independent_answer(&scored, stage, target, value.parse().unwrap());
            assert_eq!(set_line(&run), want, "{stage} {target} {value}\n{}", run.stdout);
            answers += want.is_some() as usize;
        }
    }
    assert!(answers >= 10, "most targets have an answer: {answers}");
    // The sweep's rows, too: every distinct score once.
    tune(&wd, "mql", &["--target-leads", "1", "-o", "sweep.csv"]).code(0);
    let mut distinct: Vec<String> = column(&scored, "score");
    distinct.sort();
    distinct.dedup();
    assert_eq!(parse_csv(&wd.read("sweep.csv"), b',').len(), distinct.len() + 1);
}
