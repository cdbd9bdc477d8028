//! `--report FILE.html` (docs/reference.md §8.4): the analysts' figures as one
//! self-contained page, for `score --outcome`, `compare`, `tune` and `learn`.
//! Each page opens with a headline in words (`headline`: its key figures,
//! formatted by `whole_pct` and `auc2` from the same values as the tables)
//! and says what AUC and lift mean where they appear (`AUC_MEANS`,
//! `LIFT_MEANS`). Tables and charts drawn as inline SVG, inline CSS, no
//! script and no network resource: the page reads the same offline, in a
//! mail or in an archive. Pure: each function returns the page as a string.
//! Every text that comes from a user (rule, stage, rep and file names) goes
//! through `esc`.

use std::fmt::Write as _;

use crate::analyst::calibrate::{Calibration, Conversion};
use crate::analyst::compare::{Comparison, Diff};
use crate::analyst::learn::Learned;
use crate::analyst::tune::{Goal, Sweep};

mod response;
mod svg;

pub use response::response;

use svg::{Bar, Curve, Scale, bar, bar_chart, bar_chart_own_axis, line_chart};

/// What ROC AUC means, for a page that shows one.
pub(crate) const AUC_MEANS: &str = "ROC AUC: how often the score ranks a converted lead above one that did not \
convert, taking one of each at random (ties count half): 0.5 is a coin toss, 1 is always.";
/// What lift means, for a page that shows it.
pub(crate) const LIFT_MEANS: &str = "Lift: how many times the overall conversion rate the leads that meet a \
criterion convert at; above 1 the criterion picks better than average leads, below 1 worse.";

/// The page's opening: its key figures in words, one sentence each, then
/// the plain-language lines that explain its terms. Escaped here.
pub(crate) fn headline(sentences: &[String], explained: &[&str]) -> String {
    let mut out = String::from("<div class=\"headline\">\n");
    for s in sentences {
        let _ = writeln!(out, "<p>{}</p>", esc(s));
    }
    for e in explained {
        let _ = writeln!(out, "<p class=\"explain\">{}</p>", esc(e));
    }
    out.push_str("</div>\n");
    out
}

/// A rate as a headline says it: a whole percentage ("89%"); the tables
/// show the same value with two decimals.
pub(crate) fn whole_pct(r: Option<f64>) -> String {
    r.map_or("-".to_string(), |r| format!("{:.0}%", r * 100.0))
}

/// An AUC as a headline says it: two decimals.
pub(crate) fn auc2(a: Option<f64>) -> String {
    a.map_or("-".to_string(), |a| format!("{a:.2}"))
}

/// A count with thousands separators, as a headline says it ("5,172").
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "ranks a converted lead above a lost one 86 times in 100 (ROC AUC 0.86)".
fn auc_words(a: f64) -> String {
    format!(
        "ranks a converted lead above one that did not convert {:.0} times in 100 (ROC AUC {})",
        a * 100.0,
        auc2(Some(a))
    )
}

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
    let mut words = Vec::new();
    let top = c.stages.iter().rev().find(|s| s.stage != crate::rules::DISQUALIFIED && s.conversion.leads > 0);
    match top {
        Some(t) if c.stages.iter().filter(|s| s.stage != crate::rules::DISQUALIFIED).count() > 1 => {
            words.push(format!(
                "Leads at stage '{}' convert at {} against {} overall ({} of {} leads converted).",
                t.stage,
                whole_pct(t.conversion.rate),
                whole_pct(c.overall.rate),
                count(c.overall.converted),
                count(c.overall.leads)
            ));
        }
        _ => words.push(format!(
            "{} of {} leads converted ({}).",
            count(c.overall.converted),
            count(c.overall.leads),
            whole_pct(c.overall.rate)
        )),
    }
    if let Some(d) = c.deciles.first() {
        words.push(format!("The tenth with the highest scores converts at {}.", whole_pct(d.conversion.rate)));
    }
    if let Some(a) = c.auc.score {
        words.push(format!("The score {}.", auc_words(a)));
    }
    let best = c.criteria.iter().filter(|k| k.flags.is_empty()).filter_map(|k| k.lift.map(|l| (k, l))).fold(
        None,
        |best: Option<(&crate::analyst::calibrate::CriterionConversion, f64)>, (k, l)| match best {
            Some((_, b)) if b >= l => best,
            _ => Some((k, l)),
        },
    );
    if let Some((k, l)) = best {
        words.push(format!(
            "The criterion with the most lift is '{}': leads that meet it convert at {}, {l:.2} times the overall rate.",
            k.criterion,
            whole_pct(k.held_rate)
        ));
    }
    body.push_str(&headline(&words, &[AUC_MEANS, LIFT_MEANS]));
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
    let mut words = vec![format!(
        "Of {} leads, {} change stage and {} change rep under B ({} because their stage, team or owner changed, {} \
         only their place in the rotation).",
        count(c.leads),
        count(c.stage_changed),
        count(c.rep_changed),
        count(c.rep_changed_by_stage_team_or_owner),
        count(c.rep_changed_in_rotation)
    )];
    if let Some(n) = c.reps.iter().find(|d| d.name == NOBODY).filter(|d| d.base != d.candidate) {
        let why: Vec<String> = c
            .unassigned
            .iter()
            .filter(|d| d.difference != 0)
            .map(|d| format!("{} {:+}", d.name, d.difference))
            .collect();
        words.push(format!(
            "Leads with no rep: {} under A, {} under B ({}).",
            count(n.base),
            count(n.candidate),
            why.join(", ")
        ));
    }
    if let Some(a) = &c.auc
        && let (Some(x), Some(y)) = (a.base.score, a.candidate.score)
    {
        words.push(format!("ROC AUC of the score: {} under A, {} under B.", auc2(Some(x)), auc2(Some(y))));
    }
    body.push_str(&headline(&words, if c.auc.is_some() { &[AUC_MEANS] } else { &[] }));
    body.push_str(&what_changed(c));
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

    let chart = bar_chart_own_axis(diff_bars(&c.reps), &series, Scale::Count, |l| l == NOBODY);
    let mut why = String::new();
    if !c.unassigned.is_empty() {
        why = format!(
            "<p>Why leads have no rep, per reason: <code>no_team</code>, no team takes the lead; \
             <code>no_capacity</code>, a team takes it but every rep is full or away; <code>disqualified</code>, \
             not routed.</p>\n{}",
            diff_table("reason", &c.unassigned)
        );
    }
    section(&mut body, "Leads per rep", &format!("{chart}{}{why}", diff_table("rep", &c.reps)));
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
        Goal::Precision(p) => format!("precision ≥ {}", fraction_pct(p)),
        Goal::Recall(r) => format!("recall ≥ {}", fraction_pct(r)),
        Goal::Leads(n) => format!("the number of leads closest to {n}"),
    };
    let target = match s.goal {
        Goal::Precision(_) => format!("the lowest threshold with {goal}"),
        Goal::Recall(_) => format!("the highest threshold with {goal}"),
        Goal::Leads(_) => format!("the threshold with {goal}"),
    };
    let answer = s.answer.map(|i| s.steps[i]);
    let mut overview = vec![
        row(["stage", &s.stage]),
        row(["outcome column", outcome_column]),
        row(["leads", &s.leads.to_string()]),
        row(["converted", &s.converted.to_string()]),
        row(["target", &target]),
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
    let words = match answer {
        Some(a) => vec![
            match s.current {
                Some(t) if t == a.threshold => {
                    format!("To reach {goal}: keep stage '{}' min_score at {}; it is the answer.", s.stage, a.threshold)
                }
                now => format!(
                    "To reach {goal}: set stage '{}' min_score to {} (now {}).",
                    s.stage,
                    a.threshold,
                    now.map_or("none".to_string(), |t| t.to_string())
                ),
            },
            format!(
                "Then {} leads are at or above it (now {}); {} of them convert (now {}), and they hold {} of all \
                 converted leads (now {}).",
                count(a.leads),
                count(s.now.0),
                whole_pct(s.precision(a.leads, a.converted)),
                whole_pct(s.precision(s.now.0, s.now.1)),
                whole_pct(s.recall(a.converted)),
                whole_pct(s.recall(s.now.1))
            ),
        ],
        None => vec![format!(
            "No threshold of stage '{}' reaches {goal}; now {} leads are at or above it and {} of them convert.",
            s.stage,
            count(s.now.0),
            whole_pct(s.precision(s.now.0, s.now.1))
        )],
    };
    body.push_str(&headline(
        &words,
        &["Precision: the share of the leads at or above the stage that convert. Recall: the share of all \
           converted leads that are at or above it."],
    ));
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
    let x_label = "threshold (min_score)";
    let chart = line_chart(
        &xs,
        &[("precision", precision), ("recall", recall)],
        Scale::Fraction,
        &marks,
        x_label,
        Curve::Steps,
    );
    let steps_note = "<p>Each step holds from one score of the export up to the next: every threshold between two \
                      scores puts the same leads at or above the stage.</p>\n";
    section(&mut body, "Precision and recall against the threshold", &format!("{steps_note}{chart}"));
    let leads: Vec<Option<f64>> = steps.iter().map(|t| Some(t.leads as f64)).collect();
    let chart = line_chart(&xs, &[("leads at or above the stage", leads)], Scale::Count, &marks, x_label, Curve::Steps);
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

/// The page for `learn`: the headline (AUC of the rules and of the learned
/// points out of sample), points old and new per criterion, the other
/// values that moved, each stage's size under both, each fold's AUC.
pub fn learned(head: &Head, l: &Learned, seed: u64) -> String {
    let mut body = String::new();
    let moved = l.criteria.iter().filter(|c| !c.disqualify && c.old_points != c.new_points).count();
    let kept = l.stages.iter().filter(|s| !s.off()).count();
    let mut words = Vec::new();
    if let (Some(a), Some(b)) = (l.auc_old, l.auc_new) {
        let verdict = if b > a {
            "better than"
        } else if b < a {
            "worse than"
        } else {
            "as well as"
        };
        words.push(format!(
            "On leads held out of the fit, the learned points rank {verdict} the rules: ROC AUC {} against {} \
             (the mean over {} folds).",
            auc2(Some(b)),
            auc2(Some(a)),
            l.folds.len()
        ));
    }
    words.push(format!(
        "{moved} of {} criteria get new points; {kept} of {} stages keep their size (within 1% or 5 leads).",
        l.criteria.iter().filter(|c| !c.disqualify).count(),
        l.stages.len()
    ));
    body.push_str(&headline(&words, &[AUC_MEANS]));
    let overview = vec![
        row(["leads", &l.leads.to_string()]),
        row(["converted", &l.converted.to_string()]),
        row(["fitted on (disqualified left out)", &l.fitted.to_string()]),
        row(["scale (points per unit of log-odds)", &format!("{:.4}", l.scale)]),
        row(["score range, rules", &l.range_old.to_string()]),
        row(["score range, learned", &l.range_new.to_string()]),
        row([&format!("out-of-sample ROC AUC, rules (seed {seed})"), &auc4(l.auc_old)]),
        row(["out-of-sample ROC AUC, learned", &auc4(l.auc_new)]),
    ];
    section(&mut body, "Points learned from the outcome", &table(&["", ""], &overview));

    let bars: Vec<Bar> = l
        .criteria
        .iter()
        .filter(|c| !c.disqualify)
        .map(|c| bar(c.name.clone(), &[Some(c.old_points.as_f64()), Some(c.new_points.as_f64())]))
        .collect();
    let chart = bar_chart(&bars, &["rules", "learned"], Scale::Points, None);
    let rows: Vec<Vec<String>> = l
        .criteria
        .iter()
        .map(|c| {
            let (new, coef) = match c.coef {
                Some(b) if !c.disqualify => (c.new_points.to_string(), format!("{b:.4}")),
                _ => ("(kept)".to_string(), "disqualify".to_string()),
            };
            vec![c.name.clone(), c.old_points.to_string(), new, coef, opt_cents(c.old_max), opt_cents(c.new_max)]
        })
        .collect();
    let t = table(&["criterion", "points", "learned", "log-odds per unit", "max", "learned max"], &rows);
    section(&mut body, "Points per criterion", &format!("{chart}{t}"));

    let rows: Vec<Vec<String>> = l
        .edits
        .iter()
        .filter(|e| matches!(e.key, "max_fit" | "max_engagement" | "min_fit" | "min_engagement" | "min_score"))
        .map(|e| vec![e.path(), opt_cents(e.old), e.value.to_string()])
        .collect();
    if !rows.is_empty() {
        section(&mut body, "Caps and thresholds that moved", &table(&["key", "rules", "learned"], &rows));
    }
    for note in &l.clamped {
        let _ = writeln!(body, "<p class=\"warn\">clamped: {}</p>", esc(note));
    }

    let bars: Vec<Bar> =
        l.stages.iter().map(|s| bar(s.name.clone(), &[Some(s.leads_old as f64), Some(s.leads_new as f64)])).collect();
    let chart = bar_chart(&bars, &["rules", "learned"], Scale::Count, None);
    let any_off = l.stages.iter().any(|s| s.off());
    let rows: Vec<Vec<String>> = l
        .stages
        .iter()
        .map(|s| {
            let mut r = vec![
                s.name.clone(),
                opt_cents(s.old_min_score),
                opt_cents(s.new_min_score),
                s.leads_old.to_string(),
                s.leads_new.to_string(),
            ];
            if any_off {
                r.push(if s.off() { "size moved".to_string() } else { String::new() });
            }
            r
        })
        .collect();
    let heads = ["stage", "min_score", "learned", "leads at or above", "learned", ""];
    let t = table(&heads[..if any_off { 6 } else { 5 }], &rows);
    section(&mut body, "Leads at or above each stage", &format!("{chart}{t}"));

    let bars: Vec<Bar> =
        l.folds.iter().enumerate().map(|(i, f)| bar(format!("fold {}", i + 1), &[f.auc_old, f.auc_new])).collect();
    let chart = bar_chart(&bars, &["rules", "learned"], Scale::Ratio, Some((0.5, "a coin toss")));
    let rows: Vec<Vec<String>> = l
        .folds
        .iter()
        .enumerate()
        .map(|(i, f)| {
            vec![(i + 1).to_string(), f.leads.to_string(), f.converted.to_string(), auc4(f.auc_old), auc4(f.auc_new)]
        })
        .collect();
    let t = table(&["fold", "held-out leads", "converted", "AUC rules", "AUC learned"], &rows);
    section(
        &mut body,
        "ROC AUC on each fold's held-out leads",
        &format!("<p>Each fold's points are fitted on the other folds' leads.</p>\n{chart}{t}"),
    );
    page(head, &body)
}

/// The "what changed" block of `compare`: the rules keys whose values
/// differ, old → new, as a reviewer reads a diff.
fn what_changed(c: &Comparison) -> String {
    let rows: Vec<Vec<String>> = c
        .changes
        .iter()
        .map(|k| {
            vec![
                k.key.clone(),
                k.base.clone().unwrap_or_else(|| "(not set)".to_string()),
                "→".to_string(),
                k.candidate.clone().unwrap_or_else(|| "(not set)".to_string()),
            ]
        })
        .collect();
    let mut out = String::from("<h2>What changed</h2>\n");
    if rows.is_empty() {
        out.push_str("<p>The two rule sets set the same values.</p>\n");
    } else {
        let n = rows.len();
        let _ = writeln!(out, "<p>{n} {} between A and B.</p>", if n == 1 { "key differs" } else { "keys differ" });
        out.push_str(&table(&["key", "A", "", "B"], &rows).replace("<table>", "<table class=\"diff\">"));
    }
    out
}

/// A target fraction as a percentage, exactly ("0.905" is "90.5%").
fn fraction_pct(d: crate::support::num::Dec) -> String {
    d.to_string().parse::<f64>().map_or(d.to_string(), |f| num(f * 100.0) + "%")
}

/// The name compare gives leads with no rep.
const NOBODY: &str = "(nobody)";

fn auc4(a: Option<f64>) -> String {
    a.map_or("-".to_string(), |a| format!("{a:.4}"))
}

fn opt_cents(v: Option<crate::support::num::Cents>) -> String {
    v.map_or("-".to_string(), |c| c.to_string())
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;\
margin:2em auto;max-width:980px;padding:0 1em;color:#222}\
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}\
.meta{color:#555;margin-top:0}table{border-collapse:collapse;margin:.8em 0;font-size:.9em}\
th,td{border:1px solid #ddd;padding:.25em .6em}th{background:#f4f4f4;text-align:left}\
td.n{text-align:right;font-variant-numeric:tabular-nums}.warn{color:#a40}\
svg{display:block;margin:.8em 0;width:100%;height:auto}svg text{font-family:inherit}\
code{background:#f4f4f4;padding:0 .2em}\
.headline{background:#f6f8fb;border-left:4px solid #4e79a7;padding:.4em 1em;margin:1em 0}\
.headline p{font-size:1.1em;margin:.4em 0}.headline p.explain{font-size:.9em;color:#555}\
.note{color:#555;font-size:.9em;margin-bottom:0}table.diff td:nth-child(3){border:none;color:#888}\
table.diff td:nth-child(2){background:#fdecea}table.diff td:nth-child(4){background:#e9f6ec}";

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
