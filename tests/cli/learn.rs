//! `leadroute learn`: the learned file is valid rules that differ from RULES
//! only in the values docs/reference.md §8.3 lists, it is the same on every run, folds
//! follow SHA-256("SEED:ID") mod K, and the fit finds what the data hold.

use sha2::{Digest, Sha256};

use crate::workdir::{Workdir, column, parse_csv};

const RULES: &str = r#"# Learning fixture: comments must survive.
[input]
id = "Lead ID"

[scoring]
max_fit = 40            # fit cap
max_engagement = 50

[grades]
fit = [{ grade = "A", min_fit = 10 }, { grade = "B" }]
engagement = [{ grade = "1", min_engagement = 8 }, { grade = "2" }]

[[criteria]]
name = "director"       # the data say: strongly positive
column = "Title"
contains_any = ["director"]
points = 5

[[criteria]]
name = "bad list"       # the rules reward it; the data say: negative
column = "List"
equals = "bad"
points = 10

[[criteria]]
name = "noise"          # unrelated to the outcome
column = "Noise"
equals = "x"
points = 7

[[criteria]]
name = "views"
group = "engagement"
column = "Views"
per = 2
points = 3
max = 9                 # three units

[[criteria]]
name = "recent demo"
group = "engagement"
column = "Demo"
present = true
points = 20
decay = { column = "Demo", half_life_days = 30 }

[[criteria]]
name = "spam"
column = "List"
equals = "spam"
disqualify = true

[[stages]]
name = "lead"
[[stages]]
name = "mql"
min_score = 12
[[stages]]
name = "sql"
min_score = 25
min_fit = 4
"#;

/// A deterministic export: conversion rises with `director`, views and a
/// recent demo, falls with `bad list`; `noise` is unrelated.
fn export(rows: usize) -> String {
    let mut out = String::from("Lead ID,Title,List,Noise,Views,Demo,Won\n");
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut uniform = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..rows {
        let director = uniform() < 0.3;
        let list = match uniform() {
            u if u < 0.25 => "bad",
            u if u < 0.27 => "spam",
            _ => "ok",
        };
        let noise = uniform() < 0.5;
        let views = (uniform() * 12.0) as u32;
        let demo_age = (uniform() < 0.3).then(|| (uniform() * 90.0) as i64);
        let z = -1.2 + if director { 1.8 } else { 0.0 } - if list == "bad" { 1.4 } else { 0.0 }
            + 0.12 * views.min(6) as f64
            + demo_age.map_or(0.0, |a| 1.5 * 0.5f64.powf(a as f64 / 30.0));
        let won = uniform() < 1.0 / (1.0 + (-z).exp());
        let demo = demo_age.map_or(String::new(), |a| {
            let day = 30 - a; // as of 2026-11-30
            if day >= 1 { format!("2026-11-{day:02}") } else { format!("2026-10-{:02}", 31 + day) }
        });
        out.push_str(&format!(
            "L{i:04},{},{list},{},{views},{demo},{}\n",
            if director { "Sales Director" } else { "Analyst" },
            if noise { "x" } else { "y" },
            if won { "yes" } else { "no" }
        ));
    }
    out
}

fn setup(rows: usize) -> Workdir {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", export(rows));
    wd
}

const LEARN: &[&str] =
    &["learn", "-r", "rules.toml", "--outcome", "Won", "--as-of", "2026-11-30", "-o", "learned.toml", "leads.csv"];

/// The keys whose values docs/reference.md §8.3 lets learn change.
const LEARNED_KEYS: [&str; 7] =
    ["points", "max", "max_fit", "max_engagement", "min_score", "min_fit", "min_engagement"];

/// A rules document with every learned value taken out.
fn without_learned(v: &toml::Value) -> toml::Value {
    match v {
        toml::Value::Table(t) => toml::Value::Table(
            t.iter()
                .filter(|(k, _)| !LEARNED_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), without_learned(v)))
                .collect(),
        ),
        toml::Value::Array(a) => toml::Value::Array(a.iter().map(without_learned).collect()),
        other => other.clone(),
    }
}

/// A line with each learned value (and learn's rounds-to-0 comment) replaced by a mark.
fn masked(line: &str) -> String {
    let mut out = line.replace(" # learned: rounds to 0 points", "");
    for key in LEARNED_KEYS {
        let pat = format!("{key} = ");
        let mut from = 0;
        while let Some(at) = out[from..].find(&pat).map(|i| i + from) {
            let start = at + pat.len();
            let end = out[start..]
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                .map_or(out.len(), |e| start + e);
            let before_ok =
                at == 0 || !out.as_bytes()[at - 1].is_ascii_alphanumeric() && out.as_bytes()[at - 1] != b'_';
            if before_ok {
                out.replace_range(start..end, "N");
            }
            from = start;
        }
    }
    out
}

fn points_of(doc: &toml::Value, name: &str) -> f64 {
    let c =
        doc["criteria"].as_array().expect("criteria").iter().find(|c| c["name"].as_str() == Some(name)).expect(name);
    c.get("points").map_or(0.0, |p| p.as_float().or(p.as_integer().map(|i| i as f64)).expect("a number"))
}

#[test]
fn the_learned_file_is_rules_that_differ_only_in_learned_values() {
    let wd = setup(1500);
    wd.run(LEARN).code(0).stdout_has("out-of-sample ROC AUC, mean over 5 of 5 folds (seed 1)");
    wd.run(&["check", "-r", "learned.toml", "leads.csv"]).code(0);
    let (old, new) = (wd.read("rules.toml"), wd.read("learned.toml"));
    assert_ne!(old, new);
    let parse = |s: &str| -> toml::Value { toml::from_str(s).expect("TOML") };
    assert_eq!(without_learned(&parse(&old)), without_learned(&parse(&new)));
    // Line by line: the same lines, comments included, outside the learned values.
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    assert_eq!(a.len(), b.len(), "{new}");
    let mut changed = 0;
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(masked(x), masked(y), "a line changed outside the learned values");
        changed += (x != y) as usize;
    }
    assert!(changed >= 5, "{new}");
    // Caps and thresholds carried over: max keeps three units of the new points.
    let doc = parse(&new);
    let views = doc["criteria"].as_array().unwrap().iter().find(|c| c["name"].as_str() == Some("views")).unwrap();
    let (p, m) =
        (points_of(&doc, "views"), views["max"].as_float().or(views["max"].as_integer().map(|i| i as f64)).unwrap());
    assert!((m - 3.0 * p.abs()).abs() < 0.006, "max {m} for points {p}");
    assert!(
        points_of(&doc, "spam") == 0.0
            && new.contains("name = \"spam\"\ncolumn = \"List\"\nequals = \"spam\"\ndisqualify = true")
    );
}

#[test]
fn the_fit_finds_the_signs_and_order_the_data_hold() {
    let wd = setup(3000);
    wd.run(LEARN).code(0);
    let doc: toml::Value = toml::from_str(&wd.read("learned.toml")).unwrap();
    let (director, bad, noise) = (points_of(&doc, "director"), points_of(&doc, "bad list"), points_of(&doc, "noise"));
    assert!(director > 0.0 && bad < 0.0, "director {director}, bad list {bad}");
    assert!(director > bad.abs() && bad.abs() > noise.abs(), "director {director}, bad {bad}, noise {noise}");
    assert!(points_of(&doc, "recent demo") > 0.0 && points_of(&doc, "views") > 0.0);
}

#[test]
fn the_same_export_and_seed_give_the_same_bytes_on_any_number_of_threads() {
    let wd = setup(1200);
    let first = wd.run(LEARN);
    first.code(0);
    let file = wd.read("learned.toml");
    let again = wd.run_env(LEARN, &[("RAYON_NUM_THREADS", "1")]);
    again.code(0);
    assert_eq!(file, wd.read("learned.toml"));
    assert_eq!(first.stdout, again.stdout);
    // Without -o the file goes to standard output, the report to standard error.
    let out = wd.run(&LEARN[..LEARN.len() - 3].iter().chain(&["leads.csv"]).copied().collect::<Vec<_>>());
    out.code(0).stderr_has("out-of-sample ROC AUC");
    assert_eq!(out.stdout, file);
}

/// The held-out leads of each fold are those with SHA-256("SEED:ID") mod K
/// equal to the fold, the digest read as a big-endian integer.
#[test]
fn folds_follow_the_digest_of_seed_and_id() {
    let wd = setup(800);
    let ids: Vec<String> = (0..800).map(|i| format!("L{i:04}")).collect();
    for (seed, k) in [(1u64, 5u32), (42, 3)] {
        let mut want = vec![0u64; k as usize];
        for id in &ids {
            let d = Sha256::digest(format!("{seed}:{id}").as_bytes());
            let f = d.iter().fold(0u64, |r, &b| (r * 256 + b as u64) % k as u64);
            want[f as usize] += 1;
        }
        let (s, kk) = (seed.to_string(), k.to_string());
        let mut args = LEARN.to_vec();
        args.extend(["--seed", &s, "--folds", &kk]);
        let run = wd.run(&args);
        run.code(0);
        let got: Vec<u64> = run
            .stdout
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                (cells.len() == 7 && cells[1].parse::<u32>().is_ok()).then(|| cells[2].parse().expect("leads"))
            })
            .collect();
        assert_eq!(got, want, "seed {seed}, {k} folds\n{}", run.stdout);
    }
}

/// Each stage keeps as many leads as under RULES (as `score` stages them with
/// the learned file), and the report says the counts `score` finds.
#[test]
fn stages_keep_their_number_of_leads() {
    let wd = setup(2000);
    let run = wd.run(LEARN);
    run.code(0);
    let at_or_above = |rules: &str| {
        wd.run(&["score", "-r", rules, "--as-of", "2026-11-30", "-o", "scored.csv", "leads.csv"]).code(0);
        let stages = column(&parse_csv(&wd.read("scored.csv"), b','), "stage");
        let n = |names: &[&str]| stages.iter().filter(|s| names.contains(&s.as_str())).count();
        (n(&["mql", "sql"]), n(&["sql"]))
    };
    let (old, new) = (at_or_above("rules.toml"), at_or_above("learned.toml"));
    assert!(old.0 > 100 && old.1 > 10, "{old:?}");
    // Leads at or above mql: the same, give or take the leads of one tied score.
    assert!(old.0.abs_diff(new.0) <= 20, "{old:?} {new:?}\n{}", run.stdout);
    let report_row = |stage: &str| -> Vec<String> {
        let line = run.stdout.lines().find(|l| l.starts_with(&format!("| {stage} "))).expect("stage row");
        line.split('|').map(|c| c.trim().to_string()).collect()
    };
    assert_eq!(report_row("mql")[4], old.0.to_string());
    assert_eq!(report_row("mql")[5], new.0.to_string());
    assert_eq!(report_row("sql")[5], new.1.to_string());
}

#[test]
fn nothing_to_learn_from_and_bad_options_fail_cleanly() {
    let wd = setup(50);
    let everyone = "Lead ID,Title,List,Noise,Views,Demo,Won\nA,x,ok,x,1,,yes\nB,y,ok,y,2,,yes\n";
    wd.write("all.csv", everyone);
    wd.run(&["learn", "-r", "rules.toml", "--outcome", "Won", "-o", "out.toml", "all.csv"])
        .code(1)
        .stderr_has("every lead counts as converted");
    assert!(!wd.exists("out.toml"));
    wd.run(&["learn", "-r", "rules.toml", "--outcome", "Won", "--folds", "1", "leads.csv"]).code(2);
    wd.run(&["learn", "-r", "rules.toml", "--outcome", "Won", "-o", "rules.toml", "leads.csv"]).code(2);
    wd.run(&["learn", "-r", "rules.toml", "--outcome", "Nope", "leads.csv"]).code(1);
}

/// Leads of each (A, B, E, S) pattern and how many of them converted, as rows
/// `id,A,B,E,S,won`.
fn patterns_export(groups: &[(&str, usize, usize)]) -> String {
    let mut out = String::from("id,A,B,E,S,won\n");
    let mut i = 0;
    for &(flags, leads, converted) in groups {
        let cells: Vec<&str> = flags.chars().map(|c| if c == '1' { "y" } else { "n" }).collect();
        for k in 0..leads {
            i += 1;
            out.push_str(&format!("L{i:03},{},{}\n", cells.join(","), if k < converted { "yes" } else { "no" }));
        }
    }
    out
}

const THRESHOLD_RULES: &str = r#"[input]
id = "id"

[scoring]
max_fit = 10000000        # no real cap
max_engagement = 50       # at most 50 points of engagement

[[criteria]]
name = "a"
column = "A"
equals = "y"
points = 10               # 10 for a

[[criteria]]
name = "b"
column = "B"
equals = "y"
points = 5

[[criteria]]
name = "e"
group = "engagement"
column = "E"
equals = "y"
points = 10

[[criteria]]
name = "spam"
column = "S"
equals = "y"
disqualify = true

[[stages]]
name = "lead"

[[stages]]
name = "sql"
min_score = 20
min_fit = 10              # needs a
min_engagement = 10
"#;

/// A learned value of the file, in hundredths.
fn cents_of(doc: &toml::Value, table: &str, name: &str, key: &str) -> i64 {
    let t = doc[table].as_array().expect(table).iter().find(|t| t["name"].as_str() == Some(name)).expect(name);
    let v = &t[key];
    (v.as_float().or(v.as_integer().map(|i| i as f64)).expect("a number") * 100.0).round() as i64
}

fn stage_counts(wd: &Workdir, rules: &str, leads: &str) -> Vec<String> {
    wd.run(&["score", "-r", rules, "-q", "-o", "scored.csv", leads]).code(0);
    column(&parse_csv(&wd.read("scored.csv"), b','), "stage")
}

/// docs/reference.md §8.3: each stage's `min_fit` and `min_engagement` move so that as
/// many leads meet each as under RULES, then its `min_score`; values past the
/// largest a rules file allows are clamped (and said), so the file passes
/// `check`; comments that quote a replaced number say what it was.
///
/// By hand: 100 leads are not disqualified. Under RULES `min_fit = 10` is met
/// by the 40 leads with a (10 + 20 + 10), `min_engagement = 10` by the 60 with
/// e, and sql (score ≥ 20 too) holds the 30 with a and e. The data make a the
/// strongest criterion and b, e positive, so the learned fits are a+b (10
/// leads), a (30), b (30), 0 (30): 40 leads reach a's points, and no other
/// value comes as close; the learned engagements are e (60) and 0 (40). With
/// those, the leads with a and e score a+b+e (10) or a+e (20): 30 reach a+e.
#[test]
fn learned_thresholds_keep_the_leads_meeting_each_and_the_file_passes_check() {
    let wd = Workdir::new();
    let leads = patterns_export(&[
        ("1110", 10, 9),
        ("1010", 20, 14),
        ("1000", 10, 5),
        ("0110", 20, 8),
        ("0100", 10, 3),
        ("0010", 10, 3),
        ("0000", 20, 2),
        ("1111", 5, 0),
    ]);
    wd.write("rules.toml", THRESHOLD_RULES).write("leads.csv", leads);
    let run = wd.run(&["learn", "-r", "rules.toml", "--outcome", "won", "-o", "learned.toml", "leads.csv"]);
    run.code(0);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    let doc: toml::Value = toml::from_str(&wd.read("learned.toml")).expect("TOML");
    let (a, b, e) = (
        cents_of(&doc, "criteria", "a", "points"),
        cents_of(&doc, "criteria", "b", "points"),
        cents_of(&doc, "criteria", "e", "points"),
    );
    assert!(a > b && b > 0 && e > 0, "a {a}, b {b}, e {e}");
    assert_eq!(cents_of(&doc, "stages", "sql", "min_fit"), a);
    assert_eq!(cents_of(&doc, "stages", "sql", "min_engagement"), e);
    assert_eq!(cents_of(&doc, "stages", "sql", "min_score"), a + e);
    let sql = |rules: &str| stage_counts(&wd, rules, "leads.csv").iter().filter(|s| *s == "sql").count();
    assert_eq!((sql("rules.toml"), sql("learned.toml")), (30, 30));
    // max_fit × s is past 10,000,000: clamped, and the report says so.
    assert_eq!(doc["scoring"]["max_fit"].as_integer(), Some(10_000_000));
    run.stdout_has("clamped: scoring.max_fit: the learned value ").stdout_has("written as 10000000");
    wd.run(&["check", "-r", "learned.toml", "leads.csv"]).code(0);
    let text = wd.read("learned.toml");
    assert!(text.contains("       # was 50; at most 50 points of engagement\n"), "{text}");
    assert!(text.contains("               # was 10; 10 for a\n"), "{text}");
    assert!(text.contains(&format!("min_fit = {}              # needs a\n", doc["stages"][1]["min_fit"])), "{text}");
}

/// docs/reference.md §8.3: a stage the learned points cannot keep within 1% (or 5 leads)
/// of its size under RULES is a warning naming it and both counts (exit 0).
///
/// By hand: `min_fit = 10` is met by the leads with a: 5 + 35 = 40. The data
/// make b the strong criterion (b > a > 0), so the learned fits are a+b (5
/// leads), b (50), a (35) and 0 (10): at or above b's points 55, above a+b's
/// 5. The closest to 40 is 55: 15 leads apart, more than 5.
#[test]
fn a_stage_the_learned_points_cannot_keep_is_a_warning() {
    let rules = THRESHOLD_RULES
        .replace("min_score = 20\n", "")
        .replace("min_engagement = 10\n", "")
        .replace("max_engagement = 50       # at most 50 points of engagement\n", "");
    let wd = Workdir::new();
    let leads = patterns_export(&[("1100", 5, 4), ("1000", 35, 10), ("0100", 50, 35), ("0000", 10, 1)]);
    wd.write("rules.toml", &rules).write("leads.csv", leads);
    let run = wd.run(&["learn", "-r", "rules.toml", "--outcome", "won", "-o", "learned.toml", "leads.csv"]);
    run.code(0).stderr_has(
        "leadroute: warning: stage 'sql' holds 55 leads (at or above it) under the learned file, 40 under \
         rules.toml: more than 1% (or 5 leads) apart; compare the two before adopting it\n",
    );
    let doc: toml::Value = toml::from_str(&wd.read("learned.toml")).expect("TOML");
    assert_eq!(cents_of(&doc, "stages", "sql", "min_fit"), cents_of(&doc, "criteria", "b", "points"));
    let sql = stage_counts(&wd, "learned.toml", "leads.csv").iter().filter(|s| *s == "sql").count();
    assert_eq!(sql, 55);
    wd.run(&["check", "-r", "learned.toml"]).code(0);
}

/// `learn` compares and ranks scores as a lead keeps them (the CSV's): a score
/// beyond ±21,474,836.47 neither trips its own consistency check (a panic in
/// debug builds) nor fails the run.
#[test]
fn learn_takes_a_saturated_score_as_the_csv_writes_it() {
    let rules = "[input]\nid = \"id\"\n[[criteria]]\nname = \"big\"\ncolumn = \"n\"\nper = 1\npoints = 1\n\
                 [[criteria]]\nname = \"flag\"\ncolumn = \"f\"\nequals = \"y\"\npoints = 5\n\
                 [[stages]]\nname = \"lead\"\n[[stages]]\nname = \"hot\"\nmin_score = 10\n";
    let leads = "id,n,f,won\nA,1000000000000,y,1\nB,5,n,0\nC,3,y,1\nD,0,n,0\nE,20,y,0\nF,1,n,1\n";
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", leads);
    let run = wd.run(&["learn", "-r", "rules.toml", "--outcome", "won", "-o", "learned.toml", "leads.csv"]);
    run.code(0).stdout_has("so that scores span 21474836.47 points as under the rules");
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    wd.run(&["check", "-r", "learned.toml", "leads.csv"]).code(0);
}

/// `learn --summary-json` and `--report` (docs/reference.md §8.3, §8.4): the
/// JSON's keys are stable, the page's headline says the JSON's AUCs, and a
/// criterion whose name is markup is escaped on the page.
#[test]
fn learn_writes_the_summary_json_and_the_page() {
    let wd = Workdir::new();
    let rules = RULES.replace("name = \"noise\"", "name = \"<script>'no\\\"ise'\"");
    wd.write("rules.toml", &rules).write("leads.csv", export(600));
    wd.run(&[LEARN, &["--summary-json", "l.json", "--report", "l.html"][..]].concat()).code(0);
    let j: serde_json::Value = serde_json::from_str(&wd.read("l.json")).unwrap();
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>().join(",");
    assert_eq!(
        keys(&j),
        "auc,changes,clamped,converted,criteria,disqualified,fitted,folds,folds_counted,input,leads,patterns,penalty,\
         rules,scale,score_range,seed,stages"
    );
    assert_eq!(keys(&j["criteria"][0]), "coefficient,disqualify,group,max,name,points");
    assert_eq!(keys(&j["criteria"][0]["points"]), "learned,rules");
    assert_eq!(keys(&j["stages"][0]), "leads,min_engagement,min_fit,min_score,name,size_moved");
    assert_eq!(keys(&j["folds"][0]), "auc,converted,fold,leads");
    assert_eq!(keys(&j["changes"][0]), "key,learned,rules");
    assert_eq!(
        (j["leads"].as_u64(), j["seed"].as_u64(), j["folds"].as_array().map(Vec::len)),
        (Some(600), Some(1), Some(5))
    );
    // The JSON says what the learned file says: every points value, by name.
    let learned: toml::Value = toml::from_str(&wd.read("learned.toml")).unwrap();
    for c in j["criteria"].as_array().unwrap().iter().filter(|c| c["disqualify"] == false) {
        let name = c["name"].as_str().unwrap();
        assert_eq!(c["points"]["learned"].as_f64(), Some(points_of(&learned, name)), "{name}");
    }
    let spam = j["criteria"].as_array().unwrap().iter().find(|c| c["name"] == "spam").unwrap();
    assert_eq!((spam["coefficient"].is_null(), spam["points"]["rules"].as_f64()), (true, Some(0.0)));
    assert!(j["changes"].as_array().unwrap().iter().any(|c| c["key"] == "stages.sql.min_score"));
    // The fold means: the JSON's AUCs, in the headline with two decimals.
    let (old, new) = (j["auc"]["rules"].as_f64().unwrap(), j["auc"]["learned"].as_f64().unwrap());
    let html = wd.read("l.html");
    // Points per criterion, stages under both, each fold's AUC.
    crate::report::check_page(&html, 3);
    let h = crate::report::headline(&html);
    assert!(h.contains(&format!("ROC AUC {new:.2} against {old:.2} (the mean over 5 folds)")), "{h}");
    for (i, f) in j["folds"].as_array().unwrap().iter().enumerate() {
        let row = format!(
            "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.4}</td>\
             <td class=\"n\">{:.4}</td></tr>",
            i + 1,
            f["leads"],
            f["converted"],
            f["auc"]["rules"].as_f64().unwrap(),
            f["auc"]["learned"].as_f64().unwrap()
        );
        assert!(html.contains(&row), "{row}\n{html}");
    }
    assert!(html.contains("&lt;script&gt;&#39;no&quot;ise&#39;") && !html.contains("<script>"), "{html}");
}

/// A learn run that fails writes no page and no JSON (an old one is kept);
/// a page or JSON that names an input is refused.
#[test]
fn a_failed_learn_writes_no_report() {
    let wd = setup(200);
    let old = "yesterday's page\n";
    wd.write("l.html", old).write("l.json", old);
    let none_won = export(200).replace(",yes\n", ",no\n");
    wd.write("none.csv", &none_won);
    wd.run(&[
        "learn",
        "-r",
        "rules.toml",
        "--outcome",
        "Won",
        "-o",
        "learned.toml",
        "--report",
        "l.html",
        "--summary-json",
        "l.json",
        "none.csv",
    ])
    .code(1);
    assert_eq!((wd.read("l.html"), wd.read("l.json")), (old.to_string(), old.to_string()));
    assert!(!wd.exists("learned.toml"));
    wd.run(&[LEARN, &["--report", "leads.csv"][..]].concat()).code(2).stderr_has("the same file as the lead export");
    wd.run(&[LEARN, &["--summary-json", "x", "--report", "x"][..]].concat()).code(2);
    assert!(!wd.exists("learned.toml") && !wd.exists("x"));
}
