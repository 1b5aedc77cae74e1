//! Running a real layer: reading weight and activation tensors from `.npy`
//! and `.safetensors` files ([`tensor_io`]) and the BitNet b1.58
//! quantization maths of docs/spec/algorithms.md §2 ([`quant`]): absmean ternary
//! weights, per-token absmax int8 activations, dequantization, the float
//! reference and error metrics.

pub mod quant;
pub mod tensor_io;

pub use quant::{
    ErrorStats, Int8Activations, TernaryWeights, dequantize, error_stats, float_matmul,
    quantize_activations_absmax, quantize_weights_absmean, random_activations,
};
pub use tensor_io::{
    Matrix, TensorError, npy_bytes, read_matrix, write_npy_f32, write_safetensors,
};
