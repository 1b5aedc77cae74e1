//! The linear engine's Verilog through the quality gates: Verilator's
//! `-Wall` lint is silent and Yosys synthesizes it for iCE40 and ECP5 with
//! no warning and no latch, for every weight memory that keeps the matrix
//! (SPRAM on iCE40 only); block-memory weights land in RAM blocks, not
//! flip-flops (skipped when a tool is absent).

use std::collections::BTreeMap;

use lutforge_gen::Header;
use lutforge_hdl::datapath::core::{ParamMap, Registry};
use lutforge_hdl::datapath::linear::{
    self, BufferMemory, GeneratedLinear, LinearParams, WeightMemory,
};
use lutforge_tools::checks::{verilator_lint, yosys_synth};
use lutforge_tools::{Tool, find};

/// A small ternary engine: a 2 × 2 tile over a 7 × 3 layer, four weight banks.
fn engine(memory: WeightMemory) -> GeneratedLinear {
    sized(memory, 7, 3)
}

/// The same tile over a 64 × 16 layer: four banks of 256 words, deep enough for an
/// iCE40 RAM block (ECP5 keeps so small a memory in LUT RAM; it gets 128 × 32).
fn deep(memory: WeightMemory) -> GeneratedLinear {
    sized(memory, 64, 16)
}

fn sized(memory: WeightMemory, in_features: usize, out_features: usize) -> GeneratedLinear {
    buffered(memory, BufferMemory::Registers, (in_features, out_features))
}

fn buffered(
    memory: WeightMemory,
    buffer: BufferMemory,
    (in_features, out_features): (usize, usize),
) -> GeneratedLinear {
    let mut cp = ParamMap::new();
    cp.insert("k".into(), 2.into());
    cp.insert("n".into(), 2.into());
    let p = LinearParams {
        name: "lin".into(),
        in_features,
        out_features,
        core: "ternary-gemv".into(),
        core_params: cp,
        x_lanes: 2,
        y_lanes: 2,
        weight_word_bits: 4,
        weight_memory: memory,
        buffer_memory: buffer,
    };
    linear::generate(&p, &Registry::builtin()).expect("generates")
}

/// Writes the engine's Verilog as lin.v in a fresh folder.
fn written(g: &GeneratedLinear) -> tempfile::TempDir {
    let header = Header {
        command: "test".into(),
        params: vec![],
    };
    let v = lutforge_gen::render_verilog(&g.module, &header).expect("renders");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("lin.v"), v).expect("writes");
    dir
}

/// The cell counts of a `stat` report.
fn cells(stat: &str) -> BTreeMap<String, usize> {
    stat.lines()
        .skip_while(|l| !l.contains("Number of cells"))
        .skip(1)
        .map_while(|l| {
            let mut words = l.split_whitespace();
            let cell = words.next()?;
            let count = words.next()?.parse().ok()?;
            Some((cell.to_string(), count))
        })
        .collect()
}

/// Synthesizes the engine for `memory` with `synth`, asserting a clean run; its cell counts.
fn synthesized(g: &GeneratedLinear, synth: &str) -> BTreeMap<String, usize> {
    let memory = g.facts.weight_memory;
    let dir = written(g);
    let check = yosys_synth(dir.path(), "lin.v", "lin", synth).expect("yosys runs");
    assert!(
        check.warnings.is_empty(),
        "{memory} {synth}: {:?}",
        check.warnings
    );
    assert_eq!(check.latches, 0, "{memory} {synth}: latches");
    cells(&check.stat)
}

fn flip_flops(cells: &BTreeMap<String, usize>, prefix: &str) -> usize {
    cells
        .iter()
        .filter(|(c, _)| c.starts_with(prefix))
        .map(|(_, n)| n)
        .sum()
}

const MEMORIES: [WeightMemory; 4] = [
    WeightMemory::Registers,
    WeightMemory::Lutram,
    WeightMemory::Bram,
    WeightMemory::Spram,
];

#[test]
fn linear_verilator_lint_is_silent() {
    if find(Tool::Verilator).is_err() {
        eprintln!("verilator not found: skipped");
        return;
    }
    for memory in MEMORIES {
        let dir = written(&engine(memory));
        let out = verilator_lint(dir.path(), "lin.v", "lin").expect("verilator runs");
        assert!(out.is_empty(), "{memory:?}:\n{}", out.join("\n"));
    }
}

#[test]
fn linear_synthesizes_clean_for_ice40_and_ecp5() {
    if find(Tool::Yosys).is_err() {
        eprintln!("yosys not found: skipped");
        return;
    }
    for memory in MEMORIES {
        let ice40 = synthesized(&engine(memory), "synth_ice40");
        eprintln!("{memory:?} synth_ice40: {ice40:?}");
        if memory != WeightMemory::Spram {
            let ecp5 = synthesized(&engine(memory), "synth_ecp5");
            eprintln!("{memory:?} synth_ecp5: {ecp5:?}");
        }
    }
}

#[test]
fn linear_block_memory_weights_land_in_ram_blocks() {
    if find(Tool::Yosys).is_err() {
        eprintln!("yosys not found: skipped");
        return;
    }
    let bram = deep(WeightMemory::Bram);
    let banks = bram.facts.weight_banks;
    assert_eq!(banks, (256, 2));
    let regs_ice40 = flip_flops(
        &synthesized(&deep(WeightMemory::Registers), "synth_ice40"),
        "SB_DFF",
    );
    let bram_ice40 = synthesized(&bram, "synth_ice40");
    assert_eq!(
        bram_ice40.get("SB_RAM40_4K"),
        Some(&banks.1),
        "{bram_ice40:?}"
    );
    let spram = deep(WeightMemory::Spram);
    let spram_ice40 = synthesized(&spram, "synth_ice40");
    let blocks = spram.facts.spram_blocks;
    assert_eq!(
        spram_ice40.get("SB_SPRAM256KA"),
        Some(&blocks),
        "{spram_ice40:?}"
    );
    let deeper = sized(WeightMemory::Bram, 128, 32);
    assert_eq!(deeper.facts.weight_banks, (1024, 2));
    let bram_ecp5 = synthesized(&deeper, "synth_ecp5");
    assert_eq!(bram_ecp5.get("DP16KD"), Some(&banks.1), "{bram_ecp5:?}");
    for (what, cells) in [("bram", &bram_ice40), ("spram", &spram_ice40)] {
        let ffs = flip_flops(cells, "SB_DFF");
        eprintln!("{what}: {cells:?}; {ffs} iCE40 flip-flops, registers engine {regs_ice40}");
        assert!(
            ffs * 2 < regs_ice40,
            "{what}: {ffs} flip-flops, registers {regs_ice40}"
        );
    }
    eprintln!("bram synth_ecp5: {bram_ecp5:?}");
}

/// Block-RAM activation and result buffers: lint-clean, a clean synthesis,
/// and on iCE40 the buffers are RAM blocks beside the weights' SPRAM, with
/// far fewer flip-flops than register buffers hold bits.
#[test]
fn linear_bram_buffers_land_in_ram_blocks() {
    if find(Tool::Yosys).is_err() || find(Tool::Verilator).is_err() {
        eprintln!("yosys or verilator not found: skipped");
        return;
    }
    let size = (256, 128);
    let bram = buffered(WeightMemory::Spram, BufferMemory::Bram, size);
    let dir = written(&bram);
    let lint = verilator_lint(dir.path(), "lin.v", "lin").expect("verilator runs");
    assert!(lint.is_empty(), "{}", lint.join("\n"));
    let cells = synthesized(&bram, "synth_ice40");
    let ffs = flip_flops(&cells, "SB_DFF");
    let act_bits = bram.facts.core_params["act_bits"].as_u64().unwrap() as usize;
    let reg_ffs = 2 * size.0 * act_bits + 2 * size.1 * bram.facts.acc_bits as usize;
    eprintln!("bram buffers: {cells:?}, {ffs} flip-flops; register buffers hold {reg_ffs} bits");
    let ebr = cells.get("SB_RAM40_4K").copied().unwrap_or(0);
    assert!(ebr >= 2, "one RAM block or more a buffer: {cells:?}");
    assert_eq!(cells.get("SB_SPRAM256KA"), Some(&bram.facts.spram_blocks));
    assert!(
        ffs * 4 < reg_ffs,
        "{ffs} flip-flops, register buffers {reg_ffs}"
    );
}
