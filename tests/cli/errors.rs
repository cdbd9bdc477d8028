//! Bad input of every kind: the contract's exit code, a message naming the
//! file, line (and column) and the fix, and no output touched.

use crate::fixtures::{HEADER, LEADS, RULES};
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
    run.code(1).stderr_has("--strict").stderr_has("column 'Employees' (first at line 6: 'n/a')");
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
    // Says that the folder does not exist, without the temporary file's name.
    assert_eq!(
        run.stderr,
        "leadroute: error: no/such/dir/rej.csv: cannot write the output: folder 'no/such/dir' does not exist; \
         create it, or give a path in an existing folder\n"
    );
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

/// `rules.toml:LINE:COL` of the value of the first line of `rules` that
/// starts with `line` (`key = value`): where a message about it points.
fn value_at(rules: &str, line: &str) -> String {
    let start = rules.find(&format!("\n{line}")).expect("the line is in the rules") + 1;
    let line_no = rules[..start].matches('\n').count() + 1;
    let col = rules[start..].find("= ").expect("key = value") + 3;
    format!("rules.toml:{line_no}:{col}")
}

/// A `contains_any` needle of a million characters. The automaton for it was
/// built in time quadratic in its length (70,000 characters: 23 s before the
/// first row; a million would take hours), so this test would not finish.
/// No timing is asserted: a linear set-up takes a few seconds even in a debug
/// build, and whether the needle still matches is what is checked.
#[test]
fn a_million_character_needle_is_set_up_in_linear_time_and_matches() {
    let needle = "abcdefghij".repeat(100_000);
    let rules = RULES.replace("contains_any = [\"head of\",", &format!("contains_any = [\"{needle}\", \"head of\","));
    let leads =
        LEADS.replace("Analyst", &format!("x{}x", needle.to_uppercase())).replace("Operations Director", &needle[1..]);
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", leads);
    wd.run(&["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out.csv", "leads.csv"]).code(0);
    let rows = wd.csv("out.csv");
    let ids = crate::workdir::column(&rows, "Lead ID");
    let fit = crate::workdir::column(&rows, "fit");
    let fit_of = |id: &str| fit[ids.iter().position(|i| i == id).unwrap()].clone();
    // A6 (an analyst: fit 0) now holds the needle: 15. A5 (a director: 15) now
    // holds all of it but its first letter, and no longer "director": 0.
    assert_eq!((fit_of("A6").as_str(), fit_of("A5").as_str()), ("15", "0"));
}

#[test]
fn huge_negative_tiny_and_non_finite_numbers_say_what_is_allowed() {
    let huge = "1000000000000000000000000000000";
    let case = |from: &str, to: &str| {
        let rules = RULES.replacen(from, to, 1);
        let run = fails(&rules, LEADS.as_bytes(), &[], 2);
        let at = value_at(&rules, to.lines().next().unwrap());
        (run.stderr.clone(), at)
    };
    let (stderr, at) = case("points = 15\n", &format!("points = {huge}\n"));
    assert!(
        stderr.contains(&format!(
            "{at}: 'points' in [[criteria]] 'senior' is too large: found {huge}; the largest allowed is 10000000\n"
        )),
        "{stderr}"
    );
    for (from, to, want) in [
        ("points = 15\n", "points = 1e30\n", "is too large: found 1e30; the largest allowed is 10000000"),
        (
            "points = 15\n",
            "points = -1e30\n",
            "is too large a negative number: found -1e30; the smallest allowed is -10000000",
        ),
        ("max = 12", "max = 1e30", "'max' in [[criteria]] 'views' is too large"),
        ("max = 12", "max = -1e30", "'max' in [[criteria]] 'views' must be ≥ 0, found -1e30"),
        ("min_score = 45", "min_score = 99999999999999999999", "'min_score' in [[stages]] 'sql' is too large"),
        ("max_fit = 40", "max_fit = 1e8", "'max_fit' in [scoring] is too large: found 1e8"),
        ("capacity = 2", &format!("capacity = {huge}"), "'capacity' in [[reps]] 'Brent' is too large: found 1000"),
        ("capacity = 2", "capacity = -1e30", "'capacity' in [[reps]] 'Brent' must be a whole number ≥ 0, found -1e30"),
        ("within_days = 14", "within_days = 1e30", "'within_days' in [[criteria]] 'recent' is too large: found 1e30"),
        ("gte = 100", "gte = 1e30", "is too large: found 1e30; the largest allowed is 100000000000000000000"),
        (
            "per = 5",
            "per = 1e-30",
            "'per' in [[criteria]] 'views' is too small: found 1e-30; the smallest allowed is 0.000000000000000001",
        ),
        ("per = 5", "per = -1e30", "'per' in [[criteria]] 'views' must be greater than 0, found -1e30"),
        ("weight = 2", "weight = 1e21", "'weight' in [[reps]] 'Sanna' is too large"),
        ("weight = 2", "weight = nan", "'weight' in [[reps]] 'Sanna' must be a finite number, found nan"),
        ("points = 7.5", "points = 1e-30", "may have at most two decimals, found 1e-30"),
    ] {
        let (stderr, at) = case(from, to);
        assert!(stderr.contains(&format!("{at}: ")) && stderr.contains(want), "{to}: wanted {at}: …{want}\n{stderr}");
    }
    // The same from --set, which names the argument instead of a line.
    fails(RULES, LEADS.as_bytes(), &["--set", "stages.sql.min_score=1e30"], 2)
        .stderr_has("--set 'stages.sql.min_score=1e30': 'min_score' in [[stages]] 'sql' is too large: found 1e30");
    // At the limit: valid.
    let wd = Workdir::new();
    wd.write("rules.toml", RULES.replacen("points = 15\n", "points = -10000000\n", 1)).write("leads.csv", LEADS);
    wd.run(&["check", "-r", "rules.toml"]).code(0);
}

#[test]
fn toml_nested_thousands_deep_names_its_line_and_column() {
    let lines = RULES.matches('\n').count();
    let deep = |tail: String| fails(&format!("{RULES}{tail}\n"), LEADS.as_bytes(), &[], 2).stderr.clone();
    let arrays = deep(format!("[scoring2]\na = {}{}", "[".repeat(5000), "]".repeat(5000)));
    assert!(arrays.contains(&format!("rules.toml:{}:", lines + 2)), "{arrays}");
    assert!(arrays.contains("invalid TOML: arrays and inline tables nested too deeply"), "{arrays}");
    let tables = deep(format!("a = {}1{}", "{ a = ".repeat(5000), " }".repeat(5000)));
    assert!(tables.contains(&format!("rules.toml:{}:", lines + 1)), "{tables}");
    assert!(tables.contains("nested too deeply"), "{tables}");
    let parts = vec!["a"; 5000].join(".");
    for (text, col) in [(format!("[[{parts}]]"), 3), (format!("[{parts}]"), 2), (format!("{parts} = 1"), 1)] {
        let stderr = deep(text);
        assert!(
            stderr
                .contains(&format!("rules.toml:{}:{col}: invalid TOML: the key or table header 'a.a.a.a.", lines + 1))
                && stderr.contains("has 5000 dotted parts"),
            "{stderr}"
        );
        assert!(stderr.len() < 400, "{stderr}");
    }
}

#[test]
fn a_missing_or_ambiguous_column_in_a_wide_header_shows_a_short_list() {
    // 200,000 more columns; 'Title' is gone, and two names close to it are deep inside.
    let mut extra: Vec<String> = (0..200_000).map(|i| format!("Extra {i}")).collect();
    extra[120_000] = "Titel".into();
    extra[150_000] = "Titles".into();
    let header = HEADER.replace("Title,", "Role,");
    let wide = format!("{header},{}\n", extra.join(","));
    let run = fails(RULES, wide.as_bytes(), &[], 1);
    run.stderr_has(
        "leads.csv:1: no column 'Title' (criterion 'senior'); the header has 200,012 columns, closest: 'Titles', \
         'Titel'; first 20: 'Lead ID', 'Company', 'Role',",
    );
    assert!(run.stderr.len() < 1000, "{} bytes: {}", run.stderr.len(), run.stderr);
    let same = format!("{HEADER},{}\n", vec!["Title"; 200_000].join(","));
    let run = fails(RULES, same.as_bytes(), &[], 1);
    run.stderr_has(
        "column 'Title' (criterion 'senior') is ambiguous: 200,001 header cells match it exactly (columns 3, 13, 14,",
    )
    .stderr_has(", 31, … and 199,981 more); rename one in the export");
    assert!(run.stderr.len() < 1000, "{} bytes: {}", run.stderr.len(), run.stderr);
}

#[test]
fn control_characters_in_echoed_text_are_escaped() {
    let one_clean_line = |run: &crate::workdir::Run| {
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(!run.stderr.trim_end().chars().any(char::is_control), "{:?}", run.stderr);
    };
    let run = fails(RULES, LEADS.as_bytes(), &["--set", "stages.sql.min_score=\x1b[31m"], 2);
    run.stderr_has("--set 'stages.sql.min_score=\\u{1b}[31m': 'min_score' in [[stages]] 'sql' must be a number");
    one_clean_line(&run);
    let run = fails(RULES, LEADS.as_bytes(), &["--set", "stages.s\nql.min_score=1"], 2);
    run.stderr_has("no stage named 's\\nql' (did you mean 'sql'?)");
    one_clean_line(&run);
    let run = fails(RULES, LEADS.as_bytes(), &["--set", "stages.sql.min\u{202e}_score=1"], 2);
    run.stderr_has("unknown key 'min\\u{202e}_score'");
    one_clean_line(&run);
    // A name in the rules file, and a header cell of the export.
    let rules = RULES.replace("require = [\"contact\"]", "require = [\"con\\u0007tact\\r\"]");
    one_clean_line(fails(&rules, LEADS.as_bytes(), &[], 2).stderr_has("unknown criterion 'con\\u{7}tact\\r'"));
    let leads = LEADS.replacen("Views", "Vi\x1b[2Jews", 1);
    one_clean_line(fails(RULES, leads.as_bytes(), &[], 1).stderr_has("Vi\\u{1b}[2Jews"));
}

/// A chain of 20,000 overflow teams: each team's chain was walked with a
/// linear search of the path at every step (cubic: 5 minutes before the first
/// row). Walked once, it takes a moment; a cycle through all of them is named
/// in a short message.
#[test]
fn a_long_overflow_chain_is_checked_once_and_a_long_cycle_is_shown_short() {
    let n = 20_000;
    let teams = |last: &str| -> String {
        let mut rules = String::from("[input]\nid = \"Lead ID\"\n[[stages]]\nname = \"lead\"\n");
        for i in 0..n {
            let overflow = if i + 1 < n { format!("t{}", i + 1) } else { last.to_string() };
            rules.push_str(&format!("[[teams]]\nname = \"t{i}\"\n"));
            if !overflow.is_empty() {
                rules.push_str(&format!("overflow = \"{overflow}\"\n"));
            }
        }
        rules
    };
    let wd = Workdir::new();
    wd.write("rules.toml", teams("")).write("cycle.toml", teams("t0"));
    wd.run(&["check", "-r", "rules.toml"]).code(0).stdout_has("20000 teams");
    let run = wd.run(&["check", "-r", "cycle.toml"]);
    run.code(2)
        .stderr_has("cycle.toml:7:12: overflow cycle: t0 -> t1 -> t2 -> ")
        .stderr_has(" -> t18 -> … 19,981 more … -> t0; an overflow chain must end in a team without overflow");
    assert!(run.stderr.len() < 400, "{}", run.stderr);
}

#[test]
fn rules_that_are_not_utf8_name_the_line_and_column() {
    let mut rules = RULES.replacen("name = \"senior\"", "name = \"s\u{e4}nior\"", 1).into_bytes();
    let at = rules.windows(2).position(|w| w == "\u{e4}".as_bytes()).unwrap();
    rules.splice(at..at + 2, [0xE4]);
    let line = rules[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", LEADS);
    wd.run(&["check", "-r", "rules.toml"])
        .code(2)
        .stderr_has(&format!("rules.toml:{line}:10: the rules file is not valid UTF-8 (byte 0xE4); save it as UTF-8"));
}

/// Working time (docs/reference.md §11.3): each bad value of `working_hours`,
/// `working_days`, `holidays` and a team's `timezone` is a rules error at its
/// place, saying what is expected.
#[test]
fn bad_working_time_values_name_their_place_and_what_is_expected() {
    let routing = |lines: &str| RULES.replacen("[scoring]", &format!("[routing]\n{lines}\n\n[scoring]"), 1);
    let bad = |lines: &str| {
        let rules = routing(lines);
        let at = value_at(&rules, lines.lines().last().unwrap_or_default());
        (fails(&rules, LEADS.as_bytes(), &[], 2), at)
    };
    let (run, at) = bad("working_hours = \"17:00-08:00\"");
    assert_eq!(at, "rules.toml:8:17");
    run.stderr_has(&format!(
        "{at}: [routing] working_hours '17:00-08:00': the start must be before the end, e.g. \"08:00-17:00\""
    ));
    let (run, at) = bad("working_hours = \"08:00-08:00\"");
    run.stderr_has(&format!("{at}: [routing] working_hours '08:00-08:00': the start must be before the end"));
    let (run, at) = bad("working_hours = \"8-17\"");
    run.stderr_has(&format!("{at}: [routing] working_hours '8-17': expected HH:MM-HH:MM, e.g. \"08:00-17:00\""));
    let (run, at) = bad("working_hours = \"08:00-24:30\"");
    run.stderr_has(&format!("{at}: [routing] working_hours '08:00-24:30': 24:30 is not a time of day"));
    let (run, at) = bad("working_hours = 8");
    run.stderr_has(&format!("{at}: 'working_hours' in [routing] must be a string, found"));
    let (run, at) = bad("working_days = []");
    run.stderr_has(&format!("{at}: [routing] working_days is empty: list at least one day, e.g. [\"mon\""));
    // The day names: the unknown one's own column, with the nearest name.
    let (run, at) = bad("working_days = [\"mon\", \"tues\"]");
    let col: usize = at.rsplit(':').next().unwrap().parse().unwrap();
    run.stderr_has(&format!(
        "rules.toml:8:{}: [routing] working_days: unknown day 'tues' (did you mean 'tue'?); the days are mon, tue, \
         wed, thu, fri, sat, sun",
        col + 8
    ));
    let (run, _) = bad("working_days = [\"mon\", \"sat\", \"Mon\"]");
    run.stderr_has(&format!(
        "rules.toml:8:{}: [routing] working_days lists 'mon' twice (first at rules.toml:8:{}); list each day once",
        col + 15,
        col + 1
    ));
    let (run, at) = bad("holidays = [\"2026-12-24\", \"2026-02-30\"]");
    run.stderr_has(&format!(
        "rules.toml:8:{}: [routing] holidays: '2026-02-30' is not a date; write YYYY-MM-DD, e.g. \"2026-12-24\"",
        at.rsplit(':').next().unwrap().parse::<usize>().unwrap() + 15
    ));
    let (run, _) = bad("holidays = [\"24.12.2026\"]");
    run.stderr_has("[routing] holidays: '24.12.2026' is not a date");
    // A team's keys, likewise; and a team's time zone is checked as [routing]'s.
    let team = |lines: &str| {
        RULES.replacen("name = \"inside\"\nstages = [\"mql\", \"sql\"]", &format!("name = \"inside\"\n{lines}"), 1)
    };
    let rules = team("timezone = \"Mars/Olympus_Mons\"");
    fails(&rules, LEADS.as_bytes(), &[], 2).stderr_has(&format!(
        "{}: unknown time zone 'Mars/Olympus_Mons' in [[teams]] 'inside' timezone; give an IANA name such as",
        value_at(&rules, "timezone")
    ));
    let rules = team("working_hours = \"09:00-18:00\"\nworking_days = [\"monday\"]");
    fails(&rules, LEADS.as_bytes(), &[], 2)
        .stderr_has("[[teams]] 'inside' working_days: unknown day 'monday' (did you mean 'mon'?)");
    let rules = team("working_hours = \"9:00-18:00\"");
    fails(&rules, LEADS.as_bytes(), &[], 2).stderr_has(&format!(
        "{}: [[teams]] 'inside' working_hours '9:00-18:00': expected HH:MM-HH:MM",
        value_at(&rules, "working_hours")
    ));
    fails(&team("holidays = \"2026-12-24\""), LEADS.as_bytes(), &[], 2)
        .stderr_has("'holidays' in [[teams]] 'inside' must be a list of strings, found a string");
    // --set names itself as the place.
    fails(RULES, LEADS.as_bytes(), &["--set", "routing.working_hours=\"24:00-24:00\""], 2).stderr_has(
        "rules.toml: --set 'routing.working_hours=\"24:00-24:00\"': [routing] working_hours '24:00-24:00': the start \
         must be before the end",
    );
}
