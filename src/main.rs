//! The `eventgraph` binary: a shim over [`eventgraph::cli`].

/// mimalloc: the request path allocates many small strings from several threads, where
/// glibc's allocator spent a sixth of the time (measured with perf under wrk).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    match eventgraph::cli::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("eventgraph: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
