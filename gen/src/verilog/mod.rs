//! IR modules to one Verilog-2005 file.
//!
//! Rust computes every name (`names.rs`), expression (`expr.rs`) and which
//! bits are read (`usage.rs`), gathered per module by `module.rs` into the
//! contexts of `view.rs`; the templates `verilog_file.v.tera` and
//! `module.v.tera` lay the file out.

mod expr;
mod module;
mod names;
mod usage;
mod view;

use lutforge_hdl::ir::{Def, Module};

use crate::error::GenError;
use crate::templates;
use crate::{Header, LUTFORGE_VERSION};
use module::module_view;
use view::{FileView, ParamView};

/// Renders the module and everything below it to one Verilog-2005 file.
///
/// Each distinct module is declared once, children first, the top module
/// last. The same module and header always give the same bytes. The
/// hierarchy is checked with [`Module::verify`] first.
pub fn render_verilog(top: &Module, header: &Header) -> Result<String, GenError> {
    top.verify().map_err(GenError::from_verify)?;
    let hierarchy = top.hierarchy()?;
    let spram_model = hierarchy.iter().any(|m| has_spram(m));
    let modules = hierarchy
        .into_iter()
        .map(|m| module_view(m, m.name == top.name))
        .collect::<Result<Vec<_>, _>>()?;
    let params = header.params.iter().map(|(key, value)| ParamView {
        key: one_line(key),
        value: one_line(value),
    });
    let file = FileView {
        version: LUTFORGE_VERSION,
        command: one_line(&header.command),
        params: params.collect(),
        modules,
        spram_model,
    };
    templates::render(templates::VERILOG_FILE, &file)
}

/// True when `m` itself has an SPRAM.
fn has_spram(m: &Module) -> bool {
    m.signals.iter().any(|s| matches!(s.def, Def::Spram { .. }))
}

/// `text` with every control character (a line break would end the
/// comment it is printed in) turned into a space, and no trailing spaces.
fn one_line(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    line.trim_end().to_string()
}
