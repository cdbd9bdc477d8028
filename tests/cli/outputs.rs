//! Where outputs go: atomic replacement of regular files, symlinks followed,
//! special files written in place, collisions refused.

use crate::fixtures::{LEADS, RULES};
use crate::workdir::Workdir;

fn wd() -> Workdir {
    let wd = Workdir::new();
    wd.write("rules.toml", RULES).write("leads.csv", LEADS);
    wd
}

#[test]
fn dev_null_is_written_not_replaced() {
    let wd = wd();
    wd.run(&["score", "-r", "rules.toml", "-q", "-o", "/dev/null", "--summary-json", "/dev/null", "leads.csv"]).code(0);
    let m = std::fs::metadata("/dev/null").unwrap();
    assert!(!m.is_file(), "/dev/null must stay a device");
}

#[cfg(unix)]
#[test]
fn a_symlinked_output_keeps_the_link_and_updates_its_target() {
    let wd = wd();
    wd.write("real/out.csv", "yesterday\n");
    std::os::unix::fs::symlink(wd.path("real/out.csv"), wd.path("link.csv")).unwrap();
    wd.run(&["score", "-r", "rules.toml", "-q", "-o", "link.csv", "leads.csv"]).code(0);
    assert!(std::fs::symlink_metadata(wd.path("link.csv")).unwrap().file_type().is_symlink());
    assert!(wd.read("real/out.csv").starts_with("Lead ID,"));
}

#[test]
fn two_outputs_on_one_file_or_over_the_input_are_refused() {
    let wd = wd();
    wd.write("same.csv", "yesterday\n");
    wd.run(&["score", "-r", "rules.toml", "-o", "same.csv", "--rejects", "./same.csv", "leads.csv"])
        .code(2)
        .stderr_has("--rejects ./same.csv: the same file as -o");
    assert_eq!(wd.read("same.csv"), "yesterday\n");
    wd.run(&["assign", "-r", "rules.toml", "-o", "leads.csv", "leads.csv"])
        .code(2)
        .stderr_has("the same file as the lead export");
    assert_eq!(wd.read("leads.csv"), LEADS);
    wd.run(&["score", "-r", "rules.toml", "--summary-json", "-", "leads.csv"])
        .code(2)
        .stderr_has("standard output is for the CSV");
}

/// A replaced file keeps its mode (new files: see `reliability`, which sets
/// the umask).
#[cfg(unix)]
#[test]
fn existing_permissions_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let wd = wd();
    wd.write("out.csv", "yesterday\n");
    std::fs::set_permissions(wd.path("out.csv"), std::fs::Permissions::from_mode(0o640)).unwrap();
    wd.run(&["score", "-r", "rules.toml", "-q", "-o", "out.csv", "leads.csv"]).code(0);
    let mode = std::fs::metadata(wd.path("out.csv")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn summary_json_lists_every_reason_even_at_zero() {
    let wd = wd();
    wd.run(&[
        "assign",
        "-r",
        "rules.toml",
        "--as-of",
        "2026-11-01",
        "-q",
        "-o",
        "out.csv",
        "--summary-json",
        "s.json",
        "leads.csv",
    ])
    .code(0);
    let s: serde_json::Value = serde_json::from_str(&wd.read("s.json")).unwrap();
    let reasons = s["routing"]["reasons"].as_object().unwrap();
    let keys: Vec<&str> = reasons.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["account_owner", "balanced", "disqualified", "duplicate", "expertise", "missing_id", "no_capacity", "no_team"]
    );
    assert_eq!(reasons["missing_id"], 0);
    for team in s["routing"]["teams"].as_array().unwrap() {
        assert_eq!(team["not_assigned"].as_object().unwrap().len(), 5, "{team}");
    }
}

/// `--no-sync` changes when the bytes reach the disk, not what is written nor
/// how it lands: the same files, replaced atomically, no temporary left over.
#[test]
fn no_sync_writes_the_same_outputs_in_place() {
    let wd = wd();
    wd.write("b.csv", "yesterday\n");
    let args = ["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "-q"];
    wd.run(&[&args[..], &["-o", "a.csv", "--summary-json", "a.json", "leads.csv"]].concat()).code(0);
    wd.run(&[&args[..], &["--no-sync", "-o", "b.csv", "--summary-json", "b.json", "leads.csv"]].concat()).code(0);
    assert_eq!(wd.read("a.csv"), wd.read("b.csv"));
    let counts = |name: &str| {
        let v: serde_json::Value = serde_json::from_str(&wd.read(name)).unwrap();
        v["routing"]["reasons"].clone()
    };
    assert!(counts("a.json")["balanced"].as_u64().is_some_and(|n| n > 0), "{}", wd.read("a.json"));
    assert_eq!(counts("a.json"), counts("b.json"));
    let names: Vec<String> = std::fs::read_dir(wd.path("."))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "temporary files left: {names:?}");
}

/// docs/reference.md §7.3: `[output] bom = true` starts every CSV output, standard output
/// included, with a UTF-8 byte-order mark; the JSON never has one.
#[test]
fn output_bom_starts_every_csv_output() {
    let rules = RULES.replacen("[scoring]", "[output]\nbom = true\n\n[scoring]", 1);
    let wd = Workdir::new();
    wd.write("rules.toml", rules).write("leads.csv", format!("{LEADS}bad,row\n"));
    let args = ["assign", "-r", "rules.toml", "--as-of", "2026-11-01", "-q"];
    wd.run(&[&args[..], &["-o", "out.csv", "--rejects", "rej.csv", "--summary-json", "s.json", "leads.csv"]].concat())
        .code(3);
    let bytes = |f: &str| std::fs::read(wd.path(f)).unwrap();
    assert!(bytes("out.csv").starts_with(b"\xEF\xBB\xBFLead ID,"));
    assert!(bytes("rej.csv").starts_with(b"\xEF\xBB\xBFline,error,"));
    assert!(bytes("s.json").starts_with(b"{"));
    let run = wd.run(&[&args[..], &["leads.csv"]].concat());
    assert!(run.stdout.starts_with("\u{feff}Lead ID,"), "{}", &run.stdout[..20]);
    // Without the key: no mark.
    wd.write("rules.toml", RULES);
    wd.run(&[&args[..], &["-o", "out.csv", "leads.csv"]].concat()).code(3);
    assert!(bytes("out.csv").starts_with(b"Lead ID,"));
}

/// docs/reference.md §7.3: `[output] decimal = ","` writes the CSV's numbers with a decimal
/// comma (the JSON keeps `.`); with the default `,` delimiter it is a rules error.
#[test]
fn output_decimal_comma() {
    let rules = RULES.replacen("[scoring]", "[output]\ndelimiter = \";\"\ndecimal = \",\"\n\n[scoring]", 1);
    let wd = Workdir::new();
    wd.write("rules.toml", &rules).write("leads.csv", LEADS);
    let args = [
        "score",
        "-r",
        "rules.toml",
        "--as-of",
        "2026-11-01",
        "-q",
        "--summary-json",
        "s.json",
        "-o",
        "out.csv",
        "leads.csv",
    ];
    wd.run(&args).code(0);
    let rows = crate::workdir::parse_csv(&wd.read("out.csv"), b';');
    let a2 = rows.iter().find(|r| r[0] == "A2").unwrap();
    assert_eq!(a2[12..15], ["42,5", "27,5", "15"].map(String::from), "{a2:?}");
    assert!(rows.iter().any(|r| r[12] == "-23,25"));
    assert!(!wd.read("s.json").contains("42,5"));
    wd.write("rules.toml", rules.replace("delimiter = \";\"\n", ""));
    wd.run(&args).code(2).stderr_has("'decimal' in [output] is \",\", and so is the output delimiter");
}
