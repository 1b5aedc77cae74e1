//! One module per subcommand.

pub mod bench;
pub mod board;
pub mod cores;
pub mod cosim;
pub mod flow;
pub mod flow_linear;
pub mod gen_core;
pub mod host;
pub mod layer;
pub mod layer_mx;
pub mod layer_mx_linear;
pub mod layer_mx_map;
pub mod linear;
pub mod sim;
pub mod sweep;
pub mod tools;
