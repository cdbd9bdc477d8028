//! `leadroute completions SHELL` and `leadroute man [COMMAND]`: generated from
//! the same clap definitions as the command line itself, so they cannot
//! drift from it.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::error::{Error, Exit, name_list};
use crate::output;

/// The completion script for one shell, on standard output.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<Exit> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "leadroute", &mut script);
    output::write_csv_stdout(|w| w.write_all(&script))?;
    Ok(Exit::Success)
}

/// The manual page of leadroute, or of one command (`leadroute-assign(1)`),
/// as roff on standard output.
pub fn man(args: &ManArgs) -> anyhow::Result<Exit> {
    let mut top = Cli::command();
    top.build();
    let page = match &args.command {
        None => top,
        Some(name) => {
            let Some(sub) = top.find_subcommand(name) else {
                let names: Vec<&str> = top.get_subcommands().map(|c| c.get_name()).collect();
                return Err(Error::usage(format!(
                    "man {name}: no such command; expected one of: {}",
                    name_list(names.into_iter())
                ))
                .into());
            };
            let full = format!("leadroute-{}", sub.get_name());
            sub.clone().name(full.clone()).bin_name(full.replace('-', " ")).version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page).render(&mut roff)?;
    output::write_csv_stdout(|w| w.write_all(&roff))?;
    Ok(Exit::Success)
}
