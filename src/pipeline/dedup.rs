//! Exact duplicate ids: partitioned by hash, checked in parallel, every hash
//! match confirmed on the text.

use rayon::prelude::*;

use super::Lead;
use crate::input::RecordReader;

/// Per partition: (low 32 bits of the id hash, lead index), in input order.
type Partitions = Vec<Vec<(u32, u32)>>;

/// Marks every lead whose trimmed id equals an earlier lead's (input order).
///
/// Leads are split by the top bits of their id hash into partitions (more of
/// them for larger exports, so that each one's table stays in cache): equal
/// ids share a hash, so each partition is checked on its own, in parallel.
/// A partition lists (low 32 bits of the hash, lead index) in input order, so
/// the check reads no other memory until two hashes match; a match is
/// confirmed by re-reading both ids from the text, which keeps it exact.
/// `hashes` are the id hashes in input order, in consecutive pieces (one per
/// chunk). Returns (duplicates, missing ids).
pub(super) fn mark_duplicates(
    text: &str,
    delimiter: u8,
    id_col: usize,
    leads: &mut [Lead],
    hashes: Vec<Vec<u64>>,
) -> (u64, u64) {
    // 8,192 to 16,383 leads a partition: 64 partitions up to 1M leads, 1,024
    // at 10M, at most 4,096.
    let bits = (leads.len() / 8192).max(1).ilog2().clamp(6, 12);
    let all: &[Lead] = leads;
    // Each piece sorted into partitions on its own thread; a partition is then
    // its lists from every piece, in piece order (input order throughout).
    let starts: Vec<usize> = hashes.iter().scan(0, |at, p| Some(std::mem::replace(at, *at + p.len()))).collect();
    let pieces: Vec<(Partitions, u64)> = hashes
        .into_par_iter()
        .zip(starts)
        .map(|(piece, start)| {
            let mut members: Partitions = vec![Vec::new(); 1 << bits];
            let mut missing = 0u64;
            for (k, h) in piece.into_iter().enumerate() {
                let i = start + k;
                if all[i].missing_id {
                    missing += 1;
                } else {
                    members[(h >> (64 - bits)) as usize].push((h as u32, i as u32));
                }
            }
            (members, missing)
        })
        .collect();
    let missing: u64 = pieces.iter().map(|p| p.1).sum();
    // The table's own hash: the 32 bits spread over all 64 (hashbrown uses the top ones).
    let spread = |h: u32| (h as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let dups: Vec<Vec<u32>> = (0..1usize << bits)
        .into_par_iter()
        .map(|p| {
            let size = pieces.iter().map(|piece| piece.0[p].len()).sum();
            let mut first: hashbrown::HashTable<(u32, u32)> = hashbrown::HashTable::with_capacity(size);
            let mut reader = RecordReader::new(delimiter);
            let mut id_at =
                |i: u32| reader.read(text, all[i as usize].offset).map(|r| r.fields.cell(id_col).to_string());
            let mut dups = Vec::new();
            for &(h, i) in pieces.iter().flat_map(|piece| &piece.0[p]) {
                let dup = first.find(spread(h), |&(g, _)| g == h).is_some() && {
                    // Same hash: an earlier lead with the same id, or only a collision?
                    let id = id_at(i);
                    id.is_some() && first.find(spread(h), |&(g, j)| g == h && id_at(j) == id).is_some()
                };
                if dup {
                    dups.push(i);
                } else {
                    first.insert_unique(spread(h), (h, i), |&(g, _)| spread(g));
                }
            }
            dups
        })
        .collect();
    drop(pieces);
    let mut duplicates = 0;
    for i in dups.into_iter().flatten() {
        leads[i as usize].duplicate = true;
        duplicates += 1;
    }
    (duplicates, missing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::NO_DATE;
    use crate::pipeline::NONE;

    fn lead(offset: usize) -> Lead {
        Lead {
            offset,
            index: 0,
            fit: 0,
            engagement: 0,
            created: NO_DATE,
            stage: 0,
            missing_id: false,
            duplicate: false,
            account: NONE,
        }
    }

    /// Every id given the same hash: only real repeats are duplicates, whatever
    /// the collisions, and the first of each id stays.
    #[test]
    fn duplicates_are_exact_under_hash_collisions() {
        let text = "id\na\nb\n a \nc\nb\nA\na\n";
        let mut leads: Vec<Lead> = Vec::new();
        let mut at = text.find('\n').unwrap() + 1;
        while at < text.len() {
            leads.push(lead(at));
            at += text[at..].find('\n').unwrap() + 1;
        }
        // Equal ids must share a hash; distinct ones may or may not.
        let by_first_byte: Vec<u64> =
            leads.iter().map(|l| text[l.offset..].trim_start().as_bytes()[0] as u64).collect();
        for hashes in [vec![7u64; leads.len()], vec![u64::MAX; leads.len()], by_first_byte] {
            // In one piece, and in pieces as chunks hand them over.
            for pieces in
                [vec![hashes.clone()], vec![hashes[..2].to_vec(), hashes[2..5].to_vec(), hashes[5..].to_vec()]]
            {
                let mut l = leads.clone();
                let (dups, missing) = mark_duplicates(text, b',', 0, &mut l, pieces);
                let flags: Vec<bool> = l.iter().map(|x| x.duplicate).collect();
                // a, b, " a " (= a), c, b, A (ids are case-sensitive), a
                assert_eq!(flags, [false, false, true, false, true, false, true]);
                assert_eq!((dups, missing), (3, 0));
            }
        }
    }
}
