//! Cross-validation folds: lead i goes to fold SHA-256("SEED:ID") mod K, the
//! 256-bit digest read as one big-endian unsigned integer. The fold depends on
//! the seed and the lead's id alone (not on the order of the export, the
//! other leads or the machine), so a lead keeps its fold from one run, and
//! one export, to the next, and repeated ids share a fold.

use sha2::{Digest, Sha256};

/// The fold (0-based, below `k`) of the lead with this id (trimmed; under
/// `[input] id = "@line"` its line number).
pub fn fold_of(seed: u64, id: &str, k: u32) -> u32 {
    let mut h = Sha256::new();
    h.update(seed.to_string().as_bytes());
    h.update(b":");
    h.update(id.as_bytes());
    digest_mod(&h.finalize(), k)
}

/// A big-endian unsigned integer mod `k` (k > 0), one byte at a time.
pub fn digest_mod(digest: &[u8], k: u32) -> u32 {
    let k = k as u64;
    digest.iter().fold(0u64, |r, &b| (r * 256 + b as u64) % k) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reduction is the big-endian integer's remainder: checked on digests
    /// whose value is known, and on real ids against Python's
    /// `int.from_bytes(hashlib.sha256(b"1:A1").digest(), "big") % 5`.
    #[test]
    fn digests_reduce_as_big_endian_integers() {
        assert_eq!(digest_mod(&[0x01, 0x00], 7), 256 % 7);
        assert_eq!(digest_mod(&[0x00, 0x01], 7), 1);
        // 2^256 − 1 is divisible by 2^4 − 1 = 15, so by 5; mod 11 it is 8.
        assert_eq!(digest_mod(&[0xff; 32], 5), 0);
        assert_eq!(digest_mod(&[0xff; 32], 11), 8);
        assert_eq!((fold_of(1, "A1", 5), fold_of(1, "A1", 3), fold_of(1, "A1", 10)), (0, 2, 0));
        assert_eq!((fold_of(1, "L-0000001", 5), fold_of(1, "L-0000001", 3), fold_of(1, "L-0000001", 10)), (3, 1, 8));
        assert_eq!((fold_of(7, "x", 5), fold_of(7, "x", 3), fold_of(7, "x", 10)), (2, 0, 7));
    }
}
