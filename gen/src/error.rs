//! Everything that can go wrong while rendering or writing a core, each a
//! one-line message naming the problem and the fix.

use std::path::PathBuf;

use lutforge_hdl::ir::BuildError;

/// A failure to render or write a generated core.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// The module hierarchy is inconsistent (two different modules share a name).
    #[error("cannot render the module hierarchy: {0}")]
    Hierarchy(Box<BuildError>),

    /// The IR breaks one of the rules of `lutforge_hdl::ir::verify` (only
    /// possible for a module not made, or changed after, by the builder).
    #[error("{0}; build the module with `ModuleBuilder`, which checks this")]
    InvalidIr(Box<BuildError>),

    /// Two things in one module would get the same Verilog name.
    #[error(
        "module `{module}`: the name `{name}` is used by both {first} and {second}; give each signal, port and instance of a module a distinct name"
    )]
    NameClash {
        /// Module being rendered.
        module: String,
        /// The doubled name.
        name: String,
        /// What the name was first given to.
        first: String,
        /// What it was given to again.
        second: String,
    },

    /// A core or file name that cannot be used.
    #[error("`{name}` cannot be used as {what}: {problem}")]
    BadName {
        /// The name.
        name: String,
        /// What it was meant to name.
        what: &'static str,
        /// Why it is refused and what to use instead.
        problem: String,
    },

    /// The metadata does not describe the module being written.
    #[error(
        "metadata does not match module `{module}`: {problem}; build the metadata from the same module (see `port_info`)"
    )]
    MetadataMismatch {
        /// The module.
        module: String,
        /// What differs.
        problem: String,
    },

    /// A metadata value that JSON cannot carry.
    #[error("metadata field `{field}` is {value}; give a finite number")]
    BadMetadata {
        /// The field.
        field: &'static str,
        /// Its value.
        value: String,
    },

    /// The output folder path names an existing file.
    #[error("output folder `{}` is a file; give --out a folder path", .path.display())]
    OutputIsFile {
        /// The path given.
        path: PathBuf,
    },

    /// A file-system operation failed.
    #[error("cannot {action} `{}`: {source}; check that the folder exists and is writable", .path.display())]
    Io {
        /// What was being done ("create folder", "write", ...).
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// A template failed to compile or render (a bug in lutforge-gen).
    #[error(
        "template `{template}` failed: {message}; this is a bug in lutforge-gen, please report it"
    )]
    Template {
        /// The template's name.
        template: String,
        /// Tera's message, on one line.
        message: String,
    },

    /// Serialising the metadata to JSON failed.
    #[error("cannot serialise the metadata to JSON: {0}; check the `params` and `extra` values")]
    Json(#[from] serde_json::Error),
}

impl From<BuildError> for GenError {
    fn from(e: BuildError) -> GenError {
        GenError::Hierarchy(Box::new(e))
    }
}

impl GenError {
    /// The error of a module that fails `Module::verify`: a name clash of
    /// the hierarchy or of one module keeps its own variant.
    pub fn from_verify(e: BuildError) -> GenError {
        match e {
            BuildError::ModuleNameClash { .. } => GenError::from(e),
            BuildError::NameClash {
                module,
                name,
                first,
                second,
            } => GenError::NameClash {
                module,
                name,
                first,
                second,
            },
            e => GenError::InvalidIr(Box::new(e)),
        }
    }
}
