//! The linear engine's Verilog: it renders with the inner core as its own
//! module and compiles with Icarus Verilog (skipped when iverilog is absent).

use std::process::Command;

use lutforge_gen::Header;
use lutforge_hdl::datapath::core::{ParamMap, Registry};
use lutforge_hdl::datapath::linear::{self, LinearParams, WeightMemory};

#[test]
fn linear_verilog_compiles_with_icarus() {
    let mut cp = ParamMap::new();
    cp.insert("k".into(), 8.into());
    cp.insert("n".into(), 4.into());
    for memory in [
        WeightMemory::Registers,
        WeightMemory::Lutram,
        WeightMemory::Stream,
    ] {
        let p = LinearParams {
            name: "lin".into(),
            in_features: 21,
            out_features: 10,
            core: "ternary-gemv".into(),
            core_params: cp.clone(),
            x_lanes: 3,
            y_lanes: 3,
            weight_word_bits: 16,
            weight_memory: memory,
        };
        let g = linear::generate(&p, &Registry::builtin()).expect("generates");
        let header = Header {
            command: "test".into(),
            params: vec![],
        };
        let v = lutforge_gen::render_verilog(&g.module, &header).expect("renders");
        assert!(v.contains("module lin_core"), "the core is its own module");
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("lin.v");
        std::fs::write(&file, v).expect("writes");
        let Ok(out) = Command::new("iverilog")
            .args(["-g2005", "-o"])
            .arg(dir.path().join("a.out"))
            .arg(&file)
            .output()
        else {
            eprintln!("iverilog not found: skipped");
            return;
        };
        assert!(
            out.status.success(),
            "{memory:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
