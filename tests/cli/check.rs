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
