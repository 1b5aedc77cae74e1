//! Errors found while building or verifying IR, each naming the module, the
//! signal and the widths involved, and (from the builder) the generator line.

use std::panic::Location;

/// A mistake in a generator's use of the builder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// A width outside 1..=64.
    #[error(
        "module `{module}`, signal `{signal}`: width {width} is outside 1..=64 bits (the IR carries at most 64 bits per signal; use a vector port for wider buses)"
    )]
    BadWidth {
        /// Module being built.
        module: String,
        /// Signal being defined.
        signal: String,
        /// The width asked for.
        width: u32,
    },
    /// An operand wider than an op's result, or two widths that must match but do not.
    #[error(
        "module `{module}`, signal `{signal}`: operand `{operand}` is {operand_width} bits but {rule} ({result_width} bits){hint}"
    )]
    WidthMismatch {
        /// Module being built.
        module: String,
        /// Signal being defined.
        signal: String,
        /// The offending operand.
        operand: String,
        /// Its width.
        operand_width: u32,
        /// The width it is checked against.
        result_width: u32,
        /// What the rule is, in words.
        rule: &'static str,
        /// How to fix it.
        hint: &'static str,
    },
    /// A constant or reset value that the type cannot hold.
    #[error(
        "module `{module}`, signal `{signal}`: value {value} does not fit {width}-bit {signedness}"
    )]
    ValueDoesNotFit {
        /// Module being built.
        module: String,
        /// Signal being defined.
        signal: String,
        /// The value.
        value: i128,
        /// The type's width.
        width: u32,
        /// "signed" or "unsigned".
        signedness: &'static str,
    },
    /// A name that cannot be a Verilog identifier.
    #[error("module `{module}`: name `{name}` {problem}")]
    BadName {
        /// Module being built.
        module: String,
        /// The name.
        name: String,
        /// Why it is refused.
        problem: String,
    },
    /// A port declared twice.
    #[error("module `{module}`: port `{name}` is declared twice")]
    DuplicatePort {
        /// Module being built.
        module: String,
        /// The port name.
        name: String,
    },
    /// A slice that reaches past its source.
    #[error(
        "module `{module}`, signal `{signal}`: slice [{lo} +: {width}] reaches past the {src_width}-bit source `{src}`"
    )]
    SliceOutOfRange {
        /// Module being built.
        module: String,
        /// Signal being defined.
        signal: String,
        /// Source signal.
        src: String,
        /// Source width.
        src_width: u32,
        /// Lowest bit.
        lo: u32,
        /// Slice width.
        width: u32,
    },
    /// Anything else the builder refuses, described in one sentence.
    #[error("module `{module}`: {message}")]
    Invalid {
        /// Module being built.
        module: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Two ports, signals or instances of one module share a name.
    #[error(
        "module `{module}`: the name `{name}` is used by both {first} and {second}; give each signal, port and instance of a module a distinct name"
    )]
    NameClash {
        /// Module being checked.
        module: String,
        /// The doubled name.
        name: String,
        /// What the name was first given to.
        first: String,
        /// What it was given to again.
        second: String,
    },
    /// Two different modules share one name in a hierarchy.
    #[error(
        "two different modules are both named `{name}`; give each generated module a distinct name"
    )]
    ModuleNameClash {
        /// The name.
        name: String,
    },
    /// Another error, with the line of the generator whose builder call made it.
    #[error("{error} (at {}:{})", .location.file(), .location.line())]
    At {
        /// The error.
        error: Box<BuildError>,
        /// Where the builder was called.
        location: &'static Location<'static>,
    },
}

impl BuildError {
    /// The error made by the call at `location` (an error that names its
    /// location already keeps it).
    pub fn at(self, location: &'static Location<'static>) -> BuildError {
        match self {
            BuildError::At { .. } => self,
            error => BuildError::At {
                error: Box::new(error),
                location,
            },
        }
    }

    /// The generator line whose builder call made the error, when known.
    pub fn location(&self) -> Option<&'static Location<'static>> {
        match self {
            BuildError::At { location, .. } => Some(location),
            _ => None,
        }
    }

    /// The error without its location.
    pub fn kind(&self) -> &BuildError {
        match self {
            BuildError::At { error, .. } => error.kind(),
            error => error,
        }
    }
}
