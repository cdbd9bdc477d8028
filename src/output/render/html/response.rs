//! The page of `leadroute response --report` (docs/reference.md §11.6): the headline,
//! the speed-to-lead curve (conversion by response time) and each rep's
//! response times.

use super::svg::{Scale, bar, bar_chart};
use super::{Head, esc, page, pct, row, section, table};
use crate::analyst::response::Report;

pub fn response(head: &Head, r: &Report, outcome: Option<&str>) -> String {
    let mut body = String::new();
    body.push_str(&super::headline(
        &[headline(r)],
        &["Working minutes count only the team's working hours; wall-clock minutes count every minute."],
    ));
    let overview = vec![
        row(["from", &r.since]),
        row(["to (the clock)", &r.as_of]),
        row(["leads with an assignment", &r.leads.to_string()]),
        row(["assignments", &r.assignments.to_string()]),
    ];
    section(&mut body, "Speed to lead", &table(&["", ""], &overview));
    if let (Some(buckets), Some(column)) = (&r.conversion, outcome) {
        let bars: Vec<_> = buckets.iter().map(|b| bar(b.bucket.to_string(), &[b.rate])).collect();
        let chart = bar_chart(&bars, &["conversion rate"], Scale::Fraction, None);
        let rows: Vec<Vec<String>> = buckets
            .iter()
            .map(|b| {
                vec![
                    b.bucket.to_string(),
                    b.leads.to_string(),
                    b.converted.to_string(),
                    pct(b.rate),
                    if b.few { "few".into() } else { String::new() },
                ]
            })
            .collect();
        let note = format!(
            "<p>Each lead in the bucket of the wall-clock time from its first assignment to its first touch; \
             converted: '{}'. <em>few</em>: fewer than 30 leads, read the rate with care.</p>",
            esc(column)
        );
        section(
            &mut body,
            "Conversion by response time",
            &format!("{note}{chart}{}", table(&["first touch after", "leads", "converted", "rate", ""], &rows)),
        );
    }
    // Each rep's response times: median and 90th percentile, side by side.
    let bars: Vec<_> = r
        .reps
        .iter()
        .map(|f| {
            let label = format!("{} ({})", f.rep.as_deref().unwrap_or(""), f.team);
            bar(label, &[f.median_minutes.map(|m| m as f64), f.p90_minutes.map(|m| m as f64)])
        })
        .collect();
    let chart = bar_chart(&bars, &["median", "90th percentile"], Scale::Count, None);
    let cell = |m: Option<i64>| m.map_or("-".to_string(), |m| m.to_string());
    let rows: Vec<Vec<String>> = r
        .reps
        .iter()
        .map(|f| {
            vec![
                f.rep.clone().unwrap_or_default(),
                f.team.clone(),
                f.assigned.to_string(),
                f.worked.to_string(),
                cell(f.median_minutes),
                cell(f.p90_minutes),
                cell(f.median_wall_minutes),
                cell(f.p90_wall_minutes),
                pct(f.within_sla_share),
                f.missed.to_string(),
            ]
        })
        .collect();
    let heads = [
        "rep",
        "team",
        "assigned",
        "worked",
        "median min",
        "p90 min",
        "median wall",
        "p90 wall",
        "within SLA",
        "missed",
    ];
    section(
        &mut body,
        "Response times per rep",
        &format!(
            "<p>Working minutes (the team's working hours) from an assignment to the lead's first touch while \
             the rep held it; <em>wall</em>: wall-clock minutes.</p>{chart}{}",
            table(&heads, &rows)
        ),
    );
    let team_rows: Vec<Vec<String>> = r
        .teams
        .iter()
        .map(|f| {
            vec![
                f.team.clone(),
                f.assigned.to_string(),
                f.worked.to_string(),
                cell(f.median_minutes),
                cell(f.p90_minutes),
                pct(f.within_sla_share),
                f.missed.to_string(),
            ]
        })
        .collect();
    section(
        &mut body,
        "Per team",
        &table(&["team", "assigned", "worked", "median min", "p90 min", "within SLA", "missed"], &team_rows),
    );
    page(head, &body)
}

/// The page's first line, in words, from the figures of its tables.
pub fn headline(r: &Report) -> String {
    let mut parts = Vec::new();
    if let Some(b) = &r.conversion {
        // The fastest and the slowest buckets with leads (of those with a
        // touch: "never worked" is the last).
        let timed = &b[..b.len().saturating_sub(1)];
        let fast = timed.iter().position(|b| b.leads > 0);
        let slow = timed.iter().rposition(|b| b.leads > 0).filter(|&s| Some(s) != fast);
        let rate = |i: usize| timed[i].rate.map(|r| (timed[i].bucket, r));
        if let (Some((fb, fr)), Some((sb, sr))) = (fast.and_then(rate), slow.and_then(rate)) {
            parts.push(format!(
                "Leads first touched {fb} after assignment converted at {:.0}%, against {:.0}% for those touched {sb}",
                fr * 100.0,
                sr * 100.0
            ));
        }
    }
    let worked: u64 = r.teams.iter().map(|t| t.worked).sum();
    let assigned: u64 = r.teams.iter().map(|t| t.assigned).sum();
    parts.push(format!("{worked} of {assigned} assignments were worked while their rep held them"));
    if let Some(fastest) = r.reps.iter().filter(|f| f.median_minutes.is_some()).min_by_key(|f| f.median_minutes) {
        parts.push(format!(
            "the fastest median, {} working minutes, is {}'s",
            fastest.median_minutes.unwrap_or(0),
            fastest.rep.as_deref().unwrap_or("")
        ));
    }
    format!("{}.", parts.join("; "))
}
