//! `--report FILE.html` (docs/reference.md §8.4): one self-contained page for
//! `score --outcome`, `compare` and `tune`, written atomically like every
//! output, with every user-supplied name escaped.

use crate::workdir::{Run, Workdir};

/// A criterion whose name is markup, a team and two reps (so that compare
/// has reps to show).
const RULES: &str = r#"
[input]
id = "Id"

[[criteria]]
name = '<b>&"x"'
column = "Size"
gte = 20
points = 30

[[criteria]]
name = "visits"
group = "engagement"
column = "Visits"
per = 1
points = 1

[[stages]]
name = "lead"

[[stages]]
name = "mql"
min_score = 30

[[stages]]
name = "sql"
min_score = 60

[[teams]]
name = "sales"
stages = ["mql", "sql"]

[[reps]]
name = "Anna"
team = "sales"
capacity = 3

[[reps]]
name = "Olli"
team = "sales"
capacity = 10
"#;

const LEADS: &str = "\
Id,Size,Visits,Won
A1,40,40,yes
A2,30,30,yes
A3,0,70,yes
A4,20,5,no
A5,50,10,yes
A6,10,30,yes
A7,5,35,no
A8,15,5,no
A9,20,10,no
A10,0,0,no
";

fn workdir() -> Workdir {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    wd
}

fn score(wd: &Workdir, extra: &[&str]) -> Run {
    let mut args = vec!["score", "-r", "rules.toml", "--as-of", "2026-11-01", "--outcome", "Won", "-o", "out.csv"];
    args.extend_from_slice(extra);
    args.push("leads.csv");
    wd.run(&args)
}

fn compare(wd: &Workdir, extra: &[&str]) -> Run {
    let mut args = vec!["compare", "-r", "rules.toml", "--as-of", "2026-11-01", "--set", "stages.sql.min_score=45"];
    args.extend_from_slice(extra);
    args.push("leads.csv");
    wd.run(&args)
}

fn tune(wd: &Workdir, extra: &[&str]) -> Run {
    let mut args = vec![
        "tune",
        "-r",
        "rules.toml",
        "--as-of",
        "2026-11-01",
        "--outcome",
        "Won",
        "--stage",
        "sql",
        "--target-precision",
        "0.9",
    ];
    args.extend_from_slice(extra);
    args.push("leads.csv");
    wd.run(&args)
}

/// What every page must be: one HTML document, no script, nothing from the
/// network, `charts` SVG charts each closed, the criterion's name escaped.
fn check_page(html: &str, charts: usize) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.trim_end().ends_with("</html>"), "{html}");
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "a script: {html}");
    for attr in ["src=", "href=", "url("] {
        for (at, _) in lower.match_indices(attr) {
            let value = lower[at + attr.len()..].trim_start_matches(['"', '\'']);
            assert!(
                !value.starts_with("http:") && !value.starts_with("https:") && !value.starts_with("//"),
                "a network resource at {at}: {}",
                &html[at..(at + 80).min(html.len())]
            );
        }
    }
    assert_eq!(lower.matches("<svg").count(), charts, "charts\n{html}");
    assert_eq!(lower.matches("</svg>").count(), charts, "every <svg> closes\n{html}");
    // Each chart closes before the next opens.
    let mut rest = lower.as_str();
    while let Some(open) = rest.find("<svg") {
        let close = rest[open..].find("</svg>").expect("closed") + open;
        assert!(!rest[open + 4..close].contains("<svg"), "nested <svg>");
        rest = &rest[close..];
    }
    // Tags balance inside the page (a crude well-formedness check).
    for tag in ["table", "tr", "td", "th", "h2", "p", "text", "title", "details"] {
        let opens = lower.matches(&format!("<{tag}>")).count() + lower.matches(&format!("<{tag} ")).count();
        assert_eq!(opens, lower.matches(&format!("</{tag}>")).count(), "<{tag}> balance");
    }
}

#[test]
fn score_outcome_writes_the_calibration_page() {
    let wd = workdir();
    score(&wd, &["--report", "r.html"]).code(0);
    let html = wd.read("r.html");
    // Deciles, precision and recall, leads per stage, lift per criterion.
    check_page(&html, 4);
    assert!(html.contains("&lt;b&gt;&amp;&quot;x&quot;"), "escaped criterion name\n{html}");
    assert!(!html.contains("<b>&"), "the raw name\n{html}");
    for heading in ["Conversion by score decile", "Precision and recall", "Leads per stage", "Lift per criterion"] {
        assert!(html.contains(heading), "{heading}\n{html}");
    }
    // The figures: 10 leads, 5 converted.
    assert!(html.contains("<td class=\"n\">50.00%</td>"), "{html}");
}

#[test]
fn score_report_needs_an_outcome() {
    let wd = workdir();
    wd.run(&["score", "-r", "rules.toml", "--report", "r.html", "-o", "out.csv", "leads.csv"]).code(2);
    assert!(!wd.exists("r.html") && !wd.exists("out.csv"));
}

#[test]
fn compare_writes_stages_and_reps_under_both() {
    let wd = workdir();
    compare(&wd, &["--report", "c.html"]).code(0);
    let html = wd.read("c.html");
    // Leads per stage, leads per rep.
    check_page(&html, 2);
    assert!(html.contains("A: base") && html.contains("B: candidate"), "{html}");
    assert!(html.contains("Anna") && html.contains("Olli"), "{html}");
    // With --outcome: the conversion per stage under both as well.
    compare(&wd, &["--outcome", "Won", "--report", "c2.html"]).code(0);
    check_page(&wd.read("c2.html"), 3);
}

#[test]
fn tune_writes_the_sweep_page() {
    let wd = workdir();
    tune(&wd, &["--report", "t.html"]).code(0);
    let html = wd.read("t.html");
    // Precision and recall, leads at or above: against the threshold.
    check_page(&html, 2);
    assert!(html.contains("--set stages.sql.min_score="), "{html}");
    assert!(html.contains("<polyline"), "{html}");
}

#[test]
fn a_report_that_names_an_input_is_refused() {
    let wd = workdir();
    score(&wd, &["--report", "leads.csv"]).code(2).stderr_has("--report leads.csv: the same file as the lead export");
    compare(&wd, &["--report", "rules.toml"]).code(2).stderr_has("the same file as the rules file");
    tune(&wd, &["--report", "leads.csv"]).code(2);
    tune(&wd, &["--summary-json", "x.html", "--report", "x.html"]).code(2).stderr_has("give each output its own file");
    assert_eq!(wd.read("leads.csv"), LEADS);
    assert_eq!(wd.read("rules.toml"), RULES);
    assert!(!wd.exists("out.csv") && !wd.exists("x.html"));
}

#[test]
fn a_failed_run_writes_no_report() {
    let wd = workdir();
    // A missing outcome column: exit 1, nothing written, an old report kept.
    let old = "yesterday's report\n";
    wd.write("r.html", old).write("c.html", old).write("t.html", old);
    for run in [
        wd.run(&["score", "-r", "rules.toml", "--outcome", "Nope", "--report", "r.html", "-o", "out.csv", "leads.csv"]),
        wd.run(&[
            "compare",
            "-r",
            "rules.toml",
            "--set",
            "stages.sql.min_score=45",
            "--outcome",
            "Nope",
            "--report",
            "c.html",
            "leads.csv",
        ]),
        wd.run(&[
            "tune",
            "-r",
            "rules.toml",
            "--outcome",
            "Nope",
            "--stage",
            "sql",
            "--target-leads",
            "3",
            "--report",
            "t.html",
            "leads.csv",
        ]),
    ] {
        run.code(1).stderr_has("Nope");
    }
    for f in ["r.html", "c.html", "t.html"] {
        assert_eq!(wd.read(f), old, "{f}");
    }
    assert!(!wd.exists("out.csv"));
    // --strict trips after the outputs were created: they are removed, the old report kept.
    wd.write("bad.csv", format!("{LEADS}A11,1,2,no,extra\n"));
    wd.run(&[
        "score",
        "-r",
        "rules.toml",
        "--outcome",
        "Won",
        "--strict",
        "--report",
        "r.html",
        "-o",
        "out.csv",
        "bad.csv",
    ])
    .code(1)
    .stderr_has("--strict");
    assert_eq!(wd.read("r.html"), old);
    assert!(!wd.exists("out.csv"));
    let leftovers: Vec<_> = std::fs::read_dir(wd.path("."))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp") || n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Issue 18, item 8: a control character in a name (here U+0000 and ESC in
/// the criterion, a newline in a rep) made an SVG that was not well-formed
/// XML. Every control character is written escaped, as on the terminal.
#[test]
fn control_characters_in_names_are_escaped_on_the_page() {
    let wd = Workdir::new();
    let rules = RULES
        .replace(r#"name = '<b>&"x"'"#, r#"name = "big\u0000\u001b[1m""#)
        .replace("name = \"Olli\"", "name = \"Ol\\nli\"");
    wd.write("rules.toml", &rules).write("leads.csv", LEADS);
    score(&wd, &["--report", "page.html"]).code(0);
    compare(&wd, &["--report", "cmp.html"]).code(0);
    for page in ["page.html", "cmp.html"] {
        let html = wd.read(page);
        let bad: Vec<char> = html.chars().filter(|&c| c.is_control() && c != '\n').collect();
        assert!(bad.is_empty(), "{page}: control characters {bad:?}");
        check_page(&html, if page == "page.html" { 4 } else { 2 });
    }
    assert!(wd.read("page.html").contains("big\\0\\u{1b}[1m"));
    assert!(wd.read("cmp.html").contains("Ol\\nli"));
}
