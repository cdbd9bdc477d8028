//! The messy files real CRMs and Excel produce.

use crate::fixtures::{LEADS, RULES};
use crate::workdir::{Workdir, column, parse_csv};

fn score_bytes(rules: &str, leads: &[u8], extra: &[&str]) -> (Workdir, crate::workdir::Run) {
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", leads);
    let mut args = vec!["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "out.csv"];
    args.extend_from_slice(extra);
    args.push("leads.csv");
    let run = wd.run(&args);
    (wd, run)
}

#[test]
fn bom_crlf_and_cr_line_ends_give_the_same_result() {
    let (wd, run) = score_bytes(RULES, LEADS.as_bytes(), &[]);
    run.code(0);
    let want = wd.read("out.csv");
    for variant in [format!("\u{feff}{}", LEADS.replace('\n', "\r\n")), LEADS.replace('\n', "\r")] {
        let (wd, run) = score_bytes(RULES, variant.as_bytes(), &[]);
        run.code(0);
        assert_eq!(wd.read("out.csv"), want);
    }
}

#[test]
fn quoted_delimiters_quotes_and_newlines_survive_and_are_quoted_only_where_needed() {
    let leads = format!("{LEADS}A9,\"Acme, Inc.\",\"Says \"\"hi\"\"\",x,,,,,,\"multi\nline\",,\n");
    let (wd, run) = score_bytes(RULES, leads.as_bytes(), &[]);
    run.code(0);
    let text = wd.read("out.csv");
    assert!(text.contains("A9,\"Acme, Inc.\",\"Says \"\"hi\"\"\",x,,,,,,\"multi\nline\",,,0,0,0,lead\n"), "{text}");
    assert!(text.contains("\nA6,Valmet,Analyst,"), "no needless quotes: {text}");
}

#[test]
fn ragged_rows_are_rejected_with_physical_line_numbers() {
    let leads = "\n\
Lead ID,Company,Title,Industry,Country,Employees,Email,Views,Contact,Interest,Last Activity,Created\r\n\
B1,\"two\r\nlines\",,,,,,,,,,\r\n\
\r\n\
B2,short\r\n\
B3,,,,,,,,,,,\r\n\
B4,,,,,,,,,,,,extra\r\n\
B5,\"open quote,,,,,,,,,,,\n";
    let (wd, run) = score_bytes(RULES, leads.as_bytes(), &["--rejects", "rej.csv"]);
    run.code(3);
    assert_eq!(column(&wd.csv("out.csv"), "Lead ID"), ["B1", "B3"]);
    let rej = wd.csv("rej.csv");
    assert_eq!(rej[0][..3], ["line", "error", "Lead ID"]);
    let lines: Vec<&str> = rej[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(lines, ["6", "8", "9"]);
    assert_eq!(rej[1][1], "expected 12 fields, found 2");
    assert_eq!(rej[1][2..], ["B2", "short"]);
    assert!(rej[3][1].contains("unterminated quote"), "{:?}", rej[3]);
}

#[test]
fn rejects_file_is_written_even_when_nothing_was_rejected() {
    let (wd, run) = score_bytes(RULES, LEADS.as_bytes(), &["--rejects", "rej.csv"]);
    run.code(0);
    assert_eq!(wd.read("rej.csv"), format!("line,error,{}\n", crate::fixtures::HEADER));
}

#[test]
fn semicolons_decimal_comma_and_custom_dates() {
    let rules =
        RULES.replace("account = \"Company\"", "account = \"Company\"\ndecimal = \",\"\ndate_formats = [\"%d.%m.%Y\"]");
    let leads =
        LEADS.replace(',', ";").replace("2026-10-28", "28.10.2026").replace(";14;", ";14,9;").replace("1200", "1200,5");
    let (wd, run) = score_bytes(&rules, leads.as_bytes(), &[]);
    run.code(0);
    let rows = wd.csv("out.csv");
    let ids = column(&rows, "Lead ID");
    let a1 = ids.iter().position(|i| i == "A1").unwrap();
    assert_eq!(column(&rows, "score")[a1], "63.5");
    assert_eq!(column(&rows, "Views")[a1], "14,9", "cells are written as read");
}

#[test]
fn windows_1252_is_decoded_and_written_as_utf8() {
    let rules = RULES.replace("account = \"Company\"", "account = \"Company\"\nencoding = \"windows-1252\"");
    let leads = LEADS.replace("Valmet", "W\u{e4}rtsil\u{e4}\u{20ac}");
    let bytes: Vec<u8> = leads
        .chars()
        .map(|c| match c {
            '\u{e4}' => 0xE4,
            '\u{20ac}' => 0x80,
            c => c as u8,
        })
        .chain([b'\n', b'Z', 0x81])
        .collect();
    let mut bytes = bytes;
    bytes.extend_from_slice(b",,,,,,,,,,,\n");
    let (wd, run) = score_bytes(&rules, &bytes, &[]);
    run.code(0);
    let text = wd.read("out.csv");
    assert!(text.contains("Wärtsilä€"), "{text}");
    assert!(text.contains("Z\u{81},"), "0x81 decodes to U+0081 as WHATWG says");
}

#[test]
fn header_cells_match_trimmed_then_case_insensitively() {
    let leads = LEADS.replacen("Lead ID", " lead id ", 1).replacen("Views", "VIEWS", 1);
    let (wd, run) = score_bytes(RULES, leads.as_bytes(), &[]);
    run.code(0);
    let rows = parse_csv(&wd.read("out.csv"), b',');
    assert_eq!(rows[0][0], " lead id ", "header written as read");
}

/// Exports large enough to be scored in parallel chunks, where chunk
/// boundaries fall inside quoted fields that hold newlines: every row must
/// still come out exactly once, with its cells intact, and the result must not
/// depend on the number of threads.
#[test]
fn parallel_chunks_survive_quoted_newlines_at_their_boundaries() {
    let wd = Workdir::new();
    let mut leads = String::from(crate::fixtures::HEADER);
    leads.push('\n');
    let n = 40_000;
    for i in 0..n {
        // Every row's Title holds a newline inside quotes; a third hold several.
        let title = if i % 3 == 0 { "\"Head of\nLogistics,\n\"\"EU\"\"\"" } else { "\"Director\r\nSales\"" };
        leads.push_str(&format!(
            "Q{i},Co{},{title},Logistics,FI,{},q{i}@x.example,{},yes,Product,2026-10-{:02},2026-01-01\n",
            i % 97,
            100 + i % 900,
            i % 50,
            i % 28 + 1
        ));
    }
    assert!(leads.len() > 3 << 20, "large enough for several chunks");
    wd.write("rules.toml", RULES).write("leads.csv", &leads);
    let one = wd.run_env(
        &["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "one.csv", "leads.csv"],
        &[("RAYON_NUM_THREADS", "1")],
    );
    one.code(0);
    let four = wd.run_env(
        &["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o", "four.csv", "leads.csv"],
        &[("RAYON_NUM_THREADS", "4")],
    );
    four.code(0);
    assert_eq!(wd.read("one.csv"), wd.read("four.csv"), "the thread count changed the output");
    let rows = wd.csv("four.csv");
    let mut ids = column(&rows, "Lead ID");
    assert_eq!(ids.len(), n);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "every row exactly once");
    let titles = column(&rows, "Title");
    assert!(titles.iter().all(|t| t == "Head of\nLogistics,\n\"EU\"" || t == "Director\r\nSales"), "cells intact");
}

/// A large export is read in pieces on several threads; the pieces' edges fall
/// inside multi-byte characters. Read from a file it must give exactly what
/// the same bytes give through standard input (read in one go), and a bad byte
/// deep in the file must still be reported on its own line.
#[test]
fn large_files_read_in_parallel_pieces_equal_standard_input() {
    let wd = Workdir::new();
    let mut leads = String::from(crate::fixtures::HEADER);
    leads.push('\n');
    let mut i = 0;
    while leads.len() < 10 << 20 {
        leads.push_str(&format!(
            "P{i},Öljy€Oy{},Johtaja ärjä 🚀,Logistics,FI,{},p{i}@x.example,{},yes,Product,2026-10-{:02},2026-01-01\n",
            i % 89,
            100 + i % 900,
            i % 50,
            i % 28 + 1
        ));
        i += 1;
    }
    wd.write("rules.toml", RULES).write("leads.csv", &leads);
    let args = ["score", "-r", "rules.toml", "--as-of", "2026-11-01", "-q", "-o"];
    wd.run_env(&[&args[..], &["file.csv", "leads.csv"]].concat(), &[("RAYON_NUM_THREADS", "2")]).code(0);
    wd.run_stdin(&[&args[..], &["stdin.csv", "-"]].concat(), Some(leads.as_bytes())).code(0);
    assert_eq!(wd.read("file.csv"), wd.read("stdin.csv"));
    assert_eq!(wd.csv("file.csv").len(), i + 1, "every row and the header");

    // A lone continuation byte in the middle of line 50,001 (past the first pieces).
    let mut bad = leads.into_bytes();
    let at = bad.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(49_999).map(|(k, _)| k).unwrap() + 3;
    bad[at] = 0x80;
    wd.write("bad.csv", &bad);
    wd.run_env(&[&args[..], &["bad.out", "bad.csv"]].concat(), &[("RAYON_NUM_THREADS", "2")])
        .code(1)
        .stderr_has("bad.csv:50001: invalid UTF-8 (byte 0x80)");
}

/// Only the byte-order mark at the very start of the file is dropped: a U+FEFF
/// that starts a later record, quoted or not, is a character of its cell (and
/// so `\u{feff}B` and `B` are different ids).
#[test]
fn a_feff_that_starts_a_later_record_is_kept_in_quoted_and_plain_records() {
    let rules = "[input]\nid = \"id\"\n[[stages]]\nname = \"lead\"\n";
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", "id,x,n\nA,1,a\n\u{feff}B,2,\"q,r\"\nB,3,z\n\u{feff}C,4,w\n");
    wd.run(&["assign", "-r", "rules.toml", "-q", "-o", "out.csv", "leads.csv"]).code(0);
    let rows = wd.csv("out.csv");
    assert_eq!(column(&rows, "id"), ["A", "\u{feff}B", "B", "\u{feff}C"]);
    assert_eq!(column(&rows, "n"), ["a", "q,r", "z", "w"]);
    assert!(!column(&rows, "reason").contains(&"duplicate".to_string()), "{rows:?}");
}

/// SPEC §7.3: `%y` reads two-digit years (00-68 are 2000-2068, 69-99 are 1969-1999).
#[test]
fn two_digit_years_in_date_formats() {
    let rules = "[input]\nid = \"id\"\ndate_formats = [\"%d.%m.%y\"]\n[[criteria]]\nname = \"recent\"\ncolumn = \"seen\"\nwithin_days = 30\npoints = 1\n[[stages]]\nname = \"lead\"\n";
    let (wd, run) = score_bytes(rules, b"id,seen\nA,15.10.26\nB,15.10.69\nC,15.10.2026\n", &[]);
    run.code(0);
    let rows = wd.csv("out.csv");
    assert_eq!(column(&rows, "id"), ["A", "B", "C"]);
    assert_eq!(column(&rows, "score"), ["1", "0", "0"], "26 is 2026, 69 is 1969, a four-digit year does not match %y");
}

/// SPEC §7.3: `[input] thousands` reads `17 800` and `1.234,5`; a separator
/// that does not split the integer part into threes leaves the cell no number.
#[test]
fn thousands_separators_in_numbers() {
    let rules = |sep: &str, dec: &str| {
        format!(
            "[input]\nid = \"id\"\ndecimal = \"{dec}\"\nthousands = \"{sep}\"\n[[criteria]]\nname = \"big\"\ncolumn = \"n\"\ngte = 1000\npoints = 1\n[[stages]]\nname = \"lead\"\n"
        )
    };
    let (wd, run) = score_bytes(
        &rules(" ", "."),
        "id;n\nA;17 800\nB;1\u{a0}234\nC;17 80\nD;999\n".as_bytes(),
        &["--summary-json", "s.json"],
    );
    run.code(0);
    let rows = crate::workdir::parse_csv(&wd.read("out.csv"), b',');
    assert_eq!(column(&rows, "id"), ["A", "B", "C", "D"]);
    assert_eq!(column(&rows, "score"), ["1", "1", "0", "0"]);
    assert!(wd.read("s.json").contains("\"first_value\": \"17 80\""), "{}", wd.read("s.json"));
    let (wd, run) = score_bytes(&rules(".", ","), b"id;n\nA;1.234,5\nB;12.34\n", &[]);
    run.code(0);
    assert_eq!(column(&crate::workdir::parse_csv(&wd.read("out.csv"), b','), "score"), ["1", "0"]);
    let (_, run) = score_bytes(&rules(",", ","), b"id;n\n", &[]);
    run.code(2).stderr_has("'thousands' in [input] is \",\", the decimal separator too");
}
