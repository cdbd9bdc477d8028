use crate::fixtures::{LEADS, RULES};
use crate::workdir::{Workdir, column};

fn assign(wd: &Workdir, extra: &[&str]) -> Vec<Vec<String>> {
    let mut args = vec!["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out.csv"];
    args.extend_from_slice(extra);
    args.push("leads.csv");
    wd.run(&args).code(0);
    wd.csv("out.csv")
}

#[test]
fn routes_each_lead_with_its_reason() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    let rows = assign(&wd, &[]);
    assert_eq!(rows[0][rows[0].len() - 3..], ["team", "rep", "reason"]);
    assert_eq!(column(&rows, "Lead ID"), ["A8", "A1", "A4", "A7", "A2", "A5", "A6", "A3"]);
    assert_eq!(column(&rows, "team"), ["product", "product", "", "inside", "inside", "inside", "", ""]);
    assert_eq!(column(&rows, "rep"), ["Brent", "Brent", "", "Sanna", "Olli", "Sanna", "", ""]);
    assert_eq!(
        column(&rows, "reason"),
        ["balanced", "account_owner", "disqualified", "balanced", "balanced", "balanced", "no_team", "no_team"]
    );
}

#[test]
fn owners_file_wins_and_accounts_in_it_never_get_an_in_run_owner() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS).write(
        "owners.csv",
        "\u{feff}account;rep;note\n posti ;Liisa;x\nPosti;Brent;second row loses\nMetso;Gone Person;\n",
    );
    let rows = assign(&wd, &["--owners", "owners.csv"]);
    let rep = column(&rows, "rep");
    let reason = column(&rows, "reason");
    // Both Posti leads go to Liisa, the owner from the file.
    assert_eq!((rep[0].as_str(), reason[0].as_str()), ("Liisa", "account_owner"));
    assert_eq!((rep[1].as_str(), reason[1].as_str()), ("Liisa", "account_owner"));
    // Metso's owner is not a rep: balanced routing, and no in-run owner is recorded.
    assert_eq!((rep[3].as_str(), reason[3].as_str()), ("Sanna", "balanced"));
}

#[test]
fn capacity_overflow_expertise_and_no_capacity() {
    let wd = Workdir::new();
    let rules = r#"
[input]
id = "id"
[[criteria]]
name = "hot"
column = "hot"
equals = "yes"
points = 50
[[stages]]
name = "lead"
[[stages]]
name = "sql"
min_score = 50
[[teams]]
name = "field"
stages = ["sql"]
overflow = "inside"
[[teams]]
name = "inside"
stages = ["sql"]
[[teams]]
name = "nurture"
stages = ["lead"]
[[reps]]
name = "Ann"
team = "field"
capacity = 1
prefer = [{ column = "industry", in = ["aero"] }]
[[reps]]
name = "Bob"
team = "field"
capacity = 1
[[reps]]
name = "Cid"
team = "inside"
capacity = 1
[[reps]]
name = "Dee"
team = "nurture"
active = false
"#;
    wd.write("rules.toml", rules)
        .write("leads.csv", "id,hot,industry\n1,yes,aero\n2,yes,steel\n3,yes,aero\n4,yes,steel\n5,no,\n");
    let rows = assign(&wd, &[]);
    assert_eq!(column(&rows, "id"), ["1", "2", "3", "4", "5"]);
    assert_eq!(column(&rows, "rep"), ["Ann", "Bob", "Cid", "", ""]);
    assert_eq!(column(&rows, "team"), ["field", "field", "inside", "field", "nurture"]);
    assert_eq!(column(&rows, "reason"), ["expertise", "balanced", "balanced", "no_capacity", "no_capacity"]);
}

#[test]
fn pausing_a_rep_with_set() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    let rows = assign(&wd, &["--set", "reps.Brent.active=false", "--set", "reps.Liisa.capacity=1"]);
    assert_eq!(column(&rows, "rep")[..2], ["Liisa".to_string(), "Sanna".into()]);
    assert_eq!(column(&rows, "team")[..2], ["product".to_string(), "inside".into()]);
    assert!(!column(&rows, "rep").contains(&"Brent".to_string()));
}

#[test]
fn missing_and_duplicate_ids_and_routed_disqualified() {
    let wd = Workdir::new();
    let rules = RULES.replace("stages = [\"mql\", \"sql\"]", "stages = [\"mql\", \"sql\", \"disqualified\"]");
    let leads = format!(
        "{LEADS}A8,Posti,CEO,Logistics,SE,1200,dup@posti.example,60,yes,Product,2026-10-30,2025-01-01\n ,X,CEO,,,,,,,,,\n"
    );
    wd.write("rules.toml", rules).write("leads.csv", leads);
    let rows = assign(&wd, &[]);
    let ids = column(&rows, "Lead ID");
    let reason = column(&rows, "reason");
    let at =
        |id: &str, email: &str| (0..ids.len()).find(|&i| ids[i] == id && column(&rows, "Email")[i] == email).unwrap();
    // The later copy of A8 is the duplicate even though it ranks higher (older `created`).
    assert!(at("A8", "dup@posti.example") < at("A8", "a8@posti.example"));
    assert_eq!(reason[at("A8", "dup@posti.example")], "duplicate");
    assert_eq!(reason[at("A8", "a8@posti.example")], "balanced");
    assert_eq!(reason[at(" ", "")], "missing_id");
    // A team lists `disqualified`: the competitor lead is routed like any other.
    assert_eq!(column(&rows, "team")[at("A4", "a4@rival.example")], "inside");
}

#[test]
fn same_inputs_same_bytes() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    assign(&wd, &[]);
    let first = wd.read("out.csv");
    assign(&wd, &[]);
    assert_eq!(first, wd.read("out.csv"));
}

#[test]
fn summary_json_has_routing_figures() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    assign(&wd, &["--summary-json", "s.json"]);
    let s: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
    let r = &s["routing"];
    assert_eq!(r["assigned"], 5);
    assert_eq!(r["not_assigned"], 3);
    assert_eq!(r["reasons"]["no_team"], 2);
    let brent = r["reps"].as_array().unwrap().iter().find(|x| x["rep"] == "Brent").unwrap();
    assert_eq!(brent["taken"], 2);
    assert_eq!(brent["capacity"], 2);
    assert_eq!(brent["mean_score"], 66.5);
    let none = r["teams"].as_array().unwrap().iter().find(|t| t["team"].is_null()).unwrap();
    assert_eq!(none["not_assigned"]["disqualified"], 1);
}

/// docs/reference.md §7.2, the specialist keeps room for their speciality: Brent (capacity
/// 4, reserve 2, prefers aerospace) takes general leads only while more than
/// two places are left; the two kept places go to aerospace leads ranked
/// lower. Without the reserve he fills up with the general leads ranked first.
#[test]
fn a_reserve_keeps_places_for_the_leads_a_rep_prefers() {
    let rules = r#"
[input]
id = "id"
[[criteria]]
name = "pts"
column = "pts"
per = 1
points = 1
[[stages]]
name = "lead"
[[teams]]
name = "sales"
overflow = "backup"
[[teams]]
name = "backup"
stages = []
[[reps]]
name = "Brent"
team = "sales"
capacity = 4
reserve = 2
prefer = [{ column = "industry", equals = "aerospace" }]
[[reps]]
name = "Olli"
team = "backup"
capacity = 10
"#;
    // Brent is the only rep of `sales`; what he cannot take overflows to Olli.
    let leads = "id,pts,industry\nG1,9,retail\nG2,8,retail\nG3,7,retail\nG4,6,retail\nA1,5,aerospace\nA2,4,aerospace\n";
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", leads);
    let args = ["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out.csv", "leads.csv"];
    wd.run(&args).code(0);
    let rows = wd.csv("out.csv");
    assert_eq!(column(&rows, "id"), ["G1", "G2", "G3", "G4", "A1", "A2"]);
    assert_eq!(column(&rows, "rep"), ["Brent", "Brent", "Olli", "Olli", "Brent", "Brent"]);
    assert_eq!(column(&rows, "team"), ["sales", "sales", "backup", "backup", "sales", "sales"]);
    assert_eq!(column(&rows, "reason")[4..], ["expertise", "expertise"]);
    // explain names the reserve for G3.
    let run = wd.run(&["explain", "-r", "rules.toml", "--as-of", "2026-11-01", "--id", "G3", "leads.csv"]);
    run.code(0).stdout_has("Brent (reserve: its last");
    // Without it, Brent takes the first four general leads and the aerospace ones go to Olli.
    wd.run(&[&args[..2], &["rules.toml", "--set", "reps.Brent.reserve=0"], &args[3..]].concat()).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "rep"), ["Brent", "Brent", "Brent", "Brent", "Olli", "Olli"]);
    // A reserve needs a capacity, a prefer, and to be below the capacity.
    for (set, want) in [
        ("reps.Brent.reserve=4", "'reserve' in [[reps]] 'Brent' must be below 'capacity' (4), found 4"),
        ("reps.Olli.reserve=1", "'reserve' in [[reps]] 'Olli' keeps places for leads it prefers: it needs 'prefer'"),
    ] {
        wd.run(&[&args[..2], &["rules.toml", "--set", set], &args[3..]].concat()).code(2).stderr_has(want);
    }
    let no_capacity = rules.replacen("capacity = 4\n", "", 1);
    wd.write("rules2.toml", no_capacity);
    wd.run(&["assign", "-r", "rules2.toml", "-q", "-o", "out2.csv", "leads.csv"])
        .code(2)
        .stderr_has("'reserve' in [[reps]] 'Brent' needs a limit to keep places from: set 'capacity'");
}

/// docs/reference.md §7.3: an owners file saved by Excel (windows-1252) is read as such
/// when it is not valid UTF-8: `Päivi` in cp1252 owns her account.
#[test]
fn an_owners_file_in_windows_1252_is_read() {
    let rules = RULES.replace("name = \"Olli\"", "name = \"Päivi\"");
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", LEADS);
    wd.write("owners.csv", b"account;rep\nKone;P\xE4ivi\n".as_slice());
    let args = [
        "assign",
        "-r",
        "rules.toml",
        "--as-of",
        "2026-11-01",
        "-q",
        "--owners",
        "owners.csv",
        "-o",
        "out.csv",
        "leads.csv",
    ];
    let run = wd.run(&args);
    run.code(0);
    assert_eq!(run.stderr.lines().filter(|l| l.contains("owners.csv")).count(), 0, "{}", run.stderr);
    let rows = wd.csv("out.csv");
    let a5 = rows.iter().find(|r| r[0] == "A5").unwrap();
    assert_eq!((a5[17].as_str(), a5[18].as_str()), ("Päivi", "account_owner"), "{a5:?}");
}
