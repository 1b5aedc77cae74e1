//! Formal check of `ternary-gemv` on a tiny tile (K = 4, A = 4): Yosys'
//! SAT solver proves the emitted core equivalent to a behavioural spec this
//! test writes from the core contract (ternary codes, run accumulation, the
//! valid/ready rules and the metadata's latency), over every input sequence
//! of 6 cycles from the all-zero state (`miter -equiv`, `sat -verify
//! -prove trigger 0 -seq 6`): runs of one and two beats, the two-cycle
//! pipeline, back-pressure and resets. A deliberately broken core fails.

mod common;

use std::path::Path;

use common::lutforge;
use lutforge_fpga::tools::{Tool, for_test};

const K: usize = 4;
const A: usize = 4;

/// The contract as Verilog: decode each code, sum a·w, pipeline `latency`
/// stages moved by `en = !out_valid | out_ready`, accumulate runs, hold the result.
fn spec(acc: usize, latency: usize) -> String {
    let mut v = String::new();
    v.push_str(&format!(
        "module spec (\n    input wire clk, input wire rst,\n    input wire in_valid, output wire in_ready, input wire in_last,\n    input wire [{}:0] in_act, input wire [{}:0] in_w,\n    output wire out_valid, input wire out_ready, output wire [{}:0] out_y\n);\n",
        K * A - 1,
        K * 2 - 1,
        acc - 1
    ));
    v.push_str(&format!(
        "    function signed [{a1}:0] dot(input [{}:0] act, input [{}:0] w);\n        integer k;\n        reg signed [{}:0] a;\n        reg [1:0] c;\n        begin\n            dot = 0;\n            for (k = 0; k < {K}; k = k + 1) begin\n                a = act[k*{A} +: {A}];\n                c = w[k*2 +: 2];\n                if (c == 2'b01) dot = dot + a;\n                else if (c == 2'b11) dot = dot - a;\n            end\n        end\n    endfunction\n",
        K * A - 1,
        K * 2 - 1,
        A - 1,
        a1 = acc - 1
    ));
    v.push_str("    reg out_valid_q, first;\n    wire en = !out_valid_q || out_ready;\n    assign in_ready = en;\n    assign out_valid = out_valid_q;\n");
    for s in 1..=latency {
        v.push_str(&format!(
            "    reg v{s}, l{s};\n    reg signed [{}:0] d{s};\n",
            acc - 1
        ));
    }
    v.push_str(&format!(
        "    reg signed [{a1}:0] acc, y;\n    assign out_y = y;\n    wire fire = v{latency} && en;\n    wire signed [{a1}:0] nxt = (first ? {acc}'sd0 : acc) + d{latency};\n    always @(posedge clk) begin\n        if (en) begin\n            d1 <= dot(in_act, in_w);\n",
        a1 = acc - 1
    ));
    for s in 2..=latency {
        v.push_str(&format!("            d{s} <= d{};\n", s - 1));
    }
    v.push_str("        end\n        if (rst) begin\n            first <= 1'b1;\n            out_valid_q <= 1'b0;\n");
    for s in 1..=latency {
        v.push_str(&format!(
            "            v{s} <= 1'b0;\n            l{s} <= 1'b0;\n"
        ));
    }
    v.push_str("        end else begin\n            if (en) begin\n                v1 <= in_valid;\n                l1 <= in_last;\n");
    for s in 2..=latency {
        v.push_str(&format!(
            "                v{s} <= v{p};\n                l{s} <= l{p};\n",
            p = s - 1
        ));
    }
    v.push_str(&format!(
        "            end\n            if (fire) first <= l{latency};\n            out_valid_q <= (fire && l{latency}) || (out_valid_q && !out_ready);\n        end\n        if (fire && !l{latency}) acc <= nxt;\n        if (fire && l{latency}) y <= nxt;\n    end\nendmodule\n"
    ));
    v
}

fn prove(dir: &Path, core_file: &str) -> (bool, String) {
    let script = format!(
        "read_verilog {core_file}; read_verilog spec.v; prep; miter -equiv -flatten -make_outputs spec tern miter; hierarchy -top miter; flatten; opt -full; sat -verify -prove trigger 0 -set-init-zero -seq 6 miter"
    );
    let out = std::process::Command::new("yosys")
        .args(["-q", "-p", &script])
        .current_dir(dir)
        .output()
        .expect("yosys runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn ternary_core_equals_the_contract_and_a_broken_one_does_not() {
    if for_test(Tool::Yosys, "SAT equivalence").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let r = lutforge(&[
        "gen",
        "ternary-gemv",
        "--k",
        "4",
        "--n",
        "1",
        "--act-bits",
        "4",
        "--max-beats",
        "2",
        "--stage-levels",
        "1",
        "--name",
        "tern",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("tern.json")).unwrap())
            .unwrap();
    let (acc, latency) = (
        meta["acc_bits"].as_u64().unwrap() as usize,
        meta["latency"].as_u64().unwrap() as usize,
    );
    assert!(latency >= 1);
    std::fs::write(dir.path().join("spec.v"), spec(acc, latency)).unwrap();

    let (ok, text) = prove(dir.path(), "tern.v");
    assert!(ok, "the core must equal the spec:\n{text}");

    // Break one adder of the tree: the proof must find a counterexample.
    let core = std::fs::read_to_string(dir.path().join("tern.v")).unwrap();
    let line = core
        .lines()
        .find(|l| l.trim_start().starts_with("assign sum_m0_n0_l1_0 = "))
        .expect("first adder");
    let broken = core.replacen(line, &line.replacen(" + ", " - ", 1), 1);
    assert_ne!(broken, core);
    std::fs::write(dir.path().join("broken.v"), broken).unwrap();
    let (ok, text) = prove(dir.path(), "broken.v");
    assert!(
        !ok && text.contains("proof did fail"),
        "a broken core must fail the proof:\n{text}"
    );
}
