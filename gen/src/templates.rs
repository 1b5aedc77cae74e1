//! The tera engine: the template files embedded in the binary, Verilog-safe
//! delimiters and no autoescaping.
//!
//! Verilog uses `{{` and `}}` (replication, nested concatenation), so tera's
//! default `{{ … }}` cannot be used. Every template uses instead:
//! variables `@{ … }@`, blocks `@% … %@`, comments `@# … #@` — two bytes
//! each, none of which is valid Verilog, so a template's Verilog text can
//! never be mistaken for a tag.

use serde::Serialize;
use tera::{Context, Delimiters, Tera};

use crate::error::GenError;

/// The whole Verilog file: header, then every module.
pub(crate) const VERILOG_FILE: &str = "verilog_file.v.tera";
/// One Verilog module (included by [`VERILOG_FILE`] once per module).
pub(crate) const MODULE: &str = "module.v.tera";
/// The SPRAM's behavioural model (included by [`VERILOG_FILE`] when a module has an SPRAM).
pub(crate) const SPRAM_MODEL: &str = "spram_model.v.tera";
/// The FuseSoC CAPI2 core file.
pub(crate) const CORE_FILE: &str = "core.core.tera";

const SOURCES: [(&str, &str); 4] = [
    (
        VERILOG_FILE,
        include_str!("../templates/verilog_file.v.tera"),
    ),
    (MODULE, include_str!("../templates/module.v.tera")),
    (SPRAM_MODEL, include_str!("../templates/spram_model.v.tera")),
    (CORE_FILE, include_str!("../templates/core.core.tera")),
];

/// The delimiters every template is written with (see the module docs).
fn delimiters() -> Delimiters {
    Delimiters {
        block_start: "@%".into(),
        block_end: "%@".into(),
        variable_start: "@{".into(),
        variable_end: "}@".into(),
        comment_start: "@#".into(),
        comment_end: "#@".into(),
    }
}

fn template_error(template: &str, err: &tera::Error) -> GenError {
    GenError::Template {
        template: template.into(),
        message: err
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// A tera engine holding every embedded template.
fn engine() -> Result<Tera, GenError> {
    let mut tera = Tera::new();
    tera.set_delimiters(delimiters())
        .map_err(|e| template_error("(delimiters)", &e))?;
    tera.autoescape_on(Vec::<&str>::new());
    tera.add_raw_templates(SOURCES)
        .map_err(|e| template_error("(all)", &e))?;
    Ok(tera)
}

/// Renders template `name` with `value`'s fields as the context.
pub(crate) fn render<T: Serialize>(name: &str, value: &T) -> Result<String, GenError> {
    let tera = engine()?;
    let context = Context::from_serialize(value).map_err(|e| template_error(name, &e))?;
    tera.render(name, &context)
        .map_err(|e| template_error(name, &e))
}

/// Renders a template kept outside this crate (a test bench, a flow
/// script), given as `source` and known as `name` in errors, with the same
/// Verilog-safe delimiters and no autoescaping.
pub fn render_template<T: Serialize>(
    name: &str,
    source: &str,
    value: &T,
) -> Result<String, GenError> {
    let mut tera = Tera::new();
    tera.set_delimiters(delimiters())
        .map_err(|e| template_error("(delimiters)", &e))?;
    tera.autoescape_on(Vec::<&str>::new());
    tera.add_raw_template(name, source)
        .map_err(|e| template_error(name, &e))?;
    let context = Context::from_serialize(value).map_err(|e| template_error(name, &e))?;
    tera.render(name, &context)
        .map_err(|e| template_error(name, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        let tera = engine().unwrap();
        for (name, _) in SOURCES {
            assert!(tera.contains_template(name), "{name}");
        }
    }

    #[test]
    fn verilog_braces_pass_through() {
        let mut tera = Tera::new();
        tera.set_delimiters(delimiters()).unwrap();
        tera.autoescape_on(Vec::<&str>::new());
        tera.add_raw_template("t", "assign y = {{4{a[3]}}, a} & @{ x }@; // <&>")
            .unwrap();
        let mut ctx = Context::new();
        ctx.insert("x", "{2{b}}");
        assert_eq!(
            tera.render("t", &ctx).unwrap(),
            "assign y = {{4{a[3]}}, a} & {2{b}}; // <&>"
        );
    }
}
