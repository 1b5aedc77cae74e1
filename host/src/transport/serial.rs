//! The board's UART through the `serialport` crate (8N1, no flow control).

use std::io::{ErrorKind as IoKind, Read, Write};
use std::time::{Duration, Instant};

use serialport::{ErrorKind, SerialPort};

use super::{LinkError, Transport};

/// A serial port to the board.
pub struct SerialTransport {
    name: String,
    port: Box<dyn SerialPort>,
}

impl std::fmt::Debug for SerialTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialTransport")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The one-line error for a port that would not open.
fn open_error(port: &str, e: serialport::Error) -> LinkError {
    let port = port.to_string();
    match e.kind() {
        ErrorKind::Io(IoKind::NotFound) => LinkError::NoSuchPort { port },
        ErrorKind::NoDevice => LinkError::Busy { port },
        ErrorKind::Io(IoKind::PermissionDenied) => LinkError::Permission { port },
        _ => LinkError::Open {
            port,
            reason: e.description,
        },
    }
}

impl SerialTransport {
    /// Opens `port` at `baud` bits a second, 8N1, exclusively.
    pub fn open(port: &str, baud: u32) -> Result<Self, LinkError> {
        if !std::path::Path::new(port).exists() {
            return Err(LinkError::NoSuchPort { port: port.into() });
        }
        let opened = serialport::new(port, baud)
            .data_bits(serialport::DataBits::Eight)
            .parity(serialport::Parity::None)
            .stop_bits(serialport::StopBits::One)
            .flow_control(serialport::FlowControl::None)
            .timeout(Duration::from_millis(100))
            .open()
            .map_err(|e| open_error(port, e))?;
        Ok(SerialTransport {
            name: port.into(),
            port: opened,
        })
    }

    /// A transport over a port opened elsewhere (a pseudo-terminal in tests), named `name`.
    pub fn from_port(port: Box<dyn SerialPort>, name: impl Into<String>) -> Self {
        SerialTransport {
            name: name.into(),
            port,
        }
    }

    fn io(&self, e: std::io::Error) -> LinkError {
        match e.kind() {
            IoKind::BrokenPipe | IoKind::NotConnected | IoKind::UnexpectedEof => {
                LinkError::Closed {
                    port: self.name.clone(),
                }
            }
            _ => LinkError::Io {
                port: self.name.clone(),
                reason: e.to_string(),
            },
        }
    }
}

impl Transport for SerialTransport {
    fn name(&self) -> &str {
        &self.name
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        self.port
            .write_all(bytes)
            .and_then(|()| self.port.flush())
            .map_err(|e| self.io(e))
    }

    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> Result<usize, LinkError> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(0);
            }
            self.port.set_timeout(left).map_err(|e| LinkError::Io {
                port: self.name.clone(),
                reason: e.description,
            })?;
            match self.port.read(buf) {
                Ok(0) => {
                    return Err(LinkError::Closed {
                        port: self.name.clone(),
                    });
                }
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == IoKind::TimedOut || e.kind() == IoKind::WouldBlock => {}
                Err(e) if e.kind() == IoKind::Interrupted => {}
                Err(e) => return Err(self.io(e)),
            }
        }
    }
}
