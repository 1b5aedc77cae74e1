//! One module per subcommand.

pub mod bench;
pub mod cosim;
pub mod gen_core;
pub mod sim;
pub mod tools;
