//! An in-memory byte link: two ends, each direction a queue, for the
//! board model in a thread, the simulation and tests.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use super::{LinkError, Transport};

/// One direction of the link: bytes in flight and whether the writer hung up.
#[derive(Debug, Default)]
struct Pipe {
    queue: Mutex<(VecDeque<u8>, bool)>,
    ready: Condvar,
}

impl Pipe {
    fn close(&self) {
        if let Ok(mut q) = self.queue.lock() {
            q.1 = true;
        }
        self.ready.notify_all();
    }
}

/// One end of an in-memory link.
#[derive(Debug)]
pub struct MemoryTransport {
    name: String,
    rx: Arc<Pipe>,
    tx: Arc<Pipe>,
}

impl MemoryTransport {
    /// Two connected ends: what one writes, the other reads.
    pub fn pair() -> (MemoryTransport, MemoryTransport) {
        let a = Arc::new(Pipe::default());
        let b = Arc::new(Pipe::default());
        (
            MemoryTransport {
                name: "memory".into(),
                rx: a.clone(),
                tx: b.clone(),
            },
            MemoryTransport {
                name: "memory".into(),
                rx: b,
                tx: a,
            },
        )
    }

    /// The same end under another name (for messages).
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    fn closed(&self) -> LinkError {
        LinkError::Closed {
            port: self.name.clone(),
        }
    }
}

impl Drop for MemoryTransport {
    fn drop(&mut self) {
        self.tx.close();
        self.rx.close();
    }
}

impl Transport for MemoryTransport {
    fn name(&self) -> &str {
        &self.name
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        let mut q = self.tx.queue.lock().map_err(|_| self.closed())?;
        if q.1 {
            return Err(self.closed());
        }
        q.0.extend(bytes);
        drop(q);
        self.tx.ready.notify_all();
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> Result<usize, LinkError> {
        let mut q = self.rx.queue.lock().map_err(|_| self.closed())?;
        loop {
            if !q.0.is_empty() {
                let n = buf.len().min(q.0.len());
                for (slot, byte) in buf.iter_mut().zip(q.0.drain(..n)) {
                    *slot = byte;
                }
                return Ok(n);
            }
            if q.1 {
                return Err(self.closed());
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(0);
            }
            q = self
                .rx
                .ready
                .wait_timeout(q, deadline - now)
                .map_err(|_| self.closed())?
                .0;
        }
    }
}
