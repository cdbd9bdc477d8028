//! Bad input of every kind: the contract's exit code, a message naming the
//! file, line (and column) and the fix, and no output touched.

use crate::fixtures::{LEADS, RULES};
use crate::workdir::Workdir;

/// Runs `score` with rules and leads that should fail; checks that the
/// existing output file is left exactly as it was.
fn fails(rules: &str, leads: &[u8], extra: &[&str], code: i32) -> crate::workdir::Run {
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", leads).write("out.csv", "yesterday\n");
    let mut args = vec!["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-o", "out.csv"];
    args.extend_from_slice(extra);
    args.push("leads.csv");
    let run = wd.run(&args);
    run.code(code);
    assert_eq!(wd.read("out.csv"), "yesterday\n", "a failing run changed the output\n{}", run.stderr);
    assert!(run.stdout.is_empty(), "a failing run wrote to stdout: {}", run.stdout);
    run
}

#[test]
fn typo_in_a_key_names_line_column_and_the_fix() {
    let rules = RULES.replace("min_score = 45", "min_scroe = 45");
    fails(&rules, LEADS.as_bytes(), &[], 2)
        .stderr_has("rules.toml:90:1: unknown key 'min_scroe' in [[stages]] 'sql'")
        .stderr_has("did you mean 'min_score'?");
}

#[test]
fn wrong_types_mixed_tests_and_too_many_decimals() {
    fails(&RULES.replace("points = 15\n", "points = \"15\"\n"), LEADS.as_bytes(), &[], 2)
        .stderr_has("'points' in [[criteria]] 'senior' must be a number, found a string");
    fails(&RULES.replace("equals = \"student\"", "equals = \"student\"\nin = [\"x\"]"), LEADS.as_bytes(), &[], 2)
        .stderr_has("mixes equals and in");
    fails(&RULES.replace("per = 5", "per = 5\nequals = \"x\""), LEADS.as_bytes(), &[], 2)
        .stderr_has("'per' takes the place of a test");
    fails(&RULES.replace("within_days = 14", "within_days = 14\nolder_than_days = 3"), LEADS.as_bytes(), &[], 2)
        .stderr_has("mixes within_days and older_than_days");
    fails(&RULES.replace("points = 7.5", "points = 7.555"), LEADS.as_bytes(), &[], 2)
        .stderr_has(":40:10: 'points' in [[criteria]] 'size' may have at most two decimals, found 7.555");
    fails(&RULES.replace("within_days = 14", "within_days = 1.5"), LEADS.as_bytes(), &[], 2)
        .stderr_has("must be a whole number");
}

#[test]
fn rules_references_and_structure() {
    fails(&RULES.replace("require = [\"contact\"]", "require = [\"contcat\"]"), LEADS.as_bytes(), &[], 2)
        .stderr_has("unknown criterion 'contcat' (did you mean 'contact'?)");
    fails(&RULES.replace("overflow = \"inside\"", "overflow = \"product\""), LEADS.as_bytes(), &[], 2)
        .stderr_has("overflow cycle: product -> product");
    fails(&RULES.replace("name = \"mql\"", "name = \"lead\""), LEADS.as_bytes(), &[], 2)
        .stderr_has("duplicate stage name 'lead'");
    fails(&RULES.replace("name = \"mql\"", "name = \"disqualified\""), LEADS.as_bytes(), &[], 2).stderr_has("reserved");
    fails(&RULES.replace("[[stages]]\nname = \"lead\"\n", ""), LEADS.as_bytes(), &[], 2)
        .stderr_has("first (default) stage");
    fails("[input]\nid = \"Lead ID\"\n", LEADS.as_bytes(), &[], 2).stderr_has("at least one [[stages]]");
    fails("[input\nid = 1", LEADS.as_bytes(), &[], 2).stderr_has("rules.toml:1:");
    fails(&RULES.replace("team = \"inside\"\nweight", "team = \"insde\"\nweight"), LEADS.as_bytes(), &[], 2)
        .stderr_has("unknown team 'insde'");
}

#[test]
fn missing_rules_file_is_a_usage_error() {
    let wd = Workdir::new();
    wd.write("leads.csv", LEADS).write("out.csv", "yesterday\n");
    wd.run(&["score", "-r", "missing.toml", "-o", "out.csv", "leads.csv"]).code(2).stderr_has("missing.toml");
    assert_eq!(wd.read("out.csv"), "yesterday\n");
}

#[test]
fn missing_or_ambiguous_columns_exit_1_and_list_the_header() {
    let leads = LEADS.replace("Views", "Visits");
    fails(RULES, leads.as_bytes(), &[], 1)
        .stderr_has("leads.csv:1: no column 'Views' (criterion 'views')")
        .stderr_has("the header has: Lead ID");
    let leads = LEADS.replacen("Created", "Created,Title", 1).replace('\n', ",x\n").replacen(",x\n", "\n", 1);
    fails(RULES, leads.as_bytes(), &[], 1).stderr_has("column 'Title' (criterion 'senior') is ambiguous");
    // Routing columns must exist for every command, score included.
    let leads = LEADS.replacen("Interest", "Intrest", 1);
    fails(RULES, leads.as_bytes(), &[], 1).stderr_has("team 'product' when");
}

#[test]
fn invalid_utf8_names_the_line_and_suggests_the_encoding() {
    let mut bytes = LEADS.as_bytes().to_vec();
    let at = LEADS.find("Posti,Chief").unwrap();
    bytes[at + 1] = 0xF6;
    fails(RULES, &bytes, &[], 1).stderr_has("leads.csv:9: invalid UTF-8").stderr_has("windows-1252");
}

#[test]
fn empty_export_and_open_quote_in_header() {
    fails(RULES, b"", &[], 1).stderr_has("empty");
    fails(RULES, b"\r\n\n", &[], 1).stderr_has("empty");
    fails(RULES, b"Lead ID,\"Company\nA1,x\n", &[], 1).stderr_has("unterminated quote");
}

#[test]
fn strict_fails_on_warnings_and_writes_nothing() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS).write("out.csv", "yesterday\n");
    let run = wd.run(&[
        "score",
        "-r",
        "rules.toml",
        "--as-of",
        "2026-11-01",
        "--strict",
        "--rejects",
        "rej.csv",
        "--summary-json",
        "s.json",
        "-o",
        "out.csv",
        "leads.csv",
    ]);
    run.code(1).stderr_has("--strict").stderr_has("column 'Employees' (first at line 6)");
    assert_eq!(wd.read("out.csv"), "yesterday\n");
    assert!(!wd.exists("rej.csv") && !wd.exists("s.json"));
    let names: Vec<String> = std::fs::read_dir(wd.path("."))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "temporary files left: {names:?}");
    // To standard output: nothing at all.
    let run = wd.run(&["score", "-r", "rules.toml", "--as-of", "2026-11-01", "--strict", "leads.csv"]);
    run.code(1);
    assert!(run.stdout.is_empty());
}

#[test]
fn unwritable_output_folder() {
    let run = fails(RULES, LEADS.as_bytes(), &["--rejects", "no/such/dir/rej.csv"], 1);
    run.stderr_has("cannot write to folder 'no/such/dir'");
}

#[test]
fn bad_set_paths_and_values() {
    fails(RULES, LEADS.as_bytes(), &["--set", "reps.Nobody.capacity=3"], 2).stderr_has("no rep named 'Nobody'");
    fails(RULES, LEADS.as_bytes(), &["--set", "reps.Brent.capasity=3"], 2).stderr_has("did you mean 'capacity'?");
    fails(RULES, LEADS.as_bytes(), &["--set", "reps.Brent=3"], 2).stderr_has("whole table");
    fails(RULES, LEADS.as_bytes(), &["--set", "scoring=3"], 2).stderr_has("whole table");
    fails(RULES, LEADS.as_bytes(), &["--set", "nonsense.x=3"], 2).stderr_has("unknown table 'nonsense'");
    fails(RULES, LEADS.as_bytes(), &["--set", "stages.sql.min_score=abc"], 2)
        .stderr_has("must be a number, found a string");
    fails(RULES, LEADS.as_bytes(), &["--set", "stages.sql.min_score"], 2).stderr_has("KEY=VALUE");
    fails(RULES, LEADS.as_bytes(), &["--as-of", "2026-02-30"], 2).stderr_has("--as-of");
}

#[test]
fn prefix_clash_is_a_rules_error_that_suggests_a_prefix() {
    let leads = LEADS.replacen("Created", "Created,Score", 1).replace('\n', ",x\n").replacen(",x\n", "\n", 1);
    fails(RULES, leads.as_bytes(), &[], 2).stderr_has(
        "leads.csv:1: the export already has a column 'Score', and leadroute would append 'score'; \
         set a prefix for the appended columns in the rules, e.g. [output] prefix = \"lr_\"",
    );
    // With the prefix it suggests, the same export runs.
    let rules = RULES.replacen("[scoring]", "[output]\nprefix = \"lr_\"\n\n[scoring]", 1);
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", &leads);
    wd.run(&["score", "-r", "rules.toml", "-q", "-o", "out.csv", "leads.csv"]).code(0);
    assert!(wd.read("out.csv").starts_with("Lead ID,Company,") && wd.read("out.csv").contains(",Score,lr_score,"));
}
