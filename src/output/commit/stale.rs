//! Temporary files that a killed run left next to a target: removed when
//! their run is dead, or (a kept previous output) named on standard error.

use std::io;
use std::path::Path;

use super::folder_of;

/// What a leftover file next to `target` is, by its exact name:
/// `.NAME.PID.XXXXXX.tmp` (an unfinished output) or `.NAME.PID.bak` (a
/// previous output kept during a commit). Anything else (another target's
/// files, `.out.csv.2024.…` for a target named `out.csv.2024`) is `None`.
fn leftover(target_name: &str, file: &str) -> Option<(u32, bool)> {
    let rest = file.strip_prefix('.')?.strip_prefix(target_name)?.strip_prefix('.')?;
    let parts: Vec<&str> = rest.split('.').collect();
    let pid = parts.first()?.parse::<u32>().ok()?;
    match parts[..] {
        [_, random, "tmp"] if !random.is_empty() && random.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Some((pid, false))
        }
        [_, "bak"] => Some((pid, true)),
        _ => None,
    }
}

/// Removes the unfinished outputs for `target` that a run no longer alive
/// left (killed by SIGKILL or SIGXFSZ, or a power cut), and says so. A kept
/// previous output (`.bak`) of a dead run is never removed: the run died in
/// its commit, or could not put it back, so it may be the only copy of that
/// output. It is named on standard error until someone deletes it.
pub(super) fn remove_stale(target: &Path) {
    let dir = folder_of(target);
    let Some(name) = target.file_name() else { return };
    let name = name.to_string_lossy();
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let (mut removed, mut kept) = (Vec::new(), Vec::new());
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        let Some((pid, backup)) = leftover(&name, &file) else { continue };
        if pid == std::process::id() || process_alive(pid) || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        if backup {
            kept.push(file.into_owned());
        } else if std::fs::remove_file(entry.path()).is_ok() {
            removed.push(file.into_owned());
        }
    }
    if !removed.is_empty() {
        removed.sort();
        eprintln!(
            "leadroute: removed {} temporary file{} left by an interrupted run in '{}': {}",
            removed.len(),
            if removed.len() == 1 { "" } else { "s" },
            dir.display(),
            removed.join(", ")
        );
    }
    let kept: Vec<String> = kept
        .iter()
        .map(|file| {
            format!(
                "'{file}' in '{}' is a previous {name} that a run killed while committing (or unable to put it \
                 back) left; leadroute keeps it: compare it with {name} and delete it",
                dir.display()
            )
        })
        .collect();
    let _ = crate::output::write_stderr(&crate::output::warning_lines(&kept));
}

/// Whether a process with this id exists (one we may not signal still counts).
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return true };
    if pid <= 0 {
        return true;
    }
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Without a way to ask, every process is taken to be alive: nothing is removed.
#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}
