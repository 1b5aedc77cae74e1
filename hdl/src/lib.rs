//! lutforge's hardware description: the IR and its builder, the
//! lane-batched cycle simulator, and the datapath generators.

#![warn(missing_docs)]

pub mod board;
pub mod datapath;
pub mod ir;
pub mod sim;
