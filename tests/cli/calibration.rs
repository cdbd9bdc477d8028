//! `score --outcome` per criterion and AUC (docs/reference.md §8.1): small exports whose
//! figures are worked out by hand in the comments.

use crate::workdir::Workdir;

const AS_OF: &str = "2026-11-01";

/// Runs `score --outcome won` with a summary JSON; returns the run and the
/// JSON's `calibration`.
fn calibrate(rules: &str, leads: &str) -> (crate::workdir::Run, serde_json::Value) {
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", leads);
    let run = wd.run(&[
        "score",
        "-r",
        "rules.toml",
        "--as-of",
        AS_OF,
        "--outcome",
        "won",
        "--summary-json",
        "s.json",
        "-o",
        "out.csv",
        "leads.csv",
    ]);
    run.code(0);
    let s: serde_json::Value = serde_json::from_str(&wd.read("s.json")).expect("summary JSON");
    (run, s["calibration"].clone())
}

/// The `criteria` entry named `name`.
fn criterion<'a>(c: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    c["criteria"].as_array().unwrap().iter().find(|k| k["criterion"] == name).unwrap()
}

fn flags(k: &serde_json::Value) -> Vec<String> {
    serde_json::from_value(k["flags"].clone()).unwrap()
}

const RULES: &str = r#"
[input]
id = "id"

[[criteria]]
name = "big"
column = "size"
gte = 100
points = 10

[[criteria]]
name = "visits"
group = "engagement"
column = "visits"
per = 5
points = 2

[[criteria]]
name = "banned"
column = "email"
ends_with_any = ["@rival.example"]
disqualify = true

[[criteria]]
name = "demo"
group = "engagement"
column = "demo"
present = true
points = 4
decay = { column = "last", half_life_days = 30 }

[[stages]]
name = "lead"
"#;

/// fit = big (10); engagement = visits (2 per full 5) + demo (4, halved every
/// 30 days of `last`; 0 without a date); banned disqualifies.
///
/// | id | fit | engagement       | score | won |
/// |----|-----|------------------|-------|-----|
/// | L1 |  10 | 4 + 4      = 8   |    18 | yes |
/// | L2 |   0 | 2          = 2   |     2 | yes |
/// | L3 |  10 | 0 + 0 (no date)  |    10 | no  |
/// | L4 |  10 | 2 (disqualified) |    12 | yes |
/// | L5 |   0 | 8 + 1 (60 days)  |     9 | no  |
/// | L6 |   0 | 0                |     0 | no  |
/// | L7 |  10 | 0                |    10 | yes |
/// | L8 |   0 | 0 + 2 (30 days)  |     2 | no  |
const LEADS: &str = "\
id,size,visits,email,demo,last,won
L1,200,12,a@x.example,yes,2026-11-01,yes
L2,50,5,b@x.example,,,yes
L3,150,4,c@x.example,yes,,no
L4,300,5,d@rival.example,,,yes
L5,10,20,e@x.example,yes,2026-09-02,no
L6,,,f@x.example,,,no
L7,120,0,g@x.example,,,yes
L8,0,0,h@x.example,yes,2026-10-02,no
";

#[test]
fn auc_counts_ties_half_and_includes_disqualified_leads() {
    let (run, c) = calibrate(RULES, LEADS);
    // Score: converted 18, 12, 10, 2; not converted 10, 9, 2, 0 (L4, disqualified, counts).
    // Pairs: 18 beats all 4; 12 beats all 4; 10 ties 10, beats 9, 2, 0 (3.5);
    // 2 ties 2, beats 0 (1.5): 13 of 16 = 0.8125. By midranks: the sorted
    // values 0, 2, 2, 9, 10, 10, 12, 18 rank 1, 2.5, 2.5, 4, 5.5, 5.5, 7, 8;
    // the converted sum R = 2.5 + 5.5 + 7 + 8 = 23, U = R - 4·5/2 = 13, 13 / (4·4).
    assert_eq!(c["auc"]["score"], 0.8125);
    // Fit: converted 10, 10, 10, 0; not 10, 0, 0, 0. Each 10: ½ + 3 = 3.5 (10.5);
    // the 0: three ties, 1.5. 12 / 16 = 0.75.
    assert_eq!(c["auc"]["fit"], 0.75);
    // Engagement: converted 8, 2, 2, 0; not 9, 2, 0, 0. 8 beats 2, 0, 0 (3);
    // each 2 beats 0, 0 and ties 2 (2.5, twice: 5); 0 ties two 0s (1). 9 / 16.
    assert_eq!(c["auc"]["engagement"], 0.5625);
    assert!(c["auc"].get("undefined_reason").is_none(), "{c}");
    run.stdout_has("ROC AUC (ties count half): score 0.813, fit 0.750, engagement 0.563\n");
}

#[test]
fn per_criterion_held_rates_lift_in_rules_order() {
    let (run, c) = calibrate(RULES, LEADS);
    let names: Vec<&str> = c["criteria"].as_array().unwrap().iter().map(|k| k["criterion"].as_str().unwrap()).collect();
    assert_eq!(names, ["big", "visits", "banned", "demo"]);
    // Overall: 4 of 8 converted, 50%.
    let figures = |name: &str| {
        let k = criterion(&c, name);
        let f = |key: &str| k[key].as_u64().unwrap();
        (f("held"), f("held_converted"), f("not_held"), f("not_held_converted"))
    };
    // big: size ≥ 100 on L1, L3, L4, L7 (L4 disqualified still counts); 3 of them converted.
    assert_eq!(figures("big"), (4, 3, 4, 1));
    assert_eq!(criterion(&c, "big")["held_rate"], 0.75);
    assert_eq!(criterion(&c, "big")["not_held_rate"], 0.25);
    assert_eq!(criterion(&c, "big")["lift"], 1.5, "75% / 50%");
    // visits (per 5): held where floor(v / 5) ≥ 1: L1 (12), L2 (5), L4 (5), L5 (20);
    // not L3 (4: floor 0.8 = 0), L6 (empty), L7, L8 (0).
    assert_eq!(figures("visits"), (4, 3, 4, 1));
    // banned: L4 only, converted: 100%, lift 2; the other 7: 3 converted.
    assert_eq!(figures("banned"), (1, 1, 7, 3));
    assert_eq!(criterion(&c, "banned")["lift"], 2.0);
    // demo: the test alone, decay aside: L1, L3 (no date: 0 points, but held),
    // L5, L8; only L1 converted. 25%, lift 0.5; not held 3 of 4, 75%.
    assert_eq!(figures("demo"), (4, 1, 4, 3));
    assert_eq!(criterion(&c, "demo")["held_rate"], 0.25);
    assert_eq!(criterion(&c, "demo")["not_held_rate"], 0.75);
    assert_eq!(criterion(&c, "demo")["lift"], 0.5);
    assert_eq!(criterion(&c, "demo")["group"], "engagement");
    // Eight leads: every criterion held or failed for fewer than 30.
    for name in names {
        assert_eq!(flags(criterion(&c, name)), ["few"], "{name}");
    }
    insta::assert_snapshot!(crate::snapshots::redact_timing(&run.stdout));
}

/// 400 leads, the first 200 converted; each column is "y" on a range of leads.
fn flag_leads() -> String {
    let ranges: [(&str, std::ops::Range<usize>); 8] = [
        // 120 held, all converted: 100% → leak?
        ("closed", 0..120),
        // 100 held, none converted: 0% → leak?
        ("junk", 200..300),
        // 99 held, all converted: fewer than 100 → no flag.
        ("near", 0..99),
        // 100 held, 99 converted (101..=199): exactly 99% → leak?
        ("ninety_nine", 101..201),
        // 100 held, 98 converted (102..=199): 98% → no flag.
        ("ninety_eight", 102..202),
        // 29 held → few.
        ("rare", 0..29),
        // 371 held, 29 not → few (and 200 of 371 converted: no leak?).
        ("common", 0..371),
        // Never held → few; no rate, no lift.
        ("never", 0..0),
    ];
    let mut out = String::from("id,won");
    for (name, _) in &ranges {
        out.push_str(&format!(",{name}"));
    }
    out.push('\n');
    for i in 0..400 {
        out.push_str(&format!("L{i},{}", if i < 200 { "yes" } else { "no" }));
        for (_, r) in &ranges {
            out.push_str(if r.contains(&i) { ",y" } else { "," });
        }
        out.push('\n');
    }
    out
}

fn flag_rules() -> String {
    let mut rules = String::from("[input]\nid = \"id\"\n[[stages]]\nname = \"lead\"\n");
    for name in ["closed", "junk", "near", "ninety_nine", "ninety_eight", "rare", "common", "never"] {
        rules.push_str(&format!("[[criteria]]\nname = \"{name}\"\ncolumn = \"{name}\"\npresent = true\npoints = 1\n"));
    }
    rules
}

#[test]
fn few_and_leak_flags_at_their_boundaries() {
    let (run, c) = calibrate(&flag_rules(), &flag_leads());
    for (name, want) in [
        ("closed", vec!["leak?"]),
        ("junk", vec!["leak?"]),
        ("near", vec![]),
        ("ninety_nine", vec!["leak?"]),
        ("ninety_eight", vec![]),
        ("rare", vec!["few"]),
        ("common", vec!["few"]),
        ("never", vec!["few"]),
    ] {
        assert_eq!(flags(criterion(&c, name)), want, "{name}");
    }
    let closed = criterion(&c, "closed");
    assert_eq!((closed["held"].as_u64(), closed["held_converted"].as_u64()), (Some(120), Some(120)));
    assert_eq!(closed["held_rate"], 1.0);
    // 80 of the other 280 converted; lift 100% / 50% = 2.
    assert_eq!(closed["not_held_rate"], 80.0 / 280.0);
    assert_eq!(closed["lift"], 2.0);
    assert_eq!(criterion(&c, "ninety_nine")["held_rate"], 0.99);
    let never = criterion(&c, "never");
    assert_eq!(never["held"], 0);
    assert!(never["held_rate"].is_null() && never["lift"].is_null(), "{never}");
    assert_eq!(never["not_held_rate"], 0.5);
    run.stdout_has("| closed       |  120 |       120 |    100.0% |         28.6% | 2.00 | leak? |")
        .stdout_has("| never        |    0 |         0 |         - |         50.0% |    - | few   |")
        .stdout_has("few: held or did not hold for fewer than 30 leads")
        .stdout_has("leak?: held for 100 or more leads, of whom 0% or 99% or more converted");
}

#[test]
fn auc_is_undefined_when_no_lead_or_every_lead_converted() {
    for (won, reason) in [("no", "no lead converted"), ("yes", "every lead converted")] {
        let leads = LEADS.replace(",yes\n", ",x\n").replace(",no\n", ",x\n").replace(",x\n", &format!(",{won}\n"));
        let (run, c) = calibrate(RULES, &leads);
        for k in ["score", "fit", "engagement"] {
            assert!(c["auc"][k].is_null(), "{k}: {c}");
        }
        assert_eq!(c["auc"]["undefined_reason"], reason);
        run.stdout_has(&format!("ROC AUC (ties count half): score -, fit -, engagement - (undefined: {reason})\n"));
        // No overall rate to lift against when nobody converted.
        let lift = &criterion(&c, "big")["lift"];
        assert_eq!(lift.is_null(), won == "no", "{lift}");
    }
}

#[test]
fn compare_outcome_shows_the_auc_under_each_rule_set() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    let run = wd.run(&[
        "compare",
        "-r",
        "rules.toml",
        "--as-of",
        AS_OF,
        "--set",
        "criteria.big.points=0",
        "--outcome",
        "won",
        "--summary-json",
        "c.json",
        "leads.csv",
    ]);
    run.code(0);
    let c: serde_json::Value = serde_json::from_str(&wd.read("c.json")).unwrap();
    // The base as in `auc_counts_ties_half_and_includes_disqualified_leads`; without
    // `big` every fit is 0 (one tie: 0.5) and the score is the engagement.
    assert_eq!(c["auc"]["base"]["score"], 0.8125);
    assert_eq!(c["auc"]["candidate"]["score"], 0.5625);
    assert_eq!(c["auc"]["candidate"]["fit"], 0.5);
    run.stdout_has("base: ROC AUC (ties count half): score 0.813, fit 0.750, engagement 0.563\n")
        .stdout_has("candidate: ROC AUC (ties count half): score 0.563, fit 0.500, engagement 0.563\n");
}
