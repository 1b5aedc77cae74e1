//! Exact MX block dot products and longer dots that sum them.

use num_bigint::BigInt;

use super::error::MxError;
use super::exact::Exact;
use super::format::{Decoded, MxFormat};
use super::scale::scale_exponent;
use super::tensor::MxTensor;

/// The exact dot of one block pair, `X(A)·X(B)·Σ P_i(A)·P_i(B)`: NaN if a
/// scale or an element is NaN or a product is Inf·0 or infinities of both
/// signs meet, ±Inf if only infinities of one sign occur, else exact. The
/// block size is the codes' length (any length; both must match).
pub fn block_dot(
    a_fmt: MxFormat,
    a_codes: &[u8],
    a_scale: u8,
    b_fmt: MxFormat,
    b_codes: &[u8],
    b_scale: u8,
) -> Result<Exact, MxError> {
    if a_codes.len() != b_codes.len() {
        return Err(MxError::LengthMismatch {
            a: a_codes.len(),
            b: b_codes.len(),
        });
    }
    let (Some(sa), Some(sb)) = (scale_exponent(a_scale), scale_exponent(b_scale)) else {
        return Ok(Exact::NaN);
    };
    let mut sum: i128 = 0;
    let mut special: Option<Exact> = None;
    for (&ca, &cb) in a_codes.iter().zip(b_codes) {
        match (a_fmt.decode(ca), b_fmt.decode(cb)) {
            (Decoded::Finite { int: x }, Decoded::Finite { int: y }) => {
                sum += i128::from(x) * i128::from(y);
            }
            (da, db) => {
                let p = decoded_exact(da).mul(&decoded_exact(db));
                special = Some(match special {
                    None => p,
                    Some(s) => s.add(&p),
                });
            }
        }
    }
    if let Some(s) = special {
        return Ok(s);
    }
    let exp = i64::from(a_fmt.lsb() + b_fmt.lsb() + sa + sb);
    Ok(Exact::finite(BigInt::from(sum), exp))
}

/// The exact dot of two MX tensors: the IEEE-style sum of their block dots
/// (formats may differ; block sizes and lengths must match).
pub fn dot(a: &MxTensor, b: &MxTensor) -> Result<Exact, MxError> {
    a.check()?;
    b.check()?;
    if a.block != b.block || a.codes.len() != b.codes.len() {
        return Err(MxError::LengthMismatch {
            a: a.codes.len(),
            b: b.codes.len(),
        });
    }
    let mut acc = Exact::zero();
    for i in 0..a.blocks() {
        let d = block_dot(
            a.format,
            a.block_codes(i),
            a.scales[i],
            b.format,
            b.block_codes(i),
            b.scales[i],
        )?;
        acc = acc.add(&d);
    }
    Ok(acc)
}

/// The exact value of a decoded element at scale 2^0 (in units of 2^lsb:
/// the caller scales finite values).
fn decoded_exact(d: Decoded) -> Exact {
    match d {
        Decoded::Finite { int } => Exact::finite(BigInt::from(int), 0),
        Decoded::Inf { negative } => Exact::Inf { negative },
        Decoded::NaN => Exact::NaN,
    }
}
