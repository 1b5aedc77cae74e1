//! MX element formats and the E8M0 scale: names, hand-computed decodes, an
//! independent float-formula cross-check, code masking, the decode → encode
//! round trip of every code of every format, and the scale codes.

use lutforge_testbench::mx::{
    Decoded, Exact, MxError, MxFormat, SCALE_NAN, encode_element, scale_exponent,
};
use num_bigint::BigInt;

fn value(fmt: MxFormat, code: u8) -> f64 {
    match fmt.decode(code) {
        Decoded::Finite { int } => int as f64 * 2f64.powi(fmt.lsb()),
        Decoded::Inf { negative } => {
            if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        }
        Decoded::NaN => f64::NAN,
    }
}

#[test]
fn names_round_trip_through_from_name_and_serde() {
    let names = [
        "mxint8",
        "mxfp8-e4m3",
        "mxfp8-e5m2",
        "mxfp6-e3m2",
        "mxfp6-e2m3",
        "mxfp4-e2m1",
    ];
    for (fmt, name) in MxFormat::ALL.into_iter().zip(names) {
        assert_eq!(fmt.name(), name);
        assert_eq!(MxFormat::from_name(name), Ok(fmt));
        assert_eq!(serde_json::to_string(&fmt).unwrap(), format!("\"{name}\""));
        assert_eq!(
            serde_json::from_str::<MxFormat>(&format!("\"{name}\"")).unwrap(),
            fmt
        );
    }
    assert!(matches!(
        MxFormat::from_name("mxfp4"),
        Err(MxError::UnknownFormat(_))
    ));
    let bits: Vec<u32> = MxFormat::ALL.iter().map(|f| f.bits()).collect();
    assert_eq!(bits, [8, 8, 8, 6, 6, 4]);
}

#[test]
fn hand_computed_decodes() {
    use MxFormat::*;
    assert_eq!(value(Fp8E4M3, 0x7E), 448.0);
    assert_eq!(value(Fp8E4M3, 0xFE), -448.0);
    assert_eq!(value(Fp8E4M3, 0x01), 2f64.powi(-9));
    assert_eq!(value(Fp8E4M3, 0x08), 2f64.powi(-6));
    assert_eq!(value(Fp8E4M3, 0x38), 1.0);
    assert_eq!(Fp8E4M3.decode(0x7F), Decoded::NaN);
    assert_eq!(Fp8E4M3.decode(0xFF), Decoded::NaN);
    assert_eq!(value(Fp8E5M2, 0x7B), 57344.0);
    assert_eq!(value(Fp8E5M2, 0x01), 2f64.powi(-16));
    assert_eq!(value(Fp8E5M2, 0x3C), 1.0);
    assert_eq!(Fp8E5M2.decode(0x7C), Decoded::Inf { negative: false });
    assert_eq!(Fp8E5M2.decode(0xFC), Decoded::Inf { negative: true });
    for c in [0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF] {
        assert_eq!(Fp8E5M2.decode(c), Decoded::NaN);
    }
    assert_eq!(value(Fp6E3M2, 0x1F), 28.0);
    assert_eq!(value(Fp6E3M2, 0x01), 0.0625);
    assert_eq!(value(Fp6E3M2, 0x3F), -28.0);
    assert_eq!(value(Fp6E2M3, 0x1F), 7.5);
    assert_eq!(value(Fp6E2M3, 0x01), 0.125);
    assert_eq!(value(Fp4E2M1, 0x7), 6.0);
    assert_eq!(value(Fp4E2M1, 0xF), -6.0);
    let e2m1: Vec<f64> = (0..8).map(|c| value(Fp4E2M1, c)).collect();
    assert_eq!(e2m1, [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]);
    assert_eq!(value(Int8, 0x80), -2.0);
    assert_eq!(value(Int8, 0x7F), 127.0 / 64.0);
    assert_eq!(value(Int8, 0x40), 1.0);
    assert_eq!(value(Int8, 0xFF), -1.0 / 64.0);
    assert_eq!(Fp4E2M1.decode(0x8), Decoded::Finite { int: 0 });
}

#[test]
fn max_and_lsb_match_the_table() {
    use MxFormat::*;
    let max: Vec<f64> = MxFormat::ALL
        .iter()
        .map(|f| f.max_int() as f64 * 2f64.powi(f.lsb()))
        .collect();
    assert_eq!(max, [127.0 / 64.0, 448.0, 57344.0, 28.0, 7.5, 6.0]);
    let lsb: Vec<i32> = MxFormat::ALL.iter().map(|f| f.lsb()).collect();
    assert_eq!(lsb, [-6, -9, -16, -4, -3, -1]);
    let emax: Vec<i32> = MxFormat::ALL.iter().map(|f| f.emax()).collect();
    assert_eq!(emax, [0, 8, 15, 4, 2, 2]);
    assert_eq!(Int8.max_decoded_magnitude(), 128);
    for fmt in MxFormat::ALL {
        let largest = (0..fmt.code_count())
            .filter_map(|c| match fmt.decode(c as u8) {
                Decoded::Finite { int } => Some(int.abs()),
                _ => None,
            })
            .max();
        assert_eq!(largest, Some(fmt.max_decoded_magnitude()), "{fmt}");
    }
}

/// The textbook float formula (sign, biased exponent, hidden bit) in f64,
/// independent of the integer decode.
#[test]
fn decode_agrees_with_the_float_formula() {
    for fmt in MxFormat::ALL {
        for code in (0..fmt.code_count()).map(|c| c as u8) {
            let got = value(fmt, code);
            let Some(l) = fmt.layout() else {
                assert_eq!(got, f64::from(code as i8) / 64.0);
                continue;
            };
            let sign = if code >> (fmt.bits() - 1) == 1 {
                -1.0
            } else {
                1.0
            };
            let e = i32::from(code >> l.man_bits) & ((1 << l.exp_bits) - 1);
            let f = f64::from(code & ((1 << l.man_bits) - 1));
            let m = 2f64.powi(l.man_bits as i32);
            let want = if e == 0 {
                sign * f / m * 2f64.powi(1 - l.bias)
            } else {
                sign * (1.0 + f / m) * 2f64.powi(e - l.bias)
            };
            let special = match fmt {
                MxFormat::Fp8E4M3 => e == 15 && f == 7.0,
                MxFormat::Fp8E5M2 => e == 31,
                _ => false,
            };
            if special {
                assert!(got.is_nan() || got.is_infinite(), "{fmt} {code:#x}");
            } else {
                assert_eq!(got, want, "{fmt} {code:#x}");
            }
        }
    }
}

#[test]
fn special_code_counts() {
    let count = |fmt: MxFormat, pred: fn(&Decoded) -> bool| {
        (0..fmt.code_count())
            .filter(|&c| pred(&fmt.decode(c as u8)))
            .count()
    };
    let nan = |d: &Decoded| matches!(d, Decoded::NaN);
    let inf = |d: &Decoded| matches!(d, Decoded::Inf { .. });
    let expect = [(0, 0), (2, 0), (6, 2), (0, 0), (0, 0), (0, 0)];
    for (fmt, (n, i)) in MxFormat::ALL.into_iter().zip(expect) {
        assert_eq!((count(fmt, nan), count(fmt, inf)), (n, i), "{fmt}");
        assert_eq!(fmt.has_nan(), n > 0);
        assert_eq!(fmt.has_inf(), i > 0);
    }
}

#[test]
fn codes_are_masked_to_the_format_width() {
    for fmt in MxFormat::ALL {
        for code in 0..=255u8 {
            assert_eq!(
                fmt.decode(code),
                fmt.decode(code & fmt.code_mask()),
                "{fmt}"
            );
        }
    }
}

/// Every finite code re-encodes to itself at scale 2^0, except −0, which
/// encodes to +0 (the quantizer's only zero), and MXINT8 0x80 (−2), which
/// saturates to 0x81 (−127/64). NaN and Inf codes have no encoding.
#[test]
fn decode_encode_round_trip_of_every_code() {
    let mut checked = [0usize; 6];
    for (k, fmt) in MxFormat::ALL.into_iter().enumerate() {
        let negative_zero = 1u8 << (fmt.bits() - 1);
        for code in (0..fmt.code_count()).map(|c| c as u8) {
            let d = fmt.decode(code);
            let x = match d {
                Decoded::Finite { int } => Exact::finite(BigInt::from(int), i64::from(fmt.lsb())),
                Decoded::Inf { negative } => Exact::Inf { negative },
                Decoded::NaN => Exact::NaN,
            };
            let back = encode_element(fmt, &x);
            let want = match d {
                Decoded::NaN | Decoded::Inf { .. } => None,
                _ if fmt == MxFormat::Int8 && code == 0x80 => Some(0x81),
                _ if fmt != MxFormat::Int8 && code == negative_zero => Some(0),
                _ => Some(code),
            };
            assert_eq!(back, want, "{fmt} {code:#x}");
            checked[k] += 1;
        }
    }
    assert_eq!(checked, [256, 256, 256, 64, 64, 16]);
}

#[test]
fn e8m0_scales() {
    assert_eq!(scale_exponent(0), Some(-127));
    assert_eq!(scale_exponent(127), Some(0));
    assert_eq!(scale_exponent(254), Some(127));
    assert_eq!(scale_exponent(SCALE_NAN), None);
    assert_eq!(SCALE_NAN, 0xFF);
}
