//! Joins the chunks in input order: lead indices, merged account ids,
//! duplicate ids, value warnings and line numbers (facts that need the whole
//! file).

use std::collections::HashMap;

use rayon::prelude::*;

use super::chunk::Chunk;
use super::dedup::{mark_duplicates, mark_email_duplicates};
use super::{Batch, ColumnWarnings, CrmStages, FastMap, Lead, NO_ACCOUNT, Reject, intern};
use crate::engine::input::{Input, LineCounter, RecordReader};
use crate::engine::plan::Plan;

/// Joins the chunks in input order: indices, duplicate ids (exact), accounts,
/// value warnings and line numbers.
pub(super) fn merge(input: Input, delimiter: u8, header: Vec<String>, plan: Plan, chunks: Vec<Chunk>) -> Batch {
    let text = input.text.as_str();
    let total: usize = chunks.iter().map(|c| c.leads.len()).sum();
    let words = plan.cond_words();
    // The first chunk's vectors grow to hold all (a large realloc moves pages,
    // it does not copy), so the leads are never held twice.
    let (mut leads, mut bits): (Vec<Lead>, Vec<u64>) = (Vec::new(), Vec::new());
    // Kept per chunk: the duplicate check frees each as soon as it is sorted in.
    let mut id_hashes: Vec<Vec<u64>> = Vec::with_capacity(chunks.len());
    let mut email_hashes: Vec<Vec<u64>> = Vec::with_capacity(chunks.len());
    let mut email_accounts = 0u64;
    let mut outcomes = Vec::new();
    let mut touched = Vec::new();
    let (mut touched_bad, mut touched_first) = (0u64, usize::MAX);
    let mut rejects_at = Vec::new();
    let mut warn_count = vec![0u64; plan.slots.len()];
    let mut warn_first = vec![usize::MAX; plan.slots.len()];
    let (mut crm_held, mut crm_unknown, mut crm_unknown_first) = (0u64, 0u64, usize::MAX);
    let mut outcomes_missing = 0u64;
    let mut account_ids: FastMap<String, u32> = FastMap::default();
    let mut accounts: Vec<String> = Vec::new();
    let mut rows_read = 0u64;
    // Per chunk: its number of leads, and its account ids in the merged list.
    let mut remaps: Vec<(usize, Vec<u32>)> = Vec::with_capacity(chunks.len());
    for (k, mut c) in chunks.into_iter().enumerate() {
        rows_read += c.rows_read;
        let global: Vec<u32> = c.accounts.iter().map(|a| intern(a, &mut account_ids, &mut accounts)).collect();
        let from = leads.len();
        if k == 0 {
            leads = std::mem::take(&mut c.leads);
            leads.reserve_exact(total - leads.len());
            bits = std::mem::take(&mut c.bits);
            bits.reserve_exact(total * words - bits.len());
        } else {
            leads.append(&mut c.leads);
            bits.append(&mut c.bits);
        }
        id_hashes.push(std::mem::take(&mut c.id_hash));
        email_hashes.push(std::mem::take(&mut c.email_hash));
        email_accounts += c.email_accounts;
        remaps.push((leads.len() - from, global));
        outcomes.append(&mut c.outcomes);
        touched.append(&mut c.touched);
        touched_bad += c.touched_bad;
        touched_first = touched_first.min(c.touched_first);
        rejects_at.append(&mut c.rejects);
        crm_held += c.crm_held;
        outcomes_missing += c.outcomes_missing;
        crm_unknown += c.crm_unknown;
        crm_unknown_first = crm_unknown_first.min(c.crm_unknown_first);
        for k in 0..warn_count.len() {
            warn_count[k] += c.warn_count[k];
            if warn_first[k] == usize::MAX {
                warn_first[k] = c.warn_first[k];
            }
        }
    }
    // Input positions and merged account ids, each chunk's leads on their own thread.
    let mut parts = Vec::with_capacity(remaps.len());
    let (mut rest, mut from) = (&mut leads[..], 0);
    for (len, global) in &remaps {
        let (part, tail) = std::mem::take(&mut rest).split_at_mut(*len);
        parts.push((part, from, global));
        rest = tail;
        from += len;
    }
    parts.into_par_iter().for_each(|(part, from, global)| {
        for (i, lead) in part.iter_mut().enumerate() {
            lead.index = (from + i) as u32;
            if lead.account != NO_ACCOUNT {
                lead.account = global[lead.account as usize];
            }
        }
    });
    drop(remaps);
    let (mut duplicates, missing_ids) = match plan.id_col {
        Some(col) => mark_duplicates(text, delimiter, col, &mut leads, id_hashes),
        // `id = "@line"`: every lead has its own line.
        None => (0, 0),
    };
    if let (None, Some(file)) = (plan.id_col, &plan.outcomes) {
        (outcomes, outcomes_missing) = outcomes_by_line(text, &leads, file, &plan);
    }
    // With `[input] email`: a lead whose email an earlier lead has is a duplicate too.
    let email_duplicates = match plan.email_col {
        Some(col) => mark_email_duplicates(text, delimiter, col, &mut leads, email_hashes),
        None => 0,
    };
    duplicates += email_duplicates;

    // Line numbers, computed once in increasing offset order.
    let mut wanted: Vec<usize> = rejects_at.iter().map(|r| r.0).collect();
    wanted.extend(warn_first.iter().copied().filter(|&o| o != usize::MAX));
    wanted.extend(Some(crm_unknown_first).filter(|&o| o != usize::MAX));
    wanted.extend(Some(touched_first).filter(|&o| o != usize::MAX));
    wanted.sort_unstable();
    wanted.dedup();
    let mut lc = LineCounter::default();
    let lines: HashMap<usize, usize> = wanted.iter().map(|&o| (o, lc.line_at(text.as_bytes(), o))).collect();
    let rejects = rejects_at.into_iter().map(|(o, error, fields)| Reject { line: lines[&o], error, fields }).collect();
    let warnings: Vec<ColumnWarnings> = plan
        .warn_columns()
        .iter()
        .filter(|(k, _)| warn_count[*k] > 0)
        .map(|(k, name)| ColumnWarnings {
            column: name.clone(),
            count: warn_count[*k],
            first_line: lines[&warn_first[*k]],
            first_value: RecordReader::new(delimiter)
                .read(text, warn_first[*k])
                .map(|r| r.fields.cell(plan.slots[*k].col).to_string())
                .unwrap_or_default(),
        })
        .collect();
    // `[input] touched`: its cells that could not be read, after the
    // columns the scoring reads.
    let mut warnings = warnings;
    if let (Some(col), true) = (plan.touched_col, touched_bad > 0) {
        warnings.push(ColumnWarnings {
            column: header[col].clone(),
            count: touched_bad,
            first_line: lines[&touched_first],
            first_value: RecordReader::new(delimiter)
                .read(text, touched_first)
                .map(|r| r.fields.cell(col).to_string())
                .unwrap_or_default(),
        });
    }
    let crm = plan.crm_slot.map(|k| CrmStages {
        held_up: crm_held,
        unknown: crm_unknown,
        first_unknown: (crm_unknown_first != usize::MAX).then(|| {
            let mut rr = RecordReader::new(delimiter);
            let value = rr.read(text, crm_unknown_first).map(|r| r.fields.cell(plan.slots[k].col).to_string());
            (lines[&crm_unknown_first], value.unwrap_or_default())
        }),
    });
    Batch {
        input,
        delimiter,
        header,
        plan,
        leads,
        bits,
        rejects,
        warnings,
        crm,
        rows_read,
        duplicates,
        email_duplicates,
        missing_ids,
        accounts,
        email_accounts,
        outcomes,
        outcomes_missing,
        touched,
    }
}

/// Under `id = "@line"`, `--outcomes FILE` keyed by line numbers: each lead's
/// outcome (leads in input order), and how many leads the file lacks.
fn outcomes_by_line(
    text: &str,
    leads: &[Lead],
    file: &crate::engine::outcomes::Outcomes,
    plan: &Plan,
) -> (Vec<bool>, u64) {
    let mut lc = LineCounter::default();
    let mut missing = 0;
    let outcomes = leads
        .iter()
        .map(|lead| {
            let value = file.get(lc.line_at(text.as_bytes(), lead.offset).to_string().as_str());
            missing += u64::from(value.is_none());
            value.is_some_and(|v| plan.is_converted(v))
        })
        .collect();
    (outcomes, missing)
}
