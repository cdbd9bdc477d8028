//! The binary edge: run, and map an error to one clear line on standard error
//! and the contract's exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    match leadroute::run() {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let code = leadroute::error::exit_code(&e);
            // A closed pipe is the reader's choice, not an error: no message.
            if code != leadroute::error::CLOSED_PIPE {
                eprintln!("leadroute: error: {e:#}");
            }
            ExitCode::from(code)
        }
    }
}
