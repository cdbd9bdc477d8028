//! Exact duplicates, of ids and (with `[input] email`) of email keys:
//! partitioned by hash, checked in parallel, every hash match confirmed on the
//! text.

use rayon::prelude::*;

use super::{FastMap, Lead};
use crate::engine::input::{Fields, RecordReader};
use crate::support::identity::email_key;

/// Per partition: (low 32 bits of the key hash, lead index), in input order.
type Partitions = Vec<Vec<(u32, u32)>>;

/// Marks every lead whose trimmed id equals an earlier lead's (input order).
/// `hashes` are the id hashes in input order, in consecutive pieces (one per
/// chunk). Returns (duplicates, missing ids).
pub(super) fn mark_duplicates(
    text: &str,
    delimiter: u8,
    id_col: usize,
    leads: &mut [Lead],
    hashes: Vec<Vec<u64>>,
) -> (u64, u64) {
    let (dups, missing) =
        repeats(text, delimiter, leads, hashes, |lead, _| lead.missing_id, |f| f.cell(id_col).to_string());
    for &i in &dups {
        leads[i as usize].duplicate = true;
    }
    (dups.len() as u64, missing)
}

/// Marks every lead whose email key (`identity::email_key`) equals an earlier
/// lead's (input order, every well-formed row counts); empty emails never
/// match. `hashes` are the email keys' hashes as `mark_duplicates` takes the
/// ids', 0 for an empty email. Run after `mark_duplicates`: returns the leads
/// newly marked (an id, not already a duplicate by id), the duplicates by
/// email only.
pub(super) fn mark_email_duplicates(
    text: &str,
    delimiter: u8,
    email_col: usize,
    leads: &mut [Lead],
    hashes: Vec<Vec<u64>>,
) -> u64 {
    let key = |f: &Fields| {
        let mut buf = String::new();
        email_key(f.cell(email_col), &mut buf);
        buf
    };
    let (dups, _) = repeats(text, delimiter, leads, hashes, |_, h| h == 0, key);
    let mut by_email = 0;
    for i in dups {
        let lead = &mut leads[i as usize];
        if !lead.missing_id && !lead.duplicate {
            lead.duplicate = true;
            by_email += 1;
        }
    }
    by_email
}

/// The leads whose key equals an earlier lead's (input order), and how many
/// were skipped (`skip`: no key).
///
/// Leads are split by the top bits of their key hash into partitions (more of
/// them for larger exports, so that each one's table stays in cache): equal
/// keys share a hash, so each partition is checked on its own, in parallel.
/// A partition lists (low 32 bits of the hash, lead index) in input order, so
/// the check reads no other memory until two hashes match; a match is
/// confirmed by re-reading both keys from the text (`key`), which keeps it
/// exact. Each re-read is a random access into the text, the cost of a
/// duplicate (about 1 µs); an earlier lead's key is kept once read.
fn repeats<K: PartialEq>(
    text: &str,
    delimiter: u8,
    leads: &[Lead],
    hashes: Vec<Vec<u64>>,
    skip: impl Fn(&Lead, u64) -> bool + Sync,
    key: impl Fn(&Fields) -> K + Sync,
) -> (Vec<u32>, u64) {
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
            let mut skipped = 0u64;
            for (k, h) in piece.into_iter().enumerate() {
                let i = start + k;
                if skip(&all[i], h) {
                    skipped += 1;
                } else {
                    members[(h >> (64 - bits)) as usize].push((h as u32, i as u32));
                }
            }
            (members, skipped)
        })
        .collect();
    let skipped: u64 = pieces.iter().map(|p| p.1).sum();
    // The table's own hash: the 32 bits spread over all 64 (hashbrown uses the top ones).
    let spread = |h: u32| (h as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let dups: Vec<Vec<u32>> = (0..1usize << bits)
        .into_par_iter()
        .map(|p| {
            let size = pieces.iter().map(|piece| piece.0[p].len()).sum();
            let mut first: hashbrown::HashTable<(u32, u32)> = hashbrown::HashTable::with_capacity(size);
            let mut reader = RecordReader::new(delimiter);
            let mut key_at = |i: u32| reader.read(text, all[i as usize].offset).map(|r| key(&r.fields));
            // The keys of first occurrences read so far: a key repeated many
            // times (a popular email) is read once, not once per repeat.
            let mut known: FastMap<u32, Option<K>> = FastMap::default();
            let mut dups = Vec::new();
            for &(h, i) in pieces.iter().flat_map(|piece| &piece.0[p]) {
                let dup = first.find(spread(h), |&(g, _)| g == h).is_some() && {
                    // Same hash: an earlier lead with the same key, or only a collision?
                    let k = key_at(i);
                    k.is_some()
                        && first
                            .find(spread(h), |&(g, j)| g == h && *known.entry(j).or_insert_with(|| key_at(j)) == k)
                            .is_some()
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
    (dups.into_iter().flatten().collect(), skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::batch::NO_ACCOUNT;
    use crate::engine::batch::NO_DATE;

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
            account: NO_ACCOUNT,
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

    /// Emails: compared as keys (case, spaces, gmail dots and `+tags`), every
    /// hash colliding; empty emails never match; a lead that repeats an id is
    /// not counted again; a lead with no id stays a missing id but its email
    /// still counts for the rows after it.
    #[test]
    fn email_duplicates_are_exact_keys_under_hash_collisions() {
        let text = "id,email\n\
            1,j.ane+promo@gmail.com\n\
            2,jane@googlemail.com\n\
            3,j.ane@acme.com\n\
            4,jane@acme.com\n\
            5, JANE@ACME.COM \n\
            6,\n\
            7,\n\
            4,other@acme.com\n\
            ,x@y.fi\n\
            9,X@Y.FI\n";
        let mut leads: Vec<Lead> = Vec::new();
        let mut at = text.find('\n').unwrap() + 1;
        while at < text.len() {
            let mut l = lead(at);
            l.missing_id = text[at..].starts_with(',');
            leads.push(l);
            at += text[at..].find('\n').unwrap() + 1;
        }
        let empty: Vec<bool> =
            leads.iter().map(|l| text[l.offset..].split('\n').next().unwrap().ends_with(',')).collect();
        let hashes: Vec<u64> = empty.iter().map(|&e| if e { 0 } else { 7 }).collect();
        let ids: Vec<u64> = vec![1; leads.len()];
        for pieces in [vec![hashes.clone()], vec![hashes[..3].to_vec(), hashes[3..].to_vec()]] {
            let mut l = leads.clone();
            let (id_dups, missing) = mark_duplicates(text, b',', 0, &mut l, vec![ids.clone()]);
            assert_eq!((id_dups, missing), (1, 1));
            let by_email = mark_email_duplicates(text, b',', 1, &mut l, pieces);
            let flags: Vec<bool> = l.iter().map(|x| x.duplicate).collect();
            // 2 = 1 (gmail), 3 ≠ 4 (dots count elsewhere), 5 = 4 (case, spaces), 6 and 7 empty,
            // the second 4 repeats an id, the missing id stays missing, 9 = that row's email.
            assert_eq!(flags, [false, true, false, false, true, false, false, true, false, true]);
            assert_eq!(by_email, 3);
        }
    }
}
