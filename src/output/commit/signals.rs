//! SIGINT, SIGTERM and SIGHUP during a run: before the commit they remove the
//! run's temporary files and exit 130; during the commit (and, with a ledger,
//! from the ledger's commit on) they are held until it ends; after it they only
//! say that the outputs are complete.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where the run is, as the signal handler sees it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Before the commit: an interrupt removes the temporary files and exits 130.
    Working,
    /// Renaming: an interrupt is held until the commit ends.
    Committing,
    /// The outputs are in place: an interrupt no longer changes anything.
    Committed,
}

struct Guard {
    phase: Phase,
    /// Temporary files not yet renamed into place.
    temporary: Vec<PathBuf>,
    /// The folders and name prefixes (`.NAME.PID.`) of this run's temporary
    /// files, registered before each is created: an interrupt in between
    /// still finds it.
    prefixes: Vec<(PathBuf, String)>,
    /// An interrupt arrived while committing.
    held: bool,
}

static GUARD: Mutex<Guard> =
    Mutex::new(Guard { phase: Phase::Working, temporary: Vec::new(), prefixes: Vec::new(), held: false });

fn guard() -> std::sync::MutexGuard<'static, Guard> {
    GUARD.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What the run says when an interrupt came after its outputs were written.
pub(super) const AFTER_COMMIT: &str = "leadroute: interrupted after the outputs were written; they are complete";

/// Installs the interrupt handler once (SIGINT, SIGTERM, SIGHUP).
pub fn clean_up_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        let mut g = guard();
        match g.phase {
            Phase::Working => exit_interrupted(&g),
            Phase::Committing => g.held = true,
            Phase::Committed => eprintln!("{AFTER_COMMIT}"),
        }
    });
}

/// Removes this run's temporary files and exits 130.
fn exit_interrupted(g: &Guard) -> ! {
    for p in &g.temporary {
        let _ = std::fs::remove_file(p);
    }
    for (dir, prefix) in &g.prefixes {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(prefix.as_str()) && name.ends_with(".tmp") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    eprintln!("leadroute: interrupted; no output was written");
    std::process::exit(i32::from(crate::error::Exit::Interrupted.code()));
}

fn clean_up_now() -> ! {
    exit_interrupted(&guard())
}

/// Moves to `phase`; returns whether an interrupt was held (and forgets it),
/// except when entering `Committing`, which keeps one held since an earlier
/// `hold_interrupts`.
pub(super) fn set_phase(phase: Phase) -> bool {
    let mut g = guard();
    g.phase = phase;
    if phase == Phase::Committing { false } else { std::mem::take(&mut g.held) }
}

/// SIGINT, SIGTERM and SIGHUP held from its creation until `Outputs::commit`
/// ends (a ledger records the run just before the outputs are renamed: both or
/// neither). Dropped while still holding (a failure before or in the commit),
/// it lets them through again, and an interrupt held meanwhile exits 130 as it
/// would have.
#[must_use = "interrupts are held only while this lives"]
pub struct InterruptsHeld(());

impl InterruptsHeld {
    pub fn hold() -> InterruptsHeld {
        set_phase(Phase::Committing);
        InterruptsHeld(())
    }
}

impl Drop for InterruptsHeld {
    fn drop(&mut self) {
        // After a good commit the outputs are in place: nothing to release.
        if guard().phase == Phase::Committing && set_phase(Phase::Working) {
            clean_up_now();
        }
    }
}

/// Registers the folder and name prefix of a temporary file about to be
/// created: an interrupt from now on removes it.
pub(super) fn watch_prefix(dir: PathBuf, prefix: String) {
    guard().prefixes.push((dir, prefix));
}

/// Registers a temporary file: an interrupt before the commit removes it.
pub(super) fn watch_temporary(path: PathBuf) {
    guard().temporary.push(path);
}

pub(super) fn forget_temporary(path: &Path) {
    guard().temporary.retain(|p| p != path);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase() -> Phase {
        guard().phase
    }

    /// The hold ends where `hold_interrupts`/`release_interrupts` ended it:
    /// dropped before the commit (a failed ledger commit) it lets interrupts
    /// through again; after a good commit the outputs stay committed.
    #[test]
    fn a_hold_ends_at_its_drop_unless_the_outputs_were_committed() {
        {
            let _held = InterruptsHeld::hold();
            assert!(phase() == Phase::Committing);
        }
        assert!(phase() == Phase::Working);
        let held = InterruptsHeld::hold();
        super::super::Outputs::new(true).commit().unwrap();
        assert!(phase() == Phase::Committed);
        drop(held);
        assert!(phase() == Phase::Committed);
        set_phase(Phase::Working);
    }
}
