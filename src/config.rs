//! What a command starts from, checked once: the rules (loaded, `--set`
//! applied, validated), the as-of date, and how output is decorated (tables
//! drawn for a terminal or plain for a pipe; the progress bar shown or hidden).
//! Everything here fails with exit 2; nothing below sees clap.

use std::io::IsTerminal;
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::Error;
use crate::rules::{self, Rules};

/// The checked configuration every command starts from.
pub struct Config {
    pub rules: Rules,
    /// The day that day-based criteria count from (a day number).
    pub as_of: i32,
    /// The run's clock (docs/reference.md §11.1): `--as-of`, or now; to the minute.
    pub clock: jiff::Timestamp,
    pub decoration: Decoration,
}

impl Config {
    /// The configuration of the options every command shares.
    pub fn from_common(c: &crate::cli::Common, quiet: bool) -> anyhow::Result<Config> {
        Config::load(&c.rules, &c.set, c.as_of.as_deref(), quiet)
    }

    /// Loads `rules` with the `--set` overrides and reads `--as-of`.
    pub fn load(rules: &str, set: &[String], as_of: Option<&str>, quiet: bool) -> anyhow::Result<Config> {
        // The argument's form is checked before the rules are read (its
        // zone comes from them).
        if let Some(s) = as_of {
            clock(Some(s), &jiff::tz::TimeZone::UTC)?;
        }
        let rules = rules::load(Path::new(rules), set)?;
        let zone = rules.zone();
        let clock = clock(as_of, &zone)?;
        let as_of = crate::support::date::day_in(clock, &zone);
        Ok(Config { rules, as_of, clock, decoration: Decoration::detect(quiet) })
    }
}

/// The run's clock: `--as-of` (a date, or a date and time) read in `zone`,
/// or now when absent.
pub fn clock(arg: Option<&str>, zone: &jiff::tz::TimeZone) -> Result<jiff::Timestamp, Error> {
    match arg {
        None => Ok(crate::support::date::now()),
        Some(s) => crate::support::date::parse_clock(s, zone).ok_or_else(|| {
            Error::usage(format!(
                "--as-of '{s}': expected a real date as YYYY-MM-DD, or a date and time as YYYY-MM-DDTHH:MM[:SS] \
                 (with Z or ±HH:MM, else in [routing] timezone), e.g. --as-of 2026-11-01"
            ))
        }),
    }
}

/// Decided once per run: whether tables are drawn (a terminal) or plain (a
/// pipe, a file, a cron mail), and whether a progress bar is drawn.
#[derive(Clone, Copy, Debug)]
pub struct Decoration {
    pub stdout_plain: bool,
    pub stderr_plain: bool,
    /// A progress bar on standard error: only on a terminal, never with `-q`.
    pub progress: bool,
}

impl Decoration {
    pub fn detect(quiet: bool) -> Decoration {
        let stderr_terminal = std::io::stderr().is_terminal();
        Decoration {
            stdout_plain: !std::io::stdout().is_terminal(),
            stderr_plain: !stderr_terminal,
            progress: stderr_terminal && !quiet,
        }
    }

    /// The progress bar over `len` bytes, or a hidden one (which costs nothing).
    pub fn progress_bar(&self, len: u64) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr_with_hz(10));
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
        {
            bar.set_style(style);
        }
        bar
    }
}
