//! Property tests over generated exports and rules: the invariants users rely on.

use proptest::prelude::*;

use crate::fixtures::{HEADER, RULES};
use crate::workdir::{Workdir, column};

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("yes".to_string()),
        Just("Head of Logistics".to_string()),
        Just("Student".to_string()),
        Just("Aerospace".to_string()),
        Just("n/a".to_string()),
        Just("FI".to_string()),
        Just("Product".to_string()),
        Just("a@rival.example".to_string()),
        (0u32..300).prop_map(|n| n.to_string()),
        (0u32..300).prop_map(|n| format!("2026-{:02}-{:02}", n % 12 + 1, n % 28 + 1)),
    ]
}

/// A row of the fixture header: id, company, then 10 more cells; sometimes ragged.
fn row() -> impl Strategy<Value = (Vec<String>, bool)> {
    (0u32..40, prop::sample::select(vec!["Posti", "Kone", "", "Metso"]), prop::collection::vec(cell(), 10), 0u8..20)
        .prop_map(|(id, company, rest, ragged)| {
            let mut cells = vec![if id == 0 { String::new() } else { format!("L{id}") }, company.to_string()];
            cells.extend(rest);
            let well_formed = ragged != 0;
            if !well_formed {
                cells.truncate(5);
            }
            (cells, well_formed)
        })
}

fn export(rows: &[(Vec<String>, bool)]) -> String {
    let mut s = format!("{HEADER}\n");
    for (r, _) in rows {
        s.push_str(&r.join(","));
        s.push('\n');
    }
    s
}

fn sorted_by_rank(rows: &[Vec<String>]) -> bool {
    let score: Vec<f64> = column(rows, "score").iter().map(|s| s.parse().unwrap()).collect();
    score.windows(2).all(|w| w[0] >= w[1])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn every_well_formed_row_appears_exactly_once_in_rank_order(rows in prop::collection::vec(row(), 0..60)) {
        let wd = Workdir::new();
        wd.write("rules.toml", RULES).write("leads.csv", export(&rows));
        let run = wd.run(&["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out.csv", "leads.csv"]);
        let rejected = rows.iter().filter(|r| !r.1).count();
        prop_assert_eq!(run.code, if rejected > 0 { 3 } else { 0 }, "{}", run.stderr);
        let out = wd.csv("out.csv");
        let mut got: Vec<Vec<String>> = out[1..].iter().map(|r| r[..12].to_vec()).collect();
        let mut want: Vec<Vec<String>> = rows.iter().filter(|r| r.1).map(|r| r.0.clone()).collect();
        got.sort();
        want.sort();
        prop_assert_eq!(got, want);
        prop_assert!(sorted_by_rank(&out));
    }

    #[test]
    fn routing_respects_capacity_activity_and_gives_one_reason(
        rows in prop::collection::vec(row(), 0..80),
        cap in 0u64..4,
        olli_active in any::<bool>(),
    ) {
        let wd = Workdir::new();
        wd.write("rules.toml", RULES).write("leads.csv", export(&rows));
        let olli = format!("reps.Olli.active={olli_active}");
        let capset = format!("reps.Sanna.capacity={cap}");
        let run = wd.run(&["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "--set", &olli, "--set", &capset, "-o", "out.csv", "leads.csv"]);
        prop_assert!(run.code == 0 || run.code == 3, "{}", run.stderr);
        let out = wd.csv("out.csv");
        let reps = column(&out, "rep");
        let reasons = column(&out, "reason");
        let count = |name: &str| reps.iter().filter(|r| *r == name).count() as u64;
        prop_assert!(count("Brent") <= 2 && count("Liisa") <= 2 && count("Sanna") <= cap);
        if !olli_active { prop_assert_eq!(count("Olli"), 0); }
        let known = ["missing_id", "duplicate", "disqualified", "no_team", "no_capacity", "account_owner", "expertise", "balanced"];
        for (rep, reason) in reps.iter().zip(&reasons) {
            prop_assert!(known.contains(&reason.as_str()));
            let assigned = matches!(reason.as_str(), "account_owner" | "expertise" | "balanced");
            prop_assert_eq!(assigned, !rep.is_empty());
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(prop_oneof![
        Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b';'), Just(0xE4u8), Just(0xEF), Just(0xBB), Just(0xBF),
        any::<u8>(), Just(b'L'), Just(b'1'),
    ], 0..400), header in any::<bool>()) {
        let wd = Workdir::new();
        let mut data = if header { format!("{HEADER}\n").into_bytes() } else { Vec::new() };
        data.extend_from_slice(&bytes);
        wd.write("rules.toml", RULES).write("leads.csv", &data);
        let run = wd.run(&["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out.csv", "leads.csv"]);
        prop_assert!([0, 1, 3].contains(&run.code), "exit {} stderr {}", run.code, run.stderr);
        prop_assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

/// Over many leads of one team with no `prefer`, each rep's share follows its
/// weight within one lead.
#[test]
fn shares_follow_weights() {
    let rules = "[input]\nid = \"id\"\n[[stages]]\nname = \"lead\"\n[[teams]]\nname = \"t\"\n\
        [[reps]]\nname = \"a\"\nteam = \"t\"\nweight = 1\n\
        [[reps]]\nname = \"b\"\nteam = \"t\"\nweight = 2.5\n\
        [[reps]]\nname = \"c\"\nteam = \"t\"\nweight = 0.5\n";
    for n in [1usize, 7, 40, 401, 1000] {
        let wd = Workdir::new();
        let leads: String = std::iter::once("id\n".to_string()).chain((0..n).map(|i| format!("{i}\n"))).collect();
        wd.write("rules.toml", rules).write("leads.csv", leads);
        wd.run(&["assign", "-r", "rules.toml", "-q", "-o", "out.csv", "leads.csv"]).code(0);
        let reps = column(&wd.csv("out.csv"), "rep");
        for (name, w) in [("a", 1.0), ("b", 2.5), ("c", 0.5)] {
            let got = reps.iter().filter(|r| *r == name).count() as f64;
            let want = n as f64 * w / 4.0;
            assert!((got - want).abs() <= 1.0, "n={n}: {name} took {got}, expected {want} ± 1");
        }
    }
}

/// A lead goes to its account's owner whenever that owner can take it.
#[test]
fn account_owner_takes_the_account_whenever_it_can() {
    let rules = "[input]\nid = \"id\"\naccount = \"acc\"\n[[stages]]\nname = \"lead\"\n[[teams]]\nname = \"t\"\n\
        [[reps]]\nname = \"a\"\nteam = \"t\"\ncapacity = 30\n\
        [[reps]]\nname = \"b\"\nteam = \"t\"\ncapacity = 30\n\
        [[reps]]\nname = \"c\"\nteam = \"t\"\n";
    let mut leads = String::from("id,acc\n");
    for i in 0..200 {
        leads.push_str(&format!("{i},acct{}\n", (i * 7919) % 23));
    }
    let wd = Workdir::new();
    wd.write("rules.toml", rules)
        .write("leads.csv", &leads)
        .write("owners.csv", "account,rep\nACCT1,b\nacct2,c\nacct3,nobody\n");
    wd.run(&["assign", "-r", "rules.toml", "-q", "--owners", "owners.csv", "-o", "out.csv", "leads.csv"]).code(0);
    let out = wd.csv("out.csv");
    let (acc, rep, reason) = (column(&out, "acc"), column(&out, "rep"), column(&out, "reason"));
    let mut owner: std::collections::HashMap<String, String> =
        [("acct1", "b"), ("acct2", "c")].iter().map(|(a, r)| (a.to_string(), r.to_string())).collect();
    let mut taken: std::collections::HashMap<String, u64> = Default::default();
    let capacity = |r: &str| if r == "c" { u64::MAX } else { 30 };
    for i in 0..acc.len() {
        match owner.get(&acc[i]).cloned() {
            Some(o) if taken.get(&o).copied().unwrap_or(0) < capacity(&o) => {
                assert_eq!((rep[i].as_str(), reason[i].as_str()), (o.as_str(), "account_owner"), "row {i}");
            }
            Some(_) => {}
            // An account in the owners file never gets an in-run owner.
            None if acc[i] == "acct3" => {}
            None => {
                owner.insert(acc[i].clone(), rep[i].clone());
            }
        }
        *taken.entry(rep[i].clone()).or_default() += 1;
    }
}
