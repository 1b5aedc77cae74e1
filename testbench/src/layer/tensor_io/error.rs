//! The one error type of tensor reading and writing.

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
    /// The tensor's element type is not a supported float type.
    #[error("{file}: {}dtype '{dtype}' is not supported; save {}", subject(.tensor), supported(.tensor))]
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

/// The float types a file may hold: `.npy` (no tensor name) or `.safetensors`.
fn supported(tensor: &Option<String>) -> &'static str {
    match tensor {
        Some(_) => "F32, F64, F16 or BF16",
        None => "float32, float64 or float16",
    }
}

fn subject(tensor: &Option<String>) -> String {
    match tensor {
        Some(name) => format!("tensor '{name}': "),
        None => String::new(),
    }
}

/// At most this many names are listed in an error message.
const MAX_LISTED: usize = 32;

/// The names, quoted and comma-separated, cut short past [`MAX_LISTED`].
pub(super) fn list_names(names: &[&str]) -> String {
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
