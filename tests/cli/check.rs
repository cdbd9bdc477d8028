use crate::fixtures::{LEADS, RULES};
use crate::workdir::Workdir;

#[test]
fn valid_rules_say_so() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    wd.run(&["check", "-r", "rules.toml"]).code(0).stdout_has("rules are valid").stdout_has("lead < mql < sql");
}

#[test]
fn with_leads_it_checks_columns_and_counts_unparseable_values() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    wd.run(&["check", "-r", "rules.toml", "leads.csv"])
        .code(0)
        .stdout_has("every column the rules name exists")
        .stdout_has("column 'Employees': 1 values fail to parse (first at line 6)")
        .stdout_has("column 'Views': every value parses");
    wd.write("bad.csv", "Lead ID,Company\n1,x\n");
    wd.run(&["check", "-r", "rules.toml", "bad.csv"]).code(1).stderr_has("bad.csv:1: no column 'Created'");
}

#[test]
fn doubtful_rules_are_warned_about_but_valid() {
    let wd = Workdir::new();
    let rules = RULES
        .replace("min_score = 45", "min_score = 20")
        .replace("gte = 100\nlt = 5000", "gte = 100\nlt = 50")
        .replace(
            "ends_with_any = [\"@rival.example\"]\ndisqualify = true",
            "ends_with_any = [\"@rival.example\"]\ndisqualify = true\npoints = 3",
        )
        .replace("name = \"inside\"\nstages = [\"mql\", \"sql\"]", "name = \"inside\"\nstages = []");
    wd.write("rules.toml", rules);
    wd.run(&["check", "-r", "rules.toml"])
        .code(0)
        .stdout_has("rules are valid")
        .stderr_has("leadroute: warning: rules: criterion 'size': the range is empty")
        .stderr_has("leadroute: warning: rules: criterion 'competitor': a disqualify criterion scores no points")
        .stderr_has("leadroute: warning: rules: stage 'sql' (min_score 20) starts below stage 'mql'")
        .stdout_has("rules are valid");
    // 'inside' takes no stage of its own, but it is 'product''s overflow: it gets leads that way.
    let out = wd.run(&["check", "-r", "rules.toml"]).stderr;
    assert!(!out.contains("team 'inside' takes no stage"), "{out}");
}

/// Working time (docs/reference.md §11.3): the keys load, `[routing]`'s and a
/// team's own; working days, holidays or a team's zone without working hours
/// count nothing, and `check` says so.
#[test]
fn working_time_keys_load_and_idle_ones_are_warned_about() {
    let wd = Workdir::new();
    let with = |routing: &str, team: &str| {
        RULES.replacen("[scoring]", &format!("[routing]\n{routing}\n\n[scoring]"), 1).replacen(
            "name = \"inside\"\nstages = [\"mql\", \"sql\"]",
            &format!("name = \"inside\"\nstages = [\"mql\", \"sql\"]\n{team}"),
            1,
        )
    };
    wd.write(
        "rules.toml",
        with(
            "timezone = \"Europe/Helsinki\"\nworking_hours = \"08:00-17:00\"\nworking_days = [\"mon\", \"tue\", \
             \"wed\", \"thu\", \"fri\"]\nholidays = [\"2026-12-24\", \"2026-12-24\"]",
            "timezone = \"America/New_York\"\nworking_hours = \"09:00-24:00\"\nworking_days = [\"sun\", \"MON\"]\n\
             holidays = []",
        ),
    );
    let run = wd.run(&["check", "-r", "rules.toml"]);
    run.code(0).stdout_has("rules are valid");
    assert!(!run.stderr.contains("working"), "{}", run.stderr);
    wd.write(
        "rules.toml",
        with("working_days = [\"mon\"]\nholidays = [\"2026-12-24\"]", "timezone = \"America/New_York\""),
    );
    wd.run(&["check", "-r", "rules.toml"])
        .code(0)
        .stderr_has(
            "leadroute: warning: rules: [routing] working_days and holidays count nothing without working_hours: \
             every minute counts",
        )
        .stderr_has(
            "leadroute: warning: rules: team 'inside': timezone 'America/New_York' sets the zone of working hours \
             only, and the team has no working_hours: it changes nothing",
        );
    wd.write(
        "rules.toml",
        with("working_hours = \"08:00-17:00\"", "timezone = \"America/New_York\"\nholidays = [\"2026-11-26\"]"),
    );
    let run = wd.run(&["check", "-r", "rules.toml"]);
    run.code(0);
    assert!(!run.stderr.contains("working"), "{}", run.stderr);
    wd.write("rules.toml", with("", "working_days = [\"sat\"]"));
    wd.run(&["check", "-r", "rules.toml"])
        .code(0)
        .stderr_has("leadroute: warning: rules: team 'inside': working_days counts nothing without working_hours");
}

/// `rules.example.toml`'s working-time lines, uncommented, are valid.
#[test]
fn the_example_working_time_lines_load_uncommented() {
    let wd = Workdir::new();
    let example = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules.example.toml"))
        .expect("rules.example.toml");
    let mut n = 0;
    let text: String = example
        .lines()
        .map(|l| {
            let key = l.trim_start_matches("# ").split(' ').next().unwrap_or_default();
            if l.starts_with("# ")
                && ["[routing]", "timezone", "working_hours", "working_days", "holidays"].contains(&key)
            {
                n += 1;
                format!("{}\n", &l[2..])
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert_eq!(n, 9, "the example's working-time lines moved:\n{text}");
    wd.write("rules.toml", text);
    let run = wd.run(&["check", "-r", "rules.toml"]);
    run.code(0).stdout_has("rules are valid");
    assert!(!run.stderr.contains("working"), "{}", run.stderr);
}
