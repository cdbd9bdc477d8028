//! Ranking: score (highest first), then `created` (oldest first, missing last),
//! then position in the input. Routing and output both follow this order.

use crate::engine::batch::Lead;

/// Sorts leads into rank order. Stable and total: the input position breaks ties.
pub fn rank(leads: &mut [Lead]) {
    use rayon::slice::ParallelSliceMut;
    leads.par_sort_unstable_by(|a, b| {
        b.score().cmp(&a.score()).then(a.created.cmp(&b.created)).then(a.index.cmp(&b.index))
    });
}
