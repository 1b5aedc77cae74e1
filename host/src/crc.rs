//! CRC-16/CCITT-FALSE, computed one byte at a time as the bytes arrive.

/// The generator polynomial x¹⁶ + x¹² + x⁵ + 1.
const POLY: u16 = 0x1021;

/// The register's value before the first byte.
const INIT: u16 = 0xFFFF;

/// A running CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR).
///
/// Fed with a frame's bytes after the sync byte including the two CRC bytes
/// (high byte first), the register ends at zero for an undamaged frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crc16(u16);

impl Default for Crc16 {
    fn default() -> Self {
        Crc16::new()
    }
}

impl Crc16 {
    /// A register holding the initial value 0xFFFF.
    pub const fn new() -> Self {
        Crc16(INIT)
    }

    /// The register after one more byte.
    pub const fn update(self, byte: u8) -> Self {
        let mut crc = self.0 ^ ((byte as u16) << 8);
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ POLY
            } else {
                crc << 1
            };
            bit += 1;
        }
        Crc16(crc)
    }

    /// The register after every byte of `bytes`.
    pub fn update_all(self, bytes: &[u8]) -> Self {
        bytes.iter().fold(self, |crc, &b| crc.update(b))
    }

    /// The CRC of the bytes fed so far.
    pub const fn value(self) -> u16 {
        self.0
    }
}

/// The CRC-16/CCITT-FALSE of `bytes`.
pub fn crc16(bytes: &[u8]) -> u16 {
    Crc16::new().update_all(bytes).value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value_of_the_catalogue() {
        assert_eq!(crc16(b"123456789"), 0x29B1);
        assert_eq!(crc16(b""), 0xFFFF);
    }

    #[test]
    fn appending_the_crc_high_byte_first_leaves_zero() {
        let data = b"lutforge";
        let crc = crc16(data);
        let residue = Crc16::new()
            .update_all(data)
            .update((crc >> 8) as u8)
            .update(crc as u8);
        assert_eq!(residue.value(), 0);
    }
}
