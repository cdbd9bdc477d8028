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

/// docs/reference.md §7.3: `%y` reads two-digit years (00-68 are 2000-2068, 69-99 are 1969-1999).
#[test]
fn two_digit_years_in_date_formats() {
    let rules = "[input]\nid = \"id\"\ndate_formats = [\"%d.%m.%y\"]\n[[criteria]]\nname = \"recent\"\ncolumn = \"seen\"\nwithin_days = 30\npoints = 1\n[[stages]]\nname = \"lead\"\n";
    let (wd, run) = score_bytes(rules, b"id,seen\nA,15.10.26\nB,15.10.69\nC,15.10.2026\n", &[]);
    run.code(0);
    let rows = wd.csv("out.csv");
    assert_eq!(column(&rows, "id"), ["A", "B", "C"]);
    assert_eq!(column(&rows, "score"), ["1", "0", "0"], "26 is 2026, 69 is 1969, a four-digit year does not match %y");
}

/// docs/reference.md §7.3: `[input] thousands` reads `17 800` and `1.234,5`; a separator
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

/// docs/reference.md §7.3: rules for an export with no id column: `[input] id = "@line"`.
const LINE_RULES: &str = r#"
[input]
id = "@line"

[[criteria]]
name = "views"
group = "engagement"
column = "views"
per = 10
points = 10

[[criteria]]
name = "contact"
column = "contact"
equals = "yes"
points = 20

[[stages]]
name = "lead"
[[stages]]
name = "mql"
min_score = 20

[[teams]]
name = "inside"
stages = ["mql"]
when = [{ column = "name", not_in = ["bob"] }]

[[reps]]
name = "Sanna"
team = "inside"

[[reps]]
name = "Olli"
team = "inside"
"#;

/// Line 1 the header; Ann twice (the second record runs over lines 3-4), an
/// empty line 5, Bob on 6 (an mql no team takes), a malformed row on 7, a
/// row with every identifying cell empty on 8, Dan on 9.
const LINE_LEADS: &str =
    "name,views,contact,notes\nAnn,10,yes,\nAnn,10,yes,\"two\nlines\"\n\nBob,30,no,x\nCid,,yes\n,0,no,\nDan,50,yes,\n";

/// `[input] id = "@line"`: a lead's physical line (the one its record starts
/// on, the header being line 1) is its id. Repeated and empty cells do not
/// matter, no row is a duplicate or a missing id, the output keeps the
/// input's columns only, and every command finds leads by line: explain,
/// the warnings, `--outcomes` keyed by line numbers.
#[test]
fn line_numbers_identify_the_leads_of_an_export_without_an_id_column() {
    let wd = Workdir::new();
    wd.write("rules.toml", LINE_RULES).write("leads.csv", LINE_LEADS);
    let common = ["-r", "rules.toml", "--as-of", "2026-11-01"];
    let run = wd.run(
        &[
            &["assign"][..],
            &common,
            &["-q", "-o", "out.csv", "--rejects", "rej.csv", "--summary-json", "s.json", "leads.csv"],
        ]
        .concat(),
    );
    run.code(3).stderr_has("1 leads in stage 'mql' got no_team").stderr_has("(first: 6)");
    let rows = wd.csv("out.csv");
    assert_eq!(rows[0].join(","), "name,views,contact,notes,score,fit,engagement,stage,team,rep,reason");
    // Rank order: Dan 70, Ann 30 (line 2 before line 3), Bob 30, the empty row 0.
    assert_eq!(column(&rows, "name"), ["Dan", "Ann", "Ann", "Bob", ""]);
    assert_eq!(column(&rows, "notes")[2], "two\nlines");
    assert_eq!(column(&rows, "reason"), ["balanced", "balanced", "balanced", "no_team", "no_team"]);
    assert_eq!(column(&rows, "rep"), ["Sanna", "Olli", "Sanna", "", ""]);
    assert_eq!(column(&wd.csv("rej.csv"), "line"), ["7"]);
    let s: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
    assert_eq!((s["duplicates"].as_u64(), s["missing_ids"].as_u64()), (Some(0), Some(0)), "{s}");

    let explain = |id: &str| wd.run(&[&["explain"][..], &common, &["--id", id, "leads.csv"]].concat());
    explain("3").code(0).stdout_has("lead 3 (leads.csv line 3), rank 3 of 5\n").stdout_has("rep Sanna");
    explain(" 9 ").code(0).stdout_has("lead 9 (leads.csv line 9), rank 1 of 5\n").stdout_has("| 50 ");
    explain("8").code(0).stdout_has("lead 8 (leads.csv line 8)").stdout_has("reason no_team");
    // An empty line, a line inside a record, a malformed row, the header.
    for id in ["5", "4", "7", "1"] {
        explain(id)
            .code(1)
            .stderr_has(&format!("no well-formed row starts on line '{id}'"))
            .stderr_has("rows start on lines 2 to 9");
    }
    explain("09").code(1).stderr_has("no well-formed row starts on line '09'");
    explain("Ann").code(1).stderr_has("[input] id = \"@line\"");
    wd.run(&[&["check"][..], &common, &["leads.csv"]].concat()).code(0).stdout_has("5 well-formed, 1 rejected");

    // Outcomes keyed by line: 2 and 9 converted, 4 is no lead's line, 3, 6 and 8 missing.
    wd.write("deals.csv", "line,won\n2,yes\n4,yes\n9,yes\n09,yes\n");
    let args = ["score", "-r", "rules.toml", "-q", "--summary-json", "o.json", "-o", "scored.csv", "--outcome", "won"];
    wd.run(&[&args[..], &["--outcomes", "deals.csv", "leads.csv"]].concat()).code(3);
    let o: serde_json::Value = serde_json::from_str(&wd.read("o.json")).unwrap();
    assert_eq!(o["calibration"]["converted"], 2, "{o}");
    assert_eq!(o["calibration"]["outcomes_missing"], 3, "{o}");
    assert_eq!(wd.csv("scored.csv")[0].join(","), "name,views,contact,notes,score,fit,engagement,stage");

    // compare matches leads by position: line ids change nothing there.
    wd.run(&[&["compare"][..], &common, &["--set", "stages.mql.min_score=50", "leads.csv"]].concat())
        .code(3)
        .stdout_has("3 leads change stage");
}

/// Exports large enough to be read in parallel chunks: each lead's line is
/// counted over the whole file, also across chunk edges and quoted newlines.
#[test]
fn line_ids_hold_across_parallel_chunks() {
    let wd = Workdir::new();
    let mut leads = String::from("name,views,contact,notes\n");
    let (mut line, mut deals) = (2, String::from("line,won\n"));
    let mut dan = 0;
    for i in 0..60_000 {
        // Every third record spans two lines.
        let notes = if i % 3 == 0 { "\"a\nb, and text to make the export large\"" } else { "some more text here" };
        let name = if i == 45_000 { "Dan".to_string() } else { format!("n{}", i % 7) };
        let views = if name == "Dan" { 77 } else { i % 10 };
        leads.push_str(&format!("{name},{views},yes,{notes}\n"));
        if name == "Dan" {
            dan = line;
        }
        if i % 1000 == 0 {
            deals.push_str(&format!("{line},yes\n"));
        }
        line += if i % 3 == 0 { 2 } else { 1 };
    }
    assert!(leads.len() > 2 << 20, "large enough for several chunks");
    wd.write("rules.toml", LINE_RULES).write("leads.csv", &leads).write("deals.csv", &deals);
    let args = ["score", "-r", "rules.toml", "-q", "--summary-json", "o.json", "-o", "out.csv", "--outcome", "won"];
    wd.run_env(&[&args[..], &["--outcomes", "deals.csv", "leads.csv"]].concat(), &[("RAYON_NUM_THREADS", "4")]).code(0);
    let o: serde_json::Value = serde_json::from_str(&wd.read("o.json")).unwrap();
    assert_eq!(o["calibration"]["converted"], 60, "{o}");
    assert_eq!(o["calibration"]["outcomes_missing"], 60_000 - 60);
    wd.run_env(
        &["explain", "-r", "rules.toml", "--as-of", "2026-11-01", "--id", &dan.to_string(), "leads.csv"],
        &[("RAYON_NUM_THREADS", "4")],
    )
    .code(0)
    .stdout_has(&format!("lead {dan} (leads.csv line {dan})"))
    .stdout_has("| 77 ");
}

/// "No column may then be named `@line`": under `id = "@line"` a header cell
/// `@line` (trimmed, any case) exits 1 naming the file and the column, and a
/// rules column named so (in [input], a criterion, its decay, `when`,
/// `require`, `prefer`) is a rules error (exit 2) naming its line. With an id
/// column, `@line` is an ordinary column name.
#[test]
fn at_line_may_name_no_column() {
    let wd = Workdir::new();
    wd.write("rules.toml", LINE_RULES).write("leads.csv", LINE_LEADS.replacen("notes", " @LINE ", 1));
    let run = wd.run(&["score", "-r", "rules.toml", "-q", "-o", "out.csv", "leads.csv"]);
    run.code(1).stderr_has("leads.csv:1: column 4 of the header is named ' @LINE '");
    assert!(!wd.exists("out.csv"));
    wd.run(&["check", "-r", "rules.toml", "leads.csv"]).code(1).stderr_has("column 4 of the header");

    let rules_error = |rules: String, want: &str| {
        wd.write("bad.toml", rules);
        wd.run(&["score", "-r", "bad.toml", "-q", "-o", "out.csv", "leads.csv"]).code(2).stderr_has(want);
    };
    rules_error(
        LINE_RULES.replace("column = \"contact\"", "column = \"@line\""),
        "bad.toml:14:10: 'column' in [[criteria]] 'contact' is '@line': with [input] id = \"@line\" that is the \
         lead's line number, not a column of the export",
    );
    rules_error(LINE_RULES.replace("id = \"@line\"", "id = \"@line\"\ncreated = \" @Line\""), "'created' in [input]");
    rules_error(LINE_RULES.replace("column = \"name\"", "column = \"@LINE\""), "'column' in [[teams]] 'inside'");
    rules_error(
        LINE_RULES.replace("team = \"inside\"\n", "team = \"inside\"\nprefer = [{ column = \"@line\", gte = 3 }]\n"),
        "'column' in [[reps]] 'Sanna'",
    );
    rules_error(
        LINE_RULES.replace("points = 10\n", "points = 10\ndecay = { column = \"@line\", half_life_days = 3 }\n"),
        "'column' in [[criteria]] 'views'",
    );

    // With an id column, `@line` is a column like any other.
    let rules =
        LINE_RULES.replace("id = \"@line\"", "id = \"name\"").replace("column = \"contact\"", "column = \"@line\"");
    wd.write("ok.toml", rules).write("at.csv", "name,views,@line\nA,1,yes\nB,2,no\n");
    wd.run(&["score", "-r", "ok.toml", "-q", "-o", "out.csv", "at.csv"]).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "score"), ["20", "0"]);
    // And `--set` can switch an export to line ids.
    wd.run(&["score", "-r", "ok.toml", "--set", "input.id=@line", "-q", "-o", "out.csv", "at.csv"])
        .code(2)
        .stderr_has("'column' in [[criteria]] 'contact' is '@line'");
}

/// Issue 18, item 16: a line longer than 64 MiB (a broken export, or not a
/// CSV at all) is refused with its line number before any parsing, instead of
/// holding several copies of it in memory. A line of exactly 64 MiB is read.
#[test]
fn a_line_longer_than_64_mib_is_refused_naming_it() {
    const LIMIT: usize = 64 << 20;
    let long_line = |len: usize| {
        let mut leads = LEADS.as_bytes().to_vec();
        leads.extend_from_slice(b"Z1,");
        leads.resize(LEADS.len() + len, b'x');
        leads.push(b'\n');
        leads
    };
    let line = LEADS.lines().count() + 1;
    // Exactly 64 MiB: read (a malformed row of one field, rejected: exit 3).
    let (_, run) = score_bytes(RULES, &long_line(LIMIT), &[]);
    run.code(3);
    // One byte more: refused, nothing written.
    let (wd, run) = score_bytes(RULES, &long_line(LIMIT + 1), &[]);
    run.code(1).stderr_has(&format!(
        "leads.csv:{line}: the line is longer than 64 MiB, the most leadroute reads in one line; is this a CSV export?"
    ));
    assert!(!wd.exists("out.csv"));
}
