//! What `leadroute tune` writes: the report around the answer (a table and
//! the `--set` line) and the sweep CSV. Pure: each returns or writes bytes.

use std::io::{self, Write};

use crate::analyst::tune::{Goal, Step, Sweep};
use crate::output::render::table::{push_table, right, table, text};

/// Steps shown above and below the answer in the report's table.
const AROUND: usize = 5;

/// A fraction as the report shows it: a percentage with two decimals, `-`
/// when there is none.
fn pct2(r: Option<f64>) -> String {
    r.map_or("-".to_string(), |r| format!("{:.2}%", r * 100.0))
}

fn goal_text(goal: Goal) -> String {
    match goal {
        Goal::Precision(p) => format!("the lowest threshold with precision ≥ {p}"),
        Goal::Recall(r) => format!("the highest threshold with recall ≥ {r}"),
        Goal::Leads(n) => format!("the threshold with the number of leads closest to {n}"),
    }
}

/// The report: what was swept, the current threshold's figures, the table
/// around the answer, the answer and its `--set` line (or why there is none).
pub fn report(s: &Sweep, outcome_column: &str, outcomes_missing: Option<u64>, plain: bool) -> String {
    let rate =
        if s.leads > 0 { format!(" ({})", pct2(Some(s.converted as f64 / s.leads as f64))) } else { String::new() };
    let mut out = format!(
        "tune stage '{}' against '{outcome_column}': {} of {} leads converted{rate}\n",
        s.stage, s.converted, s.leads
    );
    if let Some(missing) = outcomes_missing {
        out.push_str(&format!("{missing} leads are not in the outcomes file: counted as not converted\n"));
    }
    let current = s.current.map_or("no min_score".to_string(), |t| format!("min_score {t}"));
    out.push_str(&format!(
        "now ({current}): {} leads at or above '{}', {} converted, precision {}, recall {}\n",
        s.now.0,
        s.stage,
        s.now.1,
        pct2(s.precision(s.now.0, s.now.1)),
        pct2(s.recall(s.now.1))
    ));
    out.push_str(&format!("target: {}\n", goal_text(s.goal)));
    if let Some(c) = s.centre {
        let mut t = table(plain);
        t.set_header(vec!["threshold", "leads", "converted", "precision", "recall", ""]);
        let (from, to) = (c.saturating_sub(AROUND), (c + AROUND + 1).min(s.steps.len()));
        for (i, step) in s.steps.iter().enumerate().take(to).skip(from) {
            let mark = match (Some(i) == s.answer, s.current == Some(step.threshold)) {
                (true, true) => "<- answer, now",
                (true, false) => "<- answer",
                (false, true) => "<- now",
                (false, false) => "",
            };
            t.add_row(vec![
                right(step.threshold),
                right(step.leads),
                right(step.converted),
                right(pct2(s.precision(step.leads, step.converted))),
                right(pct2(s.recall(step.converted))),
                text(mark),
            ]);
        }
        push_table(&mut out, &t);
        out.push('\n');
    }
    match s.answer {
        Some(i) => {
            let a = &s.steps[i];
            out.push_str(&format!(
                "answer: min_score {}: {} leads at or above '{}', {} converted, precision {}, recall {}\n{}\n",
                a.threshold,
                a.leads,
                s.stage,
                a.converted,
                pct2(s.precision(a.leads, a.converted)),
                pct2(s.recall(a.converted)),
                s.set_line(a.threshold)
            ));
        }
        None => out.push_str(&no_answer(s)),
    }
    out
}

/// Why no threshold qualifies, and the nearest one.
fn no_answer(s: &Sweep) -> String {
    if s.steps.is_empty() {
        return "no threshold qualifies: the export has no well-formed lead\n".to_string();
    }
    let best = s.centre.map(|i| s.steps[i]);
    let nearest = |what: &str, value: Option<f64>, b: Option<Step>| match b {
        Some(b) => format!("; the highest {what} is {} (min_score {}, {} leads)", pct2(value), b.threshold, b.leads),
        None => String::new(),
    };
    match s.goal {
        Goal::Precision(p) => {
            let value = best.and_then(|b| s.precision(b.leads, b.converted));
            format!(
                "no threshold qualifies: none gives precision ≥ {p}{}\n",
                nearest("precision", value, best.filter(|b| b.leads > 0))
            )
        }
        Goal::Recall(r) if s.converted == 0 => {
            format!("no threshold qualifies: no lead converted, so recall ≥ {r} cannot be reached\n")
        }
        Goal::Recall(r) => {
            let value = best.and_then(|b| s.recall(b.converted));
            format!("no threshold qualifies: none gives recall ≥ {r}{}\n", nearest("recall", value, best))
        }
        Goal::Leads(_) => "no threshold qualifies\n".to_string(),
    }
}

/// The sweep as CSV: `threshold,leads,converted,precision,recall`, one row
/// per step, highest threshold first. Precision and recall are fractions
/// rounded to 4 decimals, empty when undefined (no lead at or above the
/// stage; no lead converted). `[output]` `delimiter`, `decimal` and `bom`
/// apply as to every CSV output.
pub fn write_csv(w: &mut (dyn Write + Send), s: &Sweep, out: &crate::rules::OutputRules) -> io::Result<()> {
    if out.bom {
        w.write_all(b"\xEF\xBB\xBF")?;
    }
    let d = out.delimiter as char;
    let decimal = |v: String| if out.decimal == b'.' { v } else { v.replace('.', &(out.decimal as char).to_string()) };
    let fraction = |r: Option<f64>| r.map_or(String::new(), |r| decimal(format!("{r:.4}")));
    writeln!(w, "threshold{d}leads{d}converted{d}precision{d}recall")?;
    for step in &s.steps {
        writeln!(
            w,
            "{}{d}{}{d}{}{d}{}{d}{}",
            decimal(step.threshold.to_string()),
            step.leads,
            step.converted,
            fraction(s.precision(step.leads, step.converted)),
            fraction(s.recall(step.converted))
        )?;
    }
    Ok(())
}
