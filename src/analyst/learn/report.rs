//! The `learn` report: per criterion the old and learned points, the other
//! values that changed, the stages, and the out-of-sample AUC per fold and
//! on average. Pure: returns the text, drawn for a terminal or plain.

use super::Learned;
use crate::output::render::table::{pct, push_table, right, table, text};
use crate::rules::Group;

fn auc(v: Option<f64>) -> String {
    v.map_or("-".to_string(), |a| format!("{a:.4}"))
}

fn cents(v: Option<crate::support::num::Cents>) -> String {
    v.map_or("-".to_string(), |c| c.to_string())
}

pub fn render(l: &Learned, input: &str, rules: &str, seed: u64, plain: bool) -> String {
    let rate = (l.leads > 0).then(|| l.converted as f64 / l.leads as f64);
    let mut out = format!(
        "leadroute learn {input} (rules {rules}): {} leads, {} converted ({})\n\
         fitted on {} leads ({} disqualified left out), {} distinct patterns; L2 penalty {} on standardised coefficients\n\
         scale: {:.4} points per unit of log-odds, so that scores span {} points as under the rules (learned: {})\n",
        l.leads,
        l.converted,
        pct(rate),
        l.fitted,
        l.disqualified,
        l.patterns,
        super::LAMBDA,
        l.scale,
        l.range_old,
        l.range_new,
    );
    let mut t = table(plain);
    t.set_header(vec!["criterion", "group", "points", "learned", "log-odds per unit", "max", "learned max"]);
    for c in &l.criteria {
        let group = match c.group {
            Group::Fit => "fit",
            Group::Engagement => "engagement",
        };
        let (learned, coef) = match c.coef {
            Some(b) if !c.disqualify => (c.new_points.to_string(), format!("{b:.4}")),
            _ => ("(kept)".to_string(), "disqualify".to_string()),
        };
        t.add_row(vec![
            text(&c.name),
            text(group),
            right(c.old_points),
            right(learned),
            right(coef),
            right(cents(c.old_max)),
            right(cents(c.new_max)),
        ]);
    }
    push_table(&mut out, &t);
    let others: Vec<_> = l
        .edits
        .iter()
        .filter(|e| matches!(e.key, "max_fit" | "max_engagement" | "min_fit" | "min_engagement"))
        .collect();
    if !others.is_empty() {
        let mut t = table(plain);
        t.set_header(vec!["value", "rules", "learned"]);
        for e in others {
            let at = match &e.at {
                super::rewrite::Place::Table(top) => format!("{top}.{}", e.key),
                super::rewrite::Place::Named(top, name) => format!("{top}.{name}.{}", e.key),
                super::rewrite::Place::Band(group, i) => format!("grades.{group}[{}].{}", i + 1, e.key),
            };
            t.add_row(vec![text(at), right(cents(e.old)), right(e.value)]);
        }
        push_table(&mut out, &t);
    }
    for note in &l.clamped {
        out.push_str(&format!("clamped: {note}\n"));
    }
    let mut t = table(plain);
    t.set_header(vec!["stage", "min_score", "learned", "leads at or above", "learned"]);
    for s in &l.stages {
        t.add_row(vec![
            text(&s.name),
            right(cents(s.old_min_score)),
            right(cents(s.new_min_score)),
            right(s.leads_old),
            right(s.leads_new),
        ]);
    }
    push_table(&mut out, &t);
    let mut t = table(plain);
    t.set_header(vec!["fold", "held-out leads", "converted", "AUC rules", "AUC learned"]);
    for (f, r) in l.folds.iter().enumerate() {
        t.add_row(vec![right(f + 1), right(r.leads), right(r.converted), right(auc(r.auc_old)), right(auc(r.auc_new))]);
    }
    push_table(&mut out, &t);
    let counted = l.folds.iter().filter(|f| f.auc_old.is_some() && f.auc_new.is_some()).count();
    out.push_str(&format!(
        "out-of-sample ROC AUC, mean over {counted} of {} folds (seed {seed}): rules {}, learned {}",
        l.folds.len(),
        auc(l.auc_old),
        auc(l.auc_new),
    ));
    if let (Some(a), Some(b)) = (l.auc_old, l.auc_new) {
        out.push_str(&format!(" ({:+.4})", b - a));
    }
    out.push('\n');
    out
}
