//! The binary edge: run, and map an error to one clear line on standard error
//! and the contract's exit code.

use std::process::ExitCode;

use leadroute::error::{self, Exit};

fn main() -> ExitCode {
    let exit = match leadroute::run() {
        Ok(exit) => exit,
        Err(e) => {
            let exit = error::exit_of(&e);
            // A closed pipe is the reader's choice, not an error: no message.
            if exit != Exit::ClosedPipe {
                // Whatever an error quotes (an OS message, a path), it stays one line.
                eprintln!("leadroute: error: {}", error::printable(&format!("{e:#}")));
            }
            exit
        }
    };
    ExitCode::from(exit.code())
}
