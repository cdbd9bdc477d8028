//! `leadroute completions SHELL` and `leadroute man [COMMAND]`: generated from
//! the command line's own definitions, so every command and option is there.

use crate::workdir::Workdir;

const COMMANDS: [&str; 8] = ["assign", "score", "check", "explain", "compare", "tune", "learn", "ledger"];

#[test]
fn completion_scripts_name_every_command_for_each_shell() {
    let wd = Workdir::new();
    for (shell, marker) in [
        ("bash", "complete -F _leadroute"),
        ("zsh", "#compdef leadroute"),
        ("fish", "complete -c leadroute"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[leadroute]"),
    ] {
        let run = wd.run(&["completions", shell]);
        run.code(0).stdout_has(marker);
        for command in COMMANDS {
            run.stdout_has(command);
        }
        // Options of a command are completed too.
        run.stdout_has("summary-json");
    }
    wd.run(&["completions", "tcsh"]).code(2).stderr_has("invalid value 'tcsh'");
}

#[test]
fn the_man_page_lists_every_command_and_each_command_has_its_own() {
    let wd = Workdir::new();
    let run = wd.run(&["man"]);
    run.code(0).stdout_has(".TH leadroute 1").stdout_has(".SH SUBCOMMANDS");
    for command in COMMANDS {
        run.stdout_has(&format!("leadroute\\-{command}(1)"));
    }
    let run = wd.run(&["man", "assign"]);
    run.code(0).stdout_has(&format!(".TH leadroute-assign 1  \"leadroute-assign {}\"", env!("CARGO_PKG_VERSION")));
    for option in ["\\-\\-ledger", "\\-\\-dry\\-run", "\\-\\-owners", "\\-\\-as\\-of"] {
        run.stdout_has(option);
    }
    wd.run(&["man", "asign"]).code(2).stderr_has("man asign: no such command; expected one of: 'assign'");
}
