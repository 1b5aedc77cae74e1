//! The float32 / bf16 → MX quantizer against hand-computed blocks (shared
//! exponent, ties to even, saturation, zero, NaN/Inf and subnormal inputs),
//! and a property: in-range elements are within half an element ULP at the
//! block's scale, out-of-range ones saturate.

use lutforge_testbench::mx::quant::floor_log2_bits;
use lutforge_testbench::mx::{
    Exact, MxError, MxFormat, SCALE_NAN, dequantize, dequantize_element, quantize, quantize_bf16,
    quantize_block, scale_exponent,
};
use num_bigint::BigInt;
use proptest::prelude::*;

use MxFormat::*;

#[test]
fn e2m1_hand_computed() {
    // amax 6 → floor(log2 6) − 2 = 0 → scale 2^0.
    assert_eq!(quantize_block(Fp4E2M1, &[6.0, 1.0]), (127, vec![0x7, 0x2]));
    let xs = [6.0, -6.0, 0.5, 0.25, 0.75, 2.5, 5.0, 7.0];
    // 0.25 ties to 0, 0.75 to 1, 2.5 to 2, 5 to 4; 7 saturates to 6.
    let want = vec![0x7, 0xF, 0x1, 0x0, 0x2, 0x4, 0x6, 0x7];
    assert_eq!(quantize_block(Fp4E2M1, &xs), (127, want));
    // amax 0.75 → −1 − 2 = −3 → X = 1/8; 0.75 / X = 6.
    assert_eq!(
        quantize_block(Fp4E2M1, &[0.75, -0.0625]),
        (124, vec![0x7, 0x9])
    );
    assert_eq!(
        quantize_block(Fp4E2M1, &[-0.01, 4.0]),
        (127, vec![0x0, 0x6])
    );
}

#[test]
fn fp8_and_fp6_hand_computed() {
    assert_eq!(quantize_block(Fp8E4M3, &[448.0]), (127, vec![0x7E]));
    assert_eq!(
        quantize_block(Fp8E4M3, &[500.0, -1.0]),
        (127, vec![0x7E, 0xB8])
    );
    assert_eq!(quantize_block(Fp8E4M3, &[1.0]), (119, vec![0x78]));
    assert_eq!(quantize_block(Fp8E5M2, &[57344.0]), (127, vec![0x7B]));
    assert_eq!(
        quantize_block(Fp8E5M2, &[65504.0, -65504.0]),
        (127, vec![0x7B, 0xFB])
    );
    assert_eq!(
        quantize_block(Fp8E5M2, &[1.0, 3.0]),
        (113, vec![0x74, 0x7A])
    );
    assert_eq!(
        quantize_block(Fp6E3M2, &[28.0, 30.0]),
        (127, vec![0x1F, 0x1F])
    );
    assert_eq!(
        quantize_block(Fp6E2M3, &[7.5, 0.0625]),
        (127, vec![0x1F, 0x0])
    );
    assert_eq!(
        quantize_block(Fp6E2M3, &[7.5, 0.1875]),
        (127, vec![0x1F, 0x2])
    );
}

#[test]
fn int8_hand_computed() {
    let xs = [1.0, -0.5, 1.0 / 64.0, 1.0 / 128.0, 3.0 / 128.0];
    assert_eq!(
        quantize_block(Int8, &xs),
        (127, vec![0x40, 0xE0, 0x01, 0x00, 0x02])
    );
    assert_eq!(quantize_block(Int8, &[1.999]), (127, vec![0x7F]));
    assert_eq!(quantize_block(Int8, &[-1.999]), (127, vec![0x81]));
    assert_eq!(quantize_block(Int8, &[-2.0, 0.25]), (128, vec![0xC0, 0x08]));
}

#[test]
fn zero_nan_inf_blocks() {
    assert_eq!(quantize_block(Fp8E4M3, &[0.0, -0.0]), (0, vec![0, 0]));
    assert_eq!(
        quantize_block(Fp8E4M3, &[1.0, f32::NAN]),
        (SCALE_NAN, vec![0, 0])
    );
    assert_eq!(
        quantize_block(Fp8E5M2, &[f32::INFINITY, 1.0]),
        (SCALE_NAN, vec![0, 0])
    );
    assert_eq!(
        quantize_block(Int8, &[f32::NEG_INFINITY]),
        (SCALE_NAN, vec![0])
    );
    assert!(dequantize_element(Fp8E4M3, 0, SCALE_NAN).is_nan());
}

#[test]
fn subnormal_and_extreme_inputs() {
    assert_eq!(floor_log2_bits(1), -149);
    assert_eq!(floor_log2_bits(3), -148);
    assert_eq!(floor_log2_bits(0x0040_0000), -127);
    assert_eq!(floor_log2_bits(0x0080_0000), -126);
    assert_eq!(floor_log2_bits(f32::MAX.to_bits()), 127);
    let tiny = f32::from_bits(1);
    assert_eq!(quantize_block(Fp4E2M1, &[tiny]), (0, vec![0]));
    // 2^-130 is subnormal in f32; −130 − 8 clamps to the scale 2^-127, and
    // 2^-130 / 2^-127 = 0.125 is E4M3 0x20.
    let x = 2f32.powi(-130);
    assert!(x.is_subnormal());
    assert_eq!(quantize_block(Fp8E4M3, &[x]), (0, vec![0x20]));
    assert_eq!(quantize_block(Int8, &[f32::MAX]), (254, vec![0x7F]));
    assert_eq!(quantize_block(Fp8E5M2, &[f32::MAX]), (239, vec![0x7B]));
}

#[test]
fn tensors_pad_check_and_dequantize() {
    let xs: Vec<f32> = (0..10).map(|i| i as f32 - 4.5).collect();
    let t = quantize(Fp8E4M3, 8, &xs).unwrap();
    assert_eq!((t.scales.len(), t.codes.len(), t.len), (2, 16, 10));
    assert_eq!(&t.codes[10..], &[0; 6]);
    assert_eq!(
        dequantize(&t),
        xs.iter().map(|&x| f64::from(x)).collect::<Vec<_>>()
    );
    assert_eq!(quantize(Fp8E4M3, 12, &xs), Err(MxError::BlockSize(12)));
    let bf: Vec<half::bf16> = xs.iter().map(|&x| half::bf16::from_f32(x * 1.1)).collect();
    let wide: Vec<f32> = bf.iter().map(|x| x.to_f32()).collect();
    assert_eq!(
        quantize_bf16(Fp6E3M2, 16, &bf),
        quantize(Fp6E3M2, 16, &wide)
    );
}

/// `|x − q|` against half an element ULP at the block's scale, exactly:
/// true if `2 · |x − q| ≤ 2^(spacing_exp)`.
fn within_half_ulp(x: f32, q: f64, spacing_exp: i64) -> bool {
    let parts = |e: Exact| match e {
        Exact::Finite { mant, exp } => (mant, exp),
        _ => (BigInt::from(0), 0),
    };
    let (mx, ex) = parts(Exact::from_f32(x));
    let (mq, eq) = parts(Exact::from_f64(q));
    let e = ex.min(eq).min(spacing_exp - 1);
    let diff = (mx << (ex - e) as u64) - (mq << (eq - e) as u64);
    let twice = diff.magnitude().clone() << 1u32;
    twice <= num_bigint::BigUint::from(1u32) << (spacing_exp - e) as u64
}

fn check_block(fmt: MxFormat, xs: &[f32]) -> Result<(), TestCaseError> {
    let (scale, codes) = quantize_block(fmt, xs);
    let Some(k) = scale_exponent(scale) else {
        prop_assert!(false, "finite block got the NaN scale");
        unreachable!()
    };
    let lsb = i64::from(fmt.lsb());
    let max = fmt.max_int() as f64 * 2f64.powi(fmt.lsb() + k);
    for (&x, &c) in xs.iter().zip(&codes) {
        let q = dequantize_element(fmt, c, scale);
        prop_assert!(q.is_finite());
        let ax = f64::from(x).abs();
        if ax > max {
            prop_assert_eq!(q, max.copysign(f64::from(x)), "saturates");
            continue;
        }
        // Element-grid spacing (in units of 2^(lsb + k)) in the binade of |x| / X.
        let spacing = match (fmt.mantissa_bits(), ax > 0.0) {
            (Some(m), true) => {
                let t = Exact::from_f64(ax).scale_pow2(-(lsb + i64::from(k)));
                let Exact::Finite { mant, exp } = t else {
                    unreachable!()
                };
                (mant.bits() as i64 - 1 + exp - i64::from(m)).max(0)
            }
            _ => 0,
        };
        prop_assert!(
            within_half_ulp(x, q, spacing + lsb + i64::from(k)),
            "{} x = {:e} q = {:e} scale {}",
            fmt,
            x,
            q,
            scale
        );
    }
    Ok(())
}

fn format() -> impl Strategy<Value = MxFormat> {
    prop::sample::select(MxFormat::ALL.to_vec())
}

fn block_len() -> impl Strategy<Value = usize> {
    prop::sample::select(vec![8usize, 16, 32])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Blocks of nearby magnitudes (a base octave and a spread of 12 octaves).
    #[test]
    fn quantization_error_is_at_most_half_an_ulp(
        fmt in format(),
        len in block_len(),
        base in -150i32..120,
        seed in prop::collection::vec((any::<bool>(), 0u32..(1 << 23), 0i32..12), 32),
    ) {
        let xs: Vec<f32> = seed[..len]
            .iter()
            .map(|&(neg, frac, up)| {
                let biased = (base + up + 127).clamp(0, 254) as u32;
                f32::from_bits((u32::from(neg) << 31) | (biased << 23) | frac)
            })
            .collect();
        check_block(fmt, &xs)?;
    }

    /// Arbitrary finite bit patterns (wide magnitude spreads, subnormals).
    #[test]
    fn arbitrary_finite_blocks_stay_within_half_an_ulp(
        fmt in format(),
        bits in prop::collection::vec(any::<u32>(), 8..=32),
    ) {
        let xs: Vec<f32> = bits
            .iter()
            .map(|&b| if (b & 0x7F80_0000) == 0x7F80_0000 { 0.0 } else { f32::from_bits(b) })
            .collect();
        check_block(fmt, &xs)?;
    }
}

#[test]
fn encode_element_extremes() {
    use lutforge_testbench::mx::encode_element;
    let ex = |m: i64, e: i64| Exact::finite(BigInt::from(m), e);
    for fmt in MxFormat::ALL {
        let max = encode_element(fmt, &ex(fmt.max_int(), i64::from(fmt.lsb())));
        assert_eq!(encode_element(fmt, &ex(1, i64::MAX)), max, "{fmt}");
        assert_eq!(encode_element(fmt, &ex(-1, i64::MIN)), Some(0), "{fmt}");
        assert_eq!(encode_element(fmt, &Exact::NaN), None);
    }
}
