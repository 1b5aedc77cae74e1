//! The exact golden mpGEMM model (docs/spec/algorithms.md §1), in arbitrary precision.
//! It shares no code with the hardware crate.

use num_bigint::{BigInt, Sign};
use num_traits::Zero;

use crate::formats::WeightFormat;

/// The tile a core works on: M activation rows, N weight columns, K terms a beat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Activation rows (M = 1 for a GEMV core).
    pub m: usize,
    /// Weight columns (outputs per activation row).
    pub n: usize,
    /// Terms per beat.
    pub k: usize,
}

/// One beat offered to a core: activations act[m*K+k] (signed integer values), raw weight codes w[n*K+k], and in_last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beat {
    /// Activations, element (m, k) at index m*K+k.
    pub act: Vec<i64>,
    /// Raw weight codes, weight (n, k) at index n*K+k.
    pub w: Vec<u64>,
    /// The value of `in_last` with this beat.
    pub last: bool,
}

/// One dot-product run: beats, only the final one has last = true.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The beats in the order they are offered.
    pub beats: Vec<Beat>,
}

/// A run that does not fit the tile it is checked against.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// The run has no beat.
    #[error("a run needs at least one beat")]
    Empty,
    /// A beat's activation vector has the wrong length.
    #[error("beat {beat} has {got} activations, the tile needs M·K = {want}")]
    ActLen {
        /// Index of the beat in the run.
        beat: usize,
        /// Its length.
        got: usize,
        /// M·K.
        want: usize,
    },
    /// A beat's weight vector has the wrong length.
    #[error("beat {beat} has {got} weight codes, the tile needs N·K = {want}")]
    WeightLen {
        /// Index of the beat in the run.
        beat: usize,
        /// Its length.
        got: usize,
        /// N·K.
        want: usize,
    },
    /// `last` is set on a beat other than the final one, or not on the final one.
    #[error(
        "beat {beat} has last = {last}, but only the final beat of a run may (and must) have last = true"
    )]
    Last {
        /// Index of the beat in the run.
        beat: usize,
        /// Its `last` flag.
        last: bool,
    },
}

/// Checks that every beat of `run` has M·K activations and N·K codes and that
/// only the final beat has `last` set.
pub fn validate_run(shape: Shape, run: &Run) -> Result<(), RunError> {
    if run.beats.is_empty() {
        return Err(RunError::Empty);
    }
    let final_beat = run.beats.len() - 1;
    for (i, beat) in run.beats.iter().enumerate() {
        if beat.act.len() != shape.m * shape.k {
            return Err(RunError::ActLen {
                beat: i,
                got: beat.act.len(),
                want: shape.m * shape.k,
            });
        }
        if beat.w.len() != shape.n * shape.k {
            return Err(RunError::WeightLen {
                beat: i,
                got: beat.w.len(),
                want: shape.n * shape.k,
            });
        }
        if beat.last != (i == final_beat) {
            return Err(RunError::Last {
                beat: i,
                last: beat.last,
            });
        }
    }
    Ok(())
}

/// Exact sum that stays in i128 while it can and spills into a BigInt when
/// an addition would overflow.
#[derive(Default)]
pub(crate) struct ExactSum {
    small: i128,
    big: BigInt,
}

impl ExactSum {
    pub(crate) fn add(&mut self, term: i128) {
        match self.small.checked_add(term) {
            Some(s) => self.small = s,
            None => {
                self.big += self.small;
                self.small = term;
            }
        }
    }

    pub(crate) fn total(self) -> BigInt {
        self.big + self.small
    }
}

/// Y[m][n] = Σ_beats Σ_k act[m][k]·decode(w[n][k]); returns M·N values, index m*N+n.
/// Elements a malformed beat lacks read as 0; use [`try_run_result`] to reject such runs.
pub fn run_result(shape: Shape, format: WeightFormat, w_bits: u32, run: &Run) -> Vec<BigInt> {
    let Shape { m, n, k } = shape;
    let mut out = Vec::with_capacity(m * n);
    for mi in 0..m {
        for ni in 0..n {
            let mut sum = ExactSum::default();
            for beat in &run.beats {
                for ki in 0..k {
                    let a = beat.act.get(mi * k + ki).copied().unwrap_or(0);
                    let w = beat
                        .w
                        .get(ni * k + ki)
                        .map_or(0, |&c| format.decode(w_bits, c));
                    sum.add(i128::from(a) * i128::from(w));
                }
            }
            out.push(sum.total());
        }
    }
    out
}

/// [`run_result`] after [`validate_run`]: the exact results, or why the run does not fit the tile.
pub fn try_run_result(
    shape: Shape,
    format: WeightFormat,
    w_bits: u32,
    run: &Run,
) -> Result<Vec<BigInt>, RunError> {
    validate_run(shape, run)?;
    Ok(run_result(shape, format, w_bits, run))
}

/// ACC = bitlen(max_beats · K · 2^(A−1) · max|w|) + 1, computed in BigInt
/// (the power of two is added to the bit length rather than materialized).
pub fn acc_bits(max_beats: u64, k: u64, act_bits: u32, max_abs_w: u64) -> u32 {
    let product = BigInt::from(max_beats) * BigInt::from(k) * BigInt::from(max_abs_w);
    let bitlen = if product.is_zero() {
        0
    } else {
        product
            .bits()
            .saturating_add(u64::from(act_bits.saturating_sub(1)))
    };
    u32::try_from(bitlen.saturating_add(1)).unwrap_or(u32::MAX)
}

/// True when `value` is representable as a signed two's-complement number of `bits` bits.
pub fn fits_signed(value: &BigInt, bits: u32) -> bool {
    // v ≥ 0 fits when v < 2^(bits−1); v < 0 fits when −v−1 < 2^(bits−1).
    let magnitude = if value.sign() == Sign::Minus {
        -value - 1
    } else {
        value.clone()
    };
    magnitude.bits() < u64::from(bits) || (bits == 0 && value.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_traits::One;
    use proptest::prelude::*;

    fn beat(act: &[i64], w: &[u64], last: bool) -> Beat {
        Beat {
            act: act.to_vec(),
            w: w.to_vec(),
            last,
        }
    }

    fn big(values: &[i64]) -> Vec<BigInt> {
        values.iter().map(|&v| BigInt::from(v)).collect()
    }

    #[test]
    fn hand_computed_ternary_gemv() {
        // act = (3, -1, 2, 5); column 0 weights (+1, -1, 0, -1), column 1 (0, 0, reserved 0, +1)
        let shape = Shape { m: 1, n: 2, k: 4 };
        let run = Run {
            beats: vec![beat(
                &[3, -1, 2, 5],
                &[0b01, 0b11, 0b00, 0b11, 0b00, 0b00, 0b10, 0b01],
                true,
            )],
        };
        // col 0: 3 + 1 + 0 - 5 = -1; col 1: 5
        assert_eq!(
            run_result(shape, WeightFormat::Ternary, 2, &run),
            big(&[-1, 5])
        );
    }

    #[test]
    fn hand_computed_int_two_rows_two_beats() {
        let shape = Shape { m: 2, n: 1, k: 2 };
        // int4: codes 0x8 = -8, 0x7 = 7, 0xF = -1, 0x2 = 2
        let run = Run {
            beats: vec![
                beat(&[1, 2, -3, 4], &[0x8, 0x7], false),
                beat(&[10, 0, -1, -1], &[0xF, 0x2], true),
            ],
        };
        // row 0: (1·-8 + 2·7) + (10·-1 + 0·2) = 6 - 10 = -4
        // row 1: (-3·-8 + 4·7) + (-1·-1 + -1·2) = 52 - 1 = 51
        assert_eq!(
            run_result(shape, WeightFormat::Int, 4, &run),
            big(&[-4, 51])
        );
        assert_eq!(
            try_run_result(shape, WeightFormat::Int, 4, &run),
            Ok(big(&[-4, 51]))
        );
    }

    #[test]
    fn hand_computed_binary() {
        let shape = Shape { m: 1, n: 1, k: 3 };
        let run = Run {
            beats: vec![beat(&[-128, 127, 5], &[1, 0, 0], true)],
        };
        // -128 - 127 - 5 = -260
        assert_eq!(
            run_result(shape, WeightFormat::Binary, 1, &run),
            big(&[-260])
        );
    }

    #[test]
    fn validate_rejects_malformed_runs() {
        let shape = Shape { m: 1, n: 1, k: 2 };
        let ok = Run {
            beats: vec![beat(&[1, 2], &[1, 1], false), beat(&[1, 2], &[1, 1], true)],
        };
        assert!(validate_run(shape, &ok).is_ok());
        assert_eq!(
            validate_run(shape, &Run { beats: vec![] }),
            Err(RunError::Empty)
        );
        let short = Run {
            beats: vec![beat(&[1], &[1, 1], true)],
        };
        assert_eq!(
            validate_run(shape, &short),
            Err(RunError::ActLen {
                beat: 0,
                got: 1,
                want: 2
            })
        );
        let early_last = Run {
            beats: vec![beat(&[1, 2], &[1, 1], true), beat(&[1, 2], &[1, 1], true)],
        };
        assert_eq!(
            validate_run(shape, &early_last),
            Err(RunError::Last {
                beat: 0,
                last: true
            })
        );
        let wshort = Run {
            beats: vec![beat(&[1, 2], &[1], true)],
        };
        assert!(try_run_result(shape, WeightFormat::Binary, 1, &wshort).is_err());
    }

    #[test]
    fn acc_bits_examples() {
        // 1 beat, K = 1, int8 act, ternary: 128 → bitlen 8, +1 = 9
        assert_eq!(acc_bits(1, 1, 8, 1), 9);
        // BitNet 2B row: 2560/64 = 40 beats, K = 64, A = 8, ternary: 40·64·128 = 327680 → 19 bits + 1
        assert_eq!(acc_bits(40, 64, 8, 1), 20);
        assert_eq!(acc_bits(0, 64, 8, 1), 1);
        assert_eq!(acc_bits(u64::MAX, u64::MAX, 64, u64::MAX), 64 * 3 + 63 + 1);
    }

    #[test]
    fn extreme_values_need_exactly_acc_bits() {
        let cases = [
            (8, WeightFormat::Ternary, 2, 4, 1),
            (8, WeightFormat::Ternary, 2, 64, 40),
            (8, WeightFormat::Binary, 1, 16, 3),
            (8, WeightFormat::Int, 4, 8, 5),
            (4, WeightFormat::Int, 2, 3, 7),
            (16, WeightFormat::Int, 8, 32, 100),
            (1, WeightFormat::Int, 8, 1, 1),
        ];
        for (a, format, b, k, max_beats) in cases {
            let shape = Shape { m: 1, n: 1, k };
            let min_act = -(1i64 << (a - 1));
            let code = format.most_negative_code(b);
            let beats = (0..max_beats)
                .map(|i| Beat {
                    act: vec![min_act; k],
                    w: vec![code; k],
                    last: i + 1 == max_beats,
                })
                .collect();
            let y = &run_result(shape, format, b, &Run { beats })[0];
            let acc = acc_bits(max_beats as u64, k as u64, a, format.max_abs(b));
            assert!(
                fits_signed(y, acc),
                "A={a} B={b} K={k} beats={max_beats}: {y} in {acc} bits"
            );
            assert!(
                !fits_signed(y, acc - 1),
                "A={a} B={b} K={k} beats={max_beats}: {y} fits {} bits",
                acc - 1
            );
        }
    }

    #[test]
    fn fits_signed_bounds() {
        assert!(fits_signed(&BigInt::from(127), 8));
        assert!(fits_signed(&BigInt::from(-128), 8));
        assert!(!fits_signed(&BigInt::from(128), 8));
        assert!(!fits_signed(&BigInt::from(-129), 8));
        assert!(fits_signed(&BigInt::from(0), 0));
        assert!(!fits_signed(&BigInt::from(-1), 0));
        assert!(fits_signed(&BigInt::from(-1), 1));
        assert!(!fits_signed(&BigInt::from(1), 1));
        assert!(fits_signed(&-(BigInt::one() << 100usize), 101));
        assert!(!fits_signed(&(BigInt::one() << 100usize), 101));
    }

    #[test]
    fn huge_values_stay_exact() {
        let shape = Shape { m: 1, n: 1, k: 4 };
        let beats = (0..4)
            .map(|i| Beat {
                act: vec![i64::MIN; 4],
                w: vec![0x80; 4],
                last: i == 3,
            })
            .collect();
        let y = &run_result(shape, WeightFormat::Int, 8, &Run { beats })[0];
        // 16 terms of (-2^63)·(-128) = 2^70 each → 2^74
        assert_eq!(*y, BigInt::one() << 74);
    }

    fn run_strategy() -> impl Strategy<Value = (Shape, WeightFormat, u32, Run)> {
        (
            1usize..4,
            1usize..4,
            1usize..6,
            1usize..4,
            0usize..3,
            2u32..9,
        )
            .prop_flat_map(|(m, n, k, beats, f, b)| {
                let format = WeightFormat::ALL[f];
                let bits = format.effective_bits(b);
                let beat = (
                    proptest::collection::vec(any::<i32>().prop_map(i64::from), m * k),
                    proptest::collection::vec(0u64..(1 << bits), n * k),
                );
                proptest::collection::vec(beat, beats).prop_map(move |raw| {
                    let count = raw.len();
                    let beats = raw
                        .into_iter()
                        .enumerate()
                        .map(|(i, (act, w))| Beat {
                            act,
                            w,
                            last: i + 1 == count,
                        })
                        .collect();
                    (Shape { m, n, k }, format, bits, Run { beats })
                })
            })
    }

    proptest! {
        #[test]
        fn matches_plain_i128_loop((shape, format, bits, run) in run_strategy()) {
            let got = try_run_result(shape, format, bits, &run).unwrap();
            for mi in 0..shape.m {
                for ni in 0..shape.n {
                    let mut acc: i128 = 0;
                    for beat in &run.beats {
                        for ki in 0..shape.k {
                            acc += i128::from(beat.act[mi * shape.k + ki])
                                * i128::from(format.decode(bits, beat.w[ni * shape.k + ki]));
                        }
                    }
                    prop_assert_eq!(&got[mi * shape.n + ni], &BigInt::from(acc));
                }
            }
        }
    }
}
