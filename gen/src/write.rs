//! Writing generated files: each to a temporary name inside the output
//! folder, then renamed into place, and never outside that folder.

use std::io::Write;
use std::path::{Path, PathBuf};

use lutforge_hdl::ir::Module;
use lutforge_hdl::ir::ident::identifier_problem;

use crate::error::GenError;
use crate::{CoreMetadata, Header, port_info, render_fusesoc, render_metadata, render_verilog};

/// Writes one text file atomically inside `dir` (temporary name + rename);
/// refuses names with a path separator or `..`.
pub fn write_atomic(dir: &Path, file_name: &str, contents: &str) -> Result<PathBuf, GenError> {
    write_atomic_bytes(dir, file_name, contents.as_bytes())
}

/// Writes one file of bytes atomically inside `dir`, as [`write_atomic`] does.
pub fn write_atomic_bytes(
    dir: &Path,
    file_name: &str,
    contents: &[u8],
) -> Result<PathBuf, GenError> {
    let refuse = |problem: &str| GenError::BadName {
        name: file_name.into(),
        what: "a file name",
        problem: problem.into(),
    };
    if file_name.is_empty() || file_name == "." {
        return Err(refuse(
            "it is empty; give a plain file name such as `core.v`",
        ));
    }
    if file_name.contains(['/', '\\', '\0']) || file_name.contains("..") {
        return Err(refuse(
            "it contains a path separator or `..`; give a plain file name such as `core.v`",
        ));
    }
    let path = dir.join(file_name);
    let io = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source: std::io::Error| GenError::Io {
            action,
            path,
            source,
        }
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io("create a temporary file in", dir))?;
    tmp.write_all(contents).map_err(io("write", tmp.path()))?;
    // Temporary files are private (0600); a generated file is as readable as any other.
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io("set permissions of", tmp.path()))?;
    }
    tmp.as_file().sync_all().map_err(io("write", tmp.path()))?;
    // On failure the temporary file is dropped, which deletes it.
    tmp.persist(&path).map_err(|e| GenError::Io {
        action: "rename a temporary file to",
        path: path.clone(),
        source: e.error,
    })?;
    Ok(path)
}

/// Writes NAME.v, NAME.json and NAME.core into `out_dir` (created if
/// missing; an existing path that is a file is a clear error).
///
/// Everything is rendered before anything is written, and each file is
/// written to a temporary name inside `out_dir` and renamed into place, so a
/// failure never leaves a half-written file. NAME (the module's name) must
/// be a Verilog identifier, so it can never escape the folder. `meta` must
/// describe `top` (same name and ports). Returns the paths written.
pub fn write_core(
    out_dir: &Path,
    top: &Module,
    header: &Header,
    meta: &CoreMetadata,
) -> Result<Vec<PathBuf>, GenError> {
    let name = &top.name;
    if let Some(problem) = identifier_problem(name) {
        return Err(GenError::BadName {
            name: name.clone(),
            what: "a core name",
            problem,
        });
    }
    let mismatch = |problem: String| GenError::MetadataMismatch {
        module: name.clone(),
        problem,
    };
    if &meta.top != name {
        return Err(mismatch(format!("its `top` is `{}`", meta.top)));
    }
    if meta.ports != port_info(top) {
        return Err(mismatch(
            "its `ports` list differs from the module's ports".into(),
        ));
    }

    let files = [
        (format!("{name}.v"), render_verilog(top, header)?),
        (format!("{name}.json"), render_metadata(meta)?),
        (
            format!("{name}.core"),
            render_fusesoc(name, &format!("lutforge {} core `{name}`", meta.kind))?,
        ),
    ];

    if out_dir.exists() && !out_dir.is_dir() {
        return Err(GenError::OutputIsFile {
            path: out_dir.to_path_buf(),
        });
    }
    std::fs::create_dir_all(out_dir).map_err(|source| GenError::Io {
        action: "create folder",
        path: out_dir.to_path_buf(),
        source,
    })?;
    files
        .iter()
        .map(|(file, text)| write_atomic(out_dir, file, text))
        .collect()
}
