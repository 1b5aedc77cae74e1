//! `.npy` files through `npyz`: reading one float array as a [`Matrix`] and
//! writing float32 ones.

use std::fs::File;
use std::io::{BufReader, BufWriter, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use npyz::{DType, NpyFile, NpyHeader, Order, TypeChar, TypeStr, WriterBuilder};

use super::{Matrix, Source, TensorError, check_matrix};

/// The first bytes of every `.npy` file.
pub(super) const MAGIC: &[u8] = b"\x93NUMPY";

/// Headers nested deeper than this are refused before parsing.
const MAX_NESTING: usize = 32;

/// Reads the one array of a `.npy` file, whose magic the caller has seen.
pub(super) fn read(src: &mut Source, tensor: Option<&str>) -> Result<Matrix, TensorError> {
    if let Some(name) = tensor {
        return Err(TensorError::InvalidInput {
            file: src.file.clone(),
            detail: format!(
                "a .npy file holds one unnamed array, but tensor '{name}' was asked for; give no tensor name"
            ),
        });
    }
    let (header_start, data_start) = header_span(src)?;
    let head = src.read_at(0, data_start)?;
    let (preamble, text) = head.split_at(header_start as usize);
    let text = clean_header_text(text).map_err(|e| src.malformed(e))?;
    let mut cleaned = preamble[..8].to_vec();
    if header_start == 10 {
        cleaned.extend_from_slice(&(text.len() as u16).to_le_bytes());
    } else {
        cleaned.extend_from_slice(&(text.len() as u32).to_le_bytes());
    }
    cleaned.extend_from_slice(&text);
    let header = NpyHeader::from_reader(Cursor::new(cleaned)).map_err(|e| {
        src.malformed(format!(
            "the .npy header cannot be read ({}); save the array with numpy.save",
            one_line(&e.to_string())
        ))
    })?;
    let dtype = header.dtype();
    let descr = match &dtype {
        DType::Plain(ts) => ts.to_string(),
        _ => "structured".to_string(),
    };
    let Some(elem) = Elem::of(&dtype) else {
        return Err(TensorError::UnsupportedDtype {
            file: src.file.clone(),
            tensor: None,
            dtype: descr,
        });
    };
    let (rows, cols, need) = src.matrix_dims(None, header.shape(), elem.size())?;
    let have = src.len - data_start;
    if have != need {
        return Err(TensorError::DataLength {
            file: src.file.clone(),
            tensor: None,
            shape: header.shape().to_vec(),
            dtype: format!("'{descr}'"),
            expected: need,
            actual: have,
        });
    }
    let fortran = header.order() == Order::Fortran;
    let io = |source| TensorError::Io {
        file: src.file.clone(),
        action: "read it",
        source,
    };
    src.f.seek(SeekFrom::Start(data_start)).map_err(io)?;
    let data = BufReader::new((&mut src.f).take(need));
    let values = elem.read(NpyFile::with_header(header, data)).map_err(io)?;
    let data = if fortran {
        transpose(&values, rows, cols)
    } else {
        values
    };
    Ok(Matrix { rows, cols, data })
}

/// Where the header text starts and where it ends (the data starts),
/// checked to lie in the file.
fn header_span(src: &mut Source) -> Result<(u64, u64), TensorError> {
    if src.len < 10 {
        return Err(src.truncated(format!(
            "it ends after {} bytes, inside the 10-byte .npy preamble",
            src.len
        )));
    }
    let pre = src.read_at(0, src.len.min(12))?;
    let (major, minor) = (pre[6], pre[7]);
    let (header_len, header_start) = match (major, minor) {
        (1, 0) => (u64::from(u16::from_le_bytes([pre[8], pre[9]])), 10),
        (2 | 3, 0) if pre.len() < 12 => {
            return Err(src.truncated(format!(
                "it ends after {} bytes, inside the 12-byte .npy preamble",
                src.len
            )));
        }
        (2 | 3, 0) => (
            u64::from(u32::from_le_bytes([pre[8], pre[9], pre[10], pre[11]])),
            12,
        ),
        _ => {
            return Err(src.malformed(format!(
                ".npy format version {major}.{minor} is not supported; save it with numpy.save (versions 1.0 to 3.0)"
            )));
        }
    };
    let end = header_start + header_len;
    if end > src.len {
        return Err(src.truncated(format!(
            "the header of {header_len} bytes goes beyond the end of the file ({} bytes)",
            src.len
        )));
    }
    Ok((header_start, end))
}

/// The header text as npyz parses it, Python 2 long suffixes ("3L")
/// dropped; or why it is refused before parsing: not UTF-8, nested deeper
/// than [`MAX_NESTING`], or numbers whose product (the element count)
/// overflows.
fn clean_header_text(text: &[u8]) -> Result<Vec<u8>, String> {
    let corrupt = |what: &str| format!("the .npy header {what}; save the array with numpy.save");
    let mut depth = 0usize;
    for &b in text {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_NESTING {
            return Err(corrupt("is nested too deeply"));
        }
    }
    if std::str::from_utf8(text).is_err() {
        return Err(corrupt("is not text"));
    }
    let mut out = Vec::with_capacity(text.len());
    let mut product = 1u64;
    let mut rest = text;
    while !rest.is_empty() {
        let word_len = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .unwrap_or(rest.len())
            .max(1);
        let (word, tail) = rest.split_at(word_len);
        rest = tail;
        if !word[0].is_ascii_digit() {
            out.extend_from_slice(word);
            continue;
        }
        let digits = word
            .strip_suffix(b"L")
            .or_else(|| word.strip_suffix(b"l"))
            .unwrap_or(word);
        let value = std::str::from_utf8(digits)
            .ok()
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<u64>().ok())
            .ok_or_else(|| corrupt("holds a number numpy does not write"))?;
        product = product
            .checked_mul(value.max(1))
            .ok_or_else(|| corrupt("has a shape too large for any file"))?;
        out.extend_from_slice(digits);
    }
    Ok(out)
}

/// A parser's message, perhaps several lines with a caret under the text,
/// as one line: its first line and its "= expected …" note.
fn one_line(message: &str) -> String {
    let mut lines = message.lines().map(str::trim);
    let first = lines.next().unwrap_or_default().replace("-->", "at");
    let first = first.split_whitespace().collect::<Vec<_>>().join(" ");
    let notes = lines.filter_map(|l| l.strip_prefix('=')).map(str::trim);
    std::iter::once(first.as_str())
        .chain(notes)
        .collect::<Vec<_>>()
        .join("; ")
}

/// `values` holds a `rows × cols` matrix column by column; returns it row by row.
fn transpose(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    (0..rows * cols)
        .map(|i| values[(i % cols) * rows + i / cols])
        .collect()
}

/// The float element types read from `.npy` files.
#[derive(Debug, Clone, Copy)]
enum Elem {
    F64,
    F32,
    F16,
}

impl Elem {
    fn of(dtype: &DType) -> Option<Elem> {
        let DType::Plain(ts) = dtype else {
            return None;
        };
        match (ts.type_char(), ts.size_field()) {
            (TypeChar::Float, 8) => Some(Elem::F64),
            (TypeChar::Float, 4) => Some(Elem::F32),
            (TypeChar::Float, 2) => Some(Elem::F16),
            _ => None,
        }
    }

    fn size(self) -> u64 {
        match self {
            Elem::F64 => 8,
            Elem::F32 => 4,
            Elem::F16 => 2,
        }
    }

    /// All the file's values, in file order, as f32.
    fn read<R: Read>(self, npy: NpyFile<R>) -> std::io::Result<Vec<f32>> {
        Ok(match self {
            Elem::F64 => npy
                .into_vec::<f64>()?
                .into_iter()
                .map(|v| v as f32)
                .collect(),
            Elem::F32 => npy.into_vec::<f32>()?,
            Elem::F16 => npy
                .into_vec::<half::f16>()?
                .into_iter()
                .map(half::f16::to_f32)
                .collect(),
        })
    }
}

/// Writes a float32 `.npy` file (format version 1.0, little-endian, C order,
/// 2-D shape rows × cols) — used by tests and by the example-data script.
pub fn write_npy_f32(path: &Path, m: &Matrix) -> Result<(), TensorError> {
    let file = path.display().to_string();
    check_matrix(&file, None, m)?;
    let io = |source| TensorError::Io {
        file: file.clone(),
        action: "write it",
        source,
    };
    let dtype: TypeStr = "<f4".parse().expect("'<f4' is a numpy type string");
    let out = BufWriter::new(File::create(path).map_err(io)?);
    let mut w = npyz::WriteOptions::new()
        .dtype(DType::Plain(dtype))
        .shape(&[m.rows as u64, m.cols as u64])
        .writer(out)
        .begin_nd()
        .map_err(io)?;
    w.extend(m.data.iter().copied()).map_err(io)?;
    w.finish().map_err(io)
}

/// A C-order `.npy` file of a `rows` × `cols` matrix of `data`, as bytes
/// (`<f4` for `f32`, `<i8` for `i64`), for writing atomically.
pub fn npy_bytes<T: npyz::AutoSerialize + Copy>(
    rows: usize,
    cols: usize,
    data: &[T],
) -> Result<Vec<u8>, TensorError> {
    let io = |source| TensorError::Io {
        file: "an .npy buffer".into(),
        action: "write it",
        source,
    };
    let mut out = Vec::new();
    {
        let mut w = npyz::WriteOptions::new()
            .default_dtype()
            .shape(&[rows as u64, cols as u64])
            .writer(&mut out)
            .begin_nd()
            .map_err(io)?;
        w.extend(data.iter().copied()).map_err(io)?;
        w.finish().map_err(io)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_reads_columns_into_rows() {
        // [[0, 1, 2], [3, 4, 5]] stored column by column.
        let stored = [0.0, 3.0, 1.0, 4.0, 2.0, 5.0];
        assert_eq!(transpose(&stored, 2, 3), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    }

    #[test]
    fn header_text_cleaning() {
        let py2 = b"{'descr': '<f4', 'fortran_order': False, 'shape': (4096L, 11008), }";
        assert_eq!(
            clean_header_text(py2).unwrap(),
            b"{'descr': '<f4', 'fortran_order': False, 'shape': (4096, 11008), }"
        );
        let huge =
            b"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }";
        assert!(clean_header_text(huge).unwrap_err().contains("too large"));
        let hex = b"{'shape': (0x10, 2)}";
        assert!(clean_header_text(hex).is_err());
        let deep = [b'('; 40];
        assert!(clean_header_text(&deep).unwrap_err().contains("nested"));
    }

    #[test]
    fn parser_messages_on_one_line() {
        let pest = "syntax error:  --> 1:13\n  |\n1 | {'shape': (3\n  |             ^---\n  |\n  = expected digit";
        assert_eq!(one_line(pest), "syntax error: at 1:13; expected digit");
        assert_eq!(
            one_line("dict is missing key 'shape'"),
            "dict is missing key 'shape'"
        );
    }
}
