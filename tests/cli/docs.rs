//! The documents, checked against the code: the commands they quote run and
//! print what they show, their links lead somewhere, every behaviour citation
//! names a section of `docs/reference.md` that exists, and CONTRIBUTING.md's
//! layout map names every source file.
//!
//! How a quoted run is checked (see CONTRIBUTING.md, "Examples in the docs"):
//! a fenced block marked `console` holds `$ command` lines, each followed by
//! what it prints (standard output, then standard error, as a terminal shows
//! them). The blocks of one Markdown file run in order, in one scratch folder
//! holding a copy of `examples/` and `rules.example.toml`, each command in a
//! `sh` with the binary under test first on `PATH`. In the expected text, a
//! line `...` stands for any number of lines and `[..]` for any text within a
//! line (a time). `$ echo $?` shows the status of the command before it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` (relative to the repository), sorted.
fn files_under(dir: &str) -> Vec<PathBuf> {
    fn walk(p: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(p) else { return };
        for e in entries {
            let path = e.expect("folder entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo().join(dir), &mut out);
    out.sort();
    out
}

/// The Markdown files this project writes for readers (not the change notes).
fn documents() -> Vec<PathBuf> {
    let mut docs = vec![repo().join("README.md"), repo().join("CONTRIBUTING.md")];
    docs.extend(files_under("docs").into_iter().filter(|p| p.extension().is_some_and(|e| e == "md")));
    docs
}

/// The text files where a behaviour citation may appear.
fn citing_files() -> Vec<PathBuf> {
    let mut files = documents();
    for dir in ["src", "tests", "bench", "examples"] {
        files.extend(files_under(dir));
    }
    files.push(repo().join("rules.example.toml"));
    // The other Markdown files at the root: BENCHMARKS.md, the changelog and its notes.
    let root = std::fs::read_dir(repo()).expect("repository").map(|e| e.expect("entry").path());
    let docs = documents();
    files.extend(root.filter(|p| p.extension().is_some_and(|e| e == "md") && !docs.contains(p)));
    files
}

fn rel(p: &Path) -> String {
    p.strip_prefix(repo()).unwrap_or(p).display().to_string().replace('\\', "/")
}

/// The section numbers of `docs/reference.md`'s headings: `## 6.`, `### 6.1 ...`.
fn reference_sections() -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("docs/reference.md")).expect("docs/reference.md");
    text.lines()
        .filter(|l| l.starts_with('#'))
        .filter_map(|l| {
            let n: String = l
                .trim_start_matches('#')
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let n = n.trim_end_matches('.');
            (!n.is_empty()).then(|| n.to_string())
        })
        .collect()
}

/// The section numbers cited after each `prefix` in `text`: `reference §6.1`,
/// also `§9.1-§9.3` and `§6.1, §6.2` (each number counts).
fn citations(text: &str, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices(prefix) {
        let mut rest = &text[at + prefix.len()..];
        loop {
            let n: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
            rest = &rest[n.len()..];
            let n = n.trim_end_matches('.');
            if !n.is_empty() {
                found.push(n.to_string());
            }
            let Some(next) = ["-§", "–§", ", §", " and §", " to §"].iter().find_map(|s| rest.strip_prefix(s))
            else {
                break;
            };
            rest = next;
        }
    }
    found
}

#[test]
fn no_citation_of_a_document_outside_the_repository() {
    // Written in two pieces so that this file does not cite it itself.
    let needle = format!("{}{}", "SPEC", " §");
    let mut left = Vec::new();
    for path in citing_files() {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        for (i, line) in text.lines().enumerate() {
            if line.contains(&needle) {
                left.push(format!("{}:{}: {}", rel(&path), i + 1, line.trim()));
            }
        }
    }
    assert!(
        left.is_empty(),
        "cite the reference instead (`docs/reference.md §n`): the contract is not in the repository:\n{}",
        left.join("\n")
    );
}

#[test]
fn every_cited_reference_section_exists() {
    let sections = reference_sections();
    assert!(sections.iter().any(|s| s == "6.1"), "docs/reference.md has no section 6.1: {sections:?}");
    let mut cited = 0;
    let mut missing = Vec::new();
    for path in citing_files() {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        for (i, line) in text.lines().enumerate() {
            for prefix in ["reference.md §", "reference §"] {
                for n in citations(line, prefix) {
                    cited += 1;
                    if !sections.contains(&n) {
                        missing.push(format!("{}:{}: §{n}", rel(&path), i + 1));
                    }
                }
            }
        }
    }
    assert!(cited > 50, "only {cited} citations of the reference found: is the scan looking in the right place?");
    assert!(missing.is_empty(), "cited, but docs/reference.md has no heading numbered so:\n{}", missing.join("\n"));
}

#[test]
fn citations_are_read_with_their_ranges() {
    assert_eq!(citations("as reference §6.1 says", "reference §"), ["6.1"]);
    assert_eq!(citations("(docs/reference.md §9.1-§9.3).", "reference.md §"), ["9.1", "9.3"]);
    assert_eq!(citations("reference §5. And reference §7.3, §7.4", "reference §"), ["5", "7.3", "7.4"]);
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as `-`.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(text: &str) -> Vec<String> {
    let mut in_code = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            out.push(anchor(line.trim_start_matches('#')));
        }
    }
    out
}

#[test]
fn anchors_are_computed_as_github_does() {
    assert_eq!(anchor(" 6.1 What a run reads from the ledger"), "61-what-a-run-reads-from-the-ledger");
    assert_eq!(anchor(" An export with no id column: `id = \"@line\"`"), "an-export-with-no-id-column-id--line");
    assert_eq!(anchor(" Backups, checks and a damaged ledger"), "backups-checks-and-a-damaged-ledger");
}

#[test]
fn links_between_documents_lead_somewhere() {
    let mut broken = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).expect("document");
        for (i, line) in text.lines().enumerate() {
            for (at, _) in line.match_indices("](") {
                let Some(end) = line[at + 2..].find(')') else { continue };
                let target = &line[at + 2..at + 2 + end];
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let (file, frag) = target.split_once('#').unwrap_or((target, ""));
                let path = if file.is_empty() { doc.clone() } else { doc.parent().expect("folder").join(file) };
                let where_ = format!("{}:{}: {target}", rel(&doc), i + 1);
                if !path.exists() {
                    broken.push(format!("{where_} (no such file)"));
                    continue;
                }
                if !frag.is_empty() && path.extension().is_some_and(|e| e == "md") {
                    let target_text = std::fs::read_to_string(&path).expect("linked document");
                    if !anchors(&target_text).iter().any(|a| a == frag) {
                        broken.push(format!("{where_} (no heading with that anchor)"));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn readme_stays_short() {
    let text = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let n = text.chars().count();
    assert!(n <= 20_000, "README.md has {n} characters; keep it under 20,000 and move detail to docs/");
}

#[test]
fn contributing_names_every_source_file() {
    let map = std::fs::read_to_string(repo().join("CONTRIBUTING.md")).expect("CONTRIBUTING.md");
    let files: Vec<String> = files_under("src").iter().map(|p| rel(p)).collect();
    assert!(files.iter().any(|f| f == "src/main.rs"), "src/ not listed: {files:?}");
    let unnamed: Vec<&String> = files.iter().filter(|f| !map.contains(&format!("`{f}`"))).collect();
    // The other way round: a file the map names that is gone (moved or removed).
    let mut gone = Vec::new();
    for (i, line) in map.lines().enumerate() {
        for piece in line.split('`').skip(1).step_by(2) {
            if piece.starts_with("src/") && piece.ends_with(".rs") && !repo().join(piece).exists() {
                gone.push(format!("CONTRIBUTING.md:{}: {piece}", i + 1));
            }
        }
    }
    assert!(
        unnamed.is_empty() && gone.is_empty(),
        "CONTRIBUTING.md's layout map is out of date.\nAdd a row for each of these files:\n{}\nThese rows name files that no longer exist:\n{}",
        unnamed.iter().map(|f| format!("| `{f}` | ... |")).collect::<Vec<_>>().join("\n"),
        gone.join("\n")
    );
}

/// One `$ command` of a console block and what it should print.
struct Example {
    line: usize,
    command: String,
    expected: Vec<String>,
}

/// The commands of the `console` blocks of a Markdown text, in order. A
/// block whose info string names a file (```` ```toml file=hubspot.toml ````)
/// is written to that file, in its turn, for the commands after it.
fn examples(text: &str) -> Vec<Example> {
    let mut out: Vec<Example> = Vec::new();
    let mut in_console = false;
    let mut continued = false;
    let mut file: Option<(String, Vec<&str>)> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some((name, body)) = &mut file {
            if line.starts_with("```") {
                let command = format!("cat > '{name}' <<'LEADROUTE_DOCS_EOF'\n{}\nLEADROUTE_DOCS_EOF", body.join("\n"));
                out.push(Example { line: i + 1 - body.len(), command, expected: Vec::new() });
                file = None;
            } else {
                body.push(line);
            }
            continue;
        }
        if !in_console {
            in_console = line.trim_end() == "```console";
            let name = line.strip_prefix("```").and_then(|info| info.split(' ').find_map(|w| w.strip_prefix("file=")));
            file = name.map(|n| (n.to_string(), Vec::new()));
            continue;
        }
        if line.starts_with("```") {
            in_console = false;
        } else if continued {
            let last = out.last_mut().expect("a command");
            last.command.push('\n');
            last.command.push_str(line);
            continued = line.ends_with('\\');
        } else if let Some(cmd) = line.strip_prefix("$ ") {
            out.push(Example { line: i + 1, command: cmd.to_string(), expected: Vec::new() });
            continued = cmd.ends_with('\\');
        } else if let Some(last) = out.last_mut() {
            last.expected.push(line.trim_end().to_string());
        } else {
            panic!("line {}: a console block must start with a `$ command` line", i + 1);
        }
    }
    out
}

/// A line of output against an expected line, where `[..]` matches any text.
fn line_matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split("[..]").collect();
    if parts.len() == 1 {
        return expected == actual;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !actual.starts_with(first) || actual.len() < first.len() + last.len() || !actual.ends_with(last) {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// Lines against expected lines, where a line `...` matches any number of lines.
fn lines_match(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((e, rest)) if e == "..." => (0..=actual.len()).any(|skip| lines_match(rest, &actual[skip..])),
        Some((e, rest)) => actual.split_first().is_some_and(|(a, more)| line_matches(e, a) && lines_match(rest, more)),
    }
}

#[test]
fn output_matching_understands_its_two_wildcards() {
    assert!(line_matches("300 rows in [..] s ([..] rows/s)", "300 rows in 0.006 s (51815 rows/s)"));
    assert!(!line_matches("300 rows in [..] s", "301 rows in 0.006 s"));
    assert!(!line_matches("a[..]a", "a"));
    let exp = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(lines_match(&exp(&["a", "...", "d"]), &["a", "b", "c", "d"]));
    assert!(lines_match(&exp(&["a", "...", "b"]), &["a", "b"]));
    assert!(!lines_match(&exp(&["a", "...", "d"]), &["a", "b", "c"]));
    assert!(!lines_match(&exp(&["a", "b"]), &["a", "b", "c"]));
}

/// Runs the console blocks of one document in a scratch folder; a message per
/// command whose output differs from what the document shows.
fn run_examples(doc: &Path) -> (usize, Vec<String>) {
    let text = std::fs::read_to_string(doc).expect("document");
    let examples = examples(&text);
    if examples.is_empty() {
        return (0, Vec::new());
    }
    let dir = tempfile::tempdir().expect("scratch folder");
    copy_tree(&repo().join("examples"), &dir.path().join("examples"));
    std::fs::copy(repo().join("rules.example.toml"), dir.path().join("rules.example.toml")).expect("copy rules");
    // One shell for the whole document, so `cd` and files carry over; a
    // marker line after each command splits the output, and `$?` is kept.
    const MARK: &str = "\u{1e}leadroute-docs\u{1e}";
    let mut script = String::from("exec 2>&1\n__status=0\n");
    for ex in &examples {
        script.push_str(&format!("(exit $__status)\n{}\n__status=$?\nprintf '\\n%s\\n' '{MARK}'\n", ex.command));
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_leadroute"));
    let path = format!("{}:{}", bin.parent().expect("bin folder").display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("PATH", path)
        .env_remove("LEADROUTE_TIMINGS")
        .env_remove("LEADROUTE_FAULT")
        .stdin(Stdio::null())
        .output()
        .expect("run sh");
    let text = String::from_utf8_lossy(&out.stdout);
    let chunks: Vec<&str> = text.split(&format!("\n{MARK}\n")).collect();
    let mut failures = Vec::new();
    for (i, ex) in examples.iter().enumerate() {
        let actual: Vec<&str> =
            chunks.get(i).copied().unwrap_or("(no output: the script stopped)").lines().map(str::trim_end).collect();
        let mut actual = actual;
        while actual.last() == Some(&"") {
            actual.pop();
        }
        let mut expected = ex.expected.clone();
        while expected.last().is_some_and(|l| l.is_empty()) {
            expected.pop();
        }
        if !lines_match(&expected, &actual) {
            failures.push(format!(
                "{}:{}: $ {}\n--- the document shows\n{}\n--- the binary prints\n{}\n",
                rel(doc),
                ex.line,
                ex.command,
                expected.join("\n"),
                actual.join("\n")
            ));
        }
    }
    (examples.len(), failures)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read folder") {
        let p = e.expect("entry").path();
        let dest = to.join(p.file_name().expect("name"));
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copy");
        }
    }
}

#[cfg(unix)]
#[test]
fn the_runs_the_documents_show_are_what_the_binary_prints() {
    let mut failures = Vec::new();
    let mut total = 0;
    for doc in documents() {
        let (n, f) = run_examples(&doc);
        total += n;
        failures.extend(f);
    }
    assert!(
        failures.is_empty(),
        "{} of {total} documented commands print something else:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_readme_shows_a_real_run_a_check_an_explain_and_an_error() {
    let text = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let examples = examples(&text);
    for command in ["leadroute assign ", "leadroute check ", "leadroute explain "] {
        assert!(
            examples.iter().any(|e| e.command.starts_with(command)),
            "README.md runs no `{command}` in a console block"
        );
    }
    assert!(
        examples.iter().any(|e| e.expected.iter().any(|l| l.starts_with("leadroute: error: "))),
        "README.md shows no error message in a console block"
    );
}

#[test]
fn the_readme_keeps_its_two_set_up_commands() {
    let text = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let setup = "```sh\ncargo run --release -- assign -r rules.example.toml --as-of 2026-11-01 examples/leads.csv -o assigned.csv\ncargo test --locked\n```";
    assert!(text.contains(setup), "README.md's set-up must stay these two commands:\n{setup}");
}
