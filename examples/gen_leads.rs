//! gen_leads: deterministic generator of realistic CRM lead exports for leadroute.
//!
//! Why it exists: leadroute scores and routes leads from a CRM CSV export, and we
//! need shareable input for demos, docs, tests and benchmarks that looks like a real
//! export (Finnish/Swedish/English names with non-ASCII letters, accounts shared by
//! several leads, free-mail and competitor addresses, plausible engagement numbers)
//! without shipping anyone's real CRM data.  With --messy it also adds the dirt that
//! real exports have (ragged rows, `n/a`, `yesterday`, empty and duplicated ids,
//! odd title casing, quoted notes with commas, quotes and newlines).
//!
//! Run (standard library only; no clock is read, so the same arguments always give
//! byte-identical output):
//!
//!     cargo run --release --example gen_leads -- --rows 300 --seed 7 --as-of 2026-11-01 --messy > examples/leads.csv
//!     cargo run --release --example gen_leads -- --rows 10000000 --seed 1 > /tmp/leads-10m.csv
//!
//! Options: --rows N (300), --seed S (1), --as-of YYYY-MM-DD (2026-11-01), --messy.
//! The dirt comes from a separate random stream, so a --messy file is the clean
//! file for the same seed with dirt layered on top.

use std::io::{self, BufWriter, Write};
use std::process;

const USAGE: &str = "\
usage: gen_leads [--rows N] [--seed S] [--as-of YYYY-MM-DD] [--messy]

Writes a synthetic CRM lead export (CSV, UTF-8, LF) to stdout.

  --rows N            number of data rows (default 300)
  --seed S            unsigned 64-bit seed (default 1)
  --as-of YYYY-MM-DD  reference date; all dates are relative to it (default 2026-11-01)
  --messy             add realistic dirt: ragged rows, n/a, 'yesterday', empty and
                      duplicated Lead IDs, odd title case/padding, quoted multi-line notes
  -h, --help          show this help";

const HEADER: &str = "Lead ID,First Name,Last Name,Email,Company,Job Title,Industry,Country,\
Employees,Annual Revenue,Lead Source,Interest,Page Views,Sessions,Downloads,\
Newsletter Opens,Demo Requested,Contact Request,Last Activity,Create Date,Notes\n";

// ---------------------------------------------------------------------------
// Data tables
// ---------------------------------------------------------------------------

const FIRST_NAMES: &[&str] = &[
    // Finnish
    "Päivi", "Jukka", "Mikko", "Anna", "Sanna", "Matti", "Tiina", "Ville", "Johanna", "Antti", "Heikki", "Eeva",
    "Sirpa", "Juha", "Kirsi", "Timo", "Aino", "Väinö", "Jyrki", "Riikka", "Satu", "Pekka", "Hanna",
    "Janne", // Swedish
    "Lars", "Karin", "Erik", "Ingrid", "Björn", "Åsa", "Sven", "Maja", "Olle", "Linnéa",
    // English and others seen in Nordic CRMs
    "John", "Sarah", "David", "Emma", "Michael", "Oliver", "Grace", "Chloé", "Jürgen", "José",
];

const LAST_NAMES: &[&str] = &[
    // Finnish
    "Mäkinen",
    "Hämäläinen",
    "Virtanen",
    "Korhonen",
    "Nieminen",
    "Järvinen",
    "Lehtonen",
    "Heikkinen",
    "Koskinen",
    "Laine",
    "Mäkelä",
    "Salminen",
    "Heinonen",
    "Kinnunen",
    "Räsänen",
    "Lindholm",
    // Swedish
    "Söderström",
    "Andersson",
    "Johansson",
    "Lindqvist",
    "Nyström",
    "Åberg",
    "Berg",
    // English and others
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "O'Brien",
    "Müller",
    "García",
    "Dubois",
];

const INDUSTRIES: &[&str] = &[
    "Logistics",
    "Manufacturing",
    "Aerospace",
    "Energy",
    "Retail",
    "Software",
    "Healthcare",
    "Finance",
    "Education",
    "Public Sector",
];
const INDUSTRIES_LOWER: &[&str] = &[
    "logistics",
    "manufacturing",
    "aerospace",
    "energy",
    "retail",
    "software",
    "healthcare",
    "finance",
    "education",
    "public sector",
];
/// Relative weight of each industry for leads whose industry is not the account's.
const INDUSTRY_WEIGHTS: &[u32] = &[18, 18, 6, 8, 10, 12, 7, 8, 5, 8];
/// Rough revenue per employee (MEUR) by industry, so revenue tracks company size.
const REVENUE_PER_EMPLOYEE: &[f64] = &[0.15, 0.22, 0.30, 0.50, 0.35, 0.25, 0.12, 0.40, 0.06, 0.08];

const LOGISTICS: usize = 0;
const MANUFACTURING: usize = 1;
const AEROSPACE: usize = 2;
const ENERGY: usize = 3;
const RETAIL: usize = 4;
const SOFTWARE: usize = 5;
const HEALTHCARE: usize = 6;
const FINANCE: usize = 7;
const EDUCATION: usize = 8;
const PUBLIC_SECTOR: usize = 9;

const COUNTRIES: &[(&str, u32)] =
    &[("FI", 40), ("SE", 15), ("NO", 8), ("DK", 6), ("EE", 6), ("DE", 9), ("GB", 7), ("US", 6), ("FR", 3)];

struct Company {
    name: &'static str,
    domain: &'static str,
    employees: u32,
    industry: usize,
    country: &'static str,
}

const fn co(
    name: &'static str,
    domain: &'static str,
    employees: u32,
    industry: usize,
    country: &'static str,
) -> Company {
    Company { name, domain, employees, industry, country }
}

/// Accounts in Zipf rank order: the first ones get the most leads.  Sizes are mixed
/// across ranks so Employees spans 1..20000 whatever the skew.
const COMPANIES: &[Company] = &[
    co("Posti", "posti.example", 18_500, LOGISTICS, "FI"),
    co("Nordic Aero", "aero.example", 850, AEROSPACE, "FI"),
    co("Lahden Kuljetus Oy", "lahdenkuljetus.example", 35, LOGISTICS, "FI"),
    co("Acme, Inc.", "company.example", 120, MANUFACTURING, "US"),
    co("Kone Oyj", "kone.example", 20_000, MANUFACTURING, "FI"),
    co("Finnair Cargo", "finnair.example", 640, LOGISTICS, "FI"),
    co("Baltic Freight OÜ", "balticfreight.example", 60, LOGISTICS, "EE"),
    co("Helsinki Health Oy", "hhealth.example", 2_600, HEALTHCARE, "FI"),
    co("Wärtsilä", "wartsila.example", 17_800, MANUFACTURING, "FI"),
    co("Polar Logistics AB", "polarlogistics.example", 240, LOGISTICS, "SE"),
    co("Espoo Data Oy", "example.fi", 9, SOFTWARE, "FI"),
    co("Fiskars", "fiskars.example", 6_900, RETAIL, "FI"),
    co("Oulun Konepaja Oy", "konepaja.example", 85, MANUFACTURING, "FI"),
    co("Konecranes", "konecranes.example", 16_600, MANUFACTURING, "FI"),
    co("Supercell", "supercell.example", 520, SOFTWARE, "FI"),
    co("Bayern Präzision GmbH", "praezision.example", 2_100, AEROSPACE, "DE"),
    co("Tampere Robotics", "robotics.example", 22, SOFTWARE, "FI"),
    co("Nokia", "nokia.example", 20_000, SOFTWARE, "FI"),
    co("Göteborg Hamn AB", "hamn.example", 900, LOGISTICS, "SE"),
    co("Sauna Solutions Oy", "example.fi", 4, RETAIL, "FI"),
    co("Kesko", "kesko.example", 17_900, RETAIL, "FI"),
    co("Thames Freight Ltd", "thamesfreight.example", 380, LOGISTICS, "GB"),
    co("Kuopion Varaosa Oy", "varaosa.example", 12, RETAIL, "FI"),
    co("UPM", "upm.example", 15_900, MANUFACTURING, "FI"),
    co("Rovio", "rovio.example", 450, SOFTWARE, "FI"),
    co("Fjord Energy AS", "fjordenergy.example", 1_300, ENERGY, "NO"),
    co("Øresund Trading ApS", "oresund.example", 45, RETAIL, "DK"),
    co("Metso", "metso.example", 16_200, MANUFACTURING, "FI"),
    co("Midwest Parts Inc", "midwestparts.example", 650, MANUFACTURING, "US"),
    co("Elisa", "elisa.example", 5_200, SOFTWARE, "FI"),
    co("Tallinn Cargo AS", "tallinncargo.example", 150, LOGISTICS, "EE"),
    co("Valmet", "valmet.example", 17_500, MANUFACTURING, "FI"),
    co("Lyon Aéro SAS", "lyonaero.example", 1_100, AEROSPACE, "FR"),
    co("Suomen Kouluverkko", "kouluverkko.example", 40, EDUCATION, "FI"),
    co("Stora Enso", "storaenso.example", 19_000, MANUFACTURING, "FI"),
    co("NorthPay Oyj", "northpay.example", 320, FINANCE, "FI"),
    co("Kaupungin Hankintapalvelut", "example.fi", 3_200, PUBLIC_SECTOR, "FI"),
    co("Telia", "telia.example", 19_200, SOFTWARE, "SE"),
    co("Turku Shipyard Services", "example.com", 1_500, MANUFACTURING, "FI"),
    co("Lapland Outdoor Oy", "example.fi", 2, RETAIL, "FI"),
];

/// The competitor: leads from it should be routed away or scored down.
const RIVAL: Company = co("Rival Systems Oy", "rival.example", 140, LOGISTICS, "FI");

const FREE_MAIL: &[&str] = &["gmail.com", "yahoo.com"];
const GENERIC_DOMAINS: &[&str] = &["example.com", "example.fi", "company.example"];

const TITLES: &[(&str, u32)] = &[
    ("CEO", 4),
    ("Chief Operating Officer", 3),
    ("VP Sales", 4),
    ("Head of Logistics", 6),
    ("Head of Procurement", 5),
    ("Operations Director", 6),
    ("IT Director", 5),
    ("Logistics Manager", 10),
    ("Purchasing Manager", 9),
    ("Hankintapäällikkö", 5),
    ("Toimitusjohtaja", 3),
    ("Logistiikkajohtaja", 4),
    ("Engineer", 12),
    ("Analyst", 10),
    ("Consultant", 8),
    ("Student", 5),
    ("Intern", 3),
];

const LEAD_SOURCES: &[(&str, u32)] = &[
    ("Website", 25),
    ("Paid Search", 15),
    ("Newsletter", 12),
    ("Trade Show", 10),
    ("Webinar", 12),
    ("Referral", 8),
    ("Partner", 8),
    ("Cold Call", 10),
];

const INTERESTS: &[(&str, u32)] = &[("Product", 40), ("Consulting", 25), ("Support", 10), ("", 25)];

const NOTES: &[&str] = &[
    "Met at booth",
    "Follow up in Q1",
    "Requested pricing",
    "Existing customer",
    "Budget approved",
    "Wrong contact",
    "Email bounced once",
    "Interested in pilot",
    "Call back next week",
    "Sent brochure",
    "Asked about API",
    "Tilasi esitteen",
];

/// --messy only: notes that need CSV quoting (commas, quotes, embedded newlines).
const MESSY_NOTES: &[&str] = &[
    "Asked for a quote; \"urgent\"",
    "Prefers email, not phone",
    "Reach via assistant, ext. 1234",
    "Visited booth.\nWants demo in January",
    "He said \"call me, maybe\"",
    "Budget: 50k, 2 sites\nDecision in Q2\nCFO involved",
    "Soitti takaisin, \"kiinnostunut\"",
];

/// --messy only: notes written *unquoted* although they hold a comma, which turns the
/// row into a ragged one with an extra field (a classic hand-edited export bug).
const RAGGED_NOTES: &[&str] = &["Call back, after summer", "Met CEO, CFO", "Pilot, then rollout"];

// ---------------------------------------------------------------------------
// PRNG: SplitMix64 (tiny, fast, good enough for synthetic data)
// ---------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut r = Rng(seed);
        r.next_u64(); // decorrelate neighbouring seeds a little
        r
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in lo..=hi.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(u64::from(hi - lo) + 1) as u32
    }

    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    fn weighted_index(&mut self, weights: impl Iterator<Item = u32> + Clone) -> usize {
        let total: u32 = weights.clone().sum();
        let mut x = self.below(u64::from(total)) as u32;
        for (i, w) in weights.enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        unreachable!("weights sum mismatch")
    }

    fn weighted<'a, T>(&mut self, xs: &'a [(T, u32)]) -> &'a T {
        &xs[self.weighted_index(xs.iter().map(|&(_, w)| w))].0
    }

    /// Exponential-ish integer with the given mean, redrawn until <= max (no spike at max).
    fn skewed(&mut self, mean: f64, max: u32) -> u32 {
        loop {
            let v = (-(1.0 - self.f64()).ln() * mean) as u32;
            if v <= max {
                return v;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Dates (proleptic Gregorian, days since 1970-01-01; H. Hinnant's algorithms)
// ---------------------------------------------------------------------------

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) { part.parse().ok() } else { None }
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    // Keep every generated date (as-of - 400 .. as-of + 2) four-digit.
    if !(1001..=9998).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let dim = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (d <= dim).then(|| days_from_civil(i64::from(y), m, d))
}

/// Dates are at most this many days before --as-of ...
const MAX_BACK: i32 = 400;
/// ... and at most this many days after it.
const MAX_AHEAD: i32 = 2;

/// Pre-rendered "YYYY-MM-DD" for every offset in -MAX_AHEAD..=MAX_BACK days before as-of.
fn date_table(as_of: i64) -> Vec<[u8; 10]> {
    (-MAX_AHEAD..=MAX_BACK)
        .map(|back| {
            let (y, m, d) = civil_from_days(as_of - i64::from(back));
            let mut out = [0u8; 10];
            let s = format!("{y:04}-{m:02}-{d:02}");
            out.copy_from_slice(s.as_bytes());
            out
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Output helpers (append to a reused line buffer; no per-row allocation)
// ---------------------------------------------------------------------------

/// Append a CSV field, quoting only if it holds a comma, quote or line break.
fn push_field(buf: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    if b.iter().any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r')) {
        buf.push(b'"');
        for &c in b {
            if c == b'"' {
                buf.push(b'"');
            }
            buf.push(c);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(b);
    }
}

/// Append `n` in decimal, left-padded with zeros to at least `width` digits.
fn push_uint(buf: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = i.min(tmp.len() - width.min(tmp.len()));
    buf.extend_from_slice(&tmp[start..]);
}

/// Append an amount given in hundredths as "X.YY".
fn push_cents(buf: &mut Vec<u8>, cents: u64) {
    push_uint(buf, cents / 100, 1);
    buf.push(b'.');
    push_uint(buf, cents % 100, 2);
}

/// Append `s` with a case change: 0 = UPPER, 1 = lower.
fn push_recased(buf: &mut Vec<u8>, s: &str, mode: u32) {
    let mut tmp = [0u8; 4];
    for c in s.chars() {
        if mode == 0 {
            for u in c.to_uppercase() {
                buf.extend_from_slice(u.encode_utf8(&mut tmp).as_bytes());
            }
        } else {
            for l in c.to_lowercase() {
                buf.extend_from_slice(l.encode_utf8(&mut tmp).as_bytes());
            }
        }
    }
}

/// Lower-case ASCII local-part form of a name: "Päivi" -> "paivi", "O'Brien" -> "obrien".
fn email_part(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' | 'å' | 'á' | 'à' => out.push('a'),
            'ö' | 'ø' | 'ó' => out.push('o'),
            'ü' | 'ú' => out.push('u'),
            'é' | 'è' => out.push('e'),
            'í' => out.push('i'),
            'ß' => out.push_str("ss"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => {} // apostrophes, spaces, hyphens
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Row generation
// ---------------------------------------------------------------------------

struct Generator {
    rng: Rng,
    /// Separate stream for --messy dirt, so dirt never shifts the clean values.
    dirt: Option<Rng>,
    first_email: Vec<String>,
    last_email: Vec<String>,
    company_cdf: Vec<f64>,
    dates: Vec<[u8; 10]>,
}

/// Engagement tier: drives page views, downloads, demo/contact requests and recency.
#[derive(Clone, Copy)]
enum Tier {
    Cold,
    Warm,
    Hot,
}

impl Generator {
    fn new(seed: u64, as_of: i64, messy: bool) -> Self {
        // Zipf-like account popularity (exponent 0.8 over rank).
        let weights: Vec<f64> = (0..COMPANIES.len()).map(|r| 1.0 / ((r + 1) as f64).powf(0.8)).collect();
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let company_cdf = weights
            .iter()
            .map(|w| {
                acc += w / total;
                acc
            })
            .collect();
        Generator {
            rng: Rng::new(seed),
            dirt: messy.then(|| Rng::new(seed ^ 0xD1B5_4A32_D192_ED03)),
            first_email: FIRST_NAMES.iter().map(|n| email_part(n)).collect(),
            last_email: LAST_NAMES.iter().map(|n| email_part(n)).collect(),
            company_cdf,
            dates: date_table(as_of),
        }
    }

    fn push_date(&self, buf: &mut Vec<u8>, days_back: i32) {
        buf.extend_from_slice(&self.dates[(days_back + MAX_AHEAD) as usize]);
    }

    /// Append one CSV record (with trailing LF) for 0-based row `i`.
    fn row(&mut self, buf: &mut Vec<u8>, i: u64) {
        let r = &mut self.rng;

        // ---- clean values (main stream; identical with or without --messy) ----
        let first = r.below(FIRST_NAMES.len() as u64) as usize;
        let last = r.below(LAST_NAMES.len() as u64) as usize;

        let rival = r.chance(0.02);
        let company: Option<&Company> = if rival {
            Some(&RIVAL)
        } else if r.chance(0.03) {
            None
        } else {
            let x = r.f64();
            let idx = self.company_cdf.partition_point(|&c| c <= x).min(COMPANIES.len() - 1);
            Some(&COMPANIES[idx])
        };
        let domain = if rival {
            RIVAL.domain
        } else if r.chance(0.082) {
            r.pick(FREE_MAIL)
        } else {
            match company {
                Some(c) => c.domain,
                None => r.pick(GENERIC_DOMAINS),
            }
        };

        let title = if r.chance(0.05) { "" } else { r.weighted(TITLES) };

        let own_industry = r.chance(0.85);
        let industry_idx = match company {
            Some(c) if own_industry => c.industry,
            _ => r.weighted_index(INDUSTRY_WEIGHTS.iter().copied()),
        };
        let industry_empty = r.chance(0.03);
        let industry_lower = r.chance(0.04);

        let own_country = r.chance(0.85);
        let country = if r.chance(0.05) {
            ""
        } else {
            match company {
                Some(c) if own_country => c.country,
                _ => r.weighted(COUNTRIES),
            }
        };

        // Size: accounts have a known head-count (sometimes entered a bit off);
        // unknown companies are log-uniform over 1..20000.
        let (employees, revenue_meur) = match company {
            Some(c) => {
                let jitter = if r.chance(0.75) { 1.0 } else { 0.85 + 0.3 * r.f64() };
                let e = ((f64::from(c.employees) * jitter).round() as u32).clamp(1, 20_000);
                (e, f64::from(e) * REVENUE_PER_EMPLOYEE[c.industry])
            }
            None => {
                let e = (20_000f64.ln() * r.f64()).exp().round() as u32;
                let rpe = REVENUE_PER_EMPLOYEE[industry_idx] * (0.7 + 0.6 * r.f64());
                (e.clamp(1, 20_000), f64::from(e) * rpe)
            }
        };
        let revenue_cents = ((revenue_meur * 100.0).round() as u64).max(1);

        let source = r.weighted(LEAD_SOURCES);
        let interest = r.weighted(INTERESTS);

        let tier = match r.below(100) {
            0..58 => Tier::Cold,
            58..87 => Tier::Warm,
            _ => Tier::Hot,
        };
        let (pv, downloads, opens, p_demo, p_contact, back) = match tier {
            Tier::Cold => {
                (r.skewed(2.5, 60), u32::from(r.chance(0.15)), r.skewed(1.2, 4), 0.03, 0.15, r.range(10, 120) as i32)
            }
            Tier::Warm => (r.skewed(9.0, 60), r.range(0, 2), r.range(1, 8), 0.15, 0.45, r.range(2, 60) as i32),
            Tier::Hot => (
                r.skewed(22.0, 60).max(3),
                r.range(1, 5),
                r.range(3, 12),
                0.55,
                0.80,
                if r.chance(0.08) { -(r.range(1, 2) as i32) } else { r.range(0, 20) as i32 },
            ),
        };
        let sessions = if pv == 0 { 0 } else { ((f64::from(pv) / 3.0 * (0.7 + 0.6 * r.f64())).round() as u32).max(1) };
        let yes_no_empty = |r: &mut Rng, p_yes: f64| {
            if r.chance(0.08) {
                ""
            } else if r.chance(p_yes) {
                "Yes"
            } else {
                "No"
            }
        };
        let demo = yes_no_empty(r, p_demo);
        let contact = yes_no_empty(r, p_contact);

        let last_activity = if r.chance(0.05) { None } else { Some(back) };
        // Created 0..400 days ago, never after the last activity.
        let create_back = r.range(last_activity.unwrap_or(0).max(0) as u32, MAX_BACK as u32) as i32;

        let mut note = if r.chance(0.12) { *r.pick(NOTES) } else { "" };

        // ---- dirt (separate stream; only with --messy) ----
        #[derive(PartialEq)]
        enum Id {
            Normal,
            Empty,
            Dup(u64),
        }
        let mut id = Id::Normal;
        let (mut na_employees, mut na_pv, mut yesterday) = (false, false, false);
        let mut title_mess: Option<u32> = None;
        let (mut drop_last_field, mut raw_note) = (false, false);
        if let Some(d) = self.dirt.as_mut() {
            let x = d.f64();
            if x < 0.01 {
                id = Id::Empty;
            } else if x < 0.02 && i > 0 {
                id = Id::Dup(d.below(i) + 1);
            }
            if d.chance(0.01) {
                if d.chance(0.5) {
                    na_employees = true;
                } else {
                    na_pv = true;
                }
            }
            yesterday = d.chance(0.005);
            if !title.is_empty() && d.chance(0.04) {
                title_mess = Some(d.below(4) as u32);
            }
            if d.chance(0.015) {
                note = *d.pick(MESSY_NOTES);
            }
            if d.chance(0.005) {
                if d.chance(0.5) {
                    drop_last_field = true;
                } else {
                    note = *d.pick(RAGGED_NOTES);
                    raw_note = true;
                }
            }
        }

        // ---- write ----
        match id {
            Id::Normal => {
                buf.extend_from_slice(b"L-");
                push_uint(buf, i + 1, 7);
            }
            Id::Dup(n) => {
                buf.extend_from_slice(b"L-");
                push_uint(buf, n, 7);
            }
            Id::Empty => {}
        }
        buf.push(b',');
        push_field(buf, FIRST_NAMES[first]);
        buf.push(b',');
        push_field(buf, LAST_NAMES[last]);
        buf.push(b',');
        buf.extend_from_slice(self.first_email[first].as_bytes());
        buf.push(b'.');
        buf.extend_from_slice(self.last_email[last].as_bytes());
        buf.push(b'@');
        buf.extend_from_slice(domain.as_bytes());
        buf.push(b',');
        push_field(buf, company.map_or("", |c| c.name));
        buf.push(b',');
        match title_mess {
            None => push_field(buf, title),
            Some(0) => push_recased(buf, title, 0), // HEAD OF LOGISTICS
            Some(1) => push_recased(buf, title, 1), // head of logistics
            Some(2) => {
                // "  CEO "
                buf.extend_from_slice(b"  ");
                buf.extend_from_slice(title.as_bytes());
                buf.push(b' ');
            }
            Some(_) => {
                buf.extend_from_slice(title.as_bytes());
                buf.extend_from_slice(b"  ");
            }
        }
        buf.push(b',');
        if !industry_empty {
            let table = if industry_lower { INDUSTRIES_LOWER } else { INDUSTRIES };
            buf.extend_from_slice(table[industry_idx].as_bytes());
        }
        buf.push(b',');
        buf.extend_from_slice(country.as_bytes());
        buf.push(b',');
        if na_employees {
            buf.extend_from_slice(b"n/a");
        } else {
            push_uint(buf, u64::from(employees), 1);
        }
        buf.push(b',');
        push_cents(buf, revenue_cents);
        buf.push(b',');
        buf.extend_from_slice(source.as_bytes());
        buf.push(b',');
        buf.extend_from_slice(interest.as_bytes());
        buf.push(b',');
        if na_pv {
            buf.extend_from_slice(b"n/a");
        } else {
            push_uint(buf, u64::from(pv), 1);
        }
        buf.push(b',');
        push_uint(buf, u64::from(sessions), 1);
        buf.push(b',');
        push_uint(buf, u64::from(downloads), 1);
        buf.push(b',');
        push_uint(buf, u64::from(opens), 1);
        buf.push(b',');
        buf.extend_from_slice(demo.as_bytes());
        buf.push(b',');
        buf.extend_from_slice(contact.as_bytes());
        buf.push(b',');
        if yesterday {
            buf.extend_from_slice(b"yesterday");
        } else if let Some(back) = last_activity {
            self.push_date(buf, back);
        }
        buf.push(b',');
        self.push_date(buf, create_back);
        if !drop_last_field {
            buf.push(b',');
            if raw_note {
                buf.extend_from_slice(note.as_bytes()); // deliberately unquoted
            } else {
                push_field(buf, note);
            }
        }
        buf.push(b'\n');
    }
}

// ---------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------

struct Opts {
    rows: u64,
    seed: u64,
    as_of: i64,
    messy: bool,
}

fn parse_args() -> Result<Opts, String> {
    let mut opts = Opts { rows: 300, seed: 1, as_of: parse_date("2026-11-01").unwrap(), messy: false };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--rows" => {
                let v = value("--rows")?;
                opts.rows = v.parse().map_err(|_| format!("--rows: not a non-negative integer: {v:?}"))?;
            }
            "--seed" => {
                let v = value("--seed")?;
                opts.seed = v.parse().map_err(|_| format!("--seed: not an unsigned 64-bit integer: {v:?}"))?;
            }
            "--as-of" => {
                let v = value("--as-of")?;
                opts.as_of = parse_date(&v)
                    .ok_or_else(|| format!("--as-of: not a valid YYYY-MM-DD date (years 1001-9998): {v:?}"))?;
            }
            "--messy" if inline.is_none() => opts.messy = true,
            "-h" | "--help" => {
                eprintln!("{USAGE}");
                process::exit(0);
            }
            _ => return Err(format!("unknown argument: {arg:?}")),
        }
    }
    Ok(opts)
}

/// Exit quietly on a closed pipe (`gen_leads | head`), loudly on anything else.
fn io_fail(e: io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        process::exit(0);
    }
    eprintln!("gen_leads: write error: {e}");
    process::exit(1);
}

fn main() {
    let opts = parse_args().unwrap_or_else(|msg| {
        eprintln!("gen_leads: {msg}\n\n{USAGE}");
        process::exit(2);
    });

    let mut generator = Generator::new(opts.seed, opts.as_of, opts.messy);
    let mut out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
    let mut line = Vec::with_capacity(1024);

    out.write_all(HEADER.as_bytes()).unwrap_or_else(|e| io_fail(e));
    for i in 0..opts.rows {
        line.clear();
        generator.row(&mut line, i);
        out.write_all(&line).unwrap_or_else(|e| io_fail(e));
    }
    out.flush().unwrap_or_else(|e| io_fail(e));
}
