//! Formal check of `ternary-gemv` (K = 4) and `lut-gemm` (K = 2, int2, g = 2) at A = 4: Yosys'
//! SAT solver proves the emitted core equivalent to a behavioural spec this
//! test writes from the core contract (ternary codes, run accumulation, the
//! valid/ready rules and the metadata's latency), over every input sequence
//! of 6 cycles from the all-zero state (`miter -equiv`, `sat -verify
//! -prove trigger 0 -seq 6`): runs of one and two beats, the two-cycle
//! pipeline, back-pressure and resets. A deliberately broken core fails.
//! `mx-dot` (MXFP4 × MXFP4, k = 8, block 8) gets the same proof for runs of
//! one beat against a spec written from the E2M1 format and its windows.
//! `ternary-gemv --hierarchy modules` (one column module instantiated N
//! times) is proved equal to its flat form.

mod common;

use std::path::Path;
use std::time::Duration;

use common::lutforge;
use lutforge_tools::process::output;
use lutforge_tools::{Tool, find, for_test};

const A: usize = 4;

/// A weight format as the spec reads it: code width and the Verilog
/// expression of the term w·a for code `c` and activation `a`.
struct Format {
    bits: usize,
    term: &'static str,
}

const TERNARY: Format = Format {
    bits: 2,
    term: "(c == 2'b01) ? a : (c == 2'b11) ? -a : 0",
};

const INT2: Format = Format {
    bits: 2,
    term: "(c == 2'b01) ? a : (c == 2'b10) ? -(a + a) : (c == 2'b11) ? -a : 0",
};

/// The contract as Verilog: decode each code, sum a·w, pipeline `latency`
/// stages moved by `en = !out_valid | out_ready`, accumulate runs, hold the result.
fn spec(acc: usize, latency: usize, f: &Format, k: usize) -> String {
    let mut v = String::new();
    v.push_str(&format!(
        "module spec (\n    input wire clk, input wire rst,\n    input wire in_valid, output wire in_ready, input wire in_last,\n    input wire [{}:0] in_act, input wire [{}:0] in_w,\n    output wire out_valid, input wire out_ready, output wire [{}:0] out_y\n);\n",
        k * A - 1,
        k * f.bits - 1,
        acc - 1
    ));
    v.push_str(&format!(
        "    function signed [{a1}:0] dot(input [{}:0] act, input [{}:0] w);\n        integer k;\n        reg signed [{}:0] a;\n        reg [{}:0] c;\n        begin\n            dot = 0;\n            for (k = 0; k < {k}; k = k + 1) begin\n                a = act[k*{A} +: {A}];\n                c = w[k*{b} +: {b}];\n                dot = dot + ({term});\n            end\n        end\n    endfunction\n",
        k * A - 1,
        k * f.bits - 1,
        A - 1,
        f.bits - 1,
        a1 = acc - 1,
        b = f.bits,
        term = f.term,
    ));
    v.push_str(&pipeline_regs(acc, latency, false));
    v.push_str("    always @(posedge clk) begin\n        if (en) begin\n            d1 <= dot(in_act, in_w);\n");
    for s in 2..=latency {
        v.push_str(&format!("            d{s} <= d{};\n", s - 1));
    }
    v.push_str(&valid_last_pipeline(latency));
    v.push_str(&format!(
        "        if (fire && !l{latency}) acc <= nxt;\n        if (fire && l{latency}) y <= nxt;\n    end\nendmodule\n"
    ));
    v
}

/// The spec's registers and wires: the handshake (`en = !out_valid |
/// out_ready`), `latency` stages of valid, last and data (and a flag a stage
/// with `flag`, with the run's flag `facc` and the result's `fy` on
/// `out_flag`), and the run accumulator: `fire` when the last stage moves,
/// `nxt` its sum with the run so far (0 on a run's first beat).
fn pipeline_regs(acc: usize, latency: usize, flag: bool) -> String {
    let a1 = acc - 1;
    let (regs, stage) = if flag {
        (", facc, fy", ", f")
    } else {
        ("", "")
    };
    let mut v = format!(
        "    reg out_valid_q, first{regs};\n    wire en = !out_valid_q || out_ready;\n    assign in_ready = en;\n    assign out_valid = out_valid_q;\n"
    );
    if flag {
        v.push_str("    assign out_flag = fy;\n");
    }
    for s in 1..=latency {
        let f = if flag {
            format!("{stage}{s}")
        } else {
            String::new()
        };
        v.push_str(&format!(
            "    reg v{s}, l{s}{f};\n    reg signed [{a1}:0] d{s};\n"
        ));
    }
    v.push_str(&format!(
        "    reg signed [{a1}:0] acc, y;\n    assign out_y = y;\n    wire fire = v{latency} && en;\n    wire signed [{a1}:0] nxt = (first ? {acc}'sd0 : acc) + d{latency};\n"
    ));
    v
}

/// The spec's valid/last pipeline inside its `always` block (after the data
/// stages): reset clears it, `en` moves it, a result's last beat sets
/// `out_valid` until `out_ready` takes it, and `first` marks a run's start.
fn valid_last_pipeline(latency: usize) -> String {
    let mut v =
        "        end\n        if (rst) begin\n            first <= 1'b1;\n            out_valid_q <= 1'b0;\n"
            .to_string();
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
        "            end\n            if (fire) first <= l{latency};\n            out_valid_q <= (fire && l{latency}) || (out_valid_q && !out_ready);\n        end\n"
    ));
    v
}

fn prove(dir: &Path, core_file: &str, top: &str, seq: usize) -> (bool, String) {
    prove_with(dir, "", core_file, top, seq)
}

/// [`prove`] after the Yosys commands `library` (cell models to read).
fn prove_with(dir: &Path, library: &str, core_file: &str, top: &str, seq: usize) -> (bool, String) {
    let reads = format!("{library}read_verilog {core_file}; read_verilog spec.v;");
    prove_miter(dir, &reads, "spec", top, seq)
}

/// After the Yosys commands `reads`, proves module `gate` equal to module
/// `gold` over every input sequence of `seq` cycles from the all-zero state.
fn prove_miter(dir: &Path, reads: &str, gold: &str, gate: &str, seq: usize) -> (bool, String) {
    let script = format!(
        "{reads} prep; memory_map; opt_clean; miter -equiv -flatten -make_outputs {gold} {gate} miter; hierarchy -top miter; flatten; opt -full; sat -verify -prove trigger 0 -set-init-zero -seq {seq} miter"
    );
    let yosys = find(Tool::Yosys).expect("yosys found");
    let out = output(
        &yosys,
        &["-q", "-p", &script],
        dir,
        Duration::from_secs(600),
        "SAT equivalence",
    )
    .expect("yosys runs within 10 minutes");
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
    std::fs::write(dir.path().join("spec.v"), spec(acc, latency, &TERNARY, 4)).unwrap();

    let (ok, text) = prove(dir.path(), "tern.v", "tern", 6);
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
    let (ok, text) = prove(dir.path(), "broken.v", "tern", 6);
    assert!(
        !ok && text.contains("proof did fail"),
        "a broken core must fail the proof:\n{text}"
    );
}

/// The ECP5 carry mapping (`--map ecp5`, K = 3: a select-add with a −1 bit
/// fed into its carry chain, and a term alone) with Yosys' own `CCU2C`
/// model read as logic: the mapped core equals the contract over every
/// input sequence of latency + 2 cycles; one half's LUT4 INIT with one bit
/// flipped does not, nor a feed-in half that drops its bit.
#[test]
fn ecp5_carry_mapped_ternary_core_equals_the_contract() {
    if for_test(Tool::Yosys, "SAT equivalence (ECP5 carry mapping)").is_none() {
        return;
    }
    let Some(cells) = lutforge_tools::cells::ecp5_cells_sim() else {
        panic!("yosys is installed but its ecp5/cells_sim.v is not beside it");
    };
    let dir = tempfile::tempdir().unwrap();
    let r = lutforge(&[
        "gen",
        "ternary-gemv",
        "--k",
        "3",
        "--n",
        "1",
        "--act-bits",
        "4",
        "--max-beats",
        "2",
        "--stage-levels",
        "1",
        "--map",
        "ecp5",
        "--name",
        "tern",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let core = std::fs::read_to_string(dir.path().join("tern.v")).unwrap();
    assert_eq!(core.matches("CCU2C #(").count(), 3, "one 5-bit select-add");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("tern.json")).unwrap())
            .unwrap();
    let (acc, latency) = (
        meta["acc_bits"].as_u64().unwrap() as usize,
        meta["latency"].as_u64().unwrap() as usize,
    );
    std::fs::write(dir.path().join("spec.v"), spec(acc, latency, &TERNARY, 3)).unwrap();
    let library = format!("read_verilog -DNO_INCLUDES {}; ", cells.display());
    // Long enough for a two-beat run to reach the output.
    let seq = latency + 2;
    let (ok, text) = prove_with(dir.path(), &library, "tern.v", "tern", seq);
    assert!(ok, "the mapped core must equal the spec:\n{text}");

    // A flipped select bit, and a feed-in half that no longer passes the −1
    // bit into the chain, must each fail.
    for (good, bad) in [
        (".INIT1(16'h9a6a)", ".INIT1(16'h9a6b)"),
        (".INIT0(16'h000a)", ".INIT0(16'h0000)"),
    ] {
        let broken = core.replacen(good, bad, 1);
        assert_ne!(broken, core, "{good} in the mapped core");
        std::fs::write(dir.path().join("broken.v"), broken).unwrap();
        let (ok, text) = prove_with(dir.path(), &library, "broken.v", "tern", seq);
        assert!(
            !ok && text.contains("proof did fail"),
            "a wrong LUT4 INIT ({bad}) must fail the proof:\n{text}"
        );
    }
}

/// `ternary-gemv` emitted as one column module instantiated N times
/// (`--hierarchy modules`) equals the flat form of the same core over
/// every input sequence of latency + 3 cycles (M = 2, N = 2, odd K; base-3
/// packing with N_neg, then 2-bit codes with the negate form); a column
/// module with one adder broken does not (checked on the first).
#[test]
fn hierarchical_ternary_core_equals_the_flat_one() {
    if for_test(Tool::Yosys, "SAT equivalence (hierarchical against flat)").is_none() {
        return;
    }
    for (packing, negation, k, broken) in [
        ("base3", "nneg", "5", true),
        ("codes", "negate", "3", false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut latency = 0;
        for (form, name) in [("flat", "tern_flat"), ("modules", "tern_hier")] {
            let r = lutforge(&[
                "gen",
                "ternary-gemv",
                "--m",
                "2",
                "--n",
                "2",
                "--k",
                k,
                "--act-bits",
                "3",
                "--max-beats",
                "2",
                "--stage-levels",
                "1",
                "--w-packing",
                packing,
                "--negation",
                negation,
                "--hierarchy",
                form,
                "--name",
                name,
                "--out",
                dir.path().to_str().unwrap(),
            ]);
            assert_eq!(r.code, 0, "{}", r.stderr);
            let meta: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(dir.path().join(format!("{name}.json"))).unwrap(),
            )
            .unwrap();
            latency = meta["latency"].as_u64().unwrap() as usize;
        }
        let hier = std::fs::read_to_string(dir.path().join("tern_hier.v")).unwrap();
        assert_eq!(
            hier.matches("tern_hier_column col_n").count(),
            2,
            "two column instances"
        );
        let seq = latency + 3;
        let (ok, text) = prove_pair(dir.path(), "tern_flat", "tern_hier.v", "tern_hier", seq);
        assert!(
            ok,
            "{packing} {negation}: the hierarchical core must equal the flat one:\n{text}"
        );
        if !broken {
            continue;
        }
        let line = hier
            .lines()
            .find(|l| l.trim_start().starts_with("assign sum_m1_n0_l1_0 = "))
            .expect("a first-level adder of row 1 in the column module");
        let broken = hier.replacen(line, &line.replacen(" + ", " - ", 1), 1);
        assert_ne!(broken, hier);
        std::fs::write(dir.path().join("broken.v"), broken).unwrap();
        let (ok, text) = prove_pair(dir.path(), "tern_flat", "broken.v", "tern_hier", seq);
        assert!(
            !ok && text.contains("proof did fail"),
            "{packing} {negation}: a broken column module must fail the proof:\n{text}"
        );
    }
}

/// Proves core `gate` (in `gate_file`) equal to core `gold` (in `gold.v`)
/// over every input sequence of `seq` cycles from the all-zero state.
fn prove_pair(dir: &Path, gold: &str, gate_file: &str, gate: &str, seq: usize) -> (bool, String) {
    let reads = format!("read_verilog {gold}.v; read_verilog {gate_file};");
    prove_miter(dir, &reads, gold, gate, seq)
}

/// The same proof for `lut-gemm` (bit-parallel, int2 weights as offset-binary
/// bit-planes, g = 2, so two tables, the index fold and the Σa correction):
/// the table method equals plain mpGEMM; a table with one subtractor
/// turned into an adder does not.
#[test]
fn lut_core_equals_the_contract_and_a_broken_table_does_not() {
    if for_test(Tool::Yosys, "SAT equivalence").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let r = lutforge(&[
        "gen",
        "lut-gemm",
        "--k",
        "2",
        "--n",
        "1",
        "--act-bits",
        "4",
        "--w-format",
        "int",
        "--w-bits",
        "2",
        "--group",
        "2",
        "--max-beats",
        "2",
        "--stage-levels",
        "3",
        "--name",
        "lutg",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("lutg.json")).unwrap())
            .unwrap();
    let (acc, latency) = (
        meta["acc_bits"].as_u64().unwrap() as usize,
        meta["latency"].as_u64().unwrap() as usize,
    );
    std::fs::write(dir.path().join("spec.v"), spec(acc, latency, &INT2, 2)).unwrap();
    let seq = latency + 3;
    let (ok, text) = prove(dir.path(), "lutg.v", "lutg", seq);
    assert!(ok, "the core must equal the spec:\n{text}");

    let core = std::fs::read_to_string(dir.path().join("lutg.v")).unwrap();
    let line = core
        .lines()
        .find(|l| l.trim_start().starts_with("assign s") && l.contains(" - "))
        .expect("a subtractor of the table");
    let broken = core.replacen(line, &line.replacen(" - ", " + ", 1), 1);
    std::fs::write(dir.path().join("broken.v"), broken).unwrap();
    let (ok, text) = prove(dir.path(), "broken.v", "lutg", seq);
    assert!(
        !ok && text.contains("proof did fail"),
        "a broken table must fail the proof:\n{text}"
    );
}

/// The MX contract as Verilog for an MXFP4 × MXFP4 core of one row pair (M =
/// N = 1) and one block of `k` elements a beat, written from the OCP format
/// (E2M1: sign, 2 exponent bits of bias 1, 1 mantissa bit, so every value is
/// an integer count of 2^−1) and mx-contract.md: a block's value is
/// Σ a·w in units of 2^−2, shifted left by (e_a − a_min) + (e_w − w_min);
/// a scale outside its window flags the run, whose result is then 0.
fn mx_spec(acc: usize, latency: usize, k: usize, a_win: (u8, u8), w_win: (u8, u8)) -> String {
    let a1 = acc - 1;
    let mut v = format!(
        "module spec (\n    input wire clk, input wire rst,\n    input wire in_valid, output wire in_ready, input wire in_last,\n    input wire [{}:0] in_act, input wire [{}:0] in_w,\n    input wire [7:0] in_act_scale, input wire [7:0] in_w_scale,\n    output wire out_valid, input wire out_ready, output wire [{a1}:0] out_y, output wire out_flag\n);\n",
        k * 4 - 1,
        k * 4 - 1
    );
    // E2M1 magnitudes in halves (0, 0.5, 1, 1.5, 2, 3, 4, 6): the product of
    // two elements, in quarters, is a table of the two magnitude codes with
    // the sign of the two sign bits.
    const HALVES: [u32; 8] = [0, 1, 2, 3, 4, 6, 8, 12];
    v.push_str("    function signed [8:0] prod(input [3:0] a, input [3:0] w);\n        reg [7:0] m;\n        begin\n            case ({a[2:0], w[2:0]})\n");
    for (i, x) in HALVES.iter().enumerate() {
        for (j, y) in HALVES.iter().enumerate() {
            v.push_str(&format!(
                "                6'd{}: m = 8'd{};\n",
                i * 8 + j,
                x * y
            ));
        }
    }
    v.push_str("                default: m = 8'd0;\n            endcase\n            prod = (a[3] ^ w[3]) ? -$signed({1'b0, m}) : $signed({1'b0, m});\n        end\n    endfunction\n");
    // The exact block sum, added pairwise (any order is exact; the pairwise
    // one, on constant slices rather than `+:` selects, keeps the solver's
    // search within reach: 40 s against over 300 s).
    let mut terms: Vec<String> = (0..k)
        .map(|i| format!("prod(act[{h}:{l}], w[{h}:{l}])", h = 4 * i + 3, l = 4 * i))
        .collect();
    while terms.len() > 1 {
        terms = terms
            .chunks(2)
            .map(|c| format!("({})", c.join(" + ")))
            .collect();
    }
    v.push_str(&format!(
        "    function signed [{a1}:0] block(input [{}:0] act, input [{}:0] w, input [7:0] ea, input [7:0] ew);\n        reg signed [{a1}:0] dot;\n        begin\n            dot = {};\n            block = dot <<< ((ea - 8'd{}) + (ew - 8'd{}));\n        end\n    endfunction\n",
        k * 4 - 1,
        k * 4 - 1,
        terms[0],
        a_win.0,
        w_win.0
    ));
    v.push_str(&format!(
        "    wire bad = in_act_scale < 8'd{} || in_act_scale > 8'd{} || in_w_scale < 8'd{} || in_w_scale > 8'd{};\n",
        a_win.0, a_win.1, w_win.0, w_win.1
    ));
    v.push_str(&pipeline_regs(acc, latency, true));
    v.push_str(&format!(
        "    wire nflag = (first ? 1'b0 : facc) | f{latency};\n    always @(posedge clk) begin\n        if (en) begin\n            d1 <= bad ? {acc}'sd0 : block(in_act, in_w, in_act_scale, in_w_scale);\n            f1 <= bad;\n"
    ));
    for s in 2..=latency {
        v.push_str(&format!(
            "            d{s} <= d{p};\n            f{s} <= f{p};\n",
            p = s - 1
        ));
    }
    v.push_str(&valid_last_pipeline(latency));
    v.push_str(&format!(
        "        if (fire && !l{latency}) begin acc <= nxt; facc <= nflag; end\n        if (fire && l{latency}) begin y <= nflag ? {acc}'sd0 : nxt; fy <= nflag; end\n    end\nendmodule\n"
    ));
    v
}

/// `mx-dot` MXFP4 × MXFP4 (k = 8, block 8, narrow asymmetric windows) equals
/// the contract written from the format over every input sequence of
/// latency + 2 cycles (the first result reaches `out_y`): every one-beat
/// run (decode, products, block sum, scale shift, window flags, handshakes,
/// reset) from the all-zero state, about 40 s of solver time. Runs of two
/// beats (one cycle more) are beyond the solver in a test's time (ABC's
/// `dprove` too leaves them undecided); the simulation tests (mx_core.rs,
/// mx_core_cosim.rs) cover accumulation. A core whose E2M1 decode ROM is
/// off by one entry fails.
#[test]
fn mx_core_equals_the_contract_and_a_broken_decode_does_not() {
    if for_test(Tool::Yosys, "SAT equivalence").is_none() {
        return;
    }
    let (a_win, w_win) = ((126u8, 127u8), (127u8, 127u8));
    let dir = tempfile::tempdir().unwrap();
    let (amin, amax, wmin, wmax) = (
        a_win.0.to_string(),
        a_win.1.to_string(),
        w_win.0.to_string(),
        w_win.1.to_string(),
    );
    let r = lutforge(&[
        "gen",
        "mx-dot",
        "--act-format",
        "mxfp4-e2m1",
        "--w-format",
        "mxfp4-e2m1",
        "--k",
        "8",
        "--block",
        "8",
        "--m",
        "1",
        "--n",
        "1",
        "--max-beats",
        "2",
        "--act-scale-min",
        &amin,
        "--act-scale-max",
        &amax,
        "--w-scale-min",
        &wmin,
        "--w-scale-max",
        &wmax,
        "--name",
        "mxd",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("mxd.json")).unwrap())
            .unwrap();
    let (acc, latency) = (
        meta["mx"]["acc_bits"].as_u64().unwrap() as usize,
        meta["latency"].as_u64().unwrap() as usize,
    );
    // L = lsb_a + lsb_w + (a_min − 127) + (w_min − 127) = −1 − 1 − 1 + 0.
    assert_eq!(meta["mx"]["lsb_exp"], -3, "{}", meta["mx"]);
    std::fs::write(
        dir.path().join("spec.v"),
        mx_spec(acc, latency, 8, a_win, w_win),
    )
    .unwrap();
    let seq = latency + 2;
    let (ok, text) = prove(dir.path(), "mxd.v", "mxd", seq);
    assert!(ok, "the core must equal the spec:\n{text}");

    let core = std::fs::read_to_string(dir.path().join("mxd.v")).unwrap();
    let broken = break_one_constant(&core);
    std::fs::write(dir.path().join("broken.v"), broken).unwrap();
    let (ok, text) = prove(dir.path(), "broken.v", "mxd", seq);
    assert!(
        !ok && text.contains("proof did fail"),
        "a broken decode must fail the proof:\n{text}"
    );
}

/// The core with the E2M1 decode of activation 0's code 7 (6.0, twelve
/// halves) turned into eleven halves.
fn break_one_constant(core: &str) -> String {
    let line = "4'd7: act_int_0 = 5'h0c;";
    assert!(core.contains(line), "the decode ROM of activation 0");
    core.replacen(line, "4'd7: act_int_0 = 5'h0b;", 1)
}
