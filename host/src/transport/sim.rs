//! A simulated board in a child process: the link's bytes go to its stdin
//! and come from its stdout in tagged messages (the format of the board
//! simulation built by `lutforge_fpga::boards::sim`):
//!
//! - to the simulation: `0x00 LEN(u16 le) BYTES` puts BYTES on the line,
//!   `0x01` asks for the simulated cycles, `0x02 N(u32 le)` lets N cycles of
//!   quiet line pass;
//! - from it: `0x00 BYTE` a byte the board sent, `0x01 CYCLES(u64 le)`,
//!   `0x02 M(u32 le)` "idle after your first M messages".
//!
//! The simulation's time stops while it is idle, so a read that finds it
//! idle with nothing to deliver is a time-out at once, whatever the wall
//! clock says: the board would never answer. The next write first lets the
//! host's time-out pass on the simulated line (`quiet_cycles`), so the
//! board's quiet-line rule sees the silence a real host's wait makes.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use super::{LinkError, Transport};

/// What the simulation said.
enum Event {
    Byte(u8),
    Cycles(u64),
    Idle(u32),
    Closed,
}

struct Inner {
    stdin: Option<ChildStdin>,
    events: Receiver<Event>,
    pending: VecDeque<u8>,
    sent: u32,
    idle_after: Option<u32>,
    cycles: Option<u64>,
    timed_out: bool,
    closed: bool,
}

/// The link to a simulated board running as a child process.
pub struct SimTransport {
    name: String,
    child: Child,
    inner: RefCell<Inner>,
    quiet_cycles: u32,
    patience: Duration,
}

impl std::fmt::Debug for SimTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimTransport")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl SimTransport {
    /// Starts `program` with `args`, named `name` in messages; after a
    /// time-out the line stays quiet for `quiet_cycles` simulated cycles.
    pub fn spawn(
        program: &Path,
        args: &[String],
        name: impl Into<String>,
        quiet_cycles: u32,
    ) -> Result<Self, LinkError> {
        let name = name.into();
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| LinkError::Open {
                port: name.clone(),
                reason: format!("cannot start {}: {e}", program.display()),
            })?;
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().ok_or_else(|| LinkError::Open {
            port: name.clone(),
            reason: "no stdout".into(),
        })?;
        let (tx, events) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let mut bytes: Vec<u8> = Vec::new();
            loop {
                let n = match stdout.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                bytes.extend_from_slice(&buf[..n]);
                let mut at = 0;
                while at < bytes.len() {
                    let need = match bytes[at] {
                        0x00 => 2,
                        0x01 => 9,
                        0x02 => 5,
                        _ => {
                            let _ = tx.send(Event::Closed);
                            return;
                        }
                    };
                    if bytes.len() - at < need {
                        break;
                    }
                    let field = &bytes[at + 1..at + need];
                    let value = field
                        .iter()
                        .rev()
                        .fold(0u64, |v, &b| (v << 8) | u64::from(b));
                    let event = match bytes[at] {
                        0x00 => Event::Byte(field[0]),
                        0x01 => Event::Cycles(value),
                        _ => Event::Idle(value as u32),
                    };
                    if tx.send(event).is_err() {
                        return;
                    }
                    at += need;
                }
                bytes.drain(..at);
            }
            let _ = tx.send(Event::Closed);
        });
        Ok(SimTransport {
            name,
            child,
            inner: RefCell::new(Inner {
                stdin,
                events,
                pending: VecDeque::new(),
                sent: 0,
                idle_after: None,
                cycles: None,
                timed_out: false,
                closed: false,
            }),
            quiet_cycles,
            patience: Duration::from_secs(120),
        })
    }

    fn closed(&self) -> LinkError {
        LinkError::Closed {
            port: self.name.clone(),
        }
    }

    /// Sends one message to the simulation.
    fn send(&self, inner: &mut Inner, message: &[u8]) -> Result<(), LinkError> {
        let stdin = inner.stdin.as_mut().ok_or_else(|| self.closed())?;
        stdin
            .write_all(message)
            .and_then(|()| stdin.flush())
            .map_err(|_| self.closed())?;
        inner.sent += 1;
        Ok(())
    }

    /// Takes the next event, waiting at most the transport's patience.
    fn next_event(&self, inner: &mut Inner) -> Result<(), LinkError> {
        if inner.closed {
            return Err(self.closed());
        }
        match inner.events.recv_timeout(self.patience) {
            Ok(Event::Byte(b)) => inner.pending.push_back(b),
            Ok(Event::Cycles(c)) => inner.cycles = Some(c),
            Ok(Event::Idle(m)) => inner.idle_after = Some(m),
            Ok(Event::Closed) | Err(RecvTimeoutError::Disconnected) => {
                inner.closed = true;
                return Err(self.closed());
            }
            Err(RecvTimeoutError::Timeout) => {
                return Err(LinkError::Io {
                    port: self.name.clone(),
                    reason: format!(
                        "the simulation made no progress in {} s",
                        self.patience.as_secs()
                    ),
                });
            }
        }
        Ok(())
    }

    /// The simulated cycles so far, counted as the simulation counts them
    /// (the quiet stretches while it waits for the host left out).
    pub fn cycles(&self) -> Result<u64, LinkError> {
        let mut inner = self.inner.borrow_mut();
        inner.cycles = None;
        self.send(&mut inner, &[0x01])?;
        loop {
            if let Some(c) = inner.cycles.take() {
                return Ok(c);
            }
            self.next_event(&mut inner)?;
        }
    }
}

impl Drop for SimTransport {
    fn drop(&mut self) {
        self.inner.get_mut().stdin = None;
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Transport for SimTransport {
    fn name(&self) -> &str {
        &self.name
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        let mut inner = self.inner.borrow_mut();
        if inner.timed_out {
            inner.timed_out = false;
            let mut m = vec![0x02];
            m.extend(self.quiet_cycles.to_le_bytes());
            self.send(&mut inner, &m)?;
        }
        for chunk in bytes.chunks(usize::from(u16::MAX)) {
            let mut m = Vec::with_capacity(3 + chunk.len());
            m.push(0x00);
            m.extend((chunk.len() as u16).to_le_bytes());
            m.extend_from_slice(chunk);
            self.send(&mut inner, &m)?;
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], _deadline: Instant) -> Result<usize, LinkError> {
        let mut inner = self.inner.borrow_mut();
        loop {
            if !inner.pending.is_empty() {
                let n = buf.len().min(inner.pending.len());
                for (slot, byte) in buf.iter_mut().zip(inner.pending.drain(..n)) {
                    *slot = byte;
                }
                return Ok(n);
            }
            if inner.idle_after == Some(inner.sent) {
                inner.timed_out = true;
                return Ok(0);
            }
            self.next_event(&mut inner)?;
        }
    }
}
