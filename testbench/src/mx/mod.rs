//! The golden side of OCP Microscaling (MX v1.0) block dot products: element
//! formats and their exact decode, the E8M0 scale, exact block and long
//! dots, the fixed-point accumulator a core follows (docs/spec/mx-numerics.md),
//! round-to-nearest-even to binary32, and the float32/bf16 → MX quantizer.

pub mod accum;
pub mod cases;
pub mod error;
pub mod exact;
pub mod format;
pub mod fp32;
pub mod golden;
pub mod layer;
pub mod quant;
pub mod scale;
pub mod tensor;

pub use accum::{AccumResult, AccumSpec, ScaleWindow, accumulator_bits, golden_accumulate};
pub use error::MxError;
pub use exact::Exact;
pub use format::{Decoded, FloatLayout, MxFormat};
pub use fp32::to_f32_rne;
pub use golden::{block_dot, dot};
pub use quant::{encode_element, quantize, quantize_bf16, quantize_block};
pub use scale::{SCALE_BIAS, SCALE_MAX, SCALE_NAN, scale_exponent};
pub use tensor::{BLOCK_SIZES, DEFAULT_BLOCK, MxTensor, dequantize, dequantize_element};
