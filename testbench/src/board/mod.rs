//! A board core (`NAME_board`) on the Rust simulator behind a bit-level
//! serial line: bytes written are sent as 8N1 frames on `uart_rx` at the
//! board's clocks per bit, and `uart_tx` is sampled at mid-bit back into
//! bytes. Every cycle's inputs can be recorded to replay the same session
//! in a Verilog simulator.

use std::collections::VecDeque;

use lutforge_hdl::ir::Module;
use lutforge_hdl::sim::{PortHandle, Sim, SimError};

/// The transmitting half of the line model: bytes to bit levels.
#[derive(Debug, Default)]
struct Sender {
    queue: VecDeque<u8>,
    /// The 10 levels of the byte on the line and the cycles sent of it.
    current: Option<(u16, u32)>,
}

impl Sender {
    /// The level this cycle, advancing one cycle.
    fn level(&mut self, cpb: u32) -> u64 {
        if self.current.is_none() {
            self.current = self
                .queue
                .pop_front()
                .map(|b| ((u16::from(b) << 1) | 0x200, 0));
        }
        let Some((frame, t)) = self.current.as_mut() else {
            return 1;
        };
        let level = u64::from(*frame >> (*t / cpb) & 1);
        *t += 1;
        if *t == 10 * cpb {
            self.current = None;
        }
        level
    }

    fn busy(&self) -> bool {
        self.current.is_some() || !self.queue.is_empty()
    }
}

/// The receiving half: bit levels to bytes, sampled at mid-bit.
#[derive(Debug, Default)]
struct Receiver {
    /// Cycles since the start bit's falling edge, while in a byte.
    at: Option<u32>,
    bits: u16,
}

impl Receiver {
    /// Takes this cycle's level; returns a byte when its stop bit is sampled.
    fn sample(&mut self, level: u64, cpb: u32) -> Option<u8> {
        let Some(t) = self.at.as_mut() else {
            if level == 0 {
                self.at = Some(0);
                self.bits = 0;
            }
            return None;
        };
        *t += 1;
        let t = *t;
        if t % cpb == cpb / 2 {
            let bit = t / cpb;
            if bit == 0 && level == 1 {
                self.at = None;
                return None;
            }
            if (1..=8).contains(&bit) {
                self.bits |= (level as u16) << (bit - 1);
            }
            if bit == 9 {
                self.at = None;
                return (level == 1).then_some(self.bits as u8);
            }
        }
        None
    }

    fn busy(&self) -> bool {
        self.at.is_some()
    }
}

/// A board core on the Rust simulator with a serial line on each of its pins.
pub struct BoardLine {
    sim: Sim,
    rst: PortHandle,
    rx: PortHandle,
    tx: PortHandle,
    leds: [PortHandle; 3],
    cpb: u32,
    sender: Sender,
    receiver: Receiver,
    heard: VecDeque<u8>,
    record: Option<Vec<Vec<u64>>>,
    led_error_seen: bool,
}

impl BoardLine {
    /// The board `module` (ports of `NAME_board`) at `clocks_per_bit`, held in reset for 4 cycles.
    pub fn new(module: &Module, clocks_per_bit: u32) -> Result<BoardLine, SimError> {
        Self::with_record(module, clocks_per_bit, false)
    }

    /// As [`BoardLine::new`], recording every cycle's inputs from the first
    /// reset cycle on when `record` is set (see [`BoardLine::recorded`]).
    pub fn with_record(
        module: &Module,
        clocks_per_bit: u32,
        record: bool,
    ) -> Result<BoardLine, SimError> {
        let sim = Sim::new(module, 1)?;
        let rst = sim.input("rst")?;
        let rx = sim.input("uart_rx")?;
        let tx = sim.output("uart_tx")?;
        let leds = [
            sim.output("led_idle")?,
            sim.output("led_busy")?,
            sim.output("led_error")?,
        ];
        let mut line = BoardLine {
            sim,
            rst,
            rx,
            tx,
            leds,
            cpb: clocks_per_bit,
            sender: Sender::default(),
            receiver: Receiver::default(),
            heard: VecDeque::new(),
            record: record.then(Vec::new),
            led_error_seen: false,
        };
        for _ in 0..4 {
            line.cycle(true)?;
        }
        Ok(line)
    }

    /// The inputs recorded so far, one row a cycle (port order: rst, uart_rx).
    pub fn recorded(&mut self) -> Vec<Vec<u64>> {
        self.record.take().unwrap_or_default()
    }

    /// Clock cycles simulated so far.
    pub fn cycles(&self) -> u64 {
        self.sim.cycle()
    }

    /// Whether `led_error` has been lit at any cycle so far.
    pub fn led_error_seen(&self) -> bool {
        self.led_error_seen
    }

    /// The LEDs now: idle, busy, error.
    pub fn leds(&mut self) -> [bool; 3] {
        let [a, b, c] = self.leds.clone();
        [
            self.sim.get(&a, 0, 0) == 1,
            self.sim.get(&b, 0, 0) == 1,
            self.sim.get(&c, 0, 0) == 1,
        ]
    }

    /// Queues bytes to send to the board.
    pub fn send(&mut self, bytes: &[u8]) {
        self.sender.queue.extend(bytes);
    }

    /// One clock cycle of the line and the board.
    fn cycle(&mut self, rst: bool) -> Result<(), SimError> {
        let level = if rst { 1 } else { self.sender.level(self.cpb) };
        let rst_bit = u64::from(rst);
        self.sim.set(&self.rst, 0, 0, rst_bit);
        self.sim.set(&self.rx, 0, 0, level);
        if let Some(r) = &mut self.record {
            r.push(vec![rst_bit, level]);
        }
        let tx = self.sim.get(&self.tx, 0, 0);
        let err = self.leds[2].clone();
        self.led_error_seen |= self.sim.get(&err, 0, 0) == 1;
        if let Some(b) = self.receiver.sample(tx, self.cpb) {
            self.heard.push_back(b);
        }
        self.sim.tick()
    }

    /// Runs until the board has sent at least one byte and the line back is
    /// between bytes, or until `silence` cycles pass after everything queued
    /// was sent with no byte back; returns the bytes heard (empty on silence).
    pub fn listen(&mut self, silence: u64) -> Result<Vec<u8>, SimError> {
        let mut quiet = 0u64;
        loop {
            if !self.heard.is_empty() && !self.receiver.busy() {
                return Ok(self.heard.drain(..).collect());
            }
            if self.sender.busy() || self.receiver.busy() {
                quiet = 0;
            } else {
                quiet += 1;
                if quiet > silence {
                    return Ok(self.heard.drain(..).collect());
                }
            }
            self.cycle(false)?;
        }
    }

    /// Runs `cycles` cycles, keeping what the board sends.
    pub fn run(&mut self, cycles: u64) -> Result<(), SimError> {
        for _ in 0..cycles {
            self.cycle(false)?;
        }
        Ok(())
    }

    /// Sends `frame` and collects the board's bytes until `silence` quiet cycles pass.
    pub fn exchange(&mut self, frame: &[u8], silence: u64) -> Result<Vec<u8>, SimError> {
        self.send(frame);
        let mut out = Vec::new();
        loop {
            let got = self.listen(silence)?;
            if got.is_empty() {
                return Ok(out);
            }
            out.extend(got);
        }
    }
}
