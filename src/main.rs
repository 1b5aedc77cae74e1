//! `lutforge`: generate, simulate, co-simulate and measure low-bit GEMM cores.

use std::process::ExitCode;

fn main() -> ExitCode {
    lutforge::main_with(
        &lutforge_hdl::datapath::core::Registry::builtin(),
        std::env::args_os(),
    )
}
