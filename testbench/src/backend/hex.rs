//! Packing element values into the hex words of `$readmemh` files and
//! unpacking the hex a Verilog bench prints.

use lutforge_hdl::ir::mask;

/// The hex text (MSB first, ⌈E·W/4⌉ digits) of a bus whose element `i`
/// holds `elems[i]` at bits `[i*W +: W]`.
pub fn pack(elems: impl IntoIterator<Item = u64>, width: u32) -> String {
    let mut words: Vec<u64> = Vec::new();
    let mut total = 0u64;
    for v in elems {
        let v = v & mask(width);
        for b in 0..width as u64 {
            let bit = total + b;
            if bit / 64 >= words.len() as u64 {
                words.push(0);
            }
            words[(bit / 64) as usize] |= ((v >> b) & 1) << (bit % 64);
        }
        total += width as u64;
    }
    let digits = total.div_ceil(4).max(1);
    (0..digits)
        .rev()
        .map(|d| {
            let bit = d * 4;
            let word = words.get((bit / 64) as usize).copied().unwrap_or(0);
            let mut nib = (word >> (bit % 64)) & 0xf;
            if bit % 64 > 60 {
                let next = words.get((bit / 64) as usize + 1).copied().unwrap_or(0);
                nib |= (next << (64 - bit % 64)) & 0xf;
            }
            char::from_digit(nib as u32, 16).unwrap_or('0')
        })
        .collect()
}

/// Splits the hex text of a bus into `count` elements of `width` bits (bit patterns).
pub fn unpack(hex: &str, count: usize, width: u32) -> Result<Vec<u64>, String> {
    let mut bits: Vec<bool> = Vec::with_capacity(hex.len() * 4);
    for ch in hex.trim().chars().rev() {
        let nib = ch
            .to_digit(16)
            .ok_or_else(|| format!("`{ch}` in simulator output is not a hex digit (X or Z?)"))?;
        for b in 0..4 {
            bits.push((nib >> b) & 1 == 1);
        }
    }
    let need = count * width as usize;
    if bits.len() < need {
        return Err(format!(
            "simulator printed {} bits, expected {need}",
            bits.len()
        ));
    }
    Ok((0..count)
        .map(|e| {
            (0..width as usize).fold(0u64, |acc, b| {
                acc | ((bits[e * width as usize + b] as u64) << b)
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_odd_widths() {
        for width in [1u32, 3, 7, 8, 13, 33, 64] {
            let elems: Vec<u64> = (0..11u64)
                .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) & mask(width))
                .collect();
            let hex = pack(elems.iter().copied(), width);
            assert_eq!(hex.len() as u64, (11 * width as u64).div_ceil(4));
            assert_eq!(unpack(&hex, 11, width).unwrap(), elems, "width {width}");
        }
        assert_eq!(pack([0xA, 0x5], 4), "5a");
        assert!(unpack("x1", 1, 8).is_err());
    }
}
