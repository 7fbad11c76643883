//! The `supportsim` binary: installs the interrupt handler, runs the command line via the library and maps
//! errors to exit code 2 (130 when interrupted).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // First Ctrl-C (or SIGTERM): stop at the next day boundary and clean up. Second: exit at once.
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let handler = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            eprintln!("\nsupportsim: interrupted again, exiting now");
            std::process::exit(130);
        }
        eprintln!("\nsupportsim: interrupted, stopping at the next day boundary (press Ctrl-C again to exit at once)");
    });
    let cancel = handler.ok().map(|_| cancel);
    match supportsim::cli::main_with_args(args, cancel) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            let text = e.to_string();
            eprint!("error: {text}");
            if !text.ends_with('\n') {
                eprintln!();
            }
            std::process::exit(
                if matches!(e, supportsim::Error::Interrupted | supportsim::Error::SweepInterrupted { .. }) {
                    130
                } else {
                    2
                },
            );
        }
    }
}
