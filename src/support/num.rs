//! Exact numbers. Scores are kept in hundredths (`Cents`) so that 0.1 + 0.2 is
//! 0.3 and no float drift reaches a stage threshold; cell values and rule bounds
//! are fixed-point decimals (`Dec`, 18 fractional digits) so that comparisons and
//! `per` divisions are exact for every number a CRM export realistically holds.

use std::cmp::Ordering;
use std::fmt;

/// A fixed-point decimal: the value times 10^18, saturating at the i128 range
/// (about ±1.7 × 10^20). More than 18 fractional digits are truncated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dec(pub i128);

pub const DEC_SCALE: i128 = 1_000_000_000_000_000_000;
const DEC_DIGITS: usize = 18;

impl Dec {
    pub fn from_int(v: i64) -> Dec {
        Dec((v as i128).saturating_mul(DEC_SCALE))
    }

    /// floor(self / other) for other > 0, saturating to i64.
    pub fn floor_div(self, other: Dec) -> i64 {
        debug_assert!(other.0 > 0);
        let q = self.0.div_euclid(other.0);
        q.clamp(i64::MIN as i128, i64::MAX as i128) as i64
    }

    /// Builds from sign, integer digits and fraction digits (ASCII digits only).
    fn from_parts(neg: bool, int: &[u8], frac: &[u8]) -> Dec {
        let mut v: i128 = 0;
        for &d in int {
            v = v.saturating_mul(10).saturating_add((d - b'0') as i128);
        }
        v = v.saturating_mul(DEC_SCALE);
        let mut f: i128 = 0;
        let mut scale = DEC_SCALE;
        for &d in frac.iter().take(DEC_DIGITS) {
            scale /= 10;
            f += (d - b'0') as i128 * scale;
        }
        let v = v.saturating_add(f);
        Dec(if neg { -v } else { v })
    }

    /// Hundredths when the value has at most two decimals.
    pub fn to_cents(self) -> Option<i64> {
        let unit = DEC_SCALE / 100;
        if self.0 % unit != 0 {
            return None;
        }
        i64::try_from(self.0 / unit).ok()
    }

    /// Whole number when the value has no fraction.
    pub fn to_integer(self) -> Option<i128> {
        (self.0 % DEC_SCALE == 0).then_some(self.0 / DEC_SCALE)
    }
}

impl fmt::Display for Dec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.0 < 0;
        let a = self.0.unsigned_abs();
        let int = a / DEC_SCALE as u128;
        let frac = a % DEC_SCALE as u128;
        if neg {
            f.write_str("-")?;
        }
        write!(f, "{int}")?;
        if frac != 0 {
            let s = format!("{frac:018}");
            write!(f, ".{}", s.trim_end_matches('0'))?;
        }
        Ok(())
    }
}

/// Parses a cell as the contract defines a number: an optional sign, digits,
/// optionally the decimal separator and more digits, at least one digit in all.
/// No exponents, `inf`, `nan` or thousands separators. The cell is already trimmed.
pub fn parse_cell_number(s: &str, sep: u8) -> Option<Dec> {
    let b = s.as_bytes();
    let (neg, rest) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let int_len = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    let (int, tail) = rest.split_at(int_len);
    let frac = match tail.split_first() {
        None => &[][..],
        Some((&c, f)) if c == sep => f,
        Some(_) => return None,
    };
    if !frac.iter().all(u8::is_ascii_digit) || int.is_empty() && frac.is_empty() {
        return None;
    }
    Some(Dec::from_parts(neg, int, frac))
}

/// The largest absolute value of a `Dec` from the rules (a numeric test's
/// bound, `per`, `weight`): 10^20. Above it cells and bounds would saturate
/// (see `Dec`) and stop comparing exactly.
pub const DEC_LIMIT: Dec = Dec(100_000_000_000_000_000_000 * DEC_SCALE);

/// The largest absolute value of points and thresholds (`points`, `max`,
/// `max_fit`, `max_engagement`, `min_*`): 10,000,000, in hundredths. Below
/// what a lead keeps of its fit and engagement (±21,474,836.47, see
/// `batch::Lead`), so that one criterion's points, a cap or a threshold is
/// never cut short; far beyond what a rule set needs.
pub const CENTS_LIMIT: Cents = Cents(1_000_000_000);

/// The largest whole number of the rules (`capacity`, `within_days`,
/// `older_than_days`): 10^12.
pub const WHOLE_LIMIT: i64 = 1_000_000_000_000;

/// A number of the rules file, read exactly from the text it was written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TomlNumber {
    /// The value; fractional digits past the 18th are dropped.
    pub value: Dec,
    /// Fractional digits as written, trailing zeros not counted: `12.50` has
    /// 1, `1e-3` has 3, `1e-30` has 30.
    pub decimals: u64,
}

/// Why a TOML number is not a `TomlNumber`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberError {
    /// `inf`, `nan`, or text that is not a number.
    NotFinite,
    /// Beyond what a `Dec` holds (about ±1.7 × 10^20); `negative` tells which end.
    TooLarge { negative: bool },
}

/// A cell with its digit-group separators (`[input] thousands`) removed, when
/// they split the digits left of the decimal separator into groups of three
/// (`17 800`, `1.234,5`); `None` when a separator stands anywhere else (then
/// the cell is not a number). With `' '`, U+00A0 and U+202F count as spaces.
pub fn without_thousands(s: &str, sep: char, decimal: u8) -> Option<std::borrow::Cow<'_, str>> {
    let is_sep = |c: char| c == sep || (sep == ' ' && (c == '\u{a0}' || c == '\u{202f}'));
    if !s.contains(is_sep) {
        return Some(std::borrow::Cow::Borrowed(s));
    }
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'-' | b'+') => s.split_at(1),
        _ => ("", s),
    };
    let (int, frac) = match rest.find(decimal as char) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if frac.contains(is_sep) {
        return None;
    }
    let mut groups = int.split(is_sep);
    let first = groups.next()?;
    let digits = |g: &str| g.bytes().all(|b| b.is_ascii_digit());
    if first.is_empty() || first.len() > 3 || !digits(first) {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    out.push_str(sign);
    out.push_str(first);
    for g in groups {
        if g.len() != 3 || !digits(g) {
            return None;
        }
        out.push_str(g);
    }
    out.push_str(frac);
    Some(std::borrow::Cow::Owned(out))
}

/// Parses a TOML number literal (integer or float text as written in the file,
/// or a decimal integer) exactly. Accepts `_` separators and exponents of any
/// size; refuses `inf` and `nan`. Other radixes than 10 come as decimal
/// integers, or, when they do not fit an `i128`, as written: too large.
/// Linear in the length of the text, whatever the exponent.
pub fn parse_toml_number(raw: &str) -> Result<TomlNumber, NumberError> {
    let s: String = raw.chars().filter(|&c| c != '_').collect();
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, &s[..]),
    };
    if ["0x", "0o", "0b"].iter().any(|p| body.starts_with(p)) {
        return Err(NumberError::TooLarge { negative: neg });
    }
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], parse_exponent(&body[i + 1..]).ok_or(NumberError::NotFinite)?),
        None => (body, 0),
    };
    let (int, frac) = match mant.find('.') {
        Some(i) => (&mant[..i], &mant[i + 1..]),
        None => (mant, ""),
    };
    let (int, frac) = (int.as_bytes(), frac.as_bytes());
    if int.is_empty() && frac.is_empty() || !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return Err(NumberError::NotFinite);
    }
    // The value is 0.DIGITS × 10^point, DIGITS without leading or trailing zeros.
    let all: Vec<u8> = int.iter().chain(frac).copied().collect();
    let lead = all.iter().take_while(|&&d| d == b'0').count();
    let digits = &all[lead..];
    let digits = &digits[..digits.len() - digits.iter().rev().take_while(|&&d| d == b'0').count()];
    if digits.is_empty() {
        return Ok(TomlNumber { value: Dec(0), decimals: 0 });
    }
    let point = (int.len() as i64 - lead as i64).saturating_add(exp);
    let decimals = (digits.len() as i64).saturating_sub(point).max(0) as u64;
    // 10^21 and more cannot be a `Dec`.
    if point > 21 {
        return Err(NumberError::TooLarge { negative: neg });
    }
    let digit_at = |i: i64| if i >= 0 && (i as usize) < digits.len() { (digits[i as usize] - b'0') as i128 } else { 0 };
    let mut v: i128 = 0;
    for i in 0..point.max(0) {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(digit_at(i)))
            .ok_or(NumberError::TooLarge { negative: neg })?;
    }
    let (mut f, mut scale) = (0, DEC_SCALE);
    for i in point..point.saturating_add(DEC_DIGITS as i64) {
        scale /= 10;
        f += digit_at(i) * scale;
    }
    let v = v.checked_mul(DEC_SCALE).and_then(|v| v.checked_add(f)).ok_or(NumberError::TooLarge { negative: neg })?;
    Ok(TomlNumber { value: Dec(if neg { -v } else { v }), decimals })
}

/// A TOML float's exponent; one too large for an `i64` saturates (the value
/// is then too large, or zero with many decimals).
fn parse_exponent(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let neg = s.starts_with('-');
    Some(s.parse::<i64>().unwrap_or(if neg { i64::MIN / 2 } else { i64::MAX / 2 }))
}

/// A score, a number of points or a threshold, in exact hundredths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl std::ops::Add for Cents {
    type Output = Cents;
    fn add(self, o: Cents) -> Cents {
        Cents(self.0.saturating_add(o.0))
    }
}

impl std::ops::AddAssign for Cents {
    fn add_assign(&mut self, o: Cents) {
        self.0 = self.0.saturating_add(o.0);
    }
}

/// Written as a decimal without trailing zeros: `12`, `12.5`, `-3.25`.
impl Cents {
    /// Appends the value as `Display` writes it (`12`, `12.5`, `-0.05`),
    /// without the formatting machinery: three of these end every output row.
    pub fn push_to(self, out: &mut Vec<u8>) {
        let a = self.0.unsigned_abs();
        let (int, frac) = (a / 100, (a % 100) as u8);
        if self.0 < 0 {
            out.push(b'-');
        }
        out.extend_from_slice(itoa::Buffer::new().format(int).as_bytes());
        if frac != 0 {
            out.push(b'.');
            out.push(b'0' + frac / 10);
            if frac % 10 != 0 {
                out.push(b'0' + frac % 10);
            }
        }
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = Vec::with_capacity(24);
        self.push_to(&mut buf);
        // push_to writes ASCII only.
        f.write_str(std::str::from_utf8(&buf).unwrap_or_default())
    }
}

/// An exact ratio `num / den` with den > 0, compared by cross-multiplication:
/// a rep's load (leads taken / weight) without binary floats.
#[derive(Clone, Copy, Debug)]
pub struct Ratio {
    pub num: i128,
    pub den: i128,
}

impl PartialEq for Ratio {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Ratio {}
impl PartialOrd for Ratio {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ratio {
    /// Exact, whatever the sizes: by cross-multiplication when that fits in
    /// 128 bits (every realistic load), else by sign and then as continued
    /// fractions (whole parts first, then the reciprocals of the remainders),
    /// which never multiplies and so never overflows.
    fn cmp(&self, o: &Self) -> Ordering {
        if self.den > 0
            && o.den > 0
            && let Some((a, b)) = self.num.checked_mul(o.den).zip(o.num.checked_mul(self.den))
        {
            return a.cmp(&b);
        }
        let sign = |r: &Ratio| (r.num.signum() * r.den.signum()).cmp(&0);
        match sign(self).cmp(&sign(o)) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        let magnitude = cmp_fractions(
            (self.num.unsigned_abs(), self.den.unsigned_abs()),
            (o.num.unsigned_abs(), o.den.unsigned_abs()),
        );
        if sign(self) == Ordering::Less { magnitude.reverse() } else { magnitude }
    }
}

/// Compares a/b with c/d (b, d > 0; a zero denominator counts as infinity).
fn cmp_fractions((mut a, mut b): (u128, u128), (mut c, mut d): (u128, u128)) -> Ordering {
    let mut flipped = false;
    loop {
        let order = match (b, d) {
            (0, 0) => Ordering::Equal,
            (0, _) => Ordering::Greater,
            (_, 0) => Ordering::Less,
            _ => match (a / b).cmp(&(c / d)) {
                Ordering::Equal => {
                    let (r, s) = (a % b, c % d);
                    // a/b = q + r/b and c/d = q + s/d: compare r/b with s/d,
                    // that is d/s with b/r (the order flips).
                    match (r, s) {
                        (0, 0) => Ordering::Equal,
                        (0, _) => Ordering::Less,
                        (_, 0) => Ordering::Greater,
                        _ => {
                            (a, b, c, d) = (b, r, d, s);
                            flipped = !flipped;
                            continue;
                        }
                    }
                }
                unequal => unequal,
            },
        };
        return if flipped { order.reverse() } else { order };
    }
}

/// A non-negative integer of any size (64-bit limbs, least significant
/// first, no zero limb at the top): fair shares summed over many rosters
/// (docs/reference.md §6.1) stay exact whatever the weights. Only what loads need: add,
/// multiply, compare.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Big(Vec<u64>);

impl Big {
    pub fn from_u128(v: u128) -> Big {
        let mut b = Big(vec![v as u64, (v >> 64) as u64]);
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    pub fn to_u128(&self) -> Option<u128> {
        match self.0.as_slice() {
            [] => Some(0),
            [a] => Some(u128::from(*a)),
            [a, b] => Some(u128::from(*a) | u128::from(*b) << 64),
            _ => None,
        }
    }

    /// About the value, for people (`explain`).
    pub fn to_f64(&self) -> f64 {
        self.0.iter().rev().fold(0.0, |acc, &l| acc * 18_446_744_073_709_551_616.0 + l as f64)
    }

    pub fn add(&self, o: &Big) -> Big {
        let (long, short) = if self.0.len() >= o.0.len() { (self, o) } else { (o, self) };
        let mut out = Vec::with_capacity(long.0.len() + 1);
        let mut carry = 0u128;
        for (i, &l) in long.0.iter().enumerate() {
            let sum = u128::from(l) + u128::from(short.0.get(i).copied().unwrap_or(0)) + carry;
            out.push(sum as u64);
            carry = sum >> 64;
        }
        if carry > 0 {
            out.push(carry as u64);
        }
        Big(out)
    }

    pub fn mul(&self, o: &Big) -> Big {
        if self.is_zero() || o.is_zero() {
            return Big::default();
        }
        let mut out = vec![0u64; self.0.len() + o.0.len()];
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry = 0u128;
            for (j, &b) in o.0.iter().enumerate() {
                let t = u128::from(a) * u128::from(b) + u128::from(out[i + j]) + carry;
                out[i + j] = t as u64;
                carry = t >> 64;
            }
            out[i + o.0.len()] = carry as u64;
        }
        let mut b = Big(out);
        b.trim();
        b
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Big {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.len().cmp(&o.0.len()).then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }
}

/// Greatest common divisor (gcd(0, b) = b).
pub fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Option<String> {
        parse_cell_number(s, b'.').map(|d| d.to_string())
    }

    #[test]
    fn thousands_separators_split_the_integer_part_into_threes() {
        let t = |s: &str, sep: char, dec: u8| without_thousands(s, sep, dec).map(|c| c.into_owned());
        assert_eq!(t("17 800", ' ', b'.').as_deref(), Some("17800"));
        assert_eq!(t("1\u{a0}234\u{202f}567,5", ' ', b',').as_deref(), Some("1234567,5"));
        assert_eq!(t("1.234,5", '.', b',').as_deref(), Some("1234,5"));
        assert_eq!(t("-12'345", '\'', b'.').as_deref(), Some("-12345"));
        assert_eq!(t("1234", ' ', b'.').as_deref(), Some("1234"), "no separator: as it is");
        for bad in ["17 80", "1 2345", " 123", "1 234.5 6", "1234 567", "1  234"] {
            assert_eq!(t(bad, ' ', b'.'), None, "{bad:?}");
        }
        assert_eq!(t("1.2345", '.', b','), None);
    }

    #[test]
    fn cell_numbers_follow_the_contract() {
        assert_eq!(n("5").as_deref(), Some("5"));
        assert_eq!(n("+5").as_deref(), Some("5"));
        assert_eq!(n("-0.5").as_deref(), Some("-0.5"));
        assert_eq!(n("5.").as_deref(), Some("5"));
        assert_eq!(n(".5").as_deref(), Some("0.5"));
        for bad in ["", ".", "-", "+", "1e3", "inf", "nan", "1,000", "1.2.3", "1 000", "--1", "0x10"] {
            assert_eq!(n(bad), None, "{bad:?}");
        }
        assert_eq!(parse_cell_number("1,5", b',').map(|d| d.to_string()).as_deref(), Some("1.5"));
        assert_eq!(parse_cell_number("1.5", b','), None);
    }

    #[test]
    fn toml_numbers_are_exact() {
        let t = |s: &str| parse_toml_number(s).map(|n| n.value.to_string());
        assert_eq!(t("12.34").as_deref(), Ok("12.34"));
        assert_eq!(t("1e3").as_deref(), Ok("1000"));
        assert_eq!(t("2.5E-1").as_deref(), Ok("0.25"));
        assert_eq!(t("1_000.5").as_deref(), Ok("1000.5"));
        assert_eq!(t("-0.0").as_deref(), Ok("0"));
        assert_eq!(t("0e999999999999999999999").as_deref(), Ok("0"));
        assert_eq!(t("inf"), Err(NumberError::NotFinite));
        assert_eq!(t("-nan"), Err(NumberError::NotFinite));
        let v = |s: &str| parse_toml_number(s).unwrap().value;
        assert_eq!(v("0.1").0 * 3, v("0.3").0);
        let d = |s: &str| parse_toml_number(s).unwrap().decimals;
        assert_eq!((d("12.345"), d("12.50"), d("1e-3"), d("1.5e3"), d("100")), (3, 1, 3, 0, 0));
        // Tiny values keep their decimals though the value is below a `Dec`'s resolution.
        assert_eq!(parse_toml_number("1e-30").unwrap(), TomlNumber { value: Dec(0), decimals: 30 });
        assert_eq!(d("1.5e-99999999999999999999"), u64::try_from(i64::MAX / 2).unwrap() + 2);
    }

    #[test]
    fn huge_toml_numbers_are_too_large_not_saturated() {
        let big = Err(NumberError::TooLarge { negative: false });
        assert_eq!(parse_toml_number("1000000000000000000000000000000"), big);
        assert_eq!(parse_toml_number("1e30"), big);
        assert_eq!(parse_toml_number("1e999999999999999999999"), big);
        assert_eq!(parse_toml_number("0x1000000000000000000000000000000000"), big);
        assert_eq!(parse_toml_number("-1e30"), Err(NumberError::TooLarge { negative: true }));
        // The largest that fits, and one digit more.
        assert_eq!(parse_toml_number("170141183460469231731").unwrap().value.to_string(), "170141183460469231731");
        assert_eq!(parse_toml_number("170141183460469231732"), big);
        assert_eq!(parse_toml_number("170141183460469231731.9"), big);
        assert_eq!(parse_toml_number("1e20").unwrap().value, DEC_LIMIT);
    }

    proptest::proptest! {
        #[test]
        fn cents_push_to_is_the_decimal_text(v in proptest::num::i64::ANY) {
            let mut out = Vec::new();
            Cents(v).push_to(&mut out);
            let a = (v as i128).abs();
            let (int, frac) = (a / 100, a % 100);
            let sign = if v < 0 { "-" } else { "" };
            let want = match frac {
                0 => format!("{sign}{int}"),
                d if d % 10 == 0 => format!("{sign}{int}.{}", d / 10),
                d => format!("{sign}{int}.{d:02}"),
            };
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), want);
        }
    }

    #[test]
    fn cents_print_without_trailing_zeros() {
        let s = |c| Cents(c).to_string();
        assert_eq!(s(1200), "12");
        assert_eq!(s(1250), "12.5");
        assert_eq!(s(-325), "-3.25");
        assert_eq!(s(-5), "-0.05");
        assert_eq!(s(0), "0");
    }

    #[test]
    fn floor_div_is_exact() {
        let d = |s| parse_cell_number(s, b'.').unwrap();
        assert_eq!(d("11.5").floor_div(d("5")), 2);
        assert_eq!(d("0.3").floor_div(d("0.1")), 3);
        assert_eq!(d("10").floor_div(d("2.5")), 4);
    }

    #[test]
    fn ratios_compare_exactly() {
        // 3 / 10 and 0.3 / 1 are equal loads.
        let a = Ratio { num: 3 * DEC_SCALE, den: 10 * DEC_SCALE };
        let b = Ratio { num: DEC_SCALE, den: parse_toml_number("3.3333333333").unwrap().value.0 };
        assert!(a < b);
        let c = Ratio { num: 3 * DEC_SCALE, den: 10 * DEC_SCALE };
        assert_eq!(a, c);
    }

    /// The comparison is exact: it agrees with cross-multiplication wherever
    /// that does not overflow, and stays exact where it would.
    #[test]
    fn ratios_compare_exactly_beyond_overflow() {
        let values: [i128; 9] = [0, 1, 2, 3, 7, 10, 1_000_000_007, DEC_SCALE, 3 * DEC_SCALE + 1];
        for &a in &values {
            for &b in &values[1..] {
                for &c in &values {
                    for &d in &values[1..] {
                        let want = (a * d).cmp(&(c * b));
                        let fractions = cmp_fractions((a as u128, b as u128), (c as u128, d as u128));
                        assert_eq!(fractions, want, "continued fractions: {a}/{b} vs {c}/{d}");
                        assert_eq!(Ratio { num: a, den: b }.cmp(&Ratio { num: c, den: d }), want, "{a}/{b} vs {c}/{d}");
                        let neg = Ratio { num: -a, den: b }.cmp(&Ratio { num: -c, den: d });
                        assert_eq!(neg, want.reverse(), "-{a}/{b} vs -{c}/{d}");
                    }
                }
            }
        }
        // Products of about 1e43 overflow i128; floats cannot tell these apart.
        let big = 10_000_000 * DEC_SCALE;
        let w = 9_000_000_000_000_000_000i128;
        let x = Ratio { num: big, den: w };
        let y = Ratio { num: big + 1, den: w };
        assert!(x < y);
        assert!(Ratio { num: big, den: w + 1 } < x);
        assert_eq!(Ratio { num: 2 * big, den: 2 * w }, x);
    }

    proptest::proptest! {
        /// Big agrees with u128 arithmetic wherever that does not overflow,
        /// and its products compare as the exact values do.
        #[test]
        fn big_integers_add_multiply_and_compare_exactly(a in 0u128..u128::MAX / 2, b in 0u128..u128::MAX / 2, c in proptest::num::u64::ANY) {
            let (ba, bb) = (Big::from_u128(a), Big::from_u128(b));
            proptest::prop_assert_eq!(ba.add(&bb).to_u128(), Some(a + b));
            proptest::prop_assert_eq!(ba.cmp(&bb), a.cmp(&b));
            let (x, y) = (a as u64 as u128, c as u128);
            proptest::prop_assert_eq!(Big::from_u128(x).mul(&Big::from_u128(y)).to_u128(), Some(x * y));
            // (a × c) vs (b × c): beyond 128 bits, the order of a and b.
            let (pa, pb) = (ba.mul(&Big::from_u128(y)), bb.mul(&Big::from_u128(y)));
            proptest::prop_assert_eq!(pa.cmp(&pb), if c == 0 { Ordering::Equal } else { a.cmp(&b) });
        }
    }

    #[test]
    fn big_products_carry_across_limbs() {
        let max = Big::from_u128(u128::MAX);
        // (2^128 - 1)^2 = 2^256 - 2^129 + 1: limbs 1, 0, 2^64 - 2, 2^64 - 1.
        assert_eq!(max.mul(&max), Big(vec![1, 0, u64::MAX - 1, u64::MAX]));
        assert_eq!(max.add(&Big::from_u128(1)), Big(vec![0, 0, 1]));
        assert!(max.mul(&max) > max);
        assert_eq!(Big::from_u128(0).mul(&max), Big::default());
        assert_eq!(max.to_u128(), Some(u128::MAX));
        assert_eq!(max.add(&max).to_u128(), None);
        assert_eq!(gcd(12, 18), 6);
        assert_eq!(gcd(0, 7), 7);
    }
}
