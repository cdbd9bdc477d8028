//! Everything leadroute writes. Files go through one atomic helper
//! (`commit`): a temporary file in the target's folder, renamed into place only
//! when the whole run has succeeded, all outputs or none.

mod commit;
pub mod render;

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

/// How many rejected rows the summary and `check` list.
pub const REJECTS_SHOWN: usize = 10;

pub use commit::{InterruptsHeld, Outputs, check_paths, clean_up_on_interrupt};

use crate::error::Error;

/// Where one output goes.
pub enum Target {
    Stdout,
    File(PathBuf),
}

impl Target {
    /// `-` or absent means standard output.
    /// So is a device or pipe that is this process's standard output
    /// (`-o /dev/stdout`): the summary then goes to standard error, and a
    /// reader that closes early ends the run with 141, as for `-`.
    pub fn from_arg(arg: Option<&str>) -> Target {
        match arg {
            None | Some("-") => Target::Stdout,
            Some(p) if is_stdout(std::path::Path::new(p)) => Target::Stdout,
            Some(p) => Target::File(PathBuf::from(p)),
        }
    }
}

/// Whether `path` is a device or pipe that is this process's standard output.
#[cfg(target_os = "linux")]
fn is_stdout(path: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let (Ok(p), Ok(out)) = (std::fs::metadata(path), std::fs::metadata("/proc/self/fd/1")) else { return false };
    !p.is_file() && p.dev() == out.dev() && p.ino() == out.ino() && p.rdev() == out.rdev()
}

#[cfg(not(target_os = "linux"))]
fn is_stdout(_path: &std::path::Path) -> bool {
    false
}

/// Warning lines for standard error: `leadroute: warning: ` and one problem
/// per line, each made printable whole (a line break in a team name or a
/// cell cannot split one problem into two lines).
pub fn warning_lines<S: AsRef<str>>(problems: &[S]) -> String {
    problems.iter().map(|p| format!("leadroute: warning: {}\n", crate::error::printable(p.as_ref()))).collect()
}

/// Writes a report for people (tables, `explain`, what a command did) to
/// standard output, with every character that could steer a terminal
/// escaped (export cells and rule names are untrusted text).
pub fn write_report(text: &str) -> Result<(), Error> {
    let text = crate::error::printable_lines(text);
    write_stdout(|w| w.write_all(text.as_bytes()))
}

/// Writes a report to standard output; a closed pipe (`| head`) is not an
/// error: the reader has what it wanted.
fn write_stdout(f: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>) -> Result<(), Error> {
    let mut w = BufWriter::with_capacity(1 << 16, io::stdout());
    match f(&mut w).and_then(|_| w.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(stdout_failed("standard output", &e)),
    }
}

/// Writes the CSV to standard output. A reader that closes early (`| head`)
/// ends the run quietly with exit 141, before anything else is written.
pub fn write_csv_stdout(f: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>) -> Result<(), Error> {
    let mut w = BufWriter::with_capacity(1 << 16, io::stdout());
    match f(&mut w).and_then(|_| w.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(Error::ClosedPipe),
        Err(e) => Err(stdout_failed("standard output", &e)),
    }
}

/// Writes the summary table to standard error (when the CSV went to standard output).
pub fn write_stderr(text: &str) -> Result<(), Error> {
    let text = crate::error::printable_lines(text);
    match io::stderr().write_all(text.as_bytes()).and_then(|_| io::stderr().flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(stdout_failed("standard error", &e)),
    }
}

fn stdout_failed(what: &str, e: &io::Error) -> Error {
    Error::output(format!("<{what}>: write failed: {}; no output file was written", e))
}
