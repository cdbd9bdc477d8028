//! Faults the reliability tests inject into the commit.

/// Faults injected by the reliability tests through `LEADROUTE_FAULT`
/// (comma-separated): `commit-pause=MS` sleeps before every rename but the
/// first, so a test can signal a run in the middle of its commit;
/// `before-renames=MS` sleeps once before the first rename (after a
/// ledger's commit: a test can kill a run recorded but not delivered);
/// `rename-fails=N` makes the Nth rename fail.
#[derive(Default)]
pub(super) struct Fault {
    pause_ms: u64,
    before_ms: u64,
    pub(super) rename_fails: Option<usize>,
}

impl Fault {
    pub(super) fn from_env() -> Fault {
        let mut f = Fault::default();
        let Some(spec) = std::env::var_os("LEADROUTE_FAULT") else { return f };
        for part in spec.to_string_lossy().split(',') {
            match part.split_once('=') {
                Some(("commit-pause", ms)) => f.pause_ms = ms.trim().parse().unwrap_or(0),
                Some(("before-renames", ms)) => f.before_ms = ms.trim().parse().unwrap_or(0),
                Some(("rename-fails", n)) => f.rename_fails = n.trim().parse().ok(),
                _ => {}
            }
        }
        f
    }

    pub(super) fn before_renames(&self) {
        if self.before_ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(self.before_ms));
        }
    }

    pub(super) fn pause(&self) {
        if self.pause_ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(self.pause_ms));
        }
    }
}
