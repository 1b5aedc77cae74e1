//! The rendered Verilog passes the real tools: Verilator lint with every
//! warning on, Icarus Verilog, and Yosys synthesis for iCE40 and ECP5.

mod common;

use lutforge_tools::Tool;

use common::{assert_icarus_compiles, assert_lint_silent, designs, have_tool, run, written};
use lutforge_gen::{Header, render_verilog};

fn header() -> Header {
    Header {
        command: "lutforge gen --kind test".into(),
        params: vec![
            ("kind".into(), "test".into()),
            ("max_beats".into(), "16".into()),
        ],
    }
}

#[test]
fn verilator_lint_all_warnings_is_silent() {
    assert_lint_silent(&designs::all(), &header());
}

#[test]
fn icarus_compiles_as_verilog_2005() {
    assert_icarus_compiles(&designs::all(), &header());
}

fn yosys_is_clean(synth: &str) {
    if !have_tool(Tool::Yosys) {
        return;
    }
    for m in designs::all() {
        let (dir, file) = written(&m, &header());
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
