//! Exact MX block dots and long dots (cancellation, subnormals, scale
//! extremes, NaN/Inf rules), and the accumulator model: its width formula
//! on worked examples, a worst-case block stream at the window edges, the
//! out_flag cases, and agreement with the exact dot on random data.

use lutforge_testbench::mx::accum::twos_complement;
use lutforge_testbench::mx::{
    AccumSpec, Exact, MxError, MxFormat, MxTensor, ScaleWindow, accumulator_bits, block_dot, dot,
    golden_accumulate,
};
use num_bigint::{BigInt, BigUint};
use num_traits::{One, Zero};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use MxFormat::*;

fn ex(mant: i64, exp: i64) -> Exact {
    Exact::finite(BigInt::from(mant), exp)
}

fn tensor(format: MxFormat, block: usize, scales: Vec<u8>, codes: Vec<u8>) -> MxTensor {
    MxTensor {
        format,
        block,
        len: codes.len(),
        scales,
        codes,
    }
}

/// The positive code of the largest finite magnitude (−128 for MXINT8).
fn max_code(fmt: MxFormat) -> u8 {
    match fmt {
        Int8 => 0x80,
        Fp8E4M3 => 0x7E,
        Fp8E5M2 => 0x7B,
        Fp6E3M2 | Fp6E2M3 => 0x1F,
        Fp4E2M1 => 0x7,
    }
}

#[test]
fn hand_computed_block_dots() {
    // 32 × (6 · 6) at scales 2^0 · 2^0 = 1152.
    let six = vec![0x7u8; 32];
    assert_eq!(
        block_dot(Fp4E2M1, &six, 127, Fp4E2M1, &six, 127),
        Ok(ex(1152, 0))
    );
    // 448 · 57344 · 2^(3 − 2) · 8 elements, mixed formats.
    let a = vec![0x7Eu8; 8];
    let b = vec![0x7Bu8; 8];
    assert_eq!(
        block_dot(Fp8E4M3, &a, 130, Fp8E5M2, &b, 125),
        Ok(ex(448 * 57344 * 2 * 8, 0))
    );
    // MXINT8: (−2)(−2) + (127/64)(1/64) at scale 2^0.
    assert_eq!(
        block_dot(Int8, &[0x80, 0x7F], 127, Int8, &[0x80, 0x01], 127),
        Ok(ex(4 * 4096 + 127, -12))
    );
}

#[test]
fn scale_extremes() {
    let one = [0x38u8]; // E4M3 1.0
    assert_eq!(
        block_dot(Fp8E4M3, &one, 0, Fp8E4M3, &one, 254),
        Ok(ex(1, 0))
    );
    assert_eq!(
        block_dot(Fp8E4M3, &one, 0, Fp8E4M3, &one, 0),
        Ok(ex(1, -254))
    );
    assert_eq!(
        block_dot(Fp8E4M3, &one, 254, Fp8E4M3, &one, 254),
        Ok(ex(1, 254))
    );
    assert_eq!(
        block_dot(Fp8E4M3, &one, 0xFF, Fp8E4M3, &one, 127),
        Ok(Exact::NaN)
    );
    assert_eq!(
        block_dot(Fp8E4M3, &[0], 127, Fp8E4M3, &[0], 0xFF),
        Ok(Exact::NaN)
    );
}

#[test]
fn max_magnitudes_cancel_exactly() {
    for fmt in MxFormat::ALL {
        let pos = max_code(fmt);
        let neg = match fmt {
            Int8 => 0x80,
            _ => pos | (1 << (fmt.bits() - 1)),
        };
        let a = vec![pos; 32];
        let b: Vec<u8> = (0..32)
            .map(|i| if i % 2 == 0 { pos } else { neg })
            .collect();
        let a = if fmt == Int8 { vec![0x80; 32] } else { a };
        let b = if fmt == Int8 {
            (0..32)
                .map(|i| if i % 2 == 0 { 0x80 } else { 0x7F })
                .collect()
        } else {
            b
        };
        let d = block_dot(fmt, &a, 200, fmt, &b, 54).unwrap();
        if fmt == Int8 {
            // (−2)(−2) + (−2)(127/64) per pair does not cancel; check it exactly.
            assert_eq!(d, ex(16 * (16384 - 128 * 127), -12), "{fmt}");
            let c: Vec<u8> = (0..32)
                .map(|i| if i % 2 == 0 { 0x7F } else { 0x81 })
                .collect();
            assert_eq!(
                block_dot(fmt, &[0x7F; 32], 200, fmt, &c, 54),
                Ok(Exact::zero())
            );
        } else {
            assert_eq!(d, Exact::zero(), "{fmt}");
        }
    }
}

#[test]
fn all_subnormal_block() {
    // E4M3 codes 0x01..=0x07 are k · 2^-9; E2M3 0x01..=0x07 are k · 2^-3.
    let a: Vec<u8> = (0..32).map(|i| 1 + (i % 7) as u8).collect();
    let b: Vec<u8> = (0..32).map(|i| 1 + ((i + 3) % 7) as u8).collect();
    let want: i64 = (0..32).map(|i| (1 + i % 7) * (1 + (i + 3) % 7)).sum();
    assert_eq!(
        block_dot(Fp8E4M3, &a, 127, Fp6E2M3, &b, 127),
        Ok(ex(want, -12))
    );
}

#[test]
fn nan_and_inf_rules() {
    let inf = 0x7Cu8;
    let ninf = 0xFCu8;
    let one = 0x3Cu8; // E5M2 1.0
    let bd = |a: &[u8], b: &[u8]| block_dot(Fp8E5M2, a, 127, Fp8E5M2, b, 127).unwrap();
    assert_eq!(bd(&[inf, one], &[one, one]), Exact::Inf { negative: false });
    assert_eq!(bd(&[inf, one], &[0xBC, one]), Exact::Inf { negative: true });
    assert_eq!(
        bd(&[ninf, ninf], &[ninf, 0xBC]),
        Exact::Inf { negative: false }
    );
    assert_eq!(bd(&[inf, 0], &[0, one]), Exact::NaN, "Inf · 0");
    assert_eq!(bd(&[inf, ninf], &[one, one]), Exact::NaN, "+Inf + -Inf");
    assert_eq!(bd(&[0x7D, one], &[one, one]), Exact::NaN);
    assert_eq!(
        block_dot(Fp8E4M3, &[0x7F], 127, Fp4E2M1, &[0], 127),
        Ok(Exact::NaN)
    );
    assert_eq!(
        block_dot(Fp8E4M3, &[0], 127, Fp8E4M3, &[0, 0], 127),
        Err(MxError::LengthMismatch { a: 1, b: 2 })
    );
}

#[test]
fn long_dot_sums_block_dots() {
    let a = tensor(Fp4E2M1, 8, vec![127, 128, 0xFF], vec![0x7; 24]);
    let b = tensor(Fp4E2M1, 8, vec![127, 126, 127], vec![0x2; 24]);
    assert_eq!(dot(&a, &b), Ok(Exact::NaN));
    let a = tensor(Fp4E2M1, 8, vec![127, 128], vec![0x7; 16]);
    let b = tensor(Fp4E2M1, 8, vec![127, 126], [[0x2u8; 8], [0xA; 8]].concat());
    // 8 · 6 · 1 − 8 · 6 · 1 · 2^(1 − 1) = 0
    assert_eq!(dot(&a, &b), Ok(Exact::zero()));
    let inf = tensor(
        Fp8E5M2,
        8,
        vec![127, 127],
        [[0x7Cu8; 8], [0xFC; 8]].concat(),
    );
    let one = tensor(Fp8E5M2, 8, vec![127, 127], vec![0x3C; 16]);
    assert_eq!(dot(&inf, &one), Ok(Exact::NaN), "+Inf block + -Inf block");
}

#[test]
fn worked_width_examples() {
    let w = ScaleWindow::default_for;
    // MXINT8 × MXINT8, block 32, 128 blocks, default windows (16 codes each):
    // 128 · 32 · 128 · 128 · 2^30 = 2^56 → 57 bits of magnitude + sign.
    assert_eq!(accumulator_bits(Int8, Int8, 32, 128, w(Int8), w(Int8)), 58);
    assert_eq!(AccumSpec::default_for(Int8, Int8).bits(), 58);
    // E5M2 × E5M2, one block, a one-code window: 32 · (7 · 2^29)^2 = 49 · 2^63.
    let one = ScaleWindow::new(127, 127).unwrap();
    assert_eq!(accumulator_bits(Fp8E5M2, Fp8E5M2, 32, 1, one, one), 70);
    // … and with the defaults: 49 · 2^(63 + 7 + 30).
    let d = AccumSpec::default_for(Fp8E5M2, Fp8E5M2);
    assert_eq!(d.bits(), 107);
    assert!(d.bits() > 64);
    assert_eq!(accumulator_bits(Fp4E2M1, Fp4E2M1, 32, 1, one, one), 14);
    assert_eq!(d.lsb_exp(), -32 + 2 * (-10 - 15));
    assert_eq!(w(Fp8E5M2), ScaleWindow { min: 102, max: 117 });
    assert_eq!(w(Int8), ScaleWindow { min: 117, max: 132 });
}

/// K blocks at the top of both windows with every product at its largest
/// positive value reach the bound exactly; the width holds it (and its
/// negation) and one bit less does not; a (K+1)-th block is refused and
/// its exact sum exceeds the bound.
#[test]
fn worst_case_stream_at_the_window_edges() {
    for a_fmt in MxFormat::ALL {
        for b_fmt in [Int8, Fp8E5M2, Fp4E2M1, a_fmt] {
            for (block, k) in [(8usize, 3usize), (32, 4), (16, 1)] {
                let spec = AccumSpec {
                    a_window: ScaleWindow::new(100, 105).unwrap(),
                    b_window: ScaleWindow::new(120, 122).unwrap(),
                    ..AccumSpec::new(a_fmt, b_fmt, block, k)
                };
                let w = spec.bits();
                let bound = BigInt::from(spec.bound());
                let top = BigInt::one() << (w - 1);
                // Largest-magnitude codes; B's sign makes the products
                // positive where the formats allow it (MXINT8's −128 has no
                // positive twin, so MXINT8 × float reaches −bound instead).
                let b_neg = a_fmt == Int8;
                let bcode = match (b_fmt, b_neg) {
                    (Int8, _) => 0x80,
                    (f, true) => max_code(f) | (1 << (f.bits() - 1)),
                    (f, false) => max_code(f),
                };
                let stream = |blocks: usize| {
                    (
                        tensor(
                            a_fmt,
                            block,
                            vec![105; blocks],
                            vec![max_code(a_fmt); blocks * block],
                        ),
                        tensor(b_fmt, block, vec![122; blocks], vec![bcode; blocks * block]),
                    )
                };
                let (a, b) = stream(k);
                let r = golden_accumulate(&spec, &a, &b).unwrap();
                assert!(!r.flag);
                let magnitude = BigInt::from(r.acc.magnitude().clone());
                assert_eq!(magnitude, bound, "{a_fmt}×{b_fmt} block {block}");
                assert!(r.acc < top && r.acc >= -top.clone(), "fits {w} bits");
                let half = BigInt::one() << (w - 2);
                if r.acc > BigInt::zero() {
                    assert!(r.acc >= half, "needs {w} bits");
                } else {
                    assert!(r.acc < -half, "needs {w} bits");
                }
                assert_eq!(r.value(&spec), dot(&a, &b).unwrap());
                let (a, b) = stream(k + 1);
                assert_eq!(
                    golden_accumulate(&spec, &a, &b),
                    Err(MxError::TooManyBlocks {
                        blocks: k + 1,
                        max: k
                    })
                );
                let over = dot(&a, &b).unwrap();
                let Exact::Finite { mant, exp } = over else {
                    panic!("finite")
                };
                let aligned = mant << (exp - spec.lsb_exp()) as u64;
                assert!(BigInt::from(aligned.magnitude().clone()) > bound);
            }
        }
    }
}

#[test]
fn out_flag_cases_read_zero() {
    let spec = AccumSpec {
        a_window: ScaleWindow::new(120, 130).unwrap(),
        b_window: ScaleWindow::new(110, 111).unwrap(),
        ..AccumSpec::new(Fp8E4M3, Fp8E5M2, 8, 4)
    };
    let run = |sa: Vec<u8>, ca: Vec<u8>, sb: Vec<u8>, cb: Vec<u8>| {
        golden_accumulate(
            &spec,
            &tensor(Fp8E4M3, 8, sa, ca),
            &tensor(Fp8E5M2, 8, sb, cb),
        )
    };
    let ok = run(
        vec![120, 130],
        vec![0x38; 16],
        vec![110, 111],
        vec![0x3C; 16],
    )
    .unwrap();
    // 8 · 1 at shift 0 plus 8 · 1 at shift 10 + 1.
    assert_eq!(ok.acc, BigInt::from(8 + (8 << 11)) << (9 + 16));
    assert!(!ok.flag);
    for (sa, sb, ca, cb) in [
        (119, 110, 0x38, 0x3C),
        (131, 110, 0x38, 0x3C),
        (120, 109, 0x38, 0x3C),
        (120, 112, 0x38, 0x3C),
        (0xFF, 110, 0x38, 0x3C),
        (120, 0xFF, 0x38, 0x3C),
        (120, 110, 0x7F, 0x3C),
        (120, 110, 0x38, 0x7C),
        (120, 110, 0x38, 0xFE),
    ] {
        let mut ca_v = vec![0x38; 16];
        let mut cb_v = vec![0x3C; 16];
        ca_v[11] = ca;
        cb_v[12] = cb;
        let r = run(vec![120, sa], ca_v, vec![110, sb], cb_v).unwrap();
        assert_eq!(
            (r.acc.clone(), r.flag),
            (BigInt::zero(), true),
            "{sa} {sb} {ca:#x} {cb:#x}"
        );
        assert_eq!(r.value(&spec), Exact::NaN);
    }
    assert!(matches!(
        run(vec![120], vec![0; 8], vec![110, 110], vec![0; 16]),
        Err(MxError::LengthMismatch { .. })
    ));
    let wrong = golden_accumulate(
        &spec,
        &tensor(Fp8E5M2, 8, vec![120], vec![0; 8]),
        &tensor(Fp8E5M2, 8, vec![110], vec![0; 8]),
    );
    assert!(matches!(
        wrong,
        Err(MxError::ShapeMismatch { operand: 'A', .. })
    ));
    assert_eq!(
        ScaleWindow::new(5, 4),
        Err(MxError::Window { min: 5, max: 4 })
    );
    assert!(ScaleWindow::new(0, 255).is_err());
}

#[test]
fn accumulator_matches_the_exact_dot_on_random_data() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x4d58);
    for _ in 0..400 {
        let a_fmt = MxFormat::ALL[rng.random_range(0..6)];
        let b_fmt = MxFormat::ALL[rng.random_range(0..6)];
        let block = [8, 16, 32][rng.random_range(0..3)];
        let blocks = rng.random_range(1..=6);
        let spec = AccumSpec::new(a_fmt, b_fmt, block, 6);
        let mut operand = |fmt: MxFormat, w: ScaleWindow| {
            let codes: Vec<u8> = (0..blocks * block)
                .map(|_| {
                    loop {
                        let c = rng.random::<u8>() & fmt.code_mask();
                        if !matches!(
                            fmt.decode(c),
                            lutforge_testbench::mx::Decoded::NaN
                                | lutforge_testbench::mx::Decoded::Inf { .. }
                        ) {
                            break c;
                        }
                    }
                })
                .collect();
            let scales = (0..blocks)
                .map(|_| rng.random_range(w.min..=w.max))
                .collect();
            tensor(fmt, block, scales, codes)
        };
        let a = operand(a_fmt, spec.a_window);
        let b = operand(b_fmt, spec.b_window);
        let r = golden_accumulate(&spec, &a, &b).unwrap();
        assert!(!r.flag);
        assert_eq!(r.value(&spec), dot(&a, &b).unwrap());
        let limit = BigInt::one() << (spec.bits() - 1);
        assert!(r.acc < limit && r.acc >= -limit);
    }
}

#[test]
fn twos_complement_patterns() {
    assert_eq!(
        twos_complement(&BigInt::from(-1), 8),
        BigUint::from(0xFFu32)
    );
    assert_eq!(twos_complement(&BigInt::from(5), 70), BigUint::from(5u32));
    assert_eq!(
        twos_complement(&-(BigInt::one() << 69u32), 70),
        BigUint::one() << 69u32
    );
}
