//! docs/reference.md §9.4, same person, same company: `[input] email` (duplicates by email)
//! and `[input] account_match = "normalized"` (account keys, `--owners` keys,
//! the company an email's domain names). Expectations are worked out by hand
//! in the comments.

use crate::workdir::{Workdir, column};

/// One team taking every stage, two reps without limits: routing is plain
/// balancing (ties to Ann) unless an owner or a duplicate says otherwise.
/// `INPUT` is replaced by each test's extra `[input]` keys.
const RULES: &str = r#"
[input]
id = "id"
INPUT

[[criteria]]
name = "hot"
column = "hot"
equals = "yes"
points = 50

[[stages]]
name = "lead"

[[teams]]
name = "sales"

[[reps]]
name = "Ann"
team = "sales"

[[reps]]
name = "Bob"
team = "sales"
"#;

fn rules(input: &str) -> String {
    RULES.replace("INPUT", input)
}

fn assign(wd: &Workdir, extra: &[&str]) -> Vec<Vec<String>> {
    let mut args = vec!["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out.csv"];
    args.extend_from_slice(extra);
    args.push("leads.csv");
    wd.run(&args).code(0);
    wd.csv("out.csv")
}

/// (id, rep, reason) of each output row, in output (rank) order.
fn routed(rows: &[Vec<String>]) -> Vec<(String, String, String)> {
    let (ids, reps, reasons) = (column(rows, "id"), column(rows, "rep"), column(rows, "reason"));
    ids.into_iter().zip(reps).zip(reasons).map(|((i, r), why)| (i, r, why)).collect()
}

fn triples(want: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    want.iter().map(|&(i, r, w)| (i.to_string(), r.to_string(), w.to_string())).collect()
}

/// Lead 2 is lead 1 (gmail: dots and `+tag` dropped, googlemail is gmail) and
/// ranks first, yet lead 1 is kept; 3 and 4 differ (dots count at acme.com);
/// 5 is 4 (case, spaces); 6 and 7 have no email and never match.
const EMAIL_LEADS: &str = "id,email,hot\n\
    1,j.ane+promo@gmail.com,no\n\
    2,jane@googlemail.com,yes\n\
    3,j.ane@acme.com,no\n\
    4,jane@acme.com,no\n\
    5, JANE@ACME.COM ,no\n\
    6,,no\n\
    7,  ,no\n";

#[test]
fn a_repeated_email_is_a_duplicate_and_the_first_in_input_order_stays() {
    let wd = Workdir::new();
    wd.write("rules.toml", rules("email = \"email\"")).write("leads.csv", EMAIL_LEADS);
    let rows = assign(&wd, &["--summary-json", "s.json"]);
    // Rank: 2 (score 50), then input order. 2 and 5 are duplicates; the rest
    // alternate Ann, Bob (equal loads go to Ann).
    assert_eq!(
        routed(&rows),
        triples(&[
            ("2", "", "duplicate"),
            ("1", "Ann", "balanced"),
            ("3", "Bob", "balanced"),
            ("4", "Ann", "balanced"),
            ("5", "", "duplicate"),
            ("6", "Bob", "balanced"),
            ("7", "Ann", "balanced"),
        ])
    );
    let json: serde_json::Value = serde_json::from_str(&wd.read("s.json")).expect("json");
    assert_eq!(json["duplicates"], 2);
    assert_eq!(json["duplicate_emails"], 2);
    assert_eq!(json["routing"]["reasons"]["duplicate"], 2);
}

#[test]
fn without_email_the_same_rows_all_route() {
    let wd = Workdir::new();
    wd.write("rules.toml", rules("")).write("leads.csv", EMAIL_LEADS);
    let rows = assign(&wd, &[]);
    assert_eq!(column(&rows, "reason"), ["balanced"; 7]);
}

/// Checks in the order missing_id, duplicate: a row without an id is a missing
/// id whatever its email, and its email still makes a later row a duplicate.
/// A row repeating both id and email counts as a duplicate id.
#[test]
fn missing_ids_come_first_and_the_summary_splits_ids_and_emails() {
    let wd = Workdir::new();
    let leads = "id,email,hot\n,a@x.fi,no\n1,A@X.FI,no\n1,b@x.fi,no\n2,b@x.fi,no\n1,b@x.fi,no\n";
    wd.write("rules.toml", rules("email = \"email\"")).write("leads.csv", leads);
    let run = wd.run(&["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "-o", "out.csv", "leads.csv"]);
    run.code(0);
    // Row 2 (id 1) repeats row 1's email; row 3 repeats id 1; row 4 (id 2)
    // repeats row 3's email; row 5 repeats both.
    assert_eq!(
        column(&wd.csv("out.csv"), "reason"),
        ["missing_id", "duplicate", "duplicate", "duplicate", "duplicate"]
    );
    let table = &run.stdout;
    let row = |label: &str| {
        let line = table.lines().find(|l| l.contains(label)).unwrap_or_else(|| panic!("no {label} row:\n{table}"));
        line.split('|').nth(2).expect("count cell").trim().to_string()
    };
    assert_eq!(row("duplicate ids"), "2");
    assert_eq!(row("duplicate emails"), "2");
    assert_eq!(row("missing ids"), "1");
}

#[test]
fn check_and_explain_tell_about_email_duplicates() {
    let wd = Workdir::new();
    wd.write("rules.toml", rules("email = \"email\"")).write("leads.csv", EMAIL_LEADS);
    wd.run(&["check", "-r", "rules.toml", "leads.csv"])
        .code(0)
        .stdout_has("duplicates: 0 rows repeat an earlier id, 2 more an earlier email (column 'email')\n");
    let explain =
        |id: &str| wd.run(&["explain", "-r", "rules.toml", "--as-of", "2026-11-01", "--wide", "--id", id, "leads.csv"]);
    explain("2")
        .code(0)
        .stdout_has(
            "duplicate by email: lead 1 (line 2) has the same email (jane@gmail.com) and comes earlier in the \
             export: this row is not routed (duplicate)\n",
        )
        .stdout_has("result: team -, rep -, reason duplicate\n");
    explain("1").code(0).stdout_has(
        "the same email (jane@gmail.com) is also on later line(s) 3: those rows are duplicates of this one\n",
    );
    explain("4").code(0).stdout_has("the same email (jane@acme.com) is also on later line(s) 6:");
    // A row that is itself a duplicate: the later rows are duplicates of the first too.
    wd.write("more.csv", format!("{EMAIL_LEADS}8,Jane@Acme.com,no\n"));
    wd.run(&["explain", "-r", "rules.toml", "--as-of", "2026-11-01", "--id", "5", "more.csv"])
        .code(0)
        .stdout_has("duplicate by email: lead 4 (line 5)")
        .stdout_has("the same email (jane@acme.com) is also on later line(s) 9: those rows are duplicates too\n");
    let six = explain("6");
    six.code(0);
    assert!(!six.stdout.contains("same email"), "an empty email matches nothing:\n{}", six.stdout);
}

#[test]
fn compare_shows_what_email_duplicates_change() {
    let wd = Workdir::new();
    wd.write("rules.toml", rules("")).write("leads.csv", EMAIL_LEADS);
    // Base: 2 Ann, 1 Bob, 3 Ann, 4 Bob, 5 Ann, 6 Bob, 7 Ann. Candidate (see the
    // first test): 2 -, 1 Ann, 3 Bob, 4 Ann, 5 -, 6 Bob, 7 Ann: five leads change rep.
    wd.run(&["compare", "-r", "rules.toml", "--as-of", "2026-11-01", "--set", "input.email=email", "leads.csv"])
        .code(0)
        .stdout_has("5 leads change rep");
}

/// Accounts: 1-3 are one account (`acme`), 4 `costco`, 5 `oy` (nothing would
/// remain), 6 and 7 take `acme` from their email's domain, 8 is free mail (no
/// account). The owners file lists `ACME OY.`.
const ACCOUNT_LEADS: &str = "id,email,company,hot\n\
    1,a@x.example,Acme Oy,no\n\
    2,b@x.example,ACME OY.,no\n\
    3,c@x.example,acme,no\n\
    4,d@x.example,Costco,no\n\
    5,e@x.example,Oy,no\n\
    6,jane@acme.com,,no\n\
    7,j@mail.acme.co.uk,,no\n\
    8,free@gmail.com,,no\n";

const OWNERS: &str = "account,rep\nACME OY.,Bob\n";

#[test]
fn normalized_accounts_match_legal_forms_case_punctuation_and_email_domains() {
    let wd = Workdir::new();
    wd.write("rules.toml", rules("account = \"company\"\nemail = \"email\"\naccount_match = \"normalized\""))
        .write("leads.csv", ACCOUNT_LEADS)
        .write("owners.csv", OWNERS);
    let rows = assign(&wd, &["--owners", "owners.csv"]);
    // Bob owns acme: 1, 2, 3, 6, 7. The others balance: 4 to Ann (0 < 3), 5 to
    // Ann (1 < 3), 8 to Ann (2 < 5).
    assert_eq!(
        routed(&rows),
        triples(&[
            ("1", "Bob", "account_owner"),
            ("2", "Bob", "account_owner"),
            ("3", "Bob", "account_owner"),
            ("4", "Ann", "balanced"),
            ("5", "Ann", "balanced"),
            ("6", "Bob", "account_owner"),
            ("7", "Bob", "account_owner"),
            ("8", "Ann", "balanced"),
        ])
    );
    // acme, costco, oy; 6 and 7 took theirs from the email.
    wd.run(&["check", "-r", "rules.toml", "leads.csv"]).code(0).stdout_has(
        "accounts: 3 distinct (account_match = \"normalized\"); 2 leads took theirs from the email's domain\n",
    );
}

#[test]
fn exact_accounts_stay_as_they_were() {
    let wd = Workdir::new();
    wd.write("rules.toml", rules("account = \"company\"\nemail = \"email\""))
        .write("leads.csv", ACCOUNT_LEADS)
        .write("owners.csv", OWNERS);
    let rows = assign(&wd, &["--owners", "owners.csv"]);
    // Only `ACME OY.` is `acme oy.` (Bob's); 1 `acme oy` and 3 `acme` are
    // other accounts, 6-8 have none. 1 Ann, 2 Bob (owner), then the loads are
    // equal at every odd lead: 3 Ann, 4 Bob, 5 Ann, 6 Bob, 7 Ann, 8 Bob.
    assert_eq!(
        routed(&rows),
        triples(&[
            ("1", "Ann", "balanced"),
            ("2", "Bob", "account_owner"),
            ("3", "Ann", "balanced"),
            ("4", "Bob", "balanced"),
            ("5", "Ann", "balanced"),
            ("6", "Bob", "balanced"),
            ("7", "Ann", "balanced"),
            ("8", "Bob", "balanced"),
        ])
    );
}

#[test]
fn compare_keys_the_owners_as_each_side_keys_its_accounts() {
    let wd = Workdir::new();
    wd.write("rules.toml", rules("account = \"company\"\nemail = \"email\""))
        .write("leads.csv", ACCOUNT_LEADS)
        .write("owners.csv", OWNERS);
    // Base as in `exact_accounts_stay_as_they_were`, candidate as in
    // `normalized_accounts_...`: 1, 3 and 7 go from Ann to Bob (the owner),
    // 4 and 8 from Bob to Ann; 2, 5 and 6 keep theirs.
    wd.run(&[
        "compare",
        "-r",
        "rules.toml",
        "--as-of",
        "2026-11-01",
        "--owners",
        "owners.csv",
        "--set",
        "input.account_match=normalized",
        "leads.csv",
    ])
    .code(0)
    .stdout_has("5 leads change rep");
}

#[test]
fn rules_errors_name_the_line_and_column() {
    let wd = Workdir::new();
    wd.write("leads.csv", EMAIL_LEADS);
    wd.write("rules.toml", rules("account_match = \"fuzzy\""));
    wd.run(&["check", "-r", "rules.toml"])
        .code(2)
        .stderr_has("rules.toml:4:17: 'account_match' in [input] must be \"exact\" or \"normalized\", found \"fuzzy\"");
    wd.write("rules.toml", rules("email = \"\""));
    wd.run(&["check", "-r", "rules.toml"])
        .code(2)
        .stderr_has("rules.toml:4:9: 'email' in [input] must name a column, found an empty string");
    // A column the export lacks: exit 1, for every command.
    wd.write("rules.toml", rules("email = \"E-mail\""));
    wd.run(&["check", "-r", "rules.toml", "leads.csv"]).code(1).stderr_has("no column 'E-mail' ([input] email)");
    wd.run(&["assign", "-r", "rules.toml", "-q", "-o", "out.csv", "leads.csv"]).code(1);
    assert!(!wd.exists("out.csv"));
}

#[test]
fn check_warns_that_account_match_needs_an_account() {
    let wd = Workdir::new();
    wd.write("rules.toml", rules("account_match = \"normalized\""));
    wd.run(&["check", "-r", "rules.toml"]).code(0).stderr_has(
        "leadroute: warning: rules: [input] account_match = \"normalized\" has no effect without `account` (the column of the account \
         key)\n",
    );
    wd.write("rules.toml", rules("account = \"company\"\naccount_match = \"normalized\""));
    let run = wd.run(&["check", "-r", "rules.toml"]);
    assert!(!run.code(0).stdout.contains("account_match"), "{}", run.stdout);
}

/// A rule set without `email` or `account_match` reads the same export as it
/// always did: exact (lower-cased) account keys, emails ignored. The CSV is
/// checked byte for byte.
#[test]
fn rules_without_the_keys_give_the_same_output_as_before() {
    let wd = Workdir::new();
    let leads = "id,email,company,hot\n\
        1,jane@gmail.com,Acme Oy,yes\n\
        2,j.ane@gmail.com,ACME OY.,no\n\
        3,jane@gmail.com,acme oy,no\n";
    wd.write("rules.toml", rules("account = \"company\"")).write("leads.csv", leads);
    assign(&wd, &["--summary-json", "s.json"]);
    // 1 (score 50) to Ann, who then owns `acme oy`; 2 is `acme oy.`, another
    // account: Bob (load 0); 3 is `acme oy`: Ann, its owner.
    assert_eq!(
        wd.read("out.csv"),
        "id,email,company,hot,score,fit,engagement,stage,team,rep,reason\n\
         1,jane@gmail.com,Acme Oy,yes,50,50,0,lead,sales,Ann,balanced\n\
         2,j.ane@gmail.com,ACME OY.,no,0,0,0,lead,sales,Bob,balanced\n\
         3,jane@gmail.com,acme oy,no,0,0,0,lead,sales,Ann,account_owner\n"
    );
    let json = wd.read("s.json");
    assert!(json.contains("\"duplicates\": 0,") && !json.contains("duplicate_emails"), "{json}");
    // The same export with both keys: 2 and 3 are duplicates of 1 by email.
    wd.write("rules.toml", rules("account = \"company\"\nemail = \"email\"\naccount_match = \"normalized\""));
    let rows = assign(&wd, &[]);
    assert_eq!(column(&rows, "reason"), ["balanced", "duplicate", "duplicate"]);
}
