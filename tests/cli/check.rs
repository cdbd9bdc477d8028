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
