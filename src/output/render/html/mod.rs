//! `--report FILE.html` (docs/reference.md §8.4): the analysts' figures as one
//! self-contained page, for `score --outcome`, `compare` and `tune`. Tables
//! and charts drawn as inline SVG, inline CSS, no script and no network
//! resource: the page reads the same offline, in a mail or in an archive.
//! Pure: each function returns the page as a string. Every text that comes
//! from a user (rule, stage, rep and file names) goes through `esc`.

use std::fmt::Write as _;

use crate::analyst::calibrate::{Calibration, Conversion};
use crate::analyst::compare::{Comparison, Diff};
use crate::analyst::tune::{Goal, Sweep};

mod response;
mod svg;

pub use response::response;

use svg::{Bar, Scale, bar, bar_chart, line_chart};

/// What the page is about: its heading and the run's inputs.
pub struct Head<'a> {
    /// `score`, `compare`, `tune`.
    pub command: &'a str,
    pub export: &'a str,
    /// The rules file(s), as named on the command line.
    pub rules: &'a str,
    pub as_of: String,
}

/// Text and attribute values as HTML: `& < > " '` escaped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML (the SVG) and mean
            // nothing in HTML: shown escaped, as on the terminal.
            c if crate::error::needs_escape(c) => out.extend(c.escape_debug()),
            c => out.push(c),
        }
    }
    out
}

/// The page for `score --outcome`: overview, stages, deciles, thresholds,
/// criteria (and grades); four charts.
pub fn calibration(head: &Head, c: &Calibration) -> String {
    let mut body = String::new();
    let auc = |a: Option<f64>| a.map_or("-".to_string(), |a| format!("{a:.4}"));
    let mut overview = vec![
        row(["leads", &c.overall.leads.to_string()]),
        row(["converted", &c.overall.converted.to_string()]),
        row(["conversion rate", &pct(c.overall.rate)]),
        row(["ROC AUC of the score", &auc(c.auc.score)]),
        row(["ROC AUC of fit alone", &auc(c.auc.fit)]),
        row(["ROC AUC of engagement alone", &auc(c.auc.engagement)]),
    ];
    if let Some(m) = c.outcomes_missing {
        overview.push(row(["not in the outcomes file (not converted)", &m.to_string()]));
    }
    section(&mut body, &format!("Outcome '{}'", c.outcome_column), &table(&["figure", "value"], &overview));
    for note in c.auc.undefined_reason.iter().map(|r| r.to_string()).chain(c.warning.clone()) {
        let _ = writeln!(body, "<p class=\"warn\">{}</p>", esc(&note));
    }

    let bars: Vec<Bar> = c.deciles.iter().map(|d| bar(decile_label(d), &[d.conversion.rate])).collect();
    let chart = bar_chart(&bars, &["conversion rate"], Scale::Fraction, c.overall.rate.map(|r| (r, "overall")));
    let rows: Vec<Vec<String>> = c
        .deciles
        .iter()
        .map(|d| {
            let mut r = vec![d.decile.to_string(), num(d.min_score), num(d.max_score)];
            r.extend(conv_cells(&d.conversion));
            r
        })
        .collect();
    let t = table(&["decile", "min score", "max score", "leads", "converted", "rate"], &rows);
    section(&mut body, "Conversion by score decile (1 = the highest scores)", &format!("{chart}{t}"));

    let bars: Vec<Bar> = c.thresholds.iter().map(|t| bar(t.stage.clone(), &[t.precision, t.recall])).collect();
    let chart = bar_chart(&bars, &["precision", "recall"], Scale::Fraction, None);
    let rows: Vec<Vec<String>> = c
        .thresholds
        .iter()
        .map(|t| vec![t.stage.clone(), t.leads.to_string(), t.converted.to_string(), pct(t.precision), pct(t.recall)])
        .collect();
    let t = table(&["at or above stage", "leads", "converted", "precision", "recall"], &rows);
    section(
        &mut body,
        "Precision and recall at each stage threshold",
        &format!(
            "<p>Precision: the conversion rate at or above the stage. Recall: the share of all converted leads \
             that are at or above it.</p>\n{chart}{t}"
        ),
    );

    let bars: Vec<Bar> = c.stages.iter().map(|s| bar(s.stage.clone(), &[Some(s.conversion.leads as f64)])).collect();
    let chart = bar_chart(&bars, &["leads"], Scale::Count, None);
    let rows: Vec<Vec<String>> = c
        .stages
        .iter()
        .map(|s| {
            let mut r = vec![s.stage.clone()];
            r.extend(conv_cells(&s.conversion));
            r
        })
        .collect();
    let t = table(&["stage", "leads", "converted", "rate"], &rows);
    section(&mut body, "Leads per stage", &format!("{chart}{t}"));

    let bars: Vec<Bar> = c
        .criteria
        .iter()
        .map(|k| {
            let label = if k.flags.is_empty() {
                k.criterion.clone()
            } else {
                format!("{} ({})", k.criterion, k.flags.join(", "))
            };
            bar(label, &[k.lift])
        })
        .collect();
    let chart = bar_chart(&bars, &["lift"], Scale::Ratio, Some((1.0, "1 = the overall rate")));
    let rows: Vec<Vec<String>> = c
        .criteria
        .iter()
        .map(|k| {
            vec![
                k.criterion.clone(),
                k.group.to_string(),
                k.held.to_string(),
                pct(k.held_rate),
                k.not_held.to_string(),
                pct(k.not_held_rate),
                k.lift.map_or("-".to_string(), |l| format!("{l:.2}")),
                k.flags.join(", "),
            ]
        })
        .collect();
    let t =
        table(&["criterion", "group", "held", "rate when held", "not held", "rate when not", "lift", "flags"], &rows);
    section(
        &mut body,
        "Lift per criterion",
        &format!(
            "<p>Lift: the conversion rate where the criterion held ÷ the overall rate. <code>few</code>: held or \
             failed for fewer than {} leads; <code>leak?</code>: held for {} or more leads converting at 0% or \
             ≥ 99% (a column that may record the outcome).</p>\n{chart}{t}",
            crate::analyst::calibrate::FEW,
            crate::analyst::calibrate::LEAK_MIN
        ),
    );

    if let Some(grades) = &c.grades {
        let rows: Vec<Vec<String>> = grades
            .iter()
            .map(|g| {
                let mut r = vec![g.grade.clone()];
                r.extend(conv_cells(&g.conversion));
                r
            })
            .collect();
        section(&mut body, "Conversion per grade", &table(&["grade", "leads", "converted", "rate"], &rows));
    }
    page(head, &body)
}

/// The page for `compare`: leads per stage and per rep under both rule sets
/// (and with `--outcome` the conversion per stage), the transition matrix
/// and the team and rep tables.
pub fn comparison(head: &Head, c: &Comparison) -> String {
    let mut body = String::new();
    let mut overview = vec![
        row(["base (A)", &c.base_rules]),
        row(["candidate (B)", &c.candidate_rules]),
        row(["leads", &c.leads.to_string()]),
        row(["leads that change stage", &c.stage_changed.to_string()]),
        row(["leads that change rep", &c.rep_changed.to_string()]),
        row(["… because their stage, team or owner changed", &c.rep_changed_by_stage_team_or_owner.to_string()]),
        row(["… only their place in the rotation (same stage and team)", &c.rep_changed_in_rotation.to_string()]),
    ];
    if let Some(a) = &c.auc {
        let auc = |a: Option<f64>| a.map_or("-".to_string(), |a| format!("{a:.4}"));
        overview.push(row(["ROC AUC of the score, A", &auc(a.base.score)]));
        overview.push(row(["ROC AUC of the score, B", &auc(a.candidate.score)]));
    }
    section(&mut body, "Two rule sets", &table(&["", ""], &overview));
    let series = ["A: base", "B: candidate"];

    // Leads per stage under each: the matrix's row and column sums.
    let mut stages: Vec<Diff> = Vec::new();
    let mut count = |name: &str, base: u64, candidate: u64| match stages.iter_mut().find(|d| d.name == name) {
        Some(d) => {
            d.base += base;
            d.candidate += candidate;
        }
        None => stages.push(Diff { name: name.to_string(), base, candidate, difference: 0 }),
    };
    for (i, name) in c.base_stages.iter().enumerate() {
        count(name, c.matrix.get(i).map_or(0, |r| r.iter().sum()), 0);
    }
    for (j, name) in c.candidate_stages.iter().enumerate() {
        count(name, 0, c.matrix.iter().map(|r| r.get(j).copied().unwrap_or(0)).sum());
    }
    stages.retain(|d| d.base > 0 || d.candidate > 0 || d.name != crate::rules::DISQUALIFIED);
    for d in &mut stages {
        d.difference = d.candidate as i64 - d.base as i64;
    }
    let chart = bar_chart(&diff_bars(&stages), &series, Scale::Count, None);
    section(&mut body, "Leads per stage", &format!("{chart}{}", diff_table("stage", &stages)));

    let mut m = vec!["A \\ B".to_string()];
    m.extend(c.candidate_stages.iter().cloned());
    let rows: Vec<Vec<String>> = c
        .base_stages
        .iter()
        .zip(&c.matrix)
        .map(|(name, r)| std::iter::once(name.clone()).chain(r.iter().map(|n| n.to_string())).collect())
        .collect();
    let heads: Vec<&str> = m.iter().map(String::as_str).collect();
    section(
        &mut body,
        "Stage transitions",
        &format!("<p>Rows: the stage under A; columns: under B.</p>\n{}", table(&heads, &rows)),
    );

    let chart = bar_chart(&diff_bars(&c.reps), &series, Scale::Count, None);
    section(&mut body, "Leads per rep", &format!("{chart}{}", diff_table("rep", &c.reps)));
    if !c.teams.is_empty() {
        section(&mut body, "Leads per team", &diff_table("team", &c.teams));
    }
    if let Some(g) = &c.grades {
        section(&mut body, "Leads per grade", &diff_table("grade", g));
    }
    if let Some(conv) = &c.conversion {
        let bars: Vec<Bar> = conv
            .iter()
            .map(|p| {
                bar(p.stage.clone(), &[p.base.as_ref().and_then(|c| c.rate), p.candidate.as_ref().and_then(|c| c.rate)])
            })
            .collect();
        let chart = bar_chart(&bars, &series, Scale::Fraction, None);
        let side = |c: &Option<Conversion>| match c {
            Some(c) => conv_cells(c),
            None => vec!["-".to_string(); 3],
        };
        let rows: Vec<Vec<String>> = conv
            .iter()
            .map(|p| std::iter::once(p.stage.clone()).chain(side(&p.base)).chain(side(&p.candidate)).collect())
            .collect();
        let t = table(&["stage", "A leads", "A converted", "A rate", "B leads", "B converted", "B rate"], &rows);
        section(&mut body, "Conversion per stage", &format!("{chart}{t}"));
    }
    page(head, &body)
}

/// The page for `tune`: precision and recall, and the leads at or above the
/// stage, against the threshold (the answer and the current threshold
/// marked); the answer; the table around it and the whole sweep.
pub fn sweep(head: &Head, s: &Sweep, outcome_column: &str) -> String {
    let mut body = String::new();
    let goal = match s.goal {
        Goal::Precision(p) => format!("the lowest threshold with precision ≥ {p}"),
        Goal::Recall(r) => format!("the highest threshold with recall ≥ {r}"),
        Goal::Leads(n) => format!("the threshold with the number of leads closest to {n}"),
    };
    let answer = s.answer.map(|i| s.steps[i]);
    let mut overview = vec![
        row(["stage", &s.stage]),
        row(["outcome column", outcome_column]),
        row(["leads", &s.leads.to_string()]),
        row(["converted", &s.converted.to_string()]),
        row(["target", &goal]),
        row(["min_score now", &s.current.map_or("none".to_string(), |t| t.to_string())]),
        row(["leads at or above now", &s.now.0.to_string()]),
        row(["precision now", &pct(s.precision(s.now.0, s.now.1))]),
        row(["recall now", &pct(s.recall(s.now.1))]),
    ];
    match answer {
        Some(a) => {
            overview.push(row(["answer", &format!("min_score {}", a.threshold)]));
            overview.push(row(["leads at or above then", &a.leads.to_string()]));
            overview.push(row(["precision then", &pct(s.precision(a.leads, a.converted))]));
            overview.push(row(["recall then", &pct(s.recall(a.converted))]));
        }
        None => overview.push(row(["answer", "no threshold qualifies"])),
    }
    section(&mut body, &format!("Tune stage '{}'", s.stage), &table(&["", ""], &overview));
    if let Some(a) = answer {
        let _ = writeln!(body, "<p>Apply it with <code>{}</code></p>", esc(&s.set_line(a.threshold)));
    }

    let mut steps = s.steps.clone();
    steps.reverse();
    let xs: Vec<f64> = steps.iter().map(|t| t.threshold.as_f64()).collect();
    let mut marks = Vec::new();
    if let Some(a) = answer {
        marks.push((a.threshold.as_f64(), format!("answer {}", a.threshold)));
    }
    if let Some(t) = s.current {
        marks.push((t.as_f64(), format!("now {t}")));
    }
    let precision: Vec<Option<f64>> = steps.iter().map(|t| s.precision(t.leads, t.converted)).collect();
    let recall: Vec<Option<f64>> = steps.iter().map(|t| s.recall(t.converted)).collect();
    let chart = line_chart(&xs, &[("precision", precision), ("recall", recall)], Scale::Fraction, &marks);
    section(&mut body, "Precision and recall against the threshold", &chart);
    let leads: Vec<Option<f64>> = steps.iter().map(|t| Some(t.leads as f64)).collect();
    let chart = line_chart(&xs, &[("leads at or above the stage", leads)], Scale::Count, &marks);
    section(&mut body, "Leads at or above the stage against the threshold", &chart);

    let step_row = |i: usize| {
        let t = s.steps[i];
        let mark = match (Some(i) == s.answer, s.current == Some(t.threshold)) {
            (true, true) => "answer, now",
            (true, false) => "answer",
            (false, true) => "now",
            (false, false) => "",
        };
        vec![
            t.threshold.to_string(),
            t.leads.to_string(),
            t.converted.to_string(),
            pct(s.precision(t.leads, t.converted)),
            pct(s.recall(t.converted)),
            mark.to_string(),
        ]
    };
    let heads = ["threshold", "leads", "converted", "precision", "recall", ""];
    if let Some(c) = s.centre {
        let rows: Vec<Vec<String>> = (c.saturating_sub(5)..(c + 6).min(s.steps.len())).map(step_row).collect();
        section(&mut body, "Around the answer", &table(&heads, &rows));
    }
    let rows: Vec<Vec<String>> = (0..s.steps.len()).map(step_row).collect();
    let _ = writeln!(
        body,
        "<details><summary>The whole sweep ({} thresholds)</summary>\n{}</details>",
        s.steps.len(),
        table(&heads, &rows)
    );
    page(head, &body)
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;\
margin:2em auto;max-width:980px;padding:0 1em;color:#222}\
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}\
.meta{color:#555;margin-top:0}table{border-collapse:collapse;margin:.8em 0;font-size:.9em}\
th,td{border:1px solid #ddd;padding:.25em .6em}th{background:#f4f4f4;text-align:left}\
td.n{text-align:right;font-variant-numeric:tabular-nums}.warn{color:#a40}\
svg{display:block;margin:.8em 0;max-width:100%;height:auto}svg text{font-family:inherit}\
code{background:#f4f4f4;padding:0 .2em}";

fn page(head: &Head, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>leadroute {cmd}: {export}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>leadroute {cmd}: {export}</h1>\n<p class=\"meta\">rules {rules}, as of {as_of}</p>\n{body}\
         <p class=\"meta\">Written by leadroute {version}.</p>\n</body>\n</html>\n",
        cmd = esc(head.command),
        export = esc(head.export),
        rules = esc(head.rules),
        as_of = esc(&head.as_of),
        version = env!("CARGO_PKG_VERSION"),
    )
}

fn section(body: &mut String, title: &str, content: &str) {
    let _ = write!(body, "<h2>{}</h2>\n{content}", esc(title));
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// A table; cells that read as numbers (or `-`, or a percentage) are right-aligned.
fn table(heads: &[&str], rows: &[Vec<String>]) -> String {
    let mut t = String::from("<table>\n");
    if heads.iter().any(|h| !h.is_empty()) {
        t.push_str("<tr>");
        for h in heads {
            let _ = write!(t, "<th>{}</th>", esc(h));
        }
        t.push_str("</tr>\n");
    }
    for r in rows {
        t.push_str("<tr>");
        for cell in r {
            let numeric = !cell.is_empty() && cell.trim_end_matches('%').parse::<f64>().is_ok() || cell == "-";
            let class = if numeric { " class=\"n\"" } else { "" };
            let _ = write!(t, "<td{class}>{}</td>", esc(cell));
        }
        t.push_str("</tr>\n");
    }
    t.push_str("</table>\n");
    t
}

fn pct(r: Option<f64>) -> String {
    r.map_or("-".to_string(), |r| format!("{:.2}%", r * 100.0))
}

/// A score as the rules write it: at most two decimals, no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_string() } else { s.to_string() }
}

fn conv_cells(c: &Conversion) -> Vec<String> {
    vec![c.leads.to_string(), c.converted.to_string(), pct(c.rate)]
}

fn decile_label(d: &crate::analyst::calibrate::DecileConversion) -> String {
    format!("{} (score {}–{})", d.decile, num(d.min_score), num(d.max_score))
}

fn diff_table(what: &str, diffs: &[Diff]) -> String {
    let rows: Vec<Vec<String>> = diffs
        .iter()
        .map(|d| vec![d.name.clone(), d.base.to_string(), d.candidate.to_string(), format!("{:+}", d.difference)])
        .collect();
    table(&[what, "A", "B", "difference"], &rows)
}

fn diff_bars(diffs: &[Diff]) -> Vec<Bar> {
    diffs.iter().map(|d| bar(d.name.clone(), &[Some(d.base as f64), Some(d.candidate as f64)])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(esc("<b>&\"x\"'"), "&lt;b&gt;&amp;&quot;x&quot;&#39;");
        assert_eq!(esc("a\0b\x1b[1mc\nd"), "a\\0b\\u{1b}[1mc\\nd");
    }
}
