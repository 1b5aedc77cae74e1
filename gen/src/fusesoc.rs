//! NAME.core: a FuseSoC CAPI2 core file for the generated Verilog.

use lutforge_hdl::ir::ident::identifier_problem;
use serde::Serialize;

use crate::error::GenError;
use crate::templates;

/// Context of `core.core.tera`.
#[derive(Serialize)]
struct CoreFileView {
    name: String,
    version: &'static str,
    /// Already quoted as a YAML double-quoted string.
    description: String,
}

/// NAME.core text: FuseSoC CAPI2 (`CAPI=2:` first line, name
/// `lutforge:cores:NAME:VERSION`, a fileset with NAME.v as `verilogSource`,
/// a default target with toplevel NAME), rendered through `core.core.tera`.
pub fn render_fusesoc(top_name: &str, description: &str) -> Result<String, GenError> {
    if let Some(problem) = identifier_problem(top_name) {
        return Err(GenError::BadName {
            name: top_name.into(),
            what: "a core name",
            problem,
        });
    }
    let one_line: String = description
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    // A JSON string is a valid YAML double-quoted scalar.
    let description = serde_json::to_string(&one_line)?;
    templates::render(
        templates::CORE_FILE,
        &CoreFileView {
            name: top_name.into(),
            version: crate::LUTFORGE_VERSION,
            description,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_file_names_the_verilog_and_the_top() {
        let text = render_fusesoc("ternary_gemv", "A \"ternary\" core: 4x8\nsecond line").unwrap();
        assert!(text.starts_with("CAPI=2:\n"), "{text}");
        let version = crate::LUTFORGE_VERSION;
        assert!(
            text.contains(&format!("name: lutforge:cores:ternary_gemv:{version}\n")),
            "{text}"
        );
        assert!(
            text.contains("description: \"A \\\"ternary\\\" core: 4x8 second line\"\n"),
            "{text}"
        );
        assert!(
            text.contains("      - ternary_gemv.v\n    file_type: verilogSource\n"),
            "{text}"
        );
        assert!(text.contains("    toplevel: ternary_gemv\n"), "{text}");
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn bad_names_are_refused() {
        let e = render_fusesoc("../x", "d").unwrap_err().to_string();
        assert!(e.contains("core name"), "{e}");
    }
}
