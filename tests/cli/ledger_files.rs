//! The ledger's file (issue #18): a damaged ledger is refused untouched (or
//! a run on it is correct), `ledger check` gives a verdict, a read-only
//! folder or file is read all the same and a write says what is read-only,
//! the files honour the umask; and the messages of `ledger import` and
//! `ledger undo` that users met.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::fixtures::THREE_REPS;
use crate::workdir::{Run, Workdir};

/// The three reps of the ledger tests, with `[input] email`.
fn rules() -> String {
    THREE_REPS.replace("account = \"company\"\n", "account = \"company\"\nemail = \"email\"\n")
}

/// Leads `from..to`: 40 accounts, each lead with its own email.
fn leads(from: usize, to: usize) -> String {
    let mut s = String::from("id,company,email,views\n");
    for i in from..to {
        s.push_str(&format!("L{i},co{},p{i}@co{}.com,{}\n", i % 40, i % 40, (i * 7) % 50));
    }
    s
}

/// `assign --ledger LEDGER --as-of DAY -q -o OUT LEADS`.
fn assign(wd: &Workdir, ledger: &str, day: &str, out: &str, leads: &str) -> Run {
    wd.run(&["assign", "-r", "rules.toml", "--ledger", ledger, "--as-of", day, "-q", "-o", out, leads])
}

fn bytes(wd: &Workdir, name: &str) -> Vec<u8> {
    std::fs::read(wd.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

/// 1,024 bytes of garbage, the same for the same seed (xorshift).
fn garbage(seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn a_damaged_ledger_is_refused_untouched_or_a_run_on_it_is_correct() {
    let wd = Workdir::new();
    wd.write("rules.toml", rules()).write("first.csv", leads(0, 600)).write("second.csv", leads(500, 700));
    assign(&wd, "led.db", "2026-11-20", "first.out", "first.csv").code(0);
    let sound = bytes(&wd, "led.db");
    let pages = sound.len() / 4096;
    assert!(pages >= 12, "a ledger of {pages} pages is too small to damage page by page");
    // What a run on the sound ledger writes: every run that succeeds must write it.
    wd.write("good.db", &sound);
    assign(&wd, "good.db", "2026-11-21", "good.csv", "second.csv").code(0);
    let good = bytes(&wd, "good.csv");
    wd.run(&["ledger", "check", "good.db"]).code(0).stdout_has("good.db: sound: ");

    let (mut refused, mut ran) = (0, 0);
    for page in 0..pages {
        // The start of the page (its header and cell pointers) or its end
        // (where cells are written first): never only free space.
        let offset = page * 4096 + if page % 2 == 0 { 0 } else { 3072 };
        let mut damaged = sound.clone();
        damaged[offset..offset + 1024].copy_from_slice(&garbage(page as u64 + 1));
        let (name, out) = (format!("d{page}.db"), format!("d{page}.csv"));
        wd.write(&name, &damaged);

        let check = wd.run(&["ledger", "check", &name]);
        check.code(1).stderr_has(&format!("leadroute: error: {name}: ")).stderr_has(" corrupt");
        assert_eq!(check.stderr.lines().count(), 1, "{}", check.stderr);
        assert!(bytes(&wd, &name) == damaged, "ledger check changed {name}");

        let run = assign(&wd, &name, "2026-11-21", &out, "second.csv");
        match run.code {
            0 => {
                assert!(bytes(&wd, &out) == good, "a run on {name} (page {page} damaged) wrote another routing");
                ran += 1;
            }
            1 => {
                let line = run.stderr.trim_end();
                assert!(line.starts_with(&format!("leadroute: error: {name}: ")), "{line}");
                assert!(line.contains(" corrupt") && (line.contains("restore") || line.contains("Restore")), "{line}");
                assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
                assert!(bytes(&wd, &name) == damaged, "a refused run changed {name} (page {page} damaged)");
                assert!(!wd.exists(&out));
                refused += 1;
            }
            _ => panic!("page {page}: exit {}\n{}", run.code, run.stderr),
        }
    }
    // Page 1's header is among them: that one is always refused.
    assert!(refused >= 1, "no damaged copy was refused ({ran} ran)");
    eprintln!("{refused} damaged copies refused, {ran} ran correctly");
}

#[test]
fn damage_a_run_meets_is_one_corrupt_error_naming_the_file_and_what_to_do() {
    let wd = Workdir::new();
    wd.write("rules.toml", rules()).write("leads.csv", leads(0, 3));
    assign(&wd, "led.db", "2026-11-20", "o.csv", "leads.csv").code(0);
    let sound = bytes(&wd, "led.db");
    let damage = |name: &str, sql: &str| {
        wd.write(name, &sound);
        let c = rusqlite::Connection::open(wd.path(name)).unwrap();
        c.execute_batch(sql).unwrap();
        drop(c);
        bytes(&wd, name)
    };
    let refused = |name: &str, args: &[&str], what: &str| {
        let before = bytes(&wd, name);
        let run = wd.run(args);
        run.code(1);
        assert_eq!(
            run.stderr,
            format!(
                "leadroute: error: {name}: the ledger is corrupt ({what}); it was left untouched. Restore it from a \
                 backup; `leadroute ledger check {name}` lists what is damaged\n"
            )
        );
        assert!(bytes(&wd, name) == before, "{args:?} changed {name}");
    };

    // A missing table (today: `ledger error: no such table: run_reps`).
    damage("t1.db", "DROP TABLE run_reps");
    let what = "its table 'run_reps' is missing";
    let write = ["assign", "-r", "rules.toml", "--ledger", "t1.db", "-q", "-o", "o1.csv", "leads.csv"];
    refused("t1.db", &write, what);
    refused("t1.db", &["ledger", "runs", "t1.db"], what);
    assert!(!wd.exists("o1.csv"));
    let check = wd.run(&["ledger", "check", "t1.db"]);
    check.code(1);
    assert!(check.stdout.starts_with("t1.db: corrupt ("), "{}", check.stdout);
    assert!(check.stdout.ends_with("):\n  its table 'run_reps' is missing\n"), "{}", check.stdout);
    assert_eq!(
        check.stderr,
        "leadroute: error: t1.db: the ledger is corrupt: its table 'run_reps' is missing. Restore it from a backup \
         (and check that too) before the next run\n"
    );

    // A value of the wrong type (today: `ledger error: Invalid type`).
    damage("t2.db", "UPDATE assigned SET lead_id = x'fffe' WHERE rowid = 1");
    let what = "a value of the wrong type where leadroute reads one";
    refused("t2.db", &["assign", "-r", "rules.toml", "--ledger", "t2.db", "-q", "-o", "o2.csv", "leads.csv"], what);
    refused("t2.db", &["ledger", "export", "t2.db"], what);
    let check = wd.run(&["ledger", "check", "t2.db"]);
    check.code(1).stdout_has(
        "\n  table 'assigned': 1 row holds a value of a type leadroute never writes there (first: column 'lead_id' \
         holds a blob)\n",
    );

    // A column the runs read by name holding text instead of a number.
    damage("t3.db", "UPDATE runs SET rows_read = 'many'");
    refused("t3.db", &["ledger", "runs", "t3.db"], "column 'rows_read' holds text, which leadroute never writes there");
    wd.run(&["ledger", "check", "t3.db"]).code(1).stdout_has(
        "\n  table 'runs': 1 row holds a value of a type leadroute never writes there (first: column 'rows_read' \
         holds text)\n",
    );

    // A damaged header behind SQLite's magic string: corrupt, not "another file".
    let mut header = sound.clone();
    header[16..100].copy_from_slice(&[0xA5; 84]);
    wd.write("t4.db", &header);
    let run = wd.run(&["assign", "-r", "rules.toml", "--ledger", "t4.db", "-q", "-o", "o4.csv", "leads.csv"]);
    run.code(1).stderr_has("leadroute: error: t4.db: the ledger is corrupt (its header is damaged: ");
    assert!(bytes(&wd, "t4.db") == header);
}

#[test]
fn ledger_check_gives_a_verdict_for_cron() {
    let wd = Workdir::new();
    wd.write("rules.toml", rules()).write("leads.csv", leads(0, 20));
    assign(&wd, "led.db", "2026-11-20", "o.csv", "leads.csv").code(0);
    assign(&wd, "led.db", "2026-11-21", "o.csv", "leads.csv").code(0);
    let size = bytes(&wd, "led.db").len();
    let version: i64 = rusqlite::Connection::open(wd.path("led.db"))
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let before = bytes(&wd, "led.db");
    let run = wd.run(&["ledger", "check", "led.db"]);
    run.code(0);
    assert_eq!(
        run.stdout,
        format!(
            "led.db: sound: SQLite's integrity check found every page and index intact ({} pages, {} bytes); a \
             leadroute ledger, schema version {version}, with every table and index it needs; 2 runs (the last: \
             run 2)\n",
            size / 4096,
            thousands(size)
        )
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert!(bytes(&wd, "led.db") == before, "ledger check changed the ledger");

    wd.write("empty.db", "");
    let run = wd.run(&["ledger", "check", "empty.db"]);
    run.code(0);
    assert_eq!(run.stdout, "empty.db: sound: an empty file, which a run uses as a new ledger (no runs recorded yet)\n");

    wd.write("text.db", "hello\n");
    let run = wd.run(&["ledger", "check", "text.db"]);
    run.code(1);
    assert_eq!(
        run.stderr,
        "leadroute: error: text.db: is not a leadroute ledger (not an SQLite database, or a ledger so corrupt that \
         its header is gone); restore your ledger from a backup, or check the file your runs use\n"
    );
    let c = rusqlite::Connection::open(wd.path("crm.db")).unwrap();
    c.execute_batch("CREATE TABLE contacts (id TEXT); INSERT INTO contacts VALUES ('x');").unwrap();
    drop(c);
    wd.run(&["ledger", "check", "crm.db"]).code(1).stderr_has(
        "leadroute: error: crm.db: is an SQLite database but not a leadroute ledger (its application_id is not \
         0x4C52444C); check the file your runs use\n",
    );
    wd.run(&["ledger", "check", "none.db"]).code(1).stderr_has("none.db: no such ledger");
    assert!(!wd.exists("none.db"));
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Who runs leadroute in the permission tests: as root, permission bits do
/// not apply, so the binary runs as `nobody` (uid 65534, set with setuid
/// in the child: nothing to install); otherwise as this user.
struct Runner {
    uid: Option<u32>,
    bin: PathBuf,
}

impl Runner {
    /// The runner; `None` when this is root but no process may become
    /// `nobody` here (a container without that user id).
    fn new(wd: &Workdir) -> Option<Runner> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        let mut runner = Runner { uid: root.then_some(65534), bin: PathBuf::from(env!("CARGO_BIN_EXE_leadroute")) };
        if !root {
            return Some(runner);
        }
        chmod(&wd.path("."), 0o755);
        if runner.try_run(wd, &["--version"], None).is_ok_and(|r| r.code == 0) {
            return Some(runner);
        }
        // nobody cannot reach the binary where cargo built it: a copy it can.
        let copy = wd.path("bin/leadroute");
        std::fs::create_dir_all(wd.path("bin")).unwrap();
        std::fs::copy(&runner.bin, &copy).expect("copy the binary");
        chmod(&wd.path("bin"), 0o755);
        runner.bin = copy;
        runner.try_run(wd, &["--version"], None).is_ok_and(|r| r.code == 0).then_some(runner)
    }

    /// Runs leadroute in `wd` as the runner, with `umask` when given.
    fn run(&self, wd: &Workdir, args: &[&str], umask: Option<u32>) -> Run {
        self.try_run(wd, args, umask).expect("spawn leadroute")
    }

    fn try_run(&self, wd: &Workdir, args: &[&str], umask: Option<u32>) -> std::io::Result<Run> {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args).current_dir(wd.path(".")).stdin(Stdio::null());
        if let Some(uid) = self.uid {
            cmd.uid(uid).gid(uid);
        }
        if let Some(mask) = umask {
            // SAFETY: umask is async-signal-safe and touches no memory.
            unsafe {
                cmd.pre_exec(move || {
                    libc::umask(mask as libc::mode_t);
                    Ok(())
                });
            }
        }
        let out = cmd.output()?;
        Ok(Run {
            cmd: format!("leadroute {}", args.join(" ")),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            stdout_bytes: out.stdout,
            signal: std::os::unix::process::ExitStatusExt::signal(&out.status),
        })
    }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Gives the folders back their write permission when the test ends, so
/// that the scratch folder can be removed whatever happened.
struct Writable(Vec<PathBuf>);

impl Drop for Writable {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755));
        }
    }
}

#[test]
fn a_read_only_folder_or_file_is_read_and_a_write_says_what_is_read_only() {
    let wd = Workdir::new();
    wd.write("rules.toml", rules()).write("first.csv", leads(0, 30)).write("second.csv", leads(20, 40));
    for dir in ["out", "ro", "ro-left", "rf", "ro2"] {
        std::fs::create_dir_all(wd.path(dir)).unwrap();
    }
    let Some(runner) = Runner::new(&wd) else {
        // Root here cannot become another user: permission bits cannot be tested.
        eprintln!("SKIPPED: running as root, and no process may become nobody (uid 65534) here");
        return;
    };
    let root = runner.uid.is_some();
    // ro/: the folder is read-only for the runner, the file is not (ro-left/: with the empty
    // FILE-wal and FILE-shm that readers of a writable folder leave); rf/: the other way round.
    let ro = if root { 0o755 } else { 0o555 };
    for (dir, folder_mode, file_mode) in
        [("ro", ro, 0o666), ("ro-left", ro, 0o666), ("rf", 0o777, if root { 0o644 } else { 0o444 })]
    {
        let ledger = format!("{dir}/led.db");
        assign(&wd, &ledger, "2026-11-20", "o.csv", "first.csv").code(0);
        // What the readers show while the folder is writable (run by the test's user).
        let runs = wd.run(&["ledger", "runs", &ledger]);
        runs.code(0);
        let export = wd.run(&["ledger", "export", &ledger]);
        export.code(0);
        let explain = ["explain", "-r", "rules.toml", "--ledger", &ledger, "--as-of", "2026-11-21", "--id", "L25"];
        let explained = wd.run(&[&explain[..], &["second.csv"]].concat());
        explained.code(0);
        let dry = ["assign", "-r", "rules.toml", "--ledger", &ledger, "--dry-run", "--as-of", "2026-11-21", "-q"];
        wd.run(&[&dry[..], &["-o", "dry.csv", "second.csv"]].concat()).code(0);
        let before = bytes(&wd, &ledger);
        if dir == "ro" {
            // As a run leaves it: no FILE-wal or FILE-shm, which a reader cannot create here.
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(wd.path(&format!("{ledger}{suffix}")));
            }
        }
        let list = || {
            let mut names: Vec<String> = std::fs::read_dir(wd.path(dir))
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            names.sort();
            names
        };
        let files = list();

        let _restore = Writable(vec![wd.path(dir), wd.path(".")]);
        chmod(&wd.path("."), 0o755);
        chmod(&wd.path("out"), 0o777);
        chmod(&wd.path(&ledger), file_mode);
        chmod(&wd.path(dir), folder_mode);
        let run = |args: &[&str]| runner.run(&wd, args, None);

        let r = run(&["ledger", "runs", &ledger]);
        r.code(0);
        assert_eq!(r.stdout, runs.stdout, "{dir}");
        run(&["ledger", "export", &ledger, "-o", "out/export.csv"]).code(0);
        assert_eq!(wd.read("out/export.csv"), export.stdout, "{dir}");
        let r = run(&[&explain[..], &["second.csv"]].concat());
        r.code(0);
        assert_eq!(r.stdout, explained.stdout, "{dir}");
        run(&[&dry[..], &["-o", "out/dry.csv", "second.csv"]].concat()).code(0);
        assert_eq!(wd.read("out/dry.csv"), wd.read("dry.csv"), "{dir}");
        run(&["ledger", "check", &ledger]).code(0).stdout_has(&format!("{ledger}: sound: "));

        let what = if dir == "rf" {
            "the file is read-only for this user; make it writable for this user, or run as the user that owns it"
                .to_string()
        } else {
            format!(
                "its folder '{dir}' is read-only for this user, and a run creates led.db-wal, led.db-shm and \
                 led.db.lock there (SQLite's journal and leadroute's lock); make the folder writable for this user, \
                 or move the ledger to a writable one"
            )
        };
        let expected = format!(
            "leadroute: error: {ledger}: cannot write the ledger: {what}. Reading it works as it is (ledger runs, \
             ledger export, --dry-run, explain --ledger)\n"
        );
        let write = ["assign", "-r", "rules.toml", "--ledger", &ledger, "--as-of", "2026-11-21", "-q"];
        let r = run(&[&write[..], &["-o", "out/w.csv", "second.csv"]].concat());
        r.code(1);
        assert_eq!(r.stderr, expected);
        assert!(!wd.exists("out/w.csv"));
        let r = run(&["ledger", "undo", &ledger, "--run", "1"]);
        r.code(1);
        assert_eq!(r.stderr, expected);
        assert!(bytes(&wd, &ledger) == before, "{dir}: the ledger changed");
        if dir == "ro" {
            assert_eq!(files, ["led.db", "led.db.lock"]);
        }
        if dir != "rf" {
            assert_eq!(list(), files, "{dir}: the runner left files");
        }
    }
    // A new ledger in a folder that does not exist, and in a read-only one.
    let r = runner.run(
        &wd,
        &["assign", "-r", "rules.toml", "--ledger", "nodir/led.db", "-q", "-o", "out/n.csv", "first.csv"],
        None,
    );
    r.code(1);
    assert_eq!(
        r.stderr,
        "leadroute: error: nodir/led.db: cannot create the ledger: its folder 'nodir' does not exist; create it, or \
         give the ledger a path in an existing folder\n"
    );
    let _restore = Writable(vec![wd.path("ro2")]);
    chmod(&wd.path("ro2"), if root { 0o755 } else { 0o555 });
    let r = runner.run(
        &wd,
        &["assign", "-r", "rules.toml", "--ledger", "ro2/led.db", "-q", "-o", "out/n.csv", "first.csv"],
        None,
    );
    r.code(1);
    assert_eq!(
        r.stderr,
        "leadroute: error: ro2/led.db: cannot create the ledger: its folder 'ro2' is read-only for this user, and a \
         run creates led.db-wal, led.db-shm and led.db.lock there (SQLite's journal and leadroute's lock); make the \
         folder writable for this user, or move the ledger to a writable one\n"
    );
}

#[test]
fn the_ledger_files_honour_the_umask_as_outputs_do() {
    let wd = Workdir::new();
    wd.write("rules.toml", rules()).write("leads.csv", leads(0, 5));
    let runner = Runner { uid: None, bin: PathBuf::from(env!("CARGO_BIN_EXE_leadroute")) };
    for (umask, mode) in [(0o002, 0o664), (0o077, 0o600), (0o022, 0o644)] {
        let (ledger, out) = (format!("led{umask:o}.db"), format!("out{umask:o}.csv"));
        let args = ["assign", "-r", "rules.toml", "--ledger", &ledger, "-q", "-o", &out, "leads.csv"];
        runner.run(&wd, &args, Some(umask)).code(0);
        let mode_of = |name: &str| std::fs::metadata(wd.path(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            (mode_of(&ledger), mode_of(&format!("{ledger}.lock")), mode_of(&out)),
            (mode, mode, mode),
            "umask {umask:o}"
        );
    }
}

#[test]
fn import_says_what_is_wrong_with_its_csv_and_names_reps_the_rules_lack() {
    let wd = Workdir::new();
    wd.write("rules.toml", rules());
    let import = |csv: &str, extra: &[&str]| {
        let mut args = vec!["ledger", "import", "led.db", "--as-of", "2026-11-01", "--id", "id", "--rep", "rep"];
        args.extend_from_slice(extra);
        args.push(csv);
        wd.run(&args)
    };
    // An unterminated quote (today: "expected 2 fields, found 2", or found 1).
    for (csv, text) in [("q1.csv", "id,rep\nX1,A\nX2,\"B\nX3,C\n"), ("q2.csv", "id,rep\nX1,A\n\"X2,B\nX3,C\n")] {
        wd.write(csv, text);
        let run = import(csv, &[]);
        run.code(1);
        assert_eq!(
            run.stderr,
            format!(
                "leadroute: error: {csv}:3: unterminated quote in the CSV to import: a quoted cell (\") of this row is \
                 never closed, so it runs to the end of the file; close the quote, or remove it\n"
            )
        );
    }
    assert!(!wd.exists("led.db"));

    // -r RULES: rows whose rep the rules lack are imported, with a warning.
    wd.write("crm.csv", "id,rep\nX1,A\nX2,Zed\nX3,B\nX4,zed\n");
    let run = import("crm.csv", &["-r", "rules.toml"]);
    run.code(0);
    assert_eq!(run.stdout, "led.db: imported 4 assignments as run 1 (as of 2026-11-01)\n");
    assert_eq!(
        run.stderr,
        "leadroute: warning: crm.csv: 2 rows name a rep that rules.toml does not have (first at line 3: 'Zed'); they \
         were imported: a run keeps those leads with that rep (assigned_before) and gives it no new ones. Check the \
         names against the rules' [[reps]]\n"
    );
    // Every rep known: no warning. Bad rules: exit 2, nothing imported.
    wd.write("ok.csv", "id,rep\nY1,C\n");
    let run = import("ok.csv", &["-r", "rules.toml"]);
    run.code(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    wd.write("bad.toml", "[[reps]]\nname = 1\n");
    let before = bytes(&wd, "led.db");
    import("ok.csv", &["-r", "bad.toml"]).code(2);
    assert!(bytes(&wd, "led.db") == before);
}

#[test]
fn undo_of_a_run_before_the_last_says_later_runs_counted_it() {
    let wd = Workdir::new();
    for (i, rep) in ["A", "B", "C", "A", "B"].iter().enumerate() {
        wd.write("crm.csv", format!("id,rep\nX{i},{rep}\n"));
        let args = ["ledger", "import", "led.db", "--as-of", "2026-11-01", "--id", "id", "--rep", "rep", "crm.csv"];
        wd.run(&args).code(0);
    }
    let undo = |run: &str| wd.run(&["ledger", "undo", "led.db", "--run", run]);
    let r = undo("1");
    r.code(0).stdout_has("led.db: removed run 1 (1 assignment)");
    assert_eq!(
        r.stderr,
        "leadroute: warning: led.db: 4 runs (2 to 5) were made after run 1 with its leads counted (as assigned \
         before, in loads, limits and account owners); they keep their assignments. To route those leads again \
         without run 1, undo them too, the last first\n"
    );
    let r = undo("3");
    r.code(0);
    assert_eq!(
        r.stderr,
        "leadroute: warning: led.db: runs 4 and 5 were made after run 3 with its leads counted (as assigned before, \
         in loads, limits and account owners); they keep their assignments. To route those leads again without run \
         3, undo them too, the last first\n"
    );
    let r = undo("4");
    r.code(0);
    assert_eq!(
        r.stderr,
        "leadroute: warning: led.db: run 5 was made after run 4 with its leads counted (as assigned before, in \
         loads, limits and account owners); it keeps its assignments. To route those leads again without run 4, \
         undo it too, the last first\n"
    );
    // The last run: nothing came after it.
    let r = undo("5");
    r.code(0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn runs_record_their_input_as_a_normalised_absolute_path() {
    let wd = Workdir::new();
    wd.write("rules.toml", rules()).write("leads.csv", leads(0, 3)).write("sub/crm.csv", "id,rep\nX1,A\n");
    let run = wd.run(&["assign", "-r", "rules.toml", "--ledger", "led.db", "-q", "-o", "o.csv", "./sub/../leads.csv"]);
    run.code(0);
    let args = ["ledger", "import", "led.db", "--as-of", "2026-11-01", "--id", "id", "--rep", "rep"];
    wd.run(&[&args[..], &["sub/./../sub//crm.csv"]].concat()).code(0);
    let c = rusqlite::Connection::open(wd.path("led.db")).unwrap();
    let inputs: Vec<String> = c
        .prepare("SELECT input FROM runs ORDER BY run")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let dir = wd.path(".").canonicalize().unwrap();
    assert_eq!(inputs, [dir.join("leads.csv").display().to_string(), dir.join("sub/crm.csv").display().to_string()]);
}
