//! `lutforge`: generate, simulate, co-simulate and measure low-bit GEMM cores.

use std::process::ExitCode;

fn main() -> ExitCode {
    // A closed pipe (`lutforge … | head`) ends the process quietly, as for
    // any Unix tool, instead of a panic in `println!`.
    // SAFETY: restoring a signal's default disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    lutforge::main_with(
        &lutforge_hdl::datapath::core::Registry::builtin(),
        std::env::args_os(),
    )
}
