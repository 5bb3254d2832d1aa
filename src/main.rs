//! Thin entry point: parse the command line and run the console, the sandbox or a headless
//! command. Usage errors exit with 2 (clap's convention, documented in the README).

use clap::Parser;

fn main() -> std::process::ExitCode {
    till::tui::metrics::mark_process_start();
    // Kept as given, so an argument that is not UTF-8 can be found and named in the error.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match till::cli::Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are "errors" to clap but successes to the user.
            if !e.use_stderr() {
                let _ = e.print();
                return std::process::ExitCode::from(0);
            }
            eprintln!("till: {} (see `till --help`)", till::cli::usage_error(&e, &args));
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("till: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let code = runtime.block_on(till::cli::run(cli));
    std::process::ExitCode::from(code as u8)
}
