//! Weight codes as bit-planes (docs/spec/algorithms.md §4): each weight format read
//! as a B-bit code q = Σ 2^b·q_b with a zero point, and the constant the
//! reconstruction adds per activation row.

use crate::datapath::params::WeightFormat;
use crate::ir::{BuildError, ModuleBuilder, SignalId, Ty};

/// How the Σa correction enters the reconstruction of one output:
/// `2·y = Σ_b 2^b·S_b + c·Σa` with c from the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correction {
    /// `binary`: y = S_0, no correction and no halving.
    None,
    /// `ternary` (q = w + 1, z = 1): c = +1.
    AddSum,
    /// `int` (offset binary, q = w + 2^(B−1)): c = −1.
    SubtractSum,
}

/// The bit-plane reading of a weight format of `bits` bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaneFormat {
    /// The contract format.
    pub format: WeightFormat,
    /// Bits of a code on `in_w`.
    pub bits: u32,
}

impl PlaneFormat {
    /// Bit-planes per weight, B: 1 (binary), 2 (ternary) or the int width.
    pub fn planes(self) -> u32 {
        match self.format {
            WeightFormat::Binary => 1,
            WeightFormat::Ternary => 2,
            WeightFormat::Int => self.bits,
        }
    }

    /// The Σa correction of this format.
    pub fn correction(self) -> Correction {
        match self.format {
            WeightFormat::Binary => Correction::None,
            WeightFormat::Ternary => Correction::AddSum,
            WeightFormat::Int => Correction::SubtractSum,
        }
    }

    /// Bit `plane` of the code q of one weight, as a one-bit signal:
    /// binary q = code; ternary q = w + 1 (q_0 = ¬c_0, q_1 = c_0·¬c_1, so
    /// the reserved code 10 reads as 0); int q = code with its top bit
    /// inverted (offset binary).
    pub fn plane_bit(
        self,
        b: &mut ModuleBuilder,
        name: &str,
        code: SignalId,
        plane: u32,
    ) -> Result<SignalId, BuildError> {
        let bit =
            |b: &mut ModuleBuilder, i: u32| b.slice(&format!("{name}_c{i}"), code, i, 1, false);
        match self.format {
            WeightFormat::Binary => bit(b, 0),
            WeightFormat::Ternary => {
                let c0 = bit(b, 0)?;
                let not_c0 = b.not(&format!("{name}_c0n"), Ty::BIT, c0)?;
                if plane == 0 {
                    Ok(not_c0)
                } else {
                    let c1 = bit(b, 1)?;
                    let not_c1 = b.not(&format!("{name}_c1n"), Ty::BIT, c1)?;
                    b.and(name, Ty::BIT, c0, not_c1)
                }
            }
            WeightFormat::Int => {
                let c = bit(b, plane)?;
                if plane + 1 == self.bits {
                    b.not(name, Ty::BIT, c)
                } else {
                    Ok(c)
                }
            }
        }
    }
}

/// The value of a code under the plane reading, for tests: w = Σ 2^b·q_b − z
/// (binary: w = 2q − 1).
pub fn weight_of_planes(f: PlaneFormat, q: &[bool]) -> i64 {
    let code: i64 = q.iter().enumerate().map(|(b, &x)| i64::from(x) << b).sum();
    match f.format {
        WeightFormat::Binary => 2 * code - 1,
        WeightFormat::Ternary => code - 1,
        WeightFormat::Int => code - (1 << (f.bits - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Sim;

    /// The contract's reading of a code (docs/spec/core-contract.md).
    fn contract_weight(format: WeightFormat, bits: u32, code: u64) -> i64 {
        match format {
            WeightFormat::Binary => 2 * code as i64 - 1,
            WeightFormat::Ternary => match code {
                0b01 => 1,
                0b11 => -1,
                _ => 0,
            },
            WeightFormat::Int => {
                let shift = 64 - bits;
                ((code << shift) as i64) >> shift
            }
        }
    }

    #[test]
    fn every_code_of_every_format_reads_back_as_its_weight() {
        let formats = [
            (WeightFormat::Binary, 1),
            (WeightFormat::Ternary, 2),
            (WeightFormat::Int, 2),
            (WeightFormat::Int, 3),
            (WeightFormat::Int, 4),
        ];
        for (format, bits) in formats {
            let f = PlaneFormat { format, bits };
            let mut b = ModuleBuilder::new("planes").unwrap();
            let code = b.input("code", Ty::unsigned(bits)).unwrap();
            let qs: Vec<SignalId> = (0..f.planes())
                .map(|p| f.plane_bit(&mut b, &format!("q{p}"), code, p).unwrap())
                .collect();
            b.output_vec("q", &qs).unwrap();
            let m = b.finish().unwrap();
            let mut sim = Sim::new(&m, 1).unwrap();
            let (i, o) = (sim.input("code").unwrap(), sim.output("q").unwrap());
            for c in 0..1u64 << bits {
                sim.set(&i, 0, 0, c);
                sim.eval();
                let q: Vec<bool> = (0..o.len()).map(|p| sim.get(&o, p, 0) == 1).collect();
                assert_eq!(
                    weight_of_planes(f, &q),
                    contract_weight(format, bits, c),
                    "{format:?}{bits} code {c:b}"
                );
            }
        }
    }
}
