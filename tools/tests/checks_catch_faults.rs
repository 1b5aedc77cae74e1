//! The quality gates catch what they are there to catch: a latch, a Yosys
//! warning, a Verilator lint warning.

use lutforge_tools::checks::{verilator_lint, yosys_synth};
use lutforge_tools::{Tool, for_test};

const BAD: &str = "module bad (input wire en, input wire [3:0] d, input wire [3:0] u, output reg [3:0] q, output wire [3:0] y);\n\
    always @* if (en) q = d;\n\
    assign implicit_net = en;\n\
    assign y = {4{implicit_net}};\n\
endmodule\n";

const GOOD: &str = "module good (input wire clk, input wire [3:0] d, output reg [3:0] q);\n\
    always @(posedge clk) q <= d;\n\
endmodule\n";

#[test]
fn yosys_gate_sees_latches_and_warnings() {
    if for_test(Tool::Yosys, "yosys gate").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.v"), BAD).unwrap();
    std::fs::write(dir.path().join("good.v"), GOOD).unwrap();
    let bad = yosys_synth(dir.path(), "bad.v", "bad", "synth_ice40").unwrap();
    assert!(bad.latches >= 1, "latch found: {bad:?}");
    assert!(
        bad.warnings.iter().any(|w| w.contains("implicit")),
        "warning found: {:?}",
        bad.warnings
    );
    let good = yosys_synth(dir.path(), "good.v", "good", "synth_ecp5").unwrap();
    assert_eq!((good.latches, good.warnings.len()), (0, 0), "{good:?}");
    assert!(good.stat.contains("TRELLIS_FF"));
}

#[test]
fn verilator_gate_sees_lint_warnings() {
    if for_test(Tool::Verilator, "verilator gate").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.v"), BAD).unwrap();
    std::fs::write(dir.path().join("good.v"), GOOD).unwrap();
    let bad = verilator_lint(dir.path(), "bad.v", "bad").unwrap();
    assert!(!bad.is_empty(), "unused input and latch are reported");
    assert!(
        verilator_lint(dir.path(), "good.v", "good")
            .unwrap()
            .is_empty()
    );
}
