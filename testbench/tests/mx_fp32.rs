//! Round-to-nearest-even of exact values to binary32 against Rust's own
//! f64 → f32 conversion (random values, subnormal and overflow boundaries)
//! and against hand-computed cases wider than binary64.

use lutforge_testbench::mx::fp32::{F32_INF_BITS, F32_NAN_BITS};
use lutforge_testbench::mx::{Exact, to_f32_rne};
use num_bigint::BigInt;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn check_f64(x: f64) {
    let got = to_f32_rne(&Exact::from_f64(x));
    let want = (x as f32).to_bits();
    if x.is_nan() {
        assert_eq!(got, F32_NAN_BITS);
    } else if x == 0.0 {
        assert_eq!(got, 0, "exact zero is +0");
    } else {
        assert_eq!(got, want, "{x:e} ({:#018x})", x.to_bits());
    }
}

fn exact(mant: i64, exp: i64) -> Exact {
    Exact::finite(BigInt::from(mant), exp)
}

#[test]
fn random_f64_bit_patterns_match_rust() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x6d78_6670_3332);
    for _ in 0..200_000 {
        check_f64(f64::from_bits(rng.random()));
    }
}

#[test]
fn random_values_near_the_f32_range_match_rust() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for _ in 0..200_000 {
        let biased: u64 = rng.random_range(1023 - 160..=1023 + 130);
        let frac: u64 = rng.random::<u64>() & ((1 << 52) - 1);
        let sign: u64 = rng.random::<u64>() & (1 << 63);
        check_f64(f64::from_bits(sign | (biased << 52) | frac));
    }
}

#[test]
fn boundaries_match_rust() {
    let p = |k: i32| 2f64.powi(k);
    let max = f32::MAX as f64;
    let cases = [
        max,
        max + p(103),
        max + p(103) - p(50),
        max + p(103) + p(50),
        p(128),
        p(-126),
        p(-126) - p(-149),
        p(-126) - p(-150),
        p(-126) - p(-151),
        p(-149),
        p(-150),
        p(-150) + p(-200),
        p(-151),
        1.5 * p(-149),
        2.5 * p(-149),
        1.0 + p(-24),
        1.0 + p(-24) + p(-52),
        1.0 + 3.0 * p(-24),
        f64::MIN_POSITIVE,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    for x in cases {
        check_f64(x);
        check_f64(-x);
    }
}

#[test]
fn hand_computed_cases() {
    assert_eq!(to_f32_rne(&exact(1, 0)), 0x3F80_0000);
    assert_eq!(to_f32_rne(&exact(-3, -1)), 0xBFC0_0000);
    assert_eq!(to_f32_rne(&exact(1, -149)), 0x0000_0001);
    assert_eq!(to_f32_rne(&exact(1, -150)), 0, "tie to even rounds to zero");
    assert_eq!(
        to_f32_rne(&exact(-1, -150)),
        0x8000_0000,
        "negative tie gives -0"
    );
    assert_eq!(
        to_f32_rne(&exact(3, -150)),
        0x0000_0002,
        "1.5 ulp ties up to 2"
    );
    assert_eq!(
        to_f32_rne(&exact((1 << 24) - 1, -150)),
        0x0080_0000,
        "carry into normal"
    );
    assert_eq!(to_f32_rne(&exact((1 << 24) - 1, 104)), 0x7F7F_FFFF);
    assert_eq!(
        to_f32_rne(&exact((1 << 25) - 1, 103)),
        F32_INF_BITS,
        "tie above max overflows"
    );
    assert_eq!(to_f32_rne(&exact(1, 128)), F32_INF_BITS);
    assert_eq!(to_f32_rne(&exact(-1, 1000)), F32_INF_BITS | 0x8000_0000);
    assert_eq!(to_f32_rne(&exact(1, -100_000)), 0);
    assert_eq!(to_f32_rne(&Exact::zero()), 0);
    assert_eq!(to_f32_rne(&Exact::NaN), 0x7FC0_0000);
    assert_eq!(to_f32_rne(&Exact::Inf { negative: true }), 0xFF80_0000);
    // 1 + 2^-24 is a tie (to 1.0); any sticky bit past binary64's reach
    // breaks it upwards.
    let one = BigInt::from(1) << 200u32;
    let tie = &one + (BigInt::from(1) << 176u32);
    assert_eq!(to_f32_rne(&Exact::finite(tie.clone(), -200)), 0x3F80_0000);
    let above = tie + 1;
    assert_eq!(to_f32_rne(&Exact::finite(above, -200)), 0x3F80_0001);
    let below = &one + (BigInt::from(1) << 176u32) - 1;
    assert_eq!(to_f32_rne(&Exact::finite(below, -200)), 0x3F80_0000);
}

#[test]
fn extreme_exponents_saturate_without_panicking() {
    assert_eq!(to_f32_rne(&exact(3, i64::MAX)), F32_INF_BITS);
    assert_eq!(
        to_f32_rne(&exact(-3, i64::MAX - 1)),
        F32_INF_BITS | 0x8000_0000
    );
    assert_eq!(to_f32_rne(&exact(3, i64::MIN)), 0);
    assert_eq!(to_f32_rne(&exact(-3, i64::MIN + 1)), 0x8000_0000);
}
