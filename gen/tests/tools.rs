//! The rendered Verilog passes the real tools: Verilator lint with every
//! warning on, Icarus Verilog, and Yosys synthesis for iCE40 and ECP5.

mod common;

use lutforge_tools::Tool;

use std::path::Path;

use common::{designs, have_tool, run};
use lutforge_gen::{Header, render_verilog};
use lutforge_hdl::ir::Module;

fn header() -> Header {
    Header {
        command: "lutforge gen --kind test".into(),
        params: vec![
            ("kind".into(), "test".into()),
            ("max_beats".into(), "16".into()),
        ],
    }
}

/// Writes `m` as NAME.v in a fresh folder (kept when LUTFORGE_KEEP_DIR names one).
fn written(m: &Module) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = format!("{}.v", m.name);
    let text = render_verilog(m, &header()).expect("renders");
    std::fs::write(dir.path().join(&file), &text).expect("writes");
    if let Ok(keep) = std::env::var("LUTFORGE_KEEP_DIR") {
        std::fs::create_dir_all(&keep).expect("keep dir");
        std::fs::write(Path::new(&keep).join(&file), &text).expect("keeps");
    }
    (dir, file)
}

#[test]
fn verilator_lint_all_warnings_is_silent() {
    if !have_tool(Tool::Verilator) {
        return;
    }
    for m in designs::all() {
        let (dir, file) = written(&m);
        let (ok, out) = run(
            dir.path(),
            Tool::Verilator,
            &["--lint-only", "-Wall", "--top-module", &m.name, &file],
        );
        assert!(
            ok && out.trim().is_empty(),
            "verilator on {}:\n{out}",
            m.name
        );
    }
}

#[test]
fn icarus_compiles_as_verilog_2005() {
    if !have_tool(Tool::Iverilog) {
        return;
    }
    for m in designs::all() {
        let (dir, file) = written(&m);
        let (ok, out) = run(
            dir.path(),
            Tool::Iverilog,
            &["-g2005", "-Wall", "-s", &m.name, "-o", "sim.vvp", &file],
        );
        assert!(
            ok && out.trim().is_empty(),
            "iverilog on {}:\n{out}",
            m.name
        );
    }
}

fn yosys_is_clean(synth: &str) {
    if !have_tool(Tool::Yosys) {
        return;
    }
    for m in designs::all() {
        let (dir, file) = written(&m);
        // -q leaves only Yosys's warnings and errors on the output.
        let script = format!(
            "read_verilog {file}; {synth} -top {}; tee -q -o stat.txt stat",
            m.name
        );
        let (ok, out) = run(dir.path(), Tool::Yosys, &["-q", "-p", &script]);
        assert!(
            ok && out.trim().is_empty(),
            "yosys {synth} on {}:\n{out}",
            m.name
        );
        let stat = std::fs::read_to_string(dir.path().join("stat.txt")).expect("stat written");
        assert!(stat.contains("Number of cells"), "no statistics:\n{stat}");
        assert!(
            !stat.to_ascii_lowercase().contains("latch"),
            "latch after {synth} on {}:\n{stat}",
            m.name
        );

        let no_latch = format!(
            "read_verilog {file}; hierarchy -top {}; proc; select -assert-none t:$dlatch t:$adlatch t:$dlatchsr t:$sr",
            m.name
        );
        let (ok, out) = run(dir.path(), Tool::Yosys, &["-q", "-p", &no_latch]);
        assert!(
            ok && out.trim().is_empty(),
            "yosys latch check on {}:\n{out}",
            m.name
        );
    }
}

#[test]
fn yosys_synth_ice40_is_clean() {
    yosys_is_clean("synth_ice40");
}

#[test]
fn yosys_synth_ecp5_is_clean() {
    yosys_is_clean("synth_ecp5");
}

#[test]
fn rendering_is_deterministic() {
    for m in designs::all() {
        let first = render_verilog(&m, &header()).unwrap();
        let again = render_verilog(&m.clone(), &header()).unwrap();
        assert_eq!(first, again, "{}", m.name);
    }
}
