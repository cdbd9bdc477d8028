//! Same person, same company (docs/reference.md §9.4): the key an email is compared by
//! (`[input] email`, for duplicates), and the key an account is compared by
//! under `account_match = "normalized"`, with the company an email's domain
//! names. The lists (legal forms, free-mail domains) live here and only here;
//! docs/reference.md §9.4 lists the same (a test checks it).

/// Legal forms removed from the end of an account name under
/// `account_match = "normalized"`, each also with a final `.`.
pub const LEGAL_FORMS: [&str; 16] =
    ["oy", "oyj", "ab", "as", "gmbh", "ag", "inc", "ltd", "llc", "plc", "corp", "co", "sa", "bv", "srl", "spa"];

/// Free-mail domains (registrable domains): an address there names no company.
pub const FREE_MAIL_DOMAINS: [&str; 58] = [
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "live.co.uk",
    "msn.com",
    "yahoo.com",
    "ymail.com",
    "rocketmail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "web.de",
    "t-online.de",
    "freenet.de",
    "proton.me",
    "protonmail.com",
    "protonmail.ch",
    "pm.me",
    "tutanota.com",
    "tuta.io",
    "mail.ru",
    "inbox.ru",
    "list.ru",
    "bk.ru",
    "ya.ru",
    "mail.com",
    "email.com",
    "zoho.com",
    "fastmail.com",
    "hey.com",
    "qq.com",
    "163.com",
    "126.com",
    "naver.com",
    "seznam.cz",
    "wp.pl",
    "o2.pl",
    "interia.pl",
    "onet.pl",
    "orange.fr",
    "laposte.net",
    "free.fr",
    "sfr.fr",
    "libero.it",
    "virgilio.it",
    "btinternet.com",
    "comcast.net",
    "verizon.net",
    "att.net",
    "sbcglobal.net",
    "rediffmail.com",
    "luukku.com",
    "suomi24.fi",
    "kolumbus.fi",
    "elisanet.fi",
];

/// Free-mail providers under any public suffix (`gmx.de`, `gmx.net`,
/// `yahoo.co.uk`, `yandex.ru` ...), by the registrable name.
pub const FREE_MAIL_NAMES: [&str; 5] = ["gmx", "yahoo", "hotmail", "outlook", "yandex"];

/// Lower-cases `s` into `buf` (ASCII without a second allocation).
pub fn lower_into(s: &str, buf: &mut String) {
    buf.clear();
    if s.is_ascii() {
        buf.push_str(s);
        buf.make_ascii_lowercase();
    } else {
        buf.push_str(&s.to_lowercase());
    }
}

/// The key an email is compared by, written into `buf`: trimmed and
/// lower-cased; at `gmail.com` and `googlemail.com` (one domain) the part
/// before the `@` loses its `+tag`, then its dots. Empty for an empty cell
/// (empty emails never match).
pub fn email_key<'b>(cell: &str, buf: &'b mut String) -> &'b str {
    lower_into(cell.trim(), buf);
    if let Some(at) = memchr::memrchr(b'@', buf.as_bytes())
        && matches!(&buf[at + 1..], "gmail.com" | "googlemail.com")
    {
        let end = buf[..at].find('+').unwrap_or(at);
        buf.truncate(end);
        buf.retain(|c| c != '.');
        buf.push_str("@gmail.com");
    }
    buf
}

/// An account key under `account_match = "normalized"`, written into `out`:
/// lower-cased, a trailing legal form removed (see `strip_legal_form`), then
/// every character that is not a letter or a digit removed (white space,
/// punctuation, symbols). `Acme Oy`, `ACME OY.` and `acme` are all `acme`.
pub fn account_key(cell: &str, out: &mut String) {
    lower_into(cell.trim(), out);
    normalize_lower(out);
}

/// `account_key` of a text already trimmed and lower-cased, in place.
fn normalize_lower(s: &mut String) {
    let keep = strip_legal_form(s).len();
    s.truncate(keep);
    s.retain(char::is_alphanumeric);
}

/// `s` (trimmed, lower-case) without its last word when that word is one of
/// `LEGAL_FORMS` (with or without a final `.`) and a letter or digit remains
/// before it; a prefix of `s`. The last word is the run of letters and digits
/// at the end; it is whole when white space or punctuation comes before it
/// (`acme, inc.`, `acme-oy`), not when it is part of a longer word (`costco`).
fn strip_legal_form(s: &str) -> &str {
    let t = s.strip_suffix('.').unwrap_or(s);
    let start = t.char_indices().rev().take_while(|(_, c)| c.is_alphanumeric()).last().map_or(t.len(), |(i, _)| i);
    let (rest, word) = t.split_at(start);
    if LEGAL_FORMS.contains(&word) && rest.chars().any(char::is_alphanumeric) { rest } else { s }
}

/// The company an email's domain names, as an account key, written into
/// `out` (empty when none): the registrable name of the domain by the public
/// suffix list (`acme` for `jane@acme.com` and `j@mail.acme.co.uk`),
/// normalised as `account_key`; nothing for a free-mail domain, a suffix the
/// list does not know, or a cell that is not an address.
pub fn email_account(email: &str, out: &mut String) {
    lower_into(email.trim(), out);
    match registrable_name(out) {
        Some((from, to)) => {
            out.truncate(to);
            out.drain(..from);
            normalize_lower(out);
        }
        None => out.clear(),
    }
}

/// Where the registrable name of a lower-cased address's domain lies in it,
/// unless that is a free-mail provider or not on the public-suffix list.
fn registrable_name(email: &str) -> Option<(usize, usize)> {
    let at = email.rfind('@')?;
    let domain = &email[at + 1..];
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let d = psl::domain(domain.as_bytes())?;
    if !d.suffix().is_known() {
        return None;
    }
    let (len, suffix_len) = (d.as_bytes().len(), d.suffix().as_bytes().len());
    // The registrable domain ends the domain: `name.suffix`.
    let registrable = &domain[domain.len() - len..];
    let name = registrable[..len - suffix_len].strip_suffix('.')?;
    if FREE_MAIL_DOMAINS.contains(&registrable) || FREE_MAIL_NAMES.contains(&name) || name.is_empty() {
        return None;
    }
    let from = at + 1 + domain.len() - len;
    Some((from, from + name.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(s: &str) -> String {
        email_key(s, &mut String::new()).to_string()
    }

    fn account(s: &str) -> String {
        let mut out = String::new();
        account_key(s, &mut out);
        out
    }

    fn from_email(s: &str) -> String {
        let mut out = String::new();
        email_account(s, &mut out);
        out
    }

    #[test]
    fn gmail_addresses_lose_tags_and_dots_elsewhere_only_case_and_spaces() {
        assert_eq!(email("j.ane+promo@gmail.com"), "jane@gmail.com");
        assert_eq!(email("jane@googlemail.com"), "jane@gmail.com");
        assert_eq!(email("  J.A.N.E+a+b@GoogleMail.COM "), "jane@gmail.com");
        assert_eq!(email("j.ane@acme.com"), "j.ane@acme.com");
        assert_eq!(email("jane+x@acme.com"), "jane+x@acme.com");
        assert_eq!(email(" Jane@ACME.com\t"), "jane@acme.com");
        assert_eq!(email("ÄNNE@Acme.fi"), "änne@acme.fi");
        assert_eq!(email("   "), "");
        assert_eq!(email("not an address"), "not an address");
    }

    #[test]
    fn accounts_lose_case_a_trailing_legal_form_and_punctuation() {
        for a in ["Acme Oy", "ACME OY.", "acme", " Acme, Inc. ", "Acme-Oy", "A.C.M.E. Ltd", "Acme & Co."] {
            assert_eq!(account(a), "acme", "{a:?}");
        }
        assert_eq!(account("Costco"), "costco");
        assert_eq!(account("Oy"), "oy");
        assert_eq!(account("Oy."), "oy");
        assert_eq!(account("- Oy"), "oy");
        assert_eq!(account("Oy Acme Ab"), "oyacme");
        assert_eq!(account("Acme Holding Oy Ab"), "acmeholdingoy");
        assert_eq!(account("Wärtsilä Oyj"), "wärtsilä");
        assert_eq!(account("Nordic Aero GmbH"), "nordicaero");
        assert_eq!(account("Acme Gmbh.."), "acmegmbh");
        assert_eq!(account("..."), "");
    }

    #[test]
    fn an_email_domain_names_its_company_unless_free_mail() {
        assert_eq!(from_email("jane@acme.com"), "acme");
        assert_eq!(from_email("j@mail.acme.co.uk"), "acme");
        assert_eq!(from_email(" J@Mail.ACME.co.uk. "), "acme");
        assert_eq!(from_email("x@acme-oy.fi"), "acme");
        assert_eq!(from_email("x@my-company.com"), "mycompany");
        for free in ["a@gmail.com", "a@gmx.de", "a@gmx.net", "a@yahoo.co.uk", "a@mail.ru", "a@proton.me", "a@web.de"] {
            assert_eq!(from_email(free), "", "{free}");
        }
        for none in ["", "jane", "jane@", "jane@localhost", "jane@com", "jane@co.uk", "jane@acme.invalidtld"] {
            assert_eq!(from_email(none), "", "{none}");
        }
    }

    /// The reference's list of free-mail domains is this one.
    #[test]
    fn the_reference_lists_every_free_mail_domain() {
        let reference = include_str!("../../docs/reference.md");
        for d in FREE_MAIL_DOMAINS {
            assert!(reference.contains(&format!("`{d}`")), "docs/reference.md lacks `{d}`");
        }
        for n in FREE_MAIL_NAMES {
            assert!(reference.contains(&format!("`{n}.*`")), "docs/reference.md lacks `{n}.*`");
        }
        for f in LEGAL_FORMS {
            assert!(reference.contains(&format!("`{f}`")), "docs/reference.md lacks legal form `{f}`");
        }
    }
}
