//! The `govaudit` binary: runs the command and chooses the exit code
//! (0 ok, 1 the command hit a fatal problem, 2 bad usage or bad input).

mod cli;

// The crawl allocates and frees many small strings (URLs, anchors, tokens) on several threads;
// mimalloc does that faster than the system allocator (measured in bench/runs/).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use govaudit::crawl::channels;

fn main() -> ExitCode {
    // The crawl reads each PDF in a child process of this binary (a hostile PDF can abort or
    // hang its reader): see `govaudit::crawl::channels::pdf_text`.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == channels::PDF_CHILD_ARG)
    {
        return channels::pdf_child();
    }
    match cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A closed pipe (`govaudit pages | head`) is not an error.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("govaudit: {}", cli::printable(&format!("{err:#}")));
            let bad_input = err.chain().any(|e| {
                e.downcast_ref::<cli::BadInput>().is_some()
                    || e.downcast_ref::<govaudit::Error>()
                        .is_some_and(|g| g.is_bad_input())
            });
            if bad_input {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
