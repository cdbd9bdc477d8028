//! What the terminal shows besides the run summary: `check`'s findings and
//! the analyst reports (calibration, comparison, explanation) as tables.
//! Pure: each returns a String.

use std::borrow::Cow;

use comfy_table::{Cell, ContentArrangement, Table};

use super::table::{num, pct, push_table, right, table, text};
use crate::analyst::calibrate::{Auc, Calibration, Conversion};
use crate::analyst::compare::Comparison;
use crate::analyst::explain::Explanation;
use crate::engine::batch::Batch;
use crate::error::shorten;
use crate::rules::{AccountMatch, Rules};

/// Leads, converted and rate per row (a stage, a grade).
fn conversion_table<'a>(plain: bool, title: &str, rows: impl Iterator<Item = (&'a str, &'a Conversion)>) -> Table {
    let mut t = table(plain);
    t.set_header(vec![title, "leads", "converted", "rate"]);
    for (name, c) in rows {
        t.add_row(vec![text(name), right(c.leads), right(c.converted), right(pct(c.rate))]);
    }
    t
}

pub fn calibration(c: &Calibration, plain: bool) -> String {
    let warning = c.warning.as_ref().map_or(String::new(), |w| format!("\nwarning: {w}\n"));
    let mut out = format!(
        "\ncalibration against '{}': {} of {} leads converted ({})\n",
        c.outcome_column,
        c.overall.converted,
        c.overall.leads,
        pct(c.overall.rate)
    );
    if let Some(missing) = c.outcomes_missing {
        out.push_str(&format!("{missing} leads are not in the outcomes file: counted as not converted\n"));
    }
    out.push_str(&warning);
    out.push_str(&auc_line(&c.auc));
    let stages = c.stages.iter().map(|s| (s.stage.as_str(), &s.conversion));
    push_table(&mut out, &conversion_table(plain, "stage", stages));
    if let Some(grades) = &c.grades {
        let grades = grades.iter().map(|g| (g.grade.as_str(), &g.conversion));
        push_table(&mut out, &conversion_table(plain, "grade", grades));
    }
    let mut t = table(plain);
    t.set_header(vec!["score decile", "scores", "leads", "converted", "rate"]);
    for d in &c.deciles {
        t.add_row(vec![
            right(d.decile),
            right(format!("{} to {}", num(d.min_score), num(d.max_score))),
            right(d.conversion.leads),
            right(d.conversion.converted),
            right(pct(d.conversion.rate)),
        ]);
    }
    push_table(&mut out, &t);
    if !c.thresholds.is_empty() {
        let mut t = table(plain);
        t.set_header(vec!["at or above stage", "leads", "converted", "recall", "precision"]);
        for th in &c.thresholds {
            t.add_row(vec![
                text(&th.stage),
                right(th.leads),
                right(th.converted),
                right(pct(th.recall)),
                right(pct(th.precision)),
            ]);
        }
        push_table(&mut out, &t);
    }
    if !c.criteria.is_empty() {
        let mut t = table(plain);
        t.set_header(vec!["criterion", "held", "converted", "rate held", "rate not held", "lift", "flags"]);
        for k in &c.criteria {
            t.add_row(vec![
                text(&k.criterion),
                right(k.held),
                right(k.held_converted),
                right(pct(k.held_rate)),
                right(pct(k.not_held_rate)),
                right(k.lift.map_or("-".to_string(), |l| format!("{l:.2}"))),
                text(k.flags.join(" ")),
            ]);
        }
        push_table(&mut out, &t);
        let flagged = |f: &str| c.criteria.iter().any(|k| k.flags.contains(&f));
        if flagged("few") {
            out.push_str(&format!(
                "few: held or did not hold for fewer than {} leads: its rates say little\n",
                crate::analyst::calibrate::FEW
            ));
        }
        if flagged("leak?") {
            out.push_str(&format!(
                "leak?: held for {} or more leads, of whom 0% or 99% or more converted: its column may record \
                 the outcome itself\n",
                crate::analyst::calibrate::LEAK_MIN
            ));
        }
    }
    out
}

/// The AUCs in one line, or why there are none.
fn auc_line(a: &Auc) -> String {
    // Three decimals, halves away from zero (0.8125 is 0.813).
    let f = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:.3}", (v * 1000.0).round() / 1000.0));
    let mut line =
        format!("ROC AUC (ties count half): score {}, fit {}, engagement {}", f(a.score), f(a.fit), f(a.engagement));
    if let Some(why) = a.undefined_reason {
        line.push_str(&format!(" (undefined: {why})"));
    }
    line.push('\n');
    line
}

fn signed(d: i64) -> String {
    if d > 0 { format!("+{d}") } else { d.to_string() }
}

pub fn comparison(c: &Comparison, plain: bool) -> String {
    let mut out =
        format!("leadroute compare: base {} vs candidate {} over {} leads\n", c.base_rules, c.candidate_rules, c.leads);
    out.push_str(&format!("{} leads change stage, {}\n", c.stage_changed, rep_changes(c)));
    let mut t = table(plain);
    let mut header = vec!["base \\ candidate".to_string()];
    header.extend(c.candidate_stages.iter().cloned());
    header.push("total".into());
    t.set_header(header);
    for (i, row) in c.matrix.iter().enumerate() {
        let mut cells = vec![text(&c.base_stages[i])];
        cells.extend(row.iter().map(right));
        cells.push(right(row.iter().sum::<u64>()));
        t.add_row(cells);
    }
    let mut totals = vec![text("total")];
    for j in 0..c.candidate_stages.len() {
        totals.push(right(c.matrix.iter().map(|r| r[j]).sum::<u64>()));
    }
    totals.push(right(c.leads));
    t.add_row(totals);
    push_table(&mut out, &t);
    let grades = c.grades.clone().unwrap_or_default();
    for (title, rows) in [("team", &c.teams), ("rep", &c.reps), ("grade", &grades)] {
        if rows.is_empty() {
            continue;
        }
        let mut t = table(plain);
        t.set_header(vec![title, "base", "candidate", "difference"]);
        for d in rows {
            t.add_row(vec![text(&d.name), right(d.base), right(d.candidate), right(signed(d.difference))]);
        }
        push_table(&mut out, &t);
    }
    if let Some(conv) = &c.conversion {
        let mut t = table(plain);
        t.set_header(vec!["stage", "base leads", "base rate", "candidate leads", "candidate rate"]);
        let cells = |c: &Option<Conversion>| match c {
            Some(c) => (right(c.leads), right(pct(c.rate))),
            None => (right("-"), right("-")),
        };
        for p in conv {
            let (a, b) = cells(&p.base);
            let (x, y) = cells(&p.candidate);
            t.add_row(vec![text(&p.stage), a, b, x, y]);
        }
        push_table(&mut out, &t);
    }
    if let Some(auc) = &c.auc {
        out.push('\n');
        for (side, a) in [("base", &auc.base), ("candidate", &auc.candidate)] {
            out.push_str(&format!("{side}: {}", auc_line(a)));
        }
    }
    out
}

/// How many leads change rep, and why: their stage, team or owner changed,
/// or only their place in the rotation (same stage and team).
pub fn rep_changes(c: &Comparison) -> String {
    let mut out = format!("{} leads change rep", c.rep_changed);
    if c.rep_changed > 0 {
        out.push_str(&format!(
            ": {} because their stage, team or owner changed, {} only their place in the rotation (same stage and \
             team)",
            c.rep_changed_by_stage_team_or_owner, c.rep_changed_in_rotation
        ));
    }
    out
}

/// The width `explain` fits its report to, unless `--wide`.
pub const EXPLAIN_WIDTH: usize = 100;

/// The most characters of a cell of the export or a name (a criterion, a
/// column, a stage) that `explain`'s tables show, wrapped over a few lines,
/// unless `--wide`.
const CELL_MAX: usize = 120;

/// The most characters of a test's description `explain` shows (wrapped over
/// a few lines), unless `--wide`: only long needles make it longer.
const TEST_MAX: usize = 240;

/// The most characters of an id in `explain`'s lines, unless `--wide`.
const ID_MAX: usize = 24;

/// The least width of the column of tests, so that their words (`starts_with_any`)
/// are not broken and a test takes few lines.
const TEST_MIN: usize = 18;

/// A cell of an `explain` table as it is shown: whole with `None` (`--wide`),
/// else at most `max` characters (the table wraps it).
fn explain_cell(s: &str, max: usize, width: Option<usize>) -> String {
    // Control characters escaped first: a cell can neither steer the
    // terminal nor break the table's lines.
    let s = crate::error::printable(s);
    match width {
        Some(_) => shorten(&s, max).into_owned(),
        None => s.into_owned(),
    }
}

/// An `explain` table. With `width` (`--wide` not given) it fits that many
/// characters, or the terminal when narrower: the columns that do not fit
/// whole share the room, each at least as wide as its longest word when the
/// width allows, and their cells wrap at spaces (only a word wider than its
/// column, in a narrow terminal, is broken). With `None` it is as wide as its
/// cells. `right`: the columns aligned right; `floor`: (column, least width).
fn fitted_table(
    plain: bool,
    width: Option<usize>,
    header: &[&str],
    mut rows: Vec<Vec<String>>,
    right: &[usize],
    floor: &[(usize, usize)],
) -> Table {
    let mut t = table(plain);
    t.set_content_arrangement(ContentArrangement::Disabled);
    if let Some(w) = width {
        // A narrower terminal keeps its own width.
        let w = t.width().map_or(w, |tw| (tw as usize).clamp(40, w));
        let widths = column_widths(w, header, &rows, floor);
        for row in &mut rows {
            for (cell, &cw) in row.iter_mut().zip(&widths) {
                *cell = wrap(cell, cw);
            }
        }
    }
    t.set_header(header.to_vec());
    for row in rows {
        t.add_row(
            row.into_iter()
                .enumerate()
                .map(|(c, text)| if right.contains(&c) { super::table::right(text) } else { Cell::new(text) }),
        );
    }
    t
}

/// The width of each column of a table that is to fit `width` characters
/// (borders and padding take 3 per column and 1): every column whole when
/// they all fit; else the room is shared out evenly (a column narrower than
/// its share keeps its width), each column at least its longest word, or
/// failing that as wide as the widest word all columns can have.
fn column_widths(width: usize, header: &[&str], rows: &[Vec<String>], floor: &[(usize, usize)]) -> Vec<usize> {
    let n = header.len();
    let budget = width.saturating_sub(3 * n + 1);
    let chars = |s: &str| s.chars().count();
    let column = |c: usize| std::iter::once(header[c]).chain(rows.iter().map(move |r| r[c].as_str()));
    let whole: Vec<usize> = (0..n).map(|c| column(c).flat_map(str::lines).map(chars).max().unwrap_or(0)).collect();
    if whole.iter().sum::<usize>() <= budget {
        return whole;
    }
    let word: Vec<usize> =
        (0..n).map(|c| column(c).flat_map(|s| s.split([' ', '\n'])).map(chars).max().unwrap_or(0)).collect();
    let least = |c: usize| floor.iter().find(|f| f.0 == c).map_or(1, |f| f.1).min(whole[c]);
    // The widest word every column can show whole.
    let lower_at = |cap: usize| -> Vec<usize> { (0..n).map(|c| word[c].min(cap).max(least(c))).collect() };
    let mut cap = word.iter().copied().max().unwrap_or(1);
    while cap > 1 && lower_at(cap).iter().sum::<usize>() > budget {
        cap -= 1;
    }
    let lower = lower_at(cap);
    // The highest even share that fits: each column gets it, or less when its
    // cells are narrower, or more when its longest word needs it.
    let at = |level: usize| -> Vec<usize> { (0..n).map(|c| whole[c].min(level.max(lower[c]))).collect() };
    let mut level = 1;
    while level < budget && at(level + 1).iter().sum::<usize>() <= budget {
        level += 1;
    }
    let mut widths = at(level);
    // What is left goes, one character each, to the columns still wrapped, first first.
    let mut left = budget.saturating_sub(widths.iter().sum());
    for c in 0..n {
        if left > 0 && widths[c] < whole[c] {
            widths[c] += 1;
            left -= 1;
        }
    }
    widths
}

/// `text` wrapped at spaces into lines of at most `width` characters; only a
/// word longer than that is broken (nothing of a cell is lost). A line that
/// fits is left as it is.
fn wrap(text: &str, width: usize) -> String {
    let width = width.max(1);
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.chars().count() <= width {
            out.push_str(line);
            continue;
        }
        let mut used = 0;
        for word in line.split(' ') {
            let len = word.chars().count();
            if used > 0 && used + 1 + len > width {
                out.push('\n');
                used = 0;
            }
            if used == 0 && len == 0 {
                continue;
            }
            if used > 0 {
                out.push(' ');
                used += 1;
            }
            for (k, c) in word.chars().enumerate() {
                if k > 0 && used == width {
                    out.push('\n');
                    used = 0;
                }
                out.push(c);
                used += 1;
            }
        }
    }
    out
}

/// Fits every line of `text` within `width` characters: a longer line is
/// wrapped at spaces, its continuation indented, and a word longer than a
/// line is shortened with `…`. Lines that fit are left alone.
fn fit_lines(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.chars().count() <= width {
            out.push_str(line);
            continue;
        }
        let indent = (line.len() - line.trim_start_matches(' ').len()).min(width / 2);
        let hanging = (indent + 4).min(width / 2);
        out.extend(std::iter::repeat_n(' ', indent));
        let (mut used, mut empty) = (indent, true);
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            let len = word.chars().count();
            if !empty && used + 1 + len > width {
                out.push('\n');
                out.extend(std::iter::repeat_n(' ', hanging));
                (used, empty) = (hanging, true);
            }
            if !empty {
                out.push(' ');
                used += 1;
            }
            let room = width - used;
            let word = if len > room { shorten(word, room.saturating_sub(1)) } else { Cow::Borrowed(word) };
            used += word.chars().count();
            out.push_str(&word);
            empty = false;
        }
    }
    out
}

/// `explain`'s report. With `width` (`EXPLAIN_WIDTH` unless `--wide`) every
/// line fits it: long cells are shortened with `…` and long lines wrapped;
/// with `None` everything is shown whole.
pub fn explanation(e: &Explanation, plain: bool, width: Option<usize>) -> String {
    let out = explanation_lines(e, plain, width);
    let mut out = match width {
        Some(w) => fit_lines(&out, w),
        None => out,
    };
    // The output row is shown as written, never wrapped.
    if let Some(o) = &e.output {
        if o.written {
            out.push_str(&format!("\noutput row, as the CSV writes it ([output] rows = \"{}\"):\n", o.rows));
            line(&mut out, o.header.clone());
            line(&mut out, o.row.clone());
        } else {
            let takes = match o.rows {
                "assigned" => "only leads with a rep",
                _ => "only leads given a rep in this run (and, with a ledger, those of runs never delivered)",
            };
            out.push_str(&format!("\noutput row: not written: [output] rows = \"{}\" takes {takes}\n", o.rows));
        }
    }
    out
}

fn explanation_lines(e: &Explanation, plain: bool, width: Option<usize>) -> String {
    let cell = |s: &str| explain_cell(s, CELL_MAX, width);
    let id = |s: &str| explain_cell(s, ID_MAX, width);
    let mut out = format!("lead {} ({} line {}), rank {} of {}\n", id(&e.id), e.input, e.line, e.rank, e.of);
    if !e.duplicate_lines.is_empty() {
        let lines: Vec<String> = e.duplicate_lines.iter().map(|l| l.to_string()).collect();
        out.push_str(&format!(
            "the same id is also on line(s) {}: those rows are not routed (duplicate)\n",
            lines.join(", ")
        ));
    }
    if let Some(same) = &e.same_email {
        if let Some((earlier, line)) = &same.earlier {
            out.push_str(&format!(
                "duplicate by email: lead {} (line {line}) has the same email ({}) and comes earlier in the export: \
                 this row is not routed (duplicate)\n",
                id(earlier),
                same.email
            ));
        }
        if !same.later_lines.is_empty() {
            // A popular address can be on thousands of rows: the first 20 are named.
            const SHOWN: usize = 20;
            let mut lines: Vec<String> = same.later_lines.iter().take(SHOWN).map(|l| l.to_string()).collect();
            if same.later_lines.len() > SHOWN {
                lines.push(format!("… ({} in all)", same.later_lines.len()));
            }
            let whose = if same.earlier.is_some() { "too" } else { "of this one" };
            out.push_str(&format!(
                "the same email ({}) is also on later line(s) {}: those rows are duplicates {whose}\n",
                same.email,
                lines.join(", ")
            ));
        }
    }
    let mut rows = Vec::new();
    for c in &e.criteria {
        let held = match (c.held, c.disqualify) {
            (true, true) => "yes: disqualifies",
            (true, false) => "yes",
            (false, _) => "no",
        };
        rows.push(vec![
            cell(&c.criterion),
            c.group.to_string(),
            cell(&c.column),
            cell(&c.cell),
            explain_cell(&c.test, TEST_MAX, width),
            held.to_string(),
            c.points.clone(),
        ]);
    }
    let header = ["criterion", "group", "column", "cell", "test", "held", "points"];
    push_table(&mut out, &fitted_table(plain, width, &header, rows, &[6], &[(4, TEST_MIN)]));
    // A sum the group cap lowered, and one beyond what a lead keeps (the CSV's value).
    let capped = |sum: &str, capped: &str, kept: &str| {
        let mut notes = Vec::new();
        if sum != capped {
            notes.push(format!("sum {sum}, capped"));
        }
        if capped != kept {
            notes.push(format!("{capped} clamped to what a lead keeps, as the CSV writes it"));
        }
        if notes.is_empty() { kept.to_string() } else { format!("{kept} ({})", notes.join("; ")) }
    };
    out.push_str(&format!(
        "fit {}, engagement {}, score {}\n",
        capped(&e.fit_sum, &e.fit_capped, &e.fit),
        capped(&e.engagement_sum, &e.engagement_capped, &e.engagement),
        e.score
    ));
    let rows = e
        .stage_tests
        .iter()
        .map(|s| {
            let holds = if s.holds { "yes" } else { "no" };
            let test = explain_cell(&s.test, TEST_MAX, width);
            vec![cell(&s.stage), test, s.value.clone(), s.needed.clone(), holds.to_string()]
        })
        .collect();
    let header = ["stage", "test", "value", "needed", "holds"];
    push_table(&mut out, &fitted_table(plain, width, &header, rows, &[2, 3], &[]));
    if let Some(crm) = &e.crm_stage {
        line(&mut out, format!("CRM stage: {crm}"));
    }
    line(&mut out, format!("stage: {}", e.stage));
    if let Some(grade) = &e.grade {
        line(&mut out, format!("grade: {grade}"));
    }
    if let Some(r) = &e.routing {
        out.push_str("\nrouting, as in the full batch run (higher-ranked leads were routed first):\n");
        if r.steps.is_empty() {
            line(&mut out, "  not routed".into());
        }
        for (i, s) in r.steps.iter().enumerate() {
            line(&mut out, format!("  {}. team '{}': {}", i + 1, s.team, s.note));
            if !s.candidates.is_empty() {
                let c: Vec<String> =
                    s.candidates.iter().map(|c| format!("{} (prefer {}, load {})", c.rep, c.fit, c.load)).collect();
                line(&mut out, format!("     candidates: {}", c.join(", ")));
            }
            if !s.excluded.is_empty() {
                line(&mut out, format!("     not candidates: {}", s.excluded.join(", ")));
            }
            if let Some(ch) = &s.chosen {
                line(&mut out, format!("     chosen: {ch}"));
            }
        }
        line(
            &mut out,
            format!(
                "result: team {}, rep {}, reason {}",
                r.team.as_deref().unwrap_or("-"),
                r.rep.as_deref().unwrap_or("-"),
                r.reason
            ),
        );
    }
    out
}

/// One line of a report built from names and cells: made printable whole, so
/// a line break in a team name cannot start a line of its own.
fn line(out: &mut String, text: String) {
    out.push_str(&crate::error::printable(&text));
    out.push('\n');
}

/// The `check` report: the rules in brief, and with an
/// export its rows, rejects and every read column's parse failures (with the
/// prefix clash that would stop `assign`, if any).
pub fn check(rules_path: &str, r: &Rules, export: Option<(&Batch, Option<&str>)>) -> String {
    let mut out = format!(
        "{}: rules are valid: {} criteria, {} stages ({}), {} teams, {} reps\n",
        rules_path,
        r.criteria.len(),
        r.stages.len(),
        r.stages.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(" < "),
        r.teams.len(),
        r.reps.len()
    );
    let slas: Vec<String> = r
        .stages
        .iter()
        .filter_map(|s| Some(format!("stage '{}' {} min", s.name, s.sla_minutes?)))
        .chain(r.teams.iter().filter_map(|t| Some(format!("team '{}' {} min", t.name, t.sla_minutes?))))
        .collect();
    if !slas.is_empty() {
        out.push_str(&format!(
            "SLAs ({}) are checked by `assign --ledger` (and shown by --dry-run, explain --ledger and compare \
             --ledger); a lead not touched in time moves at most {} times\n",
            slas.join(", "),
            r.sla_reassign_max
        ));
    }
    let Some((batch, clash)) = export else { return out };
    if let Some(clash) = clash {
        out.push_str(&format!("warning: `assign` would stop here: {clash}\n"));
    }
    out.push_str(&format!(
        "{}: every column the rules name exists; {} rows read, {} well-formed, {} rejected\n",
        batch.input.name,
        batch.rows_read,
        batch.well_formed(),
        batch.rejects.len()
    ));
    if let Some(col) = batch.plan.email_col {
        out.push_str(&format!(
            "  duplicates: {} rows repeat an earlier id, {} more an earlier email (column '{}')\n",
            batch.duplicates - batch.email_duplicates,
            batch.email_duplicates,
            batch.header[col]
        ));
    }
    if r.input.account_match == AccountMatch::Normalized && batch.plan.account_col.is_some() {
        out.push_str(&format!(
            "  accounts: {} distinct (account_match = \"normalized\"); {} leads took theirs from the email's domain\n",
            batch.accounts.len(),
            batch.email_accounts
        ));
    }
    for rej in batch.rejects.iter().take(crate::output::REJECTS_SHOWN) {
        out.push_str(&format!("  line {}: {}\n", rej.line, rej.error));
    }
    if let Some(col) = batch.plan.touched_col {
        let col = &batch.header[col];
        match batch.warnings.iter().find(|w| &w.column == col) {
            Some(w) => out.push_str(&format!(
                "  column '{}' (touched): {} values fail to parse (first at line {})\n",
                col, w.count, w.first_line
            )),
            None => out.push_str(&format!("  column '{col}' (touched): every value parses\n")),
        }
    }
    for (_, col) in batch.plan.warn_columns() {
        match batch.warnings.iter().find(|w| w.column == col) {
            Some(w) => out.push_str(&format!(
                "  column '{}': {} values fail to parse (first at line {})\n",
                col, w.count, w.first_line
            )),
            None => out.push_str(&format!("  column '{col}': every value parses\n")),
        }
    }
    out
}

/// `leadroute response`'s report (docs/reference.md §11.6): per team and per rep,
/// then conversion by response time.
pub fn response(r: &crate::analyst::response::Report, outcome: Option<&str>, plain: bool) -> String {
    let mut out = format!(
        "leadroute response: {} leads, {} assignments from {} to {}\n",
        r.leads, r.assignments, r.since, r.as_of
    );
    let minutes = |m: Option<i64>| right(m.map_or("-".to_string(), |m| m.to_string()));
    for (title, rows, per_rep) in [("team", &r.teams, false), ("rep", &r.reps, true)] {
        let mut t = table(plain);
        let mut head = vec![title];
        if per_rep {
            head.push("team");
        }
        head.extend(["assigned", "worked", "median min", "p90 min", "median wall", "p90 wall", "within SLA", "missed"]);
        t.set_header(head);
        for f in rows.iter() {
            let mut row = vec![text(if per_rep { f.rep.as_deref().unwrap_or("") } else { f.team.as_str() })];
            if per_rep {
                row.push(text(&f.team));
            }
            row.extend([
                right(f.assigned),
                right(f.worked),
                minutes(f.median_minutes),
                minutes(f.p90_minutes),
                minutes(f.median_wall_minutes),
                minutes(f.p90_wall_minutes),
                right(match f.within_sla_share {
                    Some(s) => format!("{} ({:.0}%)", f.within_sla, s * 100.0),
                    None => "-".to_string(),
                }),
                right(f.missed),
            ]);
            t.add_row(row);
        }
        push_table(&mut out, &t);
    }
    out.push_str("min: working minutes from assignment to first touch; wall: wall-clock minutes\n");
    if let (Some(buckets), Some(column)) = (&r.conversion, outcome) {
        let mut t = table(plain);
        t.set_header(vec!["first touch after", "leads", "converted", "rate", ""]);
        for b in buckets {
            t.add_row(vec![
                text(b.bucket),
                right(b.leads),
                right(b.converted),
                right(pct(b.rate)),
                text(if b.few { "few" } else { "" }),
            ]);
        }
        out.push_str(&format!(
            "\nconversion ('{column}') by the wall-clock time from a lead's first assignment to its first touch\n"
        ));
        push_table(&mut out, &t);
        if let Some(m) = r.outcomes_missing.filter(|&m| m > 0) {
            out.push_str(&format!("{m} leads are not in --outcomes: counted as not converted\n"));
        }
    }
    if r.unreadable > 0 {
        out.push_str(&format!(
            "{} leads have a touch that could not be read: counted as worked, without a response time\n",
            r.unreadable
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{column_widths, fit_lines, wrap};

    #[test]
    fn cells_wrap_at_spaces_and_only_a_word_wider_than_its_column_breaks() {
        assert_eq!(wrap("Total Time Spent on Website", 14), "Total Time\nSpent on\nWebsite");
        assert_eq!(wrap("Specialization", 14), "Specialization");
        assert_eq!(wrap("Interested  in full time MBA", 40), "Interested  in full time MBA");
        assert_eq!(wrap("an Unemployed one", 5), "an\nUnemp\nloyed\none");
    }

    #[test]
    fn columns_get_their_longest_word_and_share_the_rest() {
        let rows = |cells: &[&str]| vec![cells.iter().map(|c| c.to_string()).collect::<Vec<_>>()];
        // Everything fits (3 × 3 + 1 = 10 characters of borders): whole.
        assert_eq!(column_widths(30, &["a", "b", "c"], &rows(&["xx", "yyyy", "z z"]), &[]), [2, 4, 3]);
        // 24 characters for three columns: the short one whole, the long word
        // whole, the rest to the last; 21: each its longest word; 20: not
        // room for every longest word: the widest cut by one.
        let r = rows(&["ok", "Specialization", "one two three four five six"]);
        assert_eq!(column_widths(34, &["a", "b", "c"], &r, &[]), [2, 14, 8]);
        assert_eq!(column_widths(31, &["a", "b", "c"], &r, &[]), [2, 14, 5]);
        assert_eq!(column_widths(30, &["a", "b", "c"], &r, &[]), [2, 13, 5]);
    }

    #[test]
    fn long_lines_wrap_at_spaces_with_a_hanging_indent_and_long_words_are_shortened() {
        assert_eq!(fit_lines("short\n  fits exactly\n", 14), "short\n  fits exactly\n");
        assert_eq!(fit_lines("  one two three four", 12), "  one two\n      three\n      four");
        assert_eq!(fit_lines("a abcdefghijklmnop b", 8), "a\n    abc…\n    b");
        for line in fit_lines(&format!("x {} é{}", "y".repeat(300), "ö ".repeat(200)), 100).lines() {
            assert!(line.chars().count() <= 100, "{line}");
        }
    }
}
