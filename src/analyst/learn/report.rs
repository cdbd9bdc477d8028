//! The `learn` report: per criterion the old and learned points, the other
//! values that changed, the stages, and the out-of-sample AUC per fold and
//! on average. Pure: returns the text, drawn for a terminal or plain; and
//! the same figures as `--summary-json` (`LearnJson`, stable keys,
//! docs/reference.md §8.3).

use serde::Serialize;

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
            t.add_row(vec![text(e.path()), right(cents(e.old)), right(e.value)]);
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

/// A value under the rules and as learned (`null`: not set, or not learned).
#[derive(Serialize, Debug, PartialEq)]
pub struct Pair<T> {
    pub rules: T,
    pub learned: T,
}

/// `learn --summary-json`: stable keys.
#[derive(Serialize, Debug)]
pub struct LearnJson {
    pub input: String,
    pub rules: String,
    pub leads: u64,
    pub converted: u64,
    /// Leads the fit used (all but the disqualified), and those left out.
    pub fitted: u64,
    pub disqualified: u64,
    pub patterns: usize,
    pub penalty: f64,
    /// Points per unit of log-odds.
    pub scale: f64,
    /// The span of the scores on this export.
    pub score_range: Pair<f64>,
    pub seed: u64,
    /// Out-of-sample ROC AUC: the mean over the folds that held out
    /// converted and other leads (`folds_counted` of them).
    pub auc: Pair<Option<f64>>,
    pub folds_counted: usize,
    pub criteria: Vec<CriterionJson>,
    /// Every value the learned file changes, by its `--set` path.
    pub changes: Vec<ChangeJson>,
    pub stages: Vec<StageJson>,
    pub folds: Vec<FoldJson>,
    /// Learned values clamped to what a rules file allows, one line each.
    pub clamped: Vec<String>,
}

#[derive(Serialize, Debug)]
pub struct CriterionJson {
    pub name: String,
    pub group: &'static str,
    /// A disqualify criterion is kept as it is (`points` equal, no coefficient).
    pub disqualify: bool,
    pub points: Pair<f64>,
    /// Log-odds per unit (null for a disqualify criterion).
    pub coefficient: Option<f64>,
    pub max: Pair<Option<f64>>,
}

#[derive(Serialize, Debug)]
pub struct ChangeJson {
    pub key: String,
    /// Null when the rules did not set it.
    pub rules: Option<f64>,
    pub learned: f64,
}

#[derive(Serialize, Debug)]
pub struct StageJson {
    pub name: String,
    pub min_score: Pair<Option<f64>>,
    pub min_fit: Pair<Option<f64>>,
    pub min_engagement: Pair<Option<f64>>,
    /// Leads at or above the stage.
    pub leads: Pair<u64>,
    /// More than 1% (or 5 leads) apart: the warning line.
    pub size_moved: bool,
}

#[derive(Serialize, Debug)]
pub struct FoldJson {
    pub fold: usize,
    pub leads: u64,
    pub converted: u64,
    pub auc: Pair<Option<f64>>,
}

pub fn json(l: &Learned, input: &str, rules: &str, seed: u64) -> LearnJson {
    let c = |v: Option<crate::support::num::Cents>| v.map(|c| c.as_f64());
    LearnJson {
        input: input.to_string(),
        rules: rules.to_string(),
        leads: l.leads,
        converted: l.converted,
        fitted: l.fitted,
        disqualified: l.disqualified,
        patterns: l.patterns,
        penalty: super::LAMBDA,
        scale: l.scale,
        score_range: Pair { rules: l.range_old.as_f64(), learned: l.range_new.as_f64() },
        seed,
        auc: Pair { rules: l.auc_old, learned: l.auc_new },
        folds_counted: l.folds.iter().filter(|f| f.auc_old.is_some() && f.auc_new.is_some()).count(),
        criteria: l
            .criteria
            .iter()
            .map(|k| CriterionJson {
                name: k.name.clone(),
                group: match k.group {
                    Group::Fit => "fit",
                    Group::Engagement => "engagement",
                },
                disqualify: k.disqualify,
                points: Pair {
                    rules: k.old_points.as_f64(),
                    learned: if k.disqualify { k.old_points.as_f64() } else { k.new_points.as_f64() },
                },
                coefficient: k.coef.filter(|_| !k.disqualify),
                max: Pair { rules: c(k.old_max), learned: c(k.new_max) },
            })
            .collect(),
        changes: l
            .edits
            .iter()
            .map(|e| ChangeJson { key: e.path(), rules: c(e.old), learned: e.value.as_f64() })
            .collect(),
        stages: l
            .stages
            .iter()
            .map(|s| StageJson {
                name: s.name.clone(),
                min_score: Pair { rules: c(s.old_min_score), learned: c(s.new_min_score) },
                min_fit: Pair { rules: c(s.old_min_fit), learned: c(s.new_min_fit) },
                min_engagement: Pair { rules: c(s.old_min_engagement), learned: c(s.new_min_engagement) },
                leads: Pair { rules: s.leads_old, learned: s.leads_new },
                size_moved: s.off(),
            })
            .collect(),
        folds: l
            .folds
            .iter()
            .enumerate()
            .map(|(i, f)| FoldJson {
                fold: i + 1,
                leads: f.leads,
                converted: f.converted,
                auc: Pair { rules: f.auc_old, learned: f.auc_new },
            })
            .collect(),
        clamped: l.clamped.clone(),
    }
}
