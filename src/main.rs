//! The binary edge: run, and map an error to one clear line on standard error
//! and the contract's exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    match leadroute::run() {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("leadroute: error: {e:#}");
            ExitCode::from(leadroute::error::exit_code(&e))
        }
    }
}
