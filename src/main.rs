//! The `supportsim` binary: installs the interrupt handler, runs the command line via the library and maps
//! errors to exit code 2 (130 when interrupted).

use supportsim::cancel::Cancel;

/// How long after the first Ctrl-C or SIGTERM the process may take to stop on its own before it is ended.
/// Every phase checks for the request well within this; the limit is a backstop, not the plan.
const STOP_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // First Ctrl-C (or SIGTERM): stop and clean up. Second, or no stop within STOP_WITHIN: exit at once,
    // leaving at most a hidden unfinished folder, which the next run in the same place removes.
    let cancel = Cancel::new();
    let flag = cancel.clone();
    let handler = ctrlc::set_handler(move || {
        if flag.request() {
            eprintln!("\nsupportsim: interrupted again, exiting now");
            std::process::exit(130);
        }
        eprintln!("\nsupportsim: interrupted, stopping (press Ctrl-C again to exit at once)");
        std::thread::spawn(|| {
            std::thread::sleep(STOP_WITHIN);
            eprintln!("supportsim: did not stop within {} s; exiting now", STOP_WITHIN.as_secs());
            std::process::exit(130);
        });
    });
    let cancel = if handler.is_ok() { cancel } else { Cancel::never() };
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
