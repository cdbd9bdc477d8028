//! Phase timings on standard error when `LEADROUTE_TIMINGS` is set: where the
//! time and the memory go, for the benchmark.

use std::time::Instant;

pub struct Phases {
    on: bool,
    last: Instant,
    marks: Vec<(&'static str, f64, Option<u64>)>,
}

impl Phases {
    pub fn new(started: Instant) -> Phases {
        Phases { on: std::env::var_os("LEADROUTE_TIMINGS").is_some(), last: started, marks: Vec::new() }
    }

    /// Ends the phase `name`: its time, and the peak memory so far.
    pub fn mark(&mut self, name: &'static str) {
        if self.on {
            let now = Instant::now();
            self.marks.push((name, (now - self.last).as_secs_f64(), peak_memory_mb()));
            self.last = now;
        }
    }

    pub fn report(&self) {
        if self.on {
            let parts: Vec<String> = self
                .marks
                .iter()
                .map(|(n, t, peak)| match peak {
                    Some(mb) => format!("{n} {t:.3}s (peak {mb} MB)"),
                    None => format!("{n} {t:.3}s"),
                })
                .collect();
            eprintln!("leadroute timings: {}", parts.join(", "));
        }
    }
}

/// The process's peak resident memory so far (Linux: VmHWM), in MiB.
fn peak_memory_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 =
        status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kb / 1024)
}
