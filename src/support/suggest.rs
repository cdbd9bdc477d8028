//! Suggestions for a misspelt name: the key of a rules table, a team or
//! criterion a rule names, a column of the export's header. One measure
//! (Jaro-Winkler, case-insensitive) serves every message that offers one.

use crate::error::shorten;

/// ` (did you mean 'x'?)` when one candidate is close, else empty.
pub fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    match closest(word, candidates, 1).first() {
        Some(c) if similarity(&folded(word), &folded(c)) > 0.8 => format!(" (did you mean '{}'?)", shorten(c, 60)),
        _ => String::new(),
    }
}

/// The candidates most like `word` (Jaro-Winkler above 0.7, case-insensitive),
/// best first, at most `n`; ties in the candidates' order.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>, n: usize) -> Vec<&'a str> {
    let w = folded(word);
    let mut best: Vec<(f64, &str)> = Vec::with_capacity(n + 1);
    for c in candidates {
        let s = similarity(&w, &folded(c));
        if s > 0.7 && (best.len() < n || best.last().is_some_and(|b| s > b.0)) {
            let at = best.partition_point(|b| b.0 >= s);
            best.insert(at, (s, c));
            best.truncate(n);
        }
    }
    best.into_iter().map(|(_, c)| c).collect()
}

/// A name as `similarity` compares it: its first 64 characters, lower-cased.
/// A comparison then costs the same however long the names are.
fn folded(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((i, _)) => s[..i].to_lowercase(),
        None => s.to_lowercase(),
    }
}

fn similarity(a: &str, b: &str) -> f64 {
    strsim::jaro_winkler(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_close_candidate_is_suggested_and_none_when_nothing_is_close() {
        let keys = ["name", "min_score", "min_fit", "min_engagement"];
        assert_eq!(did_you_mean("min_scroe", keys.into_iter()), " (did you mean 'min_score'?)");
        assert_eq!(did_you_mean("MIN_FIT", keys.into_iter()), " (did you mean 'min_fit'?)");
        assert_eq!(did_you_mean("capacity", keys.into_iter()), "");
        assert_eq!(closest("min_", keys.into_iter(), 2), ["min_fit", "min_score"]);
    }
}
