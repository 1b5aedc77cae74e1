//! Generators of the board shell's blocks: the UART, the command processor
//! of the host protocol and `NAME_board`, the board's logic around one
//! linear engine ([`board_core`]).

pub mod board_core;
pub mod cmdproc;
pub mod crc16;
pub mod net;
pub mod params;
pub mod uart;

pub use board_core::{BoardFacts, GeneratedBoard, board_module_name, generate, generate_hashed};
pub use params::{BoardCoreParams, BoardInfo, Sizes};
