//! CRC-16/CCITT-FALSE (poly 0x1021, no reflection) one byte a clock: the
//! register after a byte as sixteen XOR networks over the old register and
//! the byte, derived from the bit-serial definition at generation time.

use crate::ir::{BuildError, ModuleBuilder, ReduceOp, SignalId, Ty};

/// The generator polynomial x¹⁶ + x¹² + x⁵ + 1.
pub const POLY: u16 = 0x1021;

/// The register's value before the first byte of a frame.
pub const INIT: u16 = 0xFFFF;

/// The register after one byte, bit-serially, MSB first.
pub const fn update(crc: u16, byte: u8) -> u16 {
    let mut c = crc ^ ((byte as u16) << 8);
    let mut i = 0;
    while i < 8 {
        c = if c & 0x8000 != 0 {
            (c << 1) ^ POLY
        } else {
            c << 1
        };
        i += 1;
    }
    c
}

/// For each register bit after a byte, the inputs it is the XOR of: bits
/// 0..16 of the mask are the old register's, bits 16..24 the byte's.
pub fn taps() -> [u32; 16] {
    let mut out = [0u32; 16];
    for input in 0..24 {
        let (crc, byte) = if input < 16 {
            (1u16 << input, 0u8)
        } else {
            (0, 1u8 << (input - 16))
        };
        let next = update(crc, byte);
        for (o, taps) in out.iter_mut().enumerate() {
            if next >> o & 1 == 1 {
                *taps |= 1 << input;
            }
        }
    }
    out
}

/// The 16-bit register after `byte` (8 bits) enters `crc` (16 bits), in one clock.
pub fn crc16_step(
    b: &mut ModuleBuilder,
    crc: SignalId,
    byte: SignalId,
) -> Result<SignalId, BuildError> {
    let v = b.concat("crc_in", &[crc, byte], false)?;
    let mut bits = Vec::with_capacity(16);
    for taps in taps() {
        let m = b.constant("crc_taps", Ty::unsigned(24), i128::from(taps))?;
        let picked = b.and("crc_pick", Ty::unsigned(24), v, m)?;
        bits.push(b.reduce("crc_bit", ReduceOp::Xor, picked)?);
    }
    b.concat("crc_next", &bits, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_check_value() {
        let crc = b"123456789".iter().fold(INIT, |c, &x| update(c, x));
        assert_eq!(crc, 0x29B1);
    }

    #[test]
    fn the_xor_network_is_the_serial_crc() {
        let t = taps();
        for (crc, byte) in [
            (0xFFFFu16, 0xA5u8),
            (0x1234, 0x00),
            (0x0000, 0xFF),
            (0xBEEF, 0x5A),
        ] {
            let v = u32::from(crc) | (u32::from(byte) << 16);
            let net = t.iter().enumerate().fold(0u16, |acc, (o, &m)| {
                acc | ((((v & m).count_ones() & 1) as u16) << o)
            });
            assert_eq!(net, update(crc, byte));
        }
    }
}
