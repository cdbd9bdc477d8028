//! A scratch folder with fixtures, and the real binary run in it the way a
//! user runs it. On failure, everything needed to see why is printed.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Workdir {
    dir: tempfile::TempDir,
}

pub struct Run {
    pub cmd: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Standard output exactly as written (`stdout` is its lossy text).
    pub stdout_bytes: Vec<u8>,
    /// The signal that ended the process, if one did (`code` is then -1).
    pub signal: Option<i32>,
}

impl Run {
    fn describe(&self) -> String {
        format!("command: {}\nexit: {}\n--- stdout\n{}\n--- stderr\n{}", self.cmd, self.code, self.stdout, self.stderr)
    }

    /// Asserts the exit code; returns self for more checks.
    #[track_caller]
    pub fn code(&self, want: i32) -> &Run {
        assert_eq!(self.code, want, "unexpected exit code\n{}", self.describe());
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Run {
        assert!(self.stderr.contains(needle), "stderr lacks {needle:?}\n{}", self.describe());
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Run {
        assert!(self.stdout.contains(needle), "stdout lacks {needle:?}\n{}", self.describe());
        self
    }
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> &Workdir {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, contents).expect("write fixture");
        self
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    pub fn exists(&self, name: &str) -> bool {
        self.path(name).exists()
    }

    /// Runs leadroute with these arguments in the folder.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_stdin(args, None)
    }

    /// Runs leadroute with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.run_full(args, None, env)
    }

    pub fn run_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        self.run_full(args, stdin, &[])
    }

    fn run_full(&self, args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_leadroute"));
        cmd.envs(env.iter().copied());
        cmd.args(args).current_dir(self.dir.path());
        cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn leadroute");
        if let Some(input) = stdin {
            let mut s = child.stdin.take().expect("stdin");
            s.write_all(input).expect("write stdin");
        }
        let out = child.wait_with_output().expect("wait");
        finished(args, out.status, out.stdout, &out.stderr)
    }

    /// Runs leadroute and kills it when it takes longer than `limit`: None
    /// when it had to be killed (a hang). Standard input is fed, and the
    /// output pipes drained, on their own threads, so a child that stops
    /// reading or writes a lot never blocks the wait.
    pub fn run_limited(&self, args: &[&str], stdin: Option<&[u8]>, limit: Duration) -> Option<Run> {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_leadroute"));
        cmd.args(args).current_dir(self.dir.path());
        cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn leadroute");
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            let input = input.to_vec();
            // A child that fails before reading closes the pipe: not an error here.
            std::thread::spawn(move || pipe.write_all(&input));
        }
        let out = drain(child.stdout.take().expect("stdout"));
        let err = drain(child.stderr.take().expect("stderr"));
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break Some(status);
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let (out, err) = (out.join().expect("stdout reader"), err.join().expect("stderr reader"));
        status.map(|s| finished(args, s, out, &err))
    }

    /// Parses a CSV output back into rows (header included).
    pub fn csv(&self, name: &str) -> Vec<Vec<String>> {
        parse_csv(&self.read(name), b',')
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        buf
    })
}

fn finished(args: &[&str], status: std::process::ExitStatus, stdout: Vec<u8>, stderr: &[u8]) -> Run {
    #[cfg(unix)]
    let signal = std::os::unix::process::ExitStatusExt::signal(&status);
    #[cfg(not(unix))]
    let signal = None;
    Run {
        cmd: format!("leadroute {}", args.join(" ")),
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(stderr).into_owned(),
        stdout_bytes: stdout,
        signal,
    }
}

pub fn parse_csv(text: &str, delimiter: u8) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("valid CSV output").iter().map(String::from).collect())
        .collect()
}

/// The value of a named column in each data row.
pub fn column(rows: &[Vec<String>], name: &str) -> Vec<String> {
    let i = rows[0].iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {:?}", rows[0]));
    rows[1..].iter().map(|r| r[i].clone()).collect()
}

/// How leadroute names a ledger in what it prints: a file as given, a
/// PostgreSQL URL as `postgres://user@host:port/db` (no password).
pub fn shown_ledger(ledger: &str) -> String {
    if !(ledger.starts_with("postgres://") || ledger.starts_with("postgresql://")) {
        return ledger.to_string();
    }
    let rest = ledger.split_once("://").map_or(ledger, |(_, r)| r);
    let rest = rest.split('?').next().unwrap_or(rest);
    let (auth, db) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, host) = auth.rsplit_once('@').unwrap_or(("", auth));
    let user = user.split(':').next().unwrap_or(user);
    format!("postgres://{user}@{host}/{db}")
}
