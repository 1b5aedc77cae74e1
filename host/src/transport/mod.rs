//! The byte link between host and board: one trait served by the serial
//! port, an in-memory pair (simulation and tests), a simulated board in a
//! child process and a noisy wrapper.

mod memory;
mod noisy;
mod serial;
mod sim;

use std::time::Instant;

pub use memory::MemoryTransport;
pub use noisy::NoisyLine;
pub use serial::SerialTransport;
pub use sim::SimTransport;

/// A byte link to the board (or, on the board's side, to the host).
pub trait Transport {
    /// The link's name in messages (the port's path, `memory`, …).
    fn name(&self) -> &str;

    /// Sends every byte of `bytes`.
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), LinkError>;

    /// Reads some bytes into `buf`, waiting until `deadline` at most;
    /// `Ok(0)` means the deadline passed with nothing to read.
    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> Result<usize, LinkError>;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn name(&self) -> &str {
        (**self).name()
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        (**self).write_all(bytes)
    }

    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> Result<usize, LinkError> {
        (**self).read(buf, deadline)
    }
}

/// A link that failed, in one line that names the port.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The port's device file is not there.
    #[error(
        "serial port {port} does not exist; is the board plugged in? `ls /dev/ttyUSB*` lists the ports"
    )]
    NoSuchPort {
        /// The port's path.
        port: String,
    },
    /// Another program holds the port.
    #[error(
        "serial port {port} is busy: another program holds it (`fuser {port}` names it); close it and try again"
    )]
    Busy {
        /// The port's path.
        port: String,
    },
    /// The port exists but may not be opened by this user.
    #[error(
        "no permission to open serial port {port}: add yourself to the port's group (often `dialout`) and log in again"
    )]
    Permission {
        /// The port's path.
        port: String,
    },
    /// Opening the port failed for another reason.
    #[error("cannot open serial port {port}: {reason}")]
    Open {
        /// The port's path.
        port: String,
        /// What the system said.
        reason: String,
    },
    /// The far end went away (a memory link dropped, a board unplugged).
    #[error("the link {port} closed: was the board unplugged?")]
    Closed {
        /// The link's name.
        port: String,
    },
    /// Reading or writing failed.
    #[error("{port}: {reason}")]
    Io {
        /// The link's name.
        port: String,
        /// What the system said.
        reason: String,
    },
}
