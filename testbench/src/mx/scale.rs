//! The E8M0 shared block scale: X = 2^(e − 127) for codes 0..=254, NaN at 0xFF.

/// The E8M0 code that means NaN.
pub const SCALE_NAN: u8 = 0xFF;
/// The E8M0 exponent bias.
pub const SCALE_BIAS: i32 = 127;
/// The largest finite E8M0 code (X = 2^127).
pub const SCALE_MAX: u8 = 254;

/// The power of two `X = 2^k` an E8M0 code stands for, as `Some(k)`, or
/// `None` for the NaN code 0xFF.
pub fn scale_exponent(code: u8) -> Option<i32> {
    (code != SCALE_NAN).then(|| i32::from(code) - SCALE_BIAS)
}

/// Whether an E8M0 code is the NaN scale.
pub fn is_nan_scale(code: u8) -> bool {
    code == SCALE_NAN
}
