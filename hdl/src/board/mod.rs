//! Generators of the board shell's blocks: the ones a board top needs
//! around an engine (the UART today).

pub mod uart;
