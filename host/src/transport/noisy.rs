//! A line that flips bits: a transport wrapper that damages the bytes in
//! both directions at a given rate per bit, from a seeded generator.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{LinkError, Transport};

/// A transport whose bytes, written and read, each bit flip with probability `rate`.
#[derive(Debug)]
pub struct NoisyLine<T> {
    inner: T,
    rate: f64,
    rng: ChaCha8Rng,
    flipped_out: u64,
    flipped_in: u64,
}

impl<T: Transport> NoisyLine<T> {
    /// `inner` with bit errors at `rate` per bit (clamped to 0..=1), from `seed`.
    pub fn new(inner: T, rate: f64, seed: u64) -> Self {
        NoisyLine {
            inner,
            rate: if rate.is_finite() {
                rate.clamp(0.0, 1.0)
            } else {
                0.0
            },
            rng: ChaCha8Rng::seed_from_u64(seed),
            flipped_out: 0,
            flipped_in: 0,
        }
    }

    /// Bits flipped on the way out and on the way in.
    pub fn flipped(&self) -> (u64, u64) {
        (self.flipped_out, self.flipped_in)
    }

    /// The wrapped transport.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// The byte after the line's damage, and the number of bits flipped.
    fn damage(&mut self, byte: u8) -> (u8, u64) {
        let mut out = byte;
        let mut flips = 0;
        for bit in 0..8 {
            if self.rng.random_bool(self.rate) {
                out ^= 1 << bit;
                flips += 1;
            }
        }
        (out, flips)
    }
}

impl<T: Transport> Transport for NoisyLine<T> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        let mut sent = Vec::with_capacity(bytes.len());
        for &b in bytes {
            let (b, flips) = self.damage(b);
            self.flipped_out += flips;
            sent.push(b);
        }
        self.inner.write_all(&sent)
    }

    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> Result<usize, LinkError> {
        let n = self.inner.read(buf, deadline)?;
        for slot in &mut buf[..n] {
            let (b, flips) = self.damage(*slot);
            self.flipped_in += flips;
            *slot = b;
        }
        Ok(n)
    }
}
