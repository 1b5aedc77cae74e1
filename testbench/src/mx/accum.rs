//! The fixed-point block-dot accumulator an MX core implements, as specified
//! in docs/spec/mx-numerics.md: its width, its LSB weight, and the exact
//! output (value and out_flag) it must produce.

use num_bigint::{BigInt, BigUint};
use num_traits::{One, Zero};

use super::error::MxError;
use super::exact::Exact;
use super::format::{Decoded, MxFormat};
use super::scale::{SCALE_BIAS, SCALE_MAX};
use super::tensor::{DEFAULT_BLOCK, MxTensor, check_block};

/// The block count [`AccumSpec::new`] sizes for by default (a 4096-element
/// dot at block 32).
pub const DEFAULT_MAX_BLOCKS: usize = 128;
/// The lowest block-amax octave (floor(log2 amax)) the default window admits.
pub const DEFAULT_AMAX_OCTAVE_LO: i32 = -10;
/// The highest block-amax octave the default window admits.
pub const DEFAULT_AMAX_OCTAVE_HI: i32 = 5;

/// An inclusive range of E8M0 scale codes an accumulator accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ScaleWindow {
    /// Lowest accepted code.
    pub min: u8,
    /// Highest accepted code (at most 254).
    pub max: u8,
}

impl ScaleWindow {
    /// The window `[min, max]`, refused if empty or if it reaches 0xFF.
    pub fn new(min: u8, max: u8) -> Result<ScaleWindow, MxError> {
        let w = ScaleWindow { min, max };
        w.check()?;
        Ok(w)
    }

    /// Checks `min <= max <= 254`.
    pub fn check(self) -> Result<(), MxError> {
        if self.min <= self.max && self.max <= SCALE_MAX {
            Ok(())
        } else {
            Err(MxError::Window {
                min: self.min,
                max: self.max,
            })
        }
    }

    /// The scale codes the quantizer gives blocks of `fmt` whose amax lies in
    /// `[2^lo, 2^(hi+1))`, clipped to 0..=254.
    pub fn for_amax_octaves(fmt: MxFormat, lo: i32, hi: i32) -> Result<ScaleWindow, MxError> {
        let code = |octave: i32| {
            (i64::from(octave) - i64::from(fmt.emax()) + i64::from(SCALE_BIAS))
                .clamp(0, i64::from(SCALE_MAX)) as u8
        };
        ScaleWindow::new(code(lo), code(hi))
    }

    /// The default window for `fmt`: blocks with amax in [2^−10, 2^6), 16
    /// codes (see docs/spec/mx-numerics.md for why).
    pub fn default_for(fmt: MxFormat) -> ScaleWindow {
        let code = |octave: i32| (octave - fmt.emax() + SCALE_BIAS) as u8;
        ScaleWindow {
            min: code(DEFAULT_AMAX_OCTAVE_LO),
            max: code(DEFAULT_AMAX_OCTAVE_HI),
        }
    }

    /// Whether `code` lies in the window (never true for 0xFF in a valid one).
    pub fn contains(self, code: u8) -> bool {
        self.min <= code && code <= self.max
    }

    /// `max − min`: the extra alignment shift the window allows.
    pub fn span(self) -> u32 {
        u32::from(self.max.saturating_sub(self.min))
    }
}

/// Everything that sizes an accumulator: operand formats, block size, the
/// number of blocks per output, and each operand's scale window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct AccumSpec {
    /// Element format of operand A.
    pub a_fmt: MxFormat,
    /// Element format of operand B.
    pub b_fmt: MxFormat,
    /// Elements per block (8, 16 or 32).
    pub block: usize,
    /// The most blocks one output accumulates.
    pub max_blocks: usize,
    /// Scale codes accepted for A.
    pub a_window: ScaleWindow,
    /// Scale codes accepted for B.
    pub b_window: ScaleWindow,
}

/// What the accumulator outputs: `acc · 2^lsb_exp` is the sum, unless
/// `flag` is set, in which case `acc` is 0.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccumResult {
    /// The accumulator, in units of 2^[`AccumSpec::lsb_exp`].
    pub acc: BigInt,
    /// out_flag: some block had a scale outside its window (or 0xFF) or a
    /// NaN/Inf element.
    pub flag: bool,
}

impl AccumResult {
    /// The value the output stands for: NaN if flagged, else `acc · 2^lsb`.
    pub fn value(&self, spec: &AccumSpec) -> Exact {
        if self.flag {
            Exact::NaN
        } else {
            Exact::finite(self.acc.clone(), spec.lsb_exp())
        }
    }
}

impl AccumSpec {
    /// A specification with the default windows of each format.
    pub fn new(a_fmt: MxFormat, b_fmt: MxFormat, block: usize, max_blocks: usize) -> AccumSpec {
        AccumSpec {
            a_fmt,
            b_fmt,
            block,
            max_blocks,
            a_window: ScaleWindow::default_for(a_fmt),
            b_window: ScaleWindow::default_for(b_fmt),
        }
    }

    /// The default specification: block 32, 128 blocks, default windows.
    pub fn default_for(a_fmt: MxFormat, b_fmt: MxFormat) -> AccumSpec {
        AccumSpec::new(a_fmt, b_fmt, DEFAULT_BLOCK, DEFAULT_MAX_BLOCKS)
    }

    /// Checks the block size and both windows.
    pub fn check(&self) -> Result<(), MxError> {
        check_block(self.block)?;
        self.a_window.check()?;
        self.b_window.check()
    }

    /// The accumulator width in bits ([`accumulator_bits`]).
    pub fn bits(&self) -> u32 {
        accumulator_bits(
            self.a_fmt,
            self.b_fmt,
            self.block,
            self.max_blocks,
            self.a_window,
            self.b_window,
        )
    }

    /// The largest magnitude the accumulator can hold:
    /// `max_blocks · block · Ma · Mb · 2^(span_a + span_b)`.
    pub fn bound(&self) -> BigUint {
        let per_product = BigUint::from(self.a_fmt.max_decoded_magnitude() as u64)
            * BigUint::from(self.b_fmt.max_decoded_magnitude() as u64);
        let shift = u64::from(self.a_window.span()) + u64::from(self.b_window.span());
        (per_product * BigUint::from(self.block) * BigUint::from(self.max_blocks)) << shift
    }

    /// The exponent of the accumulator's LSB weight:
    /// `lsb_a + lsb_b + (min_a − 127) + (min_b − 127)`.
    pub fn lsb_exp(&self) -> i64 {
        i64::from(self.a_fmt.lsb())
            + i64::from(self.b_fmt.lsb())
            + i64::from(self.a_window.min)
            + i64::from(self.b_window.min)
            - 2 * i64::from(SCALE_BIAS)
    }
}

/// The signed accumulator width that holds every sum of at most
/// `max_blocks` block dots with scales in the windows:
/// `bitlen(max_blocks · block · Ma · Mb · 2^(span_a + span_b)) + 1`, where
/// `M` is the largest magnitude a code decodes to in LSB units.
pub fn accumulator_bits(
    a_fmt: MxFormat,
    b_fmt: MxFormat,
    block: usize,
    max_blocks: usize,
    a_window: ScaleWindow,
    b_window: ScaleWindow,
) -> u32 {
    let spec = AccumSpec {
        a_fmt,
        b_fmt,
        block,
        max_blocks,
        a_window,
        b_window,
    };
    u32::try_from(spec.bound().bits() + 1).unwrap_or(u32::MAX)
}

/// What a core following `spec` outputs for `a · b`: the exact aligned sum
/// of the block dots, or `acc = 0, flag = true` if any block pair has a
/// scale outside its window (0xFF included) or a NaN/Inf element code.
pub fn golden_accumulate(
    spec: &AccumSpec,
    a: &MxTensor,
    b: &MxTensor,
) -> Result<AccumResult, MxError> {
    spec.check()?;
    a.check()?;
    b.check()?;
    expect_shape('A', a, spec.a_fmt, spec.block)?;
    expect_shape('B', b, spec.b_fmt, spec.block)?;
    if a.codes.len() != b.codes.len() {
        return Err(MxError::LengthMismatch {
            a: a.codes.len(),
            b: b.codes.len(),
        });
    }
    if a.blocks() > spec.max_blocks {
        return Err(MxError::TooManyBlocks {
            blocks: a.blocks(),
            max: spec.max_blocks,
        });
    }
    let flagged = AccumResult {
        acc: BigInt::zero(),
        flag: true,
    };
    let mut acc = BigInt::zero();
    for i in 0..a.blocks() {
        let (sa, sb) = (a.scales[i], b.scales[i]);
        if !spec.a_window.contains(sa) || !spec.b_window.contains(sb) {
            return Ok(flagged);
        }
        let Some(p) = block_integer_dot(a.format, a.block_codes(i), b.format, b.block_codes(i))
        else {
            return Ok(flagged);
        };
        let shift = u64::from(sa - spec.a_window.min) + u64::from(sb - spec.b_window.min);
        acc += BigInt::from(p) << shift;
    }
    Ok(AccumResult { acc, flag: false })
}

/// The two's-complement bit pattern of `value` in `bits` bits (as the core
/// drives it), reduced modulo 2^bits.
pub fn twos_complement(value: &BigInt, bits: u32) -> BigUint {
    let modulus = BigInt::one() << bits;
    let r = ((value % &modulus) + &modulus) % &modulus;
    r.to_biguint().unwrap_or_default()
}

/// `Σ int_a · int_b` of one block pair, or `None` if an element is NaN/Inf.
fn block_integer_dot(a_fmt: MxFormat, a: &[u8], b_fmt: MxFormat, b: &[u8]) -> Option<i128> {
    let mut sum = 0i128;
    for (&ca, &cb) in a.iter().zip(b) {
        match (a_fmt.decode(ca), b_fmt.decode(cb)) {
            (Decoded::Finite { int: x }, Decoded::Finite { int: y }) => {
                sum += i128::from(x) * i128::from(y);
            }
            _ => return None,
        }
    }
    Some(sum)
}

fn expect_shape(operand: char, t: &MxTensor, fmt: MxFormat, block: usize) -> Result<(), MxError> {
    if t.format == fmt && t.block == block {
        Ok(())
    } else {
        Err(MxError::ShapeMismatch {
            operand,
            found: format!("{} block {}", t.format, t.block),
            expected: format!("{fmt} block {block}"),
        })
    }
}
