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
pub fn check_page(html: &str, charts: usize) {
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
    // Leads per stage, leads per rep, and "(nobody)" on its own axis.
    check_page(&html, 3);
    assert!(html.contains("A: base") && html.contains("B: candidate"), "{html}");
    assert!(html.contains("Anna") && html.contains("Olli"), "{html}");
    // With --outcome: the conversion per stage under both as well.
    compare(&wd, &["--outcome", "Won", "--report", "c2.html"]).code(0);
    check_page(&wd.read("c2.html"), 4);
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
        check_page(&html, if page == "page.html" { 4 } else { 3 });
    }
    assert!(wd.read("page.html").contains("big\\0\\u{1b}[1m"));
    assert!(wd.read("cmp.html").contains("Ol\\nli"));
}

/// The page's headline: the text of `<div class="headline">`.
pub fn headline(html: &str) -> &str {
    let start = html.find("<div class=\"headline\">").expect("a headline");
    let end = html[start..].find("</div>").expect("closed") + start;
    &html[start..end]
}

fn json(wd: &Workdir, name: &str) -> serde_json::Value {
    serde_json::from_str(&wd.read(name)).unwrap()
}

/// A rate as the headline says it, and as the tables say it.
fn whole(rate: &serde_json::Value) -> String {
    format!("{:.0}%", rate.as_f64().unwrap() * 100.0)
}

fn cell(rate: &serde_json::Value) -> String {
    format!("<td class=\"n\">{:.2}%</td>", rate.as_f64().unwrap() * 100.0)
}

#[test]
fn the_calibration_headline_says_the_tables_figures() {
    let wd = workdir();
    score(&wd, &["--report", "r.html", "--summary-json", "s.json"]).code(0);
    let html = wd.read("r.html");
    let c = &json(&wd, "s.json")["calibration"];
    let top = c["stages"].as_array().unwrap().iter().rev().find(|s| s["stage"] != "disqualified").unwrap();
    // Worked by hand: sql holds A1 (70), A3 (70) and A2 (60): all three converted;
    // 5 of the 10 leads converted.
    assert_eq!(
        (top["stage"].as_str(), top["leads"].as_u64(), top["converted"].as_u64()),
        (Some("sql"), Some(3), Some(3))
    );
    let h = headline(&html);
    let want = format!(
        "Leads at stage &#39;sql&#39; convert at {} against {} overall (5 of 10 leads converted).",
        whole(&top["rate"]),
        whole(&c["rate"])
    );
    assert!(h.contains(&want), "{want}\n{h}");
    assert_eq!(whole(&c["rate"]), "50%");
    // The same rates in the tables, with two decimals.
    assert!(html.contains(&cell(&top["rate"])) && html.contains(&cell(&c["rate"])), "{html}");
    let auc = c["auc"]["score"].as_f64().unwrap();
    let want = format!("{:.0} times in 100 (ROC AUC {auc:.2})", auc * 100.0);
    assert!(h.contains(&want), "{want}\n{h}");
    assert!(html.contains(&format!("<td class=\"n\">{auc:.4}</td>")), "the AUC in the overview\n{html}");
    let top_decile = &c["deciles"][0];
    assert!(h.contains(&format!("highest scores converts at {}.", whole(&top_decile["rate"]))), "{h}");
    // AUC and lift are explained in words where they appear.
    assert!(h.contains("ROC AUC: how often the score ranks") && h.contains("Lift: how many times"), "{h}");
}

#[test]
fn the_tune_headline_says_the_answer_and_the_curve_is_drawn_in_steps() {
    let wd = workdir();
    // Worked by hand: 5 leads at or above 40 (A1, A3, A2, A5, A9), 4 of them converted.
    let args = ["--outcome", "Won", "--stage", "sql", "--target-leads", "5", "--report", "t.html", "--summary-json"];
    wd.run(&[&["tune", "-r", "rules.toml"], &args[..], &["t.json", "leads.csv"]].concat()).code(0);
    let html = wd.read("t.html");
    let t = json(&wd, "t.json");
    let a = &t["answer"];
    let h = headline(&html);
    let want = format!(
        "Then {} leads are at or above it (now {}); {} of them convert (now {}), and they hold {} of all converted \
         leads (now {}).",
        a["leads"],
        t["current"]["leads"],
        whole(&a["precision"]),
        whole(&t["current"]["precision"]),
        whole(&a["recall"]),
        whole(&t["current"]["recall"])
    );
    assert!(h.contains(&want), "{want}\n{h}");
    assert!(h.contains("set stage &#39;sql&#39; min_score to 40 (now 60)."), "{h}");
    assert!(h.contains("Then 5 leads are at or above it (now 3); 80% of them convert (now 100%)"), "{h}");
    // Steps: each measured threshold but the first adds a corner, 2n - 1 points.
    let n = t["sweep"].as_array().unwrap().len();
    let points = html.split("<polyline").nth(1).unwrap().split("points=\"").nth(1).unwrap().split('"').next().unwrap();
    assert_eq!(points.split(' ').count(), 2 * n - 1, "{points}");
    assert_eq!(html.matches("<circle").count(), 3 * n, "a dot per measured point and series");
}

#[test]
fn compare_shows_what_changed_for_a_set() {
    let wd = workdir();
    compare(&wd, &["--set", "reps.Olli.capacity=10", "--report", "c.html", "--summary-json", "c.json"]).code(0);
    let html = wd.read("c.html");
    assert!(html.contains("<h2>What changed</h2>\n<p>1 key differs between A and B.</p>"), "{html}");
    assert!(
        html.contains("<tr><td>stages.sql.min_score</td><td class=\"n\">60</td><td>→</td><td class=\"n\">45</td></tr>"),
        "{html}"
    );
    let c = json(&wd, "c.json");
    assert_eq!(c["changes"], serde_json::json!([{"key": "stages.sql.min_score", "base": "60", "candidate": "45"}]));
}

#[test]
fn compare_shows_what_changed_for_a_candidate_file_and_escapes_it() {
    let wd = workdir();
    let rules = RULES.replace("name = \"Olli\"", "name = \"<script>'O\\\"Li'\"");
    let candidate = rules
        .replace("points = 30", "points = 25.5")
        .replace("capacity = 10", "capacity = 4")
        .replace("min_score = 60\n", "min_score = 60\nmin_fit = 10\n");
    wd.write("rules.toml", &rules).write("cand.toml", &candidate);
    wd.run(&["compare", "-r", "rules.toml", "--candidate", "cand.toml", "--report", "c.html", "leads.csv"]).code(0);
    let html = wd.read("c.html");
    check_page(&html, 3);
    let rows = [
        "<tr><td>criteria.&quot;&lt;b&gt;&amp;\\&quot;x\\&quot;&quot;.points</td><td class=\"n\">30</td><td>→</td>\
         <td class=\"n\">25.5</td></tr>",
        "<tr><td>stages.sql.min_fit</td><td>(not set)</td><td>→</td><td class=\"n\">10</td></tr>",
        "<tr><td>reps.&quot;&lt;script&gt;&#39;O\\&quot;Li&#39;&quot;.capacity</td><td class=\"n\">10</td><td>→</td>\
         <td class=\"n\">4</td></tr>",
    ];
    for row in rows {
        assert!(html.contains(row), "{row}\n{html}");
    }
    assert!(html.contains("<p>3 keys differ between A and B.</p>"), "{html}");
    assert!(!html.contains("<script>"), "{html}");
}

#[test]
fn nobody_gets_its_own_axis_and_the_reasons_it_grew() {
    let wd = workdir();
    // Olli takes 1 instead of 10: more leads with no capacity left.
    compare(&wd, &["--set", "reps.Olli.capacity=1", "--report", "c.html", "--summary-json", "c.json"]).code(0);
    let html = wd.read("c.html");
    // Stages; the reps; "(nobody)" on its own axis.
    check_page(&html, 3);
    let c = json(&wd, "c.json");
    let nobody = c["reps"].as_array().unwrap().iter().find(|d| d["name"] == "(nobody)").unwrap();
    let reasons = c["unassigned"].as_array().unwrap();
    let no_capacity = reasons.iter().find(|d| d["name"] == "no_capacity").unwrap();
    let no_team = reasons.iter().find(|d| d["name"] == "no_team").unwrap();
    // Worked by hand: the lead stage (A8, A10: scores under 30) has no team;
    // mql and sql hold eight leads: Anna takes 3, Olli 5 (or 1 of them).
    assert_eq!((no_team["base"].as_u64(), no_team["candidate"].as_u64()), (Some(2), Some(2)));
    assert_eq!((no_capacity["base"].as_u64(), no_capacity["candidate"].as_u64()), (Some(0), Some(4)));
    assert_eq!((nobody["base"].as_u64(), nobody["candidate"].as_u64()), (Some(2), Some(6)));
    let h = headline(&html);
    assert!(h.contains("Leads with no rep: 2 under A, 6 under B (no_capacity +4)."), "{h}");
    let (reps, own) = html.split_once("(nobody), on its own axis:").expect("its own chart");
    let reps_chart = &reps[reps.rfind("<svg").unwrap()..];
    assert!(!reps_chart.contains("(nobody)") && reps_chart.contains(">Anna<"), "{reps_chart}");
    assert!(own[..own.find("</svg>").unwrap()].contains(">(nobody)<"), "{own}");
    assert!(
        html.contains(
            "<tr><td>no_capacity</td><td class=\"n\">0</td><td class=\"n\">4</td><td class=\"n\">+4</td></tr>"
        )
    );
}
