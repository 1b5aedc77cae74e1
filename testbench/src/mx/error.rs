//! The one error type of the MX golden model.

/// Why an MX operation refused its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MxError {
    /// A format name that is none of the MX element formats.
    #[error(
        "unknown MX element format `{0}` (expected one of mxint8, mxfp8-e4m3, mxfp8-e5m2, mxfp6-e3m2, mxfp6-e2m3, mxfp4-e2m1)"
    )]
    UnknownFormat(String),
    /// A block size the MX units do not support.
    #[error("block size {0} is not supported (expected 8, 16 or 32)")]
    BlockSize(usize),
    /// Two operands that should have the same length do not.
    #[error("operand lengths differ: {a} elements against {b}")]
    LengthMismatch {
        /// Length of operand A.
        a: usize,
        /// Length of operand B.
        b: usize,
    },
    /// An operand whose element format or block size is not the one expected.
    #[error("operand {operand} is {found}, expected {expected}")]
    ShapeMismatch {
        /// Which operand, `A` or `B`.
        operand: char,
        /// What the operand is (format and block).
        found: String,
        /// What the accumulator specification expects.
        expected: String,
    },
    /// More blocks than the accumulator is sized for.
    #[error("{blocks} blocks exceed the accumulator's max_blocks = {max}")]
    TooManyBlocks {
        /// Blocks given.
        blocks: usize,
        /// Blocks the accumulator is sized for.
        max: usize,
    },
    /// A scale window that is empty or contains the NaN code.
    #[error("scale window [{min}, {max}] is invalid (need min <= max <= 254)")]
    Window {
        /// Lowest E8M0 code of the window.
        min: u8,
        /// Highest E8M0 code of the window.
        max: u8,
    },
    /// A tensor whose scales and codes do not agree with its block size.
    #[error("tensor has {scales} scales and {codes} codes, inconsistent with block {block}")]
    Tensor {
        /// Number of scales.
        scales: usize,
        /// Number of element codes.
        codes: usize,
        /// Block size.
        block: usize,
    },
}
