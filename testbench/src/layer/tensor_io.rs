//! Reading 2-D float tensors from NumPy `.npy` and `.safetensors` files, and
//! writing them (for tests and example data). The formats are handled by the
//! `npyz` and `safetensors` crates, halves by `half`; this module picks the
//! tensor, checks its shape and turns every problem into a one-line
//! [`TensorError`], never a panic.

mod error;
mod npy;
mod safetensors_file;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

pub use error::TensorError;
pub use npy::{npy_bytes, write_npy_f32};
pub use safetensors_file::write_safetensors;

/// A 2-D tensor of f32 values, row-major (shape rows × cols), as read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// The values, element (r, c) at index `r * cols + c`; `rows * cols` of them.
    pub data: Vec<f32>,
}

impl Matrix {
    /// The element at row `r`, column `c` (panics when out of range).
    pub fn get(&self, r: usize, c: usize) -> f32 {
        assert!(
            r < self.rows && c < self.cols,
            "element ({r}, {c}) is outside a {}×{} matrix",
            self.rows,
            self.cols
        );
        self.data[r * self.cols + c]
    }

    /// Row `r` as a slice of `cols` values (panics when out of range).
    pub fn row(&self, r: usize) -> &[f32] {
        assert!(
            r < self.rows,
            "row {r} is outside a {}×{} matrix",
            self.rows,
            self.cols
        );
        &self.data[r * self.cols..(r + 1) * self.cols]
    }
}

/// Reads a 2-D (or 1-D, read as one row) float tensor, converted to f32.
///
/// From a `.npy` file (recognised by its magic; `tensor` must be None, a
/// `.npy` file holds one unnamed array): float64, float32 or float16, either
/// byte order, C or Fortran order. From a `.safetensors` file (`tensor` names
/// the tensor; when None the file must hold exactly one tensor, else the
/// error lists the names): F64, F32, F16 or BF16. Halves convert exactly,
/// float64 rounds to nearest. Only the chosen tensor's bytes are read, so
/// large checkpoint files are fine.
pub fn read_matrix(path: &Path, tensor: Option<&str>) -> Result<Matrix, TensorError> {
    let mut src = Source::open(path)?;
    let prefix = src.read_at(0, src.len.min(9))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    if prefix.starts_with(npy::MAGIC) {
        return npy::read(&mut src, tensor);
    }
    match ext.as_deref() {
        Some("npy") if npy::MAGIC.starts_with(&prefix) => Err(src.truncated(format!(
            "it ends after {} bytes, inside the .npy magic",
            src.len
        ))),
        Some("npy") => Err(src.malformed(
            "not a .npy file: it does not start with \\x93NUMPY; save the array with numpy.save",
        )),
        Some("safetensors") => safetensors_file::read(&mut src, tensor),
        _ if safetensors_file::looks_like(&prefix, src.len) => {
            safetensors_file::read(&mut src, tensor)
        }
        _ => Err(src.malformed(
            "neither a .npy nor a .safetensors file; save the tensor with numpy.save or safetensors",
        )),
    }
}

/// An open tensor file with its name (for messages) and length.
struct Source {
    file: String,
    f: File,
    len: u64,
}

impl Source {
    fn open(path: &Path) -> Result<Source, TensorError> {
        let file = path.display().to_string();
        let io = |action| {
            let file = file.clone();
            move |source| TensorError::Io {
                file,
                action,
                source,
            }
        };
        let f = File::open(path).map_err(io("open it"))?;
        let len = f.metadata().map_err(io("read it"))?.len();
        Ok(Source { file, f, len })
    }

    /// Reads `n` bytes at `offset`; the caller has checked they lie in the file.
    fn read_at(&mut self, offset: u64, n: u64) -> Result<Vec<u8>, TensorError> {
        let n = usize::try_from(n)
            .map_err(|_| self.malformed("the tensor is too large for this machine"))?;
        let mut buf = vec![0u8; n];
        self.f
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.f.read_exact(&mut buf))
            .map_err(|source| TensorError::Io {
                file: self.file.clone(),
                action: "read it",
                source,
            })?;
        Ok(buf)
    }

    fn truncated(&self, detail: impl Into<String>) -> TensorError {
        TensorError::Truncated {
            file: self.file.clone(),
            detail: detail.into(),
        }
    }

    fn malformed(&self, detail: impl Into<String>) -> TensorError {
        TensorError::Malformed {
            file: self.file.clone(),
            detail: detail.into(),
        }
    }

    /// Rows, columns and data bytes of a 1-D or 2-D tensor of `shape` with
    /// elements of `elem_size` bytes; other ranks and sizes past the machine's
    /// are errors.
    fn matrix_dims(
        &self,
        tensor: Option<&str>,
        shape: &[u64],
        elem_size: u64,
    ) -> Result<(usize, usize, u64), TensorError> {
        let (rows, cols) = match *shape {
            [n] => (1, n),
            [r, c] => (r, c),
            _ => {
                return Err(TensorError::Rank {
                    file: self.file.clone(),
                    tensor: tensor.map(str::to_string),
                    rank: shape.len(),
                });
            }
        };
        let too_big = || {
            self.malformed(format!(
                "shape {shape:?} is too large; the header is corrupt"
            ))
        };
        let bytes = rows
            .checked_mul(cols)
            .and_then(|n| n.checked_mul(elem_size))
            .ok_or_else(too_big)?;
        let rows = usize::try_from(rows).map_err(|_| too_big())?;
        let cols = usize::try_from(cols).map_err(|_| too_big())?;
        Ok((rows, cols, bytes))
    }
}

/// The one-line error for a matrix whose data disagrees with its shape, if so.
fn check_matrix(file: &str, name: Option<&str>, m: &Matrix) -> Result<(), TensorError> {
    if m.rows.checked_mul(m.cols) == Some(m.data.len()) {
        return Ok(());
    }
    let subject = name.map_or(String::new(), |n| format!("tensor '{n}': "));
    Err(TensorError::InvalidInput {
        file: file.to_string(),
        detail: format!(
            "{subject}the matrix is {}×{} but holds {} values; make data.len() = rows × cols",
            m.rows,
            m.cols,
            m.data.len()
        ),
    })
}
