//! `.safetensors` files through the `safetensors` crate: reading one named
//! float tensor as a [`Matrix`] and writing named matrices.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use safetensors::tensor::{Metadata, TensorInfo};
use safetensors::{Dtype, SafeTensorError, View};
use serde::Deserialize;

use super::error::list_names;
use super::{Matrix, Source, TensorError, check_matrix};

/// The key of the header's free-form string map, which names no tensor.
const METADATA_KEY: &str = "__metadata__";

/// Headers longer than this are refused, as the safetensors crate does.
const MAX_HEADER: u64 = 100_000_000;

/// Whether the first bytes of a file of `len` bytes look like a
/// `.safetensors` header (an 8-byte length, then a JSON object).
pub(super) fn looks_like(prefix: &[u8], len: u64) -> bool {
    let Some((n, rest)) = prefix.split_first_chunk::<8>() else {
        return false;
    };
    let n = u64::from_le_bytes(*n);
    n >= 2 && n <= len - 8 && rest.first() == Some(&b'{')
}

/// Reads tensor `tensor` (or the only tensor) of a `.safetensors` file.
pub(super) fn read(src: &mut Source, tensor: Option<&str>) -> Result<Matrix, TensorError> {
    let (header_len, header) = read_header(src)?;
    let (metadata, infos) = parse_header(src, &header)?;
    let names: Vec<&str> = infos.keys().map(String::as_str).collect();
    let name = match tensor {
        Some(name) if infos.contains_key(name) => name,
        Some(name) => {
            return Err(TensorError::MissingTensor {
                file: src.file.clone(),
                name: name.to_string(),
                available: list_names(&names),
            });
        }
        None if names.len() == 1 => names[0],
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
    let info = &infos[name];
    let Some(elem) = Elem::of(info.dtype) else {
        return Err(TensorError::UnsupportedDtype {
            file: src.file.clone(),
            tensor: Some(name.to_string()),
            dtype: info.dtype.to_string(),
        });
    };
    let shape: Vec<u64> = info.shape.iter().map(|&d| d as u64).collect();
    let (rows, cols, need) = src.matrix_dims(Some(name), &shape, elem.size())?;
    let (begin, end) = info.data_offsets;
    let have = end.checked_sub(begin).map(|n| n as u64);
    if have != Some(need) {
        return Err(TensorError::DataLength {
            file: src.file.clone(),
            tensor: Some(name.to_string()),
            shape,
            dtype: info.dtype.to_string(),
            expected: need,
            actual: have.unwrap_or(0),
        });
    }
    check_layout(src, header_len, metadata, &infos)?;
    let bytes = src.read_at(8 + header_len + begin as u64, need)?;
    Ok(Matrix {
        rows,
        cols,
        data: elem.decode(&bytes),
    })
}

/// The header's length and bytes, checked to lie in the file.
fn read_header(src: &mut Source) -> Result<(u64, Vec<u8>), TensorError> {
    if src.len < 8 {
        return Err(src.truncated(format!(
            "it is {} bytes long, shorter than the 8-byte .safetensors header length",
            src.len
        )));
    }
    let b = src.read_at(0, 8)?;
    let n = u64::from_le_bytes(b.try_into().expect("8 bytes were read"));
    if n > src.len - 8 {
        return Err(src.truncated(format!(
            "the header length {n} goes beyond the end of the file ({} bytes)",
            src.len
        )));
    }
    if n > MAX_HEADER {
        return Err(src.malformed(format!(
            "the .safetensors header of {n} bytes is longer than {MAX_HEADER}; save the file with safetensors"
        )));
    }
    Ok((n, src.read_at(8, n)?))
}

/// The header's `__metadata__` map and its tensors by name.
type Header = (
    Option<HashMap<String, String>>,
    BTreeMap<String, TensorInfo>,
);

fn parse_header(src: &Source, header: &[u8]) -> Result<Header, TensorError> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(header)
        .map_err(|e| {
            src.malformed(if e.is_data() {
                "the .safetensors header is not a JSON object; save the file with safetensors"
                    .to_string()
            } else {
                format!(
                    "the .safetensors header is not valid JSON ({e}); save the file with safetensors"
                )
            })
        })?;
    let mut metadata = None;
    let mut infos = BTreeMap::new();
    for (name, entry) in map {
        let bad = |e: serde_json::Error| {
            src.malformed(format!(
                "'{name}' has a bad entry in the .safetensors header ({e}); save the file with safetensors"
            ))
        };
        if name == METADATA_KEY {
            metadata = Some(HashMap::deserialize(entry).map_err(bad)?);
            continue;
        }
        if let Some(dtype) = entry.get("dtype").and_then(|d| d.as_str())
            && Dtype::deserialize(serde_json::Value::from(dtype)).is_err()
        {
            return Err(TensorError::UnsupportedDtype {
                file: src.file.clone(),
                tensor: Some(name.clone()),
                dtype: dtype.to_string(),
            });
        }
        let info = TensorInfo::deserialize(entry).map_err(bad)?;
        infos.insert(name, info);
    }
    Ok((metadata, infos))
}

/// Checks the whole file as the safetensors crate does: the tensors tile the
/// data buffer in order, each as long as its shape needs, and the buffer
/// ends where the last one does.
fn check_layout(
    src: &Source,
    header_len: u64,
    metadata: Option<HashMap<String, String>>,
    infos: &BTreeMap<String, TensorInfo>,
) -> Result<(), TensorError> {
    let mut by_offset: Vec<(String, TensorInfo)> = infos
        .iter()
        .map(|(name, info)| (name.clone(), info.clone()))
        .collect();
    by_offset.sort_by_key(|(_, info)| info.data_offsets);
    let last = by_offset.last().map(|(name, _)| name.clone());
    let layout = Metadata::new(metadata, by_offset).map_err(|e| {
        src.malformed(format!(
            "the .safetensors header is inconsistent: {e}; save the file with safetensors"
        ))
    })?;
    let buffer_len = src.len - 8 - header_len;
    let end = layout.data_len() as u64;
    if end > buffer_len {
        return Err(src.truncated(format!(
            "tensor '{}' ends at byte {end} of the data buffer, which holds only {buffer_len} bytes",
            last.unwrap_or_default()
        )));
    }
    if end < buffer_len {
        return Err(src.malformed(format!(
            "the data buffer holds {buffer_len} bytes but the tensors end at byte {end}; the file is damaged, save it again"
        )));
    }
    Ok(())
}

/// The float element types read and written.
#[derive(Debug, Clone, Copy)]
enum Elem {
    F64,
    F32,
    F16,
    Bf16,
}

impl Elem {
    fn of(dtype: Dtype) -> Option<Elem> {
        match dtype {
            Dtype::F64 => Some(Elem::F64),
            Dtype::F32 => Some(Elem::F32),
            Dtype::F16 => Some(Elem::F16),
            Dtype::BF16 => Some(Elem::Bf16),
            _ => None,
        }
    }

    fn dtype(self) -> Dtype {
        match self {
            Elem::F64 => Dtype::F64,
            Elem::F32 => Dtype::F32,
            Elem::F16 => Dtype::F16,
            Elem::Bf16 => Dtype::BF16,
        }
    }

    fn size(self) -> u64 {
        match self {
            Elem::F64 => 8,
            Elem::F32 => 4,
            Elem::F16 | Elem::Bf16 => 2,
        }
    }

    /// Little-endian elements as f32: halves exactly, F64 rounded to nearest.
    fn decode(self, bytes: &[u8]) -> Vec<f32> {
        match self {
            Elem::F64 => bytes
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32)
                .collect(),
            Elem::F32 => bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
                .collect(),
            Elem::F16 => bytes
                .chunks_exact(2)
                .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect(),
            Elem::Bf16 => bytes
                .chunks_exact(2)
                .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect(),
        }
    }

    /// f32 values as little-endian elements, narrowing to nearest even.
    fn encode(self, data: &[f32]) -> Vec<u8> {
        match self {
            Elem::F64 => data
                .iter()
                .flat_map(|&v| f64::from(v).to_le_bytes())
                .collect(),
            Elem::F32 => data.iter().flat_map(|v| v.to_le_bytes()).collect(),
            Elem::F16 => data
                .iter()
                .flat_map(|&v| half::f16::from_f32(v).to_le_bytes())
                .collect(),
            Elem::Bf16 => data
                .iter()
                .flat_map(|&v| half::bf16::from_f32(v).to_le_bytes())
                .collect(),
        }
    }
}

/// One matrix, encoded, as the safetensors crate writes it.
struct Encoded {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl View for Encoded {
    fn dtype(&self) -> Dtype {
        self.dtype
    }

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }

    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Writes a `.safetensors` file holding the given named 2-D tensors, all in
/// `dtype` ("F32", "F64", "F16" or "BF16"; narrowing rounds to nearest even,
/// overflow becomes ±inf). Names must be distinct and not `__metadata__`;
/// the file lists them sorted by name, as the safetensors crate writes.
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
        "F64" => Elem::F64,
        "F32" => Elem::F32,
        "F16" => Elem::F16,
        "BF16" => Elem::Bf16,
        _ => {
            return Err(invalid(format!(
                "dtype '{dtype}' cannot be written; use F32, F64, F16 or BF16"
            )));
        }
    };
    let mut encoded = BTreeMap::new();
    for &(name, m) in tensors {
        check_matrix(&file, Some(name), m)?;
        if name == METADATA_KEY {
            return Err(invalid(format!(
                "'{METADATA_KEY}' is reserved and cannot name a tensor; rename it"
            )));
        }
        let e = Encoded {
            dtype: elem.dtype(),
            shape: vec![m.rows, m.cols],
            bytes: elem.encode(&m.data),
        };
        if encoded.insert(name, e).is_some() {
            return Err(invalid(format!(
                "tensor name '{name}' is given twice; give each tensor its own name"
            )));
        }
    }
    safetensors::serialize_to_file(encoded, None, path).map_err(|e| match e {
        SafeTensorError::IoError(source) => TensorError::Io {
            file: file.clone(),
            action: "write it",
            source,
        },
        e => invalid(format!("cannot write the tensors: {e}")),
    })
}
