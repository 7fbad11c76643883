//! The `supportsim` binary: parses the command line via the library and maps errors to exit code 2.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match supportsim::cli::main_with_args(args) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            let text = e.to_string();
            eprint!("error: {text}");
            if !text.ends_with('\n') {
                eprintln!();
            }
            std::process::exit(2);
        }
    }
}
