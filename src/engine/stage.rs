//! Funnel stages: a lead's stage is the last listed stage all of whose tests
//! hold; a lead that matched a `disqualify` criterion is `disqualified`.

use crate::engine::score::RowScore;
use crate::rules::Rules;

/// The stage index of a scored row (`rules.disqualified_stage()` when disqualified).
pub fn stage_of(rules: &Rules, s: &RowScore, held: &[bool]) -> usize {
    if s.disqualified {
        return rules.disqualified_stage();
    }
    rules
        .stages
        .iter()
        .rposition(|st| {
            st.min_score.is_none_or(|m| s.score >= m)
                && st.min_fit.is_none_or(|m| s.fit >= m)
                && st.min_engagement.is_none_or(|m| s.engagement >= m)
                && st.require.iter().all(|&c| held[c])
        })
        .unwrap_or(0)
}
