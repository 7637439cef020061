//! The `eventgraph` binary: a shim over [`eventgraph::cli`].

fn main() -> std::process::ExitCode {
    match eventgraph::cli::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("eventgraph: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
