//! Snapshots of what people read: the summary table and `check`'s report.
//! Review changes with `cargo insta review` (or INSTA_UPDATE=always).

use crate::fixtures::{LEADS, RULES};
use crate::workdir::Workdir;

/// The elapsed-time line differs on every run.
pub fn redact_timing(s: &str) -> String {
    s.lines()
        .map(|l| if l.contains("rows/s") { "<N rows in T s (R rows/s)>" } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn assign_summary_table() {
    let wd = Workdir::new();
    let leads = format!("{LEADS}A9,short\n");
    wd.write("rules.toml", RULES).write("leads.csv", leads);
    let run = wd.run(&["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "-o", "out.csv", "leads.csv"]);
    run.code(3);
    insta::assert_snapshot!(redact_timing(&run.stdout));
}

#[test]
fn score_summary_table() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    let run = wd.run(&["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-o", "out.csv", "leads.csv"]);
    run.code(0);
    insta::assert_snapshot!(redact_timing(&run.stdout));
}

#[test]
fn check_report() {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    let run = wd.run(&["check", "-r", "rules.toml", "leads.csv"]);
    run.code(0);
    insta::assert_snapshot!(run.stdout);
}
