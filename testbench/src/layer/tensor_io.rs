//! Reading 2-D float tensors from NumPy `.npy` and `.safetensors` files, and
//! writing them (for tests and example data). Both formats are parsed here,
//! with no extra dependency: float32, float16 and bfloat16 data, little-endian,
//! C order. Bad files give a one-line [`TensorError`], never a panic.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

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

/// Why a tensor file could not be read or written. Every message is one line
/// naming the file, the problem and the fix.
#[derive(Debug, thiserror::Error)]
pub enum TensorError {
    /// The file could not be opened, read or written.
    #[error("{file}: cannot {action}: {source}")]
    Io {
        /// The file, as given.
        file: String,
        /// What was being done ("open it", "read it", "write it").
        action: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file ends before the header or data it announces.
    #[error("{file}: the file is truncated: {detail}; copy or save it again")]
    Truncated {
        /// The file, as given.
        file: String,
        /// Where it ends and what was expected.
        detail: String,
    },
    /// The file's header cannot be parsed, or the file is not of a known format.
    #[error("{file}: {detail}")]
    Malformed {
        /// The file, as given.
        file: String,
        /// The problem and its fix.
        detail: String,
    },
    /// The tensor's element type is not float32, float16 or bfloat16 (little-endian).
    #[error("{file}: {}dtype '{dtype}' is not supported; save float32, float16 or bfloat16", subject(.tensor))]
    UnsupportedDtype {
        /// The file, as given.
        file: String,
        /// The tensor's name (None for a `.npy` file).
        tensor: Option<String>,
        /// The dtype as the file spells it ('<i4', 'F64', …).
        dtype: String,
    },
    /// The tensor is neither 1-D nor 2-D.
    #[error("{file}: {}the tensor is {rank}-D; lutforge reads 2-D weight matrices (reshape it to rows × cols before saving)", subject(.tensor))]
    Rank {
        /// The file, as given.
        file: String,
        /// The tensor's name (None for a `.npy` file).
        tensor: Option<String>,
        /// Its number of dimensions.
        rank: usize,
    },
    /// A `.npy` array stored in Fortran (column-major) order.
    #[error(
        "{file}: the array is in Fortran order; save it in C order (numpy.save(f, numpy.ascontiguousarray(x)))"
    )]
    FortranOrder {
        /// The file, as given.
        file: String,
    },
    /// The data length disagrees with the shape and dtype.
    #[error("{file}: {}shape {shape:?} of {dtype} needs {expected} bytes of data but the file holds {actual}; the file is truncated or its header is wrong", subject(.tensor))]
    DataLength {
        /// The file, as given.
        file: String,
        /// The tensor's name (None for a `.npy` file).
        tensor: Option<String>,
        /// The shape from the header.
        shape: Vec<u64>,
        /// The dtype from the header.
        dtype: String,
        /// Bytes the shape needs.
        expected: u64,
        /// Bytes the file holds for it.
        actual: u64,
    },
    /// A `.safetensors` file has no tensor of the requested name.
    #[error("{file}: no tensor named '{name}'; the file holds {available}")]
    MissingTensor {
        /// The file, as given.
        file: String,
        /// The requested name.
        name: String,
        /// The names it does hold, listed.
        available: String,
    },
    /// No tensor name was given but the file does not hold exactly one tensor.
    #[error("{file}: the file holds {count} tensors ({available}); name the one to read")]
    AmbiguousTensor {
        /// The file, as given.
        file: String,
        /// How many tensors it holds.
        count: usize,
        /// Their names, listed.
        available: String,
    },
    /// Bad arguments: a tensor name for a `.npy` file, a matrix whose data
    /// disagrees with its shape, an unknown dtype to write, ….
    #[error("{file}: {detail}")]
    InvalidInput {
        /// The file, as given.
        file: String,
        /// The problem and its fix.
        detail: String,
    },
}

fn subject(tensor: &Option<String>) -> String {
    match tensor {
        Some(name) => format!("tensor '{name}': "),
        None => String::new(),
    }
}

/// At most this many names are listed in an error message.
const MAX_LISTED: usize = 32;

fn list_names(names: &[&str]) -> String {
    if names.is_empty() {
        return "no tensors".to_string();
    }
    let mut s = names
        .iter()
        .take(MAX_LISTED)
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > MAX_LISTED {
        s.push_str(&format!(", … and {} more", names.len() - MAX_LISTED));
    }
    s
}

// ---------------------------------------------------------------------------
// Half-precision conversions.

/// IEEE 754 binary16 bits → f32, exactly (subnormals, ±inf, NaN payloads kept).
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from((h >> 10) & 0x1f);
    let mant = u32::from(h & 0x3ff);
    let bits = match exp {
        0 if mant == 0 => sign,
        0 => {
            // Subnormal: mant · 2^-24, exact in f32.
            let v = mant as f32 * f32::from_bits(0x3380_0000); // 2^-24
            sign | v.to_bits()
        }
        31 => sign | 0x7f80_0000 | (mant << 13),
        _ => sign | ((exp + 112) << 23) | (mant << 13),
    };
    f32::from_bits(bits)
}

/// bfloat16 bits → f32, exactly.
pub(crate) fn bf16_to_f32(b: u16) -> f32 {
    f32::from_bits(u32::from(b) << 16)
}

/// f32 → IEEE 754 binary16 bits, rounding to nearest even (overflow → ±inf,
/// NaN stays a quiet NaN).
pub(crate) fn f32_to_f16(x: f32) -> u16 {
    let b = x.to_bits();
    let sign = ((b >> 16) & 0x8000) as u16;
    let exp = ((b >> 23) & 0xff) as i32;
    let mant = b & 0x7f_ffff;
    if exp == 0xff {
        return if mant == 0 {
            sign | 0x7c00
        } else {
            sign | 0x7e00 | (mant >> 13) as u16
        };
    }
    let e = exp - 127;
    if e > 15 {
        return sign | 0x7c00;
    }
    if e >= -14 {
        let mut h = (((e + 15) as u32) << 10) | (mant >> 13);
        let rem = mant & 0x1fff;
        if rem > 0x1000 || (rem == 0x1000 && h & 1 == 1) {
            h += 1; // a carry into the exponent is right, up to inf
        }
        return sign | h as u16;
    }
    if e < -25 {
        return sign; // below half the smallest subnormal (f32 subnormals too)
    }
    // Subnormal half: value = m · 2^(e-23), in units of 2^-24 that is m >> shift.
    let m = mant | 0x80_0000;
    let shift = (-(e + 1)) as u32; // 14..=24
    let mut h = m >> shift;
    let rem = m & ((1u32 << shift) - 1);
    let half = 1u32 << (shift - 1);
    if rem > half || (rem == half && h & 1 == 1) {
        h += 1;
    }
    sign | h as u16
}

/// f32 → bfloat16 bits, rounding to nearest even (NaN stays a quiet NaN).
pub(crate) fn f32_to_bf16(x: f32) -> u16 {
    let b = x.to_bits();
    if x.is_nan() {
        return ((b >> 16) | 0x40) as u16;
    }
    let round = 0x7fff + ((b >> 16) & 1);
    (b.wrapping_add(round) >> 16) as u16
}

// ---------------------------------------------------------------------------
// Element types.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Elem {
    F32,
    F16,
    Bf16,
}

impl Elem {
    fn size(self) -> u64 {
        match self {
            Elem::F32 => 4,
            Elem::F16 | Elem::Bf16 => 2,
        }
    }

    fn decode(self, bytes: &[u8]) -> Vec<f32> {
        match self {
            Elem::F32 => bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            Elem::F16 => bytes
                .chunks_exact(2)
                .map(|c| f16_to_f32(u16::from_le_bytes([c[0], c[1]])))
                .collect(),
            Elem::Bf16 => bytes
                .chunks_exact(2)
                .map(|c| bf16_to_f32(u16::from_le_bytes([c[0], c[1]])))
                .collect(),
        }
    }

    fn encode(self, data: &[f32], out: &mut Vec<u8>) {
        for &v in data {
            match self {
                Elem::F32 => out.extend_from_slice(&v.to_le_bytes()),
                Elem::F16 => out.extend_from_slice(&f32_to_f16(v).to_le_bytes()),
                Elem::Bf16 => out.extend_from_slice(&f32_to_bf16(v).to_le_bytes()),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Reading.

/// An open file with its name (for messages) and length.
struct Source {
    file: String,
    f: File,
    len: u64,
}

impl Source {
    fn io(&self, action: &'static str) -> impl Fn(std::io::Error) -> TensorError + use<> {
        let file = self.file.clone();
        move |source| TensorError::Io {
            file: file.clone(),
            action,
            source,
        }
    }

    /// Reads `n` bytes at `offset`; the caller has checked they lie in the file.
    fn read_at(&mut self, offset: u64, n: u64) -> Result<Vec<u8>, TensorError> {
        let n = usize::try_from(n)
            .map_err(|_| self.malformed("the tensor is too large for this machine"))?;
        let mut buf = vec![0u8; n];
        let io = self.io("read it");
        self.f.seek(SeekFrom::Start(offset)).map_err(&io)?;
        self.f.read_exact(&mut buf).map_err(io)?;
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
}

const NPY_MAGIC: &[u8] = b"\x93NUMPY";

/// Reads a 2-D (or 1-D, read as one row) float32/float16/bfloat16 tensor:
/// from a `.npy` file (recognised by its magic; `tensor` must be None, a
/// `.npy` file holds one unnamed array), or from a `.safetensors` file
/// (`tensor` names the tensor; when None the file must hold exactly one
/// tensor, else the error lists the names). `.npy` supports dtypes '<f4' and
/// '<f2'; `.safetensors` supports F32, F16 and BF16. Little-endian, C order
/// only. Halves are converted to f32 exactly. Only the chosen tensor's bytes
/// are read, so large checkpoint files are fine.
pub fn read_matrix(path: &Path, tensor: Option<&str>) -> Result<Matrix, TensorError> {
    let file = path.display().to_string();
    let f = File::open(path).map_err(|source| TensorError::Io {
        file: file.clone(),
        action: "open it",
        source,
    })?;
    let mut src = Source { file, len: 0, f };
    src.len = src.f.metadata().map_err(src.io("read it"))?.len();
    let mut prefix = Vec::with_capacity(9);
    let io = src.io("read it");
    (&mut src.f).take(9).read_to_end(&mut prefix).map_err(io)?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    if prefix.starts_with(NPY_MAGIC) {
        return read_npy(&mut src, tensor);
    }
    match ext.as_deref() {
        Some("npy") if NPY_MAGIC.starts_with(&prefix) => Err(src.truncated(format!(
            "it ends after {} bytes, inside the .npy magic",
            src.len
        ))),
        Some("npy") => Err(src.malformed(
            "not a .npy file: it does not start with \\x93NUMPY; save the array with numpy.save",
        )),
        Some("safetensors") => read_safetensors(&mut src, tensor),
        _ if looks_like_safetensors(&prefix, src.len) => read_safetensors(&mut src, tensor),
        _ => Err(src.malformed(
            "neither a .npy nor a .safetensors file; save the tensor with numpy.save or safetensors",
        )),
    }
}

fn looks_like_safetensors(prefix: &[u8], len: u64) -> bool {
    if prefix.len() < 9 {
        return false;
    }
    let n = u64::from_le_bytes(prefix[..8].try_into().expect("8 bytes"));
    n >= 2 && n <= len - 8 && prefix[8] == b'{'
}

/// Rows and columns of a 1-D or 2-D shape, and the number of data bytes it needs.
fn matrix_shape(
    src: &Source,
    tensor: Option<&str>,
    shape: &[u64],
    elem: Elem,
) -> Result<(usize, usize, u64), TensorError> {
    let (rows, cols) = match *shape {
        [n] => (1, n),
        [r, c] => (r, c),
        _ => {
            return Err(TensorError::Rank {
                file: src.file.clone(),
                tensor: tensor.map(str::to_string),
                rank: shape.len(),
            });
        }
    };
    let too_big = || {
        src.malformed(format!(
            "shape {shape:?} is too large; the header is corrupt"
        ))
    };
    let bytes = rows
        .checked_mul(cols)
        .and_then(|n| n.checked_mul(elem.size()))
        .ok_or_else(too_big)?;
    let rows = usize::try_from(rows).map_err(|_| too_big())?;
    let cols = usize::try_from(cols).map_err(|_| too_big())?;
    Ok((rows, cols, bytes))
}

fn read_npy(src: &mut Source, tensor: Option<&str>) -> Result<Matrix, TensorError> {
    if let Some(name) = tensor {
        return Err(TensorError::InvalidInput {
            file: src.file.clone(),
            detail: format!(
                "a .npy file holds one unnamed array, but tensor '{name}' was asked for; give no tensor name"
            ),
        });
    }
    if src.len < 10 {
        return Err(src.truncated(format!(
            "it ends after {} bytes, inside the 10-byte .npy preamble",
            src.len
        )));
    }
    let pre = src.read_at(0, 10)?;
    let (major, minor) = (pre[6], pre[7]);
    let (header_len, header_start) = match major {
        1 => (u64::from(u16::from_le_bytes([pre[8], pre[9]])), 10u64),
        2 | 3 => {
            if src.len < 12 {
                return Err(src.truncated(format!(
                    "it ends after {} bytes, inside the 12-byte .npy preamble",
                    src.len
                )));
            }
            let b = src.read_at(8, 4)?;
            (
                u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                12u64,
            )
        }
        _ => {
            return Err(src.malformed(format!(
                ".npy format version {major}.{minor} is not supported; save it with numpy.save (versions 1.0 to 3.0)"
            )));
        }
    };
    let data_start = header_start + header_len;
    if data_start > src.len {
        return Err(src.truncated(format!(
            "the header of {header_len} bytes goes beyond the end of the file ({} bytes)",
            src.len
        )));
    }
    let header = src.read_at(header_start, header_len)?;
    let header = String::from_utf8(header).map_err(|_| {
        src.malformed("the .npy header is not text; save the array with numpy.save")
    })?;
    let dict = parse_npy_header(&header).map_err(|e| {
        src.malformed(format!(
            "the .npy header is not a valid dictionary ({e}); save the array with numpy.save"
        ))
    })?;

    let descr = match dict.get("descr") {
        Some(Py::Str(s)) => s.clone(),
        Some(Py::List(_)) => {
            return Err(TensorError::UnsupportedDtype {
                file: src.file.clone(),
                tensor: None,
                dtype: "structured".to_string(),
            });
        }
        _ => {
            return Err(src.malformed(
                "the .npy header has no string 'descr'; save the array with numpy.save",
            ));
        }
    };
    let fortran = match dict.get("fortran_order") {
        Some(Py::Bool(b)) => *b,
        _ => {
            return Err(src.malformed(
                "the .npy header has no boolean 'fortran_order'; save the array with numpy.save",
            ));
        }
    };
    let shape = match dict.get("shape") {
        Some(Py::Tuple(items)) => items
            .iter()
            .map(|v| match v {
                Py::Int(n) => u64::try_from(*n).ok(),
                _ => None,
            })
            .collect::<Option<Vec<u64>>>(),
        _ => None,
    }
    .ok_or_else(|| {
        src.malformed(
            "the .npy header has no tuple 'shape' of sizes; save the array with numpy.save",
        )
    })?;

    let elem = match descr.as_str() {
        "<f4" => Elem::F32,
        "<f2" => Elem::F16,
        ">f4" | ">f2" => {
            return Err(src.malformed(format!(
                "dtype '{descr}' is big-endian; save it little-endian (x.astype('<{}'))",
                &descr[1..]
            )));
        }
        _ => {
            return Err(TensorError::UnsupportedDtype {
                file: src.file.clone(),
                tensor: None,
                dtype: descr,
            });
        }
    };
    if fortran {
        return Err(TensorError::FortranOrder {
            file: src.file.clone(),
        });
    }
    let (rows, cols, need) = matrix_shape(src, None, &shape, elem)?;
    let have = src.len - data_start;
    if have != need {
        return Err(TensorError::DataLength {
            file: src.file.clone(),
            tensor: None,
            shape,
            dtype: format!("'{descr}'"),
            expected: need,
            actual: have,
        });
    }
    let bytes = src.read_at(data_start, need)?;
    Ok(Matrix {
        rows,
        cols,
        data: elem.decode(&bytes),
    })
}

fn read_safetensors(src: &mut Source, tensor: Option<&str>) -> Result<Matrix, TensorError> {
    if src.len < 8 {
        return Err(src.truncated(format!(
            "it is {} bytes long, shorter than the 8-byte .safetensors header length",
            src.len
        )));
    }
    let b = src.read_at(0, 8)?;
    let header_len = u64::from_le_bytes(b.try_into().expect("8 bytes"));
    if header_len > src.len - 8 {
        return Err(src.truncated(format!(
            "the header length {header_len} goes beyond the end of the file ({} bytes)",
            src.len
        )));
    }
    let buffer_start = 8 + header_len;
    let buffer_len = src.len - buffer_start;
    let header = src.read_at(8, header_len)?;
    let header: serde_json::Value = serde_json::from_slice(&header).map_err(|e| {
        src.malformed(format!(
            "the .safetensors header is not valid JSON ({e}); save the file with safetensors"
        ))
    })?;
    let Some(obj) = header.as_object() else {
        return Err(src.malformed(
            "the .safetensors header is not a JSON object; save the file with safetensors",
        ));
    };
    let names: Vec<&str> = obj
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "__metadata__")
        .collect();
    let name = match tensor {
        Some(name) if names.contains(&name) => name.to_string(),
        Some(name) => {
            return Err(TensorError::MissingTensor {
                file: src.file.clone(),
                name: name.to_string(),
                available: list_names(&names),
            });
        }
        None if names.len() == 1 => names[0].to_string(),
        None if names.is_empty() => {
            return Err(src.malformed("the file holds no tensors; save the weights into it"));
        }
        None => {
            return Err(TensorError::AmbiguousTensor {
                file: src.file.clone(),
                count: names.len(),
                available: list_names(&names),
            });
        }
    };
    // A file cut short is caught even when the chosen tensor survived whole.
    let buffer_end = obj
        .iter()
        .filter(|(k, _)| *k != "__metadata__")
        .filter_map(|(k, v)| Some((k, v.get("data_offsets")?.get(1)?.as_u64()?)))
        .max_by_key(|&(_, end)| end);
    if let Some((last, end)) = buffer_end
        && end > buffer_len
    {
        return Err(src.truncated(format!(
            "tensor '{last}' ends at byte {end} of the data buffer, which holds only {buffer_len} bytes"
        )));
    }
    let entry = &obj[&name];
    let bad_entry = |what: &str| {
        src.malformed(format!(
            "tensor '{name}' has {what} in the .safetensors header; save the file with safetensors"
        ))
    };
    let dtype = entry
        .get("dtype")
        .and_then(|v| v.as_str())
        .ok_or_else(|| bad_entry("no string 'dtype'"))?
        .to_string();
    let shape = entry
        .get("shape")
        .and_then(|v| v.as_array())
        .and_then(|a| a.iter().map(|d| d.as_u64()).collect::<Option<Vec<u64>>>())
        .ok_or_else(|| bad_entry("no 'shape' array of sizes"))?;
    let offsets = entry
        .get("data_offsets")
        .and_then(|v| v.as_array())
        .and_then(|a| a.iter().map(|d| d.as_u64()).collect::<Option<Vec<u64>>>())
        .filter(|o| o.len() == 2)
        .ok_or_else(|| bad_entry("no 'data_offsets' pair [begin, end]"))?;
    let (begin, end) = (offsets[0], offsets[1]);
    if begin > end {
        return Err(bad_entry("'data_offsets' with begin after end"));
    }
    let elem = match dtype.as_str() {
        "F32" => Elem::F32,
        "F16" => Elem::F16,
        "BF16" => Elem::Bf16,
        _ => {
            return Err(TensorError::UnsupportedDtype {
                file: src.file.clone(),
                tensor: Some(name),
                dtype,
            });
        }
    };
    let (rows, cols, need) = matrix_shape(src, Some(&name), &shape, elem)?;
    if end > buffer_len {
        return Err(src.truncated(format!(
            "tensor '{name}' ends at byte {end} of the data buffer, which holds only {buffer_len} bytes"
        )));
    }
    if end - begin != need {
        return Err(TensorError::DataLength {
            file: src.file.clone(),
            tensor: Some(name),
            shape,
            dtype,
            expected: need,
            actual: end - begin,
        });
    }
    let bytes = src.read_at(buffer_start + begin, need)?;
    Ok(Matrix {
        rows,
        cols,
        data: elem.decode(&bytes),
    })
}

// ---------------------------------------------------------------------------
// The .npy header: a Python dict literal.

#[derive(Debug, Clone, PartialEq)]
enum Py {
    Str(String),
    Int(i128),
    Bool(bool),
    None,
    Tuple(Vec<Py>),
    List(Vec<Py>),
    Dict(Vec<(Py, Py)>),
}

/// The header's dict, keyed by string.
struct PyDict(Vec<(String, Py)>);

impl PyDict {
    fn get(&self, key: &str) -> Option<&Py> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

fn parse_npy_header(s: &str) -> Result<PyDict, String> {
    let mut p = PyParser {
        s: s.as_bytes(),
        i: 0,
    };
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("unexpected text at byte {}", p.i));
    }
    let Py::Dict(items) = v else {
        return Err("it is not a dict".to_string());
    };
    items
        .into_iter()
        .map(|(k, v)| match k {
            Py::Str(k) => Ok((k, v)),
            _ => Err("a key is not a string".to_string()),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(PyDict)
}

struct PyParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl PyParser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Py, String> {
        if depth > 32 {
            return Err("nested too deeply".to_string());
        }
        self.ws();
        match self.peek() {
            None => Err("it ends early".to_string()),
            Some(b'{') => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.i += 1;
                        return Ok(Py::Dict(items));
                    }
                    let k = self.value(depth + 1)?;
                    self.ws();
                    if self.peek() != Some(b':') {
                        return Err(format!("expected ':' at byte {}", self.i));
                    }
                    self.i += 1;
                    let v = self.value(depth + 1)?;
                    items.push((k, v));
                    if !self.separator(b'}')? {
                        self.i += 1;
                        return Ok(Py::Dict(items));
                    }
                }
            }
            Some(open @ (b'(' | b'[')) => {
                let close = if open == b'(' { b')' } else { b']' };
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.peek() == Some(close) {
                        self.i += 1;
                        break;
                    }
                    items.push(self.value(depth + 1)?);
                    if !self.separator(close)? {
                        self.i += 1;
                        break;
                    }
                }
                Ok(if open == b'(' {
                    Py::Tuple(items)
                } else {
                    Py::List(items)
                })
            }
            Some(b'\'' | b'"') => self.string(),
            Some(b'u' | b'b') if matches!(self.s.get(self.i + 1), Some(b'\'' | b'"')) => {
                self.i += 1;
                self.string()
            }
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                self.i += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                let text =
                    std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?;
                let n = text
                    .parse::<i128>()
                    .map_err(|_| format!("bad integer '{text}'"))?;
                if matches!(self.peek(), Some(b'L' | b'l')) {
                    self.i += 1; // Python 2 long
                }
                Ok(Py::Int(n))
            }
            Some(_) => {
                for (word, v) in [
                    ("True", Py::Bool(true)),
                    ("False", Py::Bool(false)),
                    ("None", Py::None),
                ] {
                    if self.s[self.i..].starts_with(word.as_bytes()) {
                        self.i += word.len();
                        return Ok(v);
                    }
                }
                Err(format!("unexpected character at byte {}", self.i))
            }
        }
    }

    /// After an item: consumes a ',' and returns true (more may follow), or
    /// finds `close` (not consumed) and returns false.
    fn separator(&mut self, close: u8) -> Result<bool, String> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                Ok(true)
            }
            Some(c) if c == close => Ok(false),
            _ => Err(format!(
                "expected ',' or '{}' at byte {}",
                close as char, self.i
            )),
        }
    }

    fn string(&mut self) -> Result<Py, String> {
        let quote = self.s[self.i];
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err("a string is not closed".to_string()),
                Some(c) if c == quote => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => {
                    let Some(&c) = self.s.get(self.i + 1) else {
                        return Err("a string is not closed".to_string());
                    };
                    out.push(c);
                    self.i += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        String::from_utf8(out)
            .map(Py::Str)
            .map_err(|_| "a string is not UTF-8".to_string())
    }
}

// ---------------------------------------------------------------------------
// Writing.

fn check_matrix(file: &str, name: Option<&str>, m: &Matrix) -> Result<(), TensorError> {
    if m.rows.checked_mul(m.cols) != Some(m.data.len()) {
        return Err(TensorError::InvalidInput {
            file: file.to_string(),
            detail: format!(
                "{}the matrix is {}×{} but holds {} values; make data.len() = rows × cols",
                subject(&name.map(str::to_string)),
                m.rows,
                m.cols,
                m.data.len()
            ),
        });
    }
    Ok(())
}

fn write_file(path: &Path, file: &str, parts: &[&[u8]]) -> Result<(), TensorError> {
    let io = |source| TensorError::Io {
        file: file.to_string(),
        action: "write it",
        source,
    };
    let mut w = BufWriter::new(File::create(path).map_err(io)?);
    for part in parts {
        w.write_all(part).map_err(io)?;
    }
    w.flush().map_err(io)
}

/// Writes a float32 `.npy` file (format version 1.0, C order, 2-D shape
/// rows × cols) — used by tests and by the example-data script.
pub fn write_npy_f32(path: &Path, m: &Matrix) -> Result<(), TensorError> {
    let file = path.display().to_string();
    check_matrix(&file, None, m)?;
    let mut header = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}",
        m.rows, m.cols
    );
    // Pad with spaces and end with '\n' so the data starts on a 64-byte boundary.
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let header_len = u16::try_from(header.len()).expect("a 2-D header is short");
    let mut pre = NPY_MAGIC.to_vec();
    pre.extend_from_slice(&[1, 0]);
    pre.extend_from_slice(&header_len.to_le_bytes());
    let mut data = Vec::with_capacity(m.data.len() * 4);
    Elem::F32.encode(&m.data, &mut data);
    write_file(path, &file, &[&pre, header.as_bytes(), &data])
}

/// Writes a `.safetensors` file holding the given named 2-D tensors, in the
/// given order, all in `dtype` ("F32", "F16" or "BF16"; narrowing rounds to
/// nearest even, overflow becomes ±inf). Names must be distinct and not
/// `__metadata__`.
pub fn write_safetensors(
    path: &Path,
    tensors: &[(&str, &Matrix)],
    dtype: &str,
) -> Result<(), TensorError> {
    let file = path.display().to_string();
    let invalid = |detail: String| TensorError::InvalidInput {
        file: file.clone(),
        detail,
    };
    let elem = match dtype {
        "F32" => Elem::F32,
        "F16" => Elem::F16,
        "BF16" => Elem::Bf16,
        _ => {
            return Err(invalid(format!(
                "dtype '{dtype}' cannot be written; use F32, F16 or BF16"
            )));
        }
    };
    let mut header = serde_json::Map::new();
    let mut data = Vec::new();
    for &(name, m) in tensors {
        check_matrix(&file, Some(name), m)?;
        if name == "__metadata__" {
            return Err(invalid(
                "'__metadata__' is reserved and cannot name a tensor; rename it".to_string(),
            ));
        }
        let begin = data.len();
        elem.encode(&m.data, &mut data);
        let entry = serde_json::json!({
            "dtype": dtype,
            "shape": [m.rows, m.cols],
            "data_offsets": [begin, data.len()],
        });
        if header.insert(name.to_string(), entry).is_some() {
            return Err(invalid(format!(
                "tensor name '{name}' is given twice; give each tensor its own name"
            )));
        }
    }
    let mut header = serde_json::Value::Object(header).to_string();
    while !header.len().is_multiple_of(8) {
        header.push(' ');
    }
    let len = (header.len() as u64).to_le_bytes();
    write_file(path, &file, &[&len, header.as_bytes(), &data])
}

#[cfg(test)]
mod tests {
    use super::*;
    use tempfile::TempDir;

    fn m(rows: usize, cols: usize, data: &[f32]) -> Matrix {
        assert_eq!(data.len(), rows * cols);
        Matrix {
            rows,
            cols,
            data: data.to_vec(),
        }
    }

    fn bits(m: &Matrix) -> Vec<u32> {
        m.data.iter().map(|v| v.to_bits()).collect()
    }

    /// A hand-made .npy file (version 1.0) with the given header dict and data bytes.
    fn npy_bytes(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut header = dict.to_string();
        while !(10 + header.len() + 1).is_multiple_of(64) {
            header.push(' ');
        }
        header.push('\n');
        let mut out = NPY_MAGIC.to_vec();
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    /// A hand-made .safetensors file with the given JSON header and data buffer.
    fn st_bytes(header: &str, data: &[u8]) -> Vec<u8> {
        let mut out = (header.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn f32_bytes(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    fn put(dir: &TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// The error message, checked to be one line starting with the file name.
    fn err_msg(path: &Path, tensor: Option<&str>) -> String {
        let e = read_matrix(path, tensor).expect_err("reading should fail");
        let msg = e.to_string();
        assert!(!msg.contains('\n'), "multi-line message: {msg}");
        assert!(
            msg.starts_with(&path.display().to_string()),
            "message does not name the file: {msg}"
        );
        msg
    }

    fn sample() -> Matrix {
        m(
            3,
            4,
            &[
                1.0,
                -2.0,
                0.5,
                -0.0,
                3.25,
                1e-40,
                f32::INFINITY,
                -7.5e30,
                123.456,
                -0.001,
                65504.0,
                f32::MIN_POSITIVE,
            ],
        )
    }

    #[test]
    fn matrix_get_and_row() {
        let a = m(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(a.get(1, 0), 4.0);
        assert_eq!(a.get(0, 2), 3.0);
        assert_eq!(a.row(1), &[4.0, 5.0, 6.0]);
    }

    #[test]
    fn f16_known_patterns() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x03ff), 1023.0 * 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x0400), 2f32.powi(-14));
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x8000).to_bits(), (-0.0f32).to_bits());
        assert_eq!(f16_to_f32(0x7c00), f32::INFINITY);
        assert_eq!(f16_to_f32(0xfc00), f32::NEG_INFINITY);
        assert!(f16_to_f32(0x7e00).is_nan());
        assert!(f16_to_f32(0x7c01).is_nan());
        assert!(f16_to_f32(0xfe00).is_nan());

        assert_eq!(f32_to_f16(1.0), 0x3c00);
        assert_eq!(f32_to_f16(-2.0), 0xc000);
        assert_eq!(f32_to_f16(65504.0), 0x7bff);
        assert_eq!(f32_to_f16(2f32.powi(-24)), 0x0001);
        assert_eq!(f32_to_f16(f32::INFINITY), 0x7c00);
        assert_eq!(f32_to_f16(f32::NEG_INFINITY), 0xfc00);
        assert_eq!(f32_to_f16(f32::NAN) & 0x7e00, 0x7e00);
        // Round to nearest even at the edges.
        assert_eq!(f32_to_f16(65519.0), 0x7bff);
        assert_eq!(f32_to_f16(65520.0), 0x7c00); // the tie goes to inf (even)
        assert_eq!(f32_to_f16(1e6), 0x7c00);
        assert_eq!(f32_to_f16(2f32.powi(-25)), 0x0000); // tie to even: 0
        assert_eq!(f32_to_f16(1.5 * 2f32.powi(-25)), 0x0001);
        assert_eq!(f32_to_f16(3.0 * 2f32.powi(-25)), 0x0002); // tie 1.5 ulp → 2
        assert_eq!(f32_to_f16(-1e-30), 0x8000);
        assert_eq!(f32_to_f16(1.0 + 2f32.powi(-11)), 0x3c00); // tie → even
        assert_eq!(f32_to_f16(1.0 + 3.0 * 2f32.powi(-11)), 0x3c02); // tie → even
    }

    #[test]
    fn f16_exhaustive_round_trip_and_ties() {
        for h in 0..=u16::MAX {
            let x = f16_to_f32(h);
            if x.is_nan() {
                assert!(f16_to_f32(f32_to_f16(x)).is_nan());
                continue;
            }
            assert_eq!(f32_to_f16(x), h, "half {h:#06x} = {x}");
            // Between h and the next half of larger magnitude (finite, same sign).
            let next = h + 1;
            if h & 0x7fff < 0x7bff {
                let y = f16_to_f32(next);
                let mid = (x + y) / 2.0; // exact in f32
                let even = if h & 1 == 0 { h } else { next };
                assert_eq!(
                    f32_to_f16(mid),
                    even,
                    "tie between {h:#06x} and {next:#06x}"
                );
                let up = f32::from_bits(mid.to_bits() + 1);
                let down = f32::from_bits(mid.to_bits() - 1);
                assert_eq!(f32_to_f16(up), next);
                assert_eq!(f32_to_f16(down), h);
            }
        }
    }

    #[test]
    fn bf16_known_patterns() {
        assert_eq!(bf16_to_f32(0x3f80), 1.0);
        assert_eq!(bf16_to_f32(0xc000), -2.0);
        assert_eq!(bf16_to_f32(0x7f7f), 3.389_531_4e38);
        assert_eq!(bf16_to_f32(0x0001), 2f32.powi(-133));
        assert_eq!(bf16_to_f32(0x0080), f32::MIN_POSITIVE);
        assert_eq!(bf16_to_f32(0x7f80), f32::INFINITY);
        assert_eq!(bf16_to_f32(0xff80), f32::NEG_INFINITY);
        assert!(bf16_to_f32(0x7fc0).is_nan());

        assert_eq!(f32_to_bf16(1.0), 0x3f80);
        assert_eq!(f32_to_bf16(-2.0), 0xc000);
        assert_eq!(f32_to_bf16(f32::INFINITY), 0x7f80);
        assert!(bf16_to_f32(f32_to_bf16(f32::NAN)).is_nan());
        // A NaN whose payload sits only in the low bits must stay NaN.
        assert!(bf16_to_f32(f32_to_bf16(f32::from_bits(0x7f80_0001))).is_nan());
        assert_eq!(f32_to_bf16(1.0 + 2f32.powi(-8)), 0x3f80); // tie → even
        assert_eq!(f32_to_bf16(1.0 + 3.0 * 2f32.powi(-8)), 0x3f82); // tie → even
        assert_eq!(f32_to_bf16(1.0 + 2f32.powi(-8) + 2f32.powi(-20)), 0x3f81);
        assert_eq!(f32_to_bf16(f32::MAX), 0x7f80); // rounds up to inf
        for b in 0..=u16::MAX {
            let x = bf16_to_f32(b);
            if !x.is_nan() {
                assert_eq!(f32_to_bf16(x), b);
            }
        }
    }

    #[test]
    fn npy_f32_round_trip() {
        let dir = TempDir::new().unwrap();
        let p = dir.path().join("w.npy");
        let a = sample();
        write_npy_f32(&p, &a).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0);
        assert_eq!(bytes.len(), 10 + header_len + 48);
        let b = read_matrix(&p, None).unwrap();
        assert_eq!((b.rows, b.cols), (3, 4));
        assert_eq!(bits(&b), bits(&a));
        // NaN survives bit for bit too.
        let n = m(1, 2, &[f32::NAN, -1.0]);
        write_npy_f32(&p, &n).unwrap();
        assert_eq!(bits(&read_matrix(&p, None).unwrap()), bits(&n));
        // An empty matrix.
        let e = m(0, 5, &[]);
        write_npy_f32(&p, &e).unwrap();
        assert_eq!(read_matrix(&p, None).unwrap(), e);
    }

    #[test]
    fn npy_hand_made_f2_and_1d() {
        let dir = TempDir::new().unwrap();
        let halves: [u16; 6] = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000];
        let data: Vec<u8> = halves.iter().flat_map(|h| h.to_le_bytes()).collect();
        let p = put(
            &dir,
            "h.npy",
            &npy_bytes(
                "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }",
                &data,
            ),
        );
        let a = read_matrix(&p, None).unwrap();
        assert_eq!((a.rows, a.cols), (2, 3));
        assert_eq!(a.row(0), &[1.0, -2.0, 0.5]);
        assert_eq!(a.get(1, 0), 65504.0);
        assert_eq!(a.get(1, 1), 2f32.powi(-24));
        assert_eq!(a.get(1, 2).to_bits(), (-0.0f32).to_bits());

        // 1-D reads as one row; Python 2 style "L" sizes and key order do not matter.
        let p = put(
            &dir,
            "v.npy",
            &npy_bytes(
                "{'shape': (3L,), 'fortran_order': False, 'descr': '<f4'}",
                &f32_bytes(&[1.5, 2.5, -3.5]),
            ),
        );
        assert_eq!(read_matrix(&p, None).unwrap(), m(1, 3, &[1.5, 2.5, -3.5]));
    }

    #[test]
    fn npy_version_2_header() {
        let dir = TempDir::new().unwrap();
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }\n";
        let mut bytes = NPY_MAGIC.to_vec();
        bytes.extend_from_slice(&[2, 0]);
        bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(&f32_bytes(&[7.0, -8.0]));
        let p = put(&dir, "v2.npy", &bytes);
        assert_eq!(read_matrix(&p, None).unwrap(), m(1, 2, &[7.0, -8.0]));
    }

    #[test]
    fn safetensors_round_trips() {
        let dir = TempDir::new().unwrap();
        let a = sample();
        let b = m(1, 3, &[0.1, 0.2, 0.3]);
        let p = dir.path().join("t.safetensors");

        write_safetensors(&p, &[("layer.w", &a), ("layer.b", &b)], "F32").unwrap();
        assert_eq!(bits(&read_matrix(&p, Some("layer.w")).unwrap()), bits(&a));
        assert_eq!(read_matrix(&p, Some("layer.b")).unwrap(), b);
        let bytes = std::fs::read(&p).unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        assert_eq!(n % 8, 0);
        assert_eq!(bytes.len(), 8 + n + 48 + 12);

        // Exactly representable in both halves: exact.
        let exact = m(2, 4, &[1.0, -2.0, 0.5, 0.0, -0.25, 3.0, 96.0, -1024.0]);
        for dtype in ["F16", "BF16"] {
            write_safetensors(&p, &[("w", &exact)], dtype).unwrap();
            assert_eq!(read_matrix(&p, None).unwrap(), exact, "{dtype}");
        }
        // Otherwise within half an ulp: 2^-11 relative for F16, 2^-8 for BF16.
        let vals: Vec<f32> = (0..200)
            .map(|i| ((i as f32) * 0.731).sin() * 10f32.powi(i % 5 - 2))
            .collect();
        let rough = m(10, 20, &vals);
        for (dtype, rel) in [("F16", 2f32.powi(-11)), ("BF16", 2f32.powi(-8))] {
            write_safetensors(&p, &[("w", &rough)], dtype).unwrap();
            let back = read_matrix(&p, Some("w")).unwrap();
            assert_eq!((back.rows, back.cols), (10, 20));
            for (x, y) in rough.data.iter().zip(&back.data) {
                assert!(
                    (x - y).abs() <= x.abs() * rel,
                    "{dtype}: {x} read back as {y}"
                );
            }
        }
        // F16 overflow becomes inf; values agree with the bit-level conversion.
        write_safetensors(&p, &[("w", &m(1, 2, &[70000.0, -1e-9]))], "F16").unwrap();
        let back = read_matrix(&p, None).unwrap();
        assert_eq!(back.data[0], f32::INFINITY);
        assert_eq!(back.data[1].to_bits(), (-0.0f32).to_bits());
    }

    #[test]
    fn safetensors_hand_made_with_metadata_and_unknown_extension() {
        let dir = TempDir::new().unwrap();
        let header = r#"{"__metadata__":{"format":"pt"},"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}  "#;
        let data: Vec<u8> = [0x3f80u16, 0xc040]
            .iter()
            .flat_map(|h| h.to_le_bytes())
            .collect();
        let bytes = st_bytes(header, &data);
        let p = put(&dir, "x.safetensors", &bytes);
        assert_eq!(read_matrix(&p, None).unwrap(), m(1, 2, &[1.0, -3.0]));
        // Sniffed without the extension, too.
        let p = put(&dir, "x.bin", &bytes);
        assert_eq!(read_matrix(&p, None).unwrap(), m(1, 2, &[1.0, -3.0]));
    }

    #[test]
    fn errors_truncated() {
        let dir = TempDir::new().unwrap();
        let p = dir.path().join("w.npy");
        write_npy_f32(&p, &sample()).unwrap();
        let full = std::fs::read(&p).unwrap();

        // Data cut short.
        let q = put(&dir, "cut.npy", &full[..full.len() - 5]);
        let msg = err_msg(&q, None);
        assert!(
            msg.contains("needs 48 bytes") && msg.contains("holds 43"),
            "{msg}"
        );
        // Header cut short.
        let q = put(&dir, "cuthead.npy", &full[..40]);
        let msg = err_msg(&q, None);
        assert!(
            msg.contains("truncated") && msg.contains("beyond the end"),
            "{msg}"
        );
        // Preamble cut short, magic cut short, empty file.
        for (name, len) in [("pre.npy", 8), ("magic.npy", 3), ("empty.npy", 0)] {
            let q = put(&dir, name, &full[..len]);
            let msg = err_msg(&q, None);
            assert!(msg.contains("truncated"), "{msg}");
        }
        // Extra data after the array.
        let mut long = full.clone();
        long.extend_from_slice(&[0; 4]);
        let q = put(&dir, "long.npy", &long);
        assert!(err_msg(&q, None).contains("holds 52"));

        let p = dir.path().join("t.safetensors");
        write_safetensors(&p, &[("w", &sample())], "F32").unwrap();
        let full = std::fs::read(&p).unwrap();
        let q = put(&dir, "cut.safetensors", &full[..full.len() - 1]);
        let msg = err_msg(&q, None);
        assert!(
            msg.contains("truncated") && msg.contains("tensor 'w'"),
            "{msg}"
        );
        let q = put(&dir, "head.safetensors", &full[..20]);
        let msg = err_msg(&q, None);
        assert!(
            msg.contains("header length") && msg.contains("beyond"),
            "{msg}"
        );
        let q = put(&dir, "short.safetensors", &full[..5]);
        assert!(err_msg(&q, None).contains("truncated"));
        // A huge header length must not overflow or allocate.
        let mut huge = u64::MAX.to_le_bytes().to_vec();
        huge.extend_from_slice(b"{}");
        let q = put(&dir, "huge.safetensors", &huge);
        assert!(err_msg(&q, None).contains("beyond the end"));
    }

    #[test]
    fn errors_dtype_rank_order_shape() {
        let dir = TempDir::new().unwrap();
        let p = put(
            &dir,
            "weights.npy",
            &npy_bytes(
                "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }",
                &[0; 8],
            ),
        );
        assert_eq!(
            err_msg(&p, None),
            format!(
                "{}: dtype '<i4' is not supported; save float32, float16 or bfloat16",
                p.display()
            )
        );
        let p = put(
            &dir,
            "f8.npy",
            &npy_bytes(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }",
                &[0; 8],
            ),
        );
        assert!(err_msg(&p, None).contains("dtype '<f8' is not supported"));
        let p = put(
            &dir,
            "be.npy",
            &npy_bytes(
                "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 1), }",
                &[0; 4],
            ),
        );
        assert!(err_msg(&p, None).contains("big-endian"));
        let p = put(
            &dir,
            "cube.npy",
            &npy_bytes(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 2), }",
                &[0; 32],
            ),
        );
        assert!(err_msg(&p, None).contains("is 3-D; lutforge reads 2-D weight matrices"));
        let p = put(
            &dir,
            "scalar.npy",
            &npy_bytes(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                &[0; 4],
            ),
        );
        assert!(err_msg(&p, None).contains("is 0-D"));
        let p = put(
            &dir,
            "fortran.npy",
            &npy_bytes(
                "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
                &[0; 16],
            ),
        );
        let msg = err_msg(&p, None);
        assert!(
            msg.contains("Fortran order") && msg.contains("ascontiguousarray"),
            "{msg}"
        );
        let p = put(
            &dir,
            "junk.npy",
            &npy_bytes("{'descr': '<f4', 'shape': (2", &[]),
        );
        assert!(err_msg(&p, None).contains("not a valid dictionary"));
        let p = put(&dir, "notnpy.npy", b"hello world, not numpy");
        assert!(err_msg(&p, None).contains("does not start with"));
        let p = put(
            &dir,
            "ok.npy",
            &npy_bytes(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
                &[0; 4],
            ),
        );
        assert!(err_msg(&p, Some("w")).contains("give no tensor name"));

        // safetensors: unknown dtype, 3-D, shape/data disagreement, bad JSON.
        let p = put(
            &dir,
            "i.safetensors",
            &st_bytes(
                r#"{"w":{"dtype":"I32","shape":[1,2],"data_offsets":[0,8]}}"#,
                &[0; 8],
            ),
        );
        assert_eq!(
            err_msg(&p, None),
            format!(
                "{}: tensor 'w': dtype 'I32' is not supported; save float32, float16 or bfloat16",
                p.display()
            )
        );
        let p = put(
            &dir,
            "cube.safetensors",
            &st_bytes(
                r#"{"w":{"dtype":"F32","shape":[1,2,2],"data_offsets":[0,16]}}"#,
                &[0; 16],
            ),
        );
        assert!(
            err_msg(&p, None)
                .contains("tensor 'w': the tensor is 3-D; lutforge reads 2-D weight matrices")
        );
        let p = put(
            &dir,
            "shape.safetensors",
            &st_bytes(
                r#"{"w":{"dtype":"F16","shape":[3,3],"data_offsets":[0,16]}}"#,
                &[0; 16],
            ),
        );
        let msg = err_msg(&p, None);
        assert!(
            msg.contains("needs 18 bytes") && msg.contains("holds 16"),
            "{msg}"
        );
        let p = put(
            &dir,
            "json.safetensors",
            &st_bytes(r#"{"w": {"dtype": "F32",,}}"#, &[]),
        );
        assert!(err_msg(&p, None).contains("not valid JSON"));
        let p = put(&dir, "arr.safetensors", &st_bytes("[1, 2]", &[]));
        assert!(err_msg(&p, None).contains("not a JSON object"));
        let p = put(
            &dir,
            "offs.safetensors",
            &st_bytes(
                r#"{"w":{"dtype":"F32","shape":[1,1],"data_offsets":[4]}}"#,
                &[0; 4],
            ),
        );
        assert!(err_msg(&p, None).contains("data_offsets"));
        let p = put(&dir, "what.bin", b"just some bytes that are no tensor");
        assert!(err_msg(&p, None).contains("neither a .npy nor a .safetensors"));
        let missing = dir.path().join("nope.npy");
        assert!(err_msg(&missing, None).contains("cannot open it"));
    }

    #[test]
    fn errors_tensor_names() {
        let dir = TempDir::new().unwrap();
        let p = dir.path().join("model.safetensors");
        let a = m(1, 1, &[1.0]);
        write_safetensors(
            &p,
            &[("q_proj", &a), ("k_proj", &a), ("v_proj", &a)],
            "BF16",
        )
        .unwrap();
        let msg = err_msg(&p, Some("o_proj"));
        assert!(msg.contains("no tensor named 'o_proj'"), "{msg}");
        for name in ["'q_proj'", "'k_proj'", "'v_proj'"] {
            assert!(msg.contains(name), "{msg}");
        }
        let msg = err_msg(&p, None);
        assert!(
            msg.contains("holds 3 tensors") && msg.contains("'k_proj'"),
            "{msg}"
        );
        assert_eq!(read_matrix(&p, Some("k_proj")).unwrap(), a);

        let p = put(&dir, "none.safetensors", &st_bytes("{}", &[]));
        assert!(err_msg(&p, None).contains("no tensors"));

        // Long name lists are cut short.
        let names: Vec<String> = (0..40).map(|i| format!("t{i}")).collect();
        let tensors: Vec<(&str, &Matrix)> = names.iter().map(|n| (n.as_str(), &a)).collect();
        let p = dir.path().join("many.safetensors");
        write_safetensors(&p, &tensors, "F32").unwrap();
        assert!(err_msg(&p, None).contains("and 8 more"));
    }

    #[test]
    fn write_errors() {
        let dir = TempDir::new().unwrap();
        let bad = Matrix {
            rows: 2,
            cols: 2,
            data: vec![1.0; 3],
        };
        let p = dir.path().join("w.npy");
        assert!(matches!(
            write_npy_f32(&p, &bad),
            Err(TensorError::InvalidInput { .. })
        ));
        let p = dir.path().join("w.safetensors");
        let good = m(1, 1, &[1.0]);
        let msg = write_safetensors(&p, &[("w", &good)], "F64")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("use F32, F16 or BF16"), "{msg}");
        let msg = write_safetensors(&p, &[("w", &good), ("w", &good)], "F32")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("given twice"), "{msg}");
        assert!(write_safetensors(&p, &[("w", &bad)], "F32").is_err());
        assert!(write_safetensors(&p, &[("__metadata__", &good)], "F32").is_err());
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Every prefix and many byte-flipped copies of valid files read without panicking.
    #[test]
    fn damaged_files_never_panic() {
        let dir = tempfile::TempDir::new().unwrap();
        let a = Matrix {
            rows: 2,
            cols: 3,
            data: vec![1.0, -2.0, 0.5, 3.0, 0.0, -1.0],
        };
        let npy = dir.path().join("a.npy");
        write_npy_f32(&npy, &a).unwrap();
        let st = dir.path().join("a.safetensors");
        write_safetensors(&st, &[("a", &a), ("b", &a)], "BF16").unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for (src, name) in [(&npy, "d.npy"), (&st, "d.safetensors")] {
            let full = std::fs::read(src).unwrap();
            let p = dir.path().join(name);
            for len in 0..full.len() {
                std::fs::write(&p, &full[..len]).unwrap();
                let e = read_matrix(&p, Some("a").filter(|_| name.ends_with("tensors")));
                assert!(e.is_err(), "prefix of {len} bytes read as {e:?}");
            }
            for _ in 0..400 {
                let mut bytes = full.clone();
                for _ in 0..rng.random_range(1..4) {
                    let i = rng.random_range(0..bytes.len().min(140));
                    bytes[i] = rng.random();
                }
                std::fs::write(&p, &bytes).unwrap();
                if let Err(e) = read_matrix(&p, Some("a").filter(|_| name.ends_with("tensors"))) {
                    assert!(!e.to_string().contains('\n'), "{e}");
                }
            }
        }
    }
}
